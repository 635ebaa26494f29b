//! `duban migrate`: brings the database's schema up to date and exits; `--check` only says
//! whether anything is pending (exit status 0: nothing, 1: something), changing nothing.

use crate::DataArgs;
use anyhow::{anyhow, bail};
use store::Store;

/// Exit status of `--check` when migrations are pending.
pub const PENDING: u8 = 1;

/// Runs the command; the exit status.
pub async fn run(data: &DataArgs, check: bool) -> anyhow::Result<u8> {
    let settings = data.settings()?;
    let store = if check {
        match settings.connect_existing().await? {
            Some(store) => store,
            None => {
                let all: Vec<&str> = store::schema::MIGRATIONS.iter().map(|(n, _)| *n).collect();
                println!("数据库尚未建立:{} 步结构升级待执行({})", all.len(), all.join("、"));
                return Ok(PENDING);
            }
        }
    } else {
        Store::connect(&settings.database_url(true)?).await.map_err(|e| anyhow!("无法连接数据库:{e}"))?
    };
    refuse_newer(&store).await?;
    let pending = store.pending_migrations().await?;
    if check {
        if pending.is_empty() {
            println!("数据库结构已是最新版本,没有待执行的升级");
            return Ok(0);
        }
        println!("有 {} 步数据库结构升级待执行:{}(运行 duban migrate 执行)", pending.len(), pending.join("、"));
        return Ok(PENDING);
    }
    let applied = store.migrate().await.map_err(|e| anyhow!("{e}"))?;
    for name in &applied {
        println!("已执行结构升级 {name}");
    }
    println!("数据库结构已是最新版本(本次执行 {} 步)", applied.len());
    Ok(0)
}

/// A database a newer release migrated has steps this program does not know: running this
/// program's code on it could damage it.
pub async fn refuse_newer(store: &Store) -> anyhow::Result<()> {
    let unknown = unknown_migrations(store).await?;
    if !unknown.is_empty() {
        bail!("数据库已由更新版本的督办升级(本程序不认识的升级步骤:{}),请使用该版本或更新的版本", unknown.join("、"));
    }
    Ok(())
}

/// Applied migrations this program does not have.
pub async fn unknown_migrations(store: &Store) -> anyhow::Result<Vec<String>> {
    Ok(store
        .applied_migrations()
        .await?
        .into_iter()
        .filter(|a| !store::schema::MIGRATIONS.iter().any(|(n, _)| n == a))
        .collect())
}
