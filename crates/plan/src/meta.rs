//! Document metadata: title, issuer, document number, date, year and index number, read from
//! the disclosure catalogue block, the covering notice and the signature.

use crate::model::{Meta, Warning};
use crate::numerals::chinese_number;
use regex::Regex;
use std::sync::LazyLock;

/// A calendar date, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1949..=2200).contains(&year) || !(1..=12).contains(&month) || day == 0 {
            return None;
        }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        (day <= days).then_some(Date { year, month, day })
    }

    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// How a date was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateForm {
    /// A normal written form: 2024年3月11日, 2024-03-11, 二〇二四年三月十一日.
    Regular,
    /// Digits run together ("2024311"), as left when a page drops the 年/月/日 characters.
    Repaired,
}

static DATE_NUMERIC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?").expect("valid regex"));
static DATE_CHINESE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"([〇零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日",
    )
    .expect("valid regex")
});
static DATE_RUN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d{4})(\d{2,4})$").expect("valid regex"));

/// Reads a date anywhere in `s`; for a line that is only digits ("2024311") tries the
/// readings of the month/day digits and takes the first valid one.
pub fn parse_date(s: &str) -> Option<(Date, DateForm)> {
    if let Some(c) = DATE_NUMERIC.captures(s) {
        let d = Date::new(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?);
        if let Some(d) = d {
            return Some((d, DateForm::Regular));
        }
    }
    if let Some(c) = DATE_CHINESE.captures(s) {
        let y = chinese_number(&c[1])? as i32;
        let d = Date::new(y, chinese_number(&c[2])? as u32, chinese_number(&c[3])? as u32)?;
        return Some((d, DateForm::Regular));
    }
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some(c) = DATE_RUN.captures(&compact) {
        let year: i32 = c[1].parse().ok()?;
        let rest = &c[2];
        // Month first: "311" is 3-11 (31-1 is no month); "1011" is 10-11.
        for split in 1..rest.len() {
            let (m, d) = rest.split_at(split);
            if m.len() > 2 || d.len() > 2 {
                continue;
            }
            if let Some(date) = Date::new(year, m.parse().ok()?, d.parse().ok()?) {
                return Some((date, DateForm::Repaired));
            }
        }
    }
    None
}

/// Whether the whole line is a date (a signature date line rather than text mentioning one).
pub fn is_date_line(s: &str) -> bool {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if t.chars().count() > 16 {
        return false;
    }
    parse_date(&t).is_some() && t.chars().all(|c| c.is_ascii_digit() || "年月日-./〇零一二三四五六七八九十".contains(c))
}

static FIELD: LazyLock<Regex> = LazyLock::new(|| {
    // Labels of a disclosure catalogue block; the labels are often padded with spaces.
    Regex::new(r"(索\s*引\s*号|发\s*文\s*机\s*关|发布机构|文\s*号|成\s*文\s*日\s*期|发\s*布\s*日\s*期|组配分类|废止日期|有\s*效\s*性|主题分类|信息分类|来\s*源)\s*[:：]")
        .expect("valid regex")
});
static DOC_NO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\p{Han}]{1,12}\s*[〔\[【(（]\s*\d{4}\s*[〕\]】)）]\s*\d{1,4}\s*号").expect("valid regex")
});
static TITLE_IN_QUOTES: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"《([^《》]{2,80})》").expect("valid regex"));
static YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(\d{4})\s*年").expect("valid regex"));

/// The fields of a disclosure catalogue block ("索引号: …  发文机关: …"), label → value, with
/// empty values left out. A value is one token: the next label never counts as a value.
pub fn catalogue_fields(lines: &[String]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in lines {
        let labels: Vec<_> = FIELD.captures_iter(line).collect();
        for (i, c) in labels.iter().enumerate() {
            let whole = c.get(0).expect("match");
            let until = labels.get(i + 1).map_or(line.len(), |n| n.get(0).expect("match").start());
            let label: String = c[1].chars().filter(|c| !c.is_whitespace()).collect();
            let value = line[whole.end()..until].split_whitespace().next().unwrap_or("");
            if !value.is_empty() && !out.iter().any(|(l, _)| *l == label) {
                out.push((label, value.to_string()));
            }
        }
    }
    out
}

/// The title written inside 《》 in a line such as 关于印发《…》的通知.
pub fn title_in_notice(line: &str) -> Option<String> {
    TITLE_IN_QUOTES.captures(line).map(|c| c[1].trim().to_string())
}

/// Issuers sign with an organisation name; this tells such a line from a sentence.
pub fn looks_like_signature(line: &str) -> bool {
    let t = line.trim();
    let n = t.chars().count();
    (2..=30).contains(&n)
        && !t.contains(['。', ',', ',', ':', ':', '《'])
        && ["局", "委", "厅", "办", "政府", "部", "室", "中心", "会", "院", "处", "组", "校"]
            .iter()
            .any(|s| t.ends_with(s))
}

/// Everything the metadata needs to look at, cut from the document by the structure stage.
pub struct MetaSource<'a> {
    pub header: &'a [String],
    pub notice: &'a [String],
    pub closing: &'a [String],
    pub title: &'a str,
}

pub fn extract(src: &MetaSource<'_>, warnings: &mut Vec<Warning>) -> Meta {
    let mut meta = Meta::default();
    let fields = catalogue_fields(src.header);
    let field = |name: &str| fields.iter().find(|(l, _)| l == name).map(|(_, v)| v.clone());
    meta.index_no = field("索引号");
    meta.issuer = field("发文机关").or_else(|| field("发布机构"));
    meta.doc_no = field("文号");
    if let Some(d) = field("成文日期").and_then(|v| parse_date(&v)) {
        meta.date = Some(d.0.iso());
    }

    // The signature: a date line, usually right after the issuer's name, in the notice or
    // at the end of the plan.
    for lines in [src.notice, src.closing] {
        if let Some(pos) = lines.iter().rposition(|l| is_date_line(l)) {
            let (date, form) = parse_date(&lines[pos]).expect("is_date_line implies a date");
            if meta.date.is_none() {
                meta.date = Some(date.iso());
            }
            if form == DateForm::Repaired {
                warnings.push(Warning {
                    item: None,
                    code: "date_repaired".into(),
                    message: format!("落款日期“{}”缺少年月日,已按 {} 读取,请核对", lines[pos].trim(), date.iso()),
                });
            }
            if pos > 0 && looks_like_signature(&lines[pos - 1]) && meta.signature.is_none() {
                meta.signature = Some(lines[pos - 1].trim().to_string());
            }
        }
    }
    if meta.issuer.is_none() {
        meta.issuer = meta.signature.clone().or_else(|| field("来源"));
    }
    // A web page's publication date is the last resort: it is usually days after signing.
    if meta.date.is_none() {
        meta.date = field("发布日期").and_then(|v| parse_date(&v)).map(|d| d.0.iso());
    }
    if meta.doc_no.is_none() {
        meta.doc_no = src.header.iter().chain(src.notice).find_map(|l| DOC_NO.find(l).map(|m| m.as_str().to_string()));
    }
    meta.year = YEAR
        .captures(src.title)
        .and_then(|c| c[1].parse().ok())
        .filter(|y| (1949..=2200).contains(y))
        .or_else(|| meta.date.as_ref().and_then(|d| d[..4].parse().ok()));
    meta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_common_form() {
        for (s, iso, form) in [
            ("2024-03-11", "2024-03-11", DateForm::Regular),
            ("2024年3月11日", "2024-03-11", DateForm::Regular),
            ("2024.3.11", "2024-03-11", DateForm::Regular),
            ("二〇二四年三月十一日", "2024-03-11", DateForm::Regular),
            ("2024311", "2024-03-11", DateForm::Repaired),
            ("20240311", "2024-03-11", DateForm::Repaired),
            ("2024 3 11", "2024-03-11", DateForm::Repaired),
            ("20241011", "2024-10-11", DateForm::Repaired),
        ] {
            let (d, f) = parse_date(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!((d.iso().as_str(), f), (iso, form), "{s}");
        }
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(parse_date("20241399"), None);
        assert!(is_date_line("2024311"));
        assert!(!is_date_line("2024年的工作总体思路"));
    }

    #[test]
    fn catalogue_block_values_never_swallow_the_next_label() {
        let lines = vec![
            "索  引  号: YT0005/2024-07745 发文机关: 市教育局 文      号:".to_string(),
            "组配分类: 工作计划 成文日期: 2024-03-11 废止日期: 有效性:".to_string(),
            "文 号: 组配分类: 其他".to_string(),
        ];
        let f = catalogue_fields(&lines);
        assert_eq!(
            f,
            vec![
                ("索引号".to_string(), "YT0005/2024-07745".to_string()),
                ("发文机关".to_string(), "市教育局".to_string()),
                ("组配分类".to_string(), "工作计划".to_string()),
                ("成文日期".to_string(), "2024-03-11".to_string()),
            ]
        );
    }
}
