//! The bulletin as a sequence of blocks (title, headings, paragraphs, tables, charts) that the
//! Word, PDF and HTML renderers lay out, so the three show the same content in the same order.

use crate::chart::BarChart;
use domain::bulletin::{Bulletin, ItemLine, LedgerRow, Tally, UnitItems, chinese_date, number, percent, signed};
use domain::{Colour, Status};

/// The columns of the ledger annex in Word and PDF (the full ledger is in the spreadsheet).
pub const ANNEX_COLUMNS: [&str; 8] =
    ["序号", "编号", "工作任务", "责任单位", "累计完成", "状态", "本月进展", "存在问题"];

/// Relative widths of the annex columns.
const ANNEX_WIDTHS: [f64; 8] = [4.0, 5.0, 14.0, 10.0, 6.0, 6.0, 17.0, 12.0];

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
    /// 发文字号, centred above the title.
    DocNumber(String),
    Title(String),
    /// 主送机关, flush left, ending with a colon.
    Addressees(String),
    /// 一、… in 黑体.
    Heading1(String),
    /// (一)… in 楷体.
    Heading2(String),
    /// A body paragraph, first line indented two characters.
    Para(String),
    /// A small note under a table (ranking rule, sources).
    Note(String),
    Table(Table),
    Chart(BarChart),
    /// 发文机关署名 and 成文日期, right-aligned.
    Signature {
        issuer: String,
        date: String,
    },
    /// A new page (before the annex).
    PageBreak,
    /// 附件 label, flush left in 黑体.
    AnnexLabel(String),
}

const CN_NUMBERS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

fn cn(n: usize) -> &'static str {
    CN_NUMBERS.get(n).copied().unwrap_or("十")
}

fn item_sentence(l: &ItemLine) -> String {
    let mut s = format!("{}({}", l.label(), l.assessment.status.label());
    if let Some(p) = l.assessment.progress {
        s.push_str(&format!(",进度{}", percent(p)));
    }
    s.push_str(&format!(",序时进度{})", percent(l.assessment.pace)));
    s
}

fn unit_items(list: &[UnitItems]) -> String {
    list.iter().map(|u| format!("{}(第{}项)", u.unit, u.items.join("、"))).collect::<Vec<_>>().join("、")
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
fn default_colour(s: Status) -> Colour {
    match s {
        Status::Completed | Status::Ahead | Status::OnPace => Colour::Green,
        Status::Behind | Status::NotStarted => Colour::Yellow,
        Status::Overdue => Colour::Red,
    }
}

/// The units of a ledger row as the annex shows them: "余江区(配合)" for a supporting unit.
fn annex_unit(r: &LedgerRow) -> String {
    if r.lead_unit.is_empty() { format!("{}(配合)", r.support_unit) } else { r.lead_unit.clone() }
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
                    Cell::status(r.assessment.status.label(), r.assessment.colour),
                    Cell::plain(r.progress_text.clone()),
                    Cell::plain(r.problems.clone()),
                ]
            })
            .collect(),
    }
}

/// The bulletin's blocks, in reading order.
pub fn blocks(b: &Bulletin) -> Vec<Block> {
    let mut out = Vec::new();
    if let Some(n) = &b.doc_number {
        out.push(Block::DocNumber(n.clone()));
    }
    out.push(Block::Title(b.title.clone()));
    if let Some(a) = &b.addressees {
        out.push(Block::Addressees(format!("{}:", a.trim_end_matches([':', ':']))));
    }
    out.push(Block::Para(format!("现将{}年{}月《{}》落实情况通报如下。", b.period.year, b.period.month, b.plan_title)));

    let mut h = 0;
    let mut heading = |title: &str, out: &mut Vec<Block>| {
        out.push(Block::Heading1(format!("{}、{}", cn(h), title)));
        h += 1;
    };

    heading("总体情况", &mut out);
    out.extend(b.overview.paragraphs.iter().cloned().map(Block::Para));
    out.push(Block::Table(tally_table(&b.overview.items, &b.overview.assignments)));
    out.push(Block::Chart(BarChart::from_tally("重点任务推进状态(项)", &b.overview.items)));
    out.push(Block::Chart(BarChart::from_tally("任务分解推进状态(项)", &b.overview.assignments)));
    if !b.overview.sections.is_empty() {
        out.push(Block::Table(Table {
            widths: vec![9.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0],
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
                        Cell::status(s.assessment.status.label(), s.assessment.colour),
                    ]
                })
                .collect(),
        }));
    }

    heading("进展较快的事项和单位", &mut out);
    out.push(Block::Heading2("(一)进展较快的事项".into()));
    if b.fast.items.is_empty() {
        out.push(Block::Para("本月无超序时推进或新完成的重点任务。".into()));
    } else {
        out.push(Block::Para(format!(
            "本月超序时推进或新完成的重点任务{}项:{}。",
            b.fast.items.len(),
            b.fast.items.iter().map(item_sentence).collect::<Vec<_>>().join(";")
        )));
    }
    out.push(Block::Heading2("(二)进展较快的单位".into()));
    if b.fast.units.is_empty() {
        out.push(Block::Para("本月无整体超序时推进的单位。".into()));
    } else {
        let units: Vec<String> = b
            .fast
            .units
            .iter()
            .map(|u| {
                format!(
                    "{}({},{}项任务中{}项超序时或已完成)",
                    u.unit,
                    u.assessment.status.label(),
                    u.assignments,
                    u.ahead
                )
            })
            .collect();
        out.push(Block::Para(format!(
            "{}等{}个单位整体进度快于序时:{}。",
            b.fast.units[0].unit,
            units.len(),
            units.join("、")
        )));
    }

    heading("存在问题", &mut out);
    out.push(Block::Heading2("(一)进展滞后的事项".into()));
    if b.problems.lagging.is_empty() {
        out.push(Block::Para("本月无滞后、未启动或逾期的重点任务。".into()));
    }
    for l in &b.problems.lagging {
        let mut s = format!("{}。", item_sentence(l));
        for u in &l.units {
            s.push_str(&format!("{}:{}", u.unit, u.assessment.status.label()));
            if let Some(p) = u.assessment.progress {
                s.push_str(&format!(",进度{}", percent(p)));
            }
            if !u.problems.trim().is_empty() {
                s.push_str(&format!(",存在问题:{}", u.problems.trim().trim_end_matches('。')));
            }
            s.push('。');
        }
        out.push(Block::Para(s));
    }
    out.push(Block::Heading2("(二)报送不及时的单位".into()));
    let mut s = String::new();
    if !b.problems.missing.is_empty() {
        s.push_str(&format!("未报送进展的单位{}个:{}。", b.problems.missing.len(), unit_items(&b.problems.missing)));
    }
    if !b.problems.late.is_empty() {
        s.push_str(&format!("逾期报送的单位{}个:{}。", b.problems.late.len(), unit_items(&b.problems.late)));
    }
    if s.is_empty() {
        s.push_str("各单位均按时报送进展。");
    }
    out.push(Block::Para(s));
    out.push(Block::Heading2("(三)报送内容未更新".into()));
    out.push(Block::Para(if b.problems.unchanged.is_empty() {
        "本月无与上月内容相同的报送。".into()
    } else {
        format!("以下单位本月报送内容与上月相同:{}。", unit_items(&b.problems.unchanged))
    }));

    heading("主要指标完成情况", &mut out);
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
                    let u = &i.spec.unit;
                    vec![
                        Cell::plain(i.item.clone()),
                        Cell::plain(i.subject.clone()),
                        Cell::plain(i.target_text()),
                        Cell::plain(i.current.map_or_else(|| "未报".to_string(), |c| format!("{}{u}", number(c)))),
                        Cell::plain(format!("{}{u}", number(i.expected))),
                        Cell::plain(match i.gap {
                            Some(g) if g > 0.0 => format!("落后{}{u}", number(g)),
                            Some(_) => "已达序时".to_string(),
                            None => "—".to_string(),
                        }),
                        Cell::status(i.assessment.status.label(), i.assessment.colour),
                    ]
                })
                .collect(),
        }));
    }

    heading("各区(市)工作成效排名", &mut out);
    if b.ranking.rows.is_empty() {
        out.push(Block::Para("本月无参与排名的区(市)。".into()));
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

    heading("下步要求", &mut out);
    if b.requirements.is_empty() {
        out.push(Block::Para("(由督查办填写。)".into()));
    }
    out.extend(b.requirements.iter().cloned().map(Block::Para));

    out.push(Block::Para("附件:任务推进台账".into()));
    out.push(Block::Signature { issuer: b.issuer.clone(), date: chinese_date(b.issued_on) });

    out.push(Block::PageBreak);
    out.push(Block::AnnexLabel("附件".into()));
    out.push(Block::Title(format!("{}年{}月任务推进台账", b.period.year, b.period.month)));
    for s in &b.ledger {
        out.push(Block::Heading2(s.heading()));
        out.push(Block::Table(annex_table(&s.rows)));
    }
    out
}
