//! `duban units import/export`: the unit directory as a spreadsheet (see
//! `store::directory_sheet`).

use anyhow::{Context, anyhow};
use std::path::Path;
use store::Store;
use store::directory_sheet;

pub async fn import(store: &Store, path: &Path) -> anyhow::Result<usize> {
    let bytes = std::fs::read(path).with_context(|| format!("无法读取文件 {}", path.display()))?;
    let units = directory_sheet::read(&bytes).map_err(|e| anyhow!(e))?;
    let n = units.len();
    store.load_directory(&plan::Directory::from_units(None, units)).await?;
    Ok(n)
}

pub async fn export(store: &Store, path: &Path) -> anyhow::Result<usize> {
    let directory = store.directory().await?;
    std::fs::write(path, directory_sheet::to_csv(&directory))
        .with_context(|| format!("无法写入 {}", path.display()))?;
    Ok(directory.units.len())
}
