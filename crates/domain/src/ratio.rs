//! Ratio targets (公办在园幼儿占比, 覆盖率) roll up as total numerator over total
//! denominator — never as an average of the parts' percentages, which would weigh a
//! district of 300 children like one of 10,000.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Ratio {
    pub numerator: f64,
    pub denominator: f64,
}

impl Ratio {
    pub fn new(numerator: f64, denominator: f64) -> Ratio {
        Ratio { numerator, denominator }
    }

    /// The pooled ratio of the parts: numerators added, denominators added. An empty set of
    /// parts is 0/0, whose value is `None`.
    pub fn sum<I: IntoIterator<Item = Ratio>>(parts: I) -> Ratio {
        parts
            .into_iter()
            .fold(Ratio::default(), |acc, r| Ratio::new(acc.numerator + r.numerator, acc.denominator + r.denominator))
    }

    /// numerator / denominator; `None` when there is nothing to divide by (a denominator of 0
    /// or less, or a non-finite part), so no NaN ever reaches a page.
    pub fn value(self) -> Option<f64> {
        (self.denominator > 0.0 && self.numerator.is_finite() && self.denominator.is_finite())
            .then(|| self.numerator / self.denominator)
    }

    /// The value as a percentage (41.02 for 10301/25113); rounding is for display to decide.
    pub fn percent(self) -> Option<f64> {
        self.value().map(|v| v * 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round2(v: f64) -> f64 {
        (v * 100.0).round() / 100.0
    }

    #[test]
    fn published_check_figures() {
        assert_eq!(round2(Ratio::new(10301.0, 25113.0).percent().expect("value")), 41.02);
        assert_eq!(round2(Ratio::new(10301.0 + 7629.0, 25113.0).percent().expect("value")), 71.40);
    }

    #[test]
    fn pooled_not_averaged() {
        // Two districts: 80 of 100 children in public kindergartens (80%) and 400 of 1000
        // (40%). The mean of the percentages says 60%; the city's real share is 480/1100.
        let parts = [Ratio::new(80.0, 100.0), Ratio::new(400.0, 1000.0)];
        let mean_of_percentages = (80.0 + 40.0) / 2.0;
        let pooled = Ratio::sum(parts).percent().expect("value");
        assert_eq!(round2(pooled), 43.64);
        assert_eq!(mean_of_percentages, 60.0);
        assert!((pooled - mean_of_percentages).abs() > 16.0);
        assert_eq!(Ratio::sum(parts), Ratio::new(480.0, 1100.0));
    }

    #[test]
    fn the_published_figure_rolls_up_from_parts() {
        let parts = [Ratio::new(10301.0, 25113.0), Ratio::new(7629.0, 0.0)];
        assert_eq!(round2(Ratio::sum(parts).percent().expect("value")), 71.40);
    }

    #[test]
    fn nothing_to_divide_by() {
        assert_eq!(Ratio::new(1.0, 0.0).value(), None);
        assert_eq!(Ratio::new(1.0, -2.0).value(), None);
        assert_eq!(Ratio::new(f64::NAN, 2.0).value(), None);
        assert_eq!(Ratio::new(1.0, f64::INFINITY).percent(), None);
        assert_eq!(Ratio::sum([]).value(), None);
        assert_eq!(Ratio::new(0.0, 5.0).percent(), Some(0.0));
    }
}
