//! The bundled fonts (see assets/fonts/licenses): compiled in, so output never depends on the
//! machine's fonts. They are compressed at build time (build.rs) and unpacked once per process,
//! on first use.

use std::sync::OnceLock;

/// 文泉驿微米黑 (Apache-2.0 / GPL-3+ with font exception): 黑体 headings, and the fallback for
/// characters the Arphic fonts lack (they cover GB 2312 only).
pub fn hei() -> &'static [u8] {
    static FONT: OnceLock<Vec<u8>> = OnceLock::new();
    unpacked(&FONT, include_bytes!(concat!(env!("OUT_DIR"), "/hei.zst")))
}

/// AR PL KaitiM GB (Arphic Public License): body text (for 仿宋) and 楷体 headings.
pub fn kai() -> &'static [u8] {
    static FONT: OnceLock<Vec<u8>> = OnceLock::new();
    unpacked(&FONT, include_bytes!(concat!(env!("OUT_DIR"), "/kai.zst")))
}

/// AR PL SungtiL GB (Arphic Public License): the title (for 小标宋) and page numbers (宋体).
pub fn song() -> &'static [u8] {
    static FONT: OnceLock<Vec<u8>> = OnceLock::new();
    unpacked(&FONT, include_bytes!(concat!(env!("OUT_DIR"), "/song.zst")))
}

fn unpacked(font: &'static OnceLock<Vec<u8>>, packed: &'static [u8]) -> &'static [u8] {
    // The bytes were compressed by this crate's build script from the files in assets/fonts,
    // so they always unpack (the test below unpacks each one); an empty font would only make
    // the PDF writer report a font error, never a panic here.
    font.get_or_init(|| zstd::decode_all(packed).unwrap_or_default())
}

/// The family name of `hei` for SVG rendering.
pub const HEI_FAMILY: &str = "WenQuanYi Micro Hei";

#[cfg(test)]
mod tests {
    #[test]
    fn every_bundled_font_unpacks_to_the_file_it_was_made_from() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/fonts");
        for (font, file) in
            [(super::hei(), "wqy-microhei.ttc"), (super::kai(), "gkai00mp.ttf"), (super::song(), "gbsn00lp.ttf")]
        {
            let original = std::fs::read(dir.join(file)).expect("font file");
            assert!(font == original.as_slice(), "{file} does not unpack to itself");
        }
    }
}
