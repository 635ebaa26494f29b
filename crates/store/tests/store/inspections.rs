//! Visits, the rectification loop and 督办件 (issue 20), on every backend.

use chrono::NaiveDate;
use domain::Period;
use sqlx::Row;
use store::inspections::{
    InspectionFilter, NewDirective, NewFinding, NewInspection, RectFilter, RectificationReport, UnitRef, Verdict,
    VisitScope,
};
use store::testing::all;
use store::users::{NewUser, Role, User};
use store::{Store, StoreError};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn directory() -> plan::Directory {
    plan::Directory::from_toml(include_str!("../../../../data/units/yingtan.toml")).expect("directory")
}

async fn user(s: &Store, name: &str, role: Role, unit: Option<&str>) -> User {
    s.add_user(&NewUser { username: name, display_name: name, password: "Pass@2024!x", role, unit })
        .await
        .expect("user added")
}

async fn unit_id(s: &Store, name: &str) -> i64 {
    s.unit_by_name(name).await.expect("lookup").expect("unit exists").id
}

async fn count(s: &Store, table: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(store::testing::pool(s))
        .await
        .expect("counts")
        .get(0)
}

fn finding(text: &str, unit: &str, deadline: &str) -> NewFinding {
    NewFinding {
        text: text.into(),
        task_id: None,
        severity: None,
        unit: UnitRef::Name(unit.into()),
        deadline: d(deadline),
        requirement: "限期整改到位".into(),
    }
}

fn visit(unit: &str, on: &str, inspectors: Vec<i64>, findings: Vec<NewFinding>) -> NewInspection {
    NewInspection {
        kind: "责任督学挂牌督导".into(),
        visited_on: d(on),
        unit: UnitRef::Name(unit.into()),
        inspectors,
        summary: "校园安全、五项管理专项检查".into(),
        findings,
    }
}

fn done(text: &str) -> RectificationReport {
    RectificationReport { text: text.into(), complete: true, evidence: Vec::new() }
}

const SCHOOL: &str = "鹰潭市第一中学";

#[tokio::test]
async fn a_visit_its_findings_rectified_closed_and_returned_and_the_bulletin_follows() {
    for db in all().await {
        let s = &db.store;
        s.load_directory(&directory()).await.expect("directory");
        let office = user(s, "duban", Role::Supervisor, Some("督导室")).await;
        let inspector = user(s, "duxue", Role::Inspector, None).await;
        let reporter = user(s, "yizhong", Role::Reporter, Some(SCHOOL)).await;
        let other = user(s, "yujiang", Role::Reporter, Some("余江区")).await;
        let school = unit_id(s, SCHOOL).await;
        let (today, may) = (d("2024-05-10"), Period::new(2024, 5).expect("period"));

        let v = s
            .create_inspection(
                &visit(
                    SCHOOL,
                    "2024-05-06",
                    vec![inspector.id],
                    vec![
                        finding("消防通道堆放杂物", SCHOOL, "2024-05-31"),
                        finding("课后服务台账不全", SCHOOL, "2024-05-20"),
                    ],
                ),
                Some(inspector.id),
                today,
            )
            .await
            .expect("visit recorded");
        assert_eq!(v.findings.len(), 2, "{}", db.name);
        assert!(v.findings.iter().all(|f| f.state_label == "待整改" && f.version == 1), "{}: {v:?}", db.name);
        let (a, b) = (v.findings[0].id, v.findings[1].id);
        let notices = s.notifications(Some(school), 10).await.expect("notices");
        assert_eq!(notices.iter().filter(|n| n.kind == "rectification").count(), 2, "a notice per finding");
        assert!(notices.iter().any(|n| n.message.contains("消防通道堆放杂物")), "{notices:?}");
        let before = s.visit_bulletin(may, today).await.expect("figures").visits;
        assert_eq!((before.visits, before.found, before.closed, before.rate), (1, 2, 0, Some(0.0)), "{}", db.name);

        // Another unit neither sees nor acts on the school's findings.
        let theirs = VisitScope::of(&other);
        assert!(matches!(s.rectification(a, theirs, today).await, Err(StoreError::NotFound)));
        assert!(matches!(
            s.report_rectification(a, 1, &done("已整改"), theirs, Some(other.id), today).await,
            Err(StoreError::NotFound)
        ));
        assert!(s.rectifications(&RectFilter::default(), theirs, today).await.expect("list").is_empty());
        // The inspector sees their own visit.
        let mine = s.inspections(&InspectionFilter::default(), VisitScope::of(&inspector), today).await.expect("list");
        assert_eq!(mine.iter().map(|i| i.id).collect::<Vec<_>>(), vec![v.id]);

        // The school reports both; the office closes one and returns the other.
        let own = VisitScope::of(&reporter);
        let ra = s
            .report_rectification(a, 1, &done("已清理消防通道"), own, Some(reporter.id), today)
            .await
            .expect("reports");
        assert_eq!((ra.state_label, ra.version), ("待核查", 2));
        let rb =
            s.report_rectification(b, 1, &done("已补齐台账"), own, Some(reporter.id), today).await.expect("reports");
        assert!(
            matches!(
                s.report_rectification(b, 2, &done("再报"), own, Some(reporter.id), today).await,
                Err(StoreError::Conflict(_))
            ),
            "no second report while verification waits"
        );
        let closed = s.verify_rectification(a, 2, Verdict::Close, "", Some(office.id), today).await.expect("closes");
        assert_eq!(
            (closed.state_label, closed.closed_on, closed.verifier.as_deref()),
            ("已销号", Some(today), Some("duban"))
        );
        let no_comment = s.verify_rectification(b, rb.version, Verdict::Return, "  ", Some(office.id), today).await;
        assert!(
            matches!(no_comment, Err(StoreError::Invalid { ref field, ref message }) if field == "comment" && message.contains("核查意见")),
            "{no_comment:?}"
        );
        assert_eq!(s.rectification(b, own, today).await.expect("reads").state_label, "待核查", "nothing changed");
        let returned = s
            .verify_rectification(b, rb.version, Verdict::Return, "台账缺少5月记录", Some(office.id), today)
            .await
            .expect("returns");
        assert_eq!(
            (returned.state_label, returned.returned, returned.last_comment.as_deref()),
            ("整改中", true, Some("台账缺少5月记录"))
        );
        assert_eq!(returned.history.iter().map(|h| h.action.as_str()).collect::<Vec<_>>(), vec!["report", "return"]);
        assert!(
            s.notifications(Some(school), 10)
                .await
                .expect("notices")
                .iter()
                .any(|n| n.message.contains("台账缺少5月记录")),
            "the unit is told why"
        );
        assert!(
            matches!(
                s.verify_rectification(a, closed.version, Verdict::Return, "再看看", Some(office.id), today).await,
                Err(StoreError::Conflict(_))
            ),
            "a closed finding stays closed"
        );

        let after = s.visit_bulletin(may, today).await.expect("figures").visits;
        assert_eq!((after.visits, after.found, after.closed, after.rate), (1, 2, 1, Some(0.5)), "{}", db.name);
        assert!(after.overdue.is_empty());
        // Past the returned finding's deadline it is overdue and named by unit.
        let late = s.visit_bulletin(may, d("2024-05-21")).await.expect("figures").visits;
        assert_eq!(late.overdue, vec![(SCHOOL.to_string(), 1)], "{}", db.name);
        let overdue = s
            .rectifications(
                &RectFilter { state: Some("逾期".into()), ..Default::default() },
                VisitScope::All,
                d("2024-05-21"),
            )
            .await
            .expect("filtered");
        assert_eq!(overdue.iter().map(|r| r.id).collect::<Vec<_>>(), vec![b]);
        let ledger = s.rectification_ledger(&RectFilter::default(), VisitScope::All, today).await.expect("ledger");
        let row_a = ledger.iter().find(|r| r.id == a).expect("row");
        assert_eq!((row_a.state, row_a.verifier.as_str(), row_a.county.as_str()), ("已销号", "duban", "市直"));
        assert!(row_a.measures.contains("已清理消防通道") && row_a.source.contains("责任督学挂牌督导"), "{row_a:?}");
        // Reported again after the return, it waits for verification once more.
        let again = s
            .report_rectification(b, returned.version, &done("已补录5月记录"), own, Some(reporter.id), today)
            .await
            .expect("reports");
        assert_eq!((again.state_label, again.returned, again.returns), ("待核查", false, 1));
    }
}

#[tokio::test]
async fn bad_visits_are_refused_and_nothing_is_kept() {
    for db in all().await {
        let s = &db.store;
        s.load_directory(&directory()).await.expect("directory");
        let inspector = user(s, "duxue", Role::Inspector, None).await;
        let reporter = user(s, "yizhong", Role::Reporter, Some(SCHOOL)).await;
        let today = d("2024-05-10");
        let ok = || finding("问题", SCHOOL, "2024-05-31");
        let cases: Vec<(NewInspection, &str, &str)> = vec![
            (
                visit(SCHOOL, "2024-05-06", vec![inspector.id], vec![ok(), finding("问题", SCHOOL, "2024-05-01")]),
                "findings[1].deadline",
                "早于督导日期",
            ),
            (
                visit(SCHOOL, "2024-05-06", vec![inspector.id], vec![finding("问题", "不存在的学校", "2024-05-31")]),
                "findings[0].unit",
                "不在单位目录中",
            ),
            (
                visit(SCHOOL, "2024-05-06", vec![inspector.id], vec![finding("问题", "基教科", "2024-05-31")]),
                "findings[0].unit",
                "应为区县或学校",
            ),
            (visit("市直各学校", "2024-05-06", vec![inspector.id], vec![ok()]), "unit", "应为区县或学校"),
            (visit(SCHOOL, "2024-05-06", vec![reporter.id], vec![ok()]), "inspectors", "不是督学"),
            (visit(SCHOOL, "2024-05-06", vec![], vec![ok()]), "inspectors", "至少"),
            (
                visit(SCHOOL, "2024-05-06", vec![inspector.id], vec![finding(" ", SCHOOL, "2024-05-31")]),
                "findings[0].text",
                "不能为空",
            ),
            (visit(SCHOOL, "2024-05-11", vec![inspector.id], vec![ok()]), "visited_on", "不能晚于今天"),
            (
                NewInspection { kind: "暗访".into(), ..visit(SCHOOL, "2024-05-06", vec![inspector.id], vec![ok()]) },
                "kind",
                "督导类型",
            ),
        ];
        for (input, want_field, want_words) in cases {
            let got = s.create_inspection(&input, Some(inspector.id), today).await;
            match got {
                Err(StoreError::Invalid { field, message }) => {
                    assert_eq!(field, want_field, "{}: {message}", db.name);
                    assert!(message.contains(want_words), "{}: {message}", db.name);
                }
                other => panic!("{}: {want_field} accepted: {other:?}", db.name),
            }
        }
        for table in ["inspections", "inspection_inspectors", "findings", "notifications"] {
            assert_eq!(count(s, table).await, 0, "{}: nothing kept in {table}", db.name);
        }
        // A 督办件 with an unknown lead unit is refused likewise.
        let bad = NewDirective {
            source: "领导批示".into(),
            title: "落实课后服务".into(),
            text: String::new(),
            lead_unit: UnitRef::Name("火星区".into()),
            co_units: vec![],
            deadline: d("2024-06-30"),
            cadence: "每周".into(),
        };
        assert!(
            matches!(s.create_directive(&bad, None, today).await, Err(StoreError::Invalid { ref field, .. }) if field == "lead_unit")
        );
        assert_eq!(count(s, "directives").await + count(s, "directive_units").await, 0);
    }
}

#[tokio::test]
async fn two_steps_on_one_version_one_wins_the_other_conflicts() {
    for db in all().await {
        let s = &db.store;
        s.load_directory(&directory()).await.expect("directory");
        let inspector = user(s, "duxue", Role::Inspector, None).await;
        let reporter = user(s, "yizhong", Role::Reporter, Some(SCHOOL)).await;
        let today = d("2024-05-10");
        let v = s
            .create_inspection(
                &visit(SCHOOL, "2024-05-06", vec![inspector.id], vec![finding("问题", SCHOOL, "2024-05-31")]),
                None,
                today,
            )
            .await
            .expect("visit");
        let id = v.findings[0].id;
        let own = VisitScope::of(&reporter);
        let (r1, r2) = (done("第一次"), done("第二次"));
        let (x, y) = tokio::join!(
            s.report_rectification(id, 1, &r1, own, Some(reporter.id), today),
            s.report_rectification(id, 1, &r2, own, Some(reporter.id), today),
        );
        let wins = [&x, &y].iter().filter(|r| r.is_ok()).count();
        let conflicts = [&x, &y].iter().filter(|r| matches!(r, Err(StoreError::Conflict(_)))).count();
        assert_eq!((wins, conflicts), (1, 1), "{}: {x:?} {y:?}", db.name);
        assert_eq!(count(s, "rectification_reports").await, 1, "{}: the loser kept nothing", db.name);
        // A stale version is refused even when the step would be allowed.
        let now = s.rectification(id, own, today).await.expect("reads");
        assert!(matches!(
            s.verify_rectification(id, now.version - 1, Verdict::Close, "", None, today).await,
            Err(StoreError::Conflict(_))
        ));
        s.verify_rectification(id, now.version, Verdict::Close, "", None, today)
            .await
            .expect("the current version closes");
    }
}

#[tokio::test]
async fn coverage_matches_a_hand_count() {
    for db in all().await {
        let s = &db.store;
        s.load_directory(&directory()).await.expect("directory");
        let x = user(s, "duxue_x", Role::Inspector, None).await;
        let y = user(s, "duxue_y", Role::Inspector, None).await;
        let office = user(s, "duban", Role::Supervisor, Some("督导室")).await;
        let ids = async |names: &[&str]| {
            let mut v = Vec::new();
            for n in names {
                v.push(unit_id(s, n).await);
            }
            v
        };
        let xs = ids(&["鹰潭市第一中学", "鹰潭市实验中学", "鹰潭市第一小学"]).await;
        let ys = ids(&["贵溪市职业中等专业学校", "余江区中等专业学校"]).await;
        s.set_inspector_schools(x.id, &xs).await.expect("assigned");
        s.set_inspector_schools(y.id, &ys).await.expect("assigned");
        let taken = s.set_inspector_schools(y.id, &[xs[0]]).await;
        assert!(
            matches!(taken, Err(StoreError::Invalid { ref message, .. }) if message.contains("已由督学")),
            "{taken:?}"
        );
        assert!(matches!(s.set_inspector_schools(office.id, &[xs[2]]).await, Err(StoreError::Invalid { .. })));
        let today = d("2024-06-01");
        for (unit, on, who) in [
            ("鹰潭市第一中学", "2024-05-03", x.id),
            ("鹰潭市第一中学", "2024-05-20", x.id),
            ("鹰潭市实验中学", "2024-05-08", x.id),
            // April does not count for May.
            ("鹰潭市第一小学", "2024-04-30", x.id),
            ("贵溪市职业中等专业学校", "2024-05-15", y.id),
            // Y's school visited by X alone: not Y's visit.
            ("余江区中等专业学校", "2024-05-16", x.id),
            // The office's visit to one of X's schools without X: not X's visit.
            ("鹰潭市第一小学", "2024-05-17", office.id),
        ] {
            s.create_inspection(&visit(unit, on, vec![who], vec![]), None, today).await.expect("visit");
        }
        let c = s.coverage(Period::new(2024, 5).expect("period")).await.expect("coverage");
        let names = |v: &[store::inspections::UnitName]| v.iter().map(|u| u.name.clone()).collect::<Vec<_>>();
        let cx = c.inspectors.iter().find(|i| i.inspector.id == x.id).expect("x");
        assert_eq!((cx.assigned, names(&cx.visited).len()), (3, 2), "{}", db.name);
        assert_eq!(names(&cx.not_visited), vec!["鹰潭市第一小学"]);
        let cy = c.inspectors.iter().find(|i| i.inspector.id == y.id).expect("y");
        assert_eq!(
            (names(&cy.visited), names(&cy.not_visited)),
            (vec!["贵溪市职业中等专业学校".to_string()], vec!["余江区中等专业学校".to_string()])
        );
        let county = |n: &str| c.counties.iter().find(|k| k.county == n).map(|k| (k.assigned, k.visited.len()));
        assert_eq!((county("市直"), county("贵溪市"), county("余江区")), (Some((3, 2)), Some((1, 1)), Some((1, 0))));
        assert_eq!((c.assigned, c.visited), (5, 3));
        // An inspector sees the visits to their schools and their own, not others'.
        let seen = s.inspections(&InspectionFilter::default(), VisitScope::of(&y), today).await.expect("list");
        assert_eq!(
            seen.iter().map(|i| i.unit_name.as_str()).collect::<Vec<_>>(),
            vec!["余江区中等专业学校", "贵溪市职业中等专业学校"]
        );
    }
}

#[tokio::test]
async fn a_directive_is_fed_back_returned_and_closed() {
    for db in all().await {
        let s = &db.store;
        s.load_directory(&directory()).await.expect("directory");
        let today = d("2024-04-01");
        let lead = unit_id(s, "余江区").await;
        let co = unit_id(s, "月湖区").await;
        let item = s
            .create_directive(
                &NewDirective {
                    source: "领导批示".into(),
                    title: "落实校园周边交通安全整治".into(),
                    text: "局长批示:请余江区牵头,月湖区配合,4月底前完成。".into(),
                    lead_unit: UnitRef::Id(lead),
                    co_units: vec![UnitRef::Name("月湖区".into())],
                    deadline: d("2024-04-30"),
                    cadence: "每周".into(),
                },
                None,
                today,
            )
            .await
            .expect("registered");
        assert_eq!((item.state_label, item.next_feedback_due), ("办理中", Some(d("2024-04-08"))), "{}", db.name);
        assert!(!s.notifications(Some(co), 5).await.expect("notices").is_empty(), "the co unit is told");
        assert!(s.directives(None, VisitScope::Inspector(1), today).await.expect("list").is_empty());
        assert!(matches!(
            s.directive(item.id, VisitScope::Unit(unit_id(s, "贵溪市").await), today).await,
            Err(StoreError::NotFound)
        ));
        let refused = s.directive_feedback(item.id, 1, co, "已配合完成", true, None, today).await;
        assert!(matches!(refused, Err(StoreError::Invalid { ref field, .. }) if field == "done"), "{refused:?}");
        let fed = s
            .directive_feedback(item.id, 1, co, "已排查路口 3 处", false, None, d("2024-04-05"))
            .await
            .expect("feedback");
        assert_eq!((fed.state_label, fed.next_feedback_due), ("办理中", Some(d("2024-04-12"))));
        let asked = s
            .directive_feedback(item.id, fed.version, lead, "整治完成", true, None, d("2024-04-20"))
            .await
            .expect("done");
        assert_eq!(asked.state_label, "待确认");
        assert!(matches!(
            s.decide_directive(item.id, asked.version, Verdict::Return, "", None, d("2024-04-21")).await,
            Err(StoreError::Invalid { .. })
        ));
        assert!(
            matches!(
                s.decide_directive(item.id, fed.version, Verdict::Close, "", None, d("2024-04-21")).await,
                Err(StoreError::Conflict(_))
            ),
            "a stale version"
        );
        let back = s
            .decide_directive(item.id, asked.version, Verdict::Return, "缺少整治前后对比", None, d("2024-04-21"))
            .await
            .expect("returned");
        assert_eq!(back.state_label, "退回");
        assert_eq!(
            s.directive(item.id, VisitScope::Unit(lead), d("2024-05-01")).await.expect("reads").state_label,
            "逾期"
        );
        let again = s
            .directive_feedback(item.id, back.version, lead, "已补充对比照片", true, None, d("2024-05-02"))
            .await
            .expect("done");
        let closed = s
            .decide_directive(item.id, again.version, Verdict::Close, "", None, d("2024-05-03"))
            .await
            .expect("closed");
        assert_eq!((closed.state_label, closed.closed_on), ("已办结", Some(d("2024-05-03"))));
        let april =
            s.visit_bulletin(Period::new(2024, 4).expect("p"), d("2024-06-01")).await.expect("figures").directives;
        assert_eq!((april.registered, april.closed, april.open, april.overdue.len()), (1, 0, 1, 0), "{}", db.name);
        let may =
            s.visit_bulletin(Period::new(2024, 5).expect("p"), d("2024-06-01")).await.expect("figures").directives;
        assert_eq!((may.registered, may.closed, may.open), (0, 1, 0), "{}", db.name);
    }
}

#[tokio::test]
async fn the_demo_year_of_visits_has_every_state_and_is_the_same_everywhere() {
    let mut seen = Vec::new();
    for db in all().await {
        let s = &db.store;
        s.load_directory(&directory()).await.expect("directory");
        user(s, "duban", Role::Supervisor, Some("督导室")).await;
        for name in ["duxue1", "duxue2", "duxue3"] {
            user(s, name, Role::Inspector, None).await;
        }
        user(s, "yizhong", Role::Reporter, Some(SCHOOL)).await;
        let today = d("2024-11-10");
        let seed = s.seed_demo_visits(today).await.expect("seeds");
        assert!(matches!(s.seed_demo_visits(today).await, Err(StoreError::Conflict(_))), "only once");
        assert_eq!((seed.inspectors, seed.inspections, seed.directives), (3, 60, 12), "{}", db.name);
        assert!((170..=230).contains(&seed.findings), "{}: {seed:?}", db.name);
        let schools: Vec<usize> = s.inspectors().await.expect("inspectors").iter().map(|i| i.schools.len()).collect();
        assert!(schools.iter().all(|n| (4..=5).contains(n)), "{schools:?}");
        let list = s.rectifications(&RectFilter::default(), VisitScope::All, today).await.expect("list");
        let mut states = std::collections::BTreeMap::new();
        for r in &list {
            *states.entry(r.state_label).or_insert(0) += 1;
        }
        for label in ["待整改", "整改中", "待核查", "已销号", "逾期"] {
            assert!(states.get(label).is_some_and(|n| *n > 0), "{}: no {label} in {states:?}", db.name);
        }
        assert!(list.iter().any(|r| r.returned) && list.iter().any(|r| r.closed_late), "{}", db.name);
        let items = s.directives(None, VisitScope::All, today).await.expect("directives");
        for source in ["领导批示", "会议议定", "上级交办", "其他"] {
            assert_eq!(items.iter().filter(|i| i.source_label == source).count(), 3, "{source}");
        }
        // The 督办件 are in search as registered ones are: the office finds each by its title,
        // its lead unit too, a 督学 none.
        let traffic = items.iter().find(|i| i.title.contains("校园周边交通安全整治")).expect("seeded");
        let visible = |v: store::search::FindingsVisible| async move {
            s.search_visible("校园周边交通安全整治", None, v, 50)
                .await
                .expect("search")
                .iter()
                .filter(|h| h.kind == "directive")
                .map(|h| h.ref_id)
                .collect::<Vec<i64>>()
        };
        use store::search::FindingsVisible as F;
        assert_eq!(visible(F::All).await, [traffic.id], "{}", db.name);
        assert_eq!(visible(F::Unit(traffic.lead_unit.id)).await, [traffic.id], "{}", db.name);
        assert!(visible(F::Nothing).await.is_empty(), "{}", db.name);
        let october = s.visit_bulletin(Period::new(2024, 10).expect("p"), today).await.expect("figures");
        assert!(october.visits.visits > 0 && october.visits.rate.is_some(), "{october:?}");
        seen.push((states, october.visits.found_to_date, october.visits.closed_to_date));
    }
    seen.dedup();
    assert_eq!(seen.len(), 1, "the same demo on every backend: {seen:?}");
}

#[tokio::test]
async fn units_are_reminded_before_the_deadline_and_told_once_when_overdue() {
    for db in all().await {
        let s = &db.store;
        s.load_directory(&directory()).await.expect("directory");
        let inspector = user(s, "duxue", Role::Inspector, None).await;
        let school = unit_id(s, SCHOOL).await;
        s.create_inspection(
            &visit(SCHOOL, "2024-05-06", vec![inspector.id], vec![finding("消防通道堆放杂物", SCHOOL, "2024-05-20")]),
            None,
            d("2024-05-06"),
        )
        .await
        .expect("visit");
        let kinds = async || {
            s.notifications(Some(school), 50)
                .await
                .expect("notices")
                .iter()
                .filter(|n| n.message.contains("整改期限"))
                .count()
        };
        assert!(s.run_visit_jobs(d("2024-05-10"), "a").await.expect("runs").is_empty(), "{}: too early", db.name);
        assert_eq!(s.run_visit_jobs(d("2024-05-17"), "a").await.expect("runs").len(), 1, "{}: reminded", db.name);
        assert!(s.run_visit_jobs(d("2024-05-18"), "b").await.expect("runs").is_empty(), "reminded once");
        assert!(s.run_visit_jobs(d("2024-05-20"), "a").await.expect("runs").is_empty(), "not overdue on the day");
        assert_eq!(s.run_visit_jobs(d("2024-05-21"), "b").await.expect("runs").len(), 1, "{}: overdue", db.name);
        assert!(s.run_visit_jobs(d("2024-05-22"), "a").await.expect("runs").is_empty(), "told once");
        assert_eq!(kinds().await, 2, "{}", db.name);
    }
}

/// 整改及时率 in year-end scoring: off by default (no component, no points); once the scheme
/// weighs it, each district's findings (its own and its schools') due by the day are counted,
/// on time when the unit's done report came by the deadline, each traced to its finding.
#[tokio::test]
async fn rectification_timeliness_is_an_optional_scoring_component_traced_to_its_findings() {
    use domain::scoring::{Component, Scheme};
    for db in all().await {
        let s = &db.store;
        let plan_id = crate::workflow::published(s).await;
        let office = user(s, "duban", Role::Supervisor, Some("督导室")).await;
        let inspector = user(s, "duxue", Role::Inspector, None).await;
        let school = "余江区中等专业学校";
        let v = s
            .create_inspection(
                &NewInspection {
                    kind: "专项督导".into(),
                    visited_on: d("2024-03-05"),
                    unit: UnitRef::Name("余江区".into()),
                    inspectors: vec![inspector.id],
                    summary: "控辍保学专项督导".into(),
                    findings: vec![
                        finding("劝返台账不全", "余江区", "2024-03-31"),
                        finding("实训室安全标识缺失", school, "2024-03-31"),
                        finding("送教上门记录缺失", "余江区", "2024-04-30"),
                        finding("年度计划未制定", "余江区", "2024-06-30"),
                        finding("资助名单未公示", "贵溪市", "2024-04-15"),
                    ],
                },
                Some(inspector.id),
                d("2024-03-05"),
            )
            .await
            .expect("visit recorded");
        let ids: Vec<i64> = v.findings.iter().map(|f| f.id).collect();
        let scope_of = |name: &'static str| async move { VisitScope::Unit(unit_id(s, name).await) };
        // Done on 30 March, checked on 10 April: on time. Done on 5 April: late.
        let r = s
            .report_rectification(ids[0], 1, &done("已建立台账"), scope_of("余江区").await, None, d("2024-03-30"))
            .await
            .expect("reports");
        s.verify_rectification(ids[0], r.version, Verdict::Close, "", Some(office.id), d("2024-04-10"))
            .await
            .expect("closes");
        let r = s
            .report_rectification(ids[1], 1, &done("已张贴标识"), scope_of(school).await, None, d("2024-04-05"))
            .await
            .expect("reports");
        s.verify_rectification(ids[1], r.version, Verdict::Close, "", Some(office.id), d("2024-04-06"))
            .await
            .expect("closes");
        // 贵溪市 reported done before its deadline; the office has not checked yet.
        s.report_rectification(ids[4], 1, &done("已公示"), scope_of("贵溪市").await, None, d("2024-04-10"))
            .await
            .expect("reports");

        let (may, today) = (Period::new(2024, 5).expect("period"), d("2024-05-10"));
        let component = |scores: &store::scoring::Scores, unit: &str| {
            let district = scores.districts.iter().find(|x| x.unit == unit).expect("scored").clone();
            district.components.into_iter().find(|c| c.component == Component::Rectification)
        };
        let off = s.live_scores(plan_id, may, today, 25).await.expect("scores");
        assert!(component(&off, "余江区").is_none(), "{}: off by default", db.name);

        let scheme = Scheme {
            weights: vec![
                (Component::Targets, 50.0),
                (Component::Milestones, 15.0),
                (Component::ReportsOnTime, 15.0),
                (Component::FirstPass, 10.0),
                (Component::Rectification, 10.0),
            ],
            ..Scheme::default()
        };
        s.set_scoring_scheme(plan_id, &scheme).await.expect("scheme saved");
        let on = s.live_scores(plan_id, may, today, 25).await.expect("scores");
        // 余江区: three due by 10 May (the June one is not), one on time.
        let c = component(&on, "余江区").expect("weighed");
        assert_eq!((c.measure.done, c.measure.of), (1.0, 3.0), "{}: {:?}", db.name, c.measure.evidence);
        assert_eq!(c.label, "整改及时率");
        let evidence = c.measure.evidence.join("\n");
        for line in [
            "劝返台账不全(责任单位 余江区),期限 2024-03-31,2024-03-30 整改完成",
            "实训室安全标识缺失(责任单位 余江区中等专业学校),期限 2024-03-31,2024-04-05 整改完成(逾期)",
            "送教上门记录缺失(责任单位 余江区),期限 2024-04-30,未按期整改",
        ] {
            assert!(evidence.contains(line), "{}: {line} in\n{evidence}", db.name);
        }
        assert!(!evidence.contains("年度计划未制定"), "{}: not yet due", db.name);
        let expected = (c.effective_weight / 3.0 * 100.0).round() / 100.0;
        assert!((c.points - expected).abs() < 0.011, "{}: {} points of {}", db.name, c.points, c.effective_weight);
        // 贵溪市: done before its deadline and awaiting the check: on time.
        let g = component(&on, "贵溪市").expect("weighed");
        assert_eq!((g.measure.done, g.measure.of), (1.0, 1.0), "{}", db.name);
        // 月湖区 had no finding: nothing to measure, its weight goes to the other components.
        let y = component(&on, "月湖区").expect("listed");
        assert_eq!((y.ratio, y.effective_weight), (None, 0.0), "{}", db.name);
    }
}
