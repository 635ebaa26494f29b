//! Small helpers shared by the streaming readers of OOXML parts (docx body, numbering,
//! styles).

use quick_xml::events::{BytesRef, BytesStart};
use quick_xml::{Reader, XmlVersion};

use crate::ReadError;

/// The text of an XML part. OOXML parts are UTF-8 (rarely UTF-16 with a BOM); a stray
/// invalid byte becomes U+FFFD rather than failing the whole document.
pub(crate) fn part_text(bytes: &[u8]) -> String {
    match encoding_rs::Encoding::for_bom(bytes) {
        Some((enc, bom_len)) => {
            let rest = bytes.get(bom_len..).unwrap_or_default();
            enc.decode_without_bom_handling(rest).0.into_owned()
        }
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// A reader over one part. Text is not trimmed: spaces inside `w:t` are content.
pub(crate) fn reader(xml: &str) -> Reader<&[u8]> {
    Reader::from_str(xml)
}

/// The value of the attribute with this local name (namespace prefixes vary between
/// producers, the local names do not).
pub(crate) fn attr(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .and_then(|a| a.normalized_value(XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
}

/// `w:val` parsed as a number.
pub(crate) fn val_u32(e: &BytesStart<'_>) -> Option<u32> {
    attr(e, "val").and_then(|v| v.trim().parse().ok())
}

/// Whether an on/off property such as `<w:vanish/>` or `<w:isLgl w:val="0"/>` is on.
pub(crate) fn is_on(e: &BytesStart<'_>) -> bool {
    !matches!(attr(e, "val").as_deref(), Some("0" | "false" | "off"))
}

/// The text of an entity or character reference (`&amp;`, `&#x4E00;`); unknown ones are
/// dropped.
pub(crate) fn reference_text(r: &BytesRef<'_>) -> Option<String> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return Some(c.to_string());
    }
    let name = r.xml10_content();
    quick_xml::escape::resolve_predefined_entity(&name).map(str::to_owned)
}

pub(crate) fn malformed(part: &str, position: u64) -> ReadError {
    ReadError::Corrupt(format!("{part} 的 XML 格式错误(位置 {position})"))
}
