//! Bounded access to the zip container of docx and xlsx files.
//!
//! A docx/xlsx is untrusted input: a few hundred kilobytes of deflate can expand to gigabytes
//! (a zip bomb), and a central directory can list millions of entries. Every read goes
//! through [`Archive`], which checks the declared sizes first and caps the bytes actually
//! read, so a lying header cannot get past the limits either.

use std::io::{Cursor, Read};

use zip::ZipArchive;
use zip::result::ZipError;

use crate::ReadError;

/// The most bytes one zip entry may expand to.
pub const MAX_ENTRY_UNZIPPED: u64 = 64 * 1024 * 1024;
/// The most bytes all entries of a zip together may expand to.
pub const MAX_UNZIPPED: u64 = 256 * 1024 * 1024;
/// The most entries a zip may have.
pub const MAX_ZIP_ENTRIES: usize = 10_000;

const BOMB: &str = "压缩内容过大,疑似压缩炸弹";

/// What a zip holds, judged by its well-known parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ZipKind {
    Docx,
    Xlsx,
    Other,
}

pub(crate) struct Archive<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
    /// Bytes already read through [`Archive::read`], counted against [`MAX_UNZIPPED`].
    read_total: u64,
}

impl<'a> Archive<'a> {
    pub fn open(bytes: &'a [u8]) -> Result<Self, ReadError> {
        let zip = ZipArchive::new(Cursor::new(bytes)).map_err(zip_error)?;
        if zip.len() > MAX_ZIP_ENTRIES {
            return Err(ReadError::Corrupt(format!("压缩包内文件过多({} 个,上限 {MAX_ZIP_ENTRIES} 个)", zip.len())));
        }
        Ok(Archive { zip, read_total: 0 })
    }

    pub fn kind(&self) -> ZipKind {
        if self.contains("word/document.xml") {
            ZipKind::Docx
        } else if self.contains("xl/workbook.xml") {
            ZipKind::Xlsx
        } else {
            ZipKind::Other
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    /// Checks the declared uncompressed size of every entry against the limits. Needed
    /// before handing the archive to a reader we do not control (calamine); the zip crate
    /// then refuses to inflate an entry past its declared size, so the declared sizes bound
    /// the real ones.
    pub fn check_declared_sizes(&mut self) -> Result<(), ReadError> {
        let mut total: u64 = 0;
        for i in 0..self.zip.len() {
            let entry = self.zip.by_index_raw(i).map_err(zip_error)?;
            let size = entry.size();
            if size > MAX_ENTRY_UNZIPPED {
                return Err(ReadError::Corrupt(BOMB.into()));
            }
            total = total.saturating_add(size);
            if total > MAX_UNZIPPED {
                return Err(ReadError::Corrupt(BOMB.into()));
            }
        }
        Ok(())
    }

    /// Reads one entry, or `None` when the archive has no entry of that name.
    pub fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, ReadError> {
        let Some(index) = self.zip.index_for_name(name) else {
            return Ok(None);
        };
        let entry = self.zip.by_index(index).map_err(zip_error)?;
        let declared = entry.size();
        let budget = MAX_ENTRY_UNZIPPED.min(MAX_UNZIPPED.saturating_sub(self.read_total));
        if declared > budget {
            return Err(ReadError::Corrupt(BOMB.into()));
        }
        // Declared sizes can lie: read at most one byte past the budget to notice.
        let mut buf = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
        entry
            .take(budget.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(|e| ReadError::Corrupt(format!("无法解压 {name}:{e}")))?;
        let read = u64::try_from(buf.len()).unwrap_or(u64::MAX);
        if read > budget {
            return Err(ReadError::Corrupt(BOMB.into()));
        }
        self.read_total = self.read_total.saturating_add(read);
        Ok(Some(buf))
    }
}

fn zip_error(e: ZipError) -> ReadError {
    match e {
        ZipError::UnsupportedArchive(m) if m == ZipError::PASSWORD_REQUIRED => {
            ReadError::Unsupported("文件已加密,请去除密码后再导入".into())
        }
        ZipError::InvalidPassword => ReadError::Unsupported("文件已加密,请去除密码后再导入".into()),
        ZipError::CompressionMethodNotSupported(m) => ReadError::Corrupt(format!("不支持的压缩方式({m})")),
        other => ReadError::Corrupt(format!("zip 结构损坏:{other}")),
    }
}
