//! Search over the plan and the reports the caller may see.

pub mod api;
pub mod pages;
