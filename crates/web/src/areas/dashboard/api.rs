//! The dashboard (JSON).

use crate::AppState;
use crate::api::auth::CurrentUser;
use crate::api::shared_json;
use crate::error::{ApiError, ApiResult, Problem, Query};
use crate::periods::plan_period;
use crate::wire::plans::Dashboard;
use axum::extract::State;
use domain::Period;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub struct DashboardQuery {
    /// YYYY-MM; the current month when omitted.
    pub period: Option<String>,
    /// The plan; the latest published one when omitted.
    pub plan: Option<i64>,
}

/// The plan's counts and the month's visit and 督办件 figures.
#[derive(Serialize, ToSchema)]
pub struct DashboardBody {
    #[serde(flatten)]
    pub dashboard: Dashboard,
    pub supervision: SupervisionFigures,
}

/// The month's figures of visits, rectification and 督办件, as the monthly bulletin prints
/// them (`domain::bulletin::Supervision`, from the store's `visit_bulletin`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SupervisionFigures {
    /// YYYY-MM
    pub period: String,
    /// The day the figures are taken as of (the month's last day, or today).
    pub as_of: String,
    /// 本月督导: visits made in the month.
    pub visits: usize,
    /// 发现问题: findings issued in the month.
    pub found: usize,
    /// 已销号: findings closed in the month.
    pub closed: usize,
    /// 整改率 (0–1): of the findings issued this year up to the month's end, closed by then;
    /// none when nothing was found.
    pub rate: Option<f64>,
    /// 整改率 as printed ("80.0%", or "—").
    pub rate_text: String,
    /// 逾期未整改: open findings overdue.
    pub overdue: usize,
    /// 督办件 登记: registered in the month.
    pub directives_registered: usize,
    /// 督办件 办结: closed in the month.
    pub directives_closed: usize,
    /// 督办件 在办: registered and not closed.
    pub directives_open: usize,
    /// 督办件 逾期.
    pub directives_overdue: usize,
}

impl From<&domain::bulletin::Supervision> for SupervisionFigures {
    fn from(s: &domain::bulletin::Supervision) -> Self {
        let (v, d) = (&s.visits, &s.directives);
        SupervisionFigures {
            period: v.period.to_string(),
            as_of: v.as_of.to_string(),
            visits: v.visits,
            found: v.found,
            closed: v.closed,
            rate: v.rate,
            rate_text: s.rate_text(),
            overdue: v.overdue_total,
            directives_registered: d.registered,
            directives_closed: d.closed,
            directives_open: d.open,
            directives_overdue: d.overdue.len(),
        }
    }
}

/// The month's bulletin figures of visits and 督办件: the same call the bulletin makes.
pub(crate) async fn supervision(
    state: &AppState,
    period: Period,
) -> Result<domain::bulletin::Supervision, store::StoreError> {
    Ok(state.store.visit_bulletin(period, state.config.today()).await?.into())
}

/// Counts by status overall, by section and by unit (the bureau's roles), and the month's
/// figures of visits, rectification and 督办件 as the bulletin prints them.
#[utoipa::path(get, path = "/api/v1/dashboard", params(DashboardQuery), security(("bearer" = [])),
    responses((status = 200, body = DashboardBody), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn dashboard(
    State(state): State<AppState>,
    _who: CurrentUser,
    Query(q): Query<DashboardQuery>,
    headers: axum::http::HeaderMap,
) -> ApiResult<axum::response::Response> {
    let plan_id = match q.plan {
        Some(id) => id,
        None => state.store.current_plan().await?.ok_or_else(ApiError::not_found)?,
    };
    let period = match q.period.as_deref() {
        Some(p) => Some(plan_period(&state, plan_id, p).await?),
        None => None,
    };
    // Made once per state of the data and shared, with its JSON, by every request for it.
    let shared = state.store.dashboard_view(plan_id, period, state.config.today(), &Default::default()).await?;
    shared_json(&headers, &shared, |d| DashboardBody {
        dashboard: d.plan.dashboard.clone().into(),
        supervision: SupervisionFigures::from(&domain::bulletin::Supervision::from(d.visits.as_ref().clone())),
    })
}
