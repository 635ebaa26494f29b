//! Status of an assignment, and its roll-up to tasks, sections and the plan. These are the
//! product's rules; every page, API response and export shows what `assess` and `roll_up`
//! return.
//!
//! - **progress**: the mean progress of the targets that have a reported value; else the
//!   share of milestones done; else none (the work is not measurable by numbers).
//! - **pace** (序时进度): the share of milestones due by now when there are milestones, else
//!   the share of the time from start to deadline elapsed — for a count target (个, 所, 人…)
//!   in whole things ([`crate::target::target_pace`]: 2 of 3 schools due, never 2.5),
//!   averaged over the measured targets like their progress.
//!   Milestones weigh the same, for both progress and pace.
//! - **已完成** when every target is reached and every milestone done (with neither, when the
//!   unit declares the work complete). A declaration does not override unmet targets.
//! - **逾期** when the deadline has passed (as of the day after it) and the work is not
//!   complete. Only the deadline makes work overdue: a missed milestone shows as pace running
//!   ahead of progress, i.e. 滞后, usually red.
//! - **未启动** when nothing has been reported (`reports == 0`) and nothing achieved
//!   (progress none or 0); 已完成 and 逾期 are decided first.
//! - Without any measure (no target with a value, no milestones), the unit's self-assessment
//!   stands, except that it cannot claim 已完成 (only a declaration of completion can) nor
//!   逾期 before the deadline (a date decides that), both read as 序时推进 and 滞后
//!   respectively; a unit that reports without a self-assessment is taken as 序时推进.
//! - Otherwise progress is compared with pace: at least `ahead_margin` ahead is **超序时**;
//!   no more than `yellow_gap` behind is **序时推进**; further behind is **滞后**.
//! - Colours: green for 已完成/超序时/序时推进; 滞后 yellow up to `red_gap` behind pace, red
//!   beyond (a self-assessed 滞后 with no measure counts as the whole pace behind); 逾期 red;
//!   未启动 yellow while pace is under a quarter, red after.
//! - Comparisons at a threshold go the way a person computing by hand would: exactly
//!   `ahead_margin` ahead is 超序时, exactly `red_gap` behind is yellow.
//!
//! Roll-up (task from its units, section from its tasks, plan from its sections):
//! - 已完成 when every child is (and there is at least one); 逾期 when any child is; 未启动
//!   when every child is; otherwise the mean progress of the children that have one against
//!   the mean pace of those same children, compared as above.
//! - When no child has a progress figure, the most common status among the children that
//!   have started (已完成 counted as 超序时, since the parent is not complete), ties going to
//!   the less favourable status so a roll-up never flatters; pace is then the mean of all.
//! - No children: 未启动 with pace 0.
//!
//! The rules are applied in the order listed: 已完成, 逾期, 未启动, then the comparison.

use crate::pace::{linear_pace, milestone_pace};
use crate::target::{TargetSpec, progress, reached, target_pace};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Completed,
    Ahead,
    OnPace,
    Behind,
    NotStarted,
    Overdue,
}

impl Status {
    pub const ALL: [Status; 6] =
        [Status::Completed, Status::Ahead, Status::OnPace, Status::Behind, Status::NotStarted, Status::Overdue];

    /// 已完成, 超序时 and 序时推进: the statuses counted as "on or ahead of pace" in every
    /// share, ranking and trend.
    pub fn is_on_pace(self) -> bool {
        matches!(self, Status::Completed | Status::Ahead | Status::OnPace)
    }

    /// The colour a status is shown in where no figures refine it (legends, counts, the review
    /// queue): green on or ahead of pace, yellow behind or not started, red overdue. An
    /// assessment with figures has its own colour (`Assessment::colour`), red when far behind.
    pub fn colour(self) -> Colour {
        match self {
            Status::Completed | Status::Ahead | Status::OnPace => Colour::Green,
            Status::Behind | Status::NotStarted => Colour::Yellow,
            Status::Overdue => Colour::Red,
        }
    }

    /// The label users see.
    pub fn label(self) -> &'static str {
        match self {
            Status::Completed => "已完成",
            Status::Ahead => "超序时",
            Status::OnPace => "序时推进",
            Status::Behind => "滞后",
            Status::NotStarted => "未启动",
            Status::Overdue => "逾期",
        }
    }

    /// The stable key for storage, URLs and CSS; the same as the serde form.
    pub fn key(self) -> &'static str {
        match self {
            Status::Completed => "completed",
            Status::Ahead => "ahead",
            Status::OnPace => "on_pace",
            Status::Behind => "behind",
            Status::NotStarted => "not_started",
            Status::Overdue => "overdue",
        }
    }

    /// Accepts either the key or the Chinese label (units type labels in spreadsheets).
    pub fn parse(s: &str) -> Option<Status> {
        let s = s.trim();
        if s == "严重滞后" {
            // The label of work far behind pace (`Assessment::label`).
            return Some(Status::Behind);
        }
        Status::ALL.into_iter().find(|st| st.key() == s || st.label() == s)
    }

    fn index(self) -> usize {
        match self {
            Status::Completed => 0,
            Status::Ahead => 1,
            Status::OnPace => 2,
            Status::Behind => 3,
            Status::NotStarted => 4,
            Status::Overdue => 5,
        }
    }
}

/// Displays the Chinese label.
impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    Green,
    Yellow,
    Red,
}

impl Colour {
    pub fn key(self) -> &'static str {
        match self {
            Colour::Green => "green",
            Colour::Yellow => "yellow",
            Colour::Red => "red",
        }
    }
}

/// The tolerances of the status rules; settings, since every city draws them differently.
/// Missing fields in stored settings take the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    /// Progress at least this far above pace is 超序时 (default 0.10).
    pub ahead_margin: f64,
    /// Progress more than this far below pace is 滞后 (default 0: any shortfall).
    pub yellow_gap: f64,
    /// 滞后 by more than this is red, otherwise yellow (default 0.30).
    pub red_gap: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { ahead_margin: 0.10, yellow_gap: 0.0, red_gap: 0.30 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub due: NaiveDate,
    /// When it was done; a date after the assessment date does not count yet.
    pub done_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetFact {
    pub spec: TargetSpec,
    pub baseline: Option<f64>,
    /// The latest reported value, if any.
    pub actual: Option<f64>,
}

/// Everything `assess` needs to know about one unit's assignment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignmentFacts {
    pub start: NaiveDate,
    pub deadline: NaiveDate,
    pub targets: Vec<TargetFact>,
    pub milestones: Vec<Milestone>,
    /// Submitted or approved reports so far.
    pub reports: u32,
    /// The status the unit gave itself in its latest report.
    pub self_assessed: Option<Status>,
    /// The unit has declared the work complete.
    pub declared_complete: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub status: Status,
    /// In [0, 1]; `None` when the work has no measure.
    pub progress: Option<f64>,
    /// 序时进度, in [0, 1].
    pub pace: f64,
    pub colour: Colour,
}

/// Shares are computed in floating point; a figure exactly on a threshold (0.8 − 0.5 = 0.3)
/// must land on the side a person computing by hand would put it.
const EPS: f64 = 1e-9;

/// Below this pace an assignment nobody has started is only a warning (yellow).
pub const NOT_STARTED_RED_PACE: f64 = 0.25;

pub(crate) fn compare(progress: f64, pace: f64, th: &Thresholds) -> Status {
    if progress >= pace + th.ahead_margin - EPS {
        Status::Ahead
    } else if progress >= pace - th.yellow_gap - EPS {
        Status::OnPace
    } else {
        Status::Behind
    }
}

fn colour(status: Status, progress: Option<f64>, pace: f64, th: &Thresholds) -> Colour {
    match status {
        Status::Completed | Status::Ahead | Status::OnPace => Colour::Green,
        Status::Behind if pace - progress.unwrap_or(0.0) <= th.red_gap + EPS => Colour::Yellow,
        Status::NotStarted if pace < NOT_STARTED_RED_PACE => Colour::Yellow,
        Status::Behind | Status::NotStarted | Status::Overdue => Colour::Red,
    }
}

impl Assessment {
    /// The label users see: the status's, except that work far behind pace (red) says so in
    /// words — 严重滞后 — so the two degrees of 滞后 differ without relying on colour.
    pub fn label(&self) -> &'static str {
        match (self.status, self.colour) {
            (Status::Behind, Colour::Red) => "严重滞后",
            (status, _) => status.label(),
        }
    }

    /// An assessment with the colour the rules give `status` at this progress and pace.
    pub fn new(status: Status, progress: Option<f64>, pace: f64, th: &Thresholds) -> Assessment {
        Assessment { status, progress, pace, colour: colour(status, progress, pace, th) }
    }
}

fn finish(status: Status, progress: Option<f64>, pace: f64, th: &Thresholds) -> Assessment {
    Assessment::new(status, progress, pace, th)
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The status of one unit's assignment on `as_of` (see the module's rules).
pub fn assess(f: &AssignmentFacts, as_of: NaiveDate, th: &Thresholds) -> Assessment {
    let measured: Vec<f64> =
        f.targets.iter().filter_map(|t| t.actual.map(|a| progress(&t.spec, t.baseline, a))).collect();
    let milestones_done = f.milestones.iter().filter(|m| m.done_on.is_some_and(|d| d <= as_of)).count();
    let progress = mean(&measured)
        .or_else(|| (!f.milestones.is_empty()).then(|| milestones_done as f64 / f.milestones.len() as f64));
    let pace = if f.milestones.is_empty() {
        // Like for like with the progress of the measured targets: a count is due in whole
        // things (target_pace), so 2 of 3 schools at 5/6 of the year is on pace.
        let time = linear_pace(f.start, f.deadline, as_of);
        let paces: Vec<f64> =
            f.targets.iter().filter(|t| t.actual.is_some()).map(|t| target_pace(&t.spec, t.baseline, time)).collect();
        mean(&paces).unwrap_or(time)
    } else {
        milestone_pace(&f.milestones.iter().map(|m| m.due).collect::<Vec<_>>(), as_of)
    };

    let targets_met = f.targets.iter().all(|t| t.actual.is_some_and(|a| reached(&t.spec, a)));
    let milestones_met = milestones_done == f.milestones.len();
    let complete = if f.targets.is_empty() && f.milestones.is_empty() {
        f.declared_complete
    } else {
        targets_met && milestones_met
    };
    if complete {
        return finish(Status::Completed, progress, pace, th);
    }
    if as_of > f.deadline {
        return finish(Status::Overdue, progress, pace, th);
    }
    if f.reports == 0 && progress.is_none_or(|p| p <= 0.0) {
        return finish(Status::NotStarted, progress, pace, th);
    }
    let status = match progress {
        Some(p) => compare(p, pace, th),
        None => match f.self_assessed {
            Some(Status::Completed) | None => Status::OnPace,
            Some(Status::Overdue) => Status::Behind,
            Some(s) => s,
        },
    };
    finish(status, progress, pace, th)
}

/// Counts of statuses, for dashboards and bulletins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    counts: [usize; 6],
}

impl StatusCounts {
    pub fn count(&self, s: Status) -> usize {
        self.counts[s.index()]
    }

    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// How many are on or ahead of pace ([`Status::is_on_pace`]).
    pub fn on_pace(&self) -> usize {
        Status::ALL.into_iter().filter(|s| s.is_on_pace()).map(|s| self.count(s)).sum()
    }

    /// The share on or ahead of pace, as a fraction; `None` when there is nothing to count
    /// (a trend shows a gap, not a zero).
    pub fn on_pace_share(&self) -> Option<f64> {
        let total = self.total();
        (total > 0).then(|| self.on_pace() as f64 / total as f64)
    }

    /// The share of `s` in the total, as a fraction; 0 when there is nothing to count.
    pub fn share(&self, s: Status) -> f64 {
        let total = self.total();
        if total == 0 { 0.0 } else { self.count(s) as f64 / total as f64 }
    }

    pub fn add(&mut self, s: Status) {
        self.counts[s.index()] += 1;
    }

    /// Every status with its count, in `Status::ALL` order (zeros included, so tables line up).
    pub fn iter(&self) -> impl Iterator<Item = (Status, usize)> + '_ {
        Status::ALL.into_iter().map(|s| (s, self.count(s)))
    }
}

impl FromIterator<Status> for StatusCounts {
    fn from_iter<I: IntoIterator<Item = Status>>(iter: I) -> Self {
        let mut c = StatusCounts::default();
        for s in iter {
            c.add(s);
        }
        c
    }
}

impl Extend<Status> for StatusCounts {
    fn extend<I: IntoIterator<Item = Status>>(&mut self, iter: I) {
        for s in iter {
            self.add(s);
        }
    }
}

/// The status of a task (or section, or plan) from its children (see the module's rules).
pub fn roll_up(children: &[Assessment], th: &Thresholds) -> Assessment {
    if children.is_empty() {
        return finish(Status::NotStarted, None, 0.0, th);
    }
    // Progress and pace are averaged over the same children, so the comparison is like for
    // like: a child without a figure must not pull the parent's pace up or down.
    let measured: Vec<&Assessment> = children.iter().filter(|c| c.progress.is_some()).collect();
    let progress = mean(&measured.iter().filter_map(|c| c.progress).collect::<Vec<_>>());
    let pace_over = if measured.is_empty() { children.iter().collect() } else { measured };
    let pace = mean(&pace_over.iter().map(|c| c.pace).collect::<Vec<_>>()).unwrap_or(0.0);
    let status = if children.iter().all(|c| c.status == Status::Completed) {
        Status::Completed
    } else if children.iter().any(|c| c.status == Status::Overdue) {
        Status::Overdue
    } else if children.iter().all(|c| c.status == Status::NotStarted) {
        Status::NotStarted
    } else {
        match progress {
            Some(p) => compare(p, pace, th),
            None => {
                let counts: StatusCounts = children
                    .iter()
                    .map(|c| if c.status == Status::Completed { Status::Ahead } else { c.status })
                    .collect();
                // `max_by_key` keeps the last of equal maxima: list from best to worst.
                [Status::Ahead, Status::OnPace, Status::Behind]
                    .into_iter()
                    .max_by_key(|s| counts.count(*s))
                    .unwrap_or(Status::OnPace)
            }
        }
    };
    finish(status, progress, pace, th)
}

#[cfg(test)]
mod tests {
    #[test]
    fn on_pace_counts_completed_ahead_and_on_pace_and_colours_follow() {
        let mut c = super::StatusCounts::default();
        assert_eq!(c.on_pace_share(), None, "nothing to count is no share, not 0%");
        for s in [super::Status::Completed, super::Status::Ahead, super::Status::OnPace, super::Status::Behind] {
            c.add(s);
        }
        assert_eq!((c.on_pace(), c.on_pace_share()), (3, Some(0.75)));
        assert_eq!(super::Status::NotStarted.colour(), super::Colour::Yellow);
        assert_eq!(super::Status::Overdue.colour(), super::Colour::Red);
        assert!(super::Status::ALL.iter().filter(|s| s.is_on_pace()).all(|s| s.colour() == super::Colour::Green));
    }

    use super::*;
    use crate::target::Comparator;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, day).expect("date")
    }

    fn target(value: f64, actual: Option<f64>) -> TargetFact {
        TargetFact {
            spec: TargetSpec { value, max: None, comparator: Comparator::AtLeast, unit: "个".into() },
            baseline: None,
            actual,
        }
    }

    /// One ≥100 target over 2024.
    fn facts(actual: Option<f64>, reports: u32) -> AssignmentFacts {
        AssignmentFacts {
            start: d(1, 1),
            deadline: d(12, 31),
            targets: vec![target(100.0, actual)],
            milestones: vec![],
            reports,
            self_assessed: None,
            declared_complete: false,
        }
    }

    fn bare(reports: u32) -> AssignmentFacts {
        AssignmentFacts { targets: vec![], ..facts(None, reports) }
    }

    fn ms(due: NaiveDate, done_on: Option<NaiveDate>) -> Milestone {
        Milestone { due, done_on }
    }

    fn status(f: &AssignmentFacts, as_of: NaiveDate) -> Status {
        assess(f, as_of, &Thresholds::default()).status
    }

    #[test]
    fn far_behind_says_so_in_words() {
        let th = Thresholds::default();
        let near = Assessment::new(Status::Behind, Some(0.45), 0.5, &th);
        let far = Assessment::new(Status::Behind, Some(0.05), 0.9, &th);
        assert_eq!((near.colour, near.label()), (Colour::Yellow, "滞后"));
        assert_eq!((far.colour, far.label()), (Colour::Red, "严重滞后"));
        assert_eq!(Assessment::new(Status::OnPace, Some(0.5), 0.5, &th).label(), "序时推进");
    }

    #[test]
    fn labels_keys_and_serde() {
        use serde::de::{IntoDeserializer, value::Error};
        let labels: Vec<&str> = Status::ALL.iter().map(|s| s.label()).collect();
        assert_eq!(labels, ["已完成", "超序时", "序时推进", "滞后", "未启动", "逾期"]);
        for s in Status::ALL {
            assert_eq!(Status::parse(s.key()), Some(s));
            assert_eq!(Status::parse(s.label()), Some(s));
            let back: Result<Status, Error> = Status::deserialize(s.key().into_deserializer());
            assert_eq!(back, Ok(s));
        }
        assert_eq!(Status::parse("done"), None);
        assert_eq!(Status::parse("严重滞后"), Some(Status::Behind));
        let c: Result<Colour, Error> = Colour::deserialize("yellow".into_deserializer());
        assert_eq!(c, Ok(Colour::Yellow));
        assert_eq!(Colour::Red.key(), "red");
    }

    #[test]
    fn every_branch_with_a_target() {
        let mid = d(6, 30); // pace 182/366 ≈ 0.497
        let after = NaiveDate::from_ymd_opt(2025, 1, 2).expect("d");
        assert_eq!(status(&facts(None, 0), mid), Status::NotStarted);
        assert_eq!(status(&facts(Some(0.0), 0), mid), Status::NotStarted);
        assert_eq!(status(&facts(Some(100.0), 3), mid), Status::Completed);
        assert_eq!(status(&facts(Some(70.0), 3), mid), Status::Ahead);
        assert_eq!(status(&facts(Some(52.0), 3), mid), Status::OnPace);
        assert_eq!(status(&facts(Some(30.0), 3), mid), Status::Behind);
        assert_eq!(status(&facts(Some(0.0), 3), mid), Status::Behind, "reported, but nothing to show");
        assert_eq!(status(&facts(Some(30.0), 3), after), Status::Overdue);
        assert_eq!(status(&facts(None, 0), after), Status::Overdue, "overdue beats not started");
        assert_eq!(status(&facts(Some(30.0), 3), d(12, 31)), Status::Behind, "the deadline day is still in time");
        assert_eq!(status(&facts(Some(100.0), 3), after), Status::Completed);
        // A report without figures: started, and nothing says it is behind.
        assert_eq!(status(&facts(None, 1), mid), Status::OnPace);
        // Before the start, pace is 0: any reported progress is ahead.
        let early = AssignmentFacts { start: d(7, 1), ..facts(Some(20.0), 1) };
        assert_eq!(assess(&early, mid, &Thresholds::default()).pace, 0.0);
        assert_eq!(status(&early, mid), Status::Ahead);
    }

    #[test]
    fn progress_is_the_mean_of_measured_targets() {
        let mut f = facts(Some(100.0), 2);
        f.targets.push(target(10.0, Some(2.0)));
        f.targets.push(target(10.0, None));
        let a = assess(&f, d(6, 30), &Thresholds::default());
        assert_eq!(a.progress, Some(0.6), "(1 + 0.2) / 2; the unreported target is not averaged in");
        assert_eq!(a.status, Status::Ahead);
        f.targets[1].actual = Some(10.0);
        assert_eq!(status(&f, d(6, 30)), Status::Ahead, "one target still unreported: not complete");
        f.targets[2].actual = Some(12.0);
        let a = assess(&f, d(6, 30), &Thresholds::default());
        assert_eq!((a.status, a.progress), (Status::Completed, Some(1.0)));
    }

    #[test]
    fn declaration_does_not_override_targets() {
        let f = AssignmentFacts { declared_complete: true, ..facts(Some(30.0), 3) };
        assert_eq!(status(&f, d(6, 30)), Status::Behind);
    }

    #[test]
    fn without_measures_self_assessment_stands() {
        let mut f = bare(2);
        assert_eq!(status(&f, d(6, 30)), Status::OnPace);
        f.self_assessed = Some(Status::Behind);
        assert_eq!(status(&f, d(6, 30)), Status::Behind);
        f.self_assessed = Some(Status::Ahead);
        assert_eq!(status(&f, d(6, 30)), Status::Ahead);
        f.self_assessed = Some(Status::Completed);
        assert_eq!(status(&f, d(6, 30)), Status::OnPace, "completion needs a declaration");
        f.declared_complete = true;
        assert_eq!(status(&f, d(6, 30)), Status::Completed);
        assert_eq!(status(&bare(0), d(6, 30)), Status::NotStarted);
        let a = assess(&bare(2), d(6, 30), &Thresholds::default());
        assert_eq!(a.progress, None);
    }

    #[test]
    fn milestones_set_pace_and_progress() {
        let mut f = bare(2);
        f.milestones = vec![ms(d(3, 31), Some(d(3, 20))), ms(d(6, 30), None)];
        let a = assess(&f, d(4, 1), &Thresholds::default());
        assert_eq!((a.progress, a.pace, a.status), (Some(0.5), 0.5, Status::OnPace));
        // On the due day the milestone is due (pace 1) but not yet missed.
        let a = assess(&f, d(6, 30), &Thresholds::default());
        assert_eq!((a.progress, a.pace, a.status), (Some(0.5), 1.0, Status::Behind));
        // A missed milestone is 滞后, not 逾期: only the deadline makes work overdue.
        let a = assess(&f, d(7, 1), &Thresholds::default());
        assert_eq!((a.status, a.colour), (Status::Behind, Colour::Red), "0.5 behind is beyond red_gap");
        let a = assess(&f, d(12, 31), &Thresholds::default());
        assert_eq!(a.status, Status::Behind, "the deadline day is still in time");
        let a = assess(&f, NaiveDate::from_ymd_opt(2025, 1, 1).expect("d"), &Thresholds::default());
        assert_eq!(a.status, Status::Overdue);
        // Done after `as_of` does not count yet.
        f.milestones[0].done_on = Some(d(4, 10));
        assert_eq!(assess(&f, d(4, 1), &Thresholds::default()).progress, Some(0.0));
        // Done late still counts once done.
        f.milestones = vec![ms(d(3, 31), Some(d(4, 10))), ms(d(6, 30), Some(d(6, 1)))];
        assert_eq!(status(&f, d(7, 1)), Status::Completed);
    }

    #[test]
    fn targets_measure_progress_and_milestones_set_pace() {
        // Targets measure progress (0.8); milestones set pace (0.5 once the first is due).
        let mut f = facts(Some(80.0), 3);
        f.milestones = vec![ms(d(3, 31), None), ms(d(9, 30), Some(d(3, 1)))];
        let a = assess(&f, d(4, 1), &Thresholds::default());
        assert_eq!((a.progress, a.pace, a.status), (Some(0.8), 0.5, Status::Ahead));
        f.targets[0].actual = Some(20.0);
        let a = assess(&f, d(4, 1), &Thresholds::default());
        assert_eq!((a.status, a.colour), (Status::Behind, Colour::Yellow), "exactly 0.3 behind");
        // Every target reached but a milestone still open: not complete.
        f.targets[0].actual = Some(100.0);
        assert_eq!(status(&f, d(4, 1)), Status::Ahead);
        f.milestones[0].done_on = Some(d(4, 1));
        assert_eq!(status(&f, d(4, 1)), Status::Completed);
        // Nothing reported and a milestone missed: still 未启动, and red as pace is past ¼.
        let mut g = bare(0);
        g.milestones = vec![ms(d(3, 31), None)];
        let a = assess(&g, d(4, 1), &Thresholds::default());
        assert_eq!((a.status, a.colour), (Status::NotStarted, Colour::Red));
        assert_eq!(status(&g, d(3, 1)), Status::NotStarted);
    }

    #[test]
    fn self_assessment_cannot_claim_dates() {
        let mut f = bare(2);
        f.self_assessed = Some(Status::Overdue);
        assert_eq!(status(&f, d(6, 30)), Status::Behind, "before the deadline nothing is overdue");
        f.self_assessed = Some(Status::NotStarted);
        assert_eq!(status(&f, d(6, 30)), Status::NotStarted);
        let after = NaiveDate::from_ymd_opt(2025, 1, 1).expect("d");
        assert_eq!(status(&f, after), Status::Overdue);
        f.declared_complete = true;
        assert_eq!(status(&f, after), Status::Completed);
        // Measures outrank the self-assessment.
        let g = AssignmentFacts { self_assessed: Some(Status::Ahead), ..facts(Some(10.0), 2) };
        assert_eq!(status(&g, d(6, 30)), Status::Behind);
    }

    #[test]
    fn thresholds_through_assess() {
        // 100-day span from 1 January: on day n the pace is n/100.
        let f = |actual: f64| AssignmentFacts { deadline: d(4, 9), ..facts(Some(actual), 1) };
        let day = |n: i64| d(1, 1) + chrono::Duration::days(n - 1);
        let th = Thresholds::default();
        let at = |actual: f64, n: i64| {
            let a = assess(&f(actual), day(n), &th);
            (a.status, a.colour)
        };
        assert!((assess(&f(0.0), day(50), &th).pace - 0.5).abs() < 1e-12);
        assert_eq!(at(60.0, 50), (Status::Ahead, Colour::Green), "exactly ahead_margin ahead");
        assert_eq!(at(59.0, 50), (Status::OnPace, Colour::Green));
        assert_eq!(at(50.0, 50), (Status::OnPace, Colour::Green));
        assert_eq!(at(49.0, 50), (Status::Behind, Colour::Yellow));
        assert_eq!(at(20.0, 50), (Status::Behind, Colour::Yellow), "exactly red_gap behind");
        assert_eq!(at(19.0, 50), (Status::Behind, Colour::Red));
        let lenient = Thresholds { yellow_gap: 0.05, ahead_margin: 0.2, red_gap: 0.1 };
        let st = |actual: f64| assess(&f(actual), day(50), &lenient);
        assert_eq!(st(45.0).status, Status::OnPace);
        assert_eq!(st(44.0).status, Status::Behind);
        assert_eq!(st(40.0).colour, Colour::Yellow);
        assert_eq!(st(39.0).colour, Colour::Red);
        assert_eq!(st(69.0).status, Status::OnPace);
        assert_eq!(st(70.0).status, Status::Ahead);
        // Not started: yellow below a quarter of the way, red from it.
        let idle = AssignmentFacts { deadline: d(4, 9), ..facts(None, 0) };
        assert_eq!(assess(&idle, day(24), &th).colour, Colour::Yellow);
        assert_eq!(assess(&idle, day(25), &th).colour, Colour::Red);
    }

    #[test]
    fn a_done_milestone_means_started() {
        let mut f = bare(0);
        f.milestones = vec![ms(d(3, 31), Some(d(3, 1))), ms(d(9, 30), None)];
        assert_eq!(status(&f, d(3, 15)), Status::Ahead);
    }

    #[test]
    fn comparison_boundaries() {
        let th = Thresholds::default();
        assert_eq!(compare(0.6, 0.5, &th), Status::Ahead, "exactly ahead_margin ahead");
        assert_eq!(compare(0.599, 0.5, &th), Status::OnPace);
        assert_eq!(compare(0.5, 0.5, &th), Status::OnPace, "exactly on pace");
        assert_eq!(compare(0.499, 0.5, &th), Status::Behind, "yellow_gap 0: any shortfall");
        let lenient = Thresholds { yellow_gap: 0.05, ..th };
        assert_eq!(compare(0.45, 0.5, &lenient), Status::OnPace);
        assert_eq!(compare(0.449, 0.5, &lenient), Status::Behind);
        // 0.7 + 0.1 is 0.7999999999999999 in floating point; still ahead.
        assert_eq!(compare(0.8, 0.7, &th), Status::Ahead);
    }

    #[test]
    fn colours_at_the_boundaries() {
        let th = Thresholds::default();
        assert_eq!(colour(Status::Behind, Some(0.5), 0.8, &th), Colour::Yellow, "exactly red_gap behind");
        assert_eq!(colour(Status::Behind, Some(0.49), 0.8, &th), Colour::Red);
        assert_eq!(colour(Status::Behind, Some(0.79), 0.8, &th), Colour::Yellow);
        assert_eq!(colour(Status::Behind, None, 0.3, &th), Colour::Yellow);
        assert_eq!(colour(Status::Behind, None, 0.31, &th), Colour::Red);
        assert_eq!(colour(Status::NotStarted, None, 0.0, &th), Colour::Yellow);
        assert_eq!(colour(Status::NotStarted, None, 0.2499, &th), Colour::Yellow);
        assert_eq!(colour(Status::NotStarted, None, 0.25, &th), Colour::Red);
        assert_eq!(colour(Status::Overdue, Some(0.9), 1.0, &th), Colour::Red);
        for s in [Status::Completed, Status::Ahead, Status::OnPace] {
            assert_eq!(colour(s, Some(0.0), 1.0, &th), Colour::Green);
        }
        let strict = Thresholds { red_gap: 0.1, ..th };
        assert_eq!(colour(Status::Behind, Some(0.5), 0.65, &strict), Colour::Red);
        assert_eq!(Assessment::new(Status::Behind, Some(0.5), 0.6, &th).colour, Colour::Yellow);
    }

    #[test]
    fn assessed_colours_follow_the_rules() {
        // Linear pace over 2024 on 30 September: 274/366 ≈ 0.749.
        let th = Thresholds::default();
        assert_eq!(assess(&facts(Some(50.0), 2), d(9, 30), &th).colour, Colour::Yellow);
        assert_eq!(assess(&facts(Some(40.0), 2), d(9, 30), &th).colour, Colour::Red);
        assert_eq!(assess(&facts(None, 0), d(3, 1), &th).colour, Colour::Yellow, "pace ≈ 0.16");
        assert_eq!(assess(&facts(None, 0), d(4, 30), &th).colour, Colour::Red, "pace ≈ 0.33");
    }

    fn a(status: Status, progress: Option<f64>, pace: f64) -> Assessment {
        Assessment::new(status, progress, pace, &Thresholds::default())
    }

    fn up(children: &[Assessment]) -> Assessment {
        roll_up(children, &Thresholds::default())
    }

    #[test]
    fn roll_up_rules() {
        use Status::*;
        assert_eq!(up(&[a(Completed, Some(1.0), 0.5), a(Completed, None, 0.5)]).status, Completed);
        assert_eq!(up(&[a(Completed, Some(1.0), 1.0), a(Overdue, Some(0.2), 1.0)]).status, Overdue);
        assert_eq!(up(&[a(Ahead, Some(1.0), 0.5), a(Overdue, Some(0.9), 0.5)]).status, Overdue);
        assert_eq!(up(&[a(NotStarted, None, 0.5), a(NotStarted, Some(0.0), 0.5)]).status, NotStarted);
        let empty = up(&[]);
        assert_eq!((empty.status, empty.progress, empty.pace), (NotStarted, None, 0.0));
        let mixed = up(&[a(Ahead, Some(0.9), 0.5), a(Behind, Some(0.1), 0.5), a(NotStarted, None, 0.5)]);
        assert_eq!((mixed.status, mixed.progress, mixed.pace), (OnPace, Some(0.5), 0.5));
        // Pace is the mean over the children with progress, like progress itself.
        let r = up(&[a(Ahead, Some(0.6), 0.4), a(OnPace, None, 1.0)]);
        assert_eq!((r.status, r.progress, r.pace), (Ahead, Some(0.6), 0.4));
        // A completed child and a behind one: the mean decides, never 已完成.
        let r = up(&[a(Completed, Some(1.0), 0.5), a(Behind, Some(0.3), 0.9)]);
        assert_eq!((r.status, r.progress), (Behind, Some(0.65)));
        assert_eq!(r.colour, Colour::Yellow, "0.05 behind");
    }

    #[test]
    fn roll_up_without_figures() {
        use Status::*;
        assert_eq!(up(&[a(OnPace, None, 0.5), a(Behind, None, 0.5), a(Behind, None, 0.5)]).status, Behind);
        assert_eq!(up(&[a(OnPace, None, 0.5), a(Behind, None, 0.5)]).status, Behind, "ties go to the worse");
        assert_eq!(up(&[a(Completed, None, 0.5), a(NotStarted, None, 0.5)]).status, Ahead);
        assert_eq!(up(&[a(Completed, None, 0.5), a(OnPace, None, 0.5)]).status, OnPace);
        let r = up(&[a(OnPace, None, 0.2), a(NotStarted, None, 0.6)]);
        assert_eq!((r.status, r.progress, r.pace), (OnPace, None, 0.4));
    }

    #[test]
    fn a_count_is_paced_in_whole_things() {
        // 新建3所幼儿园 over 2024; on 31 October 305/366 of the year has passed (0.83), which
        // prorated is 2.5 kindergartens due. Two built is on pace: 2 are due, not 2.5.
        let count = |value: f64, unit: &str, actual: f64| AssignmentFacts {
            targets: vec![TargetFact {
                spec: TargetSpec { value, max: None, comparator: Comparator::Exactly, unit: unit.into() },
                baseline: None,
                actual: Some(actual),
            }],
            ..facts(None, 9)
        };
        let a = assess(&count(3.0, "所", 2.0), d(10, 31), &Thresholds::default());
        assert_eq!(a.status, Status::OnPace, "{a:?}");
        assert!((a.pace - 2.0 / 3.0).abs() < 1e-12, "the pace is 2 of 3, {}", a.pace);
        // One built is behind; three is complete.
        assert_eq!(assess(&count(3.0, "所", 1.0), d(10, 31), &Thresholds::default()).status, Status::Behind);
        assert_eq!(assess(&count(3.0, "所", 3.0), d(10, 31), &Thresholds::default()).status, Status::Completed);
        // 7 of 10 workshops when 8 are due is behind; a share in % is paced by the calendar.
        let w = assess(&count(10.0, "个", 7.0), d(10, 31), &Thresholds::default());
        assert_eq!((w.status, w.pace), (Status::Behind, 0.8));
        let pct = assess(&count(3.0, "%", 2.0), d(10, 31), &Thresholds::default());
        assert!((pct.pace - 305.0 / 366.0).abs() < 1e-12 && pct.status == Status::Behind);
        // The pace the dashboard shows for an assignment is the one the bulletin pages use.
        let spec = TargetSpec { value: 3.0, max: None, comparator: Comparator::Exactly, unit: "所".into() };
        let due = crate::target::expected_value(&spec, None, linear_pace(d(1, 1), d(12, 31), d(10, 31)));
        assert_eq!(due, 2.0);
        assert_eq!(a.pace, progress(&spec, None, due));
    }

    #[test]
    fn counts_and_shares() {
        use Status::*;
        let c: StatusCounts = [OnPace, OnPace, Behind, Completed].into_iter().collect();
        assert_eq!(c.total(), 4);
        assert_eq!((c.count(OnPace), c.count(Behind), c.count(Completed), c.count(Overdue)), (2, 1, 1, 0));
        assert_eq!((c.share(OnPace), c.share(Behind), c.share(Overdue)), (0.5, 0.25, 0.0));
        let sum: f64 = Status::ALL.iter().map(|s| c.share(*s)).sum();
        assert!((sum - 1.0).abs() < 1e-12);
        let empty = StatusCounts::default();
        assert_eq!((empty.total(), empty.share(Behind)), (0, 0.0));
        let mut c = StatusCounts::from_iter(Status::ALL);
        c.add(Overdue);
        assert_eq!((c.total(), c.count(Overdue), c.count(Ahead)), (7, 2, 1));
    }
}
