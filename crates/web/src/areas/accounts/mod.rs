//! Accounts: signing in and out, one's password, users and roles (三员分立), the audit log,
//! settings and notices. `api*.rs` answer JSON, `*pages.rs` HTML; what both use is here.

pub mod api;
pub mod api_session;
pub mod login_pages;
pub mod pages;
pub mod users_pages;

use crate::security::ClientIp;
use axum::http::HeaderValue;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;
use store::accounts::SignIn;
use store::audit::AuditEvent;
use store::audit::AuditQuery;
use store::audit::AuditRecord;

/// A locked answer says when to come back, in seconds (`Retry-After`), as the API's does.
pub fn with_retry_after(mut r: axum::response::Response, minutes: i64) -> axum::response::Response {
    r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(minutes.max(1) as u64 * 60));
    r
}

/// The audit record of a sign-in attempt (via `page` or `api`).
pub fn sign_in_event(username: &str, ip: &ClientIp, outcome: &SignIn, via: &str) -> AuditEvent {
    let (actor_id, result) = match outcome {
        SignIn::Ok(u) => (Some(u.id), "ok".to_string()),
        SignIn::Refused => (None, "refused".to_string()),
        SignIn::Locked { minutes } => (None, format!("locked:{minutes}")),
    };
    AuditEvent {
        actor_id,
        actor: username.chars().take(64).collect(),
        ip: ip.text(),
        action: "login".into(),
        object: None,
        outcome: result,
        detail: serde_json::json!({ "via": via }),
    }
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
            .map(|(k, v)| format!("{k}={}", crate::pages::url_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
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
