//! `duban audit verify` on both databases: intact after command-line changes, and naming the
//! first broken record after a row is edited or deleted directly with SQL.

use std::process::{Command, Output};

const YINGTAN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/plans/yingtan-2024-education-work-plan.txt");

fn duban(args: &[&str], url: &str, dir: &std::path::Path) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(args)
        .args(["--database-url", url, "--data-dir", dir.to_str().expect("utf-8")])
        .env_remove("DUBAN_CONFIG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("duban runs");
    // The password of `user add --password-stdin`; other commands do not read it.
    let _ = child.stdin.take().expect("stdin").write_all(b"Audit@2024x\n");
    child.wait_with_output().expect("duban runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn verify_detects_edited_and_deleted_records() {
    for db in store::testing::all().await {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = db.url.clone();
        let o = duban(
            &["user", "add", "--username", "auditor2", "--role", "audit_admin", "--password-stdin"],
            &url,
            dir.path(),
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        let o = duban(&["plan", "import", YINGTAN, "--publish"], &url, dir.path());
        assert!(o.status.success(), "{}", text(&o.stderr));
        let o = duban(&["audit", "verify"], &url, dir.path());
        assert!(o.status.success(), "{}: {}", db.name, text(&o.stderr));
        assert!(text(&o.stdout).contains("共 3 条记录"), "{}", text(&o.stdout));

        // Record 3 is the publishing, with an empty detail.
        store::testing::execute(&db.store, r#"UPDATE audit_log SET detail = '{"tasks":0}' WHERE id = 3"#).await;
        let o = duban(&["audit", "verify"], &url, dir.path());
        assert_eq!(o.status.code(), Some(3), "{}", db.name);
        assert!(text(&o.stderr).contains("#3"), "{}", text(&o.stderr));
        store::testing::execute(&db.store, "UPDATE audit_log SET detail = '{}' WHERE id = 3").await;
        assert!(duban(&["audit", "verify"], &url, dir.path()).status.success(), "put back, intact again");

        assert_eq!(store::testing::execute(&db.store, "DELETE FROM audit_log WHERE id = 2").await, 1);
        let o = duban(&["audit", "verify"], &url, dir.path());
        assert_eq!(o.status.code(), Some(3));
        assert!(text(&o.stderr).contains("#2") && text(&o.stderr).contains("删除"), "{}", text(&o.stderr));
    }
}
