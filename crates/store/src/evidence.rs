//! Evidence files attached to reports: checked by content (not by name), kept once per
//! content under the data directory, written and synced before the database row that names
//! them, so an acknowledged upload is never lost.

use crate::{Result, Store, StoreError, now};
use domain::Period;
use serde::Serialize;
use sqlx::Row;
use std::io::Write;

/// Largest evidence file accepted.
pub const MAX_EVIDENCE_BYTES: usize = 20 * 1024 * 1024;

/// Most files one report may carry: enough for any month's minutes and photos, few enough
/// that one report cannot be used to fill the disk.
pub const MAX_EVIDENCE_FILES: i64 = 20;

/// The setting that bounds what one unit may upload in 24 hours, in MB.
pub const DAILY_MB_KEY: &str = "evidence_daily_mb";

/// What a unit may upload in 24 hours unless the system administrator says otherwise, in MB.
pub const DEFAULT_DAILY_MB: u32 = 200;

/// The largest daily allowance the setting accepts, in MB (100 GB).
pub const MAX_DAILY_MB: u32 = 100 * 1024;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
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
    /// The report already carries [`MAX_EVIDENCE_FILES`] files.
    TooMany,
    /// The unit's uploads of the last 24 hours would pass its allowance (in MB).
    DailyQuota(u32),
}

impl Refusal {
    /// What the user is told, the same on the page and in the API.
    pub fn message(&self) -> String {
        match self {
            Refusal::TooLarge => format!("佐证材料不能超过 {} MB", MAX_EVIDENCE_BYTES / 1024 / 1024),
            Refusal::Type => "只接受 PDF、JPEG、PNG、Word(docx)、Excel(xlsx)或纯文本文件".to_string(),
            Refusal::TooMany => {
                format!("每份报告最多上传 {MAX_EVIDENCE_FILES} 个佐证材料,请合并文件或删去不必要的附件")
            }
            Refusal::DailyQuota(mb) => {
                format!("本单位 24 小时内上传的佐证材料已达 {mb} MB 上限,请稍后再传")
            }
        }
    }
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

/// Characters that change how text around them is shown without showing themselves: the
/// bidirectional controls (U+202E makes "gpj.exe" read "exe.jpg") and the zero-width ones.
pub fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' // zero-width space, non-joiner, joiner; LRM, RLM
            | '\u{202A}'..='\u{202E}' // LRE, RLE, PDF, LRO, RLO
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // LRI, RLI, FSI, PDI
            | '\u{061C}' // Arabic letter mark
            | '\u{180E}' // Mongolian vowel separator
            | '\u{FEFF}' // zero-width no-break space (byte-order mark)
    )
}

/// A file name safe to store and to send back: no directories, no control characters, none
/// that reorder or hide what is shown.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !invisible(*c) && !matches!(c, '"' | '\\' | '/'))
        .take(120)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() { "附件".to_string() } else { cleaned }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

impl Store {
    pub(crate) fn evidence_path(&self, sha: &str) -> Result<std::path::PathBuf> {
        let dir = self.files.as_ref().ok_or_else(|| StoreError::invalid("file", "本服务未配置附件存储目录"))?;
        Ok(dir.join("evidence").join(&sha[..2]).join(sha))
    }

    /// What one unit may upload in 24 hours, in MB (the `evidence_daily_mb` setting).
    pub async fn evidence_daily_mb(&self) -> Result<u32> {
        Ok(self.setting(DAILY_MB_KEY).await?.and_then(|v| v.trim().parse().ok()).unwrap_or(DEFAULT_DAILY_MB))
    }

    /// Sets what one unit may upload in 24 hours, 1 MB to [`MAX_DAILY_MB`].
    pub async fn set_evidence_daily_mb(&self, mb: u32) -> Result<()> {
        if !(1..=MAX_DAILY_MB).contains(&mb) {
            return Err(StoreError::invalid(DAILY_MB_KEY, format!("每日上传上限应为 1—{MAX_DAILY_MB} MB")));
        }
        self.set_setting(DAILY_MB_KEY, &mb.to_string()).await
    }

    /// Attaches a file to a saved, still editable report (a draft or a returned one), within
    /// the limits: [`MAX_EVIDENCE_FILES`] per report, the daily allowance per unit.
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
        let daily_mb = self.evidence_daily_mb().await?;
        let key = period.to_string();
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        // A look first, so that a refused upload leaves no file behind; the write below
        // checks again, as part of the write.
        {
            let mut conn = self.pool.acquire().await.map_err(StoreError::from)?;
            check_attachable(&mut conn, assignment_id, &key, size, daily_mb).await?.map_err(AddError::Refused)?;
        }
        let sha = sha256_hex(bytes);
        let path = self.evidence_path(&sha)?;
        if !path.exists() {
            let owned = bytes.to_vec();
            tokio::task::spawn_blocking(move || write_durably(&path, &owned))
                .await
                .map_err(std::io::Error::other)
                .and_then(|r| r)
                .map_err(StoreError::file)?;
        }
        let file_name = clean_name(name);
        let at = now();
        let added = self
            .write(move |conn| {
                Box::pin(async move {
                    let report_id = match check_attachable(conn, assignment_id, &key, size, daily_mb).await? {
                        Ok(id) => id,
                        Err(refused) => return Ok((Err(refused), Default::default())),
                    };
                    // The state is part of the write: the report must still be editable when
                    // the row is added (on PostgreSQL this also waits for, then re-reads, a
                    // concurrent submission of it), so a submitted or approved report never
                    // gains a file.
                    let claimed = sqlx::query(
                        "UPDATE reports SET updated_at = $1 WHERE id = $2 AND state IN ('draft', 'returned')",
                    )
                    .bind(&at)
                    .bind(report_id)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
                    crate::sql::expect_one(claimed, LOCKED)?;
                    let id: i64 = sqlx::query(
                        "INSERT INTO evidence (report_id, file_name, content_type, size, sha256, uploaded_at) \
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(report_id)
                    .bind(&file_name)
                    .bind(content_type)
                    .bind(size)
                    .bind(&sha)
                    .bind(&at)
                    .fetch_one(&mut *conn)
                    .await?
                    .get(0);
                    Ok((Ok(id), Default::default()))
                })
            })
            .await?;
        let id = added.map_err(AddError::Refused)?;
        Ok(self.evidence(id).await?.0)
    }

    /// One evidence file's record and the assignment it belongs to.
    pub async fn evidence(&self, id: i64) -> Result<(Evidence, i64)> {
        let r = sqlx::query(sql!(
            "SELECT {EVIDENCE_COLUMNS}, r.assignment_id FROM evidence e JOIN reports r ON r.id = e.report_id \
             WHERE e.id = $1"
        ))
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
        let rows = sqlx::query(sql!(
            "SELECT {EVIDENCE_COLUMNS} FROM evidence e JOIN reports r ON r.id = e.report_id \
             WHERE r.assignment_id = $1 AND r.period = $2 ORDER BY e.id"
        ))
        .bind(assignment_id)
        .bind(period.to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(evidence_from_row).collect())
    }
}

/// A report's evidence columns (from `evidence e`), in the order [`evidence_from_row`] reads.
pub(crate) const EVIDENCE_COLUMNS: &str = "e.id, e.file_name, e.content_type, e.size, e.sha256, e.uploaded_at";

/// An evidence row whose first six columns are [`EVIDENCE_COLUMNS`].
pub(crate) fn evidence_from_row(r: &impl crate::sql::Columns) -> Evidence {
    Evidence {
        id: r.column_at(0),
        file_name: r.column_at(1),
        content_type: r.column_at(2),
        size: r.column_at(3),
        sha256: r.column_at(4),
        uploaded_at: r.column_at(5),
    }
}

/// Why a report cannot take a file now.
const LOCKED: &str = "报告已提交或已审核,不能再添加佐证材料";

/// Whether the report of `assignment_id` for `period` can take a file of `size` bytes: its
/// id, or why not (a report's state as a conflict, a limit as a refusal).
async fn check_attachable(
    conn: &mut sqlx::AnyConnection,
    assignment_id: i64,
    period: &str,
    size: i64,
    daily_mb: u32,
) -> Result<std::result::Result<i64, Refusal>> {
    let row = sqlx::query(
        "SELECT r.id, r.state, a.unit_id, (SELECT COUNT(*) FROM evidence e WHERE e.report_id = r.id) \
         FROM reports r JOIN assignments a ON a.id = r.assignment_id WHERE r.assignment_id = $1 AND r.period = $2",
    )
    .bind(assignment_id)
    .bind(period)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Err(StoreError::invalid("file", "请先保存报告,再上传佐证材料"));
    };
    let (report_id, state, unit_id, files): (i64, String, i64, i64) = (row.get(0), row.get(1), row.get(2), row.get(3));
    if !matches!(state.as_str(), "draft" | "returned") {
        return Err(StoreError::Conflict(LOCKED.into()));
    }
    if files >= MAX_EVIDENCE_FILES {
        return Ok(Err(Refusal::TooMany));
    }
    // The last 24 hours rather than a calendar day: no time zone to agree on, no midnight
    // at which a full allowance comes back at once.
    let since = (chrono::Utc::now() - chrono::Duration::hours(24)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let used: i64 = sqlx::query(
        "SELECT CAST(COALESCE(SUM(e.size), 0) AS BIGINT) FROM evidence e JOIN reports r ON r.id = e.report_id \
         JOIN assignments a ON a.id = r.assignment_id WHERE a.unit_id = $1 AND e.uploaded_at >= $2",
    )
    .bind(unit_id)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?
    .get(0);
    if used.saturating_add(size) > i64::from(daily_mb) * 1024 * 1024 {
        return Ok(Err(Refusal::DailyQuota(daily_mb)));
    }
    Ok(Ok(report_id))
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
pub(crate) fn write_durably(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().ok_or_else(|| std::io::Error::other("no parent directory"))?;
    std::fs::create_dir_all(dir)?;
    // A name of its own per write: two uploads at once must not write into one temporary file.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{}.{n}.tmp", std::process::id()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        // A write cut short (a full disk) leaves no partial file taking the space.
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
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
        // "photo\u{202E}gpj.exe" shows as "photoexe.jpg".
        assert_eq!(clean_name("photo\u{202E}gpj.exe"), "photogpj.exe");
        assert_eq!(clean_name("\u{2066}会\u{200B}议\u{FEFF}.pdf\u{2069}"), "会议.pdf");
    }
}
