//! Reads a 工作要点 (annual work plan) document into a structured [`Plan`]: metadata,
//! sections, items with their responsible units, measures and quantitative targets, and a
//! warning for every repair the parser made.
//!
//! Pure: bytes in, `Plan` out — no files, clock or network, so every rule can be tested on
//! strings. The stages, each in its own module:
//! `docread` (format → paragraphs and tables) → [`structure`] (outline) → [`units`],
//! [`targets`], [`measures`] per item; [`ledger`] for task tables; [`meta`] for metadata.

pub mod directory;
mod error;
pub mod ledger;
pub mod measures;
pub mod meta;
pub mod model;
pub mod numerals;
pub mod structure;
pub mod targets;
pub mod text;
pub mod units;

pub use directory::Directory;
pub use error::{MAX_INPUT_BYTES, ParseError};
pub use model::*;

use docread::{Block, ReadError};
use structure::RawItem;

/// Parses a document given as the bytes of a txt, docx, html, xlsx or csv file.
pub fn parse(bytes: &[u8], directory: &Directory) -> Result<Plan, ParseError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(ParseError::TooLarge { size: bytes.len() });
    }
    let extracted = docread::extract(bytes)?;
    let mut plan = parse_blocks(&extracted.blocks, directory)?;
    plan.format = extracted.format.as_str().to_string();
    plan.encoding = extracted.encoding.map(str::to_string);
    Ok(plan)
}

/// The paragraphs of a document as the parser reads them (cleaned, blank ones dropped): the
/// text that [`Plan::parts`] must reproduce.
pub fn content_lines(blocks: &[Block]) -> Vec<String> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Para(p) => Some(p.split('\n').filter_map(text::clean_line).collect::<Vec<_>>()),
            Block::Table(_) => None,
        })
        .flatten()
        .collect()
}

/// Parses already-extracted blocks. Numbered paragraphs make the plan; a task table makes it
/// when the paragraphs have no items, and otherwise lends its units to items that name none.
pub fn parse_blocks(blocks: &[Block], directory: &Directory) -> Result<Plan, ParseError> {
    let lines = content_lines(blocks);
    let tables: Vec<&Vec<Vec<String>>> = blocks
        .iter()
        .filter_map(|b| match b {
            Block::Table(t) => Some(t),
            Block::Para(_) => None,
        })
        .collect();
    let mut warnings = Vec::new();
    let mut outline = structure::outline(&lines, &mut warnings);
    // Items run together in long paragraphs: split them when that finds far more items.
    let split = structure::split_inline_labels(&lines);
    if split.len() > lines.len() {
        let mut split_warnings = Vec::new();
        if let Some(o) = structure::outline(&split, &mut split_warnings)
            && outline.as_ref().is_none_or(|old| o.items.len() >= 2 * old.items.len().max(2))
        {
            outline = Some(o);
            warnings = split_warnings;
            warnings.push(Warning {
                item: None,
                code: "items_run_together".into(),
                message: "原文多个条目连在同一段中,已按编号拆分,请核对".into(),
            });
        }
    }
    let mut plan = match outline {
        Some(outline) => from_outline(outline, directory, &mut warnings),
        None => {
            let table = tables.iter().find_map(|t| ledger::layout(t).map(|l| (t.as_slice(), l)));
            let Some((table, layout)) = table else {
                return Err(ParseError::NoStructure);
            };
            let mut plan = from_ledger(table, &layout, directory, &mut warnings);
            if plan.items.is_empty() {
                return Err(ParseError::NoStructure);
            }
            // The title: a short paragraph before the table, or a title row above its header.
            let above_header: Vec<String> = table[..layout.header_row]
                .iter()
                .filter_map(|row| row.iter().find(|c| !c.trim().is_empty()).map(|c| c.trim().to_string()))
                .collect();
            let title =
                lines.iter().chain(&above_header).find(|l| !l.contains(['。', ':', '：']) && l.chars().count() <= 60);
            plan.title =
                title.map(|t| t.trim_start_matches('《').trim_end_matches('》').to_string()).unwrap_or_default();
            plan.heading = title.cloned();
            let rest: Vec<&String> = lines.iter().filter(|l| Some(*l) != title).collect();
            plan.preamble = (!rest.is_empty()).then(|| rest.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n"));
            let src = meta::MetaSource { header: &lines, notice: &[], closing: &[], title: &plan.title };
            plan.meta = meta::extract(&src, &mut warnings);
            plan
        }
    };
    if plan.items.iter().all(|i| i.units.is_empty()) {
        lend_table_units(&mut plan, &tables, directory, &mut warnings);
    }
    for item in plan.items.iter().filter(|i| i.units.is_empty()) {
        warnings.push(Warning {
            item: Some(item.number),
            code: "no_units".into(),
            message: "该条目未写明责任单位,请在发布前指定".into(),
        });
    }
    plan.warnings = warnings;
    Ok(plan)
}

fn joined(lines: &[String]) -> Option<String> {
    (!lines.is_empty()).then(|| lines.join("\n"))
}

fn from_outline(outline: structure::Outline, directory: &Directory, warnings: &mut Vec<Warning>) -> Plan {
    let catalogue: Vec<String> = outline.header.iter().chain(&outline.byline).cloned().collect();
    let src = meta::MetaSource {
        header: &catalogue,
        notice: &outline.notice,
        closing: &outline.closing,
        title: &outline.title,
    };
    let meta = meta::extract(&src, warnings);
    let mut carried: Option<Vec<(String, model::Role)>> = None;
    let items = outline.items.into_iter().map(|raw| build_item(raw, directory, &mut carried, warnings)).collect();
    Plan {
        title: outline.title,
        meta,
        preamble: joined(&outline.preamble),
        sections: outline.sections,
        subsections: outline.subsections,
        items,
        warnings: Vec::new(),
        format: "txt".into(),
        encoding: None,
        header: joined(&outline.header),
        notice: joined(&outline.notice),
        heading: outline.heading,
        byline: joined(&outline.byline),
        closing: joined(&outline.closing),
    }
}

/// Reads units, title, measures and targets from an item's text.
fn build_item(
    raw: RawItem,
    directory: &Directory,
    carried: &mut Option<Vec<(String, model::Role)>>,
    warnings: &mut Vec<Warning>,
) -> Item {
    let text = raw.text.as_str();
    let (main, units_text, names) = match units::find_clause(text) {
        Some(clause) => {
            if clause.unclosed {
                warnings.push(Warning {
                    item: Some(raw.number),
                    code: "unclosed_bracket".into(),
                    message: "责任单位的括号“〔”没有闭合,已读到条目末尾".into(),
                });
            }
            *carried = clause.carry_over.then(|| clause.names.clone());
            (&text[..clause.start], text[clause.start..].trim().to_string(), clause.names)
        }
        None => {
            let names = carried.clone().unwrap_or_default();
            if !names.is_empty() {
                warnings.push(Warning {
                    item: Some(raw.number),
                    code: "units_carried_over".into(),
                    message: "本条目沿用前文“下同”所注明的责任单位".into(),
                });
            }
            (text, String::new(), names)
        }
    };
    let (title, title_end, body) = split_title(main);
    if title.chars().count() > 80 {
        warnings.push(Warning {
            item: Some(raw.number),
            code: "long_title".into(),
            message: "条目标题超过 80 字,可能缺少句号,请核对".into(),
        });
    }
    let units = units::resolve(&names, directory, Some(raw.number), warnings);
    let (measures, targets) = measures::read(title, body);
    Item {
        order: raw.order,
        number: raw.number,
        label: raw.label,
        section: raw.section,
        subsection: raw.subsection,
        title: title.to_string(),
        title_end: title_end.to_string(),
        body: body.trim().to_string(),
        units_text,
        units,
        measures,
        targets,
        deadline: None,
        extra: Default::default(),
    }
}

/// Splits an item's text (unit clause removed) into its title sentence, the mark that ended
/// it, and the rest.
pub fn split_title(main: &str) -> (&str, &str, &str) {
    let main = main.trim();
    let first_line_end = main.find('\n').unwrap_or(main.len());
    let first_line = &main[..first_line_end];
    if let Some((i, c)) = first_line.char_indices().find(|(_, c)| matches!(c, '。' | '!' | '！' | '?' | '？')) {
        let end = i + c.len_utf8();
        return (main[..i].trim(), &main[i..end], main[end..].trim());
    }
    // "1.坚持党建引领  深入学习…": a wide gap after a short heading.
    if let Some(i) = first_line.find("  ").or_else(|| first_line.find('\t'))
        && first_line[..i].chars().count() <= 40
    {
        let gap_end = i + first_line[i..].len() - first_line[i..].trim_start().len();
        return (main[..i].trim(), "", main[gap_end..].trim());
    }
    if first_line_end < main.len() {
        return (first_line.trim(), "", main[first_line_end..].trim());
    }
    (main, "", "")
}

fn from_ledger(
    rows: &[Vec<String>],
    layout: &ledger::Layout,
    directory: &Directory,
    warnings: &mut Vec<Warning>,
) -> Plan {
    let mut plan = Plan { format: "xlsx".into(), ..Plan::default() };
    let mut section = 0u32;
    let mut section_names: Vec<String> = Vec::new();
    let mut next_number = 1u32;
    for (r, cells) in rows.iter().enumerate().skip(layout.header_row + 1) {
        let order = r as u32;
        match ledger::read_row(layout, cells) {
            ledger::RowKind::Blank => {}
            ledger::RowKind::Section(heading) => {
                section += 1;
                let label_end = heading
                    .find(['、', '.', '．'])
                    .map_or(0, |i| i + heading[i..].chars().next().map_or(0, char::len_utf8));
                plan.sections.push(Section {
                    order,
                    number: section,
                    label: heading[..label_end].to_string(),
                    title: heading[label_end..].trim().to_string(),
                    intro: None,
                });
                section_names.push(heading);
            }
            ledger::RowKind::Task(row) => {
                // A section column: a new value opens a new section.
                if let Some(name) = &row.section
                    && section_names.last() != Some(name)
                {
                    section += 1;
                    plan.sections.push(Section {
                        order,
                        number: section,
                        label: String::new(),
                        title: name.clone(),
                        intro: None,
                    });
                    section_names.push(name.clone());
                }
                let number = row.number.unwrap_or(next_number);
                next_number = number + 1;
                let (title, title_end, body) = split_title(&row.task);
                let mut item_warnings = Vec::new();
                let units = units::resolve(&row.units, directory, Some(number), &mut item_warnings);
                warnings.extend(item_warnings);
                let (measures, mut targets) = measures::read(title, body);
                if let Some(t) = &row.target {
                    targets.extend(targets::find_targets(t));
                }
                plan.items.push(Item {
                    order,
                    number,
                    label: row.label.clone(),
                    section,
                    subsection: None,
                    title: title.to_string(),
                    title_end: title_end.to_string(),
                    body: body.to_string(),
                    units_text: String::new(),
                    units,
                    measures,
                    targets,
                    deadline: row.deadline.clone(),
                    extra: row.extra.into_iter().collect(),
                });
            }
        }
    }
    plan
}

/// A Word plan whose items name no units but which annexes a 任务分工表: match table rows to
/// items by number (or by title) and take their units and deadlines.
fn lend_table_units(plan: &mut Plan, tables: &[&Vec<Vec<String>>], directory: &Directory, warnings: &mut Vec<Warning>) {
    for table in tables {
        let Some(layout) = ledger::layout(table) else {
            continue;
        };
        for cells in table.iter().skip(layout.header_row + 1) {
            let ledger::RowKind::Task(row) = ledger::read_row(&layout, cells) else {
                continue;
            };
            let (row_title, _, _) = split_title(&row.task);
            let item = plan.items.iter_mut().find(|i| {
                i.units.is_empty()
                    && (row.number == Some(i.number)
                        && (row_title.is_empty()
                            || text::squeeze(row_title) == text::squeeze(&i.title)
                            || row.number.is_some())
                        || text::squeeze(row_title) == text::squeeze(&i.title))
            });
            if let Some(item) = item {
                item.units = units::resolve(&row.units, directory, Some(item.number), warnings);
                item.deadline = row.deadline.clone();
            }
        }
    }
}

/// Parses plain text that is already decoded (one paragraph per line).
pub fn parse_text(text: &str, directory: &Directory) -> Result<Plan, ParseError> {
    if text.trim().is_empty() {
        return Err(ParseError::Read(ReadError::Empty));
    }
    let blocks: Vec<Block> = text.lines().map(|l| Block::Para(l.to_string())).collect();
    parse_blocks(&blocks, directory)
}

/// A reviewer's correction of an item's units: the names typed (separated by 、 , ; or
/// spaces) replace the item's units, normalised against the directory like the parser does.
/// The item's earlier unit warnings are replaced by the warnings for the new names; a role
/// the item already gave a unit is kept, and new units are 责任单位.
pub fn set_item_units(plan: &mut Plan, item_index: usize, typed: &str, directory: &Directory) {
    let Some(item) = plan.items.get(item_index) else { return };
    let number = item.number;
    let names: Vec<(String, Role)> = typed
        .split(['、', ',', ',', ';', ';', ' ', '\u{3000}'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| {
            let role = item.units.iter().find(|u| u.name == n || u.raw == n).map_or(Role::Responsible, |u| u.role);
            (n.to_string(), role)
        })
        .collect();
    let mut warnings = Vec::new();
    let units = units::resolve(&names, directory, Some(number), &mut warnings);
    const UNIT_WARNINGS: [&str; 3] = ["unknown_unit", "alias_applied", "missing_separator"];
    // Items are numbered per section in some documents; the warnings of this item are the
    // ones carrying its number, which is what the parser wrote.
    plan.warnings.retain(|w| !(w.item == Some(number) && UNIT_WARNINGS.contains(&w.code.as_str())));
    plan.warnings.extend(warnings);
    plan.items[item_index].units = units;
}

#[cfg(test)]
mod edit_tests {
    use super::*;

    #[test]
    fn a_heading_in_book_title_marks_is_the_title() {
        let plan = parse_text(
            "《2025年鹰潭市教育工作要点》\n一、加强党的建设\n1.推进清廉学校建设。年内建成示范校10所。\n",
            &Directory::empty(),
        )
        .expect("parse");
        assert_eq!((plan.title.as_str(), plan.meta.year), ("2025年鹰潭市教育工作要点", Some(2025)));
        assert_eq!(plan.heading.as_deref(), Some("《2025年鹰潭市教育工作要点》"));
        assert_eq!(plan.preamble, None);
    }

    #[test]
    fn corrected_units_replace_the_warning() {
        let directory = Directory::from_toml(
            "[[unit]]\nname = \"基教科\"\nkind = \"department\"\n[[unit]]\nname = \"余江区\"\nkind = \"district\"\n",
        )
        .expect("directory");
        let text = "一、重点工作\n1.推进课后服务。全面开展课后服务。(责任单位:余江区、不存在科)\n";
        let mut plan = parse_text(text, &directory).expect("parse");
        assert!(plan.warnings.iter().any(|w| w.code == "unknown_unit" && w.message.contains("不存在科")));
        set_item_units(&mut plan, 0, "余江区、基教科", &directory);
        let names: Vec<&str> = plan.items[0].units.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["余江区", "基教科"]);
        assert!(plan.items[0].units.iter().all(|u| u.known));
        assert!(!plan.warnings.iter().any(|w| w.code == "unknown_unit"), "{:?}", plan.warnings);
        set_item_units(&mut plan, 0, "余江区 新单位", &directory);
        assert!(plan.warnings.iter().any(|w| w.code == "unknown_unit" && w.message.contains("新单位")));
    }
}
