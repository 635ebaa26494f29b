//! Account security: sign-in with lockout, password changes under the policy and history,
//! administrators' resets, roles, and revoking every session of a user.

use crate::users::{Role, USER_SELECT, User, token_hash, user_from_row};
use crate::{Result, Store, StoreError, flag, now, password};
use sqlx::Row;

/// Failed sign-ins in a row (per user name) before the name is locked.
pub const LOCK_AFTER: i64 = 5;
/// The longest lock, however many failures.
pub const MAX_LOCK_MINUTES: i64 = 24 * 60;

/// The setting that makes passwords expire after so many days (0 or absent: never).
pub const PASSWORD_MAX_AGE_KEY: &str = "password_max_age_days";
/// The longest expiry that may be set (ten years).
pub const MAX_PASSWORD_AGE_DAYS: u32 = 3650;

/// What a sign-in attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    Ok(User),
    /// Wrong name or password (never said which).
    Refused,
    /// Too many failures: no password is checked until `minutes` have passed.
    Locked {
        minutes: i64,
    },
}

/// The lock after `failures` failures in a row: none below [`LOCK_AFTER`], then 1, 2, 4 …
/// minutes, at most [`MAX_LOCK_MINUTES`].
pub fn lock_minutes(failures: i64) -> Option<i64> {
    (failures >= LOCK_AFTER).then(|| {
        let doublings = (failures - LOCK_AFTER).min(20) as u32;
        (1i64 << doublings).min(MAX_LOCK_MINUTES)
    })
}

fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn minutes_until(until: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(until)
        .map(|t| {
            let secs = (t.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds().max(1);
            (secs + 59) / 60
        })
        .unwrap_or(1)
}

impl Store {
    /// Signs a user in. Failures are counted per user name — existing or not, so a lock does
    /// not reveal which names exist — and after [`LOCK_AFTER`] in a row the name is locked for
    /// a time that doubles with each further failure. A success clears the count.
    pub async fn sign_in(&self, username: &str, password_given: &str) -> Result<SignIn> {
        let username = username.trim();
        let row = sqlx::query("SELECT failures, locked_until FROM login_failures WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(until) = row.as_ref().and_then(|r| r.get::<Option<String>, _>(1))
            && until > now()
        {
            return Ok(SignIn::Locked { minutes: minutes_until(&until) });
        }
        if let Some(user) = self.check_password(username, password_given).await? {
            sqlx::query("DELETE FROM login_failures WHERE username = $1").bind(username).execute(&self.pool).await?;
            return Ok(SignIn::Ok(self.expire_old_password(user).await?));
        }
        let at = now();
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO login_failures (username, failures, last_failure_at) VALUES ($1, 1, $2) \
             ON CONFLICT (username) DO UPDATE SET failures = login_failures.failures + 1, last_failure_at = $2",
        )
        .bind(username)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        let failures: i64 = sqlx::query("SELECT failures FROM login_failures WHERE username = $1")
            .bind(username)
            .fetch_one(&mut *tx)
            .await?
            .get(0);
        let outcome = match lock_minutes(failures) {
            Some(minutes) => {
                let until = stamp(chrono::Utc::now() + chrono::Duration::minutes(minutes));
                sqlx::query("UPDATE login_failures SET locked_until = $1 WHERE username = $2")
                    .bind(until)
                    .bind(username)
                    .execute(&mut *tx)
                    .await?;
                SignIn::Locked { minutes }
            }
            None => SignIn::Refused,
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// The longest a password may be kept, in days (`password_max_age_days` in the settings);
    /// 0, the default, means passwords never expire.
    pub async fn password_max_age_days(&self) -> Result<u32> {
        Ok(self.setting(PASSWORD_MAX_AGE_KEY).await?.and_then(|v| v.trim().parse().ok()).unwrap_or(0))
    }

    /// Sets the password expiry (0: never), at most [`MAX_PASSWORD_AGE_DAYS`].
    pub async fn set_password_max_age_days(&self, days: u32) -> Result<()> {
        if days > MAX_PASSWORD_AGE_DAYS {
            return Err(StoreError::invalid(
                PASSWORD_MAX_AGE_KEY,
                format!("密码有效期不能超过 {MAX_PASSWORD_AGE_DAYS} 天(0 表示不过期)"),
            ));
        }
        self.set_setting(PASSWORD_MAX_AGE_KEY, &days.to_string()).await
    }

    /// A user signing in with a password older than the expiry must change it first: the same
    /// flag as after an administrator's reset, so the API and the pages hold them alike. A
    /// password whose age is unknown (set before ages were kept) counts as expired.
    async fn expire_old_password(&self, mut user: User) -> Result<User> {
        if user.must_change_password {
            return Ok(user);
        }
        let days = self.password_max_age_days().await?;
        if days == 0 {
            return Ok(user);
        }
        let changed: Option<String> = sqlx::query("SELECT password_changed_at FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_one(&self.pool)
            .await?
            .get(0);
        let cutoff = stamp(chrono::Utc::now() - chrono::Duration::days(i64::from(days)));
        if changed.is_none_or(|at| at < cutoff) {
            self.require_password_change(user.id).await?;
            user.must_change_password = true;
        }
        Ok(user)
    }

    /// Lifts the lock on a user name (an administrator's unlock).
    pub async fn unlock(&self, username: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE username = $1").bind(username).execute(&self.pool).await?;
        Ok(())
    }

    /// Sets a password after checking the policy and the history. `must_change` makes the
    /// user choose a new one at the next sign-in (an administrator's reset).
    async fn set_password(&self, user: &User, new_password: &str, must_change: bool) -> Result<()> {
        password::check_policy(&user.username, new_password).map_err(|m| StoreError::invalid("new_password", m))?;
        let recent = sqlx::query(sql!(
            "SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT {}",
            password::HISTORY
        ))
        .bind(user.id)
        .fetch_all(&self.pool)
        .await?;
        let current: String = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_one(&self.pool)
            .await?
            .get(0);
        let mut used = false;
        for stored in std::iter::once(current).chain(recent.iter().map(|r| r.get::<String, _>(0))) {
            if password::verify_in_turn(new_password, &stored).await {
                used = true;
                break;
            }
        }
        if used {
            return Err(StoreError::invalid(
                "new_password",
                format!("不能使用最近 {} 次用过的密码", password::HISTORY),
            ));
        }
        let hash = password::hash_in_turn(new_password).await;
        let at = now();
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "UPDATE users SET password_hash = $1, must_change_password = $2, password_changed_at = $3 WHERE id = $4",
        )
        .bind(&hash)
        .bind(flag(must_change))
        .bind(&at)
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO password_history (user_id, password_hash, created_at) VALUES ($1, $2, $3)")
            .bind(user.id)
            .bind(&hash)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user changes their own password: the current one must be right. Every other
    /// session of the user ends; `keep_token` (the one in use) stays.
    pub async fn change_password(
        &self,
        user_id: i64,
        current: &str,
        new_password: &str,
        keep_token: &str,
    ) -> Result<()> {
        let user = self.user(user_id).await?;
        let stored: String = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?
            .get(0);
        if !password::verify_in_turn(current, &stored).await {
            return Err(StoreError::invalid("current_password", "当前密码不正确"));
        }
        self.set_password(&user, new_password, false).await?;
        self.revoke_sessions(user_id, Some(keep_token)).await?;
        Ok(())
    }

    /// An administrator gives a user a temporary password: the user must change it at the
    /// next sign-in; every session of the user ends and any lock is lifted.
    pub async fn reset_password(&self, user_id: i64, temporary: &str) -> Result<User> {
        let user = self.user(user_id).await?;
        self.set_password(&user, temporary, true).await?;
        self.revoke_sessions(user_id, None).await?;
        self.unlock(&user.username).await?;
        self.user(user_id).await
    }

    /// Makes the user choose a new password at the next sign-in (new accounts made by an
    /// administrator).
    pub async fn require_password_change(&self, user_id: i64) -> Result<()> {
        sqlx::query("UPDATE users SET must_change_password = $1 WHERE id = $2")
            .bind(flag(true))
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends every session (browser and API) of a user, except `keep` if given. Returns how
    /// many ended.
    pub async fn revoke_sessions(&self, user_id: i64, keep: Option<&str>) -> Result<u64> {
        let keep = keep.map(token_hash).unwrap_or_default();
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Gives a user another role (the security administrator's work). A unit-bound role
    /// needs the user to have a unit. Sessions end, so the new role applies at once.
    pub async fn set_role(&self, user_id: i64, role: Role) -> Result<User> {
        let user = self.user(user_id).await?;
        if role.is_unit_bound() && user.unit_id.is_none() {
            return Err(StoreError::invalid("role", "单位填报员和单位负责人必须属于一个单位"));
        }
        sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
            .bind(role.key())
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        self.revoke_sessions(user_id, None).await?;
        self.user(user_id).await
    }

    /// Enables or disables an account; disabling ends its sessions.
    pub async fn set_disabled(&self, user_id: i64, disabled: bool) -> Result<User> {
        self.user(user_id).await?;
        sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(flag(disabled))
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        if disabled {
            self.revoke_sessions(user_id, None).await?;
        }
        self.user(user_id).await
    }

    /// The users with a given role (e.g. to make sure one administrator of each kind exists).
    pub async fn users_with_role(&self, role: Role) -> Result<Vec<User>> {
        let rows = sqlx::query(sql!("{USER_SELECT} WHERE u.role = $1 ORDER BY u.id"))
            .bind(role.key())
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(user_from_row).collect())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn locks_grow() {
        let l: Vec<_> = (1..=9).map(super::lock_minutes).collect();
        assert_eq!(l, [None, None, None, None, Some(1), Some(2), Some(4), Some(8), Some(16)]);
        assert_eq!(super::lock_minutes(60), Some(super::MAX_LOCK_MINUTES));
    }
}
