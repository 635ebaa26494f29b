//! html: paragraphs and tables of a web page in reading order.
//!
//! Government sites publish a plan either as one `<div>` with `<br>` line breaks or as `<p>`
//! paragraphs full of inline `<span>`s; both become one [`Block::Para`] per visual line:
//! block-level elements and `<br>` end a paragraph, inline elements do not. Whitespace runs
//! collapse to one space as a browser shows them, except non-breaking spaces, which stay as
//! U+00A0 for the caller to normalise (they often indent a line).
//!
//! Tables: a data table (a 台账 with one task per row) becomes [`Block::Table`], but many
//! sites lay out the whole page with tables and put the article in one cell; such a layout
//! table is read as ordinary content so the article's paragraphs are not swallowed by a
//! table cell. The tree is walked iteratively, so deeply nested markup cannot overflow the
//! stack.

use ego_tree::NodeRef;
use ego_tree::iter::Edge;
use scraper::{Html, Node};

use crate::{Block, ReadError};

/// Elements whose content is never page text.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "head", "template", "title", "svg", "math", "iframe", "object", "canvas", "select",
    "textarea", "button",
];

/// Elements that start and end a paragraph.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "aside",
    "main",
    "blockquote",
    "pre",
    "address",
    "figure",
    "figcaption",
    "form",
    "fieldset",
    "legend",
    "hr",
    "center",
    "details",
    "summary",
    "body",
    "html",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "option",
    "br",
];

/// A cell with at least this many block elements and this much text holds an article.
const LAYOUT_CELL_BLOCKS: usize = 4;
const LAYOUT_CELL_CHARS: usize = 300;
/// A cell with this much text holds an article whatever its markup.
const LAYOUT_CELL_MAX_CHARS: usize = 3000;
/// Bounds on spans, so that `rowspan="65534"` cannot make a table explode.
const MAX_ROWSPAN: usize = 1000;
const MAX_COLSPAN: usize = 1000;

pub(crate) fn extract(text: &str) -> Result<Vec<Block>, ReadError> {
    if nesting_depth(text) > MAX_NESTING {
        return Err(ReadError::Corrupt(format!("网页标签嵌套超过 {MAX_NESTING} 层,无法读取")));
    }
    let doc = Html::parse_document(text);
    let mut collector = Collector::default();
    collector.walk(doc.tree.root(), false);
    collector.flush();
    Ok(collector.blocks)
}

/// The HTML parser checks element scopes by walking the stack of open elements, so its time
/// grows with the square of the nesting depth: a few megabytes of `<div>` would take minutes.
/// Real pages nest a few dozen levels; deeper input is refused.
const MAX_NESTING: usize = 2000;

/// Elements that never hold content (no closing tag) or are closed implicitly by their
/// siblings (`<p>`, `<li>`, `<td>`, …); they do not deepen the parser's stack of open
/// elements however often they appear unclosed.
const NOT_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "p",
    "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot", "a", "rp", "rt", "html",
    "head", "body",
];

/// An estimate of the deepest element nesting from the tags alone (cheap, linear).
fn nesting_depth(text: &str) -> usize {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    for part in text.split('<').skip(1) {
        let (closing, rest) = match part.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, part),
        };
        let name_len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '!')).unwrap_or(rest.len());
        let name = rest.get(..name_len).unwrap_or_default().to_ascii_lowercase();
        // Comments, doctypes and stray "<" in text.
        if name.is_empty() || name.starts_with('!') || NOT_NESTING.contains(&name.as_str()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

fn is_block(name: &str) -> bool {
    BLOCKS.contains(&name)
}

fn element_name<'a>(node: &NodeRef<'a, Node>) -> Option<&'a str> {
    match node.value() {
        Node::Element(e) => Some(e.name()),
        _ => None,
    }
}

#[derive(Default)]
struct Collector {
    blocks: Vec<Block>,
    text: String,
    pending_space: bool,
}

impl Collector {
    /// Walks `root` and its descendants in document order. Inside a table cell
    /// (`in_cell`), tables are not classified again but read as layout.
    fn walk(&mut self, root: NodeRef<'_, Node>, in_cell: bool) {
        let mut skip_until = None;
        let mut pre_depth = 0usize;
        for edge in root.traverse() {
            match edge {
                Edge::Open(node) => {
                    if skip_until.is_some() {
                        continue;
                    }
                    match node.value() {
                        Node::Text(t) => self.push_text(t, pre_depth > 0),
                        Node::Element(e) => {
                            let name = e.name();
                            if SKIPPED.contains(&name) || is_hidden(e) {
                                skip_until = Some(node.id());
                                continue;
                            }
                            if name == "table" && !in_cell && !is_layout_table(node) {
                                self.flush();
                                self.data_table(node);
                                skip_until = Some(node.id());
                                continue;
                            }
                            if is_block(name) {
                                self.flush();
                            }
                            if name == "pre" {
                                pre_depth += 1;
                            }
                        }
                        _ => {}
                    }
                }
                Edge::Close(node) => {
                    if let Some(id) = skip_until {
                        if id == node.id() {
                            skip_until = None;
                        }
                        continue;
                    }
                    if let Some(name) = element_name(&node) {
                        if is_block(name) {
                            self.flush();
                        }
                        if name == "pre" {
                            pre_depth = pre_depth.saturating_sub(1);
                        }
                    }
                }
            }
        }
    }

    fn push_text(&mut self, s: &str, pre: bool) {
        for c in s.chars() {
            if pre {
                match c {
                    '\n' => self.flush(),
                    '\r' => {}
                    _ => self.text.push(c),
                }
                continue;
            }
            // HTML's whitespace (not U+00A0 or U+3000, which are content).
            if matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{0c}') {
                self.pending_space = !self.text.is_empty();
            } else {
                if self.pending_space {
                    self.text.push(' ');
                    self.pending_space = false;
                }
                self.text.push(c);
            }
        }
    }

    fn flush(&mut self) {
        let text = std::mem::take(&mut self.text);
        self.pending_space = false;
        if !text.chars().all(char::is_whitespace) {
            self.blocks.push(Block::Para(text));
        }
    }

    fn data_table(&mut self, table: NodeRef<'_, Node>) {
        let mut rows: Vec<Vec<String>> = Vec::new();
        // Per grid column: rows still covered by a rowspan from above, and whether this
        // column starts the spanning cell (and so repeats its text) or is covered by its
        // colspan (and adds nothing).
        let mut spans: Vec<Option<(usize, bool, String)>> = Vec::new();
        for tr in table.descendants().filter(|n| element_name(n) == Some("tr")) {
            let mut row = Vec::new();
            let mut col = 0usize;
            let mut cells = tr.children().filter(|n| matches!(element_name(n), Some("td" | "th"))).peekable();
            loop {
                if let Some(slot) = spans.get_mut(col)
                    && let Some((remaining, starts, text)) = slot.take()
                {
                    if starts {
                        row.push(text.clone());
                    }
                    if remaining > 1 {
                        *slot = Some((remaining - 1, starts, text));
                    }
                    col += 1;
                    continue;
                }
                let Some(cell) = cells.next() else {
                    // Rowspans reaching past the last cell of this row still fill it; the
                    // columns between stay empty so the filled text keeps its column.
                    if spans.iter().skip(col).any(Option::is_some) {
                        row.push(String::new());
                        col += 1;
                        continue;
                    }
                    break;
                };
                let text = cell_text(cell);
                let (rowspan, colspan) = match cell.value() {
                    Node::Element(e) => (span(e.attr("rowspan"), MAX_ROWSPAN), span(e.attr("colspan"), MAX_COLSPAN)),
                    _ => (1, 1),
                };
                if rowspan > 1 {
                    if spans.len() < col + colspan {
                        spans.resize(col + colspan, None);
                    }
                    for (i, slot) in spans.iter_mut().skip(col).take(colspan).enumerate() {
                        *slot = Some((rowspan - 1, i == 0, text.clone()));
                    }
                }
                row.push(text);
                col += colspan;
            }
            if !row.is_empty() {
                rows.push(row);
            }
        }
        let captions = table.children().filter(|n| element_name(n) == Some("caption"));
        for caption in captions {
            let text = cell_text(caption);
            if !text.trim().is_empty() {
                self.blocks.push(Block::Para(text));
            }
        }
        if !rows.is_empty() {
            self.blocks.push(Block::Table(rows));
        }
    }
}

/// Elements a browser does not show: the `hidden` attribute or an inline `display: none`
/// (share widgets, print-only copies of the article).
fn is_hidden(e: &scraper::node::Element) -> bool {
    e.attr("hidden").is_some()
        || e.attr("style").is_some_and(|style| {
            let compact: String = style.chars().filter(|c| !c.is_whitespace()).collect();
            compact.to_ascii_lowercase().contains("display:none")
        })
}

fn span(value: Option<&str>, max: usize) -> usize {
    value.and_then(|v| v.trim().parse::<usize>().ok()).unwrap_or(1).clamp(1, max)
}

/// A cell's paragraphs joined by '\n'.
fn cell_text(cell: NodeRef<'_, Node>) -> String {
    let mut c = Collector::default();
    c.walk(cell, true);
    c.flush();
    let lines: Vec<String> = c
        .blocks
        .into_iter()
        .map(|b| match b {
            Block::Para(p) => p,
            Block::Table(rows) => rows.iter().map(|r| r.join("\t")).collect::<Vec<_>>().join("\n"),
        })
        .collect();
    lines.join("\n")
}

/// Whether a table lays out the page rather than holding data: it nests tables, holds
/// headings, has a single column, or has a cell holding an article (many block elements and
/// much text). A `<p>` in a cell alone does not count: Word's "save as web page" and most
/// CMS editors wrap every cell of a data table in `<p>`.
fn is_layout_table(table: NodeRef<'_, Node>) -> bool {
    let mut max_cols = 0usize;
    for node in table.descendants().skip(1) {
        match element_name(&node) {
            Some("table" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6") => return true,
            Some("tr") => {
                let cells: Vec<NodeRef<'_, Node>> =
                    node.children().filter(|n| matches!(element_name(n), Some("td" | "th"))).collect();
                max_cols = max_cols.max(cells.len());
                if cells.iter().any(|c| holds_article(*c)) {
                    return true;
                }
            }
            _ => {}
        }
    }
    max_cols < 2
}

fn holds_article(cell: NodeRef<'_, Node>) -> bool {
    let mut blocks = 0usize;
    let mut chars = 0usize;
    for node in cell.descendants().skip(1) {
        match node.value() {
            Node::Element(e) if is_block(e.name()) => blocks += 1,
            Node::Text(t) => chars += t.chars().filter(|c| !c.is_whitespace()).count(),
            _ => {}
        }
    }
    chars >= LAYOUT_CELL_MAX_CHARS || (blocks >= LAYOUT_CELL_BLOCKS && chars >= LAYOUT_CELL_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extract(text: &str) -> Vec<Block> {
        super::extract(text).unwrap()
    }

    fn paras(blocks: &[Block]) -> Vec<&str> {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Para(p) => Some(p.as_str()),
                Block::Table(_) => None,
            })
            .collect()
    }

    #[test]
    fn br_separated_article() {
        let blocks = extract(
            "<html><head><title>标题</title><script>var a=1;</script></head><body><div>一、总体要求<br>  （一）加强\n  <b>党的</b>建设<br/><br>&nbsp;&nbsp;二、主要任务</div><!-- 注释 --></body></html>",
        );
        assert_eq!(paras(&blocks), ["一、总体要求", "（一）加强 党的建设", "\u{a0}\u{a0}二、主要任务"]);
    }

    #[test]
    fn rowspan_and_colspan() {
        let blocks = extract(
            "<table><tr><th>序号</th><th>任务</th><th>牵头单位</th></tr>\
             <tr><td>1</td><td>甲</td><td rowspan=2>市教育局</td></tr>\
             <tr><td>2</td><td>乙</td></tr>\
             <tr><td colspan=2>合计</td><td>x</td></tr></table>",
        );
        let expected: Vec<Vec<String>> = [
            vec!["序号", "任务", "牵头单位"],
            vec!["1", "甲", "市教育局"],
            vec!["2", "乙", "市教育局"],
            vec!["合计", "x"],
        ]
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect();
        assert_eq!(blocks, [Block::Table(expected)]);
    }

    #[test]
    fn rowspan_in_last_column_fills_short_rows() {
        let blocks =
            extract("<table><tr><td>a</td><td rowspan=3>L</td></tr><tr><td>b</td></tr><tr><td>c</td></tr></table>");
        let Some(Block::Table(rows)) = blocks.first() else { panic!("{blocks:?}") };
        assert_eq!(rows[2], ["c", "L"]);
    }

    #[test]
    fn nesting_estimate() {
        assert_eq!(nesting_depth("<div><p>a<p>b<br><span>c</span></div><div/>"), 2);
        assert_eq!(nesting_depth("<!DOCTYPE html>a < b and <!-- x -->"), 0);
        let deep = "<div>".repeat(MAX_NESTING + 1);
        assert!(matches!(super::extract(&deep), Err(ReadError::Corrupt(_))));
    }

    #[test]
    fn pre_keeps_lines() {
        let blocks = extract("<pre>一、  要求\n二、任务</pre>");
        assert_eq!(paras(&blocks), ["一、  要求", "二、任务"]);
    }
}
