//! Shared pieces of the fuzz targets: the directory the plan parser is run with, and the
//! structure-aware targets' wrapping of fuzzed XML parts into a docx or xlsx container.
//!
//! Mutating a whole zip mostly breaks its checksums and never reaches the readers behind it,
//! so `plan_docx` and `assess_xlsx` fuzz the XML parts and build a valid container around
//! them. The parts are separated in the input by [`PART_SEPARATOR`].

use std::io::{Cursor, Write};
use std::sync::OnceLock;

use zip::write::SimpleFileOptions;

/// Separates the XML parts of a structure-aware target's input.
pub const PART_SEPARATOR: &[u8] = b"\n<!--duban-fuzz-part-->\n";

/// What `plan_html` puts before its input, so that the page is always read as html.
pub const HTML_DOCTYPE: &[u8] = b"<!DOCTYPE html>\n";

/// The shipped Yingtan unit directory, which the plan parser normalises unit names against.
pub fn directory() -> &'static plan::Directory {
    static DIRECTORY: OnceLock<plan::Directory> = OnceLock::new();
    DIRECTORY.get_or_init(|| {
        plan::Directory::from_toml(include_str!("../../data/units/yingtan.toml")).expect("the shipped directory parses")
    })
}

/// The input split at [`PART_SEPARATOR`] into at most `n` parts.
pub fn parts(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while out.len() + 1 < n {
        match rest.windows(PART_SEPARATOR.len()).position(|w| w == PART_SEPARATOR) {
            Some(at) => {
                out.push(&rest[..at]);
                rest = &rest[at + PART_SEPARATOR.len()..];
            }
            None => break,
        }
    }
    out.push(rest);
    out
}

fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in entries {
        writer.start_file(*name, options).expect("zip entry");
        writer.write_all(bytes).expect("zip write");
    }
    writer.finish().expect("zip finish").into_inner()
}

/// A docx whose word/document.xml, word/numbering.xml and word/styles.xml are the input's
/// parts (the latter two only when present).
pub fn docx(data: &[u8]) -> Vec<u8> {
    let parts = parts(data, 3);
    let names = ["word/document.xml", "word/numbering.xml", "word/styles.xml"];
    let entries: Vec<(&str, &[u8])> = names.iter().copied().zip(parts.iter().copied()).collect();
    zip(&entries)
}

const CONTENT_TYPES: &[u8] = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const ROOT_RELS: &[u8] = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &[u8] = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &[u8] = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

/// An xlsx of one sheet whose xl/worksheets/sheet1.xml and xl/sharedStrings.xml are the
/// input's parts (the latter only when present).
pub fn xlsx(data: &[u8]) -> Vec<u8> {
    let parts = parts(data, 2);
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/worksheets/sheet1.xml", parts[0]),
    ];
    if let Some(shared) = parts.get(1) {
        entries.push(("xl/sharedStrings.xml", shared));
    }
    zip(&entries)
}

/// Runs every school-data reader, whole and partial, on `bytes`.
pub fn assess_all(bytes: &[u8]) {
    let _ = assess::read_schools(bytes);
    let _ = assess::read_schools_partial(bytes);
    let _ = assess::read_kindergartens(bytes);
    let _ = assess::read_kindergartens_partial(bytes);
    let _ = assess::read_population(bytes);
    let _ = assess::read_population_partial(bytes);
}

/// docread catches panics inside calamine (a third-party xlsx parser) and returns an error,
/// but libFuzzer's panic hook aborts on every panic, caught or not. This hook lets panics
/// raised in calamine's code unwind to that `catch_unwind` (noting the first one on stderr)
/// and aborts on every other panic, as libFuzzer's does.
pub fn let_calamine_panics_unwind() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_calamine = info.location().is_some_and(|l| l.file().contains("calamine"));
        if in_calamine {
            static NOTED: std::sync::Once = std::sync::Once::new();
            NOTED.call_once(|| eprintln!("note: a panic inside calamine, caught by docread: {info}"));
            return;
        }
        previous(info);
        std::process::abort();
    }));
}
