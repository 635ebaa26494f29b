//! Items 12-14: what travels over the wire. CSV exports neutralise formula text; slow and idle
//! connections are closed and their number is bounded; bodies are bounded per route and a
//! large one is not read before its sender is known.

use super::*;
use reqwest::Method as M;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A formula a spreadsheet would run (the classic DDE payload).
const FORMULA: &str = "=cmd|' /C calc'!A0";

/// Every record of a CSV file (after its byte-order mark), read with a real CSV parser.
fn records(bytes: &[u8]) -> Vec<Vec<String>> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or_else(|| panic!("a byte-order mark"));
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body)
        .records()
        .map(|r| r.expect("valid csv").iter().map(str::to_string).collect())
        .collect()
}

/// Fails unless some cell starts with `FORMULA` neutralised (as `'=cmd…`) and no cell starts
/// with a formula.
fn assert_neutralised(what: &str, bytes: &[u8]) {
    let cells: Vec<String> = records(bytes).into_iter().flatten().collect();
    assert!(cells.iter().any(|c| c.starts_with(&format!("'{FORMULA}"))), "{what}: no neutralised cell in {cells:?}");
    assert_no_formula(what, bytes);
}

/// Fails if a cell starts with a formula (a plain negative number is none).
fn assert_no_formula(what: &str, bytes: &[u8]) {
    for c in records(bytes).into_iter().flatten() {
        assert!(!c.starts_with(['=', '+', '@', '\t', '\r']), "{what}: a formula cell {c:?}");
        assert!(!c.starts_with('-') || c.parse::<f64>().is_ok(), "{what}: a formula cell {c:?}");
    }
}

async fn get_bytes(s: &Server, path: &str, token: Option<&str>, cookie: Option<&str>) -> Vec<u8> {
    let mut req = s.http.get(format!("{}{path}", s.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let r = req.send().await.expect("get");
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    assert!(r.headers()["content-type"].to_str().unwrap_or("").starts_with("text/csv"), "{path}");
    r.bytes().await.expect("body").to_vec()
}

#[tokio::test]
async fn every_csv_export_neutralises_formula_text() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone(), config()).await;
        let plan = published(&db.store).await;
        let (admin, yujiang, sup) = (s.login("admin").await, s.login("yujiang").await, s.login("supervisor").await);

        // Units' names and a report's text that a spreadsheet would run: 月湖区 heads the list
        // of units on every item of the public page.
        let units = s.call(M::GET, "/api/v1/units", &admin, None).await.1;
        for (unit, new_name) in [("余江区", FORMULA.to_string()), ("月湖区", format!("{FORMULA}月湖"))] {
            let id = units.as_array().and_then(|a| a.iter().find(|u| u["name"] == unit)).expect("unit")["id"].clone();
            let mut renamed = s.call(M::GET, &format!("/api/v1/units/{id}"), &admin, None).await.1;
            renamed["name"] = json!(new_name);
            let (st, v) = s.call(M::PUT, &format!("/api/v1/units/{id}"), &admin, Some(renamed)).await;
            assert_eq!(st, StatusCode::OK, "{name}: {v}");
        }
        let a = s.assignment(plan, 8, FORMULA).await;
        let path = format!("/api/v1/assignments/{a}/reports/2024-10");
        let (st, v) = s.call(M::PUT, &path, &yujiang, Some(json!({"version": 0, "progress": FORMULA}))).await;
        assert_eq!(st, StatusCode::OK, "{name}: {v}");
        assert_eq!(s.call(M::POST, &format!("{path}/submit"), &yujiang, None).await.0, StatusCode::OK);
        let review = json!({"decision": "approve"});
        assert_eq!(s.call(M::POST, &format!("{path}/review"), &sup, Some(review)).await.0, StatusCode::OK);
        // A sign-in attempt under that name lands in the audit log.
        let _ = s.login_as(FORMULA, "wrong").await;

        let bulletin = format!("/api/v1/plans/{plan}/bulletins/2024-10?format=csv");
        // Which reports and names the ledger shows is the bulletin's rule; whatever it shows
        // is safe (the text itself: `the_bulletin_csv_neutralises_formula_text`).
        let bulletin = get_bytes(&s, &bulletin, Some(&sup), None).await;
        assert_no_formula(&format!("{name}: bulletin"), &bulletin);
        let keeper = s.browser("admin").await;
        let directory = get_bytes(&s, "/admin/units/export.csv", None, Some(&keeper.cookie)).await;
        assert_neutralised(&format!("{name}: units export"), &directory);
        let auditor = s.login("auditor").await;
        let audit = get_bytes(&s, "/api/v1/audit?format=csv", Some(&auditor), None).await;
        assert_neutralised(&format!("{name}: audit export"), &audit);
        let office = s.browser("supervisor").await;
        let csrf = office.csrf().await;
        let (st, _, _) = office.post(&format!("/plans/{plan}/public"), &[("_csrf", &csrf), ("public", "on")]).await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{name}");
        let public = get_bytes(&s, &format!("/public/plans/{plan}/progress.csv"), None, None).await;
        assert_neutralised(&format!("{name}: public progress"), &public);

        // The directory exported and imported again keeps the unit's name as it was.
        let sheet = store::directory_sheet::read(&directory).expect("reads back");
        assert!(
            sheet.iter().any(|u| u.name == FORMULA),
            "{name}: {:?}",
            sheet.iter().map(|u| &u.name).collect::<Vec<_>>()
        );
    }
}

/// The bulletin's ledger as CSV, with report text and unit names that are formulas, and
/// figures that are negative numbers.
#[test]
fn the_bulletin_csv_neutralises_formula_text() {
    let mut bulletin = report::sample::demo();
    let row = bulletin.ledger.iter_mut().flat_map(|s| s.rows.iter_mut()).next().expect("a ledger row");
    row.progress_text = FORMULA.to_string();
    row.lead_unit = format!("{FORMULA}单位");
    row.remarks = "-3.5".to_string();
    let csv = report::render(&bulletin, report::Format::Csv).expect("csv");
    assert_neutralised("bulletin", &csv);
    let cells: Vec<String> = records(&csv).into_iter().flatten().collect();
    assert!(cells.contains(&format!("'{FORMULA}单位")) && cells.contains(&"-3.5".to_string()), "{cells:?}");
}

// ---------------------------------------------------------------------------------------------
// Slow and idle connections (item 13)
// ---------------------------------------------------------------------------------------------

fn addr(s: &Server) -> String {
    s.base.trim_start_matches("http://").to_string()
}

/// Reads until the server closes the connection or `within` passes; whether it closed, and
/// what it sent.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> (bool, String) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return (false, String::from_utf8_lossy(&got).into_owned()),
            Ok(Ok(0)) | Ok(Err(_)) => return (true, String::from_utf8_lossy(&got).into_owned()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// Sends `GET /healthz` on `stream` (kept alive).
async fn ask_healthz(stream: &mut TcpStream) {
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: duban\r\n\r\n").await.expect("write");
}

/// One whole answer (head and `Content-Length` body) read from `stream`, or `None` if it has
/// not come within `within` or the connection closed first.
async fn read_answer(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if got.len() >= end + 4 + length {
                return Some(text);
            }
        }
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
            _ => return None,
        }
    }
}

async fn healthz(stream: &mut TcpStream, within: Duration) -> Option<String> {
    ask_healthz(stream).await;
    read_answer(stream, within).await
}

fn short_timeouts() -> web::Config {
    web::Config { header_timeout: Duration::from_secs(1), ..config() }
}

#[tokio::test]
async fn a_client_sending_half_a_header_is_cut_off_after_the_header_timeout() {
    for db in store::testing::all().await {
        let s = start(db.store.clone(), short_timeouts()).await;
        let started = Instant::now();
        let mut slow = TcpStream::connect(addr(&s)).await.expect("connect");
        slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: du").await.expect("write");
        // A trickle of bytes does not keep it alive either.
        tokio::time::sleep(Duration::from_millis(500)).await;
        slow.write_all(b"ban\r\nX-Slow: 1").await.expect("write");
        let (closed, answer) = closed_within(&mut slow, Duration::from_secs(4)).await;
        assert!(closed, "{}: the half-sent request is still open after {:?}", db.name, started.elapsed());
        assert!(!answer.contains("200 OK"), "{}: {answer}", db.name);
        assert!(started.elapsed() >= Duration::from_millis(900), "{}: closed before the timeout", db.name);

        // A silent client (connects, sends nothing) goes the same way.
        let mut silent = TcpStream::connect(addr(&s)).await.expect("connect");
        assert!(closed_within(&mut silent, Duration::from_secs(4)).await.0, "{}: a silent client stays", db.name);
    }
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    for db in store::testing::all().await {
        let s = start(db.store.clone(), short_timeouts()).await;
        let mut c = TcpStream::connect(addr(&s)).await.expect("connect");
        // Two answers on one connection: keep-alive works...
        for _ in 0..2 {
            let answer = healthz(&mut c, Duration::from_secs(5)).await.expect("an answer");
            assert!(answer.starts_with("HTTP/1.1 200"), "{}: {answer}", db.name);
        }
        // ...and, left idle, the connection is closed by the server.
        let idle = Instant::now();
        let (closed, _) = closed_within(&mut c, Duration::from_secs(4)).await;
        assert!(closed, "{}: an idle keep-alive connection is still open after {:?}", db.name, idle.elapsed());
    }
}

#[tokio::test]
async fn slow_connections_beyond_the_limit_wait_and_the_server_keeps_answering() {
    for db in store::testing::all().await {
        let name = db.name;
        let limit = 50;
        let header_timeout = Duration::from_secs(2);
        let config = web::Config { max_connections: limit, header_timeout, ..config() };
        let s = start(db.store.clone(), config).await;
        // Not the limit's concern: a request served before the flood works.
        let mut first = TcpStream::connect(addr(&s)).await.expect("connect");
        assert!(healthz(&mut first, Duration::from_secs(5)).await.is_some_and(|a| a.starts_with("HTTP/1.1 200")));
        drop(first);

        // 80 slowloris connections: more than the limit, each sending half a header.
        let flood_started = Instant::now();
        let mut slow = Vec::new();
        for _ in 0..80 {
            let mut c = TcpStream::connect(addr(&s)).await.expect("connect (the kernel's backlog takes it)");
            c.write_all(b"GET / HTTP/1.1\r\nHost: duban\r\n").await.expect("write");
            slow.push(c);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;

        // The limit holds: a new client is not served while 50 slow ones hold every slot...
        let mut probe = TcpStream::connect(addr(&s)).await.expect("connect");
        let waited = Instant::now();
        ask_healthz(&mut probe).await;
        let early = read_answer(&mut probe, Duration::from_millis(800)).await;
        assert!(early.is_none(), "{name}: answered beside 50 slow connections, so there is no limit: {early:?}");
        // ...and is answered as soon as the header timeout frees them, well before all 80
        // have had their turn (a couple of seconds, not the attack's length).
        let late = read_answer(&mut probe, Duration::from_secs(4)).await;
        assert!(
            late.as_deref().is_some_and(|a| a.starts_with("HTTP/1.1 200")),
            "{name}: no answer {:?} after the flood began: {late:?}",
            flood_started.elapsed()
        );
        assert!(waited.elapsed() < header_timeout + Duration::from_secs(2), "{name}: {:?}", waited.elapsed());
        drop(slow);
    }
}

// ---------------------------------------------------------------------------------------------
// Bodies (item 14)
// ---------------------------------------------------------------------------------------------

/// Sends `head` (request line and headers, without the blank line) declaring `length` bytes of
/// body, and only the first few of them; the answer, if it comes within two seconds.
async fn declared_but_not_sent(s: &Server, head: &str, length: usize) -> Option<String> {
    let mut c = TcpStream::connect(addr(s)).await.expect("connect");
    let request = format!("{head}\r\nHost: duban\r\nContent-Length: {length}\r\n\r\n{{\"username\":");
    c.write_all(request.as_bytes()).await.expect("write");
    read_answer(&mut c, Duration::from_secs(2)).await
}

fn status_of(answer: &str) -> u16 {
    answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

#[tokio::test]
async fn bodies_beyond_a_routes_limit_are_refused_before_they_are_read() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(db.store.clone(), config()).await;
        let plan = published(&db.store).await;
        let a = s.assignment(plan, 8, "余江区").await;
        let token = s.login("yujiang").await;
        let two_mb = 2 * 1024 * 1024;

        // Declared 2 MB, a dozen bytes sent: the answer comes without the rest.
        let json = "Content-Type: application/json";
        for (head, what) in [
            (format!("POST /api/v1/auth/login HTTP/1.1\r\n{json}"), "API sign-in"),
            (
                format!(
                    "PUT /api/v1/assignments/{a}/reports/2024-11 HTTP/1.1\r\n{json}\r\nAuthorization: Bearer {token}"
                ),
                "a report",
            ),
            (format!("PUT /api/v1/plans/{plan}/scoring-scheme HTTP/1.1\r\n{json}"), "an anonymous JSON route"),
        ] {
            let answer = declared_but_not_sent(&s, &head, two_mb).await;
            let answer = answer.unwrap_or_else(|| panic!("{name}: {what}: no answer without the whole body"));
            assert_eq!(status_of(&answer), 413, "{name}: {what}: {answer}");
            assert!(answer.contains("application/problem+json") && answer.contains("请求内容过大"), "{name}: {answer}");
        }
        // Sign-in takes far less than other JSON: 100 KB is already too much there.
        let answer = declared_but_not_sent(&s, &format!("POST /api/v1/auth/login HTTP/1.1\r\n{json}"), 100_000).await;
        assert_eq!(answer.as_deref().map(status_of), Some(413), "{name}: {answer:?}");
        // The sign-in page: a Chinese page.
        let form = "Content-Type: application/x-www-form-urlencoded";
        let answer = declared_but_not_sent(&s, &format!("POST /login HTTP/1.1\r\n{form}"), two_mb).await;
        let answer = answer.unwrap_or_else(|| panic!("{name}: the sign-in page reads the whole body"));
        assert_eq!(status_of(&answer), 413, "{name}: {answer}");
        assert!(answer.contains("text/html") && answer.contains("请求内容过大"), "{name}: {answer}");

        // Sent whole, and without a declared length (chunked), the answer is the same.
        let big = json!({"username": "x".repeat(two_mb), "password": "y"}).to_string();
        let r = s
            .http
            .post(format!("{}/api/v1/auth/login", s.base))
            .header("content-type", "application/json")
            .body(big)
            .send();
        let r = r.await.expect("send");
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE, "{name}");
        let mut c = TcpStream::connect(addr(&s)).await.expect("connect");
        let chunk = format!("{{\"version\":0,\"progress\":\"{}\"}}", "长".repeat(400_000));
        let request = format!(
            "PUT /api/v1/assignments/{a}/reports/2024-11 HTTP/1.1\r\nHost: duban\r\n{json}\r\nAuthorization: Bearer {token}\r\n\
             Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
            chunk.len()
        );
        c.write_all(request.as_bytes()).await.expect("write");
        let chunked = read_answer(&mut c, Duration::from_secs(5)).await.unwrap_or_default();
        assert_eq!(status_of(&chunked), 413, "{name}: chunked: {chunked}");
        assert!(chunked.contains("application/problem+json"), "{name}: {chunked}");

        // An ordinary report still saves.
        let path = format!("/api/v1/assignments/{a}/reports/2024-11");
        let (st, v) = s.call(M::PUT, &path, &token, Some(json!({"version": 0, "progress": "长".repeat(4000)}))).await;
        assert_eq!(st, StatusCode::OK, "{name}: {v}");
    }
}

#[tokio::test]
async fn a_large_upload_is_read_only_from_a_signed_in_sender_and_a_few_at_a_time() {
    for db in store::testing::all().await {
        let name = db.name;
        let config = web::Config { max_large_bodies: 1, large_body_wait: Duration::from_secs(1), ..config() };
        let s = start(db.store.clone(), config).await;
        let multipart = "Content-Type: multipart/form-data; boundary=xyz";

        // Anonymous: refused before the body (10 MB declared, a few bytes sent).
        let head = format!("POST /api/v1/plans/import HTTP/1.1\r\n{multipart}");
        let answer = declared_but_not_sent(&s, &head, 10 << 20).await;
        let answer = answer.unwrap_or_else(|| panic!("{name}: an anonymous upload is read"));
        assert_eq!(status_of(&answer), 401, "{name}: {answer}");
        let head = format!("POST /plans/import HTTP/1.1\r\n{multipart}");
        let answer = declared_but_not_sent(&s, &head, 10 << 20).await;
        let answer = answer.unwrap_or_else(|| panic!("{name}: an anonymous page upload is read"));
        assert_eq!(status_of(&answer), 303, "{name}: to the sign-in page: {answer}");
        // Beyond the largest upload: 413 at once.
        let token = s.login("supervisor").await;
        let head = format!("POST /api/v1/plans/import HTTP/1.1\r\n{multipart}\r\nAuthorization: Bearer {token}");
        let answer = declared_but_not_sent(&s, &head, 50 << 20).await.unwrap_or_else(|| panic!("{name}: 50 MB read"));
        assert_eq!(status_of(&answer), 413, "{name}: {answer}");

        // One large body at a time (in this configuration): a slow upload holds the slot...
        let mut slow = TcpStream::connect(addr(&s)).await.expect("connect");
        let request = format!("{head}\r\nHost: duban\r\nContent-Length: {}\r\n\r\n--xyz\r\n", 5 << 20);
        slow.write_all(request.as_bytes()).await.expect("write");
        tokio::time::sleep(Duration::from_millis(300)).await;
        // ...so a second one waits, then is told to come back later, unread.
        let started = Instant::now();
        let second = s.http.post(format!("{}/api/v1/plans/import", s.base)).bearer_auth(&token);
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(YINGTAN.to_vec()).file_name("yingtan.txt"));
        let r = second.multipart(form).send().await.expect("send");
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "{name}: two large bodies read at once");
        assert!(r.headers().contains_key("retry-after"), "{name}");
        assert!(started.elapsed() < Duration::from_secs(3), "{name}: {:?}", started.elapsed());
        let v: Value = r.json().await.expect("problem");
        assert!(v["detail"].as_str().is_some_and(|d| d.contains("稍后重试")), "{name}: {v}");

        // Once the slow one is gone, a real plan document imports as before.
        drop(slow);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(YINGTAN.to_vec()).file_name("yingtan.txt"));
        let r = s.http.post(format!("{}/api/v1/plans/import", s.base)).bearer_auth(&token).multipart(form).send();
        let r = r.await.expect("send");
        assert_eq!(r.status(), StatusCode::CREATED, "{name}: {}", r.text().await.unwrap_or_default());
    }
}
