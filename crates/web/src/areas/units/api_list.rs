//! The directory as a list (JSON).

use crate::AppState;
use crate::api::auth::CurrentUser;
use crate::error::ApiResult;
use axum::Json;
use axum::extract::State;

/// The unit directory (every signed-in user: the unit picker needs it).
#[utoipa::path(get, path = "/api/v1/units", security(("bearer" = [])), responses((status = 200, body = Vec<crate::wire::units::Unit>)))]
pub async fn units(State(state): State<AppState>, _who: CurrentUser) -> ApiResult<Json<Vec<crate::wire::units::Unit>>> {
    Ok(Json(crate::wire::list(state.store.units().await?)))
}
