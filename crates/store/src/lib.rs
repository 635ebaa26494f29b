//! Persistence for duban: SQLite (the embedded default, in WAL mode) and PostgreSQL (for
//! scale), from one code path through sqlx's `Any` driver. Handlers never write SQL: they
//! call the operations here, which return plain structs.

/// SQL assembled from constant fragments (column lists, shared SELECTs) — never from input,
/// which always goes through bound parameters.
macro_rules! sql {
    ($($t:tt)*) => {
        sqlx::AssertSqlSafe(format!($($t)*))
    };
}

pub mod accounts;
pub mod archive;
pub mod audit;
pub mod backup;
pub mod bulk;
pub mod bulletin;
mod coalesce;
/// On SQLite, the data version and the API's report read made on the calling thread (no
/// hand-off to sqlx's threads).
mod direct_read;
pub mod directory;
pub mod directory_sheet;
pub mod evidence;
mod group_commit;
pub mod idempotency;
pub mod inspections;
pub mod instructions;
pub mod jobs;
pub mod months;
pub mod observe;
pub mod password;
pub mod plans;
pub mod reports;
pub mod schema;
pub mod schools;
pub mod scoring;
pub mod search;
pub mod seed;
mod session_cache;
/// Generic SQL helpers (multi-row INSERTs, the conditional-change check); uses no other module.
mod sql;
pub mod status;
/// Fresh databases for the integration tests of this and dependent crates.
pub mod testing;
pub mod users;
pub mod visits_seed;

use schema::Backend;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor, Row};
use std::time::Duration;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// The object does not exist, or the caller may not see it (never say which).
    #[error("未找到")]
    NotFound,
    /// The request conflicts with the current state (e.g. a stale version).
    #[error("{0}")]
    Conflict(String),
    /// A value is not acceptable; `field` names it for the form or the problem JSON.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The server's disk (or the database server's) is full: nothing of the change was
    /// kept. Not the user's fault and not a bug; an operator must free space.
    #[error("{DISK_FULL}")]
    DiskFull,
    /// The database cannot be reached for now (a PostgreSQL server restarting, every
    /// connection busy past the wait): the request was not carried out, or its outcome is not
    /// known (a COMMIT cut off), so it is never acknowledged; the client may retry it (with
    /// the same `Idempotency-Key`). Not the user's fault and not a bug. Shown with its
    /// reason to an operator (the command line, the log); users are told [`UNAVAILABLE`].
    #[error("数据库暂时无法访问:{0}")]
    Unavailable(#[source] sqlx::Error),
    #[error("数据库错误:{0}")]
    Db(#[source] sqlx::Error),
}

/// What a user is told when a change could not be written for lack of disk space.
pub const DISK_FULL: &str = "服务器磁盘空间不足,本次保存未完成,请联系系统管理员";

/// How long a database's answer to [`Store::ping`] stands.
const PING_FRESH: std::time::Duration = std::time::Duration::from_millis(500);

/// The last time something happened in this process, if it has.
#[derive(Debug, Default)]
struct Moment(std::sync::Mutex<Option<std::time::Instant>>);

impl Moment {
    fn mark(&self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(std::time::Instant::now());
    }

    fn within(&self, span: std::time::Duration) -> bool {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).is_some_and(|at| at.elapsed() < span)
    }
}

/// What a user is told when the database could not be reached.
pub const UNAVAILABLE: &str = "数据库暂时无法访问,本次操作未能确认完成,请稍后重试";

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if disk_full(&e) {
            StoreError::DiskFull
        } else if unreachable(&e) {
            StoreError::Unavailable(e)
        } else {
            StoreError::Db(e)
        }
    }
}

/// A database error that says the database is out of reach rather than that the request was
/// wrong: the connection broke or could not be made (an I/O error, no connection within the
/// pool's wait), or PostgreSQL refused or ended it — SQLSTATE class 08 (connection
/// exception), 57P01–57P03 (shut down by the administrator, crashed, starting up) and 53300
/// (too many connections). The pool drops a broken connection and opens a new one for the
/// next request, so these pass once the server is back.
pub(crate) fn unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => true,
        sqlx::Error::Database(d) => {
            d.code().is_some_and(|c| c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03" | "53300"))
        }
        _ => false,
    }
}

/// A database error that says the disk is full: SQLite's `SQLITE_FULL` (13, in the low byte
/// of an extended code), PostgreSQL's `disk_full` (53100), or the system's `ENOSPC`/quota.
pub(crate) fn disk_full(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            let code = d.code();
            let code = code.as_deref().unwrap_or_default();
            code == "53100" || code.parse::<i64>().is_ok_and(|c| c & 0xff == 13)
        }
        sqlx::Error::Io(io) => io_disk_full(io),
        _ => false,
    }
}

/// The system's "no space left on device" or "disk quota exceeded".
pub(crate) fn io_disk_full(e: &std::io::Error) -> bool {
    matches!(e.kind(), std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded)
}

impl StoreError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        StoreError::Invalid { field: field.to_string(), message: message.into() }
    }

    /// A write that lost a race for a unique key (two publications numbering the same new
    /// version at once) is a conflict, told as `why`, not a database failure.
    pub(crate) fn lost_race(e: sqlx::Error, why: &str) -> Self {
        match e.as_database_error() {
            Some(d) if d.is_unique_violation() => StoreError::Conflict(why.to_string()),
            _ => e.into(),
        }
    }

    /// A file (evidence, an attachment) that could not be written: a full disk is said so,
    /// anything else names the system's reason.
    pub(crate) fn file(e: std::io::Error) -> Self {
        if io_disk_full(&e) {
            StoreError::DiskFull
        } else {
            StoreError::invalid("file", format!("保存文件失败:{e}"))
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The handle every operation goes through. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    /// The readers' connections. Private, like every field: callers go through
    /// the operations, so the rules they keep (write transactions, group commit, the view
    /// cache's data version) cannot be bypassed; tests reach the database through
    /// [`testing`].
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    /// Where evidence files are kept (content-addressed); `None` for a store without files.
    pub(crate) files: Option<std::path::PathBuf>,
    /// Plan views computed by this process, valid while the data version stands.
    views: std::sync::Arc<status::ViewCache>,
    /// Sessions this process read in the last second (see [`session_cache`]).
    sessions: std::sync::Arc<session_cache::SessionCache<users::SessionRead>>,
    /// The data version as concurrent reads share it (see [`coalesce`]).
    versions: std::sync::Arc<coalesce::Coalesced<i64>>,
    /// On SQLite, reads made without the pool: the data version and the API's report read
    /// (see [`direct_read`]); `None` on PostgreSQL, whose every read is a round trip to the
    /// server anyway.
    direct: Option<std::sync::Arc<direct_read::DirectReads>>,
    /// The API's report reads as concurrent requests share them (see [`reports::ReportReads`]).
    report_reads: std::sync::Arc<reports::ReportReads>,
    /// When the database last answered a [`Store::ping`].
    answered: std::sync::Arc<Moment>,
    /// On SQLite, this process's writers take turns here before they ask SQLite for the
    /// write lock (see [`Store::write_tx`]).
    writer_turn: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// On SQLite, the connection write transactions use, kept apart from `pool` (see
    /// [`Store::write_tx`]); on PostgreSQL, `pool` itself.
    writer: AnyPool,
    /// Writes waiting to be committed together (see [`group_commit`]).
    writes: std::sync::Arc<group_commit::WriteQueue<audit::AuditEvent>>,
    /// Who is told of the writes (see [`observe`]).
    pub(crate) watch: std::sync::Arc<observe::Watch>,
    /// This process's search index (see [`search`]).
    search: std::sync::Arc<search::SearchIndex>,
    /// This process's committed write transactions, counted for the search index.
    commits: search::Commits,
}

/// A write transaction from [`Store::write_tx`]: use `&mut *tx` as the executor, then
/// `commit`. Dropped without a commit, it rolls back.
pub(crate) struct WriteTx {
    // Declared before the turn, so it is dropped (rolled back) before the turn passes on.
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    commits: search::Commits,
    /// The idempotency key of the request this transaction writes for, marked done in the
    /// same commit (see [`idempotency`]).
    claim: Option<idempotency::Claim>,
}

impl WriteTx {
    pub(crate) async fn commit(mut self) -> Result<()> {
        if let Some(claim) = self.claim.take() {
            idempotency::mark_done(&mut self.tx, &claim).await?;
        }
        self.tx.commit().await?;
        // The next search of this process looks for what this wrote.
        self.commits.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        Ok(())
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &sqlx::AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}

impl Store {
    /// Where evidence files are kept (content-addressed); `None` for a store without files.
    pub fn files_dir(&self) -> Option<&std::path::Path> {
        self.files.as_deref()
    }

    /// Connects to `url` (`sqlite://path` or `postgres://…`) and brings the schema up to date.
    pub async fn open(url: &str) -> Result<Store> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects to `url` without touching the schema (see [`Store::pending_migrations`]);
    /// `sqlite://path?mode=rw` refuses to create a missing database file.
    pub async fn connect(url: &str) -> Result<Store> {
        install_default_drivers();
        let backend = if url.starts_with("postgres") { Backend::Postgres } else { Backend::Sqlite };
        let url = match backend {
            // Create the file on first use.
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_string(),
        };
        let options = |connections: u32| {
            AnyPoolOptions::new().max_connections(connections).acquire_timeout(Duration::from_secs(10)).after_connect(
                move |conn, _| {
                    Box::pin(async move {
                        if backend == Backend::Sqlite {
                            // WAL lets readers run beside the writer; FULL sync makes an
                            // acknowledged commit survive a power cut; the busy timeout lets a
                            // second process (a CLI beside a server) wait instead of failing.
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA synchronous = FULL").await?;
                            conn.execute("PRAGMA busy_timeout = 10000").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                        }
                        Ok(())
                    })
                },
            )
        };
        let (pool, writer) = match backend {
            Backend::Sqlite => (
                options(4).connect(&url).await?,
                // The writer's connection, if still in a transaction when it comes back, is
                // not used again. A COMMIT that fails on a full disk has SQLite roll the
                // transaction back itself, so the driver's ROLLBACK fails in turn and it
                // keeps counting a transaction: every later write on that connection would
                // be refused ("non-zero transaction depth"), even once space returns. Closed,
                // it is replaced by a fresh one. (A transaction merely dropped may still have
                // its ROLLBACK queued here: that costs a reconnect, on an error path only.)
                options(1)
                    .after_release(|conn, _| Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) }))
                    .connect(&url)
                    .await?,
            ),
            Backend::Postgres => {
                let pool = options(16).connect(&url).await?;
                (pool.clone(), pool)
            }
        };
        Ok(Store {
            pool,
            backend,
            files: None,
            views: Default::default(),
            sessions: Default::default(),
            answered: Default::default(),
            versions: Default::default(),
            direct: match backend {
                Backend::Sqlite => direct_read::DirectReads::for_url(&url).map(std::sync::Arc::new),
                Backend::Postgres => None,
            },
            report_reads: Default::default(),
            writer_turn: Default::default(),
            writer,
            writes: Default::default(),
            watch: Default::default(),
            search: Default::default(),
            commits: Default::default(),
        })
    }

    /// Keeps evidence files under `dir` (created when needed).
    pub fn with_files(mut self, dir: impl Into<std::path::PathBuf>) -> Store {
        self.files = Some(dir.into());
        self
    }

    /// A transaction that will write. On SQLite it takes the write lock when it starts (BEGIN
    /// IMMEDIATE): a deferred transaction that read first and then writes fails at once with
    /// "database is locked" when another writer got in between, which under load would turn
    /// good requests into errors.
    ///
    /// It runs on a connection of its own, not one of the readers' pool: under a burst of
    /// requests the readers' few connections are always in use, and a group of writes (see
    /// [`group_commit`]) waiting in line with them for one made every write in it wait too.
    ///
    /// Before that, the process's own writers take turns on an async lock. Without it they
    /// would all wait inside SQLite's busy handler, which polls in growing sleeps (up to
    /// 100 ms) while holding one of the pool's few connections: under a burst of submissions
    /// the lock sat free between sleeps and readers starved for connections. A writer waiting
    /// on the turn is woken the moment the previous one finishes and holds no connection.
    /// The busy timeout still covers writers in other processes (a CLI beside the server).
    pub(crate) async fn write_tx(&self) -> Result<WriteTx> {
        let asked = std::time::Instant::now();
        let tx = match self.backend {
            Backend::Sqlite => {
                let turn = self.writer_turn.clone().lock_owned().await;
                WriteTx {
                    tx: self.writer.begin_with("BEGIN IMMEDIATE").await?,
                    _turn: Some(turn),
                    commits: self.commits.clone(),
                    claim: idempotency::current_claim(),
                }
            }
            // PostgreSQL locks rows, not the database: writers run side by side.
            Backend::Postgres => WriteTx {
                tx: self.writer.begin().await?,
                _turn: None,
                commits: self.commits.clone(),
                claim: idempotency::current_claim(),
            },
        };
        self.watch.with(|o| o.write_waited(asked.elapsed()));
        Ok(tx)
    }

    /// Which database the store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The database server's clock, in seconds since the Unix epoch, to compare with this
    /// machine's (`duban doctor`): a PostgreSQL server has its own; SQLite runs in this
    /// process, on this machine's clock.
    pub async fn database_time(&self) -> Result<f64> {
        let now = match self.backend {
            Backend::Sqlite => "SELECT (julianday('now') - 2440587.5) * 86400.0",
            Backend::Postgres => "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)",
        };
        Ok(sqlx::query(now).fetch_one(&self.pool).await?.get::<f64, _>(0))
    }

    /// Closes the store's connections (both the readers' and, on SQLite, the writer's): a
    /// process that hands the database over (a restore, another process's turn) waits here
    /// until they are gone. Operations on a closed store fail.
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }

    /// Whether the database answers (for /healthz). An answer less than [`PING_FRESH`] old
    /// stands: a load balancer polling hard costs a query per interval, not per poll, and
    /// still sees the database go away within that interval.
    pub async fn ping(&self) -> bool {
        if self.answered.within(PING_FRESH) {
            return true;
        }
        let ok = sqlx::query("SELECT 1").fetch_one(&self.pool).await.is_ok();
        if ok {
            self.answered.mark();
        }
        ok
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(&self.pool).await?;
        Ok(row.map(|r| r.get::<String, _>(0)))
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM settings WHERE key = $1").bind(key).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2)")
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The current time as stored: RFC 3339 in UTC, which sorts as text on both databases.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The current time as stored, on the caller's `today` (the server's configured date: a
/// demo's or a test's fixed day): the moment a document took effect (a plan's or a score's
/// publication), which readers compare with the other dates the same clock made. Under the
/// real clock it is [`now`]; under a fixed one, the same time of day on `today` (local time,
/// as `today` is a local date).
pub(crate) fn now_on(today: chrono::NaiveDate) -> String {
    let local = chrono::Local::now();
    let at = if today == local.date_naive() {
        local
    } else {
        // `earliest`: a time of day a clock change skips on `today` falls back to the real now.
        today.and_time(local.time()).and_local_timezone(chrono::Local).earliest().unwrap_or(local)
    };
    at.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// An optional floating-point value to bind: use `Real(x)` where an `Option<f64>` would be.
///
/// Statements are prepared once per connection and cached, and PostgreSQL fixes a
/// parameter's type when the statement is prepared. sqlx's `Any` driver (0.9) hands a NULL
/// `Option<f64>` over typed as `float4` (its conversion crosses the two float kinds), so a
/// statement first run with a NULL there would reject every later non-NULL `float8`. This
/// binds the NULL as `float8` (and as plain NULL on SQLite).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Real(pub Option<f64>);

impl sqlx::Type<sqlx::Any> for Real {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <f64 as sqlx::Type<sqlx::Any>>::type_info()
    }
}

impl<'q> sqlx::Encode<'q, sqlx::Any> for Real {
    fn encode_by_ref(
        &self,
        buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer,
    ) -> std::result::Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        match self.0 {
            Some(v) => <f64 as sqlx::Encode<sqlx::Any>>::encode_by_ref(&v, buf),
            // The kind the driver turns into PostgreSQL's float8 is f32's (see above).
            None => <Option<f32> as sqlx::Encode<sqlx::Any>>::encode_by_ref(&None, buf),
        }
    }
}

/// Booleans are stored as 0/1 integers: the one representation both drivers read back alike.
pub(crate) fn flag(b: bool) -> i64 {
    i64::from(b)
}
