//! Plans: import, review, publish, archive; the plan and task pages; milestones, targets and
//! leaders' instructions. `api.rs` answers JSON, `pages.rs` HTML.

pub mod api;
pub mod pages;
