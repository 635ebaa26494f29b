//! Status of an assignment, and its roll-up to tasks, sections and the plan. These are the
//! product's rules; every page, API response and export shows what `assess` and `roll_up`
//! return.
//!
//! - **progress**: the mean progress of the targets that have a reported value; else the
//!   share of milestones done; else none (the work is not measurable by numbers).
//! - **pace** (序时进度): the share of milestones due by now when there are milestones, else
//!   the share of the time from start to deadline elapsed.
//! - **已完成** when every target is reached and every milestone done (with neither, when the
//!   unit declares the work complete).
//! - **逾期** when the deadline has passed and the work is not complete.
//! - **未启动** when nothing has been reported and nothing achieved.
//! - Without any measure, the unit's self-assessment stands (never 已完成 without a
//!   declaration); a unit that reports without one is taken as 序时推进.
//! - Otherwise progress is compared with pace: at least `ahead_margin` ahead is **超序时**;
//!   no more than `yellow_gap` behind is **序时推进**; further behind is **滞后**.
//! - Colours: green for 已完成/超序时/序时推进; 滞后 yellow up to `red_gap` behind pace, red
//!   beyond; 逾期 red; 未启动 yellow while pace is under a quarter, red after.

use crate::pace::{linear_pace, milestone_pace};
use crate::target::{TargetSpec, progress, reached};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

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

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.key() == s || st.label() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub ahead_margin: f64,
    pub yellow_gap: f64,
    pub red_gap: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { ahead_margin: 0.10, yellow_gap: 0.0, red_gap: 0.30 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Milestone {
    pub due: NaiveDate,
    pub done_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TargetFact {
    pub spec: TargetSpec,
    pub baseline: Option<f64>,
    /// The latest reported value, if any.
    pub actual: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentFacts {
    pub start: NaiveDate,
    pub deadline: NaiveDate,
    pub targets: Vec<TargetFact>,
    pub milestones: Vec<Milestone>,
    /// Submitted or approved reports so far.
    pub reports: u32,
    pub self_assessed: Option<Status>,
    pub declared_complete: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub status: Status,
    pub progress: Option<f64>,
    pub pace: f64,
    pub colour: Colour,
}

/// Shares are computed in floating point; a figure exactly on a threshold (0.8 − 0.5 = 0.3)
/// must land on the side a person computing by hand would put it.
const EPS: f64 = 1e-9;

fn compare(progress: f64, pace: f64, th: &Thresholds) -> Status {
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
        Status::NotStarted if pace < 0.25 => Colour::Yellow,
        _ => Colour::Red,
    }
}

fn finish(status: Status, progress: Option<f64>, pace: f64, th: &Thresholds) -> Assessment {
    Assessment { status, progress, pace, colour: colour(status, progress, pace, th) }
}

/// The status of one unit's assignment on `as_of` (see the module's rules).
pub fn assess(f: &AssignmentFacts, as_of: NaiveDate, th: &Thresholds) -> Assessment {
    let measured: Vec<f64> =
        f.targets.iter().filter_map(|t| t.actual.map(|a| progress(&t.spec, t.baseline, a))).collect();
    let milestones_done = f.milestones.iter().filter(|m| m.done_on.is_some_and(|d| d <= as_of)).count();
    let progress = if !measured.is_empty() {
        Some(measured.iter().sum::<f64>() / measured.len() as f64)
    } else if !f.milestones.is_empty() {
        Some(milestones_done as f64 / f.milestones.len() as f64)
    } else {
        None
    };
    let pace = if f.milestones.is_empty() {
        linear_pace(f.start, f.deadline, as_of)
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
            Some(s) => s,
        },
    };
    finish(status, progress, pace, th)
}

/// Counts of statuses, for dashboards and bulletins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusCounts {
    counts: [usize; 6],
}

impl StatusCounts {
    pub fn count(&self, s: Status) -> usize {
        self.counts[Status::ALL.iter().position(|x| *x == s).unwrap_or(0)]
    }

    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// The share of `s` in the total, 0 when there is nothing to count.
    pub fn share(&self, s: Status) -> f64 {
        let total = self.total();
        if total == 0 { 0.0 } else { self.count(s) as f64 / total as f64 }
    }

    pub fn add(&mut self, s: Status) {
        if let Some(i) = Status::ALL.iter().position(|x| *x == s) {
            self.counts[i] += 1;
        }
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

/// The status of a task (or section, or plan) from its children: complete when all are;
/// overdue when any is; not started when none has started; otherwise the children's mean
/// progress against their mean pace.
pub fn roll_up(children: &[Assessment], th: &Thresholds) -> Assessment {
    if children.is_empty() {
        return finish(Status::NotStarted, None, 0.0, th);
    }
    let pace = children.iter().map(|c| c.pace).sum::<f64>() / children.len() as f64;
    let with_progress: Vec<f64> = children.iter().filter_map(|c| c.progress).collect();
    let progress = (!with_progress.is_empty()).then(|| with_progress.iter().sum::<f64>() / with_progress.len() as f64);
    let status = if children.iter().all(|c| c.status == Status::Completed) {
        Status::Completed
    } else if children.iter().any(|c| c.status == Status::Overdue) {
        Status::Overdue
    } else if children.iter().all(|c| c.status == Status::NotStarted) {
        Status::NotStarted
    } else {
        match progress {
            Some(p) => compare(p, pace, th),
            // No numbers: the most common status of the children that have started.
            None => {
                let counts: StatusCounts =
                    children.iter().map(|c| c.status).filter(|s| *s != Status::NotStarted).collect();
                [Status::Behind, Status::OnPace, Status::Ahead, Status::Completed]
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
    use super::*;
    use crate::target::Comparator;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, day).expect("date")
    }

    fn facts(actual: Option<f64>, reports: u32) -> AssignmentFacts {
        AssignmentFacts {
            start: d(1, 1),
            deadline: d(12, 31),
            targets: vec![TargetFact {
                spec: TargetSpec { value: 100.0, max: None, comparator: Comparator::AtLeast, unit: "个".into() },
                baseline: None,
                actual,
            }],
            milestones: vec![],
            reports,
            self_assessed: None,
            declared_complete: false,
        }
    }

    fn status(f: &AssignmentFacts, as_of: NaiveDate) -> Status {
        assess(f, as_of, &Thresholds::default()).status
    }

    #[test]
    fn every_branch() {
        let mid = d(6, 30); // pace 182/366 ≈ 0.497
        assert_eq!(status(&facts(None, 0), mid), Status::NotStarted);
        assert_eq!(status(&facts(Some(100.0), 3), mid), Status::Completed);
        assert_eq!(status(&facts(Some(70.0), 3), mid), Status::Ahead);
        assert_eq!(status(&facts(Some(52.0), 3), mid), Status::OnPace);
        assert_eq!(status(&facts(Some(30.0), 3), mid), Status::Behind);
        assert_eq!(status(&facts(Some(30.0), 3), NaiveDate::from_ymd_opt(2025, 1, 2).expect("d")), Status::Overdue);
        assert_eq!(status(&facts(Some(100.0), 3), NaiveDate::from_ymd_opt(2025, 1, 2).expect("d")), Status::Completed);
        // A report without figures: not "not started" any more.
        assert_eq!(status(&facts(None, 1), mid), Status::OnPace);
    }

    #[test]
    fn without_measures_self_assessment_stands() {
        let mut f = facts(None, 2);
        f.targets.clear();
        assert_eq!(status(&f, d(6, 30)), Status::OnPace);
        f.self_assessed = Some(Status::Behind);
        assert_eq!(status(&f, d(6, 30)), Status::Behind);
        f.self_assessed = Some(Status::Completed);
        assert_eq!(status(&f, d(6, 30)), Status::OnPace, "completion needs a declaration");
        f.declared_complete = true;
        assert_eq!(status(&f, d(6, 30)), Status::Completed);
    }

    #[test]
    fn milestones_set_pace_and_progress() {
        let mut f = facts(None, 2);
        f.targets.clear();
        f.milestones =
            vec![Milestone { due: d(3, 31), done_on: Some(d(3, 20)) }, Milestone { due: d(6, 30), done_on: None }];
        let a = assess(&f, d(7, 1), &Thresholds::default());
        assert_eq!((a.progress, a.pace, a.status), (Some(0.5), 1.0, Status::Behind));
        assert_eq!(a.colour, Colour::Red, "0.5 behind is beyond the red gap");
        let a = assess(&f, d(4, 1), &Thresholds::default());
        assert_eq!(a.status, Status::OnPace);
    }

    #[test]
    fn colours_at_the_boundaries() {
        let th = Thresholds::default();
        assert_eq!(colour(Status::Behind, Some(0.5), 0.8, &th), Colour::Yellow); // exactly 0.30 behind
        assert_eq!(colour(Status::Behind, Some(0.49), 0.8, &th), Colour::Red);
        assert_eq!(colour(Status::NotStarted, None, 0.2, &th), Colour::Yellow);
        assert_eq!(colour(Status::NotStarted, None, 0.25, &th), Colour::Red);
        assert_eq!(colour(Status::Overdue, Some(0.9), 1.0, &th), Colour::Red);
        assert_eq!(colour(Status::OnPace, Some(0.5), 0.5, &th), Colour::Green);
        // Ahead exactly at the margin.
        assert_eq!(compare(0.6, 0.5, &th), Status::Ahead);
        assert_eq!(compare(0.5, 0.5, &th), Status::OnPace);
    }

    #[test]
    fn roll_up_rules_and_counts() {
        let th = Thresholds::default();
        let a = |status, progress, pace| finish(status, progress, pace, &th);
        assert_eq!(
            roll_up(&[a(Status::Completed, Some(1.0), 0.5), a(Status::Completed, Some(1.0), 0.5)], &th).status,
            Status::Completed
        );
        assert_eq!(
            roll_up(&[a(Status::Completed, Some(1.0), 1.0), a(Status::Overdue, Some(0.2), 1.0)], &th).status,
            Status::Overdue
        );
        assert_eq!(
            roll_up(&[a(Status::NotStarted, None, 0.5), a(Status::NotStarted, None, 0.5)], &th).status,
            Status::NotStarted
        );
        let mixed = roll_up(
            &[a(Status::Ahead, Some(0.9), 0.5), a(Status::Behind, Some(0.1), 0.5), a(Status::NotStarted, None, 0.5)],
            &th,
        );
        assert_eq!((mixed.status, mixed.progress), (Status::OnPace, Some(0.5)));
        assert_eq!(roll_up(&[], &th).status, Status::NotStarted);
        let c: StatusCounts = [Status::OnPace, Status::OnPace, Status::Behind, Status::Completed].into_iter().collect();
        assert_eq!((c.total(), c.count(Status::OnPace), c.share(Status::Behind)), (4, 2, 0.25));
        assert_eq!(StatusCounts::default().share(Status::Behind), 0.0);
        assert_eq!(Status::parse("滞后"), Some(Status::Behind));
        assert_eq!(Status::parse("on_pace"), Some(Status::OnPace));
    }
}
