//! What the TLS clients (`http`, `connect --tls`, the service probe) share: the trusted roots
//! (the Mozilla roots, or the CAs of `--cacert`), the client configurations, the server's
//! name as rustls takes it, the certificate reader ([`cert`]), the verifiers ([`verify`]) and
//! a handshake refusal told in plain words ([`explain`]).
pub mod cert;
pub mod verify;

use cert::{rfc3339, CertInfo};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{AlertDescription, CertificateError, ClientConfig, RootCertStore};
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

/// The one crypto provider (ring).
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The CAs of a PEM file; an error (in words, without the file's name) when it cannot be
/// read or holds no certificate.
pub fn load_cacert(path: &Path) -> Result<RootCertStore, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| e.to_string())?
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    if certs.is_empty() {
        return Err("no PEM certificate in it".into());
    }
    let mut roots = RootCertStore::empty();
    for c in certs {
        roots.add(c).map_err(|e| e.to_string())?;
    }
    Ok(roots)
}

/// The CAs of `ca_file` (PEM) if given, else the Mozilla roots (webpki-roots).
pub fn roots(ca_file: Option<&Path>) -> Result<RootCertStore, String> {
    match ca_file {
        Some(p) => load_cacert(p),
        None => {
            let mut roots = RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            Ok(roots)
        }
    }
}

/// A verifying client configuration (TLS 1.2 and 1.3) over `roots`.
pub fn client_config(roots: RootCertStore) -> Result<Arc<ClientConfig>, String> {
    let cfg = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(cfg))
}

/// A client configuration that checks no certificate, offering ALPN `alpn`.
pub fn unverified_config(alpn: &[&[u8]]) -> Arc<ClientConfig> {
    let provider = provider();
    let mut cfg = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verify::NoVerify(provider)))
        .with_no_client_auth();
    cfg.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(cfg)
}

/// The name the certificate must match: an address as an address (no SNI is sent for it), a
/// name as a DNS name (sent as SNI).
pub fn server_name(host: &str) -> Result<ServerName<'static>, String> {
    match host.parse::<IpAddr>() {
        Ok(ip) => Ok(ServerName::IpAddress(ip.into())),
        Err(_) => ServerName::try_from(host.to_string()).map_err(|e| e.to_string()),
    }
}

/// `TLSv1.3`, `TLSv1.2`.
pub fn version_text(v: rustls::ProtocolVersion) -> String {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        v => format!("{v:?}"),
    }
}

/// What a CaUsedAsEndEntity refusal means, and what would work.
const CA_AS_SERVER_CERT: &str = "the server's certificate is a CA certificate \
(basicConstraints CA:TRUE) sent as the server's own certificate; rustls refuses a CA \
certificate as an end entity (CaUsedAsEndEntity) even when --cacert trusts it. What works: a \
server certificate (CA:FALSE, with the server's name in subjectAltName) signed by that CA, \
with --cacert still naming the CA";

/// What is known around a refusal, to say it better.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The chain the server sent, its own certificate first (empty when unknown).
    pub chain: &'a [CertInfo],
    /// The name (or address) the certificate was checked against.
    pub asked: Option<&'a str>,
    /// The ALPN protocols offered.
    pub alpn: &'a [String],
}

/// A handshake refusal in plain words: `certificate not trusted (unknown issuer CN=...)`,
/// `name mismatch (certificate is for a.test, asked b.test)`, ...; rustls's own words for
/// what has no better ones.
pub fn explain(e: &rustls::Error, cx: &Context) -> String {
    let leaf = cx.chain.first();
    let when = |t: i64| {
        let days = cert::days_left(t, SystemTime::now()).unwrap_or(0);
        let ago = if days < 0 {
            format!("{} days ago", -days)
        } else {
            format!("in {days} days")
        };
        format!("{}, {ago}", rfc3339(t))
    };
    let secs = |t: &rustls::pki_types::UnixTime| t.as_secs() as i64;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer => match cx.chain.last() {
                Some(top) if top.issuer == top.subject => format!(
                    "certificate not trusted (unknown issuer {}: self-signed, not among the \
                     trusted roots)",
                    top.issuer
                ),
                Some(top) => format!("certificate not trusted (unknown issuer {})", top.issuer),
                None => "certificate not trusted (unknown issuer)".into(),
            },
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                let asked = match (c, cx.asked) {
                    (CertificateError::NotValidForNameContext { expected, .. }, _) => {
                        expected.to_str().into_owned()
                    }
                    (_, Some(a)) => a.to_string(),
                    _ => "?".into(),
                };
                let for_names = match leaf {
                    Some(l) if !l.names.is_empty() => l.names.join(", "),
                    Some(_) => "no name (it has no subjectAltName)".into(),
                    None => match c {
                        CertificateError::NotValidForNameContext { presented, .. } => presented
                            .iter()
                            .map(|p| presented_name(p))
                            .collect::<Vec<_>>()
                            .join(", "),
                        _ => "other names".into(),
                    },
                };
                format!("name mismatch (certificate is for {for_names}, asked {asked})")
            }
            CertificateError::ExpiredContext { not_after, .. } => {
                format!("certificate expired (not after {})", when(secs(not_after)))
            }
            CertificateError::Expired => match leaf.and_then(|l| l.not_after) {
                Some(t) => format!("certificate expired (not after {})", when(t)),
                None => "certificate expired".into(),
            },
            CertificateError::NotValidYetContext { not_before, .. } => {
                format!(
                    "certificate not valid yet (not before {})",
                    when(secs(not_before))
                )
            }
            CertificateError::NotValidYet => "certificate not valid yet".into(),
            CertificateError::BadSignature => {
                "certificate signature invalid (not signed by the issuer it names)".into()
            }
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                "certificate not for a TLS server (its extended key usage says otherwise)".into()
            }
            CertificateError::Revoked => "certificate revoked".into(),
            CertificateError::Other(o)
                if matches!(
                    o.0.downcast_ref::<webpki::Error>(),
                    Some(webpki::Error::CaUsedAsEndEntity)
                ) =>
            {
                CA_AS_SERVER_CERT.into()
            }
            other => format!("certificate refused: {other}"),
        },
        rustls::Error::AlertReceived(a) => match a {
            AlertDescription::NoApplicationProtocol => format!(
                "no ALPN protocol in common: the server accepts none of those offered ({})",
                cx.alpn.join(",")
            ),
            AlertDescription::ProtocolVersion => {
                "no TLS version in common (the server refused TLS 1.2 and 1.3)".into()
            }
            AlertDescription::HandshakeFailure => {
                "the server refused the handshake (handshake_failure: no cipher suite, group or \
                 signature scheme in common, or a client certificate required)"
                    .into()
            }
            AlertDescription::UnrecognisedName => format!(
                "the server does not know the name sent (unrecognized_name, SNI {})",
                cx.asked.unwrap_or("none")
            ),
            AlertDescription::CertificateRequired => {
                "the server requires a client certificate".into()
            }
            other => format!("the server ended the handshake with a fatal alert ({other:?})"),
        },
        rustls::Error::PeerIncompatible(p) => format!("the server is incompatible: {p:?}"),
        other => other.to_string(),
    }
}

/// webpki's `DnsName("a.test")` / `IpAddress(127.0.0.1)` as `a.test` / `127.0.0.1`.
fn presented_name(p: &str) -> &str {
    for (pre, post) in [("DnsName(\"", "\")"), ("IpAddress(", ")")] {
        if let Some(n) = p.strip_prefix(pre).and_then(|r| r.strip_suffix(post)) {
            return n;
        }
    }
    p
}

/// An I/O error of a rustls stream in plain words (a rustls error inside it explained).
pub fn explain_io(e: &std::io::Error) -> String {
    match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(t) => explain(t, &Context::default()),
        None => e.to_string(),
    }
}

/// Whether the first bytes a server sent can begin a TLS record: a content type (20-24),
/// then version 3.x.
pub fn looks_like_tls(first: &[u8]) -> bool {
    match first {
        [] => true,
        [t] => (20..=24).contains(t),
        [t, v, ..] => (20..=24).contains(t) && *v == 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_records_and_other_protocols() {
        assert!(looks_like_tls(&[0x16, 0x03, 0x03, 0x00, 0x10]));
        assert!(looks_like_tls(&[0x15, 0x03, 0x01]));
        assert!(!looks_like_tls(b"HTTP/1.1 400 Bad Request\r\n"));
        assert!(!looks_like_tls(b"SSH-2.0-OpenSSH_9.6\r\n"));
        assert!(!looks_like_tls(&[0x16, 0x00]));
    }

    #[test]
    fn refusals_in_plain_words() {
        let chain = [CertInfo {
            subject: "CN=a.test".into(),
            issuer: "CN=Test CA".into(),
            names: vec!["a.test".into(), "127.0.0.1".into()],
            not_before: None,
            not_after: Some(1_609_459_200),
        }];
        let cx = Context {
            chain: &chain,
            asked: Some("b.test"),
            alpn: &["h2".into(), "http/1.1".into()],
        };
        let e = |c: CertificateError| explain(&rustls::Error::InvalidCertificate(c), &cx);
        assert_eq!(
            e(CertificateError::UnknownIssuer),
            "certificate not trusted (unknown issuer CN=Test CA)"
        );
        assert_eq!(
            e(CertificateError::NotValidForName),
            "name mismatch (certificate is for a.test, 127.0.0.1, asked b.test)"
        );
        let presented = CertificateError::NotValidForNameContext {
            expected: ServerName::try_from("b.test").unwrap(),
            presented: vec!["DnsName(\"a.test\")".into(), "IpAddress(127.0.0.1)".into()],
        };
        assert_eq!(
            explain(
                &rustls::Error::InvalidCertificate(presented),
                &Context::default()
            ),
            "name mismatch (certificate is for a.test, 127.0.0.1, asked b.test)"
        );
        assert!(e(CertificateError::Expired)
            .starts_with("certificate expired (not after 2021-01-01T00:00:00Z, "));
        assert_eq!(
            explain(
                &rustls::Error::AlertReceived(AlertDescription::NoApplicationProtocol),
                &cx
            ),
            "no ALPN protocol in common: the server accepts none of those offered (h2,http/1.1)"
        );
        let own = [CertInfo {
            subject: "CN=box".into(),
            issuer: "CN=box".into(),
            ..chain[0].clone()
        }];
        assert_eq!(
            explain(
                &rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
                &Context {
                    chain: &own,
                    ..cx
                }
            ),
            "certificate not trusted (unknown issuer CN=box: self-signed, not among the trusted roots)"
        );
        assert_eq!(
            explain(
                &rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
                &Context::default()
            ),
            "certificate not trusted (unknown issuer)"
        );
    }
}
