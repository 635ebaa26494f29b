//! The unit directory the parser normalises responsible-unit names against. It is data (a
//! TOML file such as `data/units/yingtan.toml`), not code: each authority has its own.

use crate::model::{LearnedUnit, Plan, UnitRef, Warning};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Default, Deserialize)]
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
                // The whole name is never its own split (it may be in the directory when the
                // directory is the document's own names; see `split_run_together`).
                if start == 0 && end == n {
                    continue;
                }
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

/// Names a plan read without a directory runs together without a 、 ("经济发展处交通与建设处"),
/// split where every piece is a name the same document writes on its own elsewhere (with a
/// directory, `units::resolve` splits against the directory's names instead). Each split is a
/// warning, so the reviewer sees it beside the learned directory.
pub fn split_run_together(plan: &mut Plan) {
    let names: std::collections::BTreeSet<&str> =
        plan.items.iter().flat_map(|i| &i.units).map(|u| u.name.as_str()).collect();
    let own = Directory::from_units(
        None,
        names.into_iter().map(|name| DirectoryUnit { name: name.to_string(), ..Default::default() }).collect(),
    );
    let mut warnings = Vec::new();
    for item in &mut plan.items {
        let mut units: Vec<UnitRef> = Vec::new();
        for u in std::mem::take(&mut item.units) {
            // Only a name long enough to hold two names is tried.
            let Some(pieces) = (u.name.chars().count() >= 6).then(|| own.split_run(&u.name)).flatten() else {
                units.push(u);
                continue;
            };
            warnings.push(Warning {
                item: Some(item.number),
                code: "missing_separator".into(),
                message: format!("单位“{}”之间缺少顿号,已拆分为“{}”", u.name, pieces.join("”“")),
            });
            for p in pieces {
                if !units.iter().any(|o| o.name == p && o.role == u.role) {
                    let group = crate::units::looks_like_group(&p);
                    units.push(UnitRef { name: p.clone(), raw: p, role: u.role, group, known: u.known });
                }
            }
        }
        item.units = units;
    }
    plan.warnings.extend(warnings);
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

/// How strongly a role binds a unit: a unit named twice on an item keeps the stronger one.
fn strength(role: crate::model::Role) -> u8 {
    match role {
        crate::model::Role::Lead => 2,
        crate::model::Role::Responsible => 1,
        crate::model::Role::Co => 0,
    }
}

/// Renames units, or merges them into one another, on every item of a plan: each pair is
/// (a name the plan's items carry, its new name); a new name that is already another unit's
/// merges the two. Pairs are followed through (A into B while B is renamed C puts A's items
/// on C). A unit named twice on an item afterwards is kept once, first place, stronger role
/// (lead over responsible over co). The learned directory, if the plan has one, is learned
/// again. Bad input — an empty new name, a unit merged into itself, a unit the plan does not
/// name, a unit given two new names, a circle of renames — is refused with a message and
/// changes nothing.
pub fn rename_units(plan: &mut Plan, renames: &[(String, String)]) -> Result<(), String> {
    let named = |n: &str| plan.items.iter().any(|i| i.units.iter().any(|u| u.name == n));
    let mut map: Vec<(&str, &str)> = Vec::new();
    for (from, to) in renames {
        let (from, to) = (from.trim(), to.trim());
        if to.is_empty() {
            return Err(format!("单位“{from}”的新名称不能为空"));
        }
        if to.chars().count() > 100 {
            return Err(format!("单位“{from}”的新名称不能超过 100 字"));
        }
        if from == to {
            return Err(format!("单位“{from}”不能并入自身"));
        }
        if !named(from) {
            return Err(format!("本文件中没有单位“{from}”"));
        }
        if map.iter().any(|(f, _)| *f == from) {
            return Err(format!("单位“{from}”只能改为一个名称"));
        }
        map.push((from, to));
    }
    let mut target: Vec<(String, String)> = Vec::new();
    for &(from, _) in &map {
        let mut name = from;
        let mut steps = 0;
        while let Some(&(_, to)) = map.iter().find(|(f, _)| *f == name) {
            name = to;
            steps += 1;
            if steps > map.len() {
                return Err(format!("单位“{from}”的改名与并入相互循环"));
            }
        }
        target.push((from.to_string(), name.to_string()));
    }
    // A unit renamed to a name the plan already carries takes that unit's flags.
    let flags_of =
        |name: &str| plan.items.iter().flat_map(|i| &i.units).find(|u| u.name == name).map(|u| (u.group, u.known));
    let flags: Vec<(bool, bool)> =
        target.iter().map(|(_, to)| flags_of(to).unwrap_or((crate::units::looks_like_group(to), false))).collect();
    for item in &mut plan.items {
        let mut units: Vec<crate::model::UnitRef> = Vec::with_capacity(item.units.len());
        for mut u in std::mem::take(&mut item.units) {
            if let Some(k) = target.iter().position(|(from, _)| *from == u.name) {
                u.name = target[k].1.clone();
                (u.group, u.known) = flags[k];
            }
            match units.iter_mut().find(|kept| kept.name == u.name) {
                Some(kept) => {
                    if strength(u.role) > strength(kept.role) {
                        kept.role = u.role;
                    }
                }
                None => units.push(u),
            }
        }
        item.units = units;
    }
    if !plan.learned_units.is_empty() {
        plan.learned_units = learn(plan);
    }
    Ok(())
}

#[cfg(test)]
mod rename_tests {
    use super::*;
    use crate::model::Role;

    fn plan() -> Plan {
        let text = "2025年某市科技局工作要点\n一、重点工作\n1.推进项目建设。(牵头单位:市发改局;配合单位:市财政局、办公室)\n\
                    2.做好资金保障。(牵头单位:市财政局;配合单位:市发改局)\n3.做好宣传。(责任单位:办公室、市财政局)\n";
        let p = crate::parse_text(text, &Directory::empty()).expect("parse");
        let names = |i: usize| p.items[i].units.iter().map(|u| (u.name.as_str(), u.role)).collect::<Vec<_>>();
        assert_eq!(names(0), [("市发改局", Role::Lead), ("市财政局", Role::Co), ("办公室", Role::Co)]);
        assert_eq!(names(1), [("市财政局", Role::Lead), ("市发改局", Role::Co)]);
        p
    }

    fn units(p: &Plan, i: usize) -> Vec<(String, Role)> {
        p.items[i].units.iter().map(|u| (u.name.clone(), u.role)).collect()
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn merging_keeps_one_unit_per_item_with_the_stronger_role() {
        let mut p = plan();
        p.learned_units = learn(&p);
        rename_units(&mut p, &pairs(&[("市财政局", "市发改局"), ("办公室", "市科技局办公室")])).expect("renamed");
        assert_eq!(units(&p, 0), [("市发改局".into(), Role::Lead), ("市科技局办公室".into(), Role::Co)]);
        // The co unit merged into the lead one: one unit, lead.
        assert_eq!(units(&p, 1), [("市发改局".into(), Role::Lead)]);
        assert_eq!(
            units(&p, 2),
            [("市科技局办公室".into(), Role::Responsible), ("市发改局".into(), Role::Responsible)]
        );
        let learned: Vec<(&str, usize)> = p.learned_units.iter().map(|l| (l.name.as_str(), l.items)).collect();
        assert_eq!(learned, [("市发改局", 3), ("市科技局办公室", 2)]);
        assert_eq!(p.learned_units[1].level, "市");
    }

    #[test]
    fn names_run_together_split_into_names_the_document_writes_alone() {
        let text = "2023年某片区工作要点\n一、重点工作\n1.甲。(经济发展处、社会事业处按职责分工负责)\n\
                    2.乙。(交通与建设处按职责分工负责)\n3.丙。(经济发展处交通与建设处按职责分工负责)\n\
                    4.丁。(社会事业处办公室负责)\n";
        let mut p = crate::parse_text(text, &Directory::empty()).expect("parse");
        split_run_together(&mut p);
        assert_eq!(
            units(&p, 2),
            [("经济发展处".into(), Role::Responsible), ("交通与建设处".into(), Role::Responsible)]
        );
        assert!(p.warnings.iter().any(|w| w.code == "missing_separator" && w.item == Some(3)));
        // A name whose rest is no name of the document stays whole.
        assert_eq!(units(&p, 3), [("社会事业处办公室".into(), Role::Responsible)]);
    }

    #[test]
    fn renames_are_followed_through() {
        let mut p = plan();
        rename_units(&mut p, &pairs(&[("办公室", "市财政局"), ("市财政局", "市财政局(本级)")])).expect("renamed");
        assert_eq!(units(&p, 2), [("市财政局(本级)".into(), Role::Responsible)]);
        assert_eq!(units(&p, 0)[1], ("市财政局(本级)".into(), Role::Co));
    }

    #[test]
    fn bad_input_changes_nothing() {
        let before = plan();
        for (bad, message) in [
            (vec![("市财政局", " ")], "单位“市财政局”的新名称不能为空"),
            (vec![("市财政局", "市财政局")], "单位“市财政局”不能并入自身"),
            (vec![("市教育局", "市财政局")], "本文件中没有单位“市教育局”"),
            (vec![("办公室", "甲"), ("办公室", "乙")], "单位“办公室”只能改为一个名称"),
            (vec![("办公室", "市财政局"), ("市财政局", "办公室")], "单位“办公室”的改名与并入相互循环"),
            // A valid pair before a bad one is not applied either.
            (vec![("办公室", "市财政局"), ("市发改局", "")], "单位“市发改局”的新名称不能为空"),
        ] {
            let mut p = before.clone();
            assert_eq!(rename_units(&mut p, &pairs(&bad)), Err(message.to_string()));
            assert_eq!(p, before);
        }
    }
}
