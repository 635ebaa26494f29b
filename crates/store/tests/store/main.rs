//! The store against real databases: a SQLite file and a fresh PostgreSQL database per test.
//! Under CI=true a missing PostgreSQL fails the run; elsewhere the PostgreSQL half is
//! skipped with a "SKIPPED:" line.

mod hardening;
mod inspections;
mod security;
mod views;
mod workflow;
