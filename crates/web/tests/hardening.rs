//! Issue 7 over HTTP: HTTPS with Secure cookies, password expiry from the settings, and the
//! per-client rate limit on the whole API.

mod support;

use std::sync::Arc;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

async fn get(http: &Client, base: &str, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut r = http.get(format!("{base}{path}"));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.expect("request")
}

/// A 429 as the API promises it: Retry-After and a problem document in Chinese.
async fn assert_limited(r: reqwest::Response, what: &str) {
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{what}");
    let wait: u64 = r.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=2).contains(&wait), "{what}: Retry-After {wait}");
    assert_eq!(r.headers()["content-type"], "application/problem+json", "{what}");
    let p: Value = r.json().await.expect("problem");
    assert_eq!(p["status"], 429, "{what}");
    assert_eq!(p["code"], "rate_limited", "{what}");
    assert!(p["detail"].as_str().expect("detail").contains("请求过于频繁"), "{what}: {p}");
}

#[tokio::test]
async fn the_api_is_rate_limited_per_session_and_per_address() {
    let db = store::testing::sqlite().await;
    let config = web::Config { api_burst: 5, api_rate: 1, ..web::Config::default() };
    let s = start(db.store.clone(), config).await;
    let (http, base) = (Client::new(), s.base.clone());
    let admin = s.login("admin").await;
    let leader = s.login("leader").await;
    // A session's first request also counts against its address (the token is not yet known
    // to be real); later ones only against the session.
    assert_eq!(get(&http, &base, "/api/v1/me", Some(&admin)).await.status(), StatusCode::OK);
    assert_eq!(get(&http, &base, "/api/v1/me", Some(&leader)).await.status(), StatusCode::OK);

    // Anonymous requests from this address use up its bucket …
    let mut anonymous = 0;
    let limited = loop {
        let r = get(&http, &base, "/api/v1/openapi.json", None).await;
        if r.status() != StatusCode::OK {
            break r;
        }
        anonymous += 1;
        assert!(anonymous < 10, "the address is never limited");
    };
    assert_limited(limited, "anonymous").await;
    // … and then invented tokens get nowhere either, while real sessions go on.
    assert_limited(get(&http, &base, "/api/v1/me", Some("invented-token")).await, "invented token").await;
    assert_eq!(get(&http, &base, "/api/v1/me", Some(&leader)).await.status(), StatusCode::OK);

    // One session's bucket runs out without touching another's.
    let mut n = 0;
    let limited = loop {
        let r = get(&http, &base, "/api/v1/me", Some(&admin)).await;
        if r.status() != StatusCode::OK {
            break r;
        }
        n += 1;
        assert!(n < 10, "the session is never limited");
    };
    assert_limited(limited, "admin's session").await;
    assert_eq!(get(&http, &base, "/api/v1/me", Some(&leader)).await.status(), StatusCode::OK);
    // Outside the API nothing is counted.
    for _ in 0..20 {
        assert_eq!(get(&http, &base, "/healthz", None).await.status(), StatusCode::OK);
    }
    // The bucket refills (one request a second here).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(get(&http, &base, "/api/v1/me", Some(&admin)).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_default_limit_leaves_a_busy_session_alone() {
    let db = store::testing::sqlite().await;
    let s = start(db.store.clone(), web::Config::default()).await;
    let (http, base) = (Client::new(), s.base.clone());
    let admin = s.login("admin").await;
    // Far more than a person clicking ever sends: 300 requests as fast as they go.
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (http, base, admin) = (http.clone(), base.clone(), admin.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..75 {
                assert_eq!(get(&http, &base, "/api/v1/me", Some(&admin)).await.status(), StatusCode::OK);
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
}

#[tokio::test]
async fn expired_passwords_must_be_changed_after_signing_in() {
    for db in store::testing::all().await {
        let s = start(db.store.clone(), web::Config::default()).await;
        let (http, base) = (s.direct.clone(), s.base.clone());
        let admin = s.login("admin").await;
        let put = |body: Value| http.put(format!("{base}/api/v1/settings")).bearer_auth(&admin).json(&body).send();
        let r = put(json!({"require_signoff": false, "password_max_age_days": 90})).await.expect("put");
        assert_eq!(r.status(), StatusCode::OK, "{}", db.name);
        assert_eq!(r.json::<Value>().await.expect("json")["password_max_age_days"], 90);
        // Left out, it stays; an absurd value is refused with the field named.
        let r = put(json!({"require_signoff": true})).await.expect("put");
        assert_eq!(r.json::<Value>().await.expect("json")["password_max_age_days"], 90);
        let r = put(json!({"require_signoff": false, "password_max_age_days": 100000})).await.expect("put");
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let p: Value = r.json().await.expect("problem");
        assert_eq!(p["errors"][0]["field"], "password_max_age_days", "{p}");
        let r = get(&http, &base, "/api/v1/settings", Some(&admin)).await;
        assert_eq!(r.json::<Value>().await.expect("json")["password_max_age_days"], 90);

        // The leader's password is a year old: signing in works, everything else waits for
        // a new password.
        let leader = db.store.user_by_name("leader").await.expect("reads").expect("leader");
        store::testing::execute(
            &db.store,
            &format!("UPDATE users SET password_changed_at = '2020-06-01T00:00:00.000Z' WHERE id = {}", leader.id),
        )
        .await;
        let (st, v) = s.login_as("leader", PASSWORD).await;
        assert_eq!(st, StatusCode::OK, "{}: {v}", db.name);
        assert_eq!(v["user"]["must_change_password"], true, "{}", db.name);
        let t = v["token"].as_str().expect("token").to_string();
        let r = get(&http, &base, "/api/v1/plans", Some(&t)).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let p: Value = r.json().await.expect("problem");
        assert_eq!(p["code"], "password_change_required", "{p}");
        assert!(p["detail"].as_str().expect("detail").contains("已过期"), "{p}");
        // The pages lead to the change form too.
        let r = http
            .post(format!("{base}/login"))
            .form(&[("username", "leader"), ("password", PASSWORD)])
            .send()
            .await
            .expect("page login");
        assert_eq!(r.headers()["location"], "/account/password", "{}", db.name);
        let r = http
            .post(format!("{base}/api/v1/me/password"))
            .bearer_auth(&t)
            .json(&json!({"current_password": PASSWORD, "new_password": "Fresh@2025pw"}))
            .send()
            .await
            .expect("change");
        assert!(r.status().is_success(), "{}: {}", db.name, r.status());
        assert_eq!(get(&http, &base, "/api/v1/plans", Some(&t)).await.status(), StatusCode::OK);
        let (_, v) = s.login_as("leader", "Fresh@2025pw").await;
        assert_eq!(v["user"]["must_change_password"], false, "{}", db.name);
    }
}

/// A self-signed certificate for 127.0.0.1 and localhost, written as PEM files.
fn certificate(
    dir: &std::path::Path,
) -> (std::path::PathBuf, std::path::PathBuf, rustls::pki_types::CertificateDer<'static>) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .expect("certificate");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).expect("write");
    std::fs::write(&key, made.signing_key.serialize_pem()).expect("write");
    (cert, key, made.cert.der().clone())
}

/// Sends one raw HTTP/1.1 request over TLS, trusting only `trusted`; the whole answer.
async fn https(
    addr: std::net::SocketAddr,
    trusted: rustls::pki_types::CertificateDer<'static>,
    request: &str,
) -> String {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(trusted).expect("root");
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let mut tls = connector.connect(name, tcp).await.expect("the handshake succeeds with the trusted certificate");
    tls.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn https_with_the_given_certificate_and_secure_cookies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cert, key, der) = certificate(dir.path());

    // Missing or wrong files: a sentence naming the file, before anything listens.
    let e = web::tls::load(&dir.path().join("none.pem"), &key).unwrap_err();
    assert!(e.contains("证书文件") && e.contains("不存在"), "{e}");
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").expect("write");
    let e = web::tls::load(&junk, &key).unwrap_err();
    assert!(e.contains("没有 PEM 格式的证书"), "{e}");
    let e = web::tls::load(&cert, &junk).unwrap_err();
    assert!(e.contains("私钥文件"), "{e}");
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("certificate");
    let other_key = dir.path().join("other-key.pem");
    std::fs::write(&other_key, other.signing_key.serialize_pem()).expect("write");
    let e = web::tls::load(&cert, &other_key).unwrap_err();
    assert!(e.contains("不匹配"), "{e}");

    let tls = web::tls::load(&cert, &key).expect("loads");
    let db = store::testing::sqlite().await;
    seed(&db.store, USERS).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(web::serve_tls(web::AppState::new(db.store.clone(), web::Config::default()), listener, tls));

    let answer =
        https(addr, der.clone(), "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let body = format!("username=admin&password={}", PASSWORD.replace('@', "%40"));
    let request = format!(
        "POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let answer = https(addr, der.clone(), &request).await;
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    let cookie = answer
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie: duban_session="))
        .unwrap_or_else(|| panic!("a session cookie: {answer}"));
    assert!(cookie.contains("; Secure") && cookie.contains("HttpOnly"), "{cookie}");
    // The client address still reaches the audit log through TLS.
    let q = store::audit::AuditQuery { limit: 100, ..Default::default() };
    let events = db.store.audit_records(&q).await.expect("audit");
    assert!(events.iter().any(|e| e.action == "login" && e.ip.as_deref() == Some("127.0.0.1")), "{events:?}");

    // Plain HTTP on the HTTPS port gets no page.
    let mut plain = tokio::net::TcpStream::connect(addr).await.expect("connect");
    plain.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await.expect("write");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), plain.read_to_end(&mut answer)).await;
    assert!(!String::from_utf8_lossy(&answer).contains("200 OK"));
    // A client that does not trust the certificate is refused by its own side.
    let other_der = other.cert.der().clone();
    let refused = tokio::spawn(async move { https(addr, other_der, "GET / HTTP/1.1\r\n\r\n").await }).await;
    assert!(refused.is_err(), "an untrusted certificate fails the handshake");
}
