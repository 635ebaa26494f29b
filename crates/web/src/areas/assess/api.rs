//! School data and the county assessments in the API: importing a data file as a snapshot,
//! its history, and the 优质均衡 / 普及普惠 results from the latest data.

use super::read_import_form;
use crate::AppState;
use crate::api::auth::CurrentUser;
use crate::error::ApiError;
use crate::error::ApiResult;
use crate::error::Problem;
use crate::wire;
use crate::wire::assess::{Snapshot, Source};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

/// The multipart form of a school data import.
#[derive(utoipa::ToSchema)]
pub struct SchoolDataUpload {
    /// schools, kindergartens or population.
    pub kind: String,
    /// The date the figures describe, YYYY-MM-DD.
    pub as_of: String,
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    pub file: Vec<u8>,
    /// Import the valid rows and skip the bad ones (default false).
    pub accept_valid: Option<bool>,
    pub note: Option<String>,
}

/// Imports a school data file (multipart: `kind` schools|kindergartens|population, `as_of`
/// YYYY-MM-DD, `file`, optional `accept_valid` and `note`) as a new snapshot (督办管理员).
/// A file with bad rows is refused whole (422, every row named) unless `accept_valid`.
#[utoipa::path(post, path = "/api/v1/school-data", security(("bearer" = [])),
    request_body(content = SchoolDataUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = Snapshot), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn import(
    State(state): State<AppState>,
    _who: CurrentUser,
    mut form: crate::error::Multipart,
) -> ApiResult<(StatusCode, Json<Snapshot>)> {
    let f = read_import_form(&mut form).await.map_err(ApiError::bad_request)?;
    let kind = f.kind.ok_or_else(|| ApiError::invalid("kind", "数据类别应为 schools、kindergartens 或 population"))?;
    let as_of = f.as_of.ok_or_else(|| ApiError::invalid("as_of", "统计时点格式应为 YYYY-MM-DD"))?;
    let (name, bytes) = f.file.ok_or_else(|| ApiError::invalid("file", "请选择要导入的文件"))?;
    match state.store.import_school_data(kind, as_of, &name, &bytes, f.accept_valid, &f.note).await? {
        Ok(s) => Ok((StatusCode::CREATED, Json(s.into()))),
        Err(refused) => Err(ApiError::invalid("file", refused.message)),
    }
}

/// Every school data snapshot, newest first.
#[utoipa::path(get, path = "/api/v1/school-data", security(("bearer" = [])), responses((status = 200, body = Vec<Snapshot>)))]
pub async fn history(State(state): State<AppState>, _who: CurrentUser) -> ApiResult<Json<Vec<Snapshot>>> {
    Ok(Json(wire::list(state.store.school_data_history(None).await?)))
}

/// 优质均衡 (compulsory education) from the latest school data: the same JSON as
/// `duban assess balance`.
#[utoipa::path(get, path = "/api/v1/assess/balance", security(("bearer" = [])),
    responses((status = 200, description = "评估结果"), (status = 404, body = Problem)))]
pub async fn balance(State(state): State<AppState>, _who: CurrentUser) -> ApiResult<Json<serde_json::Value>> {
    let report = state
        .store
        .balance_report()
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no_data", "尚未导入义务教育学校数据"))?;
    serde_json::to_value(report).map(Json).map_err(|_| ApiError::bad_request("无法生成结果"))
}

/// 普及普惠 (preschool) from the latest kindergarten and population data.
#[utoipa::path(get, path = "/api/v1/assess/preschool", security(("bearer" = [])),
    responses((status = 200, description = "评估结果"), (status = 404, body = Problem)))]
pub async fn preschool(State(state): State<AppState>, _who: CurrentUser) -> ApiResult<Json<serde_json::Value>> {
    let report = state
        .store
        .preschool_report(None)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no_data", "尚未导入幼儿园数据"))?;
    serde_json::to_value(report).map(Json).map_err(|_| ApiError::bad_request("无法生成结果"))
}

/// The indicator library: the figures of the school data a target can be bound to
/// (`PUT /api/v1/indicators/{id}` with `source`).
#[utoipa::path(get, path = "/api/v1/indicator-sources", security(("bearer" = [])),
    responses((status = 200, body = Vec<Source>)))]
pub async fn sources(_who: CurrentUser) -> Json<Vec<Source>> {
    Json(wire::list(store::schools::sources()))
}
