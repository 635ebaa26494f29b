//! The monthly bulletin in the web UI: the same content as the documents (rendered by
//! `report::html` from the one model), downloads in every format, the office's 下步要求, and
//! publishing a month's bulletin as a frozen version.

use super::{CsrfForm, PageError, PageResult, Viewer, redirect_with, render};
use crate::AppState;
use crate::api_bulletin::{bulletin_for, bulletin_response};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use domain::Period;
use serde::Deserialize;
use store::users::Role;

use crate::auth::BUREAU;

fn parse_period(s: &str) -> Result<Period, PageError> {
    s.parse().map_err(|_| PageError::NotFound)
}

#[derive(Template)]
#[template(path = "bulletin.html")]
struct BulletinPage {
    ctx: super::Ctx,
    plan_id: i64,
    period: String,
    periods: Vec<String>,
    version: Option<i64>,
    body: String,
    requirements: String,
}

pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, period)): Path<(i64, String)>,
) -> PageResult {
    viewer.require(BUREAU)?;
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
    render(&BulletinPage {
        body: String::from_utf8(report::render(&bulletin, report::Format::Html).map_err(|_| PageError::Internal)?)
            .map_err(|_| PageError::Internal)?,
        requirements: state.store.bulletin_requirements(id).await?,
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
    viewer: Viewer,
    Path((id, period)): Path<(i64, String)>,
    Query(q): Query<DownloadQuery>,
) -> PageResult {
    viewer.require(BUREAU)?;
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
}

pub async fn save_requirements(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, period)): Path<(i64, String)>,
    Form(f): Form<RequirementsForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    viewer.require(&[Role::Supervisor])?;
    state.store.plan(id).await?;
    state.store.set_bulletin_requirements(id, &f.requirements).await?;
    Ok(redirect_with(&format!("/plans/{id}/bulletins/{period}"), "下步要求已保存(发布前的通报随之更新)"))
}

pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, period_text)): Path<(i64, String)>,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    viewer.require(&[Role::Supervisor])?;
    let period = parse_period(&period_text)?;
    let (bulletin, _) = bulletin_for(&state, id, period, true).await.map_err(|e| PageError::BadRequest(e.detail))?;
    let snapshot = state.store.publish_bulletin(id, period, &bulletin).await?;
    Ok(redirect_with(
        &format!("/plans/{id}/bulletins/{period}"),
        &format!("已印发第 {} 版,此后内容不再随数据变化", snapshot.version),
    )
    .into_response())
}
