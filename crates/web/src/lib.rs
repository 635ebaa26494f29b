//! duban's HTTP layer. Handlers read the request, call `store` (which calls `domain` for
//! every computed figure) and render JSON; no SQL and no rules live here.

pub mod api;
pub mod auth;
pub mod error;

use axum::Router;
use axum::routing::{get, post};
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
}

impl Default for Config {
    fn default() -> Self {
        Config { today: None, due_day: 25, max_upload: plan::MAX_INPUT_BYTES }
    }
}

impl Config {
    pub fn today(&self) -> NaiveDate {
        self.today.unwrap_or_else(|| chrono::Local::now().date_naive())
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Config,
}

/// The whole application: the JSON API and the health check.
pub fn router(state: AppState) -> Router {
    let max_upload = state.config.max_upload;
    let api = Router::new()
        .route("/auth/login", post(api::login))
        .route("/auth/logout", post(api::logout))
        .route("/me", get(api::me))
        .route("/users", get(api::users))
        .route("/plans", get(api::plans))
        .route("/plans/import", post(api::import_plan))
        .route("/plans/{id}", get(api::plan_detail))
        .route("/plans/{id}/publish", post(api::publish_plan))
        .route("/tasks", get(api::tasks))
        .route("/assignments/{id}/reports/{period}", get(api::get_report).put(api::save_report))
        .route("/assignments/{id}/reports/{period}/submit", post(api::submit_report))
        .route("/assignments/{id}/reports/{period}/review", post(api::review_report))
        .route("/assignments/{id}/reports/{period}/evidence", post(api::upload_evidence))
        .route("/evidence/{id}", get(api::download_evidence))
        .route("/dashboard", get(api::dashboard))
        .route("/search", get(api::search))
        .route("/openapi.json", get(api::openapi_json))
        .fallback(api::not_found);
    Router::new()
        .route("/healthz", get(api::healthz))
        .nest("/api/v1", api)
        // Room for the largest document plus multipart framing.
        .layer(axum::extract::DefaultBodyLimit::max(max_upload + 64 * 1024))
        .with_state(state)
}

/// Serves until Ctrl-C / SIGTERM.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
