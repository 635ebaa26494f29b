//! Accounts (policy, history, lockout, resets, sessions) and the audit chain, on every backend.

use store::accounts::SignIn;
use store::audit::{AuditCheck, AuditEvent, AuditQuery};
use store::testing::all;
use store::users::{NewUser, Role};
use store::{Store, StoreError};

const PASSWORD: &str = "Start@2024x";

async fn user(s: &Store, name: &str) -> store::users::User {
    s.add_user(&NewUser { username: name, display_name: name, password: PASSWORD, role: Role::Leader, unit: None })
        .await
        .expect("adds")
}

fn field_of(e: StoreError) -> (String, String) {
    match e {
        StoreError::Invalid { field, message } => (field, message),
        other => panic!("expected a bad value, got {other:?}"),
    }
}

#[tokio::test]
async fn password_policy_and_history() {
    for db in all().await {
        let s = &db.store;
        let weak = s
            .add_user(&NewUser {
                username: "weak",
                display_name: "x",
                password: "short1A",
                role: Role::Leader,
                unit: None,
            })
            .await
            .unwrap_err();
        assert_eq!(field_of(weak), ("password".into(), "密码至少 10 位".into()), "{}", db.name);
        let u = user(s, "zhangsan").await;
        let token = s.create_token(u.id, "api", 8).await.expect("token");
        let other = s.create_token(u.id, "web", 8).await.expect("token");

        let e = s.change_password(u.id, "wrong", "New@2024abc", &token).await.unwrap_err();
        assert_eq!(field_of(e).0, "current_password");
        let e = s.change_password(u.id, PASSWORD, "Zhangsan@2024", &token).await.unwrap_err();
        assert_eq!(field_of(e).1, "密码不能包含用户名");
        let e = s.change_password(u.id, PASSWORD, "alllowercase1", &token).await.unwrap_err();
        assert!(field_of(e).1.contains("三类"));
        let e = s.change_password(u.id, PASSWORD, PASSWORD, &token).await.unwrap_err();
        assert!(field_of(e).1.contains("最近 5 次"), "the current password is not new");

        // Five changes; then the first four and the current one are all refused, the one
        // before them (six back) is allowed again.
        let mut current = PASSWORD.to_string();
        for i in 1..=5 {
            let next = format!("Second@{i}xyz");
            s.change_password(u.id, &current, &next, &token).await.expect("changes");
            current = next;
        }
        for i in 1..=5 {
            let e = s.change_password(u.id, &current, &format!("Second@{i}xyz"), &token).await.unwrap_err();
            assert!(field_of(e).1.contains("最近 5 次"), "{i}");
        }
        s.change_password(u.id, &current, PASSWORD, &token).await.expect("six back is allowed");

        // Changing ends the other sessions, not the one in use.
        assert!(s.user_by_token(&token).await.expect("lookup").is_some());
        assert!(s.user_by_token(&other).await.expect("lookup").is_none(), "{}", db.name);
    }
}

/// A password hashed by an earlier version (Argon2's default: 19 MiB, two passes) still signs
/// in, and that sign-in stores it again with this version's settings (7 MiB, five passes),
/// without ending the user's sessions or counting as a change of password.
#[tokio::test]
async fn an_older_hash_signs_in_and_is_renewed_at_that_sign_in() {
    use argon2::password_hash::PasswordHasher;
    // The stored hash and when the password was last changed.
    let stored = |s: &Store, id: i64| {
        let pool = store::testing::pool(s).clone();
        async move {
            let row: (String, Option<String>) =
                sqlx::query_as("SELECT password_hash, password_changed_at FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_one(&pool)
                    .await
                    .expect("reads");
            row
        }
    };
    let older = argon2::Argon2::default().hash_password(PASSWORD.as_bytes()).expect("hashes").to_string();
    for db in all().await {
        let s = &db.store;
        let u = user(s, "wangwu").await;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(&older)
            .bind(u.id)
            .execute(store::testing::pool(s))
            .await
            .expect("an earlier version's hash");
        let token = s.create_token(u.id, "api", 8).await.expect("token");
        let changed_at = stored(s, u.id).await.1;

        assert_eq!(s.check_password("wangwu", "Wrong@2024x").await.expect("checks"), None, "{}", db.name);
        assert_eq!(stored(s, u.id).await.0, older, "a wrong password renews nothing");
        assert_eq!(s.check_password("wangwu", PASSWORD).await.expect("checks").map(|u| u.id), Some(u.id));
        let renewed = stored(s, u.id).await.0;
        assert!(renewed.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "{}: {renewed}", db.name);
        assert!(store::password::is_current(&renewed));

        // The same password, the same sessions, the same age.
        assert!(matches!(s.sign_in("wangwu", PASSWORD).await.expect("signs in"), SignIn::Ok(_)));
        assert_eq!(s.check_password("wangwu", "Wrong@2024x").await.expect("checks"), None);
        assert!(s.user_by_token(&token).await.expect("lookup").is_some(), "{}", db.name);
        assert_eq!(stored(s, u.id).await, (renewed, changed_at), "made once; the password's age stands");
    }
}

#[tokio::test]
async fn lockout_grows_and_resets_force_a_change() {
    for db in all().await {
        let s = &db.store;
        let u = user(s, "lisi").await;
        assert!(matches!(s.sign_in("lisi", PASSWORD).await.expect("signs in"), SignIn::Ok(_)));
        for _ in 0..4 {
            assert_eq!(s.sign_in("lisi", "wrong").await.expect("answers"), SignIn::Refused);
        }
        assert_eq!(s.sign_in("lisi", "wrong").await.expect("answers"), SignIn::Locked { minutes: 1 });
        // Locked: even the right password is not checked.
        assert!(matches!(s.sign_in("lisi", PASSWORD).await.expect("answers"), SignIn::Locked { .. }));
        // An unknown name locks the same way, so locks do not reveal which names exist.
        for _ in 0..4 {
            assert_eq!(s.sign_in("nobody", "wrong").await.expect("answers"), SignIn::Refused);
        }
        assert_eq!(s.sign_in("nobody", "wrong").await.expect("answers"), SignIn::Locked { minutes: 1 });
        // The next failure after the lock ends doubles it.
        sqlx::query("UPDATE login_failures SET locked_until = '2000-01-01T00:00:00.000Z' WHERE username = 'lisi'")
            .execute(store::testing::pool(s))
            .await
            .expect("expire the lock");
        assert_eq!(s.sign_in("lisi", "wrong").await.expect("answers"), SignIn::Locked { minutes: 2 });

        // The administrator's reset: sessions end, the lock lifts, a change is required.
        let token = s.create_token(u.id, "api", 8).await.expect("token");
        let reset = s.reset_password(u.id, "Temp@2024abc").await.expect("resets");
        assert!(reset.must_change_password);
        assert!(s.user_by_token(&token).await.expect("lookup").is_none(), "{}", db.name);
        let SignIn::Ok(again) = s.sign_in("lisi", "Temp@2024abc").await.expect("signs in") else {
            panic!("the temporary password signs in")
        };
        assert!(again.must_change_password);
        let token = s.create_token(u.id, "api", 8).await.expect("token");
        s.change_password(u.id, "Temp@2024abc", "Mine@2024abc", &token).await.expect("changes");
        assert!(!s.user(u.id).await.expect("user").must_change_password);

        // Log out everywhere.
        s.create_token(u.id, "web", 8).await.expect("token");
        assert_eq!(s.revoke_sessions(u.id, None).await.expect("revokes"), 2);
    }
}

fn event(action: &str, n: i64) -> AuditEvent {
    AuditEvent {
        actor_id: Some(n),
        actor: format!("user{n}"),
        ip: Some("127.0.0.1".into()),
        action: action.into(),
        object: Some(format!("/things/{n}")),
        outcome: "ok".into(),
        detail: serde_json::json!({"before": n, "after": n + 1}),
    }
}

#[tokio::test]
async fn the_audit_chain_detects_edits_and_deletions() {
    for db in all().await {
        let s = &db.store;
        assert_eq!(s.verify_audit().await.expect("verifies"), AuditCheck::Intact { records: 0 });
        for n in 1..=6 {
            s.audit(&event("report.save", n)).await.expect("appends");
        }
        assert_eq!(s.verify_audit().await.expect("verifies"), AuditCheck::Intact { records: 6 });
        let q = AuditQuery { action: Some("report.".into()), limit: 100, ..Default::default() };
        let listed = s.audit_records(&q).await.expect("lists");
        assert_eq!(listed.iter().map(|r| r.id).collect::<Vec<_>>(), [6, 5, 4, 3, 2, 1]);
        let q = AuditQuery { actor: Some("user3".into()), limit: 100, ..Default::default() };
        assert_eq!(s.audit_records(&q).await.expect("lists").len(), 1);

        // An edited record.
        sqlx::query("UPDATE audit_log SET actor = 'someone else' WHERE id = 3")
            .execute(store::testing::pool(s))
            .await
            .expect("edit");
        assert!(matches!(s.verify_audit().await.expect("verifies"), AuditCheck::Broken { id: 3, .. }), "{}", db.name);
        sqlx::query("UPDATE audit_log SET actor = 'user3' WHERE id = 3")
            .execute(store::testing::pool(s))
            .await
            .expect("undo");
        assert_eq!(s.verify_audit().await.expect("verifies"), AuditCheck::Intact { records: 6 });

        // A deleted record in the middle, and a deleted last record.
        sqlx::query("DELETE FROM audit_log WHERE id = 4").execute(store::testing::pool(s)).await.expect("delete");
        assert!(matches!(s.verify_audit().await.expect("verifies"), AuditCheck::Broken { id: 4, .. }));
    }
    for db in all().await {
        let s = &db.store;
        for n in 1..=3 {
            s.audit(&event("login", n)).await.expect("appends");
        }
        sqlx::query("DELETE FROM audit_log WHERE id = 3").execute(store::testing::pool(s)).await.expect("delete");
        assert!(matches!(s.verify_audit().await.expect("verifies"), AuditCheck::Broken { id: 3, .. }), "{}", db.name);
    }
}

#[tokio::test]
async fn concurrent_appends_keep_one_chain() {
    for db in all().await {
        // Two handles on one database, as two server processes would have: each groups its
        // own callers' records, and the groups of both interleave in one chain.
        let other = Store::open(&db.url).await.expect("second handle");
        let mut tasks = Vec::new();
        for w in 0..8 {
            let s = if w % 2 == 0 { db.store.clone() } else { other.clone() };
            tasks.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                for n in 0..10 {
                    ids.push((s.audit(&event("concurrent", w * 100 + n)).await.expect("appends"), w * 100 + n));
                }
                ids
            }));
        }
        let mut answered = Vec::new();
        for t in tasks {
            answered.extend(t.await.expect("task"));
        }
        let s = &db.store;
        assert_eq!(s.verify_audit().await.expect("verifies"), AuditCheck::Intact { records: 80 }, "{}", db.name);
        // Each caller was told the id of its own record.
        let listed = s.audit_records(&AuditQuery { limit: 100, ..Default::default() }).await.expect("lists");
        for (id, n) in answered {
            let record = listed.iter().find(|r| r.id == id).expect("the answered id exists");
            assert_eq!(record.object.as_deref(), Some(format!("/things/{n}").as_str()), "{}", db.name);
        }
    }
}

/// A token check is served from the last second's reads (issue N): a revocation in this
/// process counts at the next check, and one made by another process on the same database
/// within one second, on either backend.
#[tokio::test]
async fn a_revoked_session_stops_working_at_once_here_and_within_a_second_elsewhere() {
    for db in all().await {
        let s = &db.store;
        let other = Store::open(&db.url).await.expect("second process opens");
        let u = user(s, "wangwu").await;

        // Revoked here: the next check here says no, even right after a check that kept it.
        let token = s.create_token(u.id, "api", 8).await.expect("token");
        assert!(s.user_by_token(&token).await.expect("lookup").is_some());
        s.revoke_token(&token).await.expect("revokes");
        assert!(s.user_by_token(&token).await.expect("lookup").is_none(), "{}", db.name);

        // Disabled here: every session of the account ends at once here.
        let token = s.create_token(u.id, "api", 8).await.expect("token");
        assert!(s.user_by_token(&token).await.expect("lookup").is_some());
        s.set_disabled(u.id, true).await.expect("disables");
        assert!(s.user_by_token(&token).await.expect("lookup").is_none(), "{}", db.name);
        s.set_disabled(u.id, false).await.expect("enables");

        // Revoked by another process: this one stops accepting it within one second.
        let token = s.create_token(u.id, "api", 8).await.expect("token");
        assert!(s.user_by_token(&token).await.expect("lookup").is_some());
        other.revoke_token(&token).await.expect("the other process revokes");
        let revoked = std::time::Instant::now();
        while s.user_by_token(&token).await.expect("lookup").is_some() {
            assert!(revoked.elapsed() < std::time::Duration::from_millis(1100), "{}: still accepted", db.name);
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        // A role changed elsewhere applies here within the same second (the sessions end).
        let token = s.create_token(u.id, "api", 8).await.expect("token");
        assert_eq!(s.user_by_token(&token).await.expect("lookup").map(|u| u.role), Some(Role::Leader));
        other.set_role(u.id, Role::Supervisor).await.expect("re-roles");
        let changed = std::time::Instant::now();
        while s.user_by_token(&token).await.expect("lookup").is_some() {
            assert!(changed.elapsed() < std::time::Duration::from_millis(1100), "{}: old role still served", db.name);
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}
