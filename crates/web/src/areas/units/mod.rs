//! The unit directory: one unit at a time or as a sheet.

pub mod api;
pub mod api_list;
pub mod pages;
