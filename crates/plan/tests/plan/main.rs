//! The plan parser's integration tests: one binary (each test binary costs link time).

mod common;
mod corpus;
mod formats;
mod properties;
mod samples;
mod yingtan;
