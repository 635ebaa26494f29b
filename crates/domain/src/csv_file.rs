//! Every CSV file the program writes goes through [`CsvFile`], so no export can forget the one
//! rule that makes a CSV safe to open: a text cell that a spreadsheet program would run as a
//! formula (one starting with `=`, `+`, `-`, `@`, a tab or a carriage return — "CSV
//! injection") is written with a leading `'`, which spreadsheets show as text. Numbers, even
//! negative ones, stay numbers. Files are UTF-8 with a byte-order mark, which Excel needs to
//! read Chinese correctly.

use std::borrow::Cow;

/// Characters that make a spreadsheet treat a cell as a formula (or, for tab and carriage
/// return, that some programs strip before doing so).
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `s` as it may be written into a CSV cell: prefixed with `'` when a spreadsheet would take it
/// for a formula. A plain number (`-3.5`, `+2`, `-12%`) is left alone: it is no formula, and
/// neutralising it would turn a figure into text. A text that already looks neutralised gets
/// one more `'`, so [`unescape_cell`] gives back exactly what was written.
pub fn safe_cell(s: &str) -> Cow<'_, str> {
    let formula = s.starts_with(FORMULA_START) && !is_plain_number(s);
    if formula || looks_escaped(s) { Cow::Owned(format!("'{s}")) } else { Cow::Borrowed(s) }
}

/// The inverse of [`safe_cell`] for files read back in (the unit directory is exported, edited
/// in a spreadsheet and imported again): a `'` the writer added before a formula character is
/// dropped, anything else is kept as it is.
pub fn unescape_cell(s: &str) -> &str {
    if looks_escaped(s) { &s[1..] } else { s }
}

/// Quotes, then a formula character: what [`safe_cell`] writes.
fn looks_escaped(s: &str) -> bool {
    s.starts_with('\'') && s.trim_start_matches('\'').starts_with(FORMULA_START)
}

/// An optional sign, digits with at most one decimal point, an optional `%`: nothing a
/// spreadsheet would evaluate.
fn is_plain_number(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let body = body.strip_suffix('%').unwrap_or(body);
    let mut digits = 0;
    let mut points = 0;
    for c in body.chars() {
        match c {
            '0'..='9' => digits += 1,
            '.' => points += 1,
            _ => return false,
        }
    }
    digits > 0 && points <= 1
}

/// A CSV file being written: rows in, bytes (with the byte-order mark) out.
pub struct CsvFile {
    writer: csv::Writer<Vec<u8>>,
}

impl Default for CsvFile {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvFile {
    pub fn new() -> Self {
        // Rows of different lengths are allowed, so writing a row cannot fail (the sink is
        // memory).
        let writer = csv::WriterBuilder::new().flexible(true).from_writer(Vec::from(*b"\xEF\xBB\xBF"));
        CsvFile { writer }
    }

    /// Appends one row; every cell passes through [`safe_cell`].
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let record: Vec<String> = cells.into_iter().map(|c| safe_cell(c.as_ref()).into_owned()).collect();
        // Writing to memory with flexible rows has no failure to report.
        let _ = self.writer.write_record(&record);
    }

    /// The file's bytes.
    pub fn finish(self) -> Vec<u8> {
        match self.writer.into_inner() {
            Ok(bytes) => bytes,
            // Unreachable with a memory sink; keep what was buffered rather than panic.
            Err(e) => e.into_inner().get_ref().clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        assert_eq!(safe_cell("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        for s in ["+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "-", "-abc", "--1"] {
            assert_eq!(safe_cell(s), format!("'{s}"), "{s:?}");
        }
        for s in ["-3.5", "+2", "-12%", "41.0%", "余江区", "", "a=b", "'abc"] {
            assert_eq!(safe_cell(s), s, "{s:?}");
        }
        assert_eq!(unescape_cell(&safe_cell("=x")), "=x");
        assert_eq!(unescape_cell("'abc"), "'abc");
        assert_eq!(safe_cell("'=x"), "''=x");
        assert_eq!(unescape_cell(&safe_cell("'=x")), "'=x");
    }

    #[test]
    fn a_file_reads_back_with_a_csv_parser() {
        let mut f = CsvFile::new();
        f.row(["名称", "数"]);
        f.row(["=HYPERLINK(\"x\")", "-3.5"]);
        let bytes = f.finish();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let mut r = csv::ReaderBuilder::new().has_headers(true).from_reader(&bytes[3..]);
        let row = r.records().next().unwrap().unwrap();
        assert_eq!(&row[0], "'=HYPERLINK(\"x\")");
        assert_eq!(&row[1], "-3.5");
    }
}
