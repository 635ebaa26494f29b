//! The browser harness the journeys (tests/browser.rs) and the effort benchmark
//! (benches/effort.rs) share: the `duban demo` server, chromedriver, a page with the checks
//! every page gets, and the journeys whose effort is measured (interactions and page loads
//! after sign-in, wall time).
// Each user of this module uses a different part of it.
#![allow(dead_code)]

use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const PASSWORD: &str = "Duban@2024";
/// The demo's clock is 2024-11-10: November is the open period.
pub const PERIOD: &str = "2024-11";
pub const WIDE: (u32, u32) = (1366, 768);
pub const PHONE: (u32, u32) = (375, 812);
/// True once the page marked `window.__dubanOldPage` has been replaced and has loaded.
pub const FRESH_PAGE: &str = "return window.__dubanOldPage === undefined && document.readyState === 'complete'";
/// The status keys of the dashboard's `#counts`, with the labels pages show.
pub const STATUSES: [(&str, &str); 6] = [
    ("completed", "已完成"),
    ("ahead", "超序时"),
    ("on_pace", "序时推进"),
    ("behind", "滞后"),
    ("not_started", "未启动"),
    ("overdue", "逾期"),
];

// ---------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------

/// Kills and reaps a child process when dropped, so a panicking test leaves nothing behind.
pub struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("addr").port()
}

/// The status code of `GET path` on the loopback `port`, if anything answers.
pub fn http_status(port: u16, path: &str) -> Option<u16> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").ok()?;
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let head = String::from_utf8_lossy(&answer);
    head.split_whitespace().nth(1)?.parse().ok()
}

/// `duban demo` on a fresh data directory and a free port.
pub struct Server {
    pub base: String,
    _process: Reaper,
    _dir: tempfile::TempDir,
}

pub fn start_server() -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let log = dir.path().join("server.log");
    let out = std::fs::File::create(&log).expect("log file");
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(["demo", "--data-dir", data.to_str().expect("utf-8"), "--addr", &format!("127.0.0.1:{port}")])
        .env("DUBAN_DEMO_PASSWORD", PASSWORD)
        .env_remove("DUBAN_TODAY")
        .env_remove("DUBAN_CONFIG")
        .env_remove("DUBAN_DATABASE_URL")
        .stdout(out.try_clone().expect("log file"))
        .stderr(out)
        .spawn()
        .expect("duban demo starts");
    let mut process = Reaper(child);
    let started = Instant::now();
    loop {
        if http_status(port, "/healthz") == Some(200) {
            break;
        }
        let log_text = || std::fs::read_to_string(&log).unwrap_or_default();
        if let Ok(Some(status)) = process.0.try_wait() {
            panic!("duban demo exited ({status}) before answering /healthz:\n{}", log_text());
        }
        if started.elapsed() > Duration::from_secs(300) {
            panic!("duban demo did not answer /healthz within 300 s:\n{}", log_text());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!("duban demo ready on port {port} after {:.1} s", started.elapsed().as_secs_f64());
    Server { base: format!("http://127.0.0.1:{port}"), _process: process, _dir: dir }
}

/// chromedriver on a free port.
pub struct Driver {
    pub url: String,
    _process: Reaper,
}

pub fn start_chromedriver() -> Driver {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let mut process = Reaper(child);
    let started = Instant::now();
    while http_status(port, "/status") != Some(200) {
        if let Ok(Some(status)) = process.0.try_wait() {
            panic!("chromedriver exited ({status})");
        }
        assert!(started.elapsed() < Duration::from_secs(30), "chromedriver did not start within 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    Driver { url: format!("http://127.0.0.1:{port}"), _process: process }
}

// ---------------------------------------------------------------------------------------
// WebDriver commands fantoccini does not have
// ---------------------------------------------------------------------------------------

/// `POST /session/{id}/<path>` with a JSON body: chromedriver's extensions, such as the
/// browser log (`se/log`), which returns and clears the console entries.
#[derive(Debug)]
pub struct SessionPost {
    path: &'static str,
    body: Value,
}

impl WebDriverCompatibleCommand for SessionPost {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/{}", session_id.unwrap_or_default(), self.path))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

// ---------------------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------------------

pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("screenshots")
}

/// A fresh browser session for one journey, with the checks every page gets.
pub struct Page {
    pub c: Client,
    pub base: String,
    pub journey: &'static str,
}

impl Page {
    pub async fn new(driver: &str, base: &str, journey: &'static str) -> Page {
        let caps = json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1366,768"],
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let Value::Object(caps) = caps else { unreachable!() };
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(driver)
            .await
            .expect("a Chromium session");
        let page = Page { c, base: base.to_string(), journey };
        page.viewport(WIDE).await;
        page
    }

    pub async fn close(self) {
        let _ = self.c.close().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The path of the current page, without the query (flash messages travel in it).
    pub async fn path(&self) -> String {
        self.c.current_url().await.expect("current url").path().to_string()
    }

    /// The main text of the page, for failure messages.
    pub async fn describe(&self) -> String {
        let path = self.path().await;
        let text = match self.c.find(Locator::Css("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        let text: String = text.chars().take(600).collect();
        format!("[{}] at {path}: {text}", self.journey)
    }

    /// Opens `path` and checks the page.
    pub async fn goto(&self, path: &str) {
        self.c.goto(&self.url(path)).await.expect("navigation");
        self.check(&[]).await;
    }

    /// Opens `path`, which is expected to answer with one of the HTTP `statuses` (an error
    /// page), and checks the page.
    pub async fn goto_expecting(&self, path: &str, statuses: &[u16]) {
        self.c.goto(&self.url(path)).await.expect("navigation");
        self.check(statuses).await;
    }

    /// The checks after every page load: not a server error, nothing logged as an error in
    /// the console. Chromium logs a document answered with an error status as a failed
    /// resource; `expected` are the statuses the step expects (a 404 page, a form coming back
    /// with 422), and only such an entry for the current page is let through.
    pub async fn check(&self, expected: &[u16]) {
        let title = self.c.title().await.expect("title");
        assert!(!title.contains("服务器错误"), "server error page: {}", self.describe().await);
        assert!(self.maybe(".server-error").await.is_none(), "server error page: {}", self.describe().await);
        let foreign = self
            .c
            .execute(
                "return performance.getEntriesByType('resource').map(e => e.name) \
                 .filter(n => /^(https?|wss?):/.test(n) && !n.startsWith(location.origin + '/'))",
                vec![],
            )
            .await
            .expect("resource list");
        assert_eq!(foreign, json!([]), "requests to other hosts from {}", self.describe().await);
        self.check_console(expected).await;
    }

    /// Scrolls the element into the middle of the viewport, for a screenshot that shows it.
    pub async fn scroll_to(&self, css: &str) {
        let e = serde_json::to_value(self.find(css).await).expect("element");
        self.c.execute("arguments[0].scrollIntoView({block: 'center'})", vec![e]).await.expect("scroll");
    }

    pub async fn check_console(&self, expected: &[u16]) {
        // Console entries of a just-loaded page can arrive a moment after the load.
        tokio::time::sleep(Duration::from_millis(150)).await;
        let log = self
            .c
            .issue_cmd(SessionPost { path: "se/log", body: json!({"type": "browser"}) })
            .await
            .expect("the browser log (chromedriver's se/log)");
        let here = self.url(&self.path().await);
        let errors: Vec<String> = log
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_string())
            .filter(|m| {
                let allowed = expected
                    .iter()
                    .any(|s| m.starts_with(&here) && m.contains(&format!("the server responded with a status of {s}")));
                !allowed
            })
            .collect();
        assert!(errors.is_empty(), "console errors {errors:#?} on {}", self.describe().await);
    }

    pub async fn viewport(&self, (w, h): (u32, u32)) {
        // The window is the viewport in new headless mode; checked below so a screenshot
        // "at 375 px" really is 375 CSS pixels wide.
        self.c.set_window_size(w, h).await.expect("window size");
        let inner = self.c.execute("return [window.innerWidth, window.innerHeight]", vec![]).await.expect("size");
        if inner[0].as_u64() != Some(u64::from(w)) || inner[1].as_u64() != Some(u64::from(h)) {
            self.c
                .issue_cmd(SessionPost {
                    path: "goog/cdp/execute",
                    body: json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": {
                        "width": w, "height": h, "deviceScaleFactor": 1, "mobile": w < 600,
                    }}),
                })
                .await
                .expect("viewport override");
        }
    }

    /// Saves a screenshot of the current viewport as `<journey>-<step>.png`.
    pub async fn shot(&self, step: &str) {
        let png = self.c.screenshot().await.expect("screenshot");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        std::fs::write(dir.join(format!("{}-{step}.png", self.journey)), png).expect("screenshot written");
    }

    /// A screenshot at 1366×768 and one at a phone's 375×812 (`<step>-375`).
    pub async fn shot_both(&self, step: &str) {
        self.shot(step).await;
        self.viewport(PHONE).await;
        // Let the layout settle at the new width.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let overflow = self
            .c
            .execute("return document.documentElement.scrollWidth - window.innerWidth", vec![])
            .await
            .expect("scroll width");
        if overflow.as_i64().unwrap_or(0) > 0 {
            eprintln!("[{}] {step}: the page is {overflow} px wider than a 375 px screen", self.journey);
        }
        self.shot(&format!("{step}-375")).await;
        let _ = self
            .c
            .issue_cmd(SessionPost {
                path: "goog/cdp/execute",
                body: json!({"cmd": "Emulation.clearDeviceMetricsOverride", "params": {}}),
            })
            .await;
        self.viewport(WIDE).await;
    }

    /// A Chrome DevTools Protocol command (chromedriver's `goog/cdp/execute`); its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.c
            .issue_cmd(SessionPost { path: "goog/cdp/execute", body: json!({"cmd": cmd, "params": params}) })
            .await
            .unwrap_or_else(|e| panic!("[{}] CDP {cmd}: {e}", self.journey))
    }

    pub async fn maybe(&self, css: &str) -> Option<Element> {
        self.c.find(Locator::Css(css)).await.ok()
    }

    pub async fn find(&self, css: &str) -> Element {
        match self.c.find(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => panic!("no `{css}` ({e}) on {}", self.describe().await),
        }
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.c.find_all(Locator::Css(css)).await.expect("find_all")
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text").trim().to_string()
    }

    pub async fn value(&self, css: &str) -> String {
        self.find(css).await.prop("value").await.expect("value").unwrap_or_default()
    }

    /// Replaces the content of a text field.
    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear().await.expect("clear");
        e.send_keys(text).await.expect("typing");
    }

    /// Sets a field by script (date inputs take typed text in the browser's locale order).
    pub async fn set_value(&self, e: &Element, value: &str) {
        self.c
            .execute(
                "arguments[0].value = arguments[1]; \
                 arguments[0].dispatchEvent(new Event('input', {bubbles: true})); \
                 arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                vec![serde_json::to_value(e).expect("element"), json!(value)],
            )
            .await
            .expect("set value");
    }

    /// Clicks `css` (a submit button or a link) and waits for the next document to load,
    /// then checks it.
    pub async fn click(&self, css: &str) {
        self.click_expecting(css, &[]).await;
    }

    pub async fn click_expecting(&self, css: &str, expected: &[u16]) {
        let e = self.find(css).await;
        self.c.execute("window.__dubanOldPage = true;", vec![]).await.expect("mark page");
        e.click().await.unwrap_or_else(|err| panic!("[{}] clicking `{css}`: {err}", self.journey));
        self.wait_for(FRESH_PAGE, vec![], &format!("a new page after clicking `{css}`")).await;
        self.check(expected).await;
    }

    /// Waits up to 30 s until the script `condition` (its `arguments` given) returns true.
    pub async fn wait_for(&self, condition: &str, arguments: Vec<Value>, what: &str) {
        let started = Instant::now();
        loop {
            let done = self.c.execute(condition, arguments.clone()).await;
            if done.is_ok_and(|v| v == json!(true)) {
                return;
            }
            if started.elapsed() > Duration::from_secs(30) {
                panic!("no {what} within 30 s on {}", self.describe().await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the report form's upload button and waits, on the same page (the upload runs in
    /// the background), until the file list names `file_name`; the page must not have been
    /// reloaded.
    pub async fn upload_in_place(&self, css: &str, file_name: &str) {
        let e = self.find(css).await;
        self.c.execute("window.__dubanOldPage = true;", vec![]).await.expect("mark page");
        e.click().await.unwrap_or_else(|err| panic!("[{}] clicking `{css}`: {err}", self.journey));
        let listed = "const l = document.getElementById('evidence-list'); \
                      return !!l && l.innerText.includes(arguments[0]) && window.__dubanOldPage === true;";
        self.wait_for(listed, vec![json!(file_name)], &format!("`{file_name}` listed in place after `{css}`")).await;
        self.check(&[]).await;
    }

    /// Chooses an option of a select that applies itself (`form.auto-submit`) and waits for
    /// the page it loads.
    pub async fn select_loading(&self, css: &str, value: &str) {
        let e = self.find(css).await;
        self.c.execute("window.__dubanOldPage = true;", vec![]).await.expect("mark page");
        e.select_by_value(value).await.unwrap_or_else(|err| panic!("[{}] choosing `{value}`: {err}", self.journey));
        self.wait_for(FRESH_PAGE, vec![], &format!("a new page after choosing `{value}` in `{css}`")).await;
        self.check(&[]).await;
    }

    /// Signs in on the login form; the user lands on /home with the signed-in header.
    pub async fn login(&self, user: &str) {
        self.goto("/login").await;
        self.fill("form#login-form input[name=username]", user).await;
        self.fill("form#login-form input[name=password]", PASSWORD).await;
        self.click("form#login-form button[type=submit]").await;
        assert_eq!(self.path().await, "/home", "{user} signed in: {}", self.describe().await);
        assert_eq!(self.text("form#logout-form button").await, "退出");
        for (text, href) in [("工作台", "/home"), ("工作要点", "/plans"), ("驾驶舱", "/dashboard"), ("搜索", "/search")]
        {
            let link = self.find(&format!("nav a[href='{href}']")).await;
            assert_eq!(link.text().await.expect("text").trim(), text, "nav link {href}");
        }
    }

    pub async fn logout(&self) {
        self.click("form#logout-form button").await;
        assert_eq!(self.path().await, "/login", "signed out: {}", self.describe().await);
    }

    /// Signs the current user out and `user` in.
    pub async fn switch_to(&self, user: &str) {
        self.logout().await;
        self.login(user).await;
    }

    /// The dashboard's assignment counts by status key for `period`.
    pub async fn dashboard_counts(&self, period: &str) -> BTreeMap<&'static str, i64> {
        self.goto(&format!("/dashboard?period={period}")).await;
        self.find("#counts").await;
        let mut out = BTreeMap::new();
        for (key, _) in STATUSES {
            let text = self.text(&format!("#counts [data-status='{key}'] .count")).await;
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            out.insert(key, digits.parse().unwrap_or_else(|_| panic!("count of {key}: {text:?}")));
        }
        out
    }

    /// The indicator inputs of a report form with the unit written after each.
    pub async fn indicator_units(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for input in self.find_all("form#report-form input.indicator-input").await {
            let name = input.attr("name").await.expect("attr").unwrap_or_default();
            let arg = serde_json::to_value(&input).expect("element");
            let unit = self.c.execute("return arguments[0].parentElement.textContent", vec![arg]).await.expect("unit");
            out.push((name, unit.as_str().unwrap_or_default().trim().to_string()));
        }
        out
    }

    /// The rows of the reporter's worklist: (assignment id, state label, report link).
    pub async fn worklist(&self) -> Vec<(i64, String, String)> {
        let mut out = Vec::new();
        for row in self.find_all("#worklist tr[data-assignment]").await {
            let id = row.attr("data-assignment").await.expect("attr").unwrap_or_default();
            let state = row.find(Locator::Css("td.state")).await.expect("td.state").text().await.expect("text");
            let link = row.find(Locator::Css("a.report-link")).await.expect("a.report-link");
            let href = link.attr("href").await.expect("href").unwrap_or_default();
            out.push((id.parse().expect("numeric assignment id"), state.trim().to_string(), href));
        }
        out
    }
}

pub fn is_open_state(state: &str) -> bool {
    state == "未填报" || state == "草稿"
}

pub fn status_key(label: &str) -> &'static str {
    if label == "严重滞后" {
        // Far behind pace: 滞后 in the counts.
        return "behind";
    }
    STATUSES.iter().find(|(_, l)| *l == label).map(|(k, _)| *k).unwrap_or_else(|| panic!("unknown status {label:?}"))
}

pub fn report_path(assignment: i64) -> String {
    format!("/assignments/{assignment}/reports/{PERIOD}")
}

/// What one journey cost a user after signing in: interactions (each click and each field
/// edit; a click that loads a page counts once), page loads, wall time, and the goal.
#[derive(Debug, Clone)]
pub struct Effort {
    pub what: String,
    pub interactions: u32,
    pub loads: u32,
    pub secs: f64,
    pub goal: u32,
}

/// The editable rows of the month page: (assignment id, the name of its first indicator input).
pub async fn month_rows(p: &Page) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for row in p.find_all("fieldset.month-row:not([disabled])").await {
        let id = row.attr("data-assignment").await.expect("attr").unwrap_or_default();
        let input = match row.find(Locator::Css("input[name^=value_]")).await {
            Ok(i) => i.attr("name").await.expect("attr"),
            Err(_) => None,
        };
        out.push((id, input));
    }
    out
}

/// A different valid figure than `current` (percentages stay within 100).
pub fn another_figure(current: &str) -> String {
    match current.trim().parse::<f64>() {
        Ok(v) if v >= 1.0 => format!("{}", (v - 1.0).floor()),
        Ok(v) => format!("{}", v + 1.0),
        Err(_) => "1".to_string(),
    }
}

/// A reporter files the whole month with one figure changed and nothing else new: after
/// sign-in, each click and each field edit is one interaction (a click that loads a page
/// counts once); the goal is at most 5.
pub async fn month_one_figure(driver: String, base: String) -> Effort {
    let p = Page::new(&driver, &base, "month").await;
    p.login("yujiang").await;
    let (mut interactions, mut loads) = (0, 0);
    let started = Instant::now();
    p.click("#month-link").await;
    (interactions, loads) = (interactions + 1, loads + 1);
    assert_eq!(p.path().await, format!("/months/{PERIOD}"), "{}", p.describe().await);
    p.shot_both("01-month").await;
    let rows = month_rows(&p).await;
    assert!(rows.len() > 1, "余江区 has open reports: {}", p.describe().await);
    let (_, input) = rows.iter().find(|(_, i)| i.is_some()).expect("an open row with a figure");
    let input = format!("input[name='{}']", input.as_deref().unwrap_or_default());
    let figure = another_figure(&p.value(&input).await);
    p.fill(&input, &figure).await;
    interactions += 1;
    p.click("#month-submit-rest").await;
    (interactions, loads) = (interactions + 1, loads + 1);
    assert!(p.text(".flash").await.contains("已提交本月"), "{}", p.describe().await);
    assert!(month_rows(&p).await.is_empty(), "every row submitted: {}", p.describe().await);
    assert_eq!(p.text("#open-rows").await, "0");
    p.shot_both("02-submitted").await;
    let secs = started.elapsed().as_secs_f64();
    p.close().await;
    Effort {
        what: format!("一个指标有变化,其余本月无新进展({} 项任务)", rows.len()),
        interactions,
        loads,
        secs,
        goal: 5,
    }
}

/// A reporter changes three figures and writes one progress note across three tasks, and
/// files the whole month: the goal is at most 10 interactions after sign-in.
pub async fn month_three_figures(driver: String, base: String) -> Effort {
    let p = Page::new(&driver, &base, "month-three").await;
    p.login("guixi").await;
    let (mut interactions, mut loads) = (0, 0);
    let started = Instant::now();
    p.click("#month-link").await;
    (interactions, loads) = (interactions + 1, loads + 1);
    let rows = month_rows(&p).await;
    let with_figures: Vec<(String, String)> =
        rows.iter().filter_map(|(id, i)| Some((id.clone(), i.clone()?))).take(3).collect();
    assert_eq!(with_figures.len(), 3, "贵溪市 has three open rows with figures: {}", p.describe().await);
    let mut typed = Vec::new();
    for (_, name) in &with_figures {
        let input = format!("input[name='{name}']");
        let figure = another_figure(&p.value(&input).await);
        p.fill(&input, &figure).await;
        interactions += 1;
        typed.push((input, figure));
    }
    let note = "本月完成三所学校的现场核查。";
    let note_field = format!("textarea[name='progress_{}']", with_figures[0].0);
    p.fill(&note_field, note).await;
    interactions += 1;
    p.click("#month-submit-rest").await;
    (interactions, loads) = (interactions + 1, loads + 1);
    assert!(p.text(".flash").await.contains("已提交本月"), "{}", p.describe().await);
    assert!(month_rows(&p).await.is_empty(), "every row submitted: {}", p.describe().await);
    let secs = started.elapsed().as_secs_f64();
    p.close().await;
    Effort {
        what: format!("三个指标和一条进展,三项任务({} 项任务)", rows.len()), interactions, loads, secs, goal: 10
    }
}

/// The supervision office approves twenty clean reports: from the home page's queue count,
/// narrowed to clean reports, all ticked, approved. The goal is at most 5 interactions.
pub async fn review_clean(driver: String, base: String) -> Effort {
    let p = Page::new(&driver, &base, "review-clean").await;
    p.login("supervisor").await;
    let (mut interactions, mut loads) = (0, 0);
    let started = Instant::now();
    p.click("a#queue-count").await;
    (interactions, loads) = (interactions + 1, loads + 1);
    // Choosing a filter applies it (one interaction, one page load).
    p.select_loading("form#queue-filter select[name=flag]", "clean").await;
    (interactions, loads) = (interactions + 1, loads + 1);
    let clean = p.find_all("#review-queue input[name=item]").await.len();
    assert!(clean >= 20, "at least twenty clean reports to approve ({clean}): {}", p.describe().await);
    p.shot_both("01-clean").await;
    p.find("#select-clean").await.click().await.expect("tick all");
    interactions += 1;
    p.click("#approve-selected").await;
    (interactions, loads) = (interactions + 1, loads + 1);
    let flash = p.text(".flash").await;
    assert!(flash.contains(&format!("已通过 {clean} 份")), "{flash}: {}", p.describe().await);
    let secs = started.elapsed().as_secs_f64();
    p.shot_both("02-approved").await;
    p.close().await;
    Effort {
        what: format!("督办管理员批量通过 {clean} 份无标记报告"), interactions, loads, secs, goal: 5
    }
}
