//! The ledger as a workbook: 汇总 (totals by status, by section and the district ranking), then
//! one sheet per section with the ledger columns. Frozen header, widths for Chinese text,
//! status cells filled with the status colour, deadlines as real dates.

use crate::outline::colour_fill;
use domain::Status;
use domain::bulletin::{Bulletin, LEDGER_COLUMNS, LedgerRow};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

/// Column widths in characters (a Chinese character is about two).
const WIDTHS: [f64; 16] =
    [6.0, 12.0, 36.0, 24.0, 10.0, 16.0, 16.0, 10.0, 12.0, 40.0, 10.0, 10.0, 30.0, 30.0, 20.0, 20.0];

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

fn ledger_sheet(ws: &mut Worksheet, rows: &[LedgerRow], fmt: &Formats) -> Result<(), XlsxError> {
    for (c, h) in LEDGER_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &fmt.header)?;
        ws.set_column_width(c as u16, WIDTHS[c])?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.set_row_height(0, 24)?;
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        let cells = r.cells();
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
    }
    if !rows.is_empty() {
        ws.autofilter(0, 0, rows.len() as u32, (LEDGER_COLUMNS.len() - 1) as u16)?;
    }
    Ok(())
}

struct Formats {
    header: Format,
    cell: Format,
    date: Format,
    percent: Format,
    title: Format,
}

pub fn render(b: &Bulletin) -> Result<Vec<u8>, crate::Error> {
    let base = Format::new().set_font_name("宋体").set_font_size(10.5).set_border(FormatBorder::Thin);
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
        title: Format::new().set_font_name("黑体").set_font_size(14).set_bold(),
    };
    let mut wb = Workbook::new();

    let ws = wb.add_worksheet();
    ws.set_name("汇总")?;
    ws.write_string_with_format(0, 0, &b.title, &fmt.title)?;
    ws.write_string(1, 0, format!("截至{}", domain::bulletin::chinese_date(b.as_of)))?;
    let head = ["状态", "重点任务", "占比", "较上月", "任务分解", "占比", "较上月"];
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(3, c as u16, *h, &fmt.header)?;
    }
    ws.set_freeze_panes(4, 0)?;
    ws.set_column_width(0, 26)?;
    for c in 1..8 {
        ws.set_column_width(c, 12)?;
    }
    for (i, s) in Status::ALL.into_iter().enumerate() {
        let row = 4 + i as u32;
        let colour = match s {
            Status::Completed | Status::Ahead | Status::OnPace => domain::Colour::Green,
            Status::Behind | Status::NotStarted => domain::Colour::Yellow,
            Status::Overdue => domain::Colour::Red,
        };
        ws.write_string_with_format(row, 0, s.label(), &fmt.cell.clone().set_background_color(fill(colour)))?;
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

    let mut row = total_row + 2;
    for (c, h) in ["部分", "任务数", "已完成", "滞后", "逾期", "总体进度", "序时进度", "状态"].iter().enumerate()
    {
        ws.write_string_with_format(row, c as u16, *h, &fmt.header)?;
    }
    for s in &b.overview.sections {
        row += 1;
        ws.write_string_with_format(row, 0, format!("{}、{}", s.number, s.title), &fmt.cell)?;
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
        ws.write_string(row, 0, &b.ranking.rule)?;
    }

    let mut used = vec!["汇总".to_string()];
    for s in &b.ledger {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&s.heading(), &mut used))?;
        ledger_sheet(ws, &s.rows, &fmt)?;
    }
    Ok(wb.save_to_buffer()?)
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
}
