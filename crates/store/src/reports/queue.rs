//! The supervision office's review queue: submitted reports waiting for a decision, with the
//! flags a reviewer sorts by, and several clean ones approved in one action. The home page's
//! count and the queue page both come from [`Store::review_queue`], so they always agree.

use super::{Decision, ReportState};
use crate::{Result, Store, StoreError};
use domain::Period;
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// What the reviewer narrows the queue to; every part optional.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QueueFilter {
    /// One month (YYYY-MM); without it, the open month and the one before.
    pub period: Option<String>,
    pub unit: Option<i64>,
    /// A task (plan item).
    pub task: Option<i64>,
    /// late (逾期提交), unchanged (进展与上月相同), no_change (本月无新进展), clean (none of these).
    pub flag: Option<String>,
}

/// A submitted report waiting for review.
#[derive(Debug, Clone, Serialize)]
pub struct QueueRow {
    pub assignment_id: i64,
    pub period: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub task_id: i64,
    pub item_label: String,
    pub title: String,
    /// The version the reviewer saw: a decision applies to it or not at all.
    pub version: i64,
    pub late: bool,
    /// The progress text is last month's, unchanged.
    pub unchanged: bool,
    /// Declared 本月无新进展.
    pub no_change: bool,
    pub submitted_at: Option<String>,
}

impl QueueRow {
    /// Nothing a reviewer should look at twice: on time, and not last month's text again. Only
    /// clean reports are offered for approval in bulk.
    pub fn is_clean(&self) -> bool {
        !self.late && !self.unchanged
    }
}

/// One report of a bulk approval, at the version the reviewer saw.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QueueItem {
    pub assignment_id: i64,
    pub period: String,
    pub version: i64,
}

/// What a bulk approval did: the reports approved, and those left alone because they had
/// changed (or been decided) since the reviewer saw them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BulkOutcome {
    pub approved: Vec<QueueItem>,
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub assignment_id: i64,
    pub period: String,
    pub reason: String,
}

/// The most reports one bulk approval takes (a month's queue of a large unit fits).
pub const MAX_BULK: usize = 200;

impl Store {
    /// Submitted reports waiting for the office's review, the given months (newest first),
    /// filtered; within a month by plan order and unit.
    pub async fn review_queue(&self, periods: &[Period], filter: &QueueFilter) -> Result<Vec<QueueRow>> {
        let mut rows = Vec::new();
        let mut periods: Vec<Period> = periods.to_vec();
        periods.sort_by(|a, b| b.cmp(a));
        periods.dedup();
        for period in periods {
            let found = sqlx::query(
                "SELECT a.id, r.period, a.unit_id, u.name, t.id, t.item_label, t.title, r.version, r.late, r.unchanged, \
                 r.no_change, r.submitted_at \
                 FROM reports r JOIN assignments a ON a.id = r.assignment_id JOIN tasks t ON t.id = a.task_id \
                 JOIN plans p ON p.id = t.plan_id JOIN units u ON u.id = a.unit_id \
                 WHERE r.period = $1 AND r.state = $2 AND p.status = 'published' \
                 ORDER BY t.plan_id, t.position, u.name, a.id",
            )
            .bind(period.to_string())
            .bind(ReportState::Submitted.key())
            .fetch_all(&self.pool)
            .await?;
            rows.extend(found.iter().map(|r| QueueRow {
                assignment_id: r.get(0),
                period: r.get(1),
                unit_id: r.get(2),
                unit_name: r.get(3),
                task_id: r.get(4),
                item_label: r.get(5),
                title: r.get(6),
                version: r.get(7),
                late: r.get::<i64, _>(8) != 0,
                unchanged: r.get::<i64, _>(9) != 0,
                no_change: r.get::<i64, _>(10) != 0,
                submitted_at: r.get(11),
            }));
        }
        rows.retain(|r| {
            filter.unit.is_none_or(|u| r.unit_id == u)
                && filter.task.is_none_or(|t| r.task_id == t)
                && match filter.flag.as_deref() {
                    Some("late") => r.late,
                    Some("unchanged") => r.unchanged,
                    Some("no_change") => r.no_change,
                    Some("clean") => r.is_clean(),
                    _ => true,
                }
        });
        Ok(rows)
    }

    /// Approves several reports in one action, each only at the version the reviewer saw and
    /// only while still submitted: a report changed in between is skipped and named, never
    /// approved unseen. Each approval is its own conditional write, recorded in the report's
    /// history like a single decision.
    pub async fn approve_reports(&self, items: &[QueueItem], user_id: Option<i64>) -> Result<BulkOutcome> {
        if items.is_empty() {
            return Err(StoreError::invalid("items", "请至少选择一份报告"));
        }
        if items.len() > MAX_BULK {
            return Err(StoreError::invalid("items", format!("一次最多批量通过 {MAX_BULK} 份报告")));
        }
        let mut parsed = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let period: Period = item.period.parse().map_err(|_| StoreError::Invalid {
                field: format!("items[{i}].period"),
                message: "期间格式应为 YYYY-MM".into(),
            })?;
            parsed.push((item, period));
        }
        let mut outcome = BulkOutcome::default();
        for (item, period) in parsed {
            match self
                .review_report_at(item.assignment_id, period, Decision::Approve, None, user_id, Some(item.version))
                .await
            {
                Ok(r) => outcome.approved.push(QueueItem { version: r.version, ..item.clone() }),
                Err(StoreError::Conflict(reason)) => outcome.skipped.push(Skipped {
                    assignment_id: item.assignment_id,
                    period: item.period.clone(),
                    reason,
                }),
                Err(StoreError::NotFound) => outcome.skipped.push(Skipped {
                    assignment_id: item.assignment_id,
                    period: item.period.clone(),
                    reason: "没有这份报告".into(),
                }),
                Err(e) => return Err(e),
            }
        }
        Ok(outcome)
    }
}
