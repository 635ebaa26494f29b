//! The user manual (操作手册) at `/help`: an index of roles and one page per role, open to
//! everyone, signed in or not, and printable (`/static/manual.css`: a page break per chapter,
//! images fitted to the page; `/help/print` is the whole manual in one document).
//!
//! One source of truth: the Markdown files under `docs/manual/` are what the repository
//! shows, and the same text compiled into the program is what `/help` serves. They are
//! rendered with pulldown-cmark once, at the first request, rather than rewritten as askama
//! templates: the bureau's writers edit one plain file per role, links and images in it work
//! both on the repository's file viewer and here (relative links are rewritten below), and a
//! template copy could drift from the Markdown. The screenshots (`docs/manual/images/*.webp`)
//! are written by the browser journey `manual` (`crates/cli/tests/browser.rs`) and embedded
//! by `build.rs`.

pub mod pages;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::sync::LazyLock;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/manual_images.rs"));
}

/// The manual's index (`docs/manual/README.md`).
pub const INDEX: &str = include_str!("../../../../../docs/manual/README.md");

/// One role's part of the manual: its path under `/help/`, the Markdown file in
/// `docs/manual/`, and the text.
pub struct RoleDoc {
    pub slug: &'static str,
    pub file: &'static str,
    pub markdown: &'static str,
}

/// The roles, in the order the index lists them.
pub const ROLES: &[RoleDoc] = &[
    RoleDoc { slug: "reporter", file: "reporter.md", markdown: include_str!("../../../../../docs/manual/reporter.md") },
    RoleDoc {
        slug: "unit-head",
        file: "unit-head.md",
        markdown: include_str!("../../../../../docs/manual/unit-head.md"),
    },
    RoleDoc {
        slug: "supervisor",
        file: "supervisor.md",
        markdown: include_str!("../../../../../docs/manual/supervisor.md"),
    },
    RoleDoc {
        slug: "inspector",
        file: "inspector.md",
        markdown: include_str!("../../../../../docs/manual/inspector.md"),
    },
    RoleDoc { slug: "leader", file: "leader.md", markdown: include_str!("../../../../../docs/manual/leader.md") },
    RoleDoc { slug: "admin", file: "admin.md", markdown: include_str!("../../../../../docs/manual/admin.md") },
];

/// The embedded screenshots: (file name, bytes).
pub fn images() -> &'static [(&'static str, &'static [u8])] {
    embedded::IMAGES
}

/// One rendered Markdown document.
pub struct Rendered {
    /// The first level-1 heading's text.
    pub title: String,
    /// The HTML, without the level-1 heading (the page shows the title itself).
    pub html: String,
    /// The chapters (level-2 headings): (anchor id, text).
    pub chapters: Vec<(String, String)>,
}

/// The index and every role's page, rendered once.
pub struct Manual {
    pub index: Rendered,
    /// In the order of [`ROLES`].
    pub roles: Vec<Rendered>,
}

pub static MANUAL: LazyLock<Manual> =
    LazyLock::new(|| Manual { index: render(INDEX), roles: ROLES.iter().map(|r| render(r.markdown)).collect() });

/// Where a link of the Markdown points when served: `reporter.md` → `/help/reporter`,
/// `README.md` → `/help`, `images/x.webp` → `/help/images/x.webp`; anything else as written.
fn served_link(dest: &str) -> String {
    if let Some(name) = dest.strip_prefix("images/") {
        return format!("/help/images/{name}");
    }
    let (file, anchor) = match dest.split_once('#') {
        Some((f, a)) => (f, format!("#{a}")),
        None => (dest, String::new()),
    };
    if file == "README.md" {
        return format!("/help{anchor}");
    }
    match ROLES.iter().find(|r| r.file == file) {
        Some(r) => format!("/help/{}{anchor}", r.slug),
        None => dest.to_string(),
    }
}

/// The screenshots the Markdown `text` shows (file names under `images/`), in order.
pub fn image_refs(text: &str) -> Vec<String> {
    Parser::new_ext(text, Options::all())
        .filter_map(|e| match e {
            Event::Start(Tag::Image { dest_url, .. }) => dest_url.strip_prefix("images/").map(str::to_string),
            _ => None,
        })
        .collect()
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Renders one Markdown document: links rewritten for the server, chapters numbered as
/// anchors (`ch-1`, `ch-2`, …) for the table of contents, each screenshot as an `<img>` with
/// its size (so the page does not jump while images load) in a `figure`-like block.
pub fn render(text: &str) -> Rendered {
    let mut title = String::new();
    let mut chapters = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    // The heading being read: its level and text.
    let mut heading: Option<(HeadingLevel, String)> = None;
    // The image being read: its source and alt text.
    let mut image: Option<(String, String)> = None;
    for event in Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        if let Some((_, alt)) = image.as_mut() {
            match event {
                Event::End(TagEnd::Image) => {
                    let (src, alt) = image.take().expect("an image");
                    let size = src
                        .strip_prefix("/help/images/")
                        .and_then(|name| images().iter().find(|(n, _)| *n == name))
                        .and_then(|(_, bytes)| webp_size(bytes))
                        .map(|(w, h)| format!(" width=\"{w}\" height=\"{h}\""))
                        .unwrap_or_default();
                    let class = if size.contains("width=\"375\"") { "shot phone" } else { "shot" };
                    events.push(Event::Html(CowStr::from(format!(
                        "<img class=\"{class}\" src=\"{}\" alt=\"{}\"{size}>",
                        escape(&src),
                        escape(&alt)
                    ))));
                }
                Event::Text(t) | Event::Code(t) => alt.push_str(&t),
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::Heading { level, .. }) if level <= HeadingLevel::H2 => {
                heading = Some((level, String::new()));
            }
            Event::End(TagEnd::Heading(level)) if level <= HeadingLevel::H2 => {
                let (_, text) = heading.take().unwrap_or((level, String::new()));
                if level == HeadingLevel::H1 {
                    if title.is_empty() {
                        title = text;
                    }
                } else {
                    let id = format!("ch-{}", chapters.len() + 1);
                    events.push(Event::Html(CowStr::from(format!("<h2 id=\"{id}\">{}</h2>\n", escape(&text)))));
                    chapters.push((id, text));
                }
            }
            Event::Text(t) | Event::Code(t) if heading.is_some() => {
                if let Some((_, h)) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            _ if heading.is_some() => {}
            Event::Start(Tag::Image { dest_url, .. }) => {
                image = Some((served_link(&dest_url), String::new()));
            }
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                let dest_url = CowStr::from(served_link(&dest_url));
                events.push(Event::Start(Tag::Link { link_type, dest_url, title, id }));
            }
            // The manual is the project's own text; raw HTML in it is not expected and is
            // shown as text rather than trusted.
            Event::Html(h) | Event::InlineHtml(h) => events.push(Event::Text(h)),
            other => events.push(other),
        }
    }
    let events = join_chinese_lines(events);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    Rendered { title, html, chapters }
}

/// Drops the line breaks inside a paragraph that fall between two Chinese characters: the
/// Markdown source wraps its lines, and a browser shows such a break as a space, which Chinese
/// text does not have ("。 第一次"). Between Latin words the break stays a space.
fn join_chinese_lines(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    fn chinese(c: char) -> bool {
        matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{ff00}'..='\u{ffef}')
    }
    let ends = |e: Option<&Event<'_>>| matches!(e, Some(Event::Text(t)) if t.chars().next_back().is_some_and(chinese));
    let starts = |e: Option<&Event<'_>>| matches!(e, Some(Event::Text(t)) if t.chars().next().is_some_and(chinese));
    let mut out: Vec<Event<'_>> = Vec::with_capacity(events.len());
    let mut rest = events.into_iter().peekable();
    while let Some(event) = rest.next() {
        if matches!(event, Event::SoftBreak) && ends(out.last()) && starts(rest.peek()) {
            continue;
        }
        out.push(event);
    }
    out
}

/// The width and height of a WebP image (lossy `VP8 `, lossless `VP8L` or extended `VP8X`),
/// or `None` for anything else. The browser journey checks the screenshots it writes with the
/// same function the pages use for their `<img>` sizes.
pub fn webp_size(b: &[u8]) -> Option<(u32, u32)> {
    if b.len() < 30 || &b[0..4] != b"RIFF" || &b[8..12] != b"WEBP" {
        return None;
    }
    let le16 = |i: usize| u32::from(b[i]) | u32::from(b[i + 1]) << 8;
    let le24 = |i: usize| le16(i) | u32::from(b[i + 2]) << 16;
    match &b[12..16] {
        // Lossy: a key frame's start code, then 14-bit width and height.
        b"VP8 " if b[23..26] == [0x9d, 0x01, 0x2a] => Some((le16(26) & 0x3fff, le16(28) & 0x3fff)),
        // Lossless: a signature byte, then 14 bits each of width − 1 and height − 1.
        b"VP8L" if b[20] == 0x2f => {
            let bits = u32::from(b[21]) | u32::from(b[22]) << 8 | u32::from(b[23]) << 16 | u32::from(b[24]) << 24;
            Some(((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1))
        }
        // Extended: 24-bit canvas width − 1 and height − 1.
        b"VP8X" => Some((le24(24) + 1, le24(27) + 1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_wrapped_chinese_line_reads_without_a_space_and_latin_words_keep_theirs() {
        let page = super::render("点击“提交”。\n第一次提交后\n可以 export\nthe sheet。\n");
        assert!(page.html.contains("点击“提交”。第一次提交后可以 export\nthe sheet。"), "{}", page.html);
    }
}
