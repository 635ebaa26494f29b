//! The JSON the API answers (and reads) for units: its own types, so a change to a stored
//! row does not silently change the API; `From` converts each store type field by field.

use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct Unit {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub district: Option<String>,
    pub stage: Option<String>,
    pub ownership: Option<String>,
    pub inclusive: bool,
    /// Where e-mailed notices go.
    pub email: Option<String>,
}

impl From<store::directory::Unit> for Unit {
    fn from(v: store::directory::Unit) -> Self {
        Unit {
            id: v.id,
            name: v.name,
            kind: v.kind,
            district: v.district,
            stage: v.stage,
            ownership: v.ownership,
            inclusive: v.inclusive,
            email: v.email,
        }
    }
}

/// A unit as an administrator edits it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, ToSchema)]
pub struct UnitInput {
    pub name: String,
    /// group, district, department, school or other (or their Chinese names).
    pub kind: String,
    #[serde(default)]
    pub district: Option<String>,
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default)]
    pub ownership: Option<String>,
    #[serde(default)]
    pub inclusive: bool,
    /// Other names the unit goes by in documents (简称).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// For a group: the ids of its members.
    #[serde(default)]
    pub members: Vec<i64>,
    /// Where e-mailed notices go, optional.
    #[serde(default)]
    pub email: Option<String>,
}

impl From<UnitInput> for store::directory::UnitInput {
    fn from(v: UnitInput) -> Self {
        store::directory::UnitInput {
            name: v.name,
            kind: v.kind,
            district: v.district,
            stage: v.stage,
            ownership: v.ownership,
            inclusive: v.inclusive,
            aliases: v.aliases,
            members: v.members,
            email: v.email,
        }
    }
}

/// A unit with its aliases and, for a group, its members: what the editing form shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UnitDetail {
    #[serde(flatten)]
    pub unit: Unit,
    pub aliases: Vec<String>,
    pub members: Vec<Unit>,
}

impl From<store::directory::UnitDetail> for UnitDetail {
    fn from(v: store::directory::UnitDetail) -> Self {
        UnitDetail { unit: v.unit.into(), aliases: v.aliases, members: v.members.into_iter().map(Into::into).collect() }
    }
}
