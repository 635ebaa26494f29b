//! The JSON the API answers (and reads) for inspections: its own types, so a change to a stored
//! row does not silently change the API; `From` converts each store type field by field.

use super::reports::Evidence;
use chrono::NaiveDate;
use domain::Period;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;

/// A unit named by id or by name (or alias) from the directory.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum UnitRef {
    Id(i64),
    Name(String),
}

impl From<UnitRef> for store::inspections::UnitRef {
    fn from(v: UnitRef) -> Self {
        match v {
            UnitRef::Id(x) => store::inspections::UnitRef::Id(x),
            UnitRef::Name(x) => store::inspections::UnitRef::Name(x),
        }
    }
}

/// A visit as recorded.
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct NewInspection {
    /// responsible, special, balance, annual, other (or 责任督学挂牌督导 …).
    pub kind: String,
    /// The day of the visit (YYYY-MM-DD).
    #[schema(value_type = String)]
    pub visited_on: NaiveDate,
    /// The county (district) or school visited.
    pub unit: UnitRef,
    /// The inspectors' user ids (督学, or the office's supervisors).
    pub inspectors: Vec<i64>,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub findings: Vec<NewFinding>,
}

impl From<NewInspection> for store::inspections::NewInspection {
    fn from(v: NewInspection) -> Self {
        store::inspections::NewInspection {
            kind: v.kind,
            visited_on: v.visited_on,
            unit: v.unit.into(),
            inspectors: v.inspectors,
            summary: v.summary,
            findings: v.findings.into_iter().map(Into::into).collect(),
        }
    }
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct NewFinding {
    pub text: String,
    /// The plan item it concerns (optional).
    #[serde(default)]
    pub task_id: Option<i64>,
    /// general, major, serious (一般, 较重, 严重); general when absent.
    #[serde(default)]
    pub severity: Option<String>,
    /// The responsible district or school.
    pub unit: UnitRef,
    /// 整改期限 (YYYY-MM-DD), not before the visit.
    #[schema(value_type = String)]
    pub deadline: NaiveDate,
    /// 整改要求.
    #[serde(default)]
    pub requirement: String,
}

impl From<NewFinding> for store::inspections::NewFinding {
    fn from(v: NewFinding) -> Self {
        store::inspections::NewFinding {
            text: v.text,
            task_id: v.task_id,
            severity: v.severity,
            unit: v.unit.into(),
            deadline: v.deadline,
            requirement: v.requirement,
        }
    }
}

/// The office's decision on a finding 待核查, or on a 督办件 待确认.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 销号 / 办结.
    Close,
    /// 退回 (a comment is required).
    Return,
}

impl From<Verdict> for store::inspections::Verdict {
    fn from(v: Verdict) -> Self {
        match v {
            Verdict::Close => store::inspections::Verdict::Close,
            Verdict::Return => store::inspections::Verdict::Return,
        }
    }
}

/// A 督办件 as registered.
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
pub struct NewDirective {
    /// instruction, meeting, assigned, other (领导批示, 会议议定, 上级交办, 其他).
    pub source: String,
    pub title: String,
    #[serde(default)]
    pub text: String,
    pub lead_unit: UnitRef,
    #[serde(default)]
    pub co_units: Vec<UnitRef>,
    #[schema(value_type = String)]
    pub deadline: NaiveDate,
    /// once, weekly, monthly (一次, 每周, 每月).
    pub cadence: String,
}

impl From<NewDirective> for store::inspections::NewDirective {
    fn from(v: NewDirective) -> Self {
        store::inspections::NewDirective {
            source: v.source,
            title: v.title,
            text: v.text,
            lead_unit: v.lead_unit.into(),
            co_units: v.co_units.into_iter().map(Into::into).collect(),
            deadline: v.deadline,
            cadence: v.cadence,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Person {
    pub id: i64,
    pub name: String,
}

impl From<store::inspections::Person> for Person {
    fn from(v: store::inspections::Person) -> Self {
        Person { id: v.id, name: v.name }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UnitName {
    pub id: i64,
    pub name: String,
}

impl From<store::inspections::UnitName> for UnitName {
    fn from(v: store::inspections::UnitName) -> Self {
        UnitName { id: v.id, name: v.name }
    }
}

/// A visit.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Inspection {
    pub id: i64,
    pub kind: String,
    pub kind_label: &'static str,
    #[schema(value_type = String)]
    pub visited_on: NaiveDate,
    pub unit_id: i64,
    pub unit_name: String,
    pub county: Option<String>,
    pub summary: String,
    pub inspectors: Vec<Person>,
    pub created_by: Option<i64>,
    pub created_at: String,
    /// Its findings the viewer sees (all of them for the office; a unit's own only).
    pub findings: Vec<Rectification>,
    /// Files attached to the visit itself or to a finding at the visit (the signed 督导意见书,
    /// photos).
    pub evidence: Vec<Evidence>,
}

impl From<store::inspections::Inspection> for Inspection {
    fn from(v: store::inspections::Inspection) -> Self {
        Inspection {
            id: v.id,
            kind: v.kind,
            kind_label: v.kind_label,
            visited_on: v.visited_on,
            unit_id: v.unit_id,
            unit_name: v.unit_name,
            county: v.county,
            summary: v.summary,
            inspectors: v.inspectors.into_iter().map(Into::into).collect(),
            created_by: v.created_by,
            created_at: v.created_at,
            findings: v.findings.into_iter().map(Into::into).collect(),
            evidence: v.evidence.into_iter().map(Into::into).collect(),
        }
    }
}

/// A step of a finding's history.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RectStep {
    /// report, close, return
    pub action: String,
    pub text: String,
    /// For a report: the unit says the rectification is done.
    pub complete: bool,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    #[schema(value_type = String)]
    pub on: NaiveDate,
    pub at: String,
    /// Files of a report.
    pub evidence: Vec<Evidence>,
}

impl From<store::inspections::RectStep> for RectStep {
    fn from(v: store::inspections::RectStep) -> Self {
        RectStep {
            action: v.action,
            text: v.text,
            complete: v.complete,
            user_id: v.user_id,
            user_name: v.user_name,
            on: v.on,
            at: v.at,
            evidence: v.evidence.into_iter().map(Into::into).collect(),
        }
    }
}

/// A finding and its rectification.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Rectification {
    pub id: i64,
    pub inspection_id: i64,
    pub inspection_kind: &'static str,
    #[schema(value_type = String)]
    pub visited_on: NaiveDate,
    pub visited_unit: String,
    pub position: i64,
    pub text: String,
    pub task_id: Option<i64>,
    /// The plan item, e.g. "12. 推进学前教育普及普惠".
    pub task_label: Option<String>,
    pub severity: String,
    pub severity_label: &'static str,
    pub unit_id: i64,
    pub unit_name: String,
    pub county: Option<String>,
    #[schema(value_type = String)]
    pub deadline: NaiveDate,
    pub requirement: String,
    /// pending, in_progress, verifying, closed, overdue
    pub state: String,
    pub state_label: &'static str,
    /// Returned by the office and not reported on since.
    pub returned: bool,
    pub returns: usize,
    pub reports: usize,
    #[schema(value_type = Option<String>)]
    pub closed_on: Option<NaiveDate>,
    pub closed_late: bool,
    pub days_overdue: i64,
    /// Who closed it (销号).
    pub verifier: Option<String>,
    /// The office's last return comment.
    pub last_comment: Option<String>,
    /// Every step taken, oldest first.
    pub history: Vec<RectStep>,
    /// Files attached at the visit.
    pub evidence: Vec<Evidence>,
    /// A step must name it; each step raises it.
    pub version: i64,
}

impl From<store::inspections::Rectification> for Rectification {
    fn from(v: store::inspections::Rectification) -> Self {
        Rectification {
            id: v.id,
            inspection_id: v.inspection_id,
            inspection_kind: v.inspection_kind,
            visited_on: v.visited_on,
            visited_unit: v.visited_unit,
            position: v.position,
            text: v.text,
            task_id: v.task_id,
            task_label: v.task_label,
            severity: v.severity,
            severity_label: v.severity_label,
            unit_id: v.unit_id,
            unit_name: v.unit_name,
            county: v.county,
            deadline: v.deadline,
            requirement: v.requirement,
            state: v.state,
            state_label: v.state_label,
            returned: v.returned,
            returns: v.returns,
            reports: v.reports,
            closed_on: v.closed_on,
            closed_late: v.closed_late,
            days_overdue: v.days_overdue,
            verifier: v.verifier,
            last_comment: v.last_comment,
            history: v.history.into_iter().map(Into::into).collect(),
            evidence: v.evidence.into_iter().map(Into::into).collect(),
            version: v.version,
        }
    }
}

/// One inspector's schools.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InspectorSchools {
    pub inspector: Person,
    pub schools: Vec<UnitName>,
}

impl From<store::inspections::InspectorSchools> for InspectorSchools {
    fn from(v: store::inspections::InspectorSchools) -> Self {
        InspectorSchools { inspector: v.inspector.into(), schools: v.schools.into_iter().map(Into::into).collect() }
    }
}

/// 一月一督导 for one inspector.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct InspectorCoverage {
    pub inspector: Person,
    pub assigned: usize,
    pub visited: Vec<UnitName>,
    pub not_visited: Vec<UnitName>,
    pub rate: Option<f64>,
}

impl From<store::inspections::InspectorCoverage> for InspectorCoverage {
    fn from(v: store::inspections::InspectorCoverage) -> Self {
        InspectorCoverage {
            inspector: v.inspector.into(),
            assigned: v.assigned,
            visited: v.visited.into_iter().map(Into::into).collect(),
            not_visited: v.not_visited.into_iter().map(Into::into).collect(),
            rate: v.rate,
        }
    }
}

/// 一月一督导 for the assigned schools of one county.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CountyCoverage {
    pub county: String,
    pub assigned: usize,
    pub visited: Vec<UnitName>,
    pub not_visited: Vec<UnitName>,
    pub rate: Option<f64>,
}

impl From<store::inspections::CountyCoverage> for CountyCoverage {
    fn from(v: store::inspections::CountyCoverage) -> Self {
        CountyCoverage {
            county: v.county,
            assigned: v.assigned,
            visited: v.visited.into_iter().map(Into::into).collect(),
            not_visited: v.not_visited.into_iter().map(Into::into).collect(),
            rate: v.rate,
        }
    }
}

/// The coverage page's figures for a month.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CoverageReport {
    #[schema(value_type = String)]
    pub period: Period,
    pub inspectors: Vec<InspectorCoverage>,
    pub counties: Vec<CountyCoverage>,
    pub assigned: usize,
    pub visited: usize,
    pub rate: Option<f64>,
}

impl From<store::inspections::CoverageReport> for CoverageReport {
    fn from(v: store::inspections::CoverageReport) -> Self {
        CoverageReport {
            period: v.period,
            inspectors: v.inspectors.into_iter().map(Into::into).collect(),
            counties: v.counties.into_iter().map(Into::into).collect(),
            assigned: v.assigned,
            visited: v.visited,
            rate: v.rate,
        }
    }
}

/// A 督办件.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Directive {
    pub id: i64,
    pub source: String,
    pub source_label: &'static str,
    pub title: String,
    pub text: String,
    pub lead_unit: UnitName,
    pub co_units: Vec<UnitName>,
    #[schema(value_type = String)]
    pub registered_on: NaiveDate,
    #[schema(value_type = String)]
    pub deadline: NaiveDate,
    pub cadence: String,
    pub cadence_label: &'static str,
    /// open, confirming, closed, overdue, returned
    pub state: String,
    pub state_label: &'static str,
    /// When the units' next feedback is due (none once done or closed).
    #[schema(value_type = Option<String>)]
    pub next_feedback_due: Option<NaiveDate>,
    /// The next feedback is past due.
    pub feedback_late: bool,
    #[schema(value_type = Option<String>)]
    pub closed_on: Option<NaiveDate>,
    pub history: Vec<DirectiveEvent>,
    pub version: i64,
}

impl From<store::inspections::Directive> for Directive {
    fn from(v: store::inspections::Directive) -> Self {
        Directive {
            id: v.id,
            source: v.source,
            source_label: v.source_label,
            title: v.title,
            text: v.text,
            lead_unit: v.lead_unit.into(),
            co_units: v.co_units.into_iter().map(Into::into).collect(),
            registered_on: v.registered_on,
            deadline: v.deadline,
            cadence: v.cadence,
            cadence_label: v.cadence_label,
            state: v.state,
            state_label: v.state_label,
            next_feedback_due: v.next_feedback_due,
            feedback_late: v.feedback_late,
            closed_on: v.closed_on,
            history: v.history.into_iter().map(Into::into).collect(),
            version: v.version,
        }
    }
}

/// A feedback or a decision on a 督办件.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DirectiveEvent {
    /// feedback, close, return
    pub action: String,
    pub unit_name: Option<String>,
    pub text: String,
    pub done: bool,
    pub user_name: Option<String>,
    #[schema(value_type = String)]
    pub on: NaiveDate,
    pub at: String,
}

impl From<store::inspections::DirectiveEvent> for DirectiveEvent {
    fn from(v: store::inspections::DirectiveEvent) -> Self {
        DirectiveEvent {
            action: v.action,
            unit_name: v.unit_name,
            text: v.text,
            done: v.done,
            user_name: v.user_name,
            on: v.on,
            at: v.at,
        }
    }
}
