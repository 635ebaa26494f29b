//! Accounts and the audit log over the API: one's own password and sessions; the system
//! administrator's accounts and resets; the security administrator's roles; the audit
//! administrator's log (三员分立).

use crate::AppState;
use crate::api::auth::CurrentUser;
use crate::error::ApiError;
use crate::error::ApiResult;
use crate::error::Path;
use crate::error::Problem;
use crate::error::Query;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;

use super::AuditFilter;
use crate::security::AuditSlot;
use crate::security::ClientIp;
use crate::wire;
use crate::wire::accounts::{AccountRequest, AuditRecord, Role, User};
use serde::Deserialize;
use serde::Serialize;
use store::accounts::NewAccount;
use store::accounts::PasswordChange;
use store::accounts::RoleChange;
use store::accounts::may_reset;
use store::audit::AuditCheck;
use utoipa::IntoParams;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    /// At least 10 characters of three of the four classes, without the user name, not one
    /// of the last 5.
    pub new_password: String,
}

/// Changes the caller's password. Every other session of the caller ends. A wrong current
/// password counts as a failed sign-in: after five in a row the name is locked (429 with
/// `Retry-After`, code `account_locked`), for signing in too.
#[utoipa::path(post, path = "/api/v1/me/password", request_body = ChangePasswordRequest, security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn change_password(
    State(state): State<AppState>,
    who: CurrentUser,
    body: Result<Json<ChangePasswordRequest>, JsonRejection>,
) -> ApiResult<StatusCode> {
    let Json(req) = body?;
    match state.store.change_own_password(who.user.id, &req.current_password, &req.new_password, &who.token).await? {
        PasswordChange::Changed => Ok(StatusCode::NO_CONTENT),
        PasswordChange::Locked { minutes } => Err(ApiError::account_locked(minutes)),
    }
}

#[derive(Serialize, ToSchema)]
pub struct LogoutAllResponse {
    /// How many sessions ended (this one included).
    pub ended: u64,
}

/// Signs the caller out everywhere: every browser session and API token, this one included.
#[utoipa::path(post, path = "/api/v1/me/logout-all", security(("bearer" = [])),
    responses((status = 200, body = LogoutAllResponse), (status = 401, body = Problem)))]
pub async fn logout_all(State(state): State<AppState>, who: CurrentUser) -> ApiResult<Json<LogoutAllResponse>> {
    Ok(Json(LogoutAllResponse { ended: state.store.revoke_sessions(who.user.id, None).await? }))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateUserRequest {
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    /// Not accepted: an administrator never chooses a user's password. The account signs in
    /// with a one-time code whose halves go to the administrator who made it and to the one
    /// who confirms.
    #[serde(default)]
    pub password: Option<String>,
    /// reporter, unit_head, supervisor or leader (administrators' roles are granted by the
    /// security administrator).
    pub role: Role,
    /// The unit's name (reporters and unit heads).
    #[serde(default)]
    pub unit: Option<String>,
}

/// A reset asked for: the request a second administrator must confirm, and the first half of
/// the one-time code (the second half goes to the administrator who confirms).
#[derive(Serialize, ToSchema)]
pub struct ResetAsked {
    pub request: AccountRequest,
    pub code_first_half: String,
}

/// An account made: it signs in only with the one-time code, once a second administrator has
/// confirmed the request.
#[derive(Serialize, ToSchema)]
pub struct AccountCreated {
    pub user: User,
    pub request: AccountRequest,
    pub code_first_half: String,
}

/// The refusal of a password an administrator tried to choose.
fn no_chosen_password() -> ApiError {
    ApiError::invalid(
        "password",
        "管理员不能设定用户的密码:系统生成一次性登录码,两位管理员各得一半,用户登录后须立即修改",
    )
}

/// Adds an account with a business role (系统管理员). It cannot sign in until a second
/// administrator confirms the one-time code's request (`POST /api/v1/users/requests/{id}/confirm`).
#[utoipa::path(post, path = "/api/v1/users", request_body = CreateUserRequest, security(("bearer" = [])),
    responses((status = 201, body = AccountCreated), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    who: CurrentUser,
    body: Result<Json<CreateUserRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<AccountCreated>)> {
    let Json(req) = body?;
    let role: store::users::Role = req.role.into();
    if !role.is_business() {
        return Err(ApiError::invalid("role", "管理员类角色由安全管理员授予"));
    }
    if req.password.is_some() {
        return Err(no_chosen_password());
    }
    let display = if req.display_name.trim().is_empty() { req.username.trim() } else { req.display_name.trim() };
    let (user, request, half) = state
        .store
        .create_account(
            &who.user,
            &NewAccount {
                username: &req.username,
                display_name: display,
                role,
                unit: req.unit.as_deref().filter(|u| !u.trim().is_empty()),
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(AccountCreated { user: user.into(), request: request.into(), code_first_half: half }),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ResetPasswordRequest {
    /// Not accepted (see `CreateUserRequest.password`); the body may be `{}`.
    #[serde(default)]
    pub password: Option<String>,
}

/// Asks for a one-time code for a user (a reset): the system administrator for the business
/// roles, the security administrator for the administrators. Nothing changes until a second
/// administrator confirms; then the user's sessions end, any lock lifts, and the user signs
/// in with the two halves of the code and must choose a new password at once.
#[utoipa::path(post, path = "/api/v1/users/{id}/password", params(("id" = i64, Path)), request_body = ResetPasswordRequest,
    security(("bearer" = [])),
    responses((status = 202, body = ResetAsked), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reset_password(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
    body: Result<Json<ResetPasswordRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<ResetAsked>)> {
    let target = state.store.user(id).await?;
    if target.id == who.user.id || !may_reset(who.user.role, target.role) {
        return Err(ApiError::forbidden());
    }
    let Json(req) = body?;
    if req.password.is_some() {
        return Err(no_chosen_password());
    }
    let (request, half) = state.store.request_reset(&who.user, id).await?;
    Ok((StatusCode::ACCEPTED, Json(ResetAsked { request: request.into(), code_first_half: half })))
}

#[derive(Deserialize, ToSchema)]
pub struct RoleRequest {
    pub role: Role,
}

/// Gives a user another role (安全管理员). A business role (reporter, unit_head, supervisor,
/// leader) is only asked for (202, the request): a second administrator must confirm it.
/// Other changes apply at once (200, the user). Either way the user's sessions end when the
/// role changes.
#[utoipa::path(put, path = "/api/v1/users/{id}/role", params(("id" = i64, Path)), request_body = RoleRequest,
    security(("bearer" = [])),
    responses((status = 200, body = User), (status = 202, body = AccountRequest), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_role(
    State(state): State<AppState>,
    who: CurrentUser,
    slot: AuditSlot,
    Path(id): Path<i64>,
    body: Result<Json<RoleRequest>, JsonRejection>,
) -> ApiResult<Response> {
    let Json(req) = body?;
    let before = state.store.user(id).await?;
    Ok(match state.store.request_role(&who.user, id, req.role.into()).await? {
        RoleChange::Applied(after) => {
            slot.set_detail(serde_json::json!({"before": {"role": before.role}, "after": {"role": after.role}}));
            Json(User::from(after)).into_response()
        }
        RoleChange::Pending(request) => {
            slot.set_detail(serde_json::json!({"requested": {"role": req.role}, "request": request.id}));
            (StatusCode::ACCEPTED, Json(AccountRequest::from(request))).into_response()
        }
    })
}

/// The requests waiting for a second administrator (系统管理员, 安全管理员).
#[utoipa::path(get, path = "/api/v1/users/requests", security(("bearer" = [])),
    responses((status = 200, body = Vec<AccountRequest>), (status = 403, body = Problem)))]
pub async fn requests(State(state): State<AppState>, _who: CurrentUser) -> ApiResult<Json<Vec<AccountRequest>>> {
    Ok(Json(wire::list(state.store.pending_requests().await?)))
}

/// A request decided: the account now and, for a confirmed reset, the code's second half.
#[derive(Serialize, ToSchema)]
pub struct RequestDecided {
    pub request: AccountRequest,
    pub user: User,
    pub code_second_half: Option<String>,
}

async fn decide(
    state: &AppState,
    who: &CurrentUser,
    slot: &AuditSlot,
    id: i64,
    confirm: bool,
) -> ApiResult<Json<RequestDecided>> {
    let d = state.store.decide_request(&who.user, id, confirm).await?;
    slot.set_detail(serde_json::json!({"request": d.request.id, "kind": d.request.kind, "user": d.request.username,
        "role": d.request.role, "requested_by": d.request.requested_by, "state": d.request.state}));
    Ok(Json(RequestDecided { request: d.request.into(), user: d.user.into(), code_second_half: d.code_half }))
}

/// Confirms another administrator's request (the one who asked and the user it is about
/// cannot): a role applies; a reset gives the one-time code's second half.
#[utoipa::path(post, path = "/api/v1/users/requests/{id}/confirm", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = RequestDecided), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn confirm_request(
    State(state): State<AppState>,
    who: CurrentUser,
    slot: AuditSlot,
    Path(id): Path<i64>,
) -> ApiResult<Json<RequestDecided>> {
    decide(&state, &who, &slot, id, true).await
}

/// Refuses another administrator's request: nothing changes.
#[utoipa::path(post, path = "/api/v1/users/requests/{id}/reject", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = RequestDecided), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reject_request(
    State(state): State<AppState>,
    who: CurrentUser,
    slot: AuditSlot,
    Path(id): Path<i64>,
) -> ApiResult<Json<RequestDecided>> {
    decide(&state, &who, &slot, id, false).await
}

#[derive(Deserialize, IntoParams)]
pub struct AuditParams {
    /// From this day, YYYY-MM-DD.
    pub from: Option<String>,
    /// To this day, YYYY-MM-DD.
    pub to: Option<String>,
    /// A user name.
    pub actor: Option<String>,
    /// An action key or its prefix, e.g. `login` or `report.`.
    pub action: Option<String>,
    /// Records with an id below this (paging backwards).
    pub before: Option<i64>,
    /// At most this many (default 100, at most 10000).
    pub limit: Option<i64>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// The audit log, newest first (审计管理员 only), as JSON or csv.
#[utoipa::path(get, path = "/api/v1/audit", params(AuditParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<AuditRecord>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn audit(
    State(state): State<AppState>,
    who: CurrentUser,
    ip: ClientIp,
    Query(p): Query<AuditParams>,
) -> ApiResult<Response> {
    let filter = AuditFilter {
        from: p.from.unwrap_or_default(),
        to: p.to.unwrap_or_default(),
        actor: p.actor.unwrap_or_default(),
        action: p.action.unwrap_or_default(),
        before: p.before,
    };
    let csv = match p.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => return Err(ApiError::invalid("format", format!("格式“{other}”无效,可用 json、csv"))),
    };
    let q = filter.query(p.limit.unwrap_or(100)).map_err(|m| ApiError::invalid("from", m))?;
    let records = state.store.audit_records(&q).await?;
    if csv {
        let event = super::export_event(&who.user, &ip, "api", records.len());
        crate::security::record(&state, event).await;
        return Ok(super::csv_download(&records));
    }
    Ok(Json(wire::list::<_, AuditRecord>(records)).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct AuditVerification {
    pub intact: bool,
    pub records: Option<i64>,
    /// The first record that does not fit.
    pub broken_id: Option<i64>,
    pub reason: Option<String>,
}

/// Checks the whole hash chain (审计管理员 only).
#[utoipa::path(get, path = "/api/v1/audit/verify", security(("bearer" = [])),
    responses((status = 200, body = AuditVerification), (status = 403, body = Problem)))]
pub async fn verify(State(state): State<AppState>, _who: CurrentUser) -> ApiResult<Json<AuditVerification>> {
    Ok(Json(match state.store.verify_audit().await? {
        AuditCheck::Intact { records } => {
            AuditVerification { intact: true, records: Some(records), broken_id: None, reason: None }
        }
        AuditCheck::Broken { id, reason } => {
            AuditVerification { intact: false, records: None, broken_id: Some(id), reason: Some(reason) }
        }
    }))
}
