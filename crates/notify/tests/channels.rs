//! Both channels against real local receivers: an SMTP sink that speaks enough of RFC 5321
//! to accept a message, and an HTTP receiver that records what is posted.

use notify::testing::{http_receiver, smtp_sink};
use notify::{Channels, Notice};

fn notice() -> Notice {
    Notice {
        unit: "余江区".into(),
        kind: "reminder".into(),
        period: "2024-11".into(),
        message: "2024年11月工作进展尚有 3 项未报送,请于11月25日前提交。".into(),
    }
}

#[tokio::test]
async fn email_reaches_the_smtp_server() {
    let (addr, got) = smtp_sink().await;
    let channels = Channels {
        smtp_url: Some(format!("smtp://{addr}")),
        mail_from: Some("督办系统 <duban@jyj.example>".into()),
        webhook_url: None,
    };
    channels.email("yujiang@jyj.example", &notice()).await.expect("sent");
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "yujiang@jyj.example");
    assert!(got[0].1.contains("Subject:"), "{}", got[0].1);
    let err = channels.email("not an address", &notice()).await.unwrap_err();
    assert!(err.contains("收件人地址"), "{err}");
    let down = Channels { smtp_url: Some("smtp://127.0.0.1:1".into()), ..channels };
    assert!(down.email("a@b.example", &notice()).await.unwrap_err().contains("邮件发送失败"));
}

#[tokio::test]
async fn the_webhook_receives_robot_json() {
    let (url, got) = http_receiver(200).await;
    let channels = Channels { webhook_url: Some(url), ..Default::default() };
    channels.webhook(&notice()).await.expect("posted");
    let got = got.lock().unwrap().clone();
    assert_eq!(got[0]["msgtype"], "text");
    assert!(got[0]["text"]["content"].as_str().unwrap().starts_with("【督办报送提醒】余江区 2024-11"));
    assert_eq!(got[0]["duban"]["unit"], "余江区");
    let (url, _) = http_receiver(500).await;
    let failing = Channels { webhook_url: Some(url), ..Default::default() };
    assert_eq!(failing.webhook(&notice()).await.unwrap_err(), "webhook 返回 500");
}
