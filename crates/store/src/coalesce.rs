//! Reads that many concurrent requests need, shared between them without ever answering a
//! request with a value read before it arrived.
//!
//! The data version is asked for by every cached read (to know whether the cached view still
//! stands), and under load dozens of requests ask at once. Each [`Coalesced::read`] joins the
//! open round; a round runs its query only when the previous round's query has finished, and
//! closes to newcomers just before it starts. So one query is in flight at a time, every
//! request waiting meanwhile shares the next one, and each request gets a value read by a
//! query that started after the request arrived: what a query of its own would have seen, or
//! newer. Nothing is kept between rounds.
//!
//! [`Batched`] does the same for reads that each want their own row (one report of one
//! month): a round gathers the keys of the requests that joined it and reads them all in one
//! query. Every statement is a hand-off to a connection's thread and back, which under load
//! costs more than the statement itself; a round of dozens pays it once.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

#[derive(Debug)]
pub(crate) struct Coalesced<T> {
    /// The round newcomers join, if one is open (not yet started).
    open: Mutex<Option<Arc<OnceCell<T>>>>,
    /// Held while a round's query runs: one at a time.
    turn: tokio::sync::Mutex<()>,
}

impl<T> Default for Coalesced<T> {
    fn default() -> Self {
        Coalesced { open: Mutex::new(None), turn: tokio::sync::Mutex::new(()) }
    }
}

impl<T: Clone> Coalesced<T> {
    /// The value `query` reads, from a query that starts after this call (shared with the
    /// calls that join the same round). A failed query fails its round's callers; each of
    /// them may retry, and the next call opens a new round.
    pub async fn read<E, F, Fut>(&self, query: F) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let round = {
            let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
            open.get_or_insert_with(|| Arc::new(OnceCell::new())).clone()
        };
        let value = round
            .get_or_try_init(|| async {
                let _turn = self.turn.lock().await;
                // Closed to newcomers from here: they open the next round, which waits for
                // this one's query to finish.
                {
                    let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
                    if open.as_ref().is_some_and(|o| Arc::ptr_eq(o, &round)) {
                        *open = None;
                    }
                }
                query().await
            })
            .await?;
        Ok(value.clone())
    }
}

/// Keyed reads shared in rounds as [`Coalesced`] shares one value: each call adds its key to
/// the open round, and the round's one query reads every key that joined it, starting after
/// each of them was added. A key the query does not answer is `None` (not found).
#[derive(Debug)]
pub(crate) struct Batched<K, V> {
    /// The round newcomers join, if one is open (not yet started).
    open: Mutex<Option<Arc<Round<K, V>>>>,
    /// Held while a round's query runs: one at a time.
    turn: tokio::sync::Mutex<()>,
}

#[derive(Debug)]
struct Round<K, V> {
    /// The keys of the calls that joined (each once, however many calls ask for it); fixed
    /// once the round closes.
    keys: Mutex<HashSet<K>>,
    answers: OnceCell<HashMap<K, V>>,
}

impl<K, V> Default for Batched<K, V> {
    fn default() -> Self {
        Batched { open: Mutex::new(None), turn: tokio::sync::Mutex::new(()) }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> Batched<K, V> {
    /// The value `query` reads for `key`, from a query that starts after this call and reads
    /// the keys of every call of the same round (each key once). A failed query fails its
    /// round's first caller; the others run it again for the same keys.
    pub async fn read<E, F, Fut>(&self, key: K, query: F) -> Result<Option<V>, E>
    where
        F: FnOnce(Vec<K>) -> Fut,
        Fut: Future<Output = Result<HashMap<K, V>, E>>,
    {
        let round = {
            let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
            let round = open
                .get_or_insert_with(|| Arc::new(Round { keys: Mutex::new(HashSet::new()), answers: OnceCell::new() }))
                .clone();
            // Added while the round is open (the lock is held): it cannot close in between.
            round.keys.lock().unwrap_or_else(|p| p.into_inner()).insert(key.clone());
            round
        };
        let answers = round
            .answers
            .get_or_try_init(|| async {
                let _turn = self.turn.lock().await;
                let keys = {
                    let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
                    if open.as_ref().is_some_and(|o| Arc::ptr_eq(o, &round)) {
                        *open = None;
                    }
                    round.keys.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect()
                };
                query(keys).await
            })
            .await?;
        Ok(answers.get(&key).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::{Batched, Coalesced};
    use std::collections::HashMap;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
    use std::time::Duration;

    /// Calls arriving while a query runs share the next one, and none gets a value read
    /// before it arrived.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn waiting_calls_share_one_later_query_and_never_see_an_older_value() {
        let reads = Arc::new(Coalesced::<i64>::default());
        // The "database": a counter raised by writers; a query takes 5 ms and reads it when it
        // starts.
        let version = Arc::new(AtomicI64::new(0));
        let queries = Arc::new(AtomicUsize::new(0));
        let mut calls = Vec::new();
        for i in 0..200 {
            let (reads, version, queries) = (reads.clone(), version.clone(), queries.clone());
            if i % 20 == 0 {
                version.fetch_add(1, Ordering::SeqCst);
            }
            let seen_before = version.load(Ordering::SeqCst);
            calls.push(tokio::spawn(async move {
                let got = reads
                    .read(|| async {
                        queries.fetch_add(1, Ordering::SeqCst);
                        let v = version.load(Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        Ok::<_, ()>(v)
                    })
                    .await
                    .expect("reads");
                (seen_before, got)
            }));
            if i % 7 == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        for call in calls {
            let (before, got) = call.await.expect("joins");
            assert!(got >= before, "a call was answered with a version older than the one before it arrived");
        }
        let n = queries.load(Ordering::SeqCst);
        assert!(n < 100, "200 calls made {n} queries: they were not shared");
    }

    #[tokio::test]
    async fn a_failed_round_fails_its_callers_and_the_next_call_queries_again() {
        let reads = Coalesced::<i64>::default();
        assert_eq!(reads.read(|| async { Err::<i64, &str>("down") }).await, Err("down"));
        assert_eq!(reads.read(|| async { Ok::<i64, &str>(7) }).await, Ok(7));
    }

    /// Reads arriving while a round runs share the next round's one query, each gets the
    /// answer for its own key, and none gets a value read before it arrived.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batched_reads_share_a_later_query_and_each_gets_its_own_key() {
        let reads = Arc::new(Batched::<u32, (u32, i64)>::default());
        let version = Arc::new(AtomicI64::new(0));
        let queries = Arc::new(AtomicUsize::new(0));
        let mut calls = Vec::new();
        for i in 0..200u32 {
            let (reads, version, queries) = (reads.clone(), version.clone(), queries.clone());
            if i % 20 == 0 {
                version.fetch_add(1, Ordering::SeqCst);
            }
            let seen_before = version.load(Ordering::SeqCst);
            calls.push(tokio::spawn(async move {
                // Key 199 is "not stored": the query does not answer it.
                let got = reads
                    .read(i, |keys| async move {
                        queries.fetch_add(1, Ordering::SeqCst);
                        let v = version.load(Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        Ok::<_, ()>(
                            keys.into_iter().filter(|k| *k != 199).map(|k| (k, (k, v))).collect::<HashMap<_, _>>(),
                        )
                    })
                    .await
                    .expect("reads");
                (i, seen_before, got)
            }));
            if i % 7 == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        for call in calls {
            let (key, before, got) = call.await.expect("joins");
            if key == 199 {
                assert_eq!(got, None, "a key the query did not answer is not found");
                continue;
            }
            let (answered_for, v) = got.expect("answered");
            assert_eq!(answered_for, key, "a call got another key's answer");
            assert!(v >= before, "a call was answered with a value read before it arrived");
        }
        let n = queries.load(Ordering::SeqCst);
        assert!(n < 100, "200 calls made {n} queries: they were not shared");
    }

    #[tokio::test]
    async fn a_failed_batch_fails_its_caller_and_the_next_call_queries_again() {
        let reads = Batched::<u32, u32>::default();
        let failed = reads.read(1, |_| async { Err::<HashMap<u32, u32>, &str>("down") }).await;
        assert_eq!(failed, Err("down"));
        let got =
            reads.read(2, |keys| async move { Ok::<_, &str>(keys.into_iter().map(|k| (k, k * 10)).collect()) }).await;
        assert_eq!(got, Ok(Some(20)));
    }
}
