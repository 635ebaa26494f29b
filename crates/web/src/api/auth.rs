//! Who is calling: a Bearer token (from `POST /api/v1/auth/login`) names a user, whose role
//! must be one the route table (`crate::routes`) admits for the route called.

use crate::AppState;
use crate::error::ApiError;
use crate::security::Gate;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use store::users::User;

/// The signed-in user, or a 401 problem.
pub struct CurrentUser {
    pub user: User,
    pub token: String,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthorized)?;
        let user = state.store.user_by_token(token).await?.ok_or_else(ApiError::unauthorized)?;
        crate::security::note_actor(&parts.extensions, &user);
        // The route table says who may call each route (`routes::gate`).
        let route = parts.extensions.get::<axum::extract::MatchedPath>().map(|m| m.as_str());
        match crate::routes::gate(&parts.method, route, &user) {
            Gate::Open => {}
            Gate::ChangePassword => return Err(crate::security::password_change_required()),
            Gate::Denied => return Err(ApiError::forbidden()),
        }
        Ok(CurrentUser { user, token: token.to_string() })
    }
}

impl CurrentUser {
    /// Whether the user sees every unit's work (the bureau's roles) or only their unit's.
    pub fn sees_all_units(&self) -> bool {
        crate::policy::sees_all_units(&self.user)
    }
}
