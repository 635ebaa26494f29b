//! Password expiry and scheduled backups (issue 7), on every backend.

use chrono::{DateTime, Utc};
use store::accounts::SignIn;
use store::archive::{self, BackupSchedule};
use store::testing::{all, execute, sqlite};
use store::users::{NewUser, Role};
use store::{Store, StoreError};

const PASSWORD: &str = "Start@2024x";

async fn user(s: &Store, name: &str) -> store::users::User {
    s.add_user(&NewUser { username: name, display_name: name, password: PASSWORD, role: Role::Leader, unit: None })
        .await
        .expect("adds")
}

async fn forced(s: &Store, name: &str, password: &str) -> bool {
    match s.sign_in(name, password).await.expect("signs in") {
        SignIn::Ok(u) => u.must_change_password,
        other => panic!("sign-in refused: {other:?}"),
    }
}

#[tokio::test]
async fn old_passwords_must_be_changed_at_sign_in() {
    for db in all().await {
        let s = &db.store;
        let u = user(s, "wangwu").await;
        let backdate = format!("UPDATE users SET password_changed_at = '2020-01-01T00:00:00.000Z' WHERE id = {}", u.id);
        execute(s, &backdate).await;
        assert_eq!(s.password_max_age_days().await.expect("reads"), 0, "{}: never expires by default", db.name);
        assert!(!forced(s, "wangwu", PASSWORD).await, "{}: no expiry set", db.name);

        s.set_password_max_age_days(90).await.expect("sets");
        assert_eq!(s.password_max_age_days().await.expect("reads"), 90);
        let fresh = user(s, "zhaoliu").await;
        assert!(!forced(s, "zhaoliu", PASSWORD).await, "{}: a new password is not old", db.name);
        // Six years old: the sign-in succeeds, and the password must be changed first.
        assert!(forced(s, "wangwu", PASSWORD).await, "{}: an old password is expired", db.name);
        assert!(s.user(u.id).await.expect("user").must_change_password, "kept, for the next request and sign-in");
        let token = s.create_token(u.id, "api", 1).await.expect("token");
        s.change_password(u.id, PASSWORD, "Renewed@2025x", &token).await.expect("changes");
        assert!(!forced(s, "wangwu", "Renewed@2025x").await, "{}: changed, so no longer forced", db.name);

        // A password of unknown age (set before ages were kept) counts as expired.
        execute(s, &format!("UPDATE users SET password_changed_at = NULL WHERE id = {}", fresh.id)).await;
        assert!(forced(s, "zhaoliu", PASSWORD).await, "{}: unknown age", db.name);

        // 0 turns expiry off again; absurd values are refused with the field named.
        s.set_password_max_age_days(0).await.expect("sets");
        execute(s, &backdate).await;
        assert!(!forced(s, "wangwu", "Renewed@2025x").await, "{}: expiry off", db.name);
        match s.set_password_max_age_days(100_000).await.unwrap_err() {
            StoreError::Invalid { field, message } => {
                assert_eq!(field, "password_max_age_days");
                assert!(message.contains("不能超过"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}

fn at(t: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(t).expect("time").with_timezone(&Utc)
}

/// The files of the backup directory but the verification's record.
fn backups(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .filter(|n| n != archive::VERIFICATION_FILE)
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn scheduled_backups_run_once_per_interval_are_restorable_and_pruned() {
    for db in all().await {
        let s = &db.store;
        let u = user(s, "backup_user").await;
        s.set_setting("bulletin_addressees", "各县(市、区)教育局").await.expect("setting");
        let files = s.files_dir().map(std::path::Path::to_path_buf).expect("the test store keeps files");
        std::fs::create_dir_all(files.join("evidence/ab")).expect("dir");
        std::fs::write(files.join("evidence/ab/abcdef"), b"%PDF-1.4 evidence").expect("write");
        let dir = tempfile::tempdir().expect("tempdir");
        let schedule = BackupSchedule { dir: dir.path().join("backups"), every_hours: 1, keep: 2 };

        // Two processes at the same moment: one of them writes the backup.
        let (a, b) = tokio::join!(
            s.run_scheduled_backup(&schedule, at("2025-03-01T00:10:00Z"), "host-a:1"),
            s.run_scheduled_backup(&schedule, at("2025-03-01T00:10:00Z"), "host-b:2"),
        );
        let written: Vec<_> = [a.expect("runs"), b.expect("runs")].into_iter().flatten().collect();
        assert_eq!(written.len(), 1, "{}: once across processes", db.name);
        let v = &written[0].verification;
        assert!(v.ok, "{}: the fresh backup restores and matches: {v:?}", db.name);
        assert_eq!(archive::last_verification(&schedule.dir).as_ref(), Some(v), "{}: recorded", db.name);
        assert_eq!(backups(&schedule.dir), ["duban-backup-20250301T001000Z.zip"]);
        let later = s.run_scheduled_backup(&schedule, at("2025-03-01T00:59:59Z"), "host-b:2").await.expect("runs");
        assert_eq!(later, None, "{}: this hour's backup is done", db.name);

        for t in ["2025-03-01T01:00:05Z", "2025-03-01T02:00:05Z", "2025-03-01T03:00:05Z"] {
            let path = s.run_scheduled_backup(&schedule, at(t), "host-a:1").await.expect("runs");
            assert!(path.is_some_and(|p| p.path.exists() && p.verification.ok), "{}: {t}", db.name);
        }
        // The newest two are kept, the older ones deleted; no partial files are left.
        assert_eq!(
            backups(&schedule.dir),
            ["duban-backup-20250301T020005Z.zip", "duban-backup-20250301T030005Z.zip"],
            "{}",
            db.name
        );

        // The newest restores, as `duban restore` would, into a fresh database.
        let archive = archive::read(&schedule.dir.join("duban-backup-20250301T030005Z.zip")).expect("reads");
        let target = sqlite().await;
        let n = target.store.restore_backup(&archive).await.expect("restores");
        assert!(n.rows > 0 && n.files == 1, "{n:?}");
        let restored = target.store.user(u.id).await.expect("the user is there");
        assert_eq!(restored.username, "backup_user");
        assert_eq!(
            target.store.setting("bulletin_addressees").await.expect("reads").as_deref(),
            Some("各县(市、区)教育局")
        );
        let restored_files = target.store.files_dir().map(std::path::Path::to_path_buf).expect("files");
        assert_eq!(std::fs::read(restored_files.join("evidence/ab/abcdef")).expect("file"), b"%PDF-1.4 evidence");
        assert!(matches!(target.store.sign_in("backup_user", PASSWORD).await.expect("signs in"), SignIn::Ok(_)));
    }
}

/// Issue 23: a scheduled backup is restored into a throwaway database and its rows compared
/// with the source's; a backup that cannot be restored fails its verification, and says why.
/// No scratch database or directory is left behind either way.
#[tokio::test]
async fn backup_verification_restores_into_a_throwaway_database_and_catches_a_corrupted_file() {
    for db in all().await {
        let s = &db.store;
        user(s, "verify_user").await;
        let dir = tempfile::tempdir().expect("tempdir");
        let schedule = BackupSchedule { dir: dir.path().to_path_buf(), every_hours: 1, keep: 5 };
        let made = s.run_scheduled_backup(&schedule, at("2025-03-01T00:10:00Z"), "host").await.expect("runs");
        let made = made.expect("this process made it");
        assert!(made.verification.ok, "{}: {:?}", db.name, made.verification);
        assert!(made.verification.detail.contains("与备份时一致"), "{}", made.verification.detail);

        // The same file, corrupted on disk after it was written: a byte in the middle of the
        // compressed tables flipped.
        let mut bytes = std::fs::read(&made.path).expect("reads");
        let middle = bytes.len() / 2;
        for b in &mut bytes[middle - 64..middle + 64] {
            *b ^= 0x5a;
        }
        std::fs::write(&made.path, &bytes).expect("writes");
        let rows: archive::RowCounts =
            s.dump().await.expect("dump").iter().map(|t| (t.name.clone(), t.rows.len())).collect();
        let v = s.verify_scheduled(&schedule.dir, &made.path, &rows, 0).await;
        assert!(!v.ok, "{}: a corrupted backup must fail its verification: {v:?}", db.name);
        assert!(v.detail.contains("无法读取") || v.detail.contains("损坏"), "{}: says why: {}", db.name, v.detail);
        assert_eq!(archive::last_verification(&schedule.dir).map(|l| l.ok), Some(false), "{}", db.name);

        // A backup whose rows do not match the source's (a row lost): the counts catch it.
        let intact = s.run_scheduled_backup(&schedule, at("2025-03-01T01:10:00Z"), "host").await.expect("runs");
        let intact = intact.expect("made");
        let mut more = rows.clone();
        *more.get_mut("users").expect("users") += 1;
        let v = s.verify_scheduled(&schedule.dir, &intact.path, &more, 0).await;
        assert!(!v.ok && v.detail.contains("users"), "{}: {v:?}", db.name);
        // And one whose evidence files are not all there.
        let v = s.verify_scheduled(&schedule.dir, &intact.path, &rows, 1).await;
        assert!(!v.ok && v.detail.contains("附件 0 个"), "{}: {v:?}", db.name);

        // Nothing of the throwaway databases is left: no scratch directory, no schema.
        let left: Vec<String> = std::fs::read_dir(&schedule.dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
            .filter(|n| n.starts_with(".verify"))
            .collect();
        assert!(left.is_empty(), "{}: {left:?}", db.name);
        if db.name == "postgres" {
            let schemas: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name LIKE 'duban_verify_%'",
            )
            .fetch_one(store::testing::pool(s))
            .await
            .expect("counts");
            assert_eq!(schemas, 0);
        }
    }
}
