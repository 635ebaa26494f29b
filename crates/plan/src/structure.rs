//! The document's outline: which lines are the header, the covering notice, the plan's
//! heading and overview, which are sections, sub-sections and items, and what closes it.
//! Works on cleaned lines; knows nothing of units or targets.

use crate::meta::{is_date_line, looks_like_signature, title_in_notice, titles_in_notice};
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
    Regex::new(
        r"(工作要点|要点|工作计划|计划|实施方案|方案|任务分工|任务清单|工作安排|安排|实施意见|工作任务|分解表|任务表|一览表|清单|台账)[)）]?$",
    )
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
    /// Digits follow the label ("11.365工程建设", "3.5G基站"): the line is an item only where
    /// the numbering expects that number, and is otherwise text starting with a decimal.
    ambiguous: bool,
}

fn numbered(line: &str) -> Option<Numbered> {
    if let Some(c) = SECTION.captures(line) {
        let number = chinese_number(&c[1])? as u32;
        return Some(Numbered { level: Level::Section, number, label_len: c[0].len(), ambiguous: false });
    }
    if let Some(c) = SUB.captures(line) {
        let number = chinese_number(&c[1])? as u32;
        return Some(Numbered { level: Level::Sub, number, label_len: c[0].len(), ambiguous: false });
    }
    if let Some(c) = ARABIC.captures(line) {
        let rest = &line[c[0].len()..];
        let ambiguous = rest.starts_with(|ch: char| ch.is_ascii_digit());
        // "2.0版本", "3.5万人" and "95.5%" are numbers, not labels.
        if ambiguous && !digits_may_open_title(rest) {
            return None;
        }
        let number = arabic_number(&c[1])? as u32;
        return Some(Numbered { level: Level::Arabic, number, label_len: c[0].len(), ambiguous });
    }
    None
}

/// Whether text starting with digits right after an item label can be the item's title
/// ("365工程建设", "5G基站建设") rather than the decimals of a number ("5万人", "0版本", "5%").
fn digits_may_open_title(rest: &str) -> bool {
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let after = &rest[digits..];
    // "1.2017年10月底前实现…": a year opens the title; no decimal is written with four places
    // before 年.
    if digits == 4 && (rest.starts_with("19") || rest.starts_with("20")) && after.starts_with('年') {
        return true;
    }
    !rest.starts_with('0')
        && !after.is_empty()
        && !after.starts_with(['.', '．', '%', '％', '‰', '万', '亿', '千', '百', '倍', '年', '月', '日', '号'])
        && !crate::targets::starts_with_unit(after)
}

static INLINE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:[一二三四五六七八九十]{1,3}、)|(?:[(（][一二三四五六七八九十]{1,3}[)）])|(?:[0-9]{1,3}\s*[.．、])")
        .expect("valid regex")
});

/// Splits paragraphs that run several numbered items together ("…。2.加强…。3.推进…"), as
/// happens when a page loses its line breaks. Used only when that finds far more items.
///
/// A label splits after a sentence end, a closing bracket or a blank. An Arabic label also
/// splits straight after text ("…的领导1.强化…", "…思政科等2 .夯实…") when it carries the
/// number the items have reached, so a decimal ("95.5%") or a stray number never does.
pub fn split_inline_labels(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut next_item = 1u32;
    let mut section_opened = false;
    for line in lines {
        if let Some(n) = numbered(line) {
            match n.level {
                Level::Arabic if !n.ambiguous => {
                    next_item = n.number + 1;
                    section_opened = false;
                }
                Level::Section => section_opened = true,
                _ => {}
            }
        }
        let mut start = 0;
        for m in INLINE_LABEL.find_iter(line) {
            let at = m.start();
            if at == 0 {
                continue;
            }
            let before = line[..at].chars().next_back();
            let after = line[m.end()..].trim_start().chars().next();
            let boundary = before.is_some_and(|c| {
                c.is_whitespace() || matches!(c, '。' | ';' | '；' | '〕' | ')' | '）' | '!' | '！' | '?' | '？')
            });
            let arabic = m.as_str().starts_with(|c: char| c.is_ascii_digit());
            let accepted = if arabic {
                let number: u32 = m.as_str().trim_end_matches(['.', '．', '、']).trim().parse().unwrap_or(0);
                let in_sequence = number == next_item || (number == 1 && section_opened);
                let glued = before.is_some_and(|c| !c.is_ascii_digit() && !matches!(c, '.' | '．' | '第'));
                let ok = after.is_some_and(|c| !c.is_ascii_digit()) && (boundary || (glued && in_sequence));
                if ok {
                    next_item = number + 1;
                    section_opened = false;
                }
                ok
            } else {
                if boundary && m.as_str().ends_with('、') {
                    section_opened = true;
                }
                boundary
            };
            if accepted && at > start {
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
    // The numbered paragraphs of a covering notice (一、各责任单位要… 二、…) are the notice's,
    // not the plan's sections.
    let notice_end = covering_notice_end(lines);
    let numbered_lines: Vec<Option<Numbered>> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| if notice_end.is_some_and(|e| i <= e) { None } else { numbered(l) })
        .collect();
    let found: Vec<Level> = numbered_lines.iter().flatten().filter(|n| !n.ambiguous).map(|n| n.level).collect();
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
    let first = numbered_lines.iter().position(|n| n.as_ref().filter(|n| !n.ambiguous).and_then(role).is_some())?;

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
    // "附件:1.…;\n2.…;\n3.…" after the items: the attachments' list, whose numbers are no items.
    let mut in_attachments = false;
    for (i, line) in lines.iter().enumerate().skip(first) {
        let order = i as u32;
        in_attachments |= !out.items.is_empty() && is_attachment_list(line);
        let node =
            numbered_lines[i].as_ref().filter(|_| !in_attachments).and_then(|n| role(n).map(|r| (r, *n))).filter(
                |(_, n)| {
                    // "11.365工程建设" is item 11 only right after item 10 (or as the first item of a
                    // section); elsewhere it is text that starts with a decimal.
                    !n.ambiguous || {
                        let section_is_new = out.items.last().is_none_or(|it| it.section != section);
                        n.number == last_item.map_or(1, |l| l + 1) || (n.number == 1 && section_is_new)
                    }
                },
            );
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

/// The line that ends a covering notice whose paragraphs are numbered like a plan's: the
/// signature date after a "关于印发…" or "…印发给你们" line, when numbered lines follow it
/// (the plan itself). `None` when the document has no such notice.
fn covering_notice_end(lines: &[String]) -> Option<usize> {
    let start = notice_start(lines)?;
    let end = (start + 1..lines.len()).find(|&i| is_date_line(&lines[i]))?;
    let numbered_before = lines[start..end].iter().any(|l| numbered(l).is_some());
    let numbered_after = lines[end + 1..].iter().any(|l| numbered(l).is_some());
    (numbered_before && numbered_after).then_some(end)
}

/// Where a covering notice starts: its title line ("关于印发…的通知"), or else the salutation
/// before the line that hands the plan out ("各区人民政府:" / "《…》已经…同意,现印发给你们").
fn notice_start(lines: &[String]) -> Option<usize> {
    // A title line, not a sentence that cites another notice ("为贯彻落实《…关于印发…的通知》,…").
    let titled = lines.iter().position(|l| {
        let n = l.chars().count();
        n <= 120
            && !l.contains(['。', ',', '，', ';', '；'])
            && (l.contains("关于印发") || (l.starts_with("关于") && l.ends_with("通知")))
    });
    if titled.is_some() {
        return titled;
    }
    // Only near the top: a plan's own text may mention 印发 much later.
    let handing = lines.iter().take(12).position(|l| l.contains("印发给你们") || l.contains("印发给各"))?;
    let salutation = handing.checked_sub(1).filter(|&i| lines[i].ends_with([':', '：']));
    Some(salutation.unwrap_or(handing))
}

/// How many lines a covering notice's title takes: up to the line that ends in 通知 when the
/// first line starts it ("…关于印发《X" / "Y》的通知"), at most four; else one.
fn notice_title_span(notice: &[String]) -> usize {
    let Some(first) = notice.first() else {
        return 0;
    };
    if !first.contains("关于") || first.trim_end().ends_with("通知") {
        return 1;
    }
    notice
        .iter()
        .take(4)
        .position(|l| l.contains(['。', ',', '，', ':', '：']) || l.trim_end().ends_with("通知"))
        .filter(|&i| notice[i].trim_end().ends_with("通知"))
        .map_or(1, |i| i + 1)
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
    let notice_start = notice_start(lines);
    // The titles the notice hands out: in its title line, or quoted in its text.
    let notice_lines = notice_start.map_or(&lines[..0], |ns| {
        let end = (ns..lines.len()).find(|&i| is_date_line(&lines[i])).unwrap_or(lines.len());
        &lines[ns..end]
    });
    // A notice title broken over lines ("关于印发《2020年社会救助兜底脱贫\n行动实施方案》的通知")
    // is read whole, before the notice's text (which may cite other documents in 《》).
    let span = notice_title_span(notice_lines);
    let notice_texts: Vec<String> =
        std::iter::once(notice_lines[..span].concat()).chain(notice_lines[span..].iter().cloned()).collect();
    if let Some(t) = notice_texts.iter().find_map(|l| title_in_notice(l)) {
        out.title = t;
    }
    let mut handed_out: Vec<String> = Vec::new();
    for t in notice_texts.iter().flat_map(|l| titles_in_notice(l)).map(|t| comparable(&t)) {
        if !handed_out.contains(&t) {
            handed_out.push(t);
        }
    }
    let search_from = notice_start.map_or(0, |n| n + 1);
    // The plan's heading line, or two lines when a long heading is broken ("…重点工作\n任务分解
    // 和责任分工方案"): (first line, line count).
    let heading_at = (search_from..lines.len()).find_map(|i| {
        let pair = lines.get(i + 1).filter(|next| is_heading_half(&lines[i]) && is_heading_half(next));
        let matches = |l: &str| {
            if handed_out.is_empty() {
                is_heading_like(l)
            } else {
                let bare = comparable(l.trim_start_matches('《').trim_end_matches('》'));
                handed_out.contains(&comparable(l)) || handed_out.contains(&bare)
            }
        };
        if matches(&lines[i]) {
            Some((i, 1))
        } else {
            // Not when the next line is a heading of its own (a 文号 line above it, say).
            pair.filter(|next| !matches(next) && matches(&format!("{}{}", lines[i], next))).map(|_| (i, 2))
        }
    });
    // The heading gives the title as the plan itself writes it.
    if let Some((h, n)) = heading_at {
        let joined: String = lines[h..h + n].concat();
        out.title = joined.trim().trim_start_matches('《').trim_end_matches('》').to_string();
    }
    let body_from = match (notice_start, heading_at) {
        (Some(ns), Some((h, n))) => {
            out.header = lines[..ns].to_vec();
            out.notice = lines[ns..h].to_vec();
            out.heading = Some(lines[h..h + n].join("\n"));
            h + n
        }
        (Some(ns), None) => {
            // No heading line: the notice ends at its signature date.
            let end = (ns..lines.len()).find(|&i| is_date_line(&lines[i])).map_or(ns + 1, |i| i + 1);
            out.header = lines[..ns].to_vec();
            out.notice = lines[ns..end].to_vec();
            end
        }
        (None, Some((h, n))) => {
            out.header = lines[..h].to_vec();
            out.heading = Some(lines[h..h + n].join("\n"));
            h + n
        }
        (None, None) => {
            // The catalogue block, and an issuer and date printed above the text.
            let end = lines.iter().rposition(|l| is_catalogue_line(l) || is_date_line(l)).map_or(0, |i| i + 1);
            out.header = lines[..end].to_vec();
            end
        }
    };
    let rest = &lines[body_from.min(lines.len())..];
    let byline_len = rest.iter().take_while(|l| is_catalogue_line(l)).count();
    out.byline = rest[..byline_len].to_vec();
    out.preamble = rest[byline_len..].to_vec();
}

/// A title compared as written, whatever its line breaks, padding and the form of its inner
/// quotes (〈政府工作报告〉 in a notice, 《政府工作报告》 in the heading).
fn comparable(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '〈' => '《',
            '〉' => '》',
            c => c,
        })
        .collect()
}

/// One line of a heading broken in two: short, no sentence punctuation, no date line.
fn is_heading_half(line: &str) -> bool {
    (2..=40).contains(&line.chars().count())
        && !line.contains(['。', ':', '：', ',', '，', ';', '；', '〔', '〕'])
        && !is_date_line(line)
        && !looks_like_signature(line)
}

/// A plan's own heading line: short, no sentence punctuation, ending in 工作要点, 方案, 分解表….
pub fn is_heading_like(line: &str) -> bool {
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
/// The line that opens a list of attachments: "附件:1.…" or "附件:" alone.
fn is_attachment_list(line: &str) -> bool {
    let l = line.trim_start();
    l.starts_with("附件:") || l.starts_with("附件：")
}

fn take_closing(out: &mut Outline) {
    // The document's last lines are the text of whatever was numbered last: an item, or a
    // section or sub-section without items of its own ("(四)加强宣传引导。…" closing a plan).
    let last_item = out.items.last().map(|i| i.order);
    let last_section = out.sections.last().map(|s| s.order);
    let last_sub = out.subsections.last().map(|s| s.order);
    let tail = if last_sub > last_item && last_sub >= last_section {
        out.subsections.last_mut().and_then(|s| s.intro.as_mut())
    } else if last_section > last_item && last_section > last_sub {
        out.sections.last_mut().and_then(|s| s.intro.as_mut())
    } else {
        out.items.last_mut().map(|i| &mut i.text)
    };
    let Some(text) = tail else {
        return;
    };
    let mut lines: Vec<&str> = text.split('\n').collect();
    let mut closing = Vec::new();
    // The attachments' list and whatever follows it close the document.
    if let Some(at) = lines.iter().skip(1).position(|l| is_attachment_list(l)).map(|p| p + 1) {
        closing.extend(lines.drain(at..).rev().map(|l| l.trim().to_string()));
    }
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
        *text = lines.join("\n");
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
    fn a_title_starting_with_digits_is_an_item_where_the_numbering_expects_it() {
        let doc = lines(
            "1.甲。\n2.乙。\n3.丙。\n4.丁。\n5.戊。\n6.己。\n7.庚。\n8.辛。\n9.壬。\n10.癸。\n11.365工程建设。推进。\n12.5G基站建设。\n3.5万人参加培训,达到95.5%。\n13.子。",
        );
        let mut w = Vec::new();
        let o = outline(&doc, &mut w).expect("outline");
        let items: Vec<(u32, &str)> = o.items.iter().map(|i| (i.number, i.text.as_str())).collect();
        assert_eq!(items.len(), 13, "{items:?}");
        assert_eq!(items[10], (11, "365工程建设。推进。"));
        assert_eq!(o.items[10].label, "11.");
        // A decimal at the start of a line continues the item before it.
        assert_eq!(items[11], (12, "5G基站建设。\n3.5万人参加培训,达到95.5%。"));
        assert!(w.is_empty(), "no numbering gap: {w:?}");
        // "11.121人才梯队项目": 人 opens the word 人才, so 121 counts no one.
        let mut w = Vec::new();
        let o = outline(&lines("9.甲。\n10.乙。\n11.121人才梯队项目。培养。"), &mut w).expect("outline");
        assert_eq!(o.items.last().map(|i| (i.number, i.text.as_str())), Some((11, "121人才梯队项目。培养。")));
        // Out of sequence, "7.365…" is not item 7 again.
        let mut w = Vec::new();
        let o = outline(&lines("1.甲。\n2.乙。\n7.365天值守。"), &mut w).expect("outline");
        assert_eq!(o.items.len(), 2);
        assert!(w.is_empty(), "{w:?}");
        // "1.2017年10月底前实现…": a year opening the first item's title, not a decimal.
        let mut w = Vec::new();
        let o = outline(&lines("一、任务\n1.2017年10月底前实现多证合一。\n2.乙。\n3.2.5年内完成。"), &mut w)
            .expect("outline");
        let items: Vec<(u32, &str)> = o.items.iter().map(|i| (i.number, i.text.as_str())).collect();
        assert_eq!(items, vec![(1, "2017年10月底前实现多证合一。"), (2, "乙。\n3.2.5年内完成。")]);
    }

    #[test]
    fn an_attachment_list_and_a_signature_after_a_sub_section_close_the_document() {
        let doc = lines(
            "某片区2020年工作要点\n一、任务\n1.甲。\n2.乙。\n二、保障\n（一）加强领导\n各村要加强领导。\n\
             附件：1.任务表；\n2.领导小组名单；\n3.小分队名单\n某片区管理局\n2020年3月10日",
        );
        let mut w = Vec::new();
        let o = outline(&doc, &mut w).expect("outline");
        let items: Vec<&str> = o.items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(items, ["甲。", "乙。"]);
        assert_eq!(o.subsections[0].intro.as_deref(), Some("各村要加强领导。"));
        assert_eq!(
            o.closing,
            ["附件：1.任务表；", "2.领导小组名单；", "3.小分队名单", "某片区管理局", "2020年3月10日"]
        );
    }

    #[test]
    fn a_notice_title_broken_over_lines_names_the_plan() {
        let doc = lines(
            "某片区管理局党政办公室\n关于印发《2020年社会救助兜底脱贫\n行动实施方案》的通知\n各处室：\n\
             根据《某某关于开展专项整治的通知》要求，制定本方案。\n一、任务\n1.甲。\n2.乙。\n某片区管理局党政办公室\n2020年5月25日",
        );
        let mut w = Vec::new();
        let o = outline(&doc, &mut w).expect("outline");
        assert_eq!(o.title, "2020年社会救助兜底脱贫行动实施方案");
    }

    #[test]
    fn the_numbered_paragraphs_of_a_covering_notice_are_not_sections() {
        let doc = lines(
            "区人民政府办公室关于印发2023年区《政府工作报告》确定的主要目标任务责任分解方案的通知
各街道办事处:
现印发给你们,并就有关事项通知如下:
一、各责任单位要高度重视。
二、纳入绩效管理考核范围。
蔡甸区人民政府办公室
2023年1月3日
2023年区《政府工作报告》确定的主要目标任务
责任分解方案
一、主要预期目标
(一)地区生产总值增长7%以上
责任单位:区发展和改革局",
        );
        let mut w = Vec::new();
        let o = outline(&doc, &mut w).expect("outline");
        assert_eq!(o.sections.len(), 1);
        assert_eq!(o.sections[0].title, "主要预期目标");
        assert_eq!(o.items.len(), 1);
        assert_eq!(o.notice.len(), 7);
        assert_eq!(o.title, "2023年区《政府工作报告》确定的主要目标任务责任分解方案");
        assert_eq!(o.heading.as_deref(), Some("2023年区《政府工作报告》确定的主要目标任务\n责任分解方案"));
    }

    #[test]
    fn run_on_plan_is_split_by_its_numbering() {
        let doc = lines(
            "XX市教育局2024年工作要点总体要求:贡献力量!一、坚持党建引领,加强领导1.强化理论武装。达到95.5%。责任科室:组织科、思政科等2 .夯实基层党组织建设。",
        );
        let split = split_inline_labels(&doc);
        assert_eq!(
            split,
            vec![
                "XX市教育局2024年工作要点总体要求:贡献力量!",
                "一、坚持党建引领,加强领导",
                "1.强化理论武装。达到95.5%。责任科室:组织科、思政科等",
                "2 .夯实基层党组织建设。"
            ]
        );
        // A number out of sequence glued to text is not a label.
        assert_eq!(split_inline_labels(&lines("1.甲。共有5.个")), vec!["1.甲。共有5.个"]);
    }

    #[test]
    fn versions_are_not_labels() {
        assert!(numbered("2.0版本全面上线").is_none());
        assert!(numbered("2024年工作").is_none());
        assert!(numbered("12、加强").is_some());
    }
}
