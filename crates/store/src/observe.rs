//! What the store tells whoever watches it (the web's `/metrics`): how long writers waited for
//! the write transaction, how many writes each group commit took and how long it held the
//! transaction, and how full the connection pools are. The store knows no metrics library: a
//! watcher implements [`Observer`] and is given with [`Store::observe`].

use crate::Store;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Told of the store's writes as they happen; must be cheap (it runs on the write path).
pub trait Observer: Send + Sync {
    /// A writer got its write transaction after waiting `waited` (for this process's turn on
    /// SQLite, and for a connection).
    fn write_waited(&self, waited: Duration);
    /// A group commit of `writes` writes (jobs and records) ended after `took`, committed or
    /// (`committed` false) rolled back whole.
    fn group_committed(&self, writes: usize, took: Duration, committed: bool);
}

/// The observer of a store and all its clones (none until one is given).
#[derive(Default)]
pub(crate) struct Watch(RwLock<Option<Arc<dyn Observer>>>);

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Watch")
    }
}

impl Watch {
    pub(crate) fn with(&self, f: impl FnOnce(&dyn Observer)) {
        if let Ok(o) = self.0.read()
            && let Some(o) = o.as_ref()
        {
            f(o.as_ref());
        }
    }
}

/// One connection pool as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolStats {
    /// `readers`, or (on SQLite, where writes have a connection of their own) `writer`.
    pub name: &'static str,
    /// Connections open, of which `idle` are not in use; at most `max`.
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

impl Store {
    /// Tells `observer` of this store's writes from now on (replacing any earlier one); the
    /// store's clones share it.
    pub fn observe(&self, observer: Arc<dyn Observer>) {
        if let Ok(mut o) = self.watch.0.write() {
            *o = Some(observer);
        }
    }

    /// The connection pools: the readers', and on SQLite the writer's.
    pub fn pool_stats(&self) -> Vec<PoolStats> {
        let stats = |name, pool: &sqlx::AnyPool| PoolStats {
            name,
            open: pool.size(),
            idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            max: pool.options().get_max_connections(),
        };
        let mut out = vec![stats("readers", &self.pool)];
        if self.backend == crate::schema::Backend::Sqlite {
            out.push(stats("writer", &self.writer));
        }
        out
    }
}
