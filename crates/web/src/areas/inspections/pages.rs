//! Visits, the rectification ledger (问题整改台账), one rectification, 一月一督导 coverage and
//! 督办件 (HTML). An inspector records a visit on a phone: one form, a row per finding, photos
//! from the camera.

use crate::AppState;
use crate::error::Path;
use crate::pages::filters;
use crate::pages::{PageError, PageResult, Viewer, redirect_with, render, render_status};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::NaiveDate;
use serde::Deserialize;
use store::evidence::{MAX_EVIDENCE_BYTES, sniff};
use store::inspections::{
    CoverageReport, DIRECTIVE_SOURCES, Directive, INSPECTION_KINDS, Inspection, InspectionFilter, LedgerRow,
    NewDirective, NewFinding, NewInspection, Person, RectFilter, Rectification, RectificationReport, SEVERITIES,
    UnitRef, Verdict, VisitScope,
};
use store::users::Role;

fn scope(viewer: &Viewer) -> VisitScope {
    VisitScope::of(viewer.user())
}

use super::state_colour as colour;

// --- visits ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "inspections.html")]
struct VisitsPage {
    ctx: crate::pages::Ctx,
    visits: Vec<Inspection>,
    may_record: bool,
}

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let visits = state.store.inspections(&InspectionFilter::default(), scope(&viewer), state.config.today()).await?;
    let may_record = matches!(viewer.user().role, Role::Inspector | Role::Supervisor);
    render(&VisitsPage { visits, may_record, ctx: viewer.ctx })
}

/// One finding row of the visit form, as entered.
#[derive(Default, Clone)]
struct FindingRow {
    text: String,
    unit: String,
    severity: String,
    deadline: String,
    requirement: String,
    photos: Vec<(String, Vec<u8>)>,
}

#[derive(Template)]
#[template(path = "inspection_form.html")]
struct VisitForm {
    ctx: crate::pages::Ctx,
    error: Option<String>,
    kind: String,
    visited_on: String,
    unit: String,
    summary: String,
    chosen: Vec<i64>,
    rows: Vec<FindingRow>,
    inspectors: Vec<Person>,
    units: Vec<String>,
    kinds: &'static [(&'static str, &'static str)],
    severities: &'static [(&'static str, &'static str)],
}

impl VisitForm {
    fn chosen(&self, id: &i64) -> bool {
        self.chosen.contains(id)
    }
}

async fn visit_form(state: &AppState, ctx: crate::pages::Ctx) -> Result<VisitForm, PageError> {
    let inspectors = state.store.inspectors().await?.into_iter().map(|i| i.inspector).collect();
    let units = state
        .store
        .units()
        .await?
        .into_iter()
        .filter(|u| matches!(u.kind.as_str(), "district" | "school"))
        .map(|u| u.name)
        .collect();
    let chosen = if ctx.user.role == Role::Inspector { vec![ctx.user.id] } else { Vec::new() };
    Ok(VisitForm {
        error: None,
        kind: "responsible".into(),
        visited_on: state.config.today().to_string(),
        unit: String::new(),
        summary: String::new(),
        chosen,
        rows: vec![FindingRow::default(), FindingRow::default()],
        inspectors,
        units,
        kinds: &INSPECTION_KINDS,
        severities: &SEVERITIES,
        ctx,
    })
}

pub async fn new_form(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    render(&visit_form(&state, viewer.ctx).await?)
}

/// Records a visit from the phone form. The form's fields come in document order: each
/// `finding_text` starts a finding, and the `finding_*` fields after it (its photos too) are
/// that finding's. Empty rows are skipped. Photos are checked before anything is written, so a
/// refused photo keeps nothing, like a refused field.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    mut multipart: axum::extract::Multipart,
) -> PageResult {
    let unreadable = || PageError::BadRequest("上传内容无法读取,照片可能超过大小上限".into());
    let mut form = visit_form(&state, viewer_ctx(&viewer)).await?;
    form.rows.clear();
    form.chosen.clear();
    let (mut csrf, mut files) = (String::new(), Vec::new());
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or_default().to_string();
        if matches!(name.as_str(), "file" | "finding_photo") {
            let file_name = field.file_name().unwrap_or("照片").to_string();
            let bytes = field.bytes().await.map_err(|_| unreadable())?.to_vec();
            if bytes.is_empty() {
                continue;
            }
            match (name.as_str(), form.rows.last_mut()) {
                ("finding_photo", Some(row)) => row.photos.push((file_name, bytes)),
                _ => files.push((file_name, bytes)),
            }
            continue;
        }
        let value = field.text().await.map_err(|_| unreadable())?;
        match name.as_str() {
            "_csrf" => csrf = value,
            "kind" => form.kind = value,
            "visited_on" => form.visited_on = value,
            "unit" => form.unit = value,
            "summary" => form.summary = value,
            "inspector" => form.chosen.extend(value.parse::<i64>().ok()),
            "finding_text" => form.rows.push(FindingRow { text: value, ..Default::default() }),
            _ => {
                let Some(row) = form.rows.last_mut() else { continue };
                match name.as_str() {
                    "finding_unit" => row.unit = value,
                    "finding_severity" => row.severity = value,
                    "finding_deadline" => row.deadline = value,
                    "finding_requirement" => row.requirement = value,
                    _ => {}
                }
            }
        }
    }
    viewer.check_csrf(&csrf)?;
    // Rows left empty (the form offers two) are not findings.
    form.rows.retain(|r| !(r.text.trim().is_empty() && r.unit.trim().is_empty() && r.photos.is_empty()));
    match record(&state, &viewer, &form, &files).await {
        Ok(id) => Ok(redirect_with(&format!("/inspections/{id}"), "督导记录已保存,问题已交办至责任单位")),
        Err(message) => {
            form.error = Some(message);
            if form.rows.is_empty() {
                form.rows.push(FindingRow::default());
            }
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &form)
        }
    }
}

fn viewer_ctx(viewer: &Viewer) -> crate::pages::Ctx {
    crate::pages::Ctx {
        user: viewer.ctx.user.clone(),
        csrf: viewer.ctx.csrf.clone(),
        flash: None,
        period: viewer.ctx.period.clone(),
    }
}

fn date_field(field: &str, value: &str) -> Result<NaiveDate, String> {
    value.trim().parse().map_err(|_| format!("{field}应为日期(YYYY-MM-DD)"))
}

/// Checks the form, then writes the visit and its photos; the message to show otherwise.
async fn record(
    state: &AppState,
    viewer: &Viewer,
    form: &VisitForm,
    files: &[(String, Vec<u8>)],
) -> Result<i64, String> {
    let visited_on = date_field("督导日期", &form.visited_on)?;
    let mut findings = Vec::new();
    for (i, r) in form.rows.iter().enumerate() {
        let n = i + 1;
        findings.push(NewFinding {
            text: r.text.clone(),
            task_id: None,
            severity: Some(r.severity.clone()).filter(|s| !s.is_empty()),
            unit: UnitRef::Name(r.unit.trim().to_string()),
            deadline: date_field(&format!("第 {n} 个问题的整改期限"), &r.deadline)?,
            requirement: r.requirement.clone(),
        });
    }
    for (name, bytes) in files.iter().chain(form.rows.iter().flat_map(|r| &r.photos)) {
        if bytes.len() > MAX_EVIDENCE_BYTES {
            return Err(format!("文件“{name}”超过 20 MB 上限"));
        }
        if sniff(bytes).is_none() {
            return Err(format!("文件“{name}”的类型不受支持(可上传照片、PDF、Word、Excel)"));
        }
    }
    let input = super::with_recorder(
        NewInspection {
            kind: form.kind.clone(),
            visited_on,
            unit: UnitRef::Name(form.unit.trim().to_string()),
            inspectors: form.chosen.clone(),
            summary: form.summary.clone(),
            findings,
        },
        viewer.user(),
    );
    let today = state.config.today();
    let visit = state.store.create_inspection(&input, Some(viewer.user().id), today).await.map_err(message)?;
    let user = Some(viewer.user().id);
    for (name, bytes) in files {
        let _ = state.store.add_visit_evidence(visit.id, None, name, bytes, user).await;
    }
    for (row, finding) in form.rows.iter().zip(&visit.findings) {
        for (name, bytes) in &row.photos {
            let _ = state.store.add_visit_evidence(visit.id, Some(finding.id), name, bytes, user).await;
        }
    }
    Ok(visit.id)
}

/// The store's refusal as the form shows it: which finding, if it is one's.
fn message(e: store::StoreError) -> String {
    match e {
        store::StoreError::Invalid { field, message } => match field.strip_prefix("findings[") {
            Some(rest) => {
                let n = rest.split(']').next().and_then(|n| n.parse::<usize>().ok()).map_or(0, |n| n + 1);
                format!("第 {n} 个问题:{message}")
            }
            None => message,
        },
        store::StoreError::Conflict(m) => m,
        store::StoreError::NotFound => "所选对象不存在".into(),
        store::StoreError::DiskFull => store::DISK_FULL.into(),
        store::StoreError::Unavailable(_) => store::UNAVAILABLE.into(),
        store::StoreError::Db(_) => "服务器内部错误,请稍后重试".into(),
    }
}

#[derive(Template)]
#[template(path = "inspection.html")]
struct VisitPage {
    ctx: crate::pages::Ctx,
    visit: Inspection,
}

impl VisitPage {
    fn colour(&self, state: &str) -> &'static str {
        colour(state)
    }
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    let visit = state.store.inspection(id, scope(&viewer), state.config.today()).await?;
    render(&VisitPage { visit, ctx: viewer.ctx })
}

/// A visit's or a finding's file, to whoever sees the visit or the finding.
pub async fn download(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    let (e, inspection, finding) = state.store.visit_evidence(id).await?;
    let today = state.config.today();
    match finding {
        Some(f) => state.store.rectification(f, scope(&viewer), today).await.map(|_| ())?,
        None => state.store.inspection(inspection, scope(&viewer), today).await.map(|_| ())?,
    }
    let bytes = state.store.evidence_bytes(&e).await?;
    Ok(crate::downloads::attachment(&e, bytes))
}

// --- the ledger -----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct LedgerQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    county: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    inspection: String,
    #[serde(default)]
    task: String,
}

impl LedgerQuery {
    fn filter(&self) -> RectFilter {
        let id = |s: &str| s.trim().parse().ok();
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        RectFilter {
            state: text(&self.state),
            unit: id(&self.unit),
            inspection: id(&self.inspection),
            county: text(&self.county),
            task: id(&self.task),
            severity: None,
        }
    }
    fn query(&self) -> String {
        let p = |k: &str, v: &str| format!("{k}={}", crate::pages::url_encode(v.trim()));
        [
            p("state", &self.state),
            p("county", &self.county),
            p("unit", &self.unit),
            p("inspection", &self.inspection),
            p("task", &self.task),
        ]
        .join("&")
    }
}

const STATES: [(&str, &str); 5] = [
    ("pending", "待整改"),
    ("in_progress", "整改中"),
    ("verifying", "待核查"),
    ("closed", "已销号"),
    ("overdue", "逾期"),
];

const LEDGER_HEADER: [&str; 14] = [
    "序号",
    "来源督导",
    "督学",
    "问题",
    "类别",
    "程度",
    "责任单位",
    "区县",
    "整改要求",
    "整改期限",
    "整改措施",
    "状态",
    "核查人",
    "销号日期",
];

fn ledger_cells(r: &LedgerRow) -> Vec<String> {
    let state = if r.closed_late {
        format!("{}(逾期销号)", r.state)
    } else if r.days_overdue > 0 {
        format!("{}({} 天)", r.state, r.days_overdue)
    } else {
        r.state.to_string()
    };
    vec![
        r.number.to_string(),
        r.source.clone(),
        r.inspectors.clone(),
        r.text.clone(),
        r.category.clone(),
        r.severity.to_string(),
        r.unit.clone(),
        r.county.clone(),
        r.requirement.clone(),
        r.deadline.to_string(),
        r.measures.clone(),
        state,
        r.verifier.clone(),
        r.closed_on.map(|d| d.to_string()).unwrap_or_default(),
    ]
}

#[derive(Template)]
#[template(path = "rectifications.html")]
struct LedgerPage {
    ctx: crate::pages::Ctx,
    q: LedgerQuery,
    export: String,
    rows: Vec<LedgerRow>,
    states: [(&'static str, &'static str); 5],
    counties: Vec<String>,
    visits: Vec<(i64, String)>,
    units: Vec<(i64, String)>,
    tasks: Vec<(i64, String)>,
    /// The month's bulletin figures (the office and leaders: they are the whole city's).
    figures: Option<domain::bulletin::Supervision>,
}

impl LedgerPage {
    fn sel(&self, value: &str, chosen: &str) -> bool {
        value == chosen.trim()
    }
}

pub async fn ledger(State(state): State<AppState>, viewer: Viewer, Query(q): Query<LedgerQuery>) -> PageResult {
    let today = state.config.today();
    let rows = state.store.rectification_ledger(&q.filter(), scope(&viewer), today).await?;
    // The choices come from what the viewer sees at all, not from the filtered rows.
    let all = state.store.rectifications(&RectFilter::default(), scope(&viewer), today).await?;
    let mut counties: Vec<String> = all.iter().filter_map(|r| r.county.clone()).collect();
    counties.sort();
    counties.dedup();
    let mut visits: Vec<(i64, String)> = all
        .iter()
        .map(|r| (r.inspection_id, format!("{} {} {}", r.visited_on, r.visited_unit, r.inspection_kind)))
        .collect();
    visits.sort_by(|a, b| b.1.cmp(&a.1));
    visits.dedup_by_key(|v| v.0);
    let mut units: Vec<(i64, String)> = all.iter().map(|r| (r.unit_id, r.unit_name.clone())).collect();
    units.sort_by(|a, b| a.1.cmp(&b.1));
    units.dedup_by_key(|u| u.0);
    let mut tasks: Vec<(i64, String)> = all.iter().filter_map(|r| r.task_id.zip(r.task_label.clone())).collect();
    tasks.sort();
    tasks.dedup_by_key(|t| t.0);
    let export = format!("/rectifications/export.xlsx?{}", q.query());
    // The figures the month's bulletin prints, from the same function.
    let figures = match scope(&viewer) {
        VisitScope::All => Some(state.store.visit_bulletin(domain::Period::containing(today), today).await?.into()),
        _ => None,
    };
    render(&LedgerPage { q, export, rows, states: STATES, counties, visits, units, tasks, figures, ctx: viewer.ctx })
}

/// The ledger as filtered, as a spreadsheet.
pub async fn export(State(state): State<AppState>, viewer: Viewer, Query(q): Query<LedgerQuery>) -> PageResult {
    let today = state.config.today();
    let rows = state.store.rectification_ledger(&q.filter(), scope(&viewer), today).await?;
    let cells: Vec<Vec<String>> = rows.iter().map(ledger_cells).collect();
    let title = format!("问题整改台账(截至 {today})");
    let bytes = report::table::xlsx("问题整改台账", &title, &LEDGER_HEADER, &cells).map_err(|e| {
        tracing::error!(error = %e, "ledger export failed");
        PageError::Internal
    })?;
    let headers = [
        (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
        (header::CONTENT_DISPOSITION, crate::downloads::attachment_disposition(&format!("问题整改台账-{today}.xlsx"))),
    ];
    Ok((headers, bytes).into_response())
}

// --- one rectification ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "rectification.html")]
struct RectPage {
    ctx: crate::pages::Ctx,
    r: Rectification,
    may_report: bool,
    may_verify: bool,
}

impl RectPage {
    fn colour(&self, state: &str) -> &'static str {
        colour(state)
    }
}

pub async fn rectification(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    let r = state.store.rectification(id, scope(&viewer), state.config.today()).await?;
    let role = viewer.user().role;
    let may_report = matches!(role, Role::Reporter | Role::UnitHead)
        && matches!(r.state.as_str(), "pending" | "in_progress" | "overdue");
    let may_verify = role == Role::Supervisor && r.state == "verifying";
    render(&RectPage { r, may_report, may_verify, ctx: viewer.ctx })
}

/// The unit's report: measures, done or not, and a file; the file is checked first and kept
/// only with the report.
pub async fn report(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    let today = state.config.today();
    // Another unit's finding is not found, whatever was sent.
    let r = state.store.rectification(id, scope(&viewer), today).await?;
    let unreadable = || PageError::BadRequest("上传内容无法读取,文件可能超过大小上限".into());
    let mut multipart = multipart.map_err(|_| unreadable())?;
    let (mut csrf, mut text, mut complete, mut version, mut file) = (String::new(), String::new(), false, -1, None);
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        match field.name().unwrap_or_default() {
            "file" => {
                let name = field.file_name().unwrap_or("整改材料").to_string();
                let bytes = field.bytes().await.map_err(|_| unreadable())?.to_vec();
                if !bytes.is_empty() {
                    file = Some((name, bytes));
                }
            }
            "_csrf" => csrf = field.text().await.map_err(|_| unreadable())?,
            "text" => text = field.text().await.map_err(|_| unreadable())?,
            "complete" => complete = field.text().await.map_err(|_| unreadable())? == "yes",
            "version" => version = field.text().await.map_err(|_| unreadable())?.trim().parse().unwrap_or(-1),
            _ => {}
        }
    }
    viewer.check_csrf(&csrf)?;
    if text.trim().is_empty() {
        return Err(PageError::BadRequest("请填写整改措施".into()));
    }
    let mut evidence = Vec::new();
    if let Some((name, bytes)) = file {
        if bytes.len() > MAX_EVIDENCE_BYTES || sniff(&bytes).is_none() {
            return Err(PageError::BadRequest(format!("文件“{name}”过大或类型不受支持,整改情况未保存")));
        }
        if r.version != version {
            return Err(PageError::BadRequest("该问题已被他人办理或修改,请刷新后重试".into()));
        }
        let e = state
            .store
            .add_visit_evidence(r.inspection_id, Some(id), &name, &bytes, Some(viewer.user().id))
            .await
            .map_err(|e| match e {
                store::evidence::AddError::Refused(r) => PageError::BadRequest(r.message()),
                store::evidence::AddError::Store(e) => e.into(),
            })?;
        evidence.push(e.id);
    }
    let report = RectificationReport { text, complete, evidence };
    state.store.report_rectification(id, version, &report, scope(&viewer), Some(viewer.user().id), today).await?;
    let done = if complete { "整改情况已报送,待督导室核查" } else { "整改进展已报送" };
    Ok(redirect_with(&format!("/rectifications/{id}"), done))
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

impl DecisionForm {
    fn verdict(&self) -> Result<Verdict, PageError> {
        match self.decision.as_str() {
            "close" => Ok(Verdict::Close),
            "return" => Ok(Verdict::Return),
            _ => Err(PageError::BadRequest("请选择销号(办结)或退回".into())),
        }
    }
}

pub async fn verify(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let today = state.config.today();
    state.store.rectification(id, scope(&viewer), today).await?;
    let verdict = f.verdict()?;
    state.store.verify_rectification(id, f.version, verdict, &f.comment, Some(viewer.user().id), today).await?;
    let done = if verdict == Verdict::Close { "已销号" } else { "已退回,责任单位将收到通知" };
    Ok(redirect_with(&format!("/rectifications/{id}"), done))
}

// --- 一月一督导 -----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct PeriodForm {
    #[serde(default)]
    period: String,
}

#[derive(Template)]
#[template(path = "coverage.html")]
struct CoveragePage {
    ctx: crate::pages::Ctx,
    report: CoverageReport,
}

impl CoveragePage {
    fn pct(&self, rate: &Option<f64>) -> String {
        rate.map_or_else(|| "—".into(), crate::pages::pct)
    }
    fn names(&self, units: &[store::inspections::UnitName]) -> String {
        units.iter().map(|u| u.name.as_str()).collect::<Vec<_>>().join("、")
    }
}

pub async fn coverage(State(state): State<AppState>, viewer: Viewer, Query(q): Query<PeriodForm>) -> PageResult {
    let period = match q.period.trim() {
        "" => domain::Period::containing(state.config.today()),
        p => crate::periods::parse_period(p)?,
    };
    let mut report = state.store.coverage(period).await?;
    // An inspector sees their own schools only.
    if viewer.user().role == Role::Inspector {
        let me = viewer.user().id;
        report.inspectors.retain(|i| i.inspector.id == me);
    }
    render(&CoveragePage { report, ctx: viewer.ctx })
}

// --- 督办件 ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "directives.html")]
struct DirectivesPage {
    ctx: crate::pages::Ctx,
    list: Vec<Directive>,
    may_register: bool,
    sources: [(&'static str, &'static str); 4],
    units: Vec<String>,
    error: Option<String>,
    /// The state the list is filtered by (`?state=`, as the dashboard's cards link), or empty.
    filter: String,
}

impl DirectivesPage {
    fn colour(&self, state: &str) -> &'static str {
        colour(state)
    }
}

async fn directives_page(
    state: &AppState,
    viewer: Viewer,
    error: Option<String>,
    filter: Option<&str>,
) -> Result<DirectivesPage, PageError> {
    let filter = filter.map(str::trim).filter(|s| !s.is_empty());
    let list = state.store.directives(filter, VisitScope::of(viewer.user()), state.config.today()).await?;
    let filter = filter.and_then(domain::rectification::DirectiveState::parse).map_or("", |s| s.label()).to_string();
    let units = state.store.units().await?.into_iter().filter(|u| u.kind != "group").map(|u| u.name).collect();
    Ok(DirectivesPage {
        list,
        may_register: viewer.user().role == Role::Supervisor,
        sources: DIRECTIVE_SOURCES,
        units,
        error,
        filter,
        ctx: viewer.ctx,
    })
}

#[derive(Deserialize, Default)]
pub struct DirectivesQuery {
    #[serde(default)]
    state: Option<String>,
}

pub async fn directives(State(state): State<AppState>, viewer: Viewer, Query(q): Query<DirectivesQuery>) -> PageResult {
    render(&directives_page(&state, viewer, None, q.state.as_deref()).await?)
}

#[derive(Deserialize)]
pub struct DirectiveForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    lead: String,
    /// Co units, separated by 、 , or spaces.
    #[serde(default)]
    co: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    cadence: String,
}

pub async fn register(State(state): State<AppState>, viewer: Viewer, Form(f): Form<DirectiveForm>) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let input = date_field("办理期限", &f.deadline).map(|deadline| NewDirective {
        source: f.source.clone(),
        title: f.title.clone(),
        text: f.text.clone(),
        lead_unit: UnitRef::Name(f.lead.trim().to_string()),
        co_units: f
            .co
            .split(['、', ',', ',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| UnitRef::Name(s.to_string()))
            .collect(),
        deadline,
        cadence: f.cadence.clone(),
    });
    let created = match input {
        Ok(input) => {
            state.store.create_directive(&input, Some(viewer.user().id), state.config.today()).await.map_err(message)
        }
        Err(m) => Err(m),
    };
    match created {
        Ok(d) => Ok(redirect_with(&format!("/directives/{}", d.id), "督办件已登记,已通知承办单位")),
        Err(m) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &directives_page(&state, viewer, Some(m), None).await?)
        }
    }
}

#[derive(Template)]
#[template(path = "directive.html")]
struct DirectivePage {
    ctx: crate::pages::Ctx,
    d: Directive,
    may_feedback: bool,
    is_lead: bool,
    may_decide: bool,
}

impl DirectivePage {
    fn colour(&self, state: &str) -> &'static str {
        colour(state)
    }
}

pub async fn directive(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    let d = state.store.directive(id, scope(&viewer), state.config.today()).await?;
    let role = viewer.user().role;
    let is_lead = viewer.user().unit_id == Some(d.lead_unit.id);
    let may_feedback =
        matches!(role, Role::Reporter | Role::UnitHead) && d.state != "closed" && d.state != "confirming";
    let may_decide = role == Role::Supervisor && d.state == "confirming";
    render(&DirectivePage { d, may_feedback, is_lead, may_decide, ctx: viewer.ctx })
}

#[derive(Deserialize)]
pub struct FeedbackForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    text: String,
    #[serde(default)]
    done: Option<String>,
}

pub async fn feedback(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<FeedbackForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let today = state.config.today();
    state.store.directive(id, scope(&viewer), today).await?;
    let unit = viewer.user().unit_id.ok_or(PageError::NotFound)?;
    let done = f.done.as_deref() == Some("yes");
    state.store.directive_feedback(id, f.version, unit, &f.text, done, Some(viewer.user().id), today).await?;
    Ok(redirect_with(&format!("/directives/{id}"), if done { "已报送办结,待督导室确认" } else { "反馈已报送" }))
}

pub async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let today = state.config.today();
    state.store.directive(id, scope(&viewer), today).await?;
    let verdict = f.verdict()?;
    state.store.decide_directive(id, f.version, verdict, &f.comment, Some(viewer.user().id), today).await?;
    Ok(redirect_with(&format!("/directives/{id}"), if verdict == Verdict::Close { "已办结" } else { "已退回" }))
}

// --- 责任督学挂牌 -----------------------------------------------------------------------------

/// One school as the assignment form offers it.
pub struct SchoolChoice {
    pub id: i64,
    pub name: String,
    pub county: String,
    /// The inspector who holds it, when one does.
    pub holder: Option<(i64, String)>,
}

pub struct InspectorRow {
    pub id: i64,
    pub name: String,
    pub schools: Vec<String>,
    /// The schools as read, for the conflict check: "3,7,12".
    pub previous: String,
}

#[derive(Template)]
#[template(path = "inspectors.html")]
struct InspectorsPage {
    ctx: crate::pages::Ctx,
    rows: Vec<InspectorRow>,
    schools: Vec<SchoolChoice>,
    may_edit: bool,
    error: Option<String>,
}

impl InspectorsPage {
    fn holds(&self, school: &SchoolChoice, inspector: &i64) -> bool {
        school.holder.as_ref().is_some_and(|(id, _)| id == inspector)
    }
    fn other_holder(&self, school: &SchoolChoice, inspector: &i64) -> Option<String> {
        school.holder.as_ref().filter(|(id, _)| id != inspector).map(|(_, n)| n.clone())
    }
}

async fn inspectors_page(state: &AppState, viewer: Viewer, error: Option<String>) -> Result<InspectorsPage, PageError> {
    let list = state.store.inspectors().await?;
    let units = state.store.units().await?;
    let mut schools: Vec<SchoolChoice> = units
        .iter()
        .filter(|u| u.kind == "school")
        .map(|u| SchoolChoice {
            id: u.id,
            name: u.name.clone(),
            county: u.district.clone().unwrap_or_else(|| store::inspections::CITY.to_string()),
            holder: list
                .iter()
                .find(|i| i.schools.iter().any(|s| s.id == u.id))
                .map(|i| (i.inspector.id, i.inspector.name.clone())),
        })
        .collect();
    schools.sort_by(|a, b| a.county.cmp(&b.county).then(a.id.cmp(&b.id)));
    let rows = list
        .into_iter()
        .map(|i| InspectorRow {
            id: i.inspector.id,
            name: i.inspector.name,
            previous: i.schools.iter().map(|s| s.id.to_string()).collect::<Vec<_>>().join(","),
            schools: i.schools.into_iter().map(|s| s.name).collect(),
        })
        .collect();
    Ok(InspectorsPage { rows, schools, may_edit: viewer.user().role == Role::Supervisor, error, ctx: viewer.ctx })
}

/// 责任督学挂牌: each inspector's schools; the office changes them.
pub async fn inspectors(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    render(&inspectors_page(&state, viewer, None).await?)
}

/// The office saves one inspector's schools (the boxes ticked); a school held by another
/// inspector, or a change made meanwhile by someone else, comes back with the reason.
pub async fn assign_schools(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    viewer.check_csrf(&get("_csrf"))?;
    let schools: Option<Vec<i64>> =
        fields.iter().filter(|(n, _)| n == "school").map(|(_, v)| v.trim().parse().ok()).collect();
    let previous: Option<Vec<i64>> =
        get("previous").split(',').filter(|s| !s.trim().is_empty()).map(|s| s.trim().parse().ok()).collect();
    let (Some(schools), Some(previous)) = (schools, previous) else {
        let page = inspectors_page(&state, viewer, Some("所选学校有误,请刷新后重试".into())).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    match state.store.assign_inspector_schools(id, &schools, Some(&previous)).await {
        Ok(saved) => Ok(redirect_with(
            "/inspectors",
            &format!("已保存:督学{}挂牌 {} 所学校", saved.inspector.name, saved.schools.len()),
        )),
        Err(e @ (store::StoreError::Invalid { .. } | store::StoreError::Conflict(_))) => {
            let status = if matches!(e, store::StoreError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            render_status(status, &inspectors_page(&state, viewer, Some(message(e))).await?)
        }
        Err(e) => Err(e.into()),
    }
}
