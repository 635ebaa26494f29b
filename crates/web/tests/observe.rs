//! Issue 23 (observe), over HTTP on every backend: `/metrics` only for the operator's
//! addresses or token, counted by route pattern (never the raw path), with the database,
//! scheduler and backup figures; request ids; the client's address from X-Forwarded-For only
//! behind a trusted proxy (sign-in throttling, the audit log); the backup alarm.

mod support;

use support::*;

/// A leader only: a test adds the administrator itself, later.
const OBSERVE_USERS: &[User] = &[("leader", Role::Leader, None)];

/// A server on `store` with these settings; several may serve one store, the first sets it up.
async fn start(store: &Store, config: web::Config) -> Server {
    let setup = Setup { users: OBSERVE_USERS, config, ..Setup::default() };
    if store.units().await.expect("units").is_empty() {
        setup.start(store.clone()).await
    } else {
        setup.serve(store.clone()).await
    }
}

fn nets(list: &[&str]) -> Vec<ipnet::IpNet> {
    list.iter().map(|n| n.parse().expect("cidr")).collect()
}

impl Server {
    async fn get(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut r = self.http.get(format!("{}{path}", self.base));
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.send().await.expect("get")
    }

    async fn home(&self, cookie: &str) -> String {
        let (st, page, _) = self.page(cookie, "/home").await;
        assert_eq!(st, StatusCode::OK);
        page
    }

    async fn metrics(&self, headers: &[(&str, &str)]) -> (StatusCode, String) {
        let r = self.get("/metrics", headers).await;
        (r.status(), r.text().await.expect("body"))
    }
}

/// The value of the sample `name{labels}` (labels as written, in order), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')).and_then(|v| v.trim().parse().ok())
    })
}

#[tokio::test]
async fn metrics_are_404_but_to_the_operators_addresses_or_token() {
    let db = store::testing::sqlite().await;
    // Nobody configured: the path does not exist, for anyone.
    let closed = start(&db.store, config()).await;
    let (st, body) = closed.metrics(&[]).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert!(!body.contains("duban_"), "{body}");
    let unknown = closed.get("/no-such-page", &[]).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(unknown.text().await.expect("body"), body, "indistinguishable from an unknown page");

    // A token only: without it or with a wrong one 404, with it the figures.
    let token = web::Config { metrics_token: Some(web::observe::MetricsToken("scrape-me-2024".into())), ..config() };
    let by_token = start(&db.store, token).await;
    assert_eq!(by_token.metrics(&[]).await.0, StatusCode::NOT_FOUND);
    assert_eq!(by_token.metrics(&[("authorization", "Bearer wrong")]).await.0, StatusCode::NOT_FOUND);
    let (st, body) = by_token.metrics(&[("authorization", "Bearer scrape-me-2024")]).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert!(body.contains("duban_data_version"));

    // An address outside the allowed range: 404; inside: the figures.
    let elsewhere = start(&db.store, web::Config { metrics_allow: nets(&["10.0.0.0/8"]), ..config() }).await;
    assert_eq!(elsewhere.metrics(&[]).await.0, StatusCode::NOT_FOUND);
    let here = start(&db.store, web::Config { metrics_allow: nets(&["127.0.0.1/32"]), ..config() }).await;
    assert_eq!(here.metrics(&[]).await.0, StatusCode::OK);
    // A forged X-Forwarded-For from an untrusted peer does not move the address.
    let forged = start(&db.store, web::Config { metrics_allow: nets(&["10.0.0.0/8"]), ..config() }).await;
    assert_eq!(forged.metrics(&[("x-forwarded-for", "10.0.0.1")]).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_with_the_database_and_scheduler_figures() {
    for db in store::testing::all().await {
        let name = db.name;
        let s = start(&db.store, web::Config { metrics_allow: nets(&["127.0.0.1/32"]), ..config() }).await;
        // The scheduler's first round runs as the server starts (the month's opening and
        // bulletin jobs of a fresh database).
        let mut body = String::new();
        for _ in 0..200 {
            body = s.metrics(&[]).await.1;
            if body.contains(r#"duban_scheduler_jobs_total{job="open_period",outcome="ran"} 1"#) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(body.contains(r#"duban_scheduler_jobs_total{job="open_period",outcome="ran"} 1"#), "{name}: {body}");

        let (st, v) = s.login_as("leader", PASSWORD).await;
        assert_eq!(st, StatusCode::OK, "{name}: {v}");
        let session = v["token"].as_str().expect("token").to_string();
        for id in [4711, 4712] {
            let r = s.get(&format!("/api/v1/plans/{id}"), &[("authorization", &format!("Bearer {session}"))]).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{name}");
        }
        s.get("/no-such-page?token=secret", &[]).await;
        let (st, body) = s.metrics(&[]).await;
        assert_eq!(st, StatusCode::OK, "{name}: {body}");
        // Requests by the route's pattern and status, never the path as sent.
        assert_eq!(
            sample(&body, r#"duban_http_requests_total{method="GET",route="/api/v1/plans/{id}",status="404"}"#),
            Some(2.0),
            "{name}: {body}"
        );
        assert_eq!(
            sample(&body, r#"duban_http_requests_total{method="POST",route="/api/v1/auth/login",status="200"}"#),
            Some(1.0),
            "{name}"
        );
        assert!(body.contains(r#"route="(unmatched)""#), "{name}");
        assert!(!body.contains("4711") && !body.contains("no-such-page") && !body.contains("secret"), "{name}");
        assert_eq!(
            sample(&body, r#"duban_http_request_duration_seconds_count{method="GET",route="/api/v1/plans/{id}"}"#),
            Some(2.0),
            "{name}: latency histogram"
        );
        // The database: pools, the writes' waits and group commits (the sign-in's audit
        // record went through one), the data version.
        assert!(sample(&body, r#"duban_db_pool_connections_max{pool="readers"}"#).is_some_and(|n| n >= 1.0), "{name}");
        assert!(sample(&body, "duban_db_group_commit_writes_count").is_some_and(|n| n >= 1.0), "{name}: {body}");
        assert!(sample(&body, r#"duban_db_group_commits_total{outcome="committed"}"#).is_some_and(|n| n >= 1.0));
        assert!(sample(&body, "duban_db_write_wait_seconds_count").is_some_and(|n| n >= 1.0), "{name}");
        let version = db.store.data_version().await.expect("version");
        assert_eq!(sample(&body, "duban_data_version"), Some(version as f64), "{name}");
        // No backups configured: no backup figures.
        assert!(!body.contains("duban_backup_age_seconds"), "{name}");
    }
}

#[tokio::test]
async fn a_failed_backup_verification_shows_in_the_metrics_and_alarms_the_administrators() {
    for db in store::testing::all().await {
        let name = db.name;
        let dir = tempfile::tempdir().expect("tempdir");
        let schedule = store::archive::BackupSchedule { dir: dir.path().to_path_buf(), every_hours: 24, keep: 3 };
        let config = web::Config {
            metrics_allow: nets(&["127.0.0.0/8"]),
            backup: Some(schedule.clone()),
            // The scheduler must not make backups of its own during the test.
            job_interval: std::time::Duration::from_secs(3600),
            ..config()
        };
        // This interval's backup, made and verified (before the server starts, so its
        // scheduler finds the interval done), then corrupted and verified again.
        let made =
            db.store.run_scheduled_backup(&schedule, chrono::Utc::now(), "test").await.expect("runs").expect("made");
        let s = start(&db.store, config).await;
        let (_, body) = s.metrics(&[]).await;
        assert_eq!(sample(&body, "duban_backup_last_verification_ok"), Some(1.0), "{name}: {body}");
        db.store
            .add_user(&NewUser {
                username: "admin",
                display_name: "管理员",
                password: PASSWORD,
                role: Role::Admin,
                unit: None,
            })
            .await
            .expect("admin");
        let admin = s.cookie("admin").await;
        assert!(!s.home(&admin).await.contains("backup-alarm"), "{name}: no alarm while backups verify");
        assert!(sample(&body, "duban_backup_age_seconds").is_some_and(|a| (0.0..3600.0).contains(&a)), "{name}");

        std::fs::write(&made.path, b"PK\x03\x04 not a backup any more").expect("corrupts");
        let v = db.store.verify_scheduled(&schedule.dir, &made.path, &Default::default(), 0).await;
        assert!(!v.ok, "{name}");
        let (_, body) = s.metrics(&[]).await;
        assert_eq!(sample(&body, "duban_backup_last_verification_ok"), Some(0.0), "{name}: {body}");
        // The system administrator sees it on signing in; a leader does not.
        let home = s.home(&admin).await;
        assert!(
            home.contains("backup-alarm") && home.contains(&format!("定时备份 {} 校验失败", v.file)),
            "{name}: {home}"
        );
        let leader = s.cookie("leader").await;
        assert!(!s.home(&leader).await.contains("backup-alarm"), "{name}");

        // The administrators' alarm goes to the webhook, naming the file and the reason.
        let (url, got) = notify::testing::http_receiver(200).await;
        let channels = notify::Channels { webhook_url: Some(url), ..Default::default() };
        assert_eq!(web::backup_alarm(&channels, &v).await, vec![true], "{name}");
        let posted = got.lock().expect("lock").clone();
        let text = posted[0].to_string();
        assert!(text.contains("校验失败") && text.contains(&v.file), "{name}: {text}");
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id_kept_only_from_a_trusted_proxy() {
    let db = store::testing::sqlite().await;
    let direct = start(&db.store, config()).await;
    let r = direct.get("/healthz", &[("x-request-id", "from-the-client-1")]).await;
    let id = r.headers().get("x-request-id").expect("id").to_str().expect("text").to_string();
    assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    let again = direct.get("/healthz", &[]).await;
    assert_ne!(again.headers().get("x-request-id").expect("id").to_str().expect("text"), id, "one id per request");
    // Problems and unknown paths carry one too.
    assert!(direct.get("/api/v1/nothing", &[]).await.headers().contains_key("x-request-id"));

    let proxied = start(&db.store, web::Config { trusted_proxies: nets(&["127.0.0.1/32"]), ..config() }).await;
    let r = proxied.get("/healthz", &[("x-request-id", "nginx-7f3a")]).await;
    assert_eq!(r.headers().get("x-request-id").expect("id"), "nginx-7f3a", "the proxy's id is kept");
    let r = proxied.get("/healthz", &[("x-request-id", "bad id with spaces")]).await;
    assert_ne!(r.headers().get("x-request-id").expect("id"), "bad id with spaces", "a malformed id is replaced");
}

#[tokio::test]
async fn the_client_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy() {
    for db in store::testing::all().await {
        let name = db.name;
        let limited = |trusted: &[&str]| web::Config {
            login_burst: 3,
            login_refill: std::time::Duration::from_secs(600),
            trusted_proxies: nets(trusted),
            ..config()
        };
        // Straight from a client: the header is ignored, so inventing addresses does not
        // escape the sign-in throttle.
        let direct = start(&db.store, limited(&[])).await;
        for i in 0..3 {
            let (st, _) = direct.login_from("ghost_direct", "Wrong@2024x", Some(&format!("192.0.2.{i}"))).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{name}");
        }
        let (st, _) = direct.login_from("leader", PASSWORD, Some("192.0.2.99")).await;
        assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "{name}: a forged header must not open a new budget");

        // Behind a trusted proxy (this test plays nginx on 127.0.0.1): each forwarded client
        // has its own budget.
        let proxied = start(&db.store, limited(&["127.0.0.1/32"])).await;
        for _ in 0..3 {
            let (st, _) = proxied.login_from("ghost_proxied", "Wrong@2024x", Some("198.51.100.1")).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{name}");
        }
        assert_eq!(
            proxied.login_from("ghost_proxied", "Wrong@2024x", Some("198.51.100.1")).await.0,
            StatusCode::TOO_MANY_REQUESTS
        );
        // A client cannot pose as another by writing its own header in front of the proxy's.
        assert_eq!(
            proxied.login_from("ghost_proxied", "Wrong@2024x", Some("198.51.100.2, 198.51.100.1")).await.0,
            StatusCode::TOO_MANY_REQUESTS,
            "{name}"
        );
        let (st, v) = proxied.login_from("leader", PASSWORD, Some("198.51.100.2")).await;
        assert_eq!(st, StatusCode::OK, "{name}: another client behind the proxy is not throttled: {v}");
        // The audit log records the client's address, not the proxy's.
        let ip: Option<String> = sqlx::query_scalar(
            "SELECT ip FROM audit_log WHERE action = 'login' AND actor = 'leader' ORDER BY id DESC LIMIT 1",
        )
        .fetch_one(store::testing::pool(&db.store))
        .await
        .expect("audit record");
        assert_eq!(ip.as_deref(), Some("198.51.100.2"), "{name}");
    }
}
