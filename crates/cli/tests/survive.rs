//! Survival under crashes (issue 23, "Survive"): the real `duban serve` is killed with SIGKILL
//! again and again while concurrent clients save and submit monthly reports and a supervisor
//! returns them, on SQLite and on PostgreSQL; and PostgreSQL itself is restarted (fast and
//! immediate shutdowns) under the same load while the server keeps running.
//!
//! The clients behave as a real client should: every save and submit carries an
//! `Idempotency-Key`, and an answer lost to a kill (a broken connection, or a 503 saying the
//! outcome is not known) is retried with the same key until the server answers. The key is
//! marked in the write's own transaction, so a retried save or submit is answered, never
//! refused as done (a 409 to one is a failure). A return carries no key: one that its
//! version check now refuses (409) is looked up by reading the report back. So every write ends acknowledged, and each
//! client keeps a ledger of what it did to each report, in order.
//!
//! Afterwards every report's history (`report_events`) must be exactly its ledger: no
//! acknowledged write lost, none recorded twice, nothing else; its version must count its
//! history, and its state and text be the last write's (a submitted report stays submitted
//! until returned). After every kill the database passes its own consistency check:
//! `PRAGMA integrity_check` and `foreign_key_check` on SQLite, `amcheck` on PostgreSQL. During
//! a PostgreSQL restart the server must answer 503 with a Chinese problem document (never a
//! 500, never hang) and then reconnect by itself.
//!
//! The scale comes from the environment, so CI runs a handful of kills in seconds and
//! `bench/survive.sh` runs the same code at scale: `DUBAN_SURVIVE_KILLS` (4),
//! `DUBAN_SURVIVE_PG_RESTARTS` (2), `DUBAN_SURVIVE_CLIENTS` (4), `DUBAN_SURVIVE_SEED`.
//! Each test prints one `SURVIVE` line with its figures.
//!
//! The PostgreSQL restarts happen on a private cluster this test creates (`initdb` and
//! `pg_ctl` from the PostgreSQL server package, run as the `postgres` user when the test runs
//! as root), never on the machine's shared server. Without those programs the test prints
//! `SKIPPED:` and passes, except under CI (`CI=true`), where it fails.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PERIOD: &str = "2024-11";
const PASSWORD: &str = "Duban@2024";
/// The demo's reporters whose units' reports the clients write.
const REPORTERS: [&str; 5] = ["yujiang", "yuehu", "guixi", "longhushan", "xinjiang"];
/// How many reports each client writes.
const REPORTS_PER_CLIENT: usize = 3;
/// The longest any one write may take to be settled, retries included: a write still
/// unanswered after this means the server hangs.
const SETTLE_LIMIT: Duration = Duration::from_secs(120);

/// A number from the environment (`name`), or `default`.
fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A small deterministic generator (xorshift), so a failing run can be repeated by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Where the server keeps its data: a data directory (evidence files, and the SQLite
/// database unless `url` names a PostgreSQL one).
struct Db {
    data: PathBuf,
    url: Option<String>,
}

impl Db {
    fn args(&self) -> Vec<String> {
        let mut v = vec!["--data-dir".to_string(), self.data.display().to_string()];
        if let Some(url) = &self.url {
            v.extend(["--database-url".to_string(), url.clone()]);
        }
        v
    }

    /// The demo's plan, units and users.
    fn prepare(&self) {
        let o = Command::new(env!("CARGO_BIN_EXE_duban"))
            .args(["demo", "--no-serve"])
            .args(self.args())
            .env_remove("DUBAN_DATABASE_URL")
            .env_remove("DUBAN_CONFIG")
            .output()
            .expect("duban runs");
        assert!(o.status.success(), "demo: {}", String::from_utf8_lossy(&o.stderr));
    }

    /// Opens the database as a restarted server would.
    async fn open(&self) -> store::Store {
        let url = self.url.clone().unwrap_or_else(|| format!("sqlite://{}/duban.db", self.data.display()));
        store::Store::open(&url).await.expect("the database opens")
    }

    /// The database's own consistency check: everything on disk whole after a crash.
    async fn check(&self) {
        use sqlx::Row;
        let store = self.open().await;
        let pool = store::testing::pool(&store);
        match store.backend() {
            store::schema::Backend::Sqlite => {
                let ok: String = sqlx::query("PRAGMA integrity_check").fetch_one(pool).await.expect("checks").get(0);
                assert_eq!(ok, "ok", "SQLite's integrity check");
                let broken = sqlx::query("PRAGMA foreign_key_check").fetch_all(pool).await.expect("checks");
                assert!(broken.is_empty(), "{} rows point at nothing", broken.len());
            }
            store::schema::Backend::Postgres => postgres_consistency(&store).await,
        }
        store.close().await;
    }
}

/// PostgreSQL has no `PRAGMA integrity_check`; its counterpart is the amcheck extension
/// (contrib, on Debian in the server package): `bt_index_check` with heapallindexed checks
/// every B-tree index's structure and that each table row is in it, and `verify_heapam`
/// checks the table pages themselves.
async fn postgres_consistency(store: &store::Store) {
    use sqlx::Row;
    let pool = store::testing::pool(store);
    sqlx::raw_sql("CREATE EXTENSION IF NOT EXISTS amcheck").execute(pool).await.expect("amcheck is installed");
    let checked = sqlx::query(
        "SELECT c.relname::text, bt_index_check(c.oid, true)::text FROM pg_index i \
         JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE am.amname = 'btree' AND n.nspname = current_schema() AND c.relpersistence = 'p'",
    )
    .fetch_all(pool)
    .await
    .expect("bt_index_check passes");
    assert!(checked.len() > 5, "the app's indexes were checked: {}", checked.len());
    let corrupt = sqlx::query(
        "SELECT c.relname::text, h.msg FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         CROSS JOIN LATERAL verify_heapam(c.oid) h WHERE c.relkind = 'r' AND n.nspname = current_schema()",
    )
    .fetch_all(pool)
    .await
    .expect("verify_heapam runs");
    let found: Vec<(String, String)> = corrupt.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert!(found.is_empty(), "verify_heapam found damaged table pages: {found:?}");
}

/// `duban serve` on a fixed address (the clients keep it across restarts); killed when dropped.
struct Server {
    db: Db,
    addr: String,
    child: Option<Child>,
}

impl Server {
    fn new(db: Db) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
        Server { db, addr: format!("127.0.0.1:{port}"), child: None }
    }

    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Starts the server and waits until `/healthz` says the database answers; how long
    /// that took (the restart time a user sees).
    async fn start(&mut self, http: &reqwest::Client) -> Duration {
        let started = Instant::now();
        let child = Command::new(env!("CARGO_BIN_EXE_duban"))
            .arg("serve")
            .args(self.db.args())
            .args(["--addr", &self.addr, "--today", "2024-11-10", "--job-interval-secs", "3600"])
            .env_remove("DUBAN_DATABASE_URL")
            .env_remove("DUBAN_CONFIG")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("duban serve starts");
        self.child = Some(child);
        let url = format!("{}/healthz", self.base());
        while started.elapsed() < Duration::from_secs(120) {
            if http.get(&url).send().await.is_ok_and(|r| r.status().is_success()) {
                return started.elapsed();
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("the server exited while starting: {status}");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("the server did not answer /healthz within two minutes");
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What the clients saw, over the whole run.
#[derive(Default)]
struct Tally {
    saves: AtomicU64,
    submits: AtomicU64,
    returns: AtomicU64,
    /// Writes whose answer was lost at least once (connection broken or refused) and that were
    /// therefore sent again until answered.
    interrupted: AtomicU64,
    /// 503 answers (the database out of reach), each a Chinese problem document.
    unavailable: AtomicU64,
    /// Retried returns (sent without a key) that the server refused as already done (409) and
    /// that reading the report back showed to be done: the answer was lost with the kill.
    settled_by_reading: AtomicU64,
    /// Retries told that their key's first attempt was still claimed (killed between claiming
    /// the key and committing the write), which waited for the claim to go stale.
    waited_for_claim: AtomicU64,
    /// The slowest single request (ms): a hang shows here.
    slowest_ms: AtomicU64,
    /// Answers that should never come (a 500, a 409 to a first attempt, …), for the failure.
    unexpected: Mutex<Vec<String>>,
}

impl Tally {
    fn acknowledged(&self) -> u64 {
        self.saves.load(Ordering::SeqCst) + self.submits.load(Ordering::SeqCst) + self.returns.load(Ordering::SeqCst)
    }

    /// The figures every run prints.
    fn figures(&self, v: &Verified, unexpected: &[String]) -> String {
        let n = |c: &AtomicU64| c.load(Ordering::SeqCst);
        format!(
            "acknowledged={} (saves={} submits={} returns={}) verified={} reports={} lost={} duplicates={} \
             interrupted={} settled_by_reading={} waited_for_claim={} unavailable_503={} slowest_request={} ms unexpected={}",
            self.acknowledged(),
            n(&self.saves),
            n(&self.submits),
            n(&self.returns),
            v.writes,
            v.reports,
            v.lost,
            v.duplicates,
            n(&self.interrupted),
            n(&self.settled_by_reading),
            n(&self.waited_for_claim),
            n(&self.unavailable),
            n(&self.slowest_ms),
            unexpected.len()
        )
    }

    fn unexpected(&self, what: String) {
        eprintln!("unexpected: {what}");
        self.unexpected.lock().expect("tally").push(what);
    }
}

/// A write a client makes to a report.
#[derive(Clone)]
enum Op {
    Save(String),
    Submit,
    /// The supervisor returns it with this comment.
    Return(String),
}

/// One report a client writes, and its ledger: every acknowledged write, in order, as
/// (history action, progress text or return comment).
struct Tracked {
    assignment: i64,
    reporter: String,
    version: i64,
    state: String,
    progress: String,
    ledger: Vec<(&'static str, String)>,
}

struct Ctx {
    http: reqwest::Client,
    base: String,
    supervisor: String,
    tally: Tally,
    stop: AtomicBool,
}

impl Ctx {
    fn report_url(&self, id: i64) -> String {
        format!("{}/api/v1/assignments/{id}/reports/{PERIOD}", self.base)
    }

    /// The report as it stands, read until the server answers.
    async fn read(&self, r: &Tracked) -> Value {
        let started = Instant::now();
        loop {
            assert!(started.elapsed() < SETTLE_LIMIT, "report {} unreadable", r.assignment);
            let answer = self.http.get(self.report_url(r.assignment)).bearer_auth(&r.reporter).send().await;
            if let Ok(a) = answer
                && a.status().is_success()
                && let Ok(v) = a.json::<Value>().await
            {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Makes `op` on `r` and retries it, as a client should, until it is settled; the report
    /// as the server answered (or, for a write settled by reading it back, as read).
    async fn settle(&self, r: &Tracked, op: &Op, key: &str) -> Value {
        let url = self.report_url(r.assignment);
        let started = Instant::now();
        // Whether an earlier attempt may have been carried out (its answer was lost).
        let mut uncertain = false;
        loop {
            assert!(started.elapsed() < SETTLE_LIMIT, "a write to report {} was not settled", r.assignment);
            let request = match op {
                Op::Save(text) => self
                    .http
                    .put(&url)
                    .bearer_auth(&r.reporter)
                    .header("Idempotency-Key", key)
                    .json(&json!({"version": r.version, "progress": text})),
                Op::Submit => {
                    self.http.post(format!("{url}/submit")).bearer_auth(&r.reporter).header("Idempotency-Key", key)
                }
                // The review takes no key: a retry of a return that was carried out is refused
                // (the report is no longer submitted) and settled by reading.
                Op::Return(comment) => self
                    .http
                    .post(format!("{url}/review"))
                    .bearer_auth(&self.supervisor)
                    .json(&json!({"decision": "return", "comment": comment})),
            };
            let sent = Instant::now();
            let answer = request.timeout(SETTLE_LIMIT).send().await;
            self.tally.slowest_ms.fetch_max(sent.elapsed().as_millis() as u64, Ordering::SeqCst);
            let answer = match answer {
                Ok(a) => a,
                Err(_) => {
                    // Killed, restarting or refused: the write may or may not have been done.
                    if !uncertain {
                        self.tally.interrupted.fetch_add(1, Ordering::SeqCst);
                    }
                    uncertain = true;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let status = answer.status().as_u16();
            let problem = answer
                .headers()
                .get("content-type")
                .is_some_and(|t| t.to_str().unwrap_or_default().starts_with("application/problem+json"));
            let body = answer.text().await.unwrap_or_default();
            match status {
                200 => match serde_json::from_str::<Value>(&body) {
                    Ok(v) => return v,
                    Err(_) => {
                        // The answer was cut off by a kill.
                        uncertain = true;
                        continue;
                    }
                },
                503 => {
                    let p: Value = serde_json::from_str(&body).unwrap_or_default();
                    if !problem || p["code"] != "database_unavailable" || !p["detail"].as_str().is_some_and(has_chinese)
                    {
                        self.tally.unexpected(format!("503 without its problem document: {body}"));
                    }
                    self.tally.unavailable.fetch_add(1, Ordering::SeqCst);
                    uncertain = true;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                409 if uncertain && body.contains("idempotency_in_flight") => {
                    // Killed after claiming the key and before the write committed: the claim
                    // is taken over once stale, and the write then done once.
                    self.tally.waited_for_claim.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                409 if uncertain && !matches!(op, Op::Return(_)) => {
                    // The key is marked in the write's own transaction: a retried save or
                    // submit is answered (afresh, if its answer was lost), never refused.
                    self.tally.unexpected(format!("409 to a retry with its Idempotency-Key: {body}"));
                    return self.read(r).await;
                }
                409 if uncertain => {
                    let now = self.read(r).await;
                    let done = match op {
                        Op::Save(text) => now["progress"] == *text.as_str() && now["version"] == r.version + 1,
                        Op::Submit => now["state"] == "submitted",
                        Op::Return(comment) => now["state"] == "returned" && now["review_comment"] == *comment.as_str(),
                    };
                    if done {
                        self.tally.settled_by_reading.fetch_add(1, Ordering::SeqCst);
                        return now;
                    }
                    self.tally.unexpected(format!("409 to a retry of a write not done: {body}; report {now}"));
                    return now;
                }
                _ => {
                    self.tally.unexpected(format!("{status} to a write on report {}: {body}", r.assignment));
                    uncertain = true;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }
}

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// One client: writes its reports in a seeded order until told to stop, each write settled
/// before the next (a person at a form does one thing at a time).
async fn client(ctx: Arc<Ctx>, n: usize, mut reports: Vec<Tracked>, seed: u64) -> Vec<Tracked> {
    let mut rng = Rng(seed | 1);
    let mut count = 0u64;
    while !ctx.stop.load(Ordering::SeqCst) {
        count += 1;
        let k = rng.below(reports.len() as u64) as usize;
        let r = &mut reports[k];
        let op = match r.state.as_str() {
            "submitted" => Op::Return(format!("退回{n}-{count}:请补充数据")),
            "draft" | "returned" if !r.progress.is_empty() && rng.below(2) == 0 => Op::Submit,
            _ => Op::Save(format!("客户端{n} 任务{} 第{count}次保存", r.assignment)),
        };
        let key = format!("survive-{seed:x}-{n}-{count}");
        let answer = ctx.settle(r, &op, &key).await;
        r.version = answer["version"].as_i64().expect("version");
        r.state = answer["state"].as_str().expect("state").to_string();
        let entry = match op {
            Op::Save(text) => {
                ctx.tally.saves.fetch_add(1, Ordering::SeqCst);
                r.progress = text.clone();
                ("save", text)
            }
            Op::Submit => {
                ctx.tally.submits.fetch_add(1, Ordering::SeqCst);
                ("submit", r.progress.clone())
            }
            Op::Return(comment) => {
                ctx.tally.returns.fetch_add(1, Ordering::SeqCst);
                ("return", comment)
            }
        };
        r.ledger.push(entry);
    }
    reports
}

/// Signs in as `user`; the session token.
async fn login(http: &reqwest::Client, base: &str, user: &str) -> String {
    let v: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    v["token"].as_str().unwrap_or_else(|| panic!("{user} signs in: {v}")).to_string()
}

/// Signs the clients in and shares the reporters' reports of the month out among `clients`.
async fn start_clients(http: &reqwest::Client, base: &str, clients: usize) -> (Arc<Ctx>, Vec<Vec<Tracked>>) {
    let supervisor = login(http, base, "supervisor").await;
    let mut all = Vec::new();
    for user in REPORTERS {
        let token = login(http, base, user).await;
        let tasks: Value = http
            .get(format!("{base}/api/v1/tasks?period={PERIOD}"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("tasks")
            .json()
            .await
            .expect("json");
        for t in tasks.as_array().expect("a list") {
            all.push(Tracked {
                assignment: t["assignment_id"].as_i64().expect("id"),
                reporter: token.clone(),
                version: 0,
                state: "new".into(),
                progress: String::new(),
                ledger: Vec::new(),
            });
        }
    }
    assert!(all.len() >= clients, "enough reports for {clients} clients: {}", all.len());
    // A few reports each, so that every one goes round save → submit → return → … many
    // times rather than each being saved once.
    let mut shares: Vec<Vec<Tracked>> = (0..clients).map(|_| Vec::new()).collect();
    for (i, r) in all.into_iter().enumerate().take(clients * REPORTS_PER_CLIENT) {
        shares[i % clients].push(r);
    }
    let ctx = Arc::new(Ctx {
        http: http.clone(),
        base: base.to_string(),
        supervisor,
        tally: Tally::default(),
        stop: AtomicBool::new(false),
    });
    (ctx, shares)
}

/// Waits until the clients have had `n` more writes acknowledged (the server is up and
/// working); false if that took over a minute.
async fn progress(ctx: &Ctx, n: u64) -> bool {
    let target = ctx.tally.acknowledged() + n;
    let started = Instant::now();
    while ctx.tally.acknowledged() < target {
        if started.elapsed() > Duration::from_secs(60) {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    true
}

/// The figures of a run and whether every acknowledged write was found exactly once.
struct Verified {
    reports: usize,
    writes: usize,
    lost: usize,
    duplicates: usize,
}

/// Compares every report's history with its ledger (see the module); panics on any
/// difference after counting the lost and duplicated writes.
async fn verify(db: &Db, reports: &[Tracked]) -> Verified {
    use sqlx::Row;
    let store = db.open().await;
    let pool = store::testing::pool(&store);
    let mut v = Verified { reports: 0, writes: 0, lost: 0, duplicates: 0 };
    let mut differences = Vec::new();
    for r in reports.iter().filter(|r| !r.ledger.is_empty()) {
        let events = sqlx::query(
            "SELECT e.action, e.snapshot, e.comment FROM report_events e JOIN reports r ON r.id = e.report_id \
             WHERE r.assignment_id = $1 AND r.period = $2 ORDER BY e.id",
        )
        .bind(r.assignment)
        .bind(PERIOD)
        .fetch_all(pool)
        .await
        .expect("history");
        let history: Vec<(String, String)> = events
            .iter()
            .map(|e| {
                let action: String = e.get(0);
                let token = if action == "return" {
                    e.get::<Option<String>, _>(2).unwrap_or_default()
                } else {
                    let snapshot: Value = serde_json::from_str(&e.get::<String, _>(1)).expect("snapshot");
                    snapshot["progress"].as_str().unwrap_or_default().to_string()
                };
                (action, token)
            })
            .collect();
        let ledger: Vec<(String, String)> = r.ledger.iter().map(|(a, t)| (a.to_string(), t.clone())).collect();
        // Counted as multisets: an entry of the ledger missing from the history is lost, one
        // in the history beyond the ledger's is a duplicate (or a write nobody acknowledged).
        let mut counts: BTreeMap<&(String, String), i64> = BTreeMap::new();
        for e in &ledger {
            *counts.entry(e).or_default() += 1;
        }
        for e in &history {
            *counts.entry(e).or_default() -= 1;
        }
        v.lost += counts.values().filter(|c| **c > 0).map(|c| *c as usize).sum::<usize>();
        v.duplicates += counts.values().filter(|c| **c < 0).map(|c| (-*c) as usize).sum::<usize>();
        v.reports += 1;
        v.writes += ledger.len();
        if history != ledger {
            differences.push(format!("report {}: history {history:?}\n  ledger {ledger:?}", r.assignment));
            continue;
        }
        let row = sqlx::query("SELECT version, state, progress FROM reports WHERE assignment_id = $1 AND period = $2")
            .bind(r.assignment)
            .bind(PERIOD)
            .fetch_one(pool)
            .await
            .expect("the report");
        let (version, state, progress): (i64, String, String) = (row.get(0), row.get(1), row.get(2));
        if version != ledger.len() as i64 || state != r.state || progress != r.progress {
            differences.push(format!(
                "report {}: version {version}, state {state}, text {progress:?}; after {} writes the last left {} {:?}",
                r.assignment,
                ledger.len(),
                r.state,
                r.progress
            ));
        }
    }
    // Nothing was written that no client wrote.
    let stored: i64 = sqlx::query("SELECT count(*) FROM reports WHERE period = $1")
        .bind(PERIOD)
        .fetch_one(pool)
        .await
        .expect("count")
        .get(0);
    if stored != v.reports as i64 {
        differences.push(format!("{stored} reports stored for {PERIOD}, {} written", v.reports));
    }
    store.close().await;
    assert!(
        differences.is_empty(),
        "{} lost, {} duplicated; {}",
        v.lost,
        v.duplicates,
        differences.iter().take(5).cloned().collect::<Vec<_>>().join("\n")
    );
    v
}

/// Lets the clients finish the write each is making and stop, kills the server, checks the
/// database and compares every ledger with the history; the comparison's figures and the
/// answers no client should have had.
async fn finish(
    ctx: &Ctx,
    clients: Vec<tokio::task::JoinHandle<Vec<Tracked>>>,
    server: &mut Server,
) -> (Verified, Vec<String>) {
    assert!(progress(ctx, clients.len() as u64).await, "the clients write at the end");
    ctx.stop.store(true, Ordering::SeqCst);
    let mut reports = Vec::new();
    for c in clients {
        reports.extend(c.await.expect("client"));
    }
    server.kill();
    server.db.check().await;
    let v = verify(&server.db, &reports).await;
    assert_eq!(v.writes as u64, ctx.tally.acknowledged(), "every acknowledged write was verified");
    (v, ctx.tally.unexpected.lock().expect("tally").clone())
}

/// Milliseconds: the least, the median and the most.
fn spread(times: &mut [Duration]) -> String {
    if times.is_empty() {
        return "-".into();
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!("{:.0}/{:.0}/{:.0} ms", ms(times[0]), ms(times[times.len() / 2]), ms(times[times.len() - 1]))
}

/// The kill test on `db`: the clients write while the server is killed `kills` times at
/// seeded moments and restarted; after each kill the database is checked while the server is
/// down (the clients keep retrying meanwhile), and at the end every ledger is compared with
/// the history.
async fn kills_under_load(name: &str, db: Db) {
    let (kills, clients, seed) = (
        setting("DUBAN_SURVIVE_KILLS", 4),
        setting("DUBAN_SURVIVE_CLIENTS", 4) as usize,
        setting("DUBAN_SURVIVE_SEED", 23),
    );
    db.prepare();
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().expect("client");
    let mut server = Server::new(db);
    let mut restarts = vec![server.start(&http).await];
    let (ctx, shares) = start_clients(&http, &server.base(), clients).await;
    let tasks: Vec<_> =
        shares.into_iter().enumerate().map(|(n, s)| tokio::spawn(client(ctx.clone(), n, s, seed + n as u64))).collect();
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    for _ in 0..kills {
        // Some writes first, so every kill lands under load; then a seeded moment.
        assert!(progress(&ctx, 2 * clients as u64).await, "the clients write after a restart");
        tokio::time::sleep(Duration::from_millis(rng.below(300))).await;
        server.kill();
        server.db.check().await;
        restarts.push(server.start(&http).await);
    }
    let (v, unexpected) = finish(&ctx, tasks, &mut server).await;
    let t = &ctx.tally;
    eprintln!(
        "SURVIVE {name}: kills={kills} clients={clients} {} restart(min/median/max)={}",
        t.figures(&v, &unexpected),
        spread(&mut restarts[1..].to_vec()),
    );
    assert!(unexpected.is_empty(), "answers no client should get: {unexpected:?}");
    assert!(t.submits.load(Ordering::SeqCst) > 0 && t.returns.load(Ordering::SeqCst) > 0, "submits and returns ran");
    assert!(t.interrupted.load(Ordering::SeqCst) > 0, "the kills cut writes off and the clients retried them");
}

/// SIGKILLs of the server on SQLite.
#[test]
fn acknowledged_writes_survive_kills_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(kills_under_load("sqlite", Db { data: dir.path().to_path_buf(), url: None }));
}

/// SIGKILLs of the server on PostgreSQL (a fresh database on the shared server).
#[test]
fn acknowledged_writes_survive_kills_on_postgres() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let Some(url) = rt.block_on(store::testing::empty_postgres()) else { return };
    rt.block_on(kills_under_load("postgres", Db { data: dir.path().to_path_buf(), url: Some(url) }));
}

/// A PostgreSQL cluster of this test's own, in a temporary directory: stopped and removed
/// when dropped.
struct PrivatePostgres {
    root: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    /// Run the server programs as `postgres` (they refuse root).
    as_postgres: bool,
}

impl PrivatePostgres {
    /// The server programs' directory: `DUBAN_PG_BINDIR`, else the newest
    /// `/usr/lib/postgresql/*/bin` (Debian's layout), else `pg_config --bindir`.
    fn bindir() -> Option<PathBuf> {
        if let Ok(dir) = std::env::var("DUBAN_PG_BINDIR") {
            return Some(PathBuf::from(dir));
        }
        let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
            .filter(|(_, p): &(u32, PathBuf)| p.join("initdb").exists())
            .collect();
        found.sort();
        if let Some((_, p)) = found.pop() {
            return Some(p);
        }
        let o = Command::new("pg_config").arg("--bindir").output().ok()?;
        let p = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
        p.join("initdb").exists().then_some(p)
    }

    fn start() -> Option<PrivatePostgres> {
        let Some(bin) = Self::bindir() else {
            assert!(!under_ci(), "PostgreSQL's server programs (initdb, pg_ctl) are required under CI");
            println!("SKIPPED: PostgreSQL restarts (no initdb found; set DUBAN_PG_BINDIR)");
            return None;
        };
        // SAFETY: geteuid has no preconditions and touches no memory.
        let as_postgres = unsafe { libc::geteuid() } == 0;
        let root = tempfile::Builder::new().prefix("duban-survive-pg").tempdir().expect("tempdir");
        if as_postgres {
            let ok = Command::new("chown").args(["postgres:postgres"]).arg(root.path()).status();
            assert!(ok.is_ok_and(|s| s.success()), "the cluster's directory is given to postgres");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
        let pg = PrivatePostgres { root, bin, port, as_postgres };
        let data = pg.data();
        pg.run("initdb", &["-D", &data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]);
        let options = format!("-p {port} -k {} -c listen_addresses=127.0.0.1", pg.root.path().display());
        let log = pg.root.path().join("log").display().to_string();
        pg.run("pg_ctl", &["-D", &data, "-l", &log, "-o", &options, "-w", "-t", "120", "start"]);
        Some(pg)
    }

    fn data(&self) -> String {
        self.root.path().join("data").display().to_string()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Runs one of the server programs, as `postgres` when needed; panics if it fails.
    fn run(&self, program: &str, args: &[&str]) {
        let path = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let o = cmd.args(args).current_dir(self.root.path()).output().expect("the program runs");
        assert!(
            o.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }

    /// Restarts the cluster with a `fast` (sessions ended, a clean checkpoint) or `immediate`
    /// (processes killed, crash recovery at start) shutdown; how long it was down.
    fn restart(&self, mode: &str) -> Duration {
        let started = Instant::now();
        // With its log file named again: without one the new server would write to, and hold
        // open, the output this test reads to its end.
        let log = self.root.path().join("log").display().to_string();
        self.run("pg_ctl", &["-D", &self.data(), "-l", &log, "-m", mode, "-w", "-t", "120", "restart"]);
        started.elapsed()
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let data = self.data();
        let path = self.bin.join("pg_ctl");
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let _ = cmd.args(["-D", &data, "-m", "immediate", "stop"]).output();
    }
}

/// PostgreSQL restarted under load while the server runs: requests cut off get 503 with a
/// Chinese problem document, the server reconnects by itself, and every acknowledged write is
/// there exactly once.
#[test]
fn the_server_reconnects_after_postgres_restarts() {
    let Some(pg) = PrivatePostgres::start() else { return };
    let (restarts, clients, seed) = (
        setting("DUBAN_SURVIVE_PG_RESTARTS", 2),
        setting("DUBAN_SURVIVE_CLIENTS", 4) as usize,
        setting("DUBAN_SURVIVE_SEED", 23),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db { data: dir.path().to_path_buf(), url: Some(pg.url()) };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        db.prepare();
        let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().expect("client");
        let mut server = Server::new(db);
        server.start(&http).await;
        let (ctx, shares) = start_clients(&http, &server.base(), clients).await;
        let tasks: Vec<_> = shares
            .into_iter()
            .enumerate()
            .map(|(n, s)| tokio::spawn(client(ctx.clone(), n, s, seed + n as u64)))
            .collect();
        let mut rng = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) | 1);
        let (mut down, mut back) = (Vec::new(), Vec::new());
        for k in 0..restarts {
            assert!(progress(&ctx, clients as u64).await, "the clients write before the restart");
            tokio::time::sleep(Duration::from_millis(rng.below(300))).await;
            down.push(pg.restart(if k % 2 == 0 { "fast" } else { "immediate" }));
            // Reconnected: writes are acknowledged again without restarting the server.
            let up = Instant::now();
            assert!(progress(&ctx, 1).await, "the server writes again after PostgreSQL restarted");
            back.push(up.elapsed());
            if let Some(Ok(Some(status))) = server.child.as_mut().map(Child::try_wait) {
                panic!("the server exited when PostgreSQL restarted: {status}");
            }
        }
        let (v, unexpected) = finish(&ctx, tasks, &mut server).await;
        let t = &ctx.tally;
        eprintln!(
            "SURVIVE postgres-restart: restarts={restarts} clients={clients} {} postgres_down(min/median/max)={} \
             first_write_after(min/median/max)={}",
            t.figures(&v, &unexpected),
            spread(&mut down),
            spread(&mut back),
        );
        assert!(
            unexpected.is_empty(),
            "answers no client should get (a 500 while PostgreSQL restarted?): {unexpected:?}"
        );
        // The server never broke a connection itself: a client only waited or got a 503.
        assert_eq!(t.interrupted.load(Ordering::SeqCst), 0, "no request was cut off by the server");
        assert!(
            t.slowest_ms.load(Ordering::SeqCst) < 30_000,
            "no request hung while PostgreSQL restarted: {} ms",
            t.slowest_ms.load(Ordering::SeqCst)
        );
    });
    drop(pg);
}
