//! Plans: list, import, review draft, publish, archive, instructions (JSON).

use crate::AppState;
use crate::api::FileUpload;
use crate::api::PeriodQuery;
use crate::api::auth::CurrentUser;
use crate::api::file_field;
use crate::api::shared_json;
use crate::error::ApiError;
use crate::error::ApiResult;
use crate::error::Multipart;
use crate::error::Path;
use crate::error::Problem;
use crate::error::Query;
use crate::periods::plan_period;
use crate::wire;
use crate::wire::plans::{Indicator, Instruction, Milestone, PlanRow, PlanView, Published};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use chrono::NaiveDate;
use serde::Deserialize;
use serde::Serialize;
use std::collections::BTreeMap;
use store::StoreError;
use utoipa::ToSchema;

#[utoipa::path(get, path = "/api/v1/plans", security(("bearer" = [])), responses((status = 200, body = Vec<PlanRow>)))]
pub async fn plans(State(state): State<AppState>, who: CurrentUser) -> ApiResult<Json<Vec<PlanRow>>> {
    let all = state.store.plans().await?;
    // Units see published plans only; drafts are the supervision office's work in progress.
    Ok(Json(wire::list(if who.sees_all_units() {
        all
    } else {
        all.into_iter().filter(|p| p.status != "draft").collect()
    })))
}

/// A plan with its sections, items, units, targets and computed status.
#[utoipa::path(get, path = "/api/v1/plans/{id}", params(("id" = i64, Path), PeriodQuery), security(("bearer" = [])),
    responses((status = 200, body = PlanView), (status = 404, body = Problem)))]
pub async fn plan_detail(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<PeriodQuery>,
    headers: axum::http::HeaderMap,
) -> ApiResult<axum::response::Response> {
    let period = match q.period.as_deref() {
        Some(p) => Some(plan_period(&state, id, p).await?),
        None => None,
    };
    let view = state.store.plan_view(id, period, state.config.today(), &Default::default()).await?;
    if view.plan.status == "draft" && !who.sees_all_units() {
        return Err(ApiError::not_found());
    }
    shared_json(&headers, &crate::policy::plan_view(&who.user, view), |v| PlanView::from(v.clone()))
}

#[derive(Serialize, ToSchema)]
pub struct ImportResponse {
    pub id: i64,
    pub title: String,
    pub sections: usize,
    pub items: usize,
    pub targets: usize,
    pub warnings: Vec<ImportWarning>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportWarning {
    pub item: Option<u32>,
    pub code: String,
    pub message: String,
}

/// Uploads a plan document (multipart field `file`) and stores it as a draft.
#[utoipa::path(post, path = "/api/v1/plans/import", security(("bearer" = [])),
    request_body(content = FileUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = ImportResponse), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn import_plan(
    State(state): State<AppState>,
    who: CurrentUser,
    mut form: Multipart,
) -> ApiResult<(StatusCode, Json<ImportResponse>)> {
    let (name, bytes) = file_field(&mut form, "plan").await?;
    let directory = state.store.directory().await?;
    let parsed = plan::parse(&bytes, &directory).map_err(|e| match e {
        plan::ParseError::TooLarge { .. } => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", e.to_string()),
        plan::ParseError::Read(docread::ReadError::Binary | docread::ReadError::Unsupported(_)) => {
            ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", e.to_string())
        }
        other => ApiError::invalid("file", other.to_string()),
    })?;
    let id = state.store.import_plan(&name, &bytes, &parsed, Some(who.user.id)).await?;
    Ok((
        StatusCode::CREATED,
        Json(ImportResponse {
            id,
            title: parsed.title.clone(),
            sections: parsed.sections.len(),
            items: parsed.items.len(),
            targets: parsed.items.iter().map(|i| i.targets.len()).sum(),
            warnings: parsed
                .warnings
                .iter()
                .map(|w| ImportWarning { item: w.item, code: w.code.clone(), message: w.message.clone() })
                .collect(),
        }),
    ))
}

/// Publishes a draft: tasks, assignments (groups expanded), indicators and milestones. A
/// draft without a title, items or responsible units, or beyond the size bounds, is 422 with
/// what is missing (`plan::limits::publish_problems`). With `If-Match` (the draft's `ETag`)
/// it publishes only the draft as it was read: 412 when it has changed since.
#[utoipa::path(post, path = "/api/v1/plans/{id}/publish", params(("id" = i64, Path),
        ("If-Match" = Option<String>, Header, description = "读取草稿时的 ETag;带上则只发布读取时的内容")),
    security(("bearer" = [])),
    responses((status = 200, body = Published), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn publish_plan(
    State(state): State<AppState>,
    _who: CurrentUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> ApiResult<Json<Published>> {
    let today = state.config.today();
    let published = match if_match(&headers) {
        None => state.store.publish_plan(id, today).await?,
        Some(read_version) => {
            changed_draft_is_412(&state, id, state.store.publish_reviewed(id, read_version, today).await).await?
        }
    };
    Ok(Json(published.into()))
}

/// The parsed structure of a plan, as the review page edits it before publishing (the JSON
/// of `duban plan parse`). The `ETag` header is the draft's version: an edit sends it back in
/// `If-Match`.
#[utoipa::path(get, path = "/api/v1/plans/{id}/draft", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, description = "解析结果(与 duban plan parse --format json 相同);ETag 为草稿版本",
        headers(("ETag" = String, description = "草稿版本,修改时在 If-Match 中带回"))), (status = 404, body = Problem)))]
pub async fn get_draft(
    State(state): State<AppState>,
    _who: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<impl IntoResponse> {
    let draft = state.store.draft(id).await?;
    Ok(([(header::ETAG, draft_etag(&draft.version))], Json(draft.plan)))
}

/// Replaces a draft's structure with a person's edits (titles, units, targets). Renaming or
/// merging a learned unit is done here too: the items carry their units. The edit must name
/// the version it was made on (`If-Match` with the `ETag` of the read): without it 428, and
/// 412 when the draft has changed since, so one reviewer never silently undoes another's work.
#[utoipa::path(put, path = "/api/v1/plans/{id}/draft", params(("id" = i64, Path),
        ("If-Match" = String, Header, description = "读取草稿时的 ETag")), security(("bearer" = [])),
    request_body(content = Object, description = "编辑后的解析结果(与 duban plan parse --format json 相同)"),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)))]
pub async fn put_draft(
    State(state): State<AppState>,
    _who: CurrentUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Result<Json<plan::Plan>, JsonRejection>,
) -> ApiResult<StatusCode> {
    let Some(read_version) = if_match(&headers) else {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "if_match_required",
            "修改草稿须在 If-Match 请求头中带上读取草稿时的 ETag",
        ));
    };
    let Json(mut edited) = body?;
    if edited.items.is_empty() {
        return Err(ApiError::invalid("items", "工作要点至少要有一个条目"));
    }
    if let Some(item) = edited.items.iter().find(|i| i.title.trim().is_empty()) {
        return Err(ApiError::invalid(&format!("items.{}.title", item.number), "条目标题不能为空"));
    }
    if let Some(problem) = plan::limits::size_problem(&edited) {
        return Err(ApiError::invalid("items", problem));
    }
    // Units renamed or merged on the items (the body carries every item's units) show in the
    // learned directory as they now stand.
    if !edited.learned_units.is_empty() {
        edited.learned_units = plan::directory::learn(&edited);
    }
    let saved = state.store.update_draft(id, &edited, read_version).await;
    changed_draft_is_412(&state, id, saved).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A conflict on a plan that is still a draft means the draft changed after it was read:
/// 412, the answer HTTP gives a failed `If-Match`. Any other outcome as it is.
async fn changed_draft_is_412<T>(state: &AppState, id: i64, done: store::Result<T>) -> ApiResult<T> {
    match done {
        Err(StoreError::Conflict(message)) if state.store.plan(id).await?.status == "draft" => {
            Err(ApiError::new(StatusCode::PRECONDITION_FAILED, "draft_changed", message))
        }
        done => Ok(done?),
    }
}

/// The draft version named by `If-Match`, if the request has one.
fn if_match(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()).map(etag_version)
}

/// A draft's version as an HTTP entity tag.
fn draft_etag(version: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

/// The version named by an `If-Match` value: the tag without its quotes (or a weak prefix).
fn etag_version(if_match: &str) -> &str {
    let tag = if_match.trim();
    tag.strip_prefix("W/").unwrap_or(tag).trim_matches('"')
}

#[derive(Deserialize, ToSchema)]
pub struct InstructionRequest {
    pub text: String,
}

/// Leaders' 批示 on a task; a unit's users read those of their own tasks.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/instructions", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<Instruction>), (status = 404, body = Problem)))]
pub async fn list_instructions(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Instruction>>> {
    if !who.sees_all_units() && !state.store.unit_in_task(who.user.unit_id.unwrap_or(-1), id).await? {
        return Err(ApiError::not_found());
    }
    Ok(Json(wire::list(state.store.instructions(id).await?)))
}

/// Leaves a 批示 (领导, 督办管理员).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/instructions", params(("id" = i64, Path)), request_body = InstructionRequest,
    security(("bearer" = [])),
    responses((status = 201, body = Instruction), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_instruction(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
    body: Result<Json<InstructionRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Instruction>)> {
    let Json(req) = body?;
    Ok((StatusCode::CREATED, Json(state.store.add_instruction(id, who.user.id, &req.text).await?.into())))
}

/// Archives a published plan (督办管理员).
#[utoipa::path(post, path = "/api/v1/plans/{id}/archive", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = PlanRow), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn archive_plan(
    State(state): State<AppState>,
    _who: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<PlanRow>> {
    Ok(Json(state.store.archive_plan(id).await?.into()))
}

/// Sets a milestone's due date (督办管理员). Scheduled milestones drive the task's pace.
#[utoipa::path(put, path = "/api/v1/milestones/{id}", params(("id" = i64, Path)), request_body = ScheduleMilestoneRequest,
    security(("bearer" = [])),
    responses((status = 200, body = Milestone), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn schedule_milestone(
    State(state): State<AppState>,
    _who: CurrentUser,
    Path(id): Path<i64>,
    body: Result<Json<ScheduleMilestoneRequest>, JsonRejection>,
) -> ApiResult<Json<Milestone>> {
    let Json(req) = body?;
    let due = NaiveDate::parse_from_str(req.due_date.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid("due_date", "完成时限格式应为 YYYY-MM-DD"))?;
    Ok(Json(state.store.schedule_milestone(id, due, req.text.as_deref()).await?.into()))
}

/// Sets a target's baseline and its breakdown per unit (督办管理员); both are replaced.
#[utoipa::path(put, path = "/api/v1/indicators/{id}", params(("id" = i64, Path)), request_body = IndicatorRequest,
    security(("bearer" = [])),
    responses((status = 200, body = Indicator), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_indicator(
    State(state): State<AppState>,
    _who: CurrentUser,
    Path(id): Path<i64>,
    body: Result<Json<IndicatorRequest>, JsonRejection>,
) -> ApiResult<Json<Indicator>> {
    let Json(req) = body?;
    // The source is checked first: an unknown one changes nothing.
    if let Some(s) = &req.source
        && store::schools::source_label(s).is_none()
    {
        return Err(crate::error::ApiError::invalid("source", format!("数据来源“{s}”无效")));
    }
    state.store.update_indicator(id, req.baseline, &req.breakdown).await?;
    state.store.bind_indicator(id, req.source.as_deref()).await?;
    Ok(Json(state.store.indicator(id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct ScheduleMilestoneRequest {
    /// 完成时限, YYYY-MM-DD, within the task's span.
    #[schema(format = Date)]
    pub due_date: String,
    /// New wording, optional.
    #[serde(default)]
    pub text: Option<String>,
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
