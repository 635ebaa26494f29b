//! Inputs kept from fuzzing the unit directory sheet importer (see "Fuzzing" in docs/testing.md):
//! every crash found and a minimized selection of the corpus, under
//! `fuzz/regressions/directory_sheet/`. Each is fed to `directory_sheet::read`, which must
//! return units or a clean error without panicking.

#[path = "../../../fuzz/regression_inputs.rs"]
mod regression_inputs;
use regression_inputs::inputs;

#[test]
fn directory_sheet_regressions() {
    for (path, bytes) in inputs("directory_sheet") {
        let result = std::panic::catch_unwind(|| store::directory_sheet::read(&bytes).map(|_| ()));
        assert!(result.is_ok(), "directory_sheet::read panicked on {}", path.display());
    }
}
