//! Search (JSON).

use crate::AppState;
use crate::api::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem, Query};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
pub struct SearchQuery {
    /// The words to find (Chinese is cut into words).
    #[param(min_length = 1, max_length = 100)]
    pub q: String,
}

/// Full-text search over items, measures, reports, findings of visits and 督办件 (a unit's
/// users see their own reports and findings and the 督办件 they lead or join; a 督学 the
/// findings of their visits and schools).
#[utoipa::path(get, path = "/api/v1/search", params(SearchQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<store::search::Hit>), (status = 422, body = Problem)))]
pub async fn search(
    State(state): State<AppState>,
    who: CurrentUser,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<Vec<store::search::Hit>>> {
    let text = q.q.trim();
    if text.is_empty() || text.chars().count() > 100 {
        return Err(ApiError::invalid("q", "请输入 1—100 个字的检索词"));
    }
    let unit = if who.sees_all_units() { None } else { who.user.unit_id.or(Some(-1)) };
    let visits = store::inspections::VisitScope::of(&who.user).into();
    Ok(Json(state.store.search_visible(text, unit, visits, 50).await?))
}
