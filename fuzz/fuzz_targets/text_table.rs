//! The reader of task tables written as text (pipe rows, one cell per line): never panics,
//! and the blocks it makes hold every non-blank line's text, cells included.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let blocks = docread::text_blocks(text);
        let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace() && !matches!(c, '|' | '｜')).collect::<String>();
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
});
