//! Plans: an imported document (the original kept) with its parsed structure, published into
//! tasks (one per item), assignments (one per responsible unit, groups expanded), indicators
//! (the item's quantitative targets) and milestones (its events, documents and targets).

use crate::search::Doc;
use crate::{Result, Store, StoreError, now, now_on};
use chrono::NaiveDate;
use plan::{MeasureKind, Plan, Role as UnitRole};
use serde::Serialize;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

/// The most unit responsibilities one plan may make once groups are expanded: with
/// `plan::limits::MAX_ITEMS` items, forty units each.
pub const MAX_ASSIGNMENTS: usize = 20_000;

/// A draft's parsed structure and the version it is at (see [`Store::draft`]).
#[derive(Debug, Clone)]
pub struct Draft {
    pub plan: Plan,
    /// Changes whenever the draft's structure does; sent back with an edit.
    pub version: String,
}

const ONLY_DRAFTS: &str = "只有草稿状态的工作要点可以修改";
const DRAFT_CHANGED: &str = "该草稿已被他人修改,请刷新页面后在最新内容上重新修改";

/// The version of a draft: a digest of its stored structure, so no column or migration is
/// needed and any change, by any route, gives a new version.
fn draft_version(parsed_json: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(parsed_json.as_bytes())[..12])
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PlanRow {
    pub id: i64,
    pub title: String,
    pub year: Option<i64>,
    /// draft → published → archived
    pub status: String,
    pub source_name: String,
    pub created_at: String,
    pub published_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Task {
    pub id: i64,
    pub plan_id: i64,
    pub section: i64,
    pub section_title: String,
    pub item_number: i64,
    pub item_label: String,
    pub title: String,
    pub body: String,
    pub start_date: String,
    pub deadline: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Assignment {
    pub id: i64,
    pub task_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    /// responsible, lead or co
    pub role: String,
    /// The group the unit was reached through ("各区(市)"), if any.
    pub via_group: Option<String>,
    /// The year of the assignment's plan, if it names one (the period rule's bound).
    pub plan_year: Option<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Indicator {
    pub id: i64,
    pub task_id: i64,
    pub subject: String,
    pub value: f64,
    pub max_value: Option<f64>,
    pub unit: String,
    pub comparator: String,
    /// The value at the start of the plan, when known: progress counts from it.
    pub baseline: Option<f64>,
    pub per_scope: Option<String>,
    pub deadline: String,
    /// The target broken down per unit (unit id → that unit's own target value); a unit
    /// without a share is measured against the whole target.
    pub breakdown: BTreeMap<i64, f64>,
    /// A figure of the school data the value comes from (see `schools::sources`); units do
    /// not report a bound target.
    pub source: Option<String>,
}

impl Indicator {
    /// The target one unit is measured against: its share when the target is broken down.
    pub fn spec_for(&self, unit_id: i64) -> domain::TargetSpec {
        domain::TargetSpec {
            value: self.breakdown.get(&unit_id).copied().unwrap_or(self.value),
            max: self.max_value,
            comparator: domain::Comparator::parse_or_floor(&self.comparator),
            unit: self.unit.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Milestone {
    pub id: i64,
    pub task_id: i64,
    pub text: String,
    pub kind: String,
    pub due_date: String,
    /// The office has set the due date. Only scheduled milestones drive pace: publishing gives
    /// every measure the plan's year end, which would make pace zero until December.
    pub scheduled: bool,
}

/// What publishing made.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Published {
    pub tasks: usize,
    pub assignments: usize,
    pub indicators: usize,
    pub milestones: usize,
}

fn role_key(r: UnitRole) -> &'static str {
    match r {
        UnitRole::Responsible => "responsible",
        UnitRole::Lead => "lead",
        UnitRole::Co => "co",
    }
}

/// A deadline written as "2024年底" / "2024年6月底" → an ISO date; the plan's year end when
/// nothing more precise is written.
pub fn deadline_date(written: Option<&str>, year: i32) -> String {
    let year_end = format!("{year:04}-12-31");
    let Some(w) = written else { return year_end };
    let digits: Vec<u32> = w.split(|c: char| !c.is_ascii_digit()).filter_map(|p| p.parse().ok()).collect();
    match digits.as_slice() {
        [y, m, ..] if (1..=12).contains(m) => {
            let last = chrono::NaiveDate::from_ymd_opt(*y as i32, *m, 1)
                .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
                .and_then(|d| d.pred_opt());
            last.map_or(year_end, |d| d.format("%Y-%m-%d").to_string())
        }
        [y, ..] if (2000..=2100).contains(y) => format!("{y:04}-12-31"),
        _ => year_end,
    }
}

const PLAN_COLUMNS: &str = "id, title, year, status, source_name, created_at, published_at";

fn plan_from_row(r: &sqlx::any::AnyRow) -> PlanRow {
    PlanRow {
        id: r.get("id"),
        title: r.get("title"),
        year: r.get("year"),
        status: r.get("status"),
        source_name: r.get("source_name"),
        created_at: r.get("created_at"),
        published_at: r.get("published_at"),
    }
}

mod lifecycle;
mod measures;

impl Store {
    /// plan is named.
    pub async fn current_plan(&self) -> Result<Option<i64>> {
        Ok(self.plans().await?.into_iter().filter(|p| p.status == "published").map(|p| p.id).max())
    }

    pub async fn plans(&self) -> Result<Vec<PlanRow>> {
        let rows = sqlx::query(sql!("SELECT {PLAN_COLUMNS} FROM plans ORDER BY id")).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(plan_from_row).collect())
    }

    pub async fn plan(&self, id: i64) -> Result<PlanRow> {
        let row = sqlx::query(sql!("SELECT {PLAN_COLUMNS} FROM plans WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(plan_from_row).ok_or(StoreError::NotFound)
    }

    /// Refuses (422, field `period`) a period a request names for plan `plan_id` that lies
    /// outside the plan's year or after `open` (`Period::check_for_plan`); `NotFound` for no
    /// such plan.
    pub async fn check_plan_period(&self, plan_id: i64, period: domain::Period, open: domain::Period) -> Result<()> {
        let year = match self.views.published_year(plan_id) {
            Some(year) => year,
            None => {
                let plan = self.plan(plan_id).await?;
                self.views.remember_year(&plan);
                plan.year
            }
        };
        period
            .check_for_plan(year.and_then(|y| i32::try_from(y).ok()), open)
            .map_err(|m| StoreError::invalid("period", m))
    }

    pub async fn tasks(&self, plan_id: i64) -> Result<Vec<Task>> {
        let rows = sqlx::query(sql!("SELECT {TASK_COLUMNS} FROM tasks WHERE plan_id = $1 ORDER BY position"))
            .bind(plan_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(task_from_row).collect())
    }

    /// The document a plan was imported from, as uploaded.
    pub async fn plan_source(&self, id: i64) -> Result<Vec<u8>> {
        let row = sqlx::query("SELECT source_bytes FROM plans WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.get(0))
    }

    pub async fn task(&self, id: i64) -> Result<Task> {
        let row = sqlx::query(sql!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(task_from_row(&row))
    }

    /// Assignments of a plan's tasks, optionally only those of one unit.
    pub async fn assignments(&self, plan_id: i64, unit_id: Option<i64>) -> Result<Vec<Assignment>> {
        let rows = sqlx::query(sql!(
            "SELECT {ASSIGNMENT_COLUMNS} FROM {ASSIGNMENT_FROM} \
             WHERE t.plan_id = $1 AND ($2 IS NULL OR a.unit_id = $2) ORDER BY t.position, a.id"
        ))
        .bind(plan_id)
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(assignment_from_row).collect())
    }
}

/// An assignment's columns, read from [`ASSIGNMENT_FROM`] by [`assignment_from_row`]: its unit's
/// name and its plan's year come along (who may see it, which months it may be reported for).
pub(crate) const ASSIGNMENT_COLUMNS: &str = "a.id AS assignment_id, a.task_id, a.unit_id, u.name AS unit_name, \
     a.role, a.via_group, p.year AS plan_year";

/// The tables behind [`ASSIGNMENT_COLUMNS`].
pub(crate) const ASSIGNMENT_FROM: &str = "assignments a JOIN tasks t ON t.id = a.task_id \
     JOIN plans p ON p.id = t.plan_id JOIN units u ON u.id = a.unit_id";

pub(crate) fn assignment_from_row(r: &impl crate::sql::Columns) -> Assignment {
    Assignment {
        id: r.column("assignment_id"),
        task_id: r.column("task_id"),
        unit_id: r.column("unit_id"),
        unit_name: r.column("unit_name"),
        role: r.column("role"),
        via_group: r.column("via_group"),
        plan_year: r.column("plan_year"),
    }
}

const TASK_COLUMNS: &str =
    "id, plan_id, section, section_title, item_number, item_label, title, body, start_date, deadline";

fn task_from_row(r: &sqlx::any::AnyRow) -> Task {
    Task {
        id: r.get("id"),
        plan_id: r.get("plan_id"),
        section: r.get("section"),
        section_title: r.get("section_title"),
        item_number: r.get("item_number"),
        item_label: r.get("item_label"),
        title: r.get("title"),
        body: r.get("body"),
        start_date: r.get("start_date"),
        deadline: r.get("deadline"),
    }
}

#[cfg(test)]
mod tests {
    use super::deadline_date;

    #[test]
    fn deadlines() {
        assert_eq!(deadline_date(None, 2024), "2024-12-31");
        assert_eq!(deadline_date(Some("2024年底"), 2024), "2024-12-31");
        assert_eq!(deadline_date(Some("2024年6月底"), 2024), "2024-06-30");
        assert_eq!(deadline_date(Some("2024年2月"), 2024), "2024-02-29");
        assert_eq!(deadline_date(Some("2025-03-31"), 2025), "2025-03-31");
        assert_eq!(deadline_date(Some("年内"), 2024), "2024-12-31");
    }
}
