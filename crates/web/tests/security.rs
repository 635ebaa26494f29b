//! Issue F over HTTP, on every backend: lockout, forced password changes, signing out
//! everywhere, the audit log (and who may read it), rate limits on sign-in, and every route of
//! the router against every role.

mod support;

use std::collections::BTreeMap;
use support::*;

/// Every role, as the tests sign in: (user, role, unit). This file's own list, not the
/// harness's: the route table's test reads from it who may call each route (an inspector
/// among them; 月湖区's reporter the only one of another unit).
const SECURITY_USERS: &[User] = &[
    ("admin", Role::Admin, None),
    ("security", Role::SecurityAdmin, None),
    ("auditor", Role::AuditAdmin, None),
    ("supervisor", Role::Supervisor, Some("督导室")),
    ("leader", Role::Leader, None),
    ("inspector", Role::Inspector, None),
    ("yujiang", Role::Reporter, Some("余江区")),
    ("yujiang_head", Role::UnitHead, Some("余江区")),
    ("yuehu", Role::Reporter, Some("月湖区")),
];

async fn start(store: Store, config: web::Config) -> Server {
    Setup { users: SECURITY_USERS, config, ..Setup::default() }.start(store).await
}

#[tokio::test]
async fn lockout_forced_changes_and_logging_out_everywhere() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone(), config()).await;

        // Five wrong passwords lock the name, for the API and the page alike, right password
        // or not; the answer says for how long.
        for _ in 0..4 {
            assert_eq!(s.login_as("leader", "Wrong@2024x").await.0, StatusCode::UNAUTHORIZED);
        }
        let (st, v) = s.login_as("leader", "Wrong@2024x").await;
        assert_eq!((st, v["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("account_locked")), "{name}: {v}");
        assert!(v["detail"].as_str().expect("detail").contains("1 分钟"), "{v}");
        assert_eq!(s.login_as("leader", PASSWORD).await.0, StatusCode::TOO_MANY_REQUESTS);
        let (st, _, _) = s.page_login("leader", PASSWORD).await;
        assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "the page login shares the lock");
        let r = s
            .http
            .post(format!("{}/login", s.base))
            .form(&[("username", "leader"), ("password", PASSWORD)])
            .send()
            .await
            .expect("login");
        assert!(r.text().await.expect("html").contains("账户已暂时锁定"));

        // The administrator adds a user: it signs in with a one-time code (one half from the
        // administrator, one from the security administrator who confirms) and must change
        // it first; until then the API answers 403 saying so, and pages lead to the change form.
        let admin = s.login("admin").await;
        let security = s.login("security").await;
        let (st, _) = s
            .call(Method::POST, "/api/v1/users", &admin, Some(json!({"username": "boss", "role": "audit_admin"})))
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "administrators' roles are not the administrator's to give");
        let (st, created) = s
            .call(
                Method::POST,
                "/api/v1/users",
                &admin,
                Some(json!({"username": "zhangwei", "role": "reporter", "unit": "余江区"})),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{created}");
        assert_eq!(created["user"]["must_change_password"], true);
        let id = created["user"]["id"].as_i64().expect("id");
        let confirm = |r: &Value| format!("/api/v1/users/requests/{}/confirm", r["request"]["id"]);
        let (st, d) = s.call(Method::POST, &confirm(&created), &security, None).await;
        assert_eq!(st, StatusCode::OK, "{d}");
        let code = format!(
            "{}{}",
            created["code_first_half"].as_str().expect("half"),
            d["code_second_half"].as_str().expect("half")
        );
        let (st, v) = s.login_as("zhangwei", &code).await;
        assert_eq!((st, v["user"]["must_change_password"].as_bool()), (StatusCode::OK, Some(true)), "{v}");
        let token = v["token"].as_str().expect("token").to_string();
        let (st, v) = s.call(Method::GET, "/api/v1/tasks", &token, None).await;
        assert_eq!((st, v["code"].as_str()), (StatusCode::FORBIDDEN, Some("password_change_required")), "{v}");
        let (st, me) = s.call(Method::GET, "/api/v1/me", &token, None).await;
        assert_eq!((st, me["must_change_password"].as_bool()), (StatusCode::OK, Some(true)));
        let (st, cookie, location) = s.page_login("zhangwei", &code).await;
        assert_eq!((st, location.as_deref()), (StatusCode::SEE_OTHER, Some("/account/password")));
        let (_, _, location) = s.page(&cookie, "/home").await;
        assert_eq!(location.as_deref(), Some("/account/password"));
        let change = |current: &str, new: &str| json!({"current_password": current, "new_password": new});
        let (st, v) = s.call(Method::POST, "/api/v1/me/password", &token, Some(change(&code, &code))).await;
        assert_eq!((st, v["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("new_password")));
        let (st, v) = s.call(Method::POST, "/api/v1/me/password", &token, Some(change(&code, "ZhangWei@2024"))).await;
        assert_eq!(v["errors"][0]["message"], "密码不能包含用户名", "{v}");
        let (st2, _) = s.call(Method::POST, "/api/v1/me/password", &token, Some(change(&code, "Mine@2024abc"))).await;
        assert_eq!((st, st2), (StatusCode::UNPROCESSABLE_ENTITY, StatusCode::NO_CONTENT));
        assert_eq!(s.call(Method::GET, "/api/v1/tasks", &token, None).await.0, StatusCode::OK);
        // The browser signed in before the change is signed out by it.
        let (_, _, location) = s.page(&cookie, "/home").await;
        assert!(location.is_some_and(|l| l.starts_with("/login")), "{name}");

        // An administrator's reset, once confirmed: sessions end, the next sign-in must change
        // it again. The administrator cannot ask for the auditor's (the security administrator
        // can).
        let (st, v) = s.call(Method::POST, &format!("/api/v1/users/{id}/password"), &admin, Some(json!({}))).await;
        assert_eq!((st, v["request"]["state"].as_str()), (StatusCode::ACCEPTED, Some("pending")), "{v}");
        assert_eq!(s.call(Method::GET, "/api/v1/me", &token, None).await.0, StatusCode::OK, "not before confirmed");
        let (st, d) = s.call(Method::POST, &confirm(&v), &security, None).await;
        assert_eq!((st, d["user"]["must_change_password"].as_bool()), (StatusCode::OK, Some(true)), "{d}");
        assert_eq!(s.call(Method::GET, "/api/v1/me", &token, None).await.0, StatusCode::UNAUTHORIZED);
        let auditor = s.store.user_by_name("auditor").await.expect("lookup").expect("exists");
        let path = format!("/api/v1/users/{}/password", auditor.id);
        let (st, _) = s.call(Method::POST, &path, &admin, Some(json!({}))).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _) = s.call(Method::POST, &path, &security, Some(json!({}))).await;
        assert_eq!(st, StatusCode::ACCEPTED);

        // Log out everywhere: every token and browser of the user ends.
        let a = s.login("supervisor").await;
        let b = s.login("supervisor").await;
        let (_, cookie, _) = s.page_login("supervisor", PASSWORD).await;
        let (st, v) = s.call(Method::POST, "/api/v1/me/logout-all", &a, None).await;
        assert_eq!((st, v["ended"].as_u64()), (StatusCode::OK, Some(3)), "{name}");
        assert_eq!(s.call(Method::GET, "/api/v1/me", &b, None).await.0, StatusCode::UNAUTHORIZED);
        let (_, _, location) = s.page(&cookie, "/home").await;
        assert!(location.is_some_and(|l| l.starts_with("/login")));
        // And from the page.
        let (_, cookie, _) = s.page_login("supervisor", PASSWORD).await;
        let c = s.login("supervisor").await;
        let (_, html, _) = s.page(&cookie, "/account/password").await;
        let r = s
            .http
            .post(format!("{}/account/logout-all", s.base))
            .header("cookie", &cookie)
            .form(&[("_csrf", csrf_of(&html).as_str())])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(s.call(Method::GET, "/api/v1/me", &c, None).await.0, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn the_audit_log_records_sign_ins_and_changes_for_the_audit_administrator_only() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone(), config()).await;
        let plan_id = published(&db.store).await;
        assert_eq!(s.login_as("yujiang", "Wrong@2024x").await.0, StatusCode::UNAUTHORIZED);
        let rep = s.login("yujiang").await;
        let sup = s.login("supervisor").await;
        let admin = s.login("admin").await;
        let (_, tasks) = s.call(Method::GET, "/api/v1/tasks?period=2024-03", &rep, None).await;
        let aid = tasks[0]["assignment_id"].as_i64().expect("assignment");
        let path = format!("/api/v1/assignments/{aid}/reports/2024-03");
        let (st, _) = s.call(Method::PUT, &path, &rep, Some(json!({"version": 0, "progress": "已完成调研"}))).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(s.call(Method::POST, &format!("{path}/submit"), &rep, None).await.0, StatusCode::OK);
        // The system administrator may not approve reports, nor read the audit log.
        let review = json!({"decision": "approve"});
        assert_eq!(
            s.call(Method::POST, &format!("{path}/review"), &admin, Some(review.clone())).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(s.call(Method::POST, &format!("{path}/review"), &sup, Some(review)).await.0, StatusCode::OK);
        let (st, _) = s.call(Method::PUT, "/api/v1/settings", &admin, Some(json!({"require_signoff": true}))).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(
            s.call(Method::POST, &format!("/api/v1/plans/{plan_id}/archive"), &sup, None).await.0,
            StatusCode::OK
        );
        assert_eq!(s.call(Method::GET, "/api/v1/audit", &admin, None).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.call(Method::GET, "/api/v1/audit", &sup, None).await.0, StatusCode::FORBIDDEN);

        let auditor = s.login("auditor").await;
        assert_eq!(
            s.call(Method::GET, "/api/v1/tasks", &auditor, None).await.0,
            StatusCode::FORBIDDEN,
            "no business data"
        );
        let (st, log) = s.call(Method::GET, "/api/v1/audit?limit=1000", &auditor, None).await;
        assert_eq!(st, StatusCode::OK);
        let log = log.as_array().expect("records").clone();
        let find = |action: &str| log.iter().filter(|r| r["action"] == action).cloned().collect::<Vec<_>>();
        let logins = find("login");
        assert!(logins.iter().any(|r| r["actor"] == "yujiang" && r["outcome"] == "refused"), "{name}: {logins:?}");
        assert!(logins.iter().any(|r| r["actor"] == "yujiang" && r["outcome"] == "ok" && r["ip"] == "127.0.0.1"));
        let save = &find("report.save")[0];
        assert_eq!((save["actor"].as_str(), save["outcome"].as_str()), (Some("yujiang"), Some("200")));
        assert_eq!(save["object"], path.as_str());
        assert!(save["detail"].as_str().expect("detail").contains("已完成调研"), "{save}");
        assert_eq!(find("report.submit").len(), 1);
        let reviews = find("report.review");
        assert!(reviews.iter().any(|r| r["actor"] == "admin" && r["outcome"] == "403"), "denied attempts are kept");
        assert!(reviews.iter().any(|r| r["actor"] == "supervisor" && r["outcome"] == "200"));
        assert!(find("settings.update")[0]["detail"].as_str().expect("detail").contains("require_signoff"));
        assert_eq!(find("plan.archive").len(), 1);
        assert!(!log.iter().any(|r| r["detail"].as_str().unwrap_or("").contains(PASSWORD)), "no password is kept");

        // The export, the chain check, and the page.
        let r =
            s.http.get(format!("{}/api/v1/audit?format=csv", s.base)).bearer_auth(&auditor).send().await.expect("csv");
        assert_eq!(r.status(), StatusCode::OK);
        let csv = r.text().await.expect("text");
        assert!(csv.starts_with('\u{feff}') && csv.contains("report.submit"));
        let (st, v) = s.call(Method::GET, "/api/v1/audit/verify", &auditor, None).await;
        assert_eq!((st, v["intact"].as_bool()), (StatusCode::OK, Some(true)), "{v}");
        let (_, cookie, location) = s.page_login("auditor", PASSWORD).await;
        assert_eq!(location.as_deref(), Some("/home"));
        let (_, _, location) = s.page(&cookie, "/home").await;
        assert_eq!(location.as_deref(), Some("/admin/audit"), "the auditor's home is the log");
        let (st, html, _) = s.page(&cookie, "/admin/audit?action=report.").await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains("审计链完整") && html.contains("report.review"));
        assert_eq!(s.page(&cookie, "/dashboard").await.0, StatusCode::FORBIDDEN);
        let (st, csv, _) = s.page(&cookie, "/admin/audit/export.csv?actor=yujiang").await;
        assert_eq!(st, StatusCode::OK);
        assert!(csv.contains("report.save") && !csv.contains("report.review"));

        // Tampering shows on the page and in the check.
        store::testing::execute(&db.store, "UPDATE audit_log SET outcome = '200' WHERE outcome = '403'").await;
        let (_, v) = s.call(Method::GET, "/api/v1/audit/verify", &auditor, None).await;
        assert_eq!(v["intact"], false, "{name}: {v}");
        let (_, html, _) = s.page(&cookie, "/admin/audit").await;
        assert!(html.contains("审计链已被破坏"));
    }
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_address() {
    let db = store::testing::sqlite().await;
    let config = web::Config { login_burst: 3, login_refill: std::time::Duration::from_secs(600), ..config() };
    let s = start(db.store.clone(), config).await;
    for _ in 0..3 {
        assert_eq!(s.login_as("nobody", "Wrong@2024x").await.0, StatusCode::UNAUTHORIZED);
    }
    let r = s
        .http
        .post(format!("{}/api/v1/auth/login", s.base))
        .json(&json!({"username": "leader", "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get("retry-after").is_some());
    let v: Value = r.json().await.expect("problem");
    assert_eq!(v["code"], "rate_limited");
    let (st, _, _) = s.page_login("leader", PASSWORD).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "the page shares the address's budget");
}

// ---------------------------------------------------------------------------------------
// Every route against every role
// ---------------------------------------------------------------------------------------

/// The routes of the router, from the one table they are declared in: (method, path).
fn declared_routes() -> Vec<(String, String)> {
    web::routes::table().into_iter().map(|r| (r.method.to_string(), r.path.to_string())).collect()
}

const ALL: &[&str] = &["admin", "security", "auditor", "supervisor", "leader", "inspector", "yujiang", "yujiang_head"];

/// Who may call each route (signed in), as the table says, in the test's users; `None` for a
/// route open to anyone, and no answer for a route the table does not know.
fn allowed(method: &str, path: &str) -> Option<Option<Vec<&'static str>>> {
    let route = web::routes::table().into_iter().find(|r| r.method.as_str() == method && r.path == path)?;
    Some(match route.access {
        web::routes::Access::Anyone => None,
        access => Some(SECURITY_USERS.iter().filter(|(_, role, _)| access.admits(*role)).map(|(u, _, _)| *u).collect()),
    })
}

/// Objects to put in a route's placeholders: yujiang's assignment and report, a real plan,
/// task, unit, milestone, indicator and user.
struct Ids(BTreeMap<&'static str, String>);

impl Ids {
    fn fill(&self, path: &str, foreign: bool) -> String {
        let mut p = path.to_string();
        let id = if path.contains("/inspections/") {
            &self.0["inspection"]
        } else if path.contains("/rectifications/") {
            &self.0["rectification"]
        } else if path.contains("/directives/") {
            &self.0["directive"]
        } else if path.contains("/users/") {
            &self.0["user"]
        } else if path.contains("/assignments/") || path.starts_with("/review/") {
            &self.0[if foreign { "foreign_assignment" } else { "assignment" }]
        } else if path.contains("/tasks/") {
            &self.0["task"]
        } else if path.contains("/units/") {
            &self.0["unit"]
        } else if path.contains("/milestones/") {
            &self.0["milestone"]
        } else if path.contains("/indicators/") {
            &self.0["indicator"]
        } else if path.contains("/evidence/") {
            &self.0["evidence"]
        } else {
            &self.0["plan"]
        };
        p = p.replace("{id}", id).replace("{period}", "2024-03");
        p
    }
}

#[tokio::test]
async fn every_route_denies_every_role_it_does_not_name() {
    let routes = declared_routes();
    assert!(routes.len() > 80, "{routes:?}");
    // The OpenAPI document lists nothing the router does not serve.
    let doc: Value = serde_json::to_value(web::openapi::document()).expect("doc");
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for method in ops.as_object().expect("ops").keys() {
            assert!(
                routes.contains(&(method.to_uppercase(), path.clone())),
                "{method} {path} is documented, not routed"
            );
        }
    }
    let undeclared: Vec<_> = routes.iter().filter(|(m, p)| allowed(m, p).is_none()).collect();
    assert!(undeclared.is_empty(), "routes without a declared permission: {undeclared:?}");

    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone(), config()).await;
        let plan_id = published(&db.store).await;
        let st = &db.store;
        let yujiang = st.unit_by_name("余江区").await.expect("unit").expect("unit");
        let yuehu = st.unit_by_name("月湖区").await.expect("unit").expect("unit");
        let period: domain::Period = "2024-03".parse().expect("period");
        let mine = st.worklist(Some(yujiang.id), period, 25).await.expect("work")[0].clone();
        let foreign = st
            .worklist(Some(yuehu.id), period, 25)
            .await
            .expect("work")
            .into_iter()
            .find(|w| w.task_id == mine.task_id)
            .expect("the same task at another unit");
        let task = st.tasks(plan_id).await.expect("tasks").into_iter().find(|t| t.id == mine.task_id).expect("task");
        let indicator = st.indicators(task.id).await.expect("indicators").first().map_or(0, |i| i.id);
        let milestone = st.milestones(task.id).await.expect("milestones").first().map_or(0, |m| m.id);
        let user = st.user_by_name("leader").await.expect("user").expect("user").id;
        let (visit, directive) = visit_and_directive(st).await;
        let ids = Ids(BTreeMap::from([
            ("plan", plan_id.to_string()),
            ("task", task.id.to_string()),
            ("unit", yujiang.id.to_string()),
            ("assignment", mine.assignment_id.to_string()),
            ("foreign_assignment", foreign.assignment_id.to_string()),
            ("milestone", milestone.to_string()),
            ("indicator", indicator.to_string()),
            ("user", user.to_string()),
            ("evidence", "999999".to_string()),
            ("inspection", visit.id.to_string()),
            ("rectification", visit.findings[0].id.to_string()),
            ("directive", directive.to_string()),
        ]));

        let mut tokens = BTreeMap::new();
        let mut browsers = BTreeMap::new();
        for who in ALL.iter().chain(&["yuehu"]) {
            tokens.insert(*who, s.login(who).await);
            let (_, cookie, _) = s.page_login(who, PASSWORD).await;
            let (_, html, _) = s.page(&cookie, "/account/password").await;
            browsers.insert(*who, (cookie, csrf_of(&html)));
        }
        let mut failures = Vec::new();
        for (method, route) in &routes {
            let Some(Some(roles)) = allowed(method, route) else { continue };
            let roles: &[&str] = &roles;
            let api = route.starts_with("/api/v1");
            // Signing out would end the sessions the rest of the test uses.
            let ends_sessions = route.ends_with("logout") || route.ends_with("logout-all");
            let path = ids.fill(route, false);
            let m: Method = method.parse().expect("method");
            // Anonymous.
            let r = s.http.request(m.clone(), format!("{}{path}", s.base)).send().await.expect("request");
            let anon_ok = if api {
                r.status() == StatusCode::UNAUTHORIZED
            } else {
                r.status() == StatusCode::SEE_OTHER
                    && r.headers().get("location").is_some_and(|l| l.to_str().unwrap_or("").starts_with("/login"))
            };
            if !anon_ok {
                failures.push(format!("anonymous {method} {path}: {}", r.status()));
            }
            if ends_sessions {
                continue;
            }
            // Denied roles first, so an allowed call changing state cannot hide a denial.
            let mut order: Vec<&str> = ALL.iter().copied().filter(|w| !roles.contains(w)).collect();
            order.extend(roles.iter().copied().filter(|w| *w != "yuehu"));
            for who in order {
                let status = send(&s, &m, &path, api, &tokens[who], &browsers[who]).await;
                let denied = status == StatusCode::FORBIDDEN
                    || (!api && status == StatusCode::SEE_OTHER && path == "/home" && !roles.contains(&who));
                let signed_out = status == StatusCode::UNAUTHORIZED || status == StatusCode::SEE_OTHER && api;
                // The route admits both administrators; which accounts each may reset is decided
                // by the account (`store::accounts::may_reset`), and the one here is a leader,
                // whom only the system administrator resets.
                let refined = who == "security" && route.ends_with("/users/{id}/password");
                if roles.contains(&who) && (status == StatusCode::FORBIDDEN && !refined || signed_out) {
                    failures.push(format!("{who} {method} {path}: {status}, should be allowed"));
                }
                if !roles.contains(&who) && !denied {
                    failures.push(format!("UNEXPECTED ALLOW {who} {method} {path}: {status}"));
                }
            }
            // Another unit's objects: 404 for a unit-bound role the route is open to.
            let unit_object =
                ["/assignments/", "/rectifications/{id}", "/directives/{id}"].iter().any(|p| route.contains(p));
            if unit_object && roles.contains(&"yujiang") {
                let status = send(&s, &m, &path, api, &tokens["yuehu"], &browsers["yuehu"]).await;
                if status != StatusCode::NOT_FOUND {
                    failures.push(format!("yuehu (another unit) {method} {path}: {status}, should be 404"));
                }
            }
        }
        assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
    }
}

/// A visit of 余江区 with a finding for it, and a 督办件 it leads: the objects of the visit
/// routes' placeholders.
async fn visit_and_directive(st: &Store) -> (store::inspections::Inspection, i64) {
    use store::inspections::{NewDirective, NewFinding, NewInspection, UnitRef};
    let inspector = st.user_by_name("inspector").await.expect("user").expect("user").id;
    let day = |d: &str| d.parse::<chrono::NaiveDate>().expect("day");
    let today = day("2024-03-20");
    let visit = NewInspection {
        kind: "special".into(),
        visited_on: day("2024-03-18"),
        unit: UnitRef::Name("余江区".into()),
        inspectors: vec![inspector],
        summary: String::new(),
        findings: vec![NewFinding {
            text: "校舍安全隐患".into(),
            task_id: None,
            severity: None,
            unit: UnitRef::Name("余江区".into()),
            deadline: day("2024-04-30"),
            requirement: String::new(),
        }],
    };
    let visit = st.create_inspection(&visit, None, today).await.expect("visit");
    let directive = NewDirective {
        source: "meeting".into(),
        title: "会议议定事项".into(),
        text: String::new(),
        lead_unit: UnitRef::Name("余江区".into()),
        co_units: Vec::new(),
        deadline: day("2024-04-30"),
        cadence: "once".into(),
    };
    let directive = st.create_directive(&directive, None, today).await.expect("directive").id;
    (visit, directive)
}

/// One call as a signed-in user: the API with the bearer token and a JSON body; a page with
/// the cookie and its CSRF token (multipart for the upload forms).
async fn send(s: &Server, m: &Method, path: &str, api: bool, token: &str, browser: &(String, String)) -> StatusCode {
    let url = format!("{}{path}", s.base);
    let req = s.http.request(m.clone(), &url);
    let req = if api {
        let req = req.bearer_auth(token);
        if *m == Method::GET {
            req
        } else if path.ends_with("/import") || path.ends_with("/evidence") || path.ends_with("/school-data") {
            req.multipart(reqwest::multipart::Form::new().text("note", "x"))
        } else {
            req.json(&json!({}))
        }
    } else {
        let req = req.header("cookie", &browser.0);
        if *m == Method::GET {
            req
        } else if path.ends_with("/import") || path.ends_with("/evidence") {
            req.multipart(reqwest::multipart::Form::new().text("_csrf", browser.1.clone()))
        } else {
            req.form(&[("_csrf", browser.1.as_str())])
        }
    };
    req.send().await.expect("request").status()
}

/// Issue H, item 1 as a class: every read a unit may make, page or API (and every open page),
/// is fetched as another unit (月湖区) with 余江区's objects in its placeholders; no answer may
/// carry 余江区's unapproved text or its review comment.
#[tokio::test]
async fn every_read_keeps_another_units_reports_to_itself() {
    const DRAFT: &str = "余江草稿内容甲乙丙";
    const COMMENT: &str = "退回意见丁戊己";
    let routes = declared_routes();
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone(), config()).await;
        let plan_id = published(&db.store).await;
        let st = &db.store;
        let yujiang = st.unit_by_name("余江区").await.expect("unit").expect("unit");
        let period: domain::Period = "2024-03".parse().expect("period");
        let work = st.worklist(Some(yujiang.id), period, 25).await.expect("work");
        let (drafted, returned) = (&work[0], &work[1]);
        let (rep, sup) = (s.login("yujiang").await, s.login("supervisor").await);
        let report = |a: i64| format!("/api/v1/assignments/{a}/reports/2024-03");
        let body = json!({"version": 0, "progress": DRAFT});
        assert_eq!(
            s.call(Method::PUT, &report(drafted.assignment_id), &rep, Some(body.clone())).await.0,
            StatusCode::OK
        );
        let r = report(returned.assignment_id);
        assert_eq!(s.call(Method::PUT, &r, &rep, Some(body)).await.0, StatusCode::OK);
        assert_eq!(s.call(Method::POST, &format!("{r}/submit"), &rep, None).await.0, StatusCode::OK);
        let back = json!({"decision": "return", "comment": COMMENT});
        assert_eq!(s.call(Method::POST, &format!("{r}/review"), &sup, Some(back)).await.0, StatusCode::OK);
        st.set_setting(&format!("public_plan_{plan_id}"), "true").await.expect("the public page opened");

        let task = drafted.task_id.to_string();
        let token = s.login("yuehu").await;
        let (_, cookie, _) = s.page_login("yuehu", PASSWORD).await;
        let mut checked = 0;
        let mut leaks = Vec::new();
        for (method, route) in routes.iter().filter(|(m, _)| m == "GET") {
            let open_to_units = match allowed(method, route) {
                Some(None) => true,
                Some(Some(roles)) => roles.contains(&"yujiang"),
                None => false,
            };
            if !open_to_units || route.ends_with("logout") {
                continue;
            }
            let mut path = route
                .replace("{id}", if route.contains("/tasks/") { &task } else { "" })
                .replace("{period}", "2024-03");
            path = if route.contains("/tasks/") {
                path
            } else if route.contains("/assignments/") {
                route.replace("{id}", &drafted.assignment_id.to_string()).replace("{period}", "2024-03")
            } else {
                route.replace("{id}", &plan_id.to_string()).replace("{period}", "2024-03")
            };
            if route.ends_with("/search") {
                path.push_str("?q=余江草稿内容");
            }
            let req = s.http.get(format!("{}{path}", s.base));
            let req =
                if route.starts_with("/api/v1") { req.bearer_auth(&token) } else { req.header("cookie", &cookie) };
            let text = req.send().await.expect("request").text().await.unwrap_or_default();
            checked += 1;
            if text.contains(DRAFT) || text.contains(COMMENT) {
                leaks.push(format!("GET {path}"));
            }
        }
        assert!(checked > 15, "{name}: only {checked} reads checked");
        assert!(leaks.is_empty(), "{name}: 余江区's unapproved text shown to 月湖区 by:\n{}", leaks.join("\n"));
        // The same reads as 余江区 itself do show them (the sweep is not blind).
        let (_, own, _) = s.page_login("yujiang", PASSWORD).await;
        let (_, html, _) = s.page(&own, &format!("/tasks/{task}?period=2024-03")).await;
        assert!(html.contains(DRAFT), "{name}: 余江区 sees its own draft");
    }
}

/// Issue I: the route table is complete. Every change has an audit action of its own (never a
/// bare `http.POST`), every API route is documented and every documented operation routed,
/// and no (method, path) is declared twice.
#[test]
fn every_route_is_audited_documented_and_declared_once() {
    let table = web::routes::table();
    let mut seen = std::collections::BTreeSet::new();
    let doc: Value = serde_json::to_value(web::openapi::document()).expect("doc");
    let paths = doc["paths"].as_object().expect("paths");
    let mut documented = std::collections::BTreeSet::new();
    for (path, ops) in paths {
        for method in ops.as_object().expect("ops").keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let mut problems = Vec::new();
    for r in &table {
        let key = (r.method.to_string(), r.path.to_string());
        if !seen.insert(key.clone()) {
            problems.push(format!("{} {} declared twice", key.0, key.1));
        }
        if r.method != Method::GET && r.action.is_none() {
            problems.push(format!("{} {} changes state without an audit action", key.0, key.1));
        }
        let api = r.interface == web::routes::Interface::Api;
        if api && r.path != "/api/v1/openapi.json" && !documented.contains(&key) {
            problems.push(format!("{} {} is routed but not documented", key.0, key.1));
        }
        assert_eq!(
            web::routes::action(&r.method, r.path),
            r.action.map_or_else(|| format!("http.{}", r.method), str::to_string)
        );
    }
    for key in &documented {
        if !seen.contains(key) {
            problems.push(format!("{} {} is documented but not routed", key.0, key.1));
        }
    }
    let clashes = web::openapi::schema_clashes();
    assert!(clashes.is_empty(), "schema names used by two different types: {clashes:?}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// 三员分立 from the table alone: the audit administrator's routes are the audit log's, the
/// security administrator's the accounts', and only one's own account (`SignedIn`) is open to
/// every role — and to a user who must change the password, so that it can be changed.
#[test]
fn the_oversight_administrators_reach_only_their_own_routes() {
    use web::routes::Access;
    let mut problems = Vec::new();
    for r in web::routes::table() {
        let own_part = |role: Role, part: &str| match r.access {
            Access::Roles(roles) if roles.contains(&role) => r.path.contains(part),
            _ => true,
        };
        if !own_part(Role::AuditAdmin, "/audit") {
            problems.push(format!("{} {} admits the audit administrator", r.method, r.path));
        }
        if !own_part(Role::SecurityAdmin, "/users") {
            problems.push(format!("{} {} admits the security administrator", r.method, r.path));
        }
        let account = r.path.starts_with("/api/v1/me")
            || r.path.starts_with("/account/")
            || matches!(r.path, "/logout" | "/api/v1/auth/logout");
        if (r.access == Access::SignedIn) != account {
            problems.push(format!("{} {}: open to every role exactly when it is one's own account", r.method, r.path));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
