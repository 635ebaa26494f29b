//! The ledger as CSV (see [`domain::csv_file`]: UTF-8 with a byte-order mark, formula text
//! neutralised): a header row of the ledger columns plus 部分, one row per assignment.

use domain::bulletin::{Bulletin, LEDGER_COLUMNS};
use domain::csv_file::CsvFile;

pub fn render(b: &Bulletin) -> Result<Vec<u8>, crate::Error> {
    let mut file = CsvFile::new();
    let mut header = vec!["部分"];
    header.extend(LEDGER_COLUMNS);
    file.row(&header);
    for s in &b.ledger {
        for r in &s.rows {
            let mut rec = vec![s.heading()];
            rec.extend(r.cells());
            file.row(&rec);
        }
    }
    // The visits and 督办件 figures below the ledger: the part, what is counted (工作任务), the
    // unit it names (牵头单位) and the value (本月进展).
    if let Some(sup) = &b.supervision {
        let col = |name: &str| LEDGER_COLUMNS.iter().position(|c| *c == name).map_or(0, |i| i + 1);
        let (item, unit, value) = (col("工作任务"), col("牵头单位"), col("本月进展"));
        for r in sup.rows() {
            let mut rec = vec![String::new(); LEDGER_COLUMNS.len() + 1];
            rec[0] = r.part.to_string();
            rec[item] = r.item;
            rec[unit] = r.unit;
            rec[value] = r.value;
            let cells: Vec<&str> = rec.iter().map(String::as_str).collect();
            file.row(&cells);
        }
    }
    Ok(file.finish())
}
