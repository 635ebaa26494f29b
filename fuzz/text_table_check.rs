//! The rule of the reader of task tables written as text (`docread::text_blocks`: pipe rows,
//! one cell per line), shared by the fuzz target `text_table` and the regression test in
//! crates/docread/tests (each includes this file with `#[path]`): it never panics, and the
//! blocks it makes hold every non-blank line's text, cells included, in order.

/// Panics when `text`'s blocks lose, add or reorder any text (whitespace and the pipes
/// between cells aside). A rule line such as `|---|---|` is layout in a pipe table and
/// dropped there, but in a table flattened one cell per line a line like `-|` is kept as a
/// cell (it may stand for an empty one, and dropping it would shift the row's other cells),
/// so the text is compared without the characters a rule is made of (`-` and `:`).
pub fn check(text: &str) {
    let blocks = docread::text_blocks(text);
    let squeeze =
        |s: &str| s.chars().filter(|c| !c.is_whitespace() && !matches!(c, '|' | '｜' | '-' | ':')).collect::<String>();
    let rebuilt: String = blocks
        .iter()
        .map(|b| match b {
            docread::Block::Para(p) if docread::texttable::is_rule(p) => String::new(),
            docread::Block::Para(p) => squeeze(p),
            docread::Block::Table(rows) => rows.iter().flatten().map(|c| squeeze(c)).collect(),
        })
        .collect();
    let source: String = text
        .split(['\n', '\r', '\u{2028}', '\u{2029}', '\u{0b}', '\u{0c}'])
        .filter(|l| !docread::texttable::is_rule(l))
        .map(squeeze)
        .collect();
    assert_eq!(rebuilt, source);
}
