//! Monthly reporting periods ("2024-03"): units report once a month, and a report is due on
//! a configured day of its period's month.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A reporting month. Ordered chronologically (year, then month). Build it with `new`, `parse`
/// or `containing`; the fields are public for pattern matching, and a hand-built month outside
/// 1–12 is not a period the rest of the system will produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub year: i32,
    pub month: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("期间“{0}”格式应为 YYYY-MM")]
pub struct PeriodError(pub String);

impl Period {
    /// `None` for a month outside 1–12 or a year outside 1900–2200 (typos such as "0224-03",
    /// not real plans).
    pub fn new(year: i32, month: u32) -> Option<Period> {
        ((1900..=2200).contains(&year) && (1..=12).contains(&month)).then_some(Period { year, month })
    }

    pub fn containing(date: NaiveDate) -> Period {
        Period { year: date.year(), month: date.month() }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or_default()
    }

    pub fn next(self) -> Period {
        if self.month == 12 {
            Period { year: self.year + 1, month: 1 }
        } else {
            Period { year: self.year, month: self.month + 1 }
        }
    }

    pub fn prev(self) -> Period {
        if self.month == 1 {
            Period { year: self.year - 1, month: 12 }
        } else {
            Period { year: self.year, month: self.month - 1 }
        }
    }

    /// The day reports are due: `due_day`, or the month's last day when the month is shorter
    /// (a due day of 31 means 29 February in a leap year). A due day of 0 means the 1st.
    pub fn due_date(self, due_day: u32) -> NaiveDate {
        let last = self.last_day();
        NaiveDate::from_ymd_opt(self.year, self.month, due_day.clamp(1, last.day())).unwrap_or(last)
    }

    /// A report submitted after the period's due day is late.
    pub fn is_late(self, submitted_on: NaiveDate, due_day: u32) -> bool {
        submitted_on > self.due_date(due_day)
    }

    /// Whether a request may name this period for a plan of `plan_year` (`None`: a draft
    /// whose year is not known yet) while `open` is the month open for reporting (the
    /// month of "today"). The one rule for every route that takes a period: reports,
    /// bulletins, scores and dashboard reads. A period outside the plan's year, or after the
    /// open month, is refused with a sentence for the user; earlier months of the plan's
    /// year stay readable and writable.
    pub fn check_for_plan(self, plan_year: Option<i32>, open: Period) -> Result<(), String> {
        if let Some(year) = plan_year
            && self.year != year
        {
            return Err(format!("期间 {self} 不在该工作要点的年度({year} 年)内"));
        }
        if self > open {
            return Err(format!("期间 {self} 尚未开始,最晚可选 {open}"));
        }
        Ok(())
    }

    /// Every period from `from` to `to`, both included.
    pub fn range(from: Period, to: Period) -> impl Iterator<Item = Period> {
        std::iter::successors(Some(from), move |p| (*p < to).then(|| p.next())).take_while(move |p| *p <= to)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Accepts "YYYY-MM", and a one-digit month ("2024-3") since people type it that way.
impl FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || PeriodError(s.to_string());
        let (y, m) = s.trim().split_once('-').ok_or_else(err)?;
        if y.len() != 4 || m.is_empty() || m.len() > 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        Period::new(y.parse().map_err(|_| err())?, m.parse().map_err(|_| err())?).ok_or_else(err)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn parse_and_display() {
        let p: Period = "2024-03".parse().expect("parses");
        assert_eq!(p, Period { year: 2024, month: 3 });
        assert_eq!(p.to_string(), "2024-03");
        assert_eq!("2024-3".parse::<Period>().expect("short month"), p);
        for bad in ["", "2024", "2024-13", "2024-00", "24-03", "2024-3a", "abcd-01", "2024-03-01", "-2024-03"] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
        assert_eq!("2024-13".parse::<Period>().unwrap_err().to_string(), "期间“2024-13”格式应为 YYYY-MM");
    }

    #[test]
    fn month_ends_and_leap_years() {
        let p = |s: &str| s.parse::<Period>().expect("period");
        assert_eq!(p("2024-02").last_day(), d(2024, 2, 29));
        assert_eq!(p("2023-02").last_day(), d(2023, 2, 28));
        assert_eq!(p("1900-02").last_day(), d(1900, 2, 28), "centuries are not leap years");
        assert_eq!(p("2000-02").last_day(), d(2000, 2, 29), "except every fourth");
        assert_eq!(p("2024-04").last_day(), d(2024, 4, 30));
        assert_eq!(p("2024-12").last_day(), d(2024, 12, 31));
        assert_eq!(p("2024-12").first_day(), d(2024, 12, 1));
    }

    #[test]
    fn due_dates_clamp_to_the_month() {
        let p = |s: &str| s.parse::<Period>().expect("period");
        assert_eq!(p("2024-02").due_date(31), d(2024, 2, 29));
        assert_eq!(p("2023-02").due_date(31), d(2023, 2, 28));
        assert_eq!(p("2023-02").due_date(29), d(2023, 2, 28));
        assert_eq!(p("2024-04").due_date(31), d(2024, 4, 30));
        assert_eq!(p("2024-05").due_date(31), d(2024, 5, 31));
        assert_eq!(p("2024-02").due_date(25), d(2024, 2, 25));
        assert_eq!(p("2024-02").due_date(0), d(2024, 2, 1));
        assert_eq!(p("2024-02").due_date(u32::MAX), d(2024, 2, 29));
    }

    #[test]
    fn lateness() {
        let feb: Period = "2023-02".parse().expect("period");
        assert!(!feb.is_late(d(2023, 2, 25), 25), "on the due day is on time");
        assert!(feb.is_late(d(2023, 2, 26), 25));
        assert!(!feb.is_late(d(2023, 2, 28), 31), "due day 31 in February is the 28th");
        assert!(feb.is_late(d(2023, 3, 1), 31));
        assert!(!feb.is_late(d(2023, 1, 15), 25), "early is not late");
    }

    #[test]
    fn neighbours_and_ranges() {
        let p = |s: &str| s.parse::<Period>().expect("period");
        assert_eq!(p("2024-12").next(), p("2025-01"));
        assert_eq!(p("2024-01").prev(), p("2023-12"));
        assert_eq!(p("2024-06").next().prev(), p("2024-06"));
        assert_eq!(Period::containing(d(2024, 2, 29)), p("2024-02"));
        assert_eq!(Period::containing(d(2024, 11, 10)).to_string(), "2024-11");
        let all: Vec<String> = Period::range(p("2023-11"), p("2024-02")).map(|p| p.to_string()).collect();
        assert_eq!(all, ["2023-11", "2023-12", "2024-01", "2024-02"]);
        assert_eq!(Period::range(p("2024-03"), p("2024-03")).count(), 1);
        assert_eq!(Period::range(p("2024-03"), p("2024-02")).count(), 0);
        assert_eq!(Period::range(p("2020-01"), p("2024-12")).count(), 60);
        assert!(p("2023-12") < p("2024-01") && p("2024-01") < p("2024-02"));
    }

    #[test]
    fn periods_must_lie_in_the_plans_year_and_not_ahead_of_the_open_month() {
        let p = |s: &str| s.parse::<Period>().expect("period");
        let open = p("2024-11");
        for ok in ["2024-01", "2024-06", "2024-11"] {
            assert_eq!(p(ok).check_for_plan(Some(2024), open), Ok(()), "{ok}");
        }
        assert_eq!(
            p("2023-12").check_for_plan(Some(2024), open),
            Err("期间 2023-12 不在该工作要点的年度(2024 年)内".into())
        );
        for bad in ["1900-01", "2030-01", "2099-12", "2025-01"] {
            assert!(p(bad).check_for_plan(Some(2024), open).is_err(), "{bad}");
        }
        assert_eq!(p("2024-12").check_for_plan(Some(2024), open), Err("期间 2024-12 尚未开始,最晚可选 2024-11".into()));
        // A plan of a past year: every month of it stays readable.
        assert_eq!(p("2024-12").check_for_plan(Some(2024), p("2026-03")), Ok(()));
        // A draft without a year: only the open month bounds it.
        assert_eq!(p("2019-05").check_for_plan(None, open), Ok(()));
        assert!(p("2099-12").check_for_plan(None, open).is_err());
    }

    #[test]
    fn serde_is_the_string() {
        use serde::de::{IntoDeserializer, value::Error};
        let ok: Result<Period, Error> = Period::deserialize("2024-03".into_deserializer());
        assert_eq!(ok, Ok(Period { year: 2024, month: 3 }));
        let bad: Result<Period, Error> = Period::deserialize("2024/03".into_deserializer());
        assert!(bad.expect_err("rejects").to_string().contains("格式应为 YYYY-MM"));
    }
}
