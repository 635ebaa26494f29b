//! Task tables (任务分工表 / 任务台账): a header row naming the columns, one row per task.
//! They arrive as xlsx/csv files or as tables annexed to a Word document.

use crate::model::Role;
use crate::numerals::any_number;
use regex::Regex;
use std::sync::LazyLock;

/// What a column of a task table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Number,
    Task,
    Lead,
    Co,
    /// 责任单位 in a table without a 牵头 column: responsible, no lead/co distinction.
    Responsible,
    Deadline,
    Section,
    Target,
    /// Any other column: kept in the item's `extra` under its header.
    Extra,
}

fn column_of(header: &str) -> Option<Column> {
    let h: String = header.chars().filter(|c| !c.is_whitespace()).collect();
    let is = |words: &[&str]| words.iter().any(|w| h == *w);
    let has = |words: &[&str]| words.iter().any(|w| h.contains(w));
    Some(if is(&["序号", "编号", "序", "任务编号"]) {
        Column::Number
    } else if has(&[
        "工作任务",
        "重点任务",
        "任务内容",
        "工作内容",
        "主要任务",
        "具体任务",
        "工作事项",
        "目标任务",
        "工作要点",
        "任务名称",
        "目标与任务",
        "民生实事",
        "项目名称",
        "重点工作",
        "主要内容",
    ]) || is(&["任务", "内容", "事项"])
    {
        Column::Task
    } else if has(&["牵头单位", "牵头部门", "牵头科室", "牵头处室", "主责单位", "主办单位", "牵头责任单位"])
    {
        Column::Lead
    } else if has(&["配合单位", "配合部门", "配合科室", "协同单位", "协办单位", "参与单位"]) {
        Column::Co
    } else if has(&["责任单位", "责任部门", "责任科室", "责任处室"]) {
        Column::Responsible
    } else if has(&["完成时限", "时间节点", "完成时间", "时限要求", "完成期限", "时限", "截止时间"])
    {
        Column::Deadline
    } else if is(&["类别", "领域", "板块", "分类", "工作类别", "项目类别", "任务类别", "序列"]) {
        Column::Section
    } else if has(&["量化目标", "预期目标", "目标值", "工作目标"]) {
        Column::Target
    } else {
        return None;
    })
}

/// A task table's columns, found in its header row.
#[derive(Debug, Clone)]
pub struct Layout {
    pub header_row: usize,
    pub columns: Vec<(Column, String)>,
}

/// Finds the header row among the first rows (titles often sit above it): the first row
/// naming a task column and at least one unit or number column.
pub fn layout(rows: &[Vec<String>]) -> Option<Layout> {
    for (r, row) in rows.iter().enumerate().take(10) {
        let cols: Vec<Option<Column>> = row.iter().map(|c| column_of(c)).collect();
        let has = |k: Column| cols.contains(&Some(k));
        if has(Column::Task)
            && (has(Column::Lead) || has(Column::Co) || has(Column::Responsible) || has(Column::Number))
        {
            let mut columns: Vec<(Column, String)> =
                row.iter().zip(&cols).map(|(h, c)| (c.unwrap_or(Column::Extra), h.trim().to_string())).collect();
            // 责任单位 beside a 牵头单位 column names the co-operating units.
            if has(Column::Lead) {
                for c in &mut columns {
                    if c.0 == Column::Responsible {
                        c.0 = Column::Co;
                    }
                }
            }
            return Some(Layout { header_row: r, columns });
        }
    }
    None
}

/// One row of a task table, read through its layout.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub label: String,
    pub number: Option<u32>,
    pub section: Option<String>,
    pub task: String,
    pub units: Vec<(String, Role)>,
    pub deadline: Option<String>,
    pub target: Option<String>,
    pub extra: Vec<(String, String)>,
}

static SECTION_ROW: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[一二三四五六七八九十]{1,3}\s*[、.．]").expect("valid regex"));

/// What a data row is: a task, or a heading row that opens a section ("一、党的建设" alone
/// in a merged row).
pub enum RowKind {
    Task(Row),
    Section(String),
    Blank,
}

/// A deadline cell: "12月底前", "2024年6月", "长期坚持", "5月底前动工".
fn looks_like_deadline(cell: &str) -> bool {
    let n = cell.chars().count();
    n <= 20
        && (cell.contains('月')
            || cell.contains("年底")
            || cell.contains("季度")
            || cell.contains("长期")
            || cell.contains("持续"))
        && !cell.contains('。')
}

/// A row of a table flattened one cell per line whose cell count differs from the header's
/// (a unit cell written on several lines, an empty cell left out): the number, then the task,
/// then each line placed by what it looks like — a deadline, another sentence of the task, or
/// a unit (the first unit cell goes to the lead column, the rest to co-operating units).
fn fit_row(layout: &Layout, cells: &[String]) -> Vec<String> {
    let mut out = vec![String::new(); layout.columns.len()];
    let col = |k: Column| layout.columns.iter().position(|c| c.0 == k);
    let (number, task) = (col(Column::Number), col(Column::Task));
    let deadline = col(Column::Deadline);
    let lead = col(Column::Lead);
    let units = lead.or(col(Column::Responsible)).or(col(Column::Co));
    let co = col(Column::Co).or(units);
    let append = |out: &mut Vec<String>, at: usize, text: &str, sep: &str| {
        if !out[at].is_empty() {
            out[at].push_str(sep);
        }
        out[at].push_str(text);
    };
    let mut rest = cells.iter();
    if let (Some(n), Some(first)) = (number, rest.next()) {
        out[n] = first.clone();
    }
    if let (Some(t), Some(first)) = (task, rest.next()) {
        out[t] = first.clone();
    }
    let mut lead_taken = false;
    for cell in rest {
        if let Some(d) = deadline.filter(|_| looks_like_deadline(cell)) {
            append(&mut out, d, cell, ";");
        } else if let Some(t) = task.filter(|_| cell.ends_with(['。', '；', ';']) || cell.chars().count() > 30) {
            append(&mut out, t, cell, "\n");
        } else if let Some(u) = units {
            let at = if lead.is_some() && lead_taken { co.unwrap_or(u) } else { u };
            lead_taken = true;
            append(&mut out, at, cell, "、");
        }
    }
    out
}

pub fn read_row(layout: &Layout, cells: &[String]) -> RowKind {
    let fitted;
    let cells = if cells.len() != layout.columns.len()
        && cells.first().is_some_and(|c| any_number(c.trim()).is_some())
        && layout.columns.first().is_some_and(|c| c.0 == Column::Number)
    {
        fitted = fit_row(layout, cells);
        fitted.as_slice()
    } else {
        cells
    };
    let filled: Vec<&String> = cells.iter().filter(|c| !c.trim().is_empty()).collect();
    if filled.is_empty() {
        return RowKind::Blank;
    }
    // A section heading row: one distinct text (merged cells repeat it) that looks like 一、….
    let first = filled[0].trim();
    if filled.iter().all(|c| c.trim() == first) && SECTION_ROW.is_match(first) {
        return RowKind::Section(first.to_string());
    }
    let mut row = Row::default();
    for ((kind, header), cell) in layout.columns.iter().zip(cells) {
        let v = cell.trim();
        if v.is_empty() {
            continue;
        }
        match kind {
            Column::Number => {
                row.label = v.to_string();
                row.number = any_number(v.trim_end_matches(['.', '、', '．'])).and_then(|n| u32::try_from(n).ok());
            }
            Column::Task => {
                if !row.task.is_empty() {
                    row.task.push('\n');
                }
                row.task.push_str(v);
            }
            Column::Lead => row.units.extend(crate::units::read_clause(v).0.into_iter().map(|(n, _)| (n, Role::Lead))),
            Column::Co => row.units.extend(crate::units::read_clause(v).0.into_iter().map(|(n, _)| (n, Role::Co))),
            Column::Responsible => row.units.extend(crate::units::read_clause(v).0),
            Column::Deadline => row.deadline = Some(v.to_string()),
            Column::Section => row.section = Some(v.to_string()),
            Column::Target => row.target = Some(v.to_string()),
            Column::Extra => row.extra.push((header.clone(), v.to_string())),
        }
    }
    if row.task.is_empty() {
        return RowKind::Blank;
    }
    RowKind::Task(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn header_below_a_title_row_and_columns_in_any_order() {
        let rows = vec![
            row(&["2024年重点任务分工表", "", "", ""]),
            row(&["完成时限", "牵头单位", "重点任务", "序号", "备注"]),
        ];
        let l = layout(&rows).expect("layout");
        assert_eq!(l.header_row, 1);
        let kinds: Vec<Column> = l.columns.iter().map(|c| c.0).collect();
        assert_eq!(kinds, vec![Column::Deadline, Column::Lead, Column::Task, Column::Number, Column::Extra]);
        let RowKind::Task(r) = read_row(&l, &row(&["2024年6月", "办公室、人事科", "完善制度。", "3", "新增"]))
        else {
            panic!("task row")
        };
        assert_eq!(r.number, Some(3));
        assert_eq!(r.units, vec![("办公室".into(), Role::Lead), ("人事科".into(), Role::Lead)]);
        assert_eq!(r.extra, vec![("备注".into(), "新增".into())]);
    }

    #[test]
    fn responsible_beside_lead_means_co() {
        let rows = vec![row(&["序号", "工作任务", "牵头单位", "责任单位"])];
        let l = layout(&rows).expect("layout");
        assert_eq!(l.columns[3].0, Column::Co);
    }
}
