//! Input files as users have them: xlsx workbooks, GBK csv from Excel on Chinese Windows.

use assess::{Ownership, Stage, read_kindergartens, read_population, read_schools};
use rust_xlsxwriter::Workbook;

const HEADER: [&str; 11] = [
    "学校名称",
    "区县",
    "学段",
    "在校生数",
    "高于规定学历教师数",
    "县级以上骨干教师数",
    "体育艺术专任教师数",
    "教学及辅助用房面积",
    "体育运动场馆面积",
    "教学仪器设备值",
    "网络多媒体教室数",
];

fn xlsx(rows: &[Vec<&str>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell.parse::<f64>() {
                Ok(n) => sheet.write_number(r, c, n).map(|_| ()),
                Err(_) => sheet.write_string(r, c, *cell).map(|_| ()),
            }
            .expect("cell");
        }
    }
    book.save_to_buffer().expect("xlsx")
}

#[test]
fn schools_from_xlsx_with_numbers_in_number_cells() {
    let mut header: Vec<&str> = HEADER.to_vec();
    header.insert(0, "序号");
    let bytes = xlsx(&[
        header,
        vec!["1", "鹰潭市阳光学校", "月湖区", "小学", "1260", "66", "15", "13", "6300.5", "10100", "2835000", "30"],
        vec!["2", "鹰潭市阳光学校", "月湖区", "初中", "640", "40", "8", "7", "4100", "7000", "1760000", "16"],
    ]);
    let schools = read_schools(&bytes).unwrap();
    assert_eq!(schools.len(), 2);
    assert_eq!(schools[0].stage, Stage::Primary);
    assert_eq!(schools[0].students, 1260);
    assert_eq!(schools[0].amounts[3], 6300.5);
    assert_eq!(schools[1].stage, Stage::Junior);
}

#[test]
fn bad_xlsx_rows_are_named_by_sheet_row() {
    let bytes = xlsx(&[
        HEADER.to_vec(),
        vec!["一小", "余江区", "小学", "900", "40", "10", "9", "4500", "7000", "1900000", "21"],
        vec!["二小", "", "九年一贯制", "12.5", "40", "10", "9", "4500", "7000", "1900000", "21"],
    ]);
    let err = read_schools(&bytes).unwrap_err();
    assert_eq!(err.errors.len(), 1);
    assert_eq!(err.errors[0].line, Some(3));
    let text = err.to_string();
    assert!(text.contains("区县为空"), "{text}");
    assert!(text.contains("学段“九年一贯制”无效"), "{text}");
    assert!(text.contains("在校生数“12.5”应为整数"), "{text}");
}

#[test]
fn gbk_csv_from_excel() {
    let text = "幼儿园名称,区县,办别,普惠,在园幼儿数\r\n鹰潭市实验幼儿园,月湖区,公办,是,620\r\n鹰潭市博雅幼儿园,月湖区,民办,是,310\r\n";
    let (bytes, _, _) = encoding_rs::GBK.encode(text);
    let list = read_kindergartens(&bytes).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1].name, "鹰潭市博雅幼儿园");
    assert_eq!(list[1].ownership, Ownership::Private);
    let (bytes, _, _) = encoding_rs::GBK.encode("区县,3至5岁人口(人)\r\n月湖区,8000\r\n");
    let population = read_population(&bytes).unwrap();
    assert_eq!(population[0].county, "月湖区");
    assert_eq!(population[0].aged_3_to_5, 8000);
}

#[test]
fn tab_separated_and_bom() {
    let text = "\u{feff}区县\t3至5岁人口\n余江区\t9100\n贵溪市\t15800\n";
    let population = read_population(text.as_bytes()).unwrap();
    assert_eq!(population.len(), 2);
    assert_eq!(population[1].aged_3_to_5, 15800);
}

#[test]
fn not_a_spreadsheet() {
    let err = read_schools(&[0u8, 1, 2, 3, 0, 0, 255, 254].repeat(50)).unwrap_err();
    assert!(err.to_string().contains("学校数据文件无法读取"), "{err}");
}
