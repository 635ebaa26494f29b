//! The JSON the API answers for search: one hit per document found.

use serde::Serialize;
use utoipa::ToSchema;

/// One document found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Hit {
    /// item, measure, report, finding (of a visit) or directive (督办件)
    pub kind: String,
    pub ref_id: i64,
    pub title: String,
    /// Up to 120 characters of the text, where the query's words are densest.
    pub snippet: String,
    /// The query's words in `snippet`: [start, end) in characters (Unicode scalar values).
    pub highlights: Vec<[usize; 2]>,
    /// Where the hit lives in the API.
    pub link: String,
    /// The plan the document belongs to, if any.
    pub plan_id: Option<i64>,
    /// The month of a report (YYYY-MM), or of a finding's visit or a 督办件's registration.
    pub period: Option<String>,
    /// Relevance (BM25; higher is better); comparable within one answer only.
    pub score: f32,
    /// The query's words, for highlighting elsewhere.
    pub terms: Vec<String>,
}

impl From<store::search::Hit> for Hit {
    fn from(v: store::search::Hit) -> Self {
        Hit {
            kind: v.kind,
            ref_id: v.ref_id,
            title: v.title,
            snippet: v.snippet,
            highlights: v.highlights,
            link: v.link,
            plan_id: v.plan_id,
            period: v.period,
            score: v.score,
            terms: v.terms,
        }
    }
}
