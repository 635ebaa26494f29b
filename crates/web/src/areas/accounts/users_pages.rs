//! The unit directory and the users: kept by the system administrator (and, for the
//! directory, the supervision office).

use crate::AppState;
use crate::pages::PageResult;
use crate::pages::Viewer;
use crate::pages::filters;
use crate::pages::render;
use crate::pages::render_status;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use std::collections::BTreeMap;
use store::StoreError;
use store::accounts::AccountRequest;
use store::accounts::NewAccount;
use store::directory::Unit;
use store::users::Role;
use store::users::User;

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    ctx: crate::pages::Ctx,
    users: Vec<User>,
    requests: Vec<AccountRequest>,
    roles: Vec<(&'static str, &'static str)>,
    units: Vec<Unit>,
    typed: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
}

impl UsersPage {
    fn typed(&self, k: &str) -> String {
        self.typed.get(k).cloned().unwrap_or_default()
    }
    fn err(&self, k: &str) -> Option<&String> {
        self.errors.get(k)
    }
    /// Whether the viewer may reset this user's password.
    fn can_reset(&self, u: &User) -> bool {
        u.id != self.ctx.user.id && store::accounts::may_reset(self.ctx.user.role, u.role)
    }
    /// Whether the viewer may confirm or refuse this request (another administrator's).
    fn can_decide(&self, r: &AccountRequest) -> bool {
        store::accounts::may_decide(&self.ctx.user, r)
    }
    fn has_role(&self, u: &User, key: &str) -> bool {
        u.role.key() == key
    }
    fn all_roles(&self) -> Vec<(&'static str, &'static str)> {
        Role::ALL.iter().map(|r| (r.key(), r.label())).collect()
    }
}

/// The roles the system administrator gives new accounts (the business roles); the
/// administrators' roles are the security administrator's to grant (三员分立).
const ROLES: [Role; 4] = [Role::Reporter, Role::UnitHead, Role::Supervisor, Role::Leader];

async fn users_page(
    state: &AppState,
    viewer: Viewer,
    typed: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
) -> Result<UsersPage, crate::pages::PageError> {
    Ok(UsersPage {
        ctx: viewer.ctx,
        users: state.store.users().await?,
        requests: state.store.pending_requests().await?,
        roles: ROLES.iter().map(|r| (r.key(), r.label())).collect(),
        units: state.store.units().await?.into_iter().filter(|u| u.kind != "group").collect(),
        typed,
        errors,
    })
}

/// The users page with a message shown once, on this answer only (a code's half is never put
/// in a cookie or a URL).
pub(super) async fn users_with_notice(state: &AppState, mut viewer: Viewer, notice: String) -> PageResult {
    viewer.ctx.flash = Some(notice);
    render(&users_page(state, viewer, BTreeMap::new(), BTreeMap::new()).await?)
}

pub async fn users(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    render(&users_page(&state, viewer, BTreeMap::new(), BTreeMap::new()).await?)
}

pub async fn add_user(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let typed: BTreeMap<String, String> = fields.iter().cloned().collect();
    viewer.check_csrf(typed.get("_csrf").map(String::as_str).unwrap_or(""))?;
    let get = |k: &str| typed.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let mut errors = BTreeMap::new();
    let role = Role::parse(&get("role")).filter(|r| ROLES.contains(r));
    if role.is_none() {
        errors.insert("role".to_string(), "请选择角色".to_string());
    }
    if let (Some(role), true) = (role, errors.is_empty()) {
        let unit = get("unit");
        let new = NewAccount {
            username: &get("username"),
            display_name: &get("display_name"),
            role,
            unit: Some(unit.as_str()).filter(|u| !u.is_empty()),
        };
        match state.store.create_account(viewer.user(), &new).await {
            Ok((u, _, half)) => {
                let notice = format!(
                    "已添加用户“{}”。一次性登录码的前半段:{half}(只显示这一次)。须另一位管理员在本页确认后得到后半段;\
                     用户用两段连在一起登录,并立即设置自己的密码",
                    u.username
                );
                return users_with_notice(&state, viewer, notice).await;
            }
            Err(StoreError::Invalid { field, message }) => {
                errors.insert(field, message);
            }
            Err(StoreError::Conflict(message)) => {
                errors.insert("username".to_string(), message);
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut typed = typed;
    typed.remove("password");
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &users_page(&state, viewer, typed, errors).await?)
}
