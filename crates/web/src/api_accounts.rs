//! Accounts and the audit log over the API: one's own password and sessions; the system
//! administrator's accounts and resets; the security administrator's roles; the audit
//! administrator's log (三员分立).

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Path, Problem, Query};
use crate::pages::account::{AuditFilter, may_reset};
use crate::security::{AuditSlot, ClientIp};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use store::audit::{AuditCheck, AuditRecord};
use store::users::{NewUser, Role, User};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    /// At least 10 characters of three of the four classes, without the user name, not one
    /// of the last 5.
    pub new_password: String,
}

/// Changes the caller's password. Every other session of the caller ends.
#[utoipa::path(post, path = "/api/v1/me/password", request_body = ChangePasswordRequest, security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn change_password(
    State(state): State<AppState>,
    who: CurrentUser,
    body: Result<Json<ChangePasswordRequest>, JsonRejection>,
) -> ApiResult<StatusCode> {
    let Json(req) = body?;
    state.store.change_password(who.user.id, &req.current_password, &req.new_password, &who.token).await?;
    Ok(StatusCode::NO_CONTENT)
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

/// The roles the system administrator gives new accounts.
const BUSINESS_ROLES: &[Role] = &[Role::Reporter, Role::UnitHead, Role::Supervisor, Role::Leader];

#[derive(Deserialize, ToSchema)]
pub struct CreateUserRequest {
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    /// The initial password; the user must change it at the first sign-in.
    pub password: String,
    /// reporter, unit_head, supervisor or leader (administrators' roles are granted by the
    /// security administrator).
    pub role: Role,
    /// The unit's name (reporters and unit heads).
    #[serde(default)]
    pub unit: Option<String>,
}

/// Adds an account (系统管理员). The user must change the initial password at first sign-in.
#[utoipa::path(post, path = "/api/v1/users", request_body = CreateUserRequest, security(("bearer" = [])),
    responses((status = 201, body = User), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    who: CurrentUser,
    body: Result<Json<CreateUserRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<User>)> {
    who.require(&[Role::Admin])?;
    let Json(req) = body?;
    if !BUSINESS_ROLES.contains(&req.role) {
        return Err(ApiError::invalid("role", "管理员类角色由安全管理员授予"));
    }
    let display = if req.display_name.trim().is_empty() { req.username.trim() } else { req.display_name.trim() };
    let user = state
        .store
        .add_user(&NewUser {
            username: &req.username,
            display_name: display,
            password: &req.password,
            role: req.role,
            unit: req.unit.as_deref().filter(|u| !u.trim().is_empty()),
        })
        .await?;
    state.store.require_password_change(user.id).await?;
    Ok((StatusCode::CREATED, Json(state.store.user(user.id).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct ResetPasswordRequest {
    /// A temporary password (the policy applies); the user must change it at next sign-in.
    pub password: String,
}

/// Resets a user's password: the system administrator for the business roles, the security
/// administrator for the administrators. The user's sessions end and any lock lifts.
#[utoipa::path(post, path = "/api/v1/users/{id}/password", params(("id" = i64, Path)), request_body = ResetPasswordRequest,
    security(("bearer" = [])),
    responses((status = 200, body = User), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn reset_password(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
    body: Result<Json<ResetPasswordRequest>, JsonRejection>,
) -> ApiResult<Json<User>> {
    who.require(&[Role::Admin, Role::SecurityAdmin])?;
    let target = state.store.user(id).await?;
    if target.id == who.user.id || !may_reset(who.user.role, target.role) {
        return Err(ApiError::forbidden());
    }
    let Json(req) = body?;
    let user = state.store.reset_password(id, &req.password).await.map_err(|e| match e {
        store::StoreError::Invalid { message, .. } => ApiError::invalid("password", message),
        other => other.into(),
    })?;
    Ok(Json(user))
}

#[derive(Deserialize, ToSchema)]
pub struct RoleRequest {
    pub role: Role,
}

/// Gives a user another role (安全管理员). The user's sessions end so the role applies at once.
#[utoipa::path(put, path = "/api/v1/users/{id}/role", params(("id" = i64, Path)), request_body = RoleRequest,
    security(("bearer" = [])),
    responses((status = 200, body = User), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_role(
    State(state): State<AppState>,
    who: CurrentUser,
    slot: AuditSlot,
    Path(id): Path<i64>,
    body: Result<Json<RoleRequest>, JsonRejection>,
) -> ApiResult<Json<User>> {
    who.require(&[Role::SecurityAdmin])?;
    let Json(req) = body?;
    if id == who.user.id {
        return Err(ApiError::invalid("role", "不能修改自己的角色"));
    }
    let before = state.store.user(id).await?;
    let after = state.store.set_role(id, req.role).await?;
    slot.set_detail(serde_json::json!({"before": {"role": before.role}, "after": {"role": after.role}}));
    Ok(Json(after))
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
    who.require(&[Role::AuditAdmin])?;
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
        let event = crate::pages::account::export_event(&who.user, &ip, "api", records.len());
        crate::security::record(&state, event).await;
        return Ok(crate::pages::account::csv_download(&records));
    }
    Ok(Json(records).into_response())
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
pub async fn verify(State(state): State<AppState>, who: CurrentUser) -> ApiResult<Json<AuditVerification>> {
    who.require(&[Role::AuditAdmin])?;
    Ok(Json(match state.store.verify_audit().await? {
        AuditCheck::Intact { records } => {
            AuditVerification { intact: true, records: Some(records), broken_id: None, reason: None }
        }
        AuditCheck::Broken { id, reason } => {
            AuditVerification { intact: false, records: None, broken_id: Some(id), reason: Some(reason) }
        }
    }))
}
