//! The bundled fonts (see assets/fonts/licenses): compiled in, so output never depends on the
//! machine's fonts.

/// 文泉驿微米黑 (Apache-2.0 / GPL-3+ with font exception): 黑体 headings, and the fallback for
/// characters the Arphic fonts lack (they cover GB 2312 only).
pub static HEI: &[u8] = include_bytes!("../../../assets/fonts/wqy-microhei.ttc");
/// AR PL KaitiM GB (Arphic Public License): body text (for 仿宋) and 楷体 headings.
pub static KAI: &[u8] = include_bytes!("../../../assets/fonts/gkai00mp.ttf");
/// AR PL SungtiL GB (Arphic Public License): the title (for 小标宋) and page numbers (宋体).
pub static SONG: &[u8] = include_bytes!("../../../assets/fonts/gbsn00lp.ttf");

/// The family name of `HEI` for SVG rendering.
pub const HEI_FAMILY: &str = "WenQuanYi Micro Hei";
