//! Work lists: what a unit (or the bureau) has to report for a month, and in what state —
//! a reporter's home page and task list, the most asked-for reads of the month's last days.

use super::cache::{Shared, WorklistKey};
use crate::reports::ReportState;
use crate::{Result, Store, StoreError};
use domain::Period;
use serde::Serialize;
use sqlx::Row;
use std::sync::Arc;

/// One row of a reporter's (or the bureau's) work list for a period.
#[derive(Debug, Clone, Serialize)]
pub struct WorkItem {
    pub assignment_id: i64,
    pub plan_id: i64,
    pub task_id: i64,
    pub item_label: String,
    pub title: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub role: String,
    pub period: String,
    pub due_date: String,
    pub report_state: String,
    pub report_state_label: String,
    pub late: bool,
    pub review_comment: Option<String>,
}

impl Store {
    /// The work list for a period: one row per assignment of published plans (of one unit,
    /// or all), returned reports first, then the rest in plan order.
    pub async fn worklist(&self, unit_id: Option<i64>, period: Period, due_day: u32) -> Result<Vec<WorkItem>> {
        match unit_id {
            Some(unit_id) => Ok(self.unit_worklist(unit_id, period, due_day).await?.to_vec()),
            None => self.compute_worklist(None, period, due_day).await,
        }
    }

    /// A unit's work for a period, computed once per state of the data and shared (with its
    /// JSON) by every request for it until the data changes — a reporter's home page and task
    /// list are the most asked-for reads of the month's last days. The bureau's whole list,
    /// thousands of rows at a province's scale, is read each time rather than kept.
    pub async fn unit_worklist(
        &self,
        unit_id: i64,
        period: Period,
        due_day: u32,
    ) -> Result<Arc<Shared<Vec<WorkItem>>>> {
        // Read before the data, so that a list is never kept under a newer version than the
        // one it was computed from.
        let version = self.data_version().await?;
        let cell = self.views.worklists.slot(WorklistKey { unit_id, period, due_day }, version);
        let list = cell
            .get_or_try_init(|| async {
                let list = self.compute_worklist(Some(unit_id), period, due_day).await?;
                Ok::<_, StoreError>(Arc::new(Shared::new(list)))
            })
            .await?;
        Ok(list.clone())
    }

    /// The work list as stored.
    async fn compute_worklist(&self, unit_id: Option<i64>, period: Period, due_day: u32) -> Result<Vec<WorkItem>> {
        // Two texts rather than "$2 IS NULL OR a.unit_id = $2": SQLite cannot use the unit
        // index for that, and a reporter's list would scan every assignment of the province.
        let unit_filter = if unit_id.is_some() { "a.unit_id = $2" } else { "$2 IS NULL" };
        let rows = sqlx::query(sql!(
            "SELECT a.id, t.plan_id, t.id, t.item_label, t.title, a.unit_id, u.name, a.role, r.state, r.late, r.review_comment \
             FROM assignments a JOIN tasks t ON t.id = a.task_id JOIN plans p ON p.id = t.plan_id JOIN units u ON u.id = a.unit_id \
             LEFT JOIN reports r ON r.assignment_id = a.id AND r.period = $1 \
             WHERE p.status = 'published' AND {unit_filter} ORDER BY t.plan_id, t.position, a.id"
        ))
        .bind(period.to_string())
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?;
        let due = period.due_date(due_day).to_string();
        let mut items: Vec<WorkItem> = rows
            .iter()
            .map(|r| {
                let state: Option<String> = r.get(8);
                let state = state.as_deref().map_or(ReportState::New, ReportState::parse);
                WorkItem {
                    assignment_id: r.get(0),
                    plan_id: r.get(1),
                    task_id: r.get(2),
                    item_label: r.get(3),
                    title: r.get(4),
                    unit_id: r.get(5),
                    unit_name: r.get(6),
                    role: r.get(7),
                    period: period.to_string(),
                    due_date: due.clone(),
                    report_state: state.key().to_string(),
                    report_state_label: state.label().to_string(),
                    late: r.get::<Option<i64>, _>(9).is_some_and(|l| l != 0),
                    review_comment: r.get(10),
                }
            })
            .collect();
        items.sort_by_key(|w| w.report_state != "returned");
        Ok(items)
    }
}
