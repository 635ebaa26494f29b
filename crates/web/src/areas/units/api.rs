//! Editing what a plan was published with, and the unit directory: milestone dates, a
//! target's baseline and per-unit breakdown, single units. The bureau's work between
//! publishing and the first reports.

use crate::AppState;
use crate::api::auth::CurrentUser;
use crate::error::{ApiResult, Path, Problem};
use crate::wire::units::{UnitDetail, UnitInput};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;

/// One unit with its aliases and members.
#[utoipa::path(get, path = "/api/v1/units/{id}", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = UnitDetail), (status = 404, body = Problem)))]
pub async fn unit_detail(
    State(state): State<AppState>,
    _who: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<UnitDetail>> {
    Ok(Json(state.store.unit_detail(id).await?.into()))
}

/// Adds a unit to the directory (系统管理员, 督办管理员).
#[utoipa::path(post, path = "/api/v1/units", request_body = UnitInput, security(("bearer" = [])),
    responses((status = 201, body = UnitDetail), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_unit(
    State(state): State<AppState>,
    _who: CurrentUser,
    body: Result<Json<UnitInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<UnitDetail>)> {
    let Json(input) = body?;
    Ok((StatusCode::CREATED, Json(state.store.create_unit(&input.into()).await?.into())))
}

/// Changes a unit (系统管理员, 督办管理员); a renamed unit keeps its old name as an alias.
#[utoipa::path(put, path = "/api/v1/units/{id}", params(("id" = i64, Path)), request_body = UnitInput,
    security(("bearer" = [])),
    responses((status = 200, body = UnitDetail), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_unit(
    State(state): State<AppState>,
    _who: CurrentUser,
    Path(id): Path<i64>,
    body: Result<Json<UnitInput>, JsonRejection>,
) -> ApiResult<Json<UnitDetail>> {
    let Json(input) = body?;
    Ok(Json(state.store.update_unit(id, &input.into()).await?.into()))
}
