//! The whole cycle through the HTTP API, on a real server per backend: import → publish →
//! assignments for expanded groups → reporter saves and submits → supervisor returns →
//! resubmit → approve → dashboard and status change; and the bad inputs along the way.

mod support;

use support::*;

/// A server whose client follows redirects, with the harness's users, on 2024-03-20.
async fn start(store: Store) -> Server {
    Setup { follow_redirects: true, ..Setup::default() }.start(store).await
}

impl Server {
    /// Saves an edited draft made on the version `etag`.
    async fn put_draft(&self, plan_id: i64, token: &str, body: &Value, etag: &str) -> Answer {
        let path = format!("/api/v1/plans/{plan_id}/draft");
        self.call_if_match(M::PUT, &path, token, Some(etag), Some(body.clone())).await
    }
}

#[tokio::test]
async fn whole_cycle_through_the_api() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone()).await;

        // Bad credentials: 401, nothing revealed.
        let r = s
            .http
            .post(format!("{}/api/v1/auth/login", s.base))
            .json(&json!({"username": "yujiang", "password": "wrong"}))
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let v: Value = r.json().await.expect("json");
        assert_eq!(v["detail"], "用户名或密码错误");
        let r = s
            .http
            .post(format!("{}/api/v1/auth/login", s.base))
            .json(&json!({"username": "nobody", "password": "wrong"}))
            .send()
            .await
            .expect("login");
        assert_eq!(r.json::<Value>().await.expect("json")["detail"], "用户名或密码错误");
        let (st, _) = s.call(M::GET, "/api/v1/me", "not-a-token", None).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);

        let sup = s.login("supervisor").await;
        let rep = s.login("yujiang").await;
        let other = s.login("yuehu").await;
        let admin = s.login("admin").await;

        // Import (multipart) and publish.
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(YINGTAN.to_vec()).file_name("yingtan.txt"));
        let r = s
            .http
            .post(format!("{}/api/v1/plans/import", s.base))
            .bearer_auth(&rep)
            .multipart(form)
            .send()
            .await
            .expect("import");
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "a reporter cannot import");
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(YINGTAN.to_vec()).file_name("yingtan.txt"));
        let r = s
            .http
            .post(format!("{}/api/v1/plans/import", s.base))
            .bearer_auth(&sup)
            .multipart(form)
            .send()
            .await
            .expect("import");
        assert_eq!(r.status(), StatusCode::CREATED);
        let imported: Value = r.json().await.expect("json");
        assert_eq!((imported["items"].as_u64(), imported["targets"].as_u64()), (Some(29), Some(16)));
        let plan_id = imported["id"].as_i64().expect("id");
        let bad = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(vec![0u8, 1, 2, 0, 255, 0]).file_name("x.txt"));
        let r = s
            .http
            .post(format!("{}/api/v1/plans/import", s.base))
            .bearer_auth(&sup)
            .multipart(bad)
            .send()
            .await
            .expect("import");
        assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

        // The reviewer corrects the draft before publishing.
        let (mut draft, etag) = s.draft(plan_id, &sup).await;
        assert_eq!(draft["items"][0]["title"], "坚持用党的创新理论凝心铸魂");
        draft["items"][0]["title"] = json!("坚持用党的创新理论凝心铸魂(修订)");
        let (st, _) = s.put_draft(plan_id, &sup, &draft, &etag).await;
        assert_eq!(st, StatusCode::NO_CONTENT);
        let (_, etag) = s.draft(plan_id, &sup).await;
        draft["items"][1]["title"] = json!("  ");
        let (st, v) = s.put_draft(plan_id, &sup, &draft, &etag).await;
        assert_eq!((st, v["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("items.2.title")));
        let (st, _) = s.call(M::GET, &format!("/api/v1/plans/{plan_id}/draft"), &rep, None).await;
        assert_eq!(st, StatusCode::FORBIDDEN);

        let (st, published) = s.call(M::POST, &format!("/api/v1/plans/{plan_id}/publish"), &sup, None).await;
        assert_eq!(st, StatusCode::OK, "{published}");
        assert_eq!(published["tasks"], 29);
        let (st, _) = s.call(M::POST, &format!("/api/v1/plans/{plan_id}/publish"), &sup, None).await;
        assert_eq!(st, StatusCode::CONFLICT);

        // The reporter's work list: 29 items through 各区(市).
        let (st, tasks) = s.call(M::GET, "/api/v1/tasks?period=2024-03", &rep, None).await;
        assert_eq!(st, StatusCode::OK);
        let tasks = tasks.as_array().expect("list").clone();
        assert_eq!(tasks.len(), 29, "{name}");
        assert!(tasks.iter().all(|t| t["unit_name"] == "余江区" && t["report_state"] == "new"));
        let item8 = tasks.iter().find(|t| t["item_label"] == "8.").expect("item 8").clone();
        let aid = item8["assignment_id"].as_i64().expect("id");
        let (_, all) = s.call(M::GET, "/api/v1/tasks?period=2024-03", &sup, None).await;
        assert!(all.as_array().expect("list").len() > 400, "the bureau sees every assignment");

        // Another unit's reporter gets 404, not 403.
        let path = format!("/api/v1/assignments/{aid}/reports/2024-03");
        let (st, _) = s.call(M::GET, &path, &other, None).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{name}");
        let (st, _) = s.call(M::PUT, &path, &other, Some(json!({"version": 0, "progress": "x"}))).await;
        assert_eq!(st, StatusCode::NOT_FOUND);

        // The indicator of 公办在园幼儿数占比.
        let (_, plan) = s.call(M::GET, &format!("/api/v1/plans/{plan_id}?period=2024-03"), &sup, None).await;
        let item = plan["sections"][2]["items"][0].clone();
        assert_eq!(item["title"], "推进学前教育普及普惠");
        let share = item["indicators"][2]["id"].as_i64().expect("indicator");

        // Bad values: 422 naming the field, nothing written.
        for (body, field) in [
            (json!({"version": 0, "progress": "x", "values": {share.to_string(): 180.0}}), format!("values.{share}")),
            (json!({"version": 0, "progress": "x", "values": {share.to_string(): -3}}), format!("values.{share}")),
            (json!({"version": 0, "progress": "字".repeat(5001)}), "progress".to_string()),
        ] {
            let (st, v) = s.call(M::PUT, &path, &rep, Some(body)).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
            assert_eq!(v["errors"][0]["field"], field.as_str());
        }
        let (st, v) = s
            .call(
                M::PUT,
                &format!("/api/v1/assignments/{aid}/reports/2024-04"),
                &rep,
                Some(json!({"version": 0, "progress": "x"})),
            )
            .await;
        assert_eq!(
            (st, v["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("period")),
            "April is not open on March 20"
        );
        let (st, _) = s
            .call(M::PUT, &format!("/api/v1/assignments/{aid}/reports/2024-13"), &rep, Some(json!({"version": 0})))
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let (st, v) = s.call(M::PUT, &path, &rep, Some(json!({"version": "one"}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (_, fresh) = s.call(M::GET, &path, &rep, None).await;
        assert_eq!((fresh["state"].as_str(), fresh["version"].as_i64()), (Some("new"), Some(0)));

        // Save, submit.
        let (st, saved) = s
            .call(
                M::PUT,
                &path,
                &rep,
                Some(json!({"version": 0, "progress": "完成选址。", "values": {share.to_string(): 55.8}})),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{saved}");
        assert_eq!(saved["state"], "draft");
        let (st, _) = s.call(M::PUT, &path, &rep, Some(json!({"version": 0, "progress": "覆盖"}))).await;
        assert_eq!(st, StatusCode::CONFLICT, "a stale version");

        // Evidence: checked by content, limited in size, served as an attachment.
        let upload = |token: &str, name: &str, bytes: Vec<u8>| {
            let form = reqwest::multipart::Form::new()
                .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
            s.http.post(format!("{}{path}/evidence", s.base)).bearer_auth(token.to_string()).multipart(form).send()
        };
        let r = upload(&rep, "县督查纪要.pdf", b"%PDF-1.4 minutes of the inspection".to_vec()).await.expect("upload");
        assert_eq!(r.status(), StatusCode::CREATED);
        let ev: Value = r.json().await.expect("json");
        let r = upload(&rep, "photo.pdf", vec![0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0]).await.expect("upload");
        assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "an executable named .pdf");
        let r = upload(&rep, "big.txt", vec![b'a'; 20 * 1024 * 1024 + 10]).await.expect("upload");
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let r = upload(&other, "x.pdf", b"%PDF-1.4".to_vec()).await.expect("upload");
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "another unit's report");
        let evidence_url = format!("{}/api/v1/evidence/{}", s.base, ev["id"]);
        let r = s.http.get(&evidence_url).bearer_auth(&rep).send().await.expect("download");
        assert_eq!(r.status(), StatusCode::OK);
        let cd = r.headers()["content-disposition"].to_str().expect("ascii").to_string();
        assert!(cd.starts_with("attachment;"), "{cd}");
        assert_eq!(r.bytes().await.expect("bytes").as_ref(), b"%PDF-1.4 minutes of the inspection");
        let r = s.http.get(&evidence_url).bearer_auth(&other).send().await.expect("download");
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let (_, report) = s.call(M::GET, &path, &rep, None).await;
        assert_eq!(report["evidence"][0]["file_name"], "县督查纪要.pdf");

        // Search: plan text for everyone, a report for its unit and the bureau.
        let (st, hits) = s.call(M::GET, "/api/v1/search?q=学前教育普及", &rep, None).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(hits[0]["title"], "8.推进学前教育普及普惠");
        let (_, hits) = s.call(M::GET, "/api/v1/search?q=完成选址", &other, None).await;
        assert!(hits.as_array().expect("list").iter().all(|h| h["kind"] != "report"), "{hits}");
        let (_, hits) = s.call(M::GET, "/api/v1/search?q=完成选址", &sup, None).await;
        assert!(hits.as_array().expect("list").iter().any(|h| h["kind"] == "report"), "{hits}");
        let (st, _) = s.call(M::GET, "/api/v1/search?q=", &rep, None).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        // Filters and pages; the total in a header; where the words are in each snippet.
        let r = s
            .http
            .get(format!("{}/api/v1/search?q=学前教育&kind=item&limit=1", s.base))
            .bearer_auth(&rep)
            .send()
            .await
            .expect("search");
        assert_eq!(r.status(), StatusCode::OK);
        let total: usize = r.headers()["x-total-count"].to_str().expect("ascii").parse().expect("number");
        let hits: Value = r.json().await.expect("json");
        assert_eq!((hits.as_array().map(Vec::len), hits[0]["kind"].as_str()), (Some(1), Some("item")));
        assert!(total >= 1, "{total}");
        let snippet: Vec<char> = hits[0]["snippet"].as_str().expect("snippet").chars().collect();
        let mark = &hits[0]["highlights"][0];
        let (a, b) = (mark[0].as_u64().expect("start") as usize, mark[1].as_u64().expect("end") as usize);
        assert!(snippet[a..b].iter().collect::<String>().contains("学前"), "{hits}");
        for (query, field) in
            [("kind=x", "kind"), ("period=2024-13", "period"), ("limit=0", "limit"), ("plan=abc", "plan")]
        {
            let (st, problem) = s.call(M::GET, &format!("/api/v1/search?q=教育&{query}"), &rep, None).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
            assert!(problem.to_string().contains(field), "{query}: {problem}");
        }
        let (st, submitted) = s.call(M::POST, &format!("{path}/submit"), &rep, None).await;
        assert_eq!((st, submitted["state"].as_str()), (StatusCode::OK, Some("submitted")));
        let (st, again) = s.call(M::POST, &format!("{path}/submit"), &rep, None).await;
        assert_eq!(
            (st, again["version"].clone()),
            (StatusCode::OK, submitted["version"].clone()),
            "a retried submit changes nothing"
        );

        // Review: reporters may not; a return needs a comment.
        let (st, _) = s.call(M::POST, &format!("{path}/review"), &rep, Some(json!({"decision": "approve"}))).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _) = s.call(M::POST, &format!("{path}/review"), &sup, Some(json!({"decision": "return"}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let (st, _) = s.call(M::POST, &format!("{path}/review"), &sup, Some(json!({"decision": "maybe"}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let (st, returned) = s
            .call(
                M::POST,
                &format!("{path}/review"),
                &sup,
                Some(json!({"decision": "return", "comment": "请补充本月具体进展"})),
            )
            .await;
        assert_eq!((st, returned["state"].as_str()), (StatusCode::OK, Some("returned")));

        // The reporter sees the comment first in the list, fixes and resubmits.
        let (_, tasks) = s.call(M::GET, "/api/v1/tasks?period=2024-03", &rep, None).await;
        assert_eq!(tasks[0]["assignment_id"], aid);
        assert_eq!(tasks[0]["review_comment"], "请补充本月具体进展");
        let v = returned["version"].as_i64().expect("version");
        let (st, _) = s
            .call(
                M::PUT,
                &path,
                &rep,
                Some(json!({"version": v, "progress": "完成选址,2所已开工。", "values": {share.to_string(): 55.8}})),
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        s.call(M::POST, &format!("{path}/submit"), &rep, None).await;

        let (_, before) = s.call(M::GET, "/api/v1/dashboard?period=2024-03", &sup, None).await;
        let (st, approved) =
            s.call(M::POST, &format!("{path}/review"), &sup, Some(json!({"decision": "approve"}))).await;
        assert_eq!((st, approved["state"].as_str()), (StatusCode::OK, Some("approved")));
        let (_, after) = s.call(M::GET, "/api/v1/dashboard?period=2024-03", &sup, None).await;
        // The approved report moved 余江区's item 8 out of 未启动.
        let not_started = |d: &Value| d["assignments"]["counts"]["not_started"].as_u64().unwrap_or(0);
        assert_eq!(not_started(&after) + 1, not_started(&before), "{name}");
        let (_, plan) = s.call(M::GET, &format!("/api/v1/plans/{plan_id}?period=2024-03"), &sup, None).await;
        let unit = plan["sections"][2]["items"][0]["units"]
            .as_array()
            .expect("units")
            .iter()
            .find(|u| u["unit_name"] == "余江区")
            .expect("余江区")
            .clone();
        assert_eq!(unit["report_state"], "approved");
        assert_ne!(unit["status"]["status"], "not_started");
        assert!(unit["status"]["progress"].as_f64().is_some());

        // A leader's 批示 reaches the units of the task.
        let task16 = plan["sections"][4]["items"][1]["id"].as_i64().expect("task 16");
        let leader = s.login("leader").await;
        let path16 = format!("/api/v1/tasks/{task16}/instructions");
        let (st, _) = s.call(M::POST, &path16, &rep, Some(json!({"text": "x"}))).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _) = s.call(M::POST, &path16, &leader, Some(json!({"text": "   "}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let (st, _) = s.call(M::POST, &path16, &leader, Some(json!({"text": "请发规科牵头,下周专题调度"}))).await;
        assert_eq!(st, StatusCode::CREATED);
        let (_, list) = s.call(M::GET, &path16, &rep, None).await;
        assert_eq!(list[0]["text"], "请发规科牵头,下周专题调度");
        let (_, tasks_all) = s.call(M::GET, "/api/v1/tasks?period=2024-03", &sup, None).await;
        assert_eq!(
            tasks_all.as_array().expect("list").iter().find(|t| t["task_id"] == task16).map(|t| t["title"].clone()),
            Some(json!("优化县域义务教育资源配置改革"))
        );
        assert_eq!(tasks_all[0]["title"], "坚持用党的创新理论凝心铸魂(修订)", "the draft's edit was published");

        // A retried write with the same Idempotency-Key gets the first answer, not a 409.
        let may = format!("/api/v1/assignments/{aid}/reports/2024-03");
        let (_, current) = s.call(M::GET, &may, &rep, None).await;
        assert_eq!(current["state"], "approved");
        let put = |key: &'static str, version: i64| {
            s.http
                .put(format!("{}/api/v1/assignments/{}/reports/2024-03", s.base, tasks[1]["assignment_id"]))
                .bearer_auth(rep.clone())
                .header("Idempotency-Key", key)
                .json(&json!({"version": version, "progress": "开展专题学习。"}))
                .send()
        };
        let first: Value = put("save-1", 0).await.expect("put").json().await.expect("json");
        let again = put("save-1", 0).await.expect("put");
        assert_eq!(again.status(), StatusCode::OK, "the retry is answered, not refused as stale");
        let again: Value = again.json().await.expect("json");
        assert_eq!((first["version"].clone(), again["version"].clone()), (json!(1), json!(1)));
        let fresh = put("save-2", 0).await.expect("put");
        assert_eq!(fresh.status(), StatusCode::CONFLICT, "a new key with a stale version is a real conflict");
        // The server stopped after the write committed and before its answer was stored: the
        // key was marked in the write's transaction, so the retry is answered with the report
        // as it stands and the save is not repeated.
        let lost = put("save-3", 1).await.expect("put");
        assert_eq!(lost.status(), StatusCode::OK);
        store::testing::execute(&s.store, "UPDATE idempotency_keys SET response = '' WHERE key = 'save-3'").await;
        let again = put("save-3", 1).await.expect("put");
        assert_eq!(again.status(), StatusCode::OK, "a write done but unanswered is answered afresh");
        let again: Value = again.json().await.expect("json");
        assert_eq!(again["version"], json!(2), "the save was done once: {again}");

        // Roles.
        let (st, users) = s.call(M::GET, "/api/v1/users", &admin, None).await;
        assert_eq!(st, StatusCode::OK);
        assert!(users.as_array().expect("users").iter().any(|u| u["username"] == "leader" && u["role"] == "leader"));
        let (st, units) = s.call(M::GET, "/api/v1/units", &rep, None).await;
        assert_eq!(st, StatusCode::OK);
        assert!(units.as_array().expect("units").iter().any(|u| u["name"] == "余江区" && u["kind"] == "district"));
        let (st, _) = s.call(M::GET, "/api/v1/users", &sup, None).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _) = s.call(M::GET, "/api/v1/dashboard", &rep, None).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _) = s.call(M::GET, "/api/v1/nothing-here", &rep, None).await;
        assert_eq!(st, StatusCode::NOT_FOUND);

        // Where sign-off is required, a reporter's report reaches the bureau through the head.
        let (st, _) = s.call(M::PUT, "/api/v1/settings", &sup, Some(json!({"require_signoff": true}))).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _) = s.call(M::PUT, "/api/v1/settings", &admin, Some(json!({"require_signoff": true}))).await;
        assert_eq!(st, StatusCode::OK);
        let head = s.login("yujiang_head").await;
        let p3 = format!("/api/v1/assignments/{}/reports/2024-03", tasks[2]["assignment_id"]);
        s.call(M::PUT, &p3, &rep, Some(json!({"version": 0, "progress": "制定工作方案。"}))).await;
        let (_, pending) = s.call(M::POST, &format!("{p3}/submit"), &rep, None).await;
        assert_eq!(pending["state"], "pending_signoff", "{pending}");
        let (st, _) = s.call(M::POST, &format!("{p3}/review"), &sup, Some(json!({"decision": "approve"}))).await;
        assert_eq!(st, StatusCode::CONFLICT, "not yet the bureau's");
        let (st, _) = s.call(M::POST, &format!("{p3}/signoff"), &rep, Some(json!({"decision": "approve"}))).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, signed) = s.call(M::POST, &format!("{p3}/signoff"), &head, Some(json!({"decision": "approve"}))).await;
        assert_eq!((st, signed["state"].as_str()), (StatusCode::OK, Some("submitted")));
        let (st, _) = s.call(M::POST, &format!("{p3}/review"), &sup, Some(json!({"decision": "approve"}))).await;
        assert_eq!(st, StatusCode::OK);

        // Archiving takes a plan out of the work lists.
        let (st, _) = s.call(M::POST, &format!("/api/v1/plans/{plan_id}/archive"), &rep, None).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, archived) = s.call(M::POST, &format!("/api/v1/plans/{plan_id}/archive"), &sup, None).await;
        assert_eq!((st, archived["status"].as_str()), (StatusCode::OK, Some("archived")));
        let (st, _) = s.call(M::POST, &format!("/api/v1/plans/{plan_id}/archive"), &sup, None).await;
        assert_eq!(st, StatusCode::CONFLICT);
        let (_, left) = s.call(M::GET, "/api/v1/tasks?period=2024-03", &rep, None).await;
        assert_eq!(left.as_array().map(Vec::len), Some(0));
    }
}

fn unit_status<'a>(item: &'a Value, unit: &str) -> &'a Value {
    &item["units"].as_array().expect("units").iter().find(|u| u["unit_name"] == unit).expect("unit")["status"]
}

#[tokio::test]
async fn milestones_breakdowns_and_the_directory_are_editable() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone()).await;
        let plan_id = published(&db.store).await;
        let sup = s.login("supervisor").await;
        let rep = s.login("yujiang").await;
        let admin = s.login("admin").await;
        let (_, plan) = s.call(M::GET, &format!("/api/v1/plans/{plan_id}?period=2024-03"), &sup, None).await;
        let items: Vec<Value> = plan["sections"]
            .as_array()
            .expect("sections")
            .iter()
            .flat_map(|s| s["items"].as_array().cloned().unwrap())
            .collect();

        // A milestone scheduled for mid-March: only scheduled milestones set the pace.
        let item = items
            .iter()
            .find(|i| {
                i["indicators"].as_array().is_some_and(|v| v.is_empty())
                    && i["milestones"].as_array().is_some_and(|m| !m.is_empty())
                    && i["units"].as_array().expect("units").iter().any(|u| u["unit_name"] == "余江区")
                    && i["units"].as_array().expect("units").iter().any(|u| u["unit_name"] == "月湖区")
            })
            .expect("an item with milestones and no targets, for both districts");
        assert!(item["milestones"].as_array().unwrap().iter().all(|m| m["scheduled"] == false));
        assert!(unit_status(item, "余江区")["pace"].as_f64().unwrap() < 0.3, "linear pace in March: {name}");
        let mid = item["milestones"][0]["id"].as_i64().expect("milestone");
        let path = format!("/api/v1/milestones/{mid}");
        for (body, field) in [
            (json!({"due_date": "2026-01-01"}), "due_date"),
            (json!({"due_date": "3月15日"}), "due_date"),
            (json!({"due_date": "2024-03-15", "text": " "}), "text"),
        ] {
            let (st, v) = s.call(M::PUT, &path, &sup, Some(body)).await;
            assert_eq!((st, v["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{v}");
        }
        let (st, _) = s.call(M::PUT, &path, &rep, Some(json!({"due_date": "2024-03-15"}))).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, m) = s.call(M::PUT, &path, &sup, Some(json!({"due_date": "2024-03-15"}))).await;
        assert_eq!(
            (st, m["scheduled"].as_bool(), m["due_date"].as_str()),
            (StatusCode::OK, Some(true), Some("2024-03-15"))
        );

        // 余江区 reports it done; once approved, its work is complete and 月湖区's is late.
        let aid =
            item["units"].as_array().unwrap().iter().find(|u| u["unit_name"] == "余江区").unwrap()["assignment_id"]
                .as_i64()
                .unwrap();
        let report = format!("/api/v1/assignments/{aid}/reports/2024-03");
        let (st, v) = s
            .call(
                M::PUT,
                &report,
                &rep,
                Some(json!({"version": 0, "progress": "已完成", "milestones": {mid.to_string(): "2024-04-02"}})),
            )
            .await;
        assert_eq!(
            (st, v["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(format!("milestones.{mid}").as_str()))
        );
        let (st, v) = s
            .call(
                M::PUT,
                &report,
                &rep,
                Some(json!({"version": 0, "progress": "已完成", "milestones": {mid.to_string(): "2024-03-12"}})),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["milestones"][mid.to_string()], "2024-03-12");
        s.call(M::POST, &format!("{report}/submit"), &rep, None).await;
        let (st, _) = s.call(M::POST, &format!("{report}/review"), &sup, Some(json!({"decision": "approve"}))).await;
        assert_eq!(st, StatusCode::OK);
        let (_, plan) = s.call(M::GET, &format!("/api/v1/plans/{plan_id}?period=2024-03"), &sup, None).await;
        let item = plan["sections"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["items"].as_array().cloned().unwrap())
            .find(|i| i["id"] == item["id"])
            .unwrap();
        assert_eq!(unit_status(&item, "余江区")["status"], "completed", "{name}");
        let yuehu = unit_status(&item, "月湖区");
        assert_eq!((yuehu["status"].as_str(), yuehu["pace"].as_f64()), (Some("not_started"), Some(1.0)));
        assert_eq!(yuehu["colour"], "red");

        // A target broken down per unit: 余江区 is measured against its own 60%.
        let item8 = items.iter().find(|i| i["title"] == "推进学前教育普及普惠").expect("item 8");
        let share = item8["indicators"][2]["id"].as_i64().expect("indicator");
        let unit_id = |n: &str| {
            item8["units"].as_array().unwrap().iter().find(|u| u["unit_name"] == n).unwrap()["unit_id"]
                .as_i64()
                .unwrap()
        };
        let yujiang = unit_id("余江区");
        let path = format!("/api/v1/indicators/{share}");
        let (st, v) =
            s.call(M::PUT, &path, &sup, Some(json!({"baseline": 40, "breakdown": {yujiang.to_string(): 60}}))).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!((v["baseline"].as_f64(), v["breakdown"][yujiang.to_string()].as_f64()), (Some(40.0), Some(60.0)));
        let outsider = db.store.unit_by_name("督导室").await.unwrap().unwrap().id;
        for (body, field) in [
            (json!({"baseline": 10, "breakdown": {outsider.to_string(): 50}}), format!("shares.{outsider}")),
            (json!({"baseline": 10, "breakdown": {yujiang.to_string(): 170}}), format!("shares.{yujiang}")),
            (json!({"baseline": -1}), "baseline".to_string()),
        ] {
            let (st, v) = s.call(M::PUT, &path, &sup, Some(body)).await;
            assert_eq!(
                (st, v["errors"][0]["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(field.as_str()))
            );
        }
        let ind = db.store.indicator(share).await.unwrap();
        assert_eq!((ind.baseline, ind.breakdown.get(&yujiang).copied()), (Some(40.0), Some(60.0)), "nothing changed");
        let aid8 =
            item8["units"].as_array().unwrap().iter().find(|u| u["unit_name"] == "余江区").unwrap()["assignment_id"]
                .as_i64()
                .unwrap();
        let report = format!("/api/v1/assignments/{aid8}/reports/2024-03");
        let (st, v) = s
            .call(
                M::PUT,
                &report,
                &rep,
                Some(json!({"version": 0, "progress": "新增公办园", "values": {share.to_string(): 58}})),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        s.call(M::POST, &format!("{report}/submit"), &rep, None).await;
        s.call(M::POST, &format!("{report}/review"), &sup, Some(json!({"decision": "approve"}))).await;
        let (_, plan) = s.call(M::GET, &format!("/api/v1/plans/{plan_id}?period=2024-03"), &sup, None).await;
        let item8 = &plan["sections"][2]["items"][0];
        let progress = unit_status(item8, "余江区")["progress"].as_f64().expect("progress");
        assert!((progress - 0.9).abs() < 1e-9, "(58 − 40) / (60 − 40), not against 57%: {progress}");

        // The directory: one unit at a time, by the administrator or the office.
        let school = json!({"name": "鹰潭市第九中学", "kind": "学校", "stage": "初中", "ownership": "公办",
                            "district": "月湖区", "aliases": ["鹰潭九中"]});
        let (st, _) = s.call(M::POST, "/api/v1/units", &rep, Some(school.clone())).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, created) = s.call(M::POST, "/api/v1/units", &admin, Some(school.clone())).await;
        assert_eq!(st, StatusCode::CREATED, "{created}");
        assert_eq!((created["kind"].as_str(), created["aliases"][0].as_str()), (Some("school"), Some("鹰潭九中")));
        let uid = created["id"].as_i64().unwrap();
        for (body, field) in [
            (school.clone(), "name"),
            (json!({"name": "新学校", "kind": "学校", "stage": "大学"}), "stage"),
            (json!({"name": "新学校", "kind": "部门"}), "kind"),
            (json!({"name": "新学校", "kind": "学校", "aliases": ["余江区"]}), "aliases"),
            (json!({"name": "新学校", "kind": "学校", "members": [uid]}), "members"),
            (json!({"name": "", "kind": "学校"}), "name"),
        ] {
            let (st, v) = s.call(M::POST, "/api/v1/units", &sup, Some(body)).await;
            assert_eq!((st, v["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{v}");
        }
        let renamed = json!({"name": "鹰潭市第九中学(鹰潭市实验学校)", "kind": "school", "stage": "九年一贯制",
                             "ownership": "公办", "district": "月湖区", "aliases": ["鹰潭九中"]});
        let (st, v) = s.call(M::PUT, &format!("/api/v1/units/{uid}"), &sup, Some(renamed)).await;
        assert_eq!((st, v["stage"].as_str()), (StatusCode::OK, Some("九年一贯制")), "{v}");
        let found = db.store.unit_by_name("鹰潭市第九中学").await.unwrap().expect("the old name stays an alias");
        assert_eq!(found.id, uid);
        let (st, group) = s
            .call(
                M::POST,
                "/api/v1/units",
                &sup,
                Some(json!({"name": "月湖区新建学校", "kind": "单位组", "members": [uid]})),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED);
        let (_, detail) = s.call(M::GET, &format!("/api/v1/units/{}", group["id"]), &rep, None).await;
        assert_eq!(detail["members"][0]["id"], uid);
        let (st, _) = s.call(M::PUT, "/api/v1/units/999999", &sup, Some(json!({"name": "x", "kind": "学校"}))).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn health_and_openapi() {
    let db = store::testing::sqlite().await;
    let s = start(db.store.clone()).await;
    let r = s.http.get(format!("{}/healthz", s.base)).send().await.expect("healthz");
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = s
        .http
        .get(format!("{}/api/v1/openapi.json", s.base))
        .send()
        .await
        .expect("openapi")
        .json()
        .await
        .expect("json");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", doc["openapi"]);
    for p in [
        "/api/v1/auth/login",
        "/api/v1/plans/{id}",
        "/api/v1/assignments/{id}/reports/{period}/review",
        "/api/v1/dashboard",
        "/api/v1/tasks",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} documented");
    }
}

#[tokio::test]
async fn pages_sign_in_protect_forms_and_escape_text() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone()).await;
        let plan_id = published(&db.store).await;
        let mut rep = Browser::new(&s);

        // Signed out: every page sends the browser to the login form, and back afterwards.
        let r = rep.http.get(format!("{}/plans/{plan_id}", s.base)).send().await.expect("get");
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()["location"], format!("/login?next=/plans/{plan_id}").as_str());
        let r = rep.login("yujiang", "wrong").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(r.text().await.expect("body").contains("用户名或密码错误"));
        let r = rep.login("yujiang", PASSWORD).await;
        assert_eq!((r.status(), r.headers()["location"].to_str().ok()), (StatusCode::SEE_OTHER, Some("/home")));
        let (st, home, headers) = rep.get("/home").await;
        assert_eq!(st, StatusCode::OK, "{name}");
        let csp = headers["content-security-policy"].to_str().expect("csp");
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(home.contains("id=\"worklist\"") && home.contains("余江区"), "{home}");
        assert!(!home.contains("<script>") && !home.contains(" style="), "no inline script or style");

        // The report form: a save without the page's CSRF token is refused and changes nothing.
        let aid = db
            .store
            .worklist(db.store.unit_by_name("余江区").await.unwrap().map(|u| u.id), "2024-03".parse().unwrap(), 25)
            .await
            .unwrap()[0]
            .assignment_id;
        let path = format!("/assignments/{aid}/reports/2024-03");
        let hostile = "<script>alert('x')</script>本月完成调研";
        let (st, _, _) =
            rep.post(&path, &[("version", "0"), ("progress", hostile), ("action", "save"), ("_csrf", "forged")]).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        assert_eq!(db.store.report(aid, "2024-03".parse().unwrap()).await.unwrap().version, 0, "nothing saved");
        let csrf = rep.csrf().await;
        let (st, body, _) =
            rep.post(&path, &[("version", "0"), ("progress", ""), ("action", "submit"), ("_csrf", &csrf)]).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"error-progress\""), "{body}");
        let (st, _, location) =
            rep.post(&path, &[("version", "0"), ("progress", hostile), ("action", "save"), ("_csrf", &csrf)]).await;
        assert_eq!((st, location.as_deref().map(|l| l.starts_with(&path))), (StatusCode::SEE_OTHER, Some(true)));
        let (_, form, _) = rep.get(&path).await;
        assert!(form.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;本月完成调研"), "{form}");
        assert!(!form.contains("<script>alert"), "user text is escaped");
        assert!(form.contains("草稿"));
        // Search shows it with the words found marked and the rest escaped.
        let (st, found, _) = rep.get("/search?q=调研&kind=report").await;
        assert_eq!(st, StatusCode::OK, "{name}");
        assert!(found.contains("<mark>调研</mark>") && found.contains("&#60;script&#62;"), "{name}: {found}");
        assert!(!found.contains("<script>alert") && found.contains("找到 1 条结果"), "{name}: {found}");
        let (st, found, _) = rep.get("/search?q=调研&kind=x").await;
        assert!(st == StatusCode::OK && found.contains("类型应为"), "{name}: a clear message, not an error page");

        // Another unit's reporter: not found, and nothing of the report shown.
        let mut other = Browser::new(&s);
        other.login("yuehu", PASSWORD).await;
        let (st, body, _) = other.get(&path).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        assert!(body.contains("未找到") && !body.contains("report-form") && !body.contains("本月完成调研"));

        // Submit; the supervisor must give a reason to return it; the reporter sees it.
        let (_, form, _) = rep.get(&path).await;
        let at = form.find("name=\"version\" value=\"").unwrap() + 22;
        let version: String = form[at..].chars().take_while(|c| c.is_ascii_digit()).collect();
        let (st, _, _) = rep
            .post(&path, &[("version", &version), ("progress", "完成调研"), ("action", "submit"), ("_csrf", &csrf)])
            .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        let mut sup = Browser::new(&s);
        sup.login("supervisor", PASSWORD).await;
        let (st, queue, _) = sup.get("/review").await;
        assert_eq!(st, StatusCode::OK);
        assert!(queue.contains(&format!("href=\"/review/{aid}/2024-03\"")), "{queue}");
        let sup_csrf = sup.csrf().await;
        let review = format!("/review/{aid}/2024-03");
        let (st, body, _) = sup.post(&review, &[("decision", "return"), ("comment", " "), ("_csrf", &sup_csrf)]).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains("id=\"error-comment\""));
        let (st, _, location) =
            sup.post(&review, &[("decision", "return"), ("comment", "请写明<具体>进展"), ("_csrf", &sup_csrf)]).await;
        assert_eq!((st, location.as_deref().map(|l| l.starts_with("/review"))), (StatusCode::SEE_OTHER, Some(true)));
        let (_, home, _) = rep.get("/home").await;
        assert!(home.contains("请写明&#60;具体&#62;进展"), "{home}");
        let (st, _, _) = rep.post(&review, &[("decision", "approve"), ("_csrf", &csrf)]).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "a reporter cannot review");

        // The public page: closed until the office opens it; then approved data only, nothing
        // internal.
        let anonymous = Browser::new(&s);
        let (st, _, _) = anonymous.get(&format!("/public/plans/{plan_id}")).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (st, _, _) = rep.post(&format!("/plans/{plan_id}/public"), &[("_csrf", &csrf), ("public", "on")]).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "only the office publishes");
        let (st, _, _) = sup.post(&format!("/plans/{plan_id}/public"), &[("_csrf", &sup_csrf), ("public", "on")]).await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        let (st, public, _) = anonymous.get(&format!("/public/plans/{plan_id}")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(public.contains("推进学前教育普及普惠") && public.contains("公办在园幼儿数占比 ≥ 57%"), "{public}");
        assert!(public.contains("索引号") && public.contains("发文机关"), "the plan's metadata");
        for internal in ["具体", "完成调研", "yujiang", "supervisor", "/evidence/"] {
            assert!(!public.contains(internal), "{internal} must not be public");
        }
        let (st, csv, _) = anonymous.get(&format!("/public/plans/{plan_id}/progress.csv")).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(csv.lines().count(), 30, "a header and 29 items");

        // Pages of the bureau are closed to units; the plan and the dashboard are not.
        for (page, status) in [
            ("/admin/users", StatusCode::FORBIDDEN),
            ("/plans/import", StatusCode::FORBIDDEN),
            (&format!("/plans/{plan_id}") as &str, StatusCode::OK),
            ("/dashboard", StatusCode::OK),
            ("/search?q=学前教育", StatusCode::OK),
            ("/no/such/page", StatusCode::NOT_FOUND),
        ] {
            let (st, _, _) = rep.get(page).await;
            assert_eq!(st, status, "{page}");
        }

        // Signing out ends the session for good; a login form never redirects off the site.
        let (st, _, _) = rep.post("/logout", &[("_csrf", &csrf)]).await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        let (st, _, _) = rep.get("/home").await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        let r = rep
            .http
            .post(format!("{}/login", s.base))
            .form(&[("username", "yujiang"), ("password", PASSWORD), ("next", "//evil.example/")])
            .send()
            .await
            .expect("login");
        assert_eq!(r.headers()["location"], "/home");

        // The directory page: export as csv, and a sheet with a bad row is refused whole.
        let mut admin = Browser::new(&s);
        admin.login("admin", PASSWORD).await;
        let (st, csv, headers) = admin.get("/admin/units/export.csv").await;
        assert_eq!(st, StatusCode::OK);
        assert!(headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
        assert!(
            csv.starts_with("\u{feff}名称,类别,学段,办别,普惠,区县,别名,成员") && csv.contains("余江区,区县"),
            "{csv}"
        );
        let before = db.store.units().await.unwrap().len();
        let admin_csrf = admin.csrf().await;
        let sheet = "名称,类别,学段,办别,普惠,区县,别名,成员\n鹰潭市第十中学,学校,初中,公办,,月湖区,,\n\
                     鹰潭市第十一中学,大学,高中,公办,,月湖区,,\n";
        let form = reqwest::multipart::Form::new()
            .text("_csrf", admin_csrf.clone())
            .part("file", reqwest::multipart::Part::bytes(sheet.as_bytes().to_vec()).file_name("units.csv"));
        let r = admin
            .http
            .post(format!("{}/admin/units/import", s.base))
            .header("cookie", &admin.cookie)
            .multipart(form)
            .send()
            .await
            .expect("import");
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.text().await.unwrap();
        assert!(body.contains("第 3 行"), "the bad line is named: {body}");
        assert_eq!(db.store.units().await.unwrap().len(), before, "nothing imported");
    }
}

#[tokio::test]
async fn a_plan_is_imported_corrected_and_published_through_the_pages() {
    for db in store::testing::all().await {
        let s = start(db.store.clone()).await;
        let mut sup = Browser::new(&s);
        sup.login("supervisor", PASSWORD).await;
        let csrf = sup.csrf().await;
        let doc = "《2025年鹰潭市教育工作要点》\n一、加强党的建设\n1.推进清廉学校建设。年内建成示范校10所。(责任单位:余江区、不存在的科室)\n";
        let form = reqwest::multipart::Form::new()
            .text("_csrf", csrf.clone())
            .part("file", reqwest::multipart::Part::bytes(doc.as_bytes().to_vec()).file_name("要点.txt"));
        let r = sup
            .http
            .post(format!("{}/plans/import", s.base))
            .header("cookie", &sup.cookie)
            .multipart(form)
            .send()
            .await
            .expect("import");
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let review = r.headers()["location"].to_str().unwrap().split('?').next().unwrap().to_string();
        let plan_id: i64 = review.trim_start_matches("/plans/").trim_end_matches("/review").parse().expect("id");
        let (st, page, _) = sup.get(&review).await;
        assert_eq!(st, StatusCode::OK);
        assert!(page.contains("class=\"warning\">单位“不存在的科室”不在单位目录中"), "{page}");
        assert!(page.contains("id=\"original\"") && page.contains("年内建成示范校10所"));

        // A bad target value is refused with the field named, and nothing is saved.
        let (st, page, _) = sup
            .post_from(
                &review,
                &review,
                &[
                    ("_csrf", &csrf),
                    ("title_0", "推进清廉学校建设"),
                    ("units_0", "余江区、基教科"),
                    ("target_0_0", "很多"),
                ],
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("id=\"error-target_0_0\""), "{page}");
        assert!(db.store.parsed_plan(plan_id).await.unwrap().items[0].units.iter().any(|u| !u.known));
        let (st, _, _) = sup
            .post_from(
                &review,
                &review,
                &[
                    ("_csrf", &csrf),
                    ("title_0", "推进清廉学校建设"),
                    ("units_0", "余江区、基教科"),
                    ("target_0_0", "12"),
                ],
            )
            .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        let (_, page, _) = sup.get(&review).await;
        assert!(!page.contains("单位“不存在的科室”不在单位目录中"), "the warning is gone");
        let saved = db.store.parsed_plan(plan_id).await.unwrap();
        assert_eq!(saved.items[0].targets[0].value, 12.0);

        // A measure's due date, set before publishing, schedules its milestone.
        let (_, page, _) = sup.get(&review).await;
        let at = page.find("name=\"measure_0_").expect("a measure that becomes a milestone") + 6;
        let field: String = page[at..].chars().take_while(|c| *c != '"').collect();
        let (st, page, _) = sup.post_from(&review, &review, &[("_csrf", &csrf), (&field, "2024-06-30")]).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "outside the plan's year");
        assert!(page.contains(&format!("id=\"error-{field}\"")));
        let (st, _, _) = sup.post_from(&review, &review, &[("_csrf", &csrf), (&field, "2025-06-30")]).await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        let (st, _, location) = sup.post_from(&review, &format!("/plans/{plan_id}/publish"), &[("_csrf", &csrf)]).await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        assert_eq!(location.unwrap(), format!("/plans/{plan_id}"));
        let tasks = db.store.tasks(plan_id).await.unwrap();
        let milestones = db.store.milestones(tasks[0].id).await.unwrap();
        assert!(milestones.iter().any(|m| m.scheduled && m.due_date == "2025-06-30"), "{milestones:?}");
        let mut jijiao = Browser::new(&s);
        db.store
            .add_user(&NewUser {
                username: "jijiao",
                display_name: "基教科",
                password: PASSWORD,
                role: Role::Reporter,
                unit: Some("基教科"),
            })
            .await
            .unwrap();
        jijiao.login("jijiao", PASSWORD).await;
        let (_, home, _) = jijiao.get("/home").await;
        assert!(home.contains("推进清廉学校建设"), "the new task reaches the unit: {home}");
    }
}

/// The `learned_{k}` index the review page gives a learned unit.
fn learned_index(page: &str, unit: &str) -> String {
    let at = page.find(&format!("\" value=\"{unit}\"><")).unwrap_or_else(|| panic!("{unit} listed: {page}"));
    let start = page[..at].rfind("name=\"learned_").expect("learned field") + 14;
    page[start..at].to_string()
}

#[tokio::test]
async fn another_authoritys_units_are_renamed_and_merged_before_publishing() {
    const DONGGUAN: &[u8] = include_bytes!("../../plan/tests/corpus/07-dongguan-2021-trad.txt");
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone()).await;
        let mut sup = Browser::new(&s);
        sup.login("supervisor", PASSWORD).await;
        let csrf = sup.csrf().await;
        let form = reqwest::multipart::Form::new()
            .text("_csrf", csrf.clone())
            .part("file", reqwest::multipart::Part::bytes(DONGGUAN.to_vec()).file_name("东莞.txt"));
        let r = sup
            .http
            .post(format!("{}/plans/import", s.base))
            .header("cookie", &sup.cookie)
            .multipart(form)
            .send()
            .await
            .expect("import");
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
        let review = r.headers()["location"].to_str().unwrap().split('?').next().unwrap().to_string();
        let plan_id: i64 = review.trim_start_matches("/plans/").trim_end_matches("/review").parse().expect("id");
        let (st, page, _) = sup.get(&review).await;
        assert_eq!(st, StatusCode::OK);
        assert!(page.contains("本文件中的单位(5 个)"), "{name}: {page}");
        // 市財政局 is named by both items; none of Dongguan's units is in Yingtan's directory.
        assert!(page.contains("<tr class=\"learned-unit\" data-unit=\"市財政局\">"), "{page}");
        assert!(!page.contains("已有同名单位"), "{page}");
        let (yibao, tax, finance) =
            (learned_index(&page, "市醫保局"), learned_index(&page, "市稅務局"), learned_index(&page, "市財政局"));
        let field = |p: &str, k: &str| format!("{p}_{k}");
        let before = db.store.parsed_plan(plan_id).await.unwrap();

        // Bad input: merged into itself, an empty name, a unit the file does not name.
        for (bad, message) in [
            (vec![(field("merge", &tax), "市稅務局")], "单位“市稅務局”不能并入自身"),
            (vec![(field("rename", &yibao), " ")], "单位“市醫保局”的新名称不能为空"),
            (vec![(field("merge", &tax), "市教育局")], "本文件中没有单位“市教育局”"),
        ] {
            let mut form: Vec<(String, String)> = vec![("_csrf".into(), csrf.clone())];
            form.extend([(field("learned", &tax), "市稅務局".into()), (field("learned", &yibao), "市醫保局".into())]);
            form.extend(bad.iter().map(|(k, v)| (k.clone(), v.to_string())));
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let (st, page, _) = sup.post_from(&review, &review, &form).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {message}");
            assert!(
                page.contains(&format!("id=\"error-learned\" class=\"field-error\" role=\"alert\">{message}")),
                "{page}"
            );
            assert_eq!(db.store.parsed_plan(plan_id).await.unwrap(), before, "{name}: nothing saved");
        }

        // Rename one unit and merge another into a unit the same items name.
        let (fy, ft, ff) = (field("learned", &yibao), field("learned", &tax), field("learned", &finance));
        let (ry, mt) = (field("rename", &yibao), field("merge", &tax));
        let (st, _, _) = sup
            .post_from(
                &review,
                &review,
                &[
                    ("_csrf", &csrf),
                    (&fy, "市醫保局"),
                    (&ry, "东莞市医疗保障局"),
                    (&ft, "市稅務局"),
                    (&mt, "市財政局"),
                    (&ff, "市財政局"),
                ],
            )
            .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{name}");
        let draft = db.store.parsed_plan(plan_id).await.unwrap();
        let names = |p: &plan::Plan, i: usize| p.items[i].units.iter().map(|u| u.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&draft, 0), ["市人力資源社會保障局", "东莞市医疗保障局", "市財政局"], "{name}");
        assert_eq!(names(&draft, 1), ["市殘聯", "市財政局"], "{name}");
        let (_, page, _) = sup.get(&review).await;
        assert!(page.contains("本文件中的单位(4 个)") && page.contains("data-unit=\"东莞市医疗保障局\""), "{page}");
        assert!(!page.contains("data-unit=\"市稅務局\""), "{page}");

        // The API's draft carries every item's units: renaming there is editing them.
        let token = s.login("supervisor").await;
        let (mut body, etag) = s.draft(plan_id, &token).await;
        body["items"][1]["units"][0]["name"] = json!("东莞市残疾人联合会");
        let (st, _) = s.put_draft(plan_id, &token, &body, &etag).await;
        assert_eq!(st, StatusCode::NO_CONTENT, "{name}");
        let (_, body) = s.call(M::GET, &format!("/api/v1/plans/{plan_id}/draft"), &token, None).await;
        let learned: Vec<&str> =
            body["learned_units"].as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap()).collect();
        assert_eq!(learned, ["市人力資源社會保障局", "东莞市医疗保障局", "市財政局", "东莞市残疾人联合会"], "{name}");

        // Published: the assignments carry the new names, each unit once per task.
        let (st, _, _) = sup.post_from(&review, &format!("/plans/{plan_id}/publish"), &[("_csrf", &csrf)]).await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{name}");
        let assignments = db.store.assignments(plan_id, None).await.unwrap();
        let mut seen: Vec<(i64, &str)> = assignments.iter().map(|a| (a.task_id, a.unit_name.as_str())).collect();
        assert_eq!(seen.len(), 5, "{name}: {assignments:?}");
        seen.dedup();
        assert_eq!(seen.len(), 5, "{name}: no unit twice on a task");
        let units: Vec<&str> = seen.iter().map(|(_, u)| *u).collect();
        assert_eq!(
            units,
            ["市人力資源社會保障局", "东莞市医疗保障局", "市財政局", "东莞市残疾人联合会", "市財政局"],
            "{name}"
        );
    }
}

#[tokio::test]
async fn notices_go_out_by_email_and_webhook_once_each() {
    use notify::testing::{http_receiver, smtp_sink};
    for db in store::testing::all().await {
        let name = db.name;
        let store = db.store.clone();
        store.load_directory(&plan::Directory::from_toml(UNITS).expect("units")).await.expect("directory");
        published(&store).await;
        let yujiang = store.unit_by_name("余江区").await.unwrap().unwrap();
        let mut input = store::directory::UnitInput {
            name: yujiang.name.clone(),
            kind: yujiang.kind.clone(),
            district: yujiang.district.clone(),
            email: Some("yujiang@jyj.example".into()),
            ..Default::default()
        };
        store.update_unit(yujiang.id, &input).await.expect("email");
        input.email = Some("not-an-address".into());
        assert!(
            matches!(store.update_unit(yujiang.id, &input).await, Err(store::StoreError::Invalid { field, .. }) if field == "email")
        );

        let ran = store.run_due_jobs(chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(), 25, "a").await.unwrap();
        assert_eq!(ran.len(), 2, "{ran:?}");
        let notices = store.notifications(None, 1000).await.unwrap();
        let (smtp, mails) = smtp_sink().await;
        let (hook, posts) = http_receiver(200).await;
        let channels = notify::Channels {
            smtp_url: Some(format!("smtp://{smtp}")),
            mail_from: Some("督办系统 <duban@jyj.example>".into()),
            webhook_url: Some(hook),
        };
        // Two processes deliver at once: every notice goes out once.
        let (a, b) = tokio::join!(
            web::deliver_notices(&store, &channels, "process-a"),
            web::deliver_notices(&store, &channels, "process-b")
        );
        assert_eq!(a.unwrap() + b.unwrap(), notices.len(), "{name}");
        assert_eq!(posts.lock().unwrap().len(), notices.len());
        let mails = mails.lock().unwrap().clone();
        assert_eq!(mails.len(), 1, "only 余江区 has an address");
        assert_eq!(mails[0].0, "yujiang@jyj.example");
        let mine = notices.iter().find(|n| n.unit_id == yujiang.id).unwrap();
        let (delivered, note, attempts) = store.delivery_state(mine.id).await.unwrap();
        assert!(delivered.is_some() && note.unwrap().contains("已发送至 yujiang@jyj.example") && attempts == 1);
        assert_eq!(web::deliver_notices(&store, &channels, "process-a").await.unwrap(), 0, "nothing twice");

        // A receiver that fails: the notice is kept with the reason and tried again later.
        store.urge(yujiang.id, "2024-03", "请尽快报送").await.unwrap();
        let (down, _) = http_receiver(503).await;
        let failing = notify::Channels { webhook_url: Some(down), ..Default::default() };
        assert_eq!(web::deliver_notices(&store, &failing, "a").await.unwrap(), 1);
        let urge = store.notifications(Some(yujiang.id), 1).await.unwrap()[0].id;
        let (delivered, note, _) = store.delivery_state(urge).await.unwrap();
        assert_eq!((delivered, note.as_deref()), (None, Some("webhook 返回 503")));
        for _ in 0..10 {
            web::deliver_notices(&store, &failing, "a").await.unwrap();
        }
        assert_eq!(store.delivery_state(urge).await.unwrap().2, store::jobs::MAX_DELIVERY_ATTEMPTS, "then it gives up");
    }
}

#[tokio::test]
async fn the_bulletin_agrees_with_the_dashboard_and_stays_as_issued() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone()).await;
        let plan_id = published(&db.store).await;
        let rep = s.login("yujiang").await;
        let sup = s.login("supervisor").await;
        let (_, tasks) = s.call(M::GET, "/api/v1/tasks?period=2024-03", &rep, None).await;
        let ids: Vec<i64> =
            tasks.as_array().unwrap().iter().take(2).map(|t| t["assignment_id"].as_i64().unwrap()).collect();
        for (k, aid) in ids.iter().enumerate() {
            let path = format!("/api/v1/assignments/{aid}/reports/2024-03");
            let body =
                json!({"version": 0, "progress": "按计划推进", "problems": format!("问题{k}"), "self_status": "ahead"});
            s.call(M::PUT, &path, &rep, Some(body)).await;
            s.call(M::POST, &format!("{path}/submit"), &rep, None).await;
        }
        let review = format!("/api/v1/assignments/{}/reports/2024-03/review", ids[0]);
        s.call(M::POST, &review, &sup, Some(json!({"decision": "approve"}))).await;

        let url = format!("/api/v1/plans/{plan_id}/bulletins/2024-03");
        let (st, b) = s.call(M::GET, &url, &sup, None).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let (_, dash) = s.call(M::GET, &format!("/api/v1/dashboard?period=2024-03&plan={plan_id}"), &sup, None).await;
        let tally = |t: &Value| -> Vec<(String, u64)> {
            t["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| (r["status"].as_str().unwrap().to_string(), r["count"].as_u64().unwrap()))
                .collect()
        };
        let dash_counts = |c: &Value| -> Vec<(String, u64)> {
            domain::Status::ALL.iter().map(|s| (s.key().to_string(), c["counts"][s.key()].as_u64().unwrap())).collect()
        };
        assert_eq!(tally(&b["overview"]["assignments"]), dash_counts(&dash["assignments"]), "{name}");
        assert_eq!(tally(&b["overview"]["items"]), dash_counts(&dash["items"]));
        let reports = &b["overview"]["reports"];
        assert_eq!(reports["due"], dash["assignments"]["total"]);
        assert_eq!((reports["on_time"].as_u64(), reports["late"].as_u64()), (Some(2), Some(0)));
        assert_eq!(reports["missing"].as_u64().unwrap() + 2, reports["due"].as_u64().unwrap());
        let missing: Vec<&str> =
            b["problems"]["missing"].as_array().unwrap().iter().map(|u| u["unit"].as_str().unwrap()).collect();
        assert!(missing.contains(&"月湖区") && !missing.is_empty(), "{missing:?}");

        // Every format, from the same model.
        for (format, magic) in [("docx", &b"PK"[..]), ("xlsx", b"PK"), ("pdf", b"%PDF"), ("csv", "\u{feff}".as_bytes())]
        {
            let r = s.http.get(format!("{}{url}?format={format}", s.base)).bearer_auth(&sup).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{format}");
            assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
            assert!(r.bytes().await.unwrap().starts_with(magic), "{format}");
        }
        let (st, _) = s.call(M::GET, &format!("{url}?format=doc"), &sup, None).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let (st, _) = s.call(M::GET, &url, &rep, None).await;
        assert_eq!(st, StatusCode::FORBIDDEN);

        // Nothing is issued without the office's 下步要求: refused, nothing published.
        let (st, p) = s.call(M::POST, &format!("{url}/publish"), &sup, None).await;
        assert_eq!(st, StatusCode::CONFLICT, "{p}");
        assert!(p["detail"].as_str().unwrap().contains("下步要求"), "{p}");
        assert!(db.store.published_bulletin(plan_id, "2024-03".parse().unwrap()).await.unwrap().is_none());
        db.store.set_bulletin_requirements(plan_id, "2024-03".parse().unwrap(), "各单位要加快推进。").await.unwrap();
        let (_, b) = s.call(M::GET, &url, &sup, None).await;
        // Issued, it no longer moves with the data; a corrected bulletin is a new version.
        let (st, snap) = s.call(M::POST, &format!("{url}/publish"), &sup, None).await;
        assert_eq!((st, snap["version"].as_i64()), (StatusCode::CREATED, Some(1)));
        let review = format!("/api/v1/assignments/{}/reports/2024-03/review", ids[1]);
        s.call(M::POST, &review, &sup, Some(json!({"decision": "approve"}))).await;
        let (_, issued) = s.call(M::GET, &url, &sup, None).await;
        let (_, live) = s.call(M::GET, &format!("{url}?live=true"), &sup, None).await;
        assert_eq!(issued, b, "the issued bulletin is what was published");
        assert_ne!(tally(&live["overview"]["assignments"]), tally(&b["overview"]["assignments"]), "the data moved on");
        let (_, snap) = s.call(M::POST, &format!("{url}/publish"), &sup, None).await;
        assert_eq!(snap["version"], 2);
    }
}

#[tokio::test]
async fn school_data_drives_the_assessments_and_bound_targets() {
    const KINDERGARTENS: &[u8] = include_bytes!("../../../data/schools/yingtan-kindergartens.csv");
    const SCHOOLS: &[u8] = include_bytes!("../../../data/schools/yingtan-compulsory.csv");
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone()).await;
        let plan_id = published(&db.store).await;
        let sup = s.login("supervisor").await;
        let rep = s.login("yujiang").await;
        let upload = |token: String, kind: &str, as_of: &str, file: Vec<u8>, accept: bool| {
            let form = reqwest::multipart::Form::new()
                .text("kind", kind.to_string())
                .text("as_of", as_of.to_string())
                .text("accept_valid", accept.to_string())
                .part("file", reqwest::multipart::Part::bytes(file).file_name("data.csv"));
            s.http.post(format!("{}/api/v1/school-data", s.base)).bearer_auth(token).multipart(form).send()
        };
        // A file with a bad row: refused whole, the row named; accepted explicitly, the rest kept.
        let mut bad = String::from_utf8(KINDERGARTENS.to_vec()).unwrap();
        bad.push_str("坏数据幼儿园,余江区,公营,是,120\n");
        let r = upload(sup.clone(), "kindergartens", "2024-02-01", bad.clone().into_bytes(), false).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("办别“公营”无效"));
        let r = upload(sup.clone(), "kindergartens", "2024-02-01", bad.into_bytes(), true).await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let snap: Value = r.json().await.unwrap();
        assert_eq!((snap["rows"].as_i64(), snap["skipped"].as_i64()), (Some(90), Some(1)), "{name}");
        let r = upload(rep.clone(), "kindergartens", "2024-03-01", KINDERGARTENS.to_vec(), false).await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = upload(sup.clone(), "kindergartens", "2024-03-01", KINDERGARTENS.to_vec(), false).await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let r = upload(sup.clone(), "schools", "2024-03-01", SCHOOLS.to_vec(), false).await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let (_, history) = s.call(M::GET, "/api/v1/school-data", &sup, None).await;
        assert_eq!(history.as_array().unwrap().len(), 3, "every snapshot kept");

        // The shares are totals over totals, computed here independently from the file.
        let mut by_county: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
        for line in String::from_utf8(KINDERGARTENS.to_vec()).unwrap().lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            let children: u64 = cells[4].trim().parse().unwrap();
            let e = by_county.entry(cells[1].to_string()).or_default();
            e.1 += children;
            if cells[2] == "公办" {
                e.0 += children;
            }
        }
        let (public, all) = by_county.values().fold((0, 0), |(p, a), (x, y)| (p + x, a + y));
        let (st, pre) = s.call(M::GET, "/api/v1/assess/preschool", &sup, None).await;
        assert_eq!(st, StatusCode::OK);
        assert!((pre["city"]["public_share"].as_f64().unwrap() - public as f64 / all as f64).abs() < 1e-12);
        let (st, bal) = s.call(M::GET, "/api/v1/assess/balance", &sup, None).await;
        assert_eq!(st, StatusCode::OK);
        assert!(bal["counties"].as_array().unwrap().iter().any(|c| c["county"] == "余江区"));

        // A target bound to the data: units no longer report it; their value is their county's.
        let (_, plan) = s.call(M::GET, &format!("/api/v1/plans/{plan_id}?period=2024-03"), &sup, None).await;
        let item = plan["sections"][2]["items"][0].clone();
        let share = item["indicators"][2]["id"].as_i64().unwrap();
        let (st, _) = s
            .call(M::PUT, &format!("/api/v1/indicators/{share}"), &sup, Some(json!({"source": "preschool.nonsense"})))
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let (st, ind) = s
            .call(
                M::PUT,
                &format!("/api/v1/indicators/{share}"),
                &sup,
                Some(json!({"source": "preschool.public_share"})),
            )
            .await;
        assert_eq!((st, ind["source"].as_str()), (StatusCode::OK, Some("preschool.public_share")));
        let aid =
            item["units"].as_array().unwrap().iter().find(|u| u["unit_name"] == "余江区").unwrap()["assignment_id"]
                .as_i64()
                .unwrap();
        let body = json!({"version": 0, "progress": "x", "values": {share.to_string(): 60}});
        let (st, v) = s.call(M::PUT, &format!("/api/v1/assignments/{aid}/reports/2024-03"), &rep, Some(body)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(v["detail"].as_str().unwrap().contains("由学校数据计算"), "{v}");
        let (_, plan) = s.call(M::GET, &format!("/api/v1/plans/{plan_id}?period=2024-03"), &sup, None).await;
        let unit = plan["sections"][2]["items"][0]["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit_name"] == "余江区")
            .unwrap()
            .clone();
        let (p, a) = by_county["余江区"];
        let expected = (p as f64 / a as f64 * 1000.0).round() / 10.0;
        assert_eq!(unit["values"][share.to_string()].as_f64(), Some(expected), "{unit}");
        // Before the data's date there is no figure.
        let (_, plan) = s.call(M::GET, &format!("/api/v1/plans/{plan_id}?period=2024-01"), &sup, None).await;
        let unit = plan["sections"][2]["items"][0]["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit_name"] == "余江区")
            .unwrap()
            .clone();
        assert!(unit["values"].get(share.to_string()).is_none(), "{unit}");

        // A resource indicator of the library: a ratio of sums over the county's schools.
        let (_, sources) = s.call(M::GET, "/api/v1/indicator-sources", &rep, None).await;
        let rooms = sources.as_array().unwrap().iter().find(|x| x["key"] == "balance.junior.6").unwrap().clone();
        assert_eq!(rooms["label"], "初中每百名学生拥有网络多媒体教室数");
        let (mut sum_rooms, mut sum_students) = (0.0, 0.0);
        for line in String::from_utf8(SCHOOLS.to_vec()).unwrap().lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            if cells[1] == "余江区" && cells[2] == "初中" {
                sum_students += cells[3].trim().parse::<f64>().unwrap();
                sum_rooms += cells[10].trim().parse::<f64>().unwrap();
            }
        }
        let other = item["indicators"][0]["id"].as_i64().unwrap();
        let (st, _) = s
            .call(M::PUT, &format!("/api/v1/indicators/{other}"), &sup, Some(json!({"source": "balance.junior.6"})))
            .await;
        assert_eq!(st, StatusCode::OK);
        let (_, plan) = s.call(M::GET, &format!("/api/v1/plans/{plan_id}?period=2024-03"), &sup, None).await;
        let unit = plan["sections"][2]["items"][0]["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit_name"] == "余江区")
            .unwrap()
            .clone();
        let expected = (sum_rooms / sum_students * 100.0 * 100.0).round() / 100.0;
        assert_eq!(unit["values"][other.to_string()].as_f64(), Some(expected), "{unit}");

        let mut page = Browser::new(&s);
        page.login("supervisor", PASSWORD).await;
        let (st, html, _) = page.get("/assess").await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains("id=\"balance\"") && html.contains("id=\"preschool\"") && html.contains("<svg"));
        let mut reporter = Browser::new(&s);
        reporter.login("yujiang", PASSWORD).await;
        assert_eq!(reporter.get("/assess").await.0, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn year_end_scores_come_from_the_data_and_stay_as_published() {
    for db in store::testing::all().await {
        let name = db.name;
        let st = &db.store;
        let s = start(st.clone()).await;
        let plan_id = published(st).await;
        let sup = s.login("supervisor").await;
        let yujiang = st.unit_by_name("余江区").await.unwrap().unwrap();
        let yuehu = st.unit_by_name("月湖区").await.unwrap().unwrap();
        let feb: domain::Period = "2024-02".parse().unwrap();
        let work = st.worklist(Some(yujiang.id), feb, 25).await.unwrap();
        let day = |d| chrono::NaiveDate::from_ymd_opt(2024, 2, d).unwrap();
        // Three reports on time (one returned once), one late.
        for (k, w) in work.iter().take(4).enumerate() {
            let input = store::reports::ReportInput { progress: format!("进展{k}"), ..Default::default() };
            st.save_report(w.assignment_id, feb, &input, 0, feb, None).await.unwrap();
            st.submit_report(w.assignment_id, feb, if k == 3 { day(27) } else { day(20) }, 25, None, false)
                .await
                .unwrap();
        }
        use store::reports::Decision::{Approve, Return};
        st.review_report(work[0].assignment_id, feb, Approve, None, None).await.unwrap();
        st.review_report(work[1].assignment_id, feb, Approve, None, None).await.unwrap();
        st.review_report(work[2].assignment_id, feb, Return, Some("补充数据"), None).await.unwrap();
        let v = st.report(work[2].assignment_id, feb).await.unwrap().version;
        st.save_report(
            work[2].assignment_id,
            feb,
            &store::reports::ReportInput { progress: "补充".into(), ..Default::default() },
            v,
            feb,
            None,
        )
        .await
        .unwrap();
        st.submit_report(work[2].assignment_id, feb, day(24), 25, None, false).await.unwrap();
        st.review_report(work[2].assignment_id, feb, Approve, None, None).await.unwrap();

        let url = format!("/api/v1/plans/{plan_id}/scores?period=2024-03");
        let (code, scores) = s.call(M::GET, &url, &sup, None).await;
        assert_eq!(code, StatusCode::OK, "{scores}");
        let district = |scores: &Value, unit: &str| -> Value {
            scores["districts"].as_array().unwrap().iter().find(|d| d["unit"] == unit).unwrap().clone()
        };
        let y = district(&scores, "余江区");
        let component = |d: &Value, c: &str| {
            d["components"].as_array().unwrap().iter().find(|x| x["component"] == c).unwrap().clone()
        };
        // January and February were due by March 20: 29 tasks × 2 months.
        let on_time = component(&y, "reports_on_time");
        assert_eq!(
            (on_time["measure"]["done"].as_f64(), on_time["measure"]["of"].as_f64()),
            (Some(3.0), Some(58.0)),
            "{name}"
        );
        let first = component(&y, "first_pass");
        assert_eq!((first["measure"]["done"].as_f64(), first["measure"]["of"].as_f64()), (Some(2.0), Some(3.0)));
        let points = first["points"].as_f64().unwrap();
        assert!((points - (first["effective_weight"].as_f64().unwrap() * 2.0 / 3.0)).abs() < 0.01, "{first}");

        // The office's items: a reason is required; a veto puts a district last with 0.
        let adj = format!("/api/v1/plans/{plan_id}/score-adjustments");
        let (code, _) = s
            .call(
                M::POST,
                &adj,
                &sup,
                Some(json!({"unit_id": yujiang.id, "kind": "bonus", "points": 3, "reason": " "})),
            )
            .await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
        let (code, _) = s
            .call(
                M::POST,
                &adj,
                &sup,
                Some(json!({"unit_id": yuehu.id, "kind": "veto", "points": 0, "reason": "发生重大安全责任事故"})),
            )
            .await;
        assert_eq!(code, StatusCode::CREATED);
        let (_, scores) = s.call(M::GET, &url, &sup, None).await;
        let last = scores["districts"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            (last["unit"].as_str(), last["total"].as_f64(), last["vetoed"].as_bool()),
            (Some("月湖区"), Some(0.0), Some(true))
        );

        // Published results do not move with the data or the scheme.
        let (code, published) = s
            .call(
                M::POST,
                &format!("/api/v1/plans/{plan_id}/scores/publish"),
                &sup,
                Some(json!({"period": "2024-03", "appeal_days": 7})),
            )
            .await;
        assert_eq!(code, StatusCode::CREATED);
        assert_eq!(published["published"]["appeal_until"], "2024-03-27");
        let (code, _) = s
            .call(
                M::PUT,
                &format!("/api/v1/plans/{plan_id}/scoring-scheme"),
                &sup,
                Some(json!({"max": 100, "weights": [["targets", 50], ["milestones", 10]], "bonus_cap": 5})),
            )
            .await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "weights must add up to full marks");
        let (code, v) = s.call(M::PUT, &format!("/api/v1/plans/{plan_id}/scoring-scheme"), &sup, Some(json!({"max": 100, "weights": [["targets", 100], ["milestones", 0], ["reports_on_time", 0], ["first_pass", 0]], "bonus_cap": 0}))).await;
        assert_eq!((code, v["version"].as_i64()), (StatusCode::OK, Some(1)));
        s.call(
            M::POST,
            &adj,
            &sup,
            Some(json!({"unit_id": yujiang.id, "kind": "deduction", "points": 5, "reason": "数据不实"})),
        )
        .await;
        let (_, now) = s.call(M::GET, &url, &sup, None).await;
        assert_eq!(now, published, "what was published stays");
        let (_, live) = s.call(M::GET, &format!("{url}&live=true"), &sup, None).await;
        assert_eq!(live["scheme_version"], 1);
        assert_ne!(district(&live, "余江区")["total"], district(&published, "余江区")["total"]);
        let rep = s.login("yujiang").await;
        assert_eq!(s.call(M::GET, &url, &rep, None).await.0, StatusCode::FORBIDDEN);

        let mut page = Browser::new(&s);
        page.login("supervisor", PASSWORD).await;
        let (code, html, _) = page.get(&format!("/plans/{plan_id}/scores")).await;
        assert_eq!(code, StatusCode::OK);
        assert!(
            html.contains("id=\"scores\"") && html.contains("一票否决") && html.contains("申诉期至 2024-03-27"),
            "{html}"
        );
        let csrf = page.csrf().await;
        let scores_url = format!("/plans/{plan_id}/scores/scheme");
        let weights = |first_pass: &'static str| {
            [
                ("_csrf", csrf.clone()),
                ("weight_targets", "70".to_string()),
                ("weight_milestones", "10".to_string()),
                ("weight_reports_on_time", "10".to_string()),
                ("weight_first_pass", first_pass.to_string()),
                ("bonus_cap", "3".to_string()),
            ]
        };
        let form = weights("5");
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (code, html, _) = page.post(&scores_url, &form).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "95 is not full marks");
        assert!(html.contains("应等于满分"), "{html}");
        let form = weights("10");
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(page.post(&scores_url, &form).await.0, StatusCode::SEE_OTHER);
        assert_eq!(st.scoring_scheme(plan_id).await.unwrap().0, 2, "a new version");
    }
}

/// The plan and a reporter's work list go gzip-compressed to a client that accepts it, and
/// decompress to exactly what a client without gzip gets; a draft plan stays hidden from
/// reporters either way.
#[tokio::test]
async fn large_reads_are_compressed_for_clients_that_accept_gzip() {
    let db = store::testing::sqlite().await;
    let s = start(db.store.clone()).await;
    let plan_id = published(&db.store).await;
    let (sup, rep) = (s.login("supervisor").await, s.login("yujiang").await);
    let get = |path: String, token: String, encoding: Option<&'static str>| {
        let mut req = s.http.get(format!("{}{path}", s.base)).bearer_auth(token);
        if let Some(e) = encoding {
            req = req.header("accept-encoding", e);
        }
        async move {
            let r = req.send().await.expect("request");
            let encoding = r.headers().get("content-encoding").map(|v| v.to_str().expect("ascii").to_string());
            (r.status(), encoding, r.bytes().await.expect("body").to_vec())
        }
    };
    for (path, token) in [
        (format!("/api/v1/plans/{plan_id}?period=2024-03"), sup.clone()),
        ("/api/v1/tasks?period=2024-03".to_string(), rep.clone()),
    ] {
        let (status, encoding, plain) = get(path.clone(), token.clone(), None).await;
        assert_eq!((status, encoding), (StatusCode::OK, None), "{path}");
        let (status, encoding, packed) = get(path.clone(), token.clone(), Some("gzip, deflate, br")).await;
        assert_eq!((status, encoding.as_deref()), (StatusCode::OK, Some("gzip")), "{path}");
        let mut unpacked = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(packed.as_slice()), &mut unpacked).expect("gzip");
        assert_eq!(unpacked, plain, "{path}: the same JSON");
        assert!(packed.len() * 4 < plain.len(), "{path}: {} bytes packed, {} plain", packed.len(), plain.len());
        let (_, encoding, _) = get(path.clone(), token, Some("gzip;q=0, identity")).await;
        assert_eq!(encoding, None, "{path}: refused gzip is not sent");
    }
    // A draft is the bureau's alone, compressed or not.
    let directory = db.store.directory().await.expect("directory");
    let parsed = plan::parse(YINGTAN, &directory).expect("parse");
    let draft = db.store.import_plan("draft.txt", YINGTAN, &parsed, None).await.expect("import");
    let (status, _, _) = get(format!("/api/v1/plans/{draft}"), rep, Some("gzip")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = get(format!("/api/v1/plans/{draft}"), sup, Some("gzip")).await;
    assert_eq!(status, StatusCode::OK);
}
