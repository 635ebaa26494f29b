//! Accounts: 三员分立 (no administrator obtains a business role alone), one idle rule for
//! every session, look-alike user names, and guessing one's current password. See main.rs.

#[allow(unused_imports)]
use super::*;

/// The audit records of `action` (or its prefix).
async fn audited(store: &Store, action: &str) -> Vec<store::audit::AuditRecord> {
    let q = store::audit::AuditQuery {
        from: None,
        to: None,
        actor: None,
        action: Some(action.into()),
        before_id: None,
        limit: 1000,
    };
    store.audit_records(&q).await.expect("audit")
}

/// The CSRF token of a page the session may open (the security administrator has no /home).
async fn csrf_at(b: &Browser<'_>, path: &str) -> String {
    csrf_of(&b.get(path).await.1)
}

async fn role_of(store: &Store, name: &str) -> Role {
    store.user_by_name(name).await.expect("lookup").expect("exists").role
}

async fn id_of(store: &Store, name: &str) -> i64 {
    store.user_by_name(name).await.expect("lookup").expect("exists").id
}

#[tokio::test]
async fn no_administrator_alone_obtains_a_business_role() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone(), config()).await;
        let security = s.login("security").await;
        let admin = s.login("admin").await;
        let auditor_id = id_of(&s.store, "auditor").await;
        let supervisor_id = id_of(&s.store, "supervisor").await;

        // The security administrator gives the auditor the supervisor role: only asked for.
        let path = format!("/api/v1/users/{auditor_id}/role");
        let (st, req) = s.call(Method::PUT, &path, &security, Some(json!({"role": "supervisor"}))).await;
        assert_eq!((st, req["state"].as_str()), (StatusCode::ACCEPTED, Some("pending")), "{name}: {req}");
        assert_eq!(role_of(&s.store, "auditor").await, Role::AuditAdmin, "{name}: nothing granted yet");
        let role_request = req["id"].as_i64().expect("id");
        // Nor can the one who asked confirm it.
        let confirm = format!("/api/v1/users/requests/{role_request}/confirm");
        let (st, v) = s.call(Method::POST, &confirm, &security, None).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {v}");
        assert!(v["detail"].as_str().unwrap_or("").contains("另一位管理员"), "{v}");
        assert_eq!(role_of(&s.store, "auditor").await, Role::AuditAdmin);

        // A reset gives the one who asks half a code; the old password still works and the
        // half alone signs nobody in.
        let (st, v) =
            s.call(Method::POST, &format!("/api/v1/users/{auditor_id}/password"), &security, Some(json!({}))).await;
        assert_eq!(st, StatusCode::ACCEPTED, "{name}: {v}");
        let half = v["code_first_half"].as_str().expect("half").to_string();
        assert_eq!(s.login_as("auditor", &half).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(s.login_as("auditor", PASSWORD).await.0, StatusCode::OK, "nothing changes before a confirmation");
        let reset_request = v["request"]["id"].as_i64().expect("id");
        let (st, _) =
            s.call(Method::POST, &format!("/api/v1/users/requests/{reset_request}/confirm"), &security, None).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

        // The system administrator cannot choose a password, neither for a new supervisor nor
        // in a reset; a new account signs in with nothing the administrator knows.
        let (st, v) = s
            .call(
                Method::POST,
                "/api/v1/users",
                &admin,
                Some(json!({"username": "shadow", "password": "Initial@2024", "role": "supervisor"})),
            )
            .await;
        assert_eq!((st, v["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("password")));
        let (st, created) = s
            .call(Method::POST, "/api/v1/users", &admin, Some(json!({"username": "shadow", "role": "supervisor"})))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{name}: {created}");
        let half = created["code_first_half"].as_str().expect("half");
        for guess in [half, "Initial@2024", PASSWORD] {
            assert_eq!(s.login_as("shadow", guess).await.0, StatusCode::UNAUTHORIZED, "{guess}");
        }
        let created_request = created["request"]["id"].as_i64().expect("id");
        let (st, _) =
            s.call(Method::POST, &format!("/api/v1/users/requests/{created_request}/confirm"), &admin, None).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "the maker cannot confirm");
        let (st, _) = s
            .call(
                Method::POST,
                &format!("/api/v1/users/{supervisor_id}/password"),
                &admin,
                Some(json!({"password": "Taken@2024over"})),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "no chosen password in a reset");
        assert_eq!(s.login_as("supervisor", "Taken@2024over").await.0, StatusCode::UNAUTHORIZED);

        // The real supervisor's reset: asked by the administrator, confirmed by the security
        // administrator; each sees one half, the user signs in with both and can do nothing
        // before choosing a password.
        let sup_token = s.login("supervisor").await;
        let (st, v) =
            s.call(Method::POST, &format!("/api/v1/users/{supervisor_id}/password"), &admin, Some(json!({}))).await;
        assert_eq!(st, StatusCode::ACCEPTED, "{v}");
        let first = v["code_first_half"].as_str().expect("half").to_string();
        assert_eq!(s.call(Method::GET, "/api/v1/me", &sup_token, None).await.0, StatusCode::OK, "not yet");
        let id = v["request"]["id"].as_i64().expect("id");
        let (st, d) = s.call(Method::POST, &format!("/api/v1/users/requests/{id}/confirm"), &security, None).await;
        assert_eq!(st, StatusCode::OK, "{name}: {d}");
        let second = d["code_second_half"].as_str().expect("second half").to_string();
        assert_eq!(s.call(Method::GET, "/api/v1/me", &sup_token, None).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(s.login_as("supervisor", &first).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(s.login_as("supervisor", &second).await.0, StatusCode::UNAUTHORIZED);
        let (st, v) = s.login_as("supervisor", &format!("{first}{second}")).await;
        assert_eq!((st, v["user"]["must_change_password"].as_bool()), (StatusCode::OK, Some(true)), "{v}");
        let code_token = v["token"].as_str().expect("token").to_string();
        let (st, v) = s.call(Method::GET, "/api/v1/tasks", &code_token, None).await;
        assert_eq!((st, v["code"].as_str()), (StatusCode::FORBIDDEN, Some("password_change_required")));
        let again = format!("/api/v1/users/requests/{id}/confirm");
        assert_eq!(s.call(Method::POST, &again, &security, None).await.0, StatusCode::CONFLICT, "decided once");

        // A second administrator confirms the role: now, and only now, it applies.
        let (st, d) = s.call(Method::POST, &confirm, &admin, None).await;
        assert_eq!((st, d["user"]["role"].as_str()), (StatusCode::OK, Some("supervisor")), "{name}: {d}");
        assert_eq!(role_of(&s.store, "auditor").await, Role::Supervisor);

        // The page follows the same rule.
        let page = s.browser("security").await;
        let csrf = csrf_at(&page, "/admin/users").await;
        let leader_id = id_of(&s.store, "leader").await;
        let (st, _, _) = page
            .post(
                &format!("/admin/users/{}/role", id_of(&s.store, "yuehu").await),
                &[("_csrf", &csrf), ("role", "supervisor")],
            )
            .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        assert_eq!(role_of(&s.store, "yuehu").await, Role::Reporter, "{name}: the page only asks too");
        let (_, html, _) = page.get("/admin/users").await;
        assert!(html.contains("待确认的申请") && html.contains("等待另一位管理员确认"), "{name}");
        let admin_page = s.browser("admin").await;
        let csrf = csrf_at(&admin_page, "/admin/users").await;
        let (st, html, _) = admin_page.post(&format!("/admin/users/{leader_id}/password"), &[("_csrf", &csrf)]).await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains("前半段"), "{name}");
        let (st, _, _) =
            admin_page.post(&format!("/admin/users/requests/{created_request}/confirm"), &[("_csrf", &csrf)]).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}: the maker cannot confirm on the page either");

        // Every step is in the audit log.
        let roles = audited(&s.store, "user.role").await;
        assert!(roles.iter().any(|r| r.actor == "security" && r.outcome == "202"), "{name}: {roles:?}");
        let confirmed = audited(&s.store, "user.request.confirm").await;
        assert!(confirmed.iter().any(|r| r.actor == "admin" && r.outcome == "200"), "{name}: {confirmed:?}");
        assert!(confirmed.iter().any(|r| r.actor == "security" && r.outcome == "200"));
        assert!(audited(&s.store, "user.reset_password").await.iter().any(|r| r.actor == "admin"));
        assert!(audited(&s.store, "user.create").await.iter().any(|r| r.actor == "admin" && r.outcome == "201"));
    }
}

#[tokio::test]
async fn an_idle_session_ends_for_the_pages_and_the_api_alike() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone(), config()).await;
        let page = s.browser("yujiang").await;
        let cookie_token = page.cookie.split_once('=').expect("cookie").1.to_string();
        let api_token = s.login("yujiang").await;
        assert_eq!(s.call(Method::GET, "/api/v1/me", &cookie_token, None).await.0, StatusCode::OK);

        // 31 minutes without a request, for both sessions.
        let idle =
            (chrono::Utc::now() - chrono::Duration::minutes(31)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let id = id_of(&s.store, "yujiang").await;
        let n = store::testing::execute(
            &s.store,
            &format!("UPDATE sessions SET last_seen_at = '{idle}' WHERE user_id = {id}"),
        )
        .await;
        assert_eq!(n, 2);
        let r = s.http.get(format!("{}/home", s.base)).header("cookie", &page.cookie).send().await.expect("get");
        let location = r.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or("");
        assert!(r.status() == StatusCode::SEE_OTHER && location.starts_with("/login"), "{name}");
        for token in [&cookie_token, &api_token] {
            let (st, v) = s.call(Method::GET, "/api/v1/me", token, None).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{name}: {v}");
            let (st, _) = s.call(Method::GET, "/api/v1/tasks", token, None).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{name}");
        }

        // A session in use stays alive.
        let fresh = s.login("yujiang").await;
        assert_eq!(s.call(Method::GET, "/api/v1/me", &fresh, None).await.0, StatusCode::OK);
    }
}

#[tokio::test]
async fn guessing_the_current_password_is_locked_like_signing_in() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone(), config()).await;
        let token = s.login("leader").await;
        let change = |current: &str| json!({"current_password": current, "new_password": "Fresh@2024abc"});
        for _ in 0..4 {
            let (st, v) = s.call(Method::POST, "/api/v1/me/password", &token, Some(change("Guess@2024x"))).await;
            assert_eq!(
                (st, v["errors"][0]["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some("current_password"))
            );
        }
        let r = s
            .http
            .post(format!("{}/api/v1/me/password", s.base))
            .bearer_auth(&token)
            .json(&change("Guess@2024x"))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{name}");
        assert_eq!(r.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("60"));
        let v: Value = r.json().await.expect("problem");
        assert_eq!(v["code"], "account_locked", "{v}");
        // Locked: even the right password changes nothing, and signing in is locked too.
        let (st, _) = s.call(Method::POST, "/api/v1/me/password", &token, Some(change(PASSWORD))).await;
        assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
        let r = s
            .http
            .post(format!("{}/api/v1/auth/login", s.base))
            .json(&json!({"username": "leader", "password": PASSWORD}))
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("60"), "{name}");
        s.store.unlock("leader").await.expect("unlock");
        assert_eq!(s.login_as("leader", PASSWORD).await.0, StatusCode::OK, "{name}: the password is unchanged");

        // The page: the same count, a Chinese answer with Retry-After, for signing in too.
        let page = s.browser("supervisor").await;
        let csrf = csrf_at(&page, "/account/password").await;
        let form = |current: &'static str| {
            [
                ("_csrf", csrf.clone()),
                ("current_password", current.to_string()),
                ("new_password", "Fresh@2024abc".to_string()),
                ("confirm_password", "Fresh@2024abc".to_string()),
            ]
        };
        for _ in 0..4 {
            let r = s
                .http
                .post(format!("{}/account/password", s.base))
                .header("cookie", &page.cookie)
                .form(&form("Guess@2024x"))
                .send()
                .await
                .expect("post");
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        }
        let r = s
            .http
            .post(format!("{}/account/password", s.base))
            .header("cookie", &page.cookie)
            .form(&form("Guess@2024x"))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{name}");
        assert_eq!(r.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("60"));
        assert!(r.text().await.expect("html").contains("登录失败次数过多"));
        let r = s
            .http
            .post(format!("{}/login", s.base))
            .form(&[("username", "supervisor"), ("password", PASSWORD)])
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("60"), "{name}");
    }
}

#[tokio::test]
async fn a_malformed_json_body_is_told_in_chinese() {
    let db = store::testing::sqlite().await;
    let s = start(db.store.clone(), config()).await;
    let token = s.login("leader").await;
    let english = ["missing field", "invalid type", "expected", "unknown variant", "line", "EOF", "deserialize"];
    let cases = [
        (json!({"current_password": "x"}), "new_password"),
        (json!({"current_password": 5, "new_password": "Fresh@2024abc"}), "current_password"),
    ];
    for (body, field) in cases {
        let (st, v) = s.call(Method::POST, "/api/v1/me/password", &token, Some(body)).await;
        let detail = v["detail"].as_str().expect("detail");
        assert_eq!((st, v["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{v}");
        assert!(detail.contains(field) && detail.contains("字段"), "{detail}");
        assert!(english.iter().all(|e| !detail.contains(e)), "{detail}");
    }
    let security = s.login("security").await;
    let leader = id_of(&s.store, "leader").await;
    let (st, v) =
        s.call(Method::PUT, &format!("/api/v1/users/{leader}/role"), &security, Some(json!({"role": "king"}))).await;
    let detail = v["detail"].as_str().expect("detail");
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(detail.contains("“king”无效") && detail.contains("supervisor"), "{detail}");
    assert!(english.iter().all(|e| !detail.contains(e)), "{detail}");
    let r = s
        .http
        .post(format!("{}/api/v1/me/password", s.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"current_password\": ")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: Value = r.json().await.expect("problem");
    let detail = v["detail"].as_str().expect("detail");
    assert!(detail.contains("不是有效的 JSON"), "{detail}");
    assert!(english.iter().all(|e| !detail.contains(e)), "{detail}");
}

#[tokio::test]
async fn look_alike_user_names_are_one_name() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone(), config()).await;
        let admin = s.login("admin").await;
        let add = |username: &str| json!({"username": username, "role": "reporter", "unit": "余江区"});
        for twin in ["YUJIANG", "ｙｕｊｉａｎｇ", " YuJiang "] {
            let (st, v) = s.call(Method::POST, "/api/v1/users", &admin, Some(add(twin))).await;
            assert_eq!(st, StatusCode::CONFLICT, "{name}: {twin}: {v}");
            assert!(v["detail"].as_str().unwrap_or("").contains("yujiang"), "{v}");
        }
        for hidden in ["yu\u{200b}jiang", "\u{feff}yujiang", "yu\u{200d}jiang2", "yu\u{a0}jiang", "yu\u{3164}jiang"] {
            let (st, v) = s.call(Method::POST, "/api/v1/users", &admin, Some(add(hidden))).await;
            assert_eq!((st, v["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("username")));
            assert!(v["detail"].as_str().unwrap_or("").contains("不可见字符"), "{v}");
        }
        // A new name is kept in its normal form.
        let (st, v) = s.call(Method::POST, "/api/v1/users", &admin, Some(add("ＺｈａｎｇＷｅｉ"))).await;
        assert_eq!((st, v["user"]["username"].as_str()), (StatusCode::CREATED, Some("zhangwei")), "{name}: {v}");
        assert_eq!(s.store.users().await.expect("users").len(), USERS.len() + 1, "{name}: no look-alike was added");

        // Signing in takes every spelling of the name, and they share one lock.
        for spelling in ["YUJIANG", "ｙｕｊｉａｎｇ", "YuJiang"] {
            let (st, v) = s.login_as(spelling, PASSWORD).await;
            assert_eq!((st, v["user"]["username"].as_str()), (StatusCode::OK, Some("yujiang")), "{name}: {spelling}");
        }
        for spelling in ["YUJIANG", "ｙｕｊｉａｎｇ", "Yujiang", "yujiang"] {
            s.login_as(spelling, "Wrong@2024x").await;
        }
        assert_eq!(s.login_as("ＹＵＪＩＡＮＧ", "Wrong@2024x").await.0, StatusCode::TOO_MANY_REQUESTS, "{name}");
        assert_eq!(s.login_as("yujiang", PASSWORD).await.0, StatusCode::TOO_MANY_REQUESTS);

        // The page says it in Chinese beside the field.
        let page = s.browser("admin").await;
        let csrf = csrf_at(&page, "/admin/users").await;
        let (st, html, _) = page
            .post("/admin/users", &[("_csrf", &csrf), ("username", "YUEHU"), ("role", "reporter"), ("unit", "月湖区")])
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(html.contains("id=\"error-username\"") && html.contains("视为同一个名字"), "{name}");
    }
}
