//! Ranked search on every backend: relevance, phrases, filters, snippets, and two processes'
//! indexes over one database staying in step.

use crate::workflow::published;
use domain::Period;
use std::time::{Duration, Instant};
use store::Store;
use store::reports::ReportInput;
use store::search::{FindingsVisible, SearchRequest};
use store::testing::all;

fn p(s: &str) -> Period {
    s.parse().expect("period")
}

/// 余江区's assignments on items 8 (学前教育 in its title) and 3 (not), by task position.
async fn yujiang_assignments(s: &Store, plan_id: i64) -> (i64, i64, i64) {
    let yujiang = s.unit_by_name("余江区").await.expect("lookup").expect("exists");
    let tasks = s.tasks(plan_id).await.expect("tasks");
    let mine = s.assignments(plan_id, Some(yujiang.id)).await.expect("mine");
    let on = |k: usize| mine.iter().find(|a| a.task_id == tasks[k].id).expect("assigned").id;
    (yujiang.id, on(7), on(2))
}

async fn save(s: &Store, assignment: i64, period: &str, progress: &str) {
    let input = ReportInput { progress: progress.into(), ..Default::default() };
    let version = s.report(assignment, p(period)).await.map(|r| r.version).unwrap_or(0);
    s.save_report(assignment, p(period), &input, version, p("2024-04"), None).await.expect("saves");
}

fn ask(text: &str) -> SearchRequest {
    SearchRequest { text: text.into(), limit: 20, ..Default::default() }
}

#[tokio::test]
async fn ranking_phrases_filters_and_snippets() {
    for db in all().await {
        let s = &db.store;
        let plan_id = published(s).await;
        let (yujiang, on_preschool, on_party) = yujiang_assignments(s, plan_id).await;
        // The report on item 8 names 学前教育 in its title and three times in its text; the
        // other names it once, deep in a longer text.
        save(
            s,
            on_preschool,
            "2024-03",
            "学前教育资源扩容:新建幼儿园1所;学前教育教师培训两期;学前教育普及普惠督导评估材料已报送。",
        )
        .await;
        save(
            s,
            on_party,
            "2024-04",
            "召开党建工作会议,部署全年从严治党任务,开展廉政教育,完成论证和选址,顺带调研学前教育情况。",
        )
        .await;
        save(s, on_party, "2024-03", "完成某幼儿园的选址论证,开展廉政教育。").await;

        let reports = |text: &str| SearchRequest { kind: Some("report".into()), ..ask(text) };
        let all = FindingsVisible::All;
        let found = s.search_ranked(&reports("学前教育"), None, all).await.expect("searches");
        assert_eq!(found.total, 2, "{}: {:?}", db.name, found.hits);
        assert!(found.hits[0].title.contains("学前教育") && found.hits[0].period.as_deref() == Some("2024-03"));
        assert!(found.hits[0].score > found.hits[1].score, "{}", db.name);
        // Without the kind filter the best hits name it in their titles too.
        let found = s.search_ranked(&ask("学前教育"), None, all).await.expect("searches");
        assert!(found.hits[0].title.contains("学前教育"), "{}: {:?}", db.name, found.hits[0]);
        assert!(found.hits.iter().all(|h| h.plan_id == Some(plan_id)));

        // Words are found in any order and apart; a phrase only as written.
        let apart = s.search_ranked(&reports("选址 论证"), None, all).await.expect("searches");
        assert_eq!(apart.total, 2, "{}", db.name);
        let phrase = s.search_ranked(&reports("“选址论证”"), None, all).await.expect("searches");
        assert_eq!(phrase.total, 1, "{}: {:?}", db.name, phrase.hits);
        assert!(phrase.hits[0].snippet.contains("选址论证"));
        let ascii = s.search_ranked(&reports("\"选址论证\" 廉政"), None, all).await.expect("searches");
        assert_eq!(ascii.total, 1, "{}", db.name);

        // The snippet marks the words where they stand.
        let hit = &phrase.hits[0];
        let chars: Vec<char> = hit.snippet.chars().collect();
        let marked: Vec<String> = hit.highlights.iter().map(|[a, b]| chars[*a..*b].iter().collect()).collect();
        assert_eq!(marked, ["选址论证"], "{}", db.name);

        // Filters: month, unit, plan, kind.
        let march = SearchRequest { period: Some("2024-03".into()), ..reports("廉政") };
        let found = s.search_ranked(&march, None, all).await.expect("searches");
        assert_eq!((found.total, found.hits[0].period.as_deref()), (1, Some("2024-03")), "{}", db.name);
        let yuehu = s.unit_by_name("月湖区").await.expect("lookup").expect("exists").id;
        let theirs = SearchRequest { unit: Some(yuehu), ..reports("廉政") };
        assert_eq!(s.search_ranked(&theirs, None, all).await.expect("searches").total, 0, "{}", db.name);
        let ours = SearchRequest { unit: Some(yujiang), ..reports("廉政") };
        assert_eq!(s.search_ranked(&ours, None, all).await.expect("searches").total, 2, "{}", db.name);
        // An item is found under each unit responsible for it.
        let items = SearchRequest { kind: Some("item".into()), unit: Some(yujiang), ..ask("学前教育") };
        let found = s.search_ranked(&items, None, all).await.expect("searches");
        assert!(found.hits.iter().all(|h| h.kind == "item") && found.total >= 1, "{}", db.name);
        let other_plan = SearchRequest { plan: Some(plan_id + 1000), ..ask("学前教育") };
        assert_eq!(s.search_ranked(&other_plan, None, all).await.expect("searches").total, 0);

        // Pages: the second page continues the first.
        let first = s.search_ranked(&SearchRequest { limit: 2, ..ask("教育") }, None, all).await.expect("page 1");
        let second =
            s.search_ranked(&SearchRequest { limit: 2, offset: 2, ..ask("教育") }, None, all).await.expect("page 2");
        assert_eq!(first.total, second.total);
        assert!(first.total > 4 && second.hits.len() == 2);
        assert!(first.hits.iter().all(|a| second.hits.iter().all(|b| (&a.kind, a.ref_id) != (&b.kind, b.ref_id))));

        // Another unit sees the plan's text but not 余江区's reports.
        let theirs = s.search_ranked(&ask("选址论证"), Some(yuehu), FindingsVisible::Unit(yuehu)).await.expect("s");
        assert_eq!(theirs.total, 0, "{}", db.name);
        let mine = s.search_ranked(&ask("选址论证"), Some(yujiang), FindingsVisible::Unit(yujiang)).await.expect("s");
        assert_eq!(mine.total, 2, "{}: both reports hold both words", db.name);
    }
}

/// Two processes on one database, each with its own index: what one writes, the other finds
/// within a second, and a report written again is found by its new words only.
#[tokio::test]
async fn a_write_in_one_process_is_found_by_another_within_a_second() {
    for db in all().await {
        let one = &db.store;
        let plan_id = published(one).await;
        let other = Store::open(&db.url).await.expect("second process opens");
        other.warm_search().await.expect("index built");
        let (_, on_preschool, _) = yujiang_assignments(one, plan_id).await;
        for (text, gone) in [("鹰潭跨进程检索试验", None), ("鹰潭跨进程检索修订", Some("检索试验"))]
        {
            save(one, on_preschool, "2024-03", text).await;
            let started = Instant::now();
            let found = loop {
                let hits = other.search(text, None, 10).await.expect("searches");
                if !hits.is_empty() || started.elapsed() > Duration::from_secs(2) {
                    break hits;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            };
            let took = started.elapsed();
            assert_eq!(found.len(), 1, "{}: {text}", db.name);
            assert!(took < Duration::from_secs(1), "{}: found after {took:?}", db.name);
            if let Some(old) = gone {
                assert!(other.search(old, None, 10).await.expect("searches").is_empty(), "{}", db.name);
            }
        }
        // The writer's own process finds what it wrote at once.
        save(one, on_preschool, "2024-04", "本进程写入立即可查").await;
        assert_eq!(one.search("立即可查", None, 10).await.expect("searches").len(), 1, "{}", db.name);
        other.close().await;
    }
}
