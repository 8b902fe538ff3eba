//! The TLS probe: a ClientHello through rustls that checks no certificate (it only learns
//! that TLS answers: the version, the ALPN the server picked, the certificate's subject and
//! expiry); the detector drives the session over its non-blocking socket.
use crate::net::tls::cert::{not_after, rfc3339, subject_cn};
use crate::net::tls::{server_name, unverified_config, version_text};
use rustls::{ClientConfig, ClientConnection};
use serde::Serialize;
use std::sync::Arc;

/// What the handshake showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsSeen {
    /// `TLSv1.3`, `TLSv1.2`.
    pub version: String,
    pub alpn: Option<String>,
    /// The certificate's subject common name (`CN=example.test`), or its first DNS name.
    pub subject: Option<String>,
    /// The certificate's notAfter, RFC 3339.
    pub expires: Option<String>,
}

/// The client configuration: TLS 1.2 and 1.3, ALPN h2 and http/1.1 offered, no certificate
/// check.
pub fn config() -> Arc<ClientConfig> {
    unverified_config(&[b"h2", b"http/1.1"])
}

/// A client session for the target: the name sent is the target's (an address sends none).
/// The caller drives it over its non-blocking socket (`write_tls`, `read_tls`).
pub fn client(host: &str, cfg: &Arc<ClientConfig>) -> Result<ClientConnection, String> {
    let name = server_name(host)?;
    ClientConnection::new(Arc::clone(cfg), name).map_err(|e| e.to_string())
}

/// What a completed handshake showed.
pub fn seen(conn: &ClientConnection) -> TlsSeen {
    let cert = conn.peer_certificates().and_then(|c| c.first());
    TlsSeen {
        version: conn
            .protocol_version()
            .map(version_text)
            .unwrap_or_else(|| "TLS".into()),
        alpn: conn
            .alpn_protocol()
            .map(|a| String::from_utf8_lossy(a).into_owned()),
        subject: cert.and_then(|c| subject_cn(c.as_ref())),
        expires: cert.and_then(|c| not_after(c.as_ref())).map(rfc3339),
    }
}
