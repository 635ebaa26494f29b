//! Compresses the bundled fonts (15 MB as TrueType) with zstd into OUT_DIR, where
//! `src/fonts.rs` includes them: the binary carries 5.8 MB instead, and a process unpacks a
//! font (in milliseconds) only when it first draws a PDF or a chart.

use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let fonts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/fonts");
    for (name, file) in [("hei", "wqy-microhei.ttc"), ("kai", "gkai00mp.ttf"), ("song", "gbsn00lp.ttf")] {
        let source = fonts.join(file);
        println!("cargo:rerun-if-changed={}", source.display());
        let data = std::fs::read(&source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        // Level 19: the best ratio short of the "ultra" levels, ten seconds once per build of
        // the fonts, and decompression as fast as at any level.
        let packed = zstd::encode_all(&data[..], 19).expect("zstd compresses in memory");
        std::fs::write(out.join(format!("{name}.zst")), packed).expect("OUT_DIR is writable");
    }
}
