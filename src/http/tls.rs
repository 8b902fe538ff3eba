//! `https://`: rustls with the Mozilla roots (webpki-roots) or the CAs of `--cacert`, the
//! handshake under the exchange's deadline, and what it settled: version, cipher, ALPN and
//! the server certificate's expiry (read from its DER: rustls verifies, it does not report).
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What the handshake settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInfo {
    /// `TLSv1_3`, `TLSv1_2`.
    pub version: String,
    pub cipher: String,
    pub alpn: Option<String>,
    /// The server certificate's notAfter, seconds since the epoch.
    pub not_after: Option<i64>,
}

impl TlsInfo {
    /// Whole days from `now` until the certificate expires (negative once it has).
    pub fn days_left(&self, now: SystemTime) -> Option<i64> {
        let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs() as i64;
        self.not_after.map(|t| (t - now).div_euclid(86_400))
    }
}

/// The client configuration: the CAs of `ca_file` (PEM) if given, else the Mozilla roots.
pub fn config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    match ca_file {
        Some(p) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(p)
                .map_err(|e| e.to_string())?
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?;
            if certs.is_empty() {
                return Err("no PEM certificate in it".into());
            }
            for c in certs {
                roots.add(c).map_err(|e| e.to_string())?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(cfg))
}

pub type TlsStream = StreamOwned<ClientConnection, super::Timed>;

/// What a CaUsedAsEndEntity refusal means, and what would work.
const CA_AS_SERVER_CERT: &str = "the server's certificate is a CA certificate \
(basicConstraints CA:TRUE) sent as the server's own certificate; rustls refuses a CA \
certificate as an end entity (CaUsedAsEndEntity) even when --cacert trusts it. What works: a \
server certificate (CA:FALSE, with the server's name in subjectAltName) signed by that CA, \
with --cacert still naming the CA";

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
                _ => format!("TLS handshake: {}", explain(&e)),
            });
        }
    }
    let info = TlsInfo {
        version: conn
            .protocol_version()
            .map(|v| format!("{v:?}"))
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

/// A handshake error in plain words where rustls's own are cryptic.
fn explain(e: &io::Error) -> String {
    let tls = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    if let Some(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(o))) = tls {
        if let Some(webpki::Error::CaUsedAsEndEntity) = o.0.downcast_ref::<webpki::Error>() {
            return CA_AS_SERVER_CERT.into();
        }
    }
    e.to_string()
}

/// One DER element: (tag, contents, the rest after it).
pub fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, b) = b.split_first()?;
    let (&len0, mut b) = b.split_first()?;
    let len = if len0 < 0x80 {
        len0 as usize
    } else {
        let n = (len0 & 0x7f) as usize;
        if n == 0 || n > 4 || b.len() < n {
            return None;
        }
        let len = b[..n].iter().fold(0usize, |a, &x| (a << 8) | x as usize);
        b = &b[n..];
        len
    };
    if b.len() < len {
        return None;
    }
    Some((tag, &b[..len], &b[len..]))
}

/// The notAfter of an X.509 certificate (DER), seconds since the epoch.
pub fn not_after(der: &[u8]) -> Option<i64> {
    let (0x30, cert, _) = tlv(der)? else {
        return None;
    };
    let (0x30, tbs, _) = tlv(cert)? else {
        return None;
    };
    let mut rest = tbs;
    let (tag, _, r) = tlv(rest)?;
    // [0] version is optional; then serial, signature algorithm, issuer, validity.
    if tag == 0xa0 {
        rest = r;
    }
    for _ in 0..3 {
        rest = tlv(rest)?.2;
    }
    let (0x30, validity, _) = tlv(rest)? else {
        return None;
    };
    let (_, _, after) = tlv(validity)?;
    let (tag, time, _) = tlv(after)?;
    parse_time(tag, std::str::from_utf8(time).ok()?)
}

/// UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`) to epoch seconds.
fn parse_time(tag: u8, s: &str) -> Option<i64> {
    let s = s.strip_suffix('Z')?;
    let (year, rest) = match (tag, s.len()) {
        (0x17, 12) => {
            let yy: i64 = s.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, s.get(2..)?)
        }
        (0x18, 14) => (s.get(..4)?.parse().ok()?, s.get(4..)?),
        _ => return None,
    };
    let n = |i: usize| rest.get(i..i + 2)?.parse::<i64>().ok();
    let (mo, d, h, mi, se) = (n(0)?, n(2)?, n(4)?, n(6)?, n(8)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(days_from_civil(year, mo, d) * 86_400 + h * 3600 + mi * 60 + se)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Epoch seconds as RFC 3339 (`2027-01-01T00:00:00Z`).
pub fn rfc3339(t: i64) -> String {
    let st = if t >= 0 {
        UNIX_EPOCH + Duration::from_secs(t as u64)
    } else {
        UNIX_EPOCH - Duration::from_secs(t.unsigned_abs())
    };
    humantime::format_rfc3339_seconds(st).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(parse_time(0x17, "270101000000Z"), Some(1_798_761_600));
        assert_eq!(parse_time(0x18, "20270101000000Z"), Some(1_798_761_600));
        assert_eq!(parse_time(0x17, "991231235959Z"), Some(946_684_799));
        assert_eq!(parse_time(0x17, "2701010000Z"), None);
        assert_eq!(parse_time(0x17, "271301000000Z"), None);
        assert_eq!(rfc3339(1_798_761_600), "2027-01-01T00:00:00Z");
    }

    #[test]
    fn expiry_read_from_a_real_certificate() {
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params.not_after = rcgen::date_time_ymd(2031, 5, 6);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        assert_eq!(
            not_after(cert.der()).map(rfc3339).as_deref(),
            Some("2031-05-06T00:00:00Z")
        );
    }

    #[test]
    fn garbage_der_is_none() {
        assert_eq!(not_after(b""), None);
        assert_eq!(not_after(&[0x30, 0x82, 0xff]), None);
        assert_eq!(not_after(&[0x30, 0x03, 0x02, 0x01, 0x00]), None);
    }

    #[test]
    fn times_with_multibyte_characters_are_none_not_a_panic() {
        // 12 and 14 bytes with 'é' across the year's byte boundary.
        assert_eq!(parse_time(0x17, "1\u{e9}0101000000Z"), None);
        assert_eq!(parse_time(0x18, "202\u{e9}0101000000Z"), None);
        assert_eq!(parse_time(0x17, "310506000000Z"), Some(1_935_792_000));
    }
}
