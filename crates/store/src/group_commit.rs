//! Group commit for the writes that come in bursts: report drafts and submissions, and the
//! audit record every change adds (a group appends all of its records at once).
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
//! cannot abandon a half-run group (or leave a job of its queued for nobody to run). One such
//! runner at a time: it commits group after group while writes keep coming and ends when none
//! is waiting; a write that finds a runner due spawns none. (A runner per write, as before,
//! queued tens of thousands of idle tasks behind the turn in a rush of submissions: each took
//! its turn only to find its write done, and the queue held 100 MB of their state at its
//! peak; see docs/benchmarks.md.)
//!
//! Groups are per process: two server processes on one PostgreSQL database each commit their
//! own, side by side.
//!
//! The machinery knows none of the rows it writes: a module hands over its rows as a
//! [`Batch`] of its own type (report history, search documents), and the records a group
//! appends last (the audit chain's) are a [`Record`] type given by the [`Store`]. So this
//! module uses no other module of the store but the generic SQL helpers, and they use it,
//! and the idempotency keys' mark (a job done for a request with a key marks the key in the
//! job's own savepoint).

use crate::sql::Backend;
use crate::{Result, Store, StoreError};
use std::any::{Any, TypeId};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

/// What a job returns: a future borrowing the transaction's connection.
pub(crate) type JobFuture<'c, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'c>>;

type Value = Box<dyn Any + Send>;
type ErasedJob = Box<dyn for<'c> FnOnce(&'c mut sqlx::AnyConnection) -> JobFuture<'c, (Value, Appends)> + Send>;
type Answer = tokio::sync::oneshot::Sender<Result<Value>>;

/// Rows of one kind that a job adds and nothing else in its group reads (a module's history
/// entries, its search documents): the group inserts every job's rows of the kind together
/// after the jobs, a statement per table rather than one per job and table. Every statement
/// a group runs waits its turn on the one writing connection, so fewer of them is what lets
/// a group of the month-end rush commit sooner.
pub(crate) trait Batch: Send + Sync + 'static {
    /// Takes in a later job's rows of the same kind (the kind decides what "later" means,
    /// e.g. that a later search document of one object replaces the earlier).
    fn merge(&mut self, later: Self)
    where
        Self: Sized;

    /// Inserts the rows inside the group's transaction.
    fn insert<'c>(&'c self, conn: &'c mut sqlx::AnyConnection) -> JobFuture<'c, ()>;
}

/// [`Batch`] with its type erased, so one [`Appends`] holds batches of any kind.
trait ErasedBatch: Send + Sync {
    fn merge_erased(&mut self, later: Box<dyn ErasedBatch>);
    fn insert_erased<'c>(&'c self, conn: &'c mut sqlx::AnyConnection) -> JobFuture<'c, ()>;
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

impl<B: Batch> ErasedBatch for B {
    fn merge_erased(&mut self, later: Box<dyn ErasedBatch>) {
        // `Appends` pairs batches by type, so the downcast always succeeds.
        if let Ok(later) = later.into_any().downcast::<B>() {
            self.merge(*later);
        }
    }

    fn insert_erased<'c>(&'c self, conn: &'c mut sqlx::AnyConnection) -> JobFuture<'c, ()> {
        self.insert(conn)
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

/// The rows a job leaves for its group (see [`Batch`]); most jobs leave none.
#[derive(Default)]
pub(crate) struct Appends {
    /// One batch per kind, in the order the kinds first came.
    batches: Vec<(TypeId, Box<dyn ErasedBatch>)>,
}

impl Appends {
    /// Rows of one kind.
    pub(crate) fn of<B: Batch>(batch: B) -> Appends {
        Appends::default().and(batch)
    }

    /// These rows and `batch`.
    pub(crate) fn and<B: Batch>(mut self, batch: B) -> Appends {
        self.add(TypeId::of::<B>(), Box::new(batch));
        self
    }

    fn add(&mut self, kind: TypeId, batch: Box<dyn ErasedBatch>) {
        match self.batches.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, mine)) => mine.merge_erased(batch),
            None => self.batches.push((kind, batch)),
        }
    }

    /// These rows and a later job's (for a job made of several writes).
    pub(crate) fn extend(&mut self, later: Appends) {
        for (kind, batch) in later.batches {
            self.add(kind, batch);
        }
    }

    async fn insert(&self, conn: &mut sqlx::AnyConnection) -> Result<()> {
        for (_, batch) in &self.batches {
            batch.insert_erased(conn).await?;
        }
        Ok(())
    }
}

/// What a group appends after its jobs, all of its records together and in order, each
/// answered with the id it got (the audit chain's records, see `Store::audit`).
pub(crate) trait Record: Send + Sync + 'static {
    /// Appends `records` (never empty) inside the group's transaction; their ids, in order.
    fn append_all<'c>(conn: &'c mut sqlx::AnyConnection, records: &'c [Self]) -> JobFuture<'c, Vec<i64>>
    where
        Self: Sized;
}

/// A write waiting for its group.
enum Work<R> {
    /// A change of its own, run inside a savepoint.
    Job(ErasedJob),
    /// A record: a group appends all of its records together, after its jobs.
    Record(R),
}

/// Writes waiting for the next group, and the turn to run one; `R` is what groups append
/// last (see [`Record`]).
pub(crate) struct WriteQueue<R> {
    waiting: Mutex<Waiting<R>>,
    turn: tokio::sync::Mutex<()>,
    /// Runners spawned so far (for the tests: a burst must not spawn one per write).
    #[cfg(test)]
    runners: std::sync::atomic::AtomicUsize,
}

/// The writes waiting, and whether a runner will take them: one is spawned and has not yet
/// found the queue empty. Both under one lock, so a write queued just as the runner ends is
/// never left without one.
struct Waiting<R> {
    writes: Vec<(Work<R>, Answer)>,
    runner_due: bool,
}

impl<R> Default for WriteQueue<R> {
    fn default() -> Self {
        WriteQueue {
            waiting: Mutex::new(Waiting { writes: Vec::new(), runner_due: false }),
            turn: tokio::sync::Mutex::new(()),
            #[cfg(test)]
            runners: Default::default(),
        }
    }
}

impl<R> std::fmt::Debug for WriteQueue<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.waiting.lock().map(|w| w.writes.len()).unwrap_or(0);
        f.debug_struct("WriteQueue").field("waiting", &n).finish()
    }
}

/// Ends a runner that did not end by finding the queue empty (a job that panicked, a runtime
/// shutting down): the writes still waiting get a new runner, so none waits for a write that
/// may never come to spawn one.
struct RunnerEnd<R: Record> {
    queue: Arc<WriteQueue<R>>,
    store: Store,
    found_empty: bool,
}

impl<R: Record> Drop for RunnerEnd<R> {
    fn drop(&mut self) {
        if self.found_empty {
            return;
        }
        let again = {
            let mut waiting = self.queue.lock_waiting();
            waiting.runner_due = !waiting.writes.is_empty() && tokio::runtime::Handle::try_current().is_ok();
            waiting.runner_due
        };
        if again {
            // Not polled if the runtime is shutting down, so this cannot repeat itself.
            self.queue.spawn_runner(&self.store);
        }
    }
}

/// The most jobs one group takes: enough to absorb a burst, few enough that a group's
/// transaction stays short for the readers and other writers waiting behind it.
const GROUP_LIMIT: usize = 128;

fn erase<T, F>(job: F) -> ErasedJob
where
    T: Send + 'static,
    F: for<'c> FnOnce(&'c mut sqlx::AnyConnection) -> JobFuture<'c, (T, Appends)> + Send + 'static,
{
    Box::new(move |conn: &mut sqlx::AnyConnection| -> JobFuture<'_, (Value, Appends)> {
        Box::pin(async move { job(conn).await.map(|(v, rows)| (Box::new(v) as Value, rows)) })
    })
}

/// [`erase`] for a job done under an idempotency key: the key is marked done first, in the
/// job's savepoint, so the mark stands or falls with the job's change.
fn erase_marking<T, F>(claim: crate::idempotency::Claim, job: F) -> ErasedJob
where
    T: Send + 'static,
    F: for<'c> FnOnce(&'c mut sqlx::AnyConnection) -> JobFuture<'c, (T, Appends)> + Send + 'static,
{
    Box::new(move |conn: &mut sqlx::AnyConnection| -> JobFuture<'_, (Value, Appends)> {
        Box::pin(async move {
            crate::idempotency::mark_done(conn, &claim).await?;
            job(conn).await.map(|(v, rows)| (Box::new(v) as Value, rows))
        })
    })
}

fn unfinished(why: impl std::fmt::Display) -> StoreError {
    StoreError::Db(sqlx::Error::Protocol(format!("写入未完成:{why}")))
}

/// What each caller of a group that was not committed is told. A full disk and an unreachable
/// database (which includes a COMMIT whose outcome is unknown because the connection broke)
/// are said as such, so the client knows to retry rather than report a bug.
fn group_failed(e: &StoreError) -> StoreError {
    match e {
        StoreError::DiskFull => StoreError::DiskFull,
        StoreError::Unavailable(why) => StoreError::Unavailable(sqlx::Error::Protocol(format!("写入未完成:{why}"))),
        e => unfinished(e),
    }
}

impl Store {
    /// Runs `job` in a write transaction and returns its value once the change is durable,
    /// committed together with the other writes waiting at the same moment (see the module).
    /// Besides its value the job returns the rows it leaves for the group to insert after
    /// its jobs (see [`Appends`]; most leave none). The job must not commit or roll back:
    /// returning `Err` undoes what it did.
    pub(crate) async fn write<T, F>(&self, job: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut sqlx::AnyConnection) -> JobFuture<'c, (T, Appends)> + Send + 'static,
    {
        self.writes.write(self, job).await
    }
}

impl<R: Record> WriteQueue<R> {
    /// See [`Store::write`]; the group's transactions are `store`'s.
    pub(crate) async fn write<T, F>(self: &Arc<Self>, store: &Store, job: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut sqlx::AnyConnection) -> JobFuture<'c, (T, Appends)> + Send + 'static,
    {
        // The caller's idempotency key (read here, on the caller's task) is marked done inside
        // the job's savepoint: it commits with the job's change or is undone with it.
        let job = match crate::idempotency::current_claim() {
            None => erase(job),
            Some(claim) => erase_marking(claim, job),
        };
        self.queue(store, Work::Job(job)).await
    }

    /// Appends `record` with the next group; its id, once committed.
    pub(crate) async fn append(self: &Arc<Self>, store: &Store, record: R) -> Result<i64> {
        self.queue(store, Work::Record(record)).await
    }

    async fn queue<T: 'static>(self: &Arc<Self>, store: &Store, work: Work<R>) -> Result<T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let spawn = {
            let mut waiting = self.lock_waiting();
            waiting.writes.push((work, answer));
            !std::mem::replace(&mut waiting.runner_due, true)
        };
        if spawn {
            self.spawn_runner(store);
        }
        match answered.await {
            Ok(result) => result.and_then(|v| v.downcast::<T>().map(|v| *v).map_err(|_| unfinished("类型不符"))),
            Err(_) => Err(unfinished("写入任务意外中止")),
        }
    }

    fn lock_waiting(&self) -> std::sync::MutexGuard<'_, Waiting<R>> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn spawn_runner(self: &Arc<Self>, store: &Store) {
        #[cfg(test)]
        self.runners.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (queue, store) = (self.clone(), store.clone());
        tokio::spawn(async move { queue.run(store).await });
    }

    /// The runner: takes the turn, then commits the waiting writes group after group until it
    /// finds none.
    async fn run(self: Arc<Self>, store: Store) {
        let mut end = RunnerEnd { queue: self.clone(), store: store.clone(), found_empty: false };
        let _turn = self.turn.lock().await;
        loop {
            let group: Vec<(Work<R>, Answer)> = {
                let mut waiting = self.lock_waiting();
                if waiting.writes.is_empty() {
                    waiting.runner_due = false;
                    end.found_empty = true;
                    return;
                }
                let n = waiting.writes.len().min(GROUP_LIMIT);
                waiting.writes.drain(..n).collect()
            };
            self.run_group(&store, group).await;
        }
    }

    async fn run_group(&self, store: &Store, group: Vec<(Work<R>, Answer)>) {
        let (size, started) = (group.len(), std::time::Instant::now());
        let mut jobs = Vec::new();
        let mut job_answers = Vec::new();
        let mut records = Vec::new();
        let mut record_answers = Vec::new();
        for (work, answer) in group {
            match work {
                Work::Job(job) => {
                    jobs.push(job);
                    job_answers.push(answer);
                }
                Work::Record(record) => {
                    records.push(record);
                    record_answers.push(answer);
                }
            }
        }
        let mut results: Vec<Result<Value>> = Vec::with_capacity(jobs.len());
        let mut appended: Option<Vec<i64>> = None;
        let outcome = async {
            let mut tx = store.write_tx().await?;
            if store.backend == Backend::Postgres {
                // A group's jobs touch both rows every writer of a province meets: the audit
                // chain's head and the data version (raised by triggers). Taken as the jobs
                // come, two processes' groups could take them in opposite orders and deadlock;
                // taken first, always in this order, they are waited for instead.
                sqlx::query("SELECT last_id FROM audit_head WHERE id = 1 FOR UPDATE").execute(&mut *tx).await?;
                sqlx::query("SELECT version FROM data_version WHERE id = 1 FOR UPDATE").execute(&mut *tx).await?;
            }
            // Each job's savepoint is closed and the next one's opened in one go (a round trip
            // to the database per job saved); the last stays open, the commit closes it.
            let mut rows = Appends::default();
            let mut next = "SAVEPOINT duban_job";
            let mut last_failed = false;
            for job in jobs {
                sqlx::raw_sql(next).execute(&mut *tx).await?;
                let result = job(&mut tx).await;
                last_failed = result.is_err();
                next = if last_failed {
                    "ROLLBACK TO duban_job; RELEASE duban_job; SAVEPOINT duban_job"
                } else {
                    "RELEASE duban_job; SAVEPOINT duban_job"
                };
                results.push(result.map(|(value, more)| {
                    rows.extend(more);
                    value
                }));
            }
            if last_failed {
                sqlx::raw_sql("ROLLBACK TO duban_job").execute(&mut *tx).await?;
            }
            // The rows and records of the jobs that stand; if they cannot be written, nothing
            // of the group is kept.
            rows.insert(&mut tx).await?;
            appended = Some(if records.is_empty() { Vec::new() } else { R::append_all(&mut tx, &records).await? });
            tx.commit().await
        }
        .await;
        store.watch.with(|o| o.group_committed(size, started.elapsed(), outcome.is_ok()));
        let mut results = results.into_iter();
        for answer in job_answers {
            let _ = answer.send(match (&outcome, results.next()) {
                (Ok(()), Some(result)) => result,
                // A job's own error stands whatever became of the group.
                (_, Some(Err(own))) => Err(own),
                // Nothing of the group was kept: a job that succeeded must not be acknowledged.
                (Err(e), _) => Err(group_failed(e)),
                (Ok(()), None) => Err(unfinished("无结果")),
            });
        }
        for (k, answer) in record_answers.into_iter().enumerate() {
            let _ = answer.send(match (&outcome, appended.as_ref().and_then(|ids| ids.get(k))) {
                (Ok(()), Some(id)) => Ok(Box::new(*id) as Value),
                (Err(e), _) => Err(group_failed(e)),
                (Ok(()), None) => Err(unfinished("无结果")),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record of the test groups: a note in the test table `notes`, numbered as appended.
    struct Note(&'static str);

    impl Record for Note {
        fn append_all<'c>(conn: &'c mut sqlx::AnyConnection, records: &'c [Self]) -> JobFuture<'c, Vec<i64>> {
            Box::pin(async move {
                let mut ids = Vec::new();
                for note in records {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO notes (id, action) VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM notes), $1) \
                         RETURNING id",
                    )
                    .bind(note.0)
                    .fetch_one(&mut *conn)
                    .await?;
                    ids.push(id);
                }
                Ok(ids)
            })
        }
    }

    /// Rows a test job leaves for its group: numbers for the test table `appended`.
    struct Numbers(Vec<i64>);

    impl Batch for Numbers {
        fn merge(&mut self, later: Self) {
            self.0.extend(later.0);
        }

        fn insert<'c>(&'c self, conn: &'c mut sqlx::AnyConnection) -> JobFuture<'c, ()> {
            Box::pin(async move {
                for n in &self.0 {
                    sqlx::query("INSERT INTO appended (n) VALUES ($1)").bind(*n).execute(&mut *conn).await?;
                }
                Ok(())
            })
        }
    }

    /// Inserts `n` into the test table, leaves `n * 10` to append, then fails if asked to.
    async fn insert(q: &Arc<WriteQueue<Note>>, store: &Store, n: i64, fail: bool) -> Result<i64> {
        q.write(store, move |conn| {
            Box::pin(async move {
                sqlx::query("INSERT INTO grouped (n) VALUES ($1)").bind(n).execute(&mut *conn).await?;
                if fail {
                    return Err(StoreError::Conflict(format!("job {n} fails after writing")));
                }
                Ok((n, Appends::of(Numbers(vec![n * 10]))))
            })
        })
        .await
    }

    /// A write of the test groups: an insert (failing after it wrote, if asked) or a record.
    #[derive(Clone, Copy)]
    enum Write {
        Insert(i64, bool),
        Append(&'static str),
    }

    /// Queues `writes` while holding the turn, so that they run as one group; their answers
    /// in order (an insert's number, a record's id).
    async fn one_group(q: &Arc<WriteQueue<Note>>, s: &Store, writes: &[Write]) -> Vec<Result<i64>> {
        let turn = q.turn.lock().await;
        let before = q.waiting.lock().expect("queue").writes.len();
        let tasks: Vec<_> = writes
            .iter()
            .map(|w| {
                let (q, s, w) = (q.clone(), s.clone(), *w);
                tokio::spawn(async move {
                    match w {
                        Write::Insert(n, fail) => insert(&q, &s, n, fail).await,
                        Write::Append(action) => q.append(&s, Note(action)).await,
                    }
                })
            })
            .collect();
        while q.waiting.lock().expect("queue").writes.len() < before + writes.len() {
            tokio::task::yield_now().await;
        }
        drop(turn);
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.expect("task"));
        }
        answers
    }

    /// Batches of one kind merge, each kind in its own way; kinds stay apart.
    #[test]
    fn batches_merge_by_kind() {
        struct Other(Vec<i64>);
        impl Batch for Other {
            // A later batch of this kind replaces the earlier.
            fn merge(&mut self, later: Self) {
                *self = later;
            }
            fn insert<'c>(&'c self, _: &'c mut sqlx::AnyConnection) -> JobFuture<'c, ()> {
                Box::pin(async { Ok(()) })
            }
        }
        let mut rows = Appends::of(Numbers(vec![1])).and(Other(vec![7]));
        rows.extend(Appends::of(Other(vec![8])).and(Numbers(vec![2, 3])));
        assert_eq!(rows.batches.len(), 2);
        let numbers = rows.batches.remove(0).1.into_any().downcast::<Numbers>().expect("numbers first");
        let other = rows.batches.remove(0).1.into_any().downcast::<Other>().expect("then the other kind");
        assert_eq!((numbers.0, other.0), (vec![1, 2, 3], vec![8]));
    }

    /// `db`'s store with the test tables, and a queue of its own.
    async fn fresh(db: &crate::testing::TestDb) -> (Store, Arc<WriteQueue<Note>>) {
        let s = db.store.clone();
        for table in
            ["grouped (n BIGINT NOT NULL)", "appended (n BIGINT NOT NULL)", "notes (id BIGINT NOT NULL, action TEXT)"]
        {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE TABLE {table}"))).execute(&s.pool).await.expect("table");
        }
        (s, Default::default())
    }

    /// A burst of writes is committed by one runner, not one per write: a runner per write
    /// left thousands of idle tasks queued behind the turn in the benchmark's rush.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_of_writes_is_run_by_one_runner() {
        for db in crate::testing::all().await {
            let (s, q) = fresh(&db).await;
            let writes: Vec<Write> =
                (1..=300).map(|n| if n % 3 == 0 { Write::Append("burst") } else { Write::Insert(n, false) }).collect();
            let answers = one_group(&q, &s, &writes).await;
            assert!(answers.iter().all(Result::is_ok), "{}", db.name);
            let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM grouped").fetch_one(&s.pool).await.expect("rows");
            assert_eq!(kept, 200, "{}", db.name);
            let runners = q.runners.load(std::sync::atomic::Ordering::Relaxed);
            assert_eq!(runners, 1, "{}: 300 writes, {runners} runners", db.name);
            // Once it has found the queue empty (it may still be ending after its last group
            // answered), the next write spawns a runner again.
            while q.waiting.lock().expect("queue").runner_due {
                tokio::task::yield_now().await;
            }
            insert(&q, &s, 1000, false).await.expect("a later write");
            assert_eq!(q.runners.load(std::sync::atomic::Ordering::Relaxed), 2, "{}", db.name);
        }
    }

    /// A job that panics loses its group's answers (its callers are told the write did not
    /// finish), but a write queued while it ran is still committed: the runner that ends
    /// that way hands the queue to a new one.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_queued_behind_a_job_that_panics_is_still_committed() {
        for db in crate::testing::all().await {
            let (s, q) = fresh(&db).await;
            let (started, has_started) = tokio::sync::oneshot::channel::<()>();
            let (go, may_go) = tokio::sync::oneshot::channel::<()>();
            let panicking = {
                let (q, s) = (q.clone(), s.clone());
                tokio::spawn(async move {
                    q.write(&s, move |_conn| {
                        Box::pin(async move {
                            let _ = started.send(());
                            let _ = may_go.await;
                            panic!("a job that panics (expected by this test)");
                            #[allow(unreachable_code)]
                            Ok(((), Appends::default()))
                        })
                    })
                    .await
                })
            };
            has_started.await.expect("the job runs");
            let behind = {
                let (q, s) = (q.clone(), s.clone());
                tokio::spawn(async move { insert(&q, &s, 7, false).await })
            };
            while q.waiting.lock().expect("queue").writes.is_empty() {
                tokio::task::yield_now().await;
            }
            assert_eq!(q.runners.load(std::sync::atomic::Ordering::Relaxed), 1, "a runner is due: none spawned");
            go.send(()).expect("the job waits");
            let lost = panicking.await.expect("the caller's task");
            assert!(matches!(&lost, Err(StoreError::Db(e)) if e.to_string().contains("写入任务意外中止")), "{lost:?}");
            let answered = tokio::time::timeout(std::time::Duration::from_secs(10), behind).await;
            assert!(matches!(answered, Ok(Ok(Ok(7)))), "{}: {answered:?}", db.name);
            let kept: Vec<i64> = sqlx::query_scalar("SELECT n FROM grouped").fetch_all(&s.pool).await.expect("rows");
            assert_eq!(kept, [7], "{}", db.name);
        }
    }

    #[tokio::test]
    async fn a_failing_job_in_a_group_undoes_only_itself() {
        use Write::{Append, Insert};
        for db in crate::testing::all().await {
            let (s, q) = fresh(&db).await;
            // The last job fails too: the commit must not close its savepoint with it.
            let answers =
                one_group(&q, &s, &[Insert(1, false), Insert(2, true), Insert(3, false), Insert(4, true)]).await;
            assert!(matches!(answers[0], Ok(1)));
            assert!(matches!(&answers[1], Err(StoreError::Conflict(m)) if m.contains("job 2")));
            assert!(matches!(answers[2], Ok(3)));
            assert!(matches!(&answers[3], Err(StoreError::Conflict(m)) if m.contains("job 4")));
            // Records between the jobs: appended together, in order, whatever the jobs did.
            let answers = one_group(
                &q,
                &s,
                &[Append("first"), Insert(5, true), Append("second"), Insert(6, false), Append("third")],
            )
            .await;
            assert!(matches!(&answers[1], Err(StoreError::Conflict(m)) if m.contains("job 5")));
            assert!(matches!(answers[3], Ok(6)));
            let ids: Vec<i64> = [0, 2, 4].iter().map(|&i| *answers[i].as_ref().expect("appended")).collect();
            assert_eq!(ids, [1, 2, 3], "{}", db.name);
            let kept: Vec<i64> =
                sqlx::query_scalar("SELECT n FROM grouped ORDER BY n").fetch_all(&s.pool).await.expect("rows");
            assert_eq!(kept, [1, 3, 6], "{}", db.name);
            // A failed job's rows to append went with it.
            let appended: Vec<i64> =
                sqlx::query_scalar("SELECT n FROM appended ORDER BY n").fetch_all(&s.pool).await.expect("rows");
            assert_eq!(appended, [10, 30, 60], "{}", db.name);
            let actions: Vec<String> =
                sqlx::query_scalar("SELECT action FROM notes ORDER BY id").fetch_all(&s.pool).await.expect("records");
            assert_eq!(actions, ["first", "second", "third"], "{}", db.name);
            assert!(q.waiting.lock().expect("queue").writes.is_empty());
        }
    }
}
