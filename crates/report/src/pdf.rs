//! The bulletin as PDF: the same blocks as the Word file, laid out here on A4 with the GB/T 9704
//! margins; text in subsets of the bundled fonts (Type 0 / CIDFontType2, Identity-H, with
//! ToUnicode maps so the text can be searched and extracted); charts drawn as vectors.

use crate::chart::{Anchor, BarChart};
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
    ",。、;:?!)》」』”’,.;:?!)%".contains(c)
}

impl Writer {
    fn new() -> Result<Writer, crate::Error> {
        Ok(Writer {
            fonts: vec![FontSlot::new(fonts::HEI, 0)?, FontSlot::new(fonts::KAI, 0)?, FontSlot::new(fonts::SONG, 0)?],
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

    /// Breaks text into lines of at most `width` (the first `first_indent` narrower), anywhere
    /// between characters except before closing punctuation.
    fn wrap(&mut self, text: &str, font: FontId, size: f32, width: f32, first_indent: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            let mut w = 0.0;
            let mut limit = if lines.is_empty() { width - first_indent } else { width };
            for c in para.chars() {
                let cw = self.char_width(font, c, size);
                if w + cw > limit + 0.01 && !line.is_empty() && !no_line_start(c) {
                    lines.push(std::mem::take(&mut line));
                    w = 0.0;
                    limit = width;
                }
                line.push(c);
                w += cw;
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
        self.text((PAGE_W - w) / 2.0, y, &label, FontId::Song, 14.0, Rgb(0, 0, 0));
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

    fn chart(&mut self, chart: &BarChart) {
        let scale = (TEXT_W / crate::chart::WIDTH as f32).min(1.0);
        let h = crate::chart::HEIGHT as f32 * scale;
        self.ensure(h + 8.0);
        let (x0, y0) = (LEFT + (TEXT_W - crate::chart::WIDTH as f32 * scale) / 2.0, self.y + 4.0);
        let l = chart.layout();
        for (x1, y1, x2, y2) in &l.lines {
            let c = &mut self.content;
            c.set_stroke_rgb(0.8, 0.8, 0.8);
            c.set_line_width(0.5);
            c.move_to(x0 + *x1 as f32 * scale, PAGE_H - (y0 + *y1 as f32 * scale));
            c.line_to(x0 + *x2 as f32 * scale, PAGE_H - (y0 + *y2 as f32 * scale));
            c.stroke();
        }
        for (x, y, w, h, fill) in &l.rects {
            let (x, y, w, h) = (x0 + *x as f32 * scale, y0 + *y as f32 * scale, *w as f32 * scale, *h as f32 * scale);
            self.rect(x, y, w, h, Some(*fill), false);
        }
        for (x, y, size, anchor, text) in &l.texts {
            let size = *size as f32 * scale;
            let mut x = x0 + *x as f32 * scale;
            if *anchor == Anchor::Middle {
                x -= self.width(text, FontId::Hei, size) / 2.0;
            }
            self.text(x, y0 + *y as f32 * scale, text, FontId::Hei, size, Rgb(0x33, 0x33, 0x33));
        }
        self.y += h + 8.0;
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
            Block::DocNumber(s) => w.centred(&s, FontId::Kai, BODY, PITCH),
            Block::Title(s) => {
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
                w.para(&s, FontId::Kai, BODY, if in_annex { 0.0 } else { 2.0 * BODY });
            }
            Block::Para(s) => w.para(&s, FontId::Kai, BODY, 2.0 * BODY),
            Block::Note(s) => {
                for line in w.wrap(&s, FontId::Kai, TABLE, TEXT_W, 0.0) {
                    w.ensure(TABLE * 1.6);
                    w.text(LEFT, w.y + TABLE * 1.2, &line, FontId::Kai, TABLE, Rgb(0x44, 0x44, 0x44));
                    w.y += TABLE * 1.6;
                }
                w.y += 6.0;
            }
            Block::Table(t) => w.table(&t, if in_annex { ANNEX } else { TABLE }),
            Block::Chart(c) => w.chart(&c),
            Block::Signature { issuer, date } => {
                w.y += PITCH;
                w.right(&issuer, 4.0 * BODY);
                w.right(&date, 4.0 * BODY);
            }
            Block::PageBreak => {
                in_annex = true;
                w.new_page();
            }
            Block::AnnexLabel(s) => w.para(&s, FontId::Hei, BODY, 0.0),
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
            .map_err(|e| crate::Error::Pdf(format!("字体子集化失败:{e}")))?;
        pdf.stream(file, &deflate(&subset)).filter(Filter::FlateDecode);
    }
    Ok(pdf.finish())
}
