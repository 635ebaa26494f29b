//! The monthly bulletin in the API: any format for a month (the published version when there
//! is one, else computed now), and publishing a month's bulletin as a frozen version.

use super::{bulletin_for, bulletin_response};
use crate::AppState;
use crate::api::auth::CurrentUser;
use crate::error::ApiError;
use crate::error::ApiResult;
use crate::error::Path;
use crate::error::Problem;
use crate::error::Query;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use domain::Period;
use serde::Deserialize;
use utoipa::IntoParams;

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

/// The bulletin of a plan for a month (the bureau's roles).
#[utoipa::path(get, path = "/api/v1/plans/{id}/bulletins/{period}", params(("id" = i64, Path), ("period" = String, Path), BulletinQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "通报(JSON 或所选格式的文件)"), (status = 403, body = Problem), (status = 404, body = Problem),
               (status = 422, body = Problem)))]
pub async fn get_bulletin(
    State(state): State<AppState>,
    _who: CurrentUser,
    Path((id, period)): Path<(i64, String)>,
    Query(q): Query<BulletinQuery>,
) -> ApiResult<Response> {
    let period = parse_period(&period)?;
    let (bulletin, _) = bulletin_for(&state, id, period, q.live.unwrap_or(false)).await?;
    bulletin_response(&bulletin, q.format.as_deref())
}

/// Publishes the month's bulletin as it stands now, as a new frozen version (督办管理员).
#[utoipa::path(post, path = "/api/v1/plans/{id}/bulletins/{period}/publish", params(("id" = i64, Path), ("period" = String, Path)),
    security(("bearer" = [])),
    responses((status = 201, body = crate::wire::bulletins::Snapshot), (status = 403, body = Problem), (status = 404, body = Problem),
               (status = 409, body = Problem)))]
pub async fn publish_bulletin(
    State(state): State<AppState>,
    _who: CurrentUser,
    Path((id, period)): Path<(i64, String)>,
) -> ApiResult<(StatusCode, axum::Json<crate::wire::bulletins::Snapshot>)> {
    let period = parse_period(&period)?;
    let (bulletin, _) = bulletin_for(&state, id, period, true).await?;
    // 下步要求 are the office's own words: nothing is issued without them.
    bulletin.check_issuable().map_err(|m| ApiError::new(StatusCode::CONFLICT, "conflict", m))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(state.store.publish_bulletin(id, period, state.config.today(), &bulletin).await?.into()),
    ))
}
