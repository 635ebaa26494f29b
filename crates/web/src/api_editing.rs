//! Editing what a plan was published with, and the unit directory: milestone dates, a
//! target's baseline and per-unit breakdown, single units. The bureau's work between
//! publishing and the first reports.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Path, Problem};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;
use store::directory::{UnitDetail, UnitInput};
use store::plans::{Indicator, Milestone};
use store::users::Role;
use utoipa::ToSchema;

/// Who keeps the directory: the system administrator and the supervision office.
const DIRECTORY_KEEPERS: &[Role] = &[Role::Admin, Role::Supervisor];

#[derive(Deserialize, ToSchema)]
pub struct ScheduleMilestoneRequest {
    /// 完成时限, YYYY-MM-DD, within the task's span.
    #[schema(format = Date)]
    pub due_date: String,
    /// New wording, optional.
    #[serde(default)]
    pub text: Option<String>,
}

/// Sets a milestone's due date (督办管理员). Scheduled milestones drive the task's pace.
#[utoipa::path(put, path = "/api/v1/milestones/{id}", params(("id" = i64, Path)), request_body = ScheduleMilestoneRequest,
    security(("bearer" = [])),
    responses((status = 200, body = Milestone), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn schedule_milestone(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
    body: Result<Json<ScheduleMilestoneRequest>, JsonRejection>,
) -> ApiResult<Json<Milestone>> {
    who.require(&[Role::Supervisor])?;
    let Json(req) = body?;
    let due = NaiveDate::parse_from_str(req.due_date.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid("due_date", "完成时限格式应为 YYYY-MM-DD"))?;
    Ok(Json(state.store.schedule_milestone(id, due, req.text.as_deref()).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct IndicatorRequest {
    /// Where the indicator stood when the plan began; progress counts from it.
    #[serde(default)]
    pub baseline: Option<f64>,
    /// Unit id → that unit's own target; empty for none.
    #[serde(default)]
    pub breakdown: BTreeMap<i64, f64>,
    /// Bind the target to a figure of the school data (e.g. `preschool.public_share`); none
    /// for a target the units report.
    #[serde(default)]
    pub source: Option<String>,
}

/// Sets a target's baseline and its breakdown per unit (督办管理员); both are replaced.
#[utoipa::path(put, path = "/api/v1/indicators/{id}", params(("id" = i64, Path)), request_body = IndicatorRequest,
    security(("bearer" = [])),
    responses((status = 200, body = Indicator), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_indicator(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
    body: Result<Json<IndicatorRequest>, JsonRejection>,
) -> ApiResult<Json<Indicator>> {
    who.require(&[Role::Supervisor])?;
    let Json(req) = body?;
    // The source is checked first: an unknown one changes nothing.
    if let Some(s) = &req.source
        && store::schools::source_label(s).is_none()
    {
        return Err(crate::error::ApiError::invalid("source", format!("数据来源“{s}”无效")));
    }
    state.store.update_indicator(id, req.baseline, &req.breakdown).await?;
    state.store.bind_indicator(id, req.source.as_deref()).await?;
    Ok(Json(state.store.indicator(id).await?))
}

/// One unit with its aliases and members.
#[utoipa::path(get, path = "/api/v1/units/{id}", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = UnitDetail), (status = 404, body = Problem)))]
pub async fn unit_detail(
    State(state): State<AppState>,
    _who: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<UnitDetail>> {
    Ok(Json(state.store.unit_detail(id).await?))
}

/// Adds a unit to the directory (系统管理员, 督办管理员).
#[utoipa::path(post, path = "/api/v1/units", request_body = UnitInput, security(("bearer" = [])),
    responses((status = 201, body = UnitDetail), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_unit(
    State(state): State<AppState>,
    who: CurrentUser,
    body: Result<Json<UnitInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<UnitDetail>)> {
    who.require(DIRECTORY_KEEPERS)?;
    let Json(input) = body?;
    Ok((StatusCode::CREATED, Json(state.store.create_unit(&input).await?)))
}

/// Changes a unit (系统管理员, 督办管理员); a renamed unit keeps its old name as an alias.
#[utoipa::path(put, path = "/api/v1/units/{id}", params(("id" = i64, Path)), request_body = UnitInput,
    security(("bearer" = [])),
    responses((status = 200, body = UnitDetail), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_unit(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
    body: Result<Json<UnitInput>, JsonRejection>,
) -> ApiResult<Json<UnitDetail>> {
    who.require(DIRECTORY_KEEPERS)?;
    let Json(input) = body?;
    Ok(Json(state.store.update_unit(id, &input).await?))
}
