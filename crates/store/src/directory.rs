//! The unit directory in the database: units, aliases and group members, loaded from the same
//! TOML directory the plan parser uses, and read back for publishing and access checks.

use crate::{Result, Store, StoreError, flag};
use plan::Directory;
use serde::{Deserialize, Serialize};
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Unit {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub district: Option<String>,
    pub stage: Option<String>,
    pub ownership: Option<String>,
    pub inclusive: bool,
    /// Where e-mailed notices go.
    pub email: Option<String>,
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
        email: r.get("email"),
    }
}

/// Kinds a unit may have: (as people write it, as stored).
pub const KINDS: [(&str, &str); 5] =
    [("单位组", "group"), ("区县", "district"), ("科室", "department"), ("学校", "school"), ("其他", "other")];

/// School stages (学段) a school may have.
pub const STAGES: [&str; 8] = ["幼儿园", "小学", "初中", "九年一贯制", "高中", "完全中学", "中职", "高校"];

/// Ownership (办别) of a school.
pub const OWNERSHIPS: [&str; 2] = ["公办", "民办"];

/// The stored kind for a kind as written, in Chinese or as the stored key.
pub fn kind_key(written: &str) -> Option<&'static str> {
    let w = written.trim();
    KINDS.iter().find(|(label, key)| *label == w || *key == w).map(|(_, key)| *key)
}

/// The Chinese name of a stored kind.
pub fn kind_label(key: &str) -> &str {
    KINDS.iter().find(|(_, k)| *k == key).map_or(key, |(label, _)| label)
}

/// A unit as an administrator edits it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct UnitInput {
    pub name: String,
    /// group, district, department, school or other (or their Chinese names).
    pub kind: String,
    #[serde(default)]
    pub district: Option<String>,
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default)]
    pub ownership: Option<String>,
    #[serde(default)]
    pub inclusive: bool,
    /// Other names the unit goes by in documents (简称).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// For a group: the ids of its members.
    #[serde(default)]
    pub members: Vec<i64>,
    /// Where e-mailed notices go, optional.
    #[serde(default)]
    pub email: Option<String>,
}

/// A unit with its aliases and, for a group, its members: what the editing form shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitDetail {
    #[serde(flatten)]
    pub unit: Unit,
    pub aliases: Vec<String>,
    pub members: Vec<Unit>,
}

const MAX_NAME_CHARS: usize = 60;

fn blank_to_none(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

const UNIT_COLUMNS: &str = "id, name, kind, district, stage, ownership, inclusive, email";

impl Store {
    /// Adds the directory's units, aliases and group memberships; existing units (by name)
    /// are kept, so loading twice changes nothing.
    pub async fn load_directory(&self, directory: &Directory) -> Result<()> {
        let mut tx = self.write_tx().await?;
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

    pub async fn unit(&self, id: i64) -> Result<Unit> {
        let row = sqlx::query(sql!("SELECT {UNIT_COLUMNS} FROM units WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(unit_from_row(&row))
    }

    pub async fn unit_detail(&self, id: i64) -> Result<UnitDetail> {
        let unit = self.unit(id).await?;
        let aliases =
            sqlx::query("SELECT alias FROM unit_aliases WHERE unit_id = $1 AND misspelling = 0 ORDER BY alias")
                .bind(id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect();
        let members = self.group_members(id).await?;
        Ok(UnitDetail { unit, aliases, members })
    }

    /// Adds a unit to the directory.
    pub async fn create_unit(&self, input: &UnitInput) -> Result<UnitDetail> {
        self.save_unit(None, input).await
    }

    /// Changes a unit. Assignments refer to units by id, so renaming keeps their history;
    /// the old name stays findable as an alias, since published documents still use it.
    pub async fn update_unit(&self, id: i64, input: &UnitInput) -> Result<UnitDetail> {
        self.unit(id).await?;
        self.save_unit(Some(id), input).await
    }

    async fn save_unit(&self, id: Option<i64>, input: &UnitInput) -> Result<UnitDetail> {
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(StoreError::invalid("name", format!("单位名称不能为空,且不超过 {MAX_NAME_CHARS} 个字")));
        }
        let Some(kind) = kind_key(&input.kind) else {
            return Err(StoreError::invalid("kind", "类别应为 单位组、区县、科室、学校 或 其他"));
        };
        let stage = blank_to_none(&input.stage);
        if let Some(s) = &stage
            && !STAGES.contains(&s.as_str())
        {
            return Err(StoreError::invalid("stage", format!("学段应为 {} 之一", STAGES.join("、"))));
        }
        let ownership = blank_to_none(&input.ownership);
        if let Some(o) = &ownership
            && !OWNERSHIPS.contains(&o.as_str())
        {
            return Err(StoreError::invalid("ownership", "办别应为 公办 或 民办"));
        }
        let email = blank_to_none(&input.email);
        if let Some(e) = &email
            && (e.chars().count() > 200 || !e.contains('@') || e.contains(char::is_whitespace))
        {
            return Err(StoreError::invalid("email", "邮箱地址格式不正确"));
        }
        if kind != "group" && !input.members.is_empty() {
            return Err(StoreError::invalid("members", "只有单位组可以有成员"));
        }
        let aliases: Vec<&str> = input.aliases.iter().map(|a| a.trim()).filter(|a| !a.is_empty()).collect();
        for a in &aliases {
            if a.chars().count() > MAX_NAME_CHARS {
                return Err(StoreError::invalid("aliases", format!("别名“{a}”过长")));
            }
        }
        let mut tx = self.write_tx().await?;
        // A name or alias must point at one unit only, or the parser could not tell them apart.
        for n in std::iter::once(name).chain(aliases.iter().copied()) {
            let owner = sqlx::query(
                "SELECT id FROM units WHERE name = $1 UNION SELECT unit_id FROM unit_aliases WHERE alias = $1",
            )
            .bind(n)
            .fetch_all(&mut *tx)
            .await?;
            if owner.iter().any(|r| Some(r.get::<i64, _>(0)) != id) {
                let field = if n == name { "name" } else { "aliases" };
                return Err(StoreError::invalid(field, format!("“{n}”已是另一个单位的名称或别名")));
            }
        }
        for m in &input.members {
            if Some(*m) == id {
                return Err(StoreError::invalid("members", "单位组不能包含自己"));
            }
            let exists = sqlx::query("SELECT kind FROM units WHERE id = $1").bind(*m).fetch_optional(&mut *tx).await?;
            match exists {
                None => return Err(StoreError::invalid("members", format!("成员 {m} 不在单位目录中"))),
                Some(r) if r.get::<String, _>(0) == "group" => {
                    return Err(StoreError::invalid("members", "单位组的成员不能是单位组"));
                }
                Some(_) => {}
            }
        }
        let id = match id {
            None => sqlx::query(
                "INSERT INTO units (name, kind, district, stage, ownership, inclusive, email) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(name)
            .bind(kind)
            .bind(blank_to_none(&input.district))
            .bind(stage)
            .bind(ownership)
            .bind(flag(input.inclusive))
            .bind(email.clone())
            .fetch_one(&mut *tx)
            .await?
            .get(0),
            Some(id) => {
                let old: String =
                    sqlx::query("SELECT name FROM units WHERE id = $1").bind(id).fetch_one(&mut *tx).await?.get(0);
                sqlx::query(
                    "UPDATE units SET name = $1, kind = $2, district = $3, stage = $4, ownership = $5, inclusive = $6, \
                     email = $7 WHERE id = $8",
                )
                .bind(name)
                .bind(kind)
                .bind(blank_to_none(&input.district))
                .bind(stage)
                .bind(ownership)
                .bind(flag(input.inclusive))
                .bind(email.clone())
                .bind(id)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM unit_aliases WHERE unit_id = $1 AND misspelling = 0")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if old != name && !aliases.contains(&old.as_str()) {
                    sqlx::query("INSERT INTO unit_aliases (alias, unit_id, misspelling) VALUES ($1, $2, 0)")
                        .bind(&old)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query("DELETE FROM group_members WHERE group_id = $1").bind(id).execute(&mut *tx).await?;
                id
            }
        };
        for a in &aliases {
            sqlx::query("INSERT INTO unit_aliases (alias, unit_id, misspelling) VALUES ($1, $2, 0)")
                .bind(*a)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let mut members = input.members.clone();
        members.sort_unstable();
        members.dedup();
        for m in members {
            sqlx::query("INSERT INTO group_members (group_id, member_id) VALUES ($1, $2)")
                .bind(id)
                .bind(m)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.unit_detail(id).await
    }
}
