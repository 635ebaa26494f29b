//! The monthly report form, evidence, and the review of reports. Everything a unit types
//! survives a refused save: the form comes back with the messages next to the fields and the
//! values as typed.

use crate::AppState;
use crate::pages::{PageError, PageResult, Viewer, redirect_with, render, render_status, state_colour};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use domain::{Period, Status};
use std::collections::BTreeMap;
use store::StoreError;
use store::plans::{Assignment, Task};
use store::reports::{Decision, Report, ReportEvent, ReportInput, ReportState};
use store::users::Role;

/// The period in a report page's address, for an assignment the viewer may see: malformed is
/// no page (404); outside the plan's year or not yet open, a Chinese message (the one rule of
/// `crate::periods`, as in the API).
async fn report_period(state: &AppState, assignment_id: i64, text: &str) -> Result<Period, PageError> {
    crate::periods::parse_period(text).map_err(|_| PageError::NotFound)?;
    Ok(crate::periods::assignment_period(state, assignment_id, text).await?)
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
    pub self_status_label: String,
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
            updated_at: report
                .updated_at
                .as_deref()
                .map(|at| at.get(..16).unwrap_or(at).replace('T', " "))
                .unwrap_or_default(),
            state_label: report.state.label(),
            self_status_label: report
                .input
                .self_status
                .as_deref()
                .and_then(|k| Status::ALL.iter().find(|s| s.key() == k))
                .map(|s| s.label().to_string())
                .unwrap_or_else(|| "(不自评)".into()),
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
        statuses: Status::ALL.iter().map(|s| (s.key(), s.label())).collect(),
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
    let period = report_period(&state, id, &period).await?;
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
    let a = visible_assignment(&state, &viewer, id).await?;
    let period = report_period(&state, id, &period_text).await?;
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    viewer.check_csrf(&get("_csrf"))?;
    let text = FormText {
        progress: get("progress"),
        cumulative: get("cumulative"),
        self_status: get("self_status"),
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
            Ok(_) if !submit => return Ok(redirect_with(&format!("/assignments/{id}/reports/{period}"), "已保存草稿")),
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

/// Attaches evidence. A report not yet saved is saved as a draft first, so a unit can start
/// with its files.
pub async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, period_text)): Path<(i64, String)>,
    mut multipart: Multipart,
) -> PageResult {
    let a = visible_assignment(&state, &viewer, id).await?;
    let period = report_period(&state, id, &period_text).await?;
    let (csrf, file) = crate::pages::read_upload(&mut multipart, "附件").await?;
    viewer.check_csrf(&csrf)?;
    let here = format!("/assignments/{id}/reports/{period}");
    let Some((name, bytes)) = file else {
        let errors = BTreeMap::from([("file".to_string(), "请选择要上传的文件".to_string())]);
        let page = report_page(&state, viewer, a, period, None, errors, None).await?;
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
    let page = report_page(&state, viewer, a, period, None, errors, None).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

pub async fn download(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    let (e, assignment_id) = state.store.evidence(id).await?;
    visible_assignment(&state, &viewer, assignment_id).await?;
    let bytes = state.store.evidence_bytes(&e).await?;
    Ok(crate::downloads::attachment(&e, bytes))
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    ctx: crate::pages::Ctx,
    queue: Vec<store::status::WorkItem>,
}

pub async fn queue(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let period = Period::containing(state.config.today());
    let mut queue = Vec::new();
    // This month's and last month's: reports of the previous month arrive into this one.
    for p in [period.prev(), period] {
        queue.extend(
            state
                .store
                .worklist(None, p, state.config.due_day)
                .await?
                .into_iter()
                .filter(|w| w.report_state == "submitted"),
        );
    }
    render(&QueuePage { ctx: viewer.ctx, queue })
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
}

async fn review_view(
    state: &AppState,
    viewer: Viewer,
    a: Assignment,
    period: Period,
    comment: String,
    error: Option<String>,
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
    })
}

pub async fn review_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, period)): Path<(i64, String)>,
) -> PageResult {
    let a = visible_assignment(&state, &viewer, id).await?;
    let period = report_period(&state, id, &period).await?;
    render(&review_view(&state, viewer, a, period, String::new(), None).await?)
}

#[derive(serde::Deserialize)]
pub struct DecisionForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
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
    let period = report_period(&state, id, &period_text).await?;
    let decision = match f.decision.as_str() {
        "approve" => Decision::Approve,
        "return" => Decision::Return,
        _ => return Err(PageError::BadRequest("请选择通过或退回".into())),
    };
    let comment = Some(f.comment.trim()).filter(|c| !c.is_empty());
    let user = Some(viewer.user().id);
    let head = viewer.user().role == Role::UnitHead;
    let result = if head {
        state.store.signoff_report(id, period, decision, comment, user).await
    } else {
        state.store.review_report(id, period, decision, comment, user).await
    };
    let done = match decision {
        Decision::Approve => "已通过",
        Decision::Return => "已退回",
    };
    match result {
        Ok(_) if head => Ok(redirect_with(&format!("/assignments/{id}/reports/{period}"), done)),
        Ok(_) => Ok(redirect_with("/review", &format!("{} {period} 报告{done}", a.unit_name))),
        Err(StoreError::Invalid { message, .. }) | Err(StoreError::Conflict(message)) if !head => {
            let page = review_view(&state, viewer, a, period, f.comment.clone(), Some(message)).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
