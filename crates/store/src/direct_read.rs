//! On SQLite, the data version and the API's report read made on the calling thread,
//! without sqlx's hand-off.
//!
//! Every cached read (plan, dashboard, task list) first asks for the data version, to know
//! whether its cached view still stands. Through sqlx every statement goes to its
//! connection's own thread and the answer comes back: under load those thread switches
//! cost the server more than the read itself (17% of its time in the plan read's profile),
//! and the read waits for a free reader while long reads (a bulletin, an export) hold them.
//! SQLite is a library, and in WAL mode a reader never waits for the writer: reading one row
//! takes microseconds. So it is read here, on connections of this module's own; so is the
//! API's report read (`reports/read.rs`), a few rows by their keys, which through the pool
//! paid the same hand-offs.
//!
//! Nothing is weakened: each read is a transaction of its own started now, so it sees every
//! commit made before it, by this process or any other (a CLI beside the server), exactly as
//! the pool's read would. The connections are read-only and never wait: SQLite's busy
//! timeout is zero, and if it answers busy (a reader can be, for a moment, while another
//! connection rebuilds the WAL index) or anything else fails, [`DirectReads::read`]
//! answers `None` and the caller reads through the pool as before.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Connections kept between reads: one per runtime thread is enough (a read holds its
/// connection only while it runs, on the thread that took it); a few more cover a runtime
/// with more threads without opening a connection per read.
const IDLE_CONNECTIONS: usize = 8;

const DATA_VERSION: &str = "SELECT version FROM data_version WHERE id = 1";

#[derive(Debug)]
pub(crate) struct DirectReads {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
    /// Set when the database could not be opened here (say, a file this process may read
    /// through the pool's open options only): every later read goes through the pool,
    /// rather than trying to open again on each request.
    unavailable: AtomicBool,
}

impl DirectReads {
    /// Reads of the SQLite database at `url` (`sqlite://path?…`), or `None` for an
    /// in-memory database, which only the pool's connections can see.
    pub(crate) fn for_url(url: &str) -> Option<DirectReads> {
        use std::str::FromStr;
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
        let path = options.get_filename();
        let name = path.to_string_lossy();
        // sqlx names an in-memory database `file:sqlx-in-memory-…`.
        if name.is_empty() || name.starts_with(":memory:") || name.starts_with("file:") || url.contains("mode=memory") {
            return None;
        }
        Some(DirectReads {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
            unavailable: AtomicBool::new(false),
        })
    }

    /// The data version as a read started now sees it, or `None` when it could not be read
    /// here at once (the caller then asks the pool).
    pub(crate) fn data_version(&self) -> Option<i64> {
        self.read(|connection| connection.prepare_cached(DATA_VERSION)?.query_row([], |row| row.get(0)))
    }

    /// What `read` reads on one of these connections, on the calling thread; `None` when it
    /// could not be read here at once (busy, or anything else failed: the caller then asks
    /// the pool). `read` is to read only, and quickly: it runs on the runtime's thread.
    pub(crate) fn read<T>(&self, read: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>) -> Option<T> {
        if self.unavailable.load(Ordering::Relaxed) {
            return None;
        }
        let taken = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let connection = match taken {
            Some(c) => c,
            None => match self.open() {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, path = %self.path.display(), "direct SQLite reads unavailable; reading through the pool");
                    self.unavailable.store(true, Ordering::Relaxed);
                    return None;
                }
            },
        };
        let answer = read(&connection);
        // A busy or failed read leaves the connection as good as before (its statements are
        // reset, a transaction rolled back), so it is kept either way; one still inside a
        // transaction (a rollback that failed) is not: it would keep reading an old state.
        if connection.is_autocommit() {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < IDLE_CONNECTIONS {
                idle.push(connection);
            }
        }
        match answer {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::debug!(error = %e, "direct SQLite read failed; reading through the pool");
                None
            }
        }
    }

    fn open(&self) -> rusqlite::Result<rusqlite::Connection> {
        use rusqlite::OpenFlags;
        // Read-only, and without SQLite's own mutex: a connection is used by one thread at a
        // time (it is taken out of `idle` while it reads).
        let connection = rusqlite::Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // Never wait on the runtime's thread: busy means "ask the pool".
        connection.busy_timeout(std::time::Duration::ZERO)?;
        Ok(connection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_another_connection_committed_last() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("duban.db");
        let writer = rusqlite::Connection::open(&path).expect("opens");
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; CREATE TABLE data_version (id INTEGER PRIMARY KEY, version BIGINT NOT NULL); \
                 INSERT INTO data_version VALUES (1, 7);",
            )
            .expect("schema");
        let reads = DirectReads::for_url(&format!("sqlite://{}?mode=rwc", path.display())).expect("a file");
        assert_eq!(reads.data_version(), Some(7));
        writer.execute("UPDATE data_version SET version = 8 WHERE id = 1", []).expect("update");
        assert_eq!(reads.data_version(), Some(8), "a kept connection starts a new read each time");
        // Mid-transaction, the writer's change is not yet seen; once committed, it is.
        writer.execute_batch("BEGIN; UPDATE data_version SET version = 9 WHERE id = 1;").expect("begin");
        assert_eq!(reads.data_version(), Some(8), "a reader in WAL mode does not wait for the writer");
        writer.execute_batch("COMMIT").expect("commit");
        assert_eq!(reads.data_version(), Some(9));
    }

    #[test]
    fn a_database_it_cannot_open_sends_every_read_to_the_pool() {
        let dir = tempfile::tempdir().expect("tempdir");
        let reads = DirectReads::for_url(&format!("sqlite://{}", dir.path().join("missing.db").display()))
            .expect("a file name");
        assert_eq!(reads.data_version(), None, "read-only, it does not create the file");
        assert!(reads.unavailable.load(Ordering::Relaxed), "and does not try again on every read");
        assert!(!dir.path().join("missing.db").exists());
    }

    #[test]
    fn an_in_memory_database_has_no_direct_reads() {
        assert!(DirectReads::for_url("sqlite::memory:").is_none());
        assert!(DirectReads::for_url("sqlite://duban.db?mode=memory").is_none());
    }
}
