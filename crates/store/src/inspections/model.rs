//! What the store answers and takes for visits, findings and 督办件, and who sees what.

use super::*;

// --- who sees what --------------------------------------------------------------------------

/// What part of visits, findings and 督办件 a user sees (and may act on). Outside it an object
/// does not exist for them (`NotFound`). Which *actions* a role may take (verify, register)
/// is the web layer's rule; this is visibility only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitScope {
    /// The office, leaders, the system administrator: everything.
    All,
    /// A unit's reporters and head: their unit's findings and the 督办件 it leads or joins.
    Unit(i64),
    /// An inspector: their own visits and the findings at their assigned schools; no 督办件.
    Inspector(i64),
    /// Nothing (the security and audit administrators, a unit user without a unit).
    Nothing,
}

impl VisitScope {
    pub fn of(user: &User) -> VisitScope {
        match user.role {
            Role::Reporter | Role::UnitHead => user.unit_id.map_or(VisitScope::Nothing, VisitScope::Unit),
            Role::Inspector => VisitScope::Inspector(user.id),
            Role::SecurityAdmin | Role::AuditAdmin => VisitScope::Nothing,
            Role::Admin | Role::Supervisor | Role::Leader => VisitScope::All,
        }
    }
}

// --- inputs ---------------------------------------------------------------------------------

/// A unit named by id or by name (or alias) from the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum UnitRef {
    Id(i64),
    Name(String),
}

/// A visit as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewInspection {
    /// responsible, special, balance, annual, other (or 责任督学挂牌督导 …).
    pub kind: String,
    /// The day of the visit (YYYY-MM-DD).
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

/// One problem found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub deadline: NaiveDate,
    /// 整改要求.
    #[serde(default)]
    pub requirement: String,
}

/// A unit's report on a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RectificationReport {
    /// Measures taken.
    pub text: String,
    /// The rectification is done: asks for verification (待核查). `false` reports progress
    /// only (整改中). True when absent.
    #[serde(default = "yes")]
    pub complete: bool,
    /// Files uploaded for this finding by the same user and not yet part of a report.
    #[serde(default)]
    pub evidence: Vec<i64>,
}

fn yes() -> bool {
    true
}

/// The office's decision on a finding 待核查, or on a 督办件 待确认.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 销号 / 办结.
    Close,
    /// 退回 (a comment is required).
    Return,
}

impl Verdict {
    pub(super) fn key(self) -> &'static str {
        match self {
            Verdict::Close => "close",
            Verdict::Return => "return",
        }
    }
}

/// A 督办件 as registered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewDirective {
    /// instruction, meeting, assigned, other (领导批示, 会议议定, 上级交办, 其他).
    pub source: String,
    pub title: String,
    #[serde(default)]
    pub text: String,
    pub lead_unit: UnitRef,
    #[serde(default)]
    pub co_units: Vec<UnitRef>,
    pub deadline: NaiveDate,
    /// once, weekly, monthly (一次, 每周, 每月).
    pub cadence: String,
}

/// Which findings to list. Empty fields match all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RectFilter {
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub unit: Option<i64>,
    #[serde(default)]
    pub inspection: Option<i64>,
    /// A county's name (or 市直).
    #[serde(default)]
    pub county: Option<String>,
    /// The plan item (category).
    #[serde(default)]
    pub task: Option<i64>,
    #[serde(default)]
    pub severity: Option<String>,
}

/// Which visits to list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InspectionFilter {
    #[serde(default)]
    pub unit: Option<i64>,
    #[serde(default)]
    pub county: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    /// Visits in this month (YYYY-MM).
    #[serde(default)]
    pub period: Option<String>,
}

// --- outputs --------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitName {
    pub id: i64,
    pub name: String,
}

/// A visit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inspection {
    pub id: i64,
    pub kind: String,
    pub kind_label: &'static str,
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

/// A step of a finding's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RectStep {
    /// report, close, return
    pub action: String,
    pub text: String,
    /// For a report: the unit says the rectification is done.
    pub complete: bool,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    pub on: NaiveDate,
    pub at: String,
    /// Files of a report.
    pub evidence: Vec<Evidence>,
}

/// A finding and its rectification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rectification {
    pub id: i64,
    pub inspection_id: i64,
    pub inspection_kind: &'static str,
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
    pub deadline: NaiveDate,
    pub requirement: String,
    /// pending, in_progress, verifying, closed, overdue
    pub state: String,
    pub state_label: &'static str,
    /// Returned by the office and not reported on since.
    pub returned: bool,
    pub returns: usize,
    pub reports: usize,
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

/// One row of the 问题整改台账 (what the xlsx export writes).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerRow {
    /// 序号
    pub number: usize,
    pub id: i64,
    /// 来源督导: kind, date and unit visited.
    pub source: String,
    pub inspectors: String,
    /// 问题
    pub text: String,
    /// 类别 (the plan item)
    pub category: String,
    pub severity: &'static str,
    /// 责任单位
    pub unit: String,
    pub county: String,
    /// 整改要求
    pub requirement: String,
    /// 整改期限
    pub deadline: NaiveDate,
    /// 整改措施: every report, dated, oldest first.
    pub measures: String,
    /// 状态
    pub state: &'static str,
    pub returns: usize,
    /// 核查人
    pub verifier: String,
    /// 销号日期
    pub closed_on: Option<NaiveDate>,
    pub closed_late: bool,
    pub days_overdue: i64,
    /// The office's last return comment.
    pub comment: String,
}

/// One inspector's schools.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InspectorSchools {
    pub inspector: Person,
    pub schools: Vec<UnitName>,
}

/// 一月一督导 for one inspector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InspectorCoverage {
    pub inspector: Person,
    pub assigned: usize,
    pub visited: Vec<UnitName>,
    pub not_visited: Vec<UnitName>,
    pub rate: Option<f64>,
}

/// 一月一督导 for the assigned schools of one county.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountyCoverage {
    pub county: String,
    pub assigned: usize,
    pub visited: Vec<UnitName>,
    pub not_visited: Vec<UnitName>,
    pub rate: Option<f64>,
}

/// The coverage page's figures for a month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageReport {
    pub period: Period,
    pub inspectors: Vec<InspectorCoverage>,
    pub counties: Vec<CountyCoverage>,
    pub assigned: usize,
    pub visited: usize,
    pub rate: Option<f64>,
}

/// A 督办件.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Directive {
    pub id: i64,
    pub source: String,
    pub source_label: &'static str,
    pub title: String,
    pub text: String,
    pub lead_unit: UnitName,
    pub co_units: Vec<UnitName>,
    pub registered_on: NaiveDate,
    pub deadline: NaiveDate,
    pub cadence: String,
    pub cadence_label: &'static str,
    /// open, confirming, closed, overdue, returned
    pub state: String,
    pub state_label: &'static str,
    /// When the units' next feedback is due (none once done or closed).
    pub next_feedback_due: Option<NaiveDate>,
    /// The next feedback is past due.
    pub feedback_late: bool,
    pub closed_on: Option<NaiveDate>,
    pub history: Vec<DirectiveEvent>,
    pub version: i64,
}

/// A feedback or a decision on a 督办件.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DirectiveEvent {
    /// feedback, close, return
    pub action: String,
    pub unit_name: Option<String>,
    pub text: String,
    pub done: bool,
    pub user_name: Option<String>,
    pub on: NaiveDate,
    pub at: String,
}

/// A bulletin's visit and 督办件 sections, from one model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VisitBulletin {
    pub visits: rules::VisitFigures,
    pub directives: rules::DirectiveFigures,
}
