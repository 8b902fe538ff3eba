//! `https://`: rustls with the Mozilla roots (webpki-roots) or the CAs of `--cacert`, the
//! handshake under the exchange's deadline, and what it settled: version, cipher, ALPN and
//! the server certificate's expiry (read from its DER: rustls verifies, it does not report).
//! Roots, certificates and refusals in words are `net::tls`'s, shared with `connect --tls`.
use crate::net::tls as shared;
pub use crate::net::tls::cert::{not_after, rfc3339};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

/// What the handshake settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInfo {
    /// `TLSv1.3`, `TLSv1.2`: the spelling of `connect --tls` and the exporter's.
    pub version: String,
    pub cipher: String,
    pub alpn: Option<String>,
    /// The server certificate's notAfter, seconds since the epoch.
    pub not_after: Option<i64>,
}

impl TlsInfo {
    /// Whole days from `now` until the certificate expires (negative once it has).
    pub fn days_left(&self, now: SystemTime) -> Option<i64> {
        shared::cert::days_left(self.not_after?, now)
    }
}

/// The client configuration: the CAs of `ca_file` (PEM) if given, else the Mozilla roots.
pub fn config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, String> {
    shared::client_config(shared::roots(ca_file)?)
}

pub type TlsStream = StreamOwned<ClientConnection, super::Timed>;

/// The handshake over a connected socket, bounded by its deadline; the server name (or IP
/// address) is what the certificate must match.
pub fn handshake(
    mut sock: super::Timed,
    host: &str,
    cfg: &Arc<ClientConfig>,
) -> Result<(TlsStream, TlsInfo), String> {
    let name = ServerName::try_from(host.to_string()).map_err(|e| e.to_string())?;
    let mut conn = ClientConnection::new(Arc::clone(cfg), name).map_err(|e| e.to_string())?;
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut sock) {
            return Err(match e.kind() {
                io::ErrorKind::TimedOut => "no TLS handshake before the deadline".into(),
                io::ErrorKind::UnexpectedEof => {
                    "the server closed the connection during the TLS handshake".into()
                }
                _ if sock.interrupted() => "interrupted during the TLS handshake".into(),
                _ => format!("TLS handshake: {}", shared::explain_io(&e)),
            });
        }
    }
    let info = TlsInfo {
        version: conn
            .protocol_version()
            .map(shared::version_text)
            .unwrap_or_default(),
        cipher: conn
            .negotiated_cipher_suite()
            .map(|c| format!("{:?}", c.suite()))
            .unwrap_or_default(),
        alpn: conn
            .alpn_protocol()
            .map(|a| String::from_utf8_lossy(a).into_owned()),
        not_after: conn
            .peer_certificates()
            .and_then(|c| c.first())
            .and_then(|c| not_after(c.as_ref())),
    };
    Ok((StreamOwned::new(conn, sock), info))
}
