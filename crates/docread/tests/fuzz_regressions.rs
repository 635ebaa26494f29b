//! Inputs kept from fuzzing the reader of task tables written as text (see "Fuzzing" in
//! docs/testing.md), under `fuzz/regressions/text_table/`: each must keep the rule its fuzz
//! target checks (`fuzz/text_table_check.rs`) — no panic, and no line's text lost, added or
//! moved.

#[path = "../../../fuzz/regression_inputs.rs"]
mod regression_inputs;
#[path = "../../../fuzz/text_table_check.rs"]
mod text_table_check;

#[test]
fn text_table_regressions() {
    for (path, bytes) in regression_inputs::inputs("text_table") {
        let text = std::str::from_utf8(&bytes).unwrap_or_else(|_| panic!("{} is not UTF-8", path.display()));
        let kept = std::panic::catch_unwind(|| text_table_check::check(text));
        assert!(kept.is_ok(), "the text-table rule fails on {}", path.display());
    }
}
