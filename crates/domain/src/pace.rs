//! 序时进度: where the work should be by a date if it advances evenly.

use chrono::NaiveDate;

/// The share of the span from `start` to `deadline` elapsed by the end of `as_of`, in [0, 1].
///
/// Day-granular, both ends included: on the start day one day of the span has passed, and on
/// the deadline day the work should be complete (1). Before `start` it is 0. A one-day span
/// (`start == deadline`) is 0 before that day and 1 from it; a deadline before the start (bad
/// data) behaves the same way at `start`, so the function stays total and monotone.
pub fn linear_pace(start: NaiveDate, deadline: NaiveDate, as_of: NaiveDate) -> f64 {
    if as_of < start {
        return 0.0;
    }
    if as_of >= deadline {
        return 1.0;
    }
    // Here start <= as_of < deadline, so both counts are positive and done < total.
    let total = (deadline - start).num_days() + 1;
    let done = (as_of - start).num_days() + 1;
    (done as f64 / total as f64).clamp(0.0, 1.0)
}

/// The share of milestones due on or before `as_of`. With no milestones there is nothing
/// scheduled, so 0 (callers use `linear_pace` instead in that case).
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

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn linear_over_a_leap_year() {
        let (s, e) = (d(2024, 1, 1), d(2024, 12, 31));
        assert_eq!(linear_pace(s, e, d(2023, 12, 31)), 0.0);
        assert!(close(linear_pace(s, e, s), 1.0 / 366.0), "the start day counts");
        // 2024 has 366 days; by the end of 30 June, 182 have passed.
        assert!(close(linear_pace(s, e, d(2024, 6, 30)), 182.0 / 366.0));
        assert!(close(linear_pace(s, e, d(2024, 2, 29)), 60.0 / 366.0));
        assert!(close(linear_pace(s, e, d(2024, 12, 30)), 365.0 / 366.0));
        assert_eq!(linear_pace(s, e, e), 1.0, "the deadline day is fully elapsed");
        assert_eq!(linear_pace(s, e, d(2025, 3, 1)), 1.0);
    }

    #[test]
    fn linear_over_a_common_year_and_month_ends() {
        let (s, e) = (d(2023, 1, 1), d(2023, 12, 31));
        assert!(close(linear_pace(s, e, d(2023, 2, 28)), 59.0 / 365.0));
        assert!(close(linear_pace(s, e, d(2023, 3, 1)), 60.0 / 365.0));
        // A February task: 29 days in 2024.
        assert!(close(linear_pace(d(2024, 2, 1), d(2024, 2, 29), d(2024, 2, 28)), 28.0 / 29.0));
        // Across a year end.
        assert!(close(linear_pace(d(2024, 12, 1), d(2025, 1, 31), d(2024, 12, 31)), 31.0 / 62.0));
    }

    #[test]
    fn degenerate_spans() {
        let day = d(2024, 5, 10);
        assert_eq!(linear_pace(day, day, d(2024, 5, 9)), 0.0);
        assert_eq!(linear_pace(day, day, day), 1.0, "a one-day task is due that day");
        assert_eq!(linear_pace(day, day, d(2024, 5, 11)), 1.0);
        // Deadline before start: 0 before the start, 1 from it.
        assert_eq!(linear_pace(day, d(2024, 5, 1), d(2024, 5, 5)), 0.0);
        assert_eq!(linear_pace(day, d(2024, 5, 1), day), 1.0);
    }

    #[test]
    fn milestones() {
        let dues = [d(2024, 3, 31), d(2024, 6, 30), d(2024, 12, 31)];
        assert_eq!(milestone_pace(&dues, d(2024, 3, 30)), 0.0);
        assert!(close(milestone_pace(&dues, d(2024, 3, 31)), 1.0 / 3.0), "due that day counts");
        assert!(close(milestone_pace(&dues, d(2024, 6, 30)), 2.0 / 3.0));
        assert_eq!(milestone_pace(&dues, d(2024, 12, 31)), 1.0);
        assert_eq!(milestone_pace(&dues, d(2030, 1, 1)), 1.0);
        assert_eq!(milestone_pace(&[], d(2024, 6, 30)), 0.0);
        // Order and duplicates do not matter.
        let unordered = [d(2024, 6, 30), d(2024, 3, 31), d(2024, 3, 31), d(2024, 12, 31)];
        assert_eq!(milestone_pace(&unordered, d(2024, 4, 1)), 0.5);
    }
}
