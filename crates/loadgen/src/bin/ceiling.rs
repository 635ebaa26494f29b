//! `duban-ceiling`: the framework's ceiling for bench/run.sh (issue N). The same web framework
//! duban uses (axum on tokio, HTTP/1.1), with no middleware and no database, answering
//!
//! - `/healthz`: the two bytes "ok";
//! - `/json`: a list of 4 KB of JSON, serialised anew for every request (the list itself is
//!   built once), the least any JSON read of duban must do.
//!
//! Every duban figure of the suite is printed as a share of these: what the framework could
//! do on this machine with no work at all.

use axum::Router;
use axum::routing::get;
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::Arc;

/// Rows shaped like a unit's task list (ids, short Chinese text, a state, a date).
#[derive(Serialize)]
struct Row {
    id: i64,
    item_number: i64,
    title: String,
    unit_name: String,
    report_state: &'static str,
    due: &'static str,
}

/// About 4 KB of JSON: rows added until the serialised list reaches it.
fn rows() -> Vec<Row> {
    let mut rows = Vec::new();
    while serde_json::to_vec(&rows).map_or(0, |v| v.len()) < 4096 {
        let n = rows.len() as i64 + 1;
        rows.push(Row {
            id: 1000 + n,
            item_number: n,
            title: format!("第{n}项:推进学前教育普及普惠发展"),
            unit_name: "余江区教育体育局".to_string(),
            report_state: "submitted",
            due: "2024-12-25",
        });
    }
    rows
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18190".to_string())
        .parse()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("地址无效:{e}")))?;
    let list = Arc::new(rows());
    let app = Router::new().route("/healthz", get(|| async { "ok" })).route(
        "/json",
        get(move || {
            let list = list.clone();
            async move {
                let body = serde_json::to_vec(&*list).unwrap_or_default();
                ([(axum::http::header::CONTENT_TYPE, "application/json")], body)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, app).await
}
