//! What an X.509 certificate (DER) says about itself, read without a full ASN.1 parser
//! (rustls verifies certificates, it does not describe them): subject and issuer as text,
//! the names it is for (subjectAltName), and its validity dates.
use serde::Serialize;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One certificate of a chain, as people read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    /// `CN=a.test, O=Lab`, in the certificate's order.
    pub subject: String,
    pub issuer: String,
    /// subjectAltName: DNS names and IP addresses.
    pub names: Vec<String>,
    /// Seconds since the epoch.
    pub not_before: Option<i64>,
    pub not_after: Option<i64>,
}

impl CertInfo {
    /// The certificate's fields; `None` when its DER is not a certificate.
    pub fn parse(der: &[u8]) -> Option<CertInfo> {
        let f = fields(der)?;
        Some(CertInfo {
            subject: name_text(f.subject).unwrap_or_else(|| "(unreadable)".into()),
            issuer: name_text(f.issuer).unwrap_or_else(|| "(unreadable)".into()),
            names: f.extensions.map(alt_names).unwrap_or_default(),
            not_before: validity(f.validity, 0),
            not_after: validity(f.validity, 1),
        })
    }

    /// Whole days from `now` until it expires (negative once it has).
    pub fn days_left(&self, now: SystemTime) -> Option<i64> {
        days_left(self.not_after?, now)
    }
}

/// Whole days from `now` until `t` (epoch seconds; negative once past).
pub fn days_left(t: i64, now: SystemTime) -> Option<i64> {
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs() as i64;
    Some((t - now).div_euclid(86_400))
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

/// The parts of a TBSCertificate this module reads (each one DER element, tag included
/// where the caller walks it).
struct Fields<'a> {
    issuer: &'a [u8],
    validity: &'a [u8],
    subject: &'a [u8],
    /// The contents of `[3] EXPLICIT Extensions`.
    extensions: Option<&'a [u8]>,
}

fn fields(der: &[u8]) -> Option<Fields<'_>> {
    let (0x30, cert, _) = tlv(der)? else {
        return None;
    };
    let (0x30, tbs, _) = tlv(cert)? else {
        return None;
    };
    let mut rest = tbs;
    // [0] version is optional; then serial, signature algorithm.
    if tlv(rest)?.0 == 0xa0 {
        rest = tlv(rest)?.2;
    }
    for _ in 0..2 {
        rest = tlv(rest)?.2;
    }
    let (0x30, issuer, r) = tlv(rest)? else {
        return None;
    };
    let (0x30, validity, r) = tlv(r)? else {
        return None;
    };
    let (0x30, subject, mut r) = tlv(r)? else {
        return None;
    };
    // subjectPublicKeyInfo, then [1] and [2] unique ids (optional), then [3] extensions.
    r = tlv(r)?.2;
    let mut extensions = None;
    while let Some((tag, body, next)) = tlv(r) {
        if tag == 0xa3 {
            extensions = Some(body);
        }
        r = next;
    }
    Some(Fields {
        issuer,
        validity,
        subject,
        extensions,
    })
}

/// notBefore (`which` 0) or notAfter (1) of a Validity's contents.
fn validity(v: &[u8], which: usize) -> Option<i64> {
    let (mut tag, mut time, rest) = tlv(v)?;
    if which == 1 {
        (tag, time, _) = tlv(rest)?;
    }
    parse_time(tag, std::str::from_utf8(time).ok()?)
}

/// The notAfter of an X.509 certificate (DER), seconds since the epoch.
pub fn not_after(der: &[u8]) -> Option<i64> {
    validity(fields(der)?.validity, 1)
}

/// The subject's commonName of an X.509 certificate (DER), as `CN=...`.
pub fn subject_cn(der: &[u8]) -> Option<String> {
    let subject = fields(der)?.subject;
    attributes(subject)?
        .into_iter()
        .find(|(oid, _)| *oid == CN)
        .map(|(_, v)| format!("CN={v}"))
}

const CN: &[u8] = &[0x55, 0x04, 0x03];

/// A Name's contents as text: `CN=a.test, O=Lab` (multi-valued parts joined by `+`).
pub fn name_text(name: &[u8]) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut rdns = name;
    while !rdns.is_empty() {
        let (0x31, mut set, r) = tlv(rdns)? else {
            return None;
        };
        rdns = r;
        let mut one: Vec<String> = Vec::new();
        while !set.is_empty() {
            let (0x30, atv, r) = tlv(set)? else {
                return None;
            };
            set = r;
            let (0x06, oid, r) = tlv(atv)? else {
                return None;
            };
            let (tag, value, _) = tlv(r)?;
            one.push(format!("{}={}", oid_name(oid), string_value(tag, value)));
        }
        parts.push(one.join("+"));
    }
    Some(parts.join(", "))
}

/// (OID, value) of every attribute of a Name's contents.
fn attributes(name: &[u8]) -> Option<Vec<(&[u8], String)>> {
    let mut out = Vec::new();
    let mut rdns = name;
    while !rdns.is_empty() {
        let (_, mut set, r) = tlv(rdns)?;
        rdns = r;
        while !set.is_empty() {
            let (_, atv, r) = tlv(set)?;
            set = r;
            let (0x06, oid, r) = tlv(atv)? else {
                continue;
            };
            let (tag, value, _) = tlv(r)?;
            out.push((oid, string_value(tag, value)));
        }
    }
    Some(out)
}

fn oid_name(oid: &[u8]) -> String {
    match oid {
        [0x55, 0x04, 0x03] => "CN".into(),
        [0x55, 0x04, 0x05] => "serialNumber".into(),
        [0x55, 0x04, 0x06] => "C".into(),
        [0x55, 0x04, 0x07] => "L".into(),
        [0x55, 0x04, 0x08] => "ST".into(),
        [0x55, 0x04, 0x0a] => "O".into(),
        [0x55, 0x04, 0x0b] => "OU".into(),
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => "emailAddress".into(),
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => "DC".into(),
        other => dotted(other),
    }
}

/// An OID's contents in dotted form (`1.2.840.113549`).
fn dotted(oid: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut v: u64 = 0;
    for &b in oid {
        v = (v << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (v / 40).min(2);
                arcs.push(first);
                arcs.push(v - first * 40);
            } else {
                arcs.push(v);
            }
            v = 0;
        }
    }
    arcs.iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(".")
}

/// A directory string's text (UTF-8, Printable, IA5, T61, BMP, Universal); other
/// encodings as `#hex`. Control characters escaped.
fn string_value(tag: u8, v: &[u8]) -> String {
    let text = match tag {
        0x0c | 0x13 | 0x16 => String::from_utf8_lossy(v).into_owned(),
        // T61: taken as Latin-1, as most tools do.
        0x14 => v.iter().map(|&b| b as char).collect(),
        0x1e => char::decode_utf16(
            v.chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)])),
        )
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect(),
        0x1c => v
            .chunks(4)
            .map(|c| {
                let mut b = [0u8; 4];
                b[..c.len()].copy_from_slice(c);
                char::from_u32(u32::from_be_bytes(b)).unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect(),
        _ => {
            return format!(
                "#{}",
                v.iter().map(|b| format!("{b:02x}")).collect::<String>()
            )
        }
    };
    text.chars()
        .flat_map(|c| match c {
            c if c.is_control() => format!("\\x{:02x}", c as u32).chars().collect::<Vec<_>>(),
            c => vec![c],
        })
        .collect()
}

/// The DNS names and IP addresses of the subjectAltName extension, from the contents of
/// `[3] Extensions`.
fn alt_names(ext: &[u8]) -> Vec<String> {
    const SAN: &[u8] = &[0x55, 0x1d, 0x11];
    let mut out = Vec::new();
    let Some((0x30, mut list, _)) = tlv(ext) else {
        return out;
    };
    while let Some((_, one, rest)) = tlv(list) {
        list = rest;
        let Some((0x06, oid, mut r)) = tlv(one) else {
            continue;
        };
        if oid != SAN {
            continue;
        }
        // critical BOOLEAN DEFAULT FALSE, then the OCTET STRING holding GeneralNames.
        if let Some((0x01, _, after)) = tlv(r) {
            r = after;
        }
        let Some((0x04, value, _)) = tlv(r) else {
            continue;
        };
        let Some((0x30, mut names, _)) = tlv(value) else {
            continue;
        };
        while let Some((tag, v, rest)) = tlv(names) {
            names = rest;
            match (tag, v.len()) {
                (0x82, _) => out.push(string_value(0x16, v)),
                (0x87, 4) => out.push(std::net::Ipv4Addr::new(v[0], v[1], v[2], v[3]).to_string()),
                (0x87, 16) => {
                    let mut b = [0u8; 16];
                    b.copy_from_slice(v);
                    out.push(std::net::Ipv6Addr::from(b).to_string());
                }
                _ => {}
            }
        }
    }
    out
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
        assert_eq!(subject_cn(b""), None);
        assert_eq!(subject_cn(&[0x30, 0x03, 0x02, 0x01, 0x00]), None);
        assert_eq!(CertInfo::parse(&[0x30, 0x03, 0x02, 0x01, 0x00]), None);
    }

    #[test]
    fn times_with_multibyte_characters_are_none_not_a_panic() {
        // 12 and 14 bytes with 'é' across the year's byte boundary.
        assert_eq!(parse_time(0x17, "1\u{e9}0101000000Z"), None);
        assert_eq!(parse_time(0x18, "202\u{e9}0101000000Z"), None);
        assert_eq!(parse_time(0x17, "310506000000Z"), Some(1_935_792_000));
    }

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
    fn subject_issuer_names_and_dates_of_a_chain() {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name = rcgen::DistinguishedName::new();
        ca.distinguished_name.push(rcgen::DnType::CountryName, "FR");
        ca.distinguished_name
            .push(rcgen::DnType::OrganizationName, "Lab");
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "Test CA \u{e9}");
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca, ca_key);
        let key = rcgen::KeyPair::generate().unwrap();
        let mut leaf = rcgen::CertificateParams::new(vec![
            "a.test".to_string(),
            "127.0.0.1".to_string(),
            "::1".to_string(),
        ])
        .unwrap();
        leaf.distinguished_name = rcgen::DistinguishedName::new();
        leaf.distinguished_name
            .push(rcgen::DnType::CommonName, "a.test");
        leaf.not_before = rcgen::date_time_ymd(2020, 1, 2);
        leaf.not_after = rcgen::date_time_ymd(2031, 5, 6);
        let cert = leaf.signed_by(&key, &issuer).unwrap();
        let info = CertInfo::parse(cert.der()).unwrap();
        assert_eq!(info.subject, "CN=a.test");
        assert_eq!(info.issuer, "C=FR, O=Lab, CN=Test CA \u{e9}");
        assert_eq!(info.names, ["a.test", "127.0.0.1", "::1"]);
        assert_eq!(
            info.not_before.map(rfc3339).as_deref(),
            Some("2020-01-02T00:00:00Z")
        );
        assert_eq!(
            info.not_after.map(rfc3339).as_deref(),
            Some("2031-05-06T00:00:00Z")
        );
        let ca_info = CertInfo::parse(ca_cert.der()).unwrap();
        assert_eq!(ca_info.subject, ca_info.issuer);
        assert!(ca_info.names.is_empty());
        let day = UNIX_EPOCH + Duration::from_secs(1_935_792_000 - 86_400 * 10);
        assert_eq!(info.days_left(day), Some(10));
    }

    #[test]
    fn unknown_attributes_and_encodings() {
        assert_eq!(
            dotted(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d]),
            "1.2.840.113549"
        );
        assert_eq!(string_value(0x1e, &[0x00, 0x41, 0x00, 0xe9]), "A\u{e9}");
        assert_eq!(string_value(0x0c, b"a\nb"), "a\\x0ab");
        assert_eq!(string_value(0x04, &[0xde, 0xad]), "#dead");
    }
}
