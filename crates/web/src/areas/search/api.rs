//! Search (JSON).

use super::{SearchParams, scope};
use crate::AppState;
use crate::api::auth::CurrentUser;
use crate::error::{ApiResult, Problem, Query};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};

/// Ranked full-text search over items, measures, reports, findings of visits and 督办件, best
/// first, each hit with a snippet and where the query's words are in it (a unit's users see
/// their own reports and findings and the 督办件 they lead or join; a 督学 the findings of
/// their visits and schools). `X-Total-Count` says how many documents match in all.
#[utoipa::path(get, path = "/api/v1/search", params(SearchParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<crate::wire::search::Hit>,
        headers(("X-Total-Count" = u64, description = "匹配的文档总数"))),
        (status = 422, body = Problem)))]
pub async fn search(
    State(state): State<AppState>,
    who: CurrentUser,
    Query(q): Query<SearchParams>,
) -> ApiResult<Response> {
    let request = q.request()?;
    let (unit, visits) = scope(&who.user);
    let found = state.store.search_ranked(&request, unit, visits).await?;
    let hits: Vec<crate::wire::search::Hit> = crate::wire::list(found.hits.clone());
    let mut response = Json(hits).into_response();
    response.headers_mut().insert("x-total-count", HeaderValue::from(found.total));
    Ok(response)
}
