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
//! cannot abandon a half-run group (or leave a job of its queued for nobody to run).
//!
//! Groups are per process: two server processes on one PostgreSQL database each commit their
//! own, side by side.

use crate::audit::AuditEvent;
use crate::schema::Backend;
use crate::{Result, Store, StoreError};
use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};

/// What a job returns: a future borrowing the transaction's connection.
pub(crate) type JobFuture<'c, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'c>>;

type Value = Box<dyn Any + Send>;
type ErasedJob = Box<dyn for<'c> FnOnce(&'c mut sqlx::AnyConnection) -> JobFuture<'c, (Value, Appends)> + Send>;
type Answer = tokio::sync::oneshot::Sender<Result<Value>>;

/// Rows a job adds that nothing else in its group reads: the group inserts every job's rows
/// together after the jobs, a statement per table rather than one per job and table. Every
/// statement a group runs waits its turn on the one writing connection, so fewer of them
/// is what lets a group of the month-end rush commit sooner.
#[derive(Default)]
pub(crate) struct Appends {
    /// Report history entries.
    pub events: Vec<crate::reports::EventRow>,
    /// Search documents to insert; a document's old words must already be gone (see
    /// [`crate::search::remove`]). Of two for the same object, the later stands.
    pub docs: Vec<crate::search::Doc>,
}

impl Appends {
    fn extend(&mut self, other: Appends) {
        self.events.extend(other.events);
        for doc in other.docs {
            self.docs.retain(|d| (d.kind, d.ref_id) != (doc.kind, doc.ref_id));
            self.docs.push(doc);
        }
    }

    async fn insert(&self, conn: &mut sqlx::AnyConnection) -> Result<()> {
        crate::reports::insert_events(conn, &self.events).await?;
        crate::search::add_all(conn, &self.docs).await
    }
}

/// A write waiting for its group.
enum Work {
    /// A change of its own, run inside a savepoint.
    Job(ErasedJob),
    /// An audit record: a group appends all of its records together, after its jobs (see
    /// [`crate::audit::append_all`]).
    Audit(AuditEvent),
}

/// Writes waiting for the next group, and the turn to run one.
#[derive(Default)]
pub(crate) struct WriteQueue {
    waiting: Mutex<Vec<(Work, Answer)>>,
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
    F: for<'c> FnOnce(&'c mut sqlx::AnyConnection) -> JobFuture<'c, (T, Appends)> + Send + 'static,
{
    Box::new(move |conn: &mut sqlx::AnyConnection| -> JobFuture<'_, (Value, Appends)> {
        Box::pin(async move { job(conn).await.map(|(v, rows)| (Box::new(v) as Value, rows)) })
    })
}

fn unfinished(why: impl std::fmt::Display) -> StoreError {
    StoreError::Db(sqlx::Error::Protocol(format!("写入未完成:{why}")))
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
        self.queue(Work::Job(erase(job))).await
    }

    /// Appends an audit record with the next group; its id, once committed.
    pub(crate) async fn write_audit(&self, event: AuditEvent) -> Result<i64> {
        self.queue(Work::Audit(event)).await
    }

    async fn queue<T: 'static>(&self, work: Work) -> Result<T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.writes.waiting.lock().unwrap_or_else(PoisonError::into_inner).push((work, answer));
        // One runner per write, each taking whatever is waiting when its turn comes: most
        // find their write already done by an earlier group and have nothing to do.
        let store = self.clone();
        tokio::spawn(async move { store.run_waiting().await });
        match answered.await {
            Ok(result) => result.and_then(|v| v.downcast::<T>().map(|v| *v).map_err(|_| unfinished("类型不符"))),
            Err(_) => Err(unfinished("写入任务意外中止")),
        }
    }

    async fn run_waiting(self) {
        let _turn = self.writes.turn.lock().await;
        let group: Vec<(Work, Answer)> = {
            let mut waiting = self.writes.waiting.lock().unwrap_or_else(PoisonError::into_inner);
            let n = waiting.len().min(GROUP_LIMIT);
            waiting.drain(..n).collect()
        };
        if group.is_empty() {
            return;
        }
        let mut jobs = Vec::new();
        let mut job_answers = Vec::new();
        let mut events = Vec::new();
        let mut event_answers = Vec::new();
        for (work, answer) in group {
            match work {
                Work::Job(job) => {
                    jobs.push(job);
                    job_answers.push(answer);
                }
                Work::Audit(event) => {
                    events.push(event);
                    event_answers.push(answer);
                }
            }
        }
        let mut results: Vec<Result<Value>> = Vec::with_capacity(jobs.len());
        let mut appended: Option<Vec<i64>> = None;
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
            appended = Some(crate::audit::append_all(&mut tx, &events).await?);
            tx.commit().await
        }
        .await;
        let mut results = results.into_iter();
        for answer in job_answers {
            let _ = answer.send(match (&outcome, results.next()) {
                (Ok(()), Some(result)) => result,
                // A job's own error stands whatever became of the group.
                (_, Some(Err(own))) => Err(own),
                // Nothing of the group was kept: a job that succeeded must not be acknowledged.
                (Err(e), _) => Err(unfinished(e)),
                (Ok(()), None) => Err(unfinished("无结果")),
            });
        }
        for (k, answer) in event_answers.into_iter().enumerate() {
            let _ = answer.send(match (&outcome, appended.as_ref().and_then(|ids| ids.get(k))) {
                (Ok(()), Some(id)) => Ok(Box::new(*id) as Value),
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
                    Ok((n, Appends::default()))
                })
            })
            .await
    }

    /// A write of the test groups: an insert (failing after it wrote, if asked) or an audit
    /// record.
    #[derive(Clone, Copy)]
    enum Write {
        Insert(i64, bool),
        Audit(&'static str),
    }

    /// Queues `writes` while holding the turn, so that they run as one group; their answers
    /// in order (an insert's number, an audit record's id).
    async fn one_group(s: &Store, writes: &[Write]) -> Vec<Result<i64>> {
        let turn = s.writes.turn.lock().await;
        let before = s.writes.waiting.lock().expect("queue").len();
        let tasks: Vec<_> = writes
            .iter()
            .map(|w| {
                let (s, w) = (s.clone(), *w);
                tokio::spawn(async move {
                    match w {
                        Write::Insert(n, fail) => insert(&s, n, fail).await,
                        Write::Audit(action) => {
                            let e = AuditEvent { actor: "test".into(), action: action.into(), ..Default::default() };
                            s.audit(&e).await
                        }
                    }
                })
            })
            .collect();
        while s.writes.waiting.lock().expect("queue").len() < before + writes.len() {
            tokio::task::yield_now().await;
        }
        drop(turn);
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.expect("task"));
        }
        answers
    }

    fn doc(ref_id: i64, body: &str) -> crate::search::Doc {
        crate::search::Doc {
            kind: "report",
            ref_id,
            title: String::new(),
            body: body.into(),
            link: String::new(),
            unit_id: None,
            words: vec![body.into()],
        }
    }

    /// A report saved twice in one group is indexed once, as the later save left it.
    #[test]
    fn the_later_of_two_documents_for_one_object_stands() {
        let mut rows = Appends::default();
        rows.extend(Appends { docs: vec![doc(7, "第一次"), doc(8, "另一份")], ..Default::default() });
        rows.extend(Appends { docs: vec![doc(7, "第二次")], ..Default::default() });
        let bodies: Vec<(i64, &str)> = rows.docs.iter().map(|d| (d.ref_id, d.body.as_str())).collect();
        assert_eq!(bodies, [(8, "另一份"), (7, "第二次")]);
    }

    #[tokio::test]
    async fn a_failing_job_in_a_group_undoes_only_itself() {
        use Write::{Audit, Insert};
        for db in crate::testing::all().await {
            let s = db.store.clone();
            sqlx::query("CREATE TABLE grouped (n INTEGER NOT NULL)").execute(&s.pool).await.expect("table");
            // The last job fails too: the commit must not close its savepoint with it.
            let answers = one_group(&s, &[Insert(1, false), Insert(2, true), Insert(3, false), Insert(4, true)]).await;
            assert!(matches!(answers[0], Ok(1)));
            assert!(matches!(&answers[1], Err(StoreError::Conflict(m)) if m.contains("job 2")));
            assert!(matches!(answers[2], Ok(3)));
            assert!(matches!(&answers[3], Err(StoreError::Conflict(m)) if m.contains("job 4")));
            // Audit records between the jobs: appended together, in order, whatever the jobs did.
            let answers =
                one_group(&s, &[Audit("first"), Insert(5, true), Audit("second"), Insert(6, false), Audit("third")])
                    .await;
            assert!(matches!(&answers[1], Err(StoreError::Conflict(m)) if m.contains("job 5")));
            assert!(matches!(answers[3], Ok(6)));
            let ids: Vec<i64> = [0, 2, 4].iter().map(|&i| *answers[i].as_ref().expect("appended")).collect();
            assert_eq!(ids, [ids[0], ids[0] + 1, ids[0] + 2], "{}", db.name);
            let kept: Vec<i64> =
                sqlx::query_scalar("SELECT n FROM grouped ORDER BY n").fetch_all(&s.pool).await.expect("rows");
            assert_eq!(kept, [1, 3, 6], "{}", db.name);
            let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE id >= $1 ORDER BY id")
                .bind(ids[0])
                .fetch_all(&s.pool)
                .await
                .expect("records");
            assert_eq!(actions, ["first", "second", "third"], "{}", db.name);
            assert!(
                matches!(s.verify_audit().await.expect("verifies"), crate::audit::AuditCheck::Intact { .. }),
                "{}",
                db.name
            );
            assert!(s.writes.waiting.lock().expect("queue").is_empty());
        }
    }
}
