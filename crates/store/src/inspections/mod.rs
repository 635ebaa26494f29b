//! Visits (督导检查), their findings and the rectification loop (问题整改销号), inspectors'
//! schools (责任督学挂牌) and ad-hoc supervision items (督办件).
//!
//! The rules (stages, steps, 逾期, figures, coverage) are `domain::rectification`'s; this
//! module keeps the facts and moves a finding or an item only by a step those rules allow,
//! conditional on the version the caller read. A finding's and an item's stage is stored (for
//! the conditional update) and is always the replay of its stored steps: both go through
//! `Stage::after`. Steps carry the business day they were taken (`on_date`, the caller's
//! `today`, which a demo or a test fixes) beside the real time (`at`), so that states and
//! figures follow the same clock as the rest of the product.
//!
//! Audit: like every other store write, these write no audit record themselves; the web
//! layer's audit middleware records every state-changing request.

use crate::evidence::{AddError, Evidence, MAX_EVIDENCE_BYTES, MAX_EVIDENCE_FILES, Refusal};
use crate::reports::MAX_TEXT_CHARS;
use crate::sql::expect_one;
use crate::users::{Role, User};
use crate::{Result, Store, StoreError, flag, now};
use chrono::{Datelike, NaiveDate};
use domain::Period;
use domain::rectification::{
    self as rules, Cadence, DirectiveStage, DirectiveState, DirectiveStep, RectState, Stage, Step,
};
use domain::scoring::Measure;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;

mod directives;
mod figures;
mod inspectors;
mod jobs;
mod rectifications;
mod visits;

pub use jobs::RECTIFICATION_REMIND_DAYS;

/// The tables (migration `0013_visits`).
pub const SCHEMA: &str = r#"
CREATE TABLE inspections (
    id {id},
    kind TEXT NOT NULL,
    visited_on TEXT NOT NULL,
    unit_id {int} NOT NULL REFERENCES units(id),
    summary TEXT NOT NULL,
    created_by {int} REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX inspections_visited ON inspections(visited_on);
CREATE INDEX inspections_unit ON inspections(unit_id);

CREATE TABLE inspection_inspectors (
    inspection_id {int} NOT NULL REFERENCES inspections(id),
    user_id {int} NOT NULL REFERENCES users(id),
    PRIMARY KEY (inspection_id, user_id)
);
CREATE INDEX inspection_inspectors_user ON inspection_inspectors(user_id);

CREATE TABLE findings (
    id {id},
    inspection_id {int} NOT NULL REFERENCES inspections(id),
    position {int} NOT NULL,
    text TEXT NOT NULL,
    task_id {int} REFERENCES tasks(id),
    severity TEXT NOT NULL,
    unit_id {int} NOT NULL REFERENCES units(id),
    deadline TEXT NOT NULL,
    requirement TEXT NOT NULL,
    stage TEXT NOT NULL,
    version {int} NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX findings_inspection ON findings(inspection_id);
CREATE INDEX findings_unit ON findings(unit_id, stage);

CREATE TABLE rectification_reports (
    id {id},
    finding_id {int} NOT NULL REFERENCES findings(id),
    text TEXT NOT NULL,
    complete {int} NOT NULL,
    user_id {int} REFERENCES users(id),
    on_date TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX rectification_reports_finding ON rectification_reports(finding_id);

CREATE TABLE rectification_verifications (
    id {id},
    finding_id {int} NOT NULL REFERENCES findings(id),
    decision TEXT NOT NULL,
    comment TEXT NOT NULL,
    user_id {int} REFERENCES users(id),
    on_date TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX rectification_verifications_finding ON rectification_verifications(finding_id);

CREATE TABLE visit_evidence (
    id {id},
    inspection_id {int} NOT NULL REFERENCES inspections(id),
    finding_id {int} REFERENCES findings(id),
    report_id {int} REFERENCES rectification_reports(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size {int} NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by {int} REFERENCES users(id),
    uploaded_at TEXT NOT NULL
);
CREATE INDEX visit_evidence_inspection ON visit_evidence(inspection_id, finding_id);

CREATE TABLE inspector_schools (
    unit_id {int} PRIMARY KEY REFERENCES units(id),
    user_id {int} NOT NULL REFERENCES users(id),
    assigned_at TEXT NOT NULL
);
CREATE INDEX inspector_schools_user ON inspector_schools(user_id);

CREATE TABLE directives (
    id {id},
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    registered_on TEXT NOT NULL,
    deadline TEXT NOT NULL,
    cadence TEXT NOT NULL,
    stage TEXT NOT NULL,
    version {int} NOT NULL,
    created_by {int} REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE directive_units (
    directive_id {int} NOT NULL REFERENCES directives(id),
    unit_id {int} NOT NULL REFERENCES units(id),
    role TEXT NOT NULL,
    PRIMARY KEY (directive_id, unit_id)
);
CREATE INDEX directive_units_unit ON directive_units(unit_id);

CREATE TABLE directive_feedback (
    id {id},
    directive_id {int} NOT NULL REFERENCES directives(id),
    unit_id {int} NOT NULL REFERENCES units(id),
    text TEXT NOT NULL,
    done {int} NOT NULL,
    user_id {int} REFERENCES users(id),
    on_date TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX directive_feedback_directive ON directive_feedback(directive_id);

CREATE TABLE directive_decisions (
    id {id},
    directive_id {int} NOT NULL REFERENCES directives(id),
    decision TEXT NOT NULL,
    comment TEXT NOT NULL,
    user_id {int} REFERENCES users(id),
    on_date TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX directive_decisions_directive ON directive_decisions(directive_id)
"#;

// --- vocabularies ---------------------------------------------------------------------------

/// (stored key, label) pairs, looked up either way.
fn lookup(table: &[(&'static str, &'static str)], s: &str) -> Option<&'static str> {
    let s = s.trim();
    table.iter().find(|(k, l)| *k == s || *l == s).map(|(k, _)| *k)
}

fn label_of(table: &[(&'static str, &'static str)], key: &str) -> &'static str {
    table.iter().find(|(k, _)| *k == key).map_or("其他", |(_, l)| *l)
}

/// Kinds of visit.
pub const INSPECTION_KINDS: [(&str, &str); 5] = [
    ("responsible", "责任督学挂牌督导"),
    ("special", "专项督导"),
    ("balance", "优质均衡创建督导"),
    ("annual", "年检"),
    ("other", "其他"),
];

/// How serious a finding is.
pub const SEVERITIES: [(&str, &str); 3] = [("general", "一般"), ("major", "较重"), ("serious", "严重")];

/// Where a 督办件 comes from.
pub const DIRECTIVE_SOURCES: [(&str, &str); 4] =
    [("instruction", "领导批示"), ("meeting", "会议议定"), ("assigned", "上级交办"), ("other", "其他")];

/// The county a unit belongs to, as the ledger and the coverage page group by: a district
/// is its own; a school is its district's, or 市直 (run by the city) without one.
fn county_of(kind: &str, name: &str, district: Option<String>) -> Option<String> {
    match kind {
        "district" => Some(name.to_string()),
        "school" => Some(district.unwrap_or_else(|| CITY.to_string())),
        _ => None,
    }
}

/// The county of schools the city runs itself.
pub const CITY: &str = "市直";

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum UnitRef {
    Id(i64),
    Name(String),
}

/// A visit as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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

/// One problem found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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

/// A unit's report on a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 销号 / 办结.
    Close,
    /// 退回 (a comment is required).
    Return,
}

impl Verdict {
    fn key(self) -> &'static str {
        match self {
            Verdict::Close => "close",
            Verdict::Return => "return",
        }
    }
}

/// A 督办件 as registered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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

/// Which findings to list. Empty fields match all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Person {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UnitName {
    pub id: i64,
    pub name: String,
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

/// One row of the 问题整改台账 (what the xlsx export writes).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
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
    #[schema(value_type = String)]
    pub deadline: NaiveDate,
    /// 整改措施: every report, dated, oldest first.
    pub measures: String,
    /// 状态
    pub state: &'static str,
    pub returns: usize,
    /// 核查人
    pub verifier: String,
    /// 销号日期
    #[schema(value_type = Option<String>)]
    pub closed_on: Option<NaiveDate>,
    pub closed_late: bool,
    pub days_overdue: i64,
    /// The office's last return comment.
    pub comment: String,
}

/// One inspector's schools.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InspectorSchools {
    pub inspector: Person,
    pub schools: Vec<UnitName>,
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

/// 一月一督导 for the assigned schools of one county.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CountyCoverage {
    pub county: String,
    pub assigned: usize,
    pub visited: Vec<UnitName>,
    pub not_visited: Vec<UnitName>,
    pub rate: Option<f64>,
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

/// A bulletin's visit and 督办件 sections, from one model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VisitBulletin {
    pub visits: rules::VisitFigures,
    pub directives: rules::DirectiveFigures,
}

impl From<VisitScope> for crate::search::FindingsVisible {
    fn from(v: VisitScope) -> Self {
        use crate::search::FindingsVisible as F;
        match v {
            VisitScope::All => F::All,
            VisitScope::Unit(u) => F::Unit(u),
            VisitScope::Inspector(me) => F::Inspector(me),
            VisitScope::Nothing => F::Nothing,
        }
    }
}

/// A finding of a visit as a search document: its text and requirement, under its unit's
/// name and the visit; found as the finding is seen (see `Store::search_visible`).
pub(crate) fn finding_doc(
    id: i64,
    unit_id: i64,
    unit: &str,
    (visit, visited_on): (&str, NaiveDate),
    text: &str,
    requirement: &str,
) -> crate::search::Doc {
    let body =
        if requirement.trim().is_empty() { text.to_string() } else { format!("{text}\n整改要求:{requirement}") };
    crate::search::Doc::new(
        "finding",
        id,
        format!("{unit} · 督导问题({visit})"),
        body,
        format!("/api/v1/rectifications/{id}"),
        Some(unit_id),
    )
    .in_period(Period::containing(visited_on).to_string())
}

/// A 督办件 as a search document: its title and text, under its source and lead unit; found
/// by the office and the units that lead or join it, `units` (see `Store::search_visible`).
pub(crate) fn directive_doc(
    id: i64,
    source: &str,
    (lead, units): (&str, &[i64]),
    title: &str,
    text: &str,
    registered_on: NaiveDate,
) -> crate::search::Doc {
    let body = if text.trim().is_empty() { title.to_string() } else { format!("{title}\n{text}") };
    crate::search::Doc::new(
        "directive",
        id,
        format!("{lead} · 督办件({})", label_of(&DIRECTIVE_SOURCES, source)),
        body,
        format!("/api/v1/directives/{id}"),
        None,
    )
    .concerning(units.iter().copied())
    .in_period(Period::containing(registered_on).to_string())
}

impl From<VisitBulletin> for domain::bulletin::Supervision {
    fn from(v: VisitBulletin) -> Self {
        domain::bulletin::Supervision { visits: v.visits, directives: v.directives }
    }
}

// --- helpers --------------------------------------------------------------------------------

fn date(s: &str) -> NaiveDate {
    // Every stored date was written from a NaiveDate; a damaged one reads as the epoch
    // rather than failing the whole list.
    s.parse().unwrap_or_default()
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn text_field(field: &str, label: &str, text: &str, required: bool) -> Result<String> {
    let t = text.trim();
    if required && t.is_empty() {
        return Err(StoreError::invalid(field, format!("{label}不能为空")));
    }
    if t.chars().count() > MAX_TEXT_CHARS {
        return Err(StoreError::invalid(field, format!("{label}不能超过 {MAX_TEXT_CHARS} 个字")));
    }
    Ok(t.to_string())
}

/// A unit of the directory, as resolved inside a transaction.
struct Resolved {
    id: i64,
    name: String,
    kind: String,
}

async fn resolve_unit(conn: &mut sqlx::AnyConnection, r: &UnitRef) -> Result<Option<Resolved>> {
    let row = match r {
        UnitRef::Id(id) => {
            sqlx::query("SELECT id, name, kind FROM units WHERE id = $1").bind(*id).fetch_optional(&mut *conn).await?
        }
        UnitRef::Name(name) => {
            sqlx::query(
                "SELECT id, name, kind FROM units WHERE name = $1 \
                 OR id = (SELECT unit_id FROM unit_aliases WHERE alias = $1)",
            )
            .bind(name.trim())
            .fetch_optional(&mut *conn)
            .await?
        }
    };
    Ok(row.map(|r| Resolved { id: r.get(0), name: r.get(1), kind: r.get(2) }))
}

fn unit_words(r: &UnitRef) -> String {
    match r {
        UnitRef::Id(id) => format!("编号 {id}"),
        UnitRef::Name(n) => format!("“{}”", n.trim()),
    }
}

/// A district or a school of the directory, or why not (naming `field` and `label`).
async fn district_or_school(conn: &mut sqlx::AnyConnection, r: &UnitRef, field: &str, label: &str) -> Result<Resolved> {
    let unit = resolve_unit(conn, r)
        .await?
        .ok_or_else(|| StoreError::invalid(field, format!("{label}{}不在单位目录中", unit_words(r))))?;
    if !matches!(unit.kind.as_str(), "district" | "school") {
        return Err(StoreError::invalid(
            field,
            format!("{label}应为区县或学校,“{}”是{}", unit.name, crate::directory::kind_label(&unit.kind)),
        ));
    }
    Ok(unit)
}

/// Any single unit of the directory (not a group), or why not.
async fn single_unit(conn: &mut sqlx::AnyConnection, r: &UnitRef, field: &str, label: &str) -> Result<Resolved> {
    let unit = resolve_unit(conn, r)
        .await?
        .ok_or_else(|| StoreError::invalid(field, format!("{label}{}不在单位目录中", unit_words(r))))?;
    if unit.kind == "group" {
        return Err(StoreError::invalid(field, format!("{label}应为具体单位,“{}”是单位组", unit.name)));
    }
    Ok(unit)
}

const FINDING_SELECT: &str = "SELECT f.id, f.inspection_id, f.position, f.text, f.task_id, t.item_label, t.title, \
     f.severity, f.unit_id, u.name, u.kind, u.district, f.deadline, f.requirement, f.stage, f.version, \
     i.kind, i.visited_on, vu.name, i.unit_id \
     FROM findings f JOIN inspections i ON i.id = f.inspection_id JOIN units u ON u.id = f.unit_id \
     JOIN units vu ON vu.id = i.unit_id LEFT JOIN tasks t ON t.id = f.task_id";

/// A finding row before its history is attached.
struct FindingRow {
    id: i64,
    inspection_id: i64,
    inspection_unit: i64,
    position: i64,
    text: String,
    task_id: Option<i64>,
    task_label: Option<String>,
    severity: String,
    unit_id: i64,
    unit_name: String,
    county: Option<String>,
    deadline: NaiveDate,
    requirement: String,
    version: i64,
    inspection_kind: String,
    visited_on: NaiveDate,
    visited_unit: String,
}

fn finding_row(r: &sqlx::any::AnyRow) -> FindingRow {
    let label: Option<String> = r.get(5);
    let title: Option<String> = r.get(6);
    FindingRow {
        id: r.get(0),
        inspection_id: r.get(1),
        position: r.get(2),
        text: r.get(3),
        task_id: r.get(4),
        task_label: label.zip(title).map(|(l, t)| format!("{l} {t}")),
        severity: r.get(7),
        unit_id: r.get(8),
        unit_name: r.get(9),
        county: county_of(&r.get::<String, _>(10), &r.get::<String, _>(9), r.get(11)),
        deadline: date(&r.get::<String, _>(12)),
        requirement: r.get(13),
        version: r.get(15),
        inspection_kind: r.get(16),
        visited_on: date(&r.get::<String, _>(17)),
        visited_unit: r.get(18),
        inspection_unit: r.get(19),
    }
}

fn evidence_row(r: &sqlx::any::AnyRow) -> Evidence {
    Evidence {
        id: r.get("id"),
        file_name: r.get("file_name"),
        content_type: r.get("content_type"),
        size: r.get("size"),
        sha256: r.get("sha256"),
        uploaded_at: r.get("uploaded_at"),
    }
}

/// Every step of the findings of one visit (of every visit when `None`), by finding, oldest
/// first, with the reports' files; and the files attached to the findings at the visit.
async fn load_steps(
    store: &Store,
    inspection: Option<i64>,
) -> Result<(HashMap<i64, Vec<RectStep>>, HashMap<i64, Vec<Evidence>>)> {
    let inspection = inspection.unwrap_or(0);
    let mut steps: HashMap<i64, Vec<(String, i64, RectStep)>> = HashMap::new();
    let mut files: HashMap<i64, Vec<Evidence>> = HashMap::new();
    let mut report_files: HashMap<i64, Vec<Evidence>> = HashMap::new();
    for r in sqlx::query(
        "SELECT id, inspection_id, finding_id, report_id, file_name, content_type, size, sha256, uploaded_at \
         FROM visit_evidence WHERE finding_id IS NOT NULL AND ($1 = 0 OR inspection_id = $1) ORDER BY id",
    )
    .bind(inspection)
    .fetch_all(&store.pool)
    .await?
    {
        let finding: i64 = r.get("finding_id");
        match r.get::<Option<i64>, _>("report_id") {
            Some(report) => report_files.entry(report).or_default().push(evidence_row(&r)),
            None => files.entry(finding).or_default().push(evidence_row(&r)),
        }
    }
    for r in sqlx::query(
        "SELECT r.id, r.finding_id, r.text, r.complete, r.user_id, n.display_name, r.on_date, r.at \
         FROM rectification_reports r LEFT JOIN users n ON n.id = r.user_id \
         WHERE $1 = 0 OR r.finding_id IN (SELECT id FROM findings WHERE inspection_id = $1) ORDER BY r.id",
    )
    .bind(inspection)
    .fetch_all(&store.pool)
    .await?
    {
        let finding: i64 = r.get(1);
        let id: i64 = r.get(0);
        let at: String = r.get(7);
        steps.entry(finding).or_default().push((
            at.clone(),
            0,
            RectStep {
                action: "report".into(),
                text: r.get(2),
                complete: r.get::<i64, _>(3) != 0,
                user_id: r.get(4),
                user_name: r.get(5),
                on: date(&r.get::<String, _>(6)),
                at,
                evidence: report_files.remove(&id).unwrap_or_default(),
            },
        ));
    }
    for r in sqlx::query(
        "SELECT v.finding_id, v.decision, v.comment, v.user_id, n.display_name, v.on_date, v.at \
         FROM rectification_verifications v LEFT JOIN users n ON n.id = v.user_id \
         WHERE $1 = 0 OR v.finding_id IN (SELECT id FROM findings WHERE inspection_id = $1) ORDER BY v.id",
    )
    .bind(inspection)
    .fetch_all(&store.pool)
    .await?
    {
        let finding: i64 = r.get(0);
        let at: String = r.get(6);
        steps.entry(finding).or_default().push((
            at.clone(),
            1,
            RectStep {
                action: r.get(1),
                text: r.get(2),
                complete: false,
                user_id: r.get(3),
                user_name: r.get(4),
                on: date(&r.get::<String, _>(5)),
                at,
                evidence: Vec::new(),
            },
        ));
    }
    // In the order taken: steps alternate between the unit and the office, and a step's real
    // time is when it was taken (the business day may repeat).
    let steps = steps
        .into_iter()
        .map(|(k, mut v)| {
            v.sort_by(|a, b| (a.0.as_str(), a.1).cmp(&(b.0.as_str(), b.1)));
            (k, v.into_iter().map(|(_, _, s)| s).collect())
        })
        .collect();
    Ok((steps, files))
}

fn as_step(s: &RectStep) -> rules::Event {
    let step = match s.action.as_str() {
        "close" => Step::Close,
        "return" => Step::Return,
        _ => Step::Report { complete: s.complete },
    };
    rules::Event { on: s.on, step }
}

fn build_rectification(
    f: FindingRow,
    history: Vec<RectStep>,
    evidence: Vec<Evidence>,
    today: NaiveDate,
) -> Rectification {
    let events: Vec<rules::Event> = history.iter().map(as_step).collect();
    // Judged as of `today`, or of the last step's day when the caller's clock is behind the
    // stored steps (a demo clock): a step taken is never unseen.
    let as_of = history.iter().map(|s| s.on).max().map_or(today, |last| last.max(today)).max(f.visited_on);
    let facts = rules::Facts { issued: f.visited_on, deadline: f.deadline, events: &events };
    let a = rules::assess(&facts, as_of).unwrap_or(rules::Assessment {
        stage: Stage::Issued,
        state: RectState::Pending,
        returned: false,
        returns: 0,
        reports: 0,
        closed_on: None,
        closed_late: false,
        days_overdue: 0,
    });
    // Overdue is judged on the caller's day, not a later step's.
    let state = rules::rect_state(a.stage, f.deadline, today.max(f.visited_on));
    let days_overdue = if state == RectState::Overdue { (today - f.deadline).num_days() } else { 0 };
    let verifier = history.iter().rev().find(|s| s.action == "close").and_then(|s| s.user_name.clone());
    let last_comment = history.iter().rev().find(|s| s.action == "return").map(|s| s.text.clone());
    Rectification {
        id: f.id,
        inspection_id: f.inspection_id,
        inspection_kind: label_of(&INSPECTION_KINDS, &f.inspection_kind),
        visited_on: f.visited_on,
        visited_unit: f.visited_unit,
        position: f.position,
        text: f.text,
        task_id: f.task_id,
        task_label: f.task_label,
        severity_label: label_of(&SEVERITIES, &f.severity),
        severity: f.severity,
        unit_id: f.unit_id,
        unit_name: f.unit_name,
        county: f.county,
        deadline: f.deadline,
        requirement: f.requirement,
        state: state.key().to_string(),
        state_label: state.label(),
        returned: a.returned,
        returns: a.returns,
        reports: a.reports,
        closed_on: a.closed_on,
        closed_late: a.closed_late,
        days_overdue,
        verifier,
        last_comment,
        history,
        evidence,
        version: f.version,
    }
}

/// Messages for a lost race.
const FINDING_CHANGED: &str = "该问题已被他人办理或修改,请刷新后重试";
const DIRECTIVE_CHANGED: &str = "该督办件已被他人办理或修改,请刷新后重试";

/// Files already attached to a visit (`finding` none) or to one of its findings.
async fn evidence_count(conn: &mut sqlx::AnyConnection, inspection_id: i64, finding_id: Option<i64>) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM visit_evidence WHERE inspection_id = $1 AND COALESCE(finding_id, 0) = $2")
        .bind(inspection_id)
        .bind(finding_id.unwrap_or(0))
        .fetch_one(conn)
        .await?
        .get(0))
}

fn directive_steps(d: &Directive) -> Vec<(NaiveDate, DirectiveStep)> {
    d.history
        .iter()
        .map(|e| {
            let step = match e.action.as_str() {
                "close" => DirectiveStep::Close,
                "return" => DirectiveStep::Return,
                _ => DirectiveStep::Feedback { done: e.done },
            };
            (e.on, step)
        })
        .collect()
}

/// The first 40 characters of a text, for a notice.
fn short(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        s.push('…');
    }
    s
}

async fn notify(
    conn: &mut sqlx::AnyConnection,
    unit_id: i64,
    kind: &str,
    period: &str,
    message: &str,
    at: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO notifications (unit_id, kind, period, message, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(unit_id)
        .bind(kind)
        .bind(period)
        .bind(message)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves a finding by `step` inside the caller's transaction, if its version is still
/// `version` and the rules allow the step from its stage: the new stage, else a conflict.
async fn claim_finding(conn: &mut sqlx::AnyConnection, id: i64, version: i64, step: Step, at: &str) -> Result<Stage> {
    claim(conn, "findings", id, version, at, FINDING_CHANGED, |stage| {
        let next = Stage::parse(stage).unwrap_or(Stage::Issued).after(step)?;
        Ok((next.key(), next))
    })
    .await
}

/// As [`claim_finding`], for a 督办件.
async fn claim_directive(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    version: i64,
    step: DirectiveStep,
    at: &str,
) -> Result<DirectiveStage> {
    claim(conn, "directives", id, version, at, DIRECTIVE_CHANGED, |stage| {
        let next = DirectiveStage::parse(stage).unwrap_or(DirectiveStage::Open).after(step)?;
        Ok((next.key(), next))
    })
    .await
}

/// The one conditional step of a finding or a 督办件 (`table`): reads its stage and version,
/// asks `advance` for the next stage (a refusal is a conflict), and writes it only if neither
/// the stage nor the version changed meanwhile — on PostgreSQL a concurrent step that
/// committed first makes this one change nothing, and the caller is told `changed`.
async fn claim<T>(
    conn: &mut sqlx::AnyConnection,
    table: &'static str,
    id: i64,
    version: i64,
    at: &str,
    changed: &'static str,
    advance: impl FnOnce(&str) -> std::result::Result<(&'static str, T), &'static str>,
) -> Result<T> {
    let row = sqlx::query(sql!("SELECT stage, version FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let stage: String = row.get(0);
    if row.get::<i64, _>(1) != version {
        return Err(StoreError::Conflict(changed.into()));
    }
    let (next_key, next) = advance(&stage).map_err(|why| StoreError::Conflict(why.into()))?;
    let updated = sqlx::query(sql!(
        "UPDATE {table} SET stage = $1, version = version + 1, updated_at = $2 \
         WHERE id = $3 AND version = $4 AND stage = $5"
    ))
    .bind(next_key)
    .bind(at)
    .bind(id)
    .bind(version)
    .bind(&stage)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    expect_one(updated, changed)?;
    Ok(next)
}
