//! Year-end scoring of districts (年终考评): a scheme of weighted components built only from
//! the year's data, plus bonus and deduction items entered with a reason, and veto items
//! (一票否决). Pure: the caller gathers each district's facts; `score` turns them into points
//! that can be traced back to the data behind each.
//!
//! The rules:
//! - each component is a ratio in [0, 1] (capped: over-achievement earns no more than the
//!   full weight) times its weight; a component with nothing to measure (no targets, no
//!   milestones scheduled, …) gives its full weight back to the others in proportion, so a
//!   district is not punished for what the plan did not ask of it;
//! - 目标达成 (targets): the mean of the district's assignments' attainment ([`attainment`]),
//!   each item weighted by its section's weight in the scheme (default 1): progress against
//!   where it should be by now, so a mid-year score does not punish work that is on pace, and
//!   a unit that did nothing cannot score on a figure it never reported;
//! - 节点按时 (milestones on time): milestones done by their due date over milestones due;
//! - 按时报送 (reports on time): reports submitted by the due day over reports due;
//! - 一次通过 (reviews passed first time): reports approved without being returned over
//!   reports approved;
//! - 整改及时率 (rectification timeliness, optional, off by default): findings of visits at
//!   the district or its schools rectified by their deadline over those due
//!   ([`crate::rectification::timeliness`]);
//! - bonus points are added and deductions taken off, each with its reason; the total is
//!   kept within [0, max]; a veto sets the total to 0 whatever else;
//! - ranking: by total, ties sharing a rank; a vetoed district ranks last.

use serde::{Deserialize, Serialize};

/// The components a scheme weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    Targets,
    Milestones,
    ReportsOnTime,
    FirstPass,
    /// 整改及时率: findings of visits rectified by their deadline over those due (see
    /// [`crate::rectification::timeliness`]). Optional: not in the default scheme.
    Rectification,
}

impl Component {
    pub const ALL: [Component; 5] = [
        Component::Targets,
        Component::Milestones,
        Component::ReportsOnTime,
        Component::FirstPass,
        Component::Rectification,
    ];

    /// Whether a scheme may leave the component out (weight 0 removes it): the components
    /// built on visits, which not every bureau records.
    pub fn optional(self) -> bool {
        self == Component::Rectification
    }

    pub fn label(self) -> &'static str {
        match self {
            Component::Targets => "目标达成",
            Component::Milestones => "节点按时",
            Component::ReportsOnTime => "按时报送",
            Component::FirstPass => "一次通过",
            Component::Rectification => "整改及时率",
        }
    }
}

/// A scoring scheme: data, versioned by the store; a published result keeps the scheme it
/// was computed with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scheme {
    /// Full marks before bonuses (default 100).
    pub max: f64,
    /// Weights of the components, in points; they should add up to `max`.
    pub weights: Vec<(Component, f64)>,
    /// The most bonus points a district can earn in total.
    pub bonus_cap: f64,
    /// How much each section's items count in 目标达成 (section number → weight; a section
    /// not listed weighs 1). 0 leaves a section out.
    #[serde(default)]
    pub section_weights: Vec<(i64, f64)>,
}

impl Default for Scheme {
    fn default() -> Self {
        Scheme {
            max: 100.0,
            weights: vec![
                (Component::Targets, 60.0),
                (Component::Milestones, 15.0),
                (Component::ReportsOnTime, 15.0),
                (Component::FirstPass, 10.0),
            ],
            bonus_cap: 5.0,
            section_weights: Vec::new(),
        }
    }
}

impl Scheme {
    /// A component's weight in the scheme (0 when it is not weighed).
    pub fn weight(&self, c: Component) -> f64 {
        self.weights.iter().find(|(w, _)| *w == c).map_or(0.0, |(_, w)| *w)
    }

    /// Whether the scheme weighs `c` at all.
    pub fn weighs(&self, c: Component) -> bool {
        self.weights.iter().any(|(w, _)| *w == c)
    }

    /// The weight of a section's items in 目标达成.
    pub fn section_weight(&self, section: i64) -> f64 {
        self.section_weights.iter().find(|(n, _)| *n == section).map_or(1.0, |(_, w)| *w)
    }

    /// Refuses a scheme whose numbers are not sane points: every figure (full marks, weights,
    /// section weights, the bonus cap) must be a number in 0..=[`MAX_POINTS`] (full marks
    /// above 0), so no stored scheme can make the scores overflow into something that cannot
    /// be shown.
    pub fn validate(&self) -> Result<(), String> {
        let sane = |x: f64| x.is_finite() && (0.0..=MAX_POINTS).contains(&x);
        if !(sane(self.max) && self.max > 0.0) {
            return Err(format!("满分须为 0 到 {MAX_POINTS} 之间的正数"));
        }
        if self.weights.iter().any(|(_, w)| !sane(*w)) {
            return Err(format!("权重须为 0 到 {MAX_POINTS} 之间的数"));
        }
        let sum: f64 = self.weights.iter().map(|(_, w)| w).sum();
        if (sum - self.max).abs() > 1e-6 {
            return Err(format!("各项权重之和为 {sum},应等于满分 {}", self.max));
        }
        if self.section_weights.len() > MAX_SECTION_WEIGHTS {
            return Err(format!("部分权重最多 {MAX_SECTION_WEIGHTS} 项"));
        }
        if self.section_weights.iter().any(|(_, w)| !sane(*w)) {
            return Err(format!("部分权重须为 0 到 {MAX_POINTS} 之间的数"));
        }
        if !sane(self.bonus_cap) {
            return Err(format!("加分上限须为 0 到 {MAX_POINTS} 之间的数"));
        }
        Ok(())
    }
}

/// The largest number of points (or the largest weight) a scheme may name.
pub const MAX_POINTS: f64 = 1000.0;

/// The most sections a scheme may weigh (a plan has a handful).
pub const MAX_SECTION_WEIGHTS: usize = 100;

/// A measured share: `done` of `of`, with the items behind it for the drill-down.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Measure {
    pub done: f64,
    pub of: f64,
    /// What was counted, one line each ("8.推进学前教育普及普惠:进度 75.8%").
    pub evidence: Vec<String>,
}

impl Measure {
    pub fn ratio(&self) -> Option<f64> {
        (self.of > 0.0).then(|| (self.done / self.of).clamp(0.0, 1.0))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentKind {
    Bonus,
    Deduction,
    Veto,
}

impl AdjustmentKind {
    pub fn label(self) -> &'static str {
        match self {
            AdjustmentKind::Bonus => "加分",
            AdjustmentKind::Deduction => "扣分",
            AdjustmentKind::Veto => "一票否决",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adjustment {
    pub kind: AdjustmentKind,
    /// Points (ignored for a veto).
    pub points: f64,
    pub reason: String,
}

/// What a district did in the year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistrictFacts {
    pub unit: String,
    pub measures: Vec<(Component, Measure)>,
    pub adjustments: Vec<Adjustment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentScore {
    pub component: Component,
    pub label: String,
    /// The scheme's weight, and the weight after redistributing unmeasured components.
    pub weight: f64,
    pub effective_weight: f64,
    pub ratio: Option<f64>,
    pub points: f64,
    pub measure: Measure,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistrictScore {
    pub unit: String,
    pub components: Vec<ComponentScore>,
    pub base: f64,
    pub bonus: f64,
    pub deduction: f64,
    pub vetoed: bool,
    pub total: f64,
    pub rank: usize,
    pub adjustments: Vec<Adjustment>,
}

fn round2(x: f64) -> f64 {
    // `+ 0.0` turns a negative zero (an empty float sum) into the zero people expect to see.
    (x * 100.0).round() / 100.0 + 0.0
}

/// How much of what was due an assignment has done, in [0, 1]: with a progress figure,
/// progress over pace (序时进度; at year end pace is 1, so it is the progress itself); without
/// one, by status — 已完成, 超序时 and 序时推进 count in full, 滞后 half, 未启动 and 逾期 nothing.
pub fn attainment(status: crate::Status, progress: Option<f64>, pace: f64) -> f64 {
    use crate::Status::*;
    match (status, progress) {
        (Completed, _) => 1.0,
        (NotStarted | Overdue, None) => 0.0,
        (_, Some(p)) if pace > 1e-9 => (p / pace).clamp(0.0, 1.0),
        // At the very start pace is 0: any progress is ahead of it.
        (_, Some(p)) => {
            if p > 0.0 {
                1.0
            } else {
                0.0
            }
        }
        (Ahead | OnPace, None) => 1.0,
        (Behind, None) => 0.5,
    }
}

/// One district's score (rank left at 0; see [`rank`]).
pub fn score(scheme: &Scheme, facts: &DistrictFacts) -> DistrictScore {
    let measured: Vec<(Component, f64, Option<f64>, Measure)> = scheme
        .weights
        .iter()
        .map(|(c, w)| {
            let m = facts.measures.iter().find(|(mc, _)| mc == c).map(|(_, m)| m.clone()).unwrap_or_default();
            (*c, *w, m.ratio(), m)
        })
        .collect();
    let measured_weight: f64 = measured.iter().filter(|x| x.2.is_some()).map(|x| x.1).sum();
    // Unmeasured components' weight goes to the measured ones in proportion.
    let scale = if measured_weight > 0.0 { scheme.max / measured_weight } else { 0.0 };
    let components: Vec<ComponentScore> = measured
        .into_iter()
        .map(|(component, weight, ratio, measure)| {
            let effective_weight = if ratio.is_some() { weight * scale } else { 0.0 };
            ComponentScore {
                component,
                label: component.label().to_string(),
                weight,
                effective_weight: round2(effective_weight),
                ratio,
                points: round2(ratio.unwrap_or(0.0) * effective_weight),
                measure,
            }
        })
        .collect();
    let base = round2(components.iter().map(|c| c.points).sum());
    let bonus = round2(
        facts
            .adjustments
            .iter()
            .filter(|a| a.kind == AdjustmentKind::Bonus)
            .map(|a| a.points.max(0.0))
            .sum::<f64>()
            .min(scheme.bonus_cap),
    );
    let deduction = round2(
        facts.adjustments.iter().filter(|a| a.kind == AdjustmentKind::Deduction).map(|a| a.points.max(0.0)).sum(),
    );
    let vetoed = facts.adjustments.iter().any(|a| a.kind == AdjustmentKind::Veto);
    let total = if vetoed { 0.0 } else { round2((base + bonus - deduction).clamp(0.0, scheme.max + scheme.bonus_cap)) };
    DistrictScore {
        unit: facts.unit.clone(),
        components,
        base,
        bonus,
        deduction,
        vetoed,
        total,
        rank: 0,
        adjustments: facts.adjustments.clone(),
    }
}

/// Scores every district and ranks them: higher total first, equal totals share a rank,
/// vetoed districts last.
pub fn rank(scheme: &Scheme, districts: &[DistrictFacts]) -> Vec<DistrictScore> {
    let mut scores: Vec<DistrictScore> = districts.iter().map(|d| score(scheme, d)).collect();
    scores.sort_by(|a, b| a.vetoed.cmp(&b.vetoed).then(b.total.total_cmp(&a.total)).then(a.unit.cmp(&b.unit)));
    for i in 0..scores.len() {
        scores[i].rank = if i > 0 && scores[i].total == scores[i - 1].total && scores[i].vetoed == scores[i - 1].vetoed
        {
            scores[i - 1].rank
        } else {
            i + 1
        };
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(done: f64, of: f64) -> Measure {
        Measure { done, of, evidence: vec![] }
    }

    fn facts(
        unit: &str,
        targets: f64,
        milestones: Option<(f64, f64)>,
        on_time: (f64, f64),
        first: (f64, f64),
    ) -> DistrictFacts {
        let mut measures = vec![
            (Component::Targets, m(targets, 1.0)),
            (Component::ReportsOnTime, m(on_time.0, on_time.1)),
            (Component::FirstPass, m(first.0, first.1)),
        ];
        if let Some((d, o)) = milestones {
            measures.push((Component::Milestones, m(d, o)));
        }
        DistrictFacts { unit: unit.into(), measures, adjustments: vec![] }
    }

    #[test]
    fn points_are_weights_times_capped_ratios() {
        let s = score(&Scheme::default(), &facts("甲", 0.8, Some((3.0, 4.0)), (10.0, 10.0), (9.0, 10.0)));
        // 60×0.8 + 15×0.75 + 15×1 + 10×0.9 = 48 + 11.25 + 15 + 9
        assert_eq!(s.base, 83.25);
        assert_eq!(s.total, 83.25);
        let over = score(&Scheme::default(), &facts("乙", 1.4, Some((4.0, 4.0)), (10.0, 10.0), (10.0, 10.0)));
        assert_eq!(over.total, 100.0, "over-achievement earns no more than full marks");
    }

    #[test]
    fn an_unmeasured_component_gives_its_weight_to_the_others() {
        let s = score(&Scheme::default(), &facts("甲", 1.0, None, (10.0, 10.0), (10.0, 10.0)));
        let milestones = s.components.iter().find(|c| c.component == Component::Milestones).unwrap();
        assert_eq!((milestones.ratio, milestones.points), (None, 0.0));
        assert_eq!(s.total, 100.0, "nothing asked, nothing lost");
    }

    #[test]
    fn adjustments_bonus_capped_deductions_and_veto() {
        let mut f = facts("甲", 0.5, Some((1.0, 2.0)), (5.0, 10.0), (5.0, 10.0));
        let base = score(&Scheme::default(), &f).total;
        assert_eq!(base, 50.0);
        f.adjustments = vec![
            Adjustment { kind: AdjustmentKind::Bonus, points: 4.0, reason: "省级表彰".into() },
            Adjustment { kind: AdjustmentKind::Bonus, points: 4.0, reason: "国家级经验推广".into() },
            Adjustment { kind: AdjustmentKind::Deduction, points: 2.5, reason: "数据不实".into() },
        ];
        assert_eq!(score(&Scheme::default(), &f).total, 52.5, "50 + min(8, 5) − 2.5");
        f.adjustments.push(Adjustment {
            kind: AdjustmentKind::Veto,
            points: 0.0,
            reason: "发生重大安全责任事故".into(),
        });
        let s = score(&Scheme::default(), &f);
        assert!(s.vetoed);
        assert_eq!(s.total, 0.0);
    }

    #[test]
    fn ranks_share_ties_and_put_vetoes_last() {
        let mut vetoed = facts("丙", 1.0, None, (1.0, 1.0), (1.0, 1.0));
        vetoed.adjustments.push(Adjustment { kind: AdjustmentKind::Veto, points: 0.0, reason: "x".into() });
        let ranked = rank(
            &Scheme::default(),
            &[
                vetoed,
                facts("甲", 0.5, None, (1.0, 1.0), (1.0, 1.0)),
                facts("乙", 0.5, None, (1.0, 1.0), (1.0, 1.0)),
                facts("丁", 0.9, None, (1.0, 1.0), (1.0, 1.0)),
            ],
        );
        let got: Vec<(&str, usize)> = ranked.iter().map(|s| (s.unit.as_str(), s.rank)).collect();
        assert_eq!(got, [("丁", 1), ("乙", 2), ("甲", 2), ("丙", 4)]);
    }

    #[test]
    fn attainment_is_progress_against_pace() {
        use crate::Status::*;
        assert_eq!(attainment(Behind, Some(0.3), 0.6), 0.5);
        assert_eq!(attainment(Ahead, Some(0.9), 0.6), 1.0, "capped");
        assert_eq!(attainment(Completed, None, 0.5), 1.0);
        assert_eq!(attainment(OnPace, None, 0.5), 1.0);
        assert_eq!(attainment(Behind, None, 0.5), 0.5);
        assert_eq!(attainment(NotStarted, None, 0.9), 0.0);
        assert_eq!(attainment(Overdue, Some(0.4), 1.0), 0.4);
        assert_eq!(
            score(&Scheme::default(), &DistrictFacts { unit: "x".into(), measures: vec![], adjustments: vec![] })
                .bonus
                .to_string(),
            "0"
        );
    }

    #[test]
    fn schemes_are_checked() {
        assert!(Scheme::default().validate().is_ok());
        let mut bad = Scheme::default();
        bad.weights[0].1 = 50.0;
        assert!(bad.validate().unwrap_err().contains("之和"));
        let weighted = Scheme { section_weights: vec![(3, 2.0), (8, 0.0)], ..Scheme::default() };
        assert_eq!(
            (weighted.section_weight(3), weighted.section_weight(8), weighted.section_weight(1)),
            (2.0, 0.0, 1.0)
        );
        let bad = Scheme { section_weights: vec![(1, -1.0)], ..Scheme::default() };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn schemes_with_absurd_numbers_are_refused() {
        let huge = Scheme {
            max: 1e308,
            weights: vec![(Component::Targets, 1e308), (Component::Milestones, 0.0)],
            ..Scheme::default()
        };
        assert_eq!(huge.validate(), Err("满分须为 0 到 1000 之间的正数".into()));
        let weight = Scheme { section_weights: vec![(1, 1e308)], ..Scheme::default() };
        assert_eq!(weight.validate(), Err("部分权重须为 0 到 1000 之间的数".into()));
        let bonus = Scheme { bonus_cap: f64::INFINITY, ..Scheme::default() };
        assert!(bonus.validate().is_err());
        let many = Scheme { section_weights: (0..101).map(|n| (n, 1.0)).collect(), ..Scheme::default() };
        assert!(many.validate().is_err());
        let thousand = Scheme { max: 1000.0, weights: vec![(Component::Targets, 1000.0)], ..Scheme::default() };
        assert_eq!(thousand.validate(), Ok(()));
    }
}
