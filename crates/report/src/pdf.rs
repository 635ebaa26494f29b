//! The bulletin as PDF: the same blocks as the Word file, laid out here on A4 with the GB/T 9704
//! margins; text in subsets of the bundled fonts (Type 0 / CIDFontType2, Identity-H, with
//! ToUnicode maps so the text can be searched and extracted); charts drawn as vectors.

use crate::fonts;
use crate::outline::{Block, Rgb, Table, blocks};
use domain::bulletin::Bulletin;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::BTreeMap;
use std::io::Write as _;
use subsetter::GlyphRemapper;

const PT_PER_MM: f32 = 72.0 / 25.4;
const PAGE_W: f32 = 210.0 * PT_PER_MM;
const PAGE_H: f32 = 297.0 * PT_PER_MM;
const TOP: f32 = 37.0 * PT_PER_MM;
const BOTTOM: f32 = 35.0 * PT_PER_MM;
const LEFT: f32 = 28.0 * PT_PER_MM;
const RIGHT: f32 = 26.0 * PT_PER_MM;
const TEXT_W: f32 = PAGE_W - LEFT - RIGHT;
/// 22 lines in the 225 mm text area.
const PITCH: f32 = 225.0 * PT_PER_MM / 22.0;
const BODY: f32 = 16.0;
const TITLE: f32 = 22.0;
const TABLE: f32 = 10.5;
const ANNEX: f32 = 9.0;
const NOTE: f32 = 12.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FontId {
    Hei = 0,
    Kai = 1,
    Song = 2,
}

struct FontSlot {
    data: &'static [u8],
    index: u32,
    face: ttf_parser::Face<'static>,
    remapper: GlyphRemapper,
    /// Old glyph ids in new-id order, with the character each stands for.
    glyphs: Vec<(u16, char)>,
    cache: BTreeMap<char, Option<u16>>,
}

impl FontSlot {
    fn new(data: &'static [u8], index: u32) -> Result<FontSlot, crate::Error> {
        let face = ttf_parser::Face::parse(data, index).map_err(|e| crate::Error::Pdf(e.to_string()))?;
        Ok(FontSlot {
            data,
            index,
            face,
            remapper: GlyphRemapper::new(),
            glyphs: vec![(0, '\u{FFFD}')],
            cache: BTreeMap::new(),
        })
    }

    fn glyph(&mut self, c: char) -> Option<u16> {
        let face = &self.face;
        *self.cache.entry(c).or_insert_with(|| face.glyph_index(c).map(|g| g.0).filter(|g| *g != 0))
    }

    fn advance(&self, gid: u16) -> f32 {
        let upem = f32::from(self.face.units_per_em());
        f32::from(self.face.glyph_hor_advance(ttf_parser::GlyphId(gid)).unwrap_or(0)) / upem
    }

    /// The new id of a glyph, registering it for the subset.
    fn use_glyph(&mut self, gid: u16, c: char) -> u16 {
        let new = self.remapper.remap(gid);
        if usize::from(new) == self.glyphs.len() {
            self.glyphs.push((gid, c));
        }
        new
    }
}

struct Writer {
    fonts: Vec<FontSlot>,
    pages: Vec<Vec<u8>>,
    content: Content,
    y: f32,
}

/// Characters that must not start a line (避头点).
fn no_line_start(c: char) -> bool {
    "\u{FF0C}\u{3002}\u{3001}\u{FF1B}\u{FF1A}\u{FF1F}\u{FF01}\u{FF09}\u{300B}\u{300D}\u{300F}\u{201D}\u{2019}\u{3011}\u{3015},.;:?!)%".contains(c)
}

/// Characters that must not end a line (避尾点): opening brackets and quotes.
fn no_line_end(c: char) -> bool {
    "\u{FF08}\u{300A}\u{300C}\u{300E}\u{201C}\u{2018}\u{3010}\u{3014}(".contains(c)
}

/// Part of a number or a Latin word ("29.8%", "2024-10", "ABC"): never split across lines.
fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || ".%/-_:+".contains(c)
}

/// Text cut into the pieces a line may break between: a run of Latin letters and digits is
/// one piece, an opening bracket sticks to what follows, closing punctuation to what precedes.
fn pieces(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut glue_next = false;
    for c in text.chars() {
        let joins_prev = match out.last() {
            Some(last) => glue_next || no_line_start(c) || (word_char(c) && last.chars().last().is_some_and(word_char)),
            None => false,
        };
        if joins_prev {
            if let Some(last) = out.last_mut() {
                last.push(c);
            }
        } else {
            out.push(c.to_string());
        }
        glue_next = no_line_end(c);
    }
    out
}

impl Writer {
    fn new() -> Result<Writer, crate::Error> {
        Ok(Writer {
            fonts: vec![
                FontSlot::new(fonts::hei(), 0)?,
                FontSlot::new(fonts::kai(), 0)?,
                FontSlot::new(fonts::song(), 0)?,
            ],
            pages: vec![],
            content: Content::new(),
            y: TOP,
        })
    }

    /// The font that draws `c`: the preferred one, else 黑体, else the preferred one's notdef.
    fn pick(&mut self, font: FontId, c: char) -> (usize, u16) {
        if let Some(g) = self.fonts[font as usize].glyph(c) {
            return (font as usize, g);
        }
        if let Some(g) = self.fonts[FontId::Hei as usize].glyph(c) {
            return (FontId::Hei as usize, g);
        }
        (font as usize, 0)
    }

    fn char_width(&mut self, font: FontId, c: char, size: f32) -> f32 {
        let (f, g) = self.pick(font, c);
        self.fonts[f].advance(g) * size
    }

    fn width(&mut self, text: &str, font: FontId, size: f32) -> f32 {
        text.chars().map(|c| self.char_width(font, c, size)).sum()
    }

    /// Breaks text into lines of at most `width` (the first `first_indent` narrower): between
    /// pieces (see [`pieces`]), so numbers stay whole, no line starts with closing punctuation
    /// or ends with an opening bracket; a piece wider than a whole line is cut by characters so
    /// nothing ever runs past the margin or out of a cell.
    fn wrap(&mut self, text: &str, font: FontId, size: f32, width: f32, first_indent: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            let mut w = 0.0;
            let mut limit = if lines.is_empty() { width - first_indent } else { width };
            for piece in pieces(para) {
                let pw = self.width(&piece, font, size);
                if w + pw > limit + 0.01 && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    w = 0.0;
                    limit = width;
                }
                if pw > limit + 0.01 {
                    for c in piece.chars() {
                        let cw = self.char_width(font, c, size);
                        if w + cw > limit + 0.01 && !line.is_empty() {
                            lines.push(std::mem::take(&mut line));
                            w = 0.0;
                            limit = width;
                        }
                        line.push(c);
                        w += cw;
                    }
                } else {
                    line.push_str(&piece);
                    w += pw;
                }
            }
            lines.push(line);
        }
        lines
    }

    fn new_page(&mut self) {
        let n = self.pages.len() + 1;
        let label = format!("— {n} —");
        let w = self.width(&label, FontId::Song, 14.0);
        let y = PAGE_H - BOTTOM + 7.0 * PT_PER_MM + 14.0;
        // Odd pages right, even pages left, one character in (GB/T 9704 7.5).
        let x = if n % 2 == 1 { LEFT + TEXT_W - 14.0 - w } else { LEFT + 14.0 };
        self.text(x, y, &label, FontId::Song, 14.0, Rgb(0, 0, 0));
        let content = std::mem::replace(&mut self.content, Content::new());
        self.pages.push(content.finish().into_vec());
        self.y = TOP;
    }

    fn ensure(&mut self, h: f32) {
        if self.y + h > PAGE_H - BOTTOM + 0.5 && self.y > TOP + 0.5 {
            self.new_page();
        }
    }

    /// Draws `text` with its baseline at `y` (from the top of the page).
    fn text(&mut self, x: f32, y: f32, text: &str, font: FontId, size: f32, colour: Rgb) {
        let mut runs: Vec<(usize, Vec<u8>, f32)> = Vec::new();
        let mut cx = x;
        for c in text.chars() {
            let (f, g) = self.pick(font, c);
            let new = self.fonts[f].use_glyph(g, c);
            let adv = self.fonts[f].advance(g) * size;
            match runs.last_mut() {
                Some((lf, bytes, _)) if *lf == f => bytes.extend(new.to_be_bytes()),
                _ => runs.push((f, new.to_be_bytes().to_vec(), cx)),
            }
            cx += adv;
        }
        if runs.is_empty() {
            return;
        }
        let c = &mut self.content;
        c.set_fill_rgb(f32::from(colour.0) / 255.0, f32::from(colour.1) / 255.0, f32::from(colour.2) / 255.0);
        c.begin_text();
        for (f, bytes, rx) in &runs {
            let name = format!("F{f}");
            c.set_font(Name(name.as_bytes()), size);
            c.set_text_matrix([1.0, 0.0, 0.0, 1.0, *rx, PAGE_H - y]);
            c.show(Str(bytes));
        }
        c.end_text();
    }

    /// A paragraph at the body pitch, first line indented `indent`.
    fn para(&mut self, text: &str, font: FontId, size: f32, indent: f32) {
        let lines = self.wrap(text, font, size, TEXT_W, indent);
        for (i, line) in lines.iter().enumerate() {
            self.ensure(PITCH);
            let x = LEFT + if i == 0 { indent } else { 0.0 };
            self.text(x, self.y + PITCH * 0.75, line, font, size, Rgb(0, 0, 0));
            self.y += PITCH;
        }
    }

    fn centred(&mut self, text: &str, font: FontId, size: f32, pitch: f32) {
        for line in self.wrap(text, font, size, TEXT_W, 0.0) {
            self.ensure(pitch);
            let w = self.width(&line, font, size);
            self.text(LEFT + (TEXT_W - w) / 2.0, self.y + pitch * 0.75, &line, font, size, Rgb(0, 0, 0));
            self.y += pitch;
        }
    }

    fn right(&mut self, text: &str, right_indent: f32) {
        self.ensure(PITCH);
        let w = self.width(text, FontId::Kai, BODY);
        self.text(LEFT + TEXT_W - right_indent - w, self.y + PITCH * 0.75, text, FontId::Kai, BODY, Rgb(0, 0, 0));
        self.y += PITCH;
    }

    /// A horizontal rule across the text width at `y`.
    fn rule(&mut self, y: f32, width: f32, colour: Rgb) {
        let c = &mut self.content;
        c.set_stroke_rgb(f32::from(colour.0) / 255.0, f32::from(colour.1) / 255.0, f32::from(colour.2) / 255.0);
        c.set_line_width(width);
        c.move_to(LEFT, PAGE_H - y);
        c.line_to(LEFT + TEXT_W, PAGE_H - y);
        c.stroke();
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Option<Rgb>, stroke: bool) {
        let c = &mut self.content;
        if let Some(f) = fill {
            c.set_fill_rgb(f32::from(f.0) / 255.0, f32::from(f.1) / 255.0, f32::from(f.2) / 255.0);
            c.rect(x, PAGE_H - y - h, w, h);
            c.fill_nonzero();
        }
        if stroke {
            c.set_stroke_rgb(0.0, 0.0, 0.0);
            c.set_line_width(0.5);
            c.rect(x, PAGE_H - y - h, w, h);
            c.stroke();
        }
    }

    fn table(&mut self, t: &Table, size: f32) {
        let total: f32 = t.widths.iter().sum::<f64>().max(1.0) as f32;
        let widths: Vec<f32> = t.widths.iter().map(|w| *w as f32 / total * TEXT_W).collect();
        let pad = 3.0;
        let lh = size * 1.4;
        let header_lines: Vec<Vec<String>> =
            t.header.iter().zip(&widths).map(|(h, w)| self.wrap(h, FontId::Hei, size, w - 2.0 * pad, 0.0)).collect();
        let header_h = header_lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * pad;
        let draw_row = |me: &mut Writer, lines: &[Vec<String>], fills: &[Option<Rgb>], h: f32, font: FontId| {
            let mut x = LEFT;
            for (i, w) in widths.iter().enumerate() {
                me.rect(x, me.y, *w, h, fills.get(i).copied().flatten(), true);
                for (k, line) in lines[i].iter().enumerate() {
                    let tx = if font == FontId::Hei { x + (w - me.width(line, font, size)) / 2.0 } else { x + pad };
                    me.text(tx, me.y + pad + lh * k as f32 + size * 1.05, line, font, size, Rgb(0, 0, 0));
                }
                x += w;
            }
            me.y += h;
        };
        let header_fill = vec![Some(Rgb(0xD9, 0xE1, 0xF2)); widths.len()];
        self.ensure(header_h + lh + 2.0 * pad);
        self.y += 4.0;
        draw_row(self, &header_lines, &header_fill, header_h, FontId::Hei);
        for row in &t.rows {
            let lines: Vec<Vec<String>> = row
                .iter()
                .zip(&widths)
                .map(|(c, w)| self.wrap(&c.text, FontId::Kai, size, w - 2.0 * pad, 0.0))
                .collect();
            let h = lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * pad;
            if self.y + h > PAGE_H - BOTTOM {
                self.new_page();
                draw_row(self, &header_lines, &header_fill, header_h, FontId::Hei);
            }
            let fills: Vec<Option<Rgb>> = row.iter().map(|c| c.fill).collect();
            draw_row(self, &lines, &fills, h, FontId::Kai);
        }
        self.y += 8.0;
    }
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

pub fn render(b: &Bulletin) -> Result<Vec<u8>, crate::Error> {
    let mut w = Writer::new()?;
    let mut in_annex = false;
    for block in blocks(b) {
        match block {
            Block::Masthead { mark, number, issuer_line } => {
                let size = (TEXT_W / mark.chars().count().max(1) as f32).min(35.0);
                let mw = w.width(&mark, FontId::Song, size);
                w.text(LEFT + (TEXT_W - mw) / 2.0, w.y + size, &mark, FontId::Song, size, Rgb(0xFF, 0, 0));
                w.y += size * 1.4 + PITCH * 0.5;
                match issuer_line {
                    None => {
                        w.y += PITCH * 0.5;
                        w.centred(&number, FontId::Kai, BODY, PITCH);
                    }
                    Some((issuer, date)) => {
                        w.centred(&number, FontId::Kai, BODY, PITCH);
                        w.text(LEFT, w.y + PITCH * 0.75, &issuer, FontId::Kai, BODY, Rgb(0, 0, 0));
                        let dw = w.width(&date, FontId::Kai, BODY);
                        w.text(LEFT + TEXT_W - dw, w.y + PITCH * 0.75, &date, FontId::Kai, BODY, Rgb(0, 0, 0));
                        w.y += PITCH;
                    }
                }
                let y = w.y + 4.0 * PT_PER_MM * 0.5;
                w.rule(y, 1.5, Rgb(0xFF, 0, 0));
                w.y = y + PITCH * 0.5;
            }
            Block::Title(s) => {
                if !in_annex {
                    w.y += PITCH * 0.5;
                }
                w.centred(&s, FontId::Song, TITLE, TITLE * 1.6);
                w.y += PITCH * 0.5;
            }
            Block::Addressees(s) => w.para(&s, FontId::Kai, BODY, 0.0),
            Block::Heading1(s) => {
                w.ensure(PITCH * 3.0);
                w.para(&s, FontId::Hei, BODY, 2.0 * BODY);
            }
            Block::Heading2(s) => {
                w.ensure(PITCH * 3.0);
                let font = if in_annex { FontId::Hei } else { FontId::Kai };
                w.para(&s, font, BODY, if in_annex { 0.0 } else { 2.0 * BODY });
            }
            Block::Para(s) => w.para(&s, FontId::Kai, BODY, 2.0 * BODY),
            // The body face is 楷体 here too, so the run-in heading needs no font of its own.
            Block::Lead { heading, text } => {
                w.ensure(PITCH * 2.0);
                w.para(&format!("{heading}{text}"), FontId::Kai, BODY, 2.0 * BODY);
            }
            Block::Note(s) => {
                let size = if in_annex { TABLE } else { NOTE };
                for line in w.wrap(&s, FontId::Kai, size, TEXT_W, 0.0) {
                    w.ensure(size * 1.6);
                    w.text(LEFT, w.y + size * 1.2, &line, FontId::Kai, size, Rgb(0x33, 0x33, 0x33));
                    w.y += size * 1.6;
                }
                w.y += 6.0;
            }
            Block::Table(t) => {
                let small = in_annex && t.header.first().is_some_and(|h| h == "序号");
                w.table(&t, if small { ANNEX } else { TABLE })
            }
            // The document states the figures in words; the charts are for the web page.
            Block::Chart(_) => {}
            Block::Attachments(list) => {
                w.y += PITCH;
                for (i, a) in list.iter().enumerate() {
                    if i == 0 {
                        w.para(&format!("附件：{a}"), FontId::Kai, BODY, 2.0 * BODY);
                    } else {
                        w.para(a, FontId::Kai, BODY, 5.0 * BODY);
                    }
                }
            }
            Block::Signature { issuer, date } => {
                w.y += PITCH * 2.0;
                let (iw, dw) = (w.width(&issuer, FontId::Kai, BODY), w.width(&date, FontId::Kai, BODY));
                let (mut ir, mut dr) = (4.0 * BODY + (dw - iw) / 2.0, 4.0 * BODY);
                if ir < 2.0 * BODY {
                    ir = 2.0 * BODY;
                    dr = 2.0 * BODY + (iw - dw) / 2.0;
                }
                w.right(&issuer, ir);
                w.right(&date, dr);
            }
            Block::PageBreak => {
                in_annex = true;
                w.new_page();
            }
            Block::AnnexLabel(s) => w.para(&s, FontId::Hei, BODY, 0.0),
            Block::Colophon { cc, printed_by, printed_on } => {
                // At the foot of the last page (a new page when it does not fit).
                let lines = 1 + usize::from(cc.is_some());
                let h = lines as f32 * PITCH + 6.0;
                w.ensure(h);
                let mut y = PAGE_H - BOTTOM - h;
                w.rule(y, 1.0, Rgb(0, 0, 0));
                if let Some(cc) = cc {
                    w.text(LEFT + 14.0, y + PITCH * 0.7, &format!("抄送：{cc}"), FontId::Kai, 14.0, Rgb(0, 0, 0));
                    y += PITCH;
                    w.rule(y, 0.7, Rgb(0, 0, 0));
                }
                w.text(LEFT + 14.0, y + PITCH * 0.7, &printed_by, FontId::Kai, 14.0, Rgb(0, 0, 0));
                let pw = w.width(&printed_on, FontId::Kai, 14.0);
                w.text(LEFT + TEXT_W - 14.0 - pw, y + PITCH * 0.7, &printed_on, FontId::Kai, 14.0, Rgb(0, 0, 0));
                w.rule(y + PITCH, 1.0, Rgb(0, 0, 0));
                w.y = PAGE_H - BOTTOM;
            }
        }
    }
    w.new_page();

    let mut pdf = Pdf::new();
    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let (catalog, tree, info) = (alloc(), alloc(), alloc());
    let font_refs: Vec<Ref> = w.fonts.iter().map(|_| alloc()).collect();
    let page_refs: Vec<(Ref, Ref)> = w.pages.iter().map(|_| (alloc(), alloc())).collect();

    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_refs.iter().map(|p| p.0)).count(page_refs.len() as i32);
    pdf.document_info(info).title(TextStr(&b.title)).author(TextStr(&b.issuer)).creator(TextStr("duban"));
    for ((page, contents), data) in page_refs.iter().zip(&w.pages) {
        let mut p = pdf.page(*page);
        p.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H)).parent(tree).contents(*contents);
        let mut res = p.resources();
        let mut fonts = res.fonts();
        for (i, r) in font_refs.iter().enumerate() {
            fonts.pair(Name(format!("F{i}").as_bytes()), *r);
        }
        fonts.finish();
        res.finish();
        p.finish();
        pdf.stream(*contents, &deflate(data)).filter(Filter::FlateDecode);
    }

    let system_info = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };
    for (i, slot) in w.fonts.iter().enumerate() {
        let (cid, descriptor, cmap, file) = (alloc(), alloc(), alloc(), alloc());
        let ps_name = slot
            .face
            .names()
            .into_iter()
            .find(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .and_then(|n| n.to_string())
            .unwrap_or_else(|| format!("DubanFont{i}"));
        let base = format!("DUBAN{}+{}", (b'A' + i as u8) as char, ps_name.replace(' ', ""));
        pdf.type0_font(font_refs[i])
            .base_font(Name(base.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);
        let upem = f32::from(slot.face.units_per_em());
        let to_1000 = |v: i16| f32::from(v) / upem * 1000.0;
        let mut cf = pdf.cid_font(cid);
        cf.subtype(CidFontType::Type2)
            .base_font(Name(base.as_bytes()))
            .system_info(system_info)
            .font_descriptor(descriptor)
            .default_width(1000.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cf.widths().consecutive(0, slot.glyphs.iter().map(|(g, _)| slot.advance(*g) * 1000.0));
        cf.finish();
        let bbox = slot.face.global_bounding_box();
        pdf.font_descriptor(descriptor)
            .name(Name(base.as_bytes()))
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(to_1000(bbox.x_min), to_1000(bbox.y_min), to_1000(bbox.x_max), to_1000(bbox.y_max)))
            .italic_angle(0.0)
            .ascent(to_1000(slot.face.ascender()))
            .descent(to_1000(slot.face.descender()))
            .cap_height(to_1000(slot.face.capital_height().unwrap_or(slot.face.ascender())))
            .stem_v(80.0)
            .font_file2(file);
        let mut unicode = UnicodeCmap::<u16>::new(Name(b"Duban-UCS"), system_info);
        for (new, (_, c)) in slot.glyphs.iter().enumerate().skip(1) {
            unicode.pair(new as u16, *c);
        }
        let unicode = unicode.finish();
        pdf.cmap(cmap, &unicode);
        let subset = subsetter::subset(slot.data, slot.index, &slot.remapper)
            .map_err(|e| crate::Error::Pdf(format!("字体子集化失败：{e}")))?;
        pdf.stream(file, &deflate(&subset)).filter(Filter::FlateDecode);
    }
    Ok(pdf.finish())
}
