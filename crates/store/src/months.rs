//! A unit's month on one sheet: every assignment of the unit for a period, with last month's
//! approved report beside this month's draft, and the whole month submitted at once — all
//! rows or none, in one transaction. A row may declare 本月无新进展 (`no_change`): it is
//! complete without text and counted as declared, never as text unchanged from last month.
//!
//! Why a sheet and not 29 forms: filing a month one task at a time took a reporter about 250
//! interactions; the sheet asks only for what changed.

use crate::group_commit::Appends;
use crate::plans::{Assignment, Indicator};
use crate::reports::{EventRow, MAX_TEXT_CHARS, Report, ReportInput, ReportState, report_doc, report_place};
use crate::sql::expect_one;
use crate::{Result, Store, StoreError, flag, now};
use domain::Period;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

/// One row of a month's submission: an assignment's report for the period. Fields left out
/// keep what the draft holds (or, for a report not yet saved, what last month's pre-filled).
/// A row is complete with text, with `no_change`, or with figures that changed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthEntry {
    pub assignment_id: i64,
    /// The version read (0 for a report not yet saved); a stale one gets 409 naming the row.
    pub version: i64,
    /// Indicator id → value, set over the draft's (or last month's) values.
    #[serde(default)]
    pub values: Option<BTreeMap<i64, f64>>,
    /// 本月进展; required unless `no_change`.
    #[serde(default)]
    pub progress: Option<String>,
    /// 本月无新进展: the row is complete without text.
    #[serde(default)]
    pub no_change: bool,
    /// Milestone id → the day it was done (YYYY-MM-DD), set over the draft's.
    #[serde(default)]
    pub milestones: Option<BTreeMap<i64, String>>,
}

/// A problem with one field of a month's submission: `field` is its path in the request
/// (`reports[3].values.12`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthProblem {
    pub field: String,
    pub message: String,
}

/// What a month's submission came to: every row submitted, or nothing changed and every
/// row's problems listed.
#[derive(Debug)]
pub enum MonthOutcome {
    Submitted(Vec<Report>),
    Refused(Vec<MonthProblem>),
}

/// A unit's month.
#[derive(Debug, Clone, Serialize)]
pub struct MonthSheet {
    pub period: String,
    pub unit_id: i64,
    pub due_date: String,
    pub sections: Vec<MonthSection>,
}

/// The rows of one section (一、…) of a plan.
#[derive(Debug, Clone, Serialize)]
pub struct MonthSection {
    pub plan_id: i64,
    pub number: i64,
    pub title: String,
    pub rows: Vec<MonthRow>,
}

/// One assignment's month.
#[derive(Debug, Clone, Serialize)]
pub struct MonthRow {
    pub assignment_id: i64,
    pub task_id: i64,
    pub item_label: String,
    pub title: String,
    /// responsible, lead or co
    pub role: String,
    pub deadline: String,
    /// The assignment's status as of the period (the plan view's, default thresholds).
    pub status: Option<crate::status::StatusView>,
    /// This month's report: the stored draft or report, or a new form pre-filled from the
    /// latest earlier one; its `version` is what a submission names.
    pub report: Report,
    /// The latest approved report before this month (values and text, shown, not retyped).
    pub previous: Option<ApprovedReport>,
    /// The inputs expected: the task's indicators, with the unit's own target.
    pub indicators: Vec<MonthIndicator>,
    /// The task's milestones to tick.
    pub milestones: Vec<MonthMilestone>,
    /// Whether the unit can still change this month's report (not submitted or approved).
    pub editable: bool,
    /// The figures the month started from (`Store::start_values`), for telling new figures.
    pub start_values: BTreeMap<i64, f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApprovedReport {
    pub period: String,
    pub progress: String,
    pub no_change: bool,
    pub values: BTreeMap<i64, f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MonthIndicator {
    pub id: i64,
    pub subject: String,
    pub unit: String,
    /// at_least, at_most, …
    pub comparator: String,
    /// The whole target.
    pub target: f64,
    pub max_value: Option<f64>,
    /// The unit's own share where the target is broken down per unit.
    pub own_share: Option<f64>,
    /// Where a target bound to school data gets its value; such a figure is not reported.
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MonthMilestone {
    pub id: i64,
    pub text: String,
    pub due_date: String,
    pub scheduled: bool,
}

/// A row checked and merged with its draft, ready to be written.
struct Prepared {
    index: usize,
    assignment_id: i64,
    label: String,
    version: i64,
    input: ReportInput,
    no_change: bool,
    unchanged: bool,
    doc: crate::search::Doc,
}

impl Store {
    /// The month sheet of a unit: its assignments in published plans, by section.
    pub async fn month_sheet(
        &self,
        unit_id: i64,
        period: Period,
        today: chrono::NaiveDate,
        due_day: u32,
    ) -> Result<MonthSheet> {
        let open = Period::containing(today);
        let work = self.unit_worklist(unit_id, period, due_day).await?;
        let mut tasks: HashMap<i64, crate::plans::Task> = HashMap::new();
        let mut statuses: HashMap<i64, crate::status::StatusView> = HashMap::new();
        let mut sections: Vec<MonthSection> = Vec::new();
        // A month belongs to the plans of its year: rows of another year's plan are not part of
        // it, and a month no published plan of the unit covers is refused like every period
        // outside a plan (`Period::check_for_plan`).
        let mut plan_years: HashMap<i64, Option<i64>> = HashMap::new();
        let mut refusal = None;
        for w in work.iter() {
            let year = match plan_years.get(&w.plan_id) {
                Some(year) => *year,
                None => {
                    let year = self.plan(w.plan_id).await?.year;
                    plan_years.insert(w.plan_id, year);
                    year
                }
            };
            if let Err(message) = period.check_for_plan(year.and_then(|y| i32::try_from(y).ok()), open) {
                refusal.get_or_insert(message);
                continue;
            }
            if !tasks.contains_key(&w.task_id) {
                for t in self.tasks(w.plan_id).await? {
                    tasks.insert(t.id, t);
                }
                let view = self.plan_view(w.plan_id, Some(period), today, &Default::default()).await?;
                for item in view.sections.iter().flat_map(|s| &s.items) {
                    for u in item.units.iter().filter(|u| u.unit_id == unit_id) {
                        statuses.insert(u.assignment_id, u.status.clone());
                    }
                }
            }
            let Some(task) = tasks.get(&w.task_id) else { continue };
            let report = self.report(w.assignment_id, period).await?;
            let previous = self.last_approved(w.assignment_id, period).await?;
            let indicators = self
                .indicators(w.task_id)
                .await?
                .into_iter()
                .map(|i| MonthIndicator {
                    own_share: i.breakdown.get(&unit_id).copied(),
                    id: i.id,
                    subject: i.subject,
                    unit: i.unit,
                    comparator: i.comparator,
                    target: i.value,
                    max_value: i.max_value,
                    source: i.source,
                })
                .collect();
            let milestones = self
                .milestones(w.task_id)
                .await?
                .into_iter()
                .map(|m| MonthMilestone { id: m.id, text: m.text, due_date: m.due_date, scheduled: m.scheduled })
                .collect();
            let editable =
                period <= open && matches!(report.state, ReportState::New | ReportState::Draft | ReportState::Returned);
            let start_values = if editable { self.start_values(&report, period).await? } else { BTreeMap::new() };
            let row = MonthRow {
                assignment_id: w.assignment_id,
                task_id: w.task_id,
                item_label: w.item_label.clone(),
                title: w.title.clone(),
                role: w.role.clone(),
                deadline: task.deadline.clone(),
                status: statuses.get(&w.assignment_id).cloned(),
                report,
                previous,
                indicators,
                milestones,
                editable,
                start_values,
            };
            match sections.last_mut() {
                Some(s) if s.plan_id == w.plan_id && s.number == task.section => s.rows.push(row),
                _ => sections.push(MonthSection {
                    plan_id: w.plan_id,
                    number: task.section,
                    title: task.section_title.clone(),
                    rows: vec![row],
                }),
            }
        }
        if let Some(message) = refusal
            && sections.is_empty()
        {
            return Err(StoreError::invalid("period", message));
        }
        Ok(MonthSheet { period: period.to_string(), unit_id, due_date: period.due_date(due_day).to_string(), sections })
    }

    /// The figures a month's report started from: those of the latest earlier report (what a
    /// new form is pre-filled with, `Store::report`), whatever the draft holds since.
    pub async fn start_values(&self, report: &Report, period: Period) -> Result<BTreeMap<i64, f64>> {
        if report.id.is_none() {
            return Ok(report.input.values.clone());
        }
        let rows = sqlx::query(
            "SELECT v.indicator_id, v.value FROM report_values v WHERE v.report_id = \
             (SELECT id FROM reports WHERE assignment_id = $1 AND period < $2 ORDER BY period DESC LIMIT 1)",
        )
        .bind(report.assignment_id)
        .bind(period.to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|v| (v.get::<i64, _>(0), v.get::<f64, _>(1))).collect())
    }

    /// The latest approved report of an assignment before `period`.
    async fn last_approved(&self, assignment_id: i64, period: Period) -> Result<Option<ApprovedReport>> {
        let row = sqlx::query(
            "SELECT id, period, progress, no_change FROM reports WHERE assignment_id = $1 AND period < $2 \
             AND state = 'approved' ORDER BY period DESC LIMIT 1",
        )
        .bind(assignment_id)
        .bind(period.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let id: i64 = r.get(0);
        let values = sqlx::query("SELECT indicator_id, value FROM report_values WHERE report_id = $1")
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|v| (v.get::<i64, _>(0), v.get::<f64, _>(1)))
            .collect();
        Ok(Some(ApprovedReport { period: r.get(1), progress: r.get(2), no_change: r.get::<i64, _>(3) != 0, values }))
    }

    /// Saves and submits a unit's month in one transaction: every row, or none. Every row is
    /// checked first and all problems are answered together (`Refused`, nothing changed); an
    /// assignment of another unit is `NotFound`; a row whose report changed since it was read
    /// (or is already submitted) is a `Conflict` naming the row, and nothing is kept.
    #[allow(clippy::too_many_arguments)]
    pub async fn submit_month(
        &self,
        unit_id: i64,
        period: Period,
        entries: &[MonthEntry],
        open: Period,
        today: chrono::NaiveDate,
        due_day: u32,
        user_id: Option<i64>,
        needs_signoff: bool,
    ) -> Result<MonthOutcome> {
        if entries.is_empty() {
            return Ok(MonthOutcome::Refused(vec![MonthProblem {
                field: "reports".into(),
                message: "没有要提交的报告".into(),
            }]));
        }
        let mut problems = Vec::new();
        let mut prepared = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (index, entry) in entries.iter().enumerate() {
            let a = self.unit_assignment(unit_id, entry.assignment_id).await?;
            let at = |field: &str| format!("reports[{index}].{field}");
            if !seen.insert(entry.assignment_id) {
                problems.push(MonthProblem {
                    field: at("assignment_id"),
                    message: "同一任务不能在一次提交中出现两次".into(),
                });
                continue;
            }
            let (row, row_problems) = self.prepare(index, &a, period, open, entry, true).await?;
            problems.extend(row_problems.into_iter().map(|(f, message)| MonthProblem { field: at(&f), message }));
            prepared.push(row);
        }
        if !problems.is_empty() {
            return Ok(MonthOutcome::Refused(problems));
        }
        let key = period.to_string();
        let late = period.is_late(today, due_day);
        let state = if needs_signoff { ReportState::PendingSignoff } else { ReportState::Submitted };
        let ids: Vec<i64> = prepared.iter().map(|p| p.assignment_id).collect();
        self.write(move |conn| {
            Box::pin(async move {
                let mut appends = Appends::default();
                for p in prepared {
                    let name = |m: String| StoreError::Conflict(format!("第 {} 行({}):{m}", p.index + 1, p.label));
                    let ((saved, _), rows) = crate::reports::write_draft(
                        conn,
                        p.assignment_id,
                        &key,
                        p.version,
                        user_id,
                        &p.input,
                        p.doc,
                    )
                    .await
                    .map_err(|e| match e {
                        StoreError::Conflict(m) => name(m),
                        other => other,
                    })?;
                    let id = saved.id.ok_or(StoreError::NotFound)?;
                    let at = now();
                    let changed = sqlx::query(
                        "UPDATE reports SET state = $1, submitted_at = $2, late = $3, unchanged = $4, no_change = $5, \
                         version = version + 1, updated_at = $2 WHERE id = $6 AND version = $7 AND state IN ('draft', 'returned')",
                    )
                    .bind(state.key())
                    .bind(&at)
                    .bind(flag(late))
                    .bind(flag(p.unchanged))
                    .bind(flag(p.no_change))
                    .bind(id)
                    .bind(saved.version)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
                    expect_one(changed, "该报告已被他人修改,请刷新后重试").map_err(|e| match e {
                        StoreError::Conflict(m) => name(m),
                        other => other,
                    })?;
                    appends.extend(rows);
                    appends = appends.and(vec![EventRow::new(id, &at, user_id, "submit", None, &p.input)]);
                }
                Ok(((), appends))
            })
        })
        .await?;
        let mut reports = Vec::with_capacity(ids.len());
        for id in ids {
            reports.push(self.report(id, period).await?);
        }
        Ok(MonthOutcome::Submitted(reports))
    }

    /// Saves one row of a unit's month as a draft, with its 本月无新进展 choice (the month
    /// page saves each row as it is typed). The first problem is answered as `Invalid` with
    /// the field's path in the row (`values.12`).
    pub async fn save_month_draft(
        &self,
        unit_id: i64,
        period: Period,
        entry: &MonthEntry,
        open: Period,
        user_id: Option<i64>,
    ) -> Result<Report> {
        let a = self.unit_assignment(unit_id, entry.assignment_id).await?;
        let (p, problems) = self.prepare(0, &a, period, open, entry, false).await?;
        if let Some((field, message)) = problems.into_iter().next() {
            return Err(StoreError::Invalid { field, message });
        }
        let key = period.to_string();
        let no_change = p.no_change;
        let report = self
            .write(move |conn| {
                Box::pin(async move {
                    let ((mut saved, _), rows) =
                        crate::reports::write_draft(conn, p.assignment_id, &key, p.version, user_id, &p.input, p.doc)
                            .await?;
                    let id = saved.id.ok_or(StoreError::NotFound)?;
                    sqlx::query("UPDATE reports SET no_change = $1 WHERE id = $2")
                        .bind(flag(no_change))
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                    saved.no_change = no_change;
                    Ok((saved, rows))
                })
            })
            .await?;
        Ok(report)
    }

    /// The assignment if it is the unit's; `NotFound` otherwise (another unit's included).
    async fn unit_assignment(&self, unit_id: i64, assignment_id: i64) -> Result<Assignment> {
        match self.assignment(assignment_id).await {
            Ok(a) if a.unit_id == unit_id => Ok(a),
            Ok(_) | Err(StoreError::NotFound) => Err(StoreError::NotFound),
            Err(e) => Err(e),
        }
    }

    /// Checks one row the way a single save does (`save_report`), collecting every problem
    /// (field paths within the row) rather than stopping at the first, and merges it with the
    /// report as it stands. `submitting` also asks for a complete row: text or 本月无新进展.
    async fn prepare(
        &self,
        index: usize,
        a: &Assignment,
        period: Period,
        open: Period,
        entry: &MonthEntry,
        submitting: bool,
    ) -> Result<(Prepared, Vec<(String, String)>)> {
        let mut problems: Vec<(String, String)> = Vec::new();
        let place = report_place(&self.pool, a.id).await?;
        if let Err(m) = period.check_for_plan(place.plan_year.and_then(|y| i32::try_from(y).ok()), open) {
            problems.push(("period".into(), m));
        }
        let current = self.report(a.id, period).await?;
        let mut input = current.input.clone();
        if let Some(progress) = &entry.progress {
            input.progress = progress.clone();
        }
        if input.progress.chars().count() > MAX_TEXT_CHARS {
            problems.push(("progress".into(), format!("本月进展不能超过 {MAX_TEXT_CHARS} 个字")));
        } else if submitting
            && !entry.no_change
            && input.progress.trim().is_empty()
            && !figures_changed(&self.start_values(&current, period).await?, entry)
        {
            problems.push(("progress".into(), "请填写本月进展,或选择“本月无新进展”".into()));
        }
        if let Some(values) = &entry.values {
            let indicators: Vec<Indicator> = self.indicators(a.task_id).await?;
            for (id, value) in values {
                let field = format!("values.{id}");
                let Some(ind) = indicators.iter().find(|i| i.id == *id) else {
                    problems.push((field, "该指标不属于本任务".into()));
                    continue;
                };
                if ind.source.is_some() {
                    problems.push((field, "该指标由学校数据计算,无需填报".into()));
                    continue;
                }
                match domain::validate_value(&ind.spec_for(a.unit_id), *value) {
                    Ok(()) => {
                        input.values.insert(*id, *value);
                    }
                    Err(m) => problems.push((field, m)),
                }
            }
        }
        if let Some(marks) = &entry.milestones {
            let milestones = self.milestones(a.task_id).await?;
            for (id, done_on) in marks {
                let field = format!("milestones.{id}");
                if !milestones.iter().any(|m| m.id == *id) {
                    problems.push((field, "该节点不属于本任务".into()));
                    continue;
                }
                if done_on.trim().is_empty() {
                    input.milestones.remove(id);
                    continue;
                }
                match chrono::NaiveDate::parse_from_str(done_on.trim(), "%Y-%m-%d") {
                    Ok(day) if day > period.last_day() => {
                        problems.push((field, format!("完成日期不能晚于 {period} 月底")));
                    }
                    Ok(day) => {
                        input.milestones.insert(*id, day.to_string());
                    }
                    Err(_) => problems.push((field, "完成日期格式应为 YYYY-MM-DD".into())),
                }
            }
        }
        // Text the same as the last submitted report's is flagged for the reviewer — unless
        // the unit declared that nothing is new, which is an answer, not a copy.
        let unchanged = if entry.no_change || !submitting {
            false
        } else {
            sqlx::query(
                "SELECT progress FROM reports WHERE assignment_id = $1 AND period < $2 \
                 AND state IN ('submitted', 'approved') ORDER BY period DESC LIMIT 1",
            )
            .bind(a.id)
            .bind(period.to_string())
            .fetch_optional(&self.pool)
            .await?
            .is_some_and(|p| p.get::<String, _>(0).trim() == input.progress.trim())
        };
        let doc = report_doc(&place, a.id, &period.to_string(), &input);
        let label = place.item_name();
        Ok((
            Prepared {
                index,
                assignment_id: a.id,
                label,
                version: entry.version,
                input,
                no_change: entry.no_change,
                unchanged,
                doc,
            },
            problems,
        ))
    }
}

/// Whether a row reports figures other than those the month started from (`start_values`):
/// new figures are progress, so such a row needs no text and is not 本月无新进展. Judged
/// against the start, not the draft, so a figure the page's draft saving has already stored
/// still counts as new when the month is submitted.
pub fn figures_changed(start: &BTreeMap<i64, f64>, entry: &MonthEntry) -> bool {
    entry.values.as_ref().is_some_and(|v| v.iter().any(|(id, x)| start.get(id) != Some(x)))
}
