//! Shared by the parser's tests.

use plan::{Directory, Plan};

pub const YINGTAN_TEXT: &str = include_str!("../../../../data/plans/yingtan-2024-education-work-plan.txt");

pub fn yingtan_directory() -> Directory {
    Directory::from_toml(include_str!("../../../../data/units/yingtan.toml")).expect("the shipped directory parses")
}

pub fn sample(name: &str) -> String {
    let path = format!("{}/tests/samples/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Asserts that the plan's parts, put back together, are exactly the document's text
/// (blank characters aside): nothing dropped, nothing counted twice.
pub fn assert_covers(plan: &Plan, source_lines: &[String]) {
    let rebuilt: String = plan.parts().iter().map(|p| plan::text::squeeze(p.text)).collect();
    let source: String = source_lines.iter().map(|l| plan::text::squeeze(l)).collect();
    if rebuilt != source {
        let common = rebuilt.chars().zip(source.chars()).take_while(|(a, b)| a == b).count();
        let around = |s: &str| s.chars().skip(common.saturating_sub(20)).take(60).collect::<String>();
        panic!(
            "parts differ from the source after {common} characters:\n parts:  {}\n source: {}",
            around(&rebuilt),
            around(&source)
        );
    }
}

/// The paragraphs of plain text as the parser reads them.
pub fn text_lines(text: &str) -> Vec<String> {
    text.lines().filter_map(plan::text::clean_line).collect()
}

pub fn unit_names(plan: &Plan, item: usize) -> Vec<(String, plan::Role)> {
    plan.items[item].units.iter().map(|u| (u.name.clone(), u.role)).collect()
}
