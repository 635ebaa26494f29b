//! The bulletin as an official document (公文) per GB/T 9704-2012, written as WordprocessingML
//! directly so every item of the standard is in the file, not left to a library's defaults:
//! - A4, margins 37/35/28/26 mm, a line grid of 22 lines, body text tracked to 28 characters;
//! - 版头: the 发文机关标志 in red 方正小标宋简体, the 发文字号 with 〔〕 (or the 督查通报 masthead with
//!   its issue number, issuer and date), the red separator line as wide as the text;
//! - title 方正小标宋简体 二号; 主送机关 below it; body 仿宋_GB2312 三号, justified, at 28.95 pt;
//!   一、 headings in 黑体, (一) in 楷体_GB2312;
//! - 附件说明, 署名 centred over the 成文日期, which sits four characters from the right;
//! - annexes with tables whose header rows repeat on every page and whose 序号 never wraps;
//! - 版记 at the foot of the last page (抄送, 印发机关 and 印发日期 between lines);
//! - page numbers "— N —" in 宋体 四号, odd pages right and even pages left, one character in;
//! - every font declared in the font table with the fallback a Windows or WPS machine has.

use crate::outline::{Block, Table, blocks};
use domain::bulletin::Bulletin;
use std::fmt::Write as _;
use std::io::Write as _;

pub const FANGSONG: &str = "仿宋_GB2312";
pub const XIAOBIAOSONG: &str = "方正小标宋简体";
pub const HEITI: &str = "黑体";
pub const KAITI: &str = "楷体_GB2312";
pub const SONGTI: &str = "宋体";

/// Each font the document names, with the face Word and WPS substitute when it is missing
/// (the _GB2312 faces and 方正小标宋 are rarely installed; 宋体, 仿宋, 楷体, 黑体 always are).
pub const FONT_FALLBACKS: [(&str, &str); 8] = [
    (XIAOBIAOSONG, "宋体"),
    (FANGSONG, "仿宋"),
    (KAITI, "楷体"),
    (HEITI, "SimHei"),
    (SONGTI, "SimSun"),
    ("仿宋", "FangSong"),
    ("楷体", "KaiTi"),
    ("Times New Roman", "Times New Roman"),
];

/// Twips (1/20 pt) per millimetre.
fn mm(v: f64) -> i32 {
    (v * 1440.0 / 25.4).round() as i32
}

/// Sizes in half-points.
const SIZE_BODY: usize = 32; // 三号 16 pt
const SIZE_TITLE: usize = 44; // 二号 22 pt
const SIZE_PAGE: usize = 28; // 四号 14 pt
const SIZE_TABLE: usize = 21; // 五号 10.5 pt
const SIZE_ANNEX: usize = 18; // 小五 9 pt
const SIZE_NOTE: usize = 24; // 小四 12 pt
/// 225 mm / 22 lines = 28.95 pt.
pub const LINE_PITCH: i32 = 579;
/// Text width: 210 − 28 − 26 = 156 mm.
pub const TEXT_WIDTH_MM: f64 = 156.0;
/// One character of body text (三号, 16 pt) in twips.
const CHAR: i32 = 320;
/// Body characters are set this much closer (in 1/20 pt) so 28 fit a line: 156 mm is 442.2 pt,
/// 28 × 15.75 pt = 441 pt. A line grid (22 lines) plus this tracking gives the 28 × 22 page in
/// Word, WPS and LibreOffice alike; a character grid (linesAndChars with a negative charSpace)
/// does in Word but LibreOffice lays it out at about 20 characters a line.
pub const BODY_TRACKING: i32 = -5;
const RED: &str = "FF0000";

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            // Characters XML 1.0 forbids are dropped rather than breaking the file.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => o.push(c),
        }
    }
    o
}

/// Run properties: font, size, colour, bold.
#[derive(Clone, Copy)]
struct R<'a> {
    font: &'a str,
    size: usize,
    colour: Option<&'a str>,
    bold: bool,
}

impl<'a> R<'a> {
    fn new(font: &'a str, size: usize) -> R<'a> {
        R { font, size, colour: None, bold: false }
    }

    fn xml(&self) -> String {
        let f = esc(self.font);
        let mut s = format!(
            "<w:rPr><w:rFonts w:ascii=\"{f}\" w:eastAsia=\"{f}\" w:hAnsi=\"{f}\" w:cs=\"{f}\" w:hint=\"eastAsia\"/>"
        );
        if self.bold {
            s.push_str("<w:b/>");
        }
        if let Some(c) = self.colour {
            let _ = write!(s, "<w:color w:val=\"{c}\"/>");
        }
        if self.size == SIZE_BODY {
            // 28 characters a line: 16 pt characters 0.25 pt closer (156 mm / 28 = 15.79 pt).
            let _ = write!(s, "<w:spacing w:val=\"{BODY_TRACKING}\"/>");
        }
        let _ = write!(s, "<w:sz w:val=\"{0}\"/><w:szCs w:val=\"{0}\"/></w:rPr>", self.size);
        s
    }

    fn run(&self, text: &str) -> String {
        format!("<w:r>{}<w:t xml:space=\"preserve\">{}</w:t></w:r>", self.xml(), esc(text))
    }
}

/// Paragraph properties.
#[derive(Clone, Default)]
struct P {
    jc: Option<&'static str>,
    first_line: i32,
    left: i32,
    right: i32,
    hanging: i32,
    /// Exact line height in twips; `None` for single spacing off the grid (tables, notes).
    exact: Option<i32>,
    before: i32,
    after: i32,
    keep_next: bool,
    outline: Option<u8>,
    /// Raw border XML (<w:pBdr>…</w:pBdr>).
    border: String,
    frame: bool,
    no_grid: bool,
    tabs: String,
    page_break_before: bool,
}

impl P {
    fn body() -> P {
        P { jc: Some("both"), first_line: 2 * CHAR, exact: Some(LINE_PITCH), ..P::default() }
    }

    fn xml(&self) -> String {
        let mut s = String::from("<w:pPr>");
        if self.keep_next {
            s.push_str("<w:keepNext/>");
        }
        if self.page_break_before {
            s.push_str("<w:pageBreakBefore/>");
        }
        if self.frame {
            // The 版记 sits at the foot of the last page: a frame anchored to the bottom margin.
            let _ = write!(
                s,
                "<w:framePr w:w=\"{}\" w:wrap=\"around\" w:vAnchor=\"margin\" w:hAnchor=\"margin\" w:xAlign=\"center\" w:yAlign=\"bottom\"/>",
                mm(TEXT_WIDTH_MM)
            );
        }
        s.push_str(&self.border);
        s.push_str(&self.tabs);
        if self.no_grid {
            s.push_str("<w:snapToGrid w:val=\"0\"/>");
        }
        match self.exact {
            Some(h) => {
                let _ = write!(
                    s,
                    "<w:spacing w:before=\"{}\" w:after=\"{}\" w:line=\"{h}\" w:lineRule=\"exact\"/>",
                    self.before, self.after
                );
            }
            None => {
                let _ = write!(
                    s,
                    "<w:spacing w:before=\"{}\" w:after=\"{}\" w:line=\"240\" w:lineRule=\"auto\"/>",
                    self.before, self.after
                );
            }
        }
        let mut ind = String::new();
        if self.left != 0 {
            let _ = write!(ind, " w:left=\"{}\"", self.left);
        }
        if self.right != 0 {
            let _ = write!(ind, " w:right=\"{}\"", self.right);
        }
        if self.hanging != 0 {
            let _ = write!(ind, " w:hanging=\"{}\"", self.hanging);
        } else {
            let _ = write!(ind, " w:firstLine=\"{}\"", self.first_line);
        }
        let _ = write!(s, "<w:ind{ind}/>");
        if let Some(j) = self.jc {
            let _ = write!(s, "<w:jc w:val=\"{j}\"/>");
        }
        if let Some(l) = self.outline {
            let _ = write!(s, "<w:outlineLvl w:val=\"{l}\"/>");
        }
        s.push_str("</w:pPr>");
        s
    }

    fn para(&self, runs: &str) -> String {
        format!("<w:p>{}{runs}</w:p>", self.xml())
    }
}

/// A line as a paragraph border: `sz` in eighths of a point.
fn border(side: &str, sz: u32, colour: &str) -> String {
    format!("<w:{side} w:val=\"single\" w:sz=\"{sz}\" w:space=\"1\" w:color=\"{colour}\"/>")
}

/// Width of a text in characters of its size (a CJK character 1, ASCII ½).
fn chars(s: &str) -> f64 {
    s.chars().map(|c| if c.is_ascii() { 0.5 } else { 1.0 }).sum()
}

fn table(t: &Table, size: usize) -> String {
    let total: f64 = t.widths.iter().sum::<f64>().max(1.0);
    let width = mm(TEXT_WIDTH_MM);
    let mut grid: Vec<i32> = t.widths.iter().map(|w| (w / total * f64::from(width)).floor() as i32).collect();
    let used: i32 = grid.iter().sum();
    if let Some(last) = grid.last_mut() {
        *last += width - used;
    }
    let mut x = format!(
        "<w:tbl><w:tblPr><w:tblW w:w=\"{width}\" w:type=\"dxa\"/><w:jc w:val=\"center\"/>\
         <w:tblBorders><w:top w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>\
         <w:left w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>\
         <w:bottom w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>\
         <w:right w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>\
         <w:insideH w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>\
         <w:insideV w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/></w:tblBorders>\
         <w:tblLayout w:type=\"fixed\"/>\
         <w:tblCellMar><w:top w:w=\"28\" w:type=\"dxa\"/><w:left w:w=\"57\" w:type=\"dxa\"/>\
         <w:bottom w:w=\"28\" w:type=\"dxa\"/><w:right w:w=\"57\" w:type=\"dxa\"/></w:tblCellMar>\
         <w:tblLook w:val=\"04A0\" w:firstRow=\"1\" w:lastRow=\"0\" w:firstColumn=\"0\" w:lastColumn=\"0\" w:noHBand=\"0\" w:noVBand=\"1\"/>\
         </w:tblPr><w:tblGrid>"
    );
    for g in &grid {
        let _ = write!(x, "<w:gridCol w:w=\"{g}\"/>");
    }
    x.push_str("</w:tblGrid>");
    let cell = |text: &str, w: i32, fill: Option<String>, header: bool, first: bool| {
        let mut c = format!("<w:tc><w:tcPr><w:tcW w:w=\"{w}\" w:type=\"dxa\"/>");
        // 序号 (the first column) never wraps.
        if first {
            c.push_str("<w:noWrap/>");
        }
        if let Some(f) = fill {
            let _ = write!(c, "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"{f}\"/>");
        }
        c.push_str("<w:vAlign w:val=\"center\"/></w:tcPr>");
        let p = P { jc: Some(if header || first { "center" } else { "left" }), no_grid: true, ..P::default() };
        let r = R { bold: header, ..R::new(if header { HEITI } else { FANGSONG }, size) };
        let _ = write!(c, "{}</w:tc>", p.para(&r.run(text)));
        c
    };
    // The header row repeats on every page and, like every row, is never split across pages.
    x.push_str("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>");
    for (i, (h, w)) in t.header.iter().zip(&grid).enumerate() {
        x.push_str(&cell(h, *w, Some("D9E1F2".into()), true, i == 0));
    }
    x.push_str("</w:tr>");
    for r in &t.rows {
        x.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
        for (i, (c, w)) in r.iter().zip(&grid).enumerate() {
            x.push_str(&cell(&c.text, *w, c.fill.map(|f| f.hex()), false, i == 0));
        }
        x.push_str("</w:tr>");
    }
    x.push_str("</w:tbl>");
    x
}

/// The body of word/document.xml.
fn body(b: &Bulletin) -> String {
    let mut x = String::new();
    let body_run = R::new(FANGSONG, SIZE_BODY);
    let mut in_annex = false;
    for block in blocks(b) {
        match block {
            Block::Masthead { mark, number, issuer_line } => {
                // The mark as large as fits the text width, at most 二号 × 1.6 (about 35 pt).
                let size = ((f64::from(mm(TEXT_WIDTH_MM)) / 10.0 / chars(&mark)).floor() as usize).clamp(44, 70);
                let red = R { colour: Some(RED), ..R::new(XIAOBIAOSONG, size) };
                x.push_str(
                    &P { jc: Some("center"), exact: Some(size as i32 * 20), after: LINE_PITCH, ..P::default() }
                        .para(&red.run(&mark)),
                );
                let line = format!("<w:pBdr>{}</w:pBdr>", border("bottom", 12, RED));
                match issuer_line {
                    None => {
                        // 发文字号 centred under the mark, the red line 4 mm below it.
                        x.push_str(
                            &P { jc: Some("center"), exact: Some(LINE_PITCH), before: LINE_PITCH, ..P::default() }
                                .para(&body_run.run(&number)),
                        );
                        x.push_str(&P { exact: Some(240), border: line, after: LINE_PITCH, ..P::default() }.para(""));
                    }
                    Some((issuer, date)) => {
                        x.push_str(
                            &P { jc: Some("center"), exact: Some(LINE_PITCH), ..P::default() }
                                .para(&body_run.run(&number)),
                        );
                        // Issuer flush left, date flush right on one line, over the red line.
                        let tabs = format!("<w:tabs><w:tab w:val=\"right\" w:pos=\"{}\"/></w:tabs>", mm(TEXT_WIDTH_MM));
                        let runs = format!(
                            "{}<w:r>{}<w:tab/></w:r>{}",
                            body_run.run(&issuer),
                            body_run.xml(),
                            body_run.run(&date)
                        );
                        x.push_str(
                            &P { exact: Some(LINE_PITCH), border: line, tabs, after: LINE_PITCH, ..P::default() }
                                .para(&runs),
                        );
                    }
                }
            }
            Block::Title(s) => {
                let r = R::new(XIAOBIAOSONG, SIZE_TITLE);
                x.push_str(
                    &P {
                        jc: Some("center"),
                        exact: Some(700),
                        before: if in_annex { 0 } else { LINE_PITCH },
                        after: LINE_PITCH,
                        ..P::default()
                    }
                    .para(&r.run(&s)),
                );
            }
            Block::Addressees(s) => x.push_str(&P { first_line: 0, ..P::body() }.para(&body_run.run(&s))),
            Block::Heading1(s) => x.push_str(
                &P { keep_next: true, outline: Some(0), ..P::body() }.para(&R::new(HEITI, SIZE_BODY).run(&s)),
            ),
            Block::Heading2(s) => x.push_str(
                &P { keep_next: true, outline: Some(1), first_line: if in_annex { 0 } else { 2 * CHAR }, ..P::body() }
                    .para(&R::new(if in_annex { HEITI } else { KAITI }, SIZE_BODY).run(&s)),
            ),
            Block::Para(s) => x.push_str(&P::body().para(&body_run.run(&s))),
            Block::Lead { heading, text } => {
                let runs = format!("{}{}", R::new(KAITI, SIZE_BODY).run(&heading), body_run.run(&text));
                x.push_str(&P { outline: Some(1), ..P::body() }.para(&runs));
            }
            Block::Note(s) => {
                let size = if in_annex { SIZE_TABLE } else { SIZE_NOTE };
                x.push_str(
                    &P { jc: Some("both"), no_grid: true, before: 60, after: 60, ..P::default() }
                        .para(&R::new(FANGSONG, size).run(&s)),
                )
            }
            Block::Table(t) => {
                x.push_str(&table(
                    &t,
                    if in_annex && t.widths.len() == 8 && t.header[0] == "序号" { SIZE_ANNEX } else { SIZE_TABLE },
                ));
                // Word needs a paragraph between tables; a small one keeps the layout tight.
                x.push_str(&P { no_grid: true, exact: Some(120), ..P::default() }.para(""));
            }
            // The official document states the figures in words; the charts are for the web.
            Block::Chart(_) => {}
            Block::Attachments(list) => {
                // "附件:1.…" two characters in; further names aligned under the first (5 chars).
                x.push_str(&P::body().para(""));
                for (i, a) in list.iter().enumerate() {
                    let (text, indent) = if i == 0 { (format!("附件：{a}"), 2) } else { (a.clone(), 5) };
                    x.push_str(&P { first_line: indent * CHAR, ..P::body() }.para(&body_run.run(&text)));
                }
            }
            Block::Signature { issuer, date } => {
                // 成文日期 four characters from the right; 署名 centred over it (when the issuer is
                // longer than the date, the issuer two characters in and the date centred under it).
                let (iw, dw) = (chars(&issuer), chars(&date));
                let (mut ir, mut dr) = (4.0 + (dw - iw) / 2.0, 4.0);
                if ir < 2.0 {
                    ir = 2.0;
                    dr = 2.0 + (iw - dw) / 2.0;
                }
                let tw = |c: f64| (c * f64::from(CHAR)).round() as i32;
                x.push_str(&P::body().para(""));
                x.push_str(
                    &P { jc: Some("right"), first_line: 0, right: tw(ir), ..P::body() }.para(&body_run.run(&issuer)),
                );
                x.push_str(
                    &P { jc: Some("right"), first_line: 0, right: tw(dr), ..P::body() }.para(&body_run.run(&date)),
                );
            }
            Block::PageBreak => {
                in_annex = true;
                x.push_str("<w:p><w:r><w:br w:type=\"page\"/></w:r></w:p>");
            }
            Block::AnnexLabel(s) => {
                x.push_str(&P { first_line: 0, ..P::body() }.para(&R::new(HEITI, SIZE_BODY).run(&s)));
            }
            Block::Colophon { cc, printed_by, printed_on } => {
                // 版记: 四号 仿宋; the first and last lines thick (0.35 mm), the one between thin.
                let r = R::new(FANGSONG, SIZE_PAGE);
                let thick = 8;
                let thin = 4;
                let tabs = format!("<w:tabs><w:tab w:val=\"right\" w:pos=\"{}\"/></w:tabs>", mm(TEXT_WIDTH_MM) - 280);
                let frame =
                    P { frame: true, exact: Some(LINE_PITCH), no_grid: true, left: 280, right: 280, ..P::default() };
                let has_cc = cc.is_some();
                if let Some(cc) = cc {
                    x.push_str(
                        &P {
                            border: format!(
                                "<w:pBdr>{}{}</w:pBdr>",
                                border("top", thick, "000000"),
                                border("bottom", thin, "000000")
                            ),
                            hanging: 3 * 280,
                            left: 280 + 3 * 280,
                            ..frame.clone()
                        }
                        .para(&r.run(&format!("抄送：{cc}"))),
                    );
                }
                let top = if has_cc { String::new() } else { border("top", thick, "000000") };
                let runs = format!("{}<w:r>{}<w:tab/></w:r>{}", r.run(&printed_by), r.xml(), r.run(&printed_on));
                x.push_str(
                    &P {
                        border: format!("<w:pBdr>{top}{}</w:pBdr>", border("bottom", thick, "000000")),
                        tabs,
                        ..frame
                    }
                    .para(&runs),
                );
            }
        }
    }
    x
}

fn document(b: &Bulletin) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" \
         xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><w:body>",
    );
    x.push_str(&body(b));
    let _ = write!(
        x,
        "<w:sectPr><w:footerReference w:type=\"default\" r:id=\"rIdFooterOdd\"/>\
         <w:footerReference w:type=\"even\" r:id=\"rIdFooterEven\"/>\
         <w:pgSz w:w=\"11906\" w:h=\"16838\"/>\
         <w:pgMar w:top=\"{}\" w:right=\"{}\" w:bottom=\"{}\" w:left=\"{}\" w:header=\"{}\" w:footer=\"{}\" w:gutter=\"0\"/>\
         <w:cols w:space=\"425\"/>\
         <w:docGrid w:type=\"lines\" w:linePitch=\"{LINE_PITCH}\"/></w:sectPr>\
         </w:body></w:document>",
        mm(37.0),
        mm(26.0),
        mm(35.0),
        mm(28.0),
        mm(15.0),
        mm(28.0) // the page number's line sits 7 mm below the text area
    );
    x
}

/// A footer with "— N —" in 宋体 四号: odd pages right, even pages left, one character in.
fn footer(odd: bool) -> String {
    let r = R::new(SONGTI, SIZE_PAGE);
    let p = if odd {
        P { jc: Some("right"), right: 280, no_grid: true, ..P::default() }
    } else {
        P { jc: Some("left"), left: 280, no_grid: true, ..P::default() }
    };
    let field = format!(
        "<w:r>{0}<w:fldChar w:fldCharType=\"begin\"/></w:r><w:r>{0}<w:instrText xml:space=\"preserve\"> PAGE </w:instrText></w:r>\
         <w:r>{0}<w:fldChar w:fldCharType=\"separate\"/></w:r><w:r>{0}<w:t>1</w:t></w:r><w:r>{0}<w:fldChar w:fldCharType=\"end\"/></w:r>",
        r.xml()
    );
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:ftr xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" \
         xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">{}</w:ftr>",
        p.para(&format!("{}{field}{}", r.run("— "), r.run(" —")))
    )
}

fn font_table() -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:fonts xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">",
    );
    for (name, alt) in FONT_FALLBACKS {
        let charset = if name.is_ascii() { "00" } else { "86" };
        let _ = write!(
            x,
            "<w:font w:name=\"{}\"><w:altName w:val=\"{}\"/><w:charset w:val=\"{charset}\"/>\
             <w:family w:val=\"{}\"/><w:pitch w:val=\"variable\"/></w:font>",
            esc(name),
            esc(alt),
            if name == HEITI { "modern" } else { "roman" }
        );
    }
    x.push_str("</w:fonts>");
    x
}

fn styles() -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
         <w:docDefaults><w:rPrDefault>{}</w:rPrDefault>\
         <w:pPrDefault><w:pPr><w:jc w:val=\"both\"/><w:spacing w:after=\"0\" w:line=\"{LINE_PITCH}\" w:lineRule=\"exact\"/></w:pPr></w:pPrDefault></w:docDefaults>\
         <w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/>\
         <w:pPr><w:widowControl w:val=\"0\"/><w:jc w:val=\"both\"/></w:pPr></w:style>\
         <w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/>\
         <w:tblPr><w:tblCellMar><w:left w:w=\"57\" w:type=\"dxa\"/><w:right w:w=\"57\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style>\
         </w:styles>",
        R::new(FANGSONG, SIZE_BODY).xml()
    )
}

const SETTINGS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<w:settings xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
<w:zoom w:percent=\"100\"/><w:evenAndOddHeaders/><w:defaultTabStop w:val=\"420\"/>\
<w:characterSpacingControl w:val=\"compressPunctuation\"/>\
<w:compat><w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat>\
<w:themeFontLang w:val=\"en-US\" w:eastAsia=\"zh-CN\"/></w:settings>";

const CONTENT_TYPES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>\
<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
<Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>\
<Override PartName=\"/word/settings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml\"/>\
<Override PartName=\"/word/fontTable.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml\"/>\
<Override PartName=\"/word/footer1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml\"/>\
<Override PartName=\"/word/footer2.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml\"/>\
<Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>\
</Types>";

const ROOT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>\
<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>\
</Relationships>";

const DOCUMENT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rIdStyles\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>\
<Relationship Id=\"rIdSettings\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings\" Target=\"settings.xml\"/>\
<Relationship Id=\"rIdFonts\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable\" Target=\"fontTable.xml\"/>\
<Relationship Id=\"rIdFooterOdd\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer\" Target=\"footer1.xml\"/>\
<Relationship Id=\"rIdFooterEven\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer\" Target=\"footer2.xml\"/>\
</Relationships>";

fn core(b: &Bulletin) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>{}</dc:title><dc:creator>{}</dc:creator></cp:coreProperties>",
        esc(&b.title),
        esc(&b.issuer)
    )
}

pub fn render(b: &Bulletin) -> Result<Vec<u8>, crate::Error> {
    let parts: [(&str, String); 9] = [
        ("[Content_Types].xml", CONTENT_TYPES.to_string()),
        ("_rels/.rels", ROOT_RELS.to_string()),
        ("docProps/core.xml", core(b)),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS.to_string()),
        ("word/document.xml", document(b)),
        ("word/styles.xml", styles()),
        ("word/settings.xml", SETTINGS.to_string()),
        ("word/fontTable.xml", font_table()),
        ("word/footer1.xml", footer(true)),
    ];
    let err = |e: zip::result::ZipError| crate::Error::Docx(e.to_string());
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in parts.iter().map(|(n, d)| (*n, d.clone())).chain([("word/footer2.xml", footer(false))]) {
        zip.start_file(name, options).map_err(err)?;
        zip.write_all(data.as_bytes()).map_err(|e| crate::Error::Docx(e.to_string()))?;
    }
    Ok(zip.finish().map_err(err)?.into_inner())
}
