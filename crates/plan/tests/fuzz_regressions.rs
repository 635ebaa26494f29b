//! Inputs kept from fuzzing the plan parser (see "Fuzzing" in docs/testing.md): every crash found
//! and a minimized selection of the corpus, under `fuzz/regressions/<target>/`. Each is fed to
//! the function its fuzz target calls, which must return (a plan or a clean error) without
//! panicking. The structure-aware targets' files are kept as the document they built.

#[path = "../../../fuzz/regression_inputs.rs"]
mod regression_inputs;
use regression_inputs::inputs;

use plan::Directory;

fn directory() -> Directory {
    Directory::from_toml(include_str!("../../../data/units/yingtan.toml")).expect("the shipped directory parses")
}

/// Whole files of any format, as `plan::parse` reads them (targets plan_parse, plan_html,
/// plan_docx).
fn parse_each(target: &str) {
    let directory = directory();
    for (path, bytes) in inputs(target) {
        let result = std::panic::catch_unwind(|| plan::parse(&bytes, &directory).map(|_| ()));
        assert!(result.is_ok(), "plan::parse panicked on {}", path.display());
    }
}

#[test]
fn plan_parse_regressions() {
    parse_each("plan_parse");
}

#[test]
fn plan_html_regressions() {
    parse_each("plan_html");
}

#[test]
fn plan_docx_regressions() {
    parse_each("plan_docx");
}

#[test]
fn plan_text_regressions() {
    let directory = directory();
    for (path, bytes) in inputs("plan_text") {
        let text = std::str::from_utf8(&bytes).unwrap_or_else(|_| panic!("{} is not UTF-8", path.display()));
        let result = std::panic::catch_unwind(|| plan::parse_text(text, &directory).map(|_| ()));
        assert!(result.is_ok(), "plan::parse_text panicked on {}", path.display());
    }
}
