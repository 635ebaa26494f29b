//! `Idempotency-Key`: a retried write gets the first answer; the key is bound to its request.

use crate::AppState;
use crate::api::auth::CurrentUser;
use crate::error::ApiError;
use crate::error::ApiResult;
use axum::Json;
use axum::http::StatusCode;
use axum::response::IntoResponse;

/// The optional `Idempotency-Key` header of a write, bound to the request it came with: a
/// retry of the same request (method, path and body alike) gets the first answer again
/// instead of repeating the write; the same key on any other request is refused (422), never
/// answered with another request's answer.
pub struct IdempotencyKey(Option<Keyed>);

struct Keyed {
    key: String,
    /// `METHOD /concrete/path SHA-256-of-the-body`, what the key is bound to.
    request: String,
}

/// A write's body extractor `T`, with its idempotency key (the body is read once, hashed,
/// and handed on to `T`). The last argument of a handler, as it reads the body.
pub struct Idempotent<T>(pub IdempotencyKey, pub T);

impl<S, T> axum::extract::FromRequest<S> for Idempotent<T>
where
    S: Send + Sync,
    T: axum::extract::FromRequest<S>,
{
    type Rejection = axum::response::Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::body::{Body, Bytes};
        let inner = |req| async move { T::from_request(req, state).await.map_err(IntoResponse::into_response) };
        let key = match req.headers().get("idempotency-key") {
            None => return Ok(Idempotent(IdempotencyKey(None), inner(req).await?)),
            Some(v) => {
                let key = v
                    .to_str()
                    .map_err(|_| ApiError::bad_request("Idempotency-Key 须为可见 ASCII 字符").into_response())?
                    .trim();
                if key.is_empty() || key.len() > 200 {
                    return Err(ApiError::bad_request("Idempotency-Key 长度须为 1—200").into_response());
                }
                key.to_string()
            }
        };
        let (parts, body) = req.into_parts();
        // Read within the route's body limit, like any extractor of the body.
        let bytes =
            Bytes::from_request(axum::extract::Request::from_parts(parts.clone(), body), state).await.map_err(|r| {
                let e = if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "请求体过大")
                } else {
                    ApiError::bad_request("请求体无法读取")
                };
                e.into_response()
            })?;
        let request = {
            use sha2::{Digest, Sha256};
            let hash: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
            format!("{} {} {hash}", parts.method, parts.uri.path())
        };
        let body = inner(axum::extract::Request::from_parts(parts, Body::from(bytes))).await?;
        Ok(Idempotent(IdempotencyKey(Some(Keyed { key, request })), body))
    }
}

/// The body of a write that takes none: whatever is sent is ignored (but still counts in
/// what an idempotency key is bound to).
pub struct NoBody;

impl<S: Send + Sync> axum::extract::FromRequest<S> for NoBody {
    type Rejection = std::convert::Infallible;

    async fn from_request(_: axum::extract::Request, _: &S) -> Result<Self, Self::Rejection> {
        Ok(NoBody)
    }
}

/// Runs `write` once per idempotency key and user; without a key, just runs it. Only
/// successful answers are remembered, so a request that failed can be retried.
pub(crate) async fn idempotent<T: serde::Serialize>(
    state: &AppState,
    who: &CurrentUser,
    key: &IdempotencyKey,
    write: impl std::future::Future<Output = ApiResult<T>>,
) -> ApiResult<Json<serde_json::Value>> {
    let Some(Keyed { key, request }) = &key.0 else {
        let report = write.await?;
        return serde_json::to_value(&report).map(Json).map_err(|_| ApiError::bad_request("无法生成应答"));
    };
    if let Some((bound, stored)) = state.store.idempotent_response(who.user.id, key).await? {
        if bound != *request {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "该 Idempotency-Key 已用于另一个请求(操作、对象或内容不同),本次请求未执行;新的请求请使用新的键",
            ));
        }
        let value: serde_json::Value =
            serde_json::from_str(&stored).map_err(|_| ApiError::bad_request("Idempotency-Key 已用于其他请求"))?;
        return Ok(Json(value));
    }
    let report = write.await?;
    let value = serde_json::to_value(&report).map_err(|_| ApiError::bad_request("无法保存应答"))?;
    state.store.remember_response(who.user.id, key, request, &value.to_string()).await?;
    Ok(Json(value))
}
