//! The same plan through every input format gives the same structure; task ledgers as xlsx
//! and csv; a Word plan whose units are in an annexed task table. Every input file is
//! generated here, by real writers (docx-rs, rust_xlsxwriter, encoding_rs).

use crate::common::*;
use plan::{Directory, Plan, Role};

/// An item's number, section, title, units with roles, and targets as (unit, value).
type ItemEssence = (u32, u32, String, Vec<(String, Role)>, Vec<(String, f64)>);

/// What must come out the same whatever the format.
fn essence(p: &Plan) -> Vec<ItemEssence> {
    p.items
        .iter()
        .map(|i| {
            (
                i.number,
                i.section,
                i.title.clone(),
                i.units.iter().map(|u| (u.name.clone(), u.role)).collect(),
                i.targets.iter().map(|t| (t.unit.clone(), t.value)).collect(),
            )
        })
        .collect()
}

fn yingtan_txt() -> Plan {
    plan::parse(YINGTAN_TEXT.as_bytes(), &yingtan_directory()).expect("txt parses")
}

fn covers_blocks(p: &Plan, bytes: &[u8]) {
    let blocks = docread::extract(bytes).expect("extracts").blocks;
    assert_covers(p, &plan::content_lines(&blocks));
}

#[test]
fn gbk_text_reads_like_utf8() {
    // GBK has no no-break space; a GBK file has plain spaces where the web page had them.
    let text = YINGTAN_TEXT.replace('\u{a0}', " ");
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable, "the plan is representable in GBK");
    assert!(std::str::from_utf8(&gbk).is_err(), "the bytes really are not UTF-8");
    let p = plan::parse(&gbk, &yingtan_directory()).expect("GBK parses");
    assert_eq!(p.encoding.as_deref(), Some("GB18030"));
    assert_eq!(p.format, "txt");
    assert_eq!(p.title, "2024年鹰潭市教育工作要点");
    assert_eq!(essence(&p), essence(&yingtan_txt()));
    covers_blocks(&p, &gbk);
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('\u{a0}', "&nbsp;")
}

#[test]
fn saved_html_page_reads_like_the_text() {
    let mut html = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>2024年鹰潭市教育工作要点</title>\
         <style>p{margin:0}</style><script>var x = '1.不是条目。';</script></head><body>\
         <div class=\"nav\"><a href=\"/\">首页</a></div><div class=\"article\">",
    );
    for line in YINGTAN_TEXT.lines().skip(2) {
        html.push_str(&format!("<p style=\"text-indent:2em\"><span>{}</span></p>\n", html_escape(line)));
    }
    html.push_str("</div></body></html>");
    let p = plan::parse(html.as_bytes(), &yingtan_directory()).expect("html parses");
    assert_eq!(p.format, "html");
    assert_eq!(p.meta.index_no.as_deref(), Some("YT0005/2024-07745"));
    assert_eq!(essence(&p), essence(&yingtan_txt()));
    covers_blocks(&p, html.as_bytes());
}

fn docx_bytes(paragraphs: &[&str], table: Option<&[&[&str]]>) -> Vec<u8> {
    use docx_rs::{Docx, Paragraph, Run, Table, TableCell, TableRow};
    let mut doc = Docx::new();
    for p in paragraphs {
        doc = doc.add_paragraph(Paragraph::new().add_run(Run::new().add_text(*p)));
    }
    if let Some(rows) = table {
        let rows = rows
            .iter()
            .map(|r| {
                TableRow::new(
                    r.iter()
                        .map(|c| TableCell::new().add_paragraph(Paragraph::new().add_run(Run::new().add_text(*c))))
                        .collect(),
                )
            })
            .collect();
        doc = doc.add_table(Table::new(rows));
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out).expect("docx packs");
    out.into_inner()
}

#[test]
fn word_document_reads_like_the_text() {
    let lines: Vec<&str> = YINGTAN_TEXT.lines().collect();
    let bytes = docx_bytes(&lines, None);
    let p = plan::parse(&bytes, &yingtan_directory()).expect("docx parses");
    assert_eq!(p.format, "docx");
    assert_eq!(essence(&p), essence(&yingtan_txt()));
    covers_blocks(&p, &bytes);
}

#[test]
fn word_plan_with_an_annexed_task_table() {
    let bytes = docx_bytes(
        &[
            "某县教育体育局2025年工作要点",
            "一、党的建设",
            "1.加强政治建设。深入学习贯彻党的二十大精神。",
            "2.加强干部队伍建设。开展干部轮训2期以上。",
            "二、教育发展",
            "3.推进学前教育普及普惠。新建公办幼儿园2所。",
            "附件:重点任务分工表",
        ],
        Some(&[
            &["序号", "重点任务", "牵头单位", "配合单位", "完成时限"],
            &["1", "加强政治建设", "办公室", "各学校", "2025年12月"],
            &["2", "加强干部队伍建设", "组织人事股", "办公室", "2025年12月"],
            &["3", "推进学前教育普及普惠", "基础教育股", "计划财务股、各乡镇中心学校", "2025年9月"],
        ]),
    );
    let p = plan::parse(&bytes, &Directory::empty()).expect("docx parses");
    covers_blocks(&p, &bytes);
    assert_eq!(p.closing.as_deref(), Some("附件:重点任务分工表"));
    assert_eq!(p.items.len(), 3);
    assert_eq!(unit_names(&p, 0), vec![("办公室".into(), Role::Lead), ("各学校".into(), Role::Co)]);
    assert_eq!(
        unit_names(&p, 2),
        vec![("基础教育股".into(), Role::Lead), ("计划财务股".into(), Role::Co), ("各乡镇中心学校".into(), Role::Co)]
    );
    assert_eq!(p.items[2].deadline.as_deref(), Some("2025年9月"));
    assert_eq!(p.items[1].targets[0].value, 2.0);
    assert!(p.warnings.iter().all(|w| w.code != "no_units"), "{:?}", p.warnings);
}

const LEDGER_HEADER: [&str; 7] = ["完成时限", "序号", "工作任务", "牵头单位", "配合单位", "责任领导", "备注"];
const LEDGER_ROWS: [[&str; 7]; 4] = [
    ["2025-03-31", "1", "建立督查督办工作机制。制定督查督办工作办法。", "办公室", "督导室、人事科", "张局长", ""],
    ["2025-06-30", "2", "开展安全隐患大排查。排查整治覆盖率达到100%。", "安稳办", "各区(市)", "李局长", "重点"],
    ["2025-10-31", "3", "举办全市中小学生运动会。", "基教科", "市直各学校、各区(市)", "王局长", ""],
    ["2025-12-31", "4", "新改扩建学校14所。", "发规科", "", "王局长", ""],
];

fn check_ledger(p: &Plan) {
    assert_eq!(p.items.len(), 4);
    assert_eq!(p.sections.len(), 2, "section rows open sections");
    assert_eq!(p.items.iter().map(|i| i.section).collect::<Vec<_>>(), vec![1, 1, 2, 2]);
    assert_eq!(p.items[0].title, "建立督查督办工作机制");
    assert_eq!(
        unit_names(p, 0),
        vec![("办公室".into(), Role::Lead), ("督导室".into(), Role::Co), ("人事科".into(), Role::Co)]
    );
    let u = &p.items[1].units[1];
    assert!(u.group && u.known && u.name == "各区(市)");
    assert_eq!(p.items[1].targets[0].value, 100.0);
    assert_eq!(p.items[3].targets[0].value, 14.0);
    assert_eq!(p.items[2].extra.get("责任领导").map(String::as_str), Some("王局长"));
    assert_eq!(p.items[1].extra.get("备注").map(String::as_str), Some("重点"));
    assert_eq!(p.items[0].deadline.as_deref(), Some("2025-03-31"));
}

#[test]
fn xlsx_task_ledger() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    ws.write(0, 0, "2025年重点工作任务台账").expect("write");
    for (c, h) in LEDGER_HEADER.iter().enumerate() {
        ws.write(1, c as u16, *h).expect("write");
    }
    let mut r = 2u32;
    for (i, row) in LEDGER_ROWS.iter().enumerate() {
        if i == 0 || i == 2 {
            let heading = if i == 0 { "一、机制建设" } else { "二、教育发展" };
            ws.merge_range(r, 0, r, 6, heading, &Format::new()).expect("merge");
            r += 1;
        }
        for (c, v) in row.iter().enumerate() {
            if c == 0 {
                ws.write_datetime_with_format(r, 0, ExcelDateTime::parse_from_str(v).expect("date"), &date)
                    .expect("write");
            } else if c == 1 {
                ws.write(r, 1, v.parse::<f64>().expect("number")).expect("write");
            } else {
                ws.write(r, c as u16, *v).expect("write");
            }
        }
        r += 1;
    }
    let bytes = wb.save_to_buffer().expect("xlsx");
    let p = plan::parse(&bytes, &yingtan_directory()).expect("xlsx parses");
    assert_eq!(p.format, "xlsx");
    assert_eq!(p.title, "2025年重点工作任务台账", "the title row above the header");
    check_ledger(&p);
}

#[test]
fn gbk_csv_task_ledger() {
    let mut csv = LEDGER_HEADER.join(",");
    csv.push('\n');
    for (i, row) in LEDGER_ROWS.iter().enumerate() {
        if i == 0 {
            csv.push_str("一、机制建设,,,,,,\n");
        }
        if i == 2 {
            csv.push_str("二、教育发展,,,,,,\n");
        }
        let cells: Vec<String> =
            row.iter().map(|c| if c.contains(['、', ',']) { format!("\"{c}\"") } else { c.to_string() }).collect();
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    let (gbk, _, _) = encoding_rs::GBK.encode(&csv);
    let p = plan::parse(&gbk, &yingtan_directory()).expect("csv parses");
    assert_eq!(p.format, "csv");
    assert_eq!(p.encoding.as_deref(), Some("GB18030"));
    check_ledger(&p);
}

#[test]
fn web_page_with_br_lines_full_width_marks_and_a_footer() {
    let html = sample("web-page-br.html");
    let p = plan::parse(html.as_bytes(), &yingtan_directory()).expect("parses");
    covers_blocks(&p, html.as_bytes());
    assert_eq!(p.title, "XX市教育局2025年工作要点");
    assert_eq!(p.meta.date.as_deref(), Some("2025-02-20"), "the page's publication date");
    assert_eq!(p.meta.issuer.as_deref(), Some("市教育局"));
    assert_eq!(p.items.len(), 3);
    assert_eq!(p.items[0].label, "1．");
    assert_eq!(
        unit_names(&p, 0),
        vec![("思政科".into(), Role::Lead), ("基教科".into(), Role::Co), ("各县（市、区）教育局".into(), Role::Co)]
    );
    assert!(p.items[0].units[2].group);
    assert_eq!(unit_names(&p, 1), vec![("体卫艺科".into(), Role::Lead)]);
    assert!(p.closing.as_deref().is_some_and(|c| c.contains("网站标识码")), "the footer is not item 3's text");
    let t: Vec<_> = p.items.iter().flat_map(|i| &i.targets).map(|t| (t.value, t.unit.as_str())).collect();
    assert_eq!(t, vec![(92.0, "%"), (5.0, "所"), (6000.0, "个")]);
}
