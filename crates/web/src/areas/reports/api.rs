//! Reports: the work list, drafts, submits, reviews, sign-off, evidence, urging (JSON).

use crate::AppState;
use crate::api::auth::CurrentUser;
use crate::api::idempotency::{Idempotent, NoBody, idempotent, idempotent_or_read};
use crate::api::{FileUpload, PeriodQuery, file_field, shared_json};
use crate::downloads::attachment;
use crate::error::{ApiError, ApiResult, Multipart, Path, Problem, Query};
use crate::periods::{assignment_period, open_or_past_period, parse_period};
use crate::wire;
use crate::wire::reports::{BulkOutcome, Decision, Evidence, QueueFilter, QueueItem, QueueRow, Report, WorkItem};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::Period;
use serde::Deserialize;
use store::plans::Assignment;
use store::reports::ReportInput;
use utoipa::ToSchema;

/// The caller's work for a period: a unit's assignments for its reporter, all for the bureau.
#[utoipa::path(get, path = "/api/v1/tasks", params(PeriodQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<WorkItem>), (status = 422, body = Problem)))]
pub async fn tasks(
    State(state): State<AppState>,
    who: CurrentUser,
    Query(q): Query<PeriodQuery>,
    headers: axum::http::HeaderMap,
) -> ApiResult<axum::response::Response> {
    let today = state.config.today();
    let period = match q.period.as_deref() {
        Some(p) => open_or_past_period(&state, p)?,
        None => Period::containing(today),
    };
    if who.sees_all_units() {
        return Ok(Json(wire::list::<_, WorkItem>(state.store.worklist(None, period, state.config.due_day).await?))
            .into_response());
    }
    // A unit-bound account always has a unit; if one ever did not, it must see nothing.
    let unit = who.user.unit_id.unwrap_or(-1);
    let list = state.store.unit_worklist(unit, period, state.config.due_day).await?;
    shared_json(&headers, &list, |items| wire::list::<_, WorkItem>(items.clone()))
}

/// The assignment if the caller may see it; 404 otherwise (also for another unit's).
async fn visible_assignment(state: &AppState, who: &CurrentUser, id: i64) -> ApiResult<Assignment> {
    Ok(crate::policy::visible_assignment(&state.store, &who.user, id).await?)
}

#[utoipa::path(get, path = "/api/v1/assignments/{id}/reports/{period}", params(("id" = i64, Path), ("period" = String, Path)),
    security(("bearer" = [])), responses((status = 200, body = Report), (status = 404, body = Problem)))]
pub async fn get_report(
    State(state): State<AppState>,
    who: CurrentUser,
    Path((id, period)): Path<(i64, String)>,
) -> ApiResult<Json<Report>> {
    // The assignment and the stored report in one statement; a report not yet written (or a
    // month written another way, 2024-5) is then made up as before.
    let (assignment, stored) = crate::policy::visible_assignment_report(&state.store, &who.user, id, &period).await?;
    let period = assignment_period(&state, &assignment, &period)?;
    let report = match stored {
        Some(report) => report,
        None => state.store.report(id, period).await?,
    };
    Ok(Json(report.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct SaveReportRequest {
    /// The version read (0 for a new report); a stale one gets 409.
    pub version: i64,
    /// 本月进展
    #[serde(default)]
    pub progress: String,
    /// 累计完成
    #[serde(default)]
    pub cumulative: String,
    /// Self-assessed status key, optional.
    #[serde(default)]
    pub self_status: Option<String>,
    /// 存在问题
    #[serde(default)]
    pub problems: String,
    /// 下步措施
    #[serde(default)]
    pub next_steps: String,
    /// Indicator id → value.
    #[serde(default)]
    pub values: std::collections::BTreeMap<i64, f64>,
    /// Milestone id → the day it was done (YYYY-MM-DD).
    #[serde(default)]
    pub milestones: std::collections::BTreeMap<i64, String>,
}

// Not `#[serde(flatten)]` over `ReportInput`: flattening loses serde_json's handling of
// integer map keys ("12": 55.8), so the fields are listed again.
impl From<SaveReportRequest> for ReportInput {
    fn from(r: SaveReportRequest) -> Self {
        ReportInput {
            progress: r.progress,
            cumulative: r.cumulative,
            self_status: r.self_status,
            problems: r.problems,
            next_steps: r.next_steps,
            values: r.values,
            milestones: r.milestones,
        }
    }
}

/// Saves a draft (reporters of the assignment's unit).
#[utoipa::path(put, path = "/api/v1/assignments/{id}/reports/{period}", params(("id" = i64, Path), ("period" = String, Path)),
    request_body = SaveReportRequest, security(("bearer" = [])),
    responses((status = 200, body = Report), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save_report(
    State(state): State<AppState>,
    who: CurrentUser,
    Path((id, period)): Path<(i64, String)>,
    Idempotent(key, body): Idempotent<Result<Json<SaveReportRequest>, JsonRejection>>,
) -> ApiResult<Json<serde_json::Value>> {
    visible_assignment(&state, &who, id).await?;
    // The store refuses a period outside the plan's year or not yet open (`save_report`).
    let period = parse_period(&period)?;
    let Json(req) = body?;
    let version = req.version;
    let open = Period::containing(state.config.today());
    let write = async {
        Ok(Report::from(state.store.save_report(id, period, &req.into(), version, open, Some(who.user.id)).await?))
    };
    idempotent_or_read(
        &state,
        &who,
        &key,
        write,
        Some(async { Ok(Report::from(state.store.report(id, period).await?)) }),
    )
    .await
}

/// Submits the saved report for review; repeating it is harmless.
#[utoipa::path(post, path = "/api/v1/assignments/{id}/reports/{period}/submit", params(("id" = i64, Path), ("period" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Report), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn submit_report(
    State(state): State<AppState>,
    who: CurrentUser,
    Path((id, period)): Path<(i64, String)>,
    Idempotent(key, NoBody): Idempotent<NoBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let assignment = visible_assignment(&state, &who, id).await?;
    let period = assignment_period(&state, &assignment, &period)?;
    let write = async {
        let needs_signoff = crate::policy::needs_signoff(&state, &who.user).await?;
        Ok(Report::from(
            state
                .store
                .submit_report(id, period, state.config.today(), state.config.due_day, Some(who.user.id), needs_signoff)
                .await?,
        ))
    };
    idempotent_or_read(
        &state,
        &who,
        &key,
        write,
        Some(async { Ok(Report::from(state.store.report(id, period).await?)) }),
    )
    .await
}

#[derive(Deserialize, ToSchema)]
pub struct ReviewRequest {
    pub decision: Decision,
    pub comment: Option<String>,
}

/// Approves or returns a submitted report (督办管理员).
#[utoipa::path(post, path = "/api/v1/assignments/{id}/reports/{period}/review", params(("id" = i64, Path), ("period" = String, Path)),
    request_body = ReviewRequest, security(("bearer" = [])),
    responses((status = 200, body = Report), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn review_report(
    State(state): State<AppState>,
    who: CurrentUser,
    Path((id, period)): Path<(i64, String)>,
    body: Result<Json<ReviewRequest>, JsonRejection>,
) -> ApiResult<Json<Report>> {
    let assignment = visible_assignment(&state, &who, id).await?;
    let period = assignment_period(&state, &assignment, &period)?;
    let Json(req) = body?;
    Ok(Json(
        state
            .store
            .review_report(id, period, req.decision.into(), req.comment.as_deref(), Some(who.user.id))
            .await?
            .into(),
    ))
}

/// Attaches an evidence file (multipart field `file`) to a saved report that is a draft or
/// returned. The type is judged from the content: PDF, JPEG, PNG, Word, Excel or plain text,
/// at most 20 MB; at most 20 files a report, and the unit's daily allowance (the
/// `evidence_daily_mb` setting, 200 MB unless changed) in any 24 hours.
#[utoipa::path(post, path = "/api/v1/assignments/{id}/reports/{period}/evidence", params(("id" = i64, Path), ("period" = String, Path)),
    security(("bearer" = [])), request_body(content = FileUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = Evidence), (status = 404, body = Problem), (status = 409, body = Problem),
               (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn upload_evidence(
    State(state): State<AppState>,
    who: CurrentUser,
    Path((id, period)): Path<(i64, String)>,
    mut form: Multipart,
) -> ApiResult<(StatusCode, Json<Evidence>)> {
    let assignment = visible_assignment(&state, &who, id).await?;
    let period = assignment_period(&state, &assignment, &period)?;
    let (name, bytes) = file_field(&mut form, "附件").await?;
    use store::evidence::{AddError, Refusal};
    match state.store.add_evidence(id, period, &name, &bytes).await {
        Ok(e) => Ok((StatusCode::CREATED, Json(e.into()))),
        Err(AddError::Refused(r)) => {
            let (status, code) = match r {
                Refusal::TooLarge | Refusal::DailyQuota(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
                Refusal::Type => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
                Refusal::TooMany => (StatusCode::UNPROCESSABLE_ENTITY, "too_many_files"),
            };
            Err(ApiError::new(status, code, r.message()))
        }
        Err(AddError::Store(e)) => Err(e.into()),
    }
}

/// Downloads an evidence file, always as an attachment.
#[utoipa::path(get, path = "/api/v1/evidence/{id}", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, description = "文件内容"), (status = 404, body = Problem)))]
pub async fn download_evidence(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::response::Response> {
    let (e, assignment_id) = state.store.evidence(id).await?;
    visible_assignment(&state, &who, assignment_id).await?;
    let bytes = state.store.evidence_bytes(&e).await?;
    Ok(attachment(&e, bytes))
}

#[derive(Deserialize, ToSchema)]
pub struct UrgeRequest {
    /// YYYY-MM
    #[schema(pattern = "^(19[0-9]{2}|2[01][0-9]{2}|2200)-(0[1-9]|1[0-2])$")]
    pub period: String,
    #[schema(min_length = 1, max_length = 500)]
    pub message: String,
}

/// Urges (催办) a unit by hand; the urge is recorded as a notice to the unit.
#[utoipa::path(post, path = "/api/v1/units/{id}/urge", params(("id" = i64, Path)), request_body = UrgeRequest,
    security(("bearer" = [])), responses((status = 204), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn urge(
    State(state): State<AppState>,
    _who: CurrentUser,
    Path(id): Path<i64>,
    body: Result<Json<UrgeRequest>, JsonRejection>,
) -> ApiResult<StatusCode> {
    let Json(req) = body?;
    super::urge_unit(&state, id, &req.period, &req.message).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The review queue: submitted reports waiting for the supervision office, the open month
/// first, then the one before (or the month asked for); filtered by unit, task and flag
/// (`late`, `unchanged`, `no_change`, `clean`). The home page counts the same rows.
#[utoipa::path(get, path = "/api/v1/review-queue", params(QueueFilter), security(("bearer" = [])),
    responses((status = 200, body = Vec<QueueRow>), (status = 422, body = Problem)))]
pub async fn review_queue(
    State(state): State<AppState>,
    _who: CurrentUser,
    Query(filter): Query<QueueFilter>,
) -> ApiResult<Json<Vec<QueueRow>>> {
    Ok(Json(wire::list(super::review_queue(&state, &filter.into()).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkApproveRequest {
    /// The reports to approve, each at the version the reviewer saw (at most 200).
    pub items: Vec<QueueItem>,
}

/// Approves several submitted reports in one action. Each is approved only at the version
/// given and only while still submitted; one changed since is skipped and named in `skipped`,
/// never approved unseen. `Idempotency-Key` is honoured.
#[utoipa::path(post, path = "/api/v1/reviews/approve", request_body = BulkApproveRequest, security(("bearer" = [])),
    responses((status = 200, body = BulkOutcome), (status = 422, body = Problem)))]
pub async fn approve_bulk(
    State(state): State<AppState>,
    who: CurrentUser,
    Idempotent(key, body): Idempotent<Result<Json<BulkApproveRequest>, JsonRejection>>,
) -> ApiResult<Json<serde_json::Value>> {
    let Json(req) = body?;
    let items: Vec<store::reports::queue::QueueItem> = wire::list(req.items);
    idempotent(&state, &who, &key, async {
        Ok(BulkOutcome::from(state.store.approve_reports(&items, Some(who.user.id)).await?))
    })
    .await
}

/// The unit head passes a reporter's report on to the bureau, or returns it (单位负责人 of the
/// assignment's unit).
#[utoipa::path(post, path = "/api/v1/assignments/{id}/reports/{period}/signoff", params(("id" = i64, Path), ("period" = String, Path)),
    request_body = ReviewRequest, security(("bearer" = [])),
    responses((status = 200, body = Report), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn signoff_report(
    State(state): State<AppState>,
    who: CurrentUser,
    Path((id, period)): Path<(i64, String)>,
    body: Result<Json<ReviewRequest>, JsonRejection>,
) -> ApiResult<Json<Report>> {
    let assignment = visible_assignment(&state, &who, id).await?;
    let period = assignment_period(&state, &assignment, &period)?;
    let Json(req) = body?;
    Ok(Json(
        state
            .store
            .signoff_report(id, period, req.decision.into(), req.comment.as_deref(), Some(who.user.id))
            .await?
            .into(),
    ))
}
