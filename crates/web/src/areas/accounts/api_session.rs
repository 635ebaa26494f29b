//! Signing in and out, the caller, users, notices and settings (JSON).

use crate::AppState;
use crate::api::auth::CurrentUser;
use crate::error::ApiError;
use crate::error::ApiResult;
use crate::error::Problem;
use crate::wire;
use crate::wire::accounts::{Notification, User};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;

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
    crate::security::record(&state, super::sign_in_event(req.username.trim(), &ip, &outcome, "api")).await;
    let user = match outcome {
        store::accounts::SignIn::Ok(user) => user,
        // The same answer for an unknown name and a wrong password.
        store::accounts::SignIn::Refused => {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "bad_credentials", "用户名或密码错误"));
        }
        store::accounts::SignIn::Locked { minutes } => return Err(ApiError::account_locked(minutes)),
    };
    let token = state.store.create_token(user.id, "api", 8).await?;
    Ok(Json(LoginResponse { token, user: user.into() }))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", security(("bearer" = [])), responses((status = 204)))]
pub async fn logout(State(state): State<AppState>, who: CurrentUser) -> ApiResult<StatusCode> {
    state.store.revoke_token(&who.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/me", security(("bearer" = [])), responses((status = 200, body = User), (status = 401, body = Problem)))]
pub async fn me(who: CurrentUser) -> Json<User> {
    Json(who.user.into())
}

/// Every user with role and unit (系统管理员, 安全管理员).
#[utoipa::path(get, path = "/api/v1/users", security(("bearer" = [])), responses((status = 200, body = Vec<User>), (status = 403, body = Problem)))]
pub async fn users(State(state): State<AppState>, _who: CurrentUser) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(wire::list(state.store.users().await?)))
}

/// The caller's unit's notices (reporting opened, reminders, overdue, urges), newest first;
/// the bureau sees all.
#[utoipa::path(get, path = "/api/v1/notifications", security(("bearer" = [])),
    responses((status = 200, body = Vec<Notification>)))]
pub async fn notifications(State(state): State<AppState>, who: CurrentUser) -> ApiResult<Json<Vec<Notification>>> {
    let unit = if who.sees_all_units() { None } else { Some(who.user.unit_id.unwrap_or(-1)) };
    Ok(Json(wire::list(state.store.notifications(unit, 100).await?)))
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
pub async fn get_settings(State(state): State<AppState>, _who: CurrentUser) -> ApiResult<Json<Settings>> {
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
    _who: CurrentUser,
    body: Result<Json<Settings>, JsonRejection>,
) -> ApiResult<Json<Settings>> {
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
