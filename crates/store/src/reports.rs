//! Monthly reports and their workflow: draft → submitted → approved, or returned with a
//! comment → resubmitted. Every change is recorded in `report_events` with a snapshot; an
//! approved report is locked; a late submission and text unchanged from last month are flagged
//! for the reviewer. A new form starts from last month's report (最多报一次). The history is
//! kept in [`history`]; what search finds a report by, in [`index`]; how stored reports are
//! read (the API's reads shared between requests), in [`read`].

mod draft;
mod history;
mod index;
pub mod queue;
mod read;

pub(crate) use draft::write_draft;

pub(crate) use history::EventRow;
pub use index::report_heading;
pub(crate) use index::{report_doc, report_link, report_place, report_search_body};
pub(crate) use read::ReportReads;

use crate::group_commit::Appends;
use crate::sql::expect_one;
use crate::{Result, Store, StoreError, flag, now};
use domain::Period;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::BTreeMap;

/// Longest text accepted in one field of a report.
pub const MAX_TEXT_CHARS: usize = 5000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// Not saved yet: a form pre-filled from last month.
    New,
    Draft,
    /// Submitted by the reporter, waiting for the unit head's sign-off (where enabled).
    PendingSignoff,
    Submitted,
    Returned,
    Approved,
}

impl ReportState {
    pub fn key(self) -> &'static str {
        match self {
            ReportState::New => "new",
            ReportState::Draft => "draft",
            ReportState::PendingSignoff => "pending_signoff",
            ReportState::Submitted => "submitted",
            ReportState::Returned => "returned",
            ReportState::Approved => "approved",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportState::New => "未填报",
            ReportState::Draft => "草稿",
            ReportState::PendingSignoff => "待单位负责人审核",
            ReportState::Submitted => "已提交",
            ReportState::Returned => "已退回",
            ReportState::Approved => "已审核",
        }
    }

    pub fn parse(s: &str) -> ReportState {
        match s {
            "draft" => ReportState::Draft,
            "pending_signoff" => ReportState::PendingSignoff,
            "submitted" => ReportState::Submitted,
            "returned" => ReportState::Returned,
            "approved" => ReportState::Approved,
            _ => ReportState::New,
        }
    }
}

/// One report in a task's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskReport {
    pub assignment_id: i64,
    pub unit_name: String,
    pub period: String,
    pub state: ReportState,
    pub state_label: &'static str,
    pub progress: String,
    pub late: bool,
    pub submitted_at: Option<String>,
    pub values: BTreeMap<i64, f64>,
    pub evidence: i64,
}

/// What a reporter writes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportInput {
    /// 本月进展
    #[serde(default)]
    pub progress: String,
    /// 累计完成
    #[serde(default)]
    pub cumulative: String,
    /// Self-assessed status key (see `domain::Status`), optional.
    #[serde(default)]
    pub self_status: Option<String>,
    /// 存在问题
    #[serde(default)]
    pub problems: String,
    /// 下步措施
    #[serde(default)]
    pub next_steps: String,
    /// Indicator id → value.
    #[serde(default)]
    pub values: BTreeMap<i64, f64>,
    /// Milestone id → the day it was done (YYYY-MM-DD). Once done, a milestone stays done in
    /// later months' forms, which start from this one.
    #[serde(default)]
    pub milestones: BTreeMap<i64, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub id: Option<i64>,
    pub assignment_id: i64,
    pub period: String,
    pub state: ReportState,
    pub state_label: &'static str,
    #[serde(flatten)]
    pub input: ReportInput,
    /// Incremented by every save; a save must name the version it edits.
    pub version: i64,
    pub late: bool,
    pub unchanged: bool,
    /// The unit declared 本月无新进展: the report is complete without text, and is not
    /// "text unchanged from last month" (`unchanged` stays false).
    pub no_change: bool,
    pub review_comment: Option<String>,
    pub submitted_at: Option<String>,
    pub updated_at: Option<String>,
    /// For a new form: the period it was pre-filled from.
    pub prefilled_from: Option<String>,
    /// Files attached as evidence (optional: no report needs any).
    pub evidence: Vec<crate::evidence::Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportEvent {
    pub at: String,
    pub user_id: Option<i64>,
    /// save, submit, approve, return, signoff, signoff_return (`domain::words::action_label`
    /// gives the words people read).
    pub action: String,
    pub comment: Option<String>,
    /// Who did it, by the name people know them by.
    pub user_name: Option<String>,
}

/// A reviewing step of the workflow: the bureau's review, or the unit head's sign-off.
struct Step {
    from: ReportState,
    approved: ReportState,
    /// The history's action names for approving and returning.
    actions: (&'static str, &'static str),
    refusal: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Return,
}

fn check_text(field: &str, label: &str, text: &str) -> Result<()> {
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(StoreError::invalid(field, format!("{label}不能超过 {MAX_TEXT_CHARS} 个字")));
    }
    Ok(())
}

impl Store {
    /// The report of an assignment for a period: the stored one, or a new form pre-filled
    /// from the latest earlier report (so no figure is asked twice).
    pub async fn report(&self, assignment_id: i64, period: Period) -> Result<Report> {
        let key = period.to_string();
        if let Some(r) = self.load_report(assignment_id, &key).await? {
            return Ok(r);
        }
        let previous = sqlx::query(
            "SELECT period FROM reports WHERE assignment_id = $1 AND period < $2 ORDER BY period DESC LIMIT 1",
        )
        .bind(assignment_id)
        .bind(&key)
        .fetch_optional(&self.pool)
        .await?;
        let (input, from) = match previous {
            Some(p) => {
                let from: String = p.get(0);
                let prev = self.load_report(assignment_id, &from).await?.map(|r| r.input).unwrap_or_default();
                // Last month's 本月进展 is this month's starting point for 累计完成; the new
                // month's progress is for the reporter to write.
                let input = ReportInput { progress: String::new(), ..prev };
                (input, Some(from))
            }
            None => (ReportInput::default(), None),
        };
        Ok(Report {
            id: None,
            assignment_id,
            period: key,
            state: ReportState::New,
            state_label: ReportState::New.label(),
            input,
            version: 0,
            late: false,
            unchanged: false,
            no_change: false,
            review_comment: None,
            submitted_at: None,
            updated_at: None,
            prefilled_from: from,
            evidence: Vec::new(),
        })
    }

    /// Saves a draft. `version` must be the version the caller read (0 for a new form);
    /// a stale one is a conflict, never a silent overwrite. `open` is the latest period open
    /// for reporting: later periods are refused.
    pub async fn save_report(
        &self,
        assignment_id: i64,
        period: Period,
        input: &ReportInput,
        version: i64,
        open: Period,
        user_id: Option<i64>,
    ) -> Result<Report> {
        if period > open {
            return Err(StoreError::invalid("period", format!("期间 {period} 尚未开放填报")));
        }
        check_text("progress", "本月进展", &input.progress)?;
        check_text("cumulative", "累计完成", &input.cumulative)?;
        check_text("problems", "存在问题", &input.problems)?;
        check_text("next_steps", "下步措施", &input.next_steps)?;
        if let Some(s) = &input.self_status
            && domain::Status::ALL.iter().all(|st| st.key() != s)
        {
            return Err(StoreError::invalid("self_status", "自评状态无效"));
        }
        // Read (one statement, needed below anyway) before anything else about the
        // assignment: a period outside its plan's year is refused like one not yet open.
        let place = report_place(&self.pool, assignment_id).await?;
        period
            .check_for_plan(place.plan_year.and_then(|y| i32::try_from(y).ok()), open)
            .map_err(|m| StoreError::invalid("period", m))?;
        // Most monthly reports are text alone: read the assignment, and the task's indicators
        // and milestones, only when there are values or dates to check against them.
        let assignment = if input.values.is_empty() && input.milestones.is_empty() {
            None
        } else {
            Some(self.assignment(assignment_id).await?)
        };
        let (task_id, unit_id) = assignment.map_or((0, 0), |a| (a.task_id, a.unit_id));
        let indicators = if input.values.is_empty() { Vec::new() } else { self.indicators(task_id).await? };
        for (id, value) in &input.values {
            let Some(ind) = indicators.iter().find(|i| i.id == *id) else {
                return Err(StoreError::invalid(&format!("values.{id}"), "该指标不属于本任务"));
            };
            if ind.source.is_some() {
                return Err(StoreError::invalid(&format!("values.{id}"), "该指标由学校数据计算,无需填报"));
            }
            domain::validate_value(&ind.spec_for(unit_id), *value)
                .map_err(|m| StoreError::invalid(&format!("values.{id}"), m))?;
        }
        let milestones = if input.milestones.is_empty() { Vec::new() } else { self.milestones(task_id).await? };
        for (id, done_on) in &input.milestones {
            let field = format!("milestones.{id}");
            if !milestones.iter().any(|m| m.id == *id) {
                return Err(StoreError::invalid(&field, "该节点不属于本任务"));
            }
            let Ok(day) = chrono::NaiveDate::parse_from_str(done_on, "%Y-%m-%d") else {
                return Err(StoreError::invalid(&field, "完成日期格式应为 YYYY-MM-DD"));
            };
            if day > period.last_day() {
                return Err(StoreError::invalid(&field, format!("完成日期不能晚于 {period} 月底")));
            }
        }

        let key = period.to_string();
        // Read, and the search words cut, before the write: the group it joins runs its jobs'
        // statements one after another, so what a job need not do there it should not.
        let doc = report_doc(&place, assignment_id, &key, input);
        let draft = input.clone();
        // The answer is made from what was written rather than read back: at the month-end
        // rush every statement spared on this path counts.
        let (mut report, is_new) = self
            .write(move |conn| {
                Box::pin(async move { write_draft(conn, assignment_id, &key, version, user_id, &draft, doc).await })
            })
            .await?;
        if !is_new {
            // Evidence hangs on the report, so only one saved before can have any.
            report.evidence = self.report_evidence(assignment_id, period).await?;
        }
        Ok(report)
    }

    /// Submits a saved draft (or a returned report) for review — to the unit head first when
    /// `needs_signoff`, else to the bureau. Submitting again what is already submitted is a
    /// no-op, so a retried request does not duplicate anything.
    pub async fn submit_report(
        &self,
        assignment_id: i64,
        period: Period,
        today: chrono::NaiveDate,
        due_day: u32,
        user_id: Option<i64>,
        needs_signoff: bool,
    ) -> Result<Report> {
        let key = period.to_string();
        let (report, previous) = self
            .read_report(assignment_id, &key, true)
            .await?
            .ok_or_else(|| StoreError::invalid("state", "请先保存报告再提交"))?;
        match report.state {
            ReportState::Submitted | ReportState::Approved | ReportState::PendingSignoff => return Ok(report),
            _ => {}
        }
        // A declared 本月无新进展 is complete without text (see `crate::months`).
        if report.input.progress.trim().is_empty() && !report.no_change {
            return Err(StoreError::invalid("progress", "本月进展不能为空"));
        }
        let unchanged = !report.no_change && previous.is_some_and(|p| p.trim() == report.input.progress.trim());
        let late = period.is_late(today, due_day);
        let id = report.id.ok_or(StoreError::NotFound)?;
        let state = if needs_signoff { ReportState::PendingSignoff } else { ReportState::Submitted };
        let (period_key, input, read_version) = (key.clone(), report.input.clone(), report.version);
        let submitted_at = self
            .write(move |conn| {
                Box::pin(async move {
                    let at = now();
                    // Only the version read is submitted: the history's snapshot and the answer
                    // are that version's.
                    let changed = sqlx::query(
                        "UPDATE reports SET state = $6, submitted_at = $1, late = $2, unchanged = $3, \
                         version = version + 1, updated_at = $1 \
                         WHERE assignment_id = $4 AND period = $5 AND version = $7 AND state IN ('draft', 'returned')",
                    )
                    .bind(&at)
                    .bind(flag(late))
                    .bind(flag(unchanged))
                    .bind(assignment_id)
                    .bind(&period_key)
                    .bind(state.key())
                    .bind(read_version)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
                    if changed == 0 {
                        return Ok((None, Appends::default()));
                    }
                    let events = vec![EventRow::new(id, &at, user_id, "submit", None, &input)];
                    Ok((Some(at), Appends::of(events)))
                })
            })
            .await?;
        match submitted_at {
            Some(at) => Ok(Report {
                state,
                state_label: state.label(),
                version: read_version + 1,
                late,
                unchanged,
                submitted_at: Some(at.clone()),
                updated_at: Some(at),
                ..report
            }),
            // Changed since it was read: submitted by a concurrent request (this one is then
            // a no-op, as above) or edited (the reporter should see the edit first).
            None => {
                let current = self.load_report(assignment_id, &key).await?.ok_or(StoreError::NotFound)?;
                match current.state {
                    ReportState::Submitted | ReportState::Approved | ReportState::PendingSignoff => Ok(current),
                    _ => Err(StoreError::Conflict("该报告已被他人修改,请刷新后再提交".into())),
                }
            }
        }
    }

    /// Approves or returns a submitted report (the bureau). A return needs a comment saying
    /// what to fix.
    pub async fn review_report(
        &self,
        assignment_id: i64,
        period: Period,
        decision: Decision,
        comment: Option<&str>,
        user_id: Option<i64>,
    ) -> Result<Report> {
        self.review_report_at(assignment_id, period, decision, comment, user_id, None).await
    }

    /// [`Store::review_report`] for the version the reviewer saw (`expected`): a report changed
    /// since is refused (409) rather than decided unseen.
    pub async fn review_report_at(
        &self,
        assignment_id: i64,
        period: Period,
        decision: Decision,
        comment: Option<&str>,
        user_id: Option<i64>,
        expected: Option<i64>,
    ) -> Result<Report> {
        let step = Step {
            from: ReportState::Submitted,
            approved: ReportState::Approved,
            actions: ("approve", "return"),
            refusal: "只能审核已提交的报告",
        };
        self.decide(assignment_id, period, &step, decision, comment, user_id, expected).await
    }

    /// The unit head passes a reporter's report on to the bureau, or returns it.
    pub async fn signoff_report(
        &self,
        assignment_id: i64,
        period: Period,
        decision: Decision,
        comment: Option<&str>,
        user_id: Option<i64>,
    ) -> Result<Report> {
        let step = Step {
            from: ReportState::PendingSignoff,
            approved: ReportState::Submitted,
            actions: ("signoff", "signoff_return"),
            refusal: "只能审核待负责人审核的报告",
        };
        self.decide(assignment_id, period, &step, decision, comment, user_id, None).await
    }

    /// One reviewing step: moves a report from `step.from` to `step.approved`, or back to the
    /// reporter as returned, recording the decision; only at version `expected` when given.
    #[allow(clippy::too_many_arguments)]
    async fn decide(
        &self,
        assignment_id: i64,
        period: Period,
        step: &Step,
        decision: Decision,
        comment: Option<&str>,
        user_id: Option<i64>,
        expected: Option<i64>,
    ) -> Result<Report> {
        let key = period.to_string();
        let report = self.load_report(assignment_id, &key).await?.ok_or(StoreError::NotFound)?;
        if report.state != step.from {
            return Err(StoreError::Conflict(format!("{}(当前状态:{})", step.refusal, report.state.label())));
        }
        if expected.is_some_and(|v| v != report.version) {
            return Err(StoreError::Conflict("该报告在您查看后已被修改,请打开查看后再审核".into()));
        }
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        if decision == Decision::Return && comment.is_none() {
            return Err(StoreError::invalid("comment", "退回时请写明需要补充或修改的内容"));
        }
        if let Some(c) = comment {
            check_text("comment", "审核意见", c)?;
        }
        let (state, action) = match decision {
            Decision::Approve => (step.approved, step.actions.0),
            Decision::Return => (ReportState::Returned, step.actions.1),
        };
        let id = report.id.ok_or(StoreError::NotFound)?;
        let (from, read_version, written_comment, input) =
            (step.from.key(), report.version, comment.map(str::to_string), report.input.clone());
        // The decision applies to the state and version read above, or not at all: of two
        // reviewers deciding at once, the second finds the report changed and is told so
        // (409) instead of being answered with the first one's decision.
        let at = self
            .write(move |conn| {
                Box::pin(async move {
                    let at = now();
                    let changed = sqlx::query(
                        "UPDATE reports SET state = $1, review_comment = $2, reviewed_at = $3, version = version + 1, \
                         updated_at = $3 WHERE id = $4 AND state = $5 AND version = $6",
                    )
                    .bind(state.key())
                    .bind(written_comment.clone())
                    .bind(&at)
                    .bind(id)
                    .bind(from)
                    .bind(read_version)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
                    expect_one(changed, "该报告已被他人处理,请刷新后查看当前状态")?;
                    let events = vec![EventRow::new(id, &at, user_id, action, written_comment.as_deref(), &input)];
                    Ok((at, Appends::of(events)))
                })
            })
            .await?;
        // The answer is what this decision wrote, never a later state someone else made.
        Ok(Report {
            state,
            state_label: state.label(),
            version: read_version + 1,
            review_comment: comment.map(str::to_string),
            updated_at: Some(at),
            ..report
        })
    }
}

impl Store {
    /// Every unit's reports on a task, newest period first, for the task's timeline.
    pub async fn task_reports(&self, task_id: i64) -> Result<Vec<TaskReport>> {
        let rows = sqlx::query(
            "SELECT r.id, r.assignment_id, u.name, r.period, r.state, r.progress, r.late, r.submitted_at, \
             (SELECT COUNT(*) FROM evidence e WHERE e.report_id = r.id) \
             FROM reports r JOIN assignments a ON a.id = r.assignment_id JOIN units u ON u.id = a.unit_id \
             WHERE a.task_id = $1 ORDER BY r.period DESC, u.name",
        )
        .bind(task_id)
        .fetch_all(&self.pool)
        .await?;
        let values = sqlx::query(
            "SELECT v.report_id, v.indicator_id, v.value FROM report_values v JOIN reports r ON r.id = v.report_id \
             JOIN assignments a ON a.id = r.assignment_id WHERE a.task_id = $1",
        )
        .bind(task_id)
        .fetch_all(&self.pool)
        .await?;
        let mut by_report: std::collections::HashMap<i64, BTreeMap<i64, f64>> = Default::default();
        for v in &values {
            by_report.entry(v.get(0)).or_default().insert(v.get(1), v.get(2));
        }
        Ok(rows
            .iter()
            .map(|r| {
                let state = ReportState::parse(&r.get::<String, _>(4));
                TaskReport {
                    assignment_id: r.get(1),
                    unit_name: r.get(2),
                    period: r.get(3),
                    state,
                    state_label: state.label(),
                    progress: r.get(5),
                    late: r.get::<i64, _>(6) != 0,
                    submitted_at: r.get(7),
                    values: by_report.remove(&r.get::<i64, _>(0)).unwrap_or_default(),
                    evidence: r.get(8),
                }
            })
            .collect())
    }
}
