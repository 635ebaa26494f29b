//! The ledger as CSV: UTF-8 with a byte-order mark (Excel then reads the Chinese correctly), a
//! header row of the ledger columns plus 部分, one row per assignment.

use domain::bulletin::{Bulletin, LEDGER_COLUMNS};

pub fn render(b: &Bulletin) -> Result<Vec<u8>, crate::Error> {
    let mut w = csv::Writer::from_writer(Vec::from(*b"\xEF\xBB\xBF"));
    let err = |e: csv::Error| crate::Error::Csv(e.to_string());
    let mut header = vec!["部分"];
    header.extend(LEDGER_COLUMNS);
    w.write_record(&header).map_err(err)?;
    for s in &b.ledger {
        for r in &s.rows {
            let mut rec = vec![s.heading()];
            rec.extend(r.cells());
            w.write_record(&rec).map_err(err)?;
        }
    }
    w.into_inner().map_err(|e| crate::Error::Csv(e.to_string()))
}
