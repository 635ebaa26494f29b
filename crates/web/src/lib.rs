//! duban's HTTP layer. Handlers read the request, call `store` (which calls `domain` for
//! every computed figure) and render JSON; no SQL and no rules live here.

pub mod api;
pub mod areas;
pub mod body_limit;
pub mod downloads;
pub mod error;
pub mod memory;
pub mod observe;
pub mod openapi;
pub mod pages;
pub mod periods;
pub mod policy;
pub mod routes;
pub mod security;
mod server;
pub mod tls;
pub mod wire;

use axum::Router;
use axum::http::header;
use chrono::NaiveDate;
use store::Store;

/// How the server runs: settings that are not per-request.
#[derive(Clone, Debug)]
pub struct Config {
    /// A fixed "today" for demos and tests; `None` means the real date.
    pub today: Option<NaiveDate>,
    /// Day of the month reports are due.
    pub due_day: u32,
    /// Largest accepted upload, in bytes.
    pub max_upload: usize,
    /// How often the scheduler looks for due jobs.
    pub job_interval: std::time::Duration,
    /// Mark the session cookie Secure (when served over TLS).
    pub secure_cookies: bool,
    /// Where notices go besides the app (e-mail, webhook).
    pub channels: notify::Channels,
    /// Sign-in attempts a client address may make at once, then one more per
    /// `login_refill` (both sign-in endpoints together); a burst of 0 turns the limit off.
    pub login_burst: u32,
    pub login_refill: std::time::Duration,
    /// Requests to `/api/v1` a client (a session, or an address without one) may make at
    /// once, then `api_rate` more per second; either 0 turns the limit off.
    pub api_burst: u32,
    pub api_rate: u32,
    /// Backups the scheduler makes by itself (`duban serve --backup-dir`).
    pub backup: Option<store::archive::BackupSchedule>,
    /// How long a connection may take to send a complete request head, from its opening and
    /// again after each answer (so also how long an idle kept-alive connection stays open).
    pub header_timeout: std::time::Duration,
    /// Connections open at once; fewer if the descriptor limit leaves less room (see `server`).
    pub max_connections: usize,
    /// Large bodies (uploads, see `body_limit`) read at once; the rest wait their turn, at
    /// most `large_body_wait`, then get 503.
    pub max_large_bodies: usize,
    pub large_body_wait: std::time::Duration,
    /// How long a stopping server (SIGTERM, Ctrl-C) waits for the requests under way.
    pub shutdown_grace: std::time::Duration,
    /// Reverse proxies whose `X-Forwarded-For` (and `X-Request-Id`) is believed: only for a
    /// connection from one of these is the client's address read from the header (see
    /// [`observe::client_ip`]).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Client addresses that may read `/metrics`; with `metrics_token`, anyone presenting it
    /// as a bearer token may too. Neither: `/metrics` is 404 to all.
    pub metrics_allow: Vec<ipnet::IpNet>,
    pub metrics_token: Option<observe::MetricsToken>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            today: None,
            due_day: 25,
            max_upload: plan::MAX_INPUT_BYTES,
            job_interval: std::time::Duration::from_secs(60),
            secure_cookies: false,
            channels: notify::Channels::default(),
            login_burst: 20,
            login_refill: std::time::Duration::from_secs(3),
            api_burst: 600,
            api_rate: 300,
            backup: None,
            header_timeout: std::time::Duration::from_secs(10),
            max_connections: 10_000,
            max_large_bodies: 4,
            large_body_wait: std::time::Duration::from_secs(10),
            shutdown_grace: std::time::Duration::from_secs(30),
            trusted_proxies: Vec::new(),
            metrics_allow: Vec::new(),
            metrics_token: None,
        }
    }
}

impl Config {
    pub fn today(&self) -> NaiveDate {
        self.today.unwrap_or_else(|| chrono::Local::now().date_naive())
    }
}

/// What every handler and middleware gets. axum clones it for each `State` extractor, several
/// times a request, so it is one shared pointer: a profile of the cached reads showed cloning
/// and dropping the store's dozen handles at 6% of the server's time.
#[derive(Clone)]
pub struct AppState(std::sync::Arc<AppParts>);

/// What an [`AppState`] shares: the store and the settings.
pub struct AppParts {
    pub store: Store,
    pub config: std::sync::Arc<Config>,
}

impl AppState {
    pub fn new(store: Store, config: impl Into<std::sync::Arc<Config>>) -> AppState {
        AppState(std::sync::Arc::new(AppParts { store, config: config.into() }))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppParts;
    fn deref(&self) -> &AppParts {
        &self.0
    }
}

/// The whole application: the JSON API and the health check.
pub fn router(state: AppState) -> Router {
    let metrics = std::sync::Arc::new(observe::Metrics::new(&state.config));
    router_with(state, metrics)
}

/// [`router`] adding to `metrics` (which the scheduler of the same server adds to as well).
fn router_with(state: AppState, metrics: std::sync::Arc<observe::Metrics>) -> Router {
    state.store.observe(metrics.clone());
    let tracker =
        observe::Tracker { metrics: metrics.clone(), trusted_proxies: state.config.trusted_proxies.clone().into() };
    let max_upload = state.config.max_upload;
    let limiter = std::sync::Arc::new(security::LoginLimiter::new(state.config.login_burst, state.config.login_refill));
    let api_limiter = std::sync::Arc::new(security::ApiLimiter::new(state.config.api_burst, state.config.api_rate));
    let secure_cookies = state.config.secure_cookies;
    // The routes, from the one table; page routes clear a flash message once shown.
    let mut app = Router::new();
    for route in routes::table() {
        let handler = match route.interface {
            routes::Interface::Api => route.handler,
            routes::Interface::Page => route.handler.layer(axum::middleware::from_fn(pages::clear_flash)),
        };
        app = app.route(route.path, handler);
    }
    let app = app
        // Unknown paths: problem JSON under the API, the page otherwise.
        .fallback(fallback)
        // The API's per-client rate limit (also for its unknown paths).
        .layer(axum::middleware::from_fn_with_state(api_limiter, security::limit_api))
        // Every change is recorded (inside the routes, so the route's pattern is known).
        // Each route's body limit; large bodies only from signed-in senders (see body_limit).
        .layer(axum::middleware::from_fn_with_state(
            body_limit::BodyPolicy::new(state.clone()),
            body_limit::limit_bodies,
        ))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::audit))
        .layer(axum::middleware::from_fn_with_state(limiter, security::limit_logins))
        // Room for the largest document plus multipart framing.
        .layer(axum::extract::DefaultBodyLimit::max(max_upload + 64 * 1024))
        // Security headers on every response.
        .layer(header_layer(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header_layer(header::REFERRER_POLICY, "same-origin"))
        .layer(header_layer(header::X_FRAME_OPTIONS, "DENY"));
    let app = if secure_cookies { app.layer(axum::middleware::map_response(security::secure_cookies)) } else { app };
    // Outside everything else: the client's address and the request id for all the layers
    // within, and the log line and metrics of what the client finally got.
    app.layer(axum::Extension(metrics))
        .layer(axum::middleware::from_fn_with_state(tracker, observe::track))
        .with_state(state)
}

/// A path no route serves.
pub(crate) async fn fallback(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with(routes::API) {
        error::ApiError::not_found().into_response()
    } else {
        pages::PageError::NotFound.into_response()
    }
}

/// Pages load nothing from elsewhere and run no inline script, and cannot be framed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn header_layer(name: axum::http::HeaderName, value: &'static str) -> SetHeader {
    SetHeader::if_not_present(name, axum::http::HeaderValue::from_static(value))
}

type SetHeader = tower_http::set_header::SetResponseHeaderLayer<axum::http::HeaderValue>;

/// Runs the scheduled jobs (period opening, reminders, overdue notices, backups, notice
/// delivery) every `job_interval`, counting them in `metrics`; never returns. Each process
/// runs it; the store lets each occurrence run once.
async fn run_scheduler(state: AppState, metrics: std::sync::Arc<observe::Metrics>) {
    let owner = format!("{}:{}", std::env::var("HOSTNAME").unwrap_or_else(|_| "duban".into()), std::process::id());
    let mut tick = tokio::time::interval(state.config.job_interval);
    loop {
        tick.tick().await;
        match state.store.run_due_jobs(state.config.today(), state.config.due_day, &owner).await {
            Ok(ran) => {
                for job in ran {
                    metrics.job(job.split(' ').next().unwrap_or("job"), true);
                    tracing::info!(%job, "scheduled job ran");
                }
            }
            Err(e) => {
                metrics.job("period_jobs", false);
                tracing::warn!(error = %e, "scheduled jobs failed; will retry");
            }
        }
        // The visits' reminders and overdue notices, claimed once per finding or item.
        match state.store.run_visit_jobs(state.config.today(), &owner).await {
            Ok(sent) => {
                for notice in sent {
                    metrics.job("visit_notices", true);
                    tracing::info!(%notice, "visit notice sent");
                }
            }
            Err(e) => {
                metrics.job("visit_notices", false);
                tracing::warn!(error = %e, "visit notices failed; will retry");
            }
        }
        if let Some(schedule) = &state.config.backup {
            match state.store.run_scheduled_backup(schedule, chrono::Utc::now(), &owner).await {
                Ok(Some(made)) => {
                    metrics.job("backup", true);
                    metrics.verification(made.verification.ok);
                    if made.verification.ok {
                        tracing::info!(file = %made.path.display(), "scheduled backup written and verified");
                    } else {
                        tracing::error!(
                            file = %made.path.display(),
                            reason = %made.verification.detail,
                            "scheduled backup failed its verification"
                        );
                        let sent = backup_alarm(&state.config.channels, &made.verification).await;
                        for ok in sent {
                            metrics.notice(ok);
                        }
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    metrics.job("backup", false);
                    tracing::error!(error = %e, "scheduled backup failed; the next interval tries again");
                }
            }
        }
        if !state.config.channels.is_empty() {
            match deliver_counted(&state.store, &state.config.channels, &owner).await {
                Ok((sent, failed)) => {
                    for ok in std::iter::repeat_n(true, sent).chain(std::iter::repeat_n(false, failed)) {
                        metrics.notice(ok);
                    }
                    if sent + failed > 0 {
                        tracing::info!(sent, failed, "notices delivered");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "notice delivery failed; will retry"),
            }
        }
    }
}

/// Sends the notices this process claims through the configured channels and records each
/// outcome; returns how many were handled. A notice counts as delivered when every channel
/// that applies to it took it; otherwise a later round tries again.
pub async fn deliver_notices(store: &Store, channels: &notify::Channels, owner: &str) -> store::Result<usize> {
    deliver_counted(store, channels, owner).await.map(|(sent, failed)| sent + failed)
}

/// [`deliver_notices`], telling how many went out (sent) and how many did not (failed).
async fn deliver_counted(store: &Store, channels: &notify::Channels, owner: &str) -> store::Result<(usize, usize)> {
    let batch = store.claim_deliveries(owner, 50).await?;
    let mut failed = 0;
    for d in &batch {
        let notice = notify::Notice {
            unit: d.unit.clone(),
            kind: d.kind.clone(),
            period: d.period.clone(),
            message: d.message.clone(),
        };
        let mut notes = Vec::new();
        let mut ok = true;
        if channels.smtp_url.is_some() {
            match &d.email {
                None => notes.push("邮件:单位未登记邮箱".to_string()),
                Some(to) => match channels.email(to, &notice).await {
                    Ok(()) => notes.push(format!("邮件:已发送至 {to}")),
                    Err(e) => {
                        ok = false;
                        notes.push(e);
                    }
                },
            }
        }
        if channels.webhook_url.is_some() {
            match channels.webhook(&notice).await {
                Ok(()) => notes.push("webhook:已发送".to_string()),
                Err(e) => {
                    ok = false;
                    notes.push(e);
                }
            }
        }
        store.finish_delivery(d.id, ok, &notes.join(";")).await?;
        failed += usize::from(!ok);
    }
    Ok((batch.len() - failed, failed))
}

/// What the administrators are told of a failed backup verification (the webhook's notice
/// and the system administrator's home page).
pub fn backup_failure_text(v: &store::archive::Verification) -> String {
    format!(
        "定时备份 {} 校验失败:{}。请检查备份目录所在磁盘与数据库,运行 duban doctor,并尽快手动备份一次(duban backup)。",
        v.file, v.detail
    )
}

/// The newest scheduled backup's verification, when it failed (read from the backup
/// directory, so whichever process made the backup).
pub async fn failed_backup(config: &Config) -> Option<store::archive::Verification> {
    let dir = config.backup.as_ref()?.dir.clone();
    tokio::task::spawn_blocking(move || store::archive::last_verification(&dir)).await.ok()?.filter(|v| !v.ok)
}

/// Tells the administrators that a scheduled backup failed its verification, through the
/// notice channels they watch: the webhook (the operators' group robot). The administrators
/// have no unit, so the units' notice list and e-mail addresses do not reach them; the
/// system administrator's home page shows it instead (see [`failed_backup`]), and so do
/// `/metrics` and `duban doctor`. Whether each channel took it.
pub async fn backup_alarm(channels: &notify::Channels, v: &store::archive::Verification) -> Vec<bool> {
    let notice = notify::Notice {
        unit: "系统管理员".into(),
        kind: "backup_verification_failed".into(),
        period: v.file.clone(),
        message: backup_failure_text(v),
    };
    let mut sent = Vec::new();
    if channels.webhook_url.is_some() {
        match channels.webhook(&notice).await {
            Ok(()) => sent.push(true),
            Err(e) => {
                tracing::error!(error = %e, "the backup alarm did not reach the webhook");
                sent.push(false);
            }
        }
    }
    sent
}

/// Serves until Ctrl-C / SIGTERM, with the scheduler running beside the server (see `server`
/// for the limits on connections).
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    server::run(state, listener, None).await
}

/// [`serve`] over HTTPS with `tls` (see [`tls::load`]); session cookies are marked Secure.
pub async fn serve_tls(
    state: AppState,
    listener: tokio::net::TcpListener,
    tls: std::sync::Arc<tls::ServerConfig>,
) -> std::io::Result<()> {
    let state = AppState::new(state.store.clone(), Config { secure_cookies: true, ..Config::clone(&state.config) });
    server::run(state, listener, Some(tokio_rustls::TlsAcceptor::from(tls))).await
}
