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
