//! The unit directory the parser normalises responsible-unit names against. It is data (a
//! TOML file such as `data/units/yingtan.toml`), not code: each authority has its own.

use crate::model::{LearnedUnit, Plan};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Deserialize)]
pub struct DirectoryUnit {
    pub name: String,
    /// "group", "district", "department", "school", ...
    pub kind: String,
    /// Other correct names for the unit, matched without a warning.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Wrong forms seen in real documents, matched with a warning.
    #[serde(default)]
    pub misspellings: Vec<String>,
    /// For groups: the names of the units the group expands to.
    #[serde(default)]
    pub members: Vec<String>,
    /// For schools: 幼儿园, 小学, 初中, 九年一贯制, 高中, 完全中学, 中职, 高校.
    #[serde(default)]
    pub stage: Option<String>,
    /// For schools: 公办 or 民办.
    #[serde(default)]
    pub ownership: Option<String>,
    /// For private kindergartens: certified as 普惠 (inclusive).
    #[serde(default)]
    pub inclusive: bool,
    /// The district a school belongs to (a district unit's name), if not city-run.
    #[serde(default)]
    pub district: Option<String>,
}

impl DirectoryUnit {
    pub fn is_group(&self) -> bool {
        self.kind == "group"
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
struct DirectoryFile {
    #[serde(default)]
    authority: Option<String>,
    #[serde(default)]
    unit: Vec<DirectoryUnit>,
}

/// How a written name matched the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    Exact,
    Alias,
    Misspelling,
}

#[derive(Debug, Clone, Default)]
pub struct Directory {
    pub authority: Option<String>,
    pub units: Vec<DirectoryUnit>,
    /// Lookup key (see [`key`]) → (index into `units`, how it matched).
    index: HashMap<String, (usize, Match)>,
}

/// The form names are compared in: no whitespace, ASCII parentheses.
pub fn key(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            _ => c,
        })
        .collect()
}

impl Directory {
    /// An empty directory: every name is kept as written (with an "unknown unit" warning).
    pub fn empty() -> Self {
        Self::default()
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        let file: DirectoryFile = toml::from_str(text).map_err(|e| e.to_string())?;
        Ok(Self::from_units(file.authority, file.unit))
    }

    pub fn from_units(authority: Option<String>, units: Vec<DirectoryUnit>) -> Self {
        let mut index = HashMap::new();
        for (i, u) in units.iter().enumerate() {
            index.insert(key(&u.name), (i, Match::Exact));
            for a in &u.aliases {
                index.entry(key(a)).or_insert((i, Match::Alias));
            }
            for m in &u.misspellings {
                index.entry(key(m)).or_insert((i, Match::Misspelling));
            }
        }
        Directory { authority, units, index }
    }

    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    pub fn lookup(&self, name: &str) -> Option<(&DirectoryUnit, Match)> {
        self.index.get(&key(name)).map(|&(i, m)| (&self.units[i], m))
    }

    /// Splits a run of names written without separators ("各区(市)安稳办") into known names,
    /// preferring the fewest pieces. `None` unless every piece is known.
    pub fn split_run(&self, name: &str) -> Option<Vec<String>> {
        let chars: Vec<char> = key(name).chars().collect();
        let n = chars.len();
        if n == 0 || n > 120 {
            return None;
        }
        // best[i] = fewest pieces covering chars[..i], with the split point before it.
        let mut best: Vec<Option<(usize, usize)>> = vec![None; n + 1];
        best[0] = Some((0, 0));
        for end in 1..=n {
            for start in 0..end {
                let Some((count, _)) = best[start] else {
                    continue;
                };
                let piece: String = chars[start..end].iter().collect();
                if self.index.contains_key(&piece) && best[end].is_none_or(|(c, _)| count + 1 < c) {
                    best[end] = Some((count + 1, start));
                }
            }
        }
        let (count, _) = best[n]?;
        if count < 2 {
            return None;
        }
        let mut pieces = Vec::new();
        let mut end = n;
        while end > 0 {
            let (_, start) = best[end]?;
            pieces.push(chars[start..end].iter().collect());
            end = start;
        }
        pieces.reverse();
        Some(pieces)
    }

    /// The known name closest to `name`, if any is reasonably close.
    pub fn nearest(&self, name: &str) -> Option<&str> {
        let k = key(name);
        let mut best: Option<(f64, &str)> = None;
        for (candidate, &(i, _)) in &self.index {
            let mut score = strsim::normalized_levenshtein(&k, candidate);
            // A name that is a fragment of a known one ("直各学校") is very likely that one.
            if candidate.contains(k.as_str()) || k.contains(candidate.as_str()) {
                score = score.max(0.75);
            }
            let name = self.units[i].name.as_str();
            // Ties go to the alphabetically first name so the suggestion is deterministic.
            if best.is_none_or(|(s, n)| score > s || (score == s && name < n)) {
                best = Some((score, name));
            }
        }
        best.filter(|(s, _)| *s >= 0.5).map(|(_, n)| n)
    }
}

/// Whether `directory` is the document's own: the directory's authority is named in the
/// document's title, issuer or signature, or (when the directory names no authority or the
/// document names none) most of the units the plan names are in it. A plan of another
/// authority is never matched against an unrelated directory: its 办公室 is not Yingtan's.
pub fn applies_to(directory: &Directory, plan: &Plan) -> bool {
    if directory.is_empty() {
        return false;
    }
    // A directory of a named authority that the document does not name must match clearly.
    let strict = directory.authority.is_some();
    if let Some(authority) = directory.authority.as_deref() {
        let place = place_of(authority);
        let named = [
            Some(plan.title.as_str()),
            plan.meta.issuer.as_deref(),
            plan.meta.signature.as_deref(),
            plan.heading.as_deref(),
        ];
        if named.iter().flatten().any(|t| t.contains(authority) || (!place.is_empty() && t.contains(place))) {
            return true;
        }
    }
    let mut names: Vec<(&str, bool)> = Vec::new();
    for u in plan.items.iter().flat_map(|i| &i.units) {
        if !names.iter().any(|(n, _)| *n == u.raw) {
            names.push((&u.raw, u.known));
        }
    }
    let known = names.iter().filter(|(_, k)| *k).count();
    !names.is_empty() && (known * 2 > names.len() || !strict && known * 2 == names.len())
}

/// "鹰潭市教育局" → "鹰潭市": the place an authority governs.
fn place_of(authority: &str) -> &str {
    for (i, c) in authority.char_indices() {
        if matches!(c, '省' | '市' | '县' | '区' | '州' | '盟') && i > 0 {
            return &authority[..i + c.len_utf8()];
        }
    }
    ""
}

/// The units a plan names, as a directory of its own to review: each name once, with the kind
/// and level its name shows, in the order they first appear.
pub fn learn(plan: &Plan) -> Vec<LearnedUnit> {
    let mut out: Vec<LearnedUnit> = Vec::new();
    for item in &plan.items {
        let mut seen: Vec<&str> = Vec::new();
        for u in &item.units {
            if seen.contains(&u.name.as_str()) {
                continue;
            }
            seen.push(&u.name);
            match out.iter_mut().find(|l| l.name == u.name) {
                Some(l) => l.items += 1,
                None => out.push(LearnedUnit {
                    name: u.name.clone(),
                    kind: kind_of(&u.name).into(),
                    level: level_of(&u.name).into(),
                    items: 1,
                }),
            }
        }
    }
    out
}

fn kind_of(name: &str) -> &'static str {
    if crate::units::looks_like_group(name) {
        "group"
    } else if name.ends_with("人民政府") && !name.contains("办公")
        || ["县", "区", "市"].iter().any(|s| name.ends_with(s)) && name.chars().count() <= 8
    {
        "district"
    } else if ["厅", "局", "委", "办", "室", "科", "处", "中心", "股", "部", "站", "所", "馆", "院", "会", "专班", "组"]
        .iter()
        .any(|s| name.ends_with(s))
    {
        "department"
    } else {
        "other"
    }
}

fn level_of(name: &str) -> &'static str {
    let n = name.trim_start_matches('各');
    if n.starts_with('省') || n.contains("地级以上市") {
        "省"
    } else if n.starts_with('市') {
        "市"
    } else if n.starts_with('县') || n.starts_with('区') || n.contains("县(市、区)") || n.contains("县（市、区）")
    {
        "区县"
    } else if n.starts_with("乡") || n.starts_with("镇") || n.starts_with("街道") {
        "乡镇"
    } else {
        ""
    }
}
