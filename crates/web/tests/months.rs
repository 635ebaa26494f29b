//! A unit's month in one screen, over HTTP on both backends: the sheet shows last month's
//! approved report; the whole month goes in one request, all or nothing; every row's errors
//! come back at once; another unit's row is 404, a stale row 409; 本月无新进展 is declared,
//! not "text unchanged".

mod support;

use support::*;

#[tokio::test]
async fn the_whole_month_goes_in_one_request_with_last_months_figures_shown() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start_published(db.store.clone()).await;
        let rep = s.login("yujiang").await;
        let sup = s.login("supervisor").await;

        // February: one row with a figure, one with text; both approved.
        let feb = s.rows(&rep, "2024-02").await;
        let (a, ind) = reportable(&feb);
        let b = feb.iter().map(|r| r["assignment_id"].as_i64().unwrap()).find(|id| *id != a).unwrap();
        let body = json!({"reports": [
            {"assignment_id": a, "version": 0, "values": {ind.to_string(): 50}, "progress": "二月:完成选址。"},
            {"assignment_id": b, "version": 0, "progress": "持续推进,按计划实施。"},
        ]});
        let (st, done) = s.call(M::POST, "/api/v1/months/2024-02/submit", &rep, Some(body)).await;
        assert_eq!(st, StatusCode::OK, "{name}: {done}");
        assert_eq!(done["submitted"], 2);
        for id in [a, b] {
            let review = format!("/api/v1/assignments/{id}/reports/2024-02/review");
            let (st, r) = s.call(M::POST, &review, &sup, Some(json!({"decision": "approve"}))).await;
            assert_eq!(st, StatusCode::OK, "{r}");
        }

        // March's sheet shows February's approved figure and text beside the new form.
        let march = s.rows(&rep, "2024-03").await;
        let row = march.iter().find(|r| r["assignment_id"] == a).unwrap();
        assert_eq!(row["previous"]["period"], "2024-02", "{name}");
        assert_eq!(row["previous"]["values"][ind.to_string()], 50.0);
        assert_eq!(row["previous"]["progress"], "二月:完成选址。");
        assert_eq!(row["report"]["state"], "new");
        let ind_row = row["indicators"].as_array().unwrap().iter().find(|i| i["id"] == ind).unwrap();
        assert!(ind_row["unit"].is_string() && ind_row["target"].is_number(), "{ind_row}");

        // The whole month: one figure changed, every other row 本月无新进展 — row b even
        // keeps February's text, which is then a declaration, not a copy.
        let reports: Vec<Value> = march
            .iter()
            .map(|r| {
                let id = r["assignment_id"].as_i64().unwrap();
                if id == a {
                    json!({"assignment_id": id, "version": 0, "values": {ind.to_string(): 52}, "progress": "三月:开工。"})
                } else if id == b {
                    json!({"assignment_id": id, "version": 0, "no_change": true, "progress": "持续推进,按计划实施。"})
                } else {
                    json!({"assignment_id": id, "version": 0, "no_change": true})
                }
            })
            .collect();
        let n = reports.len();
        assert!(n > 2, "{name}: {n} rows");
        let body = json!({ "reports": reports });
        let (st, done) =
            s.call_keyed(M::POST, "/api/v1/months/2024-03/submit", &rep, Some(body.clone()), Some("month-1")).await;
        assert_eq!(st, StatusCode::OK, "{name}: {done}");
        assert_eq!(done["submitted"], n);
        assert!(s.states(&rep, "2024-03").await.iter().all(|st| st == "submitted"), "{name}");
        // A retry with the same key gets the same answer, not a conflict.
        let (st, again) =
            s.call_keyed(M::POST, "/api/v1/months/2024-03/submit", &rep, Some(body), Some("month-1")).await;
        assert_eq!((st, &again), (StatusCode::OK, &done), "{name}");

        // The reviewer sees row b as declared, not as text unchanged from last month.
        let (_, rb) = s.call(M::GET, &format!("/api/v1/assignments/{b}/reports/2024-03"), &sup, None).await;
        assert_eq!((rb["no_change"].as_bool(), rb["unchanged"].as_bool()), (Some(true), Some(false)), "{name}: {rb}");
        let (_, ra) = s.call(M::GET, &format!("/api/v1/assignments/{a}/reports/2024-03"), &sup, None).await;
        assert_eq!(ra["values"][ind.to_string()], 52.0);
        // …and the bulletin does not name the unit under 报送内容未更新.
        let plan_id = s.call(M::GET, "/api/v1/plans", &sup, None).await.1[0]["id"].as_i64().unwrap();
        let (st, bulletin) = s.call(M::GET, &format!("/api/v1/plans/{plan_id}/bulletins/2024-03"), &sup, None).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(bulletin["problems"]["unchanged"], json!([]), "{name}");
    }
}

/// A figure the page's draft saving has already stored still counts as new when the month is
/// submitted: the row needs no text and is not filed as 本月无新进展 (the month's start, not
/// the draft, is what a figure is compared with). A row whose draft only repeats the start
/// still needs text or 本月无新进展.
#[tokio::test]
async fn a_figure_already_saved_as_a_draft_is_still_new_when_the_month_goes_in() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start_published(db.store.clone()).await;
        let rep = s.login("yujiang").await;
        let rows = s.rows(&rep, "2024-03").await;
        let (a, ind) = reportable(&rows);
        let other = rows.iter().map(|r| r["assignment_id"].as_i64().unwrap()).find(|id| *id != a).unwrap();
        let mut versions = Vec::new();
        for (id, draft) in [(a, json!({"version": 0, "values": {ind.to_string(): 12}})), (other, json!({"version": 0}))]
        {
            let path = format!("/api/v1/assignments/{id}/reports/2024-03");
            let (st, saved) = s.call(M::PUT, &path, &rep, Some(draft)).await;
            assert_eq!(st, StatusCode::OK, "{name}: {saved}");
            versions.push(saved["version"].as_i64().unwrap());
        }
        let only_a =
            json!({"reports": [{"assignment_id": a, "version": versions[0], "values": {ind.to_string(): 12}}]});
        let with_other = json!({"reports": [
            {"assignment_id": a, "version": versions[0], "values": {ind.to_string(): 12}},
            {"assignment_id": other, "version": versions[1]},
        ]});
        let (st, p) = s.call(M::POST, "/api/v1/months/2024-03/submit", &rep, Some(with_other)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {p}");
        let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["reports[1].progress"], "{name}: only the row without a new figure needs text");
        let (st, done) = s.call(M::POST, "/api/v1/months/2024-03/submit", &rep, Some(only_a)).await;
        assert_eq!(st, StatusCode::OK, "{name}: {done}");
        let (_, r) = s.call(M::GET, &format!("/api/v1/assignments/{a}/reports/2024-03"), &rep, None).await;
        assert_eq!((r["state"].as_str(), r["no_change"].as_bool()), (Some("submitted"), Some(false)), "{name}: {r}");
        assert_eq!(r["values"][ind.to_string()], 12.0, "{name}");
    }
}

#[tokio::test]
async fn a_refused_month_changes_nothing_and_names_every_row() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start_published(db.store.clone()).await;
        let rep = s.login("yujiang").await;
        let other = s.login("yuehu").await;
        let rows = s.rows(&rep, "2024-03").await;
        let (a, ind) = reportable(&rows);
        let ids: Vec<i64> = rows.iter().map(|r| r["assignment_id"].as_i64().unwrap()).filter(|id| *id != a).collect();
        let fresh = || async { s.states(&rep, "2024-03").await.iter().all(|st| st == "new") };

        // Two bad rows (a negative figure; no text and no 本月无新进展) among good ones: 422
        // listing both, nothing saved.
        let body = json!({"reports": [
            {"assignment_id": ids[0], "version": 0, "no_change": true},
            {"assignment_id": a, "version": 0, "values": {ind.to_string(): -5}, "progress": "有进展"},
            {"assignment_id": ids[1], "version": 0},
        ]});
        let (st, p) = s.call(M::POST, "/api/v1/months/2024-03/submit", &rep, Some(body)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {p}");
        let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, [format!("reports[1].values.{ind}").as_str(), "reports[2].progress"], "{name}");
        assert!(fresh().await, "{name}: a refused month saved something");

        // Another unit's assignment among the rows: 404, nothing saved.
        let theirs = s.rows(&other, "2024-03").await[0]["assignment_id"].as_i64().unwrap();
        let body = json!({"reports": [
            {"assignment_id": ids[0], "version": 0, "no_change": true},
            {"assignment_id": theirs, "version": 0, "no_change": true},
        ]});
        let (st, _) = s.call(M::POST, "/api/v1/months/2024-03/submit", &rep, Some(body)).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{name}");
        assert!(fresh().await, "{name}");
        assert!(s.states(&other, "2024-03").await.iter().all(|st| st == "new"));

        // A row saved meanwhile (version 1) sent as version 0: 409 naming the row, and the
        // good row before it is not submitted either.
        let path = format!("/api/v1/assignments/{}/reports/2024-03", ids[1]);
        let (st, _) = s.call(M::PUT, &path, &rep, Some(json!({"version": 0, "progress": "草稿"}))).await;
        assert_eq!(st, StatusCode::OK);
        let body = json!({"reports": [
            {"assignment_id": ids[0], "version": 0, "no_change": true},
            {"assignment_id": ids[1], "version": 0, "no_change": true},
        ]});
        let (st, p) = s.call(M::POST, "/api/v1/months/2024-03/submit", &rep, Some(body)).await;
        assert_eq!(st, StatusCode::CONFLICT, "{name}: {p}");
        assert!(p["detail"].as_str().unwrap().starts_with("第 2 行"), "{name}: {p}");
        let states = s.states(&rep, "2024-03").await;
        assert_eq!(states.iter().filter(|st| *st == "new").count(), states.len() - 1, "{name}: {states:?}");
        assert!(!states.iter().any(|st| st == "submitted"), "{name}");
    }
}

#[tokio::test]
async fn a_month_outside_the_plan_year_is_refused_and_changes_nothing() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start_published(db.store.clone()).await;
        let rep = s.login("yujiang").await;
        for period in ["1900-01", "2023-12", "2024-04"] {
            let (st, problem) = s.call(M::GET, &format!("/api/v1/months/{period}"), &rep, None).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name} {period}: {problem}");
            assert!(problem["detail"].as_str().unwrap_or_default().contains(period), "{name}: {problem}");
        }
        let (a, _) = reportable(&s.rows(&rep, "2024-03").await);
        let body = json!({"reports": [{"assignment_id": a, "version": 0, "no_change": true}]});
        let (st, problem) = s.call(M::POST, "/api/v1/months/2023-12/submit", &rep, Some(body)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {problem}");
        let (_, tasks) = s.call(M::GET, "/api/v1/tasks?period=2023-12", &rep, None).await;
        assert!(
            tasks.as_array().is_none_or(|t| t.iter().all(|t| t["report_state"] == "new")),
            "{name}: a refused month left a report behind: {tasks}"
        );
    }
}
