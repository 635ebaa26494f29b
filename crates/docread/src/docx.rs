//! docx: the body of word/document.xml, read as a stream of XML events.
//!
//! Paragraphs (`w:p`) become [`Block::Para`], one per line: a manual line break (`w:br`,
//! `w:cr`) inside a paragraph starts a new block, because callers treat blocks as lines.
//! Tables (`w:tbl`) become [`Block::Table`]; a cell's paragraphs are joined by '\n', tables
//! nested in a cell are flattened into its text (cells by '\t', rows by '\n'), and a
//! vertically merged continuation cell gets the text of the cell above so that every row is
//! complete. Deleted text (tracked changes), hidden text and the fallback branch of
//! alternate content are skipped; inserted text is kept. Automatic list labels are
//! rebuilt from numbering.xml (see [`crate::numbering`]).

use quick_xml::events::{BytesStart, Event};

use crate::archive::Archive;
use crate::numbering::{NumRef, Numbering};
use crate::{Block, ReadError, xml};

const DOCUMENT: &str = "word/document.xml";

pub(crate) fn extract(archive: &mut Archive<'_>) -> Result<Vec<Block>, ReadError> {
    archive.check_declared_sizes()?;
    let document = archive.read(DOCUMENT)?.ok_or_else(|| ReadError::Corrupt(format!("缺少 {DOCUMENT}")))?;
    let numbering = archive.read("word/numbering.xml")?.map(|b| xml::part_text(&b));
    let styles = match numbering {
        // Styles only matter for numbering attached to paragraph styles.
        Some(_) => archive.read("word/styles.xml")?.map(|b| xml::part_text(&b)),
        None => None,
    };
    let numbering = Numbering::parse(numbering.as_deref(), styles.as_deref())?;
    body_blocks(&xml::part_text(&document), numbering)
}

/// Elements whose whole content is not document text.
fn is_skipped(name: &str) -> bool {
    matches!(
        name,
        // Tracked deletions and moves away from here.
        "del" | "delText" | "moveFrom"
        // The older-Word copy of alternate content duplicates the newer branch.
        | "Fallback"
        // Former properties kept by tracked formatting changes (an old w:numPr would
        // otherwise number the paragraph).
        | "pPrChange" | "rPrChange" | "tblPrChange" | "trPrChange" | "tcPrChange"
        | "sectPrChange" | "numberingChange"
        // Field instructions (PAGE, TOC \o ...) and deleted field instructions.
        | "instrText" | "delInstrText"
    )
}

/// A paragraph being read.
#[derive(Default)]
struct Para {
    text: String,
    num: NumRef,
    style: Option<String>,
}

/// A table cell being read: its paragraphs and merge properties.
#[derive(Default)]
struct Cell {
    paras: Vec<String>,
    grid_start: usize,
    span: usize,
    continues_above: bool,
}

/// A table being read. Cells keep their grid column so that a vertically merged cell can
/// find the cell above it even when horizontal merges shift positions.
#[derive(Default)]
struct Table {
    rows: Vec<Vec<(usize, String)>>,
    row: Option<Vec<(usize, String)>>,
    next_grid: usize,
    cell: Option<Cell>,
}

impl Table {
    fn start_row(&mut self) {
        self.finish_row();
        self.row = Some(Vec::new());
        self.next_grid = 0;
    }

    fn finish_row(&mut self) {
        self.finish_cell();
        if let Some(row) = self.row.take() {
            self.rows.push(row);
        }
    }

    fn start_cell(&mut self) {
        self.finish_cell();
        if self.row.is_none() {
            self.row = Some(Vec::new());
            self.next_grid = 0;
        }
        self.cell = Some(Cell { grid_start: self.next_grid, span: 1, ..Cell::default() });
    }

    fn finish_cell(&mut self) {
        let Some(cell) = self.cell.take() else { return };
        let mut text = cell.paras.join("\n");
        if cell.continues_above {
            let above = self.rows.last().and_then(|r| r.iter().find(|(g, _)| *g == cell.grid_start));
            if let Some((_, t)) = above {
                text.clone_from(t);
            }
        }
        self.next_grid = cell.grid_start.saturating_add(cell.span.max(1));
        self.row.get_or_insert_with(Vec::new).push((cell.grid_start, text));
    }

    /// Adds a paragraph to the current cell (a stray paragraph outside cells starts one).
    fn add_para(&mut self, text: String) {
        if self.cell.is_none() {
            self.start_cell();
        }
        if let Some(cell) = self.cell.as_mut() {
            cell.paras.push(text);
        }
    }

    fn finish(mut self) -> Vec<Vec<String>> {
        self.finish_row();
        self.rows.into_iter().filter(|r| !r.is_empty()).map(|r| r.into_iter().map(|(_, t)| t).collect()).collect()
    }
}

/// What the innermost open container is: paragraphs nest in text boxes, tables in cells.
enum Frame {
    Para(Para),
    Table(Table),
}

struct Body {
    numbering: Numbering,
    blocks: Vec<Block>,
    frames: Vec<Frame>,
    /// Depth inside an element listed by [`is_skipped`].
    skip_depth: usize,
    run_depth: usize,
    run_hidden: bool,
    in_text: bool,
    in_ppr: bool,
    in_rpr: bool,
}

pub(crate) fn body_blocks(text: &str, numbering: Numbering) -> Result<Vec<Block>, ReadError> {
    let mut body = Body {
        numbering,
        blocks: Vec::new(),
        frames: Vec::new(),
        skip_depth: 0,
        run_depth: 0,
        run_hidden: false,
        in_text: false,
        in_ppr: false,
        in_rpr: false,
    };
    let mut reader = xml::reader(text);
    loop {
        let event = reader.read_event().map_err(|_| xml::malformed(DOCUMENT, reader.error_position()))?;
        match event {
            Event::Start(e) => body.start(&e, false),
            Event::Empty(e) => {
                body.start(&e, true);
                if body.skip_depth == 0 {
                    body.end(e.local_name().as_ref());
                }
            }
            Event::End(e) => {
                if body.skip_depth > 0 {
                    body.skip_depth -= 1;
                } else {
                    body.end(e.local_name().as_ref());
                }
            }
            Event::Text(t) if body.capturing() => body.push_text(&t.xml10_content()),
            Event::CData(t) if body.capturing() => body.push_text(&t.xml10_content()),
            Event::GeneralRef(r) if body.capturing() => {
                if let Some(s) = xml::reference_text(&r) {
                    body.push_text(&s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // A truncated body: keep what was read.
    while let Some(frame) = body.frames.pop() {
        match frame {
            Frame::Para(p) => body.close_para(p),
            Frame::Table(t) => body.close_table(t),
        }
    }
    Ok(body.blocks)
}

impl Body {
    fn capturing(&self) -> bool {
        self.in_text && self.skip_depth == 0 && !self.run_hidden
    }

    fn para(&mut self) -> Option<&mut Para> {
        match self.frames.last_mut() {
            Some(Frame::Para(p)) => Some(p),
            _ => None,
        }
    }

    fn table(&mut self) -> Option<&mut Table> {
        match self.frames.last_mut() {
            Some(Frame::Table(t)) => Some(t),
            _ => None,
        }
    }

    fn push_text(&mut self, s: &str) {
        if let Some(p) = self.para() {
            p.text.push_str(s);
        }
    }

    /// An element opens. For empty elements [`Body::end`] follows at once.
    fn start(&mut self, e: &BytesStart<'_>, empty: bool) {
        if self.skip_depth > 0 {
            if !empty {
                self.skip_depth += 1;
            }
            return;
        }
        let name = e.local_name();
        let name = name.as_ref();
        if is_skipped(name) {
            if !empty {
                self.skip_depth = 1;
            }
            return;
        }
        match name {
            "p" => self.frames.push(Frame::Para(Para::default())),
            "pPr" => self.in_ppr = true,
            "rPr" => self.in_rpr = true,
            "r" => {
                self.run_depth += 1;
                self.run_hidden = false;
            }
            "t" => self.in_text = self.run_depth > 0,
            "vanish" if self.in_rpr && self.run_depth > 0 => self.run_hidden = xml::is_on(e),
            "tab" | "ptab" if self.run_depth > 0 && !self.in_rpr => self.push_text("\t"),
            "br" | "cr" if self.run_depth > 0 && !self.in_rpr => self.push_text("\n"),
            "noBreakHyphen" if self.run_depth > 0 => self.push_text("-"),
            "pStyle" if self.in_ppr => {
                let style = xml::attr(e, "val");
                if let Some(p) = self.para() {
                    p.style = style;
                }
            }
            "numId" if self.in_ppr => {
                let v = xml::val_u32(e);
                if let Some(p) = self.para() {
                    p.num.num_id = v;
                }
            }
            "ilvl" if self.in_ppr => {
                let v = xml::val_u32(e);
                if let Some(p) = self.para() {
                    p.num.level = v;
                }
            }
            "tbl" => self.frames.push(Frame::Table(Table::default())),
            "tr" => {
                if let Some(t) = self.table() {
                    t.start_row();
                }
            }
            "gridBefore" => {
                let v = xml::val_u32(e).and_then(|v| usize::try_from(v).ok());
                if let (Some(t), Some(v)) = (self.table(), v) {
                    t.next_grid = t.next_grid.saturating_add(v);
                }
            }
            "tc" => {
                if let Some(t) = self.table() {
                    t.start_cell();
                }
            }
            "gridSpan" => {
                let v = xml::val_u32(e).and_then(|v| usize::try_from(v).ok());
                if let (Some(cell), Some(v)) = (self.table().and_then(|t| t.cell.as_mut()), v) {
                    cell.span = v.max(1);
                }
            }
            "vMerge" => {
                // No value means "continue"; "restart" opens a merged region.
                let continues = xml::attr(e, "val").is_none_or(|v| v == "continue");
                if let Some(cell) = self.table().and_then(|t| t.cell.as_mut()) {
                    cell.continues_above = continues;
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, name: &str) {
        match name {
            "p" => {
                if let Some(Frame::Para(_)) = self.frames.last()
                    && let Some(Frame::Para(p)) = self.frames.pop()
                {
                    self.close_para(p);
                }
            }
            "pPr" => self.in_ppr = false,
            "rPr" => self.in_rpr = false,
            "r" => {
                self.run_depth = self.run_depth.saturating_sub(1);
                self.run_hidden = false;
            }
            "t" => self.in_text = false,
            "tbl" => {
                if let Some(Frame::Table(_)) = self.frames.last()
                    && let Some(Frame::Table(t)) = self.frames.pop()
                {
                    self.close_table(t);
                }
            }
            "tr" => {
                if let Some(t) = self.table() {
                    t.finish_row();
                }
            }
            "tc" => {
                if let Some(t) = self.table() {
                    t.finish_cell();
                }
            }
            _ => {}
        }
    }

    fn close_para(&mut self, p: Para) {
        let label = self.numbering.label(p.num, p.style.as_deref());
        let text = match label {
            Some(label) if !is_blank(&p.text) => label + &p.text,
            _ => p.text,
        };
        self.emit_text(text);
    }

    fn close_table(&mut self, t: Table) {
        let rows = t.finish();
        if self.frames.is_empty() {
            if !rows.is_empty() {
                self.blocks.push(Block::Table(rows));
            }
            return;
        }
        // A table inside a cell or a text box: flattened into text.
        let text = rows.iter().map(|r| r.join("\t")).collect::<Vec<_>>().join("\n");
        self.emit_text(text);
    }

    /// Hands finished paragraph text to the enclosing container.
    fn emit_text(&mut self, text: String) {
        match self.frames.last_mut() {
            // A text box paragraph inside a paragraph: a line of the outer paragraph.
            Some(Frame::Para(outer)) => {
                if !is_blank(&text) {
                    if !outer.text.is_empty() {
                        outer.text.push('\n');
                    }
                    outer.text.push_str(&text);
                    outer.text.push('\n');
                }
            }
            Some(Frame::Table(t)) => {
                if !is_blank(&text) {
                    t.add_para(text);
                }
            }
            None => {
                for line in text.split('\n') {
                    if !is_blank(line) {
                        self.blocks.push(Block::Para(line.to_owned()));
                    }
                }
            }
        }
    }
}

fn is_blank(s: &str) -> bool {
    s.chars().all(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(inner: &str) -> Vec<Block> {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{inner}</w:body></w:document>"#
        );
        body_blocks(&xml, Numbering::default()).unwrap()
    }

    fn para(s: &str) -> Block {
        Block::Para(s.to_owned())
    }

    #[test]
    fn runs_tabs_breaks_and_entities() {
        let got = body(
            r#"<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="420"/></w:tabs></w:pPr><w:r><w:t xml:space="preserve">一、 总体</w:t></w:r><w:r><w:t>要求</w:t><w:tab/><w:t>A&amp;B</w:t><w:br/><w:t>第二行</w:t></w:r></w:p><w:p/>"#,
        );
        assert_eq!(got, [para("一、 总体要求\tA&B"), para("第二行")]);
    }

    #[test]
    fn tracked_changes_and_hidden_text() {
        let got = body(
            r#"<w:p><w:r><w:t>保留</w:t></w:r><w:del><w:r><w:delText>删除</w:delText></w:r></w:del><w:ins><w:r><w:t>插入</w:t></w:r></w:ins><w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r></w:p>"#,
        );
        assert_eq!(got, [para("保留插入")]);
    }

    #[test]
    fn nested_table_is_flattened() {
        let got = body(
            r#"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>外</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>b</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:tc></w:tr></w:tbl>"#,
        );
        assert_eq!(got, [Block::Table(vec![vec!["外\na\tb".to_owned()]])]);
    }

    #[test]
    fn malformed_xml_is_corrupt() {
        let err = body_blocks("<w:document><w:body></w:p></w:body>", Numbering::default());
        assert!(matches!(err, Err(ReadError::Corrupt(_))));
    }
}
