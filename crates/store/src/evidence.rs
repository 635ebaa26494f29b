//! Evidence files attached to reports: checked by content (not by name), kept once per
//! content under the data directory, written and synced before the database row that names
//! them, so an acknowledged upload is never lost.

use crate::{Result, Store, StoreError, now};
use domain::Period;
use serde::Serialize;
use sqlx::Row;
use std::io::Write;
use utoipa::ToSchema;

/// Largest evidence file accepted.
pub const MAX_EVIDENCE_BYTES: usize = 20 * 1024 * 1024;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct Evidence {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: String,
}

/// Why an upload was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    TooLarge,
    Type,
}

/// The content type of an allowed evidence file, judged from its bytes: PDF, JPEG, PNG,
/// Word and Excel (OOXML), or plain UTF-8 text.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.starts_with(&[b'P', b'K', 3, 4]) {
        // An OOXML package names its main part early; anything else zipped is refused.
        let head = &bytes[..bytes.len().min(64 * 1024)];
        if contains(head, b"word/") {
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        } else if contains(head, b"xl/") {
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        } else {
            None
        }
    } else if !bytes.is_empty() && !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok() {
        Some("text/plain; charset=utf-8")
    } else {
        None
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A file name safe to store and to send back: no directories, no control characters.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String =
        base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | '/')).take(120).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() { "附件".to_string() } else { cleaned }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    fn evidence_path(&self, sha: &str) -> Result<std::path::PathBuf> {
        let dir = self.files.as_ref().ok_or_else(|| StoreError::invalid("file", "本服务未配置附件存储目录"))?;
        Ok(dir.join("evidence").join(&sha[..2]).join(sha))
    }

    /// Attaches a file to a saved, still editable report.
    pub async fn add_evidence(
        &self,
        assignment_id: i64,
        period: Period,
        name: &str,
        bytes: &[u8],
    ) -> std::result::Result<Evidence, AddError> {
        if bytes.len() > MAX_EVIDENCE_BYTES {
            return Err(AddError::Refused(Refusal::TooLarge));
        }
        let content_type = sniff(bytes).ok_or(AddError::Refused(Refusal::Type))?;
        let row = sqlx::query("SELECT id, state FROM reports WHERE assignment_id = $1 AND period = $2")
            .bind(assignment_id)
            .bind(period.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::from)?;
        let Some(row) = row else {
            return Err(StoreError::invalid("file", "请先保存报告,再上传佐证材料").into());
        };
        let report_id: i64 = row.get(0);
        let state: String = row.get(1);
        if state == "approved" || state == "submitted" {
            return Err(StoreError::Conflict("报告已提交或已审核,不能再添加佐证材料".into()).into());
        }
        let sha = sha256_hex(bytes);
        let path = self.evidence_path(&sha)?;
        if !path.exists() {
            write_durably(&path, bytes).map_err(|e| StoreError::invalid("file", format!("保存文件失败:{e}")))?;
        }
        let file_name = clean_name(name);
        let id: i64 = sqlx::query(
            "INSERT INTO evidence (report_id, file_name, content_type, size, sha256, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(report_id)
        .bind(&file_name)
        .bind(content_type)
        .bind(bytes.len() as i64)
        .bind(&sha)
        .bind(now())
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from)?
        .get(0);
        Ok(self.evidence(id).await?.0)
    }

    /// One evidence file's record and the assignment it belongs to.
    pub async fn evidence(&self, id: i64) -> Result<(Evidence, i64)> {
        let r = sqlx::query(
            "SELECT e.id, e.file_name, e.content_type, e.size, e.sha256, e.uploaded_at, r.assignment_id \
             FROM evidence e JOIN reports r ON r.id = e.report_id WHERE e.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok((evidence_from_row(&r), r.get(6)))
    }

    pub async fn evidence_bytes(&self, e: &Evidence) -> Result<Vec<u8>> {
        std::fs::read(self.evidence_path(&e.sha256)?).map_err(|_| StoreError::NotFound)
    }

    /// The files attached to a report.
    pub async fn report_evidence(&self, assignment_id: i64, period: Period) -> Result<Vec<Evidence>> {
        let rows = sqlx::query(
            "SELECT e.id, e.file_name, e.content_type, e.size, e.sha256, e.uploaded_at FROM evidence e \
             JOIN reports r ON r.id = e.report_id WHERE r.assignment_id = $1 AND r.period = $2 ORDER BY e.id",
        )
        .bind(assignment_id)
        .bind(period.to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(evidence_from_row).collect())
    }
}

/// An evidence row whose first six columns are id, file_name, content_type, size, sha256,
/// uploaded_at.
fn evidence_from_row(r: &sqlx::any::AnyRow) -> Evidence {
    Evidence {
        id: r.get(0),
        file_name: r.get(1),
        content_type: r.get(2),
        size: r.get(3),
        sha256: r.get(4),
        uploaded_at: r.get(5),
    }
}

/// A failed upload: refused for its size or type, or a store error.
#[derive(Debug)]
pub enum AddError {
    Refused(Refusal),
    Store(StoreError),
}

impl From<StoreError> for AddError {
    fn from(e: StoreError) -> Self {
        AddError::Store(e)
    }
}

/// Writes to a temporary file, syncs it, then renames it into place: a crash leaves either
/// nothing or the whole file.
fn write_durably(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().ok_or_else(|| std::io::Error::other("no parent directory"))?;
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{}.tmp", std::process::id()));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_the_type() {
        assert_eq!(sniff(b"%PDF-1.7 ..."), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]), Some("image/png"));
        assert_eq!(sniff("会议纪要".as_bytes()), Some("text/plain; charset=utf-8"));
        assert_eq!(sniff(&[b'M', b'Z', 0x90, 0, 3]), None, "an executable");
        assert_eq!(sniff(&[b'P', b'K', 3, 4, b'x', b'/']), None, "a zip that is no office file");
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn names_are_made_safe() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\temp\\会议纪要.pdf"), "会议纪要.pdf");
        assert_eq!(clean_name("..."), "附件");
        assert_eq!(clean_name("a\u{0}b\".pdf"), "ab.pdf");
    }
}
