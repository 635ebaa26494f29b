//! Quantitative targets: how far a reported value goes towards one, and which values are
//! acceptable at all.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparator {
    #[serde(rename = ">=")]
    AtLeast,
    #[serde(rename = "<=")]
    AtMost,
    #[serde(rename = "=")]
    Exactly,
    #[serde(rename = "~")]
    About,
    #[serde(rename = "range")]
    Range,
}

impl Comparator {
    pub fn parse(s: &str) -> Option<Comparator> {
        Some(match s {
            ">=" => Comparator::AtLeast,
            "<=" => Comparator::AtMost,
            "=" => Comparator::Exactly,
            "~" => Comparator::About,
            "range" => Comparator::Range,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSpec {
    pub value: f64,
    pub max: Option<f64>,
    pub comparator: Comparator,
    pub unit: String,
}

/// "About" targets (800个左右) count as reached at this share of the value.
const ABOUT_REACHED: f64 = 0.95;

/// Whether `actual` meets the target.
pub fn reached(spec: &TargetSpec, actual: f64) -> bool {
    if !actual.is_finite() {
        return false;
    }
    match spec.comparator {
        Comparator::AtLeast | Comparator::Exactly | Comparator::Range => actual >= spec.value,
        Comparator::About => actual >= spec.value * ABOUT_REACHED,
        Comparator::AtMost => actual <= spec.value,
    }
}

/// The share of the target achieved, in [0, 1]. Counting from `baseline` when it is known
/// (a share that must rise from 50% to 57% is 0 at 50%, not 0.88). Rules for degenerate
/// input, chosen so no figure is ever NaN: a non-finite value is 0; a target of 0 (or a
/// baseline already at the target) is fully achieved when reached and not at all otherwise.
pub fn progress(spec: &TargetSpec, baseline: Option<f64>, actual: f64) -> f64 {
    if !actual.is_finite() {
        return 0.0;
    }
    if reached(spec, actual) {
        return 1.0;
    }
    let goal = match spec.comparator {
        Comparator::About => spec.value * ABOUT_REACHED,
        _ => spec.value,
    };
    let share = match (spec.comparator, baseline.filter(|b| b.is_finite())) {
        (Comparator::AtMost, Some(b)) if b > goal => (b - actual) / (b - goal),
        (Comparator::AtMost, _) => 0.0,
        (_, Some(b)) if goal > b => (actual - b) / (goal - b),
        (_, _) if goal > 0.0 => actual / goal,
        _ => 0.0,
    };
    if share.is_finite() { share.clamp(0.0, 1.0) } else { 0.0 }
}

/// Refuses values no report should carry: negative or non-finite numbers, and percentages
/// beyond 150 (gross enrolment ratios may pass 100, nothing sane passes 150).
pub fn validate_value(spec: &TargetSpec, value: f64) -> Result<(), String> {
    if !value.is_finite() {
        return Err("请填写有效的数字".into());
    }
    if value < 0.0 {
        return Err("数值不能为负数".into());
    }
    if spec.unit == "%" && value > 150.0 {
        return Err(format!("百分比数值 {value} 超出合理范围(0—150)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(value: f64, comparator: Comparator) -> TargetSpec {
        TargetSpec { value, max: None, comparator, unit: "所".into() }
    }

    #[test]
    fn progress_by_comparator() {
        assert_eq!(progress(&spec(3.0, Comparator::Exactly), None, 1.5), 0.5);
        assert_eq!(progress(&spec(3.0, Comparator::AtLeast), None, 4.0), 1.0);
        assert!((progress(&spec(800.0, Comparator::About), None, 380.0) - 0.5).abs() < 1e-12);
        assert!(reached(&spec(800.0, Comparator::About), 770.0));
        assert_eq!(
            progress(
                &TargetSpec { value: 1.0, max: Some(2.0), comparator: Comparator::Range, unit: "所".into() },
                None,
                1.0
            ),
            1.0
        );
        // ≤ 45 per class: met below, measured from the baseline above.
        assert_eq!(progress(&spec(45.0, Comparator::AtMost), None, 44.0), 1.0);
        assert_eq!(progress(&spec(45.0, Comparator::AtMost), None, 50.0), 0.0);
        assert!((progress(&spec(45.0, Comparator::AtMost), Some(55.0), 50.0) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn baselines() {
        let s = TargetSpec { value: 57.0, max: None, comparator: Comparator::AtLeast, unit: "%".into() };
        assert_eq!(progress(&s, Some(50.0), 50.0), 0.0);
        assert!((progress(&s, Some(50.0), 53.5) - 0.5).abs() < 1e-12);
        assert_eq!(progress(&s, Some(50.0), 45.0), 0.0);
        assert!((progress(&s, None, 28.5) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(progress(&spec(0.0, Comparator::AtLeast), None, 0.0), 1.0);
        assert_eq!(progress(&spec(-5.0, Comparator::AtLeast), None, -10.0), 0.0);
        assert_eq!(progress(&spec(3.0, Comparator::AtLeast), None, f64::NAN), 0.0);
        assert_eq!(progress(&spec(3.0, Comparator::AtLeast), Some(3.0), 2.0), 2.0 / 3.0);
        let pct = TargetSpec { value: 57.0, max: None, comparator: Comparator::AtLeast, unit: "%".into() };
        assert!(validate_value(&pct, 102.3).is_ok());
        assert!(validate_value(&pct, 180.0).is_err());
        assert!(validate_value(&pct, -1.0).is_err());
        assert!(validate_value(&pct, f64::INFINITY).is_err());
    }
}
