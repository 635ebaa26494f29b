//! Responsible units: finding the unit clause of an item, reading roles from it, and
//! normalising names against the unit directory.

use crate::directory::{Directory, Match};
use crate::model::{Role, UnitRef, Warning};
use regex::Regex;
use std::sync::LazyLock;

/// Role labels as they appear in unit clauses.
const ROLE_LABELS: &str = r"责任单位|责任科室|责任部门|责任处室|主责单位|主要责任单位|牵头单位|牵头部门|牵头科室|牵头处室|配合单位|配合部门|配合科室|配合处室|协同单位|协办单位|参与单位|责任领导|牵头领导|分管领导";

static LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"({ROLE_LABELS})\s*[:：]?")).expect("valid regex"));
/// An opening bracket immediately followed by a role label: the start of a bracketed clause.
static BRACKETED_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"[〔【\[（(]\s*(?:{ROLE_LABELS})\s*[:：]?")).expect("valid regex"));
/// A role label with a colon at the start of a line or after a sentence: an unbracketed clause.
static BARE_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"(?:^|[\n。;；\s])((?:{ROLE_LABELS})\s*[:：])")).expect("valid regex"));
static CARRY_OVER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[,，;；、]?\s*(?:以下|下)同").expect("valid regex"));

/// The unit clause found at the end of an item's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// Byte offset in the item text where the clause starts; it runs to the end of the text.
    pub start: usize,
    /// The names with their roles, as written (not yet normalised).
    pub names: Vec<(String, Role)>,
    /// "…,下同": the units also apply to the following items that name none.
    pub carry_over: bool,
    /// The bracket was opened but never closed.
    pub unclosed: bool,
}

fn closing_for(open: char) -> &'static [char] {
    match open {
        '〔' => &['〕', '】', ']'],
        '【' => &['】', '〕', ']'],
        '[' => &[']', '〕', '】'],
        _ => &[')', '）'],
    }
}

/// Finds the end of the bracketed clause opened at `open_at`, counting nested round brackets
/// ("(牵头单位:各区(市)教体局)"). Returns the byte offset just past the closing bracket.
fn bracket_end(text: &str, open_at: usize) -> Option<usize> {
    let open = text[open_at..].chars().next()?;
    let closers = closing_for(open);
    let round = matches!(open, '(' | '（');
    let mut depth = 0usize;
    for (i, c) in text[open_at..].char_indices().skip(1) {
        if round && matches!(c, '(' | '（') {
            depth += 1;
        } else if closers.contains(&c) {
            if round && depth > 0 {
                depth -= 1;
            } else {
                return Some(open_at + i + c.len_utf8());
            }
        }
    }
    None
}

/// Only punctuation and blanks follow: the clause closes the item.
fn only_trailing_punct(s: &str) -> bool {
    s.chars().all(|c| c.is_whitespace() || matches!(c, '。' | '.' | ';' | '；' | ',' | '，' | '\u{a0}'))
}

/// Finds the unit clause that ends `text`, if any.
pub fn find_clause(text: &str) -> Option<Clause> {
    // 1. A bracketed clause with a role label: 〔责任单位:…〕, (牵头单位:…;配合单位:…).
    if let Some(m) = BRACKETED_START.find_iter(text).last() {
        match bracket_end(text, m.start()) {
            Some(end) if only_trailing_punct(&text[end..]) => {
                let inner = inner_text(&text[m.start()..end]);
                let (names, carry_over) = read_clause(inner);
                return Some(Clause { start: m.start(), names, carry_over, unclosed: false });
            }
            Some(_) => {} // a clause in mid-text: it belongs to one measure, not the item
            None => {
                let inner = &text[m.start() + first_char_len(&text[m.start()..])..];
                let (names, carry_over) = read_clause(inner);
                return Some(Clause { start: m.start(), names, carry_over, unclosed: true });
            }
        }
    }
    // 2. "责任单位:…" without brackets, on a line of its own or after the last sentence.
    if let Some(c) = BARE_START.captures_iter(text).last() {
        let g = c.get(1).expect("group 1");
        let rest = &text[g.start()..];
        if !rest.trim_end_matches(['。', ' ', '\n']).contains('。') {
            let (names, carry_over) = read_clause(rest);
            return Some(Clause { start: g.start(), names, carry_over, unclosed: false });
        }
    }
    // 3. "(A牵头,B、C按职责分工负责)" / "(A负责)" closing the item.
    let trimmed = text.trim_end_matches(|c: char| c.is_whitespace() || c == '。');
    if trimmed.ends_with([')', '）']) {
        let open = matching_open(trimmed)?;
        let inner = inner_text(&trimmed[open..]);
        if (inner.contains("牵头") || inner.ends_with("负责") || inner.contains("配合"))
            && !inner.contains(['。'])
            && inner.chars().count() <= 200
        {
            let (names, carry_over) = read_clause(inner);
            if !names.is_empty() {
                return Some(Clause { start: open, names, carry_over, unclosed: false });
            }
        }
    }
    None
}

fn first_char_len(s: &str) -> usize {
    s.chars().next().map_or(0, char::len_utf8)
}

/// The text between a clause's brackets.
fn inner_text(clause: &str) -> &str {
    let open = first_char_len(clause);
    let last = clause.chars().last().map_or(0, char::len_utf8);
    if clause.len() >= open + last { &clause[open..clause.len() - last] } else { "" }
}

/// The position of the round bracket that the final ')' of `s` closes.
fn matching_open(s: &str) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in s.char_indices().rev() {
        match c {
            ')' | '）' => depth += 1,
            '(' | '（' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Reads the names and roles inside a clause (brackets already removed).
pub fn read_clause(inner: &str) -> (Vec<(String, Role)>, bool) {
    let carry_over = CARRY_OVER.is_match(inner);
    let inner = CARRY_OVER.replace_all(inner, "");
    // Round brackets are left alone: they may close a name such as "各区(市)".
    let inner = inner.trim_end_matches(['〕', '】', ']', '。', ' ']);
    let mut names = Vec::new();
    let labels: Vec<_> = LABEL.captures_iter(inner).collect();
    if !labels.is_empty() {
        // "牵头单位:A;责任单位:B": beside a lead, the responsible units are the co-operating ones.
        let has_lead = labels.iter().any(|c| c[1].starts_with("牵头") && !c[1].ends_with("领导"));
        // Text before the first label (rare) counts as responsible.
        let first = labels[0].get(0).expect("match").start();
        push_names(&mut names, &inner[..first], Role::Responsible);
        for (i, c) in labels.iter().enumerate() {
            let whole = c.get(0).expect("match");
            let until = labels.get(i + 1).map_or(inner.len(), |n| n.get(0).expect("match").start());
            let role = match &c[1] {
                l if l.starts_with("牵头") && !l.ends_with("领导") => Some(Role::Lead),
                l if l.starts_with("配合") || l.starts_with("协") || l.starts_with("参与") => Some(Role::Co),
                l if l.ends_with("领导") => None, // people, not units
                _ if has_lead => Some(Role::Co),
                _ => Some(Role::Responsible),
            };
            if let Some(role) = role {
                push_names(&mut names, &inner[whole.end()..until], role);
            }
        }
        return (names, carry_over);
    }
    // "A牵头,B、C按职责分工负责" / "A牵头,B配合" / "A负责".
    let mut has_lead = false;
    let pieces: Vec<&str> = inner.split([',', '，', ';', '；']).collect();
    for piece in &pieces {
        let p = piece.trim();
        if let Some(lead) = p.strip_suffix("牵头").or_else(|| p.strip_suffix("牵头负责")) {
            has_lead = true;
            push_names(&mut names, lead, Role::Lead);
        }
    }
    for piece in &pieces {
        let p = piece.trim();
        if p.ends_with("牵头") || p.ends_with("牵头负责") {
            continue;
        }
        let p = ["按职责分工负责", "按职责分工落实", "按职责负责", "配合", "参与", "协同", "共同负责", "负责"]
            .iter()
            .find_map(|s| p.strip_suffix(s))
            .unwrap_or(p);
        push_names(&mut names, p, if has_lead { Role::Co } else { Role::Responsible });
    }
    (names, carry_over)
}

/// Splits a list of names at separators outside brackets, so "各县(市、区)" stays whole.
fn split_names(list: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in list.char_indices() {
        match c {
            '(' | '（' => depth += 1,
            ')' | '）' => depth -= 1,
            '、' | ',' | '，' | ';' | '；' | '/' | '／' | '\n' | ' ' if depth <= 0 => {
                out.push(&list[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&list[start..]);
    out
}

fn push_names(out: &mut Vec<(String, Role)>, list: &str, role: Role) {
    for name in split_names(list) {
        let name = name
            .trim()
            .trim_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '：' | '。' | '.'))
            .trim_end_matches('等');
        if !name.is_empty() && name.chars().count() <= 40 {
            out.push((name.to_string(), role));
        }
    }
}

/// Normalises the written names against the directory, warning about every repair.
pub fn resolve(
    names: &[(String, Role)],
    directory: &Directory,
    item: Option<u32>,
    warnings: &mut Vec<Warning>,
) -> Vec<UnitRef> {
    let mut out: Vec<UnitRef> = Vec::new();
    let mut push = |u: UnitRef| {
        if !out.iter().any(|o| o.name == u.name && o.role == u.role) {
            out.push(u);
        }
    };
    for (raw, role) in names {
        if let Some((unit, how)) = directory.lookup(raw) {
            if how == Match::Misspelling {
                warnings.push(Warning {
                    item,
                    code: "alias_applied".into(),
                    message: format!("单位“{raw}”按“{}”识别", unit.name),
                });
            }
            push(UnitRef {
                name: unit.name.clone(),
                raw: raw.clone(),
                role: *role,
                group: unit.is_group(),
                known: true,
            });
            continue;
        }
        if let Some(pieces) = directory.split_run(raw) {
            warnings.push(Warning {
                item,
                code: "missing_separator".into(),
                message: format!("单位“{raw}”之间缺少顿号,已拆分为“{}”", pieces.join("”“")),
            });
            for p in pieces {
                if let Some((unit, _)) = directory.lookup(&p) {
                    push(UnitRef {
                        name: unit.name.clone(),
                        raw: p.clone(),
                        role: *role,
                        group: unit.is_group(),
                        known: true,
                    });
                }
            }
            continue;
        }
        let suggestion = directory.nearest(raw);
        if !directory.is_empty() {
            warnings.push(Warning {
                item,
                code: "unknown_unit".into(),
                message: match suggestion {
                    Some(s) => format!("单位“{raw}”不在单位目录中,是否为“{s}”?"),
                    None => format!("单位“{raw}”不在单位目录中,已按原文保留"),
                },
            });
        }
        push(UnitRef { name: raw.clone(), raw: raw.clone(), role: *role, group: looks_like_group(raw), known: false });
    }
    out
}

/// Group names are collective: "各县(市、区)", "市直各学校", "各有关单位", "局属各单位".
pub fn looks_like_group(name: &str) -> bool {
    name.starts_with('各')
        || name.contains("直各")
        || name.contains("属各")
        || (name.contains('各')
            && ["单位", "学校", "科室", "院校", "部门", "处室", "园"].iter().any(|s| name.ends_with(s)))
        || name.starts_with("相关")
        || name.starts_with("有关")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(text: &str) -> Vec<(String, Role)> {
        find_clause(text).map(|c| c.names).unwrap_or_default()
    }

    fn n(s: &str, r: Role) -> (String, Role) {
        (s.to_string(), r)
    }

    #[test]
    fn yingtan_form() {
        let t = "加强国防教育。〔责任单位:各区(市)、基教科、人事科、直各学校〕";
        let c = find_clause(t).expect("clause");
        assert_eq!(&t[c.start..], "〔责任单位:各区(市)、基教科、人事科、直各学校〕");
        assert!(!c.unclosed);
        assert_eq!(c.names.len(), 4);
        assert_eq!(c.names[0], n("各区(市)", Role::Responsible));
        assert_eq!(c.names[3], n("直各学校", Role::Responsible));
    }

    #[test]
    fn unclosed_bracket_runs_to_the_end() {
        let c = find_clause("做好工作。〔责任单位:各区(市)、人事科").expect("clause");
        assert!(c.unclosed);
        assert_eq!(c.names, vec![n("各区(市)", Role::Responsible), n("人事科", Role::Responsible)]);
    }

    #[test]
    fn lead_and_co_forms() {
        assert_eq!(
            roles("做好工作。(牵头单位:市教育局;配合单位:市财政局、市人社局)"),
            vec![n("市教育局", Role::Lead), n("市财政局", Role::Co), n("市人社局", Role::Co)]
        );
        assert_eq!(
            roles("做好工作。（市发展改革委牵头，市财政局、市统计局按职责分工负责）"),
            vec![n("市发展改革委", Role::Lead), n("市财政局", Role::Co), n("市统计局", Role::Co)]
        );
        assert_eq!(
            roles("做好工作。(责任科室:基教科、督导室)"),
            vec![n("基教科", Role::Responsible), n("督导室", Role::Responsible)]
        );
        assert_eq!(
            roles("做好工作。\n责任单位:办公室、人事科"),
            vec![n("办公室", Role::Responsible), n("人事科", Role::Responsible)]
        );
        assert_eq!(roles("做好工作(牵头单位:各县(市、区)教育局)。"), vec![n("各县(市、区)教育局", Role::Lead)]);
        assert_eq!(roles("做好工作。(办公室负责)"), vec![n("办公室", Role::Responsible)]);
    }

    #[test]
    fn responsible_beside_a_lead_is_co() {
        assert_eq!(
            roles("做好工作。（牵头单位：市教育局；责任单位：市财政局）"),
            vec![n("市教育局", Role::Lead), n("市财政局", Role::Co)]
        );
    }

    #[test]
    fn carry_over() {
        let c = find_clause("做好工作。(牵头单位:办公室,下同)").expect("clause");
        assert!(c.carry_over);
        assert_eq!(c.names, vec![n("办公室", Role::Lead)]);
    }

    #[test]
    fn clause_in_mid_text_is_not_the_items_clause() {
        assert_eq!(find_clause("甲(牵头单位:办公室)。乙事项继续推进。"), None);
        assert_eq!(find_clause("推进(试点)工作。"), None);
    }
}
