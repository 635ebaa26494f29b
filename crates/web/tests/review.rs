//! The supervision office's month, over HTTP on both backends: the review queue (filters, the
//! same count on the home page, clean reports approved together but never one changed since it
//! was shown, 通过并审下一条), 催办 only after the due date, the leader's first screen (lagging
//! items by their gap to pace, with the lead unit), and histories in Chinese words and Beijing
//! time.

mod support;

use support::*;

#[tokio::test]
async fn the_office_approves_clean_reports_together_but_never_one_changed_since_it_was_shown() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start_published(db.store.clone()).await;
        let (rep, other, sup) = (s.login("yujiang").await, s.login("yuehu").await, s.login("supervisor").await);
        // 余江区's March on time (clean), 月湖区's February after its due date (late).
        let march = submit_month(&s, &rep, "2024-03", &[]).await;
        let feb = submit_month(&s, &other, "2024-02", &[]).await;
        let queue = |q: &'static str| {
            let (s, sup) = (&s, &sup);
            async move {
                let (st, v) = s.call(M::GET, &format!("/api/v1/review-queue{q}"), sup, None).await;
                assert_eq!(st, StatusCode::OK, "{v}");
                v.as_array().unwrap().clone()
            }
        };
        let all = queue("").await;
        assert_eq!(all.len(), march.len() + feb.len(), "{name}");
        assert_eq!(all[0]["period"], "2024-03", "{name}: the open month first");
        assert_eq!(queue("?flag=late").await.len(), feb.len(), "{name}");
        assert_eq!(queue("?flag=clean").await.len(), march.len(), "{name}");
        assert_eq!(queue("?period=2024-02").await.len(), feb.len(), "{name}");
        let yuehu = feb_unit(&all, "月湖区");
        assert_eq!(queue_unit(&s, &sup, yuehu).await, feb.len(), "{name}");

        // The home page counts the same queue, and the queue page offers only clean rows for
        // approval together.
        let office = s.cookie("supervisor").await;
        let (_, home, _) = s.page(&office, "/home").await;
        assert!(home.contains(&format!(">{}</a>)", all.len())), "{name}: the home page's count");
        let (_, page, _) = s.page(&office, "/review").await;
        assert!(page.contains(&format!("待审核报告({})", all.len())), "{name}");
        assert_eq!(page.matches("name=\"item\"").count(), march.len(), "{name}: only clean rows can be ticked");

        // One report changes after the page was shown: returned and submitted again.
        let changed = march[0];
        let shown: Vec<(i64, i64)> = all
            .iter()
            .filter(|r| r["period"] == "2024-03")
            .map(|r| (r["assignment_id"].as_i64().unwrap(), r["version"].as_i64().unwrap()))
            .collect();
        let review = format!("/api/v1/assignments/{changed}/reports/2024-03/review");
        let (st, _) =
            s.call(M::POST, &review, &sup, Some(json!({"decision": "return", "comment": "请补充数据"}))).await;
        assert_eq!(st, StatusCode::OK);
        submit_month(&s, &rep, "2024-03", &[(changed, "已补充:完成 3 所。")]).await;

        // Approving everything as shown: the changed one is skipped and named, the rest pass.
        let mut form = vec![("_csrf", csrf_of(&page)), ("query", String::new())];
        form.extend(shown.iter().map(|(a, v)| ("item", format!("{a}:2024-03:{v}"))));
        let (st, to) = s.post_form(&office, "/review/approve", &form).await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{name}");
        assert!(to.starts_with("/review"), "{to}");
        // A forged filter field (a line break, another site) comes back as a plain queue link.
        let forged = [("_csrf", csrf_of(&page)), ("query", "flag=late\r\nSet-Cookie: x=1&//evil.example".to_string())];
        let (st, to) = s.post_form(&office, "/review/approve", &forged).await;
        assert_eq!((st, to.as_str()), (StatusCode::SEE_OTHER, "/review?flag=late%0D%0ASet-Cookie%3A+x%3D1"), "{name}");
        let left = queue("?period=2024-03").await;
        assert_eq!(left.len(), 1, "{name}: only the changed report is left: {left:?}");
        assert_eq!(left[0]["assignment_id"], changed);
        let (_, r) = s.call(M::GET, &format!("/api/v1/assignments/{}/reports/2024-03", shown[1].0), &sup, None).await;
        assert_eq!(r["state"], "approved", "{name}");

        // The API says the same: a stale version is skipped, not approved.
        let stale = json!({"items": [{"assignment_id": changed, "period": "2024-03", "version": shown[0].1}]});
        let (st, out) = s.call(M::POST, "/api/v1/reviews/approve", &sup, Some(stale)).await;
        assert_eq!(st, StatusCode::OK, "{out}");
        assert_eq!((out["approved"].as_array().unwrap().len(), out["skipped"].as_array().unwrap().len()), (0, 1));
        let (st, _) = s.call(M::POST, "/api/v1/reviews/approve", &rep, Some(json!({"items": []}))).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{name}: a reporter approves nothing");
        let (st, _) = s.call(M::POST, "/api/v1/reviews/approve", &sup, Some(json!({"items": []}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}");

        // 通过并审下一条 moves on within the filter the reviewer came from.
        let late = queue("?flag=late").await;
        let (first, second) = (late[0]["assignment_id"].as_i64().unwrap(), late[1]["assignment_id"].as_i64().unwrap());
        let (_, review_page, _) = s.page(&office, &format!("/review/{first}/2024-02?flag=late")).await;
        assert!(review_page.contains(&format!("第 1 / {} 份", late.len())), "{name}");
        let form = [
            ("_csrf", csrf_of(&review_page)),
            ("decision", "approve_next".to_string()),
            ("comment", String::new()),
            ("version", late[0]["version"].to_string()),
            ("query", "flag=late".to_string()),
        ];
        let (st, to) = s.post_form(&office, &format!("/review/{first}/2024-02"), &form).await;
        assert_eq!((st, to), (StatusCode::SEE_OTHER, format!("/review/{second}/2024-02?flag=late")), "{name}");
    }
}

fn feb_unit(rows: &[Value], unit: &str) -> i64 {
    rows.iter().find(|r| r["unit_name"] == unit).and_then(|r| r["unit_id"].as_i64()).expect("unit in the queue")
}

async fn queue_unit(s: &Server, token: &str, unit: i64) -> usize {
    let (_, v) = s.call(M::GET, &format!("/api/v1/review-queue?unit={unit}"), token, None).await;
    v.as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn units_are_urged_only_once_their_month_is_due() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start_published(db.store.clone()).await;
        let office = s.cookie("supervisor").await;
        let (_, home, _) = s.page(&office, "/home").await;
        // Today is 2024-03-20: March is due on the 25th, February is overdue.
        assert!(home.contains("2024-03 尚未报送的单位(截止 2024-03-25,未到期)"), "{name}");
        assert!(home.contains("2024-02 逾期未报单位(截止 2024-02-25)"), "{name}");
        let march = home.split("data-period=\"2024-03\"").nth(1).unwrap_or("");
        let march = &march[..march.find("</ul>").unwrap_or(0)];
        assert!(!march.contains("urge-form"), "{name}: nobody is urged before the due date");
        let feb = home.split("data-period=\"2024-02\"").nth(1).unwrap_or("");
        let marker = "action=\"/units/";
        let at = feb.find(marker).expect("an urge button for February") + marker.len();
        let unit: i64 = feb[at..].split('/').next().unwrap().parse().unwrap();
        let form = [("_csrf", csrf_of(&home)), ("period", "2024-02".to_string())];
        let (st, to) = s.post_form(&office, &format!("/units/{unit}/urge"), &form).await;
        assert_eq!((st, to.as_str()), (StatusCode::SEE_OTHER, "/home"), "{name}");
        // The unit finds the notice.
        let reporter = if home.contains(&format!("data-unit=\"{unit}\">余江区")) { "yujiang" } else { "yuehu" };
        let token = s.login(reporter).await;
        let (_, notices) = s.call(M::GET, "/api/v1/notifications", &token, None).await;
        let text = notices.to_string();
        assert!(text.contains("2024-02") && text.contains("请尽快报送"), "{name}: {reporter}: {text}");
        // A month not yet due, or one out of range, is refused.
        let form = [("_csrf", csrf_of(&home)), ("period", "2024-09".to_string())];
        let (st, _) = s.post_form(&office, &format!("/units/{unit}/urge"), &form).await;
        assert!(st.is_client_error(), "{name}: {st}");
    }
}

#[tokio::test]
async fn the_leader_sees_lagging_items_first_by_their_gap_with_the_lead_unit() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start_published(db.store.clone()).await;
        let leader = s.cookie("leader").await;
        let (st, home, _) = s.page(&leader, "/home").await;
        assert_eq!(st, StatusCode::OK);
        let lagging = home.find("id=\"lagging\"").expect("the lagging list");
        assert!(home.find("id=\"unreported\"").is_none_or(|u| lagging < u), "{name}: lagging items come first");
        let table = section(&home, "lagging");
        let gaps: Vec<f64> = table
            .split("class=\"num gap\">")
            .skip(1)
            .filter_map(|c| c[..c.find('<').unwrap_or(0)].parse().ok())
            .collect();
        assert!(!gaps.is_empty(), "{name}: gaps shown");
        assert!(gaps.windows(2).all(|w| w[0] >= w[1]), "{name}: furthest behind first: {gaps:?}");
        assert!(
            table.contains("data-label=\"牵头单位\">") && !table.contains("data-label=\"牵头单位\"></td>"),
            "{name}"
        );
        // Each count links to the items behind it.
        assert!(home.contains("?status=behind\""), "{name}");
        assert!(!home.contains("id=\"queue\""), "{name}: no review queue for a leader");
    }
}

#[tokio::test]
async fn history_reads_in_chinese_words_and_beijing_time() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start_published(db.store.clone()).await;
        let rep = s.login("yujiang").await;
        let a = submit_month(&s, &rep, "2024-03", &[]).await[0];
        let (_, report) = s.call(M::GET, &format!("/api/v1/assignments/{a}/reports/2024-03"), &rep, None).await;
        let at = report["updated_at"].as_str().expect("updated_at");
        let utc = chrono::DateTime::parse_from_rfc3339(at).expect("rfc3339");
        let beijing = utc.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap()).format("%Y-%m-%d %H:%M");
        let unit = s.cookie("yujiang").await;
        let (_, page, _) = s.page(&unit, &format!("/assignments/{a}/reports/2024-03")).await;
        let history = &page[page.find("id=\"history\"").expect("history")..];
        let history = &history[..history.find("</ol>").unwrap()];
        assert!(history.contains(&format!("{beijing} yujiang 提交")), "{name}: {history}");
        assert!(!history.contains('T') && !history.contains("submit") && !history.contains("..."), "{name}: {history}");
    }
}
