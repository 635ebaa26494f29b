//! Small text helpers shared by the parser's stages.

/// Characters that print as blank in Chinese documents but are not ASCII spaces: no-break
/// space, ideographic space, zero-width characters and a stray byte-order mark.
fn is_blank(c: char) -> bool {
    c.is_whitespace()
        || matches!(c, '\u{00A0}' | '\u{3000}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}' | '\u{2060}')
}

/// A Chinese character (the unified ideographs and their extension A).
pub fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// A paragraph as the parser sees it: blank characters at either end removed, inner no-break
/// and ideographic spaces turned into plain spaces. `None` for a paragraph that is all blank.
pub fn clean_line(raw: &str) -> Option<String> {
    let s: String = raw
        .chars()
        .filter(|c| !matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}' | '\u{2060}'))
        .map(|c| if is_blank(c) { ' ' } else { c })
        .collect();
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The text with every blank character removed: the form in which the "nothing dropped"
/// property is checked, since line breaks and padding are layout, not content.
pub fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !is_blank(*c)).collect()
}

/// Counts characters (not bytes).
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Sentence terminators that end a measure.
pub fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '!' | '?' | '！' | '？' | ';' | '；')
}

/// Splits text into sentences, each keeping its terminator, line breaks ending a sentence too.
/// Concatenating the pieces gives back the input exactly.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if is_sentence_end(c) || c == '\n' {
            // Keep closing quotes and brackets that follow the terminator with its sentence.
            let mut end = i + c.len_utf8();
            while let Some(&(j, n)) = chars.peek() {
                if matches!(n, '”' | '’' | '"' | '」' | '』' | ')' | '）') {
                    end = j + n.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_line_turns_odd_spaces_into_plain_ones() {
        assert_eq!(clean_line("\u{00A0}\u{3000}一、总体要求\u{00A0}"), Some("一、总体要求".into()));
        assert_eq!(clean_line(" \u{00A0} "), None);
        assert_eq!(clean_line("鹰潭市教育局\u{00A0}\u{00A0}x"), Some("鹰潭市教育局  x".into()));
    }

    #[test]
    fn sentences_cover_the_text() {
        let t = "甲。乙“丙。”丁;戊\n己";
        let s = sentences(t);
        assert_eq!(s, vec!["甲。", "乙“丙。”", "丁;", "戊\n", "己"]);
        assert_eq!(s.concat(), t);
    }
}
