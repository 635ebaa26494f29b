//! Inputs kept from fuzzing the unit directory sheet importer (see "Fuzzing" in README.md):
//! every crash found and a minimized selection of the corpus, under
//! `fuzz/regressions/directory_sheet/`. Each is fed to `directory_sheet::read`, which must
//! return units or a clean error without panicking.

use std::path::PathBuf;

#[test]
fn directory_sheet_regressions() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions/directory_sheet");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    // None would make this test a silent no-op.
    assert!(!files.is_empty(), "no regression inputs in {}", dir.display());
    for path in files {
        let bytes = std::fs::read(&path).expect("readable input");
        let result = std::panic::catch_unwind(|| store::directory_sheet::read(&bytes).map(|_| ()));
        assert!(result.is_ok(), "directory_sheet::read panicked on {}", path.display());
    }
}
