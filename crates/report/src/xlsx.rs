//! The ledger as a workbook: 汇总 (totals by status, the reporting, a colour legend, by section
//! and the district ranking), then one sheet per section with the ledger columns.
//!
//! Made to be printed as it stands: A4 landscape, one page wide, the title, legend and column
//! header repeated on every page, "第 N 页 共 M 页" in the footer. Excel does not fit row
//! heights to wrapped text when it opens a generated file, so every row gets the height its
//! longest cell needs ([`row_height`]). Frozen header, widths for Chinese text, status cells
//! filled with the status colour, deadlines as real dates.

use crate::outline::{colour_fill, default_colour};
use domain::Status;
use domain::bulletin::{Bulletin, LEDGER_COLUMNS, LedgerRow, chinese_date, colour_legend, full_width};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

/// Column widths in characters (a Chinese character is about two): narrow enough that the 16
/// columns print one landscape page wide at about two thirds of their size; long texts wrap.
const WIDTHS: [f64; 16] = [5.0, 8.0, 24.0, 16.0, 8.0, 12.0, 12.0, 8.0, 11.0, 32.0, 9.0, 9.0, 20.0, 20.0, 12.0, 12.0];

/// Widths of the summary sheet's columns.
const SUMMARY_WIDTHS: [f64; 8] = [26.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0];

/// The ledger sheets' rows above the data: title, colour legend, column header.
const LEDGER_HEAD_ROWS: u32 = 3;

/// Body text size in points, and the height of one of its lines with leading.
const FONT_PT: f64 = 10.5;
const LINE_PT: f64 = 14.0;
/// Excel's default row height, the least a row gets.
const MIN_ROW_PT: f64 = 15.0;
/// Excel's largest row height.
const MAX_ROW_PT: f64 = 409.0;

/// The footer of every printed page (Excel fills in &P and &N).
pub const FOOTER: &str = "&C第 &P 页 共 &N 页";

fn fill(c: domain::Colour) -> Color {
    let f = colour_fill(c);
    Color::RGB(u32::from(f.0) << 16 | u32::from(f.1) << 8 | u32::from(f.2))
}

/// A sheet name Excel accepts: at most 31 characters, none of []:*?/\.
fn sheet_name(heading: &str, used: &mut Vec<String>) -> String {
    let clean: String = heading.chars().filter(|c| !"[]:*?/\\'".contains(*c)).take(28).collect();
    let mut name = if clean.is_empty() { "部分".to_string() } else { clean };
    let mut n = 2;
    while used.contains(&name) {
        name = format!("{}{n}", name.chars().take(28).collect::<String>());
        n += 1;
    }
    used.push(name.clone());
    name
}

/// How many lines `text` takes in a column `width` characters wide, wrapped. Column widths
/// count the width of a digit; a Chinese (or any non-ASCII) character takes two, and a
/// character's worth is lost to the cell's padding.
pub fn lines_in(text: &str, width: f64) -> usize {
    let per_line = (width - 1.0).max(2.0);
    text.split('\n')
        .map(|line| {
            let w: usize = line.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
            ((w as f64 / per_line).ceil() as usize).max(1)
        })
        .sum()
}

/// The height in points a row needs to show all its wrapped cells: (text, column width) each.
pub fn row_height<'a>(cells: impl IntoIterator<Item = (&'a str, f64)>) -> f64 {
    let lines = cells.into_iter().map(|(t, w)| lines_in(t, w)).max().unwrap_or(1);
    (lines as f64 * LINE_PT + 1.0).clamp(MIN_ROW_PT, MAX_ROW_PT)
}

/// Page setup for printing: A4 landscape, one page wide however long, page numbers in the
/// footer, centred.
fn print_setup(ws: &mut Worksheet) {
    ws.set_paper_size(9);
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    ws.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    ws.set_footer(FOOTER);
}

/// A text across the first `cols` columns, wrapped, its row as high as it needs; `scale` is
/// its font size over the body's (a 14 pt title is 4/3).
fn banner(
    ws: &mut Worksheet,
    row: u32,
    cols: u16,
    text: &str,
    fmt: &Format,
    widths: &[f64],
    scale: f64,
) -> Result<(), XlsxError> {
    let width: f64 = widths.iter().take(cols as usize).sum();
    if cols > 1 {
        ws.merge_range(row, 0, row, cols - 1, text, fmt)?;
    } else {
        ws.write_string_with_format(row, 0, text, fmt)?;
    }
    // A larger font fits fewer characters a line, and each line is taller.
    let lines = lines_in(text, width / scale);
    ws.set_row_height(row, (lines as f64 * LINE_PT * scale + 4.0).clamp(MIN_ROW_PT, MAX_ROW_PT))?;
    Ok(())
}

/// The title's size over the body's.
const TITLE_SCALE: f64 = 14.0 / FONT_PT;

/// The colour legend in one row: each colour's meaning in a cell of that colour, spread over
/// the columns `spans` (first, last) give.
fn legend(
    ws: &mut Worksheet,
    row: u32,
    b: &Bulletin,
    spans: [(u16, u16); 3],
    widths: &[f64],
    fmt: &Formats,
) -> Result<(), XlsxError> {
    let mut height = MIN_ROW_PT;
    for ((colour, text), (first, last)) in colour_legend(&b.thresholds).into_iter().zip(spans) {
        let f = fmt.cell.clone().set_background_color(fill(colour)).set_align(FormatAlign::VerticalCenter);
        if last > first {
            ws.merge_range(row, first, row, last, &text, &f)?;
        } else {
            ws.write_string_with_format(row, first, &text, &f)?;
        }
        let width: f64 = widths[first as usize..=last as usize].iter().sum();
        height = height.max(row_height([(text.as_str(), width)]));
    }
    ws.set_row_height(row, height)?;
    Ok(())
}

fn ledger_sheet(
    ws: &mut Worksheet,
    b: &Bulletin,
    heading: &str,
    rows: &[LedgerRow],
    fmt: &Formats,
) -> Result<(), XlsxError> {
    let last_col = (LEDGER_COLUMNS.len() - 1) as u16;
    for (c, w) in WIDTHS.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    let title = full_width(&format!(
        "{}年{}月任务推进台账　{heading}（截至{}）",
        b.period.year,
        b.period.month,
        chinese_date(b.as_of)
    ));
    banner(ws, 0, LEDGER_COLUMNS.len() as u16, &title, &fmt.title, &WIDTHS, TITLE_SCALE)?;
    legend(ws, 1, b, [(0, 3), (4, 10), (11, last_col)], &WIDTHS, fmt)?;
    let header = LEDGER_HEAD_ROWS - 1;
    for (c, h) in LEDGER_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(header, c as u16, *h, &fmt.header)?;
    }
    ws.set_row_height(header, row_height(LEDGER_COLUMNS.into_iter().zip(WIDTHS)).max(24.0))?;
    ws.set_freeze_panes(LEDGER_HEAD_ROWS, 0)?;
    print_setup(ws);
    ws.set_repeat_rows(0, header)?;
    for (i, r) in rows.iter().enumerate() {
        let row = LEDGER_HEAD_ROWS + i as u32;
        let cells = r.cells().map(|t| full_width(&t));
        for (c, text) in cells.iter().enumerate() {
            let col = c as u16;
            match c {
                0 => ws.write_number_with_format(row, col, r.seq as f64, &fmt.cell)?,
                8 => ws.write_with_format(row, col, &r.deadline, &fmt.date)?,
                10 => match r.assessment.progress {
                    Some(p) => ws.write_number_with_format(row, col, p, &fmt.percent)?,
                    None => ws.write_string_with_format(row, col, "—", &fmt.cell)?,
                },
                11 => {
                    let f = fmt.cell.clone().set_background_color(fill(r.assessment.colour)).set_bold();
                    ws.write_string_with_format(row, col, text, &f)?
                }
                _ => ws.write_string_with_format(row, col, text, &fmt.cell)?,
            };
        }
        ws.set_row_height(row, row_height(cells.iter().map(String::as_str).zip(WIDTHS)))?;
    }
    if !rows.is_empty() {
        ws.autofilter(header, 0, header + rows.len() as u32, last_col)?;
    }
    Ok(())
}

struct Formats {
    header: Format,
    cell: Format,
    date: Format,
    percent: Format,
    title: Format,
    note: Format,
}

pub fn render(b: &Bulletin) -> Result<Vec<u8>, crate::Error> {
    let base = Format::new().set_font_name("宋体").set_font_size(FONT_PT).set_border(FormatBorder::Thin);
    let fmt = Formats {
        header: base
            .clone()
            .set_bold()
            .set_background_color(Color::RGB(0xD9E1F2))
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap(),
        cell: base.clone().set_text_wrap().set_align(FormatAlign::Top),
        date: base.clone().set_num_format("yyyy-mm-dd").set_align(FormatAlign::Top),
        percent: base.clone().set_num_format("0.0%").set_align(FormatAlign::Top),
        title: Format::new()
            .set_font_name("黑体")
            .set_font_size(14)
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::VerticalCenter),
        note: Format::new().set_font_name("宋体").set_font_size(FONT_PT).set_text_wrap().set_align(FormatAlign::Top),
    };
    let mut wb = Workbook::new();

    let ws = wb.add_worksheet();
    ws.set_name("汇总")?;
    for (c, w) in SUMMARY_WIDTHS.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    print_setup(ws);
    banner(ws, 0, SUMMARY_WIDTHS.len() as u16, &full_width(&b.title), &fmt.title, &SUMMARY_WIDTHS, TITLE_SCALE)?;
    ws.write_string(1, 0, format!("截至{}", chinese_date(b.as_of)))?;
    ws.set_repeat_rows(0, 1)?;
    let head = ["状态", "重点任务", "占比", "较上月", "任务分解", "占比", "较上月"];
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(3, c as u16, *h, &fmt.header)?;
    }
    ws.set_freeze_panes(4, 0)?;
    for (i, s) in Status::ALL.into_iter().enumerate() {
        let row = 4 + i as u32;
        ws.write_string_with_format(
            row,
            0,
            s.label(),
            &fmt.cell.clone().set_background_color(fill(default_colour(s))),
        )?;
        for (k, t) in [&b.overview.items, &b.overview.assignments].into_iter().enumerate() {
            let r = t.row(s);
            let c = 1 + 3 * k as u16;
            ws.write_number_with_format(row, c, r.count as f64, &fmt.cell)?;
            ws.write_number_with_format(row, c + 1, r.share, &fmt.percent)?;
            match r.change() {
                Some(ch) => ws.write_number_with_format(row, c + 2, ch as f64, &fmt.cell)?,
                None => ws.write_string_with_format(row, c + 2, "—", &fmt.cell)?,
            };
        }
    }
    let total_row = 4 + Status::ALL.len() as u32;
    ws.write_string_with_format(total_row, 0, "合计", &fmt.header)?;
    ws.write_number_with_format(total_row, 1, b.overview.items.total as f64, &fmt.cell)?;
    ws.write_number_with_format(total_row, 4, b.overview.assignments.total as f64, &fmt.cell)?;

    // The month's reporting: due, on time, late, missing, with shares of those due.
    let mut row = total_row + 2;
    for (c, h) in ["报送情况", "项数", "占应报送"].iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *h, &fmt.header)?;
    }
    let r = &b.overview.reports;
    let share = |n: usize| if r.due == 0 { 0.0 } else { n as f64 / r.due as f64 };
    for (label, n) in [("应报送", r.due), ("按时报送", r.on_time), ("逾期报送", r.late), ("未报送", r.missing)]
    {
        row += 1;
        ws.write_string_with_format(row, 0, label, &fmt.cell)?;
        ws.write_number_with_format(row, 1, n as f64, &fmt.cell)?;
        ws.write_number_with_format(row, 2, share(n), &fmt.percent)?;
    }

    row += 2;
    ws.write_string_with_format(row, 0, "颜色说明", &fmt.header)?;
    legend(ws, row, b, [(1, 2), (3, 5), (6, 7)], &SUMMARY_WIDTHS, &fmt)?;

    row += 2;
    for (c, h) in ["部分", "任务数", "已完成", "滞后", "逾期", "总体进度", "序时进度", "状态"].iter().enumerate()
    {
        ws.write_string_with_format(row, c as u16, *h, &fmt.header)?;
    }
    for s in &b.overview.sections {
        row += 1;
        let name = full_width(&format!("{}、{}", s.number, s.title));
        ws.write_string_with_format(row, 0, &name, &fmt.cell)?;
        ws.set_row_height(row, row_height([(name.as_str(), SUMMARY_WIDTHS[0])]))?;
        ws.write_number_with_format(row, 1, s.items.total as f64, &fmt.cell)?;
        ws.write_number_with_format(row, 2, s.items.count(Status::Completed) as f64, &fmt.cell)?;
        ws.write_number_with_format(row, 3, s.items.count(Status::Behind) as f64, &fmt.cell)?;
        ws.write_number_with_format(row, 4, s.items.count(Status::Overdue) as f64, &fmt.cell)?;
        match s.assessment.progress {
            Some(p) => ws.write_number_with_format(row, 5, p, &fmt.percent)?,
            None => ws.write_string_with_format(row, 5, "—", &fmt.cell)?,
        };
        ws.write_number_with_format(row, 6, s.assessment.pace, &fmt.percent)?;
        let f = fmt.cell.clone().set_background_color(fill(s.assessment.colour));
        ws.write_string_with_format(row, 7, s.assessment.status.label(), &f)?;
    }

    if !b.ranking.rows.is_empty() {
        row += 2;
        for (c, h) in
            ["名次", "单位", "任务数", "已完成", "达序时", "滞后", "达序时占比", "上月名次"].iter().enumerate()
        {
            ws.write_string_with_format(row, c as u16, *h, &fmt.header)?;
        }
        for r in &b.ranking.rows {
            row += 1;
            ws.write_number_with_format(row, 0, r.rank as f64, &fmt.cell)?;
            ws.write_string_with_format(row, 1, &r.unit, &fmt.cell)?;
            ws.set_row_height(row, row_height([(r.unit.as_str(), SUMMARY_WIDTHS[1])]))?;
            ws.write_number_with_format(row, 2, r.total as f64, &fmt.cell)?;
            ws.write_number_with_format(row, 3, r.completed as f64, &fmt.cell)?;
            ws.write_number_with_format(row, 4, r.on_pace as f64, &fmt.cell)?;
            ws.write_number_with_format(row, 5, r.lagging as f64, &fmt.cell)?;
            ws.write_number_with_format(row, 6, r.score, &fmt.percent)?;
            match r.last_rank {
                Some(l) => ws.write_number_with_format(row, 7, l as f64, &fmt.cell)?,
                None => ws.write_string_with_format(row, 7, "—", &fmt.cell)?,
            };
        }
        row += 1;
        banner(ws, row, SUMMARY_WIDTHS.len() as u16, &b.ranking.rule, &fmt.note, &SUMMARY_WIDTHS, 1.0)?;
    }

    let mut used = vec!["汇总".to_string()];
    for s in &b.ledger {
        let ws = wb.add_worksheet();
        let heading = full_width(&s.heading());
        ws.set_name(sheet_name(&heading, &mut used))?;
        ledger_sheet(ws, b, &heading, &s.rows, &fmt)?;
    }
    if let Some(sup) = &b.supervision {
        let ws = wb.add_worksheet();
        ws.set_name(SUPERVISION_SHEET)?;
        supervision_sheet(ws, b, sup, &fmt)?;
    }
    Ok(wb.save_to_buffer()?)
}

/// The name of the sheet of visits and 督办件 figures.
pub const SUPERVISION_SHEET: &str = "督导和督办件";

/// Widths of the supervision sheet's columns: part, figure, unit, value.
const SUPERVISION_WIDTHS: [f64; 4] = [20.0, 30.0, 24.0, 16.0];

fn supervision_sheet(
    ws: &mut Worksheet,
    b: &Bulletin,
    sup: &domain::bulletin::Supervision,
    fmt: &Formats,
) -> Result<(), XlsxError> {
    for (c, w) in SUPERVISION_WIDTHS.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    print_setup(ws);
    let title =
        format!("{}年{}月督导检查和督办件办理情况（截至{}）", b.period.year, b.period.month, chinese_date(b.as_of));
    banner(ws, 0, SUPERVISION_WIDTHS.len() as u16, &full_width(&title), &fmt.title, &SUPERVISION_WIDTHS, TITLE_SCALE)?;
    for (c, h) in ["部分", "项目", "单位", "数值"].iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &fmt.header)?;
    }
    ws.set_freeze_panes(2, 0)?;
    ws.set_repeat_rows(0, 1)?;
    for (i, r) in sup.rows().iter().enumerate() {
        let row = 2 + i as u32;
        let item = full_width(&r.item);
        ws.write_string_with_format(row, 0, r.part, &fmt.cell)?;
        ws.write_string_with_format(row, 1, &item, &fmt.cell)?;
        ws.write_string_with_format(row, 2, &r.unit, &fmt.cell)?;
        // Counts as numbers, so they sum; the rate and dates as printed.
        match r.value.parse::<f64>() {
            Ok(n) => ws.write_number_with_format(row, 3, n, &fmt.cell)?,
            Err(_) => ws.write_string_with_format(row, 3, &r.value, &fmt.cell)?,
        };
        ws.set_row_height(
            row,
            row_height([(item.as_str(), SUPERVISION_WIDTHS[1]), (r.unit.as_str(), SUPERVISION_WIDTHS[2])]),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_legal_and_unique() {
        let mut used = vec![];
        assert_eq!(sheet_name("一、加强党的建设[试点]", &mut used), "一、加强党的建设试点");
        let long = "二、".to_string() + &"很".repeat(40);
        let a = sheet_name(&long, &mut used);
        let b = sheet_name(&long, &mut used);
        assert!(a.chars().count() <= 31 && b.chars().count() <= 31);
        assert_ne!(a, b);
    }

    #[test]
    fn rows_are_as_high_as_their_wrapped_text() {
        // 40 characters wide holds 19 Chinese characters a line (one lost to padding).
        assert_eq!(lines_in(&"进".repeat(19), 40.0), 1);
        assert_eq!(lines_in(&"进".repeat(20), 40.0), 2);
        assert_eq!(lines_in(&"1".repeat(39), 40.0), 1);
        assert_eq!(lines_in("第一行\n第二行", 40.0), 2, "line breaks count");
        assert_eq!(lines_in("", 10.0), 1);
        // The tallest cell decides; a short row keeps Excel's default height.
        let long = "进".repeat(95); // 5 lines in the 40-wide column
        assert_eq!(row_height([("短", 10.0), (long.as_str(), 40.0)]), 5.0 * LINE_PT + 1.0);
        assert_eq!(row_height([("短", 10.0)]), MIN_ROW_PT);
        assert_eq!(row_height([("进".repeat(5000).as_str(), 10.0)]), MAX_ROW_PT);
    }
}
