//! Visits, rectification and 督办件 over HTTP, on every backend: an inspector records a visit
//! with two findings, the school's reporter rectifies them, the office closes one and returns
//! the other, and the month's bulletin figures follow; bad input is refused with nothing kept;
//! another unit's finding or item does not exist for a unit.

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use store::Store;
use store::users::{NewUser, Role};

const UNITS: &str = include_str!("../../../data/units/yingtan.toml");
const PASSWORD: &str = "Test@2024ok";
const SCHOOL: &str = "鹰潭市第一中学";

const USERS: &[(&str, Role, Option<&str>)] = &[
    ("supervisor", Role::Supervisor, Some("督导室")),
    ("leader", Role::Leader, None),
    ("duxue", Role::Inspector, None),
    ("yizhong", Role::Reporter, Some(SCHOOL)),
    ("yujiang", Role::Reporter, Some("余江区")),
];

struct Server {
    base: String,
    http: Client,
}

async fn start(store: Store) -> Server {
    store.load_directory(&plan::Directory::from_toml(UNITS).expect("units")).await.expect("directory");
    for (u, role, unit) in USERS {
        store
            .add_user(&NewUser { username: u, display_name: u, password: PASSWORD, role: *role, unit: *unit })
            .await
            .expect("user");
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let config = web::Config { today: chrono::NaiveDate::from_ymd_opt(2024, 3, 20), ..web::Config::default() };
    tokio::spawn(web::serve(web::AppState { store, config }, listener));
    let http = Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    Server { base, http }
}

impl Server {
    async fn login(&self, user: &str) -> String {
        let r = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"username": user, "password": PASSWORD}))
            .send()
            .await
            .expect("login");
        let v: Value = r.json().await.expect("json");
        v["token"].as_str().expect("token").to_string()
    }

    async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.call_keyed(method, path, token, body, None).await
    }

    async fn call_keyed(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        key: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        if let Some(k) = key {
            req = req.header("idempotency-key", k);
        }
        let r = req.send().await.expect("request");
        let status = r.status();
        if status.is_client_error() {
            let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            assert_eq!(ct, "application/problem+json", "{path}");
        }
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Signs a browser in: its cookie.
    async fn browser(&self, user: &str) -> String {
        let r = self
            .http
            .post(format!("{}/login", self.base))
            .form(&[("username", user), ("password", PASSWORD), ("next", "/home")])
            .send()
            .await
            .expect("login");
        let c = r.headers().get("set-cookie").and_then(|c| c.to_str().ok()).expect("cookie");
        c.split(';').next().unwrap_or("").to_string()
    }

    async fn page(&self, cookie: &str, path: &str) -> (StatusCode, String, Option<String>) {
        let r = self.http.get(format!("{}{path}", self.base)).header("cookie", cookie).send().await.expect("get");
        let location = r.headers().get("location").map(|l| l.to_str().unwrap_or("").to_string());
        (r.status(), r.text().await.unwrap_or_default(), location)
    }
}

fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"_csrf\" value=\"").expect("csrf field") + 20;
    html[at..at + 32].to_string()
}

fn visit(findings: Value) -> Value {
    json!({"kind": "responsible", "visited_on": "2024-03-18", "unit": SCHOOL, "inspectors": [],
           "summary": "校园安全与课后服务检查", "findings": findings})
}

fn finding(text: &str, unit: &str, deadline: &str) -> Value {
    json!({"text": text, "unit": unit, "deadline": deadline, "requirement": "限期整改并报送整改前后照片"})
}

async fn figures(store: &Store) -> domain::rectification::VisitFigures {
    let march: domain::Period = "2024-03".parse().expect("period");
    store
        .visit_bulletin(march, chrono::NaiveDate::from_ymd_opt(2024, 3, 20).expect("day"))
        .await
        .expect("bulletin")
        .visits
}

#[tokio::test]
async fn a_visit_is_rectified_closed_and_returned_over_http_and_the_bulletin_follows() {
    for db in store::testing::all().await {
        let name = db.name;
        let store = db.store.clone();
        let s = start(db.store.clone()).await;
        let (duxue, sup, yizhong, yujiang) =
            (s.login("duxue").await, s.login("supervisor").await, s.login("yizhong").await, s.login("yujiang").await);
        let body = visit(json!([
            finding("校门口减速带缺失", SCHOOL, "2024-04-30"),
            finding("课后服务台账不全", SCHOOL, "2024-04-15"),
        ]));
        // Recorded once, though sent twice with one key (a phone retrying on a bad network).
        let (st, v) =
            s.call_keyed(Method::POST, "/api/v1/inspections", &duxue, Some(body.clone()), Some("visit-1")).await;
        assert_eq!(st, StatusCode::CREATED, "{name}: {v}");
        let (st, again) = s.call_keyed(Method::POST, "/api/v1/inspections", &duxue, Some(body), Some("visit-1")).await;
        assert_eq!((st, again["id"].clone()), (StatusCode::CREATED, v["id"].clone()), "{name}");
        assert_eq!(v["findings"].as_array().expect("findings").len(), 2, "{name}");
        assert_eq!(v["inspectors"][0]["name"], "duxue", "{name}: the inspector recording it is on it");
        let (_, all) = s.call(Method::GET, "/api/v1/inspections", &sup, None).await;
        assert_eq!(all.as_array().expect("list").len(), 1, "{name}");
        let f = figures(&store).await;
        assert_eq!((f.visits, f.found, f.closed, f.rate), (1, 2, 0, Some(0.0)), "{name}");

        // The school sees both as 待整改; another unit sees neither and may not touch them.
        let (_, mine) = s.call(Method::GET, "/api/v1/rectifications", &yizhong, None).await;
        let mine = mine.as_array().expect("list").clone();
        assert_eq!(mine.len(), 2, "{name}");
        assert!(mine.iter().all(|r| r["state_label"] == "待整改"), "{name}: {mine:?}");
        let id = |i: usize| mine[i]["id"].as_i64().expect("id");
        let (a, b) = (id(0), id(1));
        let (_, theirs) = s.call(Method::GET, "/api/v1/rectifications", &yujiang, None).await;
        assert_eq!(theirs, json!([]), "{name}");
        let (st, _) = s.call(Method::GET, &format!("/api/v1/rectifications/{a}"), &yujiang, None).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{name}");
        let report = json!({"text": "已加装减速带", "version": mine[0]["version"]});
        let (st, _) =
            s.call(Method::POST, &format!("/api/v1/rectifications/{a}/reports"), &yujiang, Some(report.clone())).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{name}: another unit's finding does not exist for it");

        // The school reports on both.
        for (i, r) in [a, b].into_iter().enumerate() {
            let body = json!({"text": format!("整改措施 {i}"), "version": mine[i]["version"]});
            let (st, v) =
                s.call(Method::POST, &format!("/api/v1/rectifications/{r}/reports"), &yizhong, Some(body)).await;
            assert_eq!((st, v["state_label"].clone()), (StatusCode::OK, json!("待核查")), "{name}: {v}");
        }
        let (st, v) =
            s.call(Method::POST, &format!("/api/v1/rectifications/{a}/reports"), &yizhong, Some(report)).await;
        assert_eq!(st, StatusCode::CONFLICT, "{name}: a stale version: {v}");

        // The office closes one; returning the other needs a comment.
        let get = |r: i64| format!("/api/v1/rectifications/{r}");
        let (_, ra) = s.call(Method::GET, &get(a), &sup, None).await;
        let close = json!({"decision": "close", "comment": "", "version": ra["version"]});
        let (st, v) = s.call(Method::POST, &format!("/api/v1/rectifications/{a}/verify"), &sup, Some(close)).await;
        assert_eq!((st, v["state_label"].clone()), (StatusCode::OK, json!("已销号")), "{name}: {v}");
        assert_eq!(v["verifier"], "supervisor", "{name}");
        let (_, rb) = s.call(Method::GET, &get(b), &sup, None).await;
        let bare = json!({"decision": "return", "comment": " ", "version": rb["version"]});
        let (st, v) = s.call(Method::POST, &format!("/api/v1/rectifications/{b}/verify"), &sup, Some(bare)).await;
        assert_eq!(
            (st, v["errors"][0]["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("comment")),
            "{name}: {v}"
        );
        let (_, still) = s.call(Method::GET, &get(b), &sup, None).await;
        assert_eq!((still["state_label"].clone(), still["version"].clone()), (json!("待核查"), rb["version"].clone()));
        let back = json!({"decision": "return", "comment": "台账仍缺 3 月记录", "version": rb["version"]});
        let (st, v) = s.call(Method::POST, &format!("/api/v1/rectifications/{b}/verify"), &sup, Some(back)).await;
        assert_eq!(
            (st, v["state_label"].clone(), v["returned"].clone()),
            (StatusCode::OK, json!("整改中"), json!(true))
        );
        // Units do not verify.
        let (st, _) =
            s.call(Method::POST, &format!("/api/v1/rectifications/{b}/verify"), &yizhong, Some(json!({}))).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{name}");

        let f = figures(&store).await;
        assert_eq!((f.visits, f.found, f.closed, f.rate), (1, 2, 1, Some(0.5)), "{name}");

        // The school's 工作台 shows the returned one; the ledger and its export show both.
        let cookie = s.browser("yizhong").await;
        let (_, home, _) = s.page(&cookie, "/home").await;
        let at = home.find("id=\"unit-rectifications\"").expect("the home page lists the unit's findings");
        let table = &home[at..at + home[at..].find("</table>").expect("table end")];
        assert!(table.contains("课后服务台账不全") && table.contains("已退回"), "{name}: {table}");
        assert!(!table.contains("校门口减速带缺失"), "{name}: a closed finding leaves the home page");
        let office = s.browser("supervisor").await;
        let (st, ledger, _) = s.page(&office, "/rectifications?state=closed").await;
        assert_eq!(st, StatusCode::OK, "{name}");
        assert!(ledger.contains("校门口减速带缺失") && !ledger.contains("课后服务台账不全"), "{name}");
        let r = s
            .http
            .get(format!("{}/rectifications/export.xlsx", s.base))
            .header("cookie", &office)
            .send()
            .await
            .expect("export");
        assert_eq!(r.status(), StatusCode::OK, "{name}");
        assert!(r.bytes().await.expect("bytes").starts_with(b"PK"), "{name}");
        let (st, page, _) = s.page(&office, &format!("/rectifications/{b}")).await;
        assert!(st == StatusCode::OK && page.contains("台账仍缺 3 月记录"), "{name}");
    }
}

#[tokio::test]
async fn bad_visits_are_refused_with_nothing_kept() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone()).await;
        let (duxue, sup) = (s.login("duxue").await, s.login("supervisor").await);
        let cases = [
            (visit(json!([finding("问题", SCHOOL, "2024-03-01")])), "findings[0].deadline"),
            (visit(json!([finding("问题", "不存在的学校", "2024-04-01")])), "findings[0].unit"),
            (json!({"kind": "responsible", "visited_on": "2024-03-18", "unit": "火星学校", "inspectors": []}), "unit"),
        ];
        for (body, field) in cases {
            let (st, v) = s.call(Method::POST, "/api/v1/inspections", &duxue, Some(body)).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {v}");
            assert_eq!(v["errors"][0]["field"], field, "{name}: {v}");
            assert!(v["detail"].as_str().is_some_and(|d| !d.is_ascii()), "{name}: a Chinese message: {v}");
        }
        let (st, v) = s.call(Method::POST, "/api/v1/inspections", &duxue, Some(json!({"kind": 3}))).await;
        assert!(st.is_client_error(), "{name}: {v}");
        let (_, all) = s.call(Method::GET, "/api/v1/inspections", &sup, None).await;
        assert_eq!(all, json!([]), "{name}: nothing kept");
        let (_, r) = s.call(Method::GET, "/api/v1/rectifications", &sup, None).await;
        assert_eq!(r, json!([]), "{name}");
        // Units and leaders do not record visits.
        let leader = s.login("leader").await;
        let (st, _) = s.call(Method::POST, "/api/v1/inspections", &leader, Some(visit(json!([])))).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{name}");
    }
}

#[tokio::test]
async fn an_inspector_records_a_visit_with_two_findings_on_the_phone_form() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone()).await;
        let cookie = s.browser("duxue").await;
        let (st, _, to) = s.page(&cookie, "/home").await;
        assert_eq!((st, to.as_deref()), (StatusCode::SEE_OTHER, Some("/inspections")), "{name}: an inspector's home");
        let (st, form, _) = s.page(&cookie, "/inspections/new").await;
        assert!(st == StatusCode::OK && form.contains("id=\"add-finding\""), "{name}");
        let csrf = csrf_of(&form);
        // An executable: neither a photo nor a document.
        let png = vec![0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x00];
        let post = |rows: &[(&str, &str, &str)], with_photo: bool| {
            let mut f = reqwest::multipart::Form::new()
                .text("_csrf", csrf.clone())
                .text("kind", "responsible")
                .text("visited_on", "2024-03-19")
                .text("unit", SCHOOL)
                .text("summary", "挂牌督导");
            for (text, unit, deadline) in rows {
                f = f
                    .text("finding_text", text.to_string())
                    .text("finding_unit", unit.to_string())
                    .text("finding_severity", "general")
                    .text("finding_deadline", deadline.to_string())
                    .text("finding_requirement", "");
                if with_photo {
                    f = f.part("finding_photo", reqwest::multipart::Part::bytes(png.clone()).file_name("a.exe"));
                }
            }
            s.http.post(format!("{}/inspections", s.base)).header("cookie", &cookie).multipart(f).send()
        };
        // A deadline before the visit: the form comes back with the entries and a message.
        let r = post(&[("围墙破损", SCHOOL, "2024-04-30"), ("消防通道堵塞", SCHOOL, "2024-03-01")], false)
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let html = r.text().await.expect("html");
        assert!(html.contains("第 2 个问题") && html.contains("消防通道堵塞"), "{name}: {html}");
        // A file that is not a photo or a document is refused before anything is written.
        let r = post(&[("围墙破损", SCHOOL, "2024-04-30")], true).await.expect("post");
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let (_, list, _) = s.page(&cookie, "/inspections").await;
        assert!(list.contains("暂无督导记录"), "{name}: nothing kept");
        let r = post(&[("围墙破损", SCHOOL, "2024-04-30"), ("消防通道堵塞", SCHOOL, "2024-04-10")], false)
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
        let to = r.headers().get("location").and_then(|l| l.to_str().ok()).expect("location").to_string();
        let (_, page, _) = s.page(&cookie, &to).await;
        assert!(page.contains("围墙破损") && page.contains("消防通道堵塞") && page.contains("待整改"), "{name}");
    }
}

#[tokio::test]
async fn a_directive_is_registered_fed_back_and_closed_and_hidden_from_other_units() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone()).await;
        let (sup, yizhong, yujiang) = (s.login("supervisor").await, s.login("yizhong").await, s.login("yujiang").await);
        let body = json!({"source": "instruction", "title": "关于校园周边交通安全整治的批示", "lead_unit": SCHOOL,
                          "deadline": "2024-04-30", "cadence": "weekly"});
        let (st, d) = s.call(Method::POST, "/api/v1/directives", &sup, Some(body.clone())).await;
        assert_eq!(st, StatusCode::CREATED, "{name}: {d}");
        let id = d["id"].as_i64().expect("id");
        let mut bad = body;
        bad["lead_unit"] = json!("不存在的单位");
        let (st, v) = s.call(Method::POST, "/api/v1/directives", &sup, Some(bad)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {v}");
        let (_, list) = s.call(Method::GET, "/api/v1/directives", &sup, None).await;
        assert_eq!(list.as_array().expect("list").len(), 1, "{name}: nothing kept");
        let (st, _) = s.call(Method::GET, &format!("/api/v1/directives/{id}"), &yujiang, None).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{name}");
        let done = json!({"text": "已完成整治", "done": true, "version": d["version"]});
        let (st, _) =
            s.call(Method::POST, &format!("/api/v1/directives/{id}/feedback"), &yujiang, Some(done.clone())).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{name}");
        let (st, v) = s.call(Method::POST, &format!("/api/v1/directives/{id}/feedback"), &yizhong, Some(done)).await;
        assert_eq!((st, v["state_label"].clone()), (StatusCode::OK, json!("待确认")), "{name}: {v}");
        let close = json!({"decision": "close", "comment": "", "version": v["version"]});
        let (st, v) = s.call(Method::POST, &format!("/api/v1/directives/{id}/decide"), &sup, Some(close)).await;
        assert_eq!((st, v["state_label"].clone()), (StatusCode::OK, json!("已办结")), "{name}: {v}");
    }
}
