//! Cross-cutting protections: the audit record of every change, the client's address, the
//! rate limit on sign-in, and the gates every signed-in request passes (a password that must
//! be changed first; the security and audit administrators' narrow reach).

use crate::AppState;
use crate::error::ApiError;
use axum::body::Body;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use store::audit::AuditEvent;
use store::users::User;

/// The client's address: the connection's peer, or behind a trusted proxy the address it
/// forwarded (see [`crate::observe::client_ip`]), never a header an untrusted client wrote.
#[derive(Clone, Debug)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    pub fn text(&self) -> Option<String> {
        self.0.map(|ip| ip.to_string())
    }
}

/// The one place the rate limits, the audit log and sign-in read the client's address from.
fn ip_of(extensions: &axum::http::Extensions) -> Option<IpAddr> {
    crate::observe::client_addr(extensions)
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(ip_of(&parts.extensions)))
    }
}

/// Where a request's handler leaves who did it (and, optionally, what changed), for the audit
/// middleware to record once the response is known.
#[derive(Clone, Default)]
pub struct AuditSlot(Arc<Mutex<SlotInner>>);

#[derive(Default)]
struct SlotInner {
    actor: Option<(i64, String)>,
    detail: Option<serde_json::Value>,
    /// The handler recorded this request itself.
    done: bool,
}

impl AuditSlot {
    pub fn set_actor(&self, user: &User) {
        if let Ok(mut s) = self.0.lock() {
            s.actor = Some((user.id, user.username.clone()));
        }
    }

    /// Before/after values or anything else the handler knows cheaply.
    pub fn set_detail(&self, detail: serde_json::Value) {
        if let Ok(mut s) = self.0.lock() {
            s.detail = Some(detail);
        }
    }

    /// The handler wrote its own record (sign-in); the middleware adds none.
    pub fn mark_done(&self) {
        if let Ok(mut s) = self.0.lock() {
            s.done = true;
        }
    }
}

/// Notes the signed-in user of a request for its audit record.
pub fn note_actor(extensions: &axum::http::Extensions, user: &User) {
    crate::observe::note_user(extensions, user.id);
    if let Some(slot) = extensions.get::<AuditSlot>() {
        slot.set_actor(user);
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AuditSlot {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<AuditSlot>().cloned().unwrap_or_default())
    }
}

/// Keys whose values never reach the audit log.
fn secret(key: &str) -> bool {
    key.contains("password") || key == "_csrf" || key == "token"
}

/// What a request asked for, with secrets left out: the JSON body, or the form's fields.
fn request_detail(content_type: &str, body: &[u8]) -> Option<serde_json::Value> {
    fn redact(v: &mut serde_json::Value) {
        if let serde_json::Value::Object(m) = v {
            for (k, x) in m.iter_mut() {
                if secret(k) {
                    *x = serde_json::Value::String("***".into());
                } else {
                    redact(x);
                }
            }
        }
    }
    if content_type.starts_with("application/json") {
        let mut v: serde_json::Value = serde_json::from_slice(body).ok()?;
        redact(&mut v);
        Some(v)
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        let text = std::str::from_utf8(body).ok()?;
        let mut m = serde_json::Map::new();
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let k = crate::pages::url_decode(k);
            let v = if secret(&k) { "***".to_string() } else { crate::pages::url_decode(v) };
            match m.get_mut(&k) {
                Some(serde_json::Value::Array(a)) => a.push(v.into()),
                Some(old) => *old = serde_json::Value::Array(vec![old.take(), v.into()]),
                None => {
                    m.insert(k, v.into());
                }
            }
        }
        Some(serde_json::Value::Object(m))
    } else {
        None
    }
}

/// Request bodies up to this size are kept (redacted) in the record; larger ones (uploads)
/// are described by their size only.
const DETAIL_LIMIT: usize = 64 * 1024;

/// Records every state-changing request a signed-in user made — who, when, from where, what
/// (the route and the request, secrets left out), the outcome — in the hash-chained log.
pub async fn audit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let slot = AuditSlot::default();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let route = request.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    let ip = ip_of(request.extensions());
    let content_type =
        request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let length: Option<usize> =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let (mut parts, body) = request.into_parts();
    parts.extensions.insert(slot.clone());
    let readable =
        content_type.starts_with("application/json") || content_type.starts_with("application/x-www-form-urlencoded");
    let (request, asked) = if readable && length.is_some_and(|l| l <= DETAIL_LIMIT) {
        match axum::body::to_bytes(body, DETAIL_LIMIT).await {
            Ok(bytes) => {
                let asked = request_detail(&content_type, &bytes);
                (Request::from_parts(parts, Body::from(bytes)), asked)
            }
            Err(_) => {
                return ApiError::bad_request("请求体无法读取").into_response();
            }
        }
    } else {
        let asked = length.map(|l| serde_json::json!({"content_type": content_type, "bytes": l}));
        (Request::from_parts(parts, body), asked)
    };
    let response = next.run(request).await;
    let (actor, detail, done) = match slot.0.lock() {
        Ok(mut s) => (s.actor.take(), s.detail.take(), s.done),
        Err(_) => (None, None, false),
    };
    // Anonymous writes are refused before they change anything; sign-ins record themselves.
    let Some((actor_id, actor)) = actor.filter(|_| !done) else { return response };
    let mut d = serde_json::Map::new();
    d.insert("method".into(), method.as_str().into());
    if let Some(a) = asked {
        d.insert("request".into(), a);
    }
    if let Some(x) = detail {
        d.insert("change".into(), x);
    }
    let event = AuditEvent {
        actor_id: Some(actor_id),
        actor,
        ip: ip.map(|i| i.to_string()),
        action: crate::routes::action(&method, route.as_deref().unwrap_or(&path)),
        object: Some(path),
        outcome: response.status().as_u16().to_string(),
        detail: serde_json::Value::Object(d),
    };
    if let Err(e) = state.store.audit(&event).await {
        tracing::error!(error = %e, action = %event.action, "audit record not written");
    }
    response
}

/// Writes one audit record, logging (not failing the request) if it cannot.
pub async fn record(state: &AppState, event: AuditEvent) {
    if let Err(e) = state.store.audit(&event).await {
        tracing::error!(error = %e, action = %event.action, "audit record not written");
    }
}

/// The sign-in rate limit per client address: a bucket of `burst` attempts, refilled one
/// every `refill` — cheap and in memory (each server process keeps its own). A burst of 0
/// turns it off.
pub struct LoginLimiter {
    off: bool,
    burst: f64,
    per_sec: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl LoginLimiter {
    pub fn new(burst: u32, refill: std::time::Duration) -> Self {
        LoginLimiter {
            off: burst == 0,
            burst: f64::from(burst.max(1)),
            per_sec: 1.0 / refill.as_secs_f64().max(0.001),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// `Ok` to go ahead, or the seconds to wait.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        if self.off {
            return Ok(());
        }
        let Ok(mut buckets) = self.buckets.lock() else { return Ok(()) };
        let now = Instant::now();
        if buckets.len() > 100_000 {
            // Forget full buckets, so a flood of addresses cannot exhaust memory.
            let (burst, per_sec) = (self.burst, self.per_sec);
            buckets.retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() * per_sec < burst);
        }
        let (tokens, at) = buckets.entry(ip).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_sec).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.per_sec).ceil() as u64)
        }
    }
}

/// Applies [`LoginLimiter`] to the two sign-in endpoints: a problem (429) for the API, the
/// sign-in page with a message for browsers.
pub async fn limit_logins(State(limiter): State<Arc<LoginLimiter>>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let api = path == "/api/v1/auth/login";
    if request.method() != Method::POST || !(api || path == "/login") {
        return next.run(request).await;
    }
    let Some(ip) = ip_of(request.extensions()) else { return next.run(request).await };
    match limiter.check(ip) {
        Ok(()) => next.run(request).await,
        Err(wait) if api => too_many_requests(wait, format!("登录尝试过于频繁,请 {wait} 秒后再试")),
        Err(wait) => {
            let mut r = crate::areas::accounts::login_pages::too_many(&format!("登录尝试过于频繁,请 {wait} 秒后再试"));
            if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
    }
}

/// Who a request to the API is counted against: the session (its bearer token, kept only as
/// a SHA-256) when it names one, else the client's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Client {
    Token([u8; 32]),
    Ip(IpAddr),
}

impl Client {
    pub fn token(token: &str) -> Client {
        use sha2::{Digest, Sha256};
        Client::Token(Sha256::digest(token.as_bytes()).into())
    }
}

struct Bucket {
    tokens: f64,
    at: Instant,
    /// A request with this token was answered with something other than 401: the token is
    /// real, and its requests no longer draw on the address's bucket.
    known: bool,
}

struct Buckets {
    map: HashMap<Client, Bucket>,
    swept: Instant,
}

/// The rate limit on the whole API: a token bucket per client (per session when the request
/// carries a bearer token, per address otherwise) of `burst` requests, refilled at `per_sec`.
/// A token not yet seen to be valid also draws on its address's bucket, so inventing tokens
/// gains nothing. Memory is bounded: buckets that have refilled (idle clients) are dropped
/// every minute, and past `max_clients` the least recently seen half goes.
pub struct ApiLimiter {
    burst: f64,
    per_sec: f64,
    max_clients: usize,
    buckets: Mutex<Buckets>,
}

impl ApiLimiter {
    /// `burst` or `per_sec` 0 turns the limit off.
    pub fn new(burst: u32, per_sec: u32) -> Self {
        Self::with_capacity(burst, per_sec, 100_000)
    }

    pub fn with_capacity(burst: u32, per_sec: u32, max_clients: usize) -> Self {
        let off = burst == 0 || per_sec == 0;
        ApiLimiter {
            burst: if off { 0.0 } else { f64::from(burst) },
            per_sec: f64::from(per_sec),
            max_clients: max_clients.max(2),
            buckets: Mutex::new(Buckets { map: HashMap::new(), swept: Instant::now() }),
        }
    }

    pub fn enabled(&self) -> bool {
        self.burst > 0.0
    }

    /// How many clients have a bucket now.
    pub fn clients(&self) -> usize {
        self.buckets.lock().map(|b| b.map.len()).unwrap_or(0)
    }

    /// Takes one request from the client's bucket (and, for a token not known to be valid,
    /// from the address's): `Ok` to go ahead, or the whole seconds to wait.
    pub fn check(&self, client: Client, ip: Option<IpAddr>) -> Result<(), u64> {
        if !self.enabled() {
            return Ok(());
        }
        let Ok(mut b) = self.buckets.lock() else { return Ok(()) };
        let now = Instant::now();
        self.sweep(&mut b, now);
        let unproven = matches!(client, Client::Token(_)) && !b.map.get(&client).is_some_and(|x| x.known);
        if unproven && let Some(ip) = ip {
            self.take(&mut b.map, Client::Ip(ip), now)?;
        }
        self.take(&mut b.map, client, now)
    }

    /// Notes that a token was accepted, so its requests stop drawing on the address's bucket.
    pub fn confirm(&self, client: Client) {
        if let Ok(mut b) = self.buckets.lock()
            && let Some(x) = b.map.get_mut(&client)
        {
            x.known = true;
        }
    }

    fn take(&self, map: &mut HashMap<Client, Bucket>, client: Client, now: Instant) -> Result<(), u64> {
        let b = map.entry(client).or_insert(Bucket { tokens: self.burst, at: now, known: false });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * self.per_sec).min(self.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err((((1.0 - b.tokens) / self.per_sec).ceil() as u64).max(1))
        }
    }

    fn sweep(&self, b: &mut Buckets, now: Instant) {
        // Room for the two buckets a request may add.
        let full = b.map.len() + 2 > self.max_clients;
        if !full && now.duration_since(b.swept) < std::time::Duration::from_secs(60) {
            return;
        }
        b.swept = now;
        // A bucket that has refilled is the same as none.
        let (burst, per_sec) = (self.burst, self.per_sec);
        b.map.retain(|_, x| x.tokens + now.duration_since(x.at).as_secs_f64() * per_sec < burst);
        if b.map.len() >= self.max_clients / 2 {
            // Still crowded (many clients at once): keep the most recently seen half.
            let mut seen: Vec<Instant> = b.map.values().map(|x| x.at).collect();
            let middle = seen.len() / 2;
            let (_, cut, _) = seen.select_nth_unstable(middle);
            let cut = *cut;
            b.map.retain(|_, x| x.at > cut);
        }
    }
}

fn too_many_requests(wait: u64, detail: String) -> Response {
    let mut r = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", detail).into_response();
    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// Applies [`ApiLimiter`] to every request under `/api/v1`: over the limit, 429 with
/// `Retry-After` and a problem document.
pub async fn limit_api(State(limiter): State<Arc<ApiLimiter>>, request: Request, next: Next) -> Response {
    // Only the API counts; pages have the sign-in limit and sessions of their own.
    if !limiter.enabled() || !request.uri().path().starts_with(crate::routes::API) {
        return next.run(request).await;
    }
    let ip = ip_of(request.extensions());
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let client = match (token, ip) {
        (Some(t), _) => Client::token(t),
        (None, Some(ip)) => Client::Ip(ip),
        // No address to count against (not served over TCP, e.g. in-process tests).
        (None, None) => return next.run(request).await,
    };
    if let Err(wait) = limiter.check(client, ip) {
        return too_many_requests(wait, format!("请求过于频繁,请 {wait} 秒后再试"));
    }
    let response = next.run(request).await;
    if matches!(client, Client::Token(_)) && response.status() != StatusCode::UNAUTHORIZED {
        limiter.confirm(client);
    }
    response
}

/// Behind TLS every cookie the program sets carries `Secure`, so a browser never sends it
/// over plain HTTP.
pub async fn secure_cookies(mut response: Response) -> Response {
    let values: Vec<HeaderValue> = response.headers().get_all(header::SET_COOKIE).iter().cloned().collect();
    if values.iter().all(|v| v.to_str().is_ok_and(|s| s.contains("; Secure"))) {
        return response;
    }
    let headers = response.headers_mut();
    headers.remove(header::SET_COOKIE);
    for v in values {
        let secured = match v.to_str() {
            Ok(s) if !s.contains("; Secure") => HeaderValue::from_str(&format!("{s}; Secure")).unwrap_or(v),
            _ => v,
        };
        headers.append(header::SET_COOKIE, secured);
    }
    response
}

/// What a signed-in user may reach, before any handler's own check.
pub enum Gate {
    Open,
    /// The password must be changed first.
    ChangePassword,
    /// Outside this role's reach.
    Denied,
}

/// The problem a user who must change their password gets from every other endpoint.
pub fn password_change_required() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "password_change_required",
        "请先修改密码(初始密码、管理员重置的密码或已过期的密码;POST /api/v1/me/password),再使用其他功能",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_refills() {
        let l = LoginLimiter::new(3, std::time::Duration::from_secs(60));
        let ip: IpAddr = "10.0.0.1".parse().expect("ip");
        assert!(l.check(ip).is_ok() && l.check(ip).is_ok() && l.check(ip).is_ok());
        let wait = l.check(ip).unwrap_err();
        assert!((55..=60).contains(&wait), "{wait}");
        assert!(l.check("10.0.0.2".parse().expect("ip")).is_ok(), "another address has its own bucket");
        let off = LoginLimiter::new(0, std::time::Duration::from_secs(60));
        assert!((0..1000).all(|_| off.check(ip).is_ok()), "a burst of 0 is no limit");
    }

    #[test]
    fn api_limiter_counts_per_client_and_stays_bounded() {
        let l = ApiLimiter::with_capacity(3, 1, 1000);
        let ip: IpAddr = "10.0.0.1".parse().expect("ip");
        let me = Client::Ip(ip);
        assert!((0..3).all(|_| l.check(me, Some(ip)).is_ok()));
        assert_eq!(l.check(me, Some(ip)), Err(1));
        // A session has its own bucket, but until its token is seen to be valid each request
        // also draws on the address's (empty) bucket: invented tokens gain nothing.
        let session = Client::token("abc");
        assert_eq!(l.check(session, Some(ip)), Err(1));
        l.check(session, None).expect("no address to charge");
        l.confirm(session);
        assert!(l.check(session, Some(ip)).is_ok() && l.check(session, Some(ip)).is_ok());
        assert!(l.check(session, Some(ip)).is_err(), "the session's own bucket is empty now");
        assert!(ApiLimiter::new(0, 100).check(me, Some(ip)).is_ok(), "0 turns the limit off");
        // A flood of addresses never holds more than the capacity.
        for i in 0..5000u32 {
            let ip = IpAddr::from(i.to_be_bytes());
            let _ = l.check(Client::Ip(ip), Some(ip));
            assert!(l.clients() <= 1000);
        }
    }

    #[test]
    fn details_leave_secrets_out() {
        let d =
            request_detail("application/json", br#"{"password":"x","a":{"new_password":"y"},"b":1}"#).expect("json");
        assert_eq!(d, serde_json::json!({"password": "***", "a": {"new_password": "***"}, "b": 1}));
        let d = request_detail("application/x-www-form-urlencoded", b"_csrf=abc&name=%E4%BD%99&m=1&m=2").expect("form");
        assert_eq!(d, serde_json::json!({"_csrf": "***", "name": "余", "m": ["1", "2"]}));
    }
}
