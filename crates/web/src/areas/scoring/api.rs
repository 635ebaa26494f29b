//! Year-end scoring in the API: the scores (published, or as the data stand), the scheme,
//! the office's adjustments, and publishing with an appeal window.

use crate::AppState;
use crate::api::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Path, Problem, Query};
use crate::wire::scoring::Scores;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use domain::Period;
use domain::scoring::{Adjustment, Scheme};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub struct ScoresQuery {
    /// The last month counted (default: the current month).
    #[serde(default)]
    pub period: Option<String>,
    /// true: computed now, even when results have been published.
    #[serde(default)]
    pub live: Option<bool>,
}

/// The last month a request counts for plan `plan_id`: the one it names, checked like every
/// period (`api::plan_period`), or the current month.
pub async fn period_or_now(state: &AppState, plan_id: i64, p: Option<&str>) -> Result<Period, ApiError> {
    match p.filter(|s| !s.is_empty()) {
        Some(s) => Ok(crate::periods::plan_period(state, plan_id, s).await?),
        None => Ok(Period::containing(state.config.today())),
    }
}

/// Districts' scores with the points behind each (the bureau's roles).
#[utoipa::path(get, path = "/api/v1/plans/{id}/scores", params(("id" = i64, Path), ScoresQuery), security(("bearer" = [])),
    responses((status = 200, body = Scores), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn scores(
    State(state): State<AppState>,
    _who: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ScoresQuery>,
) -> ApiResult<Json<Scores>> {
    let period = period_or_now(&state, id, q.period.as_deref()).await?;
    if !q.live.unwrap_or(false)
        && let Some(p) = state.store.published_scores(id).await?
    {
        return Ok(Json(p.into()));
    }
    Ok(Json(state.store.live_scores(id, period, state.config.today(), state.config.due_day).await?.into()))
}

/// Replaces the scheme with a new version (督办管理员). Published results keep theirs.
#[utoipa::path(put, path = "/api/v1/plans/{id}/scoring-scheme", params(("id" = i64, Path)), request_body = Object,
    security(("bearer" = [])), responses((status = 200, description = "新版本号"), (status = 422, body = Problem)))]
pub async fn put_scheme(
    State(state): State<AppState>,
    _who: CurrentUser,
    Path(id): Path<i64>,
    body: Result<Json<Scheme>, JsonRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    let Json(scheme) = body?;
    let version = state.store.set_scoring_scheme(id, &scheme).await?;
    Ok(Json(serde_json::json!({ "version": version })))
}

#[derive(Deserialize, ToSchema)]
pub struct AdjustmentRequest {
    pub unit_id: i64,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub adjustment: Adjustment,
}

/// Records a bonus, deduction or veto for a district, with its reason (督办管理员).
#[utoipa::path(post, path = "/api/v1/plans/{id}/score-adjustments", params(("id" = i64, Path)), request_body = AdjustmentRequest,
    security(("bearer" = [])), responses((status = 201, description = "已记录"), (status = 422, body = Problem)))]
pub async fn add_adjustment(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
    body: Result<Json<AdjustmentRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let Json(req) = body?;
    let adj_id = state.store.add_score_adjustment(id, req.unit_id, &req.adjustment, Some(who.user.id)).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": adj_id }))))
}

#[derive(Deserialize, ToSchema)]
pub struct PublishScoresRequest {
    #[serde(default)]
    pub period: Option<String>,
    /// Days districts have to appeal before the ranking is final (default 7).
    #[serde(default)]
    pub appeal_days: Option<i64>,
}

/// Freezes the scores as they stand (督办管理员).
#[utoipa::path(post, path = "/api/v1/plans/{id}/scores/publish", params(("id" = i64, Path)), request_body = PublishScoresRequest,
    security(("bearer" = [])), responses((status = 201, body = Scores), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn publish(
    State(state): State<AppState>,
    _who: CurrentUser,
    Path(id): Path<i64>,
    body: Result<Json<PublishScoresRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Scores>)> {
    let Json(req) = body?;
    let period = period_or_now(&state, id, req.period.as_deref()).await?;
    let scores = state
        .store
        .publish_scores(id, period, state.config.today(), state.config.due_day, req.appeal_days.unwrap_or(7))
        .await?;
    Ok((StatusCode::CREATED, Json(scores.into())))
}
