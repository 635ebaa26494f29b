//! Embeds the user manual's screenshots (`docs/manual/images/*.webp`, written by the browser
//! journey `manual` in `crates/cli/tests/browser.rs`) into the program, so `/help` serves the
//! same files the repository shows: a table of (file name, bytes) in `$OUT_DIR/manual_images.rs`.

use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/manual/images");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".webp"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out =
        String::from("/// The manual's images: (file name, bytes).\npub static IMAGES: &[(&str, &[u8])] = &[\n");
    for name in &names {
        let path = dir.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        out.push_str(&format!("    ({name:?}, include_bytes!({:?})),\n", path.display().to_string()));
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("manual_images.rs");
    std::fs::write(target, out).expect("manual_images.rs written");
}
