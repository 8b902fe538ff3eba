//! The TLS probe: a ClientHello through rustls that checks no certificate (it only learns
//! that TLS answers: the version, the ALPN the server picked, the certificate's subject and
//! expiry); the detector drives the session over its non-blocking socket.
use crate::http::tls::{not_after, rfc3339, tlv};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme};
use serde::Serialize;
use std::net::IpAddr;
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

/// Accepts any certificate: this probe identifies, it does not trust.
#[derive(Debug)]
struct AnyCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The client configuration: TLS 1.2 and 1.3, ALPN h2 and http/1.1 offered, no certificate
/// check.
pub fn config() -> Arc<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCert(provider)))
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Arc::new(cfg)
}

/// A client session for the target: the name sent is the target's (an address sends none).
/// The caller drives it over its non-blocking socket (`write_tls`, `read_tls`).
pub fn client(host: &str, cfg: &Arc<ClientConfig>) -> Result<ClientConnection, String> {
    let name = match host.parse::<IpAddr>() {
        Ok(ip) => ServerName::IpAddress(ip.into()),
        Err(_) => ServerName::try_from(host.to_string()).map_err(|e| e.to_string())?,
    };
    ClientConnection::new(Arc::clone(cfg), name).map_err(|e| e.to_string())
}

/// What a completed handshake showed.
pub fn seen(conn: &ClientConnection) -> TlsSeen {
    let cert = conn.peer_certificates().and_then(|c| c.first());
    TlsSeen {
        version: match conn.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3".into(),
            Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2".into(),
            Some(v) => format!("{v:?}"),
            None => "TLS".into(),
        },
        alpn: conn
            .alpn_protocol()
            .map(|a| String::from_utf8_lossy(a).into_owned()),
        subject: cert.and_then(|c| subject_cn(c.as_ref())),
        expires: cert.and_then(|c| not_after(c.as_ref())).map(rfc3339),
    }
}

/// The subject's commonName of an X.509 certificate (DER), as `CN=...`.
pub fn subject_cn(der: &[u8]) -> Option<String> {
    let (0x30, cert, _) = tlv(der)? else {
        return None;
    };
    let (0x30, tbs, _) = tlv(cert)? else {
        return None;
    };
    let mut rest = tbs;
    if tlv(rest)?.0 == 0xa0 {
        rest = tlv(rest)?.2;
    }
    // serial, signature algorithm, issuer, validity; then the subject.
    for _ in 0..4 {
        rest = tlv(rest)?.2;
    }
    let (0x30, mut rdns, _) = tlv(rest)? else {
        return None;
    };
    const CN: &[u8] = &[0x55, 0x04, 0x03];
    while !rdns.is_empty() {
        let (_, set, r) = tlv(rdns)?;
        rdns = r;
        let (_, atv, _) = tlv(set)?;
        let (0x06, oid, r) = tlv(atv)? else {
            continue;
        };
        if oid == CN {
            let (_, value, _) = tlv(r)?;
            return Some(format!("CN={}", String::from_utf8_lossy(value)));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_name_read_from_a_real_certificate() {
        let mut params = rcgen::CertificateParams::new(vec!["svc.example.test".into()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "svc.example.test");
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "Lab");
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        assert_eq!(
            subject_cn(cert.der()).as_deref(),
            Some("CN=svc.example.test")
        );
    }

    #[test]
    fn garbage_is_none() {
        assert_eq!(subject_cn(b""), None);
        assert_eq!(subject_cn(&[0x30, 0x03, 0x02, 0x01, 0x00]), None);
    }
}
