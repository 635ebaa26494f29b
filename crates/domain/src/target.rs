//! Quantitative targets: how far a reported value goes towards one, and which values are
//! acceptable at all.
//!
//! Degenerate input never yields NaN; the choices, so that the numbers stay explainable:
//! - a non-finite reported value makes no progress (0) and reaches nothing;
//! - a non-finite target value cannot be reached, so progress towards it is 0;
//! - a target of 0 or below is reached by any actual at or beyond it (progress 1), otherwise
//!   progress is 0, since a share of nothing has no meaning;
//! - a baseline that is non-finite, or already at or beyond the target, is ignored: it gives
//!   no span to measure along, and the plain ratio is the honest fallback.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Comparator {
    /// 不低于 / 达到: more is fine.
    #[serde(rename = ">=")]
    AtLeast,
    /// 不超过 / 控制在: e.g. class size ≤ 45.
    #[serde(rename = "<=")]
    AtMost,
    /// A count to deliver, e.g. 新建 3 所; delivering more still meets it.
    #[serde(rename = "=")]
    Exactly,
    /// 左右 / 约: reached at 95% of the value.
    #[serde(rename = "~")]
    About,
    /// value..=max; reached at the lower bound.
    #[serde(rename = "range")]
    Range,
}

impl Comparator {
    pub const ALL: [Comparator; 5] =
        [Comparator::AtLeast, Comparator::AtMost, Comparator::Exactly, Comparator::About, Comparator::Range];

    /// Parses the stored symbol; also the full-width signs people type in documents.
    pub fn parse(s: &str) -> Option<Comparator> {
        Some(match s.trim() {
            ">=" | "≥" => Comparator::AtLeast,
            "<=" | "≤" => Comparator::AtMost,
            "=" | "==" => Comparator::Exactly,
            "~" | "约" => Comparator::About,
            "range" => Comparator::Range,
            _ => return None,
        })
    }

    /// The comparator of a stored target, read as a floor when the symbol is missing or
    /// unknown: a target without a stated comparison is something to reach ("新建幼儿园3所").
    /// The one reading every page, export and status uses.
    pub fn parse_or_floor(s: &str) -> Comparator {
        Comparator::parse(s).unwrap_or(Comparator::AtLeast)
    }

    /// The stored symbol, the inverse of `parse` (and of the serde form).
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::AtLeast => ">=",
            Comparator::AtMost => "<=",
            Comparator::Exactly => "=",
            Comparator::About => "~",
            Comparator::Range => "range",
        }
    }
}

impl Comparator {
    /// How a target reads to people: "≥ 57%", "约 800个", "1—2所".
    pub fn describe(self, value: f64, max: Option<f64>, unit: &str) -> String {
        let n = |x: f64| {
            if (x - x.round()).abs() < 1e-9 { format!("{}", x.round() as i64) } else { format!("{x}") }
        };
        match (self, max) {
            (Comparator::Range, Some(m)) => format!("{}—{}{unit}", n(value), n(m)),
            (Comparator::AtLeast, _) => format!("≥ {}{unit}", n(value)),
            (Comparator::AtMost, _) => format!("≤ {}{unit}", n(value)),
            (Comparator::About, _) => format!("约 {}{unit}", n(value)),
            _ => format!("{}{unit}", n(value)),
        }
    }
}

impl fmt::Display for Comparator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// A quantitative target of a plan item (新建3所, ≥57%, ≤45人).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSpec {
    /// The target value; for a range, its lower bound.
    pub value: f64,
    /// The upper bound of a range; informative only, reaching the lower bound meets the target.
    pub max: Option<f64>,
    pub comparator: Comparator,
    pub unit: String,
}

/// "About" targets (800个左右) count as reached within this share below the value.
const ABOUT_TOLERANCE: f64 = 0.05;

/// Whether `actual` meets the target.
///
/// - `>=`, `=` and `range`: at least the value. Overshooting an exact target (建成3所, four
///   built) or a range's upper bound still meets it — the plans set floors, and a unit that
///   does more has not failed; `max` is kept for display only.
/// - `~`: at least 95% of the value (within 5% of its size below it, for negative values).
/// - `<=`: at most the value.
///
/// A value or target that is not a finite number never meets anything.
pub fn reached(spec: &TargetSpec, actual: f64) -> bool {
    if !actual.is_finite() || !spec.value.is_finite() {
        return false;
    }
    match spec.comparator {
        Comparator::AtLeast | Comparator::Exactly | Comparator::Range => actual >= spec.value,
        Comparator::About => actual >= spec.value - spec.value.abs() * ABOUT_TOLERANCE,
        Comparator::AtMost => actual <= spec.value,
    }
}

/// The share of the target achieved, in [0, 1] and never NaN.
///
/// - A reached target (see [`reached`]) is 1, so an "about" target is complete at 95%.
/// - Rising targets (`>=`, `=`, `~`, `range`, which counts towards its lower bound `value`):
///   `actual / value`; with a baseline below the value, `(actual − baseline) / (value −
///   baseline)`, so a share that must rise from 50% to 57% is 0 at 50% and ½ at 53.5%, not
///   0.88 at 50%.
/// - Falling targets (`<=`, e.g. class size ≤ 45): with a baseline above the value,
///   `(baseline − actual) / (baseline − value)`; without one nothing measures the way down,
///   so an unmet ceiling is 0.
///
/// Degenerate input, decided so no figure is ever NaN or infinite: a non-finite actual or
/// target is 0; a non-finite baseline, or one already on the far side of the target, is
/// ignored; a rising target of zero or below that is not reached is 0 (there is no share of
/// nothing to be partway through).
pub fn progress(spec: &TargetSpec, baseline: Option<f64>, actual: f64) -> f64 {
    if !actual.is_finite() || !spec.value.is_finite() {
        return 0.0;
    }
    if reached(spec, actual) {
        return 1.0;
    }
    let goal = spec.value;
    let share = match (spec.comparator, baseline.filter(|b| b.is_finite())) {
        (Comparator::AtMost, Some(b)) if b > goal => (b - actual) / (b - goal),
        (Comparator::AtMost, _) => 0.0,
        (_, Some(b)) if b < goal => (actual - b) / (goal - b),
        _ if goal > 0.0 => actual / goal,
        _ => 0.0,
    };
    // Overflow (a baseline of -1e308) is the only way to get here with a non-finite share.
    if share.is_finite() { share.clamp(0.0, 1.0) } else { 0.0 }
}

/// Units that count whole things: a target in them is never prorated into a fraction.
const COUNT_UNITS: &str = "个所人家场次项名座间套台批期篇门支户位本部件条处校园班节课张辆届轮";

/// Whether `unit` counts whole things (个, 所, 人, 人次, 家 …): made only of count words.
pub fn is_count_unit(unit: &str) -> bool {
    let u = unit.trim();
    !u.is_empty() && u.chars().all(|c| COUNT_UNITS.contains(c))
}

/// Where the value of a target should be when a share `pace` of its time has passed (序时应达):
/// the baseline (or 0) plus `pace` of the way to the target; for a ceiling with a baseline above
/// it, the baseline minus `pace` of the way down (without one, the ceiling itself). A count is
/// paced in whole things: rounded down on the way up, up on the way down — half of 3
/// kindergartens is 1 due, never 1.5.
pub fn expected_value(spec: &TargetSpec, baseline: Option<f64>, pace: f64) -> f64 {
    let goal = spec.value;
    let ceiling = spec.comparator == Comparator::AtMost;
    let raw = match (ceiling, baseline.filter(|b| b.is_finite())) {
        (true, Some(b)) if b > goal => b - (b - goal) * pace,
        (true, _) => goal,
        (false, Some(b)) if b < goal => b + (goal - b) * pace,
        _ => goal * pace,
    };
    // The tolerance keeps 3 × 0.6666… = 1.9999… at 2.
    match (is_count_unit(&spec.unit), ceiling) {
        (true, false) => (raw + 1e-9).floor(),
        (true, true) => (raw - 1e-9).ceil(),
        (false, _) => raw,
    }
}

/// The pace of one target in terms of its own progress, so the two compare like for like:
/// the [`progress`] its [`expected_value`] would make. For a count this is whole things (2 of
/// 3 kindergartens due is 2/3, not the 0.83 of the year gone); for anything else, and for a
/// ceiling without a baseline (met or not, nothing to prorate), the time `pace` itself.
pub fn target_pace(spec: &TargetSpec, baseline: Option<f64>, pace: f64) -> f64 {
    let measurable_ceiling = baseline.is_some_and(|b| b.is_finite() && b > spec.value);
    if !is_count_unit(&spec.unit) || (spec.comparator == Comparator::AtMost && !measurable_ceiling) {
        return pace;
    }
    progress(spec, baseline, expected_value(spec, baseline, pace))
}

/// The largest figure any report may carry, whatever its unit (a count of people, schools,
/// square metres…): beyond it a figure is a typo or an attack, not a city's education.
pub const MAX_VALUE: f64 = 1e9;

/// The largest sum of money in 元 (money in 万元 or 亿元 is bounded by [`MAX_VALUE`]).
pub const MAX_YUAN: f64 = 1e12;

/// A count or amount may exceed its target, but not by more than this factor.
pub const MAX_TIMES_TARGET: f64 = 1000.0;

/// Refuses values no report should carry: non-finite or negative numbers; percentages beyond
/// 150 (gross enrolment ratios may pass 100, nothing sane passes 150), per-mille figures
/// beyond 1000, percentage points beyond 100; and any other figure beyond
/// [`MAX_TIMES_TARGET`] times its target (at least 1000 itself, so a target of 0 still
/// admits a small count) or beyond [`MAX_VALUE`] (money in 元: [`MAX_YUAN`]). One function
/// for reports and for targets broken down by unit, so "1e308 个" cannot complete a "10 个"
/// target anywhere.
pub fn validate_value(spec: &TargetSpec, value: f64) -> Result<(), String> {
    if !value.is_finite() {
        return Err("请填写有效的数字".into());
    }
    if value < 0.0 {
        return Err("数值不能为负数".into());
    }
    let unit = spec.unit.trim();
    // "1e308", not three hundred digits, in a message.
    let shown = |x: f64| if x.abs() >= 1e15 { format!("{x:e}") } else { format!("{x}") };
    let out_of_range = |limit: f64| format!("数值 {} 超出合理范围(0—{limit}{unit})", shown(value));
    match unit {
        "%" | "％" if value > 150.0 => return Err(format!("百分比数值 {value} 超出合理范围（0—150）")),
        "%" | "％" => return Ok(()),
        "‰" if value > 1000.0 => return Err(out_of_range(1000.0)),
        "个百分点" | "百分点" if value > 100.0 => return Err(out_of_range(100.0)),
        "‰" | "个百分点" | "百分点" => return Ok(()),
        _ => {}
    }
    let absolute = if unit == "元" { MAX_YUAN } else { MAX_VALUE };
    // The target's size: the larger end of a range; a non-finite target gives no bound of
    // its own (the absolute one still holds).
    let target = spec.max.filter(|m| m.is_finite()).unwrap_or(0.0).max(spec.value.abs());
    let relative = if target.is_finite() { (target * MAX_TIMES_TARGET).max(1000.0) } else { absolute };
    let limit = relative.min(absolute);
    if value > limit {
        return Err(format!(
            "数值 {} 超出合理范围(不超过目标的 {MAX_TIMES_TARGET} 倍,即 {}{unit})",
            shown(value),
            shown(limit)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {

    #[test]
    fn targets_read_as_people_write_them() {
        assert_eq!(Comparator::AtLeast.describe(57.0, None, "%"), "≥ 57%");
        assert_eq!(Comparator::About.describe(800.0, None, "个"), "约 800个");
        assert_eq!(Comparator::Range.describe(1.0, Some(2.0), "所"), "1—2所");
        assert_eq!(Comparator::AtMost.describe(0.5, None, ""), "≤ 0.5");
        assert_eq!(Comparator::Exactly.describe(3.0, None, "所"), "3所");
    }

    use super::*;

    fn spec(value: f64, comparator: Comparator) -> TargetSpec {
        TargetSpec { value, max: None, comparator, unit: "所".into() }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn comparator_symbols_round_trip() {
        use serde::de::{IntoDeserializer, value::Error};
        for c in Comparator::ALL {
            assert_eq!(Comparator::parse(c.symbol()), Some(c));
            assert_eq!(c.to_string(), c.symbol());
            let de: Result<Comparator, Error> = Comparator::deserialize(c.symbol().into_deserializer());
            assert_eq!(de, Ok(c), "serde uses the same symbol");
        }
        assert_eq!(Comparator::parse("≥"), Some(Comparator::AtLeast));
        assert_eq!(Comparator::parse("≤"), Some(Comparator::AtMost));
        assert_eq!(Comparator::parse(">"), None);
        assert_eq!(Comparator::parse("?"), None);
    }

    #[test]
    fn at_least_without_and_with_baseline() {
        let s = spec(3.0, Comparator::AtLeast);
        assert_eq!(progress(&s, None, 1.5), 0.5);
        assert_eq!(progress(&s, None, 4.0), 1.0);
        assert_eq!(progress(&s, None, -1.0), 0.0);
        let pct = TargetSpec { value: 57.0, max: None, comparator: Comparator::AtLeast, unit: "%".into() };
        assert_eq!(progress(&pct, Some(50.0), 50.0), 0.0);
        assert!(close(progress(&pct, Some(50.0), 53.5), 0.5));
        assert_eq!(progress(&pct, Some(50.0), 45.0), 0.0, "falling below the baseline is no progress");
        assert_eq!(progress(&pct, Some(50.0), 57.0), 1.0);
        assert!(close(progress(&pct, None, 28.5), 0.5));
        assert!(close(progress(&pct, Some(60.0), 28.5), 0.5), "a baseline past the target is ignored");
    }

    #[test]
    fn exactly_without_and_with_baseline() {
        let s = spec(3.0, Comparator::Exactly);
        assert_eq!(progress(&s, None, 1.5), 0.5);
        assert_eq!(progress(&s, None, 4.0), 1.0, "more than asked still meets it");
        assert!(reached(&s, 3.0));
        assert!(!reached(&s, 2.0));
        assert!(close(progress(&spec(10.0, Comparator::Exactly), Some(4.0), 7.0), 0.5));
    }

    #[test]
    fn about_without_and_with_baseline() {
        let s = spec(800.0, Comparator::About);
        assert_eq!(progress(&s, None, 400.0), 0.5);
        assert!(!reached(&s, 759.0));
        assert!(reached(&s, 760.0), "95% of 800");
        assert_eq!(progress(&s, None, 760.0), 1.0);
        assert!(close(progress(&s, None, 752.0), 0.94));
        assert!(close(progress(&s, Some(200.0), 500.0), 0.5));
        // For a negative value the 5% tolerance is taken on its size.
        assert!(reached(&spec(-100.0, Comparator::About), -105.0));
        assert!(!reached(&spec(-100.0, Comparator::About), -106.0));
    }

    #[test]
    fn range_without_and_with_baseline() {
        let s = TargetSpec { value: 2000.0, max: Some(3000.0), comparator: Comparator::Range, unit: "个".into() };
        assert_eq!(progress(&s, None, 1000.0), 0.5);
        assert_eq!(progress(&s, None, 0.0), 0.0);
        assert!(reached(&s, 2000.0));
        assert!(reached(&s, 3500.0), "beyond the upper bound is still reached");
        assert_eq!(progress(&s, None, 2500.0), 1.0);
        assert!(close(progress(&s, Some(1000.0), 1500.0), 0.5));
    }

    #[test]
    fn at_most_without_and_with_baseline() {
        let s = spec(45.0, Comparator::AtMost);
        assert_eq!(progress(&s, None, 44.0), 1.0);
        assert_eq!(progress(&s, None, 45.0), 1.0);
        assert_eq!(progress(&s, None, 50.0), 0.0);
        assert!(close(progress(&s, Some(55.0), 50.0), 0.5));
        assert_eq!(progress(&s, Some(55.0), 60.0), 0.0, "worse than the baseline");
        assert_eq!(progress(&s, Some(40.0), 50.0), 0.0, "a baseline already under the ceiling gives no span");
        assert!(reached(&s, 45.0) && !reached(&s, 45.5));
    }

    #[test]
    fn zero_negative_and_non_finite_targets() {
        assert_eq!(progress(&spec(0.0, Comparator::AtLeast), None, 0.0), 1.0);
        assert_eq!(progress(&spec(0.0, Comparator::AtLeast), None, -1.0), 0.0);
        assert_eq!(progress(&spec(0.0, Comparator::AtMost), None, 0.0), 1.0);
        assert_eq!(progress(&spec(0.0, Comparator::AtMost), None, 1.0), 0.0);
        assert_eq!(progress(&spec(0.0, Comparator::About), None, 0.0), 1.0);
        assert_eq!(progress(&spec(-5.0, Comparator::AtLeast), None, -10.0), 0.0);
        assert_eq!(progress(&spec(f64::NAN, Comparator::AtLeast), None, 1.0), 0.0);
        assert_eq!(progress(&spec(f64::INFINITY, Comparator::AtLeast), None, 3.0), 0.0);
        assert_eq!(progress(&spec(f64::INFINITY, Comparator::AtMost), None, 1.0), 0.0);
        assert!(!reached(&spec(f64::INFINITY, Comparator::AtMost), 1.0));
    }

    #[test]
    fn degenerate_actuals_and_baselines() {
        let s = spec(3.0, Comparator::AtLeast);
        assert_eq!(progress(&s, None, f64::NAN), 0.0);
        assert_eq!(progress(&s, None, f64::INFINITY), 0.0);
        assert!(!reached(&s, f64::INFINITY) && !reached(&s, f64::NAN));
        assert_eq!(progress(&s, Some(3.0), 2.0), 2.0 / 3.0, "baseline at the target is ignored");
        assert_eq!(progress(&s, Some(f64::NAN), 1.5), 0.5, "a NaN baseline is ignored");
        let huge = spec(f64::MAX, Comparator::AtLeast);
        assert_eq!(progress(&huge, Some(-f64::MAX), 0.0), 0.0, "an overflowing span gives 0, not NaN");
    }

    #[test]
    fn validation() {
        let pct = TargetSpec { value: 57.0, max: None, comparator: Comparator::AtLeast, unit: "%".into() };
        assert!(validate_value(&pct, 0.0).is_ok());
        assert!(validate_value(&pct, 102.3).is_ok(), "gross enrolment ratios pass 100");
        assert!(validate_value(&pct, 150.0).is_ok());
        assert_eq!(validate_value(&pct, 180.0), Err("百分比数值 180 超出合理范围（0—150）".into()));
        assert_eq!(validate_value(&pct, -1.0), Err("数值不能为负数".into()));
        assert_eq!(validate_value(&pct, f64::INFINITY), Err("请填写有效的数字".into()));
        assert_eq!(validate_value(&pct, f64::NAN), Err("请填写有效的数字".into()));
        assert!(validate_value(&spec(3.0, Comparator::AtLeast), 180.0).is_ok(), "only percentages are capped at 150");
    }

    #[test]
    fn counts_are_expected_in_whole_things() {
        let s = |value, comparator, unit: &str| TargetSpec { value, max: None, comparator, unit: unit.into() };
        let kindergartens = s(3.0, Comparator::Exactly, "所");
        assert_eq!(expected_value(&kindergartens, None, 305.0 / 366.0), 2.0, "not 2.5");
        assert_eq!(expected_value(&kindergartens, None, 2.0 / 3.0), 2.0, "3 × ⅔ is 2, not 1.999…");
        assert_eq!(expected_value(&kindergartens, None, 1.0), 3.0);
        assert_eq!(expected_value(&s(1400.0, Comparator::AtLeast, "人"), None, 305.0 / 366.0), 1166.0);
        // Coming down from 55 to 45 people a class: rounded up, the side not yet reached.
        assert_eq!(expected_value(&s(45.0, Comparator::AtMost, "人"), Some(55.0), 0.55), 50.0);
        assert_eq!(expected_value(&s(45.0, Comparator::AtMost, "人"), None, 0.5), 45.0);
        // Shares are not counts: prorated as they are.
        assert!(close(expected_value(&s(57.0, Comparator::AtLeast, "%"), Some(50.0), 0.5), 53.5));
        assert!(is_count_unit("人次") && is_count_unit(" 所 ") && !is_count_unit("%") && !is_count_unit("万元"));
        assert!(!is_count_unit(""));
        // The pace of a count target in its own terms.
        assert!(close(target_pace(&kindergartens, None, 305.0 / 366.0), 2.0 / 3.0));
        assert_eq!(target_pace(&s(57.0, Comparator::AtLeast, "%"), Some(50.0), 0.4), 0.4);
        assert_eq!(target_pace(&s(45.0, Comparator::AtMost, "人"), None, 0.4), 0.4, "a bare ceiling: time");
        assert!(close(target_pace(&s(45.0, Comparator::AtMost, "人"), Some(55.0), 0.55), 0.5));
    }

    #[test]
    fn values_are_bounded_by_unit_and_target() {
        let count = TargetSpec { value: 10.0, max: None, comparator: Comparator::Exactly, unit: "个".into() };
        assert!(validate_value(&count, 12.0).is_ok());
        assert!(validate_value(&count, 10_000.0).is_ok(), "1000 times the target");
        assert_eq!(
            validate_value(&count, 1e308),
            Err("数值 1e308 超出合理范围(不超过目标的 1000 倍,即 10000个)".into())
        );
        assert!(validate_value(&count, 10_001.0).is_err());
        let zero = TargetSpec { value: 0.0, max: None, comparator: Comparator::AtMost, unit: "起".into() };
        assert!(validate_value(&zero, 3.0).is_ok(), "a target of 0 still admits a small count");
        assert!(validate_value(&zero, 1001.0).is_err());
        let big = TargetSpec { value: 5e8, max: None, comparator: Comparator::AtLeast, unit: "人".into() };
        assert!(validate_value(&big, 1e9).is_ok());
        assert!(validate_value(&big, 1.5e9).is_err(), "never beyond a billion");
        let yuan = TargetSpec { value: 5e9, max: None, comparator: Comparator::AtLeast, unit: "元".into() };
        assert!(validate_value(&yuan, 6e9).is_ok(), "budgets in 元 pass a billion");
        assert!(validate_value(&yuan, 2e12).is_err());
        let range = TargetSpec { value: 1.0, max: Some(2000.0), comparator: Comparator::Range, unit: "所".into() };
        assert!(validate_value(&range, 1_000_000.0).is_ok(), "the range's upper end sets the scale");
        let permille = TargetSpec { value: 5.0, max: None, comparator: Comparator::AtMost, unit: "‰".into() };
        assert!(validate_value(&permille, 1000.0).is_ok() && validate_value(&permille, 1000.5).is_err());
        let points = TargetSpec { value: 2.0, max: None, comparator: Comparator::AtLeast, unit: "个百分点".into() };
        assert!(validate_value(&points, 100.0).is_ok() && validate_value(&points, 101.0).is_err());
        let full_width = TargetSpec { value: 95.0, max: None, comparator: Comparator::AtLeast, unit: "％".into() };
        assert!(validate_value(&full_width, 151.0).is_err());
    }
}
