//! Logical backups: every table's rows read in one transaction (a consistent snapshot on both
//! databases) and written back into an empty database of either kind. The archive around
//! them (with the evidence files) is the command line's business; this is the data.
//!
//! Sessions, idempotency keys and sign-in failure counters are not kept: they are short-lived,
//! and a restored system should make everyone sign in again.

use crate::schema::MIGRATIONS;
use crate::sql::Backend;
use crate::{Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{Column, Row};

/// Tables whose rows a backup leaves out.
pub const EPHEMERAL: [&str; 3] = ["sessions", "idempotency_keys", "login_failures"];

/// Tables of earlier releases that held only what is derived from other tables (the words of
/// the old search index): an archive holding one is restored without it.
const RETIRED: [&str; 1] = ["search_terms"];

/// One table's rows, columns named once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableDump {
    pub name: String,
    pub columns: Vec<String>,
    /// Integers, reals, text, `null`, or `{"hex": …}` for binary data.
    pub rows: Vec<Vec<Value>>,
}

/// The tables in the order the migrations create them, which is an order their foreign
/// keys allow filling them in.
pub fn tables() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, script) in MIGRATIONS {
        let mut rest = script.ddl_text();
        // Tables created and dropped, in the order the scripts name them (a table dropped and
        // made again comes later, after the tables it may refer to).
        loop {
            let create = rest.find("CREATE TABLE ").map(|i| (i, 13, true));
            let drop = rest.find("DROP TABLE ").map(|i| (i, 11, false));
            let Some((i, len, created)) = [create, drop].into_iter().flatten().min() else { break };
            rest = &rest[i + len..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !created {
                out.retain(|t| t != &name);
            } else if !name.is_empty() && !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    s.len().is_multiple_of(2).then_some(())?;
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// A cell as JSON: the column's own type decides, so text of digits stays text.
fn cell(r: &sqlx::any::AnyRow, i: usize) -> Value {
    if let Ok(v) = r.try_get::<Option<i64>, _>(i) {
        return v.map_or(Value::Null, Value::from);
    }
    if let Ok(v) = r.try_get::<Option<f64>, _>(i) {
        return v.map_or(Value::Null, Value::from);
    }
    if let Ok(v) = r.try_get::<Option<String>, _>(i) {
        return v.map_or(Value::Null, Value::from);
    }
    if let Ok(v) = r.try_get::<Option<Vec<u8>>, _>(i) {
        return v.map_or(Value::Null, |b| serde_json::json!({ "hex": hex(&b) }));
    }
    Value::Null
}

impl Store {
    /// Every table's rows, read in one transaction so they agree with each other.
    pub async fn dump(&self) -> Result<Vec<TableDump>> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute(&mut *tx).await?;
        }
        let mut out = Vec::new();
        for name in tables().into_iter().filter(|t| !EPHEMERAL.contains(&t.as_str())) {
            let rows = sqlx::query(sql!("SELECT * FROM {name} ORDER BY 1")).fetch_all(&mut *tx).await?;
            let columns =
                rows.first().map(|r| r.columns().iter().map(|c| c.name().to_string()).collect()).unwrap_or_default();
            let rows = rows.iter().map(|r| (0..r.columns().len()).map(|i| cell(r, i)).collect()).collect();
            out.push(TableDump { name, columns, rows });
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Writes a dump into this database, which must hold no users or plans yet (a fresh one:
    /// rows the migrations seed are replaced). All or nothing.
    pub async fn load(&self, dumps: &[TableDump]) -> Result<usize> {
        let used: i64 = sqlx::query("SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM plans)")
            .fetch_one(&self.pool)
            .await?
            .get(0);
        if used > 0 {
            return Err(StoreError::Conflict("目标数据库已有数据,只能恢复到空的数据库".into()));
        }
        let known = tables();
        let dumps: Vec<&TableDump> = dumps.iter().filter(|d| !RETIRED.contains(&d.name.as_str())).collect();
        for d in &dumps {
            if !known.contains(&d.name) {
                return Err(StoreError::invalid("backup", format!("备份中有本版本不认识的表“{}”", d.name)));
            }
            if d.columns.iter().any(|c| !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')) {
                return Err(StoreError::invalid("backup", format!("表“{}”的列名无效", d.name)));
            }
        }
        let mut tx = self.write_tx().await?;
        // Rows the migrations seeded (and anything else) go first, children before parents.
        for name in known.iter().rev() {
            sqlx::query(sql!("DELETE FROM {name}")).execute(&mut *tx).await?;
        }
        let mut n = 0;
        for name in &known {
            let Some(d) = dumps.iter().find(|d| &d.name == name) else { continue };
            for row in &d.rows {
                if row.len() != d.columns.len() {
                    return Err(StoreError::invalid("backup", format!("表“{name}”有一行的列数不对")));
                }
                // NULLs are written into the statement: a bound NULL has no type on PostgreSQL.
                let mut placeholders = Vec::new();
                let mut k = 0;
                for v in row {
                    if v.is_null() {
                        placeholders.push("NULL".to_string());
                    } else {
                        k += 1;
                        placeholders.push(format!("${k}"));
                    }
                }
                let text =
                    format!("INSERT INTO {name} ({}) VALUES ({})", d.columns.join(", "), placeholders.join(", "));
                // Not kept prepared: the same text can come with an integer in one row and a
                // decimal in the next, and PostgreSQL fixes a prepared parameter's type.
                let mut q = sqlx::query(sqlx::AssertSqlSafe(text)).persistent(false);
                for v in row.iter().filter(|v| !v.is_null()) {
                    q = match v {
                        Value::Number(x) if x.is_i64() => q.bind(x.as_i64()),
                        Value::Number(x) => q.bind(x.as_f64()),
                        Value::String(s) => q.bind(s.clone()),
                        Value::Bool(b) => q.bind(i64::from(*b)),
                        Value::Object(o) => {
                            let bytes = o.get("hex").and_then(Value::as_str).and_then(unhex).ok_or_else(|| {
                                StoreError::invalid("backup", format!("表“{name}”中的二进制数据无效"))
                            })?;
                            q.bind(bytes)
                        }
                        _ => return Err(StoreError::invalid("backup", format!("表“{name}”中有无法识别的值"))),
                    };
                }
                q.execute(&mut *tx).await?;
                n += 1;
            }
        }
        // Every search document's stamp is at most the data version (see `search`): a
        // fresh database's version is raised to the archive's highest stamp. Documents of an
        // archive made before their plan, month and units were kept get them as the upgrade
        // gives them.
        sqlx::query(
            "UPDATE data_version SET version = (SELECT COALESCE(MAX(seq), 0) FROM search_docs) \
             WHERE id = 1 AND version < (SELECT COALESCE(MAX(seq), 0) FROM search_docs)",
        )
        .execute(&mut *tx)
        .await?;
        let old_documents = dumps.iter().any(|d| d.name == "search_docs" && !d.columns.iter().any(|c| c == "units"));
        if old_documents {
            for statement in crate::schema::search_docs_filled(self.backend) {
                sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&mut *tx).await?;
            }
        }
        if self.backend == Backend::Postgres {
            // Identity columns continue after the restored ids.
            let identity: Vec<String> = sqlx::query(
                "SELECT table_name::text FROM information_schema.columns WHERE table_schema = current_schema() \
                 AND column_name = 'id' AND is_identity = 'YES'",
            )
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
            for name in known.iter().filter(|t| identity.contains(t)) {
                sqlx::query(sql!(
                    "SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
                ))
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_come_in_creation_order() {
        let t = tables();
        let at = |n: &str| t.iter().position(|x| x == n).unwrap_or(usize::MAX);
        assert!(at("units") < at("assignments") && at("plans") < at("tasks") && at("reports") < at("evidence"));
        assert!(t.contains(&"school_data".to_string()));
        // Dropped for good: gone; dropped and made again: kept.
        assert!(!t.contains(&"search_terms".to_string()) && t.contains(&"idempotency_keys".to_string()));
        assert_eq!(unhex(&hex(&[0, 1, 254, 255])), Some(vec![0, 1, 254, 255]));
        assert_eq!(unhex("0g"), None);
    }
}
