//! The schema, written once for both databases. DDL differs only in a few type names, which
//! are written as `{placeholders}` and filled in per backend; every query uses `$n`
//! parameters, which both drivers accept.
//!
//! A database made by an earlier release is brought up to date by [`Store::migrate`] (run on
//! every open, and by `duban migrate`). Each release whose schema changed keeps a database of
//! its own making under `tests/fixtures/upgrade-<version>/` (a SQLite file and a PostgreSQL
//! dump), which `tests/store/upgrade.rs` migrates forward and reads through today's API: a
//! schema change adds its fixture.

use crate::{Result, Store, StoreError, now};
use sqlx::{Executor, Row};

/// Migrations in order; each runs once, in its own transaction, and is recorded in
/// `schema_migrations`. Never edit a published migration: add a new one.
pub const MIGRATIONS: &[(&str, Script)] = &[
    ("0001_initial", Script::Ddl(INITIAL)),
    ("0002_milestones_and_breakdowns", Script::Ddl(MILESTONES_AND_BREAKDOWNS)),
    ("0003_notice_delivery", Script::Ddl(NOTICE_DELIVERY)),
    ("0004_bulletins", Script::Ddl(BULLETINS)),
    ("0005_school_data", Script::Ddl(SCHOOL_DATA)),
    ("0006_security_and_audit", Script::Ddl(SECURITY_AND_AUDIT)),
    ("0008_scoring", Script::Ddl(SCORING)),
    ("0010_data_version", Script::PerBackend(data_version)),
    ("0011_idempotency_requests", Script::Ddl(IDEMPOTENCY_REQUESTS)),
    ("0012_account_requests", Script::Ddl(ACCOUNT_REQUESTS)),
    ("0013_visits", Script::Ddl(crate::inspections::SCHEMA)),
    ("0014_report_no_change", Script::Ddl(REPORT_NO_CHANGE)),
    ("0015_ranked_search", Script::Ddl(RANKED_SEARCH)),
    ("0016_search_docs_filled", Script::PerBackend(search_docs_filled)),
    ("0017_visit_tables_raise_data_version", Script::PerBackend(visit_tables_raise_data_version)),
    ("0018_idempotency_claims", Script::Ddl(IDEMPOTENCY_CLAIMS)),
];

/// Any number; what matters is that every process migrating uses the same one.
const MIGRATION_LOCK: i64 = 0x0064_7562_616e; // "duban"

impl Store {
    /// Applies the migrations not yet applied, in order; the names of those it applied.
    pub async fn migrate(&self) -> Result<Vec<&'static str>> {
        self.apply_migrations(MIGRATIONS).await
    }

    /// The migrations this program has that the database has not applied, without changing
    /// anything (a database without the bookkeeping table has applied none).
    pub async fn pending_migrations(&self) -> Result<Vec<&'static str>> {
        let applied = self.applied_migrations().await?;
        Ok(MIGRATIONS.iter().map(|(name, _)| *name).filter(|name| !applied.iter().any(|a| a == name)).collect())
    }

    /// The migrations the database records as applied, in order; some may be unknown to this
    /// program (a database a newer release migrated).
    pub async fn applied_migrations(&self) -> Result<Vec<String>> {
        let exists = match self.backend {
            Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_name = 'schema_migrations' AND table_schema = current_schema()"
            }
        };
        if sqlx::query(exists).fetch_one(&self.pool).await?.get::<i64, _>(0) == 0 {
            return Ok(Vec::new());
        }
        let rows = sqlx::query("SELECT name FROM schema_migrations ORDER BY name").fetch_all(&self.pool).await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Applies `migrations` not yet applied, each in its own transaction together with its
    /// record in `schema_migrations`: one that fails is rolled back whole (DDL is
    /// transactional on both databases) and stops the run, leaving the database as the
    /// migrations before it left it. Processes starting at once take turns (SQLite's write
    /// lock; an advisory lock on PostgreSQL), and each migration is looked up again inside its
    /// transaction, so it runs once. Public for the tests that inject a failing migration.
    #[doc(hidden)]
    pub async fn apply_migrations(&self, migrations: &[(&'static str, Script)]) -> Result<Vec<&'static str>> {
        let mut tx = self.migration_tx().await?;
        tx.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            .await?;
        tx.commit().await?;
        let mut applied = Vec::new();
        for (name, script) in migrations {
            let mut tx = self.migration_tx().await?;
            let done = sqlx::query("SELECT name FROM schema_migrations WHERE name = $1")
                .bind(*name)
                .fetch_optional(&mut *tx)
                .await?;
            if done.is_some() {
                continue;
            }
            for statement in script.statements(self.backend) {
                if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(statement)).execute(&mut *tx).await {
                    // Dropping the transaction rolls the migration back.
                    return Err(StoreError::Conflict(format!(
                        "数据库结构升级 {name} 失败,该步已撤销(此前已完成的 {} 步保留):{e}",
                        applied.len()
                    )));
                }
            }
            sqlx::query("INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)")
                .bind(*name)
                .bind(now())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            applied.push(*name);
        }
        Ok(applied)
    }

    /// A write transaction holding the migration turn.
    async fn migration_tx(&self) -> Result<crate::WriteTx> {
        let mut tx = self.write_tx().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(MIGRATION_LOCK).execute(&mut *tx).await?;
        }
        Ok(tx)
    }
}

/// A migration's statements.
#[derive(Clone, Copy)]
pub enum Script {
    /// DDL written once for both databases, with `{placeholders}` for type names; split on ';'.
    Ddl(&'static str),
    /// Statements that differ in more than type names between the databases (triggers).
    PerBackend(fn(Backend) -> Vec<String>),
}

impl Script {
    /// The statements to run on `backend`, in order.
    pub fn statements(&self, backend: Backend) -> Vec<String> {
        match self {
            Script::Ddl(script) => statements(&ddl(script, backend)).map(str::to_string).collect(),
            Script::PerBackend(generate) => generate(backend),
        }
    }

    /// The DDL text, for finding the tables it creates (generated scripts create none that
    /// belong in a backup).
    pub fn ddl_text(&self) -> &'static str {
        match self {
            Script::Ddl(script) => script,
            Script::PerBackend(_) => "",
        }
    }
}

/// The tables the plan view is computed from: any change to one of them changes the data
/// version, which is how a cached view knows it is stale (see `status::ViewCache`).
pub const VIEW_TABLES: [&str; 11] = [
    "plans",
    "tasks",
    "assignments",
    "indicators",
    "indicator_shares",
    "milestones",
    "reports",
    "report_values",
    "report_milestones",
    "units",
    "school_data",
];

/// One counter, raised by a trigger in the same transaction as every change to the view's
/// tables, so it becomes visible exactly when the change does, to every process. Triggers
/// (not application code) do it so that nothing that writes — a command, a restore, another
/// server process — can forget. The counter is not part of a backup: it only has to change.
fn data_version(backend: Backend) -> Vec<String> {
    let mut out = vec![
        "CREATE TABLE data_version (id INTEGER PRIMARY KEY, version BIGINT NOT NULL)".to_string(),
        "INSERT INTO data_version (id, version) VALUES (1, 0)".to_string(),
    ];
    if backend == Backend::Postgres {
        out.push(
            "CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; RETURN NULL; END $$"
                .to_string(),
        );
    }
    out.extend(version_triggers(backend, &VIEW_TABLES));
    out
}

/// The tables the dashboard's and the bulletin's visit and 督办件 figures are computed from
/// raise the data version too, so those figures are cached per version like the plan views.
pub const VISIT_FIGURE_TABLES: [&str; 8] = [
    "inspections",
    "findings",
    "rectification_reports",
    "rectification_verifications",
    "visit_evidence",
    "directives",
    "directive_units",
    "directive_feedback",
];

fn visit_tables_raise_data_version(backend: Backend) -> Vec<String> {
    version_triggers(backend, &VISIT_FIGURE_TABLES)
}

/// A trigger on each of `tables` raising the data version in the changing transaction (the
/// function it calls on PostgreSQL comes with migration 0010).
fn version_triggers(backend: Backend, tables: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    match backend {
        Backend::Sqlite => {
            for table in tables {
                for event in ["INSERT", "UPDATE", "DELETE"] {
                    out.push(format!(
                        "CREATE TRIGGER {table}_{e}_data_version AFTER {event} ON {table} \
                         BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END",
                        e = event.to_lowercase()
                    ));
                }
            }
        }
        Backend::Postgres => {
            for table in tables {
                // Once per statement: a bulk load raises it once, not once per row.
                out.push(format!(
                    "CREATE TRIGGER {table}_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} \
                     FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()"
                ));
            }
        }
    }
    out
}

const INITIAL: &str = r#"
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE units (
    id {id},
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    parent_id {int} REFERENCES units(id),
    district TEXT,
    stage TEXT,
    ownership TEXT,
    inclusive {int} NOT NULL DEFAULT 0
);

CREATE TABLE unit_aliases (
    alias TEXT PRIMARY KEY,
    unit_id {int} NOT NULL REFERENCES units(id),
    misspelling {int} NOT NULL DEFAULT 0
);

CREATE TABLE group_members (
    group_id {int} NOT NULL REFERENCES units(id),
    member_id {int} NOT NULL REFERENCES units(id),
    PRIMARY KEY (group_id, member_id)
);

CREATE TABLE users (
    id {id},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id {int} REFERENCES units(id),
    must_change_password {int} NOT NULL DEFAULT 0,
    disabled {int} NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id {int} NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);

CREATE TABLE plans (
    id {id},
    title TEXT NOT NULL,
    year {int},
    status TEXT NOT NULL,
    source_name TEXT NOT NULL,
    source_format TEXT NOT NULL,
    source_bytes {blob} NOT NULL,
    parsed_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by {int} REFERENCES users(id),
    published_at TEXT
);

CREATE TABLE tasks (
    id {id},
    plan_id {int} NOT NULL REFERENCES plans(id),
    section {int} NOT NULL,
    section_title TEXT NOT NULL,
    item_number {int} NOT NULL,
    item_label TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    start_date TEXT NOT NULL,
    deadline TEXT NOT NULL,
    position {int} NOT NULL
);
CREATE INDEX tasks_plan ON tasks(plan_id);

CREATE TABLE assignments (
    id {id},
    task_id {int} NOT NULL REFERENCES tasks(id),
    unit_id {int} NOT NULL REFERENCES units(id),
    role TEXT NOT NULL,
    via_group TEXT,
    UNIQUE (task_id, unit_id)
);
CREATE INDEX assignments_unit ON assignments(unit_id);

CREATE TABLE indicators (
    id {id},
    task_id {int} NOT NULL REFERENCES tasks(id),
    subject TEXT NOT NULL,
    value {real} NOT NULL,
    max_value {real},
    unit TEXT NOT NULL,
    comparator TEXT NOT NULL,
    baseline {real},
    per_scope TEXT,
    deadline TEXT NOT NULL,
    source_text TEXT NOT NULL
);
CREATE INDEX indicators_task ON indicators(task_id);

CREATE TABLE milestones (
    id {id},
    task_id {int} NOT NULL REFERENCES tasks(id),
    text TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_date TEXT NOT NULL
);
CREATE INDEX milestones_task ON milestones(task_id);

CREATE TABLE reports (
    id {id},
    assignment_id {int} NOT NULL REFERENCES assignments(id),
    period TEXT NOT NULL,
    state TEXT NOT NULL,
    progress TEXT NOT NULL,
    cumulative TEXT NOT NULL,
    self_status TEXT,
    problems TEXT NOT NULL,
    next_steps TEXT NOT NULL,
    version {int} NOT NULL,
    late {int} NOT NULL DEFAULT 0,
    unchanged {int} NOT NULL DEFAULT 0,
    review_comment TEXT,
    submitted_at TEXT,
    reviewed_at TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (assignment_id, period)
);
CREATE INDEX reports_period ON reports(period, state);

CREATE TABLE report_values (
    report_id {int} NOT NULL REFERENCES reports(id),
    indicator_id {int} NOT NULL REFERENCES indicators(id),
    value {real} NOT NULL,
    PRIMARY KEY (report_id, indicator_id)
);

CREATE TABLE report_events (
    id {id},
    report_id {int} NOT NULL REFERENCES reports(id),
    at TEXT NOT NULL,
    user_id {int} REFERENCES users(id),
    action TEXT NOT NULL,
    comment TEXT,
    snapshot TEXT NOT NULL
);
CREATE INDEX report_events_report ON report_events(report_id);

CREATE TABLE evidence (
    id {id},
    report_id {int} NOT NULL REFERENCES reports(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size {int} NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX evidence_report ON evidence(report_id);

CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY,
    user_id {int} NOT NULL,
    response TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE jobs (
    name TEXT PRIMARY KEY,
    last_run TEXT,
    locked_until TEXT,
    locked_by TEXT
);

-- The search index: words cut by jieba at write time, one row per word and object, so one
-- plain B-tree index serves both databases (FTS5's trigram tokenizer cannot find two-character
-- Chinese words, and tsvector exists only on PostgreSQL).
CREATE TABLE search_terms (
    term TEXT NOT NULL,
    kind TEXT NOT NULL,
    ref_id {int} NOT NULL,
    PRIMARY KEY (term, kind, ref_id)
);
-- Re-indexing a document deletes its words by document, not by word.
CREATE INDEX search_terms_doc ON search_terms(kind, ref_id);

CREATE TABLE search_docs (
    kind TEXT NOT NULL,
    ref_id {int} NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,
    unit_id {int},
    PRIMARY KEY (kind, ref_id)
);

-- In-app notices to units (reporting opened, reminders, overdue notices, urges).
CREATE TABLE notifications (
    id {id},
    unit_id {int} NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notifications_unit ON notifications(unit_id, created_at);

CREATE TABLE instructions (
    id {id},
    task_id {int} NOT NULL REFERENCES tasks(id),
    user_id {int} NOT NULL REFERENCES users(id),
    text TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"#;

/// Milestones the office has scheduled (given a real due date) drive pace; units record when
/// they finished one in their report. A target may be broken down into a value per unit.
const MILESTONES_AND_BREAKDOWNS: &str = r#"
ALTER TABLE milestones ADD COLUMN scheduled {int} NOT NULL DEFAULT 0;

CREATE TABLE report_milestones (
    report_id {int} NOT NULL REFERENCES reports(id),
    milestone_id {int} NOT NULL REFERENCES milestones(id),
    done_on TEXT NOT NULL,
    PRIMARY KEY (report_id, milestone_id)
);

CREATE TABLE indicator_shares (
    indicator_id {int} NOT NULL REFERENCES indicators(id),
    unit_id {int} NOT NULL REFERENCES units(id),
    value {real} NOT NULL,
    PRIMARY KEY (indicator_id, unit_id)
)
"#;

/// Notices also go out by e-mail (to the unit's address) and webhook; each is claimed by one
/// process, tried a few times, and its outcome kept.
const NOTICE_DELIVERY: &str = r#"
ALTER TABLE units ADD COLUMN email TEXT;
ALTER TABLE notifications ADD COLUMN claimed_by TEXT;
ALTER TABLE notifications ADD COLUMN attempts {int} NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN delivered_at TEXT;
ALTER TABLE notifications ADD COLUMN delivery_note TEXT
"#;

/// Published bulletins: frozen content, one row per version.
const BULLETINS: &str = r#"
CREATE TABLE bulletins (
    id {id},
    plan_id {int} NOT NULL REFERENCES plans(id),
    period TEXT NOT NULL,
    version {int} NOT NULL,
    content TEXT NOT NULL,
    published_at TEXT NOT NULL,
    UNIQUE (plan_id, period, version)
)
"#;

/// School data snapshots, and targets bound to a figure computed from them.
const SCHOOL_DATA: &str = r#"
CREATE TABLE school_data (
    id {id},
    kind TEXT NOT NULL,
    as_of TEXT NOT NULL,
    file_name TEXT NOT NULL,
    source {blob} NOT NULL,
    rows_json TEXT NOT NULL,
    rows {int} NOT NULL,
    skipped {int} NOT NULL,
    note TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE INDEX school_data_kind ON school_data(kind, as_of);
ALTER TABLE indicators ADD COLUMN source TEXT
"#;

/// Accounts (password history, failed sign-ins by name) and the hash-chained audit log.
/// `audit_head` is the chain's single head row: appends lock it, so concurrent writers take
/// turns and the chain stays linear on both databases.
const SECURITY_AND_AUDIT: &str = r#"
ALTER TABLE users ADD COLUMN password_changed_at TEXT;

CREATE TABLE password_history (
    id {id},
    user_id {int} NOT NULL REFERENCES users(id),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, id);

CREATE TABLE login_failures (
    username TEXT PRIMARY KEY,
    failures {int} NOT NULL,
    locked_until TEXT,
    last_failure_at TEXT NOT NULL
);

CREATE TABLE audit_log (
    id {int} PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id {int},
    actor TEXT NOT NULL,
    ip TEXT,
    action TEXT NOT NULL,
    object TEXT,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);

CREATE TABLE audit_head (
    id {int} PRIMARY KEY,
    last_id {int} NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, hash) VALUES (1, 0, '')
"#;

/// Year-end scoring: versioned schemes, the office's adjustments, frozen results.
const SCORING: &str = r#"
CREATE TABLE scoring_schemes (
    id {id},
    plan_id {int} NOT NULL REFERENCES plans(id),
    version {int} NOT NULL,
    content TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (plan_id, version)
);
CREATE TABLE score_adjustments (
    id {id},
    plan_id {int} NOT NULL REFERENCES plans(id),
    unit_id {int} NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    points {real} NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by {int}
);
CREATE TABLE score_results (
    id {id},
    plan_id {int} NOT NULL REFERENCES plans(id),
    version {int} NOT NULL,
    period TEXT NOT NULL,
    content TEXT NOT NULL,
    published_at TEXT NOT NULL,
    UNIQUE (plan_id, version)
)
"#;

/// Idempotency keys bound to the request they answered (method, path and a SHA-256 of the
/// body), one namespace per user. Keys live for a retry or two, so the old table's rows are
/// dropped rather than converted: they name no request to compare a retry with.
const IDEMPOTENCY_REQUESTS: &str = r#"
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    user_id {int} NOT NULL,
    key TEXT NOT NULL,
    request TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
)
"#;

/// Administrators' requests that take effect only when a second administrator confirms them
/// (a business role granted, a password reset). `code_half` is the reset code's first half
/// until the request is decided.
const ACCOUNT_REQUESTS: &str = r#"
CREATE TABLE account_requests (
    id {id},
    kind TEXT NOT NULL,
    user_id {int} NOT NULL REFERENCES users(id),
    role TEXT,
    requested_by {int} NOT NULL REFERENCES users(id),
    requested_at TEXT NOT NULL,
    code_half TEXT,
    state TEXT NOT NULL,
    decided_by {int} REFERENCES users(id),
    decided_at TEXT
)
"#;

/// A report whose unit declared 本月无新进展 (nothing new this month): complete without
/// text, and counted as declared rather than as text unchanged from last month.
const REPORT_NO_CHANGE: &str = r#"
ALTER TABLE reports ADD COLUMN no_change {int} NOT NULL DEFAULT 0
"#;

/// An idempotency key is claimed before its write and marked done in the write's own
/// transaction (see `idempotency`): `claim` is the attempt's token, `committed` says the
/// write was done; `response` stays '' until the answer is stored. Keys stored before claims
/// were stored after their write had committed, with their answer: done.
const IDEMPOTENCY_CLAIMS: &str = r#"
ALTER TABLE idempotency_keys ADD COLUMN claim TEXT NOT NULL DEFAULT '';
ALTER TABLE idempotency_keys ADD COLUMN committed {int} NOT NULL DEFAULT 1
"#;

/// Ranked search (see `search`): each process keeps its own index of `search_docs`, so the
/// table of words goes; a document carries what the filters need (its plan, month and the
/// units it concerns) and the stamp by which the processes find it (`seq`, the data version
/// of the transaction that wrote it).
const RANKED_SEARCH: &str = r#"
ALTER TABLE search_docs ADD COLUMN plan_id {int};
ALTER TABLE search_docs ADD COLUMN period TEXT;
ALTER TABLE search_docs ADD COLUMN units TEXT NOT NULL DEFAULT '';
ALTER TABLE search_docs ADD COLUMN seq {int} NOT NULL DEFAULT 0;
CREATE INDEX search_docs_seq ON search_docs(seq);
DROP TABLE search_terms
"#;

/// The documents an earlier release wrote get their plan, month and units from the rows
/// they stand for (only the list of units is written differently on each database).
pub(crate) fn search_docs_filled(backend: Backend) -> Vec<String> {
    let list = |select_units: &str| match backend {
        Backend::Sqlite => format!("COALESCE((SELECT group_concat(u, ',') FROM (SELECT DISTINCT {select_units})), '')"),
        Backend::Postgres => {
            format!("COALESCE((SELECT string_agg(CAST(u AS TEXT), ',') FROM (SELECT DISTINCT {select_units}) x), '')")
        }
    };
    let task_units = list("a.unit_id AS u FROM assignments a WHERE a.task_id = search_docs.ref_id");
    let measure_units = list(
        "a.unit_id AS u FROM assignments a JOIN milestones m ON m.task_id = a.task_id WHERE m.id = search_docs.ref_id",
    );
    let directive_units = list("x.unit_id AS u FROM directive_units x WHERE x.directive_id = search_docs.ref_id");
    vec![
        format!(
            "UPDATE search_docs SET plan_id = (SELECT t.plan_id FROM tasks t WHERE t.id = search_docs.ref_id), \
             units = {task_units} WHERE kind = 'item'"
        ),
        format!(
            "UPDATE search_docs SET plan_id = (SELECT t.plan_id FROM milestones m JOIN tasks t ON t.id = m.task_id \
             WHERE m.id = search_docs.ref_id), units = {measure_units} WHERE kind = 'measure'"
        ),
        "UPDATE search_docs SET plan_id = (SELECT t.plan_id FROM reports r JOIN assignments a ON a.id = r.assignment_id \
         JOIN tasks t ON t.id = a.task_id WHERE r.id = search_docs.ref_id), \
         period = (SELECT r.period FROM reports r WHERE r.id = search_docs.ref_id), \
         units = COALESCE(CAST(unit_id AS TEXT), '') WHERE kind = 'report'"
            .to_string(),
        "UPDATE search_docs SET period = (SELECT substr(i.visited_on, 1, 7) FROM findings f \
         JOIN inspections i ON i.id = f.inspection_id WHERE f.id = search_docs.ref_id), \
         units = COALESCE(CAST(unit_id AS TEXT), '') WHERE kind = 'finding'"
            .to_string(),
        format!(
            "UPDATE search_docs SET period = (SELECT substr(d.registered_on, 1, 7) FROM directives d \
             WHERE d.id = search_docs.ref_id), units = {directive_units} WHERE kind = 'directive'"
        ),
    ]
}

/// Which database a store runs on (defined with the generic SQL helpers, which every module
/// may use; named here too, where it always was).
pub use crate::sql::Backend;

/// Fills the type placeholders of a DDL script for `backend`.
pub fn ddl(script: &str, backend: Backend) -> String {
    let (id, int, real, blob) = match backend {
        Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "INTEGER", "REAL", "BLOB"),
        Backend::Postgres => {
            ("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "BIGINT", "DOUBLE PRECISION", "BYTEA")
        }
    };
    script.replace("{id}", id).replace("{int}", int).replace("{real}", real).replace("{blob}", blob)
}

/// Splits a script into statements (no statement here contains a ';' inside a literal).
pub fn statements(script: &str) -> impl Iterator<Item = &str> {
    script.split(';').map(str::trim).filter(|s| !s.is_empty())
}
