//! `duban bench-data`: the generated province has the shape asked for (counts per level), is
//! the same for the same seed, and `duban serve` answers the dashboard on it.

use serde_json::Value;
use std::io::{Read, Write};
use std::process::{Command, Stdio};

const CITIES: usize = 2;
const COUNTIES: usize = 3;
const SCHOOLS: usize = 60;
const MONTHS: u32 = 3;

fn generate(dir: &std::path::Path, seed: &str) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(["bench-data", "--data-dir", dir.to_str().expect("utf-8")])
        .args(["--cities", &CITIES.to_string(), "--counties-per-city", &COUNTIES.to_string()])
        .args(["--schools", &SCHOOLS.to_string(), "--months", &MONTHS.to_string(), "--seed", seed])
        .output()
        .expect("duban runs");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{out}\n{}", String::from_utf8_lossy(&o.stderr));
    out
}

fn count(rows: &[Vec<String>], key: &str) -> i64 {
    rows.iter().find(|r| r[0] == key).map_or(0, |r| r[1].parse().expect("a count"))
}

/// (key, count) rows, sorted by key.
fn tally(keys: impl Iterator<Item = String>) -> Vec<Vec<String>> {
    let mut m = std::collections::BTreeMap::<String, i64>::new();
    for k in keys {
        *m.entry(k).or_default() += 1;
    }
    m.into_iter().map(|(k, n)| vec![k, n.to_string()]).collect()
}

#[test]
fn a_small_province_has_the_shape_asked_for_and_serves_its_dashboard() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = generate(dir.path(), "7");
    assert!(out.contains("已生成基准数据"), "{out}");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let url = format!("sqlite://{}", dir.path().join("duban.db").display());
    let (kinds, plans, per_unit, periods, states, users, other) = rt.block_on(async {
        let store = store::Store::open(&url).await.expect("opens");
        let units = store.units().await.expect("units");
        let kind_of: std::collections::HashMap<i64, String> = units.iter().map(|u| (u.id, u.kind.clone())).collect();
        let plans = store.plans().await.expect("plans");
        let mut assigned = Vec::new();
        for p in &plans {
            assigned.extend(store.assignments(p.id, None).await.expect("assignments"));
        }
        // Assignments per unit (kind, count): every county has the same tasks.
        let mut per_unit: Vec<Vec<String>> = tally(assigned.iter().map(|a| format!("{:08}", a.unit_id)))
            .into_iter()
            .map(|r| vec![kind_of[&r[0].parse::<i64>().expect("id")].clone(), r[1].clone()])
            .collect();
        per_unit.sort();
        // Reports per period (one past the months asked: none) and by state.
        let mut periods = Vec::new();
        let mut states = Vec::new();
        for m in 1..=MONTHS + 1 {
            let period: domain::Period = format!("2024-{m:02}").parse().expect("period");
            let list = store.worklist(None, period, 25).await.expect("worklist");
            let made: Vec<_> = list.iter().filter(|w| w.report_state != "new").collect();
            if !made.is_empty() {
                periods.push(vec![period.to_string(), made.len().to_string()]);
            }
            states.extend(made.iter().map(|w| w.report_state.clone()));
        }
        let users = store.users().await.expect("users");
        (
            tally(units.iter().map(|u| u.kind.clone())),
            tally(plans.iter().map(|p| p.status.clone())),
            per_unit,
            periods,
            tally(states.into_iter()),
            tally(users.iter().map(|u| u.role.key().to_string())),
            // Every unit a plan names was in the city's directory.
            units.iter().filter(|u| u.kind == "other").map(|u| u.name.clone()).collect::<Vec<_>>(),
        )
    });
    // Units per level.
    assert_eq!(count(&kinds, "district"), (CITIES * COUNTIES) as i64, "{kinds:?}");
    assert_eq!(count(&kinds, "school"), SCHOOLS as i64, "{kinds:?}");
    assert!(count(&kinds, "department") >= CITIES as i64 * 10, "{kinds:?}");
    assert!(other.is_empty(), "units the directories did not know: {other:?}");
    // One published plan per city.
    assert_eq!(count(&plans, "published"), CITIES as i64, "{plans:?}");
    // Every county is assigned all 29 items of its city's plan (each names 各区(市)), and
    // every city-level school the 20 that name 市直各学校.
    let counties: Vec<&Vec<String>> = per_unit.iter().filter(|r| r[0] == "district").collect();
    assert_eq!(counties.len(), CITIES * COUNTIES, "{per_unit:?}");
    assert!(counties.iter().all(|r| r[1] == "29"), "{counties:?}");
    let schools: Vec<&Vec<String>> = per_unit.iter().filter(|r| r[0] == "school").collect();
    assert!(!schools.is_empty() && schools.iter().all(|r| r[1] == "20" || r[1] == "21"), "{schools:?}");
    let assignments: i64 = per_unit.iter().map(|r| r[1].parse::<i64>().expect("n")).sum();
    // Reports: the months asked, for most assignments each month, in a mix of states.
    assert_eq!(periods.len(), MONTHS as usize, "{periods:?}");
    for (i, p) in periods.iter().enumerate() {
        assert_eq!(p[0], format!("2024-{:02}", i + 1));
        let n: i64 = p[1].parse().expect("n");
        assert!(n <= assignments && n >= assignments * 7 / 10, "{p:?} of {assignments} assignments");
    }
    for s in ["approved", "submitted", "returned"] {
        assert!(count(&states, s) > 0, "{states:?}");
    }
    // Users: a supervisor per city, a reporter per county and per city-level school.
    assert_eq!(count(&users, "supervisor"), CITIES as i64, "{users:?}");
    assert!(count(&users, "reporter") > (CITIES * COUNTIES) as i64, "{users:?}");
    // School data for the assessments.
    for f in ["compulsory.csv", "kindergartens.csv", "population.csv"] {
        assert!(dir.path().join("schools").join(f).exists(), "{f}");
    }

    // The same seed gives the same province.
    let again = tempfile::tempdir().expect("tempdir");
    let out2 = generate(again.path(), "7");
    let summary = |s: &str| s.lines().next().map(|l| l.split_once(')').map_or(l, |(_, r)| r).to_string());
    assert_eq!(summary(&out), summary(&out2));
    assert_eq!(
        std::fs::read(dir.path().join("schools/compulsory.csv")).expect("csv"),
        std::fs::read(again.path().join("schools/compulsory.csv")).expect("csv")
    );

    // `duban serve` on it answers the dashboard.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--today", "2024-04-10"])
        .args(["--data-dir", dir.path().to_str().expect("utf-8")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let result = std::panic::catch_unwind(|| {
        let mut up = false;
        for _ in 0..100 {
            if http(port, "GET", "/healthz", None, None).is_some_and(|(s, _)| s == 200) {
                up = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert!(up, "serve did not come up");
        let login = r#"{"username":"sup01","password":"Duban@2024"}"#;
        let (status, body) = http(port, "POST", "/api/v1/auth/login", None, Some(login)).expect("login answers");
        assert_eq!(status, 200, "{body}");
        let token = serde_json::from_str::<Value>(&body).expect("json")["token"].as_str().expect("token").to_string();
        let (status, body) =
            http(port, "GET", "/api/v1/dashboard?period=2024-03", Some(&token), None).expect("dashboard answers");
        assert_eq!(status, 200, "{body}");
        let d: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(d["period"], "2024-03");
        assert!(d["by_unit"].as_array().is_some_and(|u| u.len() > COUNTIES), "{body}");
    });
    let _ = child.kill();
    let _ = child.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

/// One HTTP/1.1 request; the status and body.
fn http(port: u16, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> Option<(u16, String)> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    let body = body.unwrap_or("");
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{auth}Content-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes()).ok()?;
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).ok()?;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.get(9..12)?.parse().ok()?;
    let (head, rest) = answer.split_once("\r\n\r\n")?;
    // Chunked bodies: join the chunks.
    let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        let mut out = String::new();
        let mut rest = rest;
        while let Some((size, tail)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).ok()?;
            if n == 0 {
                break;
            }
            out.push_str(tail.get(..n)?);
            rest = tail.get(n + 2..)?;
        }
        out
    } else {
        rest.to_string()
    };
    Some((status, body))
}
