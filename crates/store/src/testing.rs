//! Test support: a fresh database of each kind this machine offers.
//! Under CI=true a missing PostgreSQL is a failure; elsewhere its half of a test is skipped
//! with a "SKIPPED:" line, which CI also refuses.

use crate::Store;
use std::sync::atomic::{AtomicU32, Ordering};

/// The PostgreSQL server used for tests; DUBAN_TEST_PG overrides it.
fn pg_admin_url() -> String {
    std::env::var("DUBAN_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty database of each kind available, with a guard that removes it.
pub struct TestDb {
    pub name: &'static str,
    /// The database's URL, for other processes.
    pub url: String,
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("duban.db").display());
    TestDb {
        name: "sqlite",
        url: url.clone(),
        store: Store::open(&url).await.expect("sqlite opens").with_files(dir.path().join("files")),
        _dir: Some(dir),
    }
}

pub async fn postgres() -> Option<TestDb> {
    let url = empty_postgres().await?;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&url).await.expect("postgres opens").with_files(dir.path().join("files"));
    Some(TestDb { name: "postgres", url, store, _dir: Some(dir) })
}

/// The URL of a fresh, empty PostgreSQL database without any schema (for loading a dump);
/// `None` when PostgreSQL is unreachable outside CI.
pub async fn empty_postgres() -> Option<String> {
    let admin = pg_admin_url();
    let db = format!("duban_test_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
    sqlx::any::install_default_drivers();
    let conn = sqlx::AnyPool::connect(&admin).await;
    let pool = match conn {
        Ok(p) => p,
        Err(e) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("PostgreSQL is required under CI but {admin} is unreachable: {e}");
            }
            println!("SKIPPED: PostgreSQL tests ({admin} unreachable: {e})");
            return None;
        }
    };
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db}"))).execute(&pool).await.expect("drop");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}"))).execute(&pool).await.expect("create");
    pool.close().await;
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b).to_string();
    Some(format!("{base}/{db}"))
}

/// Every backend this machine offers.
pub async fn all() -> Vec<TestDb> {
    let mut v = vec![sqlite().await];
    v.extend(postgres().await);
    v
}

/// Runs a statement directly, bypassing the store (tests that tamper with the data). The
/// sessions the store keeps for a second are forgotten, so a tampered session or account
/// counts at once (a change by another process would take up to that second).
pub async fn execute(store: &Store, sql: &str) -> u64 {
    let n = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&store.pool)
        .await
        .expect("statement runs")
        .rows_affected();
    store.sessions.forget_all();
    n
}

/// The store's connection pool, for tests that read or tamper with the data directly.
pub fn pool(store: &Store) -> &sqlx::AnyPool {
    &store.pool
}
