//! Delivering notices (reporting opened, reminders, overdue notices, urges) beyond the app's
//! own list: e-mail through the bureau's SMTP server, and a JSON POST to a webhook such as a
//! DingTalk or WeCom group robot. Pure transport: what to send and to whom is decided by the
//! store; this crate only says whether it got through.

pub mod testing;
mod webhook;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Serialize;

/// Where notices go besides the app. Both channels are optional.
#[derive(Clone, Debug, Default)]
pub struct Channels {
    /// `smtp://host:25`, `smtp://user:pass@host:587?tls=required` or `smtps://host:465`.
    pub smtp_url: Option<String>,
    /// The sender, e.g. `督办系统 <duban@jyj.yingtan.gov.cn>`.
    pub mail_from: Option<String>,
    /// A URL receiving a JSON POST per notice (http only: robots behind a gateway on an
    /// isolated network; see `webhook`).
    pub webhook_url: Option<String>,
}

/// One notice as it leaves the system.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Notice {
    pub unit: String,
    /// opened, reminder, overdue, urge, or (to the administrators) backup_verification_failed
    pub kind: String,
    pub period: String,
    pub message: String,
}

impl Notice {
    pub fn subject(&self) -> String {
        let what = match self.kind.as_str() {
            "opened" => "填报开放",
            "reminder" => "报送提醒",
            "overdue" => "逾期提醒",
            "urge" => "催办",
            "backup_verification_failed" => "备份校验失败",
            _ => "通知",
        };
        format!("【督办{what}】{} {}", self.unit, self.period)
    }
}

impl Channels {
    pub fn is_empty(&self) -> bool {
        self.smtp_url.is_none() && self.webhook_url.is_none()
    }

    /// Sends one e-mail; the error says why, in Chinese, for the delivery log.
    pub async fn email(&self, to: &str, notice: &Notice) -> Result<(), String> {
        let Some(url) = &self.smtp_url else { return Err("未配置邮件服务器".into()) };
        let from: Mailbox = self
            .mail_from
            .as_deref()
            .unwrap_or("督办系统 <duban@localhost>")
            .parse()
            .map_err(|e| format!("发件人地址无效:{e}"))?;
        let to: Mailbox = to.parse().map_err(|e| format!("收件人地址“{to}”无效:{e}"))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(notice.subject())
            .header(ContentType::TEXT_PLAIN)
            .body(format!("{}\n\n—— 督办系统自动发送,请登录系统办理。", notice.message))
            .map_err(|e| format!("邮件无法生成:{e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("邮件服务器地址无效:{e}"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        transport.send(message).await.map(|_| ()).map_err(|e| format!("邮件发送失败:{e}"))
    }

    /// Posts one notice to the webhook.
    pub async fn webhook(&self, notice: &Notice) -> Result<(), String> {
        let Some(url) = &self.webhook_url else { return Err("未配置 webhook".into()) };
        webhook::post(url, &webhook::body(notice)).await
    }
}
