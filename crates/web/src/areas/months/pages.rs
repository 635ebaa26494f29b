//! The month page: every assignment of the unit on one form, grouped by section, one button
//! 提交本月报告 that submits all rows or none. A refused submit comes back with everything
//! typed, every error listed at the top with a link to its field. With JavaScript each row's
//! draft is saved as it is typed (`POST /months/{period}/draft`); without, the button works
//! alone.

use crate::AppState;
use crate::pages::{Ctx, PageError, PageResult, Viewer, redirect_with, render, render_status, state_colour};
use askama::Template;
use axum::Form;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::Period;
use std::collections::BTreeMap;
use store::StoreError;
use store::months::{MonthEntry, MonthOutcome, MonthProblem, MonthRow, MonthSheet, figures_changed};

/// The form's fields, by name (as posted, in order).
type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// The month in a page's address: malformed is no page; not yet open, a Chinese message.
fn page_period(state: &AppState, text: &str) -> Result<Period, PageError> {
    crate::periods::parse_period(text).map_err(|_| PageError::NotFound)?;
    Ok(super::month_period(state, text)?)
}

/// One indicator input of a row.
pub struct Input {
    pub id: i64,
    pub subject: String,
    pub unit: String,
    pub target: String,
    /// The unit's own share of a broken-down target, as people read it.
    pub own_share: Option<String>,
    pub value: String,
    /// Last month's approved value.
    pub last: Option<String>,
    pub source: Option<String>,
    pub error: Option<String>,
}

/// One milestone to tick.
pub struct Mark {
    pub id: i64,
    pub text: String,
    pub due: Option<String>,
    pub done: bool,
    pub error: Option<String>,
}

/// One assignment's row.
pub struct Row {
    pub id: i64,
    pub label: String,
    pub title: String,
    pub status_label: String,
    pub status_colour: String,
    pub state_label: &'static str,
    pub state_colour: &'static str,
    pub editable: bool,
    pub version: i64,
    pub progress: String,
    pub no_change: bool,
    pub previous_period: Option<String>,
    pub previous_text: String,
    pub review_comment: Option<String>,
    pub inputs: Vec<Input>,
    pub marks: Vec<Mark>,
    pub progress_error: Option<String>,
    pub row_error: Option<String>,
}

pub struct Section {
    pub title: String,
    pub rows: Vec<Row>,
}

/// An error in the list at the top: the message and the id of the field it is about.
pub struct Listed {
    pub target: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "month.html")]
struct MonthPage {
    ctx: Ctx,
    period: String,
    due_date: String,
    sections: Vec<Section>,
    errors: Vec<Listed>,
    form_error: Option<String>,
    open_rows: usize,
    total_rows: usize,
    /// The unit's rectifications still open, overdue first (as on its 工作台).
    rectifications: Vec<store::inspections::Rectification>,
    /// The 督办件 the unit leads or joins that are not closed, overdue first.
    directives: Vec<store::inspections::Directive>,
}

impl MonthPage {
    fn colour(&self, state: &str) -> &'static str {
        crate::areas::inspections::state_colour(state)
    }
    /// Whether the unit leads the 督办件 (otherwise it co-operates on it).
    fn leads(&self, d: &store::inspections::Directive) -> bool {
        self.ctx.user.unit_id == Some(d.lead_unit.id)
    }
}

/// Where an error of a row shows: the field's element id.
fn target_id(assignment: i64, field: &str) -> String {
    if let Some(id) = field.strip_prefix("values.") {
        format!("f-{assignment}-value-{id}")
    } else if let Some(id) = field.strip_prefix("milestones.") {
        format!("f-{assignment}-milestone-{id}")
    } else if field == "progress" {
        format!("f-{assignment}-progress")
    } else {
        format!("row-{assignment}")
    }
}

/// What the page shows of a sheet, with what was typed over it (after a refused submit) and
/// the errors by (assignment, field within the row).
fn view(
    sheet: &MonthSheet,
    typed: Option<&Fields>,
    errors: &BTreeMap<(i64, String), String>,
) -> (Vec<Section>, Vec<Listed>) {
    let mut listed = Vec::new();
    let sections = sheet
        .sections
        .iter()
        .map(|s| Section {
            title: s.title.clone(),
            rows: s
                .rows
                .iter()
                .map(|r| {
                    let row = row_view(r, typed, errors);
                    for ((a, f), m) in errors.iter().filter(|((a, _), _)| *a == r.assignment_id) {
                        let title: String = row.title.chars().take(12).collect();
                        let message = format!("{}{title}:{m}", row.label);
                        listed.push(Listed { target: target_id(*a, f), message });
                    }
                    row
                })
                .collect(),
        })
        .collect();
    (sections, listed)
}

fn row_view(r: &MonthRow, typed: Option<&Fields>, errors: &BTreeMap<(i64, String), String>) -> Row {
    let a = r.assignment_id;
    // Typed values stand for an editable row sent back; otherwise the report as stored.
    let typed = typed.filter(|_| r.editable);
    let err = |f: &str| errors.get(&(a, f.to_string())).cloned();
    let inputs = r
        .indicators
        .iter()
        .map(|i| {
            let name = format!("value_{a}_{}", i.id);
            let stored = r.report.input.values.get(&i.id).map(|v| crate::pages::num(*v)).unwrap_or_default();
            Input {
                id: i.id,
                subject: i.subject.clone(),
                unit: i.unit.clone(),
                target: crate::pages::target_text(&i.comparator, i.target, i.max_value, &i.unit),
                own_share: i.own_share.map(|v| format!("{}{}", crate::pages::num(v), i.unit)),
                value: typed.map_or(stored, |t| field(t, &name).unwrap_or_default().to_string()),
                last: r.previous.as_ref().and_then(|p| p.values.get(&i.id)).map(|v| crate::pages::num(*v)),
                source: i.source.as_deref().and_then(store::schools::source_label),
                error: err(&format!("values.{}", i.id)),
            }
        })
        .collect();
    let marks = r
        .milestones
        .iter()
        .map(|m| Mark {
            id: m.id,
            text: m.text.clone(),
            due: m.scheduled.then(|| m.due_date.clone()),
            done: match typed {
                Some(t) => field(t, &format!("done_{a}_{}", m.id)).is_some(),
                None => r.report.input.milestones.contains_key(&m.id),
            },
            error: err(&format!("milestones.{}", m.id)),
        })
        .collect();
    let status = r.status.as_ref();
    Row {
        id: a,
        label: r.item_label.clone(),
        title: r.title.clone(),
        status_label: status.map_or_else(String::new, |s| s.label.clone()),
        status_colour: status.map_or_else(|| "grey".to_string(), |s| s.colour.clone()),
        state_label: r.report.state_label,
        state_colour: state_colour(r.report.state.key()),
        editable: r.editable,
        version: typed
            .and_then(|t| field(t, &format!("version_{a}")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(r.report.version),
        progress: typed.map_or_else(
            || r.report.input.progress.clone(),
            |t| field(t, &format!("progress_{a}")).unwrap_or_default().to_string(),
        ),
        no_change: match typed {
            Some(t) => field(t, &format!("no_change_{a}")).is_some(),
            None => r.report.no_change,
        },
        previous_period: r.previous.as_ref().map(|p| p.period.clone()),
        previous_text: r
            .previous
            .as_ref()
            .map(|p| {
                if p.no_change && p.progress.trim().is_empty() {
                    "本月无新进展".into()
                } else {
                    p.progress.clone()
                }
            })
            .unwrap_or_default(),
        review_comment: r.report.review_comment.clone().filter(|_| r.report.state.key() == "returned"),
        inputs,
        marks,
        progress_error: err("progress"),
        row_error: err("row"),
    }
}

/// A number as people type it: "1,200", "57%", full-width commas. What is not a number is
/// passed on as NaN, which the store's check (`domain::validate_value`) refuses with the
/// other errors of the month, so every error is listed at once.
fn typed_number(text: &str) -> f64 {
    text.replace([',', ','], "").trim_end_matches(['%', '%']).trim().parse::<f64>().unwrap_or(f64::NAN)
}

/// One row of the form as the store takes it. Every milestone of the row is named: ticked
/// ones with their day (kept if done before, else today within the month), the others
/// cleared.
fn entry(fields: &Fields, row: &MonthRow, period: Period, today: chrono::NaiveDate) -> MonthEntry {
    let a = row.assignment_id;
    let get = |name: String| field(fields, &name).map(str::to_string);
    let values = row
        .indicators
        .iter()
        .filter(|i| i.source.is_none())
        .filter_map(|i| {
            let v = get(format!("value_{a}_{}", i.id))?;
            let v = v.trim();
            (!v.is_empty()).then(|| (i.id, typed_number(v)))
        })
        .collect();
    let day = today.min(period.last_day()).to_string();
    let milestones = row
        .milestones
        .iter()
        .map(|m| {
            let done = get(format!("done_{a}_{}", m.id)).is_some();
            let date = match (done, row.report.input.milestones.get(&m.id)) {
                (false, _) => String::new(),
                (true, Some(d)) => d.clone(),
                (true, None) => day.clone(),
            };
            (m.id, date)
        })
        .collect();
    let mut e = MonthEntry {
        assignment_id: a,
        version: get(format!("version_{a}")).and_then(|v| v.parse().ok()).unwrap_or(-1),
        values: Some(values),
        progress: Some(get(format!("progress_{a}")).unwrap_or_default()),
        no_change: get(format!("no_change_{a}")).is_some(),
        milestones: Some(milestones),
    };
    // The button "其余任务本月无新进展" declares it for every row left without text or new
    // figures, so a month with one change is one edit and one click.
    let rest = field(fields, "rest") == Some("no_change");
    if rest && e.progress.as_deref().is_none_or(|p| p.trim().is_empty()) && !figures_changed(&row.start_values, &e) {
        e.no_change = true;
    }
    e
}

async fn page(
    state: &AppState,
    viewer: Viewer,
    period: Period,
    sheet: MonthSheet,
    typed: Option<&Fields>,
    errors: BTreeMap<(i64, String), String>,
    form_error: Option<String>,
) -> Result<MonthPage, PageError> {
    let (sections, listed) = view(&sheet, typed, &errors);
    let rows = || sections.iter().flat_map(|s| &s.rows);
    let unit = super::unit_of(viewer.user())?;
    let rectifications = crate::areas::inspections::open_rectifications(state, unit).await?;
    let directives = crate::areas::inspections::open_directives(state, unit).await?;
    Ok(MonthPage {
        rectifications,
        directives,
        period: period.to_string(),
        due_date: period.due_date(state.config.due_day).to_string(),
        open_rows: rows().filter(|r| r.editable).count(),
        total_rows: rows().count(),
        sections,
        errors: listed,
        form_error,
        ctx: viewer.ctx,
    })
}

/// `GET /months/{period}`
pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(period): Path<String>) -> PageResult {
    let period = page_period(&state, &period)?;
    let sheet = super::sheet(&state, viewer.user(), period).await?;
    render(&page(&state, viewer, period, sheet, None, BTreeMap::new(), None).await?)
}

/// `POST /months/{period}`: 提交本月报告 — every editable row of the form, all or nothing.
pub async fn submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(period_text): Path<String>,
    Form(fields): Form<Fields>,
) -> PageResult {
    viewer.check_csrf(field(&fields, "_csrf").unwrap_or_default())?;
    let period = page_period(&state, &period_text)?;
    let sheet = super::sheet(&state, viewer.user(), period).await?;
    let today = state.config.today();
    // The rows the form carried (an editable row always sends its version).
    let rows: Vec<&MonthRow> = sheet
        .sections
        .iter()
        .flat_map(|s| &s.rows)
        .filter(|r| r.editable && field(&fields, &format!("version_{}", r.assignment_id)).is_some())
        .collect();
    let entries: Vec<MonthEntry> = rows.iter().map(|r| entry(&fields, r, period, today)).collect();
    let (errors, form_error) = match super::submit(&state, viewer.user(), period, &entries).await {
        Ok(MonthOutcome::Submitted(reports)) => {
            return Ok(redirect_with(&format!("/months/{period}"), &format!("已提交本月 {} 项报告", reports.len())));
        }
        Ok(MonthOutcome::Refused(problems)) => {
            let n = problems.len();
            (by_row(&rows, problems), Some(format!("有 {n} 处需要修改,本月报告均未提交:")))
        }
        Err(StoreError::Conflict(m)) => (BTreeMap::new(), Some(format!("{m}。本月报告均未提交。"))),
        Err(e) => return Err(e.into()),
    };
    let page = page(&state, viewer, period, sheet.clone(), Some(&fields), errors, form_error).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// The store's problems (`reports[3].values.12`) by the row's assignment and the field in it.
fn by_row(rows: &[&MonthRow], problems: Vec<MonthProblem>) -> BTreeMap<(i64, String), String> {
    let mut out = BTreeMap::new();
    for p in problems {
        let parsed = p.field.strip_prefix("reports[").and_then(|rest| rest.split_once(']'));
        let (row, field) = match parsed {
            Some((i, rest)) => (i.parse::<usize>().ok(), rest.trim_start_matches('.').to_string()),
            None => (None, String::new()),
        };
        let Some(r) = row.and_then(|i| rows.get(i)) else { continue };
        let field = if field.starts_with("values.") || field.starts_with("milestones.") || field == "progress" {
            field
        } else {
            "row".to_string()
        };
        out.entry((r.assignment_id, field)).or_insert(p.message);
    }
    out
}

/// `POST /months/{period}/draft`: saves one row's draft as it is typed (the page's script).
/// Answers JSON: `saved` and the new version, or the problem (`field`'s element id, `message`).
pub async fn draft(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(period_text): Path<String>,
    Form(fields): Form<Fields>,
) -> Result<Response, PageError> {
    viewer.check_csrf(field(&fields, "_csrf").unwrap_or_default())?;
    let period = page_period(&state, &period_text)?;
    let id: i64 = field(&fields, "assignment_id").and_then(|v| v.parse().ok()).ok_or(PageError::NotFound)?;
    let unit = super::unit_of(viewer.user())?;
    let sheet = super::sheet(&state, viewer.user(), period).await?;
    let Some(row) = sheet.sections.iter().flat_map(|s| &s.rows).find(|r| r.assignment_id == id) else {
        return Err(PageError::NotFound);
    };
    let today = state.config.today();
    let entry = entry(&fields, row, period, today);
    // A draft the store refuses is not an error of the page (the row stays as typed, and the
    // submit lists the problem): the answer says so with `saved: false`, status 200.
    let answer = |body: serde_json::Value| (StatusCode::OK, Json(body)).into_response();
    let open = Period::containing(today);
    Ok(match state.store.save_month_draft(unit, period, &entry, open, Some(viewer.user().id)).await {
        Ok(r) => answer(serde_json::json!({ "version": r.version, "saved": true })),
        Err(StoreError::Invalid { field, message }) => {
            answer(serde_json::json!({ "saved": false, "field": target_id(id, &field), "message": message }))
        }
        Err(StoreError::Conflict(message)) => answer(serde_json::json!({ "saved": false, "message": message })),
        Err(e) => return Err(e.into()),
    })
}
