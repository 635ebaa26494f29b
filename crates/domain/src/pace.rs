//! 序时进度: where the work should be by a date if it advances evenly.

use chrono::NaiveDate;

/// The share of the span from `start` to `deadline` elapsed by the end of `as_of`, in [0, 1].
/// Day-granular: on the deadline day the work should be complete.
pub fn linear_pace(start: NaiveDate, deadline: NaiveDate, as_of: NaiveDate) -> f64 {
    if as_of < start {
        return 0.0;
    }
    if as_of >= deadline {
        return 1.0;
    }
    let total = (deadline - start).num_days() + 1;
    let done = (as_of - start).num_days() + 1;
    (done as f64 / total as f64).clamp(0.0, 1.0)
}

/// The share of milestones due on or before `as_of`; 0 when there are none.
pub fn milestone_pace(dues: &[NaiveDate], as_of: NaiveDate) -> f64 {
    if dues.is_empty() {
        return 0.0;
    }
    dues.iter().filter(|d| **d <= as_of).count() as f64 / dues.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn linear() {
        let (s, e) = (d(2024, 1, 1), d(2024, 12, 31));
        assert_eq!(linear_pace(s, e, d(2023, 12, 31)), 0.0);
        assert_eq!(linear_pace(s, e, e), 1.0);
        assert_eq!(linear_pace(s, e, d(2025, 3, 1)), 1.0);
        // 2024 has 366 days; by the end of 30 June, 182 have passed.
        assert!((linear_pace(s, e, d(2024, 6, 30)) - 182.0 / 366.0).abs() < 1e-12);
        assert!((linear_pace(s, e, d(2024, 1, 1)) - 1.0 / 366.0).abs() < 1e-12);
        assert_eq!(linear_pace(s, s, s), 1.0, "a one-day task is due that day");
    }

    #[test]
    fn milestones() {
        let dues = [d(2024, 3, 31), d(2024, 6, 30), d(2024, 12, 31)];
        assert_eq!(milestone_pace(&dues, d(2024, 3, 30)), 0.0);
        assert!((milestone_pace(&dues, d(2024, 6, 30)) - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(milestone_pace(&[], d(2024, 6, 30)), 0.0);
    }
}
