//! CSV ledgers, as Excel exports them.

use docread::{Block, Format, extract};

use crate::support::rows;

#[test]
fn comma_separated() {
    let text = "序号,工作任务,牵头单位,完成时限\r\n1,\"推进学校建设,扩大学位\",市教育局,2024-06-30\r\n2,任务乙,市财政局,9月底\r\n";
    let got = extract(text.as_bytes()).unwrap();
    assert_eq!((got.format, got.encoding), (Format::Csv, Some("UTF-8")));
    assert_eq!(
        got.blocks,
        [Block::Table(rows(&[
            &["序号", "工作任务", "牵头单位", "完成时限"],
            &["1", "推进学校建设,扩大学位", "市教育局", "2024-06-30"],
            &["2", "任务乙", "市财政局", "9月底"],
        ]))]
    );
}

#[test]
fn tab_separated() {
    let text = "序号\t重点任务\t责任单位\n1\t任务甲\t市教育局\n";
    let got = extract(text.as_bytes()).unwrap();
    assert_eq!(got.format, Format::Csv);
    assert_eq!(got.blocks, [Block::Table(rows(&[&["序号", "重点任务", "责任单位"], &["1", "任务甲", "市教育局"]]))]);
}

#[test]
fn gbk_with_bom_less_excel_export_and_title_row() {
    let text = "2024年重点工作任务台账,,,\r\n序号,工作任务,牵头单位,完成时限\r\n1,任务甲,市教育局,6月底\r\n";
    let (bytes, _, _) = encoding_rs::GBK.encode(text);
    let got = extract(&bytes).unwrap();
    assert_eq!((got.format, got.encoding), (Format::Csv, Some("GB18030")));
    assert_eq!(
        got.blocks,
        [Block::Table(rows(&[
            &["2024年重点工作任务台账", "", "", ""],
            &["序号", "工作任务", "牵头单位", "完成时限"],
            &["1", "任务甲", "市教育局", "6月底"],
        ]))]
    );
}

#[test]
fn generic_csv_without_ledger_words() {
    let got = extract(b"name,unit,score\nA,X,1\nB,Y,2\n").unwrap();
    assert_eq!(got.format, Format::Csv);
}
