//! The JSON the API answers (and reads) for scoring: its own types, so a change to a stored
//! row does not silently change the API; `From` converts each store type field by field.

use domain::scoring::DistrictScore;
use domain::scoring::Scheme;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Scores {
    pub plan_id: i64,
    pub period: String,
    pub scheme_version: i64,
    #[schema(value_type = Object)]
    pub scheme: Scheme,
    #[schema(value_type = Vec<Object>)]
    pub districts: Vec<DistrictScore>,
    /// Set once published: the version, when, and until when districts may appeal.
    pub published: Option<Published>,
}

impl From<store::scoring::Scores> for Scores {
    fn from(v: store::scoring::Scores) -> Self {
        Scores {
            plan_id: v.plan_id,
            period: v.period,
            scheme_version: v.scheme_version,
            scheme: v.scheme,
            districts: v.districts,
            published: v.published.map(Into::into),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
// Named apart from the plan's `Published` (what publishing a plan made): the OpenAPI document
// has one namespace of schema names.
#[schema(as = ScoresPublished)]
pub struct Published {
    pub version: i64,
    pub published_at: String,
    pub appeal_until: String,
}

impl From<store::scoring::Published> for Published {
    fn from(v: store::scoring::Published) -> Self {
        Published { version: v.version, published_at: v.published_at, appeal_until: v.appeal_until }
    }
}
