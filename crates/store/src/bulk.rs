//! Bulk loading for large synthetic or migrated data sets (`duban bench-data`, a province's
//! directory and a year of reports): multi-row INSERTs inside one transaction per batch, so
//! a hundred thousand reports take seconds rather than the minutes row-at-a-time statements
//! would. Nothing here checks the workflow's rules: the caller hands over rows as they
//! should stand. Run it while no server writes to the same database.
//!
//! Every value is still a bound parameter; the SQL is assembled only from placeholders.

use crate::seed::HistoricReport;
use crate::sql::{placeholders, rows_per_statement};
use crate::{Result, Store, StoreError, flag, now};
use sqlx::Row;
use std::collections::HashMap;

/// A unit of the directory.
#[derive(Debug, Clone, Default)]
pub struct BulkUnit {
    pub name: String,
    /// group, district, department, school or other
    pub kind: String,
    pub district: Option<String>,
    pub stage: Option<String>,
    pub ownership: Option<String>,
    pub inclusive: bool,
}

/// A user; every user of one call shares the password (hashed once: Argon2 is deliberately
/// slow, and a province has hundreds of accounts).
#[derive(Debug, Clone)]
pub struct BulkUser {
    pub username: String,
    pub display_name: String,
    /// The stored role key (`Role::key`).
    pub role: &'static str,
    pub unit_id: Option<i64>,
}

/// An evidence file's record; the file itself must already be stored under its SHA-256
/// (see [`Store::store_evidence_file`]).
#[derive(Debug, Clone)]
pub struct BulkEvidence {
    pub file_name: String,
    pub content_type: &'static str,
    pub size: i64,
    pub sha256: String,
}

/// A report as it stood at the end of its month, with what search finds it by.
#[derive(Debug, Clone)]
pub struct BulkReport {
    pub report: HistoricReport,
    /// The search heading (unit · item · period), as `reports::report_doc` makes it.
    pub search_title: String,
    pub evidence: Option<BulkEvidence>,
}

impl Store {
    /// Inserts units (names must be new) and returns every unit's id by name.
    pub async fn bulk_units(&self, units: &[BulkUnit]) -> Result<HashMap<String, i64>> {
        let mut tx = self.write_tx().await?;
        for chunk in units.chunks(rows_per_statement(6)) {
            let sql = format!(
                "INSERT INTO units (name, kind, district, stage, ownership, inclusive) VALUES {}",
                placeholders(chunk.len(), 6)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for u in chunk {
                q = q
                    .bind(u.name.clone())
                    .bind(u.kind.clone())
                    .bind(u.district.clone())
                    .bind(u.stage.clone())
                    .bind(u.ownership.clone())
                    .bind(flag(u.inclusive));
            }
            q.execute(&mut *tx).await?;
        }
        let rows = sqlx::query("SELECT id, name FROM units").fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(rows.iter().map(|r| (r.get::<String, _>(1), r.get::<i64, _>(0))).collect())
    }

    /// Adds aliases (alias, unit id, misspelling) and group memberships (group id, member id).
    pub async fn bulk_aliases_and_members(
        &self,
        aliases: &[(String, i64, bool)],
        members: &[(i64, i64)],
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for chunk in aliases.chunks(rows_per_statement(3)) {
            let sql = format!(
                "INSERT INTO unit_aliases (alias, unit_id, misspelling) VALUES {}",
                placeholders(chunk.len(), 3)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (alias, unit, misspelling) in chunk {
                q = q.bind(alias.clone()).bind(*unit).bind(flag(*misspelling));
            }
            q.execute(&mut *tx).await?;
        }
        for chunk in members.chunks(rows_per_statement(2)) {
            let sql =
                format!("INSERT INTO group_members (group_id, member_id) VALUES {}", placeholders(chunk.len(), 2));
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (group, member) in chunk {
                q = q.bind(*group).bind(*member);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Adds users sharing one password, which must satisfy the password policy.
    pub async fn bulk_users(&self, users: &[BulkUser], password: &str) -> Result<usize> {
        if let Some(u) = users.first() {
            crate::password::check_policy(&u.username, password).map_err(|m| StoreError::invalid("password", m))?;
        }
        let hash = crate::password::hash(password);
        let at = now();
        let mut tx = self.write_tx().await?;
        for chunk in users.chunks(rows_per_statement(7)) {
            let sql = format!(
                "INSERT INTO users (username, display_name, password_hash, role, unit_id, must_change_password, created_at) \
                 VALUES {}",
                placeholders(chunk.len(), 7)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for u in chunk {
                q = q
                    .bind(u.username.clone())
                    .bind(u.display_name.clone())
                    .bind(hash.clone())
                    .bind(u.role)
                    .bind(u.unit_id)
                    .bind(flag(false))
                    .bind(at.clone());
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(users.len())
    }

    /// Keeps `bytes` as an evidence file (content-addressed, as `add_evidence` does) and
    /// returns its SHA-256, for [`BulkEvidence`] records that share it.
    pub fn store_evidence_file(&self, bytes: &[u8]) -> Result<String> {
        use sha2::{Digest, Sha256};
        let sha: String = hex::encode(Sha256::digest(bytes));
        let dir = self.files.as_ref().ok_or_else(|| StoreError::invalid("file", "本服务未配置附件存储目录"))?;
        // The same layout as `evidence::evidence_path`.
        let path = dir.join("evidence").join(&sha[..2]).join(&sha);
        if !path.exists() {
            // Written aside and renamed: a write cut short (a full disk) never leaves a
            // partial file under the name later uploads of the same content would trust.
            crate::evidence::write_durably(&path, bytes).map_err(StoreError::file)?;
        }
        Ok(sha)
    }

    /// Inserts a batch of reports in one transaction: the reports, their values, a single
    /// "import" event each, their search entries and evidence records. Returns how many.
    pub async fn bulk_reports(&self, batch: &[BulkReport]) -> Result<usize> {
        if batch.is_empty() {
            return Ok(0);
        }
        let at = now();
        let mut tx = self.write_tx().await?;
        // (assignment, period) is unique, so the ids come back matched by it rather than by
        // the order of RETURNING rows, which neither database promises.
        let mut ids: HashMap<(i64, String), i64> = HashMap::with_capacity(batch.len());
        const WIDTH: usize = 14;
        for chunk in batch.chunks(rows_per_statement(WIDTH)) {
            let sql = format!(
                "INSERT INTO reports (assignment_id, period, state, progress, cumulative, self_status, problems, next_steps, \
                 late, unchanged, review_comment, submitted_at, reviewed_at, updated_at, version) VALUES {} \
                 RETURNING id, assignment_id, period",
                // Every report is at its first version.
                placeholders(chunk.len(), WIDTH).replace(')', ", 1)")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for b in chunk {
                let r = &b.report;
                let reviewed = matches!(r.state, "approved" | "returned").then(|| r.submitted_at.clone());
                q = q
                    .bind(r.assignment_id)
                    .bind(r.period.clone())
                    .bind(r.state)
                    .bind(r.input.progress.clone())
                    .bind(r.input.cumulative.clone())
                    .bind(r.input.self_status.clone())
                    .bind(r.input.problems.clone())
                    .bind(r.input.next_steps.clone())
                    .bind(flag(r.late))
                    .bind(flag(r.unchanged))
                    .bind(r.review_comment.clone())
                    .bind(r.submitted_at.clone())
                    .bind(reviewed)
                    .bind(r.submitted_at.clone());
            }
            for row in q.fetch_all(&mut *tx).await? {
                ids.insert((row.get(1), row.get(2)), row.get(0));
            }
        }
        let id_of = |b: &BulkReport| ids.get(&(b.report.assignment_id, b.report.period.clone())).copied();

        // Values.
        let values: Vec<(i64, i64, f64)> = batch
            .iter()
            .filter_map(|b| id_of(b).map(|id| (id, b)))
            .flat_map(|(id, b)| b.report.input.values.iter().map(move |(i, v)| (id, *i, *v)))
            .collect();
        for chunk in values.chunks(rows_per_statement(3)) {
            let sql = format!(
                "INSERT INTO report_values (report_id, indicator_id, value) VALUES {}",
                placeholders(chunk.len(), 3)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (report, indicator, value) in chunk {
                q = q.bind(*report).bind(*indicator).bind(*value);
            }
            q.execute(&mut *tx).await?;
        }

        // One event per report, and the search documents.
        let with_ids: Vec<(i64, &BulkReport)> = batch.iter().filter_map(|b| id_of(b).map(|id| (id, b))).collect();
        for chunk in with_ids.chunks(rows_per_statement(2)) {
            let sql = format!(
                "INSERT INTO report_events (report_id, at, user_id, action, comment, snapshot) VALUES {}",
                (0..chunk.len())
                    .map(|r| format!("(${}, ${}, NULL, 'import', NULL, '{{}}')", r * 2 + 1, r * 2 + 2))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (id, _) in chunk {
                q = q.bind(*id).bind(at.clone());
            }
            q.execute(&mut *tx).await?;
        }
        let places = self.assignment_places(&mut tx, &with_ids).await?;
        let docs: Vec<crate::search::Doc> = with_ids
            .iter()
            .map(|(id, b)| {
                let r = &b.report;
                let (unit, plan) = places.get(&r.assignment_id).copied().unzip();
                let mut doc = crate::search::Doc::new(
                    "report",
                    *id,
                    b.search_title.clone(),
                    crate::reports::report_search_body(&r.input),
                    crate::reports::report_link(r.assignment_id, &r.period),
                    unit,
                )
                .in_period(r.period.clone());
                if let Some(plan) = plan {
                    doc = doc.in_plan(plan);
                }
                doc
            })
            .collect();
        crate::search::add_all(&mut tx, &docs).await?;

        // Evidence records.
        let evidence: Vec<(i64, &BulkEvidence)> =
            with_ids.iter().filter_map(|(id, b)| b.evidence.as_ref().map(|e| (*id, e))).collect();
        for chunk in evidence.chunks(rows_per_statement(6)) {
            let sql = format!(
                "INSERT INTO evidence (report_id, file_name, content_type, size, sha256, uploaded_at) VALUES {}",
                placeholders(chunk.len(), 6)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (id, e) in chunk {
                q = q
                    .bind(*id)
                    .bind(e.file_name.clone())
                    .bind(e.content_type)
                    .bind(e.size)
                    .bind(e.sha256.clone())
                    .bind(at.clone());
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(with_ids.len())
    }

    /// The unit and plan of each assignment in a batch (one query, not one per report).
    async fn assignment_places(
        &self,
        tx: &mut sqlx::AnyConnection,
        reports: &[(i64, &BulkReport)],
    ) -> Result<HashMap<i64, (i64, i64)>> {
        let mut wanted: Vec<i64> = reports.iter().map(|(_, b)| b.report.assignment_id).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut out = HashMap::with_capacity(wanted.len());
        for chunk in wanted.chunks(rows_per_statement(1)) {
            let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT a.id, a.unit_id, t.plan_id FROM assignments a JOIN tasks t ON t.id = a.task_id WHERE a.id IN ({})",
                list.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            for row in q.fetch_all(&mut *tx).await? {
                out.insert(row.get::<i64, _>(0), (row.get::<i64, _>(1), row.get::<i64, _>(2)));
            }
        }
        Ok(out)
    }
}
