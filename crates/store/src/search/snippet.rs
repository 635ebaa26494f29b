//! Snippets: the stretch of a hit's text where the query's words weigh most, with the words
//! marked. tantivy's `SnippetGenerator` does the same by cutting the whole text into words
//! again with jieba for every hit of every search; finding the query's few words in the text
//! directly gives the same fragment for a small part of the cost (see docs/architecture.md).

/// An occurrence of a marked string: [start, end) in characters, and which mark it is.
#[derive(Clone, Copy)]
struct Found {
    start: usize,
    end: usize,
    which: usize,
}

/// Every occurrence of the marks in `lower` (the text's characters, lower-cased one for one),
/// longer ones winning where two overlap.
fn occurrences(lower: &[char], marks: &[(Vec<char>, f32)]) -> Vec<Found> {
    let mut all = Vec::new();
    for (which, (m, _)) in marks.iter().enumerate() {
        if m.is_empty() || m.len() > lower.len() {
            continue;
        }
        let mut i = 0;
        while i + m.len() <= lower.len() {
            if lower[i..i + m.len()] == m[..] {
                all.push(Found { start: i, end: i + m.len(), which });
                i += m.len();
            } else {
                i += 1;
            }
        }
    }
    all.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut kept: Vec<Found> = Vec::with_capacity(all.len());
    for f in all {
        if kept.last().is_none_or(|k| f.start >= k.end) {
            kept.push(f);
        }
    }
    kept
}

/// The best stretch of at most `max` characters of `text` for the marked strings and their
/// weights: the one where the distinct marks found weigh most (each mark counted once, then
/// more occurrences breaking ties), starting a little before its first mark. Returns the
/// snippet (with "…" where text was cut) and its marks as [start, end) character offsets.
pub(super) fn best(text: &str, marks: &[(String, f32)], max: usize) -> (String, Vec<[usize; 2]>) {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = chars.iter().map(|c| c.to_lowercase().next().unwrap_or(*c)).collect();
    let marks: Vec<(Vec<char>, f32)> = marks.iter().map(|(m, w)| (m.chars().collect(), *w)).collect();
    let found = occurrences(&lower, &marks);
    // Context before the first mark of a stretch.
    let lead = max / 6;
    let mut start = 0;
    let mut best_score = (-1.0f32, 0usize);
    for f in &found {
        let from = f.start.saturating_sub(lead);
        let inside: Vec<&Found> = found.iter().filter(|g| g.start >= from && g.end <= from + max).collect();
        let mut distinct: Vec<usize> = inside.iter().map(|g| g.which).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let score: f32 = distinct.iter().map(|w| marks[*w].1).sum();
        if (score, inside.len()) > best_score {
            best_score = (score, inside.len());
            start = from;
        }
    }
    // A short text is shown whole.
    if chars.len() <= max {
        start = 0;
    }
    let end = (start + max).min(chars.len());
    let mut snippet = String::new();
    let shift = usize::from(start > 0);
    if start > 0 {
        snippet.push('…');
    }
    snippet.extend(&chars[start..end]);
    if end < chars.len() {
        snippet.push('…');
    }
    let highlights = found
        .iter()
        .filter(|f| f.start >= start && f.end <= end)
        .map(|f| [f.start - start + shift, f.end - start + shift])
        .collect();
    (snippet, highlights)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(snippet: &str, at: &[[usize; 2]]) -> Vec<String> {
        let c: Vec<char> = snippet.chars().collect();
        at.iter().map(|[a, b]| c[*a..*b].iter().collect()).collect()
    }

    #[test]
    fn the_snippet_is_where_the_words_weigh_most() {
        let body = format!(
            "{}普惠一次{}普惠性幼儿园覆盖率达到94%,学前教育毛入园率{}",
            "甲".repeat(60),
            "乙".repeat(150),
            "丙".repeat(100)
        );
        let (s, at) = best(&body, &[("普惠".into(), 1.0), ("学前教育".into(), 2.0)], 120);
        assert!(s.starts_with('…') && s.ends_with('…') && s.contains("普惠性幼儿园覆盖率"), "{s}");
        assert_eq!(marked(&s, &at), ["普惠", "学前教育"]);
        assert_eq!(s.chars().count(), 122);
    }

    #[test]
    fn longer_marks_win_and_case_is_ignored() {
        let (s, at) =
            best("推进学前教育,ABC 学前", &[("学前".into(), 1.0), ("学前教育".into(), 1.0), ("abc".into(), 1.0)], 120);
        assert_eq!(s, "推进学前教育,ABC 学前");
        assert_eq!(marked(&s, &at), ["学前教育", "ABC", "学前"]);
        let (s, at) = best("无关的文字", &[("学前".into(), 1.0)], 120);
        assert_eq!((s.as_str(), at.len()), ("无关的文字", 0));
    }
}
