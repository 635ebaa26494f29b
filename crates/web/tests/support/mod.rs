//! The HTTP harness of the web crate's integration tests, one copy for every test binary: a
//! server on a free port of 127.0.0.1 over a store of either backend, with the Yingtan unit
//! directory and the tests' users loaded (the plan published too, if asked); API calls that
//! check every 4xx is problem JSON; and a browser's session for the pages (a cookie by hand,
//! forms posted as a browser posts them, redirects not followed).
//!
//! It lives in `support/mod.rs` rather than `tests/support.rs` or `support/harness.rs`: Cargo
//! builds every `tests/*.rs` and `tests/*/main.rs` as a test binary of its own, but not a
//! `mod.rs` in a folder, so this file never becomes a binary without tests; and `mod.rs` is
//! where `mod support;` looks, so a top-level test file includes it without a `#[path]`. Only
//! `trust/main.rs`, one folder down, names the path: `#[path = "../support/mod.rs"]`.
//!
//! What differs between the test files is a parameter of [`Setup`], not another copy: the
//! users (a file whose assertions depend on who exists passes its own list), the clock
//! ([`config_on`]), the plan published before the server starts, and whether [`Server::http`]
//! follows redirects.

// Each test binary includes this module and uses a different part of it: what one binary
// leaves unused is not dead code.
#![allow(dead_code)]

pub use reqwest::Method as M;
pub use reqwest::{Client, Method, StatusCode};
pub use serde_json::{Value, json};
pub use store::Store;
pub use store::users::{NewUser, Role};

pub const YINGTAN: &[u8] = include_bytes!("../../../../data/plans/yingtan-2024-education-work-plan.txt");
pub const UNITS: &str = include_str!("../../../../data/units/yingtan.toml");
pub const PASSWORD: &str = "Test@2024ok";

/// A user as the tests sign in: (user name, role, unit).
pub type User = (&'static str, Role, Option<&'static str>);

/// The users of a test file that does not pass its own: every role, and three districts'
/// reporters (余江区 with its head).
pub const USERS: &[User] = &[
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

/// The users of the month tests (months.rs, review.rs, help.rs): the office, a leader and the
/// reporters of 余江区 and 月湖区 only, so that the units the office's pages list first are
/// units someone can sign in for.
pub const MONTH_USERS: &[User] = &[
    ("supervisor", Role::Supervisor, Some("督导室")),
    ("yujiang", Role::Reporter, Some("余江区")),
    ("yuehu", Role::Reporter, Some("月湖区")),
    ("leader", Role::Leader, None),
];

/// The settings of a server whose clock is set to the given day.
pub fn config_on(year: i32, month: u32, day: u32) -> web::Config {
    let today = chrono::NaiveDate::from_ymd_opt(year, month, day).expect("a date");
    web::Config { today: Some(today), ..web::Config::default() }
}

/// The settings of most tests: the clock on 2024-03-20, March's reports open and due on the
/// 25th, February's overdue.
pub fn config() -> web::Config {
    config_on(2024, 3, 20)
}

/// The Yingtan plan imported and published on `config()`'s day; its id.
pub async fn published(store: &Store) -> i64 {
    published_on(store, config().today()).await
}

/// The Yingtan plan imported and published on `day`; its id.
pub async fn published_on(store: &Store, day: chrono::NaiveDate) -> i64 {
    let parsed = plan::parse(YINGTAN, &store.directory().await.expect("directory")).expect("parse");
    let id = store.import_plan("yingtan.txt", YINGTAN, &parsed, None).await.expect("import");
    store.publish_plan(id, day).await.expect("publish");
    id
}

/// The Yingtan unit directory and `users` (password [`PASSWORD`]) loaded into `store`.
pub async fn seed(store: &Store, users: &[User]) {
    store.load_directory(&plan::Directory::from_toml(UNITS).expect("units")).await.expect("directory");
    for (u, role, unit) in users {
        store
            .add_user(&NewUser { username: u, display_name: u, password: PASSWORD, role: *role, unit: *unit })
            .await
            .expect("user");
    }
}

/// What a test's server starts with.
pub struct Setup {
    pub users: &'static [User],
    pub config: web::Config,
    /// The Yingtan plan published (on the clock's day) before the server starts.
    pub published: bool,
    /// Whether [`Server::http`] follows redirects (the browser helpers never do).
    pub follow_redirects: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Setup { users: USERS, config: config(), published: false, follow_redirects: false }
    }
}

impl Setup {
    /// The directory and the users loaded (and the plan published, if asked), a server
    /// listening on a free port of 127.0.0.1.
    pub async fn start(self, store: Store) -> Server {
        seed(&store, self.users).await;
        if self.published {
            published_on(&store, self.config.today()).await;
        }
        self.serve(store).await
    }

    /// A server on a store as it is, already set up (a second server on the same store, with
    /// other settings): nothing loaded, `users` and `published` not used.
    pub async fn serve(self, store: Store) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(web::serve(web::AppState::new(store.clone(), self.config), listener));
        let direct = Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let http = if self.follow_redirects { Client::new() } else { direct.clone() };
        Server { base, http, direct, store }
    }
}

/// A server with [`USERS`] and these settings.
pub async fn start(store: Store, config: web::Config) -> Server {
    Setup { config, ..Setup::default() }.start(store).await
}

/// The month tests' server: [`MONTH_USERS`], the clock on 2024-03-20, the plan published, and
/// a client that follows redirects.
pub async fn start_published(store: Store) -> Server {
    Setup { users: MONTH_USERS, published: true, follow_redirects: true, ..Setup::default() }.start(store).await
}

pub struct Server {
    pub base: String,
    /// The client of the API calls and of [`Server::page`]; it follows redirects only if the
    /// setup asked for it.
    pub http: Client,
    /// A client that never follows redirects: the browser's sign-in and forms.
    pub direct: Client,
    pub store: Store,
}

/// An API call's answer: the status and the JSON body (`Null` if there is none).
pub type Answer = (StatusCode, Value);

impl Server {
    /// Signs in over the API, as a client sending `x-forwarded-for: forwarded` if given.
    pub async fn login_from(&self, user: &str, password: &str, forwarded: Option<&str>) -> Answer {
        let mut r = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"username": user, "password": password}));
        if let Some(f) = forwarded {
            r = r.header("x-forwarded-for", f);
        }
        let r = r.send().await.expect("login");
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }

    pub async fn login_as(&self, user: &str, password: &str) -> Answer {
        self.login_from(user, password, None).await
    }

    /// Signs `user` in over the API; the session's token.
    pub async fn login(&self, user: &str) -> String {
        let (st, v) = self.login_as(user, PASSWORD).await;
        assert_eq!(st, StatusCode::OK, "{user}: {v}");
        v["token"].as_str().expect("token").to_string()
    }

    /// An API call; a 4xx must be problem JSON.
    pub async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Answer {
        self.send(method, path, token, &[], body).await
    }

    /// An API call with an `Idempotency-Key` header (`None`: without one).
    pub async fn call_keyed(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        key: Option<&str>,
    ) -> Answer {
        let headers: Vec<_> = key.map(|k| ("idempotency-key", k)).into_iter().collect();
        self.send(method, path, token, &headers, body).await
    }

    /// Sends `method` to `path` with an `If-Match` header (`None`: without one).
    pub async fn call_if_match(
        &self,
        method: Method,
        path: &str,
        token: &str,
        if_match: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let headers: Vec<_> = if_match.map(|tag| ("if-match", tag)).into_iter().collect();
        self.send(method, path, token, &headers, body).await
    }

    /// The API call behind the others: a 4xx must be problem JSON, its `status` the answer's.
    async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Answer {
        let mut req = self.http.request(method, format!("{}{path}", self.base)).bearer_auth(token);
        for (name, value) in headers {
            req = req.header(*name, *value);
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
            assert_eq!(v["status"], status.as_u16(), "{path}: {v}");
        }
        (status, v)
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

/// The browser's side, with the session cookie passed by hand.
impl Server {
    /// Signs a browser in on the page: the status, the session cookie (empty if none was set)
    /// and where it sends the browser.
    pub async fn page_login(&self, user: &str, password: &str) -> (StatusCode, String, Option<String>) {
        let r = self
            .direct
            .post(format!("{}/login", self.base))
            .form(&[("username", user), ("password", password), ("next", "/home")])
            .send()
            .await
            .expect("login");
        let cookie = r
            .headers()
            .get("set-cookie")
            .and_then(|c| c.to_str().ok())
            .map(|c| c.split(';').next().unwrap_or("").to_string())
            .unwrap_or_default();
        (r.status(), cookie, location(&r))
    }

    /// Signs a browser in; its session cookie.
    pub async fn cookie(&self, user: &str) -> String {
        let (st, cookie, _) = self.page_login(user, PASSWORD).await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{user} signs in");
        assert!(!cookie.is_empty(), "{user} gets a session cookie");
        cookie
    }

    /// A page as the browser with `cookie` gets it: the status, the text and the redirect's
    /// target (with [`Server::http`], so redirected only if the setup follows redirects).
    pub async fn page(&self, cookie: &str, path: &str) -> (StatusCode, String, Option<String>) {
        let r = self.http.get(format!("{}{path}", self.base)).header("cookie", cookie).send().await.expect("get");
        let to = location(&r);
        (r.status(), r.text().await.unwrap_or_default(), to)
    }

    /// Posts a page form; the status and where it sends the browser (empty if nowhere).
    pub async fn post_form(&self, cookie: &str, path: &str, form: &[(&str, String)]) -> (StatusCode, String) {
        let r = self
            .direct
            .post(format!("{}{path}", self.base))
            .header("cookie", cookie)
            .form(form)
            .send()
            .await
            .expect("post");
        (r.status(), location(&r).unwrap_or_default())
    }

    /// A browser session for `user`.
    pub async fn browser(&self, user: &str) -> Browser<'_> {
        let mut b = Browser::new(self);
        let r = b.login(user, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{user} signs in on the page");
        b
    }
}

/// Where a redirect sends the client, if it is one.
fn location(r: &reqwest::Response) -> Option<String> {
    r.headers().get("location").map(|l| l.to_str().unwrap_or("").to_string())
}

/// The CSRF token a page's forms carry.
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

/// A browser without JavaScript: a cookie jar by hand, forms posted as a browser posts them,
/// redirects not followed.
pub struct Browser<'a> {
    pub s: &'a Server,
    pub http: Client,
    pub cookie: String,
}

impl<'a> Browser<'a> {
    /// A browser not signed in.
    pub fn new(s: &'a Server) -> Self {
        Browser { s, http: s.direct.clone(), cookie: String::new() }
    }

    /// Signs in on the page; the session cookie, if one is set, is kept (and must be HttpOnly
    /// and SameSite=Strict).
    pub async fn login(&mut self, user: &str, password: &str) -> reqwest::Response {
        let r = self
            .http
            .post(format!("{}/login", self.s.base))
            .form(&[("username", user), ("password", password), ("next", "/home")])
            .send()
            .await
            .expect("login");
        if let Some(c) = r.headers().get("set-cookie") {
            let c = c.to_str().expect("ascii").to_string();
            assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict"), "{c}");
            self.cookie = c.split(';').next().unwrap_or("").to_string();
        }
        r
    }

    /// A page: the status, the text and the headers.
    pub async fn get(&self, path: &str) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let r =
            self.http.get(format!("{}{path}", self.s.base)).header("cookie", &self.cookie).send().await.expect("get");
        let (st, h) = (r.status(), r.headers().clone());
        (st, r.text().await.unwrap_or_default(), h)
    }

    /// Posts a form: the status, the text and where it sends the browser.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
        let r = self
            .http
            .post(format!("{}{path}", self.s.base))
            .header("cookie", &self.cookie)
            .form(form)
            .send()
            .await
            .expect("post");
        let to = location(&r);
        (r.status(), r.text().await.unwrap_or_default(), to)
    }

    /// Posts a form as the page `from` sends it: with the draft version that page carries
    /// (the review page's forms send it back so a stale tab cannot overwrite newer edits).
    pub async fn post_from(&self, from: &str, to: &str, form: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
        let (_, page, _) = self.get(from).await;
        let version = page
            .split("name=\"version\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the page carries the draft's version")
            .to_string();
        let mut form = form.to_vec();
        form.push(("version", &version));
        self.post(to, &form).await
    }

    /// The CSRF token the pages carry for this session.
    pub async fn csrf(&self) -> String {
        let (_, body, _) = self.get("/home").await;
        csrf_of(&body)
    }
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
