//! Bulk loading of report history (the demo's months, a migration from spreadsheets): one
//! transaction for the whole batch, each report recorded with a single "import" event.

use crate::reports::ReportInput;
use crate::{Result, Store, flag, now};

/// A report as it stood at the end of its month.
#[derive(Debug, Clone)]
pub struct HistoricReport {
    pub assignment_id: i64,
    pub period: String,
    /// submitted, returned or approved
    pub state: &'static str,
    pub input: ReportInput,
    pub submitted_at: String,
    pub late: bool,
    pub unchanged: bool,
    pub review_comment: Option<String>,
}

impl Store {
    pub async fn import_report_history(&self, reports: &[HistoricReport]) -> Result<usize> {
        let mut tx = self.write_tx().await?;
        let at = now();
        for r in reports {
            let id: i64 = sqlx::query(
                "INSERT INTO reports (assignment_id, period, state, progress, cumulative, self_status, problems, next_steps, version, \
                 late, unchanged, review_comment, submitted_at, reviewed_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $11, $12, $12, $12) RETURNING id",
            )
            .bind(r.assignment_id)
            .bind(&r.period)
            .bind(r.state)
            .bind(&r.input.progress)
            .bind(&r.input.cumulative)
            .bind(r.input.self_status.clone())
            .bind(&r.input.problems)
            .bind(&r.input.next_steps)
            .bind(flag(r.late))
            .bind(flag(r.unchanged))
            .bind(r.review_comment.clone())
            .bind(&r.submitted_at)
            .fetch_one(&mut *tx)
            .await
            .map(|row| sqlx::Row::get(&row, 0))?;
            for (indicator, value) in &r.input.values {
                sqlx::query("INSERT INTO report_values (report_id, indicator_id, value) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(*indicator)
                    .bind(*value)
                    .execute(&mut *tx)
                    .await?;
            }
            let place = crate::reports::report_place(&mut *tx, r.assignment_id).await?;
            let mut doc = crate::reports::report_doc(&place, r.assignment_id, &r.period, &r.input);
            doc.ref_id = id;
            crate::search::add_all(&mut tx, &[doc]).await?;
            sqlx::query("INSERT INTO report_events (report_id, at, user_id, action, comment, snapshot) VALUES ($1, $2, NULL, 'import', NULL, '{}')")
                .bind(id)
                .bind(&at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(reports.len())
    }
}
