//! The dashboard (JSON).

use crate::AppState;
use crate::api::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem, Query};
use crate::periods::plan_period;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use store::status::Dashboard;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
pub struct DashboardQuery {
    /// YYYY-MM; the current month when omitted.
    pub period: Option<String>,
    /// The plan; the latest published one when omitted.
    pub plan: Option<i64>,
}

/// Counts by status overall, by section and by unit (the bureau's roles).
#[utoipa::path(get, path = "/api/v1/dashboard", params(DashboardQuery), security(("bearer" = [])),
    responses((status = 200, body = Dashboard), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn dashboard(
    State(state): State<AppState>,
    _who: CurrentUser,
    Query(q): Query<DashboardQuery>,
) -> ApiResult<Json<Dashboard>> {
    let plan_id = match q.plan {
        Some(id) => id,
        None => state.store.current_plan().await?.ok_or_else(ApiError::not_found)?,
    };
    let period = match q.period.as_deref() {
        Some(p) => Some(plan_period(&state, plan_id, p).await?),
        None => None,
    };
    let view = state.store.plan_view(plan_id, period, state.config.today(), &Default::default()).await?;
    Ok(Json(view.dashboard.clone()))
}
