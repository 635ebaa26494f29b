//! The account pages: changing one's password (required after the first sign-in and after an
//! administrator's reset), signing out everywhere, the administrators' resets and role
//! changes, and the audit log for the audit administrator.

use super::{CsrfForm, PageError, PageResult, Viewer, redirect_with, render, render_status};
use crate::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use std::collections::BTreeMap;
use store::StoreError;
use store::audit::{AuditCheck, AuditQuery, AuditRecord};
use store::users::Role;

/// Where a role's work starts.
pub fn landing(role: Role) -> &'static str {
    match role {
        Role::AuditAdmin => "/admin/audit",
        Role::SecurityAdmin => "/admin/users",
        _ => "/home",
    }
}

#[derive(Template)]
#[template(path = "account_password.html")]
struct PasswordPage {
    ctx: super::Ctx,
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
        match state.store.change_password(viewer.user().id, &f.current_password, &f.new_password, &viewer.token).await {
            Ok(()) => {
                let to = landing(viewer.user().role);
                return Ok(redirect_with(to, "密码已修改,其他设备上的登录已退出"));
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

/// Who may reset whose password: the system administrator resets the business roles'; the
/// security administrator resets the administrators' (so nobody can take over the account
/// that watches them).
pub fn may_reset(actor: Role, target: Role) -> bool {
    match actor {
        Role::Admin => !matches!(target, Role::Admin | Role::SecurityAdmin | Role::AuditAdmin),
        Role::SecurityAdmin => matches!(target, Role::Admin | Role::SecurityAdmin | Role::AuditAdmin),
        _ => false,
    }
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    password: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<ResetForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    viewer.require(&[Role::Admin, Role::SecurityAdmin])?;
    let target = state.store.user(id).await?;
    if !may_reset(viewer.user().role, target.role) || target.id == viewer.user().id {
        return Err(PageError::Forbidden);
    }
    match state.store.reset_password(id, &f.password).await {
        Ok(u) => Ok(redirect_with("/admin/users", &format!("已重置“{}”的密码,其下次登录时须修改密码", u.username))),
        Err(StoreError::Invalid { message, .. }) => Err(PageError::BadRequest(format!("临时密码不符合要求:{message}"))),
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

/// The security administrator gives a user another role.
pub async fn set_role(
    State(state): State<AppState>,
    viewer: Viewer,
    slot: crate::security::AuditSlot,
    Path(id): Path<i64>,
    Form(f): Form<RoleForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    viewer.require(&[Role::SecurityAdmin])?;
    let role = Role::parse(&f.role).ok_or_else(|| PageError::BadRequest("请选择角色".into()))?;
    if id == viewer.user().id {
        return Err(PageError::BadRequest("不能修改自己的角色".into()));
    }
    let before = state.store.user(id).await?;
    let after = state.store.set_role(id, role).await?;
    slot.set_detail(serde_json::json!({"before": {"role": before.role}, "after": {"role": after.role}}));
    Ok(redirect_with("/admin/users", &format!("“{}”的角色已改为{}", after.username, role.label())))
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: super::Ctx,
    records: Vec<AuditRecord>,
    check: String,
    intact: bool,
    filter: AuditFilter,
    query: String,
    older: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct AuditFilter {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub before: Option<i64>,
}

impl AuditFilter {
    pub fn query(&self, limit: i64) -> Result<AuditQuery, String> {
        let day = |s: &str, what: &str| -> Result<Option<String>, String> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("{what}格式应为 YYYY-MM-DD"))?;
            Ok(Some(s.to_string()))
        };
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Ok(AuditQuery {
            from: day(&self.from, "起始日期")?,
            to: day(&self.to, "截止日期")?,
            actor: text(&self.actor),
            action: text(&self.action),
            before_id: self.before,
            limit,
        })
    }

    fn encoded(&self) -> String {
        [("from", &self.from), ("to", &self.to), ("actor", &self.actor), ("action", &self.action)]
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", super::url_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

const PAGE: i64 = 100;

pub async fn audit(State(state): State<AppState>, viewer: Viewer, Query(filter): Query<AuditFilter>) -> PageResult {
    viewer.require(&[Role::AuditAdmin])?;
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
    viewer.require(&[Role::AuditAdmin])?;
    let q = filter.query(10_000).map_err(PageError::BadRequest)?;
    let records = state.store.audit_records(&q).await?;
    crate::security::record(&state, export_event(viewer.user(), &ip, &filter.encoded(), records.len())).await;
    Ok(csv_download(&records))
}

/// Reading the log out is itself recorded.
pub fn export_event(
    user: &store::users::User,
    ip: &crate::security::ClientIp,
    filter: &str,
    n: usize,
) -> store::audit::AuditEvent {
    store::audit::AuditEvent {
        actor_id: Some(user.id),
        actor: user.username.clone(),
        ip: ip.text(),
        action: "audit.export".into(),
        object: None,
        outcome: "ok".into(),
        detail: serde_json::json!({"filter": filter, "records": n}),
    }
}

pub fn csv_download(records: &[AuditRecord]) -> axum::response::Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename*=UTF-8''%E5%AE%A1%E8%AE%A1%E6%97%A5%E5%BF%97.csv"),
        ],
        store::audit::to_csv(records),
    )
        .into_response()
}
