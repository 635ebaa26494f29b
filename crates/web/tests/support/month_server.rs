//! The HTTP harness of the month tests (months.rs, review.rs): the Yingtan plan published on a
//! store of either backend, a reporter of 余江区 and of 月湖区, the office and a leader, served on
//! a clock set to 2024-03-20; API calls that check problem JSON, and a browser's session for
//! the pages.
// Each test file uses a different part of it.
#![allow(dead_code)]

pub use reqwest::{Client, StatusCode};
pub use serde_json::{Value, json};
use store::Store;
use store::users::{NewUser, Role};

pub const YINGTAN: &[u8] = include_bytes!("../../../../data/plans/yingtan-2024-education-work-plan.txt");
pub const UNITS: &str = include_str!("../../../../data/units/yingtan.toml");
pub const PASSWORD: &str = "Test@2024ok";

pub struct Server {
    pub base: String,
    pub http: Client,
}

pub async fn start(store: Store) -> Server {
    store.load_directory(&plan::Directory::from_toml(UNITS).expect("units")).await.expect("directory");
    for (u, role, unit) in [
        ("supervisor", Role::Supervisor, Some("督导室")),
        ("yujiang", Role::Reporter, Some("余江区")),
        ("yuehu", Role::Reporter, Some("月湖区")),
        ("leader", Role::Leader, None),
    ] {
        store.add_user(&NewUser { username: u, display_name: u, password: PASSWORD, role, unit }).await.expect("user");
    }
    let directory = store.directory().await.expect("directory");
    let parsed = plan::parse(YINGTAN, &directory).expect("parse");
    let id = store.import_plan("yingtan.txt", YINGTAN, &parsed, None).await.expect("import");
    store.publish_plan(id, chrono::NaiveDate::from_ymd_opt(2024, 3, 20).expect("date")).await.expect("publish");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let config = web::Config { today: chrono::NaiveDate::from_ymd_opt(2024, 3, 20), ..web::Config::default() };
    tokio::spawn(web::serve(web::AppState { store, config }, listener));
    Server { base, http: Client::new() }
}

impl Server {
    pub async fn login(&self, user: &str) -> String {
        let r = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"username": user, "password": PASSWORD}))
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), StatusCode::OK);
        r.json::<Value>().await.expect("json")["token"].as_str().expect("token").to_string()
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.call_keyed(method, path, token, body, None).await
    }

    pub async fn call_keyed(
        &self,
        method: reqwest::Method,
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
            req = req.header("Idempotency-Key", k);
        }
        let r = req.send().await.expect("request");
        let status = r.status();
        let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_string()).unwrap_or_default();
        let v = r.json::<Value>().await.unwrap_or(Value::Null);
        if status.is_client_error() {
            assert_eq!(ct, "application/problem+json", "{path}: {v}");
        }
        (status, v)
    }

    /// The unit's month sheet's rows, in order.
    pub async fn rows(&self, token: &str, period: &str) -> Vec<Value> {
        let (st, sheet) = self.call(M::GET, &format!("/api/v1/months/{period}"), token, None).await;
        assert_eq!(st, StatusCode::OK, "{sheet}");
        sheet["sections"].as_array().unwrap().iter().flat_map(|s| s["rows"].as_array().unwrap().clone()).collect()
    }

    /// Report states of the unit's work list for a period.
    pub async fn states(&self, token: &str, period: &str) -> Vec<String> {
        let (_, tasks) = self.call(M::GET, &format!("/api/v1/tasks?period={period}"), token, None).await;
        tasks.as_array().unwrap().iter().map(|t| t["report_state"].as_str().unwrap().to_string()).collect()
    }
}

pub use reqwest::Method as M;

impl Server {
    /// Signs a browser in; its session cookie.
    pub async fn cookie(&self, user: &str) -> String {
        let no_redirects = Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let r = no_redirects
            .post(format!("{}/login", self.base))
            .form(&[("username", user), ("password", PASSWORD), ("next", "/home")])
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{user} signs in");
        let c = r.headers()["set-cookie"].to_str().expect("cookie");
        c.split(';').next().unwrap_or("").to_string()
    }

    pub async fn page(&self, cookie: &str, path: &str) -> (StatusCode, String) {
        let r = self.http.get(format!("{}{path}", self.base)).header("cookie", cookie).send().await.expect("get");
        (r.status(), r.text().await.unwrap_or_default())
    }

    /// Posts a page form; the status and where it sends the browser.
    pub async fn post_form(&self, cookie: &str, path: &str, form: &[(&str, String)]) -> (StatusCode, String) {
        let no_redirects = Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let r = no_redirects
            .post(format!("{}{path}", self.base))
            .header("cookie", cookie)
            .form(form)
            .send()
            .await
            .expect("post");
        let to = r.headers().get("location").map(|l| l.to_str().unwrap_or("").to_string()).unwrap_or_default();
        (r.status(), to)
    }
}

pub fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"_csrf\" value=\"").expect("csrf field") + 20;
    html[at..at + 32].to_string()
}

/// The text of the element with this id (up to its closing tag of the same name).
pub fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}"));
    let rest = &html[at..];
    &rest[..rest.find("</section>").or_else(|| rest.find("</table>")).unwrap_or(rest.len())]
}

/// Submits the rows of a unit's month, every one 本月无新进展 except the texts given.
pub async fn submit_month(s: &Server, token: &str, period: &str, texts: &[(i64, &str)]) -> Vec<i64> {
    let rows = s.rows(token, period).await;
    let reports: Vec<Value> = rows
        .iter()
        .filter(|r| matches!(r["report"]["state"].as_str(), Some("new" | "draft" | "returned")))
        .map(|r| {
            let id = r["assignment_id"].as_i64().unwrap();
            let version = r["report"]["version"].as_i64().unwrap_or(0);
            match texts.iter().find(|(a, _)| *a == id) {
                Some((_, t)) => json!({"assignment_id": id, "version": version, "progress": t}),
                None => json!({"assignment_id": id, "version": version, "no_change": true}),
            }
        })
        .collect();
    let (st, done) =
        s.call(M::POST, &format!("/api/v1/months/{period}/submit"), token, Some(json!({"reports": reports}))).await;
    assert_eq!(st, StatusCode::OK, "{done}");
    rows.iter().map(|r| r["assignment_id"].as_i64().unwrap()).collect()
}

/// The first row with an indicator the unit reports itself, and that indicator's id.
pub fn reportable(rows: &[Value]) -> (i64, i64) {
    rows.iter()
        .find_map(|r| {
            let ind = r["indicators"].as_array()?.iter().find(|i| i["source"].is_null())?;
            Some((r["assignment_id"].as_i64()?, ind["id"].as_i64()?))
        })
        .expect("a row with a reported indicator")
}
