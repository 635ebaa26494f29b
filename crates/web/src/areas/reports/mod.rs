//! Monthly reports: the work list, drafts, submits, sign-off, review, evidence and urging.
//! `api.rs` answers JSON, `pages.rs` HTML.

pub mod api;
pub mod pages;

use crate::AppState;
use domain::Period;
use store::StoreError;
use store::reports::queue::{QueueFilter, QueueRow};

/// The months the review queue shows by default: the open month first, then the one before
/// (reports of a month arrive into the next).
pub(crate) fn queue_periods(state: &AppState, filter: &QueueFilter) -> Result<Vec<Period>, StoreError> {
    match filter.period.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => Ok(vec![crate::periods::open_or_past_period(state, p)?]),
        None => {
            let open = crate::periods::open_period(state);
            Ok(vec![open, open.prev()])
        }
    }
}

/// The review queue as the office sees it: the same rows on the home page (its count), the
/// queue page and the API.
pub(crate) async fn review_queue(state: &AppState, filter: &QueueFilter) -> Result<Vec<QueueRow>, StoreError> {
    let periods = queue_periods(state, filter)?;
    state.store.review_queue(&periods, filter).await
}

/// Urges (催办) a unit by hand for a month: a notice to the unit, 1–500 characters.
pub(crate) async fn urge_unit(state: &AppState, unit_id: i64, period: &str, message: &str) -> Result<(), StoreError> {
    let period = crate::periods::open_or_past_period(state, period)?;
    let message = message.trim();
    if message.is_empty() || message.chars().count() > 500 {
        return Err(StoreError::invalid("message", "催办内容须为 1—500 字"));
    }
    if !state.store.units().await?.iter().any(|u| u.id == unit_id) {
        return Err(StoreError::NotFound);
    }
    state.store.urge(unit_id, &period.to_string(), message).await
}
