//! HTTPS served by the program itself (`duban serve --tls-cert FILE --tls-key FILE`): rustls
//! with the ring provider, certificates and key in PEM files. The server (see `server`) runs
//! each handshake in its connection's task.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
pub(crate) use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::server::TlsStream;

pub use tokio_rustls::rustls::ServerConfig;

/// How long a client may take over its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

fn pem_error(what: &str, path: &Path, e: rustls::pki_types::pem::Error) -> String {
    use rustls::pki_types::pem::Error;
    match e {
        Error::Io(e) if e.kind() == std::io::ErrorKind::NotFound => format!("{what}文件 {} 不存在", path.display()),
        Error::Io(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            format!("没有读取{what}文件 {} 的权限", path.display())
        }
        Error::Io(e) => format!("无法读取{what}文件 {}:{e}", path.display()),
        Error::NoItemsFound => format!("{what}文件 {} 中没有 PEM 格式的{what}", path.display()),
        other => format!("{what}文件 {} 不是有效的 PEM 文件:{other:?}", path.display()),
    }
}

/// Reads the certificate chain (PEM, the server's certificate first) and its private key
/// (PEM: PKCS#8, PKCS#1 or SEC1) into a server configuration; every failure is a sentence
/// naming the file.
pub fn load(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, String> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| pem_error("证书", cert, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| pem_error("证书", cert, e))?;
    if chain.is_empty() {
        return Err(format!("证书文件 {} 中没有 PEM 格式的证书(-----BEGIN CERTIFICATE-----)", cert.display()));
    }
    let private = PrivateKeyDer::from_pem_file(key).map_err(|e| pem_error("私钥", key, e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS 配置失败:{e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| format!("证书 {} 与私钥 {} 无效或不匹配:{e}", cert.display(), key.display()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The TLS handshake of a connection the server accepted, within [`HANDSHAKE_TIMEOUT`]; `None`
/// (logged) when it fails or the client is too slow. It runs in the connection's own task, so
/// a slow or silent client holds up no one else.
pub(crate) async fn handshake(tls: &TlsAcceptor, tcp: TcpStream, addr: SocketAddr) -> Option<TlsStream<TcpStream>> {
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(tcp)).await {
        Ok(Ok(stream)) => Some(stream),
        Ok(Err(e)) => {
            tracing::debug!(%addr, error = %e, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!(%addr, "TLS handshake timed out");
            None
        }
    }
}
