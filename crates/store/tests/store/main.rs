//! The store against real databases: a SQLite file and a fresh PostgreSQL database per test.
//! Under CI=true a missing PostgreSQL fails the run; elsewhere the PostgreSQL half is
//! skipped with a "SKIPPED:" line.

mod bulletin;
mod calendar;
mod hardening;
mod inspections;
mod module_graph;
mod search;
mod security;
mod upgrade;
mod views;
mod workflow;
