//! `duban audit verify`: walks the audit log's hash chain; and the audit records of what the
//! command line changes.

use crate::DataArgs;
use clap::Subcommand;
use store::Store;
use store::audit::{AuditCheck, AuditEvent};

#[derive(Subcommand)]
pub enum AuditCommand {
    /// 校验审计日志的哈希链:完整时退出码为 0,否则指出第一条被篡改或删除的记录并以非零退出
    Verify {
        #[command(flatten)]
        data: DataArgs,
    },
}

/// Exit status when the chain is broken.
pub const BROKEN: u8 = 3;

/// Runs the command; `Ok(false)` when the chain is broken (already reported).
pub async fn run(command: AuditCommand) -> anyhow::Result<bool> {
    match command {
        AuditCommand::Verify { data } => {
            let store = data.open().await?;
            match store.verify_audit().await? {
                AuditCheck::Intact { records } => {
                    println!("审计日志完整:共 {records} 条记录,哈希链逐条校验通过");
                    Ok(true)
                }
                AuditCheck::Broken { id, reason } => {
                    eprintln!("错误:审计日志已被篡改:{reason}(第一条异常记录:#{id})");
                    Ok(false)
                }
            }
        }
    }
}

/// Records a change made from the command line (the operator is the machine's user).
pub async fn record(store: &Store, action: &str, object: Option<String>, detail: serde_json::Value) {
    let who = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_default();
    let event = AuditEvent {
        actor_id: None,
        actor: format!("cli:{who}"),
        ip: None,
        action: action.to_string(),
        object,
        outcome: "ok".into(),
        detail,
    };
    if let Err(e) = store.audit(&event).await {
        eprintln!("警告:审计记录未能写入:{e}");
    }
}
