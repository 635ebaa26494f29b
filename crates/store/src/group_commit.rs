//! Group commit for the writes that come in bursts: report drafts and submissions, and the
//! audit record every change adds.
//!
//! SQLite has one writer at a time, and with `synchronous = FULL` every commit waits for an
//! fsync. One transaction per request therefore caps a server at a few hundred writes a
//! second, however many clients wait — the month-end rush of reports is exactly that. On
//! PostgreSQL every commit waits for its WAL flush too, and every audit record updates the
//! one row that heads the hash chain, so their transactions queue on that row's lock, each
//! holding it through its flush.
//!
//! So a write is handed over as a job: the jobs that queue up while one group commits are
//! run together, one after another, in a single transaction, each inside a savepoint of its
//! own, and the group commits once. A job's caller gets its answer only after that commit is
//! durable, so an acknowledged write is never lost; a job that fails is rolled back to its
//! savepoint alone and its caller gets its error, while the others' changes stand. If the
//! commit itself fails, every caller of the group gets the error and nothing is kept.
//!
//! Jobs run on a task of their own, not on the caller's: a client that disconnects mid-way
//! cannot abandon a half-run group (or leave a job of its queued for nobody to run).
//!
//! Groups are per process: two server processes on one PostgreSQL database each commit their
//! own, side by side.

use crate::schema::Backend;
use crate::{Result, Store, StoreError};
use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};

/// What a job returns: a future borrowing the transaction's connection.
pub(crate) type JobFuture<'c, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'c>>;

type Value = Box<dyn Any + Send>;
type ErasedJob = Box<dyn for<'c> FnOnce(&'c mut sqlx::AnyConnection) -> JobFuture<'c, Value> + Send>;
type Answer = tokio::sync::oneshot::Sender<Result<Value>>;

/// Jobs waiting for the next group, and the turn to run one.
#[derive(Default)]
pub(crate) struct WriteQueue {
    waiting: Mutex<Vec<(ErasedJob, Answer)>>,
    turn: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for WriteQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.waiting.lock().map(|w| w.len()).unwrap_or(0);
        f.debug_struct("WriteQueue").field("waiting", &n).finish()
    }
}

/// The most jobs one group takes: enough to absorb a burst, few enough that a group's
/// transaction stays short for the readers and other writers waiting behind it.
const GROUP_LIMIT: usize = 128;

fn erase<T, F>(job: F) -> ErasedJob
where
    T: Send + 'static,
    F: for<'c> FnOnce(&'c mut sqlx::AnyConnection) -> JobFuture<'c, T> + Send + 'static,
{
    Box::new(move |conn: &mut sqlx::AnyConnection| -> JobFuture<'_, Value> {
        Box::pin(async move { job(conn).await.map(|v| Box::new(v) as Value) })
    })
}

fn unfinished(why: impl std::fmt::Display) -> StoreError {
    StoreError::Db(sqlx::Error::Protocol(format!("写入未完成:{why}")))
}

impl Store {
    /// Runs `job` in a write transaction and returns its value once the change is durable,
    /// committed together with the other writes waiting at the same moment (see the module).
    /// The job must not commit or roll back: returning `Err` undoes what it did.
    pub(crate) async fn write<T, F>(&self, job: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut sqlx::AnyConnection) -> JobFuture<'c, T> + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.writes.waiting.lock().unwrap_or_else(PoisonError::into_inner).push((erase(job), answer));
        // One runner per job, each taking whatever is waiting when its turn comes: most find
        // their job already run by an earlier group and have nothing to do.
        let store = self.clone();
        tokio::spawn(async move { store.run_waiting().await });
        match answered.await {
            Ok(result) => result.and_then(|v| v.downcast::<T>().map(|v| *v).map_err(|_| unfinished("类型不符"))),
            Err(_) => Err(unfinished("写入任务意外中止")),
        }
    }

    async fn run_waiting(self) {
        let _turn = self.writes.turn.lock().await;
        let group: Vec<(ErasedJob, Answer)> = {
            let mut waiting = self.writes.waiting.lock().unwrap_or_else(PoisonError::into_inner);
            let n = waiting.len().min(GROUP_LIMIT);
            waiting.drain(..n).collect()
        };
        if group.is_empty() {
            return;
        }
        let (jobs, answers): (Vec<ErasedJob>, Vec<Answer>) = group.into_iter().unzip();
        let mut results: Vec<Result<Value>> = Vec::with_capacity(jobs.len());
        let outcome = async {
            let mut tx = self.write_tx().await?;
            if self.backend == Backend::Postgres {
                // A group's jobs touch both rows every writer of a province meets: the audit
                // chain's head and the data version (raised by triggers). Taken as the jobs
                // come, two processes' groups could take them in opposite orders and deadlock;
                // taken first, always in this order, they are waited for instead.
                sqlx::query("SELECT last_id FROM audit_head WHERE id = 1 FOR UPDATE").execute(&mut *tx).await?;
                sqlx::query("SELECT version FROM data_version WHERE id = 1 FOR UPDATE").execute(&mut *tx).await?;
            }
            for job in jobs {
                sqlx::query("SAVEPOINT duban_job").execute(&mut *tx).await?;
                let result = job(&mut tx).await;
                if result.is_err() {
                    sqlx::query("ROLLBACK TO duban_job").execute(&mut *tx).await?;
                }
                sqlx::query("RELEASE duban_job").execute(&mut *tx).await?;
                results.push(result);
            }
            tx.commit().await
        }
        .await;
        let mut results = results.into_iter();
        for answer in answers {
            let _ = answer.send(match (&outcome, results.next()) {
                (Ok(()), Some(result)) => result,
                // A job's own error stands whatever became of the group.
                (_, Some(Err(own))) => Err(own),
                // Nothing of the group was kept: a job that succeeded must not be acknowledged.
                (Err(e), _) => Err(unfinished(e)),
                (Ok(()), None) => Err(unfinished("无结果")),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inserts `n` into the test table, then fails if asked to.
    async fn insert(store: &Store, n: i64, fail: bool) -> Result<i64> {
        store
            .write(move |conn| {
                Box::pin(async move {
                    sqlx::query("INSERT INTO grouped (n) VALUES ($1)").bind(n).execute(&mut *conn).await?;
                    if fail {
                        return Err(StoreError::Conflict(format!("job {n} fails after writing")));
                    }
                    Ok(n)
                })
            })
            .await
    }

    #[tokio::test]
    async fn a_failing_job_in_a_group_undoes_only_itself() {
        let db = crate::testing::sqlite().await;
        let s = db.store.clone();
        sqlx::query("CREATE TABLE grouped (n INTEGER NOT NULL)").execute(&s.pool).await.expect("table");
        // Hold the turn while three writes queue up, so that they run as one group.
        let turn = s.writes.turn.lock().await;
        let jobs: Vec<_> = [(1, false), (2, true), (3, false)]
            .into_iter()
            .map(|(n, fail)| {
                let s = s.clone();
                tokio::spawn(async move { insert(&s, n, fail).await })
            })
            .collect();
        while s.writes.waiting.lock().expect("queue").len() < 3 {
            tokio::task::yield_now().await;
        }
        drop(turn);
        let mut answers = Vec::new();
        for j in jobs {
            answers.push(j.await.expect("task"));
        }
        assert!(matches!(answers[0], Ok(1)));
        assert!(matches!(&answers[1], Err(StoreError::Conflict(m)) if m.contains("job 2")));
        assert!(matches!(answers[2], Ok(3)));
        let kept: Vec<i64> =
            sqlx::query_scalar("SELECT n FROM grouped ORDER BY n").fetch_all(&s.pool).await.expect("rows");
        assert_eq!(kept, [1, 3]);
        assert!(s.writes.waiting.lock().expect("queue").is_empty());
    }
}
