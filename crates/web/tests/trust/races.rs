//! Issue H, items 4–7 and 15: every state change of a report is conditional on the state it
//! read (a lost race is 409, the history agrees with the winner), evidence only joins an
//! editable report and within its limits, an idempotency key answers only its own request,
//! and a page conflict never turns into a silent overwrite. Real concurrency against the
//! real server, on every backend.

#[allow(unused_imports)]
use super::*;

/// How many times each race is run.
const ROUNDS: usize = 20;

/// `n` assignments of 余江区 on the plan.
async fn yujiang_assignments(s: &Server, plan: i64, n: usize) -> Vec<i64> {
    let all = s.store.assignments(plan, None).await.expect("assignments");
    let ids: Vec<i64> = all.iter().filter(|a| a.unit_name == "余江区").map(|a| a.id).take(n).collect();
    assert_eq!(ids.len(), n, "余江区 has {n} assignments");
    ids
}

/// (assignment, period) pairs for `n` reports of 余江区 in 2024, none saved yet.
async fn report_slots(s: &Server, plan: i64, n: usize) -> Vec<(i64, String)> {
    let months = 11; // 2024-01 … 2024-11, the months open on 2024-11-10
    let assignments = yujiang_assignments(s, plan, n.div_ceil(months)).await;
    (0..n).map(|i| (assignments[i / months], format!("2024-{:02}", i % months + 1))).collect()
}

/// Saves a report of 余江区 as a draft; its new version.
async fn save(s: &Server, token: &str, a: i64, period: &str, version: i64, progress: &str) -> i64 {
    let (st, v) = s
        .call(
            Method::PUT,
            &format!("/api/v1/assignments/{a}/reports/{period}"),
            token,
            Some(json!({"version": version, "progress": progress})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "save {a} {period}: {v}");
    v["version"].as_i64().expect("version")
}

async fn submit(s: &Server, token: &str, a: i64, period: &str) -> (StatusCode, Value) {
    s.call(Method::POST, &format!("/api/v1/assignments/{a}/reports/{period}/submit"), token, None).await
}

/// The report's history: its actions, oldest first.
async fn actions(s: &Server, a: i64, period: &str) -> Vec<String> {
    let p: domain::Period = period.parse().expect("period");
    s.store.report_history(a, p).await.expect("history").into_iter().map(|e| e.action).collect()
}

/// A 409 answer: problem JSON with a Chinese detail.
fn assert_conflict(st: StatusCode, v: &Value, what: &str) {
    assert_eq!(st, StatusCode::CONFLICT, "{what}: {v}");
    let detail = v["detail"].as_str().unwrap_or("");
    assert!(detail.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{what}: Chinese detail: {v}");
}

/// Item 4: an approval and a return of one submitted report at the same moment. Exactly one
/// is applied (200, and its answer is what it did); the other is told the report changed
/// (409); the state and the history hold the winner's decision alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_two_concurrent_reviews_one_wins_and_the_other_is_told() {
    for db in store::testing::all().await {
        let s = start(db.store.clone(), config()).await;
        let plan = published(&s.store).await;
        let (reporter, supervisor) = (s.login("yujiang").await, s.login("supervisor").await);
        for (round, (a, period)) in report_slots(&s, plan, ROUNDS).await.into_iter().enumerate() {
            save(&s, &reporter, a, &period, 0, &format!("第 {round} 轮的进展")).await;
            let (st, v) = submit(&s, &reporter, a, &period).await;
            assert_eq!(st, StatusCode::OK, "{v}");
            let review = format!("/api/v1/assignments/{a}/reports/{period}/review");
            let approve = s.call(Method::POST, &review, &supervisor, Some(json!({"decision": "approve"})));
            let ret = s.call(
                Method::POST,
                &review,
                &supervisor,
                Some(json!({"decision": "return", "comment": "请补充数据"})),
            );
            let ((sa, va), (sr, vr)) = tokio::join!(approve, ret);
            let what = format!("{}: round {round}: approve {sa} {va}; return {sr} {vr}", db.name);
            let (winner, decided) = match (sa, sr) {
                (StatusCode::OK, _) => {
                    assert_conflict(sr, &vr, &what);
                    assert_eq!(va["state"], "approved", "{what}");
                    ("approve", "approved")
                }
                (_, StatusCode::OK) => {
                    assert_conflict(sa, &va, &what);
                    assert_eq!(vr["state"], "returned", "{what}");
                    assert_eq!(vr["review_comment"], "请补充数据", "{what}");
                    ("return", "returned")
                }
                _ => panic!("neither review won: {what}"),
            };
            let (_, now) =
                s.call(Method::GET, &format!("/api/v1/assignments/{a}/reports/{period}"), &reporter, None).await;
            assert_eq!(now["state"], decided, "{what}");
            assert_eq!(actions(&s, a, &period).await, ["save", "submit", winner], "{what}");
        }
    }
}

/// A multipart upload of `bytes` as `name` to a report; the answer.
async fn upload(s: &Server, token: &str, a: i64, period: &str, name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    let r = s
        .http
        .post(format!("{}/api/v1/assignments/{a}/reports/{period}/evidence", s.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = r.status();
    let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let v = r.json().await.unwrap_or(Value::Null);
    if status.is_client_error() {
        assert_eq!(ct, "application/problem+json", "{v}");
    }
    (status, v)
}

/// A text file of `size` bytes, different for every `seed` (so each is stored anew).
fn text_file(seed: usize, size: usize) -> Vec<u8> {
    let mut bytes = format!("佐证材料 {seed}\n").into_bytes();
    bytes.resize(size.max(bytes.len()), b'x');
    bytes
}

/// Item 5: an upload racing the report's submission. Whichever comes first, a submitted
/// report never gains a file afterwards: an upload that is accepted was stored before the
/// submission, one that comes after it is refused (409).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn evidence_never_joins_a_report_after_it_is_submitted() {
    for db in store::testing::all().await {
        let s = start(db.store.clone(), config()).await;
        let plan = published(&s.store).await;
        let token = s.login("yujiang").await;
        let mut refused = 0;
        for (round, (a, period)) in report_slots(&s, plan, ROUNDS).await.into_iter().enumerate() {
            save(&s, &token, a, &period, 0, "本月进展").await;
            // Large enough that writing the file takes a while after the state was checked.
            let file = text_file(round, 3 * 1024 * 1024);
            let ((su, vu), (ss, vs)) =
                tokio::join!(upload(&s, &token, a, &period, "纪要.txt", file), submit(&s, &token, a, &period));
            let what = format!("{}: round {round}: upload {su} {vu}; submit {ss} {vs}", db.name);
            assert_eq!(ss, StatusCode::OK, "{what}");
            let p: domain::Period = period.parse().expect("period");
            let report = s.store.report(a, p).await.expect("report");
            let submitted_at = report.submitted_at.clone().expect("submitted");
            match su {
                StatusCode::CREATED => {
                    assert!(report.evidence.iter().all(|e| e.uploaded_at <= submitted_at), "{what}: {report:?}");
                }
                _ => {
                    assert_conflict(su, &vu, &what);
                    assert!(report.evidence.is_empty(), "{what}");
                    refused += 1;
                }
            }
            // Once submitted, nothing more is taken.
            let (st, v) = upload(&s, &token, a, &period, "补充.txt", text_file(1000 + round, 100)).await;
            assert_conflict(st, &v, &what);
            assert!(s.store.report(a, p).await.expect("report").evidence.len() <= 1, "{what}");
        }
        println!("{}: {refused} of {ROUNDS} uploads came after the submission", db.name);
    }
}

/// Item 5: a report awaiting the unit head's sign-off, or approved, takes no file.
#[tokio::test]
async fn evidence_is_refused_while_awaiting_signoff_and_after_approval() {
    for db in store::testing::all().await {
        let s = start(db.store.clone(), config()).await;
        let plan = published(&s.store).await;
        s.store.set_setting("require_signoff", "true").await.expect("setting");
        let (token, head, supervisor) =
            (s.login("yujiang").await, s.login("yujiang_head").await, s.login("supervisor").await);
        let a = yujiang_assignments(&s, plan, 1).await[0];
        save(&s, &token, a, "2024-10", 0, "本月进展").await;
        let (st, v) = submit(&s, &token, a, "2024-10").await;
        assert_eq!((st, v["state"].as_str()), (StatusCode::OK, Some("pending_signoff")), "{v}");
        let (st, v) = upload(&s, &token, a, "2024-10", "a.txt", text_file(1, 10)).await;
        assert_conflict(st, &v, &format!("{}: awaiting sign-off", db.name));
        let base = format!("/api/v1/assignments/{a}/reports/2024-10");
        let (st, v) =
            s.call(Method::POST, &format!("{base}/signoff"), &head, Some(json!({"decision": "approve"}))).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let (st, v) =
            s.call(Method::POST, &format!("{base}/review"), &supervisor, Some(json!({"decision": "approve"}))).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let (st, v) = upload(&s, &token, a, "2024-10", "b.txt", text_file(2, 10)).await;
        assert_conflict(st, &v, &format!("{}: approved", db.name));
        assert!(
            s.store.report(a, "2024-10".parse().expect("p")).await.expect("report").evidence.is_empty(),
            "{}",
            db.name
        );
    }
}

/// Item 15: at most 20 files a report (422), the unit's daily allowance (413, a setting),
/// and no bidirectional or zero-width characters kept in a file's name.
#[tokio::test]
async fn evidence_is_bounded_per_report_and_per_unit_and_day() {
    for db in store::testing::all().await {
        let s = start(db.store.clone(), config()).await;
        let plan = published(&s.store).await;
        let token = s.login("yujiang").await;
        let admin = s.login("admin").await;
        let ids = yujiang_assignments(&s, plan, 2).await;
        save(&s, &token, ids[0], "2024-11", 0, "本月进展").await;
        // The name shows as "photoexe.jpg" in a browser that honours the override.
        let (st, v) = upload(&s, &token, ids[0], "2024-11", "photo\u{202E}gpj.exe\u{200B}.txt", text_file(0, 10)).await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        assert_eq!(v["file_name"], "photogpj.exe.txt", "{}", db.name);
        for i in 1..20 {
            let (st, v) = upload(&s, &token, ids[0], "2024-11", &format!("{i}.txt"), text_file(i, 10)).await;
            assert_eq!(st, StatusCode::CREATED, "{}: file {i}: {v}", db.name);
        }
        let (st, v) = upload(&s, &token, ids[0], "2024-11", "21.txt", text_file(21, 10)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{}: the 21st file: {v}", db.name);
        assert!(v["detail"].as_str().unwrap_or("").contains("最多上传 20 个"), "{v}");
        let p: domain::Period = "2024-11".parse().expect("p");
        assert_eq!(s.store.report(ids[0], p).await.expect("report").evidence.len(), 20, "{}", db.name);

        // The daily allowance is the system administrator's setting; 200 MB unless changed.
        let (st, v) = s.call(Method::GET, "/api/v1/settings", &admin, None).await;
        assert_eq!((st, v["evidence_daily_mb"].as_i64()), (StatusCode::OK, Some(200)), "{v}");
        let (st, v) = s
            .call(
                Method::PUT,
                "/api/v1/settings",
                &admin,
                Some(json!({"require_signoff": false, "evidence_daily_mb": 0})),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let (st, v) = s
            .call(
                Method::PUT,
                "/api/v1/settings",
                &admin,
                Some(json!({"require_signoff": false, "evidence_daily_mb": 2})),
            )
            .await;
        assert_eq!((st, v["evidence_daily_mb"].as_i64()), (StatusCode::OK, Some(2)), "{v}");
        // On another report of the unit: 1.5 MB fits in 2 MB, another 1.5 MB does not.
        save(&s, &token, ids[1], "2024-11", 0, "本月进展").await;
        let (st, v) = upload(&s, &token, ids[1], "2024-11", "a.txt", text_file(100, 1536 * 1024)).await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let (st, v) = upload(&s, &token, ids[1], "2024-11", "b.txt", text_file(101, 1536 * 1024)).await;
        assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{}: over the daily allowance: {v}", db.name);
        assert!(v["detail"].as_str().unwrap_or("").contains("2 MB 上限"), "{v}");
        assert_eq!(s.store.report(ids[1], p).await.expect("report").evidence.len(), 1, "{}", db.name);
    }
}

/// A save with an idempotency key.
async fn keyed(
    s: &Server,
    token: &str,
    method: Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    s.call_keyed(method, path, token, body, Some(key)).await
}

/// Item 6: an idempotency key answers the request it was first used for, and only that one:
/// the same key with another body, on another report or for another operation is 422 and
/// changes nothing; another user's identical key is theirs alone.
#[tokio::test]
async fn an_idempotency_key_is_bound_to_its_request() {
    for db in store::testing::all().await {
        let s = start(db.store.clone(), config()).await;
        let plan = published(&s.store).await;
        let token = s.login("yujiang").await;
        let ids = yujiang_assignments(&s, plan, 2).await;
        let here = format!("/api/v1/assignments/{}/reports/2024-11", ids[0]);
        let there = format!("/api/v1/assignments/{}/reports/2024-11", ids[1]);
        let first = json!({"version": 0, "progress": "第一次"});
        let (st, v) = keyed(&s, &token, Method::PUT, &here, "k-1", Some(first.clone())).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        // A retry of the same request: the same answer, nothing written twice.
        let (st, again) = keyed(&s, &token, Method::PUT, &here, "k-1", Some(first.clone())).await;
        assert_eq!((st, &again), (StatusCode::OK, &v), "{}", db.name);
        let refused = [
            (Method::PUT, here.clone(), Some(json!({"version": 1, "progress": "另一份内容"})), "another body"),
            (Method::PUT, there.clone(), Some(first.clone()), "another assignment"),
            (Method::POST, format!("{here}/submit"), None, "another operation"),
        ];
        for (method, path, body, what) in refused {
            let (st, v) = keyed(&s, &token, method, &path, "k-1", body).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{}: {what}: {v}", db.name);
            assert!(v["detail"].as_str().unwrap_or("").contains("已用于另一个请求"), "{what}: {v}");
        }
        let (_, now) = s.call(Method::GET, &here, &token, None).await;
        assert_eq!(
            (now["progress"].as_str(), now["state"].as_str(), now["version"].as_i64()),
            (Some("第一次"), Some("draft"), Some(1))
        );
        let (_, other) = s.call(Method::GET, &there, &token, None).await;
        assert_eq!(other["state"], "new", "{}: the other assignment was not written", db.name);
        assert_eq!(actions(&s, ids[0], "2024-11").await, ["save"], "{}", db.name);

        // The same key by another user is another key: stored, and retried, as theirs.
        let guixi = s.login("guixi").await;
        let all = s.store.assignments(plan, None).await.expect("assignments");
        let theirs = all.iter().find(|a| a.unit_name == "贵溪市").expect("贵溪市").id;
        let path = format!("/api/v1/assignments/{theirs}/reports/2024-11");
        let body = json!({"version": 0, "progress": "贵溪的进展"});
        let (st, v) = keyed(&s, &guixi, Method::PUT, &path, "k-1", Some(body.clone())).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let (st, again) = keyed(&s, &guixi, Method::PUT, &path, "k-1", Some(body)).await;
        assert_eq!((st, &again), (StatusCode::OK, &v), "{}: another user's retry", db.name);
    }
}

/// The value of the hidden input `name` in a page.
fn hidden(page: &str, name: &str) -> String {
    let at =
        page.find(&format!("name=\"{name}\" value=\"")).unwrap_or_else(|| panic!("{name} in {page}")) + name.len() + 15;
    page[at..].split('"').next().unwrap_or("").to_string()
}

/// Item 7: two browser tabs edit one report. After the second tab's save is refused, its
/// page shows the stored text beside the typed one; posting that page again (as 保存 does)
/// is again a conflict, and only the explicit "以我的内容覆盖" replaces the other tab's text.
#[tokio::test]
async fn a_page_conflict_is_never_resolved_by_saving_again() {
    for db in store::testing::all().await {
        let s = start(db.store.clone(), config()).await;
        let plan = published(&s.store).await;
        let a = yujiang_assignments(&s, plan, 1).await[0];
        let path = format!("/assignments/{a}/reports/2024-11");
        let (one, two) = (s.browser("yujiang").await, s.browser("yujiang_head").await);
        let (csrf1, csrf2) = (one.csrf().await, two.csrf().await);
        let (_, page1, _) = one.get(&path).await;
        let (_, page2, _) = two.get(&path).await;
        let (v1, v2) = (hidden(&page1, "version"), hidden(&page2, "version"));
        assert_eq!((v1.as_str(), v2.as_str()), ("0", "0"));
        let (st, _, _) =
            one.post(&path, &[("_csrf", &csrf1), ("version", &v1), ("progress", "甲页写的"), ("action", "save")]).await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{}: the first tab saves", db.name);

        let form = |version: &str, action: &'static str| {
            vec![
                ("_csrf".to_string(), csrf2.clone()),
                ("version".to_string(), version.to_string()),
                ("progress".to_string(), "乙页写的".to_string()),
                ("action".to_string(), action.to_string()),
            ]
        };
        let (two, path) = (&two, &path);
        let post = |fields: Vec<(String, String)>| async move {
            let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            two.post(path, &refs).await
        };
        let (st, conflict, _) = post(form(&v2, "save")).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{}", db.name);
        assert!(conflict.contains("id=\"conflict\""), "{}: the page shows the conflict", db.name);
        assert!(conflict.contains("甲页写的") && conflict.contains("乙页写的"), "{}: both texts shown", db.name);
        assert!(conflict.contains("以我的内容覆盖") && conflict.contains("放弃我的修改,载入最新内容"), "{}", db.name);
        // The page still carries the version its text was typed over.
        let stale = hidden(&conflict, "version");
        assert_eq!(stale, "0", "{}", db.name);
        // Posting the refused page again, as a save or a submission: still a conflict.
        for action in ["save", "submit"] {
            let (st, again, _) = post(form(&stale, action)).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{}: {action} again", db.name);
            assert!(again.contains("id=\"conflict\""), "{}: {action} again", db.name);
            let stored = s.store.report(a, "2024-11".parse().expect("p")).await.expect("report");
            assert_eq!(stored.input.progress, "甲页写的", "{}: {action} again overwrote the other tab", db.name);
        }
        // The explicit choice overwrites, naming the version it saw.
        let latest = hidden(&conflict, "latest_version");
        let mut choice = form(&stale, "overwrite");
        choice.push(("latest_version".to_string(), latest));
        let (st, _, _) = post(choice).await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{}: overwrite", db.name);
        let stored = s.store.report(a, "2024-11".parse().expect("p")).await.expect("report");
        assert_eq!(stored.input.progress, "乙页写的", "{}", db.name);
    }
}

/// The plan/bulletin/scoring publications: two at once each publish a version of their own
/// or are told the other got in first (409) — never a server error, never one version twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_publications_number_their_versions_or_conflict() {
    for db in store::testing::all().await {
        // The month's scheduled jobs run before the server starts: their snapshot of the
        // closed month's bulletin is version 1, and the server's own scheduler, finding the
        // month's jobs done, cannot add a version the test did not ask for while it runs.
        seed(&db.store, USERS).await;
        let plan = published(&db.store).await;
        db.store.run_due_jobs(config().today(), config().due_day, "test").await.expect("the month's jobs");
        let s = Setup { config: config(), ..Setup::default() }.serve(db.store.clone()).await;
        let snapshot = s.store.published_bulletin(plan, "2024-10".parse().expect("period")).await.expect("snapshot");
        let first = snapshot.map_or(0, |b| b.version);
        assert_eq!(first, 1, "{}: the scheduled snapshot", db.name);
        let supervisor = s.login("supervisor").await;
        let p: domain::Period = "2024-10".parse().expect("period");
        s.store.set_bulletin_requirements(plan, p, "各单位要加快推进。").await.expect("requirements");
        let (mut bulletins, mut scores) = (0, 0);
        for round in 0..ROUNDS / 2 {
            let before = (bulletins, scores);
            let bulletin = format!("/api/v1/plans/{plan}/bulletins/2024-10/publish");
            let score = format!("/api/v1/plans/{plan}/scores/publish");
            let body = || Some(json!({"period": "2024-10", "appeal_days": 7}));
            let (b1, b2, s1, s2) = tokio::join!(
                s.call(Method::POST, &bulletin, &supervisor, None),
                s.call(Method::POST, &bulletin, &supervisor, None),
                s.call(Method::POST, &score, &supervisor, body()),
                s.call(Method::POST, &score, &supervisor, body()),
            );
            for (what, (st, v)) in [("bulletin", b1), ("bulletin", b2), ("scores", s1), ("scores", s2)] {
                match (st, what) {
                    (StatusCode::CREATED, "bulletin") => bulletins += 1,
                    (StatusCode::CREATED, _) => scores += 1,
                    _ => assert_conflict(st, &v, &format!("{}: round {round}: {what}", db.name)),
                }
            }
            // Of two at once, at least one is published.
            assert!(bulletins > before.0 && scores > before.1, "{}: round {round}", db.name);
        }
        // Every acknowledged publication is a version of its own: 1, 2, … with no gaps.
        let latest = s.store.published_bulletin(plan, p).await.expect("bulletin").map_or(0, |b| b.version);
        assert_eq!(latest, first + bulletins, "{}", db.name);
        let latest =
            s.store.published_scores(plan).await.expect("scores").and_then(|x| x.published).map_or(0, |x| x.version);
        assert_eq!(latest, scores, "{}", db.name);
    }
}

/// Two reviewers edit one draft. The second's edit, made on the draft as it was before the
/// first saved, is refused and the first's stands: 412 in the API, and on the page a 409
/// showing the draft as it now is. An API edit without a version is 428. Of two saves made
/// at once on one version exactly one lands. Publishing a draft that changed after it was
/// read is refused the same way, and the plan stays a draft.
#[tokio::test]
async fn of_two_reviewers_editing_one_draft_the_second_is_told() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone(), config()).await;
        let parsed = plan::parse(YINGTAN, &s.store.directory().await.expect("directory")).expect("parse");
        let id = s.store.import_plan("yingtan.txt", YINGTAN, &parsed, None).await.expect("import");
        let original = parsed.items[1].title.clone();
        let sup = s.login("supervisor").await;
        let path = format!("/api/v1/plans/{id}/draft");
        let (mut mine, etag) = s.draft(id, &sup).await;
        let (mut theirs, same) = s.draft(id, &sup).await;
        assert_eq!(etag, same, "{name}: one draft, one version");
        mine["items"][0]["title"] = json!("甲修改的标题");
        theirs["items"][1]["title"] = json!("乙修改的标题");
        let (st, _) = s.call_if_match(Method::PUT, &path, &sup, Some(&etag), Some(mine)).await;
        assert_eq!(st, StatusCode::NO_CONTENT, "{name}");
        let (st, v) = s.call_if_match(Method::PUT, &path, &sup, Some(&etag), Some(theirs.clone())).await;
        assert_eq!(st, StatusCode::PRECONDITION_FAILED, "{name}: {v}");
        assert!(v["detail"].as_str().unwrap_or("").contains("已被他人修改"), "{v}");
        let (st, v) = s.call_if_match(Method::PUT, &path, &sup, None, Some(theirs)).await;
        assert_eq!(st, StatusCode::PRECONDITION_REQUIRED, "{name}: {v}");
        let stored = s.store.parsed_plan(id).await.expect("draft");
        assert_eq!(
            (stored.items[0].title.as_str(), stored.items[1].title.as_str()),
            ("甲修改的标题", original.as_str())
        );

        // Two saves at once on one version: exactly one lands.
        let (draft, etag) = s.draft(id, &sup).await;
        let (mut a, mut b) = (draft.clone(), draft);
        a["items"][2]["title"] = json!("同时保存甲");
        b["items"][2]["title"] = json!("同时保存乙");
        let ((sa, _), (sb, _)) = tokio::join!(
            s.call_if_match(Method::PUT, &path, &sup, Some(&etag), Some(a)),
            s.call_if_match(Method::PUT, &path, &sup, Some(&etag), Some(b)),
        );
        let mut outcomes = [sa, sb];
        outcomes.sort();
        assert_eq!(outcomes, [StatusCode::NO_CONTENT, StatusCode::PRECONDITION_FAILED], "{name}");

        // A review page opened before another reviewer's save: its form saves nothing and
        // shows the newer draft; its 发布 publishes nothing.
        let browser = s.browser("supervisor").await;
        let review = format!("/plans/{id}/review");
        let (_, page, _) = browser.get(&review).await;
        let stale = hidden(&page, "version");
        let csrf = hidden(&page, "_csrf");
        let (mut newer, etag) = s.draft(id, &sup).await;
        newer["items"][3]["title"] = json!("丙在接口中修改的标题");
        assert_eq!(s.call_if_match(Method::PUT, &path, &sup, Some(&etag), Some(newer)).await.0, StatusCode::NO_CONTENT);
        let before = s.store.parsed_plan(id).await.expect("draft");
        let form = [("_csrf", csrf.as_str()), ("version", stale.as_str()), ("title_0", "旧页面上的修改")];
        let (st, page, _) = browser.post(&review, &form).await;
        assert_eq!(st, StatusCode::CONFLICT, "{name}");
        assert!(page.contains("已被他人修改,您的修改未保存") && page.contains("丙在接口中修改的标题"), "{page}");
        assert_ne!(hidden(&page, "version"), stale, "the page now carries the newer version");
        assert_eq!(s.store.parsed_plan(id).await.expect("draft"), before, "{name}: nothing saved");
        let publish = format!("/plans/{id}/publish");
        let (st, page, _) = browser.post(&publish, &[("_csrf", csrf.as_str()), ("version", stale.as_str())]).await;
        assert_eq!(st, StatusCode::CONFLICT, "{name}");
        assert!(page.contains("未发布"), "{page}");
        assert_eq!(s.store.plan(id).await.expect("plan").status, "draft", "{name}");

        // The API's publication with a stale If-Match: 412; with the current one it publishes.
        let publish = format!("/api/v1/plans/{id}/publish");
        let (st, _) = s.call_if_match(Method::POST, &publish, &sup, Some(&etag), None).await;
        assert_eq!(st, StatusCode::PRECONDITION_FAILED, "{name}");
        let (_, current) = s.draft(id, &sup).await;
        let (st, v) = s.call_if_match(Method::POST, &publish, &sup, Some(&current), None).await;
        assert_eq!(st, StatusCode::OK, "{name}: {v}");
        assert_eq!(s.store.tasks(id).await.expect("tasks")[3].title, "丙在接口中修改的标题", "{name}");
    }
}
