//! Spreadsheets: xlsx workbooks (through calamine) and CSV text, each sheet one
//! [`Block::Table`].
//!
//! Cells are rendered as a person sees them in Excel: integers without ".0", other numbers
//! with Excel's 15 significant digits, dates as YYYY-MM-DD (the 完成时限 column of a task
//! ledger is usually a date cell), booleans as TRUE/FALSE. A vertically merged cell (a
//! 牵头单位 spanning several task rows) is filled downwards so that every row names its
//! unit; horizontally merged cells keep their text in the first column only, as a docx
//! `gridSpan` does.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{DataRef, ExcelDateTime, Reader, SheetType, SheetVisible, Xlsx};

use crate::archive::Archive;
use crate::{Block, ReadError};

/// Rows are padded to the table's width only while the padded table stays this small; a
/// stray cell far to the right must not turn every row into thousands of empty strings.
const MAX_PADDED_CELLS: usize = 1_000_000;
/// The most cells filled in from merged regions per sheet.
const MAX_MERGE_FILLS: usize = 4_000_000;

pub(crate) fn xlsx(bytes: &[u8], archive: &mut Archive<'_>) -> Result<Vec<Block>, ReadError> {
    // calamine reads the zip itself: bound what it may inflate before it starts.
    archive.check_declared_sizes()?;
    // calamine is a large third-party parser of untrusted input; a panic in it must still
    // end as an error for the caller, as the crate promises.
    catch_unwind(AssertUnwindSafe(|| read_workbook(bytes)))
        .unwrap_or_else(|_| Err(ReadError::Corrupt("xlsx 内容无法解析".into())))
}

fn read_workbook(bytes: &[u8]) -> Result<Vec<Block>, ReadError> {
    let mut workbook: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| ReadError::Corrupt(format!("xlsx 无法打开:{e}")))?;
    let sheets: Vec<(String, bool)> = workbook
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible == SheetVisible::Visible))
        .collect();
    let mut visible = Vec::new();
    let mut hidden = Vec::new();
    for (name, is_visible) in sheets {
        let Some(table) = read_sheet(&mut workbook, &name)? else {
            continue;
        };
        if is_visible {
            visible.push(Block::Table(table));
        } else {
            hidden.push(Block::Table(table));
        }
    }
    // Hidden sheets usually hold drop-down lists; they are the content only when nothing
    // else is.
    Ok(if visible.is_empty() { hidden } else { visible })
}

fn read_sheet(workbook: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> Result<Option<Vec<Vec<String>>>, ReadError> {
    let sheet_error = |e: calamine::XlsxError| ReadError::Corrupt(format!("工作表“{name}”无法读取:{e}"));
    // Merge information is a nicety: a sheet whose merge list cannot be read is still read.
    let merges = workbook.merge_cells_by_sheet_name(name).unwrap_or_default();
    let mut cells: BTreeMap<(u32, u32), String> = BTreeMap::new();
    let mut reader = workbook.worksheet_cells_reader(name).map_err(sheet_error)?;
    while let Some(cell) = reader.next_cell().map_err(sheet_error)? {
        let text = render(cell.get_value());
        if !text.is_empty() {
            cells.insert(cell.get_position(), text);
        }
    }
    drop(reader);
    let Some(max_row) = cells.keys().map(|&(r, _)| r).max() else {
        return Ok(None);
    };

    let mut fills = 0usize;
    for m in merges {
        let (top, col) = m.start;
        let Some(value) = cells.get(&(top, col)).cloned() else {
            continue;
        };
        let bottom = m.end.0.min(max_row);
        for row in top.saturating_add(1)..=bottom {
            if fills >= MAX_MERGE_FILLS {
                break;
            }
            cells.entry((row, col)).or_insert_with(|| value.clone());
            fills += 1;
        }
    }
    Ok(Some(to_rows(cells)))
}

/// Rows of the non-empty cells, from the leftmost used column; rows without any cell are
/// left out.
fn to_rows(cells: BTreeMap<(u32, u32), String>) -> Vec<Vec<String>> {
    let Some(min_col) = cells.keys().map(|&(_, c)| c).min() else {
        return Vec::new();
    };
    let max_col = cells.keys().map(|&(_, c)| c).max().unwrap_or(min_col);
    let width = usize::try_from(max_col - min_col).unwrap_or(usize::MAX).saturating_add(1);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut current_row = None;
    for ((r, c), text) in cells {
        if current_row != Some(r) {
            rows.push(Vec::new());
            current_row = Some(r);
        }
        let Some(row) = rows.last_mut() else { continue };
        let index = usize::try_from(c - min_col).unwrap_or(usize::MAX);
        if row.len() < index {
            row.resize(index, String::new());
        }
        row.push(text);
    }
    if width.saturating_mul(rows.len()) <= MAX_PADDED_CELLS {
        for row in &mut rows {
            row.resize(width, String::new());
        }
    }
    rows
}

fn render(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number(*f),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        DataRef::DateTime(dt) => datetime(dt),
        DataRef::DateTimeIso(s) => s.strip_suffix("T00:00:00").unwrap_or(s).to_owned(),
        DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => e.to_string(),
        DataRef::Empty => String::new(),
    }
}

/// A number as Excel shows it: 15 significant digits (so binary noise such as
/// 0.30000000000000004 disappears), integers without a fraction.
pub(crate) fn number(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    if rounded.fract() == 0.0 && rounded.abs() < 1e15 {
        // Exact: the value is an integer of at most 15 digits.
        format!("{}", rounded as i64)
    } else {
        format!("{rounded}")
    }
}

/// A date as YYYY-MM-DD, with the time only when there is one; a time of day alone as
/// HH:MM(:SS); a duration as its number of days.
fn datetime(dt: &ExcelDateTime) -> String {
    if dt.is_duration() {
        return number(dt.as_f64());
    }
    let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
    let time = if s == 0 { format!("{h:02}:{mi:02}") } else { format!("{h:02}:{mi:02}:{s:02}") };
    let value = dt.as_f64();
    if (0.0..1.0).contains(&value) {
        time
    } else if (h, mi, s) == (0, 0, 0) {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02} {time}")
    }
}

/// A CSV text (already decoded) as one table; blank records are left out.
pub(crate) fn csv(text: &str, delimiter: u8) -> Result<Vec<Block>, ReadError> {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            ReadError::Corrupt(format!("CSV 格式错误(第 {line} 行)"))
        })?;
        let row: Vec<String> = record.iter().map(str::to_owned).collect();
        if row.iter().any(|c| !c.trim().is_empty()) {
            rows.push(row);
        }
    }
    Ok(if rows.is_empty() { Vec::new() } else { vec![Block::Table(rows)] })
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::ExcelDateTimeType;

    #[test]
    fn numbers() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(1e20), "100000000000000000000");
        assert_eq!(number(f64::NAN), "NaN");
    }

    #[test]
    fn dates() {
        let date = ExcelDateTime::new(45_473.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(datetime(&date), "2024-06-30");
        let with_time = ExcelDateTime::new(45_473.5, ExcelDateTimeType::DateTime, false);
        assert_eq!(datetime(&with_time), "2024-06-30 12:00");
        let time = ExcelDateTime::new(0.75, ExcelDateTimeType::DateTime, false);
        assert_eq!(datetime(&time), "18:00");
        let weird = ExcelDateTime::new(f64::NAN, ExcelDateTimeType::DateTime, false);
        let _ = datetime(&weird);
    }

    #[test]
    fn sparse_rows_are_padded_and_trimmed() {
        let mut cells = BTreeMap::new();
        cells.insert((2, 1), "a".to_owned());
        cells.insert((2, 3), "b".to_owned());
        cells.insert((5, 2), "c".to_owned());
        assert_eq!(to_rows(cells), [vec!["a", "", "b"], vec!["", "c", ""]]);
    }

    #[test]
    fn csv_rows() {
        let blocks = csv("序号,任务\n1,\"甲,乙\"\n,\n2,丙,多余\n", b',').unwrap();
        assert_eq!(
            blocks,
            [Block::Table(vec![
                vec!["序号".to_owned(), "任务".to_owned()],
                vec!["1".to_owned(), "甲,乙".to_owned()],
                vec!["2".to_owned(), "丙".to_owned(), "多余".to_owned()],
            ])]
        );
    }
}
