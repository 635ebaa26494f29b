//! Every format of the demo-sized bulletin, read back by independent readers: the docx unzipped
//! and its XML parsed, the xlsx with calamine, the CSV with the csv crate, the PDF with
//! pdftotext (poppler-utils), and the docx converted by LibreOffice headless. The external tools
//! are skipped when missing, except under CI=true, where a missing tool fails the test.

use calamine::{Data, Reader, Xlsx};
use domain::Status;
use domain::bulletin::{Bulletin, LEDGER_COLUMNS};
use quick_xml::events::Event;
use report::{Format, render};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::Command;

fn bulletin() -> Bulletin {
    report::sample::demo()
}

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("duban-report-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Whether `tool` can be run; when not, prints SKIPPED (or panics under CI).
fn have_tool(tool: &str, package: &str) -> bool {
    // Any answer at all (pdftotext -v exits non-zero) means the tool is there.
    let ok = Command::new(tool).arg("--version").output().is_ok();
    if !ok {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{tool} is required under CI (Debian package {package})");
        }
        println!("SKIPPED: {tool} not found (apt-get install -y {package})");
    }
    ok
}

fn pdftotext(pdf: &Path) -> String {
    let out =
        Command::new("pdftotext").args(["-layout", "-enc", "UTF-8"]).arg(pdf).arg("-").output().expect("pdftotext");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut files = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("entry");
        let mut data = Vec::new();
        f.read_to_end(&mut data).expect("read");
        files.insert(f.name().expect("name").to_string(), data);
    }
    files
}

type Elements = Vec<(String, BTreeMap<String, String>)>;

/// Every element of an XML document: (name, attributes), and the concatenated text.
fn parse_xml(xml: &[u8]) -> (Elements, String) {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut elements = Vec::new();
    let mut text = String::new();
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.name().as_ref().to_string();
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("attribute");
                        (a.key.as_ref().to_string(), a.value.to_string())
                    })
                    .collect();
                elements.push((name, attrs));
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    (elements, text)
}

fn attr<'a>(elements: &'a [(String, BTreeMap<String, String>)], name: &str) -> &'a BTreeMap<String, String> {
    &elements.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no {name}")).1
}

#[test]
fn docx_is_an_official_document() {
    let b = bulletin();
    let bytes = render(&b, Format::Docx).expect("docx");
    let files = unzip(&bytes);
    let (el, text) = parse_xml(&files["word/document.xml"]);
    let size = attr(&el, "w:pgSz");
    assert_eq!((size["w:w"].as_str(), size["w:h"].as_str()), ("11906", "16838"), "A4");
    let m = attr(&el, "w:pgMar");
    // 37, 35, 28, 26 mm in twips.
    assert_eq!(
        (m["w:top"].as_str(), m["w:bottom"].as_str(), m["w:left"].as_str(), m["w:right"].as_str()),
        ("2098", "1984", "1587", "1474")
    );
    let fonts: Vec<&str> = el
        .iter()
        .filter(|(n, _)| n == "w:rFonts")
        .filter_map(|(_, a)| a.get("w:eastAsia").map(String::as_str))
        .collect();
    for f in ["仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312"] {
        assert!(fonts.contains(&f), "font {f} used");
    }
    let sizes: Vec<&str> =
        el.iter().filter(|(n, _)| n == "w:sz").filter_map(|(_, a)| a.get("w:val").map(String::as_str)).collect();
    assert!(sizes.contains(&"32") && sizes.contains(&"44"), "三号 body and 二号 title");
    assert!(text.contains(&b.title));
    for h in [
        "一、总体情况",
        "二、进展较快的事项和单位",
        "三、存在问题",
        "四、主要指标完成情况",
        "五、各区(市)工作成效排名",
        "六、下步要求",
        "(一)进展较快的事项",
    ] {
        assert!(text.contains(h), "heading {h}");
    }
    let tables = el.iter().filter(|(n, _)| n == "w:tbl").count();
    assert!(tables >= 4 + b.ledger.len(), "{tables} tables");
    for (_, a) in el.iter().filter(|(n, _)| n == "w:tblW") {
        assert!(a["w:w"].parse::<u32>().expect("width") <= 8844, "tables fit the 156 mm text width");
    }
    assert!(files.keys().any(|k| k.starts_with("word/media/") && files[k].starts_with(b"\x89PNG")), "chart image");
    let footer = files.iter().find(|(k, _)| k.starts_with("word/footer")).expect("footer");
    let (fel, ftext) = parse_xml(footer.1);
    assert!(ftext.contains('—'), "— N — page numbers");
    assert!(
        fel.iter().any(|(n, _)| n == "w:fldSimple" || n == "w:fldChar") || ftext.contains("PAGE"),
        "a page-number field"
    );
    for (name, data) in &files {
        if name.ends_with(".xml") || name.ends_with(".rels") {
            parse_xml(data);
        }
    }
}

#[test]
fn docx_converts_in_libreoffice() {
    if !have_tool("soffice", "libreoffice-writer-nogui") || !have_tool("pdftotext", "poppler-utils") {
        return;
    }
    let dir = out_dir("lo");
    let b = bulletin();
    let docx = dir.join("bulletin.docx");
    std::fs::write(&docx, render(&b, Format::Docx).expect("docx")).expect("write");
    let out = Command::new("soffice")
        .args(["--headless", "--norestore", &format!("-env:UserInstallation=file://{}/profile", dir.display())])
        .args(["--convert-to", "pdf", "--outdir"])
        .arg(&dir)
        .arg(&docx)
        .output()
        .expect("soffice");
    let pdf = dir.join("bulletin.pdf");
    assert!(pdf.exists(), "LibreOffice converted the docx: {}", String::from_utf8_lossy(&out.stderr));
    let text = pdftotext(&pdf);
    assert!(text.contains("总体情况") && text.contains("存在问题"), "{text}");
    let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(flat.contains("—2—"), "page numbers");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn pdf_has_extractable_chinese() {
    let b = bulletin();
    let bytes = render(&b, Format::Pdf).expect("pdf");
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(bytes.len() < 3_000_000, "fonts are subset: {} bytes", bytes.len());
    if !have_tool("pdftotext", "poppler-utils") {
        return;
    }
    let dir = out_dir("pdf");
    let path = dir.join("bulletin.pdf");
    std::fs::write(&path, &bytes).expect("write");
    let text = pdftotext(&path);
    let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for s in ["关于2024年10月", "一、总体情况", "三、存在问题", "任务推进台账", "鹰潭市教育局", "— 1 —"]
    {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(flat.contains(&s), "{s} in PDF text");
    }
    assert!(flat.contains(&b.overview.paragraphs[0].chars().take(20).collect::<String>()));
    let fonts = Command::new("pdffonts").arg(&path).output();
    if let Ok(f) = fonts {
        let list = String::from_utf8_lossy(&f.stdout);
        assert!(list.lines().skip(2).all(|l| l.contains(" yes ")), "every font embedded:\n{list}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn xlsx_ledger_reads_back() {
    let b = bulletin();
    let bytes = render(&b, Format::Xlsx).expect("xlsx");
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("xlsx");
    let names = wb.sheet_names();
    assert_eq!(names[0], "汇总");
    assert_eq!(names.len(), 1 + b.ledger.len());
    let summary = wb.worksheet_range("汇总").expect("summary");
    // Row 5 (index 4) is 已完成: its counts match the model.
    let row = |r: u32| summary.get_value((r, 0)).cloned();
    assert_eq!(row(4), Some(Data::String("已完成".into())));
    for (i, s) in Status::ALL.into_iter().enumerate() {
        let r = 4 + i as u32;
        assert_eq!(summary.get_value((r, 1)), Some(&Data::Float(b.overview.items.count(s) as f64)));
        assert_eq!(summary.get_value((r, 4)), Some(&Data::Float(b.overview.assignments.count(s) as f64)));
    }
    let mut rows = 0;
    for (sheet, section) in names[1..].iter().zip(&b.ledger) {
        let range = wb.worksheet_range(sheet).expect("sheet");
        let header: Vec<String> =
            (0..16).map(|c| range.get_value((0, c)).map(|v| v.to_string()).unwrap_or_default()).collect();
        assert_eq!(header, LEDGER_COLUMNS);
        for (i, r) in section.rows.iter().enumerate() {
            let y = i as u32 + 1;
            assert_eq!(range.get_value((y, 0)), Some(&Data::Float(r.seq as f64)));
            match range.get_value((y, 8)) {
                Some(Data::DateTime(d)) => {
                    assert!(d.is_datetime());
                    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("epoch");
                    let day = epoch + chrono::Duration::days(d.as_f64() as i64);
                    assert_eq!(day, r.deadline);
                }
                other => panic!("deadline as a date, got {other:?}"),
            }
            assert_eq!(range.get_value((y, 11)), Some(&Data::String(r.assessment.status.label().into())));
            assert_eq!(range.get_value((y, 5)).map(|v| v.to_string()), Some(r.lead_unit.clone()));
        }
        rows += section.rows.len();
    }
    assert_eq!(rows, b.overview.assignments.total);
}

#[test]
fn xlsx_has_frozen_header_and_coloured_status() {
    let b = bulletin();
    let files = unzip(&render(&b, Format::Xlsx).expect("xlsx"));
    let (el, _) = parse_xml(&files["xl/worksheets/sheet2.xml"]);
    let pane = attr(&el, "pane");
    assert_eq!((pane["ySplit"].as_str(), pane["state"].as_str()), ("1", "frozen"));
    assert!(el.iter().any(|(n, a)| n == "col" && a.get("customWidth").is_some()));
    let (styles, _) = parse_xml(&files["xl/styles.xml"]);
    let fills: Vec<&str> =
        styles.iter().filter(|(n, _)| n == "fgColor").filter_map(|(_, a)| a.get("rgb").map(String::as_str)).collect();
    for c in ["FFC6EFCE", "FFFFEB9C", "FFFFC7CE"] {
        assert!(fills.contains(&c), "status fill {c} in {fills:?}");
    }
}

#[test]
fn csv_has_bom_and_every_row() {
    let b = bulletin();
    let bytes = render(&b, Format::Csv).expect("csv");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let mut r = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = r.headers().expect("header").iter().map(String::from).collect();
    assert_eq!(header[0], "部分");
    assert_eq!(&header[1..], LEDGER_COLUMNS);
    let records: Vec<csv::StringRecord> = r.records().map(|r| r.expect("record")).collect();
    assert_eq!(records.len(), b.overview.assignments.total);
    let first = b.ledger_rows().next().expect("row");
    assert_eq!(&records[0][3], first.task);
    assert_eq!(&records[0][12], first.assessment.status.label());
}

#[test]
fn html_is_escaped_and_complete() {
    let mut input = report::sample::bulletin_input(30, 10);
    input.sections[0].items[0].title = "<script>alert(1)</script>&".into();
    let b = Bulletin::build(&input);
    let html = String::from_utf8(render(&b, Format::Html).expect("html")).expect("utf-8");
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;"));
    assert!(html.starts_with("<article") && html.ends_with("</article>"));
    assert!(html.contains("<svg") && html.contains("一、总体情况") && html.contains("status-"));
    assert!(html.matches("<tr>").count() >= b.overview.assignments.total);
}

#[test]
fn file_names() {
    let b = bulletin();
    assert_eq!(report::file_name(&b, Format::Docx), "通报-2024-10.docx");
    assert_eq!(report::file_name(&b, Format::Xlsx), "台账-2024-10.xlsx");
}

/// Writes every format to DUBAN_REPORT_OUT when set, to look at them by hand.
#[test]
fn write_samples_when_asked() {
    let Ok(dir) = std::env::var("DUBAN_REPORT_OUT") else { return };
    let b = bulletin();
    std::fs::create_dir_all(&dir).expect("dir");
    for f in Format::ALL {
        std::fs::write(Path::new(&dir).join(report::file_name(&b, f)), render(&b, f).expect("render")).expect("write");
    }
}
