//! The bulletin as an official document (公文) per GB/T 9704-2012: A4, margins 37/35/28/26 mm,
//! body 仿宋_GB2312 三号 at a fixed 28.95 pt pitch (22 lines a page), title 方正小标宋简体 二号,
//! 一、 headings in 黑体, (一) in 楷体_GB2312, page numbers "— N —" in 宋体 四号 in the footer,
//! tables exactly as wide as the text, charts as PNG images.

use crate::outline::{Block, Table, blocks};
use docx_rs::{
    AlignmentType, BreakType, Docx, Footer, LineSpacing, LineSpacingType, PageMargin, PageNum, Paragraph, Pic, Run,
    RunFonts, Shading, ShdType, SpecialIndentType, TableCell, TableLayoutType, TableRow, VAlignType, WidthType,
};
use domain::bulletin::Bulletin;

/// Twips (1/20 pt) per millimetre.
fn mm(v: f64) -> i32 {
    (v * 1440.0 / 25.4).round() as i32
}

pub const FANGSONG: &str = "仿宋_GB2312";
pub const XIAOBIAOSONG: &str = "方正小标宋简体";
pub const HEITI: &str = "黑体";
pub const KAITI: &str = "楷体_GB2312";
pub const SONGTI: &str = "宋体";

/// Sizes in half-points.
const SIZE_BODY: usize = 32; // 三号 16 pt
const SIZE_TITLE: usize = 44; // 二号 22 pt
const SIZE_PAGE: usize = 28; // 四号 14 pt
const SIZE_TABLE: usize = 21; // 五号 10.5 pt
const SIZE_ANNEX: usize = 18; // 小五 9 pt
/// 225 mm / 22 lines = 28.95 pt.
const LINE_PITCH: i32 = 579;
/// Text width: 210 − 28 − 26 = 156 mm.
pub const TEXT_WIDTH_MM: f64 = 156.0;

fn fonts(name: &str) -> RunFonts {
    RunFonts::new().east_asia(name).ascii(name).hi_ansi(name).cs(name)
}

fn run(text: &str, font: &str, size: usize) -> Run {
    Run::new().add_text(text).fonts(fonts(font)).size(size)
}

fn exact() -> LineSpacing {
    LineSpacing::new().line_rule(LineSpacingType::Exact).line(LINE_PITCH).before(0).after(0)
}

fn para(text: &str, font: &str, size: usize) -> Paragraph {
    Paragraph::new().add_run(run(text, font, size)).line_spacing(exact())
}

fn body(text: &str) -> Paragraph {
    para(text, FANGSONG, SIZE_BODY).indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
}

fn table(t: &Table, size: usize) -> docx_rs::Table {
    let total: f64 = t.widths.iter().sum::<f64>().max(1.0);
    let width = mm(TEXT_WIDTH_MM) as usize;
    let mut grid: Vec<usize> = t.widths.iter().map(|w| (w / total * width as f64).floor() as usize).collect();
    let used: usize = grid.iter().sum();
    if let Some(last) = grid.last_mut() {
        *last += width - used;
    }
    let cell = |text: &str, w: usize, fill: Option<String>, bold: bool| {
        let mut r = run(text, if bold { HEITI } else { FANGSONG }, size);
        if bold {
            r = r.bold();
        }
        let p = Paragraph::new()
            .add_run(r)
            .align(if bold { AlignmentType::Center } else { AlignmentType::Left })
            .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Auto).line(240).before(0).after(0));
        let mut c = TableCell::new().add_paragraph(p).width(w, WidthType::Dxa).vertical_align(VAlignType::Center);
        if let Some(f) = fill {
            c = c.shading(Shading::new().shd_type(ShdType::Clear).color("auto").fill(f));
        }
        c
    };
    let mut rows = vec![TableRow::new(
        t.header.iter().zip(&grid).map(|(h, w)| cell(h, *w, Some("D9E1F2".into()), true)).collect(),
    )];
    for r in &t.rows {
        rows.push(
            TableRow::new(
                r.iter().zip(&grid).map(|(c, w)| cell(&c.text, *w, c.fill.map(|f| f.hex()), false)).collect(),
            )
            .cant_split(),
        );
    }
    docx_rs::Table::new(rows).set_grid(grid).width(width, WidthType::Dxa).layout(TableLayoutType::Fixed)
}

pub fn render(b: &Bulletin) -> Result<Vec<u8>, crate::Error> {
    let footer = Footer::new().add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(run("— ", SONGTI, SIZE_PAGE))
            .add_page_num(PageNum::new())
            .add_run(run(" —", SONGTI, SIZE_PAGE))
            .size(SIZE_PAGE)
            .fonts(fonts(SONGTI)),
    );
    let mut doc = Docx::new()
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(mm(37.0))
                .bottom(mm(35.0))
                .left(mm(28.0))
                .right(mm(26.0))
                .header(mm(15.0))
                .footer(mm(24.0)),
        )
        .default_fonts(fonts(FANGSONG))
        .default_size(SIZE_BODY)
        .footer(footer);
    let mut in_annex = false;
    for block in blocks(b) {
        doc = match block {
            Block::DocNumber(s) => doc.add_paragraph(para(&s, FANGSONG, SIZE_BODY).align(AlignmentType::Center)),
            Block::Title(s) => {
                doc.add_paragraph(para(&s, XIAOBIAOSONG, SIZE_TITLE).align(AlignmentType::Center).line_spacing(
                    LineSpacing::new().line_rule(LineSpacingType::Exact).line(700).before(0).after(LINE_PITCH as u32),
                ))
            }
            Block::Addressees(s) => doc.add_paragraph(para(&s, FANGSONG, SIZE_BODY)),
            Block::Heading1(s) => doc.add_paragraph(
                para(&s, HEITI, SIZE_BODY)
                    .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
                    .outline_lvl(0)
                    .keep_next(true),
            ),
            Block::Heading2(s) => doc.add_paragraph(
                para(&s, KAITI, SIZE_BODY)
                    .indent(
                        None,
                        Some(if in_annex {
                            SpecialIndentType::FirstLine(0)
                        } else {
                            SpecialIndentType::FirstLine(640)
                        }),
                        None,
                        None,
                    )
                    .outline_lvl(1)
                    .keep_next(true),
            ),
            Block::Para(s) => doc.add_paragraph(body(&s)),
            Block::Note(s) => doc.add_paragraph(
                Paragraph::new()
                    .add_run(run(&s, FANGSONG, SIZE_TABLE))
                    .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Auto).line(276).before(120).after(120)),
            ),
            Block::Table(t) => doc.add_table(table(&t, if in_annex { SIZE_ANNEX } else { SIZE_TABLE })),
            Block::Chart(c) => {
                let png = c.png(2.0)?;
                let (w, h) = ((crate::chart::WIDTH * 2.0) as u32, (crate::chart::HEIGHT * 2.0) as u32);
                // 150 mm wide, in EMU (36,000 per mm), keeping the chart's proportions.
                let emu_w = 150 * 36_000;
                let emu_h = (emu_w as f64 * crate::chart::HEIGHT / crate::chart::WIDTH) as u32;
                doc.add_paragraph(
                    Paragraph::new()
                        .align(AlignmentType::Center)
                        .add_run(Run::new().add_image(Pic::new_with_dimensions(png, w, h).size(emu_w, emu_h))),
                )
            }
            Block::Signature { issuer, date } => doc
                .add_paragraph(para("", FANGSONG, SIZE_BODY))
                .add_paragraph(para(&issuer, FANGSONG, SIZE_BODY).align(AlignmentType::Right).indent(
                    None,
                    None,
                    Some(mm(14.0)),
                    None,
                ))
                .add_paragraph(para(&date, FANGSONG, SIZE_BODY).align(AlignmentType::Right).indent(
                    None,
                    None,
                    Some(mm(14.0)),
                    None,
                )),
            Block::PageBreak => {
                in_annex = true;
                doc.add_paragraph(Paragraph::new().add_run(Run::new().add_break(BreakType::Page)))
            }
            Block::AnnexLabel(s) => doc.add_paragraph(para(&s, HEITI, SIZE_BODY)),
        };
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(|e| crate::Error::Docx(e.to_string()))?;
    Ok(out.into_inner())
}
