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
    visit: &str,
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
}

/// A 督办件 as a search document: its title and text, under its source and lead unit; found
/// by the office and the units that lead or join it (see `Store::search_visible`).
pub(crate) fn directive_doc(id: i64, source: &str, lead: &str, title: &str, text: &str) -> crate::search::Doc {
    let body = if text.trim().is_empty() { title.to_string() } else { format!("{title}\n{text}") };
    crate::search::Doc::new(
        "directive",
        id,
        format!("{lead} · 督办件({})", label_of(&DIRECTIVE_SOURCES, source)),
        body,
        format!("/api/v1/directives/{id}"),
        None,
    )
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

impl Store {
    // --- inspectors -----------------------------------------------------------------------

    /// Assigns `schools` to an inspector (责任督学挂牌), replacing their previous schools. A
    /// school has one responsible inspector: one assigned to another is refused, naming them.
    pub async fn set_inspector_schools(&self, inspector_id: i64, schools: &[i64]) -> Result<InspectorSchools> {
        self.assign_inspector_schools(inspector_id, schools, None).await
    }

    /// As [`Store::set_inspector_schools`], only if the inspector's schools are still
    /// `previous` (the ones the caller read, in any order): else a `Conflict`, nothing changed.
    pub async fn assign_inspector_schools(
        &self,
        inspector_id: i64,
        schools: &[i64],
        previous: Option<&[i64]>,
    ) -> Result<InspectorSchools> {
        let mut tx = self.write_tx().await?;
        let user = sqlx::query("SELECT role FROM users WHERE id = $1 AND disabled = 0")
            .bind(inspector_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::invalid("inspector", "该督学不存在或已停用"))?;
        if Role::parse(&user.get::<String, _>(0)) != Some(Role::Inspector) {
            return Err(StoreError::invalid("inspector", "只能为督学挂牌学校"));
        }
        for school in schools {
            let unit = resolve_unit(&mut tx, &UnitRef::Id(*school))
                .await?
                .ok_or_else(|| StoreError::invalid("schools", format!("学校编号 {school} 不在单位目录中")))?;
            if unit.kind != "school" {
                return Err(StoreError::invalid("schools", format!("“{}”不是学校", unit.name)));
            }
            let other = sqlx::query(
                "SELECT n.display_name FROM inspector_schools s JOIN users n ON n.id = s.user_id \
                 WHERE s.unit_id = $1 AND s.user_id <> $2",
            )
            .bind(*school)
            .bind(inspector_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(o) = other {
                return Err(StoreError::invalid(
                    "schools",
                    format!("“{}”已由督学{}挂牌,请先取消", unit.name, o.get::<String, _>(0)),
                ));
            }
        }
        if let Some(previous) = previous {
            let mut now: Vec<i64> =
                sqlx::query("SELECT unit_id FROM inspector_schools WHERE user_id = $1 ORDER BY unit_id")
                    .bind(inspector_id)
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
            now.dedup();
            let mut read = previous.to_vec();
            read.sort_unstable();
            read.dedup();
            if now != read {
                return Err(StoreError::Conflict("该督学的挂牌学校刚被他人修改,请刷新后重试".into()));
            }
        }
        sqlx::query("DELETE FROM inspector_schools WHERE user_id = $1").bind(inspector_id).execute(&mut *tx).await?;
        let at = now();
        let mut seen = Vec::new();
        for school in schools.iter().filter(|s| {
            let new = !seen.contains(*s);
            seen.push(**s);
            new
        }) {
            sqlx::query("INSERT INTO inspector_schools (unit_id, user_id, assigned_at) VALUES ($1, $2, $3)")
                .bind(*school)
                .bind(inspector_id)
                .bind(&at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.inspectors().await?.into_iter().find(|i| i.inspector.id == inspector_id).ok_or(StoreError::NotFound)
    }

    /// Every enabled inspector with their schools, by name.
    pub async fn inspectors(&self) -> Result<Vec<InspectorSchools>> {
        let people = sqlx::query("SELECT id, display_name FROM users WHERE role = $1 AND disabled = 0 ORDER BY id")
            .bind(Role::Inspector.key())
            .fetch_all(&self.pool)
            .await?;
        let schools = sqlx::query(
            "SELECT s.user_id, u.id, u.name FROM inspector_schools s JOIN units u ON u.id = s.unit_id ORDER BY u.id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(people
            .iter()
            .map(|p| {
                let id: i64 = p.get(0);
                InspectorSchools {
                    inspector: Person { id, name: p.get(1) },
                    schools: schools
                        .iter()
                        .filter(|s| s.get::<i64, _>(0) == id)
                        .map(|s| UnitName { id: s.get(1), name: s.get(2) })
                        .collect(),
                }
            })
            .collect())
    }

    async fn assigned_schools(&self, inspector_id: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query("SELECT unit_id FROM inspector_schools WHERE user_id = $1")
            .bind(inspector_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    // --- inspections ----------------------------------------------------------------------

    /// Records a visit with its findings, all or nothing. Refused (`Invalid`, naming the
    /// field, e.g. `findings[1].deadline`): an unknown kind, a visit after `today`, a unit
    /// visited or responsible that is not a district or school of the directory, no
    /// inspector or one who is neither 督学 nor 督办管理员, an empty finding, a deadline before
    /// the visit, an unknown plan item or severity. Each responsible unit gets a notice.
    pub async fn create_inspection(
        &self,
        input: &NewInspection,
        created_by: Option<i64>,
        today: NaiveDate,
    ) -> Result<Inspection> {
        let kind = lookup(&INSPECTION_KINDS, &input.kind).ok_or_else(|| {
            StoreError::invalid("kind", "督导类型应为责任督学挂牌督导、专项督导、优质均衡创建督导、年检或其他")
        })?;
        if input.visited_on > today {
            return Err(StoreError::invalid("visited_on", format!("督导日期({})不能晚于今天", input.visited_on)));
        }
        let summary = text_field("summary", "督导情况", &input.summary, false)?;
        if input.inspectors.is_empty() {
            return Err(StoreError::invalid("inspectors", "请至少选择一名督学"));
        }
        if input.findings.len() > 200 {
            return Err(StoreError::invalid("findings", "一次督导最多记录 200 个问题"));
        }
        let mut tx = self.write_tx().await?;
        let visited = district_or_school(&mut tx, &input.unit, "unit", "督导对象").await?;
        let mut inspectors = Vec::new();
        for id in &input.inspectors {
            let row = sqlx::query("SELECT role, display_name FROM users WHERE id = $1 AND disabled = 0")
                .bind(*id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::invalid("inspectors", format!("督学(用户编号 {id})不存在或已停用")))?;
            let name: String = row.get(1);
            if !matches!(Role::parse(&row.get::<String, _>(0)), Some(Role::Inspector | Role::Supervisor)) {
                return Err(StoreError::invalid("inspectors", format!("“{name}”不是督学或督办管理员")));
            }
            if !inspectors.contains(id) {
                inspectors.push(*id);
            }
        }
        struct Checked {
            text: String,
            task_id: Option<i64>,
            severity: &'static str,
            unit: Resolved,
            deadline: NaiveDate,
            requirement: String,
        }
        let mut findings = Vec::new();
        for (i, f) in input.findings.iter().enumerate() {
            let n = i + 1;
            let field = |name: &str| format!("findings[{i}].{name}");
            let text = text_field(&field("text"), &format!("第 {n} 个问题的内容"), &f.text, true)?;
            let requirement =
                text_field(&field("requirement"), &format!("第 {n} 个问题的整改要求"), &f.requirement, false)?;
            let severity = match f.severity.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => "general",
                Some(s) => lookup(&SEVERITIES, s).ok_or_else(|| {
                    StoreError::invalid(&field("severity"), format!("第 {n} 个问题的严重程度应为一般、较重或严重"))
                })?,
            };
            let unit =
                district_or_school(&mut tx, &f.unit, &field("unit"), &format!("第 {n} 个问题的责任单位")).await?;
            if f.deadline < input.visited_on {
                return Err(StoreError::invalid(
                    &field("deadline"),
                    format!("第 {n} 个问题的整改期限({})早于督导日期({})", f.deadline, input.visited_on),
                ));
            }
            if let Some(task) = f.task_id {
                let exists =
                    sqlx::query("SELECT id FROM tasks WHERE id = $1").bind(task).fetch_optional(&mut *tx).await?;
                if exists.is_none() {
                    return Err(StoreError::invalid(&field("task_id"), format!("第 {n} 个问题关联的工作任务不存在")));
                }
            }
            findings.push(Checked { text, task_id: f.task_id, severity, unit, deadline: f.deadline, requirement });
        }
        let at = now();
        let id: i64 = sqlx::query(
            "INSERT INTO inspections (kind, visited_on, unit_id, summary, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(kind)
        .bind(day(input.visited_on))
        .bind(visited.id)
        .bind(&summary)
        .bind(created_by)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?
        .get(0);
        for user in &inspectors {
            sqlx::query("INSERT INTO inspection_inspectors (inspection_id, user_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*user)
                .execute(&mut *tx)
                .await?;
        }
        let period = Period::containing(input.visited_on).to_string();
        let visit = format!("{} {} {}", input.visited_on, label_of(&INSPECTION_KINDS, kind), visited.name);
        let mut docs = Vec::new();
        for (i, f) in findings.iter().enumerate() {
            let finding_id: i64 = sqlx::query(
                "INSERT INTO findings (inspection_id, position, text, task_id, severity, unit_id, deadline, requirement, \
                 stage, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10) RETURNING id",
            )
            .bind(id)
            .bind(i64::try_from(i + 1).unwrap_or(i64::MAX))
            .bind(&f.text)
            .bind(f.task_id)
            .bind(f.severity)
            .bind(f.unit.id)
            .bind(day(f.deadline))
            .bind(&f.requirement)
            .bind(Stage::Issued.key())
            .bind(&at)
            .fetch_one(&mut *tx)
            .await?
            .get(0);
            docs.push(finding_doc(finding_id, f.unit.id, &f.unit.name, &visit, &f.text, &f.requirement));
            let message = format!(
                "{}({})发现问题:{}。请于{}前完成整改并报送整改情况。",
                label_of(&INSPECTION_KINDS, kind),
                input.visited_on.format("%Y年%m月%d日"),
                short(&f.text),
                f.deadline.format("%Y年%m月%d日"),
            );
            notify(&mut tx, f.unit.id, "rectification", &period, &message, &at).await?;
        }
        crate::search::add_all(&mut tx, &docs).await?;
        tx.commit().await?;
        self.inspection(id, VisitScope::All, today).await
    }

    /// One visit as `scope` sees it (a unit sees only its own findings in it).
    pub async fn inspection(&self, id: i64, scope: VisitScope, today: NaiveDate) -> Result<Inspection> {
        let mut list = self.load_inspections(Some(id), &InspectionFilter::default(), scope, today).await?;
        list.pop().ok_or(StoreError::NotFound)
    }

    /// Visits `scope` sees, newest first (without their findings' histories).
    pub async fn inspections(
        &self,
        filter: &InspectionFilter,
        scope: VisitScope,
        today: NaiveDate,
    ) -> Result<Vec<Inspection>> {
        self.load_inspections(None, filter, scope, today).await
    }

    async fn load_inspections(
        &self,
        only: Option<i64>,
        filter: &InspectionFilter,
        scope: VisitScope,
        today: NaiveDate,
    ) -> Result<Vec<Inspection>> {
        if scope == VisitScope::Nothing {
            return Ok(Vec::new());
        }
        let period = match filter.period.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(p) => Some(p.parse::<Period>().map_err(|e| StoreError::invalid("period", e.to_string()))?),
            None => None,
        };
        let kind = match filter.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(k) => Some(lookup(&INSPECTION_KINDS, k).ok_or_else(|| StoreError::invalid("kind", "督导类型无效"))?),
            None => None,
        };
        let rows = sqlx::query(
            "SELECT i.id, i.kind, i.visited_on, i.unit_id, u.name, u.kind, u.district, i.summary, i.created_by, \
             i.created_at FROM inspections i JOIN units u ON u.id = i.unit_id \
             WHERE ($1 = 0 OR i.id = $1) AND ($2 = 0 OR i.unit_id = $2) ORDER BY i.visited_on DESC, i.id DESC",
        )
        .bind(only.unwrap_or(0))
        .bind(filter.unit.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?;
        let team = sqlx::query(
            "SELECT x.inspection_id, n.id, n.display_name FROM inspection_inspectors x JOIN users n ON n.id = x.user_id \
             ORDER BY n.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let assigned = match scope {
            VisitScope::Inspector(me) => self.assigned_schools(me).await?,
            _ => Vec::new(),
        };
        // Findings come with the visit; a unit sees its own only.
        let findings = self.rectifications_where(only, scope, today).await?;
        let files = sqlx::query(
            "SELECT id, inspection_id, file_name, content_type, size, sha256, uploaded_at FROM visit_evidence \
             WHERE report_id IS NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let id: i64 = r.get(0);
            let unit_id: i64 = r.get(3);
            let unit_name: String = r.get(4);
            let county = county_of(&r.get::<String, _>(5), &unit_name, r.get(6));
            let visited_on = date(&r.get::<String, _>(2));
            let inspectors: Vec<Person> = team
                .iter()
                .filter(|t| t.get::<i64, _>(0) == id)
                .map(|t| Person { id: t.get(1), name: t.get(2) })
                .collect();
            let own: Vec<Rectification> = findings.iter().filter(|f| f.inspection_id == id).cloned().collect();
            let visible = match scope {
                VisitScope::All => true,
                VisitScope::Unit(u) => unit_id == u || !own.is_empty(),
                VisitScope::Inspector(me) => inspectors.iter().any(|p| p.id == me) || assigned.contains(&unit_id),
                VisitScope::Nothing => false,
            };
            let kind_key: String = r.get(1);
            if !visible
                || period.is_some_and(|p| Period::containing(visited_on) != p)
                || kind.is_some_and(|k| k != kind_key)
                || filter.county.as_deref().is_some_and(|c| county.as_deref() != Some(c.trim()))
            {
                continue;
            }
            out.push(Inspection {
                id,
                kind_label: label_of(&INSPECTION_KINDS, &kind_key),
                kind: kind_key,
                visited_on,
                unit_id,
                unit_name,
                county,
                summary: r.get(7),
                inspectors,
                created_by: r.get(8),
                created_at: r.get(9),
                findings: own,
                evidence: files.iter().filter(|f| f.get::<i64, _>("inspection_id") == id).map(evidence_row).collect(),
            });
        }
        Ok(out)
    }

    // --- rectifications -------------------------------------------------------------------

    /// Every finding `scope` sees (of one visit when `inspection` is given), with histories.
    async fn rectifications_where(
        &self,
        inspection: Option<i64>,
        scope: VisitScope,
        today: NaiveDate,
    ) -> Result<Vec<Rectification>> {
        let unit = match scope {
            VisitScope::Unit(u) => u,
            VisitScope::Nothing => return Ok(Vec::new()),
            _ => 0,
        };
        let rows = sqlx::query(sql!(
            "{FINDING_SELECT} WHERE ($1 = 0 OR f.inspection_id = $1) AND ($2 = 0 OR f.unit_id = $2) \
             ORDER BY i.visited_on DESC, f.inspection_id DESC, f.position"
        ))
        .bind(inspection.unwrap_or(0))
        .bind(unit)
        .fetch_all(&self.pool)
        .await?;
        let mut found: Vec<FindingRow> = rows.iter().map(finding_row).collect();
        if let VisitScope::Inspector(me) = scope {
            let assigned = self.assigned_schools(me).await?;
            let mine: Vec<i64> = sqlx::query("SELECT inspection_id FROM inspection_inspectors WHERE user_id = $1")
                .bind(me)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect();
            found.retain(|f| {
                mine.contains(&f.inspection_id)
                    || assigned.contains(&f.unit_id)
                    || assigned.contains(&f.inspection_unit)
            });
        }
        let (mut steps, mut files) = load_steps(self, inspection).await?;
        Ok(found
            .into_iter()
            .map(|f| {
                let (h, e) = (steps.remove(&f.id).unwrap_or_default(), files.remove(&f.id).unwrap_or_default());
                build_rectification(f, h, e, today)
            })
            .collect())
    }

    /// Findings `scope` sees matching `filter`, newest visit first.
    pub async fn rectifications(
        &self,
        filter: &RectFilter,
        scope: VisitScope,
        today: NaiveDate,
    ) -> Result<Vec<Rectification>> {
        let state = match filter.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(
                RectState::parse(s)
                    .ok_or_else(|| StoreError::invalid("state", "状态应为待整改、整改中、待核查、已销号或逾期"))?,
            ),
            None => None,
        };
        let severity = match filter.severity.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(lookup(&SEVERITIES, s).ok_or_else(|| StoreError::invalid("severity", "严重程度无效"))?),
            None => None,
        };
        let all = self.rectifications_where(filter.inspection, scope, today).await?;
        Ok(all
            .into_iter()
            .filter(|r| {
                state.is_none_or(|s| r.state == s.key())
                    && filter.unit.is_none_or(|u| r.unit_id == u)
                    && filter.task.is_none_or(|t| r.task_id == Some(t))
                    && severity.is_none_or(|s| r.severity == s)
                    && filter.county.as_deref().is_none_or(|c| r.county.as_deref() == Some(c.trim()))
            })
            .collect())
    }

    /// One finding with its history, as `scope` sees it (`NotFound` outside it).
    pub async fn rectification(&self, id: i64, scope: VisitScope, today: NaiveDate) -> Result<Rectification> {
        let row = sqlx::query("SELECT inspection_id FROM findings WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.rectifications_where(Some(row.get(0)), scope, today)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or(StoreError::NotFound)
    }

    /// The 问题整改台账: one row per finding matching `filter`, everything an export shows.
    pub async fn rectification_ledger(
        &self,
        filter: &RectFilter,
        scope: VisitScope,
        today: NaiveDate,
    ) -> Result<Vec<LedgerRow>> {
        let list = self.rectifications(filter, scope, today).await?;
        let team = sqlx::query(
            "SELECT x.inspection_id, n.display_name FROM inspection_inspectors x JOIN users n ON n.id = x.user_id \
             ORDER BY n.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut names: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for t in &team {
            names.entry(t.get(0)).or_default().push(t.get(1));
        }
        Ok(list
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let measures = r
                    .history
                    .iter()
                    .filter(|s| s.action == "report")
                    .map(|s| format!("{}:{}", s.on, s.text))
                    .collect::<Vec<_>>()
                    .join("\n");
                let state = RectState::parse(&r.state).map_or("", RectState::label);
                LedgerRow {
                    number: i + 1,
                    id: r.id,
                    source: format!("{} {} {}", r.visited_on, r.inspection_kind, r.visited_unit),
                    inspectors: names.get(&r.inspection_id).map(|n| n.join("、")).unwrap_or_default(),
                    text: r.text,
                    category: r.task_label.unwrap_or_default(),
                    severity: r.severity_label,
                    unit: r.unit_name,
                    county: r.county.unwrap_or_default(),
                    requirement: r.requirement,
                    deadline: r.deadline,
                    measures,
                    state,
                    returns: r.returns,
                    verifier: r.verifier.unwrap_or_default(),
                    closed_on: r.closed_on,
                    closed_late: r.closed_late,
                    days_overdue: r.days_overdue,
                    comment: r.last_comment.unwrap_or_default(),
                }
            })
            .collect())
    }

    /// The responsible unit reports on a finding it sees (`scope`), naming the `version` it
    /// read: only while 待整改 or 整改中 (returned or not). A lost race or a finding no longer
    /// open to a report is a `Conflict`.
    pub async fn report_rectification(
        &self,
        id: i64,
        version: i64,
        report: &RectificationReport,
        scope: VisitScope,
        user_id: Option<i64>,
        today: NaiveDate,
    ) -> Result<Rectification> {
        let text = text_field("text", "整改情况", &report.text, true)?;
        self.rectification(id, scope, today).await?;
        let step = Step::Report { complete: report.complete };
        let mut tx = self.write_tx().await?;
        let at = now();
        claim_finding(&mut tx, id, version, step, &at).await?;
        let report_id: i64 = sqlx::query(
            "INSERT INTO rectification_reports (finding_id, text, complete, user_id, on_date, at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(id)
        .bind(&text)
        .bind(flag(report.complete))
        .bind(user_id)
        .bind(day(today))
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?
        .get(0);
        for e in &report.evidence {
            let linked = sqlx::query(
                "UPDATE visit_evidence SET report_id = $1 WHERE id = $2 AND finding_id = $3 AND report_id IS NULL \
                 AND uploaded_by = $4",
            )
            .bind(report_id)
            .bind(*e)
            .bind(id)
            .bind(user_id.unwrap_or(-1))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if linked != 1 {
                return Err(StoreError::invalid(
                    "evidence",
                    format!("佐证材料 {e} 不是本人为该问题上传的,或已用于另一次报送"),
                ));
            }
        }
        tx.commit().await?;
        self.rectification(id, VisitScope::All, today).await
    }

    /// The office closes (销号) or returns a finding 待核查, naming the `version` it read. A
    /// return needs a comment saying what is still wrong; the unit gets a notice of it.
    pub async fn verify_rectification(
        &self,
        id: i64,
        version: i64,
        verdict: Verdict,
        comment: &str,
        user_id: Option<i64>,
        today: NaiveDate,
    ) -> Result<Rectification> {
        let comment = text_field("comment", "核查意见", comment, verdict == Verdict::Return).map_err(|e| match e {
            StoreError::Invalid { field, message } if message.ends_with("不能为空") => StoreError::Invalid {
                field,
                message: "退回时必须填写核查意见,说明仍需整改的内容".into(),
            },
            e => e,
        })?;
        let step = match verdict {
            Verdict::Close => Step::Close,
            Verdict::Return => Step::Return,
        };
        let mut tx = self.write_tx().await?;
        let at = now();
        claim_finding(&mut tx, id, version, step, &at).await?;
        sqlx::query(
            "INSERT INTO rectification_verifications (finding_id, decision, comment, user_id, on_date, at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(verdict.key())
        .bind(&comment)
        .bind(user_id)
        .bind(day(today))
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        if verdict == Verdict::Return {
            let row =
                sqlx::query("SELECT unit_id, text FROM findings WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
            let message = format!("整改情况被退回:{}。核查意见:{comment}", short(&row.get::<String, _>(1)));
            notify(&mut tx, row.get(0), "rectification", &Period::containing(today).to_string(), &message, &at).await?;
        }
        tx.commit().await?;
        self.rectification(id, VisitScope::All, today).await
    }

    /// Attaches a file to a visit (`finding` none: the visit itself, e.g. the signed
    /// 督导意见书) or to a finding (photos at the visit; or a unit's file for its next report,
    /// which names it in `evidence`). Same checks as a report's evidence (type by content,
    /// size, [`MAX_EVIDENCE_FILES`] per visit or finding) and the same file store.
    pub async fn add_visit_evidence(
        &self,
        inspection_id: i64,
        finding_id: Option<i64>,
        name: &str,
        bytes: &[u8],
        user_id: Option<i64>,
    ) -> std::result::Result<Evidence, AddError> {
        if bytes.len() > MAX_EVIDENCE_BYTES {
            return Err(AddError::Refused(Refusal::TooLarge));
        }
        let content_type = crate::evidence::sniff(bytes).ok_or(AddError::Refused(Refusal::Type))?;
        if let Some(f) = finding_id {
            let row = sqlx::query("SELECT inspection_id FROM findings WHERE id = $1")
                .bind(f)
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::from)?;
            if row.is_none_or(|r| r.get::<i64, _>(0) != inspection_id) {
                return Err(StoreError::NotFound.into());
            }
        }
        let sha = crate::evidence::sha256_hex(bytes);
        let path = self.evidence_path(&sha)?;
        {
            let mut conn = self.pool.acquire().await.map_err(StoreError::from)?;
            if evidence_count(&mut conn, inspection_id, finding_id).await? >= MAX_EVIDENCE_FILES {
                return Err(AddError::Refused(Refusal::TooMany));
            }
        }
        if !path.exists() {
            let owned = bytes.to_vec();
            tokio::task::spawn_blocking(move || crate::evidence::write_durably(&path, &owned))
                .await
                .map_err(std::io::Error::other)
                .and_then(|r| r)
                .map_err(StoreError::file)?;
        }
        let mut tx = self.write_tx().await?;
        if evidence_count(&mut tx, inspection_id, finding_id).await? >= MAX_EVIDENCE_FILES {
            return Err(AddError::Refused(Refusal::TooMany));
        }
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let at = now();
        let row = sqlx::query(
            "INSERT INTO visit_evidence (inspection_id, finding_id, file_name, content_type, size, sha256, uploaded_by, \
             uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             RETURNING id, file_name, content_type, size, sha256, uploaded_at",
        )
        .bind(inspection_id)
        .bind(finding_id)
        .bind(crate::evidence::clean_name(name))
        .bind(content_type)
        .bind(size)
        .bind(&sha)
        .bind(user_id)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from)?;
        let e = evidence_row(&row);
        tx.commit().await?;
        Ok(e)
    }

    /// A visit's file and the visit and finding it belongs to, for download (the caller
    /// checks the viewer sees that visit or finding).
    pub async fn visit_evidence(&self, id: i64) -> Result<(Evidence, i64, Option<i64>)> {
        let r = sqlx::query(
            "SELECT id, file_name, content_type, size, sha256, uploaded_at, inspection_id, finding_id \
             FROM visit_evidence WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok((evidence_row(&r), r.get("inspection_id"), r.get("finding_id")))
    }

    // --- figures --------------------------------------------------------------------------

    /// The bulletin's visit and 督办件 sections for `period` (see
    /// `domain::rectification::visit_figures` for what each figure counts).
    pub async fn visit_bulletin(&self, period: Period, today: NaiveDate) -> Result<VisitBulletin> {
        let visit_dates: Vec<NaiveDate> = sqlx::query("SELECT visited_on FROM inspections")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| date(&r.get::<String, _>(0)))
            .collect();
        let rows = sqlx::query(sql!("{FINDING_SELECT}")).fetch_all(&self.pool).await?;
        let found: Vec<FindingRow> = rows.iter().map(finding_row).collect();
        let (steps, _) = load_steps(self, None).await?;
        let events: Vec<Vec<rules::Event>> = found
            .iter()
            .map(|f| steps.get(&f.id).map(|h| h.iter().map(as_step).collect()).unwrap_or_default())
            .collect();
        let records: Vec<rules::FindingRecord<'_>> = found
            .iter()
            .zip(&events)
            .map(|(f, e)| rules::FindingRecord {
                unit: &f.unit_name,
                facts: rules::Facts { issued: f.visited_on, deadline: f.deadline, events: e },
            })
            .collect();
        let visits = rules::visit_figures(period, today, &visit_dates, &records);
        let items = self.directives_where(None, VisitScope::All, today).await?;
        let steps: Vec<Vec<(NaiveDate, DirectiveStep)>> = items.iter().map(directive_steps).collect();
        let records: Vec<rules::DirectiveRecord<'_>> = items
            .iter()
            .zip(&steps)
            .map(|(d, s)| rules::DirectiveRecord {
                title: &d.title,
                lead_unit: &d.lead_unit.name,
                registered: d.registered_on,
                deadline: d.deadline,
                events: s,
            })
            .collect();
        let directives = rules::directive_figures(period, today, &records);
        Ok(VisitBulletin { visits, directives })
    }

    /// 整改及时率 per county (a district and its schools, by the district's name): of the
    /// findings due in `as_of`'s year by `as_of`, those rectified on time
    /// (`domain::rectification::timeliness`), each traced as one line of evidence.
    pub async fn rectification_timeliness(&self, as_of: NaiveDate) -> Result<HashMap<String, Measure>> {
        let year_start = Period { year: as_of.year(), month: 1 }.first_day();
        let rows = sqlx::query(sql!("{FINDING_SELECT} ORDER BY f.deadline, f.id")).fetch_all(&self.pool).await?;
        let (steps, _) = load_steps(self, None).await?;
        let mut out: HashMap<String, Measure> = HashMap::new();
        for f in rows.iter().map(finding_row).filter(|f| f.deadline >= year_start) {
            let Some(county) = f.county.clone() else { continue };
            let events: Vec<rules::Event> =
                steps.get(&f.id).map(|h| h.iter().map(as_step).collect()).unwrap_or_default();
            let facts = rules::Facts { issued: f.visited_on, deadline: f.deadline, events: &events };
            let Some((on_time, done)) = rules::timeliness(&facts, as_of) else { continue };
            let m = out.entry(county).or_default();
            m.of += 1.0;
            if on_time {
                m.done += 1.0;
            }
            let how = match done {
                Some(d) if on_time => format!("{d} 整改完成"),
                Some(d) => format!("{d} 整改完成(逾期)"),
                None => "未按期整改".to_string(),
            };
            m.evidence.push(format!(
                "{} {}:{}(责任单位 {}),期限 {},{how}",
                f.visited_on,
                label_of(&INSPECTION_KINDS, &f.inspection_kind),
                f.text,
                f.unit_name,
                f.deadline
            ));
        }
        Ok(out)
    }

    /// 一月一督导: per inspector and per county, which assigned schools their inspector
    /// visited in `period` (a visit counts for the inspector only when they took part in it).
    pub async fn coverage(&self, period: Period) -> Result<CoverageReport> {
        let inspectors = self.inspectors().await?;
        let visits = sqlx::query(
            "SELECT x.user_id, i.unit_id, i.visited_on FROM inspections i \
             JOIN inspection_inspectors x ON x.inspection_id = i.id WHERE i.visited_on >= $1 AND i.visited_on <= $2",
        )
        .bind(day(period.first_day()))
        .bind(day(period.last_day()))
        .fetch_all(&self.pool)
        .await?;
        let counties: HashMap<i64, String> = sqlx::query("SELECT id, name, kind, district FROM units")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .filter_map(|r| {
                county_of(&r.get::<String, _>(2), &r.get::<String, _>(1), r.get(3)).map(|c| (r.get::<i64, _>(0), c))
            })
            .collect();
        let mut per_inspector = Vec::new();
        let mut per_county: BTreeMap<String, (usize, Vec<UnitName>, Vec<UnitName>)> = BTreeMap::new();
        for i in inspectors {
            let mine: Vec<(i64, NaiveDate)> = visits
                .iter()
                .filter(|v| v.get::<i64, _>(0) == i.inspector.id)
                .map(|v| (v.get(1), date(&v.get::<String, _>(2))))
                .collect();
            let ids: Vec<i64> = i.schools.iter().map(|s| s.id).collect();
            let c = rules::coverage(period, &ids, &mine);
            let name = |id: &i64| i.schools.iter().find(|s| s.id == *id).cloned();
            let visited: Vec<UnitName> = c.visited.iter().filter_map(name).collect();
            let not_visited: Vec<UnitName> = c.not_visited.iter().filter_map(name).collect();
            for (list, was) in [(&visited, true), (&not_visited, false)] {
                for s in list {
                    let county = counties.get(&s.id).cloned().unwrap_or_else(|| CITY.to_string());
                    let entry = per_county.entry(county).or_default();
                    entry.0 += 1;
                    if was { entry.1.push(s.clone()) } else { entry.2.push(s.clone()) }
                }
            }
            per_inspector.push(InspectorCoverage {
                inspector: i.inspector,
                assigned: c.assigned.len(),
                visited,
                not_visited,
                rate: c.rate,
            });
        }
        let assigned: usize = per_inspector.iter().map(|i| i.assigned).sum();
        let visited: usize = per_inspector.iter().map(|i| i.visited.len()).sum();
        #[allow(clippy::cast_precision_loss)] // counts of schools
        let rate = |part: usize, whole: usize| (whole > 0).then(|| part as f64 / whole as f64);
        Ok(CoverageReport {
            period,
            counties: per_county
                .into_iter()
                .map(|(county, (n, v, nv))| CountyCoverage {
                    county,
                    assigned: n,
                    rate: rate(v.len(), n),
                    visited: v,
                    not_visited: nv,
                })
                .collect(),
            inspectors: per_inspector,
            assigned,
            visited,
            rate: rate(visited, assigned),
        })
    }

    // --- 督办件 ----------------------------------------------------------------------------

    /// Registers a 督办件 (the office) on `today`. Refused: an unknown source or cadence, an
    /// empty title, a deadline before today, a lead or co unit not in the directory (or a
    /// group), the lead repeated as a co unit. The lead and co units get a notice.
    pub async fn create_directive(
        &self,
        input: &NewDirective,
        created_by: Option<i64>,
        today: NaiveDate,
    ) -> Result<Directive> {
        let source = lookup(&DIRECTIVE_SOURCES, &input.source)
            .ok_or_else(|| StoreError::invalid("source", "来源应为领导批示、会议议定、上级交办或其他"))?;
        let cadence = Cadence::parse(&input.cadence)
            .ok_or_else(|| StoreError::invalid("cadence", "反馈频次应为一次、每周或每月"))?;
        let title = text_field("title", "督办事项", &input.title, true)?;
        if title.chars().count() > 200 {
            return Err(StoreError::invalid("title", "督办事项不能超过 200 个字"));
        }
        let text = text_field("text", "督办内容", &input.text, false)?;
        if input.deadline < today {
            return Err(StoreError::invalid("deadline", format!("办理时限({})不能早于今天", input.deadline)));
        }
        let mut tx = self.write_tx().await?;
        let lead = single_unit(&mut tx, &input.lead_unit, "lead_unit", "牵头单位").await?;
        let mut co: Vec<Resolved> = Vec::new();
        for (i, u) in input.co_units.iter().enumerate() {
            let unit = single_unit(&mut tx, u, &format!("co_units[{i}]"), "配合单位").await?;
            if unit.id == lead.id {
                return Err(StoreError::invalid(
                    &format!("co_units[{i}]"),
                    format!("“{}”已是牵头单位,不能同时作为配合单位", unit.name),
                ));
            }
            if !co.iter().any(|c| c.id == unit.id) {
                co.push(unit);
            }
        }
        let at = now();
        let id: i64 = sqlx::query(
            "INSERT INTO directives (source, title, text, registered_on, deadline, cadence, stage, version, created_by, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $9) RETURNING id",
        )
        .bind(source)
        .bind(&title)
        .bind(&text)
        .bind(day(today))
        .bind(day(input.deadline))
        .bind(cadence.key())
        .bind(DirectiveStage::Open.key())
        .bind(created_by)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?
        .get(0);
        let period = Period::containing(today).to_string();
        for (unit, role) in std::iter::once((&lead, "lead")).chain(co.iter().map(|c| (c, "co"))) {
            sqlx::query("INSERT INTO directive_units (directive_id, unit_id, role) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(unit.id)
                .bind(role)
                .execute(&mut *tx)
                .await?;
            let message = format!(
                "督办件({}):{}。你单位为{},请于{}前办结,{}。",
                label_of(&DIRECTIVE_SOURCES, source),
                short(&title),
                if role == "lead" { "牵头单位" } else { "配合单位" },
                input.deadline.format("%Y年%m月%d日"),
                cadence.label()
            );
            notify(&mut tx, unit.id, "directive", &period, &message, &at).await?;
        }
        crate::search::add_all(&mut tx, &[directive_doc(id, source, &lead.name, &title, &text)]).await?;
        tx.commit().await?;
        self.directive(id, VisitScope::All, today).await
    }

    /// 督办件 `scope` sees, optionally in one state, earliest deadline first.
    pub async fn directives(&self, state: Option<&str>, scope: VisitScope, today: NaiveDate) -> Result<Vec<Directive>> {
        let state = match state.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(
                DirectiveState::parse(s)
                    .ok_or_else(|| StoreError::invalid("state", "状态应为办理中、待确认、已办结、逾期或退回"))?,
            ),
            None => None,
        };
        let mut list = self.directives_where(None, scope, today).await?;
        list.retain(|d| state.is_none_or(|s| d.state == s.key()));
        list.sort_by_key(|a| (a.deadline, a.id));
        Ok(list)
    }

    /// One 督办件 with its history, as `scope` sees it.
    pub async fn directive(&self, id: i64, scope: VisitScope, today: NaiveDate) -> Result<Directive> {
        self.directives_where(Some(id), scope, today).await?.pop().ok_or(StoreError::NotFound)
    }

    async fn directives_where(&self, only: Option<i64>, scope: VisitScope, today: NaiveDate) -> Result<Vec<Directive>> {
        let unit = match scope {
            VisitScope::All => 0,
            VisitScope::Unit(u) => u,
            VisitScope::Inspector(_) | VisitScope::Nothing => return Ok(Vec::new()),
        };
        let rows = sqlx::query(
            "SELECT d.id, d.source, d.title, d.text, d.registered_on, d.deadline, d.cadence, d.version FROM directives d \
             WHERE ($1 = 0 OR d.id = $1) AND ($2 = 0 OR EXISTS (SELECT 1 FROM directive_units x \
             WHERE x.directive_id = d.id AND x.unit_id = $2)) ORDER BY d.id",
        )
        .bind(only.unwrap_or(0))
        .bind(unit)
        .fetch_all(&self.pool)
        .await?;
        let units = sqlx::query(
            "SELECT x.directive_id, x.role, u.id, u.name FROM directive_units x JOIN units u ON u.id = x.unit_id \
             WHERE ($1 = 0 OR x.directive_id = $1) ORDER BY u.id",
        )
        .bind(only.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?;
        let mut events: HashMap<i64, Vec<(String, i64, DirectiveEvent)>> = HashMap::new();
        for r in sqlx::query(
            "SELECT f.directive_id, u.name, f.text, f.done, n.display_name, f.on_date, f.at FROM directive_feedback f \
             JOIN units u ON u.id = f.unit_id LEFT JOIN users n ON n.id = f.user_id \
             WHERE ($1 = 0 OR f.directive_id = $1) ORDER BY f.id",
        )
        .bind(only.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?
        {
            let at: String = r.get(6);
            events.entry(r.get(0)).or_default().push((
                at.clone(),
                0,
                DirectiveEvent {
                    action: "feedback".into(),
                    unit_name: r.get(1),
                    text: r.get(2),
                    done: r.get::<i64, _>(3) != 0,
                    user_name: r.get(4),
                    on: date(&r.get::<String, _>(5)),
                    at,
                },
            ));
        }
        for r in sqlx::query(
            "SELECT d.directive_id, d.decision, d.comment, n.display_name, d.on_date, d.at FROM directive_decisions d \
             LEFT JOIN users n ON n.id = d.user_id WHERE ($1 = 0 OR d.directive_id = $1) ORDER BY d.id",
        )
        .bind(only.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?
        {
            let at: String = r.get(5);
            events.entry(r.get(0)).or_default().push((
                at.clone(),
                1,
                DirectiveEvent {
                    action: r.get(1),
                    unit_name: None,
                    text: r.get(2),
                    done: false,
                    user_name: r.get(3),
                    on: date(&r.get::<String, _>(4)),
                    at,
                },
            ));
        }
        let mut out = Vec::new();
        for r in &rows {
            let id: i64 = r.get(0);
            let mut history = events.remove(&id).unwrap_or_default();
            history.sort_by(|a, b| (a.0.as_str(), a.1).cmp(&(b.0.as_str(), b.1)));
            let history: Vec<DirectiveEvent> = history.into_iter().map(|(_, _, e)| e).collect();
            let mine: Vec<_> = units.iter().filter(|u| u.get::<i64, _>(0) == id).collect();
            let lead = mine
                .iter()
                .find(|u| u.get::<String, _>(1) == "lead")
                .map(|u| UnitName { id: u.get(2), name: u.get(3) })
                .ok_or(StoreError::NotFound)?;
            let co_units = mine
                .iter()
                .filter(|u| u.get::<String, _>(1) != "lead")
                .map(|u| UnitName { id: u.get(2), name: u.get(3) })
                .collect();
            let source: String = r.get(1);
            let cadence = Cadence::parse(&r.get::<String, _>(6)).unwrap_or(Cadence::Once);
            let registered_on = date(&r.get::<String, _>(4));
            let deadline = date(&r.get::<String, _>(5));
            let mut d = Directive {
                id,
                source_label: label_of(&DIRECTIVE_SOURCES, &source),
                source,
                title: r.get(2),
                text: r.get(3),
                lead_unit: lead,
                co_units,
                registered_on,
                deadline,
                cadence: cadence.key().to_string(),
                cadence_label: cadence.label(),
                state: String::new(),
                state_label: "",
                next_feedback_due: None,
                feedback_late: false,
                closed_on: None,
                history,
                version: r.get(7),
            };
            let steps = directive_steps(&d);
            // As for findings: a step taken is never unseen behind a slow clock.
            let as_of = steps.iter().map(|(on, _)| *on).max().map_or(today, |l| l.max(today));
            let (stage, closed_on) = rules::directive_stage_as_of(&steps, as_of);
            let state = rules::directive_state(stage, deadline, today);
            let last_feedback = d.history.iter().filter(|e| e.action == "feedback").map(|e| e.on).max();
            d.next_feedback_due = rules::next_feedback_due(stage, cadence, registered_on, last_feedback, deadline);
            d.feedback_late = d.next_feedback_due.is_some_and(|due| due < today);
            d.state = state.key().to_string();
            d.state_label = state.label();
            d.closed_on = closed_on;
            out.push(d);
        }
        Ok(out)
    }

    /// A unit's feedback on a 督办件 it leads or joins, naming the `version` read. `done`
    /// (the item is done, asking the office to confirm) only from the lead unit.
    #[allow(clippy::too_many_arguments)]
    pub async fn directive_feedback(
        &self,
        id: i64,
        version: i64,
        unit_id: i64,
        text: &str,
        done: bool,
        user_id: Option<i64>,
        today: NaiveDate,
    ) -> Result<Directive> {
        let text = text_field("text", "反馈内容", text, true)?;
        let mut tx = self.write_tx().await?;
        let role = sqlx::query("SELECT role FROM directive_units WHERE directive_id = $1 AND unit_id = $2")
            .bind(id)
            .bind(unit_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        if done && role.get::<String, _>(0) != "lead" {
            return Err(StoreError::invalid("done", "只有牵头单位可以报送办结"));
        }
        let at = now();
        claim_directive(&mut tx, id, version, DirectiveStep::Feedback { done }, &at).await?;
        sqlx::query(
            "INSERT INTO directive_feedback (directive_id, unit_id, text, done, user_id, on_date, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(unit_id)
        .bind(&text)
        .bind(flag(done))
        .bind(user_id)
        .bind(day(today))
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.directive(id, VisitScope::All, today).await
    }

    /// The office confirms (办结) or returns a 督办件 待确认, naming the `version` read; a
    /// return needs a comment, and the lead unit gets a notice of it.
    pub async fn decide_directive(
        &self,
        id: i64,
        version: i64,
        verdict: Verdict,
        comment: &str,
        user_id: Option<i64>,
        today: NaiveDate,
    ) -> Result<Directive> {
        let comment = text_field("comment", "意见", comment, verdict == Verdict::Return).map_err(|e| match e {
            StoreError::Invalid { field, message } if message.ends_with("不能为空") => {
                StoreError::Invalid { field, message: "退回时必须填写意见,说明仍需办理的内容".into() }
            }
            e => e,
        })?;
        let step = match verdict {
            Verdict::Close => DirectiveStep::Close,
            Verdict::Return => DirectiveStep::Return,
        };
        let mut tx = self.write_tx().await?;
        let at = now();
        claim_directive(&mut tx, id, version, step, &at).await?;
        sqlx::query(
            "INSERT INTO directive_decisions (directive_id, decision, comment, user_id, on_date, at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(verdict.key())
        .bind(&comment)
        .bind(user_id)
        .bind(day(today))
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        if verdict == Verdict::Return {
            let row = sqlx::query(
                "SELECT x.unit_id, d.title FROM directive_units x JOIN directives d ON d.id = x.directive_id \
                 WHERE x.directive_id = $1 AND x.role = 'lead'",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            let message = format!("督办件“{}”的办结报送被退回:{comment}", short(&row.get::<String, _>(1)));
            notify(&mut tx, row.get(0), "directive", &Period::containing(today).to_string(), &message, &at).await?;
        }
        tx.commit().await?;
        self.directive(id, VisitScope::All, today).await
    }
}

/// How many days before a finding's deadline its unit is reminded.
pub const RECTIFICATION_REMIND_DAYS: i64 = 3;

impl Store {
    /// The notices the visits' workflow sends by itself on `today`, each exactly once across
    /// processes (a `jobs` claim per finding or item): a reminder to the unit of a finding
    /// still with it [`RECTIFICATION_REMIND_DAYS`] days or less before its deadline; an overdue
    /// notice once it is 逾期; for a 督办件, to its lead unit when a feedback falls due (once per
    /// due day) and once when it is overdue. Returns what was sent, for the log. The server's
    /// job loop calls it beside `run_due_jobs`.
    pub async fn run_visit_jobs(&self, today: NaiveDate, owner: &str) -> Result<Vec<String>> {
        let mut sent = Vec::new();
        let period = Period::containing(today).to_string();
        let open = self.rectifications_where(None, VisitScope::All, today).await?.into_iter().filter(|r| {
            matches!(RectState::parse(&r.state), Some(RectState::Pending | RectState::InProgress | RectState::Overdue))
        });
        let mut notices = Vec::new();
        for r in open {
            let (job, message) = if r.state == RectState::Overdue.key() {
                (
                    format!("rectification_overdue_{}", r.id),
                    format!("问题“{}”已超过整改期限({}),请尽快整改并报送整改情况。", short(&r.text), r.deadline),
                )
            } else if (r.deadline - today).num_days() <= RECTIFICATION_REMIND_DAYS {
                (
                    format!("rectification_reminder_{}", r.id),
                    format!("问题“{}”的整改期限为{},请按期完成整改并报送整改情况。", short(&r.text), r.deadline),
                )
            } else {
                continue;
            };
            if self.claim_job(&job, "1", owner).await? {
                notices.push((r.unit_id, "rectification", message));
                sent.push(job);
            }
        }
        for d in self.directives_where(None, VisitScope::All, today).await? {
            let (job, key, message) = if d.state == DirectiveState::Overdue.key() {
                (
                    format!("directive_overdue_{}", d.id),
                    "1".to_string(),
                    format!("督办件“{}”已超过办理时限({}),请尽快办结并反馈。", short(&d.title), d.deadline),
                )
            } else if let Some(due) = d.next_feedback_due.filter(|due| *due <= today) {
                (
                    format!("directive_feedback_{}", d.id),
                    day(due),
                    format!("督办件“{}”应于{}前反馈办理情况,请及时反馈。", short(&d.title), due),
                )
            } else {
                continue;
            };
            if self.claim_job(&job, &key, owner).await? {
                notices.push((d.lead_unit.id, "directive", message));
                sent.push(job);
            }
        }
        if !notices.is_empty() {
            let at = now();
            let mut tx = self.write_tx().await?;
            for (unit, kind, message) in &notices {
                notify(&mut tx, *unit, kind, &period, message, &at).await?;
            }
            tx.commit().await?;
        }
        Ok(sent)
    }
}

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
    let row = sqlx::query("SELECT stage, version FROM findings WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let stage = Stage::parse(&row.get::<String, _>(0)).unwrap_or(Stage::Issued);
    if row.get::<i64, _>(1) != version {
        return Err(StoreError::Conflict(FINDING_CHANGED.into()));
    }
    let next = stage.after(step).map_err(|why| StoreError::Conflict(why.into()))?;
    // The stage and version read are part of the write: on PostgreSQL a concurrent step
    // that committed first makes this one change nothing.
    let changed = sqlx::query(
        "UPDATE findings SET stage = $1, version = version + 1, updated_at = $2 \
         WHERE id = $3 AND version = $4 AND stage = $5",
    )
    .bind(next.key())
    .bind(at)
    .bind(id)
    .bind(version)
    .bind(stage.key())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    expect_one(changed, FINDING_CHANGED)?;
    Ok(next)
}

/// As [`claim_finding`], for a 督办件.
async fn claim_directive(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    version: i64,
    step: DirectiveStep,
    at: &str,
) -> Result<DirectiveStage> {
    let row = sqlx::query("SELECT stage, version FROM directives WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let stage = DirectiveStage::parse(&row.get::<String, _>(0)).unwrap_or(DirectiveStage::Open);
    if row.get::<i64, _>(1) != version {
        return Err(StoreError::Conflict(DIRECTIVE_CHANGED.into()));
    }
    let next = stage.after(step).map_err(|why| StoreError::Conflict(why.into()))?;
    let changed = sqlx::query(
        "UPDATE directives SET stage = $1, version = version + 1, updated_at = $2 \
         WHERE id = $3 AND version = $4 AND stage = $5",
    )
    .bind(next.key())
    .bind(at)
    .bind(id)
    .bind(version)
    .bind(stage.key())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    expect_one(changed, DIRECTIVE_CHANGED)?;
    Ok(next)
}
