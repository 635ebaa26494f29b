//! The JSON the API answers (and reads) for accounts: its own types, so a change to a stored
//! row does not silently change the API; `From` converts each store type field by field.

use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;

/// A change to an account that waits for a second administrator (four eyes): a business role
/// granted, or a password reset.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
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

impl From<store::accounts::AccountRequest> for AccountRequest {
    fn from(v: store::accounts::AccountRequest) -> Self {
        AccountRequest {
            id: v.id,
            kind: v.kind,
            user_id: v.user_id,
            username: v.username,
            role: v.role.map(Into::into),
            requested_by_id: v.requested_by_id,
            requested_by: v.requested_by,
            requested_at: v.requested_at,
            state: v.state,
            decided_by: v.decided_by,
        }
    }
}

/// A stored record.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct AuditRecord {
    pub id: i64,
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub ip: Option<String>,
    pub action: String,
    pub object: Option<String>,
    pub outcome: String,
    /// JSON text.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl From<store::audit::AuditRecord> for AuditRecord {
    fn from(v: store::audit::AuditRecord) -> Self {
        AuditRecord {
            id: v.id,
            at: v.at,
            actor_id: v.actor_id,
            actor: v.actor,
            ip: v.ip,
            action: v.action,
            object: v.object,
            outcome: v.outcome,
            detail: v.detail,
            prev_hash: v.prev_hash,
            hash: v.hash,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct Notification {
    pub id: i64,
    pub unit_id: i64,
    /// opened, reminder, overdue or urge
    pub kind: String,
    pub period: String,
    pub message: String,
    pub created_at: String,
}

impl From<store::jobs::Notification> for Notification {
    fn from(v: store::jobs::Notification) -> Self {
        Notification {
            id: v.id,
            unit_id: v.unit_id,
            kind: v.kind,
            period: v.period,
            message: v.message,
            created_at: v.created_at,
        }
    }
}

/// What a user may do. Stored as the English key; shown by `label()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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

impl From<store::users::Role> for Role {
    fn from(v: store::users::Role) -> Self {
        match v {
            store::users::Role::Admin => Role::Admin,
            store::users::Role::Supervisor => Role::Supervisor,
            store::users::Role::Reporter => Role::Reporter,
            store::users::Role::UnitHead => Role::UnitHead,
            store::users::Role::Leader => Role::Leader,
            store::users::Role::Inspector => Role::Inspector,
            store::users::Role::SecurityAdmin => Role::SecurityAdmin,
            store::users::Role::AuditAdmin => Role::AuditAdmin,
        }
    }
}

impl From<Role> for store::users::Role {
    fn from(v: Role) -> Self {
        match v {
            Role::Admin => store::users::Role::Admin,
            Role::Supervisor => store::users::Role::Supervisor,
            Role::Reporter => store::users::Role::Reporter,
            Role::UnitHead => store::users::Role::UnitHead,
            Role::Leader => store::users::Role::Leader,
            Role::Inspector => store::users::Role::Inspector,
            Role::SecurityAdmin => store::users::Role::SecurityAdmin,
            Role::AuditAdmin => store::users::Role::AuditAdmin,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub must_change_password: bool,
}

impl From<store::users::User> for User {
    fn from(v: store::users::User) -> Self {
        User {
            id: v.id,
            username: v.username,
            display_name: v.display_name,
            role: v.role.into(),
            unit_id: v.unit_id,
            unit_name: v.unit_name,
            must_change_password: v.must_change_password,
        }
    }
}
