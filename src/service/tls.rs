//! The TLS probe: a ClientHello through rustls that checks no certificate (it only learns
//! that TLS answers: the version, the ALPN the server picked, the certificate's subject and
//! expiry), over a socket whose reads and writes are bounded by the probe's deadline.
use crate::net::tls::cert::{not_after, rfc3339, subject_cn};
use crate::net::tls::{server_name, unverified_config, version_text};
use rustls::{ClientConfig, ClientConnection};
use serde::Serialize;
use std::io::{Read, Write};
use std::net::TcpStream;
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

/// The handshake over a connected socket (its timeouts bound each read and write); the name
/// sent is the target's (an address sends none). `Err` when no TLS handshake completes.
pub fn handshake(
    sock: &mut TcpStream,
    host: &str,
    cfg: &Arc<ClientConfig>,
) -> Result<(ClientConnection, TlsSeen), String> {
    let name = server_name(host)?;
    let mut conn = ClientConnection::new(Arc::clone(cfg), name).map_err(|e| e.to_string())?;
    while conn.is_handshaking() {
        conn.complete_io(sock).map_err(|e| e.to_string())?;
    }
    let cert = conn.peer_certificates().and_then(|c| c.first());
    let seen = TlsSeen {
        version: conn
            .protocol_version()
            .map(version_text)
            .unwrap_or_else(|| "TLS".into()),
        alpn: conn
            .alpn_protocol()
            .map(|a| String::from_utf8_lossy(a).into_owned()),
        subject: cert.and_then(|c| subject_cn(c.as_ref())),
        expires: cert.and_then(|c| not_after(c.as_ref())).map(rfc3339),
    };
    Ok((conn, seen))
}

/// Sends `req` inside the TLS session and reads the reply, at most `cap` bytes.
pub fn exchange(
    conn: &mut ClientConnection,
    sock: &mut TcpStream,
    req: &[u8],
    cap: usize,
) -> Vec<u8> {
    let mut s = rustls::Stream::new(conn, sock);
    let mut out = Vec::new();
    if s.write_all(req).and_then(|_| s.flush()).is_err() {
        return out;
    }
    let mut buf = [0u8; 1024];
    while out.len() < cap {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                out.extend_from_slice(&buf[..n.min(cap - out.len())]);
                if out.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
        }
    }
    out
}
