//! Plain text in the encodings Chinese offices produce.

use docread::{Block, Format, extract};

const PLAN: &str = "2024年工作要点\r\n\r\n一、总体要求\r\n  （一）加强党的建设。\r\n二、主要任务\n";

fn expected() -> Vec<Block> {
    ["2024年工作要点", "一、总体要求", "  （一）加强党的建设。", "二、主要任务"]
        .iter()
        .map(|s| Block::Para(s.to_string()))
        .collect()
}

#[test]
fn utf8() {
    let got = extract(PLAN.as_bytes()).unwrap();
    assert_eq!(got.format, Format::Txt);
    assert_eq!(got.encoding, Some("UTF-8"));
    assert_eq!(got.blocks, expected());
}

#[test]
fn utf8_bom() {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(PLAN.as_bytes());
    let got = extract(&bytes).unwrap();
    assert_eq!(got.encoding, Some("UTF-8"));
    assert_eq!(got.blocks, expected());
}

#[test]
fn utf16_boms() {
    let mut le = vec![0xFF, 0xFE];
    le.extend(PLAN.encode_utf16().flat_map(u16::to_le_bytes));
    let got = extract(&le).unwrap();
    assert_eq!((got.format, got.encoding), (Format::Txt, Some("UTF-16LE")));
    assert_eq!(got.blocks, expected());

    let mut be = vec![0xFE, 0xFF];
    be.extend(PLAN.encode_utf16().flat_map(u16::to_be_bytes));
    let got = extract(&be).unwrap();
    assert_eq!(got.encoding, Some("UTF-16BE"));
    assert_eq!(got.blocks, expected());
}

#[test]
fn gbk() {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(PLAN);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err());
    let got = extract(&bytes).unwrap();
    assert_eq!((got.format, got.encoding), (Format::Txt, Some("GB18030")));
    assert_eq!(got.blocks, expected());
}

#[test]
fn line_separators_and_inner_spaces() {
    let got = extract("甲  乙\r丙\u{2028}丁\u{a0}\n\n\t\n".as_bytes()).unwrap();
    assert_eq!(got.blocks, ["甲  乙", "丙", "丁\u{a0}"].map(|s| Block::Para(s.to_owned())).to_vec());
}

#[test]
fn decode_text_is_public() {
    let (bytes, _, _) = encoding_rs::GBK.encode("工作要点");
    assert_eq!(docread::decode_text(&bytes), ("工作要点".to_owned(), "GB18030"));
}
