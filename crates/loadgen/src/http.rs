//! One keep-alive HTTP/1.1 connection, and what both targets' requests carry.

use anyhow::{anyhow, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::HeaderMap;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::net::{IpAddr, SocketAddr};

/// How a request says who sends it.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    None,
    /// duban's API: `Authorization: Bearer` with a session token.
    Bearer(&'a str),
    /// Redmine's REST API: the user's API key in `X-Redmine-API-Key`.
    RedmineKey(&'a str),
    /// A browser session: the cookie a sign-in set (Redmine's HTML pages accept no API key).
    Cookie(&'a str),
}

/// A request body and its content type.
pub enum Body {
    Json(String),
    Form(String),
}

pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// One keep-alive connection from a given local address, reopened when the server closes it.
pub struct Conn {
    addr: SocketAddr,
    from: IpAddr,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    pub fn new(addr: SocketAddr, from: IpAddr) -> Self {
        Conn { addr, from, sender: None }
    }

    async fn connect(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.bind(SocketAddr::new(self.from, 0))?;
            let stream = socket.connect(self.addr).await?;
            stream.set_nodelay(true)?;
            let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            self.sender = Some(sender);
        }
        self.sender.as_mut().ok_or_else(|| anyhow!("no connection"))
    }

    /// Sends a request; the whole reply.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        auth: Auth<'_>,
        body: Option<Body>,
    ) -> anyhow::Result<Reply> {
        let host = self.addr.to_string();
        let sender = self.connect().await?;
        sender.ready().await?;
        // As every browser does: a server may then send large answers compressed. A measured
        // request's body is only read (its arrival is what counts); `json` decompresses.
        let mut request =
            hyper::Request::builder().method(method).uri(path).header("host", host).header("accept-encoding", "gzip");
        request = match auth {
            Auth::None => request,
            Auth::Bearer(t) => request.header("authorization", format!("Bearer {t}")),
            Auth::RedmineKey(k) => request.header("x-redmine-api-key", k),
            Auth::Cookie(c) => request.header("cookie", c),
        };
        let body = match body {
            None => Bytes::new(),
            Some(Body::Json(s)) => {
                request = request.header("content-type", "application/json");
                Bytes::from(s)
            }
            Some(Body::Form(s)) => {
                request = request.header("content-type", "application/x-www-form-urlencoded");
                Bytes::from(s)
            }
        };
        let request = request.body(Full::new(body))?;
        let response = match sender.send_request(request).await {
            Ok(r) => r,
            Err(e) => {
                self.sender = None;
                return Err(e.into());
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Reply { status, headers, body })
    }

    /// Sends a request with an optional JSON body; the status and body.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        auth: Auth<'_>,
        json: Option<String>,
    ) -> anyhow::Result<(u16, Bytes)> {
        let r = self.request(method, path, auth, json.map(Body::Json)).await?;
        Ok((r.status, r.body))
    }

    /// Sends a request and parses a successful reply's JSON.
    pub async fn json(
        &mut self,
        method: &str,
        path: &str,
        auth: Auth<'_>,
        json: Option<String>,
    ) -> anyhow::Result<Value> {
        let r = self.request(method, path, auth, json.map(Body::Json)).await?;
        if !(200..300).contains(&r.status) {
            bail!("{method} {path}: {} {}", r.status, String::from_utf8_lossy(&r.body));
        }
        if r.headers.get(hyper::header::CONTENT_ENCODING).is_some_and(|e| e == "gzip") {
            let mut json = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&r.body[..]), &mut json)?;
            return Ok(serde_json::from_slice(&json)?);
        }
        Ok(serde_json::from_slice(&r.body)?)
    }
}

/// Percent-encodes a query or form value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
