//! Issue H (trust defects found by an attack on the running demo), over HTTP on every backend.
//! One binary (link time), one module per class of defect; the harness is the shared
//! `support` module, with the clock of the demo.

mod accounts;
mod bounds;
mod races;
mod transport;
mod visibility;

#[path = "../support/mod.rs"]
mod support;

use support::*;

/// The clock of these tests: 2024-11-10, as in the demo.
pub fn config() -> web::Config {
    config_on(2024, 11, 10)
}

/// The Yingtan plan imported and published on this clock's day; its id.
pub async fn published(store: &Store) -> i64 {
    published_on(store, config().today()).await
}
