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
            let hash: String = hex::encode(Sha256::digest(&bytes));
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

/// Runs `write` once per idempotency key and user; without a key, just runs it.
///
/// The key is claimed first and marked done inside the write's own transaction (see
/// `store::idempotency`), so a retry never repeats a write that committed, even when the
/// server stopped between the write and its answer. A retry gets: the first answer, if it was
/// stored; what `answer_again` reads, if the write was done but its answer lost; a 409 while
/// the first attempt is still running. A write that failed and committed nothing frees its
/// key, so it can be retried at once.
pub(crate) async fn idempotent<T: serde::Serialize>(
    state: &AppState,
    who: &CurrentUser,
    key: &IdempotencyKey,
    write: impl std::future::Future<Output = ApiResult<T>>,
) -> ApiResult<Json<serde_json::Value>> {
    idempotent_or_read(state, who, key, write, None::<std::future::Ready<ApiResult<T>>>).await
}

/// [`idempotent`] for a write whose answer is the written object as it stands: a retry of a
/// write done but unanswered is answered with `answer_again` (the object read afresh), as
/// the first answer would have been, rather than with a 409.
pub(crate) async fn idempotent_or_read<T: serde::Serialize>(
    state: &AppState,
    who: &CurrentUser,
    key: &IdempotencyKey,
    write: impl std::future::Future<Output = ApiResult<T>>,
    answer_again: Option<impl std::future::Future<Output = ApiResult<T>>>,
) -> ApiResult<Json<serde_json::Value>> {
    use store::idempotency::{Earlier, KeyUse};
    let to_json = |answer: &T| serde_json::to_value(answer).map_err(|_| ApiError::bad_request("无法生成应答"));
    let Some(Keyed { key, request }) = &key.0 else {
        return write.await.and_then(|answer| to_json(&answer)).map(Json);
    };
    let claim = match state.store.claim_idempotency_key(who.user.id, key, request).await? {
        KeyUse::Fresh(claim) => claim,
        KeyUse::Earlier { request: bound, .. } if bound != *request => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "该 Idempotency-Key 已用于另一个请求(操作、对象或内容不同),本次请求未执行;新的请求请使用新的键",
            ));
        }
        KeyUse::Earlier { state: Earlier::Answered(stored), .. } => {
            let value: serde_json::Value =
                serde_json::from_str(&stored).map_err(|_| ApiError::bad_request("Idempotency-Key 的应答无法读取"))?;
            return Ok(Json(value));
        }
        KeyUse::Earlier { state: Earlier::DoneUnanswered, .. } => {
            return match answer_again {
                Some(read) => read.await.and_then(|answer| to_json(&answer)).map(Json),
                None => Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "idempotency_done_unanswered",
                    "该请求此前已执行并保存,但服务在应答前中断;本次未重复执行,请刷新查看结果",
                )),
            };
        }
        KeyUse::Earlier { state: Earlier::InFlight, .. } => {
            return Err(ApiError {
                retry_after: Some(1),
                ..ApiError::new(
                    StatusCode::CONFLICT,
                    "idempotency_in_flight",
                    "同一请求正在处理中,本次未重复执行;请稍后重试",
                )
            });
        }
    };
    match store::idempotency::under_claim(claim.clone(), write).await {
        Ok(answer) => {
            let value = to_json(&answer)?;
            // The write is durable whether or not its answer can be stored: it is acknowledged
            // either way, and a retry finds it done (and reads it afresh, or is told so).
            let _ = state.store.answer_claim(&claim, &value.to_string()).await;
            Ok(Json(value))
        }
        Err(e) => {
            // Best effort: a claim left behind is taken over by a retry after a few seconds.
            let _ = state.store.release_claim(&claim).await;
            Err(e)
        }
    }
}
