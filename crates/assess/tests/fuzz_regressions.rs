//! Inputs kept from fuzzing the school-data readers (see "Fuzzing" in docs/testing.md): every crash
//! found and a minimized selection of the corpus, under `fuzz/regressions/<target>/`. Each is
//! fed to every reader, whole and partial, which must return rows or a clean error without
//! panicking. The `assess_xlsx` files are kept as the xlsx its target built.

#[path = "../../../fuzz/regression_inputs.rs"]
mod regression_inputs;
use regression_inputs::inputs;

/// What the fuzz targets call: every reader, whole and partial.
fn read_all(bytes: &[u8]) {
    let _ = assess::read_schools(bytes);
    let _ = assess::read_schools_partial(bytes);
    let _ = assess::read_kindergartens(bytes);
    let _ = assess::read_kindergartens_partial(bytes);
    let _ = assess::read_population(bytes);
    let _ = assess::read_population_partial(bytes);
}

fn read_each(target: &str) {
    for (path, bytes) in inputs(target) {
        let result = std::panic::catch_unwind(|| read_all(&bytes));
        assert!(result.is_ok(), "a school-data reader panicked on {}", path.display());
    }
}

#[test]
fn assess_input_regressions() {
    read_each("assess_input");
}

#[test]
fn assess_xlsx_regressions() {
    read_each("assess_xlsx");
}
