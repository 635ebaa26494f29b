//! Visits (督导), the rectification loop (问题整改销号) and ad-hoc supervision items (督办件).
//! Pure rules: what state a finding or an item is in, what a step may do, when feedback is
//! next due, and the figures a bulletin and the coverage page show. "Today" (or the day a
//! figure is taken as of) is always a parameter.
//!
//! **A finding's rectification** moves through stages by steps:
//! - 待整改 (`Issued`) when issued; a report of measures taken moves it to 待核查 (`Verifying`)
//!   when the unit says the work is done (`complete`), else to 整改中 (`InProgress`);
//! - the office then closes it (销号, `Closed`) or returns it with a comment (整改中 again,
//!   flagged *returned* until the unit reports again);
//! - a unit reports only while the finding is 待整改 or 整改中 (returned or not); the office
//!   decides only on a finding 待核查; nothing moves a closed one.
//!
//! Its **state** is its stage, except that a finding still on the unit's side (待整改 or
//! 整改中) after its deadline is **逾期** — as of the day after the deadline, the rule of plan
//! tasks too: on the deadline day itself it is not overdue. A finding 待核查 is never overdue:
//! the unit has acted and the next step is the office's. A finding closed after its deadline
//! is 已销号 and *closed late*.
//!
//! **A 督办件** likewise: 办理中 until the lead unit reports it done (待确认); the office then
//! closes it (已办结) or returns it (退回, until the next feedback). One still with the units
//! after its deadline is **逾期**. Feedback is due at the item's cadence (see
//! [`next_feedback_due`]).

use crate::Period;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Where a finding's rectification stands in the workflow, regardless of the date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 待整改: issued, nothing reported yet.
    Issued,
    /// 整改中: measures reported but not finished, or returned by the office.
    InProgress,
    /// 待核查: the unit reports it done; the office's turn.
    Verifying,
    /// 已销号.
    Closed,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Issued, Stage::InProgress, Stage::Verifying, Stage::Closed];

    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            Stage::Issued => "issued",
            Stage::InProgress => "in_progress",
            Stage::Verifying => "verifying",
            Stage::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.key() == s)
    }

    /// The stage after `step`, or why the step is not allowed now (a sentence for the user).
    pub fn after(self, step: Step) -> Result<Stage, &'static str> {
        match (self, step) {
            (Stage::Closed, _) => Err("该问题已销号,不能再办理"),
            (Stage::Verifying, Step::Report { .. }) => Err("整改情况已报送,正在等待核查,核查前不能再次报送"),
            (_, Step::Report { complete: true }) => Ok(Stage::Verifying),
            (_, Step::Report { complete: false }) => Ok(Stage::InProgress),
            (Stage::Verifying, Step::Close) => Ok(Stage::Closed),
            (Stage::Verifying, Step::Return) => Ok(Stage::InProgress),
            (_, Step::Close | Step::Return) => Err("只有待核查的问题才能销号或退回"),
        }
    }

    /// Whether the next step is the responsible unit's.
    pub fn with_unit(self) -> bool {
        matches!(self, Stage::Issued | Stage::InProgress)
    }
}

/// One step of a rectification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "step")]
pub enum Step {
    /// The unit reports measures taken; `complete` when it says the rectification is done and
    /// asks for verification.
    Report { complete: bool },
    /// The office verifies and closes it (销号).
    Close,
    /// The office sends it back with a comment.
    Return,
}

/// The state shown everywhere: the stage, or 逾期.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RectState {
    Pending,
    InProgress,
    Verifying,
    Closed,
    Overdue,
}

impl RectState {
    pub const ALL: [RectState; 5] =
        [RectState::Pending, RectState::InProgress, RectState::Verifying, RectState::Closed, RectState::Overdue];

    pub fn key(self) -> &'static str {
        match self {
            RectState::Pending => "pending",
            RectState::InProgress => "in_progress",
            RectState::Verifying => "verifying",
            RectState::Closed => "closed",
            RectState::Overdue => "overdue",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RectState::Pending => "待整改",
            RectState::InProgress => "整改中",
            RectState::Verifying => "待核查",
            RectState::Closed => "已销号",
            RectState::Overdue => "逾期",
        }
    }

    /// By key or by label.
    pub fn parse(s: &str) -> Option<RectState> {
        let s = s.trim();
        RectState::ALL.into_iter().find(|st| st.key() == s || st.label() == s)
    }
}

/// The state of a finding at `stage` with `deadline`, on `today`.
pub fn rect_state(stage: Stage, deadline: NaiveDate, today: NaiveDate) -> RectState {
    match stage {
        Stage::Closed => RectState::Closed,
        Stage::Verifying => RectState::Verifying,
        _ if today > deadline => RectState::Overdue,
        Stage::Issued => RectState::Pending,
        Stage::InProgress => RectState::InProgress,
    }
}

/// A step and the day it was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub on: NaiveDate,
    pub step: Step,
}

/// What is known of one finding: when it was issued, its deadline, and its steps in the
/// order they were taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts<'a> {
    pub issued: NaiveDate,
    pub deadline: NaiveDate,
    pub events: &'a [Event],
}

/// A finding as of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub stage: Stage,
    pub state: RectState,
    /// Returned by the office and not reported on since.
    pub returned: bool,
    /// How many times the office returned it.
    pub returns: usize,
    /// How many reports the unit made.
    pub reports: usize,
    /// The day it was closed (销号).
    pub closed_on: Option<NaiveDate>,
    /// Closed after its deadline.
    pub closed_late: bool,
    /// Days past the deadline while 逾期 (0 otherwise).
    pub days_overdue: i64,
}

/// The finding as of `today`: its steps up to and including `today` replayed from 待整改 (a
/// step the rules refuse is skipped, so stored history can never produce an impossible
/// state), then the date applied. A finding not yet issued on `today` is `None`.
pub fn assess(facts: &Facts<'_>, today: NaiveDate) -> Option<Assessment> {
    if facts.issued > today {
        return None;
    }
    let mut a = Assessment {
        stage: Stage::Issued,
        state: RectState::Pending,
        returned: false,
        returns: 0,
        reports: 0,
        closed_on: None,
        closed_late: false,
        days_overdue: 0,
    };
    for e in facts.events.iter().filter(|e| e.on <= today) {
        let Ok(next) = a.stage.after(e.step) else { continue };
        match e.step {
            Step::Report { .. } => {
                a.reports += 1;
                a.returned = false;
            }
            Step::Return => {
                a.returns += 1;
                a.returned = true;
            }
            Step::Close => {
                a.closed_on = Some(e.on);
                a.closed_late = e.on > facts.deadline;
            }
        }
        a.stage = next;
    }
    a.state = rect_state(a.stage, facts.deadline, today);
    if a.state == RectState::Overdue {
        a.days_overdue = (today - facts.deadline).num_days();
    }
    Some(a)
}

/// One finding as the bulletin counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingRecord<'a> {
    /// The responsible unit's name.
    pub unit: &'a str,
    pub facts: Facts<'a>,
}

/// What a monthly bulletin says of visits and rectification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitFigures {
    pub period: Period,
    /// The day the figures are taken as of: the month's last day, or today for the month
    /// under way.
    pub as_of: NaiveDate,
    /// 本月督导 N 次: visits made in the month.
    pub visits: usize,
    /// 发现问题: findings issued in the month.
    pub found: usize,
    /// 已销号: findings closed in the month (whenever they were found).
    pub closed: usize,
    /// 今年以来发现问题: findings issued from 1 January of the month's year to `as_of`.
    pub found_to_date: usize,
    /// Of those, closed by `as_of`.
    pub closed_to_date: usize,
    /// 整改率 = `closed_to_date` / `found_to_date`; `None` when nothing was found.
    pub rate: Option<f64>,
    /// 逾期未整改: every finding overdue on `as_of` (whatever the year it was found in),
    /// counted by responsible unit, most first, then by name.
    pub overdue: Vec<(String, usize)>,
    pub overdue_total: usize,
}

/// The bulletin's figures for `period`, as of its last day (or `today` while it runs).
///
/// **整改率** counts the findings issued this year up to the month's end (`found_to_date`,
/// from 1 January of the month's year to `as_of`; a finding carried over from last year is
/// not in it) and, of those, the ones closed by `as_of`. Steps taken after `as_of` are not
/// seen, so a bulletin of a past month says what it said then. `visit_dates` holds one
/// date per visit.
pub fn visit_figures(
    period: Period,
    today: NaiveDate,
    visit_dates: &[NaiveDate],
    findings: &[FindingRecord<'_>],
) -> VisitFigures {
    let as_of = period.last_day().min(today);
    let (first, year_start) = (period.first_day(), Period { year: period.year, month: 1 }.first_day());
    let in_month = |d: NaiveDate| d >= first && d <= as_of;
    let mut figures = VisitFigures {
        period,
        as_of,
        visits: visit_dates.iter().filter(|d| in_month(**d)).count(),
        found: 0,
        closed: 0,
        found_to_date: 0,
        closed_to_date: 0,
        rate: None,
        overdue: Vec::new(),
        overdue_total: 0,
    };
    let mut overdue: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings {
        let Some(a) = assess(&f.facts, as_of) else { continue };
        let issued = f.facts.issued;
        if in_month(issued) {
            figures.found += 1;
        }
        if a.closed_on.is_some_and(in_month) {
            figures.closed += 1;
        }
        if issued >= year_start {
            figures.found_to_date += 1;
            if a.stage == Stage::Closed {
                figures.closed_to_date += 1;
            }
        }
        if a.state == RectState::Overdue {
            *overdue.entry(f.unit).or_default() += 1;
            figures.overdue_total += 1;
        }
    }
    figures.rate = share(figures.closed_to_date, figures.found_to_date);
    let mut named: Vec<(String, usize)> = overdue.into_iter().map(|(u, n)| (u.to_string(), n)).collect();
    named.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    figures.overdue = named;
    figures
}

/// 整改及时率 for one finding as of `as_of`: `None` when it is not yet due (its deadline is
/// after `as_of`, or it was not issued by then); else the day the unit finished the work it
/// was closed (or is awaiting verification) on, if it has, and whether that was on time.
///
/// The rule, as for plan milestones (done by their due date over those due): a finding is
/// due once its deadline is on or before `as_of`; it was rectified **on time** when, as of
/// `as_of`, it is 已销号 or 待核查 and the unit's report that said the work was done came on
/// or before the deadline. The office's time to verify is not held against the unit; a
/// finding returned and then reported done again counts by that later report.
pub fn timeliness(facts: &Facts<'_>, as_of: NaiveDate) -> Option<(bool, Option<NaiveDate>)> {
    if facts.deadline > as_of {
        return None;
    }
    let a = assess(facts, as_of)?;
    if !matches!(a.stage, Stage::Verifying | Stage::Closed) {
        return Some((false, None));
    }
    let done = facts
        .events
        .iter()
        .filter(|e| e.on <= as_of && e.step == Step::Report { complete: true })
        .map(|e| e.on)
        .next_back();
    Some((done.is_some_and(|d| d <= facts.deadline), done))
}

fn share(part: usize, whole: usize) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)] // counts of findings, far below 2^52
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// 一月一督导 coverage of one inspector's assigned schools in a month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    pub period: Period,
    /// The schools assigned (挂牌), in the order given.
    pub assigned: Vec<i64>,
    /// Those visited in the month.
    pub visited: Vec<i64>,
    /// Those not visited in the month.
    pub not_visited: Vec<i64>,
    /// visited / assigned; `None` with no school assigned.
    pub rate: Option<f64>,
}

/// Which of `assigned` were visited in `period`: a school counts as visited when a visit to
/// it in the month has the inspector among its inspectors — the caller passes exactly those
/// visits, as (school, date). Another inspector's visit does not count for this one.
pub fn coverage(period: Period, assigned: &[i64], visits: &[(i64, NaiveDate)]) -> Coverage {
    let seen: BTreeSet<i64> =
        visits.iter().filter(|(_, d)| Period::containing(*d) == period).map(|(school, _)| *school).collect();
    let mut unique = Vec::new();
    for s in assigned {
        if !unique.contains(s) {
            unique.push(*s);
        }
    }
    let (visited, not_visited): (Vec<i64>, Vec<i64>) = unique.iter().partition(|s| seen.contains(s));
    Coverage { period, rate: share(visited.len(), unique.len()), assigned: unique, visited, not_visited }
}

// --- 督办件 ------------------------------------------------------------------------------

/// Where a 督办件 stands in the workflow, regardless of the date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectiveStage {
    /// 办理中.
    Open,
    /// 待确认: the lead unit reports it done; the office's turn.
    Confirming,
    /// 已办结.
    Closed,
    /// 退回: the office sent the completion back; the units' turn.
    Returned,
}

impl DirectiveStage {
    pub const ALL: [DirectiveStage; 4] =
        [DirectiveStage::Open, DirectiveStage::Confirming, DirectiveStage::Closed, DirectiveStage::Returned];

    pub fn key(self) -> &'static str {
        match self {
            DirectiveStage::Open => "open",
            DirectiveStage::Confirming => "confirming",
            DirectiveStage::Closed => "closed",
            DirectiveStage::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<DirectiveStage> {
        DirectiveStage::ALL.into_iter().find(|st| st.key() == s)
    }

    /// The stage after `step`, or why not. Interim feedback is welcome at any time before the
    /// item is closed (a co unit may still write while the lead's completion waits); a
    /// completion (`done`) is not repeated while one waits.
    pub fn after(self, step: DirectiveStep) -> Result<DirectiveStage, &'static str> {
        match (self, step) {
            (DirectiveStage::Closed, _) => Err("该督办件已办结,不能再办理"),
            (DirectiveStage::Confirming, DirectiveStep::Feedback { done: true }) => {
                Err("已报送办结,正在等待确认,确认前不能再次报送办结")
            }
            (DirectiveStage::Confirming, DirectiveStep::Feedback { done: false }) => Ok(DirectiveStage::Confirming),
            (_, DirectiveStep::Feedback { done: true }) => Ok(DirectiveStage::Confirming),
            (_, DirectiveStep::Feedback { done: false }) => Ok(DirectiveStage::Open),
            (DirectiveStage::Confirming, DirectiveStep::Close) => Ok(DirectiveStage::Closed),
            (DirectiveStage::Confirming, DirectiveStep::Return) => Ok(DirectiveStage::Returned),
            (_, DirectiveStep::Close | DirectiveStep::Return) => Err("只有待确认的督办件才能办结或退回"),
        }
    }
}

/// One step of a 督办件.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "step")]
pub enum DirectiveStep {
    /// A unit's feedback; `done` when the lead unit reports the item done.
    Feedback {
        done: bool,
    },
    Close,
    Return,
}

/// The state shown for a 督办件.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectiveState {
    Open,
    Confirming,
    Closed,
    Overdue,
    Returned,
}

impl DirectiveState {
    pub const ALL: [DirectiveState; 5] = [
        DirectiveState::Open,
        DirectiveState::Confirming,
        DirectiveState::Closed,
        DirectiveState::Overdue,
        DirectiveState::Returned,
    ];

    pub fn key(self) -> &'static str {
        match self {
            DirectiveState::Open => "open",
            DirectiveState::Confirming => "confirming",
            DirectiveState::Closed => "closed",
            DirectiveState::Overdue => "overdue",
            DirectiveState::Returned => "returned",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DirectiveState::Open => "办理中",
            DirectiveState::Confirming => "待确认",
            DirectiveState::Closed => "已办结",
            DirectiveState::Overdue => "逾期",
            DirectiveState::Returned => "退回",
        }
    }

    pub fn parse(s: &str) -> Option<DirectiveState> {
        let s = s.trim();
        DirectiveState::ALL.into_iter().find(|st| st.key() == s || st.label() == s)
    }
}

/// The state of a 督办件 at `stage` with `deadline` on `today`: 逾期 while it is the units'
/// turn (办理中 or 退回) after the deadline day.
pub fn directive_state(stage: DirectiveStage, deadline: NaiveDate, today: NaiveDate) -> DirectiveState {
    match stage {
        DirectiveStage::Closed => DirectiveState::Closed,
        DirectiveStage::Confirming => DirectiveState::Confirming,
        _ if today > deadline => DirectiveState::Overdue,
        DirectiveStage::Open => DirectiveState::Open,
        DirectiveStage::Returned => DirectiveState::Returned,
    }
}

/// How often the units report on a 督办件.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    /// Once, by the deadline.
    Once,
    Weekly,
    Monthly,
}

impl Cadence {
    pub const ALL: [Cadence; 3] = [Cadence::Once, Cadence::Weekly, Cadence::Monthly];

    pub fn key(self) -> &'static str {
        match self {
            Cadence::Once => "once",
            Cadence::Weekly => "weekly",
            Cadence::Monthly => "monthly",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Cadence::Once => "办结时反馈一次",
            Cadence::Weekly => "每周反馈",
            Cadence::Monthly => "每月反馈",
        }
    }

    /// By key, by label, or the short words people use (一次, 每周, 每月).
    pub fn parse(s: &str) -> Option<Cadence> {
        let s = s.trim();
        Cadence::ALL.into_iter().find(|c| c.key() == s || c.label() == s).or(match s {
            "一次" => Some(Cadence::Once),
            "每周" | "周" => Some(Cadence::Weekly),
            "每月" | "月" => Some(Cadence::Monthly),
            _ => None,
        })
    }
}

/// When the units' next feedback on a 督办件 is due: for `Once`, the deadline; for `Weekly`
/// and `Monthly`, a week or a calendar month (31 January → 29 February) after the last
/// feedback, or after the item was registered when none came yet — never later than the
/// deadline. `None` once the item waits for confirmation or is closed: nothing is due from
/// the units then.
pub fn next_feedback_due(
    stage: DirectiveStage,
    cadence: Cadence,
    registered: NaiveDate,
    last_feedback: Option<NaiveDate>,
    deadline: NaiveDate,
) -> Option<NaiveDate> {
    if matches!(stage, DirectiveStage::Confirming | DirectiveStage::Closed) {
        return None;
    }
    let from = last_feedback.unwrap_or(registered).max(registered);
    let due = match cadence {
        Cadence::Once => deadline,
        Cadence::Weekly => from + chrono::Duration::days(7),
        Cadence::Monthly => from.checked_add_months(Months::new(1)).unwrap_or(deadline),
    };
    Some(due.min(deadline))
}

/// A 督办件 as the bulletin counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectiveRecord<'a> {
    pub title: &'a str,
    pub lead_unit: &'a str,
    pub registered: NaiveDate,
    pub deadline: NaiveDate,
    /// Its steps in order.
    pub events: &'a [(NaiveDate, DirectiveStep)],
}

/// The 督办件 section of a monthly bulletin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectiveFigures {
    pub period: Period,
    pub as_of: NaiveDate,
    /// Registered in the month.
    pub registered: usize,
    /// Closed (办结) in the month.
    pub closed: usize,
    /// Registered by `as_of` and not closed then.
    pub open: usize,
    /// Overdue on `as_of`: (title, lead unit, deadline), earliest deadline first.
    pub overdue: Vec<(String, String, NaiveDate)>,
}

/// The stage of a 督办件 after its steps up to `as_of` (refused steps skipped), and the day
/// it was closed.
pub fn directive_stage_as_of(
    events: &[(NaiveDate, DirectiveStep)],
    as_of: NaiveDate,
) -> (DirectiveStage, Option<NaiveDate>) {
    let mut stage = DirectiveStage::Open;
    let mut closed = None;
    for (on, step) in events.iter().filter(|(on, _)| *on <= as_of) {
        if let Ok(next) = stage.after(*step) {
            stage = next;
            if next == DirectiveStage::Closed {
                closed = Some(*on);
            }
        }
    }
    (stage, closed)
}

/// The bulletin's 督办件 figures for `period`, as of its last day (or `today` while it runs).
pub fn directive_figures(period: Period, today: NaiveDate, items: &[DirectiveRecord<'_>]) -> DirectiveFigures {
    let as_of = period.last_day().min(today);
    let first = period.first_day();
    let in_month = |d: NaiveDate| d >= first && d <= as_of;
    let mut out = DirectiveFigures { period, as_of, registered: 0, closed: 0, open: 0, overdue: Vec::new() };
    for item in items.iter().filter(|i| i.registered <= as_of) {
        if in_month(item.registered) {
            out.registered += 1;
        }
        let (stage, closed) = directive_stage_as_of(item.events, as_of);
        if closed.is_some_and(in_month) {
            out.closed += 1;
        }
        if stage != DirectiveStage::Closed {
            out.open += 1;
        }
        if directive_state(stage, item.deadline, as_of) == DirectiveState::Overdue {
            out.overdue.push((item.title.to_string(), item.lead_unit.to_string(), item.deadline));
        }
    }
    out.overdue.sort_by(|a, b| a.2.cmp(&b.2).then_with(|| a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn ev(on: &str, step: Step) -> Event {
        Event { on: d(on), step }
    }

    const DONE: Step = Step::Report { complete: true };
    const PARTLY: Step = Step::Report { complete: false };

    fn state(events: &[Event], today: &str) -> Assessment {
        assess(&Facts { issued: d("2024-03-05"), deadline: d("2024-03-31"), events }, d(today)).expect("issued")
    }

    #[test]
    fn timeliness_counts_the_units_done_report_against_the_deadline_not_the_offices_check() {
        fn facts(events: &[Event]) -> Facts<'_> {
            Facts { issued: d("2024-03-05"), deadline: d("2024-03-31"), events }
        }
        // Not yet due.
        assert_eq!(timeliness(&facts(&[]), d("2024-03-30")), None);
        // Due and not done.
        assert_eq!(timeliness(&facts(&[]), d("2024-03-31")), Some((false, None)));
        // Done on the deadline day, checked after it: on time.
        let checked_late =
            [Event { on: d("2024-03-31"), step: DONE }, Event { on: d("2024-04-10"), step: Step::Close }];
        assert_eq!(timeliness(&facts(&checked_late), d("2024-04-30")), Some((true, Some(d("2024-03-31")))));
        // Awaiting the check counts as the unit's work done.
        assert_eq!(timeliness(&facts(&checked_late), d("2024-04-05")), Some((true, Some(d("2024-03-31")))));
        // Returned, then done again after the deadline: late.
        let redone = [
            Event { on: d("2024-03-20"), step: DONE },
            Event { on: d("2024-03-25"), step: Step::Return },
            Event { on: d("2024-04-03"), step: DONE },
        ];
        assert_eq!(timeliness(&facts(&redone), d("2024-04-05")), Some((false, Some(d("2024-04-03")))));
        // Returned and not yet redone: not done.
        assert_eq!(timeliness(&facts(&redone), d("2024-04-01")), Some((false, None)));
    }

    #[test]
    fn a_finding_is_pending_until_reported_and_overdue_only_after_its_deadline_day() {
        assert_eq!(state(&[], "2024-03-05").state, RectState::Pending);
        let on_deadline = state(&[], "2024-03-31");
        assert_eq!(on_deadline.state, RectState::Pending, "the deadline day itself is not overdue");
        let after = state(&[], "2024-04-01");
        assert_eq!((after.state, after.days_overdue), (RectState::Overdue, 1));
        assert_eq!(
            assess(&Facts { issued: d("2024-03-05"), deadline: d("2024-03-31"), events: &[] }, d("2024-03-04")),
            None
        );
    }

    #[test]
    fn reports_move_it_to_in_progress_or_verification_and_verification_is_never_overdue() {
        let partly = [ev("2024-03-10", PARTLY)];
        assert_eq!(state(&partly, "2024-03-20").state, RectState::InProgress);
        assert_eq!(state(&partly, "2024-04-02").state, RectState::Overdue, "partial work does not stop the clock");
        let done = [ev("2024-03-10", PARTLY), ev("2024-03-30", DONE)];
        let a = state(&done, "2024-04-20");
        assert_eq!((a.state, a.reports), (RectState::Verifying, 2), "the office's turn is not the unit's delay");
        // A step after the day asked about is not seen yet.
        assert_eq!(state(&done, "2024-03-29").state, RectState::InProgress);
    }

    #[test]
    fn closing_on_time_and_late() {
        let on_time = state(&[ev("2024-03-20", DONE), ev("2024-03-31", Step::Close)], "2024-06-01");
        assert_eq!((on_time.state, on_time.closed_late), (RectState::Closed, false));
        assert_eq!(on_time.closed_on, Some(d("2024-03-31")));
        let late = state(&[ev("2024-04-03", DONE), ev("2024-04-05", Step::Close)], "2024-06-01");
        assert_eq!((late.state, late.closed_late), (RectState::Closed, true));
        assert_eq!(late.days_overdue, 0);
    }

    #[test]
    fn returned_then_reported_again() {
        let returned = [ev("2024-03-20", DONE), ev("2024-03-22", Step::Return)];
        let a = state(&returned, "2024-03-25");
        assert_eq!((a.state, a.returned, a.returns), (RectState::InProgress, true, 1));
        assert_eq!(state(&returned, "2024-04-01").state, RectState::Overdue);
        let again = [ev("2024-03-20", DONE), ev("2024-03-22", Step::Return), ev("2024-03-28", DONE)];
        let a = state(&again, "2024-04-10");
        assert_eq!((a.state, a.returned, a.returns, a.reports), (RectState::Verifying, false, 1, 2));
        let closed = [&again[..], &[ev("2024-04-12", Step::Close)]].concat();
        let a = state(&closed, "2024-04-12");
        assert_eq!((a.state, a.closed_late), (RectState::Closed, true));
    }

    #[test]
    fn steps_out_of_turn_are_refused() {
        assert!(Stage::Issued.after(Step::Close).is_err(), "nothing to verify yet");
        assert!(Stage::InProgress.after(Step::Return).is_err());
        assert!(Stage::Verifying.after(DONE).is_err(), "no second report while waiting");
        assert!(Stage::Closed.after(PARTLY).is_err() && Stage::Closed.after(Step::Return).is_err());
        assert_eq!(Stage::InProgress.after(DONE), Ok(Stage::Verifying));
        // A history holding a refused step replays without it.
        let odd = [ev("2024-03-10", Step::Close), ev("2024-03-11", PARTLY)];
        assert_eq!(state(&odd, "2024-03-12").state, RectState::InProgress);
    }

    #[test]
    fn states_parse_by_key_and_label() {
        for s in RectState::ALL {
            assert_eq!(RectState::parse(s.key()), Some(s));
            assert_eq!(RectState::parse(s.label()), Some(s));
        }
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.key()), Some(s));
        }
        assert_eq!(RectState::parse("done"), None);
    }

    #[test]
    fn bulletin_figures_count_the_month_and_the_year_to_its_end() {
        let p = Period { year: 2024, month: 4 };
        let visits = [d("2024-03-30"), d("2024-04-01"), d("2024-04-30"), d("2024-05-01")];
        let closed_in_april = [ev("2024-03-20", DONE), ev("2024-04-02", Step::Close)];
        let closed_in_may = [ev("2024-04-20", DONE), ev("2024-05-02", Step::Close)];
        let returned = [ev("2024-04-10", DONE), ev("2024-04-12", Step::Return)];
        let f = |unit, issued, deadline, events| FindingRecord {
            unit,
            facts: Facts { issued: d(issued), deadline: d(deadline), events },
        };
        let findings = [
            f("A校", "2024-03-01", "2024-03-31", &closed_in_april[..]),
            f("A校", "2024-04-03", "2024-04-15", &returned[..]),
            f("B校", "2024-04-03", "2024-04-10", &[][..]),
            f("B校", "2024-04-10", "2024-05-31", &closed_in_may[..]),
            // Found last year and still open: overdue, but not in this year's rate.
            f("C区", "2023-11-01", "2023-12-01", &[][..]),
            // Found after the month: not counted at all.
            f("C区", "2024-05-01", "2024-05-02", &[][..]),
        ];
        let v = visit_figures(p, d("2024-11-10"), &visits, &findings);
        assert_eq!(v.as_of, d("2024-04-30"));
        assert_eq!((v.visits, v.found, v.closed), (2, 3, 1));
        assert_eq!((v.found_to_date, v.closed_to_date), (4, 1));
        assert_eq!(v.rate, Some(0.25));
        assert_eq!(v.overdue, vec![("A校".to_string(), 1), ("B校".to_string(), 1), ("C区".to_string(), 1)]);
        assert_eq!(v.overdue_total, 3);
        // The month under way is taken as of today.
        let now = visit_figures(p, d("2024-04-11"), &visits, &findings);
        assert_eq!(now.as_of, d("2024-04-11"));
        assert_eq!((now.visits, now.found, now.closed), (1, 3, 1));
        assert_eq!(now.overdue, vec![("B校".to_string(), 1), ("C区".to_string(), 1)]);
        let none = visit_figures(Period { year: 2025, month: 1 }, d("2025-02-01"), &[], &[]);
        assert_eq!(none.rate, None);
    }

    #[test]
    fn coverage_counts_each_assigned_school_once() {
        let p = Period { year: 2024, month: 5 };
        let visits = [(1, d("2024-05-02")), (1, d("2024-05-20")), (3, d("2024-04-30")), (9, d("2024-05-03"))];
        let c = coverage(p, &[1, 2, 3, 1], &visits);
        assert_eq!(c.assigned, vec![1, 2, 3]);
        assert_eq!((c.visited, c.not_visited), (vec![1], vec![2, 3]));
        assert!((c.rate.expect("rate") - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(coverage(p, &[], &visits).rate, None);
    }

    #[test]
    fn directive_states() {
        let deadline = d("2024-03-31");
        let st = |events: &[(NaiveDate, DirectiveStep)], today: &str| {
            let (stage, _) = directive_stage_as_of(events, d(today));
            directive_state(stage, deadline, d(today))
        };
        let fb = |on, done| (d(on), DirectiveStep::Feedback { done });
        assert_eq!(st(&[], "2024-03-31"), DirectiveState::Open);
        assert_eq!(st(&[], "2024-04-01"), DirectiveState::Overdue);
        let done = [fb("2024-03-10", false), fb("2024-03-30", true)];
        assert_eq!(st(&done, "2024-04-05"), DirectiveState::Confirming);
        let returned = [&done[..], &[(d("2024-03-31"), DirectiveStep::Return)]].concat();
        assert_eq!(st(&returned, "2024-03-31"), DirectiveState::Returned);
        assert_eq!(st(&returned, "2024-04-01"), DirectiveState::Overdue);
        let again = [&returned[..], &[fb("2024-04-02", true), (d("2024-04-03"), DirectiveStep::Close)]].concat();
        assert_eq!(st(&again, "2024-04-03"), DirectiveState::Closed);
        assert_eq!(directive_stage_as_of(&again, d("2024-05-01")).1, Some(d("2024-04-03")));
        assert!(DirectiveStage::Open.after(DirectiveStep::Close).is_err());
        assert!(DirectiveStage::Confirming.after(DirectiveStep::Feedback { done: true }).is_err());
        assert_eq!(
            DirectiveStage::Confirming.after(DirectiveStep::Feedback { done: false }),
            Ok(DirectiveStage::Confirming),
            "a co unit's note does not undo the lead's completion"
        );
        for s in DirectiveState::ALL {
            assert_eq!(DirectiveState::parse(s.label()), Some(s));
        }
    }

    #[test]
    fn feedback_falls_due_at_the_cadence_and_never_after_the_deadline() {
        let open = DirectiveStage::Open;
        let (reg, deadline) = (d("2024-01-31"), d("2024-06-30"));
        assert_eq!(next_feedback_due(open, Cadence::Once, reg, None, deadline), Some(deadline));
        assert_eq!(next_feedback_due(open, Cadence::Weekly, reg, None, deadline), Some(d("2024-02-07")));
        assert_eq!(
            next_feedback_due(open, Cadence::Weekly, reg, Some(d("2024-02-05")), deadline),
            Some(d("2024-02-12"))
        );
        assert_eq!(next_feedback_due(open, Cadence::Monthly, reg, None, deadline), Some(d("2024-02-29")));
        assert_eq!(
            next_feedback_due(open, Cadence::Monthly, reg, Some(d("2024-06-20")), deadline),
            Some(deadline),
            "capped at the deadline"
        );
        assert_eq!(
            next_feedback_due(DirectiveStage::Returned, Cadence::Weekly, reg, None, deadline),
            Some(d("2024-02-07"))
        );
        assert_eq!(next_feedback_due(DirectiveStage::Confirming, Cadence::Weekly, reg, None, deadline), None);
        assert_eq!(next_feedback_due(DirectiveStage::Closed, Cadence::Once, reg, None, deadline), None);
        for c in Cadence::ALL {
            assert_eq!(Cadence::parse(c.label()), Some(c));
        }
        assert_eq!(Cadence::parse("每周"), Some(Cadence::Weekly));
    }

    #[test]
    fn directive_figures_for_a_month() {
        let p = Period { year: 2024, month: 4 };
        let closed =
            [(d("2024-04-10"), DirectiveStep::Feedback { done: true }), (d("2024-04-12"), DirectiveStep::Close)];
        let items = [
            DirectiveRecord {
                title: "甲",
                lead_unit: "基教科",
                registered: d("2024-03-01"),
                deadline: d("2024-04-15"),
                events: &closed,
            },
            DirectiveRecord {
                title: "乙",
                lead_unit: "余江区",
                registered: d("2024-04-02"),
                deadline: d("2024-04-20"),
                events: &[],
            },
            DirectiveRecord {
                title: "丙",
                lead_unit: "月湖区",
                registered: d("2024-05-02"),
                deadline: d("2024-05-20"),
                events: &[],
            },
        ];
        let f = directive_figures(p, d("2024-12-01"), &items);
        assert_eq!((f.registered, f.closed, f.open), (1, 1, 1));
        assert_eq!(f.overdue, vec![("乙".to_string(), "余江区".to_string(), d("2024-04-20"))]);
    }
}
