//! Charts as SVG written by the server: readable without JavaScript, printable, and free of
//! any outside request. Each chart carries a text title for screen readers.

use std::fmt::Write;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Fill colours by status colour name (the same hues as the badges, darker for contrast).
pub fn fill(colour: &str) -> &'static str {
    match colour {
        "green" => "#1a7f37",
        "yellow" => "#bf8700",
        "red" => "#c62828",
        "blue" => "#0b57d0",
        _ => "#8c959f",
    }
}

const SERIES: [&str; 8] = ["#0b57d0", "#c62828", "#1a7f37", "#8250df", "#bf8700", "#0a7d8c", "#d1242f", "#57606a"];

fn open(width: u32, height: u32, title: &str) -> String {
    format!(
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" \
         height=\"{height}\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>",
        t = esc(title)
    )
}

/// Horizontal bars: one per label, with its value written at the end.
pub fn bars(title: &str, rows: &[(String, f64, &str)], suffix: &str) -> String {
    let label_w = 150.0;
    let bar_w = 300.0;
    let row_h = 24.0;
    let height = (rows.len() as f64 * row_h + 10.0) as u32;
    let max = rows.iter().map(|r| r.1).fold(0.0_f64, f64::max).max(1e-9);
    let mut s = open((label_w + bar_w + 70.0) as u32, height.max(30), title);
    for (i, (label, value, colour)) in rows.iter().enumerate() {
        let y = i as f64 * row_h + 5.0;
        let w = (value / max * bar_w).max(0.0);
        let _ = write!(
            s,
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{label}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"{h}\" fill=\"{f}\"/>\
             <text x=\"{vx:.1}\" y=\"{ty}\">{v}{suffix}</text>",
            lx = label_w - 6.0,
            ty = y + 14.0,
            label = esc(label),
            h = row_h - 6.0,
            f = fill(colour),
            vx = label_w + w + 4.0,
            v = super::num(*value),
            suffix = esc(suffix),
        );
    }
    s.push_str("</svg>");
    s
}

/// Lines over months, one per series, with an optional target drawn as a dashed line.
pub fn lines(title: &str, periods: &[String], series: &[(String, Vec<Option<f64>>)], target: Option<f64>) -> String {
    let (w, h, left, bottom, top, right) = (560.0, 220.0, 48.0, 28.0, 12.0, 110.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let mut max = series.iter().flat_map(|s| s.1.iter().flatten()).copied().fold(0.0_f64, f64::max);
    if let Some(t) = target {
        max = max.max(t);
    }
    let max = if max <= 0.0 { 1.0 } else { max * 1.1 };
    let n = periods.len().max(1);
    let x = |i: usize| left + if n == 1 { plot_w / 2.0 } else { i as f64 * plot_w / (n - 1) as f64 };
    let y = |v: f64| top + plot_h - v / max * plot_h;
    let mut s = open(w as u32, h as u32, title);
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#57606a\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{b}\" stroke=\"#57606a\"/>\
         <text x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\">{m}</text><text x=\"{tx}\" y=\"{b}\" text-anchor=\"end\">0</text>",
        b = top + plot_h,
        r = left + plot_w,
        tx = left - 4.0,
        ty = top + 10.0,
        m = super::num((max * 10.0).round() / 10.0),
    );
    for (i, p) in periods.iter().enumerate() {
        let label = p.get(5..).unwrap_or(p);
        let _ =
            write!(s, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}月</text>", x(i), h - 8.0, esc(label));
    }
    if let Some(t) = target {
        let _ = write!(
            s,
            "<line x1=\"{left}\" y1=\"{ty:.1}\" x2=\"{r}\" y2=\"{ty:.1}\" stroke=\"#c62828\" stroke-dasharray=\"5 4\"/>\
             <text x=\"{r}\" y=\"{tt:.1}\" text-anchor=\"end\" fill=\"#c62828\">目标 {v}</text>",
            r = left + plot_w,
            ty = y(t),
            tt = y(t) - 3.0,
            v = super::num(t),
        );
    }
    for (k, (name, values)) in series.iter().enumerate() {
        let colour = SERIES[k % SERIES.len()];
        let points: Vec<String> =
            values.iter().enumerate().filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), y(v)))).collect();
        if points.len() > 1 {
            let _ = write!(
                s,
                "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
                points.join(" ")
            );
        }
        for p in &points {
            let (px, py) = p.split_once(',').unwrap_or(("0", "0"));
            let _ = write!(s, "<circle cx=\"{px}\" cy=\"{py}\" r=\"3\" fill=\"{colour}\"/>");
        }
        let ly = top + 14.0 + k as f64 * 16.0;
        let _ = write!(
            s,
            "<rect x=\"{lx}\" y=\"{ry:.1}\" width=\"10\" height=\"10\" fill=\"{colour}\"/><text x=\"{tx}\" y=\"{ly:.1}\">{}</text>",
            esc(name),
            lx = w - right + 8.0,
            ry = ly - 9.0,
            tx = w - right + 22.0,
        );
    }
    s.push_str("</svg>");
    s
}

/// A gauge: progress against the target as a bar, with the pace (序时进度) marked.
pub fn gauge(title: &str, progress: Option<f64>, pace: f64, colour: &str) -> String {
    let (w, h, bar) = (320.0, 40.0, 300.0);
    let mut s = open(w as u32, h as u32, title);
    let p = progress.unwrap_or(0.0).clamp(0.0, 1.0);
    let _ = write!(
        s,
        "<rect x=\"10\" y=\"8\" width=\"{bar}\" height=\"16\" fill=\"#f6f8fa\" stroke=\"#8c959f\"/>\
         <rect x=\"10\" y=\"8\" width=\"{pw:.1}\" height=\"16\" fill=\"{f}\"/>\
         <line x1=\"{mx:.1}\" y1=\"4\" x2=\"{mx:.1}\" y2=\"28\" stroke=\"#1f2328\" stroke-width=\"2\"/>\
         <text x=\"10\" y=\"38\">进度 {pt}</text><text x=\"310\" y=\"38\" text-anchor=\"end\">序时 {st}</text>",
        pw = p * bar,
        f = fill(colour),
        mx = 10.0 + pace.clamp(0.0, 1.0) * bar,
        pt = progress.map_or_else(|| "—".to_string(), super::pct),
        st = super::pct(pace),
    );
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_labels_and_are_valid_svg_fragments() {
        let svg = bars("单位<排名>", &[("<script>".into(), 3.0, "green")], "项");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;"));
        let svg = lines(
            "趋势",
            &["2024-01".into(), "2024-02".into()],
            &[("余江区".into(), vec![Some(1.0), None])],
            Some(2.0),
        );
        assert!(svg.contains("目标 2") && svg.contains("1月"));
        assert!(gauge("g", None, 0.5, "red").contains("进度 —"));
    }
}
