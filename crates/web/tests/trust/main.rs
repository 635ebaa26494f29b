//! Issue H (trust defects found by an attack on the running demo), over HTTP on every backend.
//! One binary (link time), one module per class of defect; the harness below is shared.

mod accounts;
mod bounds;
mod races;
mod transport;
mod visibility;

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use store::Store;
use store::users::{NewUser, Role};

pub const YINGTAN: &[u8] = include_bytes!("../../../../data/plans/yingtan-2024-education-work-plan.txt");
pub const UNITS: &str = include_str!("../../../../data/units/yingtan.toml");
pub const PASSWORD: &str = "Test@2024ok";

/// Every role, as the tests sign in: (user, role, unit).
pub const USERS: &[(&str, Role, Option<&str>)] = &[
    ("admin", Role::Admin, None),
    ("security", Role::SecurityAdmin, None),
    ("auditor", Role::AuditAdmin, None),
    ("supervisor", Role::Supervisor, Some("督导室")),
    ("leader", Role::Leader, None),
    ("yujiang", Role::Reporter, Some("余江区")),
    ("yujiang_head", Role::UnitHead, Some("余江区")),
    ("yuehu", Role::Reporter, Some("月湖区")),
    ("guixi", Role::Reporter, Some("贵溪市")),
];

pub struct Server {
    pub base: String,
    pub http: Client,
    pub store: Store,
}

/// The directory and the users loaded, a server listening on a free port of 127.0.0.1.
pub async fn start(store: Store, config: web::Config) -> Server {
    store.load_directory(&plan::Directory::from_toml(UNITS).expect("units")).await.expect("directory");
    for (u, role, unit) in USERS {
        store
            .add_user(&NewUser { username: u, display_name: u, password: PASSWORD, role: *role, unit: *unit })
            .await
            .expect("user");
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(web::serve(web::AppState { store: store.clone(), config }, listener));
    let http = Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    Server { base, http, store }
}

/// The settings of these tests: the clock on 2024-11-10, as in the demo.
pub fn config() -> web::Config {
    web::Config { today: chrono::NaiveDate::from_ymd_opt(2024, 11, 10), ..web::Config::default() }
}

/// The Yingtan plan imported and published; its id.
pub async fn published(store: &Store) -> i64 {
    let parsed = plan::parse(YINGTAN, &store.directory().await.expect("directory")).expect("parse");
    let id = store.import_plan("yingtan.txt", YINGTAN, &parsed, None).await.expect("import");
    store.publish_plan(id, config().today()).await.expect("publish");
    id
}

impl Server {
    pub async fn login_as(&self, user: &str, password: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"username": user, "password": password}))
            .send()
            .await
            .expect("login");
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }

    pub async fn login(&self, user: &str) -> String {
        let (st, v) = self.login_as(user, PASSWORD).await;
        assert_eq!(st, StatusCode::OK, "{user}: {v}");
        v["token"].as_str().expect("token").to_string()
    }

    /// An API call; a 4xx must be problem JSON.
    pub async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.call_if_match(method, path, token, None, body).await
    }

    /// A plan's draft and its version (`ETag`), as a reviewer's client reads it.
    pub async fn draft(&self, plan_id: i64, token: &str) -> (Value, String) {
        let r = self
            .http
            .get(format!("{}/api/v1/plans/{plan_id}/draft", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("draft");
        assert_eq!(r.status(), StatusCode::OK);
        let etag = r.headers().get("etag").expect("a draft has an ETag").to_str().expect("ascii").to_string();
        (r.json().await.expect("json"), etag)
    }

    /// Sends `method` to `path` with an `If-Match` header (`None`: without one).
    pub async fn call_if_match(
        &self,
        method: Method,
        path: &str,
        token: &str,
        if_match: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base)).bearer_auth(token);
        if let Some(tag) = if_match {
            req = req.header("if-match", tag);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.expect("request");
        let status = r.status();
        let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let v = r.json().await.unwrap_or(Value::Null);
        if status.is_client_error() {
            assert_eq!(ct, "application/problem+json", "{path}: {v}");
        }
        (status, v)
    }

    /// A browser session for `user`.
    pub async fn browser(&self, user: &str) -> Browser<'_> {
        let mut b = Browser { s: self, cookie: String::new() };
        let r = b.login(user, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{user} signs in on the page");
        b
    }

    /// The id of the assignment of `unit` on item number `item` of plan `plan`.
    pub async fn assignment(&self, plan: i64, item: i64, unit: &str) -> i64 {
        let tasks = self.store.tasks(plan).await.expect("tasks");
        let task = tasks.iter().find(|t| t.item_number == item).expect("item");
        let all = self.store.assignments(plan, None).await.expect("assignments");
        all.iter().find(|a| a.task_id == task.id && a.unit_name == unit).expect("assignment").id
    }

    /// The task id of item number `item` of plan `plan`.
    pub async fn task(&self, plan: i64, item: i64) -> i64 {
        self.store.tasks(plan).await.expect("tasks").iter().find(|t| t.item_number == item).expect("item").id
    }
}

pub struct Browser<'a> {
    pub s: &'a Server,
    pub cookie: String,
}

impl Browser<'_> {
    pub async fn login(&mut self, user: &str, password: &str) -> reqwest::Response {
        let r = self
            .s
            .http
            .post(format!("{}/login", self.s.base))
            .form(&[("username", user), ("password", password), ("next", "/home")])
            .send()
            .await
            .expect("login");
        if let Some(c) = r.headers().get("set-cookie") {
            self.cookie = c.to_str().expect("ascii").split(';').next().unwrap_or("").to_string();
        }
        r
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let r =
            self.s.http.get(format!("{}{path}", self.s.base)).header("cookie", &self.cookie).send().await.expect("get");
        (r.status(), r.text().await.unwrap_or_default())
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
        let r = self
            .s
            .http
            .post(format!("{}{path}", self.s.base))
            .header("cookie", &self.cookie)
            .form(form)
            .send()
            .await
            .expect("post");
        let location = r.headers().get("location").map(|l| l.to_str().unwrap_or("").to_string());
        (r.status(), r.text().await.unwrap_or_default(), location)
    }

    /// The CSRF token the pages carry for this session.
    pub async fn csrf(&self) -> String {
        let (_, body) = self.get("/home").await;
        let at = body.find("name=\"_csrf\" value=\"").expect("csrf field") + 20;
        body[at..at + 32].to_string()
    }
}
