//! The inter-school coefficient of variation (差异系数) of one indicator across a county,
//! weighted by students as the assessment is practised.
//!
//! For schools `i` with students `P_i` and raw amount `x_i` (teachers, square metres, yuan,
//! classrooms), and `s` the indicator's scale (100 for "per 100 students", 1 for "per
//! student"):
//!
//! ```text
//! P   = Σ P_i
//! X_i = s · x_i / P_i                  the school's indicator value
//! X̄   = s · Σ x_i / P                  the county aggregate, not the mean of the X_i
//! S   = sqrt( Σ (P_i / P) · (X_i − X̄)² )
//! CV  = S / X̄
//! ```
//!
//! `X̄` is also the student-weighted mean of the `X_i`, so `S` is the student-weighted standard
//! deviation. An unweighted CV (plain mean and standard deviation of the `X_i`) gives a
//! different figure near the threshold; this module computes only the weighted one.

/// One school's share of an indicator: its students `P_i` and its raw amount `x_i`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub students: f64,
    pub amount: f64,
}

impl Sample {
    pub fn new(students: f64, amount: f64) -> Sample {
        Sample { students, amount }
    }
}

/// The method as stated in every result, so a reader knows which 差异系数 this is.
pub const METHOD: &str = "差异系数按在校生数加权计算(student-weighted):X_i 为学校指标值,\
P_i 为学校在校生数,P = ΣP_i;X̄ = 县域指标总量 ÷ 县域在校生总数(不是各校指标值的平均数);\
S = √(Σ(P_i/P)(X_i − X̄)²);差异系数 CV = S ÷ X̄";

/// The county aggregate `X̄ = s · Σx_i / ΣP_i`, over the samples with students.
///
/// `None` when no sample has students (or the sums are not finite).
pub fn aggregate(samples: &[Sample], scale: f64) -> Option<f64> {
    let (students, amount) =
        samples.iter().filter(|s| s.students > 0.0).fold((0.0, 0.0), |(p, x), s| (p + s.students, x + s.amount));
    let mean = scale * amount / students;
    (students > 0.0 && mean.is_finite()).then_some(mean)
}

/// The student-weighted coefficient of variation `CV = S / X̄` (formula in the module
/// documentation), with `X_i = scale · x_i / P_i`.
///
/// Samples without students carry no weight and are left out. The result is `None` when
/// no sample has students, when the aggregate is negative, or when it is zero while the
/// values still vary; when every value is zero nothing varies and the result is `Some(0.0)`.
pub fn coefficient_of_variation(samples: &[Sample], scale: f64) -> Option<f64> {
    let mean = aggregate(samples, scale)?;
    let total: f64 = samples.iter().filter(|s| s.students > 0.0).map(|s| s.students).sum();
    let variance: f64 = samples
        .iter()
        .filter(|s| s.students > 0.0)
        .map(|s| {
            let value = scale * s.amount / s.students;
            s.students / total * (value - mean).powi(2)
        })
        .sum();
    let deviation = variance.sqrt();
    if mean < 0.0 || !deviation.is_finite() {
        return None;
    }
    if mean == 0.0 {
        return (deviation == 0.0).then_some(0.0);
    }
    let cv = deviation / mean;
    cv.is_finite().then_some(cv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(pairs: &[(f64, f64)]) -> Vec<Sample> {
        pairs.iter().map(|&(p, x)| Sample::new(p, x)).collect()
    }

    #[test]
    fn hand_computed_two_schools() {
        // 100 students with 2 classrooms (2 per 100) and 300 with 12 (4 per 100):
        // X̄ = 100·14/400 = 3.5; S² = 0.25·1.5² + 0.75·0.5² = 0.75; CV = √0.75 / 3.5.
        let cv = coefficient_of_variation(&samples(&[(100.0, 2.0), (300.0, 12.0)]), 100.0).unwrap();
        assert!((cv - 0.75f64.sqrt() / 3.5).abs() < 1e-12, "{cv}");
        assert_eq!(aggregate(&samples(&[(100.0, 2.0), (300.0, 12.0)]), 100.0), Some(3.5));
    }

    #[test]
    fn weighting_differs_from_the_plain_mean() {
        // The plain mean of 2 and 4 is 3, the weighted one 3.5: the weighted CV is smaller.
        let s = samples(&[(100.0, 2.0), (300.0, 12.0)]);
        let weighted = coefficient_of_variation(&s, 100.0).unwrap();
        let unweighted = 1.0 / 3.0; // population sd 1 over mean 3
        assert!(weighted < unweighted);
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(coefficient_of_variation(&[], 1.0), None);
        assert_eq!(coefficient_of_variation(&samples(&[(0.0, 5.0)]), 1.0), None);
        assert_eq!(coefficient_of_variation(&samples(&[(10.0, 0.0), (20.0, 0.0)]), 1.0), Some(0.0));
        assert_eq!(coefficient_of_variation(&samples(&[(10.0, 7.0)]), 1.0), Some(0.0));
        // A school without students is left out, not a division by zero.
        assert_eq!(
            coefficient_of_variation(&samples(&[(10.0, 7.0), (0.0, 3.0)]), 1.0),
            coefficient_of_variation(&samples(&[(10.0, 7.0)]), 1.0)
        );
    }
}
