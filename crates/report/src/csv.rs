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
    Ok(file.finish())
}
