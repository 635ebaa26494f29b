//! The account pages: changing one's password (required after the first sign-in and after an
//! administrator's reset), signing out everywhere, the administrators' resets and role
//! changes, and the audit log for the audit administrator.

use super::{AuditFilter, csv_download, export_event};
use crate::AppState;
use crate::pages::CsrfForm;
use crate::pages::PageError;
use crate::pages::PageResult;
use crate::pages::Viewer;
use crate::pages::filters;
use crate::pages::redirect_with;
use crate::pages::render;
use crate::pages::render_status;
use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::http::header;
use serde::Deserialize;
use std::collections::BTreeMap;
use store::StoreError;
use store::accounts::PasswordChange;
use store::accounts::RoleChange;
use store::audit::AuditCheck;
use store::audit::AuditRecord;
use store::users::Role;

#[derive(Template)]
#[template(path = "account_password.html")]
struct PasswordPage {
    ctx: crate::pages::Ctx,
    required: bool,
    errors: BTreeMap<String, String>,
}

impl PasswordPage {
    fn err(&self, k: &str) -> Option<&String> {
        self.errors.get(k)
    }
}

pub async fn password_form(viewer: Viewer) -> PageResult {
    let required = viewer.user().must_change_password;
    render(&PasswordPage { ctx: viewer.ctx, required, errors: BTreeMap::new() })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn change_password(State(state): State<AppState>, viewer: Viewer, Form(f): Form<PasswordForm>) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let required = viewer.user().must_change_password;
    let mut errors = BTreeMap::new();
    if f.new_password != f.confirm_password {
        errors.insert("confirm_password".to_string(), "两次输入的新密码不一致".to_string());
    } else {
        let change =
            state.store.change_own_password(viewer.user().id, &f.current_password, &f.new_password, &viewer.token);
        match change.await {
            Ok(PasswordChange::Changed) => {
                let to = crate::policy::landing(viewer.user().role);
                return Ok(redirect_with(to, "密码已修改,其他设备上的登录已退出"));
            }
            // Guessing the current password is throttled like signing in (the same count).
            Ok(PasswordChange::Locked { minutes }) => {
                errors.insert("current_password".to_string(), crate::error::locked_message(minutes));
                let page = PasswordPage { ctx: viewer.ctx, required, errors };
                return Ok(super::with_retry_after(render_status(StatusCode::TOO_MANY_REQUESTS, &page)?, minutes));
            }
            Err(StoreError::Invalid { field, message }) => {
                errors.insert(field, message);
            }
            Err(e) => return Err(e.into()),
        }
    }
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &PasswordPage { ctx: viewer.ctx, required, errors })
}

/// Ends every session of the user, this one included.
pub async fn logout_all(State(state): State<AppState>, viewer: Viewer, Form(f): Form<CsrfForm>) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let n = state.store.revoke_sessions(viewer.user().id, None).await?;
    let mut r = redirect_with("/login", &format!("已在所有设备上退出登录(共 {n} 处)"));
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("duban_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(r)
}

/// An administrator asks for a one-time code for a user; the page shows its first half.
pub async fn reset_password(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let target = state.store.user(id).await?;
    if !store::accounts::may_reset(viewer.user().role, target.role) || target.id == viewer.user().id {
        return Err(PageError::Forbidden);
    }
    match state.store.request_reset(viewer.user(), id).await {
        Ok((r, half)) => {
            let notice = format!(
                "已申请为“{}”生成一次性登录码。前半段:{half}(只显示这一次)。须另一位管理员在本页确认后得到后半段;\
                 用户用两段连在一起登录,并立即设置自己的密码",
                r.username
            );
            super::users_pages::users_with_notice(&state, viewer, notice).await
        }
        Err(StoreError::Conflict(message)) | Err(StoreError::Invalid { message, .. }) => {
            Err(PageError::BadRequest(message))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    role: String,
}

/// The security administrator gives a user another role; a business role waits for a second
/// administrator.
pub async fn set_role(
    State(state): State<AppState>,
    viewer: Viewer,
    slot: crate::security::AuditSlot,
    Path(id): Path<i64>,
    Form(f): Form<RoleForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let role = Role::parse(&f.role).ok_or_else(|| PageError::BadRequest("请选择角色".into()))?;
    let before = state.store.user(id).await?;
    match state.store.request_role(viewer.user(), id, role).await {
        Ok(RoleChange::Applied(after)) => {
            slot.set_detail(serde_json::json!({"before": {"role": before.role}, "after": {"role": after.role}}));
            Ok(redirect_with("/admin/users", &format!("“{}”的角色已改为{}", after.username, role.label())))
        }
        Ok(RoleChange::Pending(r)) => {
            slot.set_detail(serde_json::json!({"requested": {"role": role}, "request": r.id}));
            Ok(redirect_with("/admin/users", &format!("已申请{},须另一位管理员确认后生效", r.describe())))
        }
        Err(StoreError::Conflict(message)) | Err(StoreError::Invalid { message, .. }) => {
            Err(PageError::BadRequest(message))
        }
        Err(e) => Err(e.into()),
    }
}

/// Another administrator confirms a request (`confirm`) or refuses it.
async fn decide(
    state: AppState,
    viewer: Viewer,
    slot: crate::security::AuditSlot,
    id: i64,
    csrf: &str,
    confirm: bool,
) -> PageResult {
    viewer.check_csrf(csrf)?;
    let d = match state.store.decide_request(viewer.user(), id, confirm).await {
        Ok(d) => d,
        Err(StoreError::Conflict(message)) | Err(StoreError::Invalid { message, .. }) => {
            return Err(PageError::BadRequest(message));
        }
        Err(e) => return Err(e.into()),
    };
    slot.set_detail(serde_json::json!({"request": d.request.id, "kind": d.request.kind, "user": d.request.username,
        "role": d.request.role, "requested_by": d.request.requested_by, "state": d.request.state}));
    let notice = match (&d.code_half, confirm) {
        (Some(half), _) => format!(
            "已确认。“{}”的一次性登录码后半段:{half}(只显示这一次);前半段在提出申请的管理员{}处",
            d.user.username, d.request.requested_by
        ),
        (None, true) => format!("已确认:{}", d.request.describe()),
        (None, false) => format!("已拒绝:{}", d.request.describe()),
    };
    super::users_pages::users_with_notice(&state, viewer, notice).await
}

pub async fn confirm_request(
    State(state): State<AppState>,
    viewer: Viewer,
    slot: crate::security::AuditSlot,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    decide(state, viewer, slot, id, &f.csrf, true).await
}

pub async fn reject_request(
    State(state): State<AppState>,
    viewer: Viewer,
    slot: crate::security::AuditSlot,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    decide(state, viewer, slot, id, &f.csrf, false).await
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: crate::pages::Ctx,
    records: Vec<AuditRecord>,
    check: String,
    intact: bool,
    filter: AuditFilter,
    query: String,
    older: Option<String>,
}

const PAGE: i64 = 100;

pub async fn audit(State(state): State<AppState>, viewer: Viewer, Query(filter): Query<AuditFilter>) -> PageResult {
    let q = filter.query(PAGE).map_err(PageError::BadRequest)?;
    let records = state.store.audit_records(&q).await?;
    let (check, intact) = match state.store.verify_audit().await? {
        AuditCheck::Intact { records } => (format!("审计链完整:共 {records} 条记录,逐条校验通过"), true),
        AuditCheck::Broken { reason, .. } => (format!("审计链已被破坏:{reason}"), false),
    };
    let query = filter.encoded();
    let older = (records.len() as i64 == PAGE).then(|| {
        let last = records.last().map_or(0, |r| r.id);
        if query.is_empty() { format!("before={last}") } else { format!("{query}&before={last}") }
    });
    render(&AuditPage { ctx: viewer.ctx, records, check, intact, filter, query, older })
}

/// The filtered records as a csv file (all of them, newest first).
pub async fn export(
    State(state): State<AppState>,
    viewer: Viewer,
    ip: crate::security::ClientIp,
    Query(filter): Query<AuditFilter>,
) -> PageResult {
    let q = filter.query(10_000).map_err(PageError::BadRequest)?;
    let records = state.store.audit_records(&q).await?;
    crate::security::record(&state, export_event(viewer.user(), &ip, &filter.encoded(), records.len())).await;
    Ok(csv_download(&records))
}
