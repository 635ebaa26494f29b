//! `duban backup FILE` and `duban restore FILE`: the whole system in one zip archive — every
//! table read in one consistent transaction (works while the server runs, on SQLite and
//! PostgreSQL alike) and the evidence files — restored into an empty data dir or database of
//! either kind.

use crate::DataArgs;
use anyhow::{Context, anyhow, bail};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use store::backup::TableDump;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// The archive format's version, checked on restore.
const FORMAT: u32 = 1;

fn files_dir(data: &DataArgs) -> PathBuf {
    data.data_dir.join("files")
}

/// Every file under `dir`, relative to it.
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

pub async fn backup(data: &DataArgs, output: &Path) -> anyhow::Result<()> {
    let store = data.open().await?;
    let tables = store.dump().await?;
    let rows: usize = tables.iter().map(|t| t.rows.len()).sum();
    // Written beside the target and renamed at the end, so a failed backup leaves no
    // half-written file behind under the chosen name.
    let partial = output.with_extension("partial");
    let file = std::fs::File::create(&partial).with_context(|| format!("无法创建 {}", partial.display()))?;
    let mut zip = ZipWriter::new(file);
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let manifest = serde_json::json!({
        "format": FORMAT,
        "program": env!("CARGO_PKG_VERSION"),
        "created_at": chrono::Utc::now().to_rfc3339(),
        "backend": format!("{:?}", store.backend),
        "tables": tables.iter().map(|t| (t.name.clone(), t.rows.len())).collect::<std::collections::BTreeMap<_, _>>(),
    });
    zip.start_file("manifest.json", options)?;
    zip.write_all(serde_json::to_string_pretty(&manifest)?.as_bytes())?;
    for t in &tables {
        zip.start_file(format!("tables/{}.json", t.name), options)?;
        zip.write_all(&serde_json::to_vec(t)?)?;
    }
    let base = files_dir(data);
    let mut files = Vec::new();
    walk(&base, &base, &mut files)?;
    for rel in &files {
        let name = format!("files/{}", rel.to_string_lossy().replace('\\', "/"));
        zip.start_file(name, SimpleFileOptions::default().compression_method(CompressionMethod::Stored))?;
        zip.write_all(&std::fs::read(base.join(rel))?)?;
    }
    let file = zip.finish()?;
    file.sync_all()?;
    std::fs::rename(&partial, output)?;
    println!("已备份 {} 张表、{rows} 行数据和 {} 个附件到 {}", tables.len(), files.len(), output.display());
    Ok(())
}

pub async fn restore(data: &DataArgs, input: &Path) -> anyhow::Result<()> {
    let file = std::fs::File::open(input).with_context(|| format!("无法读取 {}", input.display()))?;
    let mut zip = ZipArchive::new(file).map_err(|e| anyhow!("{} 不是 duban 备份文件:{e}", input.display()))?;
    let manifest: serde_json::Value = {
        let mut text = String::new();
        zip.by_name("manifest.json").map_err(|_| anyhow!("备份文件缺少 manifest.json"))?.read_to_string(&mut text)?;
        serde_json::from_str(&text)?
    };
    if manifest["format"].as_u64() != Some(u64::from(FORMAT)) {
        bail!("备份文件格式版本 {} 不受支持(应为 {FORMAT})", manifest["format"]);
    }
    let mut tables: Vec<TableDump> = Vec::new();
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i)?;
        let name = entry.name()?.to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        if name.starts_with("tables/") {
            tables.push(serde_json::from_slice(&bytes).map_err(|e| anyhow!("备份中的 {name} 已损坏:{e}"))?);
        } else if let Some(rel) = name.strip_prefix("files/") {
            // Only plain relative paths: an archive cannot write outside the files directory.
            let rel = PathBuf::from(rel);
            if rel.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
                bail!("备份中的文件名“{name}”无效");
            }
            files.push((rel, bytes));
        }
    }
    let store = data.open().await?;
    let rows = store.load(&tables).await.map_err(|e| anyhow!("{e}"))?;
    let base = files_dir(data);
    for (rel, bytes) in &files {
        let path = base.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, bytes)?;
    }
    println!("已恢复 {} 张表、{rows} 行数据和 {} 个附件", tables.len(), files.len());
    Ok(())
}
