//! The JSON API's plumbing under `/api/v1`: the caller (`auth`), idempotent writes, shared
//! answers (JSON made once per data version, gzip), uploads. The handlers live in their areas
//! (`crate::areas::*::api*`), the routes in `crate::routes`.

pub mod auth;
pub mod idempotency;

use crate::AppState;
use crate::error::ApiError;
use crate::error::ApiResult;
use crate::error::Multipart;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde::Serialize;
use utoipa::IntoParams;
use utoipa::ToSchema;

pub async fn not_found() -> ApiError {
    ApiError::not_found()
}

/// 200 when the database answers.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "数据库可用"), (status = 503, description = "数据库不可用")))]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.store.ping().await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

#[derive(Deserialize, IntoParams)]
pub struct PeriodQuery {
    /// YYYY-MM; the current month when omitted.
    pub period: Option<String>,
}

/// A value the store shares between requests, as JSON made once per state of the data, and
/// gzip-compressed (also once) for a client that accepts it.
pub(crate) fn shared_json<T, W: Serialize>(
    headers: &axum::http::HeaderMap,
    shared: &store::status::Shared<T>,
    wire: impl Fn(&T) -> W,
) -> ApiResult<axum::response::Response> {
    let encode = |value: &T| serde_json::to_vec(&wire(value));
    use axum::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, VARY};
    let internal = |e: String| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e);
    let gzip = headers.get_all(ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).any(accepts_gzip);
    Ok(if gzip {
        let body = shared.json_gzip(encode).map_err(internal)?;
        ([(CONTENT_TYPE, "application/json"), (CONTENT_ENCODING, "gzip"), (VARY, "accept-encoding")], body)
            .into_response()
    } else {
        let body = shared.json(encode).map_err(internal)?;
        ([(CONTENT_TYPE, "application/json"), (VARY, "accept-encoding")], body).into_response()
    })
}

/// Whether an Accept-Encoding value admits gzip: listed by name (or `*`) without `q=0`.
fn accepts_gzip(value: &str) -> bool {
    value.split(',').any(|coding| {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or("");
        let refused = parts.any(|p| p.strip_prefix("q=").is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0)));
        (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
    })
}

/// A multipart form with one file, field `file`.
#[derive(ToSchema)]
pub struct FileUpload {
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    pub file: Vec<u8>,
}

/// The `file` field of a multipart form: its name (or `default_name`) and bytes.
pub(crate) async fn file_field(form: &mut Multipart, default_name: &str) -> ApiResult<(String, Vec<u8>)> {
    let mut file = None;
    while let Some(field) = form.next_field().await.map_err(|e| multipart_error(&e.body_text(), e.status()))? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or(default_name).to_string();
            let bytes = field.bytes().await.map_err(|e| multipart_error(&e.body_text(), e.status()))?;
            file = Some((name, bytes.to_vec()));
        }
    }
    file.ok_or_else(|| ApiError::invalid("file", "请选择要上传的文件(表单字段 file)"))
}

pub(crate) fn multipart_error(text: &str, status: StatusCode) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "上传的文件超过 20 MB 上限")
    } else {
        ApiError::bad_request(format!("上传内容无法读取:{text}"))
    }
}

#[cfg(test)]
mod tests {
    use super::accepts_gzip;

    #[test]
    fn gzip_is_sent_only_when_the_client_takes_it() {
        for yes in ["gzip", "gzip, deflate, br, zstd", "br;q=1.0, GZIP;q=0.5", "*", "deflate, *;q=0.1"] {
            assert!(accepts_gzip(yes), "{yes}");
        }
        for no in ["", "identity", "br, deflate", "gzip;q=0", "gzip; q=0.0, br", "x-gzip-like"] {
            assert!(!accepts_gzip(no), "{no}");
        }
    }
}
