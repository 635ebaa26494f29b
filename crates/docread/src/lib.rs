//! Format detection and extraction: bytes of a txt / docx / html / xlsx / csv file in, a flat
//! list of blocks (paragraphs and tables) out. Callers (the plan parser, data importers) only
//! ever see blocks, never file formats.
//!
//! Every input is untrusted: whatever the bytes, [`extract`] returns blocks or a
//! [`ReadError`] and never panics, and zip containers are read within the limits in
//! [`MAX_ENTRY_UNZIPPED`], [`MAX_UNZIPPED`] and [`MAX_ZIP_ENTRIES`].
//!
//! Modules, one job each: `detect` (which format), `text` (which encoding; plain-text
//! lines), `archive` (bounded zip access), `docx` with `numbering` (Word bodies and their
//! list labels), `html`, `sheet` (xlsx and CSV), `xml` (helpers for OOXML parts).

mod archive;
mod detect;
mod docx;
mod html;
mod numbering;
mod sheet;
mod text;
pub mod texttable;
mod xml;

pub use archive::{MAX_ENTRY_UNZIPPED, MAX_UNZIPPED, MAX_ZIP_ENTRIES};
pub use text::decode_text;

use thiserror::Error;

use archive::{Archive, ZipKind};
use detect::{Magic, TextKind};

/// The format a document was detected as (from its content, not its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Txt,
    Docx,
    Html,
    Xlsx,
    Csv,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Txt => "txt",
            Format::Docx => "docx",
            Format::Html => "html",
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
        }
    }
}

/// A unit of document content in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// One paragraph (a line of a text file, a `<w:p>`, a `<p>`/`<div>`/`<br>`-separated run).
    Para(String),
    /// A table: rows of cells, cell text with inner paragraphs joined by '\n'.
    Table(Vec<Vec<String>>),
}

#[derive(Debug, Clone)]
pub struct Extracted {
    pub format: Format,
    /// The text encoding found for text-based formats ("UTF-8", "GB18030", ...).
    pub encoding: Option<&'static str>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ReadError {
    #[error("文件为空")]
    Empty,
    #[error("无法识别的文件:看起来是二进制数据,不是文本、docx、html、xlsx 或 csv 文件")]
    Binary,
    #[error("不支持的文件格式:{0}")]
    Unsupported(String),
    #[error("文件已损坏或无法读取:{0}")]
    Corrupt(String),
}

/// Detects the format of `bytes` and extracts its blocks.
pub fn extract(bytes: &[u8]) -> Result<Extracted, ReadError> {
    // Blank text in any encoding is caught after decoding; this catches it before the
    // binary checks, and blank UTF-8 with a BOM.
    let without_bom = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    if without_bom.iter().all(u8::is_ascii_whitespace) {
        return Err(ReadError::Empty);
    }
    match detect::magic(bytes) {
        Magic::Zip => return extract_zip(bytes),
        Magic::Unsupported(what) => return Err(ReadError::Unsupported(what.into())),
        Magic::None => {}
    }
    let decoded = text::decode_checked(bytes, text::declared_charset(bytes))?;
    if text::is_blank(&decoded.text) {
        return Err(ReadError::Empty);
    }
    let encoding = Some(decoded.encoding);
    let (format, blocks) = match detect::text_kind(&decoded.text) {
        TextKind::Txt => (Format::Txt, text_blocks(&decoded.text)),
        TextKind::Html => (Format::Html, html::extract(&decoded.text)?),
        TextKind::Csv(delimiter) => (Format::Csv, sheet::csv(&decoded.text, delimiter)?),
        TextKind::Unsupported(what) => return Err(ReadError::Unsupported(what.into())),
    };
    Ok(Extracted { format, encoding, blocks })
}

/// The blocks of a plain-text document: its lines as paragraphs, task tables written as text
/// (see [`texttable`]) as tables.
pub fn text_blocks(text: &str) -> Vec<Block> {
    texttable::blocks(text::lines(text))
}

fn extract_zip(bytes: &[u8]) -> Result<Extracted, ReadError> {
    let mut archive = Archive::open(bytes)?;
    let (format, blocks) = match archive.kind() {
        ZipKind::Docx => (Format::Docx, docx::extract(&mut archive)?),
        ZipKind::Xlsx => (Format::Xlsx, sheet::xlsx(bytes, &mut archive)?),
        ZipKind::Other => {
            return Err(ReadError::Unsupported("zip 压缩包,不是 docx 或 xlsx".into()));
        }
    };
    Ok(Extracted { format, encoding: None, blocks })
}
