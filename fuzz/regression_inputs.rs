//! The inputs kept from fuzzing, `fuzz/regressions/<target>/`, for the regression tests of
//! the crates the fuzz targets call (see "Fuzzing" in docs/testing.md). Each such test includes
//! this file with `#[path]`, so the folder is found and checked in one place.

use std::path::{Path, PathBuf};

/// The files kept for a fuzz target, by name, with their bytes. Fails when there are none,
/// so a moved folder cannot silently turn a test into a no-op.
pub fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    // Every including crate sits at crates/<name>.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no regression inputs in {}", dir.display());
    files.into_iter().map(|p| (p.clone(), std::fs::read(&p).expect("readable input"))).collect()
}
