//! Signing in and out. The session token lives in an HttpOnly, SameSite=Strict cookie; the
//! database keeps only its hash, with an idle timeout and an absolute lifetime.

use super::{sign_in_event, with_retry_after};
use crate::AppState;
use crate::error::locked_message;
use crate::pages::CsrfForm;
use crate::pages::PageError;
use crate::pages::PageResult;
use crate::pages::SESSION_COOKIE;
use crate::pages::SESSION_HOURS;
use crate::pages::Viewer;
use crate::pages::render;
use crate::pages::render_status;
use crate::security::ClientIp;
use askama::Template;
use axum::Form;
use axum::extract::Query;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::http::header;
use axum::response::IntoResponse;
use axum::response::Redirect;
use serde::Deserialize;
use store::accounts::SignIn;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    username: String,
    next: String,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: Option<String>,
}

/// Only paths on this site: `//evil.example` or `https://…` would make the login form an
/// open redirect.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => n.to_string(),
        _ => "/home".to_string(),
    }
}

pub async fn login_form(headers: HeaderMap, Query(q): Query<LoginQuery>) -> PageResult {
    let notice = crate::pages::flash_of(&headers);
    render(&LoginPage { username: String::new(), next: safe_next(q.next.as_deref()), error: None, notice })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// A cross-site form cannot sign a browser in: when the browser says where the form came
/// from, it must be this site.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return true };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    origin == "null" && host.is_empty()
        || origin.split_once("://").is_some_and(|(_, rest)| rest.trim_end_matches('/') == host)
}

/// The sign-in form with a message, answered with 429 (too many attempts).
pub fn too_many(message: &str) -> axum::response::Response {
    render_status(
        StatusCode::TOO_MANY_REQUESTS,
        &LoginPage { username: String::new(), next: "/home".into(), error: Some(message.to_string()), notice: None },
    )
    .unwrap_or_else(|e| e.into_response())
}

pub async fn login(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> PageResult {
    if !same_origin(&headers) {
        return Err(PageError::Csrf);
    }
    let next = safe_next(f.next.as_deref());
    let fail = |message: &str| {
        render_status(
            StatusCode::UNAUTHORIZED,
            &LoginPage {
                username: f.username.clone(),
                next: next.clone(),
                error: Some(message.to_string()),
                notice: None,
            },
        )
    };
    if f.username.trim().is_empty() || f.password.is_empty() {
        return fail("请输入用户名和密码");
    }
    let outcome = state.store.sign_in(f.username.trim(), &f.password).await?;
    crate::security::record(&state, sign_in_event(f.username.trim(), &ip, &outcome, "page")).await;
    let user = match outcome {
        SignIn::Ok(user) => user,
        // The same answer for an unknown name and a wrong password.
        SignIn::Refused => return fail("用户名或密码错误"),
        SignIn::Locked { minutes } => {
            let page = LoginPage {
                username: f.username.clone(),
                next: next.clone(),
                error: Some(locked_message(minutes)),
                notice: None,
            };
            return Ok(with_retry_after(render_status(StatusCode::TOO_MANY_REQUESTS, &page)?, minutes));
        }
    };
    let token = state.store.create_token(user.id, "web", SESSION_HOURS).await?;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        SESSION_HOURS * 3600,
        if state.config.secure_cookies { "; Secure" } else { "" }
    );
    // A password to change first: the change page, then where the user was going.
    let target = if user.must_change_password { "/account/password".to_string() } else { next };
    let mut r = Redirect::to(&target).into_response();
    r.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).map_err(|_| PageError::Internal)?);
    Ok(r)
}

pub async fn logout(State(state): State<AppState>, viewer: Viewer, Form(f): Form<CsrfForm>) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    state.store.revoke_token(&viewer.token).await?;
    let mut r = crate::pages::redirect_with("/login", "您已退出登录");
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("duban_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(r)
}
