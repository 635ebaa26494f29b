//! Detection from content, and the inputs that must be refused cleanly.

use std::io::Cursor;

use docread::{Format, ReadError, extract};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::support::{crc32, deflate_run, docx, p, raw_zip, zip};

fn unsupported(bytes: &[u8]) -> String {
    match extract(bytes) {
        Err(ReadError::Unsupported(m)) => m,
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

fn corrupt(bytes: &[u8]) -> String {
    match extract(bytes) {
        Err(ReadError::Corrupt(m)) => m,
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn plan_line_with_ascii_commas_stays_txt() {
    let text = "2024年的工作总体思路:以习近平新时代中国特色社会主义思想为指导,深入学习贯彻党的二十大精神,坚持稳中求进工作总基调。\n一、总体要求\n（一）强化党建引领,压实主体责任。\n";
    let got = extract(text.as_bytes()).unwrap();
    assert_eq!(got.format, Format::Txt);
    assert_eq!(got.blocks.len(), 3);
}

#[test]
fn empty_inputs() {
    assert_eq!(extract(b"").unwrap_err(), ReadError::Empty);
    assert_eq!(extract(b" \r\n\t ").unwrap_err(), ReadError::Empty);
    assert_eq!(extract(&[0xEF, 0xBB, 0xBF]).unwrap_err(), ReadError::Empty);
    assert_eq!(extract(&[0xEF, 0xBB, 0xBF, b'\n', b' ']).unwrap_err(), ReadError::Empty);
    assert_eq!(extract("\u{3000}\n".as_bytes()).unwrap_err(), ReadError::Empty);
    let (gbk_blank, _, _) = encoding_rs::GBK.encode("\u{3000}\u{3000}\r\n");
    assert_eq!(extract(&gbk_blank).unwrap_err(), ReadError::Empty);
}

#[test]
fn binary_inputs() {
    assert_eq!(extract(&[0u8; 4096]).unwrap_err(), ReadError::Binary);
    // Deterministic pseudo-random bytes (a linear congruential generator).
    let mut state: u32 = 12345;
    let random: Vec<u8> = (0..4096)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (state >> 16) as u8
        })
        .collect();
    assert_eq!(extract(&random).unwrap_err(), ReadError::Binary);
    // Control characters without NUL.
    let controls: Vec<u8> = (0..400u32).map(|i| if i % 5 == 0 { 0x02 } else { b'x' }).collect();
    assert_eq!(extract(&controls).unwrap_err(), ReadError::Binary);
    // A PNG header.
    assert_eq!(extract(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap_err(), ReadError::Binary);
}

#[test]
fn known_unsupported_formats() {
    assert!(unsupported(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj").contains("PDF"));
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.extend_from_slice(&[0u8; 504]);
    assert!(unsupported(&ole).contains(".doc"));
    assert!(unsupported(br"{\rtf1\ansi\deff0 {\fonttbl}}").contains("RTF"));
    let mht = "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"x\"\r\n\r\n--x\r\n";
    assert!(unsupported(mht.as_bytes()).contains("MHT"));
}

#[test]
fn zips_that_are_not_documents() {
    let other = zip(&[("readme.txt", b"hello"), ("data/a.csv", b"1,2,3")]);
    assert_eq!(unsupported(&other), "zip 压缩包,不是 docx 或 xlsx");
    let empty = zip(&[]);
    assert_eq!(unsupported(&empty), "zip 压缩包,不是 docx 或 xlsx");
}

#[test]
fn detection_ignores_how_a_docx_is_named_inside() {
    // Only the content decides: a docx stays a docx whatever else the zip holds.
    let bytes = docx(&p("一、总体要求"));
    assert_eq!(extract(&bytes).unwrap().format, Format::Docx);
}

#[test]
fn truncated_zip_is_corrupt() {
    let bytes = docx(&p("一、总体要求"));
    for cut in [10, 30, bytes.len() / 2, bytes.len() - 10] {
        corrupt(&bytes[..cut]);
    }
}

#[test]
fn zip_with_bad_crc_is_corrupt() {
    let mut bytes = zip(&[("word/document.xml", "<w:document/>".repeat(50).as_bytes())]);
    // Flip a byte of the compressed data of the only entry (right after its 30-byte local
    // header and 17-byte name).
    let i = 30 + "word/document.xml".len() + 2;
    bytes[i] ^= 0x55;
    corrupt(&bytes);
}

#[test]
fn malformed_document_xml_is_corrupt() {
    let bytes = zip(&[("word/document.xml", b"<w:document><w:body><w:p></w:body>")]);
    let message = corrupt(&bytes);
    assert!(message.contains("word/document.xml"), "{message}");
}

#[test]
fn too_many_entries_is_corrupt() {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for i in 0..=docread::MAX_ZIP_ENTRIES {
        w.start_file(format!("f{i}"), options).unwrap();
    }
    let bytes = w.finish().unwrap().into_inner();
    assert!(corrupt(&bytes).contains("文件过多"));
}

/// The hand-made deflate stream and zip are valid: a small one reads as a docx.
#[test]
fn hand_made_deflate_is_valid() {
    let (data, size) = deflate_run(b' ', 40);
    let expected = vec![b' '; size as usize];
    let bytes = raw_zip(&[("word/document.xml", &data, size as u32, crc32(&expected))]);
    let got = extract(&bytes).unwrap();
    assert_eq!((got.format, got.blocks.len()), (Format::Docx, 0));
}

/// 300 MiB of zeros deflate to 2 MB (to far less with better compressors): a docx whose document.xml is such an entry is
/// refused from its declared size, without inflating it.
#[test]
fn zip_bomb_is_refused() {
    let (data, size) = deflate_run(0, (300 << 20) / 258);
    assert!(size > 299 << 20 && data.len() < 4 << 20);
    let bytes = raw_zip(&[("word/document.xml", &data, size as u32, 0)]);
    assert_eq!(corrupt(&bytes), "压缩内容过大,疑似压缩炸弹");
}

/// Five entries, each within the per-entry limit, together past the total limit.
#[test]
fn zip_bomb_spread_over_entries_is_refused() {
    let (data, size) = deflate_run(0, (60 << 20) / 258);
    let names = ["xl/workbook.xml", "xl/a.xml", "xl/b.xml", "xl/c.xml", "xl/d.xml"];
    let entries: Vec<(&str, &[u8], u32, u32)> = names.iter().map(|n| (*n, data.as_slice(), size as u32, 0)).collect();
    assert_eq!(corrupt(&raw_zip(&entries)), "压缩内容过大,疑似压缩炸弹");
    let mut docx_entries = entries.clone();
    docx_entries[0].0 = "word/document.xml";
    assert_eq!(corrupt(&raw_zip(&docx_entries)), "压缩内容过大,疑似压缩炸弹");
}

/// An entry that lies about its size: declared small, inflating to far more. The bytes
/// actually read are capped too.
#[test]
fn lying_entry_size_is_refused() {
    let body = format!("<w:document><w:body>{}</w:body></w:document>", p("一、总体要求").repeat(2000));
    let mut bytes = zip(&[("word/document.xml", body.as_bytes())]);
    // Patch the uncompressed size (offset 22 in the local header, 24 in the central
    // directory header) down to 100 bytes.
    let local = 0;
    bytes[local + 22..local + 26].copy_from_slice(&100u32.to_le_bytes());
    let central = bytes.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
    bytes[central + 24..central + 28].copy_from_slice(&100u32.to_le_bytes());
    corrupt(&bytes);
}

/// A declared size above the limit is refused even when the real data is small.
#[test]
fn huge_declared_size_is_refused() {
    let mut bytes = docx(&p("一、总体要求"));
    let name = b"word/document.xml";
    let central = bytes.windows(name.len()).rposition(|w| w == name).map(|name_at| name_at - 46).unwrap();
    assert_eq!(&bytes[central..central + 4], b"PK\x01\x02");
    bytes[central + 24..central + 28].copy_from_slice(&(300u32 << 20).to_le_bytes());
    assert_eq!(corrupt(&bytes), "压缩内容过大,疑似压缩炸弹");
}
