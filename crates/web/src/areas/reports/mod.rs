//! Monthly reports: the work list, drafts, submits, sign-off, review, evidence and urging.
//! `api.rs` answers JSON, `pages.rs` HTML.

pub mod api;
pub mod pages;
