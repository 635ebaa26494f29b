//! The API's wire format: the types the JSON API answers and reads, documented in the
//! OpenAPI document. They live here, not in the store, so a change to a stored row changes the
//! API only through an edit in this folder. One file per area; each type converts from (or
//! into) its store type field by field, with no logic.

pub mod accounts;
pub mod assess;
pub mod bulletins;
pub mod inspections;
pub mod months;
pub mod plans;
pub mod reports;
pub mod scoring;
pub mod search;
pub mod units;

/// A list in its wire form, item by item.
pub fn list<S, W: From<S>>(items: Vec<S>) -> Vec<W> {
    items.into_iter().map(W::from).collect()
}
