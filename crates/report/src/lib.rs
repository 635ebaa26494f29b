//! Documents from duban's models: model in, bytes out. Pure: no I/O, no clock, no system
//! fonts — the fonts the PDF and the chart images need are compiled in (`assets/fonts`).
//!
//! The monthly bulletin ([`domain::bulletin::Bulletin`], built by
//! [`domain::bulletin::Bulletin::build`]) renders in every [`Format`]:
//!
//! ```no_run
//! # fn demo(bulletin: &domain::bulletin::Bulletin) -> Result<(), report::Error> {
//! let bytes = report::render(bulletin, report::Format::Docx)?;
//! let name = report::file_name(bulletin, report::Format::Docx); // 通报-2024-10.docx
//! let mime = report::Format::Docx.mime();
//! # let _ = (bytes, name, mime); Ok(()) }
//! ```
//!
//! - [`Format::Docx`]: an official document per GB/T 9704-2012 — A4; margins 37 mm top, 35 mm
//!   bottom, 28 mm left, 26 mm right; title 方正小标宋简体 22 pt; body 仿宋_GB2312 16 pt at 22
//!   lines a page; headings 一、 in 黑体, (一) in 楷体_GB2312; page numbers "— N —" in 宋体 14 pt;
//!   tables as wide as the text; the status charts as PNG images. Fonts are referenced by name
//!   with East Asian fallbacks (Word and WPS substitute a missing font).
//! - [`Format::Pdf`]: the same content, with subsets of the bundled fonts embedded (文泉驿微米黑
//!   for 黑体 and as fallback, AR PL KaitiM GB for 仿宋/楷体, AR PL SungtiL GB for the title)
//!   and the charts drawn as vectors. Text is extractable (ToUnicode maps).
//! - [`Format::Xlsx`]: the ledger (任务台账): a summary sheet and one sheet per section, with
//!   the columns of [`domain::bulletin::LEDGER_COLUMNS`], frozen header, status cells coloured,
//!   deadlines as dates.
//! - [`Format::Csv`]: the ledger as one CSV, UTF-8 with BOM (Excel reads it correctly).
//! - [`Format::Html`]: an HTML fragment (no `<html>`/`<body>`, all text escaped, charts as
//!   inline SVG) for the web UI to embed; style it through the `duban-bulletin` classes.
//!
//! The Word and PDF annex shows a condensed ledger ([`ANNEX_COLUMNS`]) that fits a portrait
//! page; the spreadsheet, CSV and HTML carry every column.
//!
//! [`chart`] gives the status chart alone (SVG, PNG) for other pages.

pub mod chart;
mod csv;
mod docx;
mod fonts;
mod html;
mod outline;
mod pdf;
pub mod sample;
pub mod table;
mod xlsx;

use domain::bulletin::Bulletin;

pub use outline::ANNEX_COLUMNS;

/// An output format of the bulletin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Docx,
    Pdf,
    Xlsx,
    Csv,
    Html,
}

impl Format {
    pub const ALL: [Format; 5] = [Format::Docx, Format::Pdf, Format::Xlsx, Format::Csv, Format::Html];

    /// Parses the file extension (`docx`, `pdf`, `xlsx`, `csv`, `html`), case-insensitively.
    pub fn parse(s: &str) -> Option<Format> {
        let s = s.trim().trim_start_matches('.').to_ascii_lowercase();
        Format::ALL.into_iter().find(|f| f.extension() == s || (s == "htm" && *f == Format::Html))
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
            Format::Html => "html",
        }
    }

    /// The media type, for HTTP responses.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Format::Pdf => "application/pdf",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("生成 Word 文件失败:{0}")]
    Docx(String),
    #[error("生成 Excel 文件失败:{0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("生成 PDF 文件失败:{0}")]
    Pdf(String),
    #[error("生成 CSV 文件失败:{0}")]
    Csv(String),
    #[error("生成图表失败:{0}")]
    Chart(String),
}

/// The bulletin as a file of `format`.
pub fn render(bulletin: &Bulletin, format: Format) -> Result<Vec<u8>, Error> {
    match format {
        Format::Docx => docx::render(bulletin),
        Format::Pdf => pdf::render(bulletin),
        Format::Xlsx => xlsx::render(bulletin),
        Format::Csv => csv::render(bulletin),
        Format::Html => Ok(html::render(bulletin).into_bytes()),
    }
}

/// A file name for the download: 通报-2024-10.docx (台账-2024-10.xlsx for the ledger formats).
pub fn file_name(bulletin: &Bulletin, format: Format) -> String {
    let stem = match format {
        Format::Xlsx | Format::Csv => "台账",
        _ => "通报",
    };
    format!("{stem}-{}.{}", bulletin.period, format.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.extension()), Some(f));
        }
        assert_eq!(Format::parse(".DOCX"), Some(Format::Docx));
        assert_eq!(Format::parse("htm"), Some(Format::Html));
        assert_eq!(Format::parse("doc"), None);
    }
}
