//! Monthly reporting periods ("2024-03").

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub year: i32,
    pub month: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("期间“{0}”格式应为 YYYY-MM")]
pub struct PeriodError(pub String);

impl Period {
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
    /// (a due day of 31 means 29 February in a leap year).
    pub fn due_date(self, due_day: u32) -> NaiveDate {
        let last = self.last_day();
        NaiveDate::from_ymd_opt(self.year, self.month, due_day.clamp(1, last.day())).unwrap_or(last)
    }

    /// A report submitted after the period's due day is late.
    pub fn is_late(self, submitted_on: NaiveDate, due_day: u32) -> bool {
        submitted_on > self.due_date(due_day)
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
    fn days_and_neighbours() {
        let feb: Period = "2024-02".parse().expect("parses");
        assert_eq!(feb.last_day(), d(2024, 2, 29));
        assert_eq!("2023-02".parse::<Period>().expect("p").last_day(), d(2023, 2, 28));
        assert_eq!(feb.due_date(31), d(2024, 2, 29));
        assert_eq!(feb.due_date(25), d(2024, 2, 25));
        assert_eq!("2024-12".parse::<Period>().expect("p").next().to_string(), "2025-01");
        assert_eq!("2024-01".parse::<Period>().expect("p").prev().to_string(), "2023-12");
        assert!(feb.is_late(d(2024, 2, 26), 25));
        assert!(!feb.is_late(d(2024, 2, 25), 25));
        assert_eq!(Period::containing(d(2024, 11, 10)).to_string(), "2024-11");
        let all: Vec<String> = Period::range("2023-11".parse().expect("p"), "2024-02".parse().expect("p"))
            .map(|p| p.to_string())
            .collect();
        assert_eq!(all, ["2023-11", "2023-12", "2024-01", "2024-02"]);
    }
}
