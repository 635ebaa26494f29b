//! Units named by a request (by id, name or alias), resolved inside the caller's transaction.

use super::*;

/// A unit of the directory, as resolved inside a transaction.
pub(super) struct Resolved {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) kind: String,
}

pub(super) async fn resolve_unit(conn: &mut sqlx::AnyConnection, r: &UnitRef) -> Result<Option<Resolved>> {
    let row = match r {
        UnitRef::Id(id) => {
            sqlx::query("SELECT id, name, kind FROM units WHERE id = $1").bind(*id).fetch_optional(&mut *conn).await?
        }
        UnitRef::Name(name) => {
            sqlx::query(
                "SELECT id, name, kind FROM units WHERE name = $1 \
                 OR id = (SELECT unit_id FROM unit_aliases WHERE alias = $1)",
            )
            .bind(name.trim())
            .fetch_optional(&mut *conn)
            .await?
        }
    };
    Ok(row.map(|r| Resolved { id: r.get(0), name: r.get(1), kind: r.get(2) }))
}

pub(super) fn unit_words(r: &UnitRef) -> String {
    match r {
        UnitRef::Id(id) => format!("编号 {id}"),
        UnitRef::Name(n) => format!("“{}”", n.trim()),
    }
}

/// A district or a school of the directory, or why not (naming `field` and `label`).
pub(super) async fn district_or_school(
    conn: &mut sqlx::AnyConnection,
    r: &UnitRef,
    field: &str,
    label: &str,
) -> Result<Resolved> {
    let unit = resolve_unit(conn, r)
        .await?
        .ok_or_else(|| StoreError::invalid(field, format!("{label}{}不在单位目录中", unit_words(r))))?;
    if !matches!(unit.kind.as_str(), "district" | "school") {
        return Err(StoreError::invalid(
            field,
            format!("{label}应为区县或学校,“{}”是{}", unit.name, crate::directory::kind_label(&unit.kind)),
        ));
    }
    Ok(unit)
}

/// Any single unit of the directory (not a group), or why not.
pub(super) async fn single_unit(
    conn: &mut sqlx::AnyConnection,
    r: &UnitRef,
    field: &str,
    label: &str,
) -> Result<Resolved> {
    let unit = resolve_unit(conn, r)
        .await?
        .ok_or_else(|| StoreError::invalid(field, format!("{label}{}不在单位目录中", unit_words(r))))?;
    if unit.kind == "group" {
        return Err(StoreError::invalid(field, format!("{label}应为具体单位,“{}”是单位组", unit.name)));
    }
    Ok(unit)
}
