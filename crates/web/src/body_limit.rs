//! How much of a request body the server will read, route by route: the one policy behind
//! every body the program accepts.
//!
//! - Sign-in takes a name and a password: [`SIGN_IN_LIMIT`].
//! - Every other JSON or form body: [`SMALL_LIMIT`] (a report at its longest is a few
//!   hundred kilobytes of JSON).
//! - Only the routes the route table marks `BodySize::Large` (file uploads, photos of visits,
//!   and a whole plan's draft) take up to `Config::max_upload`; for them the sender must be signed in *before* the body is
//!   read, and at most `Config::max_large_bodies` are read at once (the rest wait, then get
//!   503), so no burst of big bodies, least of all an anonymous one, can exhaust memory.
//!
//! A body declared larger than its route's limit is refused at once with 413, before any of
//! it is read; one sent without a length is cut off at the limit. The API answers with problem
//! JSON, the pages with a Chinese page.

use crate::AppState;
use crate::api::auth::CurrentUser;
use crate::error::ApiError;
use crate::pages::{PageError, Viewer};
use crate::routes::BodySize;
use axum::body::Body;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Sign-in forms and JSON: a name, a password, a CSRF token.
pub const SIGN_IN_LIMIT: usize = 16 * 1024;
/// Any other body that is not an upload.
pub const SMALL_LIMIT: usize = 1024 * 1024;
/// Room for multipart framing around the largest accepted file.
const FRAMING: usize = 64 * 1024;

/// What the body policy needs: the application (to check the sender) and the slots for large
/// bodies.
#[derive(Clone)]
pub struct BodyPolicy {
    state: AppState,
    large: Arc<Semaphore>,
}

impl BodyPolicy {
    pub fn new(state: AppState) -> Self {
        let large = Arc::new(Semaphore::new(state.config.max_large_bodies.clamp(1, Semaphore::MAX_PERMITS)));
        BodyPolicy { state, large }
    }
}

/// The largest body `route` (a route pattern) takes by `method`, as the route table declares
/// it (`routes::BodySize`), and whether it is a large one.
fn limit_for(method: &Method, route: &str, max_upload: usize) -> (usize, bool) {
    match crate::routes::body_size(method, route) {
        BodySize::Large => (max_upload + FRAMING, true),
        BodySize::SignIn => (SIGN_IN_LIMIT, false),
        BodySize::Small => (SMALL_LIMIT, false),
    }
}

/// The middleware (inside the routes, so the route's pattern is known).
pub async fn limit_bodies(State(policy): State<BodyPolicy>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_default();
    let api = route.starts_with("/api/");
    let (limit, large) = limit_for(request.method(), &route, policy.state.config.max_upload);
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(api, limit);
    }
    let (mut parts, body) = request.into_parts();
    let _slot = if large {
        // The sender first: an unknown one is refused without a byte of the body read.
        let signed_in = if api {
            CurrentUser::from_request_parts(&mut parts, &policy.state)
                .await
                .map(|_| ())
                .map_err(IntoResponse::into_response)
        } else {
            Viewer::from_request_parts(&mut parts, &policy.state).await.map(|_| ())
        };
        if let Err(refusal) = signed_in {
            return refusal;
        }
        let wait = policy.state.config.large_body_wait;
        match tokio::time::timeout(wait, policy.large.clone().acquire_owned()).await {
            Ok(Ok(slot)) => Some(slot),
            _ => return busy(api, wait),
        }
    } else {
        None
    };
    // A body without a declared length (chunked) stops at the limit too.
    let body = Body::new(http_body_util::Limited::new(body, limit));
    next.run(Request::from_parts(parts, body)).await
}

fn too_large(api: bool, limit: usize) -> Response {
    let detail = format!("请求内容过大:此处最多接受 {},请缩小后重试", size(limit));
    if api {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", detail).into_response()
    } else {
        PageError::Refused { status: StatusCode::PAYLOAD_TOO_LARGE, title: "内容过大", message: detail }.into_response()
    }
}

fn busy(api: bool, wait: Duration) -> Response {
    let detail = "服务器正在接收其他上传,请稍后重试";
    let mut response = if api {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", detail).into_response()
    } else {
        PageError::Refused { status: StatusCode::SERVICE_UNAVAILABLE, title: "服务器繁忙", message: detail.into() }
            .into_response()
    };
    response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(wait.as_secs().max(1)));
    response
}

/// Bytes for people: "16 KB", "1 MB", "20 MB".
fn size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 { format!("{} MB", bytes / (1024 * 1024)) } else { format!("{} KB", bytes.div_ceil(1024)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_uploads_and_the_draft_take_large_bodies() {
        let max = 20 * 1024 * 1024;
        assert_eq!(limit_for(&Method::POST, "/api/v1/auth/login", max), (SIGN_IN_LIMIT, false));
        assert_eq!(limit_for(&Method::POST, "/login", max), (SIGN_IN_LIMIT, false));
        assert_eq!(limit_for(&Method::PUT, "/api/v1/assignments/{id}/reports/{period}", max), (SMALL_LIMIT, false));
        assert_eq!(limit_for(&Method::GET, "/api/v1/plans/{id}/draft", max), (SMALL_LIMIT, false));
        assert_eq!(limit_for(&Method::PUT, "/api/v1/plans/{id}/draft", max), (max + FRAMING, true));
        assert_eq!(limit_for(&Method::POST, "/plans/import", max), (max + FRAMING, true));
        assert_eq!(limit_for(&Method::POST, "", max), (SMALL_LIMIT, false));
        assert_eq!(size(SIGN_IN_LIMIT), "16 KB");
        assert_eq!(size(SMALL_LIMIT), "1 MB");
    }

    /// Every route that reads a file takes a large body: a handler reading multipart on a
    /// small limit would refuse every phone photo.
    #[test]
    fn every_upload_route_takes_a_large_body() {
        let large: Vec<String> = crate::routes::table()
            .iter()
            .filter(|r| r.body == BodySize::Large)
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        for route in [
            "POST /api/v1/assignments/{id}/reports/{period}/evidence",
            "POST /assignments/{id}/reports/{period}/evidence",
            "POST /api/v1/inspections/{id}/evidence",
            "POST /api/v1/rectifications/{id}/evidence",
            "POST /inspections",
            "POST /rectifications/{id}/report",
            "PUT /api/v1/plans/{id}/draft",
        ] {
            assert!(large.contains(&route.to_string()), "{route} takes a large body: {large:?}");
        }
        assert_eq!(large.len(), 13, "{large:?}");
    }
}
