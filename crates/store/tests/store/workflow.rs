//! Directory, users, plan publishing and the report workflow, on every backend.

use domain::Period;
use store::reports::{Decision, ReportInput, ReportState};
use store::testing::{all, execute};
use store::users::{NewUser, Role};
use store::{Store, StoreError};

pub(crate) fn directory() -> plan::Directory {
    plan::Directory::from_toml(include_str!("../../../../data/units/yingtan.toml")).expect("directory")
}

pub(crate) const YINGTAN: &[u8] = include_bytes!("../../../../data/plans/yingtan-2024-education-work-plan.txt");

fn p(s: &str) -> Period {
    s.parse().expect("period")
}

pub(crate) fn day(s: &str) -> chrono::NaiveDate {
    s.parse().expect("date")
}

/// The Yingtan directory loaded and the 2024 plan imported and published; the plan's id.
pub(crate) async fn published(store: &Store) -> i64 {
    store.load_directory(&directory()).await.expect("directory loads");
    let parsed = plan::parse(YINGTAN, &store.directory().await.expect("directory reads")).expect("parses");
    let id = store.import_plan("yingtan.txt", YINGTAN, &parsed, None).await.expect("imports");
    store.publish_plan(id, day("2024-03-20")).await.expect("publishes");
    id
}

#[tokio::test]
async fn directory_users_and_tokens() {
    for db in all().await {
        let s = &db.store;
        s.load_directory(&directory()).await.expect("loads");
        s.load_directory(&directory()).await.expect("loading twice changes nothing");
        let units = s.units().await.expect("units");
        assert_eq!(units.iter().filter(|u| u.name == "各区(市)").count(), 1, "{}", db.name);
        let group = s.unit_by_name("直各学校").await.expect("lookup").expect("misspelling resolves");
        assert_eq!(group.name, "市直各学校");
        assert_eq!(s.group_members(group.id).await.expect("members").len(), 10);
        let yujiang = s.unit_by_name("余江区").await.expect("lookup").expect("exists");
        assert_eq!(yujiang.kind, "district");

        let u = s
            .add_user(&NewUser {
                username: "yj",
                display_name: "余江区填报员",
                password: "Pass@2024!x",
                role: Role::Reporter,
                unit: Some("余江区"),
            })
            .await
            .expect("adds");
        assert_eq!(u.unit_name.as_deref(), Some("余江区"));
        let dup = s
            .add_user(&NewUser { username: "yj", display_name: "x", password: "x", role: Role::Leader, unit: None })
            .await;
        assert!(matches!(dup, Err(StoreError::Conflict(_))), "{}", db.name);
        let no_unit = s
            .add_user(&NewUser { username: "r2", display_name: "x", password: "x", role: Role::Reporter, unit: None })
            .await;
        assert!(matches!(no_unit, Err(StoreError::Invalid { ref field, .. }) if field == "unit"));
        assert_eq!(s.check_password("yj", "Pass@2024!x").await.expect("checks").map(|u| u.id), Some(u.id));
        assert_eq!(s.check_password("yj", "wrong").await.expect("checks"), None);
        assert_eq!(s.check_password("nobody", "Pass@2024!x").await.expect("checks"), None);
        let token = s.create_token(u.id, "api", 8).await.expect("token");
        assert_eq!(s.user_by_token(&token).await.expect("lookup").map(|u| u.username), Some("yj".into()));
        s.revoke_token(&token).await.expect("revoke");
        assert_eq!(s.user_by_token(&token).await.expect("lookup"), None);
    }
}

#[tokio::test]
async fn publishing_expands_groups() {
    for db in all().await {
        let s = &db.store;
        let plan_id = published(s).await;
        assert_eq!(s.plan(plan_id).await.expect("plan").status, "published");
        assert!(
            matches!(s.publish_plan(plan_id, day("2024-03-20")).await, Err(StoreError::Conflict(_))),
            "publishing twice is refused"
        );
        let tasks = s.tasks(plan_id).await.expect("tasks");
        assert_eq!(tasks.len(), 29, "{}", db.name);
        assert_eq!(tasks[7].title, "推进学前教育普及普惠");
        assert_eq!(tasks[7].deadline, "2024-12-31");
        let all = s.assignments(plan_id, None).await.expect("assignments");
        let item1: Vec<_> = all.iter().filter(|a| a.task_id == tasks[0].id).collect();
        // 各区(市) 6 + 工委组织部 + 机关各科室 8 + 市直各学校 10
        assert_eq!(item1.len(), 25, "{}", db.name);
        assert!(item1.iter().any(|a| a.unit_name == "余江区" && a.via_group.as_deref() == Some("各区(市)")));
        assert!(item1.iter().all(|a| a.role == "responsible"));
        let yujiang = s.unit_by_name("余江区").await.expect("lookup").expect("exists");
        let mine = s.assignments(plan_id, Some(yujiang.id)).await.expect("mine");
        assert_eq!(mine.len(), 29, "余江区 is in every item through 各区(市)");
        let ind = s.indicators(tasks[7].id).await.expect("indicators");
        assert_eq!(ind.iter().map(|i| i.value).collect::<Vec<_>>(), vec![3.0, 800.0, 57.0, 94.0]);
        assert_eq!(ind[2].comparator, ">=");
        let ind10 = s.indicators(tasks[9].id).await.expect("indicators");
        assert_eq!(ind10[0].deadline, "2024-12-31");
        let ms = s.milestones(tasks[4].id).await.expect("milestones");
        assert!(ms.iter().any(|m| m.kind == "event" && m.text.starts_with("召开全市中小学思政德育工作会议")));
    }
}

/// 余江区's assignment on the plan's item at `index` (from 0).
async fn yujiang_item(s: &Store, plan_id: i64, index: usize) -> store::plans::Assignment {
    let yujiang = s.unit_by_name("余江区").await.expect("lookup").expect("exists");
    let task = s.tasks(plan_id).await.expect("tasks")[index].id;
    let mine = s.assignments(plan_id, Some(yujiang.id)).await.expect("mine");
    mine.into_iter().find(|a| a.task_id == task).expect("the item")
}

#[tokio::test]
async fn report_cycle_with_review_and_history() {
    for db in all().await {
        let s = &db.store;
        let plan_id = published(s).await;
        let tasks = s.tasks(plan_id).await.expect("tasks");
        let a = yujiang_item(s, plan_id, 7).await;
        let share = s.indicators(tasks[7].id).await.expect("indicators")[2].id;
        let open = p("2024-03");

        let fresh = s.report(a.id, p("2024-03")).await.expect("reads");
        assert_eq!((fresh.state, fresh.version, fresh.prefilled_from.clone()), (ReportState::New, 0, None));

        let mut input = ReportInput { progress: "完成3所幼儿园选址。".into(), ..Default::default() };
        input.values.insert(share, 55.8);
        let saved = s.save_report(a.id, p("2024-03"), &input, 0, open, None).await.expect("saves");
        assert_eq!((saved.state, saved.version), (ReportState::Draft, 1), "{}", db.name);
        assert_eq!(saved.input.values.get(&share), Some(&55.8));
        // Every answer of a write is what a read gives afterwards.
        assert_eq!(saved, s.report(a.id, p("2024-03")).await.expect("reads"), "{}", db.name);

        // A stale version is a conflict, never a silent overwrite.
        let stale = s.save_report(a.id, p("2024-03"), &input, 0, open, None).await;
        assert!(matches!(stale, Err(StoreError::Conflict(_))), "{}", db.name);

        // Bad values change nothing.
        let mut bad = input.clone();
        bad.values.insert(share, 180.0);
        assert!(
            matches!(s.save_report(a.id, p("2024-03"), &bad, 1, open, None).await, Err(StoreError::Invalid { ref field, .. }) if field == &format!("values.{share}"))
        );
        bad.values.insert(share, -1.0);
        assert!(s.save_report(a.id, p("2024-03"), &bad, 1, open, None).await.is_err());
        let long = ReportInput { progress: "字".repeat(5001), ..Default::default() };
        assert!(
            matches!(s.save_report(a.id, p("2024-03"), &long, 1, open, None).await, Err(StoreError::Invalid { ref field, .. }) if field == "progress")
        );
        assert!(
            matches!(s.save_report(a.id, p("2024-04"), &input, 0, open, None).await, Err(StoreError::Invalid { ref field, .. }) if field == "period")
        );
        assert_eq!(s.report(a.id, p("2024-03")).await.expect("reads").version, 1, "nothing was written");

        let today = chrono::NaiveDate::from_ymd_opt(2024, 3, 20).expect("date");
        let submitted = s.submit_report(a.id, p("2024-03"), today, 25, None, false).await.expect("submits");
        assert_eq!(submitted.state, ReportState::Submitted);
        assert!(!submitted.late);
        assert_eq!(submitted, s.report(a.id, p("2024-03")).await.expect("reads"), "{}", db.name);
        let again =
            s.submit_report(a.id, p("2024-03"), today, 25, None, false).await.expect("a retried submit is harmless");
        assert_eq!(again.version, submitted.version);
        assert!(matches!(
            s.save_report(a.id, p("2024-03"), &input, submitted.version, open, None).await,
            Err(StoreError::Conflict(_))
        ));

        assert!(
            matches!(s.review_report(a.id, p("2024-03"), Decision::Return, Some("  "), None).await, Err(StoreError::Invalid { ref field, .. }) if field == "comment")
        );
        let returned = s
            .review_report(a.id, p("2024-03"), Decision::Return, Some("请补充本月具体进展"), None)
            .await
            .expect("returns");
        assert_eq!(
            (returned.state, returned.review_comment.as_deref()),
            (ReportState::Returned, Some("请补充本月具体进展"))
        );
        input.progress = "完成3所幼儿园选址,2所已开工。".into();
        let fixed = s.save_report(a.id, p("2024-03"), &input, returned.version, open, None).await.expect("fixes");
        assert_eq!(fixed.state, ReportState::Returned, "stays returned until resubmitted");
        assert_eq!(fixed, s.report(a.id, p("2024-03")).await.expect("reads"), "{}", db.name);
        let late_day = chrono::NaiveDate::from_ymd_opt(2024, 3, 27).expect("date");
        let resubmitted = s.submit_report(a.id, p("2024-03"), late_day, 25, None, false).await.expect("resubmits");
        assert!(resubmitted.late, "after the 25th");
        assert_eq!(resubmitted, s.report(a.id, p("2024-03")).await.expect("reads"), "{}", db.name);
        let approved = s.review_report(a.id, p("2024-03"), Decision::Approve, None, None).await.expect("approves");
        assert_eq!(approved.state, ReportState::Approved);
        assert!(
            matches!(
                s.save_report(a.id, p("2024-03"), &input, approved.version, open, None).await,
                Err(StoreError::Conflict(_))
            ),
            "approved is locked"
        );
        let actions: Vec<String> =
            s.report_history(a.id, p("2024-03")).await.expect("history").into_iter().map(|e| e.action).collect();
        assert_eq!(actions, vec!["save", "submit", "return", "save", "submit", "approve"], "{}", db.name);

        // April starts from March: the figures are there, the month's progress is not.
        let april = s.report(a.id, p("2024-04")).await.expect("reads");
        assert_eq!(april.prefilled_from.as_deref(), Some("2024-03"));
        assert_eq!(april.input.values.get(&share), Some(&55.8));
        assert!(april.input.progress.is_empty());
        // The same text as March is flagged to the reviewer.
        let same = ReportInput { progress: input.progress.clone(), ..april.input.clone() };
        s.save_report(a.id, p("2024-04"), &same, 0, p("2024-04"), None).await.expect("saves");
        let flagged = s.submit_report(a.id, p("2024-04"), today, 25, None, false).await.expect("submits");
        assert!(flagged.unchanged, "{}", db.name);
    }
}

#[tokio::test]
async fn search_and_evidence() {
    for db in all().await {
        let s = &db.store;
        let plan_id = published(s).await;
        let hits = s.search("学前教育", None, 20).await.expect("searches");
        assert_eq!(hits.first().map(|h| h.title.as_str()), Some("8.推进学前教育普及普惠"), "{}", db.name);
        let hits = s.search("花样跳绳", None, 20).await.expect("searches");
        assert!(hits.iter().any(|h| h.kind == "measure" && h.snippet.contains("花样跳绳")), "{hits:?}");
        assert!(s.search("不存在的词组合鳄鱼", None, 20).await.expect("searches").is_empty());
        assert!(s.search("  ,。", None, 20).await.expect("searches").is_empty());

        let yujiang = s.unit_by_name("余江区").await.expect("lookup").expect("exists");
        let yuehu = s.unit_by_name("月湖区").await.expect("lookup").expect("exists");
        let tasks = s.tasks(plan_id).await.expect("tasks");
        let a = s
            .assignments(plan_id, Some(yujiang.id))
            .await
            .expect("mine")
            .into_iter()
            .find(|a| a.task_id == tasks[7].id)
            .expect("item 8");
        let input =
            ReportInput { progress: "完成鹰潭市某幼儿园的选址论证。".into(), ..Default::default() };
        // Evidence needs a saved report.
        assert!(s.add_evidence(a.id, p("2024-03"), "a.pdf", b"%PDF-1.4 x").await.is_err());
        s.save_report(a.id, p("2024-03"), &input, 0, p("2024-03"), None).await.expect("saves");
        let e = s.add_evidence(a.id, p("2024-03"), "../纪要.pdf", b"%PDF-1.4 minutes").await.expect("attaches");
        assert_eq!((e.file_name.as_str(), e.content_type.as_str()), ("纪要.pdf", "application/pdf"));
        assert!(matches!(
            s.add_evidence(a.id, p("2024-03"), "x.pdf", &[0x4d, 0x5a, 0, 0]).await,
            Err(store::evidence::AddError::Refused(_))
        ));
        let report = s.report(a.id, p("2024-03")).await.expect("reads");
        assert_eq!(report.evidence.len(), 1);
        assert_eq!(s.evidence_bytes(&report.evidence[0]).await.expect("file"), b"%PDF-1.4 minutes");

        // Reports are found by their words, by their own unit and by the bureau only.
        let hits = s.search("选址论证", Some(yujiang.id), 20).await.expect("searches");
        assert!(hits.iter().any(|h| h.kind == "report"), "{}", db.name);
        assert!(s.search("选址论证", Some(yuehu.id), 20).await.expect("searches").is_empty(), "another unit's report");
        assert!(!s.search("选址论证", None, 20).await.expect("searches").is_empty());
    }
}

async fn units_total(s: &store::Store, plan_id: i64) -> usize {
    s.assignments(plan_id, None).await.expect("assignments").len()
}

#[tokio::test]
async fn jobs_run_once_per_occurrence() {
    for db in all().await {
        let s = &db.store;
        let plan_id = published(s).await;
        let units: std::collections::BTreeSet<i64> =
            s.assignments(plan_id, None).await.expect("assignments").iter().map(|a| a.unit_id).collect();
        let day = |m, d| chrono::NaiveDate::from_ymd_opt(2024, m, d).expect("date");
        let ran = s.run_due_jobs(day(3, 1), 25, "a").await.expect("runs");
        assert_eq!(ran.len(), 2, "the opening and February's bulletin on the 1st: {ran:?}");
        let feb = s.published_bulletin(plan_id, "2024-02".parse().expect("period")).await.expect("reads");
        assert_eq!(
            feb.map(|b| (b.version, b.bulletin.overview.assignments.total)),
            Some((1, units_total(s, plan_id).await))
        );
        assert!(s.run_due_jobs(day(3, 2), 25, "b").await.expect("runs").is_empty(), "opened once per month");
        assert!(!s.claim_job("open_period", "2024-03", "c").await.expect("claims"));
        let opened = s.notifications(None, 10_000).await.expect("notices");
        assert_eq!(opened.len(), units.len(), "{}", db.name);
        // From the 20th, units that have not submitted are reminded — once.
        let ran = s.run_due_jobs(day(3, 21), 25, "a").await.expect("runs");
        assert_eq!(ran.len(), 1, "{ran:?}");
        assert!(s.run_due_jobs(day(3, 22), 25, "b").await.expect("runs").is_empty());
        let ran = s.run_due_jobs(day(3, 26), 25, "a").await.expect("runs");
        assert_eq!(ran.len(), 1, "overdue notice after the 25th: {ran:?}");
        let yujiang = s.unit_by_name("余江区").await.expect("lookup").expect("exists");
        let mine = s.notifications(Some(yujiang.id), 100).await.expect("notices");
        assert_eq!(mine.iter().map(|n| n.kind.as_str()).collect::<Vec<_>>(), vec!["overdue", "reminder", "opened"]);
        s.urge(yujiang.id, "2024-03", "请于今日下班前补报").await.expect("urges");
        assert_eq!(s.notifications(Some(yujiang.id), 1).await.expect("notices")[0].kind, "urge");
    }
}

#[tokio::test]
async fn a_backup_restores_into_either_database_losing_nothing() {
    for db in all().await {
        let s = &db.store;
        let plan_id = published(s).await;
        s.add_user(&NewUser {
            username: "yujiang",
            display_name: "余江",
            password: "Pass@2024!x",
            role: Role::Reporter,
            unit: Some("余江区"),
        })
        .await
        .expect("user");
        let yujiang = s.unit_by_name("余江区").await.expect("lookup").expect("exists");
        let a = s.assignments(plan_id, Some(yujiang.id)).await.expect("assignments")[0].id;
        let input = ReportInput {
            progress: "完成“<选址>”论证,数字 0012 保留为文字".into(), ..Default::default()
        };
        s.save_report(a, p("2024-03"), &input, 0, p("2024-03"), None).await.expect("saves");
        s.import_school_data(
            store::schools::DataKind::Population,
            chrono::NaiveDate::from_ymd_opt(2024, 9, 1).unwrap(),
            "p.csv",
            "区县,3至5岁人口\n余江区,9000\n月湖区,12000\n".as_bytes(),
            false,
            "",
        )
        .await
        .expect("imports")
        .expect("accepted");
        let before = s.dump().await.expect("dumps");
        assert!(before.iter().any(|t| t.name == "school_data" && t.rows.len() == 1), "binary data included");
        for target in [store::testing::sqlite().await].into_iter().chain(store::testing::postgres().await) {
            let n = target.store.load(&before).await.expect("restores");
            assert_eq!(n, before.iter().map(|t| t.rows.len()).sum::<usize>());
            let after = target.store.dump().await.expect("dumps");
            // Text sorts differently on the two databases: compare each table's rows as sets.
            let normal = |d: &[store::backup::TableDump]| -> Vec<(String, Vec<String>)> {
                d.iter()
                    .map(|t| {
                        let mut rows: Vec<String> = t.rows.iter().map(|r| serde_json::to_string(r).unwrap()).collect();
                        rows.sort();
                        (t.name.clone(), rows)
                    })
                    .collect()
            };
            for (a, b) in normal(&after).iter().zip(normal(&before).iter()) {
                assert_eq!(a.0, b.0);
                for (x, y) in a.1.iter().zip(&b.1) {
                    assert_eq!(x, y, "{}: {} → {}", a.0, db.name, target.name);
                }
                assert_eq!(a.1.len(), b.1.len(), "{}", a.0);
            }
            // The restored database goes on working: new rows get new ids.
            let r = target.store.report(a, p("2024-03")).await.expect("reads");
            assert_eq!(r.input.progress, input.progress);
            let v = r.version;
            target.store.save_report(a, p("2024-03"), &input, v, p("2024-03"), None).await.expect("saves again");
            target
                .store
                .add_user(&NewUser {
                    username: "new",
                    display_name: "新",
                    password: "Pass@2024!x",
                    role: Role::Leader,
                    unit: None,
                })
                .await
                .expect("a new id after the restored ones");
            assert!(
                matches!(target.store.load(&before).await, Err(StoreError::Conflict(_))),
                "only into an empty database"
            );
        }
    }
}

/// Many reporters saving and submitting at once, through two server processes' handles,
/// each change followed by its audit record (their writes are committed in groups): each
/// good write is kept and answered with its own report, a stale one fails alone, changing
/// nothing, without taking the others of its group with it, and the processes' groups never
/// deadlock on the rows they share.
#[tokio::test]
async fn concurrent_writes_succeed_or_fail_each_on_their_own() {
    for db in all().await {
        let s = &db.store;
        let plan_id = published(s).await;
        let assignments = s.assignments(plan_id, None).await.expect("assignments");
        let open = p("2024-03");
        let other = Store::open(&db.url).await.expect("second handle");
        let mut tasks = Vec::new();
        for (n, a) in assignments.iter().take(60).enumerate() {
            let (s, id) = (if n % 2 == 0 { s.clone() } else { other.clone() }, a.id);
            tasks.push(tokio::spawn(async move {
                let input = ReportInput { progress: format!("第{n}份报告的进展。"), ..Default::default() };
                // Every third write claims a version nobody read: a conflict.
                let version = if n % 3 == 2 { 7 } else { 0 };
                let saved = s.save_report(id, p("2024-03"), &input, version, open, None).await;
                let audit = |action: &str| store::audit::AuditEvent {
                    actor: format!("reporter{n}"),
                    action: action.into(),
                    outcome: "200".into(),
                    ..Default::default()
                };
                let submitted = match &saved {
                    Ok(_) => {
                        s.audit(&audit("report.save")).await.expect("audit");
                        let day = chrono::NaiveDate::from_ymd_opt(2024, 4, 1).expect("day");
                        let submitted = s.submit_report(id, p("2024-03"), day, 5, None, false).await;
                        s.audit(&audit("report.submit")).await.expect("audit");
                        Some(submitted)
                    }
                    Err(_) => None,
                };
                (n, id, saved, submitted)
            }));
        }
        for t in tasks {
            let (n, id, saved, submitted) = t.await.expect("task");
            if n % 3 == 2 {
                assert!(matches!(saved, Err(StoreError::Conflict(_))), "{}: write {n}", db.name);
                let stored = s.report(id, p("2024-03")).await.expect("reads");
                assert_eq!(stored.state, ReportState::New, "{}: a failed write leaves nothing", db.name);
            } else {
                let saved = saved.expect("saves");
                assert_eq!(saved.input.progress, format!("第{n}份报告的进展。"), "{}", db.name);
                let submitted = submitted.expect("submits").expect("submitted");
                assert_eq!(submitted.state, ReportState::Submitted, "{}", db.name);
                assert_eq!(s.report(id, p("2024-03")).await.expect("reads").state, ReportState::Submitted);
            }
        }
        // 40 writes succeeded, each with two records.
        assert_eq!(s.verify_audit().await.expect("verifies"), store::audit::AuditCheck::Intact { records: 80 });
        other.close().await;
    }
}

/// Statements stay prepared per connection, and PostgreSQL fixes a parameter's type when one
/// is prepared: a baseline cleared first (a NULL) must not stop a later one being set.
#[tokio::test]
async fn a_baseline_can_be_cleared_and_set_again_and_again() {
    for db in all().await {
        let s = &db.store;
        let plan_id = published(s).await;
        let task = s.tasks(plan_id).await.expect("tasks").into_iter().find(|t| t.title == "推进学前教育普及普惠");
        let task = task.expect("the preschool task");
        let ind = s.indicators(task.id).await.expect("indicators").remove(0);
        for round in 0..4 {
            s.set_indicator_baseline(ind.id, None).await.expect("clears");
            assert_eq!(s.indicator(ind.id).await.expect("reads").baseline, None, "{} round {round}", db.name);
            let b = 70.5 + f64::from(round);
            s.set_indicator_baseline(ind.id, Some(b)).await.expect("sets after a clear");
            assert_eq!(s.indicator(ind.id).await.expect("reads").baseline, Some(b), "{} round {round}", db.name);
        }
    }
}

/// A submission is flagged "unchanged" against the latest earlier month that was submitted
/// or approved — never a draft, never a later month — and the report it reads before writing
/// has no figures, dates or files it never had (the common report is read in one statement,
/// the rest only where there are any).
#[tokio::test]
async fn a_submission_compares_with_the_last_month_submitted_only() {
    for db in all().await {
        let s = &db.store;
        let plan_id = published(s).await;
        let id = yujiang_item(s, plan_id, 7).await.id;
        let (open, today) = (p("2024-06"), day("2024-06-10"));
        let submit = |period: &'static str, text: &'static str| async move {
            let input = ReportInput { progress: text.into(), ..Default::default() };
            s.save_report(id, p(period), &input, 0, open, None).await.expect("saves");
            s.submit_report(id, p(period), today, 25, None, false).await.expect("submits")
        };
        assert!(!submit("2024-01", "甲").await.unchanged, "{}: nothing before", db.name);
        // February stays a draft with the text March then repeats: not a month submitted.
        let draft = ReportInput { progress: "乙".into(), ..Default::default() };
        s.save_report(id, p("2024-02"), &draft, 0, open, None).await.expect("saves");
        // June is submitted before May: a later month is not what May repeats.
        submit("2024-06", "丙").await;
        let march = submit("2024-03", "乙").await;
        assert!(!march.unchanged, "{}: January said 甲, February is a draft", db.name);
        assert!(submit("2024-04", "乙").await.unchanged, "{}: the same as March", db.name);
        assert!(!submit("2024-05", "丙").await.unchanged, "{}: April said 乙; June is later", db.name);
        assert!(march.input.values.is_empty() && march.input.milestones.is_empty() && march.evidence.is_empty());
        assert_eq!(march, s.report(id, p("2024-03")).await.expect("reads"), "{}", db.name);

        // The API's report read takes the assignment and the stored report in one statement:
        // the same as the two reads, nothing for a month not written (or written another way),
        // and not found for an assignment that does not exist.
        let (assignment, stored) = s.assignment_report(id, "2024-03").await.expect("reads");
        assert_eq!(assignment, s.assignment(id).await.expect("reads"), "{}", db.name);
        assert_eq!(stored, Some(march), "{}", db.name);
        for unwritten in ["2024-07", "2024-3", "三月"] {
            let (assignment, stored) = s.assignment_report(id, unwritten).await.expect("reads");
            assert_eq!((assignment.id, stored), (id, None), "{}: {unwritten}", db.name);
        }
        assert!(matches!(s.assignment_report(id + 100_000, "2024-03").await, Err(store::StoreError::NotFound)));
    }
}

/// Report reads that arrive together are read together (a few statements for all of them),
/// and each gets what a read of its own gives: its own assignment, its own month's report with
/// its figures, milestone dates and files, nothing for a month not written, not found for an
/// assignment that does not exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_reads_arriving_together_each_get_their_own_report() {
    for db in all().await {
        let s = &db.store;
        let plan_id = published(s).await;
        let tasks = s.tasks(plan_id).await.expect("tasks");
        let share = s.indicators(tasks[7].id).await.expect("indicators")[2].id;
        let milestone = s.milestones(tasks[4].id).await.expect("milestones")[0].id;
        let mut ids = Vec::new();
        for index in 0..10 {
            let id = yujiang_item(s, plan_id, index).await.id;
            ids.push(id);
            for (month, text) in [("2024-02", "二月"), ("2024-03", "三月")] {
                let mut input = ReportInput { progress: format!("第{index}项{text}进展"), ..Default::default() };
                if index == 7 {
                    input.values.insert(share, if month == "2024-02" { 40.0 } else { 55.8 });
                }
                if index == 4 && month == "2024-03" {
                    input.milestones.insert(milestone, "2024-03-05".into());
                }
                s.save_report(id, p(month), &input, 0, p("2024-03"), None).await.expect("saves");
            }
            if index % 3 == 0 {
                s.add_evidence(id, p("2024-03"), &format!("第{index}项.pdf"), b"%PDF-1.4 minutes")
                    .await
                    .expect("attaches");
            }
        }
        let missing = ids.iter().max().expect("ids") + 100_000;
        let mut keys: Vec<(i64, &str)> = Vec::new();
        for &id in ids.iter().chain([&missing]) {
            for month in ["2024-02", "2024-03", "2024-04", "2024-3"] {
                keys.push((id, month));
            }
        }
        let mut reads = tokio::task::JoinSet::new();
        for (round, &(id, month)) in keys.iter().cycle().take(keys.len() * 3).enumerate() {
            let store = s.clone();
            reads.spawn(async move { (round, id, month, store.assignment_report(id, month).await) });
        }
        let mut answered = 0;
        while let Some(read) = reads.join_next().await {
            let (round, id, month, got) = read.expect("joins");
            if id == missing {
                assert!(matches!(got, Err(StoreError::NotFound)), "{}: {id} {month} #{round}", db.name);
                continue;
            }
            let (assignment, stored) = got.expect("reads");
            assert_eq!(assignment, s.assignment(id).await.expect("reads"), "{}: {id} {month}", db.name);
            let expected = match month {
                "2024-02" | "2024-03" => Some(s.report(id, p(month)).await.expect("reads")),
                _ => None,
            };
            assert_eq!(stored, expected, "{}: {id} {month}", db.name);
            answered += 1;
        }
        assert_eq!(answered, 10 * 4 * 3, "{}", db.name);
        // Every assignment of the plan at once: a round larger than one statement takes.
        let every = s.assignments(plan_id, None).await.expect("assignments");
        assert!(every.len() > 300, "{}: {} assignments", db.name, every.len());
        let mut reads = tokio::task::JoinSet::new();
        for a in every.clone() {
            let store = s.clone();
            reads.spawn(async move {
                let got = store.assignment_report(a.id, "2024-03").await;
                (a, got)
            });
        }
        let mut with_report = 0;
        while let Some(read) = reads.join_next().await {
            let (a, got) = read.expect("joins");
            let (assignment, stored) = got.expect("reads");
            assert_eq!(assignment, a, "{}", db.name);
            if let Some(report) = stored {
                assert!(ids.contains(&a.id) && report.assignment_id == a.id, "{}: {}", db.name, a.id);
                with_report += 1;
            }
        }
        assert_eq!(with_report, 10, "{}", db.name);
        // What the comparison above stands on: the figures, the date and the files were read.
        let (_, with_value) = s.assignment_report(ids[7], "2024-03").await.expect("reads");
        assert_eq!(with_value.expect("stored").input.values.get(&share), Some(&55.8), "{}", db.name);
        let (_, with_date) = s.assignment_report(ids[4], "2024-03").await.expect("reads");
        assert_eq!(with_date.expect("stored").input.milestones.get(&milestone).map(String::as_str), Some("2024-03-05"));
        let (_, with_file) = s.assignment_report(ids[6], "2024-03").await.expect("reads");
        assert_eq!(with_file.expect("stored").evidence.len(), 1, "{}", db.name);
    }
}

/// An idempotency key is marked done in the write's own transaction (group-committed report
/// saves and plain write transactions alike): a retry never repeats a write that committed,
/// even with its answer lost, and a claim taken over by a retry can no longer write.
#[tokio::test]
async fn idempotency_keys_are_marked_in_the_writes_own_transaction() {
    use store::idempotency::{Earlier, KeyUse, under_claim};
    async fn claim(s: &Store, key: &str) -> KeyUse {
        s.claim_idempotency_key(1, key, "PUT /report h").await.expect("claims")
    }
    fn fresh(k: KeyUse) -> store::idempotency::Claim {
        match k {
            KeyUse::Fresh(c) => c,
            other => panic!("not fresh: {other:?}"),
        }
    }
    fn earlier(k: KeyUse) -> Earlier {
        match k {
            KeyUse::Earlier { request, state } => {
                assert_eq!(request, "PUT /report h");
                state
            }
            other => panic!("not earlier: {other:?}"),
        }
    }
    for db in all().await {
        let s = &db.store;
        let plan_id = published(s).await;
        let a = yujiang_item(s, plan_id, 7).await;
        let open = p("2024-03");
        let input = ReportInput { progress: "完成3所幼儿园选址。".into(), ..Default::default() };
        let save = |version: i64| s.save_report(a.id, p("2024-03"), &input, version, open, None);

        // Done, then answered.
        let c = fresh(claim(s, "k1").await);
        assert_eq!(earlier(claim(s, "k1").await), Earlier::InFlight, "{}: a second attempt waits", db.name);
        under_claim(c.clone(), save(0)).await.expect("saves");
        assert_eq!(earlier(claim(s, "k1").await), Earlier::DoneUnanswered, "{}: marked with the save", db.name);
        s.answer_claim(&c, r#"{"version":1}"#).await.expect("answers");
        assert_eq!(earlier(claim(s, "k1").await), Earlier::Answered(r#"{"version":1}"#.into()));

        // A stale claim is taken over; the first attempt's write is then refused and undone.
        let first = fresh(claim(s, "k2").await);
        execute(s, "UPDATE idempotency_keys SET created_at = '2020-01-01T00:00:00.000Z' WHERE key = 'k2'").await;
        let retry = fresh(claim(s, "k2").await);
        let late = under_claim(first, save(1)).await;
        assert!(matches!(late, Err(StoreError::Conflict(_))), "{}: {late:?}", db.name);
        assert_eq!(s.report(a.id, p("2024-03")).await.expect("reads").version, 1, "{}: nothing written", db.name);
        assert_eq!(under_claim(retry, save(1)).await.expect("the retry saves").version, 2);

        // A write that failed frees its key for an immediate retry.
        let failed = fresh(claim(s, "k3").await);
        assert!(under_claim(failed.clone(), save(0)).await.is_err(), "stale version");
        s.release_claim(&failed).await.expect("releases");
        fresh(claim(s, "k3").await);

        // A plain write transaction marks it too.
        let c = fresh(claim(s, "k4").await);
        let new =
            NewUser { username: "k4user", display_name: "k4", password: "Start@2024x", role: Role::Leader, unit: None };
        under_claim(c.clone(), s.add_user(&new)).await.expect("adds");
        s.release_claim(&c).await.expect("a done key is kept");
        assert_eq!(earlier(claim(s, "k4").await), Earlier::DoneUnanswered, "{}", db.name);
    }
}
