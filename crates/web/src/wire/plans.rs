//! The JSON the API answers (and reads) for plans: its own types, so a change to a stored
//! row does not silently change the API; `From` converts each store type field by field.

use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct Instruction {
    pub id: i64,
    pub task_id: i64,
    pub author: String,
    pub text: String,
    pub created_at: String,
}

impl From<store::instructions::Instruction> for Instruction {
    fn from(v: store::instructions::Instruction) -> Self {
        Instruction { id: v.id, task_id: v.task_id, author: v.author, text: v.text, created_at: v.created_at }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct PlanRow {
    pub id: i64,
    pub title: String,
    pub year: Option<i64>,
    /// draft → published → archived
    pub status: String,
    pub source_name: String,
    pub created_at: String,
    pub published_at: Option<String>,
}

impl From<store::plans::PlanRow> for PlanRow {
    fn from(v: store::plans::PlanRow) -> Self {
        PlanRow {
            id: v.id,
            title: v.title,
            year: v.year,
            status: v.status,
            source_name: v.source_name,
            created_at: v.created_at,
            published_at: v.published_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct Task {
    pub id: i64,
    pub plan_id: i64,
    pub section: i64,
    pub section_title: String,
    pub item_number: i64,
    pub item_label: String,
    pub title: String,
    pub body: String,
    pub start_date: String,
    pub deadline: String,
}

impl From<store::plans::Task> for Task {
    fn from(v: store::plans::Task) -> Self {
        Task {
            id: v.id,
            plan_id: v.plan_id,
            section: v.section,
            section_title: v.section_title,
            item_number: v.item_number,
            item_label: v.item_label,
            title: v.title,
            body: v.body,
            start_date: v.start_date,
            deadline: v.deadline,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct Assignment {
    pub id: i64,
    pub task_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    /// responsible, lead or co
    pub role: String,
    /// The group the unit was reached through ("各区(市)"), if any.
    pub via_group: Option<String>,
}

impl From<store::plans::Assignment> for Assignment {
    fn from(v: store::plans::Assignment) -> Self {
        Assignment {
            id: v.id,
            task_id: v.task_id,
            unit_id: v.unit_id,
            unit_name: v.unit_name,
            role: v.role,
            via_group: v.via_group,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct Indicator {
    pub id: i64,
    pub task_id: i64,
    pub subject: String,
    pub value: f64,
    pub max_value: Option<f64>,
    pub unit: String,
    pub comparator: String,
    /// The value at the start of the plan, when known: progress counts from it.
    pub baseline: Option<f64>,
    pub per_scope: Option<String>,
    pub deadline: String,
    /// The target broken down per unit (unit id → that unit's own target value); a unit
    /// without a share is measured against the whole target.
    pub breakdown: BTreeMap<i64, f64>,
    /// A figure of the school data the value comes from (see `schools::sources`); units do
    /// not report a bound target.
    pub source: Option<String>,
}

impl From<store::plans::Indicator> for Indicator {
    fn from(v: store::plans::Indicator) -> Self {
        Indicator {
            id: v.id,
            task_id: v.task_id,
            subject: v.subject,
            value: v.value,
            max_value: v.max_value,
            unit: v.unit,
            comparator: v.comparator,
            baseline: v.baseline,
            per_scope: v.per_scope,
            deadline: v.deadline,
            breakdown: v.breakdown,
            source: v.source,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct Milestone {
    pub id: i64,
    pub task_id: i64,
    pub text: String,
    pub kind: String,
    pub due_date: String,
    /// The office has set the due date. Only scheduled milestones drive pace: publishing gives
    /// every measure the plan's year end, which would make pace zero until December.
    pub scheduled: bool,
}

impl From<store::plans::Milestone> for Milestone {
    fn from(v: store::plans::Milestone) -> Self {
        Milestone {
            id: v.id,
            task_id: v.task_id,
            text: v.text,
            kind: v.kind,
            due_date: v.due_date,
            scheduled: v.scheduled,
        }
    }
}

/// What publishing made.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct Published {
    pub tasks: usize,
    pub assignments: usize,
    pub indicators: usize,
    pub milestones: usize,
}

impl From<store::plans::Published> for Published {
    fn from(v: store::plans::Published) -> Self {
        Published { tasks: v.tasks, assignments: v.assignments, indicators: v.indicators, milestones: v.milestones }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusView {
    /// completed, ahead, on_pace, behind, not_started, overdue
    pub status: String,
    /// 已完成, 超序时, 序时推进, 滞后, 严重滞后, 未启动, 逾期 (`Assessment::label`)
    pub label: String,
    /// green, yellow, red
    pub colour: String,
    /// Share of the target achieved, 0–1, when measurable.
    pub progress: Option<f64>,
    /// 序时进度: where the work should be by now, 0–1.
    pub pace: f64,
}

impl From<store::status::StatusView> for StatusView {
    fn from(v: store::status::StatusView) -> Self {
        StatusView { status: v.status, label: v.label, colour: v.colour, progress: v.progress, pace: v.pace }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CountsView {
    pub total: usize,
    /// Status key → count, every status present.
    pub counts: BTreeMap<String, usize>,
    /// Status key → share of the total, 0–1.
    pub shares: BTreeMap<String, f64>,
    /// How many are on or ahead of pace (已完成, 超序时, 序时推进), and their share (none when
    /// there is nothing to count): `domain::StatusCounts::on_pace`.
    pub on_pace: usize,
    pub on_pace_share: Option<f64>,
}

impl From<store::status::CountsView> for CountsView {
    fn from(v: store::status::CountsView) -> Self {
        CountsView {
            total: v.total,
            counts: v.counts,
            shares: v.shares,
            on_pace: v.on_pace,
            on_pace_share: v.on_pace_share,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssignmentView {
    pub assignment_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub role: String,
    pub via_group: Option<String>,
    pub status: StatusView,
    /// The state of this period's report (new, draft, submitted, returned, approved).
    pub report_state: String,
    /// Indicator id → the unit's latest reported value.
    pub values: BTreeMap<i64, f64>,
    /// Milestone id → the day the unit finished it (approved reports only).
    pub milestones_done: BTreeMap<i64, String>,
}

impl From<store::status::AssignmentView> for AssignmentView {
    fn from(v: store::status::AssignmentView) -> Self {
        AssignmentView {
            assignment_id: v.assignment_id,
            unit_id: v.unit_id,
            unit_name: v.unit_name,
            role: v.role,
            via_group: v.via_group,
            status: v.status.into(),
            report_state: v.report_state,
            values: v.values,
            milestones_done: v.milestones_done,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskView {
    #[serde(flatten)]
    pub task: Task,
    pub status: StatusView,
    pub indicators: Vec<Indicator>,
    pub milestones: Vec<Milestone>,
    pub units: Vec<AssignmentView>,
}

impl From<store::status::TaskView> for TaskView {
    fn from(v: store::status::TaskView) -> Self {
        TaskView {
            task: v.task.into(),
            status: v.status.into(),
            indicators: v.indicators.into_iter().map(Into::into).collect(),
            milestones: v.milestones.into_iter().map(Into::into).collect(),
            units: v.units.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SectionView {
    pub number: i64,
    pub title: String,
    pub status: StatusView,
    pub counts: CountsView,
    pub items: Vec<TaskView>,
}

impl From<store::status::SectionView> for SectionView {
    fn from(v: store::status::SectionView) -> Self {
        SectionView {
            number: v.number,
            title: v.title,
            status: v.status.into(),
            counts: v.counts.into(),
            items: v.items.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitCounts {
    pub unit_id: i64,
    pub unit_name: String,
    pub counts: CountsView,
}

impl From<store::status::UnitCounts> for UnitCounts {
    fn from(v: store::status::UnitCounts) -> Self {
        UnitCounts { unit_id: v.unit_id, unit_name: v.unit_name, counts: v.counts.into() }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SectionCounts {
    pub number: i64,
    pub title: String,
    pub counts: CountsView,
}

impl From<store::status::SectionCounts> for SectionCounts {
    fn from(v: store::status::SectionCounts) -> Self {
        SectionCounts { number: v.number, title: v.title, counts: v.counts.into() }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dashboard {
    pub plan_id: i64,
    pub period: String,
    pub as_of: String,
    /// Items (tasks) by status.
    pub items: CountsView,
    /// Assignments by status.
    pub assignments: CountsView,
    pub by_section: Vec<SectionCounts>,
    pub by_unit: Vec<UnitCounts>,
}

impl From<store::status::Dashboard> for Dashboard {
    fn from(v: store::status::Dashboard) -> Self {
        Dashboard {
            plan_id: v.plan_id,
            period: v.period,
            as_of: v.as_of,
            items: v.items.into(),
            assignments: v.assignments.into(),
            by_section: v.by_section.into_iter().map(Into::into).collect(),
            by_unit: v.by_unit.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanView {
    pub plan: PlanRow,
    pub period: String,
    pub as_of: String,
    pub status: StatusView,
    pub sections: Vec<SectionView>,
    pub dashboard: Dashboard,
}

impl From<store::status::PlanView> for PlanView {
    fn from(v: store::status::PlanView) -> Self {
        PlanView {
            plan: v.plan.into(),
            period: v.period,
            as_of: v.as_of,
            status: v.status.into(),
            sections: v.sections.into_iter().map(Into::into).collect(),
            dashboard: v.dashboard.into(),
        }
    }
}
