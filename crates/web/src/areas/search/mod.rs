//! Search over the plan and the reports the caller may see: ranked, with phrases, filters and
//! highlighted snippets. Both interfaces read a search the same way here.

pub mod api;
pub mod pages;

use crate::periods::parse_period;
use serde::Deserialize;
use store::StoreError;
use store::search::{FindingsVisible, KINDS, SearchRequest};
use store::users::User;
use utoipa::IntoParams;

/// Hits on a page unless the request says otherwise, and at most.
pub const PAGE: usize = 20;
pub const MAX_PAGE: usize = 50;
/// The deepest a search pages (past this, a narrower search serves better).
pub const MAX_OFFSET: usize = 1000;

/// A search as a request names it (the page's form sends the same fields).
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The words to find (Chinese is cut into words; all must appear); a phrase in quotes
    /// ("…" or “…”) must appear as written.
    #[param(min_length = 1, max_length = 100)]
    #[serde(default)]
    pub q: String,
    /// Only one kind: item, measure, report, finding or directive.
    #[param(value_type = Option<String>)]
    pub kind: Option<String>,
    /// Only documents of this plan.
    #[param(value_type = Option<i64>)]
    pub plan: Option<String>,
    /// Only documents concerning this unit (its reports and findings, the items it is
    /// responsible for, the 督办件 it leads or joins).
    #[param(value_type = Option<i64>)]
    pub unit: Option<String>,
    /// Only documents of this month (YYYY-MM): reports, findings (the visit's month) and 督办件
    /// (the month registered).
    #[param(value_type = Option<String>, pattern = r"^\d{4}-\d{2}$")]
    pub period: Option<String>,
    /// Hits per page, 1–50 (20 if not given).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50)]
    pub limit: Option<String>,
    /// Hits skipped, 0–1000.
    #[param(value_type = Option<u32>, minimum = 0, maximum = 1000)]
    pub offset: Option<String>,
}

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::invalid(field, message)
}

/// A number within bounds, or a refusal naming the field; empty means not given.
fn number(field: &str, text: Option<&str>, range: std::ops::RangeInclusive<i64>) -> Result<Option<i64>, StoreError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
    match text.parse::<i64>() {
        Ok(n) if range.contains(&n) => Ok(Some(n)),
        _ => Err(invalid(field, format!("应为 {} 到 {} 之间的整数", range.start(), range.end()))),
    }
}

impl SearchParams {
    /// The search asked for, or what is wrong with it (422 in the API, a message on the page).
    pub fn request(&self) -> Result<SearchRequest, StoreError> {
        let text = self.q.trim();
        if text.is_empty() || text.chars().count() > 100 {
            return Err(invalid("q", "请输入 1—100 个字的检索词"));
        }
        let kind = match self.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            None => None,
            Some(k) if KINDS.contains(&k) => Some(k.to_string()),
            Some(_) => return Err(invalid("kind", "类型应为 item、measure、report、finding 或 directive")),
        };
        let period = match self.period.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => Some(parse_period(p)?.to_string()),
        };
        let count = |n: Option<i64>, default: usize| n.map_or(default, |n| usize::try_from(n).unwrap_or(default));
        Ok(SearchRequest {
            text: text.to_string(),
            kind,
            plan: number("plan", self.plan.as_deref(), 1..=i64::MAX)?,
            unit: number("unit", self.unit.as_deref(), 1..=i64::MAX)?,
            period,
            limit: count(number("limit", self.limit.as_deref(), 1..=MAX_PAGE as i64)?, PAGE),
            offset: count(number("offset", self.offset.as_deref(), 0..=MAX_OFFSET as i64)?, 0),
        })
    }
}

/// Whose private documents a user sees: the bureau all; a unit its own; anyone else (a 督学,
/// the security and audit administrators) none but plan text, and a 督学 the findings of
/// their visits and schools.
pub fn scope(user: &User) -> (Option<i64>, FindingsVisible) {
    let unit = if crate::policy::sees_all_units(user) { None } else { user.unit_id.or(Some(-1)) };
    (unit, store::inspections::VisitScope::of(user).into())
}
