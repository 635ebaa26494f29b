//! The HTML pages people work in: server-rendered Chinese pages (askama templates under
//! `templates/`), plain forms that work without JavaScript, a session cookie, and a CSRF token
//! on every form. Handlers call the same `store` operations as the JSON API, so a page and an
//! API response can never disagree about a figure.
//!
//! Page contract relied on by the browser tests (`crates/cli/tests/browser.rs`): every page
//! has `<main id="main">`; flash messages in `.flash`; a form's overall error in `.form-error`;
//! a field's error in `#error-<field>`; a signed-in page has `form#logout-form`.
//!
//! This module is the pages' plumbing (the signed-in viewer, flash messages, errors, rendering);
//! the page handlers live in their areas (`crate::areas::*::*pages`).

pub mod charts;

use crate::AppState;
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};
use store::StoreError;
use store::users::User;

/// The session cookie's name. The cookie holds a token; the database holds its hash.
pub const SESSION_COOKIE: &str = "duban_session";
/// How long a signed-in browser may stay idle before it has to sign in again.
pub const IDLE_MINUTES: i64 = store::users::IDLE_MINUTES;
/// The longest a session lives, however active.
pub const SESSION_HOURS: i64 = 12;

pub(crate) async fn css() -> impl IntoResponse {
    static_asset("text/css; charset=utf-8", include_str!("../../static/app.css"))
}

pub(crate) async fn js() -> impl IntoResponse {
    static_asset("text/javascript; charset=utf-8", include_str!("../../static/app.js"))
}

pub(crate) async fn favicon() -> impl IntoResponse {
    static_asset("image/svg+xml", include_str!("../../static/favicon.svg"))
}

fn static_asset(content_type: &'static str, body: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    r
}

/// The CSRF token of a session: derived from the session token, which only the browser's
/// HttpOnly cookie holds, so another site can neither read nor forge it.
pub fn csrf_token(session: &str) -> String {
    let digest = Sha256::digest(format!("duban-csrf:{session}").as_bytes());
    hex::encode(&digest[..16])
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A form that carries nothing but its CSRF token (a button that does one thing).
#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
}

/// An upload form's CSRF token and its `file` field (name and bytes; `None` when no file was
/// chosen). A body that cannot be read — most often one over the size limit — is refused.
pub async fn read_upload(
    multipart: &mut axum::extract::Multipart,
    default_name: &str,
) -> Result<(String, Option<(String, Vec<u8>)>), PageError> {
    let (fields, file) = read_upload_with_fields(multipart, default_name).await?;
    let csrf = fields.into_iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v).unwrap_or_default();
    Ok((csrf, file))
}

/// An upload form's text fields (the CSRF token among them) and its `file` field: for a form
/// that sends what was typed along with the file, so nothing typed is lost by uploading.
pub async fn read_upload_with_fields(
    multipart: &mut axum::extract::Multipart,
    default_name: &str,
) -> Result<(Vec<(String, String)>, Option<(String, Vec<u8>)>), PageError> {
    let unreadable = || PageError::BadRequest("上传内容无法读取,文件可能超过大小上限".into());
    let mut fields = Vec::new();
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        match field.name().map(str::to_string) {
            Some(name) if name != "file" => {
                let value = field.text().await.map_err(|_| unreadable())?;
                fields.push((name, value));
            }
            Some(_) => {
                let name = field.file_name().unwrap_or(default_name).to_string();
                let bytes = field.bytes().await.map_err(|_| unreadable())?;
                if !bytes.is_empty() {
                    file = Some((name, bytes.to_vec()));
                }
            }
            None => {}
        }
    }
    Ok((fields, file))
}

/// What every page's frame needs: who is signed in, the CSRF token, a flash message.
pub struct Ctx {
    pub user: User,
    pub csrf: String,
    pub flash: Option<String>,
    /// The period reports are open for (the current month).
    pub period: String,
}

impl Ctx {
    pub fn role_label(&self) -> &'static str {
        self.user.role.label()
    }
    pub fn unit_label(&self) -> String {
        self.user.unit_name.clone().unwrap_or_default()
    }
    pub fn is(&self, role: &str) -> bool {
        self.user.role.key() == role
    }
    /// The bureau's roles see every unit; units see their own.
    pub fn bureau(&self) -> bool {
        crate::policy::sees_all_units(&self.user)
    }
    /// The security and audit administrators, who see no business pages.
    pub fn oversight(&self) -> bool {
        self.user.role.is_oversight()
    }
}

/// A signed-in browser. Without a live session, pages redirect to the login form.
pub struct Viewer {
    pub ctx: Ctx,
    pub token: String,
}

impl Viewer {
    pub fn user(&self) -> &User {
        &self.ctx.user
    }

    pub fn check_csrf(&self, given: &str) -> Result<(), PageError> {
        if given == self.ctx.csrf { Ok(()) } else { Err(PageError::Csrf) }
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let to_login = || {
            let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/home");
            let next: String = url_encode(next);
            Redirect::to(&format!("/login?next={next}")).into_response()
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else { return Err(to_login()) };
        let user = match state.store.user_by_session(&token, IDLE_MINUTES).await {
            Ok(Some(u)) => u,
            Ok(None) => return Err(to_login()),
            Err(e) => return Err(PageError::from(e).into_response()),
        };
        crate::security::note_actor(&parts.extensions, &user);
        // The route table says who may open each page (`routes::gate`).
        let route = parts.extensions.get::<axum::extract::MatchedPath>().map(|m| m.as_str());
        match crate::routes::gate(&parts.method, route, &user) {
            crate::security::Gate::Open => {}
            crate::security::Gate::ChangePassword => return Err(Redirect::to("/account/password").into_response()),
            // A role without a 工作台 (the oversight administrators, the inspector) is led to
            // where its work starts.
            crate::security::Gate::Denied if parts.uri.path() == "/home" => {
                return Err(Redirect::to(crate::policy::landing(user.role)).into_response());
            }
            crate::security::Gate::Denied => return Err(PageError::Forbidden.into_response()),
        }
        let flash = flash_of(&parts.headers);
        let period = domain::Period::containing(state.config.today()).to_string();
        Ok(Viewer { ctx: Ctx { user, csrf: csrf_token(&token), flash, period }, token })
    }
}

pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The cookie carrying a message from a form's redirect to the page after it. A cookie, not
/// the query string, so nobody can craft a link that shows their text as a system message.
pub const FLASH_COOKIE: &str = "duban_flash";

/// The message a redirect left for this page, if any.
pub fn flash_of(headers: &HeaderMap) -> Option<String> {
    cookie(headers, FLASH_COOKIE).map(|v| url_decode(&v)).filter(|s| !s.is_empty())
}

/// Redirects after a successful form (POST → redirect → GET), with a message to show.
pub fn redirect_with(path: &str, flash: &str) -> Response {
    // A path that cannot be a header (a control character from somewhere) goes home rather
    // than panicking in `Redirect::to`.
    let path = if HeaderValue::from_str(path).is_ok() { path } else { "/home" };
    let mut r = Redirect::to(path).into_response();
    let cookie = format!("{FLASH_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age=60", url_encode(flash));
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// Clears the flash cookie once a page has shown it.
pub async fn clear_flash(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let had_flash = cookie(request.headers(), FLASH_COOKIE).is_some();
    let mut response = next.run(request).await;
    if had_flash && response.status().is_success() {
        response.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_static("duban_flash=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
        );
    }
    response
}

/// Why a page could not be shown. Each renders as a Chinese page with the right status.
#[derive(Debug)]
pub enum PageError {
    NotFound,
    Forbidden,
    Csrf,
    BadRequest(String),
    Internal,
    /// Refused before the handler ran (a body too large, the server busy).
    Refused {
        status: StatusCode,
        title: &'static str,
        message: String,
    },
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => PageError::NotFound,
            StoreError::Conflict(m) => PageError::BadRequest(m),
            StoreError::Invalid { message, .. } => PageError::BadRequest(message),
            StoreError::DiskFull => {
                tracing::error!("disk full: a change was not written");
                PageError::Refused {
                    status: StatusCode::INSUFFICIENT_STORAGE,
                    title: "服务器存储空间不足",
                    message: store::DISK_FULL.to_string(),
                }
            }
            StoreError::Unavailable(e) => {
                tracing::warn!(error = %e, "database unavailable");
                PageError::Refused {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    title: "数据库暂时无法访问",
                    message: store::UNAVAILABLE.to_string(),
                }
            }
            StoreError::Db(e) => {
                tracing::error!(error = %e, "database error");
                PageError::Internal
            }
        }
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        tracing::error!(error = %e, "template error");
        PageError::Internal
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    title: &'static str,
    message: String,
    server_error: bool,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            PageError::NotFound => (StatusCode::NOT_FOUND, "未找到", "您要找的页面不存在,或您无权查看。".to_string()),
            PageError::Forbidden => (StatusCode::FORBIDDEN, "无权访问", "您的角色不能使用此功能。".to_string()),
            PageError::Csrf => {
                (StatusCode::FORBIDDEN, "页面已过期", "表单已过期或来源不明,请返回上一页刷新后重试。".to_string())
            }
            PageError::BadRequest(m) => (StatusCode::UNPROCESSABLE_ENTITY, "无法完成操作", m),
            PageError::Refused { status, title, message } => (status, title, message),
            PageError::Internal => {
                (StatusCode::INTERNAL_SERVER_ERROR, "服务器错误", "服务器内部错误,请稍后重试。".to_string())
            }
        };
        let page = ErrorPage {
            status: status.as_u16(),
            title,
            message,
            server_error: status == StatusCode::INTERNAL_SERVER_ERROR,
        };
        let body = page.render().unwrap_or_else(|_| title.to_string());
        (status, Html(body)).into_response()
    }
}

pub type PageResult = Result<Response, PageError>;

/// Renders a template as a page.
pub fn render<T: Template>(t: &T) -> PageResult {
    Ok(Html(t.render()?).into_response())
}

/// Renders a template with a status (e.g. 422 for a form sent back with errors).
pub fn render_status<T: Template>(status: StatusCode, t: &T) -> PageResult {
    Ok((status, Html(t.render()?)).into_response())
}

/// Formats a fraction as a percentage for people: 0.4102 → "41.0%".
pub fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Formats a number without needless decimals: 57 → "57", 55.8 → "55.8".
pub fn num(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round() as i64)
    } else {
        format!("{:.2}", x).trim_end_matches('0').to_string()
    }
}

/// The newest published plan, which pages show by default.
pub async fn current_plan(state: &AppState) -> Result<Option<i64>, PageError> {
    Ok(state.store.current_plan().await?)
}

/// One status with its count and share, in the order statuses are always shown.
pub struct CountCell {
    pub key: &'static str,
    pub label: &'static str,
    pub colour: &'static str,
    pub count: usize,
    pub share: String,
}

/// The cells of a count summary, every status present so tables line up month to month.
pub fn count_cells(c: &store::status::CountsView) -> Vec<CountCell> {
    domain::Status::ALL
        .iter()
        .map(|s| CountCell {
            key: s.key(),
            label: s.label(),
            colour: status_colour(*s),
            count: c.counts.get(s.key()).copied().unwrap_or(0),
            share: pct(c.shares.get(s.key()).copied().unwrap_or(0.0)),
        })
        .collect()
}

/// The colour a status is usually shown in, where no assessment says otherwise (legends,
/// count cells): the colour rules of `domain::status` for the typical case.
pub fn status_colour(s: domain::Status) -> &'static str {
    s.colour().key()
}

/// Template filters every page shares. Askama finds a filter as `filters::<name>` in the
/// template's module, so a module whose templates use them says `use crate::pages::filters;`.
pub mod filters {
    /// A stored moment (UTC) as Beijing time to the minute: `{{ h.at|beijing }}`.
    #[askama::filter_fn]
    pub fn beijing<T: std::fmt::Display>(at: T, _env: &dyn askama::Values) -> askama::Result<String> {
        Ok(domain::time::beijing_minute(&at.to_string()))
    }

    /// The Beijing date of a stored moment: `{{ p.created_at|beijing_date }}`.
    #[askama::filter_fn]
    pub fn beijing_date<T: std::fmt::Display>(at: T, _env: &dyn askama::Values) -> askama::Result<String> {
        Ok(domain::time::beijing_date(&at.to_string()))
    }

    /// A recorded step in Chinese: `{{ h.action|action }}`.
    #[askama::filter_fn]
    pub fn action<T: std::fmt::Display>(key: T, _env: &dyn askama::Values) -> askama::Result<&'static str> {
        Ok(domain::words::action_label(&key.to_string()))
    }

    /// A 督办件's step in Chinese (closing is 办结).
    #[askama::filter_fn]
    pub fn directive_action<T: std::fmt::Display>(key: T, _env: &dyn askama::Values) -> askama::Result<&'static str> {
        Ok(domain::words::directive_action_label(&key.to_string()))
    }
}

/// The badge colour of a report state.
pub fn state_colour(state: &str) -> &'static str {
    match state {
        "approved" => "green",
        "returned" => "red",
        // Waiting for a reviewer: not a warning, so not in the colour of 滞后.
        "submitted" | "pending_signoff" => "blue",
        _ => "grey",
    }
}

/// A unit's role in an item, as people say it.
pub fn role_label(role: &str) -> &'static str {
    match role {
        "lead" => "牵头单位",
        "co" => "配合单位",
        _ => "责任单位",
    }
}

/// A target as people read it, e.g. "≥ 57%".
pub fn target_text(comparator: &str, value: f64, max: Option<f64>, unit: &str) -> String {
    domain::Comparator::parse_or_floor(comparator).describe(value, max, unit)
}

/// `/`: straight to the 工作台 (which sends a stranger to the sign-in form).
pub(crate) async fn to_home() -> Redirect {
    Redirect::to("/home")
}
