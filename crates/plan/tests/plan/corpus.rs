//! Real published plans of other authorities and shapes (`tests/corpus/`, sources named in
//! each golden file and in SOURCES.md), scored against hand-made golden counts: items, units
//! with their roles on sampled items, and targets with comparator and value. Parsed with the
//! built-in Yingtan directory, as a new user's first import would be.

use crate::common::*;
use plan::{Comparator, Plan, Role};
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
struct Golden {
    source: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    doc_no: Option<String>,
    #[serde(default)]
    index_no: Option<String>,
    /// The whole published document, not an excerpt of it.
    #[serde(default)]
    whole: bool,
    sections: usize,
    items: usize,
    #[serde(default)]
    units: Vec<GoldenUnits>,
    #[serde(default)]
    targets: Vec<GoldenTarget>,
}

#[derive(Deserialize)]
struct GoldenUnits {
    item: u32,
    #[serde(default)]
    lead: Vec<String>,
    #[serde(default)]
    co: Vec<String>,
    #[serde(default)]
    responsible: Vec<String>,
}

#[derive(Deserialize)]
struct GoldenTarget {
    value: f64,
    #[serde(default)]
    max: Option<f64>,
    unit: String,
    cmp: String,
}

/// Hits, expected and found for one measure.
#[derive(Default, Clone, Copy)]
struct Score {
    hit: usize,
    expected: usize,
    found: usize,
}

impl Score {
    fn add(&mut self, o: Score) {
        self.hit += o.hit;
        self.expected += o.expected;
        self.found += o.found;
    }
    fn recall(&self) -> f64 {
        if self.expected == 0 { 1.0 } else { self.hit as f64 / self.expected as f64 }
    }
    fn precision(&self) -> f64 {
        if self.found == 0 { 1.0 } else { self.hit as f64 / self.found as f64 }
    }
    fn cell(&self) -> String {
        format!("{}/{}/{}", self.hit, self.expected, self.found)
    }
}

fn cmp_name(c: Comparator) -> &'static str {
    match c {
        Comparator::AtLeast => ">=",
        Comparator::AtMost => "<=",
        Comparator::Exactly => "=",
        Comparator::About => "~",
        Comparator::Range => "range",
    }
}

fn score_items(plan: Option<&Plan>, g: &Golden) -> Score {
    let found = plan.map_or(0, |p| p.items.len());
    Score { hit: found.min(g.items), expected: g.items, found }
}

fn score_units(plan: Option<&Plan>, g: &Golden) -> (Score, Vec<String>) {
    let mut s = Score::default();
    let mut misses = Vec::new();
    for gu in &g.units {
        let expected: Vec<(String, Role)> = gu
            .lead
            .iter()
            .map(|n| (plan::text::squeeze(n), Role::Lead))
            .chain(gu.co.iter().map(|n| (plan::text::squeeze(n), Role::Co)))
            .chain(gu.responsible.iter().map(|n| (plan::text::squeeze(n), Role::Responsible)))
            .collect();
        let found: Vec<(String, Role)> = plan
            .and_then(|p| p.items.iter().find(|i| i.number == gu.item))
            .map(|i| i.units.iter().map(|u| (plan::directory::key(&u.name), u.role)).collect())
            .unwrap_or_default();
        let key = |(n, r): &(String, Role)| (plan::directory::key(n), *r);
        let hit = expected.iter().filter(|e| found.contains(&key(e))).count();
        for e in expected.iter().filter(|e| !found.contains(&key(e))) {
            misses.push(format!("item {}: missed unit {} {:?}", gu.item, e.0, e.1));
        }
        for f in found.iter().filter(|f| !expected.iter().any(|e| key(e) == **f)) {
            misses.push(format!("item {}: extra unit {} {:?}", gu.item, f.0, f.1));
        }
        s.add(Score { hit, expected: expected.len(), found: found.len() });
    }
    (s, misses)
}

fn score_targets(plan: Option<&Plan>, g: &Golden) -> (Score, Vec<String>) {
    let found: Vec<(f64, Option<f64>, String, &'static str, String)> = plan
        .map(|p| {
            p.items
                .iter()
                .flat_map(|i| &i.targets)
                .map(|t| (t.value, t.max, t.unit.clone(), cmp_name(t.comparator), t.text.clone()))
                .collect()
        })
        .unwrap_or_default();
    let mut used = vec![false; found.len()];
    let mut hit = 0;
    let mut misses = Vec::new();
    for t in &g.targets {
        let m = found.iter().enumerate().position(|(k, f)| {
            !used[k] && (f.0 - t.value).abs() < 1e-9 && f.1 == t.max && f.2 == t.unit && f.3 == t.cmp
        });
        match m {
            Some(k) => {
                used[k] = true;
                hit += 1;
            }
            None => misses.push(format!("missed {}{} {}", t.value, t.unit, t.cmp)),
        }
    }
    for (k, f) in found.iter().enumerate().filter(|(k, _)| !used[*k]) {
        let _ = k;
        misses.push(format!("extra {}{} {} «{}»", f.0, f.2, f.3, f.4));
    }
    (Score { hit, expected: g.targets.len(), found: found.len() }, misses)
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

#[test]
fn corpus_of_other_authorities_scores() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("corpus directory")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| !n.ends_with(".toml") && !n.ends_with(".md"))
        .collect();
    names.sort();
    assert!(names.len() >= 20, "the corpus holds at least 20 plans");
    let directory = yingtan_directory();
    let (mut items, mut units, mut targets) = (Score::default(), Score::default(), Score::default());
    let mut table = String::from(
        "| document | sections | items hit/expected/found | units | targets | notes |\n|---|---|---|---|---|---|\n",
    );
    let mut problems = Vec::new();
    for name in &names {
        let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
        let golden_path = dir.join(format!("{stem}.toml"));
        let g: Golden = toml::from_str(&std::fs::read_to_string(&golden_path).expect("golden file"))
            .unwrap_or_else(|e| panic!("{}: {e}", golden_path.display()));
        assert!(g.source.starts_with("http"), "{name}: the source is named");
        let bytes = std::fs::read(dir.join(name)).expect("corpus file");
        let parsed = plan::parse(&bytes, &directory);
        let plan = parsed.as_ref().ok();
        let mut notes: Vec<String> = Vec::new();
        if let Err(e) = &parsed {
            notes.push(format!("error: {e}"));
        }
        if let Some(p) = plan {
            assert_covers_bytes(p, &bytes, name);
            if p.sections.len() != g.sections {
                notes.push(format!("sections {} ≠ {}", p.sections.len(), g.sections));
            }
            for (what, want, got) in [
                ("title", &g.title, Some(p.title.clone()).filter(|t| !t.is_empty())),
                ("date", &g.date, p.meta.date.clone()),
                ("doc_no", &g.doc_no, p.meta.doc_no.clone()),
                ("index_no", &g.index_no, p.meta.index_no.clone()),
            ] {
                if let Some(want) = want
                    && got.as_deref() != Some(want.as_str())
                {
                    notes.push(format!("{what} {got:?}"));
                }
            }
            // Another authority's plan never borrows the unrelated Yingtan names.
            if let Some(w) = p.warnings.iter().find(|w| w.code == "unknown_unit" || w.code == "alias_applied") {
                notes.push(format!("directory warning: {}", w.message));
            }
            if p.items.iter().flat_map(|i| &i.units).any(|u| u.known) {
                notes.push("bound to a Yingtan unit".into());
            }
        }
        let i = score_items(plan, &g);
        let (u, unit_misses) = score_units(plan, &g);
        let (t, misses) = score_targets(plan, &g);
        notes.extend(unit_misses);
        notes.extend(misses);
        items.add(i);
        units.add(u);
        targets.add(t);
        let sections = plan.map_or(0, |p| p.sections.len());
        table.push_str(&format!(
            "| {} | {}/{} | {} | {} | {} | {} |\n",
            if g.whole { format!("{stem} (whole)") } else { stem.to_string() },
            sections,
            g.sections,
            i.cell(),
            u.cell(),
            t.cell(),
            notes.join("; ")
        ));
        if !notes.is_empty() {
            problems.push(format!("{name}: {}", notes.join("; ")));
        }
    }
    table.push_str(&format!(
        "| **total** ({} documents) | | {} | {} | {} | |\n\n| measure | recall | precision |\n|---|---|---|\n| items | {} | {} |\n| units | {} | {} |\n| targets | {} | {} |\n",
        names.len(),
        items.cell(),
        units.cell(),
        targets.cell(),
        pct(items.recall()),
        pct(items.precision()),
        pct(units.recall()),
        pct(units.precision()),
        pct(targets.recall()),
        pct(targets.precision()),
    ));
    println!("{table}");
    // The bars are what the parser reaches (the issue asks targets ≥ 95% / ≥ 97%): a change
    // that loses any of it fails here. The one unit too many is 09's cut-off clause.
    assert!(targets.recall() >= 0.999 && targets.precision() >= 0.999, "targets below the bar:\n{table}");
    assert!(items.recall() >= 0.999 && items.precision() >= 0.999, "items below the bar:\n{table}");
    assert!(units.recall() >= 0.999 && units.precision() >= 0.97, "units below the bar:\n{table}");
    // Sections, title, date and numbers as the golden files give them; no parse error and no
    // borrowing from the unrelated directory.
    let wrong: Vec<&String> = problems.iter().filter(|p| !p.contains("missed") && !p.contains("extra")).collect();
    assert!(wrong.is_empty(), "documents read wrongly: {wrong:#?}\n{table}");
}

/// Nothing dropped: the plan's parts put back together give the document's paragraphs.
fn assert_covers_bytes(p: &Plan, bytes: &[u8], name: &str) {
    let blocks = docread::extract(bytes).expect("extracts").blocks;
    // A task table's items are its rows, which are not paragraphs.
    if blocks.iter().any(|b| matches!(b, docread::Block::Table(_))) {
        return;
    }
    let lines = plan::content_lines(&blocks);
    let rebuilt: String = p.parts().iter().map(|x| plan::text::squeeze(x.text)).collect();
    let source: String = lines.iter().map(|l| plan::text::squeeze(l)).collect();
    assert_eq!(rebuilt, source, "{name}: the parts reproduce the text");
}

#[test]
fn another_authoritys_plan_gets_a_directory_of_its_own() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/10-county-edu-2024.txt"))
            .expect("corpus file");
    let p = plan::parse_text(&text, &yingtan_directory()).expect("parses");
    // 办公室 is in the Yingtan directory, but this county's 办公室 is not Yingtan's.
    assert!(p.items[0].units.iter().all(|u| !u.known), "{:?}", p.items[0].units);
    assert!(!p.warnings.iter().any(|w| w.code == "unknown_unit"), "no suggestions from Yingtan: {:?}", p.warnings);
    let learned: Vec<(&str, &str)> = p.learned_units.iter().map(|u| (u.name.as_str(), u.kind.as_str())).collect();
    assert_eq!(learned, [("党建办", "department"), ("办公室", "department")]);
    assert!(p.warnings.iter().any(|w| w.code == "own_directory"));
    // The Yingtan plan itself is still matched against its directory.
    let y = plan::parse_text(YINGTAN_TEXT, &yingtan_directory()).expect("parses");
    assert!(y.learned_units.is_empty() && y.items.iter().flat_map(|i| &i.units).all(|u| u.known));
}

#[test]
fn traditional_text_parses_like_simplified_and_keeps_its_characters() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/06-xianyang-2022-trad.txt"))
            .expect("corpus file");
    let p = plan::parse_text(&text, &plan::Directory::empty()).expect("parses");
    assert_eq!(p.title, "鹹陽市2022年深化“放管服”改革最佳化營商環境工作要點");
    assert_eq!(p.items[0].title, "全面實施行政許可事項清單管理");
    assert_eq!((p.items[0].units[0].name.as_str(), p.items[0].units[0].role), ("市政府辦公室", Role::Lead));
    assert_covers(&p, &text_lines(&text));
}
