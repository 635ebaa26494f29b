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
/// A date whose 年/月/日 were partly lost: "2024311", "20221月26", "2022年1 26".
static DATE_BROKEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{4})年?(\d{1,4})(?:月(\d{1,2}))?日?$").expect("valid regex"));

/// Reads a date anywhere in `s`; for a line that is a date with some of its 年/月/日 lost
/// ("2024311", "20221月26") tries the readings of the month/day digits and takes the first
/// valid one, month first.
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
    // Blanks stand for the lost characters: "2024 3 11" is 2024-3-11.
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.len() == 3 && words.iter().all(|w| w.bytes().all(|b| b.is_ascii_digit())) && words[0].len() == 4 {
        let d = Date::new(words[0].parse().ok()?, words[1].parse().ok()?, words[2].parse().ok()?)?;
        return Some((d, DateForm::Repaired));
    }
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let c = DATE_BROKEN.captures(&compact)?;
    let year: i32 = c[1].parse().ok()?;
    if let Some(day) = c.get(3) {
        // "20221月26": the 月 is still there and says where the month ends.
        let d = Date::new(year, c[2].parse().ok()?, day.as_str().parse().ok()?)?;
        return Some((d, DateForm::Repaired));
    }
    // Month first: "311" is 3-11 (31-1 is no month); "1011" is 10-11.
    let rest = &c[2];
    for split in 1..rest.len() {
        let (m, d) = rest.split_at(split);
        if m.len() > 2 || d.len() > 2 {
            continue;
        }
        if let Some(date) = Date::new(year, m.parse().ok()?, d.parse().ok()?) {
            return Some((date, DateForm::Repaired));
        }
    }
    None
}

/// Whether the whole line is a date (a signature date line rather than text mentioning one),
/// readable or not: a year and more digits, with nothing but date characters ("2024年3月11日",
/// "2024311", "20221月26").
pub fn is_date_line(s: &str) -> bool {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if t.chars().count() > 16
        || !t.chars().all(|c| c.is_ascii_digit() || "年月日-./〇零一二三四五六七八九十".contains(c))
    {
        return false;
    }
    if parse_date(&t).is_some() {
        return true;
    }
    let year_first = t.get(..4).is_some_and(|y| y.starts_with("19") || y.starts_with("20"))
        && t.bytes().take(4).all(|b| b.is_ascii_digit());
    year_first && t.bytes().filter(u8::is_ascii_digit).count() >= 6
}

static FIELD: LazyLock<Regex> = LazyLock::new(|| {
    // Labels of a disclosure catalogue block; the labels are often padded with spaces.
    Regex::new(r"(索\s*引\s*号|发\s*文\s*机\s*关|发布机构|发布单位|文\s*号|成\s*文\s*日\s*期|发\s*布\s*日\s*期|生\s*成\s*日\s*期|组配分类|废止日期|有\s*效\s*性|是否有效|公开方式|主题分类|信息分类|名\s*称|来\s*源)\s*[:：]")
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
        // A catalogue copied from a web page's table has bars between its cells.
        let line = &line.replace(['|', '｜'], " ");
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

/// The title a covering notice hands out: what stands between 关于印发 and 的通知 in its title
/// line ("关于印发2023年区《政府工作报告》确定的…方案的通知" names the whole, not the report it
/// quotes), else the first title inside 《》 ("现将《…》印发给你们").
pub fn title_in_notice(line: &str) -> Option<String> {
    titles_in_notice(line).into_iter().next()
}

/// Every title a notice line may hand out, the likeliest first: the 关于印发…的通知 form, then
/// each title inside 《》. The notice's title line and its text do not always agree on the
/// words' order ("宜昌市2023年…" / "《2023年宜昌市…》"); the plan's heading decides.
pub fn titles_in_notice(line: &str) -> Vec<String> {
    let mut out: Vec<String> = titled_notice(line).into_iter().collect();
    for c in TITLE_IN_QUOTES.captures_iter(line) {
        let t = join_broken_words(c[1].trim());
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

fn titled_notice(line: &str) -> Option<String> {
    if let Some(at) = line.find("关于印发") {
        let rest = &line[at + "关于印发".len()..];
        if let Some(end) = rest.find("的通知") {
            let t = rest[..end].trim();
            // "关于印发《X》的通知", or "〈X〉" when the whole line stands inside 《》.
            let wrapped = t
                .strip_prefix('《')
                .and_then(|t| t.strip_suffix('》'))
                .or_else(|| t.strip_prefix('〈').and_then(|t| t.strip_suffix('〉')));
            let t = match wrapped {
                Some(inner) if !inner.contains(['《', '》', '〈', '〉']) => inner,
                _ => t,
            };
            let t = join_broken_words(t);
            if t.chars().count() >= 2 {
                return Some(t);
            }
        }
    }
    None
}

/// Removes the blanks a line break left between two Chinese characters ("任务分解 和责任分工"),
/// keeping those that separate numbers or Latin words ("市教育局 2022 年").
fn join_broken_words(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() {
            let before = chars[..i].iter().rev().find(|c| !c.is_whitespace());
            let after = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if before.is_some_and(|b| !b.is_ascii()) && after.is_some_and(|a| !a.is_ascii()) {
                continue;
            }
        }
        out.push(c);
    }
    out
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
    meta.issuer = field("发文机关").or_else(|| field("发布机构")).or_else(|| field("发布单位"));
    meta.doc_no = field("文号");
    if let Some(d) = field("成文日期").and_then(|v| parse_date(&v)) {
        meta.date = Some(d.0.iso());
    }

    // The signature: a date line, usually right after the issuer's name, in the notice or
    // at the end of the plan; failing those, printed above the title with the issuer.
    let mut unreadable = false;
    let mut signed = false;
    for (k, lines) in [src.notice, src.closing, src.header].into_iter().enumerate() {
        if signed && k == 2 {
            break;
        }
        let Some(pos) = lines.iter().rposition(|l| is_date_line(l)) else {
            continue;
        };
        signed = true;
        let written = lines[pos].trim();
        match parse_date(written) {
            Some((date, form)) => {
                if meta.date.is_none() {
                    meta.date = Some(date.iso());
                }
                if form == DateForm::Repaired {
                    warnings.push(Warning {
                        item: None,
                        code: "date_repaired".into(),
                        message: format!("落款日期“{written}”缺少年月日,已按 {} 读取,请核对", date.iso()),
                    });
                }
            }
            None => {
                // Never replaced in silence by another date found elsewhere in the page.
                unreadable = true;
                warnings.push(Warning {
                    item: None,
                    code: "date_unreadable".into(),
                    message: format!("落款日期“{written}”无法识别,请在发布前填写成文日期"),
                });
            }
        }
        if pos > 0 && looks_like_signature(&lines[pos - 1]) && meta.signature.is_none() {
            meta.signature = Some(lines[pos - 1].trim().to_string());
        }
    }
    if meta.issuer.is_none() {
        meta.issuer = meta.signature.clone().or_else(|| field("来源"));
    }
    // A web page's publication date is the last resort: it is usually days after signing.
    if meta.date.is_none() && !unreadable {
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
            ("20221月26", "2022-01-26", DateForm::Repaired),
            ("2022年1月26", "2022-01-26", DateForm::Regular),
            ("2024 10 1", "2024-10-01", DateForm::Repaired),
        ] {
            let (d, f) = parse_date(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!((d.iso().as_str(), f), (iso, form), "{s}");
        }
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(parse_date("20241399"), None);
        assert!(is_date_line("2024311"));
        assert!(!is_date_line("2024年的工作总体思路"));
        // Unreadable, but still the signature's date line.
        assert_eq!(parse_date("20221326"), None);
        assert!(is_date_line("20221326") && is_date_line("20221月26"));
        assert!(!is_date_line("2024") && !is_date_line("2024年"));
    }

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(str::to_string).collect()
    }

    #[test]
    fn a_broken_signature_date_is_named_in_a_warning_never_replaced_in_silence() {
        let header = lines("发布日期: 2022-02-10");
        for (written, date, code) in
            [("20221月26", Some("2022-01-26"), "date_repaired"), ("20221326", None, "date_unreadable")]
        {
            let notice = lines(&format!("关于印发《工作要点》的通知\n某某市教育局\n{written}"));
            let src = MetaSource { header: &header, notice: &notice, closing: &[], title: "工作要点" };
            let mut warnings = Vec::new();
            let meta = extract(&src, &mut warnings);
            assert_eq!(meta.date.as_deref(), date, "{written}: not the page's publication date");
            assert_eq!(meta.signature.as_deref(), Some("某某市教育局"));
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            assert_eq!(warnings[0].code, code);
            assert!(warnings[0].message.contains(written), "{}", warnings[0].message);
        }
    }

    #[test]
    fn titles_handed_out_by_a_notice() {
        assert_eq!(
            titles_in_notice("区人民政府办公室关于印发2023年区《政府工作报告》确定的主要目标任务责任分解方案的通知"),
            ["2023年区《政府工作报告》确定的主要目标任务责任分解方案", "政府工作报告"]
        );
        assert_eq!(
            title_in_notice("立山区人民政府关于印发 《立山区政府2023年重点工作任务分解 和责任分工方案》的通知")
                .as_deref(),
            Some("立山区政府2023年重点工作任务分解和责任分工方案")
        );
        assert_eq!(
            title_in_notice("《北京市人民政府办公厅关于印发〈北京市2016年政务公开工作要点〉的通知》").as_deref(),
            Some("北京市2016年政务公开工作要点")
        );
        assert_eq!(
            title_in_notice("现将《市教育局 2022 年工作要点》印发给你们").as_deref(),
            Some("市教育局 2022 年工作要点")
        );
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
