//! Every failure the API reports is an RFC 9457 problem document
//! (`application/problem+json`), with a Chinese `detail` and, for a bad value, the field.

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use store::StoreError;
use utoipa::ToSchema;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable key, part of the problem's `type`.
    pub code: &'static str,
    pub detail: String,
    pub field: Option<String>,
    /// Seconds to wait, sent as `Retry-After` (a lock, a rate limit).
    pub retry_after: Option<u64>,
    /// Every field's problem, when a request has several (a month's rows); else `field`'s.
    pub errors: Vec<FieldError>,
}

/// The problem document (RFC 9457), with duban's `code` and `errors` extensions.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        ApiError { status, code, detail: detail.into(), field: None, retry_after: None, errors: Vec::new() }
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "请先登录")
    }
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "您的角色无权进行此操作")
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "未找到该对象")
    }
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid",
            detail: message,
            field: Some(field.to_string()),
            retry_after: None,
            errors: Vec::new(),
        }
    }
    /// 422 listing every problem of a request at once (each with its field's path).
    pub fn invalid_all(detail: impl Into<String>, errors: Vec<FieldError>) -> Self {
        ApiError { errors, ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", detail) }
    }
    /// Too many wrong passwords for a name (sign-in, or the current password given to change
    /// it): 429 with `Retry-After`.
    pub fn account_locked(minutes: i64) -> Self {
        ApiError {
            retry_after: Some(minutes.max(1) as u64 * 60),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "account_locked", locked_message(minutes))
        }
    }
}

/// How long a client is asked to wait before retrying while the database is out of reach: a
/// PostgreSQL restart takes a second or two.
pub const UNAVAILABLE_RETRY_SECS: u64 = 2;

fn title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "请求格式错误",
        401 => "未登录或登录已过期",
        403 => "无权操作",
        404 => "未找到",
        409 => "与当前状态冲突",
        412 => "内容已被他人修改",
        413 => "上传内容过大",
        415 => "不支持的文件类型",
        422 => "填写的内容有误",
        428 => "缺少版本信息",
        429 => "请求过于频繁",
        503 => "服务器繁忙",
        507 => "服务器存储空间不足",
        _ => "服务器内部错误",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let errors = if self.errors.is_empty() {
            self.field
                .as_ref()
                .map(|f| vec![FieldError { field: f.clone(), message: self.detail.clone() }])
                .unwrap_or_default()
        } else {
            self.errors
        };
        let body = Problem {
            kind: format!("urn:duban:problem:{}", self.code),
            title: title(self.status).to_string(),
            status: self.status.as_u16(),
            detail: self.detail,
            code: self.code.to_string(),
            errors,
        };
        let mut resp = (self.status, Json(body)).into_response();
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(secs) = self.retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            StoreError::Invalid { field, message } => ApiError::invalid(&field, message),
            StoreError::DiskFull => {
                tracing::error!("disk full: a change was not written");
                ApiError::new(StatusCode::INSUFFICIENT_STORAGE, "disk_full", store::DISK_FULL)
            }
            StoreError::Unavailable(e) => {
                tracing::warn!(error = %e, "database unavailable");
                ApiError {
                    retry_after: Some(UNAVAILABLE_RETRY_SECS),
                    ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "database_unavailable", store::UNAVAILABLE)
                }
            }
            StoreError::Db(e) => {
                tracing::error!(error = %e, "database error");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "服务器内部错误,请稍后重试")
            }
        }
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        use axum::extract::rejection::JsonRejection::*;
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "请求体过大");
        }
        match r {
            JsonDataError(e) => json_data_error(&e.body_text()),
            JsonSyntaxError(e) => ApiError::bad_request(match json_position(&e.body_text()) {
                Some((line, column)) => format!("请求体不是有效的 JSON(第 {line} 行第 {column} 列附近有误)"),
                None => "请求体不是有效的 JSON".to_string(),
            }),
            MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请求体须为 application/json",
            ),
            _ => ApiError::bad_request("请求体无法读取"),
        }
    }
}

/// `line L column C` at the end of a serde_json message.
fn json_position(text: &str) -> Option<(u64, u64)> {
    let (_, rest) = text.rsplit_once(" at line ")?;
    let (line, column) = rest.split_once(" column ")?;
    Some((line.trim().parse().ok()?, column.trim().parse().ok()?))
}

/// The text between the first pair of backticks of a serde message (a field's or a value's
/// name).
fn quoted(text: &str) -> Option<&str> {
    let (_, rest) = text.split_once('`')?;
    Some(rest.split_once('`')?.0)
}

/// A JSON body of the wrong shape, said in Chinese and naming the field; serde's English text
/// stays out of the answer (the client sees what to fix, not the library's wording).
fn json_data_error(text: &str) -> ApiError {
    let reason = text.split_once("target type: ").map_or(text, |(_, r)| r);
    let reason = reason.rsplit_once(" at line ").map_or(reason, |(r, _)| r);
    // serde_path_to_error puts the field's path first ("role: unknown variant …"); a message
    // about the whole body has none.
    let (path, message) = match reason.split_once(": ") {
        Some((p, m)) if !p.contains(' ') && p != "." => (Some(p), m),
        _ => (None, reason),
    };
    if let Some(field) = message.strip_prefix("missing field ").and_then(quoted) {
        let field = path.map_or(field.to_string(), |p| format!("{p}.{field}"));
        return ApiError::invalid(&field, format!("缺少字段 {field}"));
    }
    if let Some(field) = message.strip_prefix("unknown field ").and_then(quoted) {
        let field = path.map_or(field.to_string(), |p| format!("{p}.{field}"));
        return ApiError::invalid(&field, format!("不认识的字段 {field}"));
    }
    let field = path.unwrap_or("body");
    let expected = message.rsplit_once("expected ").map(|(_, e)| json_type_label(e));
    let detail = if message.starts_with("unknown variant ") {
        let value = quoted(message).unwrap_or("");
        let choices: Vec<&str> =
            message.split_once("expected ").map_or("", |(_, e)| e).split('`').skip(1).step_by(2).collect();
        if choices.is_empty() {
            format!("字段 {field} 的值“{value}”无效")
        } else {
            format!("字段 {field} 的值“{value}”无效,可用:{}", choices.join("、"))
        }
    } else if message.starts_with("invalid type") && path.is_none() {
        format!("请求体的类型不对,应为{}", expected.unwrap_or("JSON 对象"))
    } else if message.starts_with("invalid type") {
        format!("字段 {field} 的类型不对,应为{}", expected.unwrap_or("有效的值"))
    } else if message.starts_with("invalid value") || message.starts_with("invalid length") {
        format!("字段 {field} 的值无效,应为{}", expected.unwrap_or("有效的值"))
    } else {
        format!("字段 {field} 的内容无效")
    };
    ApiError::invalid(field, detail)
}

/// What serde says it expected ("a string", "i64", "struct LoginRequest"), as a person reads it.
fn json_type_label(expected: &str) -> &'static str {
    let e = expected.trim();
    if e.contains("string") || e.contains("char") {
        "文本"
    } else if e.contains("bool") {
        "true 或 false"
    } else if e.starts_with("struct") || e.contains("map") {
        "对象"
    } else if e.contains("sequence") || e.contains("tuple") || e.contains("array") {
        "数组"
    } else if e.starts_with('f') || e.contains("float") {
        "数字"
    } else if e.starts_with('i') || e.starts_with('u') || e.contains("integer") {
        "整数"
    } else {
        "有效的值"
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A type name as a person reads it, for "should be …" messages.
fn type_label(expected: &str) -> &'static str {
    let name = expected.rsplit("::").next().unwrap_or(expected);
    match name {
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" | "isize" => "整数",
        "f32" | "f64" => "数字",
        "bool" => "true 或 false",
        _ => "有效的值",
    }
}

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(r: axum::extract::rejection::PathRejection) -> Self {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        let detail = match &r {
            PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
                ErrorKind::ParseErrorAtKey { key, value, expected_type } => {
                    format!("路径参数 {key} 的值“{value}”无效,应为{}", type_label(expected_type))
                }
                ErrorKind::ParseErrorAtIndex { value, expected_type, .. }
                | ErrorKind::ParseError { value, expected_type } => {
                    format!("路径参数“{value}”无效,应为{}", type_label(expected_type))
                }
                ErrorKind::InvalidUtf8InPathParam { key } => format!("路径参数 {key} 不是有效的 UTF-8 文本"),
                _ => format!("路径参数有误:{}", r.body_text()),
            },
            _ => format!("路径参数有误:{}", r.body_text()),
        };
        ApiError::bad_request(detail)
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(r: axum::extract::rejection::QueryRejection) -> Self {
        let text = r.body_text();
        let reason = text.strip_prefix("Failed to deserialize query string: ").unwrap_or(&text);
        if let Some(field) = reason.strip_prefix("missing field `").and_then(|r| r.strip_suffix('`')) {
            return ApiError::bad_request(format!("缺少查询参数 {field}"));
        }
        ApiError::bad_request(format!("查询参数有误:{reason}"))
    }
}

impl From<axum::extract::multipart::MultipartRejection> for ApiError {
    fn from(_: axum::extract::multipart::MultipartRejection) -> Self {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请求体须为 multipart/form-data(含 boundary)",
        )
    }
}

/// `axum::extract::Path` whose refusal is a problem document (400) instead of plain text.
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(value) = axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(Path(value))
    }
}

/// `axum::extract::Query` whose refusal is a problem document (400) instead of plain text.
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Query(value) = axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(Query(value))
    }
}

/// `axum::extract::Multipart` whose refusal (no multipart content type or boundary) is a
/// problem document (415) instead of plain text.
pub struct Multipart(pub axum::extract::Multipart);

impl<S: Send + Sync> FromRequest<S> for Multipart {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Multipart(axum::extract::Multipart::from_request(req, state).await?))
    }
}

impl std::ops::Deref for Multipart {
    type Target = axum::extract::Multipart;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Multipart {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

/// Completes the OpenAPI document so that it states every answer the API gives: error
/// answers are `application/problem+json`; every operation lists the problems its extractors
/// and guards can produce (401 without a valid token, 403 for a role it does not name, 400
/// for a malformed parameter or body, 404 for an unknown id in the path, 413/415/422 for a
/// request body, 429 past the per-client limit); integer-keyed maps say their keys are strings of digits, as JSON has them.
pub struct ProblemResponses;

/// A month, as every `period` parameter takes it.
const PERIOD_PATTERN: &str = "^(19[0-9]{2}|2[01][0-9]{2}|2200)-(0[1-9]|1[0-2])$";

impl utoipa::Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Ok(mut doc) = serde_json::to_value(&*openapi) else { return };
        complete_problems(&mut doc);
        string_keyed_maps(&mut doc);
        if let Ok(done) = serde_json::from_value(doc) {
            *openapi = done;
        }
    }
}

fn problem_response(status: StatusCode) -> serde_json::Value {
    serde_json::json!({
        "description": title(status),
        "content": {
            "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } }
        }
    })
}

fn complete_problems(doc: &mut serde_json::Value) {
    use serde_json::Value;
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in paths.iter_mut() {
        // `/healthz` answers in plain text, for load balancers.
        if !path.starts_with("/api/v1/") {
            continue;
        }
        let Some(item) = item.as_object_mut() else { continue };
        for (method, op) in item.iter_mut() {
            if !matches!(method.as_str(), "get" | "put" | "post" | "delete" | "patch") {
                continue;
            }
            let secured = op.get("security").and_then(Value::as_array).is_some_and(|s| !s.is_empty());
            if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                for p in params.iter_mut().filter(|p| p["name"] == "period") {
                    if let Some(schema) = p.get_mut("schema").and_then(Value::as_object_mut) {
                        schema.insert("pattern".to_string(), Value::from(PERIOD_PATTERN));
                    }
                }
            }
            let params = op.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
            let in_path = params.iter().any(|p| p["in"] == "path");
            // Every query value and every textual path segment is checked (a period, a format).
            let checked =
                params.iter().any(|p| p["in"] == "query" || (p["in"] == "path" && p["schema"]["type"] != "integer"));
            let body = op.get("requestBody").is_some();
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { continue };
            for (status, response) in responses.iter_mut() {
                if !status.starts_with('4') && !status.starts_with('5') {
                    continue;
                }
                let Some(response) = response.as_object_mut() else { continue };
                match response.get_mut("content").and_then(Value::as_object_mut) {
                    Some(content) => {
                        if let Some(json) = content.remove("application/json") {
                            content.insert("application/problem+json".to_string(), json);
                        }
                    }
                    None => {
                        let code = status.parse().ok().and_then(|s| StatusCode::from_u16(s).ok());
                        if let Some(code) = code {
                            *response = problem_response(code).as_object().cloned().unwrap_or_default();
                        }
                    }
                }
            }
            // The per-client limit (`security::limit_api`) covers the whole API.
            let mut add = vec![StatusCode::TOO_MANY_REQUESTS];
            if secured {
                add.push(StatusCode::UNAUTHORIZED);
                // One's own account is open to every signed-in user (`routes::gate`).
                let own_account = axum::http::Method::from_bytes(method.to_uppercase().as_bytes())
                    .ok()
                    .and_then(|m| crate::routes::access(&m, path))
                    == Some(crate::routes::Access::SignedIn);
                if !own_account {
                    add.push(StatusCode::FORBIDDEN);
                }
            }
            if !params.is_empty() || body {
                add.push(StatusCode::BAD_REQUEST);
            }
            if in_path {
                add.push(StatusCode::NOT_FOUND);
            }
            if body {
                add.extend([StatusCode::PAYLOAD_TOO_LARGE, StatusCode::UNSUPPORTED_MEDIA_TYPE]);
            }
            if body || checked {
                add.push(StatusCode::UNPROCESSABLE_ENTITY);
            }
            for status in add {
                responses.entry(status.as_u16().to_string()).or_insert_with(|| problem_response(status));
            }
        }
    }
}

/// utoipa describes a map with integer keys (`BTreeMap<i64, _>`) with integer
/// `propertyNames`, but JSON object keys are always strings: say "a string of digits".
fn string_keyed_maps(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if let Some(names) = map.get_mut("propertyNames")
                && names.get("type").and_then(Value::as_str) == Some("integer")
            {
                *names = serde_json::json!({ "type": "string", "pattern": "^-?[0-9]+$" });
            }
            map.values_mut().for_each(string_keyed_maps);
        }
        Value::Array(items) => items.iter_mut().for_each(string_keyed_maps),
        _ => {}
    }
}

/// What a locked sign-in is told.
pub fn locked_message(minutes: i64) -> String {
    format!("登录失败次数过多,账户已暂时锁定,请 {minutes} 分钟后再试")
}
