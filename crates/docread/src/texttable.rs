//! Task tables that arrive as plain text, copied from a web page or a PDF: rows with `|`
//! between cells ("序号 | 重点任务 | 牵头单位 | 完成时限"), and tables flattened one cell per
//! line (序号, then the task, the units and the deadline, each on a line of its own, often
//! closed by a `|`). Both become [`Block::Table`]s, the lines around them stay paragraphs.
//!
//! Nothing is dropped: the cells of a table, put back together, are its lines (blanks and
//! the `|` separators aside) — see the property tests.

use crate::Block;

/// The longest a header cell of a flattened table may be: headers are short labels.
const MAX_HEADER_CHARS: usize = 10;

/// The cells of a line written with `|` between them, trimmed, without the empty cells
/// outside the first and last bar; `None` when the line has no bar.
pub fn pipe_cells(line: &str) -> Option<Vec<String>> {
    if !line.contains(['|', '｜']) {
        return None;
    }
    let mut cells: Vec<String> = line.split(['|', '｜']).map(|c| c.trim().to_string()).collect();
    if cells.first().is_some_and(String::is_empty) {
        cells.remove(0);
    }
    if cells.last().is_some_and(String::is_empty) {
        cells.pop();
    }
    Some(cells)
}

/// A markdown rule under a header ("---|:---:|---"): layout, not content.
pub fn is_rule(line: &str) -> bool {
    line.contains(['|', '｜'])
        && line.contains('-')
        && line.chars().all(|c| matches!(c, '-' | ':' | '|' | '｜') || c.is_whitespace())
}

/// A line as a flattened cell: without the closing bar and the padding.
fn cell_text(line: &str) -> &str {
    line.trim().trim_end_matches(['|', '｜']).trim()
}

/// A sequence number standing alone on its line ("12", "12.", "12 |").
pub fn bare_number(line: &str) -> Option<u32> {
    let t = cell_text(line).trim_end_matches(['.', '．', '、']);
    (!t.is_empty() && t.len() <= 4 && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse().ok()).flatten()
}

fn is_number_header(cell: &str) -> bool {
    let squeezed: String = cell.chars().filter(|c| !c.is_whitespace()).collect();
    matches!(squeezed.as_str(), "序号" | "编号" | "序" | "任务编号" | "項次" | "序號" | "編號")
}

fn is_header_cell(cell: &str) -> bool {
    let n = cell.chars().count();
    n > 0
        && n <= MAX_HEADER_CHARS
        && !cell.contains(['。', '，', ',', '；', ';', '：', ':'])
        && bare_number(cell).is_none()
}

/// Splits plain-text lines into paragraphs and the task tables written among them.
pub fn blocks(lines: Vec<String>) -> Vec<Block> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if let Some((rows, end)) = pipe_table(&lines, i).or_else(|| flattened_table(&lines, i)) {
            out.push(Block::Table(rows));
            i = end;
        } else {
            out.push(Block::Para(lines[i].clone()));
            i += 1;
        }
    }
    out
}

/// A header of three or more cells starting with 序号 on one line with bars, and the rows
/// with bars after it. Returns the rows and the index of the first line after the table.
fn pipe_table(lines: &[String], at: usize) -> Option<(Vec<Vec<String>>, usize)> {
    let header = pipe_cells(&lines[at])?;
    if header.len() < 3 || !header.first().is_some_and(|c| is_number_header(c)) {
        return None;
    }
    let mut rows = vec![header];
    let mut end = at + 1;
    while end < lines.len() {
        match pipe_cells(&lines[end]) {
            // A markdown rule under the header ("---|---").
            Some(_) if is_rule(&lines[end]) => {}
            Some(cells) if cells.len() >= 2 => rows.push(cells),
            _ => break,
        }
        end += 1;
    }
    (rows.len() >= 2).then_some((rows, end))
}

/// A header flattened one cell per line (序号 first, then at least two more short labels),
/// followed by rows each opened by a line holding only its sequence number. A row's cells are
/// the lines up to the next row's number; their count may differ from the header's (a cell
/// holding several units is written on several lines, an empty cell not at all).
fn flattened_table(lines: &[String], at: usize) -> Option<(Vec<Vec<String>>, usize)> {
    if !is_number_header(cell_text(&lines[at])) {
        return None;
    }
    let mut end = at + 1;
    while end < lines.len() && is_header_cell(cell_text(&lines[end])) && !is_number_header(cell_text(&lines[end])) {
        end += 1;
    }
    let header: Vec<String> = lines[at..end].iter().map(|l| cell_text(l).to_string()).collect();
    if header.len() < 3 || end >= lines.len() {
        return None;
    }
    let mut last = bare_number(&lines[end])?;
    let mut rows = vec![header, vec![cell_text(&lines[end]).to_string()]];
    end += 1;
    while end < lines.len() {
        let line = &lines[end];
        match bare_number(line) {
            // The next row: numbers go up by one (a skipped number is a lost row, not a cell).
            Some(n) if n > last && n <= last + 3 => {
                last = n;
                rows.push(vec![cell_text(line).to_string()]);
            }
            _ => {
                let cell = cell_text(line);
                if !cell.is_empty()
                    && !is_rule(line)
                    && let Some(row) = rows.last_mut()
                {
                    row.push(cell.to_string());
                }
            }
        }
        end += 1;
    }
    Some((rows, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(str::to_string).collect()
    }

    #[test]
    fn pipe_rows_become_a_table() {
        let b = blocks(lines(
            "2024年重点任务清单\n序号 | 重点任务 | 具体举措 | 牵头单位 | 配合单位 | 完成时限\n---|---|---|---|---|---\n1 | 建设学校 | 新建3所 | 市教育局 | 市财政局、各区 | 2024年12月\n附件说明",
        ));
        assert_eq!(b.len(), 3);
        let Block::Table(rows) = &b[1] else { panic!("table") };
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1], ["1", "建设学校", "新建3所", "市教育局", "市财政局、各区", "2024年12月"]);
        assert_eq!(b[2], Block::Para("附件说明".into()));
    }

    #[test]
    fn one_cell_per_line_rows_start_at_their_numbers() {
        let b = blocks(lines(
            "分解表\n序号 |\n目标与任务 |\n牵头责任单位 |\n80 |\n新增托位400个。 |\n县教育局 |\n81 |\n保障开学。 |\n县教育局 |",
        ));
        let Block::Table(rows) = &b[1] else { panic!("table") };
        assert_eq!(rows[0], ["序号", "目标与任务", "牵头责任单位"]);
        assert_eq!(rows[1], ["80", "新增托位400个。", "县教育局"]);
        assert_eq!(rows[2], ["81", "保障开学。", "县教育局"]);
    }

    #[test]
    fn numbered_paragraphs_are_not_a_table() {
        let b = blocks(lines("序号\n1.推进工作。\n2.加强管理。"));
        assert!(b.iter().all(|b| matches!(b, Block::Para(_))));
    }
}
