//! xlsx workbooks written with rust_xlsxwriter.

use docread::{Block, Format, extract};
use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook};

use crate::support::rows;

fn workbook() -> Vec<u8> {
    let mut wb = Workbook::new();
    let date = CellFormat::new().set_num_format("yyyy-mm-dd");
    let cn_date = CellFormat::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    let merged = CellFormat::new();

    let ws = wb.add_worksheet();
    ws.set_name("重点任务").unwrap();
    ws.merge_range(0, 0, 0, 4, "2024年重点工作任务台账", &merged).unwrap();
    for (c, h) in ["序号", "工作任务", "牵头单位", "完成时限", "资金（万元）"].iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    ws.write_number(2, 0, 1).unwrap();
    ws.write_string(2, 1, "任务甲").unwrap();
    // 牵头单位 spanning two task rows.
    ws.merge_range(2, 2, 3, 2, "市教育局", &merged).unwrap();
    ws.write_datetime_with_format(2, 3, ExcelDateTime::from_ymd(2024, 6, 30).unwrap(), &date).unwrap();
    ws.write_number(2, 4, 1234.5).unwrap();
    ws.write_number(3, 0, 2).unwrap();
    ws.write_string(3, 1, "任务乙").unwrap();
    ws.write_datetime_with_format(3, 3, ExcelDateTime::from_ymd(2024, 12, 31).unwrap(), &cn_date).unwrap();
    ws.write_boolean(3, 4, true).unwrap();

    let ws = wb.add_worksheet();
    ws.set_name("说明").unwrap();
    ws.write_string(0, 0, "备注").unwrap();
    ws.write_number(0, 1, 0.1 + 0.2).unwrap();

    let ws = wb.add_worksheet();
    ws.set_name("空表").unwrap();

    let ws = wb.add_worksheet();
    ws.set_name("下拉选项").unwrap();
    ws.write_string(0, 0, "隐藏的选项").unwrap();
    ws.set_hidden(true);

    wb.save_to_buffer().unwrap()
}

#[test]
fn sheets_dates_numbers_and_merges() {
    let got = extract(&workbook()).unwrap();
    assert_eq!((got.format, got.encoding), (Format::Xlsx, None));
    assert_eq!(
        got.blocks,
        [
            Block::Table(rows(&[
                &["2024年重点工作任务台账", "", "", "", ""],
                &["序号", "工作任务", "牵头单位", "完成时限", "资金（万元）"],
                &["1", "任务甲", "市教育局", "2024-06-30", "1234.5"],
                &["2", "任务乙", "市教育局", "2024-12-31", "TRUE"],
            ])),
            Block::Table(rows(&[&["备注", "0.3"]])),
        ]
    );
}

#[test]
fn hidden_sheets_are_read_when_nothing_else_has_data() {
    let mut wb = Workbook::new();
    wb.add_worksheet().set_name("空").unwrap();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "序号").unwrap();
    ws.set_hidden(true);
    let got = extract(&wb.save_to_buffer().unwrap()).unwrap();
    assert_eq!(got.blocks, [Block::Table(rows(&[&["序号"]]))]);
}

#[test]
fn far_away_cell_does_not_explode() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "左上").unwrap();
    ws.write_string(1_048_575, 16_383, "右下").unwrap();
    let got = extract(&wb.save_to_buffer().unwrap()).unwrap();
    let [Block::Table(t)] = got.blocks.as_slice() else { panic!("{} blocks", got.blocks.len()) };
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].first().map(String::as_str), Some("左上"));
    assert_eq!(t[1].last().map(String::as_str), Some("右下"));
    assert!(t[1].len() <= 16_384);
}
