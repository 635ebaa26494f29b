//! Visits (督导检查), their findings and the rectification loop (问题整改销号), inspectors'
//! schools (责任督学挂牌) and ad-hoc supervision items (督办件).
//!
//! The rules (stages, steps, 逾期, figures, coverage) are `domain::rectification`'s; this
//! module keeps the facts and moves a finding or an item only by a step those rules allow,
//! conditional on the version the caller read. A finding's and an item's stage is stored (for
//! the conditional update) and is always the replay of its stored steps: both go through
//! `Stage::after`. Steps carry the business day they were taken (`on_date`, the caller's
//! `today`, which a demo or a test fixes) beside the real time (`at`), so that states and
//! figures follow the same clock as the rest of the product.
//!
//! Audit: like every other store write, these write no audit record themselves; the web
//! layer's audit middleware records every state-changing request.

use crate::evidence::{AddError, Evidence, MAX_EVIDENCE_BYTES, MAX_EVIDENCE_FILES, Refusal};
use crate::reports::MAX_TEXT_CHARS;
use crate::sql::expect_one;
use crate::users::{Role, User};
use crate::{Result, Store, StoreError, flag, now};
use chrono::{Datelike, NaiveDate};
use domain::Period;
use domain::rectification::{
    self as rules, Cadence, DirectiveStage, DirectiveState, DirectiveStep, RectState, Stage, Step,
};
use domain::scoring::Measure;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

mod directives;
mod figures;
mod findings;
mod inspectors;
mod jobs;
mod model;
mod rectifications;
mod steps;
mod tables;
mod units;
mod visits;
mod words;

use findings::*;
pub use jobs::RECTIFICATION_REMIND_DAYS;
pub use model::*;
use steps::*;
pub use tables::SCHEMA;
use units::*;
pub use words::*;

impl From<VisitScope> for crate::search::FindingsVisible {
    fn from(v: VisitScope) -> Self {
        use crate::search::FindingsVisible as F;
        match v {
            VisitScope::All => F::All,
            VisitScope::Unit(u) => F::Unit(u),
            VisitScope::Inspector(me) => F::Inspector(me),
            VisitScope::Nothing => F::Nothing,
        }
    }
}

/// A finding of a visit as a search document: its text and requirement, under its unit's
/// name and the visit; found as the finding is seen (see `Store::search_visible`).
pub(crate) fn finding_doc(
    id: i64,
    unit_id: i64,
    unit: &str,
    (visit, visited_on): (&str, NaiveDate),
    text: &str,
    requirement: &str,
) -> crate::search::Doc {
    let body =
        if requirement.trim().is_empty() { text.to_string() } else { format!("{text}\n整改要求:{requirement}") };
    crate::search::Doc::new(
        "finding",
        id,
        format!("{unit} · 督导问题({visit})"),
        body,
        format!("/api/v1/rectifications/{id}"),
        Some(unit_id),
    )
    .in_period(Period::containing(visited_on).to_string())
}

/// A 督办件 as a search document: its title and text, under its source and lead unit; found
/// by the office and the units that lead or join it, `units` (see `Store::search_visible`).
pub(crate) fn directive_doc(
    id: i64,
    source: &str,
    (lead, units): (&str, &[i64]),
    title: &str,
    text: &str,
    registered_on: NaiveDate,
) -> crate::search::Doc {
    let body = if text.trim().is_empty() { title.to_string() } else { format!("{title}\n{text}") };
    crate::search::Doc::new(
        "directive",
        id,
        format!("{lead} · 督办件({})", label_of(&DIRECTIVE_SOURCES, source)),
        body,
        format!("/api/v1/directives/{id}"),
        None,
    )
    .concerning(units.iter().copied())
    .in_period(Period::containing(registered_on).to_string())
}

impl From<VisitBulletin> for domain::bulletin::Supervision {
    fn from(v: VisitBulletin) -> Self {
        domain::bulletin::Supervision { visits: v.visits, directives: v.directives }
    }
}

// --- helpers --------------------------------------------------------------------------------

fn date(s: &str) -> NaiveDate {
    // Every stored date was written from a NaiveDate; a damaged one reads as the epoch
    // rather than failing the whole list.
    s.parse().unwrap_or_default()
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn text_field(field: &str, label: &str, text: &str, required: bool) -> Result<String> {
    let t = text.trim();
    if required && t.is_empty() {
        return Err(StoreError::invalid(field, format!("{label}不能为空")));
    }
    if t.chars().count() > MAX_TEXT_CHARS {
        return Err(StoreError::invalid(field, format!("{label}不能超过 {MAX_TEXT_CHARS} 个字")));
    }
    Ok(t.to_string())
}
