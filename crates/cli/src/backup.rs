//! `duban backup FILE` and `duban restore FILE`: the whole system in one zip archive — every
//! table read in one consistent transaction (works while the server runs, on SQLite and
//! PostgreSQL alike) and the evidence files — restored into an empty data dir or database of
//! either kind. The archive itself is `store::archive`'s, shared with the scheduled backups
//! of `duban serve --backup-dir`.

use crate::DataArgs;
use anyhow::anyhow;
use std::path::Path;

pub async fn backup(data: &DataArgs, output: &Path) -> anyhow::Result<()> {
    let store = data.open().await?;
    let n = store.write_backup(output).await.map_err(|e| anyhow!("{e}"))?;
    println!("已备份 {} 张表、{} 行数据和 {} 个附件到 {}", n.tables, n.rows, n.files, output.display());
    Ok(())
}

pub async fn restore(data: &DataArgs, input: &Path) -> anyhow::Result<()> {
    // The archive is read and checked before the target is opened (and so created).
    let archive = store::archive::read(input).map_err(|e| anyhow!("{e}"))?;
    let store = data.open().await?;
    let n = store.restore_backup(&archive).await.map_err(|e| anyhow!("{e}"))?;
    println!("已恢复 {} 张表、{} 行数据和 {} 个附件", n.tables, n.rows, n.files);
    Ok(())
}
