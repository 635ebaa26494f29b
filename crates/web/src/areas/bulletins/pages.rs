//! The monthly bulletin in the web UI: the same content as the documents (rendered by
//! `report::html` from the one model), downloads in every format, the office's 下步要求, and
//! publishing a month's bulletin as a frozen version.

use super::{bulletin_for, bulletin_response};
use crate::AppState;
use crate::pages::CsrfForm;
use crate::pages::PageError;
use crate::pages::PageResult;
use crate::pages::Viewer;
use crate::pages::redirect_with;
use crate::pages::render;
use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::response::IntoResponse;
use domain::Period;
use serde::Deserialize;

fn parse_period(s: &str) -> Result<Period, PageError> {
    s.parse().map_err(|_| PageError::NotFound)
}

#[derive(Template)]
#[template(path = "bulletin.html")]
struct BulletinPage {
    ctx: crate::pages::Ctx,
    plan_id: i64,
    period: String,
    periods: Vec<String>,
    version: Option<i64>,
    body: String,
    requirements: String,
    /// The requirements shown are last month's, offered as a starting point.
    requirements_from_last: bool,
    settings: store::bulletin::BulletinSettings,
    issued_on: String,
}

pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, period)): Path<(i64, String)>,
) -> PageResult {
    let period = parse_period(&period)?;
    let (bulletin, version) = match bulletin_for(&state, id, period, false).await {
        Ok(x) => x,
        Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => return Err(PageError::NotFound),
        Err(e) => return Err(PageError::BadRequest(e.detail)),
    };
    let current = Period::containing(state.config.today());
    let first = Period::new(period.year, 1).unwrap_or(period);
    let mut periods: Vec<String> = Period::range(first, current.max(period)).map(|p| p.to_string()).collect();
    periods.reverse();
    let (requirements, requirements_from_last) = state.store.bulletin_requirements_draft(id, period).await?;
    let settings = state.store.bulletin_settings(id).await?;
    render(&BulletinPage {
        body: String::from_utf8(report::render(&bulletin, report::Format::Html).map_err(|_| PageError::Internal)?)
            .map_err(|_| PageError::Internal)?,
        requirements,
        requirements_from_last,
        issued_on: settings.issued_on.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
        settings,
        ctx: viewer.ctx,
        plan_id: id,
        period: period.to_string(),
        periods,
        version,
    })
}

#[derive(Deserialize)]
pub struct DownloadQuery {
    #[serde(default)]
    format: String,
}

pub async fn download(
    State(state): State<AppState>,
    _viewer: Viewer,
    Path((id, period)): Path<(i64, String)>,
    Query(q): Query<DownloadQuery>,
) -> PageResult {
    let period = parse_period(&period)?;
    let (bulletin, _) = bulletin_for(&state, id, period, false).await.map_err(|e| PageError::BadRequest(e.detail))?;
    bulletin_response(&bulletin, Some(&q.format)).map_err(|e| PageError::BadRequest(e.detail))
}

#[derive(Deserialize)]
pub struct RequirementsForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    requirements: String,
    /// The bulletin settings travel with the requirements (one form); absent fields (an older
    /// form) leave the settings as they are.
    #[serde(default)]
    doc_number: Option<String>,
    #[serde(default)]
    addressees: Option<String>,
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    issued_on: Option<String>,
    #[serde(default)]
    cc: Option<String>,
    #[serde(default)]
    printed_by: Option<String>,
}

pub async fn save_requirements(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, period)): Path<(i64, String)>,
    Form(f): Form<RequirementsForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let period = parse_period(&period)?;
    state.store.plan(id).await?;
    let mut settings = state.store.bulletin_settings(id).await?;
    let issued_on = match f.issued_on.as_deref().map(str::trim) {
        None => settings.issued_on,
        Some("") => None,
        Some(d) => Some(
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| PageError::BadRequest(format!("成文日期“{d}”应为 YYYY-MM-DD 格式")))?,
        ),
    };
    let keep = |new: Option<String>, old: String| new.unwrap_or(old);
    settings = store::bulletin::BulletinSettings {
        doc_number: keep(f.doc_number, settings.doc_number),
        addressees: keep(f.addressees, settings.addressees),
        issuer: keep(f.issuer, settings.issuer),
        issued_on,
        cc: keep(f.cc, settings.cc),
        printed_by: keep(f.printed_by, settings.printed_by),
    };
    // Settings first: both are checked before anything is written, so a refused setting
    // leaves the requirements unsaved too.
    if f.requirements.chars().count() > 5000 {
        return Err(PageError::BadRequest("下步要求不能超过 5000 字".into()));
    }
    state.store.set_bulletin_settings(id, &settings).await?;
    state.store.set_bulletin_requirements(id, period, &f.requirements).await?;
    Ok(redirect_with(&format!("/plans/{id}/bulletins/{period}"), "通报设置和下步要求已保存（印发前的通报随之更新）"))
}

pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, period_text)): Path<(i64, String)>,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let period = parse_period(&period_text)?;
    let (bulletin, _) = bulletin_for(&state, id, period, true).await.map_err(|e| PageError::BadRequest(e.detail))?;
    bulletin.check_issuable().map_err(PageError::BadRequest)?;
    let snapshot = state.store.publish_bulletin(id, period, state.config.today(), &bulletin).await?;
    Ok(redirect_with(
        &format!("/plans/{id}/bulletins/{period}"),
        &format!("已印发第 {} 版，此后内容不再随数据变化", snapshot.version),
    )
    .into_response())
}
