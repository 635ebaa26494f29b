//! The server's calendar — the configured due day and its "today" (a demo's or a test's fixed
//! date) — reaches every record and figure that depends on a date, on every backend.

use crate::workflow::{YINGTAN, day, directory, published};
use chrono::{DateTime, Local, NaiveDate};
use domain::Period;
use domain::scoring::Component;
use store::reports::ReportInput;
use store::testing::all;

fn p(s: &str) -> Period {
    s.parse().expect("period")
}

/// The local date of a stored timestamp, as the people reading it see it.
fn local_date(stamp: &str) -> NaiveDate {
    DateTime::parse_from_rfc3339(stamp).expect("an RFC 3339 timestamp").with_timezone(&Local).date_naive()
}

/// Year-end scoring owes a month's reports from the configured due day on, as the report
/// screens and the submission's "late" flag do: with reports due on the 28th, 余江区's
/// January reports, all submitted on the 27th, are on time, and on 27 February its February
/// reports are not owed yet — so its on-time share is full, not half.
#[tokio::test]
async fn year_end_scoring_owes_reports_from_the_configured_due_day() {
    for db in all().await {
        let s = &db.store;
        let plan_id = published(s).await;
        let yujiang = s.unit_by_name("余江区").await.expect("lookup").expect("exists");
        let mine = s.assignments(plan_id, Some(yujiang.id)).await.expect("assignments");
        let input = ReportInput { progress: "按计划推进。".into(), ..Default::default() };
        for a in &mine {
            s.save_report(a.id, p("2024-01"), &input, 0, p("2024-01"), None).await.expect("saves");
            let r = s.submit_report(a.id, p("2024-01"), day("2024-01-27"), 28, None, false).await.expect("submits");
            assert!(!r.late, "{}: the 27th is before the 28th", db.name);
        }
        let owed = mine.len() as f64;
        let on_time = |scores: &store::scoring::Scores| {
            let district = scores.districts.iter().find(|d| d.unit == "余江区").expect("余江区 is scored");
            let c = district.components.iter().find(|c| c.component == Component::ReportsOnTime).expect("on time");
            (c.measure.done, c.measure.of, c.measure.evidence.join(";"))
        };

        let live = s.live_scores(plan_id, p("2024-02"), day("2024-02-27"), 28).await.expect("scores");
        let (done, of, evidence) = on_time(&live);
        assert_eq!((done, of), (owed, owed), "{}: {evidence}", db.name);
        let frozen = s.publish_scores(plan_id, p("2024-02"), day("2024-02-27"), 28, 7).await.expect("publishes");
        let (done, of, evidence) = on_time(&frozen);
        assert_eq!((done, of), (owed, owed), "{}: {evidence}", db.name);

        // From the due day on, February is owed: nothing of it submitted, half are on time.
        let after = s.live_scores(plan_id, p("2024-02"), day("2024-02-28"), 28).await.expect("scores");
        let (done, of, evidence) = on_time(&after);
        assert_eq!((done, of), (owed, 2.0 * owed), "{}: {evidence}", db.name);
    }
}

/// Publishing follows the caller's clock, as every other dated write does: under the demo's
/// fixed 2024-11-10 a plan is recorded as published that day, a plan that names no year is
/// that year's (its tasks due at that year's end), and published scores and bulletins carry
/// their day.
#[tokio::test]
async fn publishing_records_the_callers_date_not_the_machines() {
    let today = day("2024-11-10");
    for db in all().await {
        let s = &db.store;
        s.load_directory(&directory()).await.expect("directory loads");
        let mut parsed = plan::parse(YINGTAN, &s.directory().await.expect("directory reads")).expect("parses");
        parsed.meta.year = None;
        let id = s.import_plan("yingtan.txt", YINGTAN, &parsed, None).await.expect("imports");
        s.publish_plan(id, today).await.expect("publishes");

        let plan = s.plan(id).await.expect("plan");
        let stamp = plan.published_at.expect("published at");
        assert_eq!(local_date(&stamp), today, "{}: published at {stamp}", db.name);
        assert_eq!(plan.year, Some(2024), "{}: the year of the caller's today", db.name);
        let tasks = s.tasks(id).await.expect("tasks");
        assert_eq!(tasks[7].deadline, "2024-12-31", "{}", db.name);

        let scores = s.publish_scores(id, p("2024-10"), today, 25, 7).await.expect("publishes scores");
        let published = scores.published.expect("published");
        assert_eq!(local_date(&published.published_at), today, "{}: {}", db.name, published.published_at);
        assert_eq!(published.appeal_until, "2024-11-17", "{}", db.name);

        let input = s.bulletin_input(id, p("2024-10"), today, &Default::default()).await.expect("bulletin input");
        let bulletin = domain::bulletin::Bulletin::build(&input);
        let snapshot = s.publish_bulletin(id, p("2024-10"), today, &bulletin).await.expect("publishes the bulletin");
        assert_eq!(local_date(&snapshot.published_at), today, "{}: {}", db.name, snapshot.published_at);
    }
}

/// The database's clock is read as this machine reads its own (`duban doctor` compares them):
/// on a database on this machine, the two agree.
#[tokio::test]
async fn the_database_clock_reads_as_seconds_since_the_epoch() {
    for db in all().await {
        let remote = db.store.database_time().await.expect("reads the clock");
        let local =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs_f64();
        assert!((remote - local).abs() < 5.0, "{}: database {remote}, here {local}", db.name);
    }
}
