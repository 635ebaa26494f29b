//! The public progress page (政务公开), once the office opens a plan.

pub mod pages;

use crate::AppState;
use crate::pages::PageError;

fn key(plan_id: i64) -> String {
    format!("public_plan_{plan_id}")
}

pub async fn is_public(state: &AppState, plan_id: i64) -> Result<bool, PageError> {
    Ok(state.store.setting(&key(plan_id)).await?.as_deref() == Some("true"))
}

fn visits_key(plan_id: i64) -> String {
    format!("public_visits_{plan_id}")
}

/// Whether the office opened the summary of visits and rectification on the plan's public
/// page (closed unless opened).
pub async fn shows_visits(state: &AppState, plan_id: i64) -> Result<bool, PageError> {
    Ok(state.store.setting(&visits_key(plan_id)).await?.as_deref() == Some("true"))
}
