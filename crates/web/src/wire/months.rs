//! The JSON the API answers (and reads) for months: its own types, so a change to a stored
//! row does not silently change the API; `From` converts each store type field by field.

use super::plans::StatusView;
use super::reports::Report;
use serde::Deserialize;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// One row of a month's submission: an assignment's report for the period. Fields left out
/// keep what the draft holds (or, for a report not yet saved, what last month's pre-filled).
/// A row is complete with text, with `no_change`, or with figures that changed.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonthEntry {
    pub assignment_id: i64,
    /// The version read (0 for a report not yet saved); a stale one gets 409 naming the row.
    pub version: i64,
    /// Indicator id → value, set over the draft's (or last month's) values.
    #[serde(default)]
    pub values: Option<BTreeMap<i64, f64>>,
    /// 本月进展; required unless `no_change`.
    #[serde(default)]
    pub progress: Option<String>,
    /// 本月无新进展: the row is complete without text.
    #[serde(default)]
    pub no_change: bool,
    /// Milestone id → the day it was done (YYYY-MM-DD), set over the draft's.
    #[serde(default)]
    pub milestones: Option<BTreeMap<i64, String>>,
}

impl From<MonthEntry> for store::months::MonthEntry {
    fn from(v: MonthEntry) -> Self {
        store::months::MonthEntry {
            assignment_id: v.assignment_id,
            version: v.version,
            values: v.values,
            progress: v.progress,
            no_change: v.no_change,
            milestones: v.milestones,
        }
    }
}

/// A unit's month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthSheet {
    pub period: String,
    pub unit_id: i64,
    pub due_date: String,
    pub sections: Vec<MonthSection>,
}

impl From<store::months::MonthSheet> for MonthSheet {
    fn from(v: store::months::MonthSheet) -> Self {
        MonthSheet {
            period: v.period,
            unit_id: v.unit_id,
            due_date: v.due_date,
            sections: v.sections.into_iter().map(Into::into).collect(),
        }
    }
}

/// The rows of one section (一、…) of a plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthSection {
    pub plan_id: i64,
    pub number: i64,
    pub title: String,
    pub rows: Vec<MonthRow>,
}

impl From<store::months::MonthSection> for MonthSection {
    fn from(v: store::months::MonthSection) -> Self {
        MonthSection {
            plan_id: v.plan_id,
            number: v.number,
            title: v.title,
            rows: v.rows.into_iter().map(Into::into).collect(),
        }
    }
}

/// One assignment's month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthRow {
    pub assignment_id: i64,
    pub task_id: i64,
    pub item_label: String,
    pub title: String,
    /// responsible, lead or co
    pub role: String,
    pub deadline: String,
    /// The assignment's status as of the period (the plan view's, default thresholds).
    pub status: Option<StatusView>,
    /// This month's report: the stored draft or report, or a new form pre-filled from the
    /// latest earlier one; its `version` is what a submission names.
    pub report: Report,
    /// The latest approved report before this month (values and text, shown, not retyped).
    pub previous: Option<ApprovedReport>,
    /// The inputs expected: the task's indicators, with the unit's own target.
    pub indicators: Vec<MonthIndicator>,
    /// The task's milestones to tick.
    pub milestones: Vec<MonthMilestone>,
    /// Whether the unit can still change this month's report (not submitted or approved).
    pub editable: bool,
}

impl From<store::months::MonthRow> for MonthRow {
    fn from(v: store::months::MonthRow) -> Self {
        MonthRow {
            assignment_id: v.assignment_id,
            task_id: v.task_id,
            item_label: v.item_label,
            title: v.title,
            role: v.role,
            deadline: v.deadline,
            status: v.status.map(Into::into),
            report: v.report.into(),
            previous: v.previous.map(Into::into),
            indicators: v.indicators.into_iter().map(Into::into).collect(),
            milestones: v.milestones.into_iter().map(Into::into).collect(),
            editable: v.editable,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApprovedReport {
    pub period: String,
    pub progress: String,
    pub no_change: bool,
    pub values: BTreeMap<i64, f64>,
}

impl From<store::months::ApprovedReport> for ApprovedReport {
    fn from(v: store::months::ApprovedReport) -> Self {
        ApprovedReport { period: v.period, progress: v.progress, no_change: v.no_change, values: v.values }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthIndicator {
    pub id: i64,
    pub subject: String,
    pub unit: String,
    /// at_least, at_most, …
    pub comparator: String,
    /// The whole target.
    pub target: f64,
    pub max_value: Option<f64>,
    /// The unit's own share where the target is broken down per unit.
    pub own_share: Option<f64>,
    /// Where a target bound to school data gets its value; such a figure is not reported.
    pub source: Option<String>,
}

impl From<store::months::MonthIndicator> for MonthIndicator {
    fn from(v: store::months::MonthIndicator) -> Self {
        MonthIndicator {
            id: v.id,
            subject: v.subject,
            unit: v.unit,
            comparator: v.comparator,
            target: v.target,
            max_value: v.max_value,
            own_share: v.own_share,
            source: v.source,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthMilestone {
    pub id: i64,
    pub text: String,
    pub due_date: String,
    pub scheduled: bool,
}

impl From<store::months::MonthMilestone> for MonthMilestone {
    fn from(v: store::months::MonthMilestone) -> Self {
        MonthMilestone { id: v.id, text: v.text, due_date: v.due_date, scheduled: v.scheduled }
    }
}
