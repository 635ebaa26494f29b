//! Account security: sign-in with lockout, password changes under the policy and history,
//! administrators' resets, roles, and revoking every session of a user.

use crate::users::{Role, USER_SELECT, User, token_hash, user_from_row};
use crate::{Result, Store, StoreError, flag, now, password};
use serde::Serialize;
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

/// What changing one's own password came to (a wrong current password is an error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordChange {
    Changed,
    /// Too many wrong passwords for this name (sign-ins and changes together).
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
    pub async fn sign_in(&self, given: &str, password_given: &str) -> Result<SignIn> {
        // `YUJIANG`, `ｙｕｊｉａｎｇ` and `yujiang` are one name, with one count of failures.
        let username = crate::users::normalize_username(given);
        if let Some(minutes) = self.locked_minutes(&username).await? {
            return Ok(SignIn::Locked { minutes });
        }
        if let Some(user) = self.check_password(given, password_given).await? {
            self.unlock(&username).await?;
            return Ok(SignIn::Ok(self.expire_old_password(user).await?));
        }
        self.count_failure(&username).await
    }

    /// The minutes left on a lock of `username`, if it is locked.
    async fn locked_minutes(&self, username: &str) -> Result<Option<i64>> {
        let username = crate::users::normalize_username(username);
        let row = sqlx::query("SELECT locked_until FROM login_failures WHERE username = $1")
            .bind(&username)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.and_then(|r| r.get::<Option<String>, _>(0)).filter(|until| *until > now()).map(|u| minutes_until(&u)))
    }

    /// Counts one more wrong password for `username` (a sign-in, or the current password
    /// given to change it): [`SignIn::Refused`], or [`SignIn::Locked`] once there are enough.
    async fn count_failure(&self, username: &str) -> Result<SignIn> {
        let username = crate::users::normalize_username(username);
        let at = now();
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO login_failures (username, failures, last_failure_at) VALUES ($1, 1, $2) \
             ON CONFLICT (username) DO UPDATE SET failures = login_failures.failures + 1, last_failure_at = $2",
        )
        .bind(&username)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        let failures: i64 = sqlx::query("SELECT failures FROM login_failures WHERE username = $1")
            .bind(&username)
            .fetch_one(&mut *tx)
            .await?
            .get(0);
        let outcome = match lock_minutes(failures) {
            Some(minutes) => {
                let until = stamp(chrono::Utc::now() + chrono::Duration::minutes(minutes));
                sqlx::query("UPDATE login_failures SET locked_until = $1 WHERE username = $2")
                    .bind(until)
                    .bind(&username)
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
        // Locks are kept by the normalised name, so every spelling of a name shares one.
        let username = crate::users::normalize_username(username);
        sqlx::query("DELETE FROM login_failures WHERE username = $1").bind(&username).execute(&self.pool).await?;
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
        self.sessions.forget_all();
        Ok(())
    }

    /// The user changes their own password: the current one must be right. Every other
    /// session of the user ends; `keep_token` (the one in use) stays. A locked name is
    /// refused as [`StoreError::Invalid`]; [`Store::change_own_password`] tells it apart.
    pub async fn change_password(
        &self,
        user_id: i64,
        current: &str,
        new_password: &str,
        keep_token: &str,
    ) -> Result<()> {
        match self.change_own_password(user_id, current, new_password, keep_token).await? {
            PasswordChange::Changed => Ok(()),
            PasswordChange::Locked { minutes } => {
                Err(StoreError::invalid("current_password", format!("密码错误次数过多,请 {minutes} 分钟后再试")))
            }
        }
    }

    /// [`Store::change_password`], saying when the name is locked. A wrong current password
    /// counts as a failed sign-in of the same name (so a stolen session cannot guess the
    /// password faster than the sign-in form allows), and a locked name changes nothing.
    pub async fn change_own_password(
        &self,
        user_id: i64,
        current: &str,
        new_password: &str,
        keep_token: &str,
    ) -> Result<PasswordChange> {
        let user = self.user(user_id).await?;
        if let Some(minutes) = self.locked_minutes(&user.username).await? {
            return Ok(PasswordChange::Locked { minutes });
        }
        let stored: String = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?
            .get(0);
        if !password::verify_in_turn(current, &stored).await {
            return match self.count_failure(&user.username).await? {
                SignIn::Locked { minutes } => Ok(PasswordChange::Locked { minutes }),
                _ => Err(StoreError::invalid("current_password", "当前密码不正确")),
            };
        }
        self.unlock(&user.username).await?;
        self.set_password(&user, new_password, false).await?;
        self.revoke_sessions(user_id, Some(keep_token)).await?;
        Ok(PasswordChange::Changed)
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
        // The flag is part of the user a session check answers: asked of the database again.
        self.sessions.forget_all();
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
        // After the delete, so a check that read a session just before it does not keep it.
        self.sessions.forget_all();
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
        // Disabling ends the sessions, which forgets what this process kept of them; a
        // disabled account's sessions were never kept (its user does not read back).
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

/// Who may ask for a reset of whose password: the system administrator for the business
/// roles; the security administrator for the administrators (so nobody resets the account
/// that watches them). Either way a second administrator must confirm it.
pub fn may_reset(actor: Role, target: Role) -> bool {
    match actor {
        Role::Admin => target.is_business(),
        Role::SecurityAdmin => !target.is_business(),
        _ => false,
    }
}

/// Who may confirm or refuse an administrator's request: another administrator (system or
/// security), never the one who asked nor the account it is about.
pub fn may_decide(actor: &User, request: &AccountRequest) -> bool {
    matches!(actor.role, Role::Admin | Role::SecurityAdmin)
        && actor.id != request.requested_by_id
        && actor.id != request.user_id
}

/// A change to an account that waits for a second administrator (four eyes): a business role
/// granted, or a password reset.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AccountRequest {
    pub id: i64,
    /// `role` or `password`.
    pub kind: String,
    pub user_id: i64,
    pub username: String,
    /// The role asked for (`kind` = `role`).
    pub role: Option<Role>,
    pub requested_by_id: i64,
    pub requested_by: String,
    pub requested_at: String,
    /// `pending`, `confirmed` or `rejected`.
    pub state: String,
    pub decided_by: Option<String>,
}

impl AccountRequest {
    /// In words, for the pages.
    pub fn describe(&self) -> String {
        match self.role {
            Some(role) if self.kind == "role" => format!("将“{}”的角色改为{}", self.username, role.label()),
            _ => format!("为“{}”生成一次性登录码(重置密码)", self.username),
        }
    }
}

/// What a role change came to: done at once (no business role granted), or waiting.
#[derive(Debug, Clone)]
pub enum RoleChange {
    Applied(User),
    Pending(AccountRequest),
}

/// A request decided: the account as it is now and, for a confirmed reset, the second half of
/// the one-time code (the first went to the administrator who asked).
#[derive(Debug, Clone)]
pub struct Decision {
    pub request: AccountRequest,
    pub user: User,
    pub code_half: Option<String>,
}

const REQUEST_SELECT: &str = "SELECT r.id, r.kind, r.user_id, u.username, r.role, r.requested_by, b.username AS by_name, \
     r.requested_at, r.state, d.username AS decided_name, r.code_half FROM account_requests r \
     JOIN users u ON u.id = r.user_id JOIN users b ON b.id = r.requested_by LEFT JOIN users d ON d.id = r.decided_by";

fn request_from_row(r: &sqlx::any::AnyRow) -> AccountRequest {
    AccountRequest {
        id: r.get("id"),
        kind: r.get("kind"),
        user_id: r.get("user_id"),
        username: r.get("username"),
        role: r.get::<Option<String>, _>("role").as_deref().and_then(Role::parse),
        requested_by_id: r.get("requested_by"),
        requested_by: r.get("by_name"),
        requested_at: r.get("requested_at"),
        state: r.get("state"),
        decided_by: r.get("decided_name"),
    }
}

/// Half of a one-time code: six characters with an upper-case letter, a lower-case letter and
/// a digit (so the whole code meets the password policy), none easily misread.
fn code_half() -> String {
    use rand::RngExt;
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const DIGIT: &[u8] = b"23456789";
    let mut rng = rand::rng();
    let mut pick = |set: &[u8]| set[rng.random_range(0..set.len())] as char;
    let mut out = vec![pick(UPPER), pick(LOWER), pick(DIGIT)];
    for i in 0..3 {
        out.push(pick([UPPER, LOWER, DIGIT][i]));
    }
    out.into_iter().collect()
}

impl Store {
    /// The security administrator gives a user another role. A business role (a role that
    /// works with the reports) is only asked for: it takes effect when a second administrator
    /// confirms ([`Store::decide_request`]); any other change applies at once.
    pub async fn request_role(&self, by: &User, user_id: i64, role: Role) -> Result<RoleChange> {
        if by.id == user_id {
            return Err(StoreError::invalid("role", "不能修改自己的角色"));
        }
        let user = self.user(user_id).await?;
        if role.is_unit_bound() && user.unit_id.is_none() {
            return Err(StoreError::invalid("role", "单位填报员和单位负责人必须属于一个单位"));
        }
        if !role.is_business() || user.role == role {
            return Ok(RoleChange::Applied(self.set_role(user_id, role).await?));
        }
        Ok(RoleChange::Pending(self.file_request(by, user_id, "role", Some(role), None).await?))
    }

    /// An administrator asks for a one-time code for a user (a reset). Nothing changes until a
    /// second administrator confirms; the one who asked gets the code's first half, the one who
    /// confirms its second, so neither alone can sign in as the user. Who may ask for whom is
    /// [`may_reset`] (checked by the caller, which answers with its own refusal).
    pub async fn request_reset(&self, by: &User, user_id: i64) -> Result<(AccountRequest, String)> {
        if by.id == user_id {
            return Err(StoreError::invalid("user", "不能重置自己的密码,请在“修改密码”中修改"));
        }
        self.user(user_id).await?;
        let half = code_half();
        let request = self.file_request(by, user_id, "password", None, Some(&half)).await?;
        Ok((request, half))
    }

    /// An account made by an administrator: it can sign in only with a one-time code, asked
    /// for at once (the maker gets the first half) and given when a second administrator
    /// confirms. The administrator never chooses, nor learns, a password.
    pub async fn create_account(&self, by: &User, new: &NewAccount<'_>) -> Result<(User, AccountRequest, String)> {
        // A password nobody knows: the account is unusable until the code is issued.
        let unknown = format!("{}{}{}{}", code_half(), code_half(), code_half(), code_half());
        let user = self
            .add_user(&crate::users::NewUser {
                username: new.username,
                display_name: new.display_name,
                password: &unknown,
                role: new.role,
                unit: new.unit,
            })
            .await?;
        self.require_password_change(user.id).await?;
        let (request, half) = self.request_reset(by, user.id).await?;
        Ok((self.user(user.id).await?, request, half))
    }

    async fn file_request(
        &self,
        by: &User,
        user_id: i64,
        kind: &str,
        role: Option<Role>,
        half: Option<&str>,
    ) -> Result<AccountRequest> {
        let mut tx = self.write_tx().await?;
        // One open request per account and kind: a second would only confuse the confirmer.
        let open =
            sqlx::query("SELECT id FROM account_requests WHERE user_id = $1 AND kind = $2 AND state = 'pending'")
                .bind(user_id)
                .bind(kind)
                .fetch_optional(&mut *tx)
                .await?;
        if open.is_some() {
            return Err(StoreError::Conflict("该用户已有一项同类申请待确认,请先确认或拒绝它".into()));
        }
        sqlx::query(
            "INSERT INTO account_requests (kind, user_id, role, requested_by, requested_at, code_half, state) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending')",
        )
        .bind(kind)
        .bind(user_id)
        .bind(role.map(|r| r.key()))
        .bind(by.id)
        .bind(now())
        .bind(half)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(sql!("{REQUEST_SELECT} WHERE r.user_id = $1 AND r.kind = $2 AND r.state = 'pending'"))
            .bind(user_id)
            .bind(kind)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(request_from_row(&row))
    }

    pub async fn account_request(&self, id: i64) -> Result<AccountRequest> {
        let row = sqlx::query(sql!("{REQUEST_SELECT} WHERE r.id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(request_from_row).ok_or(StoreError::NotFound)
    }

    /// The requests still waiting, oldest first.
    pub async fn pending_requests(&self) -> Result<Vec<AccountRequest>> {
        let rows =
            sqlx::query(sql!("{REQUEST_SELECT} WHERE r.state = 'pending' ORDER BY r.id")).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(request_from_row).collect())
    }

    /// A second administrator confirms (`confirm`) or refuses a request. Only a pending one is
    /// decided, once: two administrators deciding at the same moment get one decision, the
    /// other a conflict. A confirmed role applies (the user's sessions end); a confirmed reset
    /// sets the one-time code (first half + second half) as a password to be changed at the
    /// next sign-in, ends the user's sessions and lifts any lock.
    pub async fn decide_request(&self, by: &User, id: i64, confirm: bool) -> Result<Decision> {
        let request = self.account_request(id).await?;
        if request.state != "pending" {
            return Err(StoreError::Conflict("该申请已处理".into()));
        }
        if !may_decide(by, &request) {
            return Err(StoreError::invalid(
                "request",
                "申请须由另一位管理员确认:提出申请的人和申请涉及的用户本人都不能确认",
            ));
        }
        let first: Option<String> = sqlx::query("SELECT code_half FROM account_requests WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?
            .get(0);
        let claimed = sqlx::query(
            "UPDATE account_requests SET state = $1, decided_by = $2, decided_at = $3, code_half = NULL \
             WHERE id = $4 AND state = 'pending'",
        )
        .bind(if confirm { "confirmed" } else { "rejected" })
        .bind(by.id)
        .bind(now())
        .bind(id)
        .execute(&self.pool)
        .await?;
        if claimed.rows_affected() == 0 {
            return Err(StoreError::Conflict("该申请已由其他管理员处理".into()));
        }
        let mut code = None;
        let user = match (confirm, request.kind.as_str(), request.role) {
            (true, "role", Some(role)) => self.set_role(request.user_id, role).await?,
            (true, "password", _) => {
                let user = self.user(request.user_id).await?;
                let first = first.unwrap_or_default();
                // A code that happened to contain the user name would fail the policy: draw again.
                let mut second = code_half();
                while password::check_policy(&user.username, &format!("{first}{second}")).is_err() {
                    second = code_half();
                }
                let user = self.reset_password(request.user_id, &format!("{first}{second}")).await?;
                code = Some(second);
                user
            }
            _ => self.user(request.user_id).await?,
        };
        Ok(Decision { request: self.account_request(id).await?, user, code_half: code })
    }
}

/// An account an administrator makes: no password (see [`Store::create_account`]).
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub unit: Option<&'a str>,
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
