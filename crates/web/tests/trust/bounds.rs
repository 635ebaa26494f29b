//! See main.rs. Issue H, items 8–10: periods outside the plan's year or not yet begun,
//! absurd figures and scoring schemes, unpublishable plans, and plans too big to publish
//! without holding every writer.

#[allow(unused_imports)]
use super::*;
use reqwest::Method as M;
use std::time::{Duration, Instant};

/// A problem answer: 422 with a Chinese `detail` containing `words`.
fn refused(what: &str, (status, body): &(StatusCode, Value), words: &str) {
    assert_eq!(*status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {body}");
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(words), "{what}: {detail}");
}

/// Uploads a plan document through the API as `token`.
async fn import(s: &Server, token: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let form =
        reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(bytes).file_name("plan.txt"));
    let r = s
        .http
        .post(format!("{}/api/v1/plans/import", s.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("import");
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

/// A plan of `items` numbered items in sections of 50, each naming three groups (24 units
/// once expanded), with three measures that become milestones (a meeting, a document, a target) and a target.
fn plan_text(items: usize) -> Vec<u8> {
    const SECTIONS: [&str; 30] = [
        "一",
        "二",
        "三",
        "四",
        "五",
        "六",
        "七",
        "八",
        "九",
        "十",
        "十一",
        "十二",
        "十三",
        "十四",
        "十五",
        "十六",
        "十七",
        "十八",
        "十九",
        "二十",
        "二十一",
        "二十二",
        "二十三",
        "二十四",
        "二十五",
        "二十六",
        "二十七",
        "二十八",
        "二十九",
        "三十",
    ];
    let mut t = String::from("2024年测试市教育工作要点\n");
    for n in 1..=items {
        if n % 50 == 1 {
            t.push_str(&format!("{}、第{}部分重点工作\n", SECTIONS[(n / 50) % 30], n / 50 + 1));
        }
        t.push_str(&format!(
            "{n}.推进第{n}项重点工作。召开第{n}次工作推进会议。制定第{n}项工作实施方案。新建学校3所。\
             〔责任单位:各区(市)、市直各学校、机关各科室〕\n"
        ));
    }
    t.into_bytes()
}

#[tokio::test]
async fn periods_outside_the_plans_year_or_not_yet_begun_are_refused_everywhere() {
    for db in store::testing::all().await {
        let store = db.store.clone();
        let s = start(store, config()).await;
        let plan = published(&s.store).await;
        let a = s.assignment(plan, 1, "余江区").await;
        let rep = s.login("yujiang").await;
        let sup = s.login("supervisor").await;
        let draft = json!({"version": 0, "progress": "本月推进"});

        // Reports: nothing before or after the plan's year, nothing after the open month.
        for bad in ["1900-01", "2023-12", "2024-12", "2030-01", "2099-12"] {
            let path = format!("/api/v1/assignments/{a}/reports/{bad}");
            refused(&format!("save {bad}"), &s.call(M::PUT, &path, &rep, Some(draft.clone())).await, "期间");
            refused(&format!("read {bad}"), &s.call(M::GET, &path, &rep, None).await, bad);
            let submit = format!("{path}/submit");
            refused(&format!("submit {bad}"), &s.call(M::POST, &submit, &rep, None).await, bad);
            let review = format!("{path}/review");
            let decision = Some(json!({"decision": "approve"}));
            refused(&format!("review {bad}"), &s.call(M::POST, &review, &sup, decision).await, bad);
        }
        let (st, v) = s.call(M::GET, &format!("/api/v1/assignments/{a}/reports/2023-12"), &rep, None).await;
        assert_eq!(v["detail"], "期间 2023-12 不在该工作要点的年度(2024 年)内", "{st}");
        let (st, v) = s.call(M::GET, &format!("/api/v1/assignments/{a}/reports/2024-12"), &rep, None).await;
        assert_eq!(v["detail"], "期间 2024-12 尚未开始,最晚可选 2024-11", "{st}");
        // Earlier months of the plan's year stay open.
        let (st, v) = s.call(M::PUT, &format!("/api/v1/assignments/{a}/reports/2024-10"), &rep, Some(draft)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        for bad in ["1900-01", "2023-12", "2030-01", "2099-12"] {
            let r = s.store.report(a, bad.parse().expect("period")).await.expect("report");
            assert_eq!(r.id, None, "nothing stored for {bad}");
        }

        // Bulletins, scores and every read that names a month.
        for bad in ["1900-01", "2023-12", "2030-01", "2099-12"] {
            let publish = format!("/api/v1/plans/{plan}/bulletins/{bad}/publish");
            refused(&format!("bulletin {bad}"), &s.call(M::POST, &publish, &sup, None).await, bad);
            let read = format!("/api/v1/plans/{plan}/bulletins/{bad}");
            refused(&format!("bulletin read {bad}"), &s.call(M::GET, &read, &sup, None).await, bad);
            let scores = format!("/api/v1/plans/{plan}/scores/publish");
            let body = Some(json!({"period": bad}));
            refused(&format!("scores {bad}"), &s.call(M::POST, &scores, &sup, body).await, bad);
            let read = format!("/api/v1/plans/{plan}/scores?period={bad}&live=true");
            refused(&format!("scores read {bad}"), &s.call(M::GET, &read, &sup, None).await, bad);
            let dash = format!("/api/v1/dashboard?plan={plan}&period={bad}");
            refused(&format!("dashboard {bad}"), &s.call(M::GET, &dash, &sup, None).await, bad);
            let detail = format!("/api/v1/plans/{plan}?period={bad}");
            refused(&format!("plan {bad}"), &s.call(M::GET, &detail, &sup, None).await, bad);
            assert!(
                s.store.published_bulletin(plan, bad.parse().expect("period")).await.expect("bulletin").is_none(),
                "no bulletin stored for {bad}"
            );
        }
        assert!(s.store.published_scores(plan).await.expect("scores").is_none(), "no scores published");
        for ok in [
            format!("/api/v1/plans/{plan}/bulletins/2024-06"),
            format!("/api/v1/dashboard?plan={plan}&period=2024-06"),
            format!("/api/v1/plans/{plan}?period=2024-11"),
            format!("/api/v1/plans/{plan}/scores?period=2024-10&live=true"),
        ] {
            let (st, v) = s.call(M::GET, &ok, &sup, None).await;
            assert_eq!(st, StatusCode::OK, "{ok}: {v}");
        }

        // The pages say the same, in Chinese, and store nothing.
        let b = s.browser("supervisor").await;
        let csrf = b.csrf().await;
        let (st, body, _) = b.post(&format!("/plans/{plan}/bulletins/2099-12/publish"), &[("_csrf", &csrf)]).await;
        assert!(st.is_client_error() && body.contains("不在该工作要点的年度"), "{st}: bulletin page");
        assert!(s.store.published_bulletin(plan, "2099-12".parse().expect("p")).await.expect("b").is_none());
        for page in [format!("/plans/{plan}?period=1900-01"), format!("/dashboard?plan={plan}&period=2023-12")] {
            let (st, body, _) = b.get(&page).await;
            assert!(st.is_client_error() && body.contains("不在该工作要点的年度"), "{page}: {st}");
        }
        let r = s.browser("yujiang").await;
        let (st, body, _) = r.get(&format!("/assignments/{a}/reports/2030-01")).await;
        assert!(st.is_client_error() && body.contains("不在该工作要点的年度"), "report page: {st}");
        let csrf = r.csrf().await;
        let form = [("_csrf", csrf.as_str()), ("version", "0"), ("progress", "页面填报")];
        let (st, body, _) = r.post(&format!("/assignments/{a}/reports/2023-12"), &form).await;
        assert!(st.is_client_error() && body.contains("不在该工作要点的年度"), "report save page: {st}");
        assert_eq!(s.store.report(a, "2023-12".parse().expect("p")).await.expect("r").id, None);
    }
}

#[tokio::test]
async fn absurd_figures_and_scoring_schemes_are_refused() {
    for db in store::testing::all().await {
        let store = db.store.clone();
        let s = start(store, config()).await;
        let plan = published(&s.store).await;
        let rep = s.login("yujiang").await;
        let sup = s.login("supervisor").await;

        // A count target ("个", "所", …) that 余江区 reports on.
        let mine = s.store.assignments(plan, None).await.expect("assignments");
        let indicators = s.store.plan_indicators(plan).await.expect("indicators");
        let (ind, a) = indicators
            .iter()
            .filter(|i| i.source.is_none() && !i.unit.contains('%') && i.value.is_finite() && i.value > 0.0)
            .find_map(|i| mine.iter().find(|a| a.task_id == i.task_id && a.unit_name == "余江区").map(|a| (i, a.id)))
            .expect("a count target of 余江区");
        let path = format!("/api/v1/assignments/{a}/reports/2024-11");
        let values = |v: f64| json!({"version": 0, "progress": "x", "values": {ind.id.to_string(): v}});
        let (st, v) = s.call(M::PUT, &path, &rep, Some(values(1e308))).await;
        refused("1e308", &(st, v.clone()), "超出合理范围");
        assert!(v["detail"].as_str().unwrap_or_default().contains("1e308"), "{v}");
        refused("2000 × target", &s.call(M::PUT, &path, &rep, Some(values(ind.value * 2000.0))).await, "1000 倍");
        assert_eq!(s.store.report(a, "2024-11".parse().expect("p")).await.expect("report").id, None);
        let (st, v) = s.call(M::PUT, &path, &rep, Some(values(ind.value))).await;
        assert_eq!(st, StatusCode::OK, "the target itself: {v}");

        // A scheme whose weight would overflow the scores is refused, not stored.
        let scheme = "/api/v1/plans/".to_string() + &plan.to_string() + "/scoring-scheme";
        let huge = json!({"max": 1e308, "weights": [["targets", 1e308]], "bonus_cap": 5.0});
        refused("max 1e308", &s.call(M::PUT, &scheme, &sup, Some(huge)).await, "满分须为 0 到 1000");
        let section = json!({"max": 100.0, "weights": [["targets", 100.0]], "bonus_cap": 5.0,
                             "section_weights": [[1, 1e308]]});
        refused("section weight", &s.call(M::PUT, &scheme, &sup, Some(section)).await, "部分权重须为 0 到 1000");
        let (_, stored) = s.store.scoring_scheme(plan).await.expect("scheme");
        assert_eq!(stored, domain::scoring::Scheme::default(), "the old scheme stands");
        let (st, v) = s.call(M::GET, &format!("/api/v1/plans/{plan}/scores?live=true"), &sup, None).await;
        assert_eq!(st, StatusCode::OK, "scores still answer: {v}");
    }
}

#[tokio::test]
async fn a_plan_without_title_or_units_is_not_published() {
    for db in store::testing::all().await {
        let store = db.store.clone();
        let s = start(store, config()).await;
        let good = published(&s.store).await;
        let sup = s.login("supervisor").await;
        let (st, v) = import(&s, &sup, YINGTAN.to_vec()).await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let id = v["id"].as_i64().expect("id");
        let (mut draft, etag) = s.draft(id, &sup).await;
        draft["title"] = json!("");
        for n in [0, 2] {
            draft["items"][n]["units"] = json!([]);
        }
        let path = format!("/api/v1/plans/{id}/draft");
        let (st, v) = s.call_if_match(M::PUT, &path, &sup, Some(&etag), Some(draft.clone())).await;
        assert_eq!(st, StatusCode::NO_CONTENT, "{v}");
        let (st, v) = s.call(M::POST, &format!("/api/v1/plans/{id}/publish"), &sup, None).await;
        refused("publish", &(st, v.clone()), "工作要点缺少标题");
        let detail = v["detail"].as_str().unwrap_or_default();
        let (first, third) = (&draft["items"][0]["number"], &draft["items"][2]["number"]);
        assert!(detail.contains(&format!("以下条目未指定责任单位:第 {first}、{third} 条")), "{detail}");
        assert_eq!(s.store.plan(id).await.expect("plan").status, "draft");
        assert!(s.store.tasks(id).await.expect("tasks").is_empty(), "nothing published");
        assert_eq!(s.store.current_plan().await.expect("current"), Some(good), "dashboards keep their plan");

        // The review page says what is missing; its publish button gets the same answer.
        let b = s.browser("supervisor").await;
        let (_, page, _) = b.get(&format!("/plans/{id}/review")).await;
        assert!(page.contains("发布前须处理:工作要点缺少标题"), "review page names the problem");
        let csrf = b.csrf().await;
        let version =
            page.split("name=\"version\" value=\"").nth(1).and_then(|v| v.split('"').next()).expect("version");
        let (st, body, _) = b.post(&format!("/plans/{id}/publish"), &[("_csrf", &csrf), ("version", version)]).await;
        assert!(st.is_client_error() && body.contains("未指定责任单位"), "{st}");

        // An empty plan too.
        draft["title"] = json!("空要点");
        draft["items"] = json!([]);
        let (_, etag) = s.draft(id, &sup).await;
        let (st, _) = s.call_if_match(M::PUT, &path, &sup, Some(&etag), Some(draft)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "no items");
        assert_eq!(s.store.plan(id).await.expect("plan").status, "draft");
    }
}

#[tokio::test]
async fn oversized_plans_are_refused_and_the_largest_publishes_without_holding_writers() {
    for db in store::testing::all().await {
        let store = db.store.clone();
        let s = start(store, config()).await;
        let yingtan = published(&s.store).await;
        let sup = s.login("supervisor").await;
        let rep = s.login("yujiang").await;
        let before = s.store.plans().await.expect("plans").len();

        // One item too many, and a plan numbered past 999 (whose items were merged into 999).
        for items in [plan::limits::MAX_ITEMS + 1, 1200] {
            let (st, v) = import(&s, &sup, plan_text(items)).await;
            refused(&format!("{items} items"), &(st, v), "上限为 500 条");
        }
        assert_eq!(s.store.plans().await.expect("plans").len(), before, "nothing stored");

        // The largest plan allowed: 500 items, 12,000 unit responsibilities once the groups
        // are expanded. A report save in the meantime must not wait on it.
        let (st, v) = import(&s, &sup, plan_text(plan::limits::MAX_ITEMS)).await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        assert_eq!(v["items"], plan::limits::MAX_ITEMS);
        let big = v["id"].as_i64().expect("id");
        let a = s.assignment(yingtan, 1, "余江区").await;
        let path = format!("/api/v1/assignments/{a}/reports/2024-11");
        let began = Instant::now();
        let publish_path = format!("/api/v1/plans/{big}/publish");
        let publish = s.call(M::POST, &publish_path, &sup, None);
        let saves = async {
            let mut version = 0;
            let mut slowest = Duration::ZERO;
            let mut count = 0;
            // Save over and over until the publication is surely over.
            while count < 3 || began.elapsed() < Duration::from_millis(200) {
                let t = Instant::now();
                let body = json!({"version": version, "progress": format!("第 {count} 次保存")});
                let (st, v) = s.call(M::PUT, &path, &rep, Some(body)).await;
                assert_eq!(st, StatusCode::OK, "{v}");
                version = v["version"].as_i64().expect("version");
                slowest = slowest.max(t.elapsed());
                count += 1;
                if began.elapsed() > Duration::from_secs(60) {
                    break;
                }
            }
            slowest
        };
        let ((st, published), slowest) = tokio::join!(publish, saves);
        let took = began.elapsed();
        assert_eq!(st, StatusCode::OK, "{published}");
        assert_eq!(published["tasks"], plan::limits::MAX_ITEMS);
        assert_eq!(published["assignments"], plan::limits::MAX_ITEMS * 24);
        assert_eq!(published["milestones"], plan::limits::MAX_ITEMS * 3);
        eprintln!("{}: publish {took:?}, slowest concurrent save {slowest:?}", db.name);
        assert!(slowest < Duration::from_secs(5), "a report save waited {slowest:?} on the publication");
        assert!(took < Duration::from_secs(20), "publishing the largest plan took {took:?}");
        // Search finds what was published, under the right ids.
        let hits = s.store.search("第500项重点工作", None, 10).await.expect("search");
        let task = s.task(big, 500).await;
        assert!(hits.iter().any(|h| h.kind == "item" && h.ref_id == task), "{hits:?}");
        let milestones = s.store.milestones(task).await.expect("milestones");
        assert_eq!(milestones.len(), 3);
        let hits = s.store.search("第500次工作推进会议", None, 10).await.expect("search");
        assert!(hits.iter().any(|h| h.kind == "measure" && milestones.iter().any(|m| m.id == h.ref_id)), "{hits:?}");
        // A second publication of the same draft is a conflict, and adds nothing.
        let (st, _) = s.call(M::POST, &format!("/api/v1/plans/{big}/publish"), &sup, None).await;
        assert_eq!(st, StatusCode::CONFLICT);
        assert_eq!(s.store.tasks(big).await.expect("tasks").len(), plan::limits::MAX_ITEMS);
    }
}
