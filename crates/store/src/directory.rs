//! The unit directory in the database: units, aliases and group members, loaded from the same
//! TOML directory the plan parser uses, and read back for publishing and access checks.

use crate::{Result, Store, StoreError, flag};
use plan::Directory;
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Unit {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub district: Option<String>,
    pub stage: Option<String>,
    pub ownership: Option<String>,
    pub inclusive: bool,
}

fn unit_from_row(r: &sqlx::any::AnyRow) -> Unit {
    Unit {
        id: r.get("id"),
        name: r.get("name"),
        kind: r.get("kind"),
        district: r.get("district"),
        stage: r.get("stage"),
        ownership: r.get("ownership"),
        inclusive: r.get::<i64, _>("inclusive") != 0,
    }
}

const UNIT_COLUMNS: &str = "id, name, kind, district, stage, ownership, inclusive";

impl Store {
    /// Adds the directory's units, aliases and group memberships; existing units (by name)
    /// are kept, so loading twice changes nothing.
    pub async fn load_directory(&self, directory: &Directory) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for u in &directory.units {
            let exists =
                sqlx::query("SELECT id FROM units WHERE name = $1").bind(&u.name).fetch_optional(&mut *tx).await?;
            if exists.is_none() {
                sqlx::query(
                    "INSERT INTO units (name, kind, district, stage, ownership, inclusive) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&u.name)
                .bind(&u.kind)
                .bind(u.district.clone())
                .bind(u.stage.clone())
                .bind(u.ownership.clone())
                .bind(flag(u.inclusive))
                .execute(&mut *tx)
                .await?;
            }
        }
        for u in &directory.units {
            let id: i64 =
                sqlx::query("SELECT id FROM units WHERE name = $1").bind(&u.name).fetch_one(&mut *tx).await?.get(0);
            let aliases = u.aliases.iter().map(|a| (a, false)).chain(u.misspellings.iter().map(|m| (m, true)));
            for (alias, misspelling) in aliases {
                sqlx::query("DELETE FROM unit_aliases WHERE alias = $1").bind(alias).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO unit_aliases (alias, unit_id, misspelling) VALUES ($1, $2, $3)")
                    .bind(alias)
                    .bind(id)
                    .bind(flag(misspelling))
                    .execute(&mut *tx)
                    .await?;
            }
            for member in &u.members {
                let Some(row) =
                    sqlx::query("SELECT id FROM units WHERE name = $1").bind(member).fetch_optional(&mut *tx).await?
                else {
                    return Err(StoreError::invalid(
                        "members",
                        format!("单位组“{}”的成员“{member}”不在单位目录中", u.name),
                    ));
                };
                let member_id: i64 = row.get(0);
                sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND member_id = $2")
                    .bind(id)
                    .bind(member_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO group_members (group_id, member_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(member_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn units(&self) -> Result<Vec<Unit>> {
        let rows = sqlx::query(sql!("SELECT {UNIT_COLUMNS} FROM units ORDER BY id")).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(unit_from_row).collect())
    }

    pub async fn unit_by_name(&self, name: &str) -> Result<Option<Unit>> {
        let row = sqlx::query(sql!(
            "SELECT {UNIT_COLUMNS} FROM units WHERE name = $1 \
             OR id = (SELECT unit_id FROM unit_aliases WHERE alias = $1)"
        ))
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(unit_from_row))
    }

    /// The members of a group (empty for a unit that is not a group).
    pub async fn group_members(&self, group_id: i64) -> Result<Vec<Unit>> {
        let rows = sqlx::query(sql!(
            "SELECT {UNIT_COLUMNS} FROM units WHERE id IN (SELECT member_id FROM group_members WHERE group_id = $1) ORDER BY id"
        ))
        .bind(group_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(unit_from_row).collect())
    }

    /// The directory as stored, for the parser (names, aliases, misspellings, groups).
    pub async fn directory(&self) -> Result<Directory> {
        let units = self.units().await?;
        let aliases = sqlx::query("SELECT alias, unit_id, misspelling FROM unit_aliases").fetch_all(&self.pool).await?;
        let members = sqlx::query("SELECT group_id, member_id FROM group_members").fetch_all(&self.pool).await?;
        let name_of = |id: i64| units.iter().find(|u| u.id == id).map(|u| u.name.clone()).unwrap_or_default();
        let list = units
            .iter()
            .map(|u| plan::directory::DirectoryUnit {
                name: u.name.clone(),
                kind: u.kind.clone(),
                aliases: aliases
                    .iter()
                    .filter(|a| a.get::<i64, _>(1) == u.id && a.get::<i64, _>(2) == 0)
                    .map(|a| a.get(0))
                    .collect(),
                misspellings: aliases
                    .iter()
                    .filter(|a| a.get::<i64, _>(1) == u.id && a.get::<i64, _>(2) != 0)
                    .map(|a| a.get(0))
                    .collect(),
                members: members.iter().filter(|m| m.get::<i64, _>(0) == u.id).map(|m| name_of(m.get(1))).collect(),
                stage: u.stage.clone(),
                ownership: u.ownership.clone(),
                inclusive: u.inclusive,
                district: u.district.clone(),
            })
            .collect();
        Ok(Directory::from_units(None, list))
    }
}
