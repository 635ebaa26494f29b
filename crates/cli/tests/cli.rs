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

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs duban with `input` on its standard input and `env` set (no configuration file).
fn duban_with(args: &[&str], input: &str, env: &[(&str, &str)]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(args)
        .envs(env.iter().copied())
        .env_remove("DUBAN_CONFIG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("duban runs");
    let _ = child.stdin.take().expect("stdin").write_all(input.as_bytes());
    child.wait_with_output().expect("duban runs")
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
    assert!(out.contains("已生成督导检查 60 次"), "a year of visits: {out}");
    for user in ["admin", "supervisor", "leader", "yujiang"] {
        assert!(out.lines().any(|l| l.trim_start().starts_with(user)), "{user} listed: {out}");
    }
    assert!(out.contains("Duban@2024"), "the password is printed");
    // The second run reuses the data instead of loading it twice.
    let o = duban(&["demo", "--no-serve", "--data-dir", data]);
    let out = String::from_utf8(o.stdout).expect("utf-8");
    assert!(out.contains("使用已有的演示数据"), "{out}");
    assert!(out.contains("演示日期:2024-11-10"), "the demo's own clock: {out}");
    // The demo reads the same settings as `serve`: the environment's date, and its limits
    // (a bad one stops it as it would stop the server).
    let o = duban_with(&["demo", "--no-serve", "--data-dir", data], "", &[("DUBAN_TODAY", "2024-10-05")]);
    assert!(stdout(&o).contains("演示日期:2024-10-05"), "{}", stdout(&o));
    let o = duban_with(&["demo", "--no-serve", "--data-dir", data], "", &[("DUBAN_API_RATE", "-1")]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("DUBAN_API_RATE"), "{}", stderr(&o));
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
    let add = |args: &[&str], password: &str| {
        duban_with(&[&["user", "add"][..], args, &["--password-stdin", "--data-dir", data]].concat(), password, &[])
    };
    let o = add(&["--username", "yj", "--role", "reporter", "--unit", "余江区"], "Secret@2024\n");
    assert!(o.status.success(), "{}", stderr(&o));
    let o = add(&["--username", "x", "--role", "reporter", "--unit", "不存在的单位"], "Secret@2024\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("不存在"), "{}", stderr(&o));
    let o = add(&["--username", "x", "--role", "boss"], "Secret@2024\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("未知角色"), "{}", stderr(&o));
}

/// The first administrator comes from `duban user add`, with a password typed or piped in,
/// held to the web's rules; never from the command line or a default.
#[test]
fn the_first_administrator_is_added_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().to_str().expect("utf-8");
    let admin = ["user", "add", "--username", "root2", "--role", "admin", "--display-name", "系统管理员"];
    let add =
        |extra: &[&str], input: &str| duban_with(&[&admin[..], extra, &["--data-dir", data]].concat(), input, &[]);
    // Weak passwords are refused with the web's reasons, and nothing is added.
    for (weak, why) in [("short1A!", "至少 10 位"), ("alllowercase1", "至少三类"), ("Root2root2!x", "不能包含用户名")]
    {
        let o = add(&["--password-stdin"], &format!("{weak}\n"));
        assert_eq!(o.status.code(), Some(2), "{weak}");
        assert!(stderr(&o).contains(why), "{weak}: {}", stderr(&o));
    }
    let o = add(&["--password-stdin"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("没有密码"), "{}", stderr(&o));
    // Without a terminal and without --password-stdin there is nobody to ask.
    let o = add(&[], "Strong@2024x\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--password-stdin"), "{}", stderr(&o));
    // A password on the command line is not an option.
    let o = add(&["--password", "Strong@2024x"], "");
    assert_eq!(o.status.code(), Some(2));
    let o = duban(&["user", "list", "--data-dir", data]);
    assert!(!stdout(&o).contains("root2"), "{}", stdout(&o));

    let o = add(&["--password-stdin"], "Strong@2024x\n");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("已新增用户 root2(系统管理员)"), "{}", stdout(&o));
    let o = duban(&["user", "list", "--data-dir", data]);
    assert!(stdout(&o).lines().any(|l| l.starts_with("root2\t系统管理员\t")), "{}", stdout(&o));
    // The password works: the administrator signs in (through the store the server uses).
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let url = format!("sqlite://{}", dir.path().join("duban.db").display());
        let s = store::Store::open(&url).await.expect("opens");
        let u = s.check_password("root2", "Strong@2024x").await.expect("checks").expect("signs in");
        assert_eq!(u.role, store::users::Role::Admin);
        assert!(u.must_change_password, "whoever typed it knows it: replaced at the first sign-in");
    });
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

/// The server's settings in layers: the file's value is used, an environment variable
/// overrides it, a flag overrides both; a bad value stops the start, naming the key and
/// where it was set. (`duban doctor` reads the settings exactly as `serve` does, and shows
/// them.)
#[test]
fn server_settings_come_from_file_then_environment_then_flags() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (data, backups) = (dir.path().join("data"), dir.path().join("backups"));
    let config = dir.path().join("duban.toml");
    let c = config.to_str().expect("utf-8");
    std::fs::write(
        &config,
        format!("data_dir = \"{}\"\nbackup_dir = \"{}\"\nbackup_every = 5\n", data.display(), backups.display()),
    )
    .expect("write");
    let doctor = |extra: &[&str], env: &[(&str, &str)]| {
        let o = duban_with(&[&["doctor", "--config", c][..], extra].concat(), "", env);
        (o.status.code(), stdout(&o))
    };
    let (_, out) = doctor(&[], &[]);
    assert!(out.contains(&format!("已读取 {c}")), "{out}");
    assert!(out.contains(&format!("数据目录:{}", data.display())), "{out}");
    assert!(out.contains("备份目录:") && out.contains("不存在"), "{out}");
    std::fs::create_dir_all(&backups).expect("mkdir");
    std::fs::write(backups.join("duban-backup-20240101T000000Z.zip"), b"x").expect("write");
    let (_, out) = doctor(&[], &[]);
    assert!(out.contains("(间隔 5 小时)"), "the file's value: {out}");
    let (_, out) = doctor(&[], &[("DUBAN_BACKUP_EVERY", "7")]);
    assert!(out.contains("(间隔 7 小时)"), "the environment over the file: {out}");
    let (_, out) = doctor(&["--backup-every", "9"], &[("DUBAN_BACKUP_EVERY", "7")]);
    assert!(out.contains("(间隔 9 小时)"), "the flag over both: {out}");
    // A text setting whose value looks like a number is still text.
    let (_, out) = doctor(&[], &[("DUBAN_MAIL_FROM", "12345")]);
    assert!(out.starts_with("正常 配置:"), "{out}");

    // Bad values stop `serve` before it listens, naming the key and its source.
    let serve = |env: &[(&str, &str)]| duban_with(&["serve", "--config", c, "--addr", "127.0.0.1:0"], "", env);
    std::fs::write(&config, "due_day = \"abc\"\n").expect("write");
    let o = serve(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("配置项 due_day 的值 “abc” 无效(来自配置文件"), "{}", stderr(&o));
    std::fs::write(&config, "backup_every = 0\n").expect("write");
    let o = serve(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("配置项 backup_every 的值 0 无效(来自配置文件"), "{}", stderr(&o));
    std::fs::write(&config, "colour = \"blue\"\n").expect("write");
    let o = serve(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("未知的设置项“colour”"), "{}", stderr(&o));
    std::fs::write(&config, "").expect("write");
    let o = serve(&[("DUBAN_API_RATE", "fast")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("api_rate 的值 “fast” 无效(来自环境变量 DUBAN_API_RATE)"), "{}", stderr(&o));
}

/// `duban migrate --check` tells a script whether anything is pending, changing nothing;
/// `duban migrate` applies it. On a database of the previous release, too.
#[test]
fn migrate_and_migrate_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("new");
    let d = data.to_str().expect("utf-8");
    let o = duban(&["migrate", "--check", "--data-dir", d]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("0001_initial"), "{}", stdout(&o));
    assert!(!data.join("duban.db").exists(), "a check creates no database");
    let o = duban(&["migrate", "--data-dir", d]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = duban(&["migrate", "--check", "--data-dir", d]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    // The previous release's database: pending steps named, nothing changed by the check.
    let old = dir.path().join("old");
    std::fs::create_dir_all(&old).expect("mkdir");
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../store/tests/fixtures/upgrade-0.1.0/duban.db");
    std::fs::copy(fixture, old.join("duban.db")).expect("copy");
    let o_ = old.to_str().expect("utf-8");
    for _ in 0..2 {
        let o = duban(&["migrate", "--check", "--data-dir", o_]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stdout(&o).contains("0011_idempotency_requests、0012_account_requests"), "{}", stdout(&o));
    }
    let o = duban(&["migrate", "--data-dir", o_]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("已执行结构升级 0011_idempotency_requests"), "{}", stdout(&o));
    let o = duban(&["migrate", "--check", "--data-dir", o_]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = duban(&["user", "list", "--data-dir", o_]);
    assert!(stdout(&o).contains("yujiang"), "{}", stdout(&o));
}

/// `duban doctor`: 0 when all is well, 1 with a warning, 2 with an error; one line a check.
#[test]
fn doctor_reports_and_exits_for_monitoring() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (data, backups) = (dir.path().join("data"), dir.path().join("backups"));
    let (d, b) = (data.to_str().expect("utf-8"), backups.to_str().expect("utf-8"));
    let doctor = |extra: &[&str]| {
        let o = duban_with(&[&["doctor", "--data-dir", d, "--min-free-mb", "1"][..], extra].concat(), "", &[]);
        (o.status.code(), stdout(&o))
    };
    // Nothing yet: the database is to be made, no backups are configured.
    let (code, out) = doctor(&[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("警告 数据库:SQLite 数据库尚未建立"), "{out}");
    assert!(!data.join("duban.db").exists(), "the doctor creates nothing");
    let o = duban(&["migrate", "--data-dir", d]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (code, out) = doctor(&[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("警告 备份:未配置定时备份目录"), "no backup dir is a warning: {out}");
    assert!(out.contains("正常 数据库结构:已是最新版本"), "{out}");

    // A backup directory with a fresh backup: all fine.
    std::fs::create_dir_all(&backups).expect("mkdir");
    let o =
        duban(&["backup", backups.join("duban-backup-20240101T000000Z.zip").to_str().expect("utf-8"), "--data-dir", d]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (code, out) = doctor(&["--backup-dir", b]);
    assert_eq!(code, Some(0), "{out}");
    for line in out.lines() {
        assert!(line.starts_with("正常 "), "{line}");
    }
    for check in ["配置", "数据库", "数据库结构", "时钟", "数据目录", "备份目录", "备份"] {
        assert!(out.lines().any(|l| l.starts_with(&format!("正常 {check}:"))), "{check}: {out}");
    }
    assert!(out.contains("正常 备份校验:duban-backup-20240101T000000Z.zip 未经校验"), "made by hand: {out}");

    // The server's verification of its latest scheduled backup failed: an error, with why.
    let failed = serde_json::json!({
        "file": "duban-backup-20240101T000000Z.zip", "at": "2024-01-01T00:00:09Z", "ok": false,
        "detail": "无法读取:备份文件读写失败", "seconds": 0.2
    });
    let record = backups.join("duban-backup-verification.json");
    std::fs::write(&record, failed.to_string()).expect("write");
    let (code, out) = doctor(&["--backup-dir", b]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("错误 备份校验:duban-backup-20240101T000000Z.zip 校验失败:无法读取"), "{out}");
    std::fs::remove_file(&record).expect("remove");

    // A webhook nobody listens on: an error.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let (code, out) = doctor(&["--backup-dir", b, "--webhook-url", &format!("http://127.0.0.1:{closed}/robot")]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains(&format!("错误 webhook:127.0.0.1:{closed} 无法连接")), "{out}");
    // And a mail server that listens: fine.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let open = listener.local_addr().expect("addr").port();
    let (code, out) = doctor(&["--backup-dir", b, "--smtp-url", &format!("smtp://127.0.0.1:{open}")]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains(&format!("正常 邮件服务器:127.0.0.1:{open} 可连接")), "{out}");
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
