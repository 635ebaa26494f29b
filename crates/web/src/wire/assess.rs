//! The JSON the API answers (and reads) for assess: its own types, so a change to a stored
//! row does not silently change the API; `From` converts each store type field by field.

use serde::Serialize;
use utoipa::ToSchema;

/// What a school data file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DataKind {
    /// Compulsory-education schools (优质均衡).
    Schools,
    /// Kindergartens (普及普惠).
    Kindergartens,
    /// Population aged 3–5 per county.
    Population,
}

impl From<store::schools::DataKind> for DataKind {
    fn from(v: store::schools::DataKind) -> Self {
        match v {
            store::schools::DataKind::Schools => DataKind::Schools,
            store::schools::DataKind::Kindergartens => DataKind::Kindergartens,
            store::schools::DataKind::Population => DataKind::Population,
        }
    }
}

/// One import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Snapshot {
    pub id: i64,
    pub kind: DataKind,
    /// The date the statistics describe (统计时点).
    pub as_of: String,
    pub file_name: String,
    pub rows: i64,
    /// Bad rows left out because the importer accepted the valid ones.
    pub skipped: i64,
    pub note: String,
    pub imported_at: String,
}

impl From<store::schools::Snapshot> for Snapshot {
    fn from(v: store::schools::Snapshot) -> Self {
        Snapshot {
            id: v.id,
            kind: v.kind.into(),
            as_of: v.as_of,
            file_name: v.file_name,
            rows: v.rows,
            skipped: v.skipped,
            note: v.note,
            imported_at: v.imported_at,
        }
    }
}

/// One figure of the indicator library a target can be bound to: a formula over the school
/// data (a ratio of sums), scoped to a stage and evaluated per county and for the city.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Source {
    pub key: String,
    pub label: String,
    pub unit: String,
}

impl From<store::schools::Source> for Source {
    fn from(v: store::schools::Source) -> Self {
        Source { key: v.key, label: v.label, unit: v.unit }
    }
}
