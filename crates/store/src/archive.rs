//! The backup archive: one zip file holding every table (read in one consistent transaction,
//! see [`Store::dump`]) and the evidence files. `duban backup`/`duban restore` and the
//! scheduled backups of `duban serve --backup-dir` all go through here, so there is one format.

use crate::backup::TableDump;
use crate::sql::Backend;
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// The archive format's version, checked on restore.
pub const FORMAT: u32 = 1;

/// Scheduled backups are named `duban-backup-<UTC time>.zip`; only such files are pruned.
pub const SCHEDULED_PREFIX: &str = "duban-backup-";

/// Why a backup or restore failed, in words for the person running it.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Other(String),
}

impl From<std::io::Error> for ArchiveError {
    fn from(e: std::io::Error) -> Self {
        ArchiveError::Other(format!("读写文件失败:{e}"))
    }
}

impl From<zip::result::ZipError> for ArchiveError {
    fn from(e: zip::result::ZipError) -> Self {
        ArchiveError::Other(format!("备份文件读写失败:{e}"))
    }
}

impl From<serde_json::Error> for ArchiveError {
    fn from(e: serde_json::Error) -> Self {
        ArchiveError::Other(format!("备份内容编码失败:{e}"))
    }
}

fn other(message: impl Into<String>) -> ArchiveError {
    ArchiveError::Other(message.into())
}

/// What went into, or came out of, an archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub tables: usize,
    pub rows: usize,
    pub files: usize,
}

/// Every file under `dir`, relative to `base`.
fn walk(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, base, out)?;
        } else if let Ok(rel) = path.strip_prefix(base) {
            out.push(rel.to_path_buf());
        }
    }
    Ok(())
}

/// Writes the archive of `tables` and the files under `files` to `output`. It is written
/// beside the target and renamed at the end, so a failed backup leaves no half-written file
/// under the chosen name.
pub fn write(
    tables: &[TableDump],
    backend: Backend,
    files: Option<&Path>,
    output: &Path,
) -> Result<Counts, ArchiveError> {
    let partial = output.with_extension("partial");
    let file = std::fs::File::create(&partial).map_err(|e| other(format!("无法创建 {}:{e}", partial.display())))?;
    let result = write_into(file, tables, backend, files);
    match result {
        Ok(counts) => {
            std::fs::rename(&partial, output)?;
            Ok(counts)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn write_into(
    file: std::fs::File,
    tables: &[TableDump],
    backend: Backend,
    files: Option<&Path>,
) -> Result<Counts, ArchiveError> {
    let mut zip = ZipWriter::new(file);
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let manifest = serde_json::json!({
        "format": FORMAT,
        "program": env!("CARGO_PKG_VERSION"),
        "created_at": Utc::now().to_rfc3339(),
        "backend": format!("{backend:?}"),
        "tables": tables.iter().map(|t| (t.name.clone(), t.rows.len())).collect::<std::collections::BTreeMap<_, _>>(),
    });
    zip.start_file("manifest.json", options)?;
    zip.write_all(serde_json::to_string_pretty(&manifest)?.as_bytes())?;
    for t in tables {
        zip.start_file(format!("tables/{}.json", t.name), options)?;
        zip.write_all(&serde_json::to_vec(t)?)?;
    }
    let mut rels = Vec::new();
    if let Some(base) = files {
        walk(base, base, &mut rels)?;
        for rel in &rels {
            let name = format!("files/{}", rel.to_string_lossy().replace('\\', "/"));
            zip.start_file(name, SimpleFileOptions::default().compression_method(CompressionMethod::Stored))?;
            zip.write_all(&std::fs::read(base.join(rel))?)?;
        }
    }
    let file = zip.finish()?;
    file.sync_all()?;
    Ok(Counts { tables: tables.len(), rows: tables.iter().map(|t| t.rows.len()).sum(), files: rels.len() })
}

/// An archive read into memory and checked: its tables and its files (plain relative paths).
pub struct Archive {
    pub tables: Vec<TableDump>,
    pub files: Vec<(PathBuf, Vec<u8>)>,
}

/// Reads and checks an archive; nothing is written anywhere.
pub fn read(input: &Path) -> Result<Archive, ArchiveError> {
    read_keeping(input, true).map(|(archive, _)| archive)
}

/// Reads and checks an archive, keeping the evidence files' contents only when
/// `keep_files` (a verification reads each through, which checks its CRC, and counts it,
/// but does not hold gigabytes of evidence in memory); the archive and its number of files.
fn read_keeping(input: &Path, keep_files: bool) -> Result<(Archive, usize), ArchiveError> {
    let file = std::fs::File::open(input).map_err(|e| other(format!("无法读取 {}:{e}", input.display())))?;
    let mut zip = ZipArchive::new(file).map_err(|e| other(format!("{} 不是 duban 备份文件:{e}", input.display())))?;
    let manifest: serde_json::Value = {
        let mut text = String::new();
        zip.by_name("manifest.json").map_err(|_| other("备份文件缺少 manifest.json"))?.read_to_string(&mut text)?;
        serde_json::from_str(&text)?
    };
    if manifest["format"].as_u64() != Some(u64::from(FORMAT)) {
        return Err(other(format!("备份文件格式版本 {} 不受支持(应为 {FORMAT})", manifest["format"])));
    }
    let mut tables: Vec<TableDump> = Vec::new();
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let mut file_count = 0;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i)?;
        let name = entry.name()?.to_string();
        let mut bytes = Vec::new();
        if keep_files || !name.starts_with("files/") {
            entry.read_to_end(&mut bytes)?;
        } else {
            std::io::copy(&mut entry, &mut std::io::sink())?;
        }
        if name.starts_with("tables/") {
            tables.push(serde_json::from_slice(&bytes).map_err(|e| other(format!("备份中的 {name} 已损坏:{e}")))?);
        } else if let Some(rel) = name.strip_prefix("files/") {
            // Only plain relative paths: an archive cannot write outside the files directory.
            let rel = PathBuf::from(rel);
            if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
                return Err(other(format!("备份中的文件名“{name}”无效")));
            }
            file_count += 1;
            if keep_files {
                files.push((rel, bytes));
            }
        }
    }
    Ok((Archive { tables, files }, file_count))
}

/// How `duban serve` makes backups by itself: every `every_hours` (UTC hours since the epoch,
/// so 24 means once a day at 00:00 UTC), into `dir`, keeping the newest `keep`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSchedule {
    pub dir: PathBuf,
    pub every_hours: u32,
    pub keep: usize,
}

impl BackupSchedule {
    /// The scheduled occurrence `at` falls in: the start of its interval, as the job key
    /// (RFC 3339 in UTC, which sorts as text).
    pub fn slot(&self, at: DateTime<Utc>) -> String {
        let every = i64::from(self.every_hours.max(1)) * 3600;
        let start = at.timestamp().div_euclid(every) * every;
        DateTime::from_timestamp(start, 0).unwrap_or(at).format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

/// Deletes the oldest scheduled backups in `dir` beyond the newest `keep`; other files are
/// left alone. Returns what was deleted.
pub fn prune(dir: &Path, keep: usize) -> Result<Vec<PathBuf>, ArchiveError> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with(SCHEDULED_PREFIX) && n.ends_with(".zip"))
        .collect();
    // The names carry the time, so the newest sort last.
    names.sort();
    let excess = names.len().saturating_sub(keep.max(1));
    let mut removed = Vec::new();
    for name in names.into_iter().take(excess) {
        let path = dir.join(name);
        std::fs::remove_file(&path)?;
        removed.push(path);
    }
    Ok(removed)
}

impl Store {
    /// Writes a backup of everything (tables and evidence files) to `output`. The tables are
    /// read in one transaction, so this works while the server runs.
    pub async fn write_backup(&self, output: &Path) -> Result<Counts, ArchiveError> {
        Ok(self.write_backup_counted(output).await?.0)
    }

    /// [`Store::write_backup`], also telling how many rows of each table went in (the source
    /// at backup time, which a verification compares the restored copy with).
    async fn write_backup_counted(&self, output: &Path) -> Result<(Counts, RowCounts), ArchiveError> {
        let tables = self.dump().await?;
        let rows: RowCounts = tables.iter().map(|t| (t.name.clone(), t.rows.len())).collect();
        let files = self.files.clone();
        let backend = self.backend;
        let output = output.to_path_buf();
        let counts = tokio::task::spawn_blocking(move || write(&tables, backend, files.as_deref(), &output))
            .await
            .map_err(|e| other(format!("备份中断:{e}")))??;
        Ok((counts, rows))
    }

    /// Verifies a backup file the way it would be used: reads it back from disk, restores it
    /// into a throwaway database of this store's kind (a SQLite file under `scratch`, or a
    /// schema of its own in this PostgreSQL database, dropped afterwards), and compares the
    /// rows of every table with `expected` (the source's at backup time). The evidence files
    /// are read through (each one's checksum checked) and counted against `files`, not
    /// restored: they are the bulk of a backup. The number of tables compared; `Err` says, in
    /// words, what failed.
    pub async fn verify_backup(
        &self,
        file: &Path,
        expected: &RowCounts,
        files: usize,
        scratch: &Path,
    ) -> Result<usize, String> {
        let path = file.to_path_buf();
        let (archive, in_file) = tokio::task::spawn_blocking(move || read_keeping(&path, false))
            .await
            .map_err(|e| format!("读取中断:{e}"))?
            .map_err(|e| format!("无法读取:{e}"))?;
        if in_file != files {
            return Err(format!("附件 {in_file} 个,备份时为 {files} 个"));
        }
        let dir =
            scratch.join(format!(".verify-{}-{}", std::process::id(), Utc::now().timestamp_nanos_opt().unwrap_or(0)));
        std::fs::create_dir_all(&dir).map_err(|e| format!("无法创建临时目录 {}:{e}", dir.display()))?;
        let result = match self.backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.join("verify.db").display());
                restore_and_count(&url, &dir, &archive, expected).await
            }
            Backend::Postgres => {
                // A schema of its own, named so that nothing else could be using it.
                let schema = format!(
                    "duban_verify_{}",
                    dir.file_name().map(|n| n.to_string_lossy().replace(['.', '-'], "_")).unwrap_or_default()
                );
                match sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&self.pool).await {
                    Err(e) => Err(format!("无法建立临时 schema:{e}")),
                    Ok(_) => {
                        let mut url = self.pool.connect_options().database_url.clone();
                        let kept: Vec<(String, String)> = url
                            .query_pairs()
                            .filter(|(k, _)| k != "options")
                            .map(|(k, v)| (k.into_owned(), v.into_owned()))
                            .collect();
                        url.query_pairs_mut()
                            .clear()
                            .extend_pairs(kept)
                            .append_pair("options", &format!("-c search_path={schema}"));
                        let result = restore_and_count(url.as_str(), &dir, &archive, expected).await;
                        let dropped = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                            .execute(&self.pool)
                            .await;
                        if let Err(e) = dropped {
                            tracing::warn!(error = %e, %schema, "the verification's schema was not dropped");
                        }
                        result
                    }
                }
            }
        };
        let _ = std::fs::remove_dir_all(&dir);
        result
    }

    /// Restores an archive into this store, which must be empty (see [`Store::load`]); the
    /// files go under the store's files directory.
    pub async fn restore_backup(&self, archive: &Archive) -> Result<Counts, ArchiveError> {
        let rows = self.load(&archive.tables).await?;
        if !archive.files.is_empty() {
            let base = self.files.as_deref().ok_or_else(|| other("没有附件目录,无法恢复附件"))?;
            for (rel, bytes) in &archive.files {
                let path = base.join(rel);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&path, bytes)?;
            }
        }
        Ok(Counts { tables: archive.tables.len(), rows, files: archive.files.len() })
    }

    /// The scheduled backup: once per interval of `schedule` across every process sharing
    /// this database (the `jobs` table's claim), the process that claims it writes
    /// `duban-backup-<time>.zip` into the directory and deletes the oldest beyond `keep`.
    /// Returns the file written, or `None` when this interval's backup is another's or done.
    pub async fn run_scheduled_backup(
        &self,
        schedule: &BackupSchedule,
        at: DateTime<Utc>,
        owner: &str,
    ) -> Result<Option<ScheduledBackup>, ArchiveError> {
        if !self.claim_job("backup", &schedule.slot(at), owner).await? {
            return Ok(None);
        }
        std::fs::create_dir_all(&schedule.dir)
            .map_err(|e| other(format!("无法创建备份目录 {}:{e}", schedule.dir.display())))?;
        let path = schedule.dir.join(format!("{SCHEDULED_PREFIX}{}.zip", at.format("%Y%m%dT%H%M%SZ")));
        let (counts, rows) = self.write_backup_counted(&path).await?;
        let verification = self.verify_scheduled(&schedule.dir, &path, &rows, counts.files).await;
        prune(&schedule.dir, schedule.keep)?;
        Ok(Some(ScheduledBackup { path, verification }))
    }

    /// Verifies a scheduled backup just written (see [`Store::verify_backup`]) and records
    /// the outcome beside the backups (see [`last_verification`]).
    pub async fn verify_scheduled(&self, dir: &Path, path: &Path, rows: &RowCounts, files: usize) -> Verification {
        let started = std::time::Instant::now();
        let outcome = self.verify_backup(path, rows, files, dir).await;
        let verification = Verification {
            file: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            at: crate::now(),
            ok: outcome.is_ok(),
            detail: match outcome {
                Ok(tables) => format!(
                    "已恢复到临时数据库并核对:{tables} 张表共 {} 行、{files} 个附件,与备份时一致",
                    rows.values().sum::<usize>()
                ),
                Err(why) => why,
            },
            seconds: started.elapsed().as_secs_f64(),
        };
        if let Err(e) = record_verification(dir, &verification) {
            tracing::warn!(error = %e, "the backup verification's outcome was not recorded");
        }
        verification
    }
}

/// Rows per table, by table name.
pub type RowCounts = std::collections::BTreeMap<String, usize>;

/// A scheduled backup written, and how its verification came out.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledBackup {
    pub path: PathBuf,
    pub verification: Verification,
}

/// How a backup's verification came out (see [`Store::verify_backup`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Verification {
    /// The backup file's name.
    pub file: String,
    /// When it was verified (RFC 3339, UTC).
    pub at: String,
    pub ok: bool,
    /// What was checked, or what failed, in words.
    pub detail: String,
    /// How long the verification took.
    pub seconds: f64,
}

/// The newest verification's outcome is kept in this file of the backup directory, for
/// `duban doctor` and for `/metrics` of every process.
pub const VERIFICATION_FILE: &str = "duban-backup-verification.json";

fn record_verification(dir: &Path, v: &Verification) -> std::io::Result<()> {
    let partial = dir.join(format!("{VERIFICATION_FILE}.partial"));
    std::fs::write(&partial, serde_json::to_vec_pretty(v).map_err(std::io::Error::other)?)?;
    std::fs::rename(&partial, dir.join(VERIFICATION_FILE))
}

/// The newest scheduled backup's verification, as recorded in `dir` (`None` when none was
/// recorded or the record cannot be read).
pub fn last_verification(dir: &Path) -> Option<Verification> {
    serde_json::from_slice(&std::fs::read(dir.join(VERIFICATION_FILE)).ok()?).ok()
}

/// The newest scheduled backup in `dir` and when it was written (`None` when there is none).
pub fn newest_backup(dir: &Path) -> Option<(PathBuf, std::time::SystemTime)> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with(SCHEDULED_PREFIX) && name.ends_with(".zip")
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max()
        .map(|(at, path)| (path, at))
}

/// Restores `archive` into a new database at `url` (evidence files under `dir`) and compares
/// its rows per table with `expected`; the number of tables compared.
async fn restore_and_count(url: &str, dir: &Path, archive: &Archive, expected: &RowCounts) -> Result<usize, String> {
    use sqlx::Row;
    let scratch = Store::open(url).await.map_err(|e| format!("无法建立临时数据库:{e}"))?.with_files(dir.join("files"));
    let result = async {
        scratch.restore_backup(archive).await.map_err(|e| format!("无法恢复:{e}"))?;
        let mut wrong = Vec::new();
        for (table, rows) in expected {
            let n: i64 = sqlx::query(sql!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&scratch.pool)
                .await
                .map_err(|e| format!("无法清点表 {table}:{e}"))?
                .get(0);
            if usize::try_from(n).ok() != Some(*rows) {
                wrong.push(format!("表 {table} 恢复后 {n} 行,备份时 {rows} 行"));
            }
        }
        if wrong.is_empty() { Ok(expected.len()) } else { Err(format!("行数不一致:{}", wrong.join(";"))) }
    }
    .await;
    scratch.close().await;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_and_pruning() {
        let s = BackupSchedule { dir: PathBuf::new(), every_hours: 6, keep: 2 };
        let at = |t: &str| DateTime::parse_from_rfc3339(t).expect("time").with_timezone(&Utc);
        assert_eq!(s.slot(at("2025-03-01T05:59:59Z")), "2025-03-01T00:00:00Z");
        assert_eq!(s.slot(at("2025-03-01T06:00:00Z")), "2025-03-01T06:00:00Z");
        assert!(s.slot(at("2025-03-01T23:00:00Z")) > s.slot(at("2025-03-01T17:00:00Z")));
        let dir = tempfile::tempdir().expect("tempdir");
        for name in [
            "duban-backup-20250301T000000Z.zip",
            "duban-backup-20250302T000000Z.zip",
            "duban-backup-20250303T000000Z.zip",
            "keep-me.zip",
        ] {
            std::fs::write(dir.path().join(name), b"x").expect("write");
        }
        let removed = prune(dir.path(), 2).expect("prunes");
        assert_eq!(removed, vec![dir.path().join("duban-backup-20250301T000000Z.zip")]);
        assert!(
            dir.path().join("keep-me.zip").exists() && dir.path().join("duban-backup-20250303T000000Z.zip").exists()
        );
    }
}
