//! The monthly report form, evidence, and the review of reports. Everything a unit types
//! survives a refused save: the form comes back with the messages next to the fields and the
//! values as typed.

use crate::AppState;
use crate::pages::filters;
use crate::pages::{PageError, PageResult, Viewer, redirect_with, render, render_status, state_colour};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use domain::Period;
use std::collections::BTreeMap;
use store::StoreError;
use store::plans::{Assignment, Task};
use store::reports::queue::{QueueFilter, QueueItem, QueueRow};
use store::reports::{Decision, Report, ReportEvent, ReportInput, ReportState};
use store::users::Role;

/// The period in a report page's address, for an assignment the viewer may see: malformed is
/// no page (404); outside the plan's year or not yet open, a Chinese message (the one rule of
/// `crate::periods`, as in the API).
fn report_period(state: &AppState, assignment: &Assignment, text: &str) -> Result<Period, PageError> {
    crate::periods::parse_period(text).map_err(|_| PageError::NotFound)?;
    Ok(crate::periods::assignment_period(state, assignment, text)?)
}

/// The assignment, if the viewer may see it; another unit's is "not found", never "forbidden".
pub async fn visible_assignment(state: &AppState, viewer: &Viewer, id: i64) -> Result<Assignment, PageError> {
    Ok(crate::policy::visible_assignment(&state.store, viewer.user(), id).await?)
}

async fn task_of(state: &AppState, a: &Assignment) -> Result<Task, PageError> {
    Ok(state.store.task(a.task_id).await?)
}

pub struct IndicatorRow {
    pub id: i64,
    pub subject: String,
    pub target: String,
    pub target_value: String,
    pub unit: String,
    pub value: String,
    pub error: Option<String>,
    /// The stored value as a share of the unit's target ("41%"), computed, never typed: the
    /// form asks no 累计完成 text beside the figures.
    pub achieved: String,
    /// Where a target bound to school data gets its value; the unit does not report it.
    pub source: Option<String>,
}

pub struct MilestoneRow {
    pub id: i64,
    pub text: String,
    pub due: String,
    pub scheduled: bool,
    pub done: String,
    pub error: Option<String>,
}

/// The form's text as typed (or as stored).
#[derive(Default, Clone)]
pub struct FormText {
    pub progress: String,
    pub cumulative: String,
    pub self_status: String,
    pub problems: String,
    pub next_steps: String,
}

/// What was typed into a refused form: the text fields, the indicator values and the
/// milestone dates, by form field name, and the version of the report they were typed over.
#[derive(Clone)]
struct Typed {
    text: FormText,
    values: BTreeMap<String, String>,
    marks: BTreeMap<String, String>,
    /// The version the typed text edits. A refused form keeps it, whatever is stored now:
    /// only the user's explicit choice (the overwrite button) moves it on, so posting the
    /// form again can never overwrite a change made in between.
    version: i64,
    /// The save was refused because the report changed since it was read: show what is
    /// stored now beside what was typed, and ask which to keep.
    conflict: bool,
}

/// What is stored now, shown beside the typed text after a conflicting save.
pub struct Stored {
    pub version: i64,
    pub updated_at: String,
    pub state_label: &'static str,
    pub text: FormText,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    ctx: crate::pages::Ctx,
    assignment: Assignment,
    task: Task,
    period: String,
    report: Report,
    state_colour: &'static str,
    editable: bool,
    can_sign_off: bool,
    form: FormText,
    version: i64,
    indicators: Vec<IndicatorRow>,
    milestones: Vec<MilestoneRow>,
    /// The self-assessment, offered only where no figure decides the status.
    statuses: Vec<(&'static str, &'static str)>,
    errors: BTreeMap<String, String>,
    form_error: Option<String>,
    history: Vec<ReportEvent>,
    due_date: String,
    /// After a conflicting save: the version stored now, to compare and choose.
    conflict: Option<Stored>,
}

impl ReportPage {
    fn err(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
    fn role(&self) -> &'static str {
        crate::pages::role_label(&self.assignment.role)
    }
}

async fn report_page(
    state: &AppState,
    viewer: Viewer,
    a: Assignment,
    period: Period,
    typed: Option<Typed>,
    errors: BTreeMap<String, String>,
    form_error: Option<String>,
) -> Result<ReportPage, PageError> {
    let report = state.store.report(a.id, period).await?;
    let task = task_of(state, &a).await?;
    let indicators = state.store.indicators(a.task_id).await?;
    let milestones = state.store.milestones(a.task_id).await?;
    let history = state.store.report_history(a.id, period).await?;
    let role = viewer.user().role;
    let editable = matches!(role, Role::Reporter | Role::UnitHead)
        && matches!(report.state, ReportState::New | ReportState::Draft | ReportState::Returned)
        && period <= Period::containing(state.config.today());
    let can_sign_off = role == Role::UnitHead && report.state == ReportState::PendingSignoff;
    let stored = FormText {
        progress: report.input.progress.clone(),
        cumulative: report.input.cumulative.clone(),
        self_status: report.input.self_status.clone().unwrap_or_default(),
        problems: report.input.problems.clone(),
        next_steps: report.input.next_steps.clone(),
    };
    let conflict = match &typed {
        Some(t) if t.conflict && t.version != report.version && report.id.is_some() => Some(Stored {
            version: report.version,
            updated_at: report.updated_at.clone().unwrap_or_default(),
            state_label: report.state.label(),
            text: stored.clone(),
        }),
        _ => None,
    };
    let version = typed.as_ref().map_or(report.version, |t| t.version);
    let (form, typed_values, typed_marks) = match typed {
        Some(t) => (t.text, Some(t.values), Some(t.marks)),
        None => (stored, None, None),
    };
    let indicator_rows = indicators
        .iter()
        .map(|i| {
            let spec = i.spec_for(a.unit_id);
            let key = format!("value_{}", i.id);
            IndicatorRow {
                id: i.id,
                subject: i.subject.clone(),
                target: crate::pages::target_text(&i.comparator, spec.value, i.max_value, &i.unit),
                target_value: crate::pages::num(spec.value),
                unit: i.unit.clone(),
                value: match &typed_values {
                    Some(v) => v.get(&key).cloned().unwrap_or_default(),
                    None => report.input.values.get(&i.id).map(|v| crate::pages::num(*v)).unwrap_or_default(),
                },
                error: errors.get(&key).cloned(),
                achieved: report
                    .input
                    .values
                    .get(&i.id)
                    .map(|v| format!("{:.0}%", domain::target::progress(&spec, i.baseline, *v) * 100.0))
                    .unwrap_or_default(),
                source: i.source.as_deref().and_then(store::schools::source_label),
            }
        })
        .collect();
    let milestone_rows = milestones
        .iter()
        .map(|m| {
            let key = format!("milestone_{}", m.id);
            MilestoneRow {
                id: m.id,
                text: m.text.clone(),
                due: m.due_date.clone(),
                scheduled: m.scheduled,
                done: match &typed_marks {
                    Some(t) => t.get(&key).cloned().unwrap_or_default(),
                    None => report.input.milestones.get(&m.id).cloned().unwrap_or_default(),
                },
                error: errors.get(&key).cloned(),
            }
        })
        .collect();
    Ok(ReportPage {
        due_date: period.due_date(state.config.due_day).to_string(),
        period: period.to_string(),
        state_colour: state_colour(report.state.key()),
        version,
        conflict,
        editable,
        can_sign_off,
        form,
        indicators: indicator_rows,
        milestones: milestone_rows,
        statuses: domain::Status::ALL.iter().map(|s| (s.key(), s.label())).collect(),
        errors,
        form_error,
        history,
        task,
        assignment: a,
        report,
        ctx: viewer.ctx,
    })
}

pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, period)): Path<(i64, String)>,
) -> PageResult {
    let a = visible_assignment(&state, &viewer, id).await?;
    let period = report_period(&state, &a, &period)?;
    render(&report_page(&state, viewer, a, period, None, BTreeMap::new(), None).await?)
}

/// The field of the form that a store error names (`values.12` → `value_12`).
fn form_field(store_field: &str) -> String {
    if let Some(id) = store_field.strip_prefix("values.") {
        format!("value_{id}")
    } else if let Some(id) = store_field.strip_prefix("milestones.") {
        format!("milestone_{id}")
    } else {
        store_field.to_string()
    }
}

/// Saves (and, when asked, submits) the report.
pub async fn save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, period_text)): Path<(i64, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    save_fields(&state, viewer, id, &period_text, fields, None).await
}

/// Saves the report form's fields; then submits (action `submit`), or, for an upload sent
/// with the form (`attach`), attaches the file to the draft just saved.
async fn save_fields(
    state: &AppState,
    viewer: Viewer,
    id: i64,
    period_text: &str,
    fields: Vec<(String, String)>,
    attach: Option<Option<(String, Vec<u8>)>>,
) -> PageResult {
    let state = state.clone();
    let a = visible_assignment(&state, &viewer, id).await?;
    let period = report_period(&state, &a, period_text)?;
    let field = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let get = |k: &str| field(k).unwrap_or_default();
    viewer.check_csrf(&get("_csrf"))?;
    // The form no longer asks for a 累计完成 text, nor for a self-assessed status where figures
    // decide it; what is not asked is kept as stored.
    let (cumulative, self_status) = match (field("cumulative"), field("self_status")) {
        (Some(c), Some(s)) => (c, s),
        (c, s) => {
            let stored = state.store.report(id, period).await?.input;
            (c.unwrap_or(stored.cumulative), s.unwrap_or(stored.self_status.unwrap_or_default()))
        }
    };
    let text = FormText {
        progress: get("progress"),
        cumulative,
        self_status,
        problems: get("problems"),
        next_steps: get("next_steps"),
    };
    let typed_values: BTreeMap<String, String> = fields
        .iter()
        .filter(|(k, _)| k.starts_with("value_"))
        .map(|(k, v)| (k.clone(), v.trim().to_string()))
        .collect();
    let typed_marks: BTreeMap<String, String> = fields
        .iter()
        .filter(|(k, _)| k.starts_with("milestone_"))
        .map(|(k, v)| (k.clone(), v.trim().to_string()))
        .collect();
    let mut errors = BTreeMap::new();
    let mut values = BTreeMap::new();
    for (k, v) in &typed_values {
        let Some(id) = k.strip_prefix("value_").and_then(|i| i.parse::<i64>().ok()) else { continue };
        if v.is_empty() {
            continue;
        }
        match v.replace([',', ','], "").trim_end_matches('%').trim().parse::<f64>() {
            Ok(x) if x.is_finite() => {
                values.insert(id, x);
            }
            _ => {
                errors.insert(k.clone(), "请输入数字".to_string());
            }
        }
    }
    let mut milestones = BTreeMap::new();
    for (k, v) in &typed_marks {
        if let Some(id) = k.strip_prefix("milestone_").and_then(|i| i.parse::<i64>().ok())
            && !v.is_empty()
        {
            milestones.insert(id, v.clone());
        }
    }
    let input = ReportInput {
        progress: text.progress.clone(),
        cumulative: text.cumulative.clone(),
        self_status: Some(text.self_status.clone()).filter(|s| !s.is_empty()),
        problems: text.problems.clone(),
        next_steps: text.next_steps.clone(),
        values,
        milestones,
    };
    let action = get("action");
    let submit = action == "submit";
    // The form names the version its text was typed over; after a conflict the page also
    // names the version stored then, which a save uses only when the user chose to overwrite.
    let version: i64 = if action == "overwrite" { get("latest_version") } else { get("version") }.parse().unwrap_or(-1);
    let back = |errors: BTreeMap<String, String>, form_error: Option<String>, conflict: bool| {
        let typed = Some(Typed {
            text: text.clone(),
            values: typed_values.clone(),
            marks: typed_marks.clone(),
            version,
            conflict,
        });
        (errors, form_error, typed)
    };
    let refused = |e: StoreError| match e {
        StoreError::Invalid { field, message } => {
            Ok(back(BTreeMap::from([(form_field(&field), message)]), None, false))
        }
        StoreError::Conflict(m) => Ok(back(BTreeMap::new(), Some(m), true)),
        other => Err(PageError::from(other)),
    };
    let outcome = if !errors.is_empty() {
        back(errors, Some("有填写错误,请按提示修改。".into()), false)
    } else if submit && input.progress.trim().is_empty() {
        back(
            BTreeMap::from([("progress".to_string(), "本月进展不能为空".to_string())]),
            Some("提交前请填写本月进展。".into()),
            false,
        )
    } else {
        let open = Period::containing(state.config.today());
        match state.store.save_report(id, period, &input, version, open, Some(viewer.user().id)).await {
            Err(e) => refused(e)?,
            Ok(_) if !submit => {
                return match attach {
                    None => Ok(redirect_with(&format!("/assignments/{id}/reports/{period}"), "已保存草稿")),
                    Some(file) => attach_evidence(&state, viewer, a, period, file).await,
                };
            }
            Ok(_) => {
                let needs_signoff = crate::policy::needs_signoff(&state, viewer.user()).await?;
                match state
                    .store
                    .submit_report(
                        id,
                        period,
                        state.config.today(),
                        state.config.due_day,
                        Some(viewer.user().id),
                        needs_signoff,
                    )
                    .await
                {
                    Ok(r) => {
                        let msg = if r.state == ReportState::PendingSignoff {
                            "已提交,等待单位负责人审核"
                        } else {
                            "已提交,等待督办管理员审核"
                        };
                        return Ok(redirect_with(&format!("/assignments/{id}/reports/{period}"), msg));
                    }
                    Err(e) => refused(e)?,
                }
            }
        }
    };
    let (errors, form_error, typed) = outcome;
    let form_error = form_error.or_else(|| Some("有填写错误,请按提示修改。".into()));
    let page = report_page(&state, viewer, a, period, typed, errors, form_error).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// Attaches evidence. The report form sends its upload together with everything typed (the
/// upload button is part of it), so the text is saved as a draft first and nothing typed is
/// lost; a bare upload (the API's way, or an older page) attaches to the report as it is,
/// saving a report not yet begun as a draft first, so a unit can start with its files.
pub async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, period_text)): Path<(i64, String)>,
    mut multipart: Multipart,
) -> PageResult {
    let a = visible_assignment(&state, &viewer, id).await?;
    let period = report_period(&state, &a, &period_text)?;
    let (mut fields, file) = crate::pages::read_upload_with_fields(&mut multipart, "附件").await?;
    let csrf = fields.iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v.clone()).unwrap_or_default();
    viewer.check_csrf(&csrf)?;
    if fields.iter().any(|(k, _)| k == "version") {
        fields.retain(|(k, _)| k != "action");
        fields.push(("action".into(), "save".into()));
        return save_fields(&state, viewer, id, &period_text, fields, Some(file)).await;
    }
    attach_evidence(&state, viewer, a, period, file).await
}

/// Attaches a file to the report (saving a report not yet begun as a draft first) and comes
/// back to the report page; a refused file is named beside the file field.
async fn attach_evidence(
    state: &AppState,
    viewer: Viewer,
    a: Assignment,
    period: Period,
    file: Option<(String, Vec<u8>)>,
) -> PageResult {
    let id = a.id;
    let here = format!("/assignments/{id}/reports/{period}");
    let Some((name, bytes)) = file else {
        let errors = BTreeMap::from([("file".to_string(), "请选择要上传的文件".to_string())]);
        let page = report_page(state, viewer, a, period, None, errors, None).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let current = state.store.report(id, period).await?;
    if current.state == ReportState::New {
        let open = Period::containing(state.config.today());
        state.store.save_report(id, period, &current.input, 0, open, Some(viewer.user().id)).await?;
    }
    use store::evidence::AddError;
    let message = match state.store.add_evidence(id, period, &name, &bytes).await {
        Ok(e) => return Ok(redirect_with(&here, &format!("已上传“{}”", e.file_name))),
        Err(AddError::Refused(r)) => r.message(),
        Err(AddError::Store(StoreError::Invalid { message, .. } | StoreError::Conflict(message))) => message,
        Err(AddError::Store(e)) => return Err(e.into()),
    };
    let errors = BTreeMap::from([("file".to_string(), message)]);
    let page = report_page(state, viewer, a, period, None, errors, None).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

pub async fn download(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    let (e, assignment_id) = state.store.evidence(id).await?;
    visible_assignment(&state, &viewer, assignment_id).await?;
    let bytes = state.store.evidence_bytes(&e).await?;
    Ok(crate::downloads::attachment(&e, bytes))
}

/// The queue page's filter as a form sends it (empty strings for "all").
#[derive(serde::Deserialize, Default, Clone)]
pub struct QueueQuery {
    #[serde(default)]
    period: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    task: String,
    #[serde(default)]
    flag: String,
}

impl QueueQuery {
    /// The store's filter; a value that is not a number filters nothing (as "all").
    fn filter(&self) -> QueueFilter {
        QueueFilter {
            period: Some(self.period.clone()).filter(|p| !p.is_empty()),
            unit: self.unit.parse().ok(),
            task: self.task.parse().ok(),
            flag: Some(self.flag.clone()).filter(|f| !f.is_empty()),
        }
    }

    /// The query string that brings the same filtered queue back (after a decision).
    fn query_string(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("period", &self.period), ("unit", &self.unit), ("task", &self.task), ("flag", &self.flag)] {
            if !v.is_empty() {
                q.append_pair(k, v);
            }
        }
        q.finish()
    }
}

/// A choice of a filter's select: value, label, selected.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    ctx: crate::pages::Ctx,
    rows: Vec<QueueRow>,
    /// How many the unfiltered queue holds (the home page's figure).
    total: usize,
    periods: Vec<Choice>,
    units: Vec<Choice>,
    tasks: Vec<Choice>,
    flags: Vec<Choice>,
    filtered: bool,
    query: String,
    can_approve: bool,
}

/// The review queue: the open month first, then the one before; filters by month, unit,
/// item and flag; clean reports can be approved together.
pub async fn queue(State(state): State<AppState>, viewer: Viewer, Query(q): Query<QueueQuery>) -> PageResult {
    let filter = q.filter();
    let periods = super::queue_periods(&state, &filter)?;
    let all = state
        .store
        .review_queue(&periods, &QueueFilter { period: filter.period.clone(), ..Default::default() })
        .await?;
    let total = super::review_queue(&state, &QueueFilter::default()).await?.len();
    let rows = state.store.review_queue(&periods, &filter).await?;
    let open = crate::periods::open_period(&state);
    let period_choices = Period::range(Period { year: open.year, month: 1 }, open)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .map(|p| Choice { value: p.to_string(), label: p.to_string(), selected: q.period == p.to_string() })
        .collect();
    let mut units: BTreeMap<(String, i64), usize> = BTreeMap::new();
    let mut tasks: BTreeMap<i64, (String, usize)> = BTreeMap::new();
    for r in &all {
        *units.entry((r.unit_name.clone(), r.unit_id)).or_default() += 1;
        tasks.entry(r.task_id).or_insert_with(|| (format!("{}{}", r.item_label, r.title), 0)).1 += 1;
    }
    let units = units
        .into_iter()
        .map(|((name, id), n)| Choice {
            value: id.to_string(),
            label: format!("{name}({n})"),
            selected: q.unit == id.to_string(),
        })
        .collect();
    let tasks = tasks
        .into_iter()
        .map(|(id, (title, n))| Choice {
            value: id.to_string(),
            label: format!("{}({n})", title.chars().take(24).collect::<String>()),
            selected: q.task == id.to_string(),
        })
        .collect();
    let flags =
        [("clean", "无标记"), ("late", "逾期提交"), ("unchanged", "进展与上月相同"), ("no_change", "本月无新进展")]
            .into_iter()
            .map(|(v, l)| Choice { value: v.into(), label: l.into(), selected: q.flag == v })
            .collect();
    let filtered = filter.period.is_some() || filter.unit.is_some() || filter.task.is_some() || filter.flag.is_some();
    render(&QueuePage {
        can_approve: viewer.user().role == Role::Supervisor,
        ctx: viewer.ctx,
        rows,
        total,
        periods: period_choices,
        units,
        tasks,
        flags,
        filtered,
        query: q.query_string(),
    })
}

/// Approves the reports ticked in the queue, each at the version shown; a report changed
/// since is left for a look and named.
pub async fn approve_selected(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    viewer.check_csrf(&get("_csrf"))?;
    // Back to the queue as filtered, rebuilt from the parsed filter (never the raw field).
    let query = queue_query_from(&get("query")).query_string();
    let back = if query.is_empty() { "/review".to_string() } else { format!("/review?{query}") };
    // Each ticked box is "assignment:period:version".
    let mut items = Vec::new();
    for (_, v) in fields.iter().filter(|(k, _)| k == "item") {
        let mut parts = v.splitn(3, ':');
        let (Some(a), Some(p), Some(ver)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(PageError::BadRequest("所选报告无法识别,请刷新后重试".into()));
        };
        let (Ok(assignment_id), Ok(version)) = (a.parse(), ver.parse()) else {
            return Err(PageError::BadRequest("所选报告无法识别,请刷新后重试".into()));
        };
        items.push(QueueItem { assignment_id, period: p.to_string(), version });
    }
    if items.is_empty() {
        return Ok(redirect_with(&back, "请先勾选要通过的报告"));
    }
    let outcome = match state.store.approve_reports(&items, Some(viewer.user().id)).await {
        Ok(o) => o,
        Err(StoreError::Invalid { message, .. }) => return Ok(redirect_with(&back, &message)),
        Err(e) => return Err(e.into()),
    };
    let mut message = format!("已通过 {} 份报告", outcome.approved.len());
    if !outcome.skipped.is_empty() {
        message.push_str(&format!(";{} 份在您查看后已有变化,未通过,请逐份查看", outcome.skipped.len()));
    }
    Ok(redirect_with(&back, &message))
}

#[derive(serde::Deserialize)]
pub struct UrgeForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    message: String,
}

/// 催办 from the home page: a notice to a unit that has not reported.
pub async fn urge(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(unit_id): Path<i64>,
    Form(f): Form<UrgeForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let message = if f.message.trim().is_empty() {
        format!("请尽快报送 {} 月度进展报告。", f.period)
    } else {
        f.message.clone()
    };
    match super::urge_unit(&state, unit_id, &f.period, &message).await {
        Ok(()) => Ok(redirect_with("/home", "已催办,通知已发给该单位")),
        Err(StoreError::Invalid { message, .. }) => Err(PageError::BadRequest(message)),
        Err(e) => Err(e.into()),
    }
}

/// The queue filter carried in a form's hidden field; anything unreadable is no filter.
fn queue_query_from(text: &str) -> QueueQuery {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(text.as_bytes()).into_owned().collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    QueueQuery { period: get("period"), unit: get("unit"), task: get("task"), flag: get("flag") }
}

/// A span of a text diff: unchanged, inserted or deleted.
pub struct Span {
    pub kind: &'static str,
    pub text: String,
}

/// The changes from last month's text to this month's, by character (Chinese has no spaces
/// to split words on).
fn diff(old: &str, new: &str) -> Vec<Span> {
    let d = similar::TextDiff::from_chars(old, new);
    let mut out: Vec<Span> = Vec::new();
    for change in d.iter_all_changes() {
        let kind = match change.tag() {
            similar::ChangeTag::Equal => "same",
            similar::ChangeTag::Insert => "ins",
            similar::ChangeTag::Delete => "del",
        };
        match out.last_mut() {
            Some(last) if last.kind == kind => last.text.push_str(change.value()),
            _ => out.push(Span { kind, text: change.value().to_string() }),
        }
    }
    out
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    ctx: crate::pages::Ctx,
    assignment: Assignment,
    task: Task,
    period: String,
    report: Report,
    previous: Option<Report>,
    progress_diff: Vec<Span>,
    values: Vec<(String, String, String)>,
    comment: String,
    error: Option<String>,
    can_decide: bool,
    /// The queue's filter, kept so that 通过并审下一条 moves on within it.
    query: String,
    /// Which of the filtered queue this is ("3 / 20"), when it is in it.
    position: Option<(usize, usize)>,
}

async fn review_view(
    state: &AppState,
    viewer: Viewer,
    a: Assignment,
    period: Period,
    comment: String,
    error: Option<String>,
    q: &QueueQuery,
) -> Result<ReviewPage, PageError> {
    let report = state.store.report(a.id, period).await?;
    let previous = state.store.report(a.id, period.prev()).await.ok().filter(|r| r.id.is_some());
    let task = task_of(state, &a).await?;
    let indicators = state.store.indicators(a.task_id).await?;
    let values = indicators
        .iter()
        .map(|i| {
            let now = report.input.values.get(&i.id).map(|v| crate::pages::num(*v)).unwrap_or_else(|| "—".into());
            let before = previous
                .as_ref()
                .and_then(|p| p.input.values.get(&i.id))
                .map(|v| crate::pages::num(*v))
                .unwrap_or_else(|| "—".into());
            (
                format!(
                    "{}({})",
                    i.subject,
                    crate::pages::target_text(&i.comparator, i.spec_for(a.unit_id).value, i.max_value, &i.unit)
                ),
                before,
                now,
            )
        })
        .collect();
    let progress_diff =
        diff(previous.as_ref().map(|p| p.input.progress.as_str()).unwrap_or(""), &report.input.progress);
    let can_decide = viewer.user().role == Role::Supervisor && report.state == ReportState::Submitted;
    let position = if can_decide {
        let rows = super::review_queue(state, &q.filter()).await?;
        let key = period.to_string();
        rows.iter().position(|r| r.assignment_id == a.id && r.period == key).map(|i| (i + 1, rows.len()))
    } else {
        None
    };
    Ok(ReviewPage {
        ctx: viewer.ctx,
        period: period.to_string(),
        assignment: a,
        task,
        report,
        previous,
        progress_diff,
        values,
        comment,
        error,
        can_decide,
        query: q.query_string(),
        position,
    })
}

pub async fn review_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, period)): Path<(i64, String)>,
    Query(q): Query<QueueQuery>,
) -> PageResult {
    let a = visible_assignment(&state, &viewer, id).await?;
    let period = report_period(&state, &a, &period)?;
    render(&review_view(&state, viewer, a, period, String::new(), None, &q).await?)
}

#[derive(serde::Deserialize)]
pub struct DecisionForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
    /// The version the reviewer saw (the office's review form sends it).
    #[serde(default)]
    version: Option<i64>,
    /// The queue's filter the reviewer came from (for 通过并审下一条).
    #[serde(default)]
    query: String,
}

/// Approves or returns a report: the supervision office's review, or the unit head's
/// sign-off of their own unit's report.
pub async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, period_text)): Path<(i64, String)>,
    Form(f): Form<DecisionForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let a = visible_assignment(&state, &viewer, id).await?;
    let period = report_period(&state, &a, &period_text)?;
    let (decision, then_next) = match f.decision.as_str() {
        "approve" => (Decision::Approve, false),
        "approve_next" => (Decision::Approve, true),
        "return" => (Decision::Return, false),
        _ => return Err(PageError::BadRequest("请选择通过或退回".into())),
    };
    let q: QueueQuery = queue_query_from(&f.query);
    let comment = Some(f.comment.trim()).filter(|c| !c.is_empty());
    let user = Some(viewer.user().id);
    let head = viewer.user().role == Role::UnitHead;
    let result = if head {
        state.store.signoff_report(id, period, decision, comment, user).await
    } else {
        state.store.review_report_at(id, period, decision, comment, user, f.version).await
    };
    let done = match decision {
        Decision::Approve => "已通过",
        Decision::Return => "已退回",
    };
    match result {
        Ok(_) if head => Ok(redirect_with(&format!("/assignments/{id}/reports/{period}"), done)),
        Ok(_) => {
            let done = format!("{} {period} 报告{done}", a.unit_name);
            let query = q.query_string();
            let suffix = if query.is_empty() { String::new() } else { format!("?{query}") };
            if then_next {
                // The next report of the same filtered queue (this one has left it).
                if let Some(next) = super::review_queue(&state, &q.filter()).await?.first() {
                    let to = format!("/review/{}/{}{suffix}", next.assignment_id, next.period);
                    return Ok(redirect_with(&to, &format!("{done},下一条")));
                }
                return Ok(redirect_with(&format!("/review{suffix}"), &format!("{done};待审核报告已全部处理")));
            }
            Ok(redirect_with(&format!("/review{suffix}"), &done))
        }
        Err(StoreError::Invalid { message, .. }) | Err(StoreError::Conflict(message)) if !head => {
            let page = review_view(&state, viewer, a, period, f.comment.clone(), Some(message), &q).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
