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
pub mod hant;
pub mod ledger;
pub mod limits;
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
///
/// A document in traditional characters is read through its simplified form (see [`hant`])
/// and every piece of text in the plan is then given back as the document writes it.
pub fn parse_blocks(blocks: &[Block], directory: &Directory) -> Result<Plan, ParseError> {
    let all: Vec<&str> = blocks
        .iter()
        .flat_map(|b| match b {
            Block::Para(p) => vec![p.as_str()],
            Block::Table(rows) => rows.iter().flatten().map(String::as_str).collect(),
        })
        .collect();
    let all = all.join("\n");
    let mut plan = parse_with_own_directory(blocks, &all, directory)?;
    if !directory::applies_to(directory, &plan) && !directory.is_empty() {
        // Another authority's plan: its units are its own, not near-misses of the directory's.
        plan = parse_with_own_directory(blocks, &all, &Directory::empty())?;
        directory::split_run_together(&mut plan);
        plan.learned_units = directory::learn(&plan);
        let whose = directory.authority.as_deref().map_or(String::new(), |a| format!("({a})"));
        plan.warnings.push(Warning {
            item: None,
            code: "own_directory".into(),
            message: format!(
                "文中单位与现有单位目录{whose}不符,已按原文识别出 {} 个单位,请在发布前核对、合并或改名",
                plan.learned_units.len()
            ),
        });
    }
    Ok(plan)
}

/// [`parse_simplified`], through the simplified form of a document in traditional characters.
fn parse_with_own_directory(blocks: &[Block], all: &str, directory: &Directory) -> Result<Plan, ParseError> {
    if !hant::is_traditional(all) {
        return parse_simplified(blocks, directory);
    }
    let converted: Vec<Block> = blocks
        .iter()
        .map(|b| match b {
            Block::Para(p) => Block::Para(hant::simplify(p)),
            Block::Table(rows) => {
                Block::Table(rows.iter().map(|r| r.iter().map(|c| hant::simplify(c)).collect()).collect())
            }
        })
        .collect();
    let mut plan = parse_simplified(&converted, directory)?;
    restore_original(&mut plan, &hant::Restorer::new(all));
    Ok(plan)
}

/// Gives every piece of document text in the plan back in the document's own characters.
fn restore_original(plan: &mut Plan, r: &hant::Restorer) {
    let fix = |s: &mut String| *s = r.restore(s);
    let fix_opt = |s: &mut Option<String>| {
        if let Some(s) = s {
            *s = r.restore(s);
        }
    };
    fix(&mut plan.title);
    for f in
        [&mut plan.preamble, &mut plan.header, &mut plan.notice, &mut plan.heading, &mut plan.byline, &mut plan.closing]
    {
        fix_opt(f);
    }
    for f in [&mut plan.meta.issuer, &mut plan.meta.doc_no, &mut plan.meta.signature, &mut plan.meta.index_no] {
        fix_opt(f);
    }
    for s in &mut plan.sections {
        fix(&mut s.title);
        fix(&mut s.label);
        fix_opt(&mut s.intro);
    }
    for s in &mut plan.subsections {
        fix(&mut s.title);
        fix(&mut s.label);
        fix_opt(&mut s.intro);
    }
    for item in &mut plan.items {
        for f in [&mut item.label, &mut item.title, &mut item.body, &mut item.units_text] {
            fix(f);
        }
        fix_opt(&mut item.deadline);
        for u in &mut item.units {
            u.raw = r.restore(&u.raw);
            if !u.known {
                u.name = u.raw.clone();
            }
        }
        for m in &mut item.measures {
            fix(&mut m.text);
        }
        for t in &mut item.targets {
            fix(&mut t.text);
            fix(&mut t.subject);
        }
        for v in item.extra.values_mut() {
            fix(v);
        }
    }
}

fn parse_simplified(blocks: &[Block], directory: &Directory) -> Result<Plan, ParseError> {
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
    // One paragraph's own list ("一是…:1.…;2.…;3.…") inside a plan whose items are found is
    // not items run together: a page that lost its line breaks runs them together in many
    // paragraphs, or in the one paragraph that holds the whole plan.
    let kept: std::collections::HashSet<&str> = split.iter().map(String::as_str).collect();
    let lines_split = lines.iter().filter(|l| !kept.contains(l.as_str())).count();
    let one_paragraphs_list = lines_split == 1 && outline.as_ref().is_some_and(|o| o.items.len() >= 2);
    if split.len() > lines.len() && !one_paragraphs_list {
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
            let table = blocks.iter().enumerate().find_map(|(k, b)| match b {
                Block::Table(t) => ledger::layout(t).map(|l| (k, t.as_slice(), l)),
                Block::Para(_) => None,
            });
            let Some((table_at, table, layout)) = table else {
                return Err(ParseError::NoStructure);
            };
            let mut plan = from_ledger(table, &layout, directory, &mut warnings);
            if plan.items.is_empty() {
                return Err(ParseError::NoStructure);
            }
            // The title: the table's own heading right above it ("…目标任务分解表", not the
            // covering notice's "关于…的通知" further up), else the title the notice hands out,
            // else a short paragraph before the table or a title row above its header.
            let above_header: Vec<String> = table[..layout.header_row]
                .iter()
                .filter_map(|row| row.iter().find(|c| !c.trim().is_empty()).map(|c| c.trim().to_string()))
                .collect();
            // The paragraphs before the table are the first ones of `lines`.
            let before = content_lines(&blocks[..table_at]).len().min(lines.len());
            let heading_at = lines[..before].iter().rposition(|l| structure::is_heading_like(l));
            let short = |l: &&String| !l.contains(['。', ':', '：']) && l.chars().count() <= 60;
            let (title, title_at) = match heading_at {
                Some(h) => (Some(lines[h].clone()), Some(h)),
                // Only a line handing the plan out: 《…》 elsewhere cites other documents.
                None => match lines.iter().filter(|l| l.contains("印发")).find_map(|l| meta::title_in_notice(l)) {
                    Some(t) => (Some(t), None),
                    None => match lines.iter().position(|l| short(&l)) {
                        Some(i) => (Some(lines[i].clone()), Some(i)),
                        None => (above_header.iter().find(short).cloned(), None),
                    },
                },
            };
            plan.title = title
                .as_deref()
                .map(|t| t.trim_start_matches('《').trim_end_matches('》').to_string())
                .unwrap_or_default();
            plan.heading = title_at.map(|i| lines[i].clone()).or_else(|| title.filter(|t| above_header.contains(t)));
            // Only the title line itself leaves the preamble, not a later line repeating it.
            let rest: Vec<&String> =
                lines.iter().enumerate().filter(|(i, _)| Some(*i) != title_at).map(|(_, l)| l).collect();
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
    // Refused rather than cut short: every item the document numbers is either read or the
    // whole document is refused with the count.
    if let Some(problem) = limits::size_problem(&plan) {
        return Err(ParseError::TooBig(problem));
    }
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
        learned_units: Vec::new(),
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
    let (main, units_text, names, deadline) = match units::find_clause(text) {
        Some(clause) => {
            if clause.unclosed {
                warnings.push(Warning {
                    item: Some(raw.number),
                    code: "unclosed_bracket".into(),
                    message: "责任单位的括号“〔”没有闭合,已读到条目末尾".into(),
                });
            }
            *carried = clause.carry_over.then(|| clause.names.clone());
            (&text[..clause.start], text[clause.start..].trim().to_string(), clause.names, clause.deadline)
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
            (text, String::new(), names, None)
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
        deadline,
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
    parse_blocks(&docread::text_blocks(text), directory)
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
    fn an_item_title_may_start_with_digits() {
        let text = "一、重点工作\n10.推进课后服务。\n11.365工程建设。覆盖率达到95.5%。\n12.推进校园安全。";
        let plan = parse_text(text, &Directory::empty()).expect("parse");
        let items: Vec<(u32, &str)> = plan.items.iter().map(|i| (i.number, i.title.as_str())).collect();
        assert_eq!(items, [(10, "推进课后服务"), (11, "365工程建设"), (12, "推进校园安全")]);
        assert_eq!(plan.items[1].targets.len(), 1);
        assert_eq!(plan.items[1].targets[0].value, 95.5);
        // Only the cut-out start (10 with no 1-9 before it) is a gap; 10 → 11 → 12 is not.
        let gaps: Vec<Option<u32>> =
            plan.warnings.iter().filter(|w| w.code.starts_with("numbering")).map(|w| w.item).collect();
        assert_eq!(gaps, [Some(10)], "{:?}", plan.warnings);
    }

    #[test]
    fn one_paragraphs_own_list_is_not_items_run_together() {
        let text = "某区2017年改革六项措施\n一、实施档案电子化\n推进档案电子化。\n牵头单位：区审批局\n\
                    二、打造自助服务区\n引进终端。一是出入境业务：1.办理签注申请；2.办理加签；3.自助缴费；4.办理通行证；5.查询违法；6.缴纳罚款；7.补领行驶证。\n\
                    牵头单位：区公安局\n三、推进不动产登记\n做好登记。\n";
        let plan = parse_text(text, &Directory::empty()).expect("parse");
        let items: Vec<(u32, &str)> = plan.items.iter().map(|i| (i.number, i.title.as_str())).collect();
        assert_eq!(items, [(1, "实施档案电子化"), (2, "打造自助服务区"), (3, "推进不动产登记")]);
        assert!(plan.sections.is_empty());
        assert!(!plan.warnings.iter().any(|w| w.code == "items_run_together"));
    }

    #[test]
    fn issuer_and_date_printed_above_the_title() {
        for text in [
            "XX市教育局\n2024年3月1日\n关于印发《XX市2024年教育工作要点》的通知\n各学校:\n现将《XX市2024年教育工作要点》印发给你们,请认真贯彻执行。\nXX市2024年教育工作要点\n一、加强党建\n1.推进清廉学校建设。\n",
            "XX市教育局\n2024年3月1日\nXX市2024年教育工作要点\n一、加强党建\n1.推进清廉学校建设。\n",
        ] {
            let plan = parse_text(text, &Directory::empty()).expect("parse");
            assert_eq!(plan.title, "XX市2024年教育工作要点");
            assert_eq!(plan.meta.issuer.as_deref(), Some("XX市教育局"), "{text}");
            assert_eq!(plan.meta.signature.as_deref(), Some("XX市教育局"));
            assert_eq!(plan.meta.date.as_deref(), Some("2024-03-01"));
            assert_eq!(plan.items.len(), 1);
        }
    }

    #[test]
    fn targets_cut_by_a_hard_line_break_are_found() {
        let text = "一、学前教育\n1.推进学前教育普及普惠。年内新建幼儿园\n3所,普惠性覆盖率达到\n95%。\n(1)持续推进\n课后服务。\n";
        let plan = parse_text(text, &Directory::empty()).expect("parse");
        let targets: Vec<(f64, &str, Comparator)> =
            plan.items[0].targets.iter().map(|t| (t.value, t.unit.as_str(), t.comparator)).collect();
        // "达到" on the line before still makes 95% a floor.
        assert_eq!(targets, [(3.0, "所", Comparator::Exactly), (95.0, "%", Comparator::AtLeast)]);
        let measures: Vec<&str> = plan.items[0].measures.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(measures, ["年内新建幼儿园3所,普惠性覆盖率达到95%。", "(1)持续推进课后服务。"]);
    }

    #[test]
    fn a_task_tables_own_heading_is_the_title_not_the_notice() {
        let text = "大竹县人民政府办公室关于对2016年民生实事进行重点督办的通知\n各乡镇人民政府:\n现将目标任务分解下达。\n附件\n2016年民生实事目标任务分解表\n序号\n民生实事\n责任单位\n完成时限\n1\n新建2座人行天桥。\n县住建局\n12月底前\n";
        let plan = parse_text(text, &Directory::empty()).expect("parse");
        assert_eq!(plan.title, "2016年民生实事目标任务分解表");
        assert_eq!(plan.items.len(), 1);
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
