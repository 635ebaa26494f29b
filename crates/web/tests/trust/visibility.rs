//! Item 1: another unit's drafts, returns and text are not on any page of a unit, as the API
//! already answered 404 for them. (The route-by-route sweep over every page and API read is
//! `every_read_keeps_another_units_reports_to_itself` in tests/security.rs.)

use super::*;
use reqwest::Method as M;

#[tokio::test]
async fn the_task_page_shows_a_unit_only_its_own_reports_and_others_approved_figures() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone(), config()).await;
        let plan = published(&db.store).await;
        let task = s.task(plan, 8).await;
        let yujiang_a = s.assignment(plan, 8, "余江区").await;
        let (yujiang, sup, guixi) = (s.login("yujiang").await, s.login("supervisor").await, s.login("guixi").await);

        // October: submitted, then returned with a comment; November: a draft.
        let oct = format!("/api/v1/assignments/{yujiang_a}/reports/2024-10");
        let (st, v) =
            s.call(M::PUT, &oct, &yujiang, Some(json!({"version": 0, "progress": "余江十月进展-未审核"}))).await;
        assert_eq!(st, StatusCode::OK, "{name}: {v}");
        assert_eq!(s.call(M::POST, &format!("{oct}/submit"), &yujiang, None).await.0, StatusCode::OK);
        let (st, _) = s
            .call(
                M::POST,
                &format!("{oct}/review"),
                &sup,
                Some(json!({"decision": "return", "comment": "退回意见-仅余江可见"})),
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        let nov = format!("/api/v1/assignments/{yujiang_a}/reports/2024-11");
        let (st, _) =
            s.call(M::PUT, &nov, &yujiang, Some(json!({"version": 0, "progress": "余江十一月草稿-仅本单位"}))).await;
        assert_eq!(st, StatusCode::OK);

        // 余江区 itself and the office see both reports on the task page.
        for who in ["yujiang", "supervisor"] {
            let (st, html, _) = s.browser(who).await.get(&format!("/tasks/{task}?period=2024-11")).await;
            assert_eq!(st, StatusCode::OK);
            assert!(html.contains("余江十一月草稿-仅本单位") && html.contains("余江十月进展-未审核"), "{name} {who}");
        }
        // 贵溪市, assigned the same task, sees neither their text, nor their states, nor links.
        assert_eq!(s.call(M::GET, &nov, &guixi, None).await.0, StatusCode::NOT_FOUND, "the API's answer");
        let (st, html, _) = s.browser("guixi").await.get(&format!("/tasks/{task}?period=2024-11")).await;
        assert_eq!(st, StatusCode::OK, "{name}");
        for leak in
            ["余江十一月草稿", "余江十月进展", "退回意见", "草稿", "已退回", &format!("/assignments/{yujiang_a}/")]
        {
            assert!(!html.contains(leak), "{name}: 贵溪市's task page shows {leak:?}");
        }
        assert!(html.contains("余江区"), "{name}: the unit itself is listed");

        // The plan through the API: the same rule (the office sees the draft state, a unit not).
        let state_of = |v: &Value, who: &str| {
            let item = v["sections"]
                .as_array()
                .expect("sections")
                .iter()
                .flat_map(|s| s["items"].as_array().expect("items").iter())
                .find(|i| i["id"] == task)
                .expect("item 8")
                .clone();
            let unit = item["units"]
                .as_array()
                .expect("units")
                .iter()
                .find(|u| u["unit_name"] == "余江区")
                .expect("余江区")
                .clone();
            (who.to_string(), unit["report_state"].as_str().unwrap_or("").to_string())
        };
        let path = format!("/api/v1/plans/{plan}?period=2024-11");
        let (_, office) = s.call(M::GET, &path, &sup, None).await;
        let (_, unit) = s.call(M::GET, &path, &guixi, None).await;
        assert_eq!(state_of(&office, "office"), ("office".into(), "draft".into()), "{name}");
        assert_eq!(state_of(&unit, "guixi"), ("guixi".into(), "not_public".into()), "{name}");

        // Once approved, the figures (not the text) are everyone's.
        let (_, r) = s.call(M::GET, &oct, &yujiang, None).await;
        let (st, _) =
            s.call(M::PUT, &oct, &yujiang, Some(json!({"version": r["version"], "progress": "余江十月已改"}))).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(s.call(M::POST, &format!("{oct}/submit"), &yujiang, None).await.0, StatusCode::OK);
        let (st, _) = s.call(M::POST, &format!("{oct}/review"), &sup, Some(json!({"decision": "approve"}))).await;
        assert_eq!(st, StatusCode::OK);
        let (_, unit) = s.call(M::GET, &format!("/api/v1/plans/{plan}?period=2024-10"), &guixi, None).await;
        assert_eq!(state_of(&unit, "guixi").1, "approved", "{name}");
        let (_, html, _) = s.browser("guixi").await.get(&format!("/tasks/{task}?period=2024-10")).await;
        assert!(!html.contains("余江十月已改"), "{name}: approved text stays the unit's");
    }
}
