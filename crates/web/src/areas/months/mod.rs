//! A unit's month in one screen: every assignment of the caller's unit for a period, last
//! month's approved report beside this month's, and the whole month submitted at once (all
//! or nothing). `api.rs` answers JSON, `pages.rs` the month page.

pub mod api;
pub mod pages;

use crate::AppState;
use domain::Period;
use store::StoreError;
use store::months::{MonthEntry, MonthOutcome, MonthSheet};
use store::users::User;

/// The caller's unit: a unit-bound account always has one; one that did not would see
/// nothing (404), never another unit's month.
pub(crate) fn unit_of(user: &User) -> Result<i64, StoreError> {
    user.unit_id.ok_or(StoreError::NotFound)
}

/// The month a request names: well-formed and not after the open month (each row's plan year
/// is checked by the store).
pub(crate) fn month_period(state: &AppState, text: &str) -> Result<Period, StoreError> {
    crate::periods::open_or_past_period(state, text)
}

/// The caller's unit's month sheet.
pub(crate) async fn sheet(state: &AppState, user: &User, period: Period) -> Result<MonthSheet, StoreError> {
    state.store.month_sheet(unit_of(user)?, period, state.config.today(), state.config.due_day).await
}

/// Saves and submits the rows in one transaction (to the unit head first where the bureau
/// asks for sign-off).
pub(crate) async fn submit(
    state: &AppState,
    user: &User,
    period: Period,
    entries: &[MonthEntry],
) -> Result<MonthOutcome, StoreError> {
    let needs_signoff = crate::policy::needs_signoff(state, user).await?;
    let today = state.config.today();
    let open = Period::containing(today);
    state
        .store
        .submit_month(unit_of(user)?, period, entries, open, today, state.config.due_day, Some(user.id), needs_signoff)
        .await
}
