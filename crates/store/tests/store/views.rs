//! The plan view is computed once per state of the data and shared; these tests check that
//! whoever changes the data — this process, another process, or a statement outside the
//! store — is seen by the next read.

use domain::{Period, Thresholds};
use store::Store;
use store::reports::{Decision, ReportInput};
use store::testing::{all, execute};

use crate::workflow::published;

fn p(s: &str) -> Period {
    s.parse().expect("period")
}

/// The assignment's row in a view: (report state, value of the indicator, unit name).
fn row(view: &store::status::PlanView, assignment: i64, indicator: i64) -> (String, Option<f64>, String) {
    let a = view
        .sections
        .iter()
        .flat_map(|s| &s.items)
        .flat_map(|i| &i.units)
        .find(|a| a.assignment_id == assignment)
        .expect("assignment in view");
    (a.report_state.clone(), a.values.get(&indicator).copied(), a.unit_name.clone())
}

#[tokio::test]
async fn a_plan_view_follows_every_change_whoever_makes_it() {
    for db in all().await {
        let s = &db.store;
        let plan_id = published(s).await;
        let yujiang = s.unit_by_name("余江区").await.expect("lookup").expect("exists");
        let tasks = s.tasks(plan_id).await.expect("tasks");
        let a = s
            .assignments(plan_id, Some(yujiang.id))
            .await
            .expect("mine")
            .into_iter()
            .find(|a| a.task_id == tasks[7].id)
            .expect("item 8");
        let share = s.indicators(tasks[7].id).await.expect("indicators")[2].id;
        let march = p("2024-03");
        let today = chrono::NaiveDate::from_ymd_opt(2024, 3, 20).expect("date");
        let th = Thresholds::default();

        let before = s.plan_view(plan_id, Some(march), today, &th).await.expect("view");
        assert_eq!(row(&before, a.id, share), ("new".into(), None, "余江区".into()), "{}", db.name);
        let again = s.plan_view(plan_id, Some(march), today, &th).await.expect("view");
        assert!(std::sync::Arc::ptr_eq(&before, &again), "{}: unchanged data is not recomputed", db.name);
        // The shared JSON is the view's own serialisation.
        let json: serde_json::Value =
            serde_json::from_slice(&before.json(serde_json::to_vec).expect("serialises")).expect("json");
        assert_eq!(json, serde_json::to_value(&**before).expect("value"), "{}", db.name);

        // Another process (its own connections, its own cache) reports and approves.
        let other = Store::open(&db.url).await.expect("second store opens");
        let mut input = ReportInput { progress: "完成3所幼儿园选址。".into(), ..Default::default() };
        input.values.insert(share, 55.8);
        other.save_report(a.id, march, &input, 0, march, None).await.expect("saves");
        let draft = s.plan_view(plan_id, Some(march), today, &th).await.expect("view");
        assert_eq!(row(&draft, a.id, share), ("draft".into(), None, "余江区".into()), "{}", db.name);
        other.submit_report(a.id, march, today, 25, None, false).await.expect("submits");
        other.review_report(a.id, march, Decision::Approve, None, None).await.expect("approves");
        let approved = s.plan_view(plan_id, Some(march), today, &th).await.expect("view");
        assert_eq!(row(&approved, a.id, share), ("approved".into(), Some(55.8), "余江区".into()), "{}", db.name);
        assert_ne!(approved.status.pace, 0.0);

        // A change made outside the store altogether (an administrator's SQL).
        execute(s, &format!("UPDATE units SET name = '余江区(改)' WHERE id = {}", yujiang.id)).await;
        let renamed = s.plan_view(plan_id, Some(march), today, &th).await.expect("view");
        assert_eq!(row(&renamed, a.id, share).2, "余江区(改)", "{}", db.name);

        // Other thresholds are another view, not the cached one.
        let strict = Thresholds { ahead_margin: 10.0, ..th };
        let other_view = s.plan_view(plan_id, Some(march), today, &strict).await.expect("view");
        assert!(!std::sync::Arc::ptr_eq(&renamed, &other_view), "{}", db.name);
        other.close().await;
    }
}

/// A unit's work list is shared the same way: kept while the data stands, read afresh after
/// any change, whoever makes it.
#[tokio::test]
async fn a_work_list_follows_every_change_whoever_makes_it() {
    for db in all().await {
        let s = &db.store;
        let plan_id = published(s).await;
        let yujiang = s.unit_by_name("余江区").await.expect("lookup").expect("exists");
        let a = s.assignments(plan_id, Some(yujiang.id)).await.expect("mine")[0].clone();
        let march = p("2024-03");
        let state_of = |list: &[store::status::WorkItem]| {
            list.iter().find(|w| w.assignment_id == a.id).map(|w| (w.report_state.clone(), w.unit_name.clone()))
        };

        let before = s.unit_worklist(yujiang.id, march, 25).await.expect("list");
        assert_eq!(state_of(&before), Some(("new".into(), "余江区".into())), "{}", db.name);
        assert!(before.iter().all(|w| w.unit_id == yujiang.id), "{}: only the unit's own work", db.name);
        let again = s.unit_worklist(yujiang.id, march, 25).await.expect("list");
        assert!(std::sync::Arc::ptr_eq(&before, &again), "{}: unchanged data is not read again", db.name);
        let json: serde_json::Value =
            serde_json::from_slice(&before.json(serde_json::to_vec).expect("serialises")).expect("json");
        assert_eq!(json, serde_json::to_value(&**before).expect("value"), "{}", db.name);
        // The due day is part of what the list says.
        let other_due = s.unit_worklist(yujiang.id, march, 10).await.expect("list");
        assert_eq!(other_due[0].due_date, "2024-03-10", "{}", db.name);

        // Another process saves a draft.
        let other = Store::open(&db.url).await.expect("second store opens");
        let input = ReportInput { progress: "已启动。".into(), ..Default::default() };
        other.save_report(a.id, march, &input, 0, march, None).await.expect("saves");
        let draft = s.unit_worklist(yujiang.id, march, 25).await.expect("list");
        assert_eq!(state_of(&draft), Some(("draft".into(), "余江区".into())), "{}", db.name);

        // An administrator's SQL.
        execute(s, &format!("UPDATE units SET name = '余江区(改)' WHERE id = {}", yujiang.id)).await;
        let renamed = s.worklist(Some(yujiang.id), march, 25).await.expect("list");
        assert_eq!(state_of(&renamed), Some(("draft".into(), "余江区(改)".into())), "{}", db.name);
        other.close().await;
    }
}

/// On SQLite the data version and the API's report read are read without the pool's
/// connections: a cached view and a report still answer at once while long reads (a
/// bulletin, an export) hold every reader, and a write by another process is still seen.
/// (On PostgreSQL every read takes a pooled connection.)
#[tokio::test]
async fn on_sqlite_cached_views_and_report_reads_answer_while_every_reader_is_taken() {
    let db = store::testing::sqlite().await;
    let s = &db.store;
    let plan_id = published(s).await;
    let march = p("2024-03");
    let today = chrono::NaiveDate::from_ymd_opt(2024, 3, 20).expect("date");
    let th = Thresholds::default();
    let before = s.plan_view(plan_id, Some(march), today, &th).await.expect("view");
    let version = s.data_version().await.expect("version");

    let pool = store::testing::pool(s);
    let mut held = Vec::new();
    for _ in 0..pool.options().get_max_connections() {
        held.push(pool.acquire().await.expect("a reader"));
    }
    let within = std::time::Duration::from_secs(2);
    let again = tokio::time::timeout(within, s.plan_view(plan_id, Some(march), today, &th))
        .await
        .expect("answers without waiting for a reader")
        .expect("view");
    assert!(std::sync::Arc::ptr_eq(&before, &again), "the cached view, not a new one");

    // Another process writes; the next read of the version sees it, readers still held.
    let other = Store::open(&db.url).await.expect("second store opens");
    let yujiang = other.unit_by_name("余江区").await.expect("lookup").expect("exists");
    let a = other.assignments(plan_id, Some(yujiang.id)).await.expect("mine")[0].clone();
    let input = ReportInput { progress: "已启动。".into(), ..Default::default() };
    other.save_report(a.id, march, &input, 0, march, None).await.expect("saves");
    let after = tokio::time::timeout(within, s.data_version()).await.expect("answers at once").expect("version");
    assert!(after > version, "the other process's write is seen: {version} → {after}");
    let (assignment, report) = tokio::time::timeout(within, s.assignment_report(a.id, "2024-03"))
        .await
        .expect("the report read answers at once")
        .expect("found");
    assert_eq!(assignment.id, a.id);
    assert_eq!(report.map(|r| r.input.progress), Some("已启动。".to_string()), "the other process's draft");

    drop(held);
    let changed = s.plan_view(plan_id, Some(march), today, &th).await.expect("view");
    assert!(!std::sync::Arc::ptr_eq(&before, &changed), "a changed version is a new view");
    other.close().await;
}
