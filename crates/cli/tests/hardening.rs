//! `duban serve`'s hardening flags as a user runs them (issue 7): HTTPS from a certificate,
//! scheduled backups with retention. The behaviour itself is tested in the web and store
//! crates; here, that the flags reach it.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Output, Stdio};

fn duban(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_duban")).args(args).output().expect("duban runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port()
}

#[test]
fn https_needs_a_readable_certificate_and_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    let addr = format!("127.0.0.1:{}", free_port());
    let serve = |cert: &str, key: &str| {
        duban(&[
            "serve",
            "--data-dir",
            data.to_str().expect("utf-8"),
            "--addr",
            &addr,
            "--tls-cert",
            cert,
            "--tls-key",
            key,
        ])
    };
    let o = serve(cert.to_str().expect("utf-8"), key.to_str().expect("utf-8"));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("无法启用 HTTPS:证书文件") && stderr(&o).contains("不存在"), "{}", stderr(&o));
    std::fs::write(&cert, "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n").expect("write");
    std::fs::write(&key, "").expect("write");
    let o = serve(cert.to_str().expect("utf-8"), key.to_str().expect("utf-8"));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("证书文件"), "{}", stderr(&o));
    // A certificate without its key is refused before anything starts.
    let o = duban(&["serve", "--data-dir", data.to_str().expect("utf-8"), "--tls-cert", cert.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--tls-key"), "{}", stderr(&o));
}

#[test]
fn serve_writes_scheduled_backups_that_restore() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let backups = dir.path().join("backups");
    let (data_s, backups_s) = (data.to_str().expect("utf-8"), backups.to_str().expect("utf-8"));
    let o = duban(&["demo", "--no-serve", "--data-dir", data_s]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Older scheduled backups beyond the two to keep are deleted; other files stay.
    std::fs::create_dir_all(&backups).expect("dir");
    for old in ["duban-backup-20000101T000000Z.zip", "duban-backup-20000102T000000Z.zip", "notes.txt"] {
        std::fs::write(backups.join(old), b"old").expect("write");
    }
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(["serve", "--data-dir", data_s, "--addr", &format!("127.0.0.1:{port}"), "--job-interval-secs", "1"])
        .args(["--backup-dir", backups_s, "--backup-every", "1", "--backup-keep", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    assert!(first.contains(&format!("http://127.0.0.1:{port}/")), "{first}");
    let second = lines.next().expect("a line").expect("utf-8");
    assert!(second.contains("定时备份:每 1 小时一份") && second.contains("保留最近 2 份"), "{second}");
    // Wait for the backup and the pruning after it.
    let mut written = None;
    for _ in 0..300 {
        let names: Vec<String> = std::fs::read_dir(&backups)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
            .collect();
        let old = names.iter().filter(|n| n.starts_with("duban-backup-2000")).count();
        let fresh = names.iter().find(|n| n.starts_with("duban-backup-2") && !n.starts_with("duban-backup-2000"));
        if let (Some(name), 1) = (fresh, old)
            && name.ends_with(".zip")
        {
            written = Some(name.clone());
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // The server answered during the backup's interval as usual.
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connects");
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").expect("write");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    let _ = child.kill();
    let _ = child.wait();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let name = written.expect("a scheduled backup was written");
    let mut names: Vec<String> = std::fs::read_dir(&backups)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "duban-backup-20000102T000000Z.zip".to_string(),
            name.clone(),
            "duban-backup-verification.json".to_string(),
            "notes.txt".to_string()
        ]
    );
    // The server restored it into a throwaway database and found every row (issue 23).
    let verification: serde_json::Value =
        serde_json::from_slice(&std::fs::read(backups.join("duban-backup-verification.json")).expect("record"))
            .expect("json");
    assert_eq!((verification["file"].as_str(), verification["ok"].as_bool()), (Some(name.as_str()), Some(true)));

    // The same archive `duban backup` writes: `duban restore` takes it.
    let restored = dir.path().join("restored");
    let o = duban(&[
        "restore",
        backups.join(&name).to_str().expect("utf-8"),
        "--data-dir",
        restored.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let a = duban(&["user", "list", "--data-dir", data_s]);
    let b = duban(&["user", "list", "--data-dir", restored.to_str().expect("utf-8")]);
    assert!(a.status.success() && b.status.success());
    assert_eq!(String::from_utf8_lossy(&a.stdout), String::from_utf8_lossy(&b.stdout));
}
