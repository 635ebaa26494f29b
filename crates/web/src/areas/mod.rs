//! One folder per area of the work. In each, `api*.rs` holds the JSON handlers and
//! `*pages.rs` the HTML handlers; the two never import each other, and what both need lives in
//! the area's `mod.rs`, in `crate::policy` (who may see what) or in the store. Routes are
//! declared once, in `crate::routes`.

pub mod accounts;
pub mod assess;
pub mod bulletins;
pub mod dashboard;
pub mod help;
pub mod inspections;
pub mod months;
pub mod plans;
pub mod public;
pub mod reports;
pub mod scoring;
pub mod search;
pub mod units;
