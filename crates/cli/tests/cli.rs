//! The `duban` command as a user runs it: real process, real files, exit codes and output.

use std::path::Path;
use std::process::{Command, Output};

const YINGTAN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/plans/yingtan-2024-education-work-plan.txt");

fn duban(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_duban")).args(args).output().expect("duban runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn parse_json_is_one_object_of_the_documented_shape() {
    let o = duban(&["plan", "parse", YINGTAN, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is exactly one JSON value");
    assert_eq!(v["title"], "2024年鹰潭市教育工作要点");
    assert_eq!(v["meta"]["date"], "2024-03-11");
    assert_eq!(v["meta"]["year"], 2024);
    assert_eq!(v["sections"].as_array().map(Vec::len), Some(8));
    assert_eq!(v["items"].as_array().map(Vec::len), Some(29));
    let item8 = &v["items"][7];
    assert_eq!(item8["number"], 8);
    assert_eq!(item8["label"], "8.");
    assert_eq!(item8["section"], 3);
    assert_eq!(item8["title"], "推进学前教育普及普惠");
    assert_eq!(item8["units"][2]["name"], "市直各学校");
    assert_eq!(item8["units"][2]["role"], "responsible");
    assert_eq!(item8["targets"][1]["comparator"], "~");
    assert_eq!(item8["targets"][1]["max"], serde_json::Value::Null);
    assert!(item8["measures"][0]["kind"].is_string());
    assert!(
        v["warnings"]
            .as_array()
            .is_some_and(|w| { w.iter().any(|w| w["code"] == "unclosed_bracket" && w["item"] == 15) })
    );
}

#[test]
fn parse_text_outline_is_readable() {
    let o = duban(&["plan", "parse", YINGTAN]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).expect("utf-8");
    assert!(out.starts_with("《2024年鹰潭市教育工作要点》"));
    assert!(out.contains("八、筑牢安全防线,维护教育系统安全稳定"));
    assert!(out.contains("29. 持续维护全市教育系统安全稳定"));
    assert!(out.contains("目标:全市公办在园幼儿数占比 >= 57%"));
    assert!(out.contains("[第4条] 单位“直各学校”按“市直各学校”识别"));
}

fn assert_refused(path: &Path, reason: &str) {
    let o = duban(&["plan", "parse", path.to_str().expect("utf-8 path"), "--format", "json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "nothing on stdout");
    let err = stderr(&o);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(reason), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, b"").expect("write");
    assert_refused(&empty, "文件为空");

    let binary = dir.path().join("photo.txt");
    std::fs::write(&binary, [0u8, 1, 2, 3, 255, 254, 0, 0, 7, 8, 9, 0].repeat(100)).expect("write");
    assert_refused(&binary, "二进制");

    let big = dir.path().join("big.txt");
    let f = std::fs::File::create(&big).expect("create");
    f.set_len(20 * 1024 * 1024 + 1).expect("sparse file");
    assert_refused(&big, "过大");

    let prose = dir.path().join("prose.txt");
    std::fs::write(&prose, "这是一封没有任何编号的普通信件。\n祝好。\n").expect("write");
    assert_refused(&prose, "未能识别出工作要点的结构");

    assert_refused(&dir.path().join("missing.docx"), "文件不存在");
    assert_refused(dir.path(), "是目录");
}

#[test]
fn demo_prepares_data_once_and_lists_the_users() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().to_str().expect("utf-8");
    let o = duban(&["demo", "--no-serve", "--data-dir", data]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).expect("utf-8");
    assert!(out.contains("已发布《2024年鹰潭市教育工作要点》:29 项任务"), "{out}");
    for user in ["admin", "supervisor", "leader", "yujiang"] {
        assert!(out.lines().any(|l| l.trim_start().starts_with(user)), "{user} listed: {out}");
    }
    assert!(out.contains("Duban@2024"), "the password is printed");
    // The second run reuses the data instead of loading it twice.
    let o = duban(&["demo", "--no-serve", "--data-dir", data]);
    let out = String::from_utf8(o.stdout).expect("utf-8");
    assert!(out.contains("使用已有的演示数据"), "{out}");
    let o = duban(&["user", "list", "--data-dir", data]);
    let out = String::from_utf8(o.stdout).expect("utf-8");
    assert_eq!(out.lines().count(), 17, "{out}: a header, 13 users and 3 督学");

    // October's bulletin from the demo, in every format, beside the data.
    let today = ["--today", "2024-11-10"];
    for (format, magic) in [("docx", &b"PK"[..]), ("pdf", b"%PDF"), ("xlsx", b"PK"), ("csv", b"\xEF\xBB\xBF")] {
        let file = dir.path().join(format!("bulletin.{format}"));
        let f = file.to_str().expect("utf-8");
        let o = duban(
            &[&["bulletin", "--data-dir", data, "--period", "2024-10", "--format", format, "-o", f][..], &today]
                .concat(),
        );
        assert!(o.status.success(), "{format}: {}", stderr(&o));
        assert!(std::fs::read(&file).expect("written").starts_with(magic), "{format}");
    }
    let file = dir.path().join("bulletin.json");
    let o = duban(
        &[
            &["bulletin", "--data-dir", data, "--period", "2024-10", "--format", "json", "-o"][..],
            &[file.to_str().unwrap()],
            &today,
        ]
        .concat(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let b: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).expect("json")).expect("parses");
    let rows: usize =
        b["ledger"].as_array().expect("ledger").iter().map(|s| s["rows"].as_array().expect("rows").len()).sum();
    assert_eq!(b["overview"]["assignments"]["total"].as_u64(), Some(rows as u64), "one ledger row per assignment");
    assert!(b["overview"]["reports"]["missing"].as_u64().expect("missing") > 0, "the demo has silent units");
    let o = duban(&["bulletin", "--data-dir", data, "--period", "2024-13"]);
    assert_eq!(o.status.code(), Some(2));
    let o = duban(&["bulletin", "--data-dir", data, "--period", "2024-10", "--format", "doc"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("格式“doc”无效"), "{}", stderr(&o));
}

#[test]
fn import_publish_and_add_users_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().to_str().expect("utf-8");
    let o = duban(&["plan", "import", YINGTAN, "--publish", "--data-dir", data]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).expect("utf-8");
    assert!(out.contains("29 项任务"), "{out}");
    let o = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(["user", "add", "yj", "--role", "reporter", "--unit", "余江区", "--data-dir", data])
        .env("DUBAN_PASSWORD", "Secret@2024")
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", stderr(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(["user", "add", "x", "--role", "reporter", "--unit", "不存在的单位", "--data-dir", data])
        .env("DUBAN_PASSWORD", "Secret@2024")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("不存在"), "{}", stderr(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(["user", "add", "x", "--role", "boss", "--data-dir", data])
        .env("DUBAN_PASSWORD", "x")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("未知角色"), "{}", stderr(&o));
}

#[test]
fn serve_answers_health_checks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--data-dir", dir.path().to_str().expect("utf-8")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starts");
    let mut answer = String::new();
    for _ in 0..100 {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let _ = s.read_to_string(&mut answer);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// Issue I: SIGTERM (how systemd and containers stop a service) stops the server gracefully:
/// no new connections, the request under way is answered in full, and the process exits 0.
#[test]
fn sigterm_lets_the_request_under_way_finish_and_exits_cleanly() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().expect("tempdir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--data-dir", dir.path().to_str().expect("utf-8")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starts");
    let mut up = false;
    for _ in 0..100 {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let mut answer = String::new();
            let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let _ = s.read_to_string(&mut answer);
            up = answer.starts_with("HTTP/1.1 200");
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(up, "the server answers before the test");
    // A sign-in whose body is still arriving when the signal comes.
    let body = br#"{"username": "nobody", "password": "Wrong@2024x"}"#;
    let mut slow = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connects");
    slow.set_read_timeout(Some(std::time::Duration::from_secs(20))).expect("timeout");
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    slow.write_all(head.as_bytes()).expect("head");
    slow.write_all(&body[..10]).expect("first part");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill runs").success());
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(child.try_wait().expect("status").is_none(), "the server waits for the request under way");
    slow.write_all(&body[10..]).expect("the rest");
    let mut answer = String::new();
    slow.read_to_string(&mut answer).expect("the answer arrives");
    assert!(answer.starts_with("HTTP/1.1 401"), "the request under way is answered in full: {answer}");
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("status") {
            break status;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "the server exits after its last request");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "exit status after SIGTERM: {status:?}");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "nothing listens any more");
}

/// Several `duban serve` processes on one PostgreSQL behave as one system: a scheduled job
/// runs once however many processes are up.
#[test]
fn two_servers_on_one_postgres_run_each_job_once() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let Some(db) = rt.block_on(store::testing::postgres()) else { return };
    let url = db.url.clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let o = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args([
            "plan",
            "import",
            YINGTAN,
            "--publish",
            "--database-url",
            &url,
            "--data-dir",
            dir.path().to_str().expect("utf-8"),
        ])
        .output()
        .expect("imports");
    assert!(o.status.success(), "{}", stderr(&o));
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_duban"))
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--database-url",
                &url,
                "--data-dir",
                dir.path().to_str().expect("utf-8"),
            ])
            .env("DUBAN_TODAY", "2024-11-21")
            .env("DUBAN_JOB_INTERVAL_SECS", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("starts")
    };
    let mut a = start();
    let mut b = start();
    std::thread::sleep(std::time::Duration::from_secs(4));
    let _ = a.kill();
    let _ = b.kill();
    let _ = a.wait();
    let _ = b.wait();
    rt.block_on(async {
        let notices = db.store.notifications(None, 100_000).await.expect("notices");
        let units: std::collections::BTreeSet<i64> = notices.iter().map(|n| n.unit_id).collect();
        let opened = notices.iter().filter(|n| n.kind == "opened").count();
        let reminded = notices.iter().filter(|n| n.kind == "reminder").count();
        assert!(!units.is_empty(), "the jobs ran");
        assert_eq!(opened, units.len(), "November opened once per unit, not once per process");
        assert_eq!(reminded, units.len(), "reminded once per unit");
        let plan = db.store.plans().await.expect("plans")[0].id;
        let october = db.store.published_bulletin(plan, "2024-10".parse().expect("period")).await.expect("reads");
        assert_eq!(october.map(|b| b.version), Some(1), "October's bulletin frozen once, not once per process");
    });
}

#[test]
fn settings_come_from_a_config_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let config = dir.path().join("duban.toml");
    std::fs::write(&config, format!("data_dir = \"{}\"\ndue_day = 28\n", data.display())).expect("write");
    let o = duban(&["plan", "import", YINGTAN, "--config", config.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(data.join("duban.db").exists(), "the data dir came from the file");
    std::fs::write(&config, "colour = \"blue\"\n").expect("write");
    let o = duban(&["plan", "import", YINGTAN, "--config", config.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("未知的设置项“colour”"), "{}", stderr(&o));
}

#[test]
fn unit_directory_round_trips_through_a_spreadsheet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data = data.to_str().expect("utf-8");
    let sheet = dir.path().join("units.csv");
    let o = duban(&["units", "export", sheet.to_str().expect("utf-8"), "--data-dir", data]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&sheet).expect("csv");
    assert!(text.starts_with("\u{feff}名称,类别,学段"), "{}", &text[..40]);
    assert!(text.contains("各区(市),单位组"), "groups are exported with their members");
    // A new school, with a bad row beside it: nothing is imported.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "名称,类别,学段\n鹰潭市第三小学,学校,小学\n,学校,小学\n某校,食堂,\n").expect("write");
    let o = duban(&["units", "import", bad.to_str().expect("utf-8"), "--data-dir", data]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("第 3 行:名称为空") && err.contains("第 4 行:类别“食堂”无效"), "{err}");
    let good = dir.path().join("good.csv");
    std::fs::write(&good, "类别,名称,学段,办别\n学校,鹰潭市第三小学,小学,公办\n").expect("write");
    let o = duban(&["units", "import", good.to_str().expect("utf-8"), "--data-dir", data]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = duban(&["units", "export", sheet.to_str().expect("utf-8"), "--data-dir", data]);
    assert!(o.status.success());
    let text = std::fs::read_to_string(&sheet).expect("csv");
    assert!(text.contains("鹰潭市第三小学,学校,小学,公办"), "{text}");
    assert!(!text.contains("某校"));
}

#[test]
fn backup_and_restore_round_trip_while_nothing_is_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let (a_s, b_s) = (a.to_str().expect("utf-8"), b.to_str().expect("utf-8"));
    let o = duban(&["demo", "--no-serve", "--data-dir", a_s]);
    assert!(o.status.success(), "{}", stderr(&o));
    // An evidence file, as the store keeps them: content-addressed under files/.
    let evidence = a.join("files/evidence/ab/abcdef");
    std::fs::create_dir_all(evidence.parent().expect("parent")).expect("dir");
    std::fs::write(&evidence, b"%PDF-1.4 evidence").expect("write");
    let archive = dir.path().join("backup.zip");
    let o = duban(&["backup", archive.to_str().expect("utf-8"), "--data-dir", a_s]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!dir.path().join("backup.partial").exists());
    let o = duban(&["restore", archive.to_str().expect("utf-8"), "--data-dir", b_s]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(b.join("files/evidence/ab/abcdef")).expect("restored file"), b"%PDF-1.4 evidence");
    let same = |args: &[&str]| {
        let x = duban(&[args, &["--data-dir", a_s]].concat());
        let y = duban(&[args, &["--data-dir", b_s]].concat());
        assert!(x.status.success() && y.status.success(), "{}{}", stderr(&x), stderr(&y));
        assert_eq!(String::from_utf8_lossy(&x.stdout), String::from_utf8_lossy(&y.stdout), "{args:?}");
    };
    same(&["user", "list"]);
    let out = |d: &Path| d.join("b.json").to_str().expect("utf-8").to_string();
    for d in [&a, &b] {
        let o = duban(&[
            "bulletin",
            "--data-dir",
            d.to_str().unwrap(),
            "--period",
            "2024-10",
            "--format",
            "json",
            "--live",
            "--today",
            "2024-11-10",
            "-o",
            &out(d),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let bulletin = |d: &Path| {
        let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(out(d)).expect("json")).expect("parses");
        v["issued_on"] = serde_json::Value::Null;
        v
    };
    assert_eq!(bulletin(&a), bulletin(&b), "the restored data gives the same bulletin");
    let o = duban(&["audit", "verify", "--data-dir", b_s]);
    assert!(o.status.success(), "the audit chain survives: {}", stderr(&o));
    // Only into an empty place; a damaged archive is refused.
    let o = duban(&["restore", archive.to_str().expect("utf-8"), "--data-dir", b_s]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("只能恢复到空的数据库"), "{}", stderr(&o));
    let junk = dir.path().join("junk.zip");
    std::fs::write(&junk, b"not a zip").expect("write");
    let o =
        duban(&["restore", junk.to_str().expect("utf-8"), "--data-dir", dir.path().join("c").to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
}

/// Where a crash test keeps its data: a data directory (evidence files, and the SQLite
/// database unless `database_url` names a PostgreSQL one).
struct CrashDb {
    data: String,
    database_url: Option<String>,
}

impl CrashDb {
    /// The `duban` options that select this database.
    fn args(&self) -> Vec<&str> {
        let mut v = vec!["--data-dir", self.data.as_str()];
        if let Some(url) = &self.database_url {
            v.extend(["--database-url", url.as_str()]);
        }
        v
    }

    /// Opens the database the way a restarted server would.
    async fn open(&self) -> store::Store {
        let url = self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}/duban.db", self.data));
        store::Store::open(&url).await.expect("opens")
    }
}

/// Starts `duban serve` on `db` and waits until it answers.
fn serve(db: &CrashDb) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_duban"))
        .arg("serve")
        .args(db.args())
        .args(["--addr", &addr, "--today", "2024-11-10", "--job-interval-secs", "3600"])
        .env_remove("DUBAN_DATABASE_URL")
        .env_remove("DUBAN_CONFIG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starts");
    for _ in 0..200 {
        if std::net::TcpStream::connect(&addr).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    (child, format!("http://{addr}"))
}

/// Reporters save reports while the server is killed (SIGKILL) at moments chosen by a fixed
/// seed; after every restart each save the server acknowledged is there, exactly once, and
/// the database passes SQLite's integrity check.
#[test]
fn acknowledged_saves_survive_a_killed_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = CrashDb { data: dir.path().to_str().expect("utf-8").to_string(), database_url: None };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    saves_survive_kills(&rt, &db, &|store| {
        Box::pin(async move {
            use sqlx::Row;
            let ok: String = sqlx::query("PRAGMA integrity_check").fetch_one(&store.pool).await.expect("checks").get(0);
            assert_eq!(ok, "ok");
        })
    });
}

/// The same on PostgreSQL (a fresh database per run): every acknowledged save there exactly
/// once after each restart, and the tables and indexes pass `amcheck`.
#[test]
fn acknowledged_saves_survive_a_killed_postgres_server() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let Some(pg) = rt.block_on(store::testing::postgres()) else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let db = CrashDb { data: dir.path().to_str().expect("utf-8").to_string(), database_url: Some(pg.url.clone()) };
    // PostgreSQL has no PRAGMA integrity_check. Its counterpart is the amcheck extension
    // (PostgreSQL contrib, on Debian in the server package): bt_index_check with
    // heapallindexed verifies every B-tree index's structure and that each table row is in it,
    // and verify_heapam checks the table pages themselves. It needs CREATE EXTENSION, so a
    // server without contrib (or a role that may not create it) falls back to what plain SQL
    // can see: report ids unique and one report per assignment and month.
    let amcheck = rt.block_on(async {
        match sqlx::raw_sql("CREATE EXTENSION IF NOT EXISTS amcheck").execute(&pg.store.pool).await {
            Ok(_) => true,
            Err(e) => {
                eprintln!("amcheck unavailable ({e}); checking counts and uniqueness instead");
                false
            }
        }
    });
    saves_survive_kills(&rt, &db, &move |store| Box::pin(postgres_consistency(store, amcheck)));
}

/// PostgreSQL's consistency check after a crash (see the caller for the choice).
async fn postgres_consistency(store: &store::Store, amcheck: bool) {
    use sqlx::Row;
    if amcheck {
        // Every B-tree index of the app's schema, with each table row looked up in it.
        let checked = sqlx::query(
            "SELECT c.relname::text, bt_index_check(c.oid, true)::text FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE am.amname = 'btree' AND n.nspname = current_schema() AND c.relpersistence = 'p'",
        )
        .fetch_all(&store.pool)
        .await
        .expect("bt_index_check passes");
        assert!(checked.len() > 5, "the app's indexes were checked: {}", checked.len());
        let corrupt = sqlx::query(
            "SELECT c.relname::text, h.msg FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             CROSS JOIN LATERAL verify_heapam(c.oid) h \
             WHERE c.relkind = 'r' AND n.nspname = current_schema()",
        )
        .fetch_all(&store.pool)
        .await
        .expect("verify_heapam runs");
        let found: Vec<(String, String)> = corrupt.iter().map(|r| (r.get(0), r.get(1))).collect();
        assert!(found.is_empty(), "verify_heapam found damaged table pages: {found:?}");
    } else {
        let dup: i64 = sqlx::query(
            "SELECT count(*) FROM (SELECT assignment_id, period FROM reports \
             GROUP BY assignment_id, period HAVING count(*) > 1) d",
        )
        .fetch_one(&store.pool)
        .await
        .expect("counts")
        .get(0);
        assert_eq!(dup, 0, "one report per assignment and month");
        let (rows, ids): (i64, i64) = sqlx::query("SELECT count(*), count(DISTINCT id) FROM reports")
            .fetch_one(&store.pool)
            .await
            .map(|r| (r.get(0), r.get(1)))
            .expect("counts");
        assert_eq!(rows, ids, "report ids are unique");
    }
}

/// A database's own consistency check, run after every kill.
type Check = dyn for<'a> Fn(&'a store::Store) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

/// The crash test on either database: five rounds, each with four clients saving while the
/// server is SIGKILLed; after each, the database passes `check` and holds every acknowledged
/// save exactly once.
fn saves_survive_kills(rt: &tokio::runtime::Runtime, db: &CrashDb, check: &Check) {
    let o = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(["demo", "--no-serve"])
        .args(db.args())
        .env_remove("DUBAN_DATABASE_URL")
        .env_remove("DUBAN_CONFIG")
        .output()
        .expect("duban runs");
    assert!(o.status.success(), "{}", stderr(&o));
    let mut acknowledged: Vec<(i64, Option<String>, Option<String>)> = Vec::new();
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    for (round, user) in ["yujiang", "yuehu", "guixi", "longhushan", "xinjiang"].iter().enumerate() {
        let (mut server, base) = serve(db);
        let acks = rt.block_on(async {
            let http = reqwest::Client::new();
            let login: serde_json::Value = http
                .post(format!("{base}/api/v1/auth/login"))
                .json(&serde_json::json!({"username": user, "password": "Duban@2024"}))
                .send()
                .await
                .expect("login")
                .json()
                .await
                .expect("json");
            let token = login["token"].as_str().expect("token").to_string();
            let tasks: serde_json::Value = http
                .get(format!("{base}/api/v1/tasks?period=2024-11"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("tasks")
                .json()
                .await
                .expect("json");
            let ids: Vec<i64> =
                tasks.as_array().expect("list").iter().map(|t| t["assignment_id"].as_i64().unwrap()).collect();
            // Four clients save over and over until the server dies; each remembers, per
            // report, the last text the server acknowledged and the one in flight at the kill.
            let mut clients = Vec::new();
            let saved = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            for chunk in ids.chunks(ids.len().div_ceil(4)) {
                let (http, token, base, chunk) = (http.clone(), token.clone(), base.clone(), chunk.to_vec());
                let saved = saved.clone();
                clients.push(tokio::spawn(async move {
                    let mut state: Vec<(i64, Option<String>, i64)> = chunk.iter().map(|id| (*id, None, 0)).collect();
                    for n in 0.. {
                        let k = n % state.len();
                        let (id, _, version) = state[k].clone();
                        let text = format!("第{round}轮 任务{id} 第{n}次");
                        let r = http
                            .put(format!("{base}/api/v1/assignments/{id}/reports/2024-11"))
                            .bearer_auth(&token)
                            .json(&serde_json::json!({"version": version, "progress": text}))
                            .send()
                            .await;
                        let body: Option<serde_json::Value> = match r {
                            Ok(r) if r.status().is_success() => r.json().await.ok(),
                            _ => None,
                        };
                        match body {
                            Some(b) => {
                                state[k] = (id, Some(text), b["version"].as_i64().unwrap_or(version));
                                saved.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            }
                            None => return (state, Some((id, text))),
                        }
                    }
                    (state, None)
                }));
            }
            // Kill the server after a pseudo-random moment while the clients write, counted
            // from the first acknowledged save (a loaded machine can take a while for it).
            let started = std::time::Instant::now();
            while saved.load(std::sync::atomic::Ordering::SeqCst) == 0 && started.elapsed().as_secs() < 60 {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            tokio::time::sleep(std::time::Duration::from_millis(100 + seed % 500)).await;
            let _ = server.kill();
            let mut acks = Vec::new();
            for c in clients {
                let (state, in_flight) = c.await.expect("client");
                for (id, last, _) in state {
                    let pending = in_flight.as_ref().filter(|(i, _)| *i == id).map(|(_, t)| t.clone());
                    if last.is_some() || pending.is_some() {
                        acks.push((id, last, pending));
                    }
                }
            }
            acks
        });
        let _ = server.wait();
        let in_flight = acks.iter().filter(|a| a.2.is_some()).count();
        eprintln!("round {round}: {} reports written, {in_flight} writes cut by the kill", acks.len());
        acknowledged.extend(acks);
        // After the restart, every acknowledged save is there, once.
        rt.block_on(async {
            use sqlx::Row;
            let store = db.open().await;
            check(&store).await;
            for (id, last, pending) in &acknowledged {
                let rows = sqlx::query("SELECT progress FROM reports WHERE assignment_id = $1 AND period = '2024-11'")
                    .bind(*id)
                    .fetch_all(&store.pool)
                    .await
                    .expect("reads");
                // The last acknowledged text, or the one the kill cut off if it got committed;
                // never an older one, never a lost report.
                match rows.as_slice() {
                    [] => assert!(last.is_none(), "assignment {id}: an acknowledged report is gone"),
                    [row] => {
                        let stored: String = row.get(0);
                        assert!(
                            Some(&stored) == last.as_ref() || Some(&stored) == pending.as_ref(),
                            "assignment {id}: stored {stored:?}, acknowledged {last:?}, in flight {pending:?}"
                        );
                    }
                    _ => panic!("assignment {id}: more than one report for the month"),
                }
            }
            store.pool.close().await;
        });
    }
    assert!(acknowledged.iter().any(|a| a.1.is_some()), "saves were acknowledged before the kills");
}
