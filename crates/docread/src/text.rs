//! Text decoding (bytes → `String` plus the name of the encoding found) and plain-text lines.
//!
//! Chinese government documents arrive as UTF-8, as UTF-8/UTF-16 with a BOM (Notepad), or as
//! GBK/GB2312 (older Windows tools, Excel's CSV export). The decision order is:
//!
//! 1. a BOM (UTF-8, UTF-16LE, UTF-16BE) wins;
//! 2. valid UTF-8 (a multi-byte character cut off at the very end is tolerated, since truncated
//!    copies are common) → "UTF-8";
//! 3. a charset declared by the caller (an HTML `<meta charset>`) → that encoding;
//! 4. valid GB18030 (a superset of GBK and GB2312) → "GB18030" — unless the bytes are UTF-8
//!    with a few stray invalid bytes, which GB18030 would happily turn into mojibake;
//! 5. otherwise the encoding with fewer malformed sequences, decoded lossily (U+FFFD), but
//!    only if the malformed share is tiny (at most one per [`TOLERATED_MALFORMED_PER`]
//!    characters, and at least one tolerated) — a stray bad byte should not make a whole
//!    file unreadable, while a file full of them is not text.
//!
//! Text with NUL bytes (and no UTF-16 BOM) or with many control characters is binary.

use encoding_rs::{Encoding, GB18030, UTF_8, UTF_16BE, UTF_16LE};

use crate::ReadError;

/// Lossy decoding is accepted when there is at most one malformed sequence per this many
/// decoded characters.
const TOLERATED_MALFORMED_PER: usize = 1000;

/// Decoded text is binary when more than one character in this many is a control character.
const TOLERATED_CONTROL_PER: usize = 100;

/// The result of decoding: the text, the encoding's display name and how many malformed
/// sequences were replaced by U+FFFD.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub text: String,
    pub encoding: &'static str,
    pub malformed: usize,
}

/// Best-effort decoding that never fails: the text and the name of the encoding used
/// ("UTF-8", "UTF-16LE", "UTF-16BE", "GB18030").
///
/// Malformed sequences become U+FFFD. Use [`crate::extract`] to also reject binary data.
pub fn decode_text(bytes: &[u8]) -> (String, &'static str) {
    let d = decode(bytes, None);
    (d.text, d.encoding)
}

/// Decodes text for extraction: like [`decode_text`] but binary data (NUL bytes, too many
/// malformed sequences or control characters) is an error.
pub(crate) fn decode_checked(bytes: &[u8], declared: Option<&'static Encoding>) -> Result<Decoded, ReadError> {
    let has_utf16_bom = matches!(Encoding::for_bom(bytes), Some((e, _)) if e != UTF_8);
    if !has_utf16_bom && bytes.contains(&0) {
        return Err(ReadError::Binary);
    }
    let d = decode(bytes, declared);
    let chars = d.text.chars().count();
    if d.malformed > tolerated(chars, TOLERATED_MALFORMED_PER) {
        return Err(ReadError::Binary);
    }
    let controls = d.text.chars().filter(|&c| is_binary_control(c)).count();
    if controls > tolerated(chars, TOLERATED_CONTROL_PER) {
        return Err(ReadError::Binary);
    }
    Ok(d)
}

/// How many bad characters are tolerated in `chars` characters: one per `per`, and at least
/// one so that a short file with a single stray byte is still read.
fn tolerated(chars: usize, per: usize) -> usize {
    (chars / per).max(1)
}

/// Control characters that do not occur in text files. Tab, the line breaks, vertical tab
/// (Word's manual line break when pasted) and form feed (page break) do; DEL and C1 controls
/// are counted too since decoders only produce them from non-text bytes.
fn is_binary_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{0b}' | '\u{0c}')
}

fn decode(bytes: &[u8], declared: Option<&'static Encoding>) -> Decoded {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let rest = bytes.get(bom_len..).unwrap_or_default();
        let (text, malformed) = decode_lossy(enc, rest);
        return Decoded { text, encoding: display_name(enc), malformed };
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => {
            return Decoded { text: s.to_owned(), encoding: "UTF-8", malformed: 0 };
        }
        // Only an incomplete character at the very end: a truncated but otherwise valid file.
        Err(e) if e.error_len().is_none() => {
            let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
            let text = String::from_utf8_lossy(valid).into_owned();
            return Decoded { text, encoding: "UTF-8", malformed: 0 };
        }
        Err(_) => {}
    }
    if let Some(enc) = declared.filter(|e| ![UTF_8, UTF_16LE, UTF_16BE].contains(e)) {
        let (text, malformed) = decode_lossy(enc, bytes);
        return Decoded { text, encoding: display_name(enc), malformed };
    }
    let utf8 = utf8_stats(bytes);
    if let Some(text) = GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
        let mostly_utf8 = utf8.multibyte >= utf8.malformed.saturating_mul(20)
            && utf8.malformed <= tolerated(bytes.len(), TOLERATED_MALFORMED_PER);
        if !mostly_utf8 {
            return Decoded { text: text.into_owned(), encoding: "GB18030", malformed: 0 };
        }
    }
    let (gb_text, gb_malformed) = decode_lossy(GB18030, bytes);
    if gb_malformed < utf8.malformed {
        Decoded { text: gb_text, encoding: "GB18030", malformed: gb_malformed }
    } else {
        let text = String::from_utf8_lossy(bytes).into_owned();
        Decoded { text, encoding: "UTF-8", malformed: utf8.malformed }
    }
}

/// Decodes with replacement and counts the replacements made (not U+FFFD already present).
fn decode_lossy(enc: &'static Encoding, bytes: &[u8]) -> (String, usize) {
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    let malformed = if had_errors {
        // Counts every U+FFFD; one already in the source is rare enough to be ignored.
        text.chars().filter(|&c| c == '\u{fffd}').count().max(1)
    } else {
        0
    };
    (text.into_owned(), malformed)
}

struct Utf8Stats {
    malformed: usize,
    multibyte: usize,
}

fn utf8_stats(bytes: &[u8]) -> Utf8Stats {
    let mut stats = Utf8Stats { malformed: 0, multibyte: 0 };
    for chunk in bytes.utf8_chunks() {
        stats.multibyte += chunk.valid().chars().filter(|c| c.len_utf8() > 1).count();
        if !chunk.invalid().is_empty() {
            stats.malformed += 1;
        }
    }
    stats
}

/// encoding_rs spells GB18030 in lower case; everything else keeps its WHATWG name.
fn display_name(enc: &'static Encoding) -> &'static str {
    if enc == GB18030 { "GB18030" } else { enc.name() }
}

/// Finds a charset declared in the first bytes of an HTML page: `<meta charset="gbk">` or
/// `<meta http-equiv="Content-Type" content="text/html; charset=gb2312">`. Works on the raw
/// bytes because it runs before the text is decoded; the declaration is ASCII in every
/// ASCII-compatible encoding.
pub(crate) fn declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = bytes.get(..4096).unwrap_or(bytes).to_ascii_lowercase();
    // Only a page declares its charset; "charset=" in other text is just words.
    find(&head, b"<meta")?;
    let mut from = 0;
    while let Some(pos) = find(head.get(from..)?, b"charset") {
        let after = from + pos + b"charset".len();
        from = after;
        let rest = head.get(after..)?;
        let rest = trim_ascii_start(rest);
        let Some(rest) = rest.strip_prefix(b"=") else {
            continue;
        };
        let rest = trim_ascii_start(rest);
        let rest = rest.strip_prefix(b"\"").or_else(|| rest.strip_prefix(b"'")).unwrap_or(rest);
        let end = rest
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':')))
            .unwrap_or(rest.len());
        if let Some(enc) = rest.get(..end).and_then(Encoding::for_label) {
            return Some(enc);
        }
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn trim_ascii_start(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    b.get(start..).unwrap_or_default()
}

/// True for text with nothing but whitespace and byte order marks.
pub(crate) fn is_blank(text: &str) -> bool {
    text.chars().all(|c| c.is_whitespace() || c == '\u{feff}')
}

/// The non-blank lines of a plain-text file, each kept as is. Lines end at `\n`, `\r\n`,
/// `\r`, U+2028/U+2029 (line/paragraph separators), vertical tab (Word's manual line break
/// when copied as text) and form feed (page break).
pub(crate) fn lines(text: &str) -> Vec<String> {
    text.split(['\n', '\r', '\u{2028}', '\u{2029}', '\u{0b}', '\u{0c}'])
        .filter(|line| !is_blank(line))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_and_truncated_utf8() {
        let d = decode_checked("一、总体要求".as_bytes(), None).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), ("一、总体要求", "UTF-8"));
        let bytes = "工作要点".as_bytes();
        let cut = &bytes[..bytes.len() - 1];
        let d = decode_checked(cut, None).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), ("工作要", "UTF-8"));
    }

    #[test]
    fn gbk_is_gb18030() {
        let (bytes, _, _) = encoding_rs::GBK.encode("一、总体要求\n（一）加强党的建设");
        let d = decode_checked(&bytes, None).unwrap();
        assert_eq!(d.encoding, "GB18030");
        assert_eq!(d.text, "一、总体要求\n（一）加强党的建设");
    }

    #[test]
    fn utf8_with_one_stray_byte_stays_utf8() {
        let mut bytes = "二、主要任务，深入推进依法行政。".repeat(20).into_bytes();
        bytes.insert(30, 0xff);
        let d = decode_checked(&bytes, None).unwrap();
        assert_eq!(d.encoding, "UTF-8");
        assert_eq!(d.malformed, 1);
        assert!(d.text.contains("深入推进依法行政"));
    }

    #[test]
    fn boms() {
        let mut b = vec![0xef, 0xbb, 0xbf];
        b.extend_from_slice("要点".as_bytes());
        assert_eq!(decode_text(&b), ("要点".to_owned(), "UTF-8"));
        let mut le = vec![0xff, 0xfe];
        le.extend("要点".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode_text(&le), ("要点".to_owned(), "UTF-16LE"));
        let mut be = vec![0xfe, 0xff];
        be.extend("要点".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode_text(&be), ("要点".to_owned(), "UTF-16BE"));
    }

    #[test]
    fn binary_is_rejected() {
        assert_eq!(decode_checked(b"abc\0def", None).unwrap_err(), ReadError::Binary);
        let controls: Vec<u8> = (0..200u8).map(|i| if i % 3 == 0 { 0x01 } else { b'a' }).collect();
        assert_eq!(decode_checked(&controls, None).unwrap_err(), ReadError::Binary);
    }

    #[test]
    fn meta_charset() {
        assert_eq!(declared_charset(b"<meta charset=\"GBK\">"), Some(encoding_rs::GBK));
        let http = b"<META http-equiv=Content-Type content='text/html; charset=gb2312'>";
        assert_eq!(declared_charset(http), Some(encoding_rs::GBK));
        assert_eq!(declared_charset(b"<p>charset is a word</p>"), None);
        assert_eq!(declared_charset(b"<meta>charset"), None);
    }

    #[test]
    fn line_splitting() {
        let text = "a\r\nb\rc\n\n  \nd\u{2028}e f \u{3000}\n";
        assert_eq!(lines(text), ["a", "b", "c", "d", "e f \u{3000}"]);
    }
}
