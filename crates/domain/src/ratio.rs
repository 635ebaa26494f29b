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

    /// The pooled ratio of the parts.
    pub fn sum<I: IntoIterator<Item = Ratio>>(parts: I) -> Ratio {
        parts
            .into_iter()
            .fold(Ratio::default(), |acc, r| Ratio::new(acc.numerator + r.numerator, acc.denominator + r.denominator))
    }

    /// numerator / denominator; `None` when there is nothing to divide by.
    pub fn value(self) -> Option<f64> {
        (self.denominator > 0.0 && self.numerator.is_finite() && self.denominator.is_finite())
            .then(|| self.numerator / self.denominator)
    }

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
        let parts = [Ratio::new(9000.0, 10000.0), Ratio::new(30.0, 300.0)];
        let pooled = Ratio::sum(parts).value().expect("value");
        let averaged = (0.9 + 0.1) / 2.0;
        assert!((pooled - 9030.0 / 10300.0).abs() < 1e-12);
        assert!((pooled - averaged).abs() > 0.3);
        assert_eq!(Ratio::new(1.0, 0.0).value(), None);
    }
}
