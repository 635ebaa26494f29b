//! Which month a request may name: one rule (`domain::Period::check_for_plan`) for every route of
//! both interfaces that takes a period. Refusals are the store's `Invalid` (field `period`),
//! which the API answers as 422 problem JSON and the pages as a Chinese message.

use crate::AppState;
use domain::Period;
use store::StoreError;

type Result<T> = std::result::Result<T, StoreError>;

fn invalid(message: String) -> StoreError {
    StoreError::Invalid { field: "period".into(), message }
}

pub(crate) fn parse_period(s: &str) -> Result<Period> {
    s.parse().map_err(|_| invalid(format!("期间“{s}”格式应为 YYYY-MM")))
}

/// The month open for reporting: the month of the server's "today".
pub(crate) fn open_period(state: &AppState) -> Period {
    Period::containing(state.config.today())
}

/// A period a request names for plan `plan_id`: well-formed, within the plan's year and not
/// after the open month (`Period::check_for_plan`, the one rule for every route that takes a
/// period); 422 otherwise, 404 for no such plan.
pub(crate) async fn plan_period(state: &AppState, plan_id: i64, text: &str) -> Result<Period> {
    let period = parse_period(text)?;
    state.store.check_plan_period(plan_id, period, open_period(state)).await?;
    Ok(period)
}

/// [`plan_period`] for the plan of an assignment the caller may see (so a refusal tells
/// nothing about others'); the assignment as read carries its plan's year, so this asks the
/// database nothing more.
pub(crate) fn assignment_period(state: &AppState, assignment: &store::plans::Assignment, text: &str) -> Result<Period> {
    let period = parse_period(text)?;
    let year = assignment.plan_year.and_then(|y| i32::try_from(y).ok());
    period.check_for_plan(year, open_period(state)).map_err(invalid)?;
    Ok(period)
}

/// A period named without a plan (the work list, urging): well-formed and not after the open
/// month.
pub(crate) fn open_or_past_period(state: &AppState, text: &str) -> Result<Period> {
    let period = parse_period(text)?;
    period.check_for_plan(None, open_period(state)).map_err(invalid)?;
    Ok(period)
}
