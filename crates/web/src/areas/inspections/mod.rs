//! 督导检查 (visits), their findings' rectification (问题整改销号), 一月一督导 coverage and
//! 督办件. `api.rs` answers JSON, `pages.rs` HTML. What a user sees is the store's
//! `VisitScope::of(user)` (another unit's finding or item does not exist for them: 404); which
//! actions a role may take is the route table's.

pub mod api;
pub mod pages;

use store::inspections::NewInspection;
use store::users::{Role, User};

/// An inspector records visits they take part in: one who leaves themselves off the list is
/// put on it, so a visit they record is always theirs to see afterwards.
pub(crate) fn with_recorder(mut input: NewInspection, user: &User) -> NewInspection {
    if user.role == Role::Inspector && !input.inspectors.contains(&user.id) {
        input.inspectors.insert(0, user.id);
    }
    input
}

/// A unit's rectifications still open (待整改, 整改中, 待核查, 逾期), overdue first, then by
/// deadline: what its 工作台 and its month page list.
pub(crate) async fn open_rectifications(
    state: &crate::AppState,
    unit: i64,
) -> Result<Vec<store::inspections::Rectification>, store::StoreError> {
    let scope = store::inspections::VisitScope::Unit(unit);
    let mut open = state.store.rectifications(&Default::default(), scope, state.config.today()).await?;
    open.retain(|r| r.state != "closed");
    open.sort_by_key(|r| (r.state != "overdue", r.deadline));
    Ok(open)
}

/// The 督办件 a unit leads or joins that are not yet closed (办结), overdue first, then by
/// deadline: what its month page lists.
pub(crate) async fn open_directives(
    state: &crate::AppState,
    unit: i64,
) -> Result<Vec<store::inspections::Directive>, store::StoreError> {
    let scope = store::inspections::VisitScope::Unit(unit);
    let mut open = state.store.directives(None, scope, state.config.today()).await?;
    open.retain(|d| d.state != "closed");
    open.sort_by_key(|d| (d.state != "overdue", d.deadline, d.id));
    Ok(open)
}

/// The colour of a rectification's or 督办件's state badge.
pub(crate) fn state_colour(state: &str) -> &'static str {
    match state {
        "closed" => "green",
        "overdue" => "red",
        // Waiting for the office: not a warning.
        "verifying" | "confirming" => "blue",
        _ => "grey",
    }
}
