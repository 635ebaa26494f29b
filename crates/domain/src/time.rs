//! Moments as people in China read them. The store keeps every moment in UTC (RFC 3339); the
//! bureau reads Beijing time (UTC+8, no daylight saving), to the minute. One function, so that
//! pages, API text and exports never show a raw UTC string or a cut-off one.

use chrono::{DateTime, FixedOffset};

/// Beijing time, UTC+8.
pub fn beijing_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// A stored moment ("2024-11-10T06:03:27.120Z") as Beijing time to the minute
/// ("2024-11-10 14:03"). Anything that is not a moment (a bare date, an empty string) is shown
/// as it is.
pub fn beijing_minute(at: &str) -> String {
    match DateTime::parse_from_rfc3339(at.trim()) {
        Ok(t) => t.with_timezone(&beijing_offset()).format("%Y-%m-%d %H:%M").to_string(),
        Err(_) => at.to_string(),
    }
}

/// The Beijing date of a stored moment ("2024-11-09T17:00:00Z" → "2024-11-10").
pub fn beijing_date(at: &str) -> String {
    match DateTime::parse_from_rfc3339(at.trim()) {
        Ok(t) => t.with_timezone(&beijing_offset()).format("%Y-%m-%d").to_string(),
        Err(_) => at.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_moments_read_as_beijing_time() {
        assert_eq!(beijing_minute("2024-11-10T06:03:27.120Z"), "2024-11-10 14:03");
        // Late in the UTC evening is the next morning in Beijing.
        assert_eq!(beijing_minute("2024-11-09T17:30:00Z"), "2024-11-10 01:30");
        assert_eq!(beijing_date("2024-11-09T17:30:00Z"), "2024-11-10");
        assert_eq!(beijing_minute("2024-11-10T14:03:00+08:00"), "2024-11-10 14:03");
    }

    #[test]
    fn what_is_not_a_moment_is_left_alone() {
        assert_eq!(beijing_minute("2024-11-10"), "2024-11-10");
        assert_eq!(beijing_minute(""), "");
    }
}
