//! The monthly bulletin in the API: any format for a month (the published version when there
//! is one, else computed now), and publishing a month's bulletin as a frozen version.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Path, Problem, Query};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::Period;
use domain::bulletin::Bulletin;
use serde::Deserialize;
use store::users::Role;
use utoipa::IntoParams;

use crate::auth::BUREAU;

#[derive(Deserialize, IntoParams)]
pub struct BulletinQuery {
    /// docx, pdf, xlsx, csv, html or json (default json).
    #[serde(default)]
    pub format: Option<String>,
    /// true: computed from the data now, even when a version has been published.
    #[serde(default)]
    pub live: Option<bool>,
}

fn parse_period(s: &str) -> Result<Period, ApiError> {
    s.parse().map_err(|_| ApiError::invalid("period", format!("期间“{s}”格式应为 YYYY-MM")))
}

/// The bulletin of a month: the latest published version, or (none published, or `live`)
/// computed from the data as it stands.
pub async fn bulletin_for(
    state: &AppState,
    plan_id: i64,
    period: Period,
    live: bool,
) -> ApiResult<(Bulletin, Option<i64>)> {
    // Every bulletin route (API and pages) comes through here: a month outside the plan's
    // year or not yet begun is refused, so nothing is computed or published for it.
    state.store.check_plan_period(plan_id, period, crate::api::open_period(state)).await?;
    if !live && let Some(s) = state.store.published_bulletin(plan_id, period).await? {
        return Ok((s.bulletin, Some(s.version)));
    }
    let input = state.store.bulletin_input(plan_id, period, state.config.today(), &Default::default()).await?;
    Ok((Bulletin::build(&input), None))
}

/// Renders a bulletin as a download (or JSON).
pub fn bulletin_response(bulletin: &Bulletin, format: Option<&str>) -> ApiResult<Response> {
    let format = format.unwrap_or("json");
    if format == "json" {
        return Ok(axum::Json(bulletin).into_response());
    }
    let Some(f) = report::Format::parse(format) else {
        return Err(ApiError::invalid("format", "格式应为 docx、pdf、xlsx、csv、html 或 json"));
    };
    let bytes = report::render(bulletin, f).map_err(|e| {
        tracing::error!(error = %e, "bulletin rendering failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "通报生成失败")
    })?;
    let disposition = if f == report::Format::Html {
        "inline".to_string()
    } else {
        crate::api::attachment_disposition(&report::file_name(bulletin, f))
    };
    Ok(([(header::CONTENT_TYPE, f.mime().to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

/// The bulletin of a plan for a month (the bureau's roles).
#[utoipa::path(get, path = "/api/v1/plans/{id}/bulletins/{period}", params(("id" = i64, Path), ("period" = String, Path), BulletinQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "通报(JSON 或所选格式的文件)"), (status = 403, body = Problem), (status = 404, body = Problem),
               (status = 422, body = Problem)))]
pub async fn get_bulletin(
    State(state): State<AppState>,
    who: CurrentUser,
    Path((id, period)): Path<(i64, String)>,
    Query(q): Query<BulletinQuery>,
) -> ApiResult<Response> {
    who.require(BUREAU)?;
    let period = parse_period(&period)?;
    let (bulletin, _) = bulletin_for(&state, id, period, q.live.unwrap_or(false)).await?;
    bulletin_response(&bulletin, q.format.as_deref())
}

/// Publishes the month's bulletin as it stands now, as a new frozen version (督办管理员).
#[utoipa::path(post, path = "/api/v1/plans/{id}/bulletins/{period}/publish", params(("id" = i64, Path), ("period" = String, Path)),
    security(("bearer" = [])),
    responses((status = 201, body = store::bulletin::Snapshot), (status = 403, body = Problem), (status = 404, body = Problem),
               (status = 409, body = Problem)))]
pub async fn publish_bulletin(
    State(state): State<AppState>,
    who: CurrentUser,
    Path((id, period)): Path<(i64, String)>,
) -> ApiResult<(StatusCode, axum::Json<store::bulletin::Snapshot>)> {
    who.require(&[Role::Supervisor])?;
    let period = parse_period(&period)?;
    let (bulletin, _) = bulletin_for(&state, id, period, true).await?;
    // 下步要求 are the office's own words: nothing is issued without them.
    bulletin.check_issuable().map_err(|m| ApiError::new(StatusCode::CONFLICT, "conflict", m))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(state.store.publish_bulletin(id, period, state.config.today(), &bulletin).await?),
    ))
}
