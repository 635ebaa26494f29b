//! The unit directory as a spreadsheet (csv or xlsx), the form in which bureaus keep it: read
//! with every bad row named, written back as csv. Used by `duban units import/export` and by
//! the directory page.

use crate::directory::{kind_key, kind_label};
use docread::Block;
use plan::directory::DirectoryUnit;

/// Columns, in the order written; on import they may come in any order.
pub const COLUMNS: [&str; 8] = ["名称", "类别", "学段", "办别", "普惠", "区县", "别名", "成员"];

fn list(cell: &str) -> Vec<String> {
    cell.split(['、', ';', ';', '\n'])
        .map(|s| domain::csv_file::unescape_cell(s.trim()))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Reads a directory sheet; every bad row is named with its line and reason, and nothing is
/// imported from a sheet with errors.
pub fn read(bytes: &[u8]) -> Result<Vec<DirectoryUnit>, String> {
    let extracted = docread::extract(bytes).map_err(|e| e.to_string())?;
    let table = extracted
        .blocks
        .into_iter()
        .find_map(|b| match b {
            Block::Table(t) => Some(t),
            Block::Para(_) => None,
        })
        .ok_or_else(|| format!("文件中没有表格;请提供首行为“{}”等列名的 csv 或 xlsx", COLUMNS.join("、")))?;
    let header = table.first().ok_or_else(|| "表格为空".to_string())?;
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let name_col = col("名称").ok_or_else(|| "缺少“名称”列".to_string())?;
    let kind_col = col("类别").ok_or_else(|| "缺少“类别”列".to_string())?;
    // A cell our export neutralised (`'=…`) reads back as it was.
    let cell = |row: &[String], c: Option<usize>| {
        c.and_then(|c| row.get(c)).map(|s| domain::csv_file::unescape_cell(s.trim()).to_string()).unwrap_or_default()
    };
    let mut units = Vec::new();
    let mut errors = Vec::new();
    for (i, row) in table.iter().enumerate().skip(1) {
        let line = i + 1;
        let name = cell(row, Some(name_col));
        if name.is_empty() && row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if name.is_empty() {
            errors.push(format!("第 {line} 行:名称为空"));
            continue;
        }
        let Some(kind) = kind_key(&cell(row, Some(kind_col))) else {
            errors.push(format!(
                "第 {line} 行:类别“{}”无效,应为 单位组、区县、科室、学校 或 其他",
                cell(row, Some(kind_col))
            ));
            continue;
        };
        let opt = |c: &str| Some(cell(row, col(c))).filter(|s| !s.is_empty());
        units.push(DirectoryUnit {
            name,
            kind: kind.to_string(),
            aliases: list(&cell(row, col("别名"))),
            misspellings: Vec::new(),
            members: list(&cell(row, col("成员"))),
            stage: opt("学段"),
            ownership: opt("办别"),
            inclusive: matches!(cell(row, col("普惠")).as_str(), "是" | "普惠"),
            district: opt("区县"),
        });
    }
    let names: std::collections::HashSet<&str> = units.iter().map(|u| u.name.as_str()).collect();
    for u in &units {
        for m in u.members.iter().filter(|m| !names.contains(m.as_str())) {
            errors.push(format!("单位组“{}”的成员“{m}”不在表中", u.name));
        }
    }
    if !errors.is_empty() {
        return Err(format!("单位目录有 {} 处错误,未导入任何内容:\n{}", errors.len(), errors.join("\n")));
    }
    Ok(units)
}

/// The directory as csv with the columns above (see [`domain::csv_file`]: a byte-order mark,
/// formula text neutralised; [`read`] undoes the neutralising).
pub fn to_csv(directory: &plan::Directory) -> Vec<u8> {
    let mut file = domain::csv_file::CsvFile::new();
    file.row(COLUMNS);
    for u in &directory.units {
        file.row([
            u.name.as_str(),
            kind_label(&u.kind),
            u.stage.as_deref().unwrap_or(""),
            u.ownership.as_deref().unwrap_or(""),
            if u.inclusive { "是" } else { "" },
            u.district.as_deref().unwrap_or(""),
            &u.aliases.join("、"),
            &u.members.join("、"),
        ]);
    }
    file.finish()
}
