//! `duban serve`'s log as an operator reads it (issue 23): one line per request with the id
//! the client got back, and nothing secret — no password, no session token, no query string.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port()
}

const PASSWORD: &str = "Initial#Secret2024";
const NEW_PASSWORD: &str = "Changed#Secret2025";
const WRONG: &str = "Wrong#Guess2024x";

fn run(args: &[&str], input: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(args)
        .env_remove("DUBAN_CONFIG")
        .env_remove("DUBAN_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("duban runs");
    let _ = child.stdin.take().expect("stdin").write_all(input.as_bytes());
    let o = child.wait_with_output().expect("duban runs");
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

#[tokio::test]
async fn the_server_logs_each_request_with_its_id_and_no_secrets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let d = data.to_str().expect("utf-8");
    run(&["migrate", "--data-dir", d], "");
    run(
        &["user", "add", "--username", "admin", "--role", "admin", "--password-stdin", "--data-dir", d],
        &format!("{PASSWORD}\n"),
    );

    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(["serve", "--data-dir", d, "--addr", &format!("127.0.0.1:{port}"), "--log-format", "json"])
        .env_remove("DUBAN_CONFIG")
        .env_remove("DUBAN_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    assert!(first.contains(&format!("http://127.0.0.1:{port}/")), "{first}");

    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let id = |r: &reqwest::Response| r.headers().get("x-request-id").expect("id").to_str().expect("text").to_string();
    // A failed sign-in, a sign-in, a password change, a read with the token in the query.
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "admin", "password": WRONG}))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 401);
    let refused = id(&r);
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 200);
    let signed_in = id(&r);
    let v: serde_json::Value = r.json().await.expect("json");
    let token = v["token"].as_str().expect("token").to_string();
    let user_id = v["user"]["id"].as_i64().expect("id");
    let r = http
        .post(format!("{base}/api/v1/me/password"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}))
        .send()
        .await
        .expect("change");
    assert!(r.status().is_success(), "{}", r.status());
    let changed = id(&r);
    let r = http.get(format!("{base}/api/v1/me?token={token}")).bearer_auth(&token).send().await.expect("me");
    let me = id(&r);

    let _ = child.kill();
    let _ = child.wait();
    let mut log = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut log).expect("utf-8");

    // Nothing secret anywhere in the log.
    for secret in [PASSWORD, NEW_PASSWORD, WRONG, token.as_str()] {
        assert!(!log.contains(secret), "the log shows a secret ({secret}):\n{log}");
    }
    // One JSON object per line; one request line per request, carrying the id it answered.
    let events: Vec<serde_json::Value> =
        log.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    let line = |id: &str| {
        let found: Vec<&serde_json::Value> =
            events.iter().filter(|e| e["target"] == "duban::request" && e["request_id"] == id).collect();
        assert_eq!(found.len(), 1, "{id}:\n{log}");
        found[0].clone()
    };
    let l = line(&refused);
    assert_eq!(
        (l["method"].as_str(), l["route"].as_str(), l["status"].as_u64()),
        (Some("POST"), Some("/api/v1/auth/login"), Some(401))
    );
    assert!(l["latency_ms"].as_f64().is_some() && l.get("user_id").is_none(), "{l}");
    assert_eq!(line(&signed_in)["status"], 200);
    let l = line(&changed);
    assert_eq!((l["route"].as_str(), l["user_id"].as_i64()), (Some("/api/v1/me/password"), Some(user_id)), "{l}");
    let l = line(&me);
    assert_eq!(
        (l["route"].as_str(), l["status"].as_u64(), l["user_id"].as_i64()),
        (Some("/api/v1/me"), Some(200), Some(user_id))
    );
}
