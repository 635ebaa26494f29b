//! The JSON the API answers (and reads) for reports: its own types, so a change to a stored
//! row does not silently change the API; `From` converts each store type field by field.

use serde::Deserialize;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct Evidence {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: String,
}

impl From<store::evidence::Evidence> for Evidence {
    fn from(v: store::evidence::Evidence) -> Self {
        Evidence {
            id: v.id,
            file_name: v.file_name,
            content_type: v.content_type,
            size: v.size,
            sha256: v.sha256,
            uploaded_at: v.uploaded_at,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// Not saved yet: a form pre-filled from last month.
    New,
    Draft,
    /// Submitted by the reporter, waiting for the unit head's sign-off (where enabled).
    PendingSignoff,
    Submitted,
    Returned,
    Approved,
}

impl From<store::reports::ReportState> for ReportState {
    fn from(v: store::reports::ReportState) -> Self {
        match v {
            store::reports::ReportState::New => ReportState::New,
            store::reports::ReportState::Draft => ReportState::Draft,
            store::reports::ReportState::PendingSignoff => ReportState::PendingSignoff,
            store::reports::ReportState::Submitted => ReportState::Submitted,
            store::reports::ReportState::Returned => ReportState::Returned,
            store::reports::ReportState::Approved => ReportState::Approved,
        }
    }
}

/// What a reporter writes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct ReportInput {
    /// 本月进展
    #[serde(default)]
    pub progress: String,
    /// 累计完成
    #[serde(default)]
    pub cumulative: String,
    /// Self-assessed status key (see `domain::Status`), optional.
    #[serde(default)]
    pub self_status: Option<String>,
    /// 存在问题
    #[serde(default)]
    pub problems: String,
    /// 下步措施
    #[serde(default)]
    pub next_steps: String,
    /// Indicator id → value.
    #[serde(default)]
    pub values: BTreeMap<i64, f64>,
    /// Milestone id → the day it was done (YYYY-MM-DD). Once done, a milestone stays done in
    /// later months' forms, which start from this one.
    #[serde(default)]
    pub milestones: BTreeMap<i64, String>,
}

impl From<store::reports::ReportInput> for ReportInput {
    fn from(v: store::reports::ReportInput) -> Self {
        ReportInput {
            progress: v.progress,
            cumulative: v.cumulative,
            self_status: v.self_status,
            problems: v.problems,
            next_steps: v.next_steps,
            values: v.values,
            milestones: v.milestones,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Report {
    pub id: Option<i64>,
    pub assignment_id: i64,
    pub period: String,
    pub state: ReportState,
    pub state_label: &'static str,
    #[serde(flatten)]
    pub input: ReportInput,
    /// Incremented by every save; a save must name the version it edits.
    pub version: i64,
    pub late: bool,
    pub unchanged: bool,
    /// The unit declared 本月无新进展: the report is complete without text, and is not
    /// "text unchanged from last month" (`unchanged` stays false).
    pub no_change: bool,
    pub review_comment: Option<String>,
    pub submitted_at: Option<String>,
    pub updated_at: Option<String>,
    /// For a new form: the period it was pre-filled from.
    pub prefilled_from: Option<String>,
    /// Files attached as evidence (optional: no report needs any).
    pub evidence: Vec<Evidence>,
}

impl From<store::reports::Report> for Report {
    fn from(v: store::reports::Report) -> Self {
        Report {
            id: v.id,
            assignment_id: v.assignment_id,
            period: v.period,
            state: v.state.into(),
            state_label: v.state_label,
            input: v.input.into(),
            version: v.version,
            late: v.late,
            unchanged: v.unchanged,
            no_change: v.no_change,
            review_comment: v.review_comment,
            submitted_at: v.submitted_at,
            updated_at: v.updated_at,
            prefilled_from: v.prefilled_from,
            evidence: v.evidence.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Return,
}

impl From<Decision> for store::reports::Decision {
    fn from(v: Decision) -> Self {
        match v {
            Decision::Approve => store::reports::Decision::Approve,
            Decision::Return => store::reports::Decision::Return,
        }
    }
}

/// A submitted report waiting for review.
#[derive(Debug, Clone, Serialize, ToSchema)]
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

impl From<store::reports::queue::QueueRow> for QueueRow {
    fn from(v: store::reports::queue::QueueRow) -> Self {
        QueueRow {
            assignment_id: v.assignment_id,
            period: v.period,
            unit_id: v.unit_id,
            unit_name: v.unit_name,
            task_id: v.task_id,
            item_label: v.item_label,
            title: v.title,
            version: v.version,
            late: v.late,
            unchanged: v.unchanged,
            no_change: v.no_change,
            submitted_at: v.submitted_at,
        }
    }
}

/// One report of a bulk approval, at the version the reviewer saw.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueItem {
    pub assignment_id: i64,
    pub period: String,
    pub version: i64,
}

impl From<store::reports::queue::QueueItem> for QueueItem {
    fn from(v: store::reports::queue::QueueItem) -> Self {
        QueueItem { assignment_id: v.assignment_id, period: v.period, version: v.version }
    }
}

impl From<QueueItem> for store::reports::queue::QueueItem {
    fn from(v: QueueItem) -> Self {
        store::reports::queue::QueueItem { assignment_id: v.assignment_id, period: v.period, version: v.version }
    }
}

/// What a bulk approval did: the reports approved, and those left alone because they had
/// changed (or been decided) since the reviewer saw them.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct BulkOutcome {
    pub approved: Vec<QueueItem>,
    pub skipped: Vec<Skipped>,
}

impl From<store::reports::queue::BulkOutcome> for BulkOutcome {
    fn from(v: store::reports::queue::BulkOutcome) -> Self {
        BulkOutcome {
            approved: v.approved.into_iter().map(Into::into).collect(),
            skipped: v.skipped.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Skipped {
    pub assignment_id: i64,
    pub period: String,
    pub reason: String,
}

impl From<store::reports::queue::Skipped> for Skipped {
    fn from(v: store::reports::queue::Skipped) -> Self {
        Skipped { assignment_id: v.assignment_id, period: v.period, reason: v.reason }
    }
}

/// One row of a reporter's (or the bureau's) work list for a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
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

impl From<store::status::WorkItem> for WorkItem {
    fn from(v: store::status::WorkItem) -> Self {
        WorkItem {
            assignment_id: v.assignment_id,
            plan_id: v.plan_id,
            task_id: v.task_id,
            item_label: v.item_label,
            title: v.title,
            unit_id: v.unit_id,
            unit_name: v.unit_name,
            role: v.role,
            period: v.period,
            due_date: v.due_date,
            report_state: v.report_state,
            report_state_label: v.report_state_label,
            late: v.late,
            review_comment: v.review_comment,
        }
    }
}

/// What the reviewer narrows the queue to; every part optional.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct QueueFilter {
    /// One month (YYYY-MM); without it, the open month and the one before.
    pub period: Option<String>,
    pub unit: Option<i64>,
    /// A task (plan item).
    pub task: Option<i64>,
    /// late (逾期提交), unchanged (进展与上月相同), no_change (本月无新进展), clean (none of these).
    pub flag: Option<String>,
}

impl From<QueueFilter> for store::reports::queue::QueueFilter {
    fn from(v: QueueFilter) -> Self {
        store::reports::queue::QueueFilter { period: v.period, unit: v.unit, task: v.task, flag: v.flag }
    }
}
