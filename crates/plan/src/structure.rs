//! The document's outline: which lines are the header, the covering notice, the plan's
//! heading and overview, which are sections, sub-sections and items, and what closes it.
//! Works on cleaned lines; knows nothing of units or targets.

use crate::meta::{is_date_line, looks_like_signature, title_in_notice};
use crate::model::{Section, Subsection, Warning};
use crate::numerals::{arabic_number, chinese_number};
use regex::Regex;
use std::sync::LazyLock;

static SECTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([一二三四五六七八九十]{1,3})\s*[、.．]").expect("valid regex"));
static SUB: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[(（]\s*([一二三四五六七八九十]{1,3})\s*[)）]\s*[、.．]?").expect("valid regex"));
static ARABIC: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^([0-9０-９]{1,3})\s*[.．、]").expect("valid regex"));
/// Words that end a plan's own heading line.
static HEADING_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(工作要点|要点|工作计划|计划|实施方案|方案|任务分工|任务清单|工作安排|安排|实施意见|工作任务)[)）]?$")
        .expect("valid regex")
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Section,
    Sub,
    Arabic,
}

/// A numbered line: its level, number and the byte length of its label.
#[derive(Debug, Clone, Copy)]
struct Numbered {
    level: Level,
    number: u32,
    label_len: usize,
}

fn numbered(line: &str) -> Option<Numbered> {
    if let Some(c) = SECTION.captures(line) {
        let number = chinese_number(&c[1])? as u32;
        return Some(Numbered { level: Level::Section, number, label_len: c[0].len() });
    }
    if let Some(c) = SUB.captures(line) {
        let number = chinese_number(&c[1])? as u32;
        return Some(Numbered { level: Level::Sub, number, label_len: c[0].len() });
    }
    if let Some(c) = ARABIC.captures(line) {
        // "2.0版本" and "3.5万人" are numbers, not labels.
        if line[c[0].len()..].starts_with(|ch: char| ch.is_ascii_digit()) {
            return None;
        }
        let number = arabic_number(&c[1])? as u32;
        return Some(Numbered { level: Level::Arabic, number, label_len: c[0].len() });
    }
    None
}

static INLINE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:[。;；〕)）]|\s)\s*((?:[一二三四五六七八九十]{1,3}、)|(?:[(（][一二三四五六七八九十]{1,3}[)）])|(?:[0-9]{1,3}[.．、][^0-9]))")
        .expect("valid regex")
});

/// Splits paragraphs that run several numbered items together ("…。2.加强…。3.推进…"), as
/// happens when a page loses its line breaks. Used only when that finds far more items.
pub fn split_inline_labels(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for line in lines {
        let mut start = 0;
        for c in INLINE_LABEL.captures_iter(line) {
            let at = c.get(1).expect("group").start();
            if at > start {
                out.push(line[start..at].trim().to_string());
                start = at;
            }
        }
        out.push(line[start..].trim().to_string());
    }
    out.retain(|l| !l.is_empty());
    out
}

/// An item's lines, before units, title and measures are read from them.
#[derive(Debug, Clone)]
pub struct RawItem {
    pub number: u32,
    pub label: String,
    pub section: u32,
    pub subsection: Option<u32>,
    /// The item's text after its label; lines joined by '\n'.
    pub text: String,
    pub order: u32,
}

#[derive(Debug, Clone, Default)]
pub struct Outline {
    pub header: Vec<String>,
    pub notice: Vec<String>,
    pub heading: Option<String>,
    /// A web page's publication line under the heading ("发布日期:… 来源:…").
    pub byline: Vec<String>,
    pub title: String,
    pub preamble: Vec<String>,
    pub sections: Vec<Section>,
    pub subsections: Vec<Subsection>,
    pub items: Vec<RawItem>,
    pub closing: Vec<String>,
}

/// Which numbered levels are sections, sub-sections and items in this document.
struct Levels {
    section: Option<Level>,
    sub: Option<Level>,
    item: Level,
}

fn choose_levels(found: &[Level]) -> Option<Levels> {
    let has = |l| found.contains(&l);
    let (s, b, a) = (has(Level::Section), has(Level::Sub), has(Level::Arabic));
    Some(match (s, b, a) {
        (true, true, true) => Levels { section: Some(Level::Section), sub: Some(Level::Sub), item: Level::Arabic },
        (true, false, true) => Levels { section: Some(Level::Section), sub: None, item: Level::Arabic },
        (false, true, true) => Levels { section: Some(Level::Sub), sub: None, item: Level::Arabic },
        (true, true, false) => Levels { section: Some(Level::Section), sub: None, item: Level::Sub },
        (false, false, true) => Levels { section: None, sub: None, item: Level::Arabic },
        (false, true, false) => Levels { section: None, sub: None, item: Level::Sub },
        (true, false, false) => Levels { section: None, sub: None, item: Level::Section },
        (false, false, false) => return None,
    })
}

/// Builds the outline of a document from its cleaned lines. `None` when no numbered item
/// can be found at all.
pub fn outline(lines: &[String], warnings: &mut Vec<Warning>) -> Option<Outline> {
    let numbered_lines: Vec<Option<Numbered>> = lines.iter().map(|l| numbered(l)).collect();
    let found: Vec<Level> = numbered_lines.iter().flatten().map(|n| n.level).collect();
    let levels = choose_levels(&found)?;
    let role = |n: &Numbered| -> Option<Level> {
        if Some(n.level) == levels.section {
            Some(Level::Section)
        } else if Some(n.level) == levels.sub {
            Some(Level::Sub)
        } else if n.level == levels.item {
            Some(Level::Arabic)
        } else {
            None
        }
    };
    let first = numbered_lines.iter().position(|n| n.as_ref().and_then(role).is_some())?;

    let mut out = Outline::default();
    front_matter(&lines[..first], &mut out);

    // The body: numbered lines open a node; other lines continue the open node.
    enum Open {
        Section(usize),
        Sub(usize),
        Item(usize),
    }
    let mut open: Option<Open> = None;
    let mut section = 0u32;
    let mut subsection: Option<u32> = None;
    let mut last_item: Option<u32> = None;
    let mut last_section: Option<u32> = None;
    for (i, line) in lines.iter().enumerate().skip(first) {
        let order = i as u32;
        let node = numbered_lines[i].as_ref().and_then(|n| role(n).map(|r| (r, *n)));
        match node {
            Some((Level::Section, n)) => {
                check_sequence("一、", last_section, n.number, false, None, warnings);
                last_section = Some(n.number);
                section = n.number;
                subsection = None;
                out.sections.push(Section {
                    order,
                    number: n.number,
                    label: line[..n.label_len].to_string(),
                    title: line[n.label_len..].trim().to_string(),
                    intro: None,
                });
                open = Some(Open::Section(out.sections.len() - 1));
            }
            Some((Level::Sub, n)) => {
                subsection = Some(n.number);
                out.subsections.push(Subsection {
                    order,
                    section,
                    number: n.number,
                    label: line[..n.label_len].to_string(),
                    title: line[n.label_len..].trim().to_string(),
                    intro: None,
                });
                open = Some(Open::Sub(out.subsections.len() - 1));
            }
            Some((_, n)) => {
                let restarted = out.items.last().is_some_and(|it| it.section != section) && n.number == 1;
                check_sequence("条目", last_item, n.number, restarted, Some(n.number), warnings);
                last_item = Some(n.number);
                out.items.push(RawItem {
                    number: n.number,
                    label: line[..n.label_len].to_string(),
                    section,
                    subsection,
                    text: line[n.label_len..].trim().to_string(),
                    order,
                });
                open = Some(Open::Item(out.items.len() - 1));
            }
            None => match open {
                Some(Open::Item(k)) => {
                    let t = &mut out.items[k].text;
                    t.push('\n');
                    t.push_str(line);
                }
                Some(Open::Section(k)) => append(&mut out.sections[k].intro, line),
                Some(Open::Sub(k)) => append(&mut out.subsections[k].intro, line),
                None => {}
            },
        }
    }
    if out.items.is_empty() {
        return None;
    }
    take_closing(&mut out);
    Some(out)
}

fn append(slot: &mut Option<String>, line: &str) {
    match slot {
        Some(s) => {
            s.push('\n');
            s.push_str(line);
        }
        None => *slot = Some(line.to_string()),
    }
}

/// Warns when numbering skips or goes back (a likely typo or a lost item).
fn check_sequence(
    what: &str,
    last: Option<u32>,
    n: u32,
    restarted: bool,
    item: Option<u32>,
    warnings: &mut Vec<Warning>,
) {
    let expected = last.map_or(1, |l| l + 1);
    if n == expected || restarted {
        return;
    }
    let (code, message) = if last.is_some_and(|l| n <= l) {
        ("numbering_order", format!("{what}编号 {n} 出现在 {} 之后,编号重复或顺序颠倒,请核对", last.unwrap_or(0)))
    } else {
        ("numbering_gap", format!("{what}编号从 {} 跳到 {n},中间可能缺少内容,请核对", expected.saturating_sub(1)))
    };
    warnings.push(Warning { item, code: code.into(), message });
}

/// Splits the lines before the first section or item into header, notice, heading and
/// preamble.
fn front_matter(lines: &[String], out: &mut Outline) {
    let notice_start = lines.iter().position(|l| {
        let n = l.chars().count();
        n <= 120 && (l.contains("关于印发") || (l.starts_with("关于") && l.ends_with("通知")))
    });
    if let Some(ns) = notice_start
        && let Some(t) = title_in_notice(&lines[ns])
    {
        out.title = t;
    }
    let search_from = notice_start.map_or(0, |n| n + 1);
    let heading_at = (search_from..lines.len()).find(|&i| {
        let l = &lines[i];
        if !out.title.is_empty() {
            let squeeze: String = l.chars().filter(|c| !c.is_whitespace()).collect();
            let title: String = out.title.chars().filter(|c| !c.is_whitespace()).collect();
            return squeeze == title || squeeze.trim_start_matches('《').trim_end_matches('》') == title;
        }
        is_heading_like(l)
    });
    if out.title.is_empty()
        && let Some(h) = heading_at
    {
        out.title = lines[h].trim().trim_start_matches('《').trim_end_matches('》').to_string();
    }
    let body_from = match (notice_start, heading_at) {
        (Some(ns), Some(h)) => {
            out.header = lines[..ns].to_vec();
            out.notice = lines[ns..h].to_vec();
            out.heading = Some(lines[h].clone());
            h + 1
        }
        (Some(ns), None) => {
            // No heading line: the notice ends at its signature date.
            let end = (ns..lines.len()).find(|&i| is_date_line(&lines[i])).map_or(ns + 1, |i| i + 1);
            out.header = lines[..ns].to_vec();
            out.notice = lines[ns..end].to_vec();
            end
        }
        (None, Some(h)) => {
            out.header = lines[..h].to_vec();
            out.heading = Some(lines[h].clone());
            h + 1
        }
        (None, None) => {
            let end = lines.iter().rposition(|l| is_catalogue_line(l)).map_or(0, |i| i + 1);
            out.header = lines[..end].to_vec();
            end
        }
    };
    let rest = &lines[body_from.min(lines.len())..];
    let byline_len = rest.iter().take_while(|l| is_catalogue_line(l)).count();
    out.byline = rest[..byline_len].to_vec();
    out.preamble = rest[byline_len..].to_vec();
}

fn is_heading_like(line: &str) -> bool {
    let n = line.chars().count();
    // A heading may be written inside book-title marks on its own line: 《2025年…工作要点》.
    let bare = line.trim().trim_start_matches('《').trim_end_matches('》');
    (4..=60).contains(&n) && !line.contains(['。', ':', '：', ',', '，']) && HEADING_WORDS.is_match(bare)
}

fn is_catalogue_line(line: &str) -> bool {
    ["索引号", "索  引  号", "发文机关", "成文日期", "发布日期", "组配分类", "有效性", "首页", "当前位置", "字号"]
        .iter()
        .any(|w| line.contains(w))
        || line.starts_with('>')
}

/// The footer of a saved web page: print/close links, the site's sponsor, its licence number.
fn is_page_furniture(line: &str) -> bool {
    line.chars().count() <= 80
        && [
            "打印本页",
            "关闭窗口",
            "【打印】",
            "【关闭】",
            "主办单位",
            "承办单位",
            "网站标识码",
            "ICP备",
            "备案号",
            "版权所有",
            "联系我们",
            "扫一扫",
            "返回顶部",
            "网站地图",
            "分享到",
            "【字体",
            "相关链接",
            "公网安备",
            "技术支持",
        ]
        .iter()
        .any(|w| line.contains(w))
}

/// Moves the signature, date and 抄送/附件 lines at the end of the last item into `closing`.
fn take_closing(out: &mut Outline) {
    let Some(last) = out.items.last_mut() else {
        return;
    };
    let mut lines: Vec<&str> = last.text.split('\n').collect();
    let mut closing = Vec::new();
    while lines.len() > 1 {
        let l = lines[lines.len() - 1].trim();
        let closes = is_date_line(l)
            || looks_like_signature(l)
            || is_page_furniture(l)
            || l.starts_with("抄送")
            || l.starts_with("附件")
            || l.starts_with("(此件")
            || l.starts_with("（此件");
        if !closes {
            break;
        }
        closing.push(l.to_string());
        lines.pop();
    }
    if !closing.is_empty() {
        closing.reverse();
        last.text = lines.join("\n");
        out.closing = closing;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect()
    }

    #[test]
    fn three_levels() {
        let doc = lines(
            "某某局2024年工作要点\n总体思路。\n一、党的建设\n（一）思想建设\n1.学习。(牵头单位:办公室)\n2.培训。\n（二）组织建设\n3.发展。\n二、业务\n（一）改革\n4.深化。",
        );
        let mut w = Vec::new();
        let o = outline(&doc, &mut w).expect("outline");
        assert_eq!(o.title, "某某局2024年工作要点");
        assert_eq!(o.preamble, vec!["总体思路。"]);
        assert_eq!(o.sections.len(), 2);
        assert_eq!(o.subsections.len(), 3);
        assert_eq!(o.items.len(), 4);
        assert_eq!((o.items[2].section, o.items[2].subsection), (1, Some(2)));
        assert_eq!((o.items[3].section, o.items[3].subsection), (2, Some(1)));
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn two_levels_with_chinese_items_and_restarts() {
        let doc = lines("一、总体\n（一）甲。\n（二）乙。\n二、分项\n（一）丙。");
        let mut w = Vec::new();
        let o = outline(&doc, &mut w).expect("outline");
        assert_eq!(o.items.len(), 3);
        assert_eq!(o.items[2].label, "（一）");
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn gaps_are_warned() {
        let doc = lines("1.甲。\n2.乙。\n4.丙。\n3.丁。");
        let mut w = Vec::new();
        outline(&doc, &mut w).expect("outline");
        let codes: Vec<_> = w.iter().map(|w| w.code.as_str()).collect();
        assert_eq!(codes, vec!["numbering_gap", "numbering_order"]);
    }

    #[test]
    fn web_page_footer_is_not_part_of_the_last_item() {
        let doc = lines(
            "一、总体
1.甲。(牵头单位:办公室)
【打印本页】【关闭窗口】
主办单位:某市人民政府办公室 网站标识码:3600000001
赣ICP备05004152号",
        );
        let mut w = Vec::new();
        let o = outline(&doc, &mut w).expect("outline");
        assert_eq!(o.items[0].text, "甲。(牵头单位:办公室)");
        assert_eq!(o.closing.len(), 3);
    }

    #[test]
    fn run_together_items_are_split() {
        let doc = lines("一、总体要求 1.甲事项。(牵头单位:办公室)2.乙事项。3.5万人参加。二、保障 3.丙事项。");
        let split = split_inline_labels(&doc);
        assert_eq!(
            split,
            vec!["一、总体要求", "1.甲事项。(牵头单位:办公室)", "2.乙事项。3.5万人参加。", "二、保障", "3.丙事项。"]
        );
    }

    #[test]
    fn versions_are_not_labels() {
        assert!(numbered("2.0版本全面上线").is_none());
        assert!(numbered("2024年工作").is_none());
        assert!(numbered("12、加强").is_some());
    }
}
