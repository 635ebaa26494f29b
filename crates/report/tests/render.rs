//! Every format of the demo-sized bulletin, read back by independent readers: the docx unzipped
//! and its XML parsed, the xlsx with calamine, the CSV with the csv crate, the PDF with
//! pdftotext (poppler-utils), and the docx converted by LibreOffice headless. The external tools
//! are skipped when missing, except under CI=true, where a missing tool fails the test.

use calamine::{Data, DataType, Reader, Xlsx};
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

/// The paragraphs of a WordprocessingML part: each with its elements and its text.
fn paragraphs(xml: &[u8]) -> Vec<(Elements, String)> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut out = Vec::new();
    let mut cur: Option<(Elements, String)> = None;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.name().as_ref().to_string();
                if name == "w:p" {
                    cur = Some((Vec::new(), String::new()));
                }
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("attribute");
                        (a.key.as_ref().to_string(), a.value.to_string())
                    })
                    .collect();
                if let Some((el, _)) = cur.as_mut() {
                    el.push((name, attrs));
                }
            }
            Event::Text(t) => {
                if let Some((_, text)) = cur.as_mut() {
                    text.push_str(&t.xml10_content());
                }
            }
            Event::End(e) if e.name().as_ref() == "w:p" => out.extend(cur.take()),
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

fn has(el: &Elements, name: &str, key: &str, value: &str) -> bool {
    el.iter().any(|(n, a)| n == name && a.get(key).is_some_and(|v| v == value))
}

fn get<'a>(el: &'a Elements, name: &str, key: &str) -> Option<&'a str> {
    el.iter().find(|(n, a)| n == name && a.contains_key(key)).map(|(_, a)| a[key].as_str())
}

fn is_cjk(c: char) -> bool {
    ('\u{3000}'..='\u{9FFF}').contains(&c) || ('\u{FF00}'..='\u{FFEF}').contains(&c)
}

/// ASCII ,:;() in a text with Chinese (outside numbers such as 1,400 and 10:30).
fn ascii_punctuation(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut bad = Vec::new();
    if !chars.iter().any(|c| is_cjk(*c)) {
        return bad;
    }
    for (i, c) in chars.iter().enumerate() {
        let digits = i > 0 && chars[i - 1].is_ascii_digit() && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if ",:;()".contains(*c) && !digits {
            let from = i.saturating_sub(8);
            bad.push(chars[from..(i + 8).min(chars.len())].iter().collect());
        }
    }
    bad
}

/// Every GB/T 9704-2012 layout item, read back from the docx XML.
#[test]
fn docx_is_an_official_document() {
    let b = bulletin();
    let bytes = render(&b, Format::Docx).expect("docx");
    let files = unzip(&bytes);
    let doc = &files["word/document.xml"];
    let (el, text) = parse_xml(doc);
    let size = attr(&el, "w:pgSz");
    assert_eq!((size["w:w"].as_str(), size["w:h"].as_str()), ("11906", "16838"), "A4");
    let m = attr(&el, "w:pgMar");
    // 37, 35, 28, 26 mm in twips.
    assert_eq!(
        (m["w:top"].as_str(), m["w:bottom"].as_str(), m["w:left"].as_str(), m["w:right"].as_str()),
        ("2098", "1984", "1587", "1474")
    );
    let ps = paragraphs(doc);
    let find = |needle: &str| {
        ps.iter().position(|(_, t)| t.contains(needle)).unwrap_or_else(|| panic!("no paragraph with {needle}"))
    };

    // 版头: the mark in red 方正小标宋简体, the number with 〔〕, the red line under it.
    let mark = &ps[find("鹰潭市教育局文件")].0;
    assert!(has(mark, "w:color", "w:val", "FF0000"), "red 发文机关标志");
    assert!(has(mark, "w:rFonts", "w:eastAsia", "方正小标宋简体"));
    let number = find("鹰教督通〔2024〕10号");
    assert!(number < find("关于2024年10月"), "发文字号 above the title");
    assert!(
        ps[number..number + 2]
            .iter()
            .any(|(e, _)| e.iter().any(|(n, a)| n == "w:bottom" && a.get("w:color").is_some_and(|c| c == "FF0000"))),
        "the red separator line"
    );
    // Without a document number: the 督查通报 masthead with its issue number.
    let mut plain = b.clone();
    plain.doc_number = None;
    let (_, t2) = parse_xml(&unzip(&render(&plain, Format::Docx).expect("docx"))["word/document.xml"]);
    assert!(t2.contains("督查通报") && t2.contains("第10期"), "masthead with 第N期");

    // 主送机关 below the title, ending with a full-width colon.
    let title = find("关于2024年10月");
    let to = find("各区（市）教育局");
    assert!(to > title && ps[to].1.ends_with('：'), "主送机关 after the title: {}", ps[to].1);
    let title_el = &ps[title].0;
    assert!(has(title_el, "w:rFonts", "w:eastAsia", "方正小标宋简体") && has(title_el, "w:sz", "w:val", "44"));

    // Body: 仿宋_GB2312 三号, justified, exact 22-line pitch, 28 characters a line.
    let body = &ps[find("现将10月份")].0;
    assert!(has(body, "w:jc", "w:val", "both"), "justified");
    assert!(has(body, "w:spacing", "w:line", "579") && has(body, "w:spacing", "w:lineRule", "exact"));
    assert!(has(body, "w:rFonts", "w:eastAsia", "仿宋_GB2312") && has(body, "w:sz", "w:val", "32"));
    let grid = attr(&el, "w:docGrid");
    assert_eq!(grid["w:linePitch"], "579", "22 lines in 225 mm");
    let tracking: i32 = body
        .iter()
        .filter(|(n, a)| n == "w:spacing" && a.contains_key("w:val"))
        .map(|(_, a)| a["w:val"].parse().expect("number"))
        .next()
        .expect("character spacing on body text");
    assert_eq!(8844 / (320 + tracking), 28, "28 characters of 16 pt in the 156 mm line");
    let heading = &ps[find("一、总体情况")].0;
    assert!(has(heading, "w:rFonts", "w:eastAsia", "黑体"));
    // Nothing is ahead in the sample month: 总体情况 says so, and no 进展较好 section is left
    // empty; the headings are numbered in sequence.
    for h in ["一、总体情况", "二、存在的问题", "三、下步要求", "（一）部分重点任务进展滞后。"]
    {
        assert!(text.contains(h), "heading {h}");
    }
    assert!(!text.contains("进展较好的事项和单位") && text.contains("也没有整体进展较快的单位"));
    let lead = &ps[find("（一）部分重点任务进展滞后。")].0;
    assert!(has(lead, "w:rFonts", "w:eastAsia", "楷体_GB2312"), "the run-in heading in 楷体");
    assert!(!text.contains("暂无") && !text.contains("存在问题:"), "no empty 'none' lines");

    // Full-width punctuation in every Chinese text.
    let bad: Vec<String> = ps.iter().flat_map(|(_, t)| ascii_punctuation(t)).collect();
    assert!(bad.is_empty(), "ASCII punctuation in Chinese text: {bad:?}");

    // 署名 centred over the 成文日期, which is four characters from the right, in Arabic numerals.
    let date = ps.iter().rposition(|(_, t)| t == "2024年11月5日").expect("成文日期");
    let (issuer_el, issuer_text) = &ps[date - 1];
    assert_eq!(issuer_text, "鹰潭市教育局");
    let right = |e: &Elements| get(e, "w:ind", "w:right").expect("right indent").parse::<f64>().expect("twips");
    assert!(has(&ps[date].0, "w:jc", "w:val", "right") && has(issuer_el, "w:jc", "w:val", "right"));
    assert_eq!(right(&ps[date].0), 4.0 * 320.0, "date four characters from the right");
    // Date 6.5 characters wide (digits half), issuer 6: centred = 4 + 0.25 characters.
    assert_eq!(right(issuer_el), (4.0 + 0.25) * 320.0, "署名 centred over the date");
    assert!(find("附件：1．") < date, "附件说明 before the signature");

    // Tables: header rows repeat, rows do not split, 序号 never wraps, within the text width.
    let tables = el.iter().filter(|(n, _)| n == "w:tbl").count();
    assert!(tables >= 3 + b.ledger.len(), "{tables} tables");
    assert_eq!(el.iter().filter(|(n, _)| n == "w:tblHeader").count(), tables, "every table repeats its header");
    assert!(el.iter().any(|(n, _)| n == "w:noWrap"), "序号 never wraps");
    for (_, a) in el.iter().filter(|(n, _)| n == "w:tblW") {
        assert!(a["w:w"].parse::<u32>().expect("width") <= 8844, "tables fit the 156 mm text width");
    }

    // 版记 at the end: 抄送, then 印发机关 and 印发日期, between lines, at the foot of the page.
    let cc = find("抄送：");
    let printed = find("2024年11月5日印发");
    assert!(cc > find("附件2") && printed == cc + 1 && printed == ps.len() - 1, "版记 last");
    assert!(ps[printed].1.starts_with("鹰潭市教育局办公室"));
    assert!(has(&ps[cc].0, "w:framePr", "w:yAlign", "bottom"), "at the foot of the last page");
    assert!(ps[cc].0.iter().any(|(n, _)| n == "w:top") && ps[printed].0.iter().any(|(n, _)| n == "w:bottom"));

    // Page numbers "— N —" in 宋体 四号: odd pages right, even pages left.
    let (settings, _) = parse_xml(&files["word/settings.xml"]);
    assert!(settings.iter().any(|(n, _)| n == "w:evenAndOddHeaders"));
    for (part, side) in [("word/footer1.xml", "right"), ("word/footer2.xml", "left")] {
        let (fel, ftext) = parse_xml(&files[part]);
        assert!(ftext.starts_with("— ") && ftext.ends_with(" —"), "{ftext}");
        assert!(fel.iter().any(|(n, _)| n == "w:instrText") && ftext.contains("PAGE"), "a page field");
        assert!(has(&fel, "w:jc", "w:val", side), "{part} {side}");
        assert!(has(&fel, "w:rFonts", "w:eastAsia", "宋体") && has(&fel, "w:sz", "w:val", "28"));
    }
    let rels = String::from_utf8(files["word/_rels/document.xml.rels"].clone()).expect("utf-8");
    assert!(rels.contains("footer1.xml") && rels.contains("footer2.xml"));
    assert!(has(&el, "w:footerReference", "w:type", "even") && has(&el, "w:footerReference", "w:type", "default"));

    // Fonts with the fallbacks a Windows or WPS machine has.
    let (fonts, _) = parse_xml(&files["word/fontTable.xml"]);
    let alt = |name: &str| {
        let i = fonts.iter().position(|(n, a)| n == "w:font" && a["w:name"] == name).expect("font declared");
        fonts[i + 1].1["w:val"].clone()
    };
    assert_eq!(alt("方正小标宋简体"), "宋体");
    assert_eq!(alt("仿宋_GB2312"), "仿宋");
    assert_eq!(alt("楷体_GB2312"), "楷体");
    assert_eq!(alt("宋体"), "SimSun");
    assert_eq!(alt("仿宋"), "FangSong");
    assert_eq!(alt("楷体"), "KaiTi");

    // The date is the office's choice: none set, none printed (never today's).
    let mut undated = b.clone();
    undated.issued_on = None;
    let (_, t3) = parse_xml(&unzip(&render(&undated, Format::Docx).expect("docx"))["word/document.xml"]);
    assert!(!t3.contains("2024年11月5日") && t3.contains("\u{3000}\u{3000}年\u{3000}月\u{3000}日"));

    for (name, data) in &files {
        if name.ends_with(".xml") || name.ends_with(".rels") {
            parse_xml(data);
        }
    }
}

/// No format prints a fraction of a school (or of any counted thing), and an earlier month's
/// progress text carries its month wherever the ledger appears.
#[test]
fn no_fractional_counts_and_stale_text_marked() {
    let b = bulletin();
    let stale: Vec<&str> =
        b.ledger_rows().filter(|r| r.stale_from.is_some()).map(|r| r.progress_text.as_str()).collect();
    assert!(!stale.is_empty() && stale.iter().all(|t| t.ends_with("（9月报送）")), "{stale:?}");
    let docx = parse_xml(&unzip(&render(&b, Format::Docx).expect("docx"))["word/document.xml"]).1;
    let html = String::from_utf8(render(&b, Format::Html).expect("html")).expect("utf-8");
    let csv = String::from_utf8(render(&b, Format::Csv).expect("csv")).expect("utf-8");
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(render(&b, Format::Xlsx).expect("xlsx"))).expect("xlsx");
    let mut xlsx = String::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).expect("sheet");
        for row in range.rows() {
            for c in row {
                xlsx.push_str(&c.to_string());
                xlsx.push('\n');
            }
        }
    }
    for (format, text) in [("docx", &docx), ("html", &html), ("csv", &csv), ("xlsx", &xlsx)] {
        assert!(text.contains("（9月报送）"), "{format} marks the stale text");
        let chars: Vec<char> = text.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            if "个所人家场次".contains(*c) && i >= 2 && chars[i - 1].is_ascii_digit() {
                let mut k = i - 1;
                while k > 0 && (chars[k - 1].is_ascii_digit()) {
                    k -= 1;
                }
                assert!(
                    k == 0 || chars[k - 1] != '.',
                    "{format}: a fraction of a count: {}",
                    chars[k.saturating_sub(6)..i + 1].iter().collect::<String>()
                );
            }
        }
    }
    assert!(docx.contains("新建幼儿园") && docx.contains("按节点"), "a one-off target is judged by milestones");
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
    assert!(text.contains("总体情况") && text.contains("存在的问题"), "{text}");
    let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(flat.contains("—2—"), "page numbers");
    let _ = std::fs::remove_dir_all(dir);
}

/// The body of the sample month, laid out by LibreOffice, runs about two pages: the 署名 and
/// 成文日期 end at most a third of the way down page 3 (the GB/T 9704 版头 and title take half
/// of page 1), the annexes follow; and no figure in the whole document is a fraction of a
/// counted thing.
#[test]
fn body_runs_about_two_pages_in_libreoffice() {
    if !have_tool("soffice", "libreoffice-writer-nogui") || !have_tool("pdftotext", "poppler-utils") {
        return;
    }
    let dir = out_dir("length");
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
    // Each page's lines of text, without spaces and without the page number.
    let is_page_number = |l: &str| l.starts_with('—') && l.ends_with('—');
    let page = |n: usize| -> Vec<String> {
        let out = Command::new("pdftotext")
            .args(["-layout", "-enc", "UTF-8", "-f", &n.to_string(), "-l", &n.to_string()])
            .arg(&pdf)
            .arg("-")
            .output()
            .expect("pdftotext");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.chars().filter(|c| !c.is_whitespace() && *c != '\u{c}').collect::<String>())
            .filter(|l| !l.is_empty() && !is_page_number(l))
            .collect()
    };
    let pages: Vec<Vec<String>> = (1..=6).map(page).collect();
    let annex = pages.iter().position(|p| p.first().is_some_and(|l| l == "附件1")).expect("annex 1 on a new page");
    let date = pages.iter().position(|p| p.iter().any(|l| l == "2024年11月5日")).expect("成文日期");
    assert!(date < annex, "the signature before the annexes");
    let tail = pages[date].iter().position(|l| l == "2024年11月5日").expect("date line") + 1;
    assert!(
        date == 1 || (date == 2 && tail <= 8),
        "the body runs to page {} ({tail} lines of text on it): {:#?}",
        date + 1,
        pages[date]
    );
    assert_eq!(annex, date + 1, "annex 1 starts on the page after the signature");
    // The body's first page: the masthead, the title and the opening of 总体情况.
    let first = pages[0].join("\n");
    for s in ["鹰潭市教育局文件", "鹰教督通〔2024〕10号", "落实情况的通报", "现将10月份", "一、总体情况"]
    {
        assert!(first.contains(s), "{s} on page 1:\n{first}");
    }

    // No fraction of a counted thing anywhere: "2.5所", "0.83所", "8.33个".
    let all = pdftotext(&pdf);
    let flat: Vec<char> = all.chars().filter(|c| !c.is_whitespace()).collect();
    for (i, c) in flat.iter().enumerate() {
        if "个所人家场次".contains(*c) && i >= 3 && flat[i - 1].is_ascii_digit() {
            let mut k = i - 1;
            while k > 0 && flat[k - 1].is_ascii_digit() {
                k -= 1;
            }
            assert!(
                k == 0 || flat[k - 1] != '.',
                "a fraction: {}",
                flat[k.saturating_sub(8)..=i].iter().collect::<String>()
            );
        }
    }
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
    for s in ["关于2024年10月", "一、总体情况", "二、存在的问题", "任务推进台账", "鹰潭市教育局", "— 1 —"]
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
    // The month's reporting under the status table: counts and shares of the reports due.
    let find =
        |label: &str| (0..60).find(|r| summary.get_value((*r, 0)) == Some(&Data::String(label.into()))).expect(label);
    let rep = &b.overview.reports;
    assert_eq!(find("报送情况") + 1, find("应报送"));
    for (label, n) in [("应报送", rep.due), ("按时报送", rep.on_time), ("逾期报送", rep.late), ("未报送", rep.missing)]
    {
        let y = find(label);
        assert_eq!(summary.get_value((y, 1)), Some(&Data::Float(n as f64)), "{label}");
        let share = summary.get_value((y, 2)).and_then(|v| v.as_f64()).expect("share");
        assert!((share - n as f64 / rep.due as f64).abs() < 1e-12, "{label} share {share}");
    }
    assert!(rep.on_time > 0 && rep.late > 0 && rep.missing > 0, "the sample has all three");
    // The colour legend, each meaning in its colour's cell.
    let legend = find("颜色说明");
    let meanings: Vec<String> = (1..8).filter_map(|c| summary.get_value((legend, c))).map(|v| v.to_string()).collect();
    let meanings = meanings.join("|");
    assert!(
        meanings.contains("绿色：已完成") && meanings.contains("黄色：滞后") && meanings.contains("红色：逾期"),
        "{meanings}"
    );
    assert!(meanings.contains("30个百分点"), "the tolerance in force: {meanings}");
    let mut rows = 0;
    for (sheet, section) in names[1..].iter().zip(&b.ledger) {
        let range = wb.worksheet_range(sheet).expect("sheet");
        // Title, legend, then the column header; the rows below.
        let title = range.get_value((0, 0)).map(|v| v.to_string()).unwrap_or_default();
        assert!(title.contains("任务推进台账") && title.contains(&section.title.replace(',', "，")), "{title}");
        assert!(range.get_value((1, 0)).is_some_and(|v| v.to_string().starts_with("绿色")));
        let header: Vec<String> =
            (0..16).map(|c| range.get_value((2, c)).map(|v| v.to_string()).unwrap_or_default()).collect();
        assert_eq!(header, LEDGER_COLUMNS);
        for (i, r) in section.rows.iter().enumerate() {
            let y = i as u32 + 3;
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
    assert_eq!((pane["ySplit"].as_str(), pane["state"].as_str()), ("3", "frozen"), "title, legend, header");
    assert!(el.iter().any(|(n, a)| n == "col" && a.get("customWidth").is_some()));
    let (styles, _) = parse_xml(&files["xl/styles.xml"]);
    let fills: Vec<&str> =
        styles.iter().filter(|(n, _)| n == "fgColor").filter_map(|(_, a)| a.get("rgb").map(String::as_str)).collect();
    for c in ["FFC6EFCE", "FFFFEB9C", "FFFFC7CE"] {
        assert!(fills.contains(&c), "status fill {c} in {fills:?}");
    }
}

/// The ledger prints as it stands: A4 landscape, one page wide, the title, legend and header
/// on every page, page numbers in the footer, rows as high as their wrapped text.
#[test]
fn xlsx_ledger_prints_landscape_one_page_wide() {
    let b = bulletin();
    let files = unzip(&render(&b, Format::Xlsx).expect("xlsx"));
    let sheets = 1 + b.ledger.len();
    for n in 1..=sheets {
        let part = format!("xl/worksheets/sheet{n}.xml");
        let (el, _) = parse_xml(&files[&part]);
        let xml = String::from_utf8(files[&part].clone()).expect("utf-8");
        let setup = attr(&el, "pageSetup");
        assert_eq!(setup.get("orientation").map(String::as_str), Some("landscape"), "{part}");
        assert_eq!(setup.get("paperSize").map(String::as_str), Some("9"), "{part}: A4");
        assert_eq!(setup.get("fitToWidth").map(String::as_str).unwrap_or("1"), "1", "{part}: one page wide");
        assert_eq!(setup.get("fitToHeight").map(String::as_str), Some("0"), "{part}: as long as it needs");
        assert!(attr(&el, "pageSetUpPr").get("fitToPage").is_some_and(|v| v == "1"), "{part}");
        assert!(el.iter().any(|(n, _)| n == "headerFooter"), "{part}");
        assert!(
            xml.contains("<oddFooter>&amp;C第 &amp;P 页 共 &amp;N 页</oddFooter>"),
            "{part}: page numbers in the footer"
        );
    }
    // Print titles: the ledger sheets repeat rows 1–3 (title, legend, header) on every page.
    let workbook = String::from_utf8(files["xl/workbook.xml"].clone()).expect("utf-8");
    let (wel, _) = parse_xml(workbook.as_bytes());
    let titles = wel.iter().filter(|(n, a)| n == "definedName" && a["name"] == "_xlnm.Print_Titles").count();
    assert_eq!(titles, sheets, "{workbook}");
    assert_eq!(workbook.matches("!$1:$3</definedName>").count(), b.ledger.len(), "ledger sheets repeat 3 rows");
    assert!(workbook.contains("汇总!$1:$2</definedName>"), "the summary repeats its title: {workbook}");

    // Row heights: a row whose longest text wraps onto several lines is that much taller.
    let (el, _) = parse_xml(&files["xl/worksheets/sheet2.xml"]);
    let heights: Vec<(u32, f64)> = el
        .iter()
        .filter(|(n, a)| n == "row" && a.get("customHeight").is_some_and(|v| v == "1"))
        .map(|(_, a)| (a["r"].parse().expect("row"), a["ht"].parse().expect("height")))
        .collect();
    let rows = &b.ledger[0].rows;
    for (i, r) in rows.iter().enumerate() {
        let (_, ht) = heights.iter().find(|(n, _)| *n == i as u32 + 4).expect("data row height set");
        // 本月进展 in the 32-wide column: a Chinese character is two digits wide, and a 10.5 pt
        // line needs 13 pt at least; the comma becomes full-width in the sheet.
        let units: usize = r.progress_text.chars().map(|c| if c.is_ascii() && c != ',' { 1 } else { 2 }).sum();
        let lines = units.div_ceil(32) as f64;
        assert!(*ht >= lines * 13.0, "row {} ({units} units of progress) only {ht} pt high", i + 4);
        assert!(*ht <= 409.0);
    }
    assert!(heights.iter().any(|(_, h)| *h >= 2.0 * 13.0), "wrapped rows are taller than one line: {heights:?}");
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
