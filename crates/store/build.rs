//! Compresses jieba's dictionary (assets/jieba/dict.txt, 5 MB) with zstd into OUT_DIR, where
//! `src/search/words.rs` includes it: 1.6 MB in the binary, unpacked line by line while the
//! dictionary loads, so no unpacked copy stays in memory.

use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/jieba/dict.txt");
    println!("cargo:rerun-if-changed={}", source.display());
    let data = std::fs::read(&source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
    // Level 19, as for the fonts (crates/report/build.rs): the best ratio short of the "ultra"
    // levels, and unpacking as fast as at any level.
    let packed = zstd::encode_all(&data[..], 19).expect("zstd compresses in memory");
    std::fs::write(out.join("jieba-dict.zst"), packed).expect("OUT_DIR is writable");
}
