//! The JSON the API answers (and reads) for bulletins: its own types, so a change to a stored
//! row does not silently change the API; `From` converts each store type field by field.

use domain::bulletin::Bulletin;
use serde::Serialize;
use utoipa::ToSchema;

/// A published bulletin.
#[derive(Debug, Clone, Serialize, ToSchema)]
// Not "Snapshot" in the OpenAPI document: that is the school data's import record.
#[schema(as = BulletinSnapshot)]
pub struct Snapshot {
    pub version: i64,
    pub published_at: String,
    #[schema(value_type = Object)]
    pub bulletin: Bulletin,
}

impl From<store::bulletin::Snapshot> for Snapshot {
    fn from(v: store::bulletin::Snapshot) -> Self {
        Snapshot { version: v.version, published_at: v.published_at, bulletin: v.bulletin }
    }
}
