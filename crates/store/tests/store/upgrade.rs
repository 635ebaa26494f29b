//! Upgrades: a database made by an earlier release migrates forward and reads correctly
//! through today's API; a migration that fails leaves the database as it was.
//!
//! Each release whose schema changed keeps a fixture made by that release under
//! `tests/fixtures/upgrade-<version>/` (a SQLite file, a plain-SQL PostgreSQL dump of the same
//! data, its evidence files, and the program that made them); a later schema change adds its
//! fixture and a test here.

use domain::{Period, Thresholds};
use store::Store;
use store::audit::AuditCheck;
use store::reports::{Decision, ReportInput, ReportState};
use store::schema::{MIGRATIONS, Script};
use store::search::{FindingsVisible, SearchRequest};
use store::testing::{all, empty_postgres, execute};

const FIXTURE_0_1_0: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/upgrade-0.1.0");
/// Every fixture user's password (see make_fixture.rs).
const PASSWORD: &str = "Fixture@2024x";

fn p(s: &str) -> Period {
    s.parse().expect("period")
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// The 0.1.0 fixture on each backend, as that release left it (nothing migrated yet), with
/// its evidence files in a directory of its own.
async fn fixtures_0_1_0() -> Vec<(&'static str, Store, tempfile::TempDir)> {
    let fixture = std::path::Path::new(FIXTURE_0_1_0);
    let mut out = Vec::new();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(fixture.join("duban.db"), dir.path().join("duban.db")).expect("copy");
    copy_dir(&fixture.join("files"), &dir.path().join("files"));
    let url = format!("sqlite://{}", dir.path().join("duban.db").display());
    let s = Store::connect(&url).await.expect("connects").with_files(dir.path().join("files"));
    out.push(("sqlite", s, dir));
    if let Some(url) = empty_postgres().await {
        // The dump sets an empty search_path for the session that loads it: a connection
        // of its own, closed afterwards, so the store's connections keep the default.
        let dump = std::fs::read_to_string(fixture.join("duban.sql")).expect("dump");
        // psql's own commands (`\restrict` in newer pg_dumps) are not SQL.
        let sql: String = dump.lines().filter(|l| !l.starts_with('\\')).map(|l| format!("{l}\n")).collect();
        let loader = sqlx::AnyPool::connect(&url).await.expect("connects");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&loader).await.expect("dump loads");
        loader.close().await;
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(&fixture.join("files"), &dir.path().join("files"));
        let s = Store::connect(&url).await.expect("connects").with_files(dir.path().join("files"));
        out.push(("postgres", s, dir));
    }
    out
}

#[tokio::test]
async fn a_database_of_release_0_1_0_migrates_and_reads_correctly() {
    for (name, s, _dir) in fixtures_0_1_0().await {
        // 0.1.0 had the migrations up to 0010_data_version; every later one is pending.
        let had = s.applied_migrations().await.expect("applied");
        assert_eq!(had.last().map(String::as_str), Some("0010_data_version"), "{name}");
        let later: Vec<&str> = MIGRATIONS.iter().map(|(n, _)| *n).filter(|n| !had.iter().any(|h| h == n)).collect();
        assert_eq!(had.len() + later.len(), MIGRATIONS.len(), "{name}: 0.1.0's migrations are all still here");
        assert!(later.starts_with(&["0011_idempotency_requests", "0012_account_requests"]), "{name}: {later:?}");
        assert_eq!(s.pending_migrations().await.expect("pending"), later, "{name}");
        let applied = s.migrate().await.expect("migrates");
        assert_eq!(applied, later, "{name}");
        assert!(s.pending_migrations().await.expect("pending").is_empty(), "{name}");
        assert!(s.migrate().await.expect("migrates again").is_empty(), "{name}: nothing twice");

        // Users sign in with the passwords they had.
        let admin = s.check_password("admin", PASSWORD).await.expect("checks").expect("admin signs in");
        assert_eq!(admin.role, store::users::Role::Admin, "{name}");
        let yujiang = s.check_password("yujiang", PASSWORD).await.expect("checks").expect("reporter signs in");
        assert_eq!(yujiang.unit_name.as_deref(), Some("余江区"), "{name}");
        assert_eq!(s.check_password("yujiang", "wrong").await.expect("checks"), None, "{name}");

        // The published plan, its reports in every state, and the plan view over them.
        let plans = s.plans().await.expect("plans");
        assert_eq!(plans.len(), 1, "{name}");
        assert_eq!(plans[0].status, "published", "{name}");
        let plan_id = plans[0].id;
        assert_eq!(s.tasks(plan_id).await.expect("tasks").len(), 3, "{name}");
        let unit = s.unit_by_name("余江区").await.expect("unit").expect("exists");
        let mine = s.assignments(plan_id, Some(unit.id)).await.expect("assignments");
        assert!(!mine.is_empty(), "{name}");
        let a = &mine[0];
        for (period, state) in [
            ("2024-03", ReportState::Approved),
            ("2024-04", ReportState::Returned),
            ("2024-05", ReportState::Submitted),
            ("2024-06", ReportState::Draft),
        ] {
            let r = s.report(a.id, p(period)).await.expect("report");
            assert_eq!(r.state, state, "{name} {period}");
            assert!(r.input.progress.starts_with(&format!("余江区{period}")), "{name}: {}", r.input.progress);
        }
        let returned = s.report(a.id, p("2024-04")).await.expect("report");
        assert_eq!(returned.review_comment.as_deref(), Some("请补充佐证材料"), "{name}");
        assert!(!s.report_history(a.id, p("2024-03")).await.expect("history").is_empty(), "{name}");
        let today = chrono::NaiveDate::from_ymd_opt(2024, 6, 10).expect("date");
        let view = s.plan_view(plan_id, Some(p("2024-05")), today, &Thresholds::default()).await.expect("view");
        let states: Vec<String> = view
            .sections
            .iter()
            .flat_map(|sec| sec.items.iter())
            .flat_map(|t| t.units.iter())
            .filter(|u| u.unit_id == unit.id)
            .map(|u| u.report_state.clone())
            .collect();
        assert!(!states.is_empty() && states.iter().all(|st| st == "submitted"), "{name}: {states:?}");

        // Search finds the old release's documents, filtered by what the upgrade filled in
        // (their plan, month and units).
        let march = SearchRequest {
            text: "按计划推进".into(),
            kind: Some("report".into()),
            period: Some("2024-03".into()),
            unit: Some(unit.id),
            limit: 10,
            ..Default::default()
        };
        let found = s.search_ranked(&march, None, FindingsVisible::All).await.expect("searches");
        assert_eq!(found.total, mine.len(), "{name}: {:?}", found.hits);
        assert!(found.hits.iter().all(|h| h.period.as_deref() == Some("2024-03") && h.plan_id == Some(plan_id)));
        let items = SearchRequest {
            text: "学前教育".into(),
            kind: Some("item".into()),
            unit: Some(unit.id),
            limit: 10,
            ..Default::default()
        };
        assert_eq!(s.search_ranked(&items, None, FindingsVisible::All).await.expect("searches").total, 1, "{name}");

        // The evidence row and its file.
        let evidence = s.report_evidence(a.id, p("2024-06")).await.expect("evidence");
        assert_eq!(evidence.len(), 1, "{name}");
        assert_eq!(evidence[0].file_name, "佐证材料.txt", "{name}");
        let bytes = s.evidence_bytes(&evidence[0]).await.expect("file");
        assert_eq!(String::from_utf8(bytes).expect("utf-8"), "余江区六月佐证:会议纪要。", "{name}");

        // The audit chain the old release wrote verifies, and goes on.
        assert!(matches!(s.verify_audit().await.expect("verifies"), AuditCheck::Intact { records: 6 }), "{name}");

        // Today's writes work on it: the draft is submitted and approved, the chain extended.
        let draft = s.report(a.id, p("2024-06")).await.expect("draft");
        let input = ReportInput { progress: "升级后补充的进展。".into(), ..draft.input.clone() };
        s.save_report(a.id, p("2024-06"), &input, draft.version, p("2024-06"), Some(yujiang.id))
            .await
            .expect("saves after the upgrade");
        s.submit_report(a.id, p("2024-06"), today, 25, Some(yujiang.id), false).await.expect("submits");
        s.review_report(a.id, p("2024-06"), Decision::Approve, None, Some(admin.id)).await.expect("approves");
        s.audit(&store::audit::AuditEvent {
            actor_id: Some(admin.id),
            actor: "admin".into(),
            action: "report.approve".into(),
            outcome: "ok".into(),
            ..Default::default()
        })
        .await
        .expect("audits");
        assert!(matches!(s.verify_audit().await.expect("verifies"), AuditCheck::Intact { records: 7 }), "{name}");
        let other = s.check_password("guixi", PASSWORD).await.expect("checks").expect("signs in");
        s.create_token(other.id, "api", 8).await.expect("a session after the upgrade");
    }
}

/// A migration that fails part-way leaves nothing of itself behind: not the table its first
/// statement made, not its record; the migrations before it stay applied, and the database
/// keeps working.
#[tokio::test]
async fn a_failing_migration_leaves_the_database_as_it_was() {
    for db in all().await {
        let s = &db.store;
        execute(s, "INSERT INTO settings (key, value) VALUES ('kept', 'yes')").await;
        let mut migrations = MIGRATIONS.to_vec();
        migrations.push((
            "9998_fine",
            Script::Ddl("CREATE TABLE upgrade_fine (id {int} PRIMARY KEY); INSERT INTO upgrade_fine (id) VALUES (1)"),
        ));
        migrations.push((
            "9999_fails",
            // The first statements succeed, then a constraint the existing data violates.
            Script::Ddl(
                "CREATE TABLE upgrade_half (id {int} PRIMARY KEY); \
                 INSERT INTO upgrade_half (id) VALUES (1); \
                 UPDATE settings SET value = 'changed' WHERE key = 'kept'; \
                 CREATE UNIQUE INDEX audit_head_hash_unique ON audit_head (hash); \
                 INSERT INTO audit_head (id, last_id, hash) VALUES (2, 0, '')",
            ),
        ));
        let err = s.apply_migrations(&migrations).await.expect_err("the migration fails");
        assert!(err.to_string().contains("9999_fails"), "{}: {err}", db.name);
        let applied = s.applied_migrations().await.expect("applied");
        assert!(applied.iter().any(|a| a == "9998_fine"), "{}: the step before stays", db.name);
        assert!(!applied.iter().any(|a| a == "9999_fails"), "{}: not recorded", db.name);
        assert_eq!(s.setting("kept").await.expect("reads").as_deref(), Some("yes"), "{}", db.name);
        let half = sqlx::query("SELECT COUNT(*) FROM upgrade_half").fetch_one(store::testing::pool(s)).await;
        assert!(half.is_err(), "{}: the failed migration's table is gone", db.name);
        let index = match s.backend() {
            store::schema::Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'audit_head_hash_unique'"
            }
            store::schema::Backend::Postgres => {
                "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'audit_head_hash_unique'"
            }
        };
        let n: i64 = sqlx::Row::get(&sqlx::query(index).fetch_one(store::testing::pool(s)).await.expect("counts"), 0);
        assert_eq!(n, 0, "{}: nor its index", db.name);
        // Still usable, and a retry fails the same way rather than half-applying again.
        s.set_setting("after", "ok").await.expect("writes");
        assert!(s.apply_migrations(&migrations).await.is_err(), "{}", db.name);
        assert!(s.pending_migrations().await.expect("pending").is_empty(), "{}", db.name);
    }
}
