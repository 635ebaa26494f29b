//! The bulletin as a sequence of blocks (title, headings, paragraphs, tables, charts) that the
//! Word, PDF and HTML renderers lay out, so the three show the same content in the same order.

use crate::chart::BarChart;
use domain::bulletin::{
    Bulletin, ItemLine, LedgerRow, Tally, UnitItems, UnitLine, chinese_date, full_width, is_nothing, percent,
    short_note, signed,
};
use domain::{Colour, Status};

/// The columns of the ledger annex in Word and PDF (the full ledger is in the spreadsheet).
pub const ANNEX_COLUMNS: [&str; 8] =
    ["序号", "编号", "工作任务", "责任单位", "累计完成", "状态", "本月进展", "存在问题"];

/// Relative widths of the annex columns: 序号 wide enough never to wrap ("序号", "459"), 状态
/// for "序时推进" on one line.
const ANNEX_WIDTHS: [f64; 8] = [6.0, 7.0, 15.0, 13.0, 8.0, 9.5, 19.0, 11.0];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub fn hex(self) -> String {
        format!("{:02X}{:02X}{:02X}", self.0, self.1, self.2)
    }
}

/// The fill of a status cell: the status colour of the product, light enough to read on.
pub fn colour_fill(c: Colour) -> Rgb {
    match c {
        Colour::Green => Rgb(0xC6, 0xEF, 0xCE),
        Colour::Yellow => Rgb(0xFF, 0xEB, 0x9C),
        Colour::Red => Rgb(0xFF, 0xC7, 0xCE),
    }
}

/// A bar's colour per status, for charts.
pub fn status_colour(s: Status) -> Rgb {
    match s {
        Status::Completed => Rgb(0x2E, 0x7D, 0x32),
        Status::Ahead => Rgb(0x43, 0xA0, 0x47),
        Status::OnPace => Rgb(0x81, 0xC7, 0x84),
        Status::Behind => Rgb(0xF9, 0xA8, 0x25),
        Status::NotStarted => Rgb(0x9E, 0x9E, 0x9E),
        Status::Overdue => Rgb(0xC6, 0x28, 0x28),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub fill: Option<Rgb>,
}

impl Cell {
    fn plain(text: impl Into<String>) -> Cell {
        Cell { text: text.into(), fill: None }
    }
    fn status(text: impl Into<String>, colour: Colour) -> Cell {
        Cell { text: text.into(), fill: Some(colour_fill(colour)) }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Relative column widths; renderers scale them to the text width.
    pub widths: Vec<f64>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// 版头: the red 发文机关标志 ("鹰潭市教育局文件" or "督查通报"), the 发文字号 (鹰教督〔2024〕10号)
    /// or the issue number (第10期) with the issuer and date, then the red separator line.
    Masthead {
        mark: String,
        number: String,
        issuer_line: Option<(String, String)>,
    },
    Title(String),
    /// 主送机关, flush left, ending with a colon.
    Addressees(String),
    /// 一、… in 黑体.
    Heading1(String),
    /// (一)… in 楷体.
    Heading2(String),
    /// A body paragraph that opens with its (一) heading run in: "（一）部分单位滞后。" in 楷体,
    /// then the text, as offices write short bulletins.
    Lead {
        heading: String,
        text: String,
    },
    /// A body paragraph, first line indented two characters, justified.
    Para(String),
    /// A small note (注, rules under a table).
    Note(String),
    Table(Table),
    /// A chart: the web page shows it; the official document carries figures in words.
    Chart(BarChart),
    /// 附件说明: "附件:1.…", then the further annexes aligned under the first name.
    Attachments(Vec<String>),
    /// 发文机关署名 and 成文日期.
    Signature {
        issuer: String,
        date: String,
    },
    /// A new page (before an annex).
    PageBreak,
    /// 附件1 label, flush left in 黑体.
    AnnexLabel(String),
    /// 版记 at the end: 抄送, 印发机关 and 印发日期 between lines.
    Colophon {
        cc: Option<String>,
        printed_by: String,
        printed_on: String,
    },
}

const CN_NUMBERS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

fn cn(n: usize) -> &'static str {
    CN_NUMBERS.get(n).copied().unwrap_or("十")
}

/// At most this many names in a sentence; the rest are "等N项" and in the annex.
const NAMED: usize = 3;

/// 发文字号 with the 六角括号 GB/T 9704 asks for: 鹰教督[2024]10号 → 鹰教督〔2024〕10号.
pub fn doc_number(s: &str) -> String {
    let s = s.trim();
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, '[' | '(' | '\u{FF08}' | '\u{3010}' | '\u{FF3B}') && i + 5 < chars.len() {
            let year: String = chars.iter().skip(i + 1).take(4).collect();
            let close = chars.get(i + 5).copied();
            if year.chars().count() == 4
                && year.chars().all(|d| d.is_ascii_digit())
                && matches!(close, Some(']' | ')' | '\u{FF09}' | '\u{3011}' | '\u{FF3D}'))
            {
                out.push('\u{3014}');
                out.push_str(&year);
                out.push('\u{3015}');
                i += 6;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The 成文日期 as printed: 2024年11月5日, or blanks for the office to fill in.
pub fn issue_date(b: &Bulletin) -> String {
    b.issued_on.map_or_else(|| "\u{3000}\u{3000}年\u{3000}月\u{3000}日".to_string(), chinese_date)
}

fn item_name(l: &ItemLine) -> String {
    format!("第{}项“{}”", l.number, l.title)
}

/// "(进度83.5%)": the item's progress; its pace and the per-unit figures are in the annexes.
fn figures(l: &ItemLine) -> String {
    l.assessment.progress.map_or_else(String::new, |p| format!("（进度{}）", percent(p)))
}

/// "A、B、C等N项" (one name alone as it is): at most [`NAMED`] names.
fn named(names: Vec<String>, noun: &str) -> String {
    let n = names.len();
    if n == 1 {
        return names.into_iter().next().unwrap_or_default();
    }
    let shown: Vec<String> = names.into_iter().take(NAMED).collect();
    format!("{}等{n}{noun}", shown.join("、"))
}

/// At most this many units named for each reporting problem.
const NAMED_REPORTING: usize = 2;

/// "19项(月湖区3项、电教馆2项等11个单位)": the units with most items first.
fn unit_items_count(list: &[UnitItems]) -> String {
    let mut v: Vec<&UnitItems> = list.iter().collect();
    v.sort_by_key(|u| std::cmp::Reverse(u.items.len()));
    let total: usize = list.iter().map(|u| u.items.len()).sum();
    let names: Vec<String> = v.iter().take(NAMED_REPORTING).map(|u| format!("{}{}项", u.unit, u.items.len())).collect();
    let more = if list.len() > NAMED_REPORTING { format!("等{}个单位", list.len()) } else { String::new() };
    format!("{total}项（{}{more}）", names.join("、"))
}

fn unit_detail(u: &UnitLine) -> String {
    let mut s = format!("{}（{}项中{}项达序时", u.unit, u.assignments, u.on_pace);
    if u.unreported > 0 {
        s.push_str(&format!("，{}项未报送", u.unreported));
    }
    s.push('）');
    s
}

fn tally_table(items: &Tally, assignments: &Tally) -> Table {
    let change = |t: &Tally, s: Status| t.row(s).change().map_or_else(|| "—".to_string(), signed);
    let mut rows: Vec<Vec<Cell>> = Status::ALL
        .into_iter()
        .map(|s| {
            vec![
                Cell { text: s.label().to_string(), fill: Some(colour_fill(default_colour(s))) },
                Cell::plain(items.count(s).to_string()),
                Cell::plain(percent(items.row(s).share)),
                Cell::plain(change(items, s)),
                Cell::plain(assignments.count(s).to_string()),
                Cell::plain(percent(assignments.row(s).share)),
                Cell::plain(change(assignments, s)),
            ]
        })
        .collect();
    rows.push(vec![
        Cell::plain("合计"),
        Cell::plain(items.total.to_string()),
        Cell::plain("100%"),
        Cell::plain(""),
        Cell::plain(assignments.total.to_string()),
        Cell::plain("100%"),
        Cell::plain(""),
    ]);
    Table {
        widths: vec![3.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0],
        header: ["状态", "重点任务", "占比", "较上月", "任务分解", "占比", "较上月"].map(String::from).to_vec(),
        rows,
    }
}

/// The colour a status usually shows (滞后 and 未启动 may be either; tables of counts use yellow).
pub fn default_colour(s: Status) -> Colour {
    s.colour()
}

/// The units of a ledger row as the annex shows them: "余江区(配合)" for a supporting unit.
fn annex_unit(r: &LedgerRow) -> String {
    if r.lead_unit.is_empty() { format!("{}（配合）", r.support_unit) } else { r.lead_unit.clone() }
}

pub fn annex_table(rows: &[LedgerRow]) -> Table {
    Table {
        widths: ANNEX_WIDTHS.to_vec(),
        header: ANNEX_COLUMNS.map(String::from).to_vec(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::plain(r.seq.to_string()),
                    Cell::plain(r.source.clone()),
                    Cell::plain(r.task.clone()),
                    Cell::plain(annex_unit(r)),
                    Cell::plain(r.assessment.progress.map_or_else(|| "—".to_string(), percent)),
                    Cell::status(r.assessment.label(), r.assessment.colour),
                    Cell::plain(r.progress_text.clone()),
                    Cell::plain(r.problems.clone()),
                ]
            })
            .collect(),
    }
}

/// The annexes, in order: (label, title).
fn annexes(b: &Bulletin) -> [String; 2] {
    ["推进情况统计、排名和单位研判".to_string(), format!("{}年{}月任务推进台账", b.period.year, b.period.month)]
}

/// The bulletin's blocks, in reading order. Every text goes through [`full_width`], so the
/// document's Chinese punctuation is full-width whatever the data typed.
pub fn blocks(b: &Bulletin) -> Vec<Block> {
    let mut out = raw_blocks(b);
    for block in &mut out {
        match block {
            Block::Masthead { mark, issuer_line, .. } => {
                *mark = full_width(mark);
                if let Some((i, _)) = issuer_line {
                    *i = full_width(i);
                }
            }
            Block::Title(s)
            | Block::Addressees(s)
            | Block::Heading1(s)
            | Block::Heading2(s)
            | Block::Para(s)
            | Block::Note(s)
            | Block::AnnexLabel(s) => *s = full_width(s),
            Block::Lead { heading, text } => {
                *heading = full_width(heading);
                *text = full_width(text);
            }
            Block::Attachments(v) => v.iter_mut().for_each(|s| *s = full_width(s)),
            Block::Signature { issuer, .. } => *issuer = full_width(issuer),
            Block::Table(t) => {
                t.header.iter_mut().for_each(|h| *h = full_width(h));
                t.rows.iter_mut().flatten().for_each(|c| c.text = full_width(&c.text));
            }
            Block::Colophon { cc, printed_by, .. } => {
                *printed_by = full_width(printed_by);
                if let Some(c) = cc {
                    *c = full_width(c);
                }
            }
            Block::Chart(_) | Block::PageBreak => {}
        }
    }
    out
}

fn raw_blocks(b: &Bulletin) -> Vec<Block> {
    let mut out = Vec::new();
    let date = issue_date(b);
    out.push(match &b.doc_number {
        Some(n) if !n.trim().is_empty() => {
            Block::Masthead { mark: format!("{}文件", b.issuer), number: doc_number(n), issuer_line: None }
        }
        _ => Block::Masthead {
            mark: "督查通报".to_string(),
            number: format!("第{}期", b.period.month),
            issuer_line: Some((b.issuer.clone(), date.clone())),
        },
    });
    out.push(Block::Title(b.title.clone()));
    let addressees = b.addressees.as_deref().map(str::trim).filter(|a| !a.is_empty()).unwrap_or("各责任单位");
    out.push(Block::Addressees(format!("{}：", addressees.trim_end_matches([':', '\u{FF1A}']))));
    // The plan is named in the title: the opening sentence stays on one line.
    out.push(Block::Para(format!("现将{}月份工作要点落实情况通报如下。", b.period.month)));

    let mut h = 0;
    let mut heading = |title: &str, out: &mut Vec<Block>| {
        out.push(Block::Heading1(format!("{}、{}", cn(h), title)));
        h += 1;
    };

    heading("总体情况", &mut out);
    let mut overview = b.overview.paragraphs.clone();
    // A month with nothing ahead says so in 总体情况 instead of a section of its own, so the
    // body stays within two pages.
    let nothing_fast = b.fast.items.is_empty() && b.fast.units.is_empty();
    if nothing_fast && let Some(last) = overview.last_mut() {
        last.push_str("本月没有超序时推进或新完成的重点任务，也没有整体进展较快的单位。");
    }
    out.extend(overview.into_iter().map(Block::Para));
    out.push(Block::Chart(BarChart::from_tally("任务分解推进状态（项）", &b.overview.assignments)));

    if !nothing_fast {
        heading("进展较好的事项和单位", &mut out);
        let mut s = String::new();
        let ahead: Vec<String> =
            b.fast.items.iter().filter(|l| l.assessment.status == Status::Ahead).map(item_name).collect();
        let done: Vec<String> =
            b.fast.items.iter().filter(|l| l.assessment.status == Status::Completed).map(item_name).collect();
        if !ahead.is_empty() {
            s.push_str(&format!("从事项看，{}重点任务超序时推进", named(ahead, "项")));
            s.push_str(if done.is_empty() { "。" } else { "；" });
        }
        if !done.is_empty() {
            s.push_str(&format!("{}重点任务本月完成。", named(done, "项")));
        }
        if b.fast.units.is_empty() {
            s.push_str("从单位看，本月没有整体进展较快的单位。");
        } else {
            let units: Vec<String> = b.fast.units.iter().map(unit_detail).collect();
            s.push_str(&format!(
                "从单位看，{}整体进展较快，承担的任务多数达到或快于序时进度。",
                named(units, "个单位")
            ));
        }
        out.push(Block::Para(s));
    }

    heading("存在的问题", &mut out);
    // (一)… run into their paragraphs: the body stays within two pages.
    let mut sub = 0;
    let mut lead = |title: &str, text: String, out: &mut Vec<Block>| {
        out.push(Block::Lead { heading: format!("（{}）{}。", cn(sub), title), text });
        sub += 1;
    };
    if !b.problems.lagging.is_empty() {
        let lagging = &b.problems.lagging;
        let shown: Vec<String> = lagging
            .iter()
            .take(NAMED)
            .map(|l| format!("{}{}{}", item_name(l), l.assessment.label(), figures(l)))
            .collect();
        // "滞后", or "滞后、未启动或逾期": the states the items are in, in the order of severity.
        let mut states: Vec<Status> = Vec::new();
        for st in [Status::Behind, Status::NotStarted, Status::Overdue] {
            if lagging.iter().any(|l| l.assessment.status == st) {
                states.push(st);
            }
        }
        let states = match states.split_last() {
            Some((last, rest)) if !rest.is_empty() => {
                let rest: Vec<&str> = rest.iter().map(|s| s.label()).collect();
                format!("{}或{}", rest.join("、"), last.label())
            }
            _ => lagging[0].assessment.status.label().to_string(),
        };
        let mut p = if lagging.len() > NAMED {
            format!("{}等{}项重点任务{states}（见附件2）。", shown.join("、"), lagging.len())
        } else {
            format!("{}。", shown.join("；"))
        };
        p.push_str(&reasons(&lagging[..lagging.len().min(NAMED)]));
        lead("部分重点任务进展滞后", p, &mut out);
    }
    if !b.problems.units.is_empty() {
        let units: Vec<String> = b.problems.units.iter().map(unit_detail).collect();
        let list = if b.problems.units.len() > NAMED { "，名单见附件1" } else { "" };
        let text = format!("{}整体进度滞后{list}。", named(units, "个单位"));
        lead("部分单位整体进度滞后", text, &mut out);
    }
    let (missing, late, unchanged) = (&b.problems.missing, &b.problems.late, &b.problems.unchanged);
    if !missing.is_empty() || !late.is_empty() || !unchanged.is_empty() {
        // Reporting late and reporting last month's text again are one problem of reporting:
        // one subsection, so the body stays within two pages.
        let title = match (missing.is_empty() && late.is_empty(), unchanged.is_empty()) {
            (false, true) => "部分单位未按时报送",
            (true, false) => "部分报送内容未更新",
            _ => "部分单位报送不及时、内容未更新",
        };
        let mut parts = Vec::new();
        if !missing.is_empty() {
            parts.push(format!("未报送{}", unit_items_count(missing)));
        }
        if !late.is_empty() {
            parts.push(format!("逾期报送{}", unit_items_count(late)));
        }
        if !unchanged.is_empty() {
            let n: usize = unchanged.iter().map(|u| u.items.len()).sum();
            parts.push(format!("{n}项报送内容与上月相同（台账中已标注其报送月份）"));
        }
        lead(title, format!("{}。", parts.join("；")), &mut out);
    }

    if let Some(sup) = &b.supervision {
        heading("督导检查和督办件办理情况", &mut out);
        let [visits, directives] = domain::bulletin::SUPERVISION_PARTS;
        out.push(Block::Lead { heading: format!("（一）{visits}。"), text: sup.visits_text() });
        out.push(Block::Lead { heading: format!("（二）{directives}。"), text: sup.directives_text() });
    }

    heading("下步要求", &mut out);
    if b.requirements.is_empty() {
        out.push(Block::Para("（下步要求由督查办公室填写，填写后方可印发。）".into()));
    }
    out.extend(b.requirements.iter().cloned().map(Block::Para));

    // One short note; the rules in full are in annex 1.
    if let Some(note) = short_note(&b.notes, "附件1") {
        out.push(Block::Note(note));
    }

    let [a1, a2] = annexes(b);
    out.push(Block::Attachments(vec![format!("1．{a1}"), format!("2．{a2}")]));
    out.push(Block::Signature { issuer: b.issuer.clone(), date: date.clone() });

    out.push(Block::PageBreak);
    out.push(Block::AnnexLabel("附件1".into()));
    out.push(Block::Title(a1));
    out.push(Block::Heading2("一、推进状态统计".into()));
    out.push(Block::Table(tally_table(&b.overview.items, &b.overview.assignments)));
    if !b.overview.sections.is_empty() {
        out.push(Block::Table(Table {
            widths: vec![9.0, 2.0, 2.0, 2.5, 3.0, 3.0, 3.0],
            header: ["部分", "任务数", "已完成", "滞后/逾期", "总体进度", "序时进度", "状态"]
                .map(String::from)
                .to_vec(),
            rows: b
                .overview
                .sections
                .iter()
                .map(|s| {
                    vec![
                        Cell::plain(format!("{}、{}", s.number, s.title)),
                        Cell::plain(s.items.total.to_string()),
                        Cell::plain(s.items.count(Status::Completed).to_string()),
                        Cell::plain((s.items.count(Status::Behind) + s.items.count(Status::Overdue)).to_string()),
                        Cell::plain(s.assessment.progress.map_or_else(|| "—".to_string(), percent)),
                        Cell::plain(percent(s.assessment.pace)),
                        Cell::status(s.assessment.label(), s.assessment.colour),
                    ]
                })
                .collect(),
        }));
    }
    out.push(Block::Heading2("二、各区（市）工作成效排名".into()));
    if b.ranking.rows.is_empty() {
        out.push(Block::Para("本月无参与排名的区（市）。".into()));
    } else {
        out.push(Block::Table(Table {
            widths: vec![2.0, 7.0, 2.0, 2.0, 2.0, 2.0, 3.0, 2.0],
            header: ["名次", "单位", "任务数", "已完成", "达序时", "滞后", "达序时占比", "较上月"]
                .map(String::from)
                .to_vec(),
            rows: b
                .ranking
                .rows
                .iter()
                .map(|r| {
                    vec![
                        Cell::plain(r.rank.to_string()),
                        Cell::plain(r.unit.clone()),
                        Cell::plain(r.total.to_string()),
                        Cell::plain(r.completed.to_string()),
                        Cell::plain(r.on_pace.to_string()),
                        Cell::plain(r.lagging.to_string()),
                        Cell::plain(percent(r.score)),
                        Cell::plain(match r.rank_change() {
                            Some(c) if c > 0 => format!("↑{c}"),
                            Some(c) if c < 0 => format!("↓{}", -c),
                            Some(_) => "—".to_string(),
                            None => "新".to_string(),
                        }),
                    ]
                })
                .collect(),
        }));
    }
    out.push(Block::Note(b.ranking.rule.clone()));
    out.push(Block::Heading2("三、主要指标完成情况".into()));
    if b.indicators.is_empty() {
        out.push(Block::Para("本计划未设置量化指标。".into()));
    } else {
        out.push(Block::Table(Table {
            widths: vec![2.0, 8.0, 3.0, 3.0, 3.0, 3.0, 3.0],
            header: ["事项", "指标", "目标", "当前值", "序时应达", "差距", "状态"].map(String::from).to_vec(),
            rows: b
                .indicators
                .iter()
                .map(|i| {
                    vec![
                        Cell::plain(i.item.clone()),
                        Cell::plain(i.subject.clone()),
                        Cell::plain(i.target_text()),
                        Cell::plain(i.current_text()),
                        Cell::plain(i.expected_text()),
                        Cell::plain(i.gap_text()),
                        Cell::status(i.assessment.label(), i.assessment.colour),
                    ]
                })
                .collect(),
        }));
    }

    if !b.problems.units.is_empty() {
        out.push(Block::Heading2("四、整体进度滞后的单位".into()));
        out.push(Block::Table(Table {
            widths: vec![7.0, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0],
            header: ["单位", "任务数", "达序时", "未启动", "未报送", "平均进度", "序时进度", "研判"]
                .map(String::from)
                .to_vec(),
            rows: b
                .problems
                .units
                .iter()
                .map(|u| {
                    vec![
                        Cell::plain(u.unit.clone()),
                        Cell::plain(u.assignments.to_string()),
                        Cell::plain(u.on_pace.to_string()),
                        Cell::plain(u.not_started.to_string()),
                        Cell::plain(u.unreported.to_string()),
                        Cell::plain(u.assessment.progress.map_or_else(|| "—".to_string(), percent)),
                        Cell::plain(percent(u.assessment.pace)),
                        Cell::status(u.assessment.label(), u.assessment.colour),
                    ]
                })
                .collect(),
        }));
    }
    if !b.notes.is_empty() {
        out.push(Block::Heading2(format!("{}、研判规则", cn(if b.problems.units.is_empty() { 3 } else { 4 }))));
        for (i, note) in b.notes.iter().enumerate() {
            out.push(Block::Note(format!("{}．{note}", i + 1)));
        }
    }

    out.push(Block::PageBreak);
    out.push(Block::AnnexLabel("附件2".into()));
    out.push(Block::Title(a2));
    for s in &b.ledger {
        out.push(Block::Heading2(s.heading()));
        out.push(Block::Table(annex_table(&s.rows)));
    }
    out.push(Block::Colophon {
        cc: b.cc.clone().filter(|c| !c.trim().is_empty()),
        printed_by: b.printed_by.clone().filter(|p| !p.trim().is_empty()).unwrap_or_else(|| b.issuer.clone()),
        printed_on: b.issued_on.map_or_else(
            || "\u{3000}\u{3000}年\u{3000}月\u{3000}日印发".to_string(),
            |d| format!("{}印发", chinese_date(d)),
        ),
    });
    out
}

/// The reasons the units gave for the items shown, each text once with the units that gave
/// it: 月湖区、贵溪市等反映“项目资金尚未完全到位”。At most two texts, two units each.
fn reasons(items: &[ItemLine]) -> String {
    let mut by_text: Vec<(String, Vec<&str>)> = Vec::new();
    for u in items.iter().flat_map(|l| &l.units).filter(|u| !is_nothing(&u.problems)) {
        let text = clip(u.problems.trim().trim_end_matches(['。', '.', '；', ';']), 30);
        match by_text.iter_mut().find(|(t, _)| *t == text) {
            Some((_, units)) if !units.contains(&u.unit.as_str()) => units.push(&u.unit),
            Some(_) => {}
            None => by_text.push((text, vec![&u.unit])),
        }
    }
    let said: Vec<String> = by_text
        .iter()
        .take(2)
        .map(|(text, units)| {
            let more = if units.len() > 2 { "等" } else { "" };
            format!("{}{more}反映“{text}”", units[..units.len().min(2)].join("、"))
        })
        .collect();
    if said.is_empty() { String::new() } else { format!("{}。", said.join("；")) }
}

/// At most `n` characters, with an ellipsis when cut.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { format!("{}……", s.chars().take(n).collect::<String>()) }
}
