//! Users, roles and sign-in tokens (browser sessions and API tokens alike live here, so
//! several server processes share them).

use crate::{Result, Store, StoreError, flag, now, password};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// What a user may do. Stored as the English key; shown by `label()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: users and settings.
    Admin,
    /// 督办管理员: plans, assignments, review.
    Supervisor,
    /// 单位填报员: their own unit's reports only.
    Reporter,
    /// 单位负责人: signs off their unit's reports.
    UnitHead,
    /// 领导: reads everything, leaves 批示.
    Leader,
    /// 督学: records visits and their findings; sees the schools assigned to them (挂牌).
    Inspector,
    /// 安全管理员: roles and security policies; no business data, no audit log.
    SecurityAdmin,
    /// 审计管理员: reads and exports the audit log, nothing else.
    AuditAdmin,
}

impl Role {
    pub fn key(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Reporter => "reporter",
            Role::UnitHead => "unit_head",
            Role::Leader => "leader",
            Role::Inspector => "inspector",
            Role::SecurityAdmin => "security_admin",
            Role::AuditAdmin => "audit_admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Supervisor => "督办管理员",
            Role::Reporter => "单位填报员",
            Role::UnitHead => "单位负责人",
            Role::Leader => "领导",
            Role::Inspector => "督学",
            Role::SecurityAdmin => "安全管理员",
            Role::AuditAdmin => "审计管理员",
        }
    }

    /// Every role, the business roles first.
    pub const ALL: [Role; 8] = [
        Role::Reporter,
        Role::UnitHead,
        Role::Supervisor,
        Role::Leader,
        Role::Inspector,
        Role::Admin,
        Role::SecurityAdmin,
        Role::AuditAdmin,
    ];

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == s || r.label() == s)
    }

    /// The security and audit administrators (三员分立): they see no business data, only
    /// their own functions.
    pub fn is_oversight(self) -> bool {
        matches!(self, Role::SecurityAdmin | Role::AuditAdmin)
    }

    /// The roles that work with the reports (fill in, sign off, approve, read and instruct):
    /// what no administrator may obtain alone (三员分立).
    pub fn is_business(self) -> bool {
        matches!(self, Role::Reporter | Role::UnitHead | Role::Supervisor | Role::Leader | Role::Inspector)
    }

    /// Roles that belong to a unit and see only its work.
    pub fn is_unit_bound(self) -> bool {
        matches!(self, Role::Reporter | Role::UnitHead)
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub must_change_password: bool,
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub role: Role,
    pub unit: Option<&'a str>,
}

pub(crate) const USER_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, u.unit_id, n.name AS unit_name, \
     u.must_change_password, u.password_hash, u.disabled FROM users u LEFT JOIN units n ON n.id = u.unit_id";

pub(crate) fn user_from_row(r: &sqlx::any::AnyRow) -> User {
    User {
        id: r.get("id"),
        username: r.get("username"),
        display_name: r.get("display_name"),
        role: Role::parse(&r.get::<String, _>("role")).unwrap_or(Role::Reporter),
        unit_id: r.get("unit_id"),
        unit_name: r.get("unit_name"),
        must_change_password: r.get::<i64, _>("must_change_password") != 0,
    }
}

/// The one form of a user name that is stored, compared and counted: Unicode compatibility
/// normalisation (NFKC, so full-width `ｙｕｊｉａｎｇ` is `yujiang`), lower case, and NFKC again
/// (lowering can undo it). Two names with the same form are the same name.
pub fn normalize_username(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let nfkc: String = name.trim().nfkc().collect();
    nfkc.to_lowercase().nfkc().collect()
}

/// Whether a character cannot be seen, or is not a character of a name: controls, format
/// characters (zero-width spaces and joiners, direction marks), unassigned and private code
/// points, separators other than the plain space, and the other default-ignorable code points (fillers,
/// variation selectors), which render as nothing and would let two names look alike.
fn invisible(c: char) -> bool {
    use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};
    // A plain space is seen; every other separator (no-break, ideographic, line) is not
    // told from it, or from nothing.
    c != ' ' && matches!(c.general_category_group(), GeneralCategoryGroup::Other | GeneralCategoryGroup::Separator)
        || matches!(c as u32,
            0x034F | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F | 0x3164 | 0xFE00..=0xFE0F | 0xFFA0
            | 0x1D173..=0x1D17A | 0xE0000..=0xE0FFF)
}

/// How long any session (a browser's or an API token) may stay unused before it ends.
pub const IDLE_MINUTES: i64 = 30;

/// One session as a token check read it, kept for a second by the store's session cache
/// (`crate::session_cache`): its user and the times it is checked against.
#[derive(Clone)]
pub(crate) struct SessionRead {
    pub user: User,
    /// web (a browser's sign-in) or api
    pub kind: String,
    /// When the session ends and when it was last used, as read (stored as RFC 3339 text;
    /// kept parsed, so that a check served from the cache formats no time).
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub last_seen_at: chrono::DateTime<chrono::Utc>,
}

/// A sign-in token is stored only as its SHA-256, so a leaked table grants nothing.
pub(crate) fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Store {
    pub async fn add_user(&self, new: &NewUser<'_>) -> Result<User> {
        if new.username.trim().chars().any(invisible) {
            return Err(StoreError::invalid("username", "用户名不能包含零宽字符、特殊空格或其他不可见字符"));
        }
        let username = &normalize_username(new.username);
        if username.is_empty() || username.chars().count() > 64 {
            return Err(StoreError::invalid("username", "用户名不能为空,且不超过 64 个字符"));
        }
        let unit_id = match new.unit {
            Some(name) => Some(
                self.unit_by_name(name)
                    .await?
                    .ok_or_else(|| StoreError::invalid("unit", format!("单位“{name}”不存在")))?
                    .id,
            ),
            None if new.role.is_unit_bound() => {
                return Err(StoreError::invalid("unit", "单位填报员和单位负责人必须属于一个单位"));
            }
            None => None,
        };
        // Names stored before names were normalised may differ from their normal form, so
        // every name is compared in that form.
        let names = sqlx::query("SELECT username FROM users").fetch_all(&self.pool).await?;
        if let Some(same) =
            names.iter().map(|r| r.get::<String, _>(0)).find(|existing| normalize_username(existing) == *username)
        {
            return Err(StoreError::Conflict(if same == new.username.trim() {
                format!("用户名“{same}”已存在")
            } else {
                format!(
                    "用户名“{}”与已有用户名“{same}”视为同一个名字(不区分大小写和全角、半角),请换一个",
                    new.username.trim()
                )
            }));
        }
        password::check_policy(username, new.password).map_err(|m| StoreError::invalid("password", m))?;
        let hash = password::hash_in_turn(new.password).await;
        let at = now();
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO users (username, display_name, password_hash, role, unit_id, must_change_password, created_at, \
             password_changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(username)
        .bind(new.display_name)
        .bind(&hash)
        .bind(new.role.key())
        .bind(unit_id)
        .bind(flag(false))
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO password_history (user_id, password_hash, created_at) \
             SELECT id, $1, $2 FROM users WHERE username = $3",
        )
        .bind(&hash)
        .bind(&at)
        .bind(username)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.user_by_name(username).await?.ok_or(StoreError::NotFound)
    }

    pub async fn user(&self, id: i64) -> Result<User> {
        let row = sqlx::query(sql!("{USER_SELECT} WHERE u.id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(user_from_row).ok_or(StoreError::NotFound)
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        Ok(self.user_row_by_name(username).await?.as_ref().map(user_from_row))
    }

    /// The user a typed name means: its normal form, or (a name stored before names were
    /// normalised) exactly as typed.
    async fn user_row_by_name(&self, username: &str) -> Result<Option<sqlx::any::AnyRow>> {
        let normal = normalize_username(username);
        let row =
            sqlx::query(sql!("{USER_SELECT} WHERE u.username = $1")).bind(&normal).fetch_optional(&self.pool).await?;
        if row.is_some() || normal == username.trim() {
            return Ok(row);
        }
        Ok(sqlx::query(sql!("{USER_SELECT} WHERE u.username = $1"))
            .bind(username.trim())
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(sql!("{USER_SELECT} ORDER BY u.id")).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(user_from_row).collect())
    }

    /// The user if the password is right and the account enabled; `None` otherwise, without
    /// saying which (a wrong name and a wrong password look the same to the caller).
    pub async fn check_password(&self, username: &str, password_given: &str) -> Result<Option<User>> {
        let row = self.user_row_by_name(username).await?;
        let Some(row) = row else {
            // Spend the same time as a real check so timing does not reveal which names exist.
            password::spend_a_check(password_given).await;
            return Ok(None);
        };
        let stored: String = row.get("password_hash");
        let disabled = row.get::<i64, _>("disabled") != 0;
        if !password::verify_in_turn(password_given, &stored).await || disabled {
            return Ok(None);
        }
        let user = user_from_row(&row);
        if !password::is_current(&stored) {
            self.renew_password_hash(user.id, &stored, password_given).await;
        }
        Ok(Some(user))
    }

    /// Hashes a user's password again with this version's settings (see
    /// `password::is_current`), at a sign-in that has just proved it. Only if the stored hash
    /// is still the one checked: a password changed meanwhile stands. The password itself does
    /// not change, so sessions and the password's age stay as they are. A failure is logged
    /// and the sign-in goes on: the old hash still verifies, and the next sign-in tries again.
    async fn renew_password_hash(&self, user_id: i64, checked: &str, password_given: &str) {
        let fresh = password::hash_in_turn(password_given).await;
        let renewed = async {
            let mut tx = self.write_tx().await?;
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3")
                .bind(&fresh)
                .bind(user_id)
                .bind(checked)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        };
        if let Err(e) = renewed.await {
            tracing::warn!(user_id, error = %e, "password hash not renewed; the old one still verifies");
        }
    }

    /// Issues a sign-in token valid for `hours`; returns the token (shown once, never stored).
    pub async fn create_token(&self, user_id: i64, kind: &str, hours: i64) -> Result<String> {
        use rand::RngExt;
        let bytes: [u8; 32] = rand::rng().random();
        let token: String = hex::encode(bytes);
        let created = now();
        let expires =
            (chrono::Utc::now() + chrono::Duration::hours(hours)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        sqlx::query("INSERT INTO sessions (token_hash, user_id, kind, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $4)")
            .bind(token_hash(&token))
            .bind(user_id)
            .bind(kind)
            .bind(&created)
            .bind(expires)
            .execute(&self.pool)
            .await?;
        Ok(token)
    }

    /// The user a live token belongs to: not past its lifetime and used within
    /// [`IDLE_MINUTES`]. The one rule for every session, whether the token came from the
    /// sign-in page (a cookie) or the API (a bearer token), so an idle browser session cannot
    /// live on through the API.
    pub async fn user_by_token(&self, token: &str) -> Result<Option<User>> {
        self.live_session(token, None, IDLE_MINUTES).await
    }

    /// The user of a browser session (a token issued by the sign-in page) that has been used
    /// within `idle_minutes`; each use keeps it alive (written at most once a minute, so
    /// reading pages stays read-only).
    pub async fn user_by_session(&self, token: &str, idle_minutes: i64) -> Result<Option<User>> {
        self.live_session(token, Some("web"), idle_minutes).await
    }

    async fn live_session(&self, token: &str, kind: Option<&str>, idle_minutes: i64) -> Result<Option<User>> {
        let now_at = chrono::Utc::now();
        let idle_since_at = now_at - chrono::Duration::minutes(idle_minutes);
        // Older than this, the session's last use is written again.
        let refresh_before_at = now_at - chrono::Duration::minutes(1);
        let hash = token_hash(token);
        // Served from this process's last second of reads when that read settles it: alive,
        // of the kind asked for, and with no last use to write. Anything else is asked of the
        // database, which alone can say no.
        if let Some(s) = self.sessions.fresh(&hash)
            && s.expires_at > now_at
            && s.last_seen_at > idle_since_at
            && s.last_seen_at >= refresh_before_at
        {
            return Ok(kind.is_none_or(|k| k == s.kind).then_some(s.user));
        }
        let fmt = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let (now, idle_since, refresh_before) = (fmt(now_at), fmt(idle_since_at), fmt(refresh_before_at));
        let generation = self.sessions.generation();
        let session = sqlx::query(
            "SELECT user_id, last_seen_at, kind, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2 \
             AND last_seen_at > $3",
        )
        .bind(&hash)
        .bind(&now)
        .bind(&idle_since)
        .fetch_optional(&self.pool)
        .await?;
        let Some(session) = session else { return Ok(None) };
        let session_kind: String = session.get(2);
        if kind.is_some_and(|k| k != session_kind) {
            return Ok(None);
        }
        let user_id: i64 = session.get(0);
        let mut last_seen: String = session.get(1);
        let row = sqlx::query(sql!("{USER_SELECT} WHERE u.id = $1 AND u.disabled = 0"))
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        if last_seen < refresh_before {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(&now)
                .bind(&hash)
                .execute(&self.pool)
                .await?;
            last_seen = now;
        }
        let user = user_from_row(&row);
        let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).ok().map(|t| t.with_timezone(&chrono::Utc));
        // A time that does not read (never written by this program) leaves the session uncached.
        if let (Some(expires_at), Some(last_seen_at)) = (parse(&session.get::<String, _>(3)), parse(&last_seen)) {
            let read = SessionRead { user: user.clone(), kind: session_kind, expires_at, last_seen_at };
            self.sessions.keep(hash, read, generation);
        }
        Ok(Some(user))
    }

    pub async fn revoke_token(&self, token: &str) -> Result<()> {
        let hash = token_hash(token);
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(&hash).execute(&self.pool).await?;
        // After the delete, so a check that read the row just before it does not keep it (the
        // generation check).
        self.sessions.forget(&hash);
        Ok(())
    }
}
