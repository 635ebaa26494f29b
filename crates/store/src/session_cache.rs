//! Sessions as this process last read them from the database, so that checking a request's
//! token usually costs no round trip (it cost two: the session, then its user).
//!
//! The rule that bounds it: an entry answers for at most [`FRESH_FOR`] after it was read. A
//! session revoked, or an account disabled, re-roled or given a new password, by another
//! process therefore stops working here within that second; this process's own such changes
//! forget every entry at once ([`SessionCache::forget_all`]), so they take effect on the next
//! request. An entry read before a forgetting is not kept (the generation check), so a read
//! racing a revocation cannot bring the revoked session back for a second.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long an entry read from the database answers for.
pub(crate) const FRESH_FOR: Duration = Duration::from_secs(1);

/// Above this many entries, the stale ones are dropped (and all of them if none is stale):
/// memory stays bounded whatever the number of tokens presented.
const MAX_ENTRIES: usize = 20_000;

struct Entry<S> {
    session: S,
    read_at: Instant,
}

/// Sessions `S` (what the users module reads of one: see `users::SessionRead`) by token hash.
pub(crate) struct SessionCache<S> {
    entries: Mutex<HashMap<String, Entry<S>>>,
    /// Raised by every forgetting; a read that began before one is not kept.
    generation: AtomicU64,
}

impl<S> Default for SessionCache<S> {
    fn default() -> Self {
        SessionCache { entries: Mutex::new(HashMap::new()), generation: AtomicU64::new(0) }
    }
}

impl<S> std::fmt::Debug for SessionCache<S> {
    // The sessions themselves (users, token hashes) stay out of debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let entries = self.entries.lock().map_or(0, |e| e.len());
        f.debug_struct("SessionCache").field("entries", &entries).finish()
    }
}

impl<S: Clone> SessionCache<S> {
    /// The generation to pass to [`SessionCache::keep`] for a read that starts now.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The session of a token hash, if it was read less than [`FRESH_FOR`] ago.
    pub fn fresh(&self, token_hash: &str) -> Option<S> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let entry = entries.get(token_hash)?;
        (entry.read_at.elapsed() < FRESH_FOR).then(|| entry.session.clone())
    }

    /// Keeps a session read from the database, unless something was forgotten since the read
    /// began (`generation`).
    pub fn keep(&self, token_hash: String, session: S, generation: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        // Checked under the lock that forget_all takes too: no forgetting can fall between
        // this check and the insert.
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| e.read_at.elapsed() < FRESH_FOR);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(token_hash, Entry { session, read_at: Instant::now() });
    }

    /// Forgets one token's session.
    pub fn forget(&self, token_hash: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.remove(token_hash);
    }

    /// Forgets every session: an account or its sessions changed in this process.
    pub fn forget_all(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A session as the cache holds it: here, just its user's id.
    fn session() -> i64 {
        1
    }

    #[test]
    fn a_read_racing_a_forgetting_is_not_kept() {
        let cache = SessionCache::<i64>::default();
        let before = cache.generation();
        cache.forget_all();
        cache.keep("h".into(), session(), before);
        assert!(cache.fresh("h").is_none(), "a session read before a revocation must not be served");
        cache.keep("h".into(), session(), cache.generation());
        assert_eq!(cache.fresh("h"), Some(1));
        cache.forget("h");
        assert!(cache.fresh("h").is_none());
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = SessionCache::<i64>::default();
        for i in 0..MAX_ENTRIES + 10 {
            cache.keep(format!("h{i}"), session(), cache.generation());
        }
        assert!(cache.entries.lock().unwrap().len() <= MAX_ENTRIES);
    }
}
