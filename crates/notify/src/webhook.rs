//! The webhook: a JSON POST per notice. DingTalk and WeCom robots take `{"msgtype": "text",
//! "text": {"content": …}}`; duban adds its own fields beside it for other receivers.
//! Government networks reach such robots through an internal gateway over plain http, which is
//! what this speaks (no TLS stack is built in); an https URL is refused with a clear message.

use crate::Notice;
use std::time::Duration;

pub fn body(n: &Notice) -> serde_json::Value {
    serde_json::json!({
        "msgtype": "text",
        "text": {"content": format!("{}\n{}", n.subject(), n.message)},
        "duban": n,
    })
}

pub async fn post(url: &str, body: &serde_json::Value) -> Result<(), String> {
    if url.starts_with("https://") {
        return Err("webhook 暂只支持 http 地址(经内网网关转发)".into());
    }
    if !url.starts_with("http://") {
        return Err(format!("webhook 地址“{url}”无效"));
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .map_err(|e| format!("webhook 客户端无法创建:{e}"))?;
    // Without the URL: a robot's URL carries its access token, and the reason is logged and
    // kept in the notice's delivery note.
    let response =
        client.post(url).json(body).send().await.map_err(|e| format!("webhook 发送失败:{}", e.without_url()))?;
    let status = response.status();
    if status.is_success() { Ok(()) } else { Err(format!("webhook 返回 {}", status.as_u16())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refuses_what_it_cannot_send() {
        let b = serde_json::json!({});
        assert!(post("https://oapi.example/robot", &b).await.unwrap_err().contains("http"));
        assert!(post("ftp://x", &b).await.unwrap_err().contains("无效"));
        let e = post("http://127.0.0.1:1/robot/send?access_token=SECRET-42", &b).await.unwrap_err();
        assert!(e.contains("发送失败") && !e.contains("SECRET-42"), "{e}");
    }
}
