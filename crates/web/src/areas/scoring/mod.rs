//! Year-end scoring of the districts: the scheme, adjustments, publication.

pub mod api;
pub mod pages;
