//! Bar charts of status counts: one geometry, drawn as SVG (web, and rasterised to PNG for
//! Word) and as PDF vectors.

use crate::fonts;
use crate::outline::{Rgb, status_colour};
use domain::bulletin::Tally;
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: usize,
    pub colour: Rgb,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    pub title: String,
    pub bars: Vec<Bar>,
}

/// The chart's size in its own units (points in PDF, CSS pixels in SVG).
pub const WIDTH: f64 = 440.0;
pub const HEIGHT: f64 = 220.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
}

/// Shapes with the origin top left, y down.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layout {
    /// x, y, width, height, fill.
    pub rects: Vec<(f64, f64, f64, f64, Rgb)>,
    /// x1, y1, x2, y2 (grey hairlines).
    pub lines: Vec<(f64, f64, f64, f64)>,
    /// x, baseline y, size, anchor, text.
    pub texts: Vec<(f64, f64, f64, Anchor, String)>,
}

/// The axis maximum: four gridlines at a round integer step (1, 2 or 5 × 10ⁿ).
fn nice_max(v: usize) -> usize {
    let quarter = v.max(1).div_ceil(4);
    let mut mag = 1;
    loop {
        if let Some(step) = [1, 2, 5].into_iter().map(|m| m * mag).find(|s| *s >= quarter) {
            return step * 4;
        }
        mag *= 10;
    }
}

impl BarChart {
    /// One bar per status, in `Status::ALL` order, coloured by status.
    pub fn from_tally(title: &str, t: &Tally) -> BarChart {
        BarChart {
            title: title.to_string(),
            bars: t
                .rows
                .iter()
                .map(|r| Bar { label: r.status.label().to_string(), value: r.count, colour: status_colour(r.status) })
                .collect(),
        }
    }

    pub fn layout(&self) -> Layout {
        let mut l = Layout::default();
        l.texts.push((WIDTH / 2.0, 20.0, 13.0, Anchor::Middle, self.title.clone()));
        let (left, right, top, bottom) = (40.0, WIDTH - 10.0, 40.0, HEIGHT - 32.0);
        let max = nice_max(self.bars.iter().map(|b| b.value).max().unwrap_or(0));
        for i in 0..=4 {
            let y = bottom - (bottom - top) * i as f64 / 4.0;
            l.lines.push((left, y, right, y));
            let v = max as f64 * i as f64 / 4.0;
            let label = if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.1}") };
            l.texts.push((left - 6.0 - 5.5 * label.len() as f64, y + 4.0, 10.0, Anchor::Start, label));
        }
        let n = self.bars.len().max(1) as f64;
        let slot = (right - left) / n;
        for (i, b) in self.bars.iter().enumerate() {
            let h = (bottom - top) * b.value as f64 / max as f64;
            let w = slot * 0.55;
            let x = left + slot * i as f64 + (slot - w) / 2.0;
            l.rects.push((x, bottom - h, w, h, b.colour));
            let cx = left + slot * (i as f64 + 0.5);
            l.texts.push((cx, bottom - h - 4.0, 11.0, Anchor::Middle, b.value.to_string()));
            l.texts.push((cx, bottom + 18.0, 11.0, Anchor::Middle, b.label.clone()));
        }
        l
    }

    /// A standalone SVG (with an XML declaration-free root, fit for inline HTML).
    pub fn svg(&self) -> String {
        self.svg_with_family(&format!("'Microsoft YaHei','PingFang SC','{}',sans-serif", fonts::HEI_FAMILY))
    }

    fn svg_with_family(&self, family: &str) -> String {
        let l = self.layout();
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{}" font-family="{}">"#,
            escape(&self.title),
            escape(family)
        );
        s.push_str(r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
        for (x1, y1, x2, y2) in &l.lines {
            let _ = write!(
                s,
                r##"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="#cccccc" stroke-width="0.6"/>"##
            );
        }
        for (x, y, w, h, c) in &l.rects {
            let _ = write!(s, r##"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="#{}"/>"##, c.hex());
        }
        for (x, y, size, anchor, text) in &l.texts {
            let a = if *anchor == Anchor::Middle { "middle" } else { "start" };
            let _ = write!(
                s,
                r##"<text x="{x:.1}" y="{y:.1}" font-size="{size}" text-anchor="{a}" fill="#333333">{}</text>"##,
                escape(text)
            );
        }
        s.push_str("</svg>");
        s
    }

    /// The chart as PNG, `scale` pixels per unit (2 gives 880 × 440), text in the bundled 黑体.
    pub fn png(&self, scale: f32) -> Result<Vec<u8>, crate::Error> {
        static FONTS: OnceLock<Arc<resvg::usvg::fontdb::Database>> = OnceLock::new();
        let db = FONTS.get_or_init(|| {
            let mut db = resvg::usvg::fontdb::Database::new();
            db.load_font_data(fonts::hei().to_vec());
            Arc::new(db)
        });
        let opt = resvg::usvg::Options { fontdb: db.clone(), ..Default::default() };
        let tree = resvg::usvg::Tree::from_str(&self.svg_with_family(fonts::HEI_FAMILY), &opt)
            .map_err(|e| crate::Error::Chart(e.to_string()))?;
        let (w, h) = ((WIDTH as f32 * scale).ceil() as u32, (HEIGHT as f32 * scale).ceil() as u32);
        let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h).ok_or_else(|| crate::Error::Chart("尺寸无效".into()))?;
        resvg::render(&tree, resvg::tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
        pixmap.encode_png().map_err(|e| crate::Error::Chart(e.to_string()))
    }
}

/// Escapes text for XML and HTML.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_maxima() {
        assert_eq!(nice_max(0), 4);
        assert_eq!(nice_max(7), 8);
        assert_eq!(nice_max(13), 20);
        assert_eq!(nice_max(27), 40);
        assert_eq!(nice_max(120), 200);
        assert_eq!(nice_max(220), 400);
    }

    #[test]
    fn svg_and_png() {
        let c = BarChart {
            title: "状态<测试>".into(),
            bars: vec![Bar { label: "已完成".into(), value: 3, colour: Rgb(0, 128, 0) }],
        };
        let svg = c.svg();
        assert!(svg.contains("状态&lt;测试&gt;") && svg.contains("已完成"));
        let png = c.png(1.0).expect("png");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }
}
