//! A report's history: every change recorded in `report_events` with the report as it stood,
//! appended by the group that commits the change.

use super::{ReportEvent, ReportInput};
use crate::group_commit::{Batch, JobFuture};
use crate::{Result, Store};
use domain::Period;
use sqlx::Row;

impl Store {
    /// The full history of a report, oldest first.
    pub async fn report_history(&self, assignment_id: i64, period: Period) -> Result<Vec<ReportEvent>> {
        let rows = sqlx::query(
            "SELECT e.at, e.user_id, e.action, e.comment, u.display_name FROM report_events e \
             JOIN reports r ON r.id = e.report_id LEFT JOIN users u ON u.id = e.user_id \
             WHERE r.assignment_id = $1 AND r.period = $2 ORDER BY e.id",
        )
        .bind(assignment_id)
        .bind(period.to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| ReportEvent {
                at: r.get(0),
                user_id: r.get(1),
                action: r.get(2),
                comment: r.get(3),
                user_name: r.get(4),
            })
            .collect())
    }
}

/// An entry of a report's history: who did what, with the report as it stood.
pub(crate) struct EventRow {
    report_id: i64,
    at: String,
    user_id: Option<i64>,
    action: &'static str,
    comment: Option<String>,
    snapshot: String,
}

impl EventRow {
    pub(crate) fn new(
        report_id: i64,
        at: &str,
        user_id: Option<i64>,
        action: &'static str,
        comment: Option<&str>,
        input: &ReportInput,
    ) -> EventRow {
        EventRow {
            report_id,
            at: at.to_string(),
            user_id,
            action,
            comment: comment.map(str::to_string),
            snapshot: serde_json::to_string(input).unwrap_or_default(),
        }
    }
}

/// History entries are appended by the group that commits their change (see
/// [`crate::group_commit`]), all of a group's in a few statements.
impl Batch for Vec<EventRow> {
    fn merge(&mut self, later: Self) {
        self.extend(later);
    }

    fn insert<'c>(&'c self, conn: &'c mut sqlx::AnyConnection) -> JobFuture<'c, ()> {
        Box::pin(insert_events(conn, self))
    }
}

/// Inserts history entries, in order.
async fn insert_events(conn: &mut sqlx::AnyConnection, events: &[EventRow]) -> Result<()> {
    for chunk in events.chunks(crate::sql::rows_per_statement(6)) {
        let rows = crate::sql::placeholders(chunk.len(), 6);
        let mut q = sqlx::query(sql!(
            "INSERT INTO report_events (report_id, at, user_id, action, comment, snapshot) VALUES {rows}"
        ));
        for e in chunk {
            q = q.bind(e.report_id).bind(&e.at).bind(e.user_id).bind(e.action).bind(&e.comment).bind(&e.snapshot);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}
