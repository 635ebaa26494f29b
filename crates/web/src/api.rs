//! The JSON API under `/api/v1`. Each handler says who may call it; objects of another unit
//! are answered with 404, so their existence does not leak.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Multipart, Path, Problem, ProblemResponses, Query};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::Period;
use serde::{Deserialize, Serialize};
use store::plans::{Assignment, PlanRow, Published};
use store::reports::{Decision, Report, ReportInput};
use store::status::{Dashboard, PlanView, WorkItem};
use store::users::{Role, User};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::auth::BUREAU;
const SUPERVISION: &[Role] = &[Role::Supervisor];

#[derive(OpenApi)]
#[openapi(
    info(title = "duban 督办 API", version = "1", description = "工作要点督办系统的 JSON API。错误均为 RFC 9457 problem JSON。"),
    paths(healthz, login, logout, me, users,
          crate::api_accounts::change_password, crate::api_accounts::logout_all, crate::api_accounts::create_user,
          crate::api_accounts::reset_password, crate::api_accounts::set_role, crate::api_accounts::audit,
          crate::api_accounts::verify, crate::api_accounts::requests, crate::api_accounts::confirm_request,
          crate::api_accounts::reject_request, units, plans, import_plan, plan_detail, publish_plan, tasks, get_report, save_report,
          submit_report, review_report, upload_evidence, download_evidence, dashboard, search, notifications, urge,
          get_draft, put_draft, archive_plan, signoff_report, get_settings, put_settings, list_instructions, add_instruction,
          crate::api_editing::schedule_milestone, crate::api_editing::update_indicator, crate::api_editing::unit_detail,
          crate::api_editing::create_unit, crate::api_editing::update_unit,
          crate::api_bulletin::get_bulletin, crate::api_bulletin::publish_bulletin,
          crate::api_assess::import, crate::api_assess::history, crate::api_assess::balance, crate::api_assess::preschool, crate::api_assess::sources,
          crate::api_scoring::scores, crate::api_scoring::put_scheme, crate::api_scoring::add_adjustment, crate::api_scoring::publish),
    components(schemas(Problem, LoginRequest, LoginResponse, ReviewRequest, SaveReportRequest, ImportResponse, UrgeRequest, InstructionRequest, Settings)),
    modifiers(&BearerAuth, &ProblemResponses)
)]
pub struct ApiDoc;

struct BearerAuth;
impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

pub async fn not_found() -> ApiError {
    ApiError::not_found()
}

fn parse_period(s: &str) -> ApiResult<Period> {
    s.parse().map_err(|_| ApiError::invalid("period", format!("期间“{s}”格式应为 YYYY-MM")))
}

/// The month open for reporting: the month of the server's "today".
pub(crate) fn open_period(state: &AppState) -> Period {
    Period::containing(state.config.today())
}

/// A period a request names for plan `plan_id`: well-formed, within the plan's year and not
/// after the open month (`Period::check_for_plan`, the one rule for every route that takes a
/// period); 422 otherwise, 404 for no such plan.
pub(crate) async fn plan_period(state: &AppState, plan_id: i64, text: &str) -> ApiResult<Period> {
    let period = parse_period(text)?;
    state.store.check_plan_period(plan_id, period, open_period(state)).await?;
    Ok(period)
}

/// [`plan_period`] for the plan of an assignment (call it once the caller may see the
/// assignment, so a refusal tells nothing about others').
pub(crate) async fn assignment_period(state: &AppState, assignment_id: i64, text: &str) -> ApiResult<Period> {
    let period = parse_period(text)?;
    state.store.check_assignment_period(assignment_id, period, open_period(state)).await?;
    Ok(period)
}

/// A period named without a plan (the work list, urging): well-formed and not after the open
/// month.
fn open_or_past_period(state: &AppState, text: &str) -> ApiResult<Period> {
    let period = parse_period(text)?;
    period.check_for_plan(None, open_period(state)).map_err(|m| ApiError::invalid("period", m))?;
    Ok(period)
}

/// 200 when the database answers.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "数据库可用"), (status = 503, description = "数据库不可用")))]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.store.ping().await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub user: User,
}

/// Signs in; the token goes in `Authorization: Bearer …` on later calls. After five failures
/// in a row the name is locked for 1, 2, 4 … minutes (429, code `account_locked`); a user
/// whose `must_change_password` is set must call `POST /api/v1/me/password` first.
#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = Problem), (status = 422, body = Problem),
              (status = 429, body = Problem)))]
pub async fn login(
    State(state): State<AppState>,
    ip: crate::security::ClientIp,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> ApiResult<Json<LoginResponse>> {
    let Json(req) = body?;
    let outcome = state.store.sign_in(req.username.trim(), &req.password).await?;
    crate::security::record(&state, crate::pages::sign_in_event(req.username.trim(), &ip, &outcome, "api")).await;
    let user = match outcome {
        store::accounts::SignIn::Ok(user) => user,
        // The same answer for an unknown name and a wrong password.
        store::accounts::SignIn::Refused => {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "bad_credentials", "用户名或密码错误"));
        }
        store::accounts::SignIn::Locked { minutes } => return Err(ApiError::account_locked(minutes)),
    };
    let token = state.store.create_token(user.id, "api", 8).await?;
    Ok(Json(LoginResponse { token, user }))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", security(("bearer" = [])), responses((status = 204)))]
pub async fn logout(State(state): State<AppState>, who: CurrentUser) -> ApiResult<StatusCode> {
    state.store.revoke_token(&who.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/me", security(("bearer" = [])), responses((status = 200, body = User), (status = 401, body = Problem)))]
pub async fn me(who: CurrentUser) -> Json<User> {
    Json(who.user)
}

/// Every user with role and unit (系统管理员, 安全管理员).
#[utoipa::path(get, path = "/api/v1/users", security(("bearer" = [])), responses((status = 200, body = Vec<User>), (status = 403, body = Problem)))]
pub async fn users(State(state): State<AppState>, who: CurrentUser) -> ApiResult<Json<Vec<User>>> {
    who.require(&[Role::Admin, Role::SecurityAdmin])?;
    Ok(Json(state.store.users().await?))
}

#[utoipa::path(get, path = "/api/v1/plans", security(("bearer" = [])), responses((status = 200, body = Vec<PlanRow>)))]
pub async fn plans(State(state): State<AppState>, who: CurrentUser) -> ApiResult<Json<Vec<PlanRow>>> {
    let all = state.store.plans().await?;
    // Units see published plans only; drafts are the supervision office's work in progress.
    Ok(Json(if who.sees_all_units() { all } else { all.into_iter().filter(|p| p.status != "draft").collect() }))
}

#[derive(Deserialize, IntoParams)]
pub struct PeriodQuery {
    /// YYYY-MM; the current month when omitted.
    pub period: Option<String>,
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
    shared_json(&headers, &crate::policy::plan_view(&who.user, view))
}

/// A value the store shares between requests, as JSON made once per state of the data, and
/// gzip-compressed (also once) for a client that accepts it.
fn shared_json<T: Serialize>(
    headers: &axum::http::HeaderMap,
    shared: &store::status::Shared<T>,
) -> ApiResult<axum::response::Response> {
    use axum::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, VARY};
    let internal = |e: String| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e);
    let gzip = headers.get_all(ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).any(accepts_gzip);
    Ok(if gzip {
        let body = shared.json_gzip().map_err(internal)?;
        ([(CONTENT_TYPE, "application/json"), (CONTENT_ENCODING, "gzip"), (VARY, "accept-encoding")], body)
            .into_response()
    } else {
        let body = shared.json().map_err(internal)?;
        ([(CONTENT_TYPE, "application/json"), (VARY, "accept-encoding")], body).into_response()
    })
}

/// Whether an Accept-Encoding value admits gzip: listed by name (or `*`) without `q=0`.
fn accepts_gzip(value: &str) -> bool {
    value.split(',').any(|coding| {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or("");
        let refused = parts.any(|p| p.strip_prefix("q=").is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0)));
        (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
    })
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

/// A multipart form with one file, field `file`.
#[derive(ToSchema)]
pub struct FileUpload {
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    pub file: Vec<u8>,
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
    who.require(SUPERVISION)?;
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

/// The `file` field of a multipart form: its name (or `default_name`) and bytes.
async fn file_field(form: &mut Multipart, default_name: &str) -> ApiResult<(String, Vec<u8>)> {
    let mut file = None;
    while let Some(field) = form.next_field().await.map_err(|e| multipart_error(&e.body_text(), e.status()))? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or(default_name).to_string();
            let bytes = field.bytes().await.map_err(|e| multipart_error(&e.body_text(), e.status()))?;
            file = Some((name, bytes.to_vec()));
        }
    }
    file.ok_or_else(|| ApiError::invalid("file", "请选择要上传的文件(表单字段 file)"))
}

fn multipart_error(text: &str, status: StatusCode) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "上传的文件超过 20 MB 上限")
    } else {
        ApiError::bad_request(format!("上传内容无法读取:{text}"))
    }
}

/// Publishes a draft: tasks, assignments (groups expanded), indicators and milestones. A
/// draft without a title, items or responsible units, or beyond the size bounds, is 422 with
/// what is missing (`plan::limits::publish_problems`).
#[utoipa::path(post, path = "/api/v1/plans/{id}/publish", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Published), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn publish_plan(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Published>> {
    who.require(SUPERVISION)?;
    Ok(Json(state.store.publish_plan(id, state.config.today()).await?))
}

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
        return Ok(Json(state.store.worklist(None, period, state.config.due_day).await?).into_response());
    }
    // A unit-bound account always has a unit; if one ever did not, it must see nothing.
    let unit = who.user.unit_id.unwrap_or(-1);
    let list = state.store.unit_worklist(unit, period, state.config.due_day).await?;
    shared_json(&headers, &list)
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
    visible_assignment(&state, &who, id).await?;
    let period = assignment_period(&state, id, &period).await?;
    Ok(Json(state.store.report(id, period).await?))
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
    who.require(&[Role::Reporter, Role::UnitHead])?;
    visible_assignment(&state, &who, id).await?;
    // The store refuses a period outside the plan's year or not yet open (`save_report`).
    let period = parse_period(&period)?;
    let Json(req) = body?;
    let version = req.version;
    let open = Period::containing(state.config.today());
    idempotent(&state, &who, &key, async {
        Ok(state.store.save_report(id, period, &req.into(), version, open, Some(who.user.id)).await?)
    })
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
    who.require(&[Role::Reporter, Role::UnitHead])?;
    visible_assignment(&state, &who, id).await?;
    let period = assignment_period(&state, id, &period).await?;
    idempotent(&state, &who, &key, async {
        let needs_signoff = needs_signoff(&state, &who.user).await?;
        Ok(state
            .store
            .submit_report(id, period, state.config.today(), state.config.due_day, Some(who.user.id), needs_signoff)
            .await?)
    })
    .await
}

/// Where the bureau asks for it, a reporter's submission goes to the unit head first.
pub(crate) async fn needs_signoff(state: &AppState, user: &User) -> Result<bool, store::StoreError> {
    Ok(user.role == Role::Reporter && state.store.setting("require_signoff").await?.as_deref() == Some("true"))
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
    who.require(SUPERVISION)?;
    visible_assignment(&state, &who, id).await?;
    let period = assignment_period(&state, id, &period).await?;
    let Json(req) = body?;
    Ok(Json(state.store.review_report(id, period, req.decision, req.comment.as_deref(), Some(who.user.id)).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct DashboardQuery {
    /// YYYY-MM; the current month when omitted.
    pub period: Option<String>,
    /// The plan; the latest published one when omitted.
    pub plan: Option<i64>,
}

/// Counts by status overall, by section and by unit (the bureau's roles).
#[utoipa::path(get, path = "/api/v1/dashboard", params(DashboardQuery), security(("bearer" = [])),
    responses((status = 200, body = Dashboard), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn dashboard(
    State(state): State<AppState>,
    who: CurrentUser,
    Query(q): Query<DashboardQuery>,
) -> ApiResult<Json<Dashboard>> {
    who.require(BUREAU)?;
    let plan_id = match q.plan {
        Some(id) => id,
        None => state.store.current_plan().await?.ok_or_else(ApiError::not_found)?,
    };
    let period = match q.period.as_deref() {
        Some(p) => Some(plan_period(&state, plan_id, p).await?),
        None => None,
    };
    let view = state.store.plan_view(plan_id, period, state.config.today(), &Default::default()).await?;
    Ok(Json(view.dashboard.clone()))
}

/// Attaches an evidence file (multipart field `file`) to a saved report that is a draft or
/// returned. The type is judged from the content: PDF, JPEG, PNG, Word, Excel or plain text,
/// at most 20 MB; at most 20 files a report, and the unit's daily allowance (the
/// `evidence_daily_mb` setting, 200 MB unless changed) in any 24 hours.
#[utoipa::path(post, path = "/api/v1/assignments/{id}/reports/{period}/evidence", params(("id" = i64, Path), ("period" = String, Path)),
    security(("bearer" = [])), request_body(content = FileUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = store::evidence::Evidence), (status = 404, body = Problem), (status = 409, body = Problem),
               (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn upload_evidence(
    State(state): State<AppState>,
    who: CurrentUser,
    Path((id, period)): Path<(i64, String)>,
    mut form: Multipart,
) -> ApiResult<(StatusCode, Json<store::evidence::Evidence>)> {
    who.require(&[Role::Reporter, Role::UnitHead])?;
    visible_assignment(&state, &who, id).await?;
    let period = assignment_period(&state, id, &period).await?;
    let (name, bytes) = file_field(&mut form, "附件").await?;
    use store::evidence::{AddError, Refusal};
    match state.store.add_evidence(id, period, &name, &bytes).await {
        Ok(e) => Ok((StatusCode::CREATED, Json(e))),
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

/// `Content-Disposition` for a download: an attachment with a UTF-8 file name, percent-encoded
/// (RFC 6266/5987), so Chinese names survive every browser.
pub(crate) fn attachment_disposition(file_name: &str) -> String {
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect();
    format!("attachment; filename*=UTF-8''{encoded}")
}

/// An evidence file as a download: always an attachment, never rendered by the browser.
pub(crate) fn attachment(e: &store::evidence::Evidence, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let headers = [
        (header::CONTENT_TYPE, e.content_type.clone()),
        (header::CONTENT_DISPOSITION, attachment_disposition(&e.file_name)),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
    ];
    (headers, bytes).into_response()
}

#[derive(Deserialize, IntoParams)]
pub struct SearchQuery {
    /// The words to find (Chinese is cut into words).
    #[param(min_length = 1, max_length = 100)]
    pub q: String,
}

/// Full-text search over items, measures and reports (a unit's users see their own reports).
#[utoipa::path(get, path = "/api/v1/search", params(SearchQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<store::search::Hit>), (status = 422, body = Problem)))]
pub async fn search(
    State(state): State<AppState>,
    who: CurrentUser,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<Vec<store::search::Hit>>> {
    let text = q.q.trim();
    if text.is_empty() || text.chars().count() > 100 {
        return Err(ApiError::invalid("q", "请输入 1—100 个字的检索词"));
    }
    let unit = if who.sees_all_units() { None } else { who.user.unit_id.or(Some(-1)) };
    Ok(Json(state.store.search(text, unit, 50).await?))
}

/// The caller's unit's notices (reporting opened, reminders, overdue, urges), newest first;
/// the bureau sees all.
#[utoipa::path(get, path = "/api/v1/notifications", security(("bearer" = [])),
    responses((status = 200, body = Vec<store::jobs::Notification>)))]
pub async fn notifications(
    State(state): State<AppState>,
    who: CurrentUser,
) -> ApiResult<Json<Vec<store::jobs::Notification>>> {
    let unit = if who.sees_all_units() { None } else { Some(who.user.unit_id.unwrap_or(-1)) };
    Ok(Json(state.store.notifications(unit, 100).await?))
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
    who: CurrentUser,
    Path(id): Path<i64>,
    body: Result<Json<UrgeRequest>, JsonRejection>,
) -> ApiResult<StatusCode> {
    who.require(SUPERVISION)?;
    let Json(req) = body?;
    let period = open_or_past_period(&state, &req.period)?;
    let message = req.message.trim();
    if message.is_empty() || message.chars().count() > 500 {
        return Err(ApiError::invalid("message", "催办内容须为 1—500 字"));
    }
    if !state.store.units().await?.iter().any(|u| u.id == id) {
        return Err(ApiError::not_found());
    }
    state.store.urge(id, &period.to_string(), message).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The parsed structure of a plan, as the review page edits it before publishing (the JSON
/// of `duban plan parse`).
#[utoipa::path(get, path = "/api/v1/plans/{id}/draft", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, description = "解析结果(与 duban plan parse --format json 相同)"), (status = 404, body = Problem)))]
pub async fn get_draft(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<plan::Plan>> {
    who.require(SUPERVISION)?;
    Ok(Json(state.store.parsed_plan(id).await?))
}

/// Replaces a draft's structure with a person's edits (titles, units, targets).
#[utoipa::path(put, path = "/api/v1/plans/{id}/draft", params(("id" = i64, Path)), security(("bearer" = [])),
    request_body(content = Object, description = "编辑后的解析结果(与 duban plan parse --format json 相同)"),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn put_draft(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
    body: Result<Json<plan::Plan>, JsonRejection>,
) -> ApiResult<StatusCode> {
    who.require(SUPERVISION)?;
    let Json(edited) = body?;
    if edited.items.is_empty() {
        return Err(ApiError::invalid("items", "工作要点至少要有一个条目"));
    }
    if let Some(item) = edited.items.iter().find(|i| i.title.trim().is_empty()) {
        return Err(ApiError::invalid(&format!("items.{}.title", item.number), "条目标题不能为空"));
    }
    if let Some(problem) = plan::limits::size_problem(&edited) {
        return Err(ApiError::invalid("items", problem));
    }
    state.store.update_draft(id, &edited).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct InstructionRequest {
    pub text: String,
}

/// Leaders' 批示 on a task; a unit's users read those of their own tasks.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/instructions", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<store::instructions::Instruction>), (status = 404, body = Problem)))]
pub async fn list_instructions(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<store::instructions::Instruction>>> {
    if !who.sees_all_units() && !state.store.unit_in_task(who.user.unit_id.unwrap_or(-1), id).await? {
        return Err(ApiError::not_found());
    }
    Ok(Json(state.store.instructions(id).await?))
}

/// Leaves a 批示 (领导, 督办管理员).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/instructions", params(("id" = i64, Path)), request_body = InstructionRequest,
    security(("bearer" = [])),
    responses((status = 201, body = store::instructions::Instruction), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_instruction(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
    body: Result<Json<InstructionRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<store::instructions::Instruction>)> {
    who.require(&[Role::Leader, Role::Supervisor])?;
    let Json(req) = body?;
    Ok((StatusCode::CREATED, Json(state.store.add_instruction(id, who.user.id, &req.text).await?)))
}

/// The unit directory (every signed-in user: the unit picker needs it).
#[utoipa::path(get, path = "/api/v1/units", security(("bearer" = [])), responses((status = 200, body = Vec<store::directory::Unit>)))]
pub async fn units(State(state): State<AppState>, _who: CurrentUser) -> ApiResult<Json<Vec<store::directory::Unit>>> {
    Ok(Json(state.store.units().await?))
}

/// The optional `Idempotency-Key` header of a write, bound to the request it came with: a
/// retry of the same request (method, path and body alike) gets the first answer again
/// instead of repeating the write; the same key on any other request is refused (422), never
/// answered with another request's answer.
pub struct IdempotencyKey(Option<Keyed>);

struct Keyed {
    key: String,
    /// `METHOD /concrete/path SHA-256-of-the-body`, what the key is bound to.
    request: String,
}

/// A write's body extractor `T`, with its idempotency key (the body is read once, hashed,
/// and handed on to `T`). The last argument of a handler, as it reads the body.
pub struct Idempotent<T>(pub IdempotencyKey, pub T);

impl<S, T> axum::extract::FromRequest<S> for Idempotent<T>
where
    S: Send + Sync,
    T: axum::extract::FromRequest<S>,
{
    type Rejection = axum::response::Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::body::{Body, Bytes};
        let inner = |req| async move { T::from_request(req, state).await.map_err(IntoResponse::into_response) };
        let key = match req.headers().get("idempotency-key") {
            None => return Ok(Idempotent(IdempotencyKey(None), inner(req).await?)),
            Some(v) => {
                let key = v
                    .to_str()
                    .map_err(|_| ApiError::bad_request("Idempotency-Key 须为可见 ASCII 字符").into_response())?
                    .trim();
                if key.is_empty() || key.len() > 200 {
                    return Err(ApiError::bad_request("Idempotency-Key 长度须为 1—200").into_response());
                }
                key.to_string()
            }
        };
        let (parts, body) = req.into_parts();
        // Read within the route's body limit, like any extractor of the body.
        let bytes =
            Bytes::from_request(axum::extract::Request::from_parts(parts.clone(), body), state).await.map_err(|r| {
                let e = if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "请求体过大")
                } else {
                    ApiError::bad_request("请求体无法读取")
                };
                e.into_response()
            })?;
        let request = {
            use sha2::{Digest, Sha256};
            let hash: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
            format!("{} {} {hash}", parts.method, parts.uri.path())
        };
        let body = inner(axum::extract::Request::from_parts(parts, Body::from(bytes))).await?;
        Ok(Idempotent(IdempotencyKey(Some(Keyed { key, request })), body))
    }
}

/// The body of a write that takes none: whatever is sent is ignored (but still counts in
/// what an idempotency key is bound to).
pub struct NoBody;

impl<S: Send + Sync> axum::extract::FromRequest<S> for NoBody {
    type Rejection = std::convert::Infallible;

    async fn from_request(_: axum::extract::Request, _: &S) -> Result<Self, Self::Rejection> {
        Ok(NoBody)
    }
}

/// Runs `write` once per idempotency key and user; without a key, just runs it. Only
/// successful answers are remembered, so a request that failed can be retried.
async fn idempotent(
    state: &AppState,
    who: &CurrentUser,
    key: &IdempotencyKey,
    write: impl std::future::Future<Output = ApiResult<Report>>,
) -> ApiResult<Json<serde_json::Value>> {
    let Some(Keyed { key, request }) = &key.0 else {
        let report = write.await?;
        return serde_json::to_value(&report).map(Json).map_err(|_| ApiError::bad_request("无法生成应答"));
    };
    if let Some((bound, stored)) = state.store.idempotent_response(who.user.id, key).await? {
        if bound != *request {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "该 Idempotency-Key 已用于另一个请求(操作、对象或内容不同),本次请求未执行;新的请求请使用新的键",
            ));
        }
        let value: serde_json::Value =
            serde_json::from_str(&stored).map_err(|_| ApiError::bad_request("Idempotency-Key 已用于其他请求"))?;
        return Ok(Json(value));
    }
    let report = write.await?;
    let value = serde_json::to_value(&report).map_err(|_| ApiError::bad_request("无法保存应答"))?;
    state.store.remember_response(who.user.id, key, request, &value.to_string()).await?;
    Ok(Json(value))
}

/// Archives a published plan (督办管理员).
#[utoipa::path(post, path = "/api/v1/plans/{id}/archive", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = PlanRow), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn archive_plan(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<PlanRow>> {
    who.require(SUPERVISION)?;
    Ok(Json(state.store.archive_plan(id).await?))
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
    who.require(&[Role::UnitHead])?;
    visible_assignment(&state, &who, id).await?;
    let period = assignment_period(&state, id, &period).await?;
    let Json(req) = body?;
    Ok(Json(state.store.signoff_report(id, period, req.decision, req.comment.as_deref(), Some(who.user.id)).await?))
}

/// System settings a 系统管理员 may change.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Settings {
    /// Reports of 单位填报员 go to their 单位负责人 before the bureau.
    pub require_signoff: bool,
    /// Passwords older than this many days must be changed at the next sign-in; 0 means
    /// never. Left out of a PUT, it stays as it was.
    #[serde(default)]
    pub password_max_age_days: Option<u32>,
    /// What one unit may upload as evidence in any 24 hours, in MB (1—102400; 200 unless
    /// changed). Left out of a PUT, it stays as it was.
    #[serde(default)]
    pub evidence_daily_mb: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/settings", security(("bearer" = [])), responses((status = 200, body = Settings), (status = 403, body = Problem)))]
pub async fn get_settings(State(state): State<AppState>, who: CurrentUser) -> ApiResult<Json<Settings>> {
    who.require(&[Role::Admin])?;
    Ok(Json(Settings {
        require_signoff: state.store.setting("require_signoff").await?.as_deref() == Some("true"),
        password_max_age_days: Some(state.store.password_max_age_days().await?),
        evidence_daily_mb: Some(state.store.evidence_daily_mb().await?),
    }))
}

#[utoipa::path(put, path = "/api/v1/settings", request_body = Settings, security(("bearer" = [])),
    responses((status = 200, body = Settings), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_settings(
    State(state): State<AppState>,
    who: CurrentUser,
    body: Result<Json<Settings>, JsonRejection>,
) -> ApiResult<Json<Settings>> {
    who.require(&[Role::Admin])?;
    let Json(mut settings) = body?;
    if let Some(days) = settings.password_max_age_days {
        state.store.set_password_max_age_days(days).await?;
    }
    if let Some(mb) = settings.evidence_daily_mb {
        state.store.set_evidence_daily_mb(mb).await?;
    }
    state.store.set_setting("require_signoff", if settings.require_signoff { "true" } else { "false" }).await?;
    settings.password_max_age_days = Some(state.store.password_max_age_days().await?);
    settings.evidence_daily_mb = Some(state.store.evidence_daily_mb().await?);
    Ok(Json(settings))
}

#[cfg(test)]
mod tests {
    use super::accepts_gzip;

    #[test]
    fn gzip_is_sent_only_when_the_client_takes_it() {
        for yes in ["gzip", "gzip, deflate, br, zstd", "br;q=1.0, GZIP;q=0.5", "*", "deflate, *;q=0.1"] {
            assert!(accepts_gzip(yes), "{yes}");
        }
        for no in ["", "identity", "br, deflate", "gzip;q=0", "gzip; q=0.0, br", "x-gzip-like"] {
            assert!(!accepts_gzip(no), "{no}");
        }
    }
}
