//! Responsible units: finding the unit clause of an item, reading roles from it, and
//! normalising names against the unit directory.

use crate::directory::{Directory, Match};
use crate::model::{Role, UnitRef, Warning};
use crate::text::is_han;
use regex::Regex;
use std::sync::LazyLock;

/// Role labels as they appear in unit clauses.
const ROLE_LABELS: &str = r"牵头责任单位|协同责任单位|配合责任单位|责任单位|责任科室|责任部门|责任处室|责任股室|主责单位|主要责任单位|主抓单位|实施单位|牵头单位|牵头部门|牵头科室|牵头处室|牵头股室|配合单位|配合部门|配合科室|配合处室|配合股室|协同单位|协办单位|协办股室|协办科室|参与单位|责任领导|牵头领导|分管领导";

static LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"({ROLE_LABELS})\s*[:：]?")).expect("valid regex"));
/// An opening bracket immediately followed by a role label: the start of a bracketed clause.
static BRACKETED_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"[〔【\[（(]\s*(?:{ROLE_LABELS})\s*[:：]?")).expect("valid regex"));
/// A role label with a colon at the start of a line or after a sentence: an unbracketed clause.
static BARE_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"(?:^|[\n。;；\s])((?:{ROLE_LABELS})\s*[:：])")).expect("valid regex"));
static CARRY_OVER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[,，;；、]?\s*(?:以下|下)同").expect("valid regex"));
/// A deadline's label after the units ("牵头单位:A\n配合单位:B\n完成时限:2019年底"): what
/// follows it dates the work and names no unit.
static DEADLINE_LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:完成时限|完成时间|完成期限|时间节点|时限要求)\s*[:：]").expect("valid regex"));

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
    /// The deadline written in the clause after its units ("完成时限:2019年底").
    pub deadline: Option<String>,
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
                let deadline = clause_deadline(inner);
                return Some(Clause { start: m.start(), names, carry_over, unclosed: false, deadline });
            }
            Some(_) => {} // a clause in mid-text: it belongs to one measure, not the item
            None => {
                let inner = &text[m.start() + first_char_len(&text[m.start()..])..];
                let (names, carry_over) = read_clause(inner);
                let deadline = clause_deadline(inner);
                return Some(Clause { start: m.start(), names, carry_over, unclosed: true, deadline });
            }
        }
    }
    // 2. "责任单位:…" without brackets, on a line of its own or after the last sentence.
    // "牵头单位:A\n责任单位:B" on consecutive lines is one clause: it starts at the first label
    // after which no sentence ends.
    let bare = BARE_START
        .captures_iter(text)
        .map(|c| c.get(1).expect("group 1").start())
        .find(|&start| !text[start..].trim_end_matches(['。', ' ', '\n']).contains('。'));
    if let Some(start) = bare {
        let (names, carry_over) = read_clause(&text[start..]);
        let deadline = clause_deadline(&text[start..]);
        return Some(Clause { start, names, carry_over, unclosed: false, deadline });
    }
    // 3. "(A牵头,B、C按职责分工负责)" / "(A负责)" closing the item; 4. "(区农发局)": only
    // names of organisations in the closing bracket, after the item's last sentence.
    let trimmed = text.trim_end_matches(|c: char| c.is_whitespace() || c == '。');
    if trimmed.ends_with([')', '）']) {
        let open = matching_open(trimmed)?;
        let inner = inner_text(&trimmed[open..]);
        let after_sentence = trimmed[..open].trim_end().ends_with(['。', ';', '；']);
        if (inner.contains("牵头")
            || inner.ends_with("负责")
            || inner.contains("配合")
            || after_sentence && only_org_names(inner))
            && !inner.contains(['。'])
            && inner.chars().count() <= 200
        {
            let (names, carry_over) = read_clause(inner);
            if !names.is_empty() {
                return Some(Clause { start: open, names, carry_over, unclosed: false, deadline: None });
            }
        }
    }
    None
}

/// Whether a bracket holds only names of organisations ("区农发局", "区农发局、区市场监管局"):
/// short pieces ending like one, without digits (not "(2024年底前)", "(含民办)").
fn only_org_names(inner: &str) -> bool {
    let pieces = split_names(inner);
    !pieces.is_empty()
        && pieces.iter().all(|p| {
            let p = p.trim();
            let n = p.chars().count();
            (3..=20).contains(&n) && ends_like_org(p) && !p.chars().any(|c| c.is_ascii_digit())
        })
}

/// Where the deadline that starts at `from` ends: at the end of its line or at the next role
/// label ("(牵头单位:A;完成时限:2024年底;配合单位:B)"), whichever comes first.
fn deadline_end(inner: &str, from: usize) -> usize {
    let line_end = inner[from..].find('\n').map_or(inner.len(), |i| from + i);
    let next_label = BARE_START.captures_iter(&inner[from..]).map(|c| from + c.get(1).expect("group 1").start()).next();
    next_label.map_or(line_end, |l| l.min(line_end))
}

/// The clause without its deadline parts.
fn without_deadlines(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut at = 0;
    while let Some(m) = DEADLINE_LABEL.find_at(inner, at) {
        out.push_str(&inner[at..m.start()]);
        at = deadline_end(inner, m.end());
    }
    out.push_str(&inner[at..]);
    out
}

/// The text after a deadline label in a unit clause, up to the end of its line or the next
/// role label.
fn clause_deadline(inner: &str) -> Option<String> {
    let m = DEADLINE_LABEL.find(inner)?;
    let value = &inner[m.end()..deadline_end(inner, m.end())];
    let value = value.trim().trim_end_matches(['。', ';', '；', ' ', '〕', '】', ']', ')', '）']).trim();
    (!value.is_empty()).then(|| value.to_string())
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
    // "…\n完成时限:2019年底": a deadline among the units is not a unit.
    let inner = without_deadlines(&inner);
    // Round brackets are left alone: they may close a name such as "各区(市)".
    let inner = inner.trim_end_matches(['〕', '】', ']', '。', ' ', '\n']);
    let mut names = read_labelled(inner).unwrap_or_else(|| read_inline(inner));
    // A unit named twice ("牵头单位:A\n主抓单位:A\n责任单位:A、B") keeps its first, strongest
    // role: lead before co or responsible, as the clause lists them.
    let mut seen = std::collections::HashSet::new();
    names.retain(|(name, _)| seen.insert(name.clone()));
    (names, carry_over)
}

/// Reads a clause with role labels ("牵头单位:A;配合单位:B"); `None` when it has none.
fn read_labelled(inner: &str) -> Option<Vec<(String, Role)>> {
    let mut names = Vec::new();
    // A label inside a name ("各项目牵头单位") is not a label: it has a character before it and
    // no colon after it.
    let labels: Vec<_> = LABEL
        .captures_iter(inner)
        .filter(|c| {
            let m = c.get(0).expect("match");
            let before = inner[..m.start()].chars().last();
            m.as_str().ends_with([':', '：']) || !before.is_some_and(is_han)
        })
        .collect();
    if labels.is_empty() {
        return None;
    }
    // "牵头单位:A;责任单位:B": beside a lead, the responsible units are the co-operating ones.
    let is_lead = |l: &str| (l.starts_with("牵头") || l.starts_with("主抓")) && !l.ends_with("领导");
    let has_lead = labels.iter().any(|c| is_lead(&c[1]));
    // Text before the first label (rare) counts as responsible.
    let first = labels[0].get(0).expect("match").start();
    push_names(&mut names, &inner[..first], Role::Responsible);
    for (i, c) in labels.iter().enumerate() {
        let whole = c.get(0).expect("match");
        let until = labels.get(i + 1).map_or(inner.len(), |n| n.get(0).expect("match").start());
        let role = match &c[1] {
            l if is_lead(l) => Some(Role::Lead),
            l if l.starts_with("配合") || l.starts_with("协") || l.starts_with("参与") => Some(Role::Co),
            l if l.ends_with("领导") => None, // people, not units
            _ if has_lead => Some(Role::Co),
            _ => Some(Role::Responsible),
        };
        let segment = &inner[whole.end()..until];
        if role == Some(Role::Responsible) && names_a_lead_inline(segment) {
            // "责任单位:A、B牵头,C、D配合": the roles are written inside the list.
            names.extend(read_inline(segment));
        } else if let Some(role) = role {
            push_names(&mut names, segment, role);
        }
    }
    Some(names)
}

/// Whether a list writes its lead inline: a piece ending in 牵头 ("A、B牵头,C配合").
fn names_a_lead_inline(list: &str) -> bool {
    list.split([',', '，', ';', '；']).any(|p| LEAD_SUFFIXES.iter().any(|s| p.trim().ends_with(s)))
}

/// How a clause marks its lead after the names: "A牵头", "A牵头负责", "A牵头落实".
const LEAD_SUFFIXES: &[&str] = &["牵头", "牵头负责", "牵头落实"];

/// Reads a clause that writes its roles after the names: "A牵头,B、C按职责分工负责",
/// "A牵头,B配合", "A负责".
fn read_inline(inner: &str) -> Vec<(String, Role)> {
    let mut names = Vec::new();
    let mut has_lead = false;
    let pieces: Vec<&str> = inner.split([',', '，', ';', '；']).collect();
    for piece in &pieces {
        let p = piece.trim();
        if let Some(lead) = LEAD_SUFFIXES.iter().find_map(|s| p.strip_suffix(s)) {
            has_lead = true;
            push_names(&mut names, lead, Role::Lead);
        }
    }
    for piece in &pieces {
        let p = piece.trim();
        if LEAD_SUFFIXES.iter().any(|s| p.ends_with(s)) {
            continue;
        }
        // "…,2024年底前完成": a deadline after the units, not a unit.
        if looks_like_deadline(p) {
            continue;
        }
        let p = ["按职责分工负责", "按职责分工落实", "按职责负责", "配合", "参与", "协同", "共同负责", "负责"]
            .iter()
            .find_map(|s| p.strip_suffix(s))
            .unwrap_or(p);
        push_names(&mut names, p, if has_lead { Role::Co } else { Role::Responsible });
    }
    names
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

/// Splits "市级各有关部门及各县市区政府" into its two units: a 及/以及/和 that stands between two
/// names of organisations. Inside a name ("人力资源和社会保障局", "工业和信息化厅") the words
/// around it are not organisations, so it stays.
fn split_conjoined(name: &str) -> Vec<&str> {
    for sep in ["以及", "及", "和"] {
        for (i, _) in name.match_indices(sep) {
            let (left, right) = (name[..i].trim(), name[i + sep.len()..].trim());
            let is_org = |s: &str| ends_like_org(s) || s.ends_with("政府") || looks_like_group(s);
            if left.chars().count() >= 2 && right.chars().count() >= 2 && is_org(left) && is_org(right) {
                let mut out = split_conjoined(left);
                out.extend(split_conjoined(right));
                return out;
            }
        }
    }
    vec![name]
}

fn push_names(out: &mut Vec<(String, Role)>, list: &str, role: Role) {
    let names: Vec<String> = split_names(list)
        .into_iter()
        .flat_map(split_conjoined)
        .map(|name| {
            let name = name.trim().trim_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '：' | '。' | '.'));
            // "市卫生健康委等" lists by example; "教育局等单位" is a name of its own.
            name.strip_suffix('等').unwrap_or(name).to_string()
        })
        .filter(|name| !name.is_empty() && name.chars().count() <= 40 && !is_placeholder(name))
        .collect();
    out.extend(distribute_shared(names).into_iter().map(|n| (n, role)));
}

/// Endings of organisation names.
const ORG_ENDINGS: &[char] =
    &['厅', '局', '委', '办', '站', '院', '处', '室', '科', '部', '会', '司', '区', '县', '市'];

fn ends_like_org(name: &str) -> bool {
    name.ends_with(ORG_ENDINGS) || name.ends_with("中心") || name.ends_with(')') || name.ends_with('）')
}

/// A list that writes a shared part once: "省科技厅、工业和信息化厅" (the level prefix of the
/// first name applies to the next) and "甲、乙、丙出入境边防检查总站" (the suffix of the last
/// applies to the short names before it).
pub fn distribute_shared(mut names: Vec<String>) -> Vec<String> {
    const LEVELS: &[&str] = &["自治区", "省", "市", "州", "盟", "县", "区"];
    // "各区、县级市" and "各有关区、县级市": the 各 of a group of areas applies to the bare area
    // word after it (各县级市), as the list writes the shared part once.
    const AREAS: &[&str] = &["县级市", "县(市、区)", "县(市)", "乡镇", "街道", "社区", "市", "区", "县", "镇", "乡"];
    let mut group: Option<String> = None;
    for n in &mut names {
        if AREAS.contains(&n.as_str()) {
            if let Some(prefix) = &group {
                *n = format!("{prefix}{n}");
            }
            continue;
        }
        group = n.starts_with('各').then(|| AREAS.iter().find_map(|a| n.strip_suffix(a))).flatten().map(str::to_string);
    }
    if let Some(prefix) = names
        .first()
        .and_then(|f| LEVELS.iter().find(|l| f.starts_with(**l) && f.chars().count() > l.chars().count() + 1))
    {
        for n in names.iter_mut().skip(1) {
            // "市场监管局" has no level: 市 there opens the word 市场.
            let bare = n.replace("市场", "");
            let has_level = LEVELS.iter().any(|l| bare.contains(l)) || n.contains('各');
            let department = ['厅', '局', '委'].iter().any(|c| n.ends_with(*c));
            if !has_level && department {
                *n = format!("{prefix}{n}");
            }
        }
    }
    if names.len() >= 2 {
        let last = names[names.len() - 1].clone();
        let heads = &names[..names.len() - 1];
        let head_len = heads[heads.len() - 1].chars().count();
        let short = heads.iter().all(|h| (2..=4).contains(&h.chars().count()) && !ends_like_org(h));
        if short && last.chars().count() >= head_len + 3 {
            let suffix: String = last.chars().skip(head_len).collect();
            if ends_like_org(&suffix) {
                let n = names.len() - 1;
                for h in &mut names[..n] {
                    h.push_str(&suffix);
                }
            }
        }
    }
    names
}

/// A piece of a unit clause that dates the work rather than naming a unit.
fn looks_like_deadline(piece: &str) -> bool {
    let has_digit = piece.chars().any(|c| c.is_ascii_digit());
    (has_digit && (piece.contains('年') || piece.contains('月')))
        || ["底前", "前完成", "持续推进", "长期坚持", "长期推进"].iter().any(|w| piece.contains(w))
}

/// "无", "/" or "—" in a unit cell: the table says there is no such unit.
fn is_placeholder(name: &str) -> bool {
    matches!(name, "无" | "無" | "暂无" | "-" | "—" | "——" | "/" | "／" | "空")
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
    fn roles_written_inside_a_labelled_list() {
        // 责任单位 with the roles inside the list (a district's 工作要点).
        assert_eq!(
            roles("做好工作。\n责任单位：经济发展局、财政金融局牵头，各片区项目建设指挥部、社会事业局配合"),
            vec![
                n("经济发展局", Role::Lead),
                n("财政金融局", Role::Lead),
                n("各片区项目建设指挥部", Role::Co),
                n("社会事业局", Role::Co)
            ]
        );
        assert_eq!(
            roles("做好工作。\n责任单位：区行政审批局牵头，区直相关部门、各乡镇人民政府按职责分工负责"),
            vec![n("区行政审批局", Role::Lead), n("区直相关部门", Role::Co), n("各乡镇人民政府", Role::Co)]
        );
    }

    #[test]
    fn implementing_and_main_units_and_a_deadline_line() {
        // 实施单位 beside a lead co-operate; 完成时限 dates the work and names no unit.
        let c = find_clause(
            "做好工作。\n牵头单位：区口岸办\n配合单位：平潭海关\n实施单位：区交通集团\n完成时限：2019年11月底",
        )
        .expect("clause");
        assert_eq!(c.names, vec![n("区口岸办", Role::Lead), n("平潭海关", Role::Co), n("区交通集团", Role::Co)]);
        assert_eq!(c.deadline.as_deref(), Some("2019年11月底"));
        // A deadline before or between the labels cuts no unit out.
        let c = find_clause("做好工作。(牵头单位:市教育局;完成时限:2024年底;配合单位:市财政局)").expect("clause");
        assert_eq!(c.names, vec![n("市教育局", Role::Lead), n("市财政局", Role::Co)]);
        assert_eq!(c.deadline.as_deref(), Some("2024年底"));
        // 主抓单位 lead; a unit named again under a later label keeps its first role.
        assert_eq!(
            roles("做好工作。\n牵头单位：农业农村处\n主抓单位：农业农村处\n责任单位：农业农村处、各村"),
            vec![n("农业农村处", Role::Lead), n("各村", Role::Co)]
        );
    }

    #[test]
    fn a_bracket_of_names_after_the_last_sentence_and_lead_suffixes() {
        assert_eq!(roles("推广绿色生产技术。建设监测点20个。（区农发局）"), vec![n("区农发局", Role::Responsible)]);
        assert_eq!(
            roles("完成改造。(区农发局、区市场监管局)"),
            vec![n("区农发局", Role::Responsible), n("区市场监管局", Role::Responsible)]
        );
        // Not names: a deadline, a scope, a bracket inside the sentence.
        assert_eq!(roles("完成改造。(2024年底前)"), vec![]);
        assert_eq!(roles("推进学校建设(含民办)"), vec![]);
        assert_eq!(roles("做好工作。(区环境监测站牵头落实)"), vec![n("区环境监测站", Role::Lead)]);
    }

    #[test]
    fn a_level_written_once_is_not_found_in_market() {
        assert_eq!(
            roles("做好工作。\n配合单位：区财金局、旅发委、市场监管局"),
            vec![n("区财金局", Role::Co), n("区旅发委", Role::Co), n("区市场监管局", Role::Co)]
        );
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
    fn shared_prefix_and_suffix_are_distributed() {
        assert_eq!(
            roles("做好工作。(牵头单位:省科技厅、工业和信息化厅)"),
            vec![n("省科技厅", Role::Lead), n("省工业和信息化厅", Role::Lead)]
        );
        assert_eq!(
            roles("做好工作。(责任单位:北京、上海、广州出入境边防检查总站)"),
            vec![
                n("北京出入境边防检查总站", Role::Responsible),
                n("上海出入境边防检查总站", Role::Responsible),
                n("广州出入境边防检查总站", Role::Responsible)
            ]
        );
        assert_eq!(
            roles("做好工作。(责任单位:市委宣传部、团市委、各区)"),
            vec![n("市委宣传部", Role::Responsible), n("团市委", Role::Responsible), n("各区", Role::Responsible)]
        );
    }

    #[test]
    fn a_group_of_areas_shares_its_ge() {
        assert_eq!(
            roles("做好工作。(牵头单位:市发展改革委,配合单位:市委组织部,各区、县级市)"),
            vec![
                n("市发展改革委", Role::Lead),
                n("市委组织部", Role::Co),
                n("各区", Role::Co),
                n("各县级市", Role::Co)
            ]
        );
        assert_eq!(
            roles("做好工作。(牵头单位:市农业局,配合单位:市科协,各有关区、县级市)"),
            vec![
                n("市农业局", Role::Lead),
                n("市科协", Role::Co),
                n("各有关区", Role::Co),
                n("各有关县级市", Role::Co)
            ]
        );
        // A bare area word with no group before it is left as written.
        assert_eq!(roles("做好工作。(责任单位:县级市)"), vec![n("县级市", Role::Responsible)]);
    }

    #[test]
    fn labels_placeholders_and_deadlines() {
        assert_eq!(
            roles("做好工作。(牵头单位:市教育局;配合单位:各项目牵头单位,各区)"),
            vec![n("市教育局", Role::Lead), n("各项目牵头单位", Role::Co), n("各区", Role::Co)]
        );
        assert_eq!(roles("做好工作。(牵头责任单位:县教育局;责任单位:无)"), vec![n("县教育局", Role::Lead)]);
        assert_eq!(
            roles("做好工作。(市发展改革委牵头,市财政局按职责分工负责,2024年底前完成)"),
            vec![n("市发展改革委", Role::Lead), n("市财政局", Role::Co)]
        );
        assert_eq!(roles("做好工作。(责任单位:教育局等单位)"), vec![n("教育局等单位", Role::Responsible)]);
        assert_eq!(
            roles("做好工作。\n牵头单位:区发改局\n责任单位:立山经济开发区,各街道"),
            vec![n("区发改局", Role::Lead), n("立山经济开发区", Role::Co), n("各街道", Role::Co)]
        );
        assert_eq!(
            roles("做好工作。\n(牵头股室:党建办  协办股室:办公室)"),
            vec![n("党建办", Role::Lead), n("办公室", Role::Co)]
        );
    }

    #[test]
    fn units_joined_by_ji_are_two_units_names_with_he_stay_whole() {
        assert_eq!(
            roles("做好工作。(市政府办公室牵头,市级各有关部门及各县市区政府按职责分工负责)"),
            vec![n("市政府办公室", Role::Lead), n("市级各有关部门", Role::Co), n("各县市区政府", Role::Co)]
        );
        assert_eq!(
            roles("做好工作。(责任单位:市人力资源和社会保障局、省工业和信息化厅、市委宣传部和市教育局)"),
            vec![
                n("市人力资源和社会保障局", Role::Responsible),
                n("省工业和信息化厅", Role::Responsible),
                n("市委宣传部", Role::Responsible),
                n("市教育局", Role::Responsible)
            ]
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
