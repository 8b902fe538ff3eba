//! `connect --tls`: the plan's TLS part (roots, the name sent and checked, ALPN) and the
//! TLS part of the connect record (the session, the verdict, the chain with expiry) as the
//! table, plain lines and JSON show it.
use crate::cli::TlsArgs;
use crate::connect::tls::{PeerClose, Setup, TlsReport};
use crate::error::InputError;
use crate::input::targets;
use crate::output::{Cell, Tone};
use serde::Serialize;
use std::io::Write;
use std::sync::Arc;
use std::time::SystemTime;

/// `--tls` and its options: the roots (`--cacert` read now: a bad file stops here), the
/// name sent and checked, the ALPN list.
pub(super) fn setup(args: &TlsArgs, host: &str) -> Result<Setup, InputError> {
    let roots = crate::net::tls::roots(args.cacert.as_deref()).map_err(|why| {
        let file = args.cacert.as_ref().map(|p| p.display().to_string());
        InputError::new("CA file", file.unwrap_or_default(), why)
    })?;
    let sni = match &args.sni {
        Some(n) => Some(sni_name(n, "sni", n)?),
        None => match targets::parse_targets(host)?.as_slice() {
            [targets::TargetSpec::Name(n)] => Some(sni_name(n, "host", host)?),
            _ => None,
        },
    };
    let alpn = match &args.alpn {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|p| {
                let p = p.trim();
                if p.is_empty() || p.len() > 255 {
                    Err(InputError::new(
                        "alpn",
                        list.as_str(),
                        "a comma-separated list of protocol names of 1 to 255 bytes, e.g. h2,http/1.1",
                    ))
                } else {
                    Ok(p.to_string())
                }
            })
            .collect::<Result<_, _>>()?,
    };
    Ok(Setup {
        roots: Arc::new(roots),
        insecure: args.insecure,
        sni,
        alpn,
    })
}

/// A name as SNI carries it: ASCII (IDNA), no final dot, one rustls takes.
fn sni_name(name: &str, what: &'static str, shown: &str) -> Result<String, InputError> {
    let bad = |why: &str| InputError::new(what, shown, why.to_string());
    if name.parse::<std::net::IpAddr>().is_ok() {
        return Err(bad(
            "an address is never sent as SNI: give a name (without --sni, an address HOST sends              none and the certificate must name the address)",
        ));
    }
    let ascii = crate::input::names::ascii_name(name)?;
    let n = ascii
        .strip_suffix('.')
        .unwrap_or(&ascii)
        .to_ascii_lowercase();
    rustls::pki_types::ServerName::try_from(n.as_str()).map_err(|_| {
        bad("not a DNS name TLS can send as SNI (letters, digits, '-' and '.'); --sni NAME sets another")
    })?;
    Ok(n)
}

/// The TLS part of the connect record.
#[derive(Debug, Clone, Serialize)]
pub struct TlsRecord {
    pub version: Option<String>,
    pub cipher: Option<String>,
    /// The protocol the server picked.
    pub alpn: Option<String>,
    pub alpn_offered: Vec<String>,
    /// The name sent as SNI (none for an address).
    pub sni: Option<String>,
    pub verified: bool,
    /// Why not (the refusal, or --insecure and what the check would have said).
    pub not_verified: Option<String>,
    pub handshake_ms: Option<f64>,
    /// The chain the server sent, its own certificate first.
    pub chain: Vec<CertRecord>,
    /// Why there is no TLS session.
    pub error: Option<String>,
    /// How the peer ended: close-notify, or eof-without-close-notify (data may be truncated).
    pub peer_close: Option<PeerClose>,
}

/// One certificate of the chain.
#[derive(Debug, Clone, Serialize)]
pub struct CertRecord {
    pub subject: String,
    pub issuer: String,
    /// subjectAltName: DNS names and addresses.
    pub names: Vec<String>,
    pub not_before: Option<String>,
    pub not_after: Option<String>,
    /// Whole days until not_after (negative once past).
    pub days_left: Option<i64>,
}

impl TlsRecord {
    pub fn new(t: &TlsReport, now: SystemTime) -> TlsRecord {
        use crate::net::tls::cert::rfc3339;
        TlsRecord {
            version: t.version.clone(),
            cipher: t.cipher.clone(),
            alpn: t.alpn.clone(),
            alpn_offered: t.alpn_offered.clone(),
            sni: t.sni.clone(),
            verified: t.verified,
            not_verified: t.not_verified.clone(),
            handshake_ms: t.handshake_time.map(crate::units::ms),
            chain: t
                .chain
                .iter()
                .map(|c| CertRecord {
                    subject: c.subject.clone(),
                    issuer: c.issuer.clone(),
                    names: c.names.clone(),
                    not_before: c.not_before.map(rfc3339),
                    not_after: c.not_after.map(rfc3339),
                    days_left: c.days_left(now),
                })
                .collect(),
            error: t.error.clone(),
            peer_close: t.peer_close,
        }
    }

    /// The table's rows: the session, the name and ALPN, the verdict, the chain.
    pub(super) fn rows(&self) -> Vec<(&'static str, Cell)> {
        let mut rows = Vec::new();
        match (&self.version, &self.error) {
            (Some(v), _) => rows.push((
                "tls",
                Cell::new(format!(
                    "{v} {}{}",
                    self.cipher.as_deref().unwrap_or("-"),
                    self.handshake_ms
                        .map(|m| format!(", handshake {m:.3}ms"))
                        .unwrap_or_default()
                )),
            )),
            // The reason is the error row's.
            (None, Some(_)) => rows.push(("tls", Cell::toned("failed (see error)", Tone::Bad))),
            (None, None) => rows.push(("tls", Cell::new("-"))),
        }
        rows.push((
            "tls sni",
            Cell::new(match &self.sni {
                Some(n) => n.clone(),
                None => "none (an address: the certificate must name it)".into(),
            }),
        ));
        if !self.alpn_offered.is_empty() || self.alpn.is_some() {
            rows.push((
                "tls alpn",
                Cell::new(format!(
                    "{} (offered {})",
                    self.alpn.as_deref().unwrap_or("none"),
                    self.alpn_offered.join(",")
                )),
            ));
        }
        rows.push((
            "tls verified",
            match (&self.not_verified, self.verified) {
                (_, true) => Cell::toned("yes", Tone::Good),
                (Some(why), false) if Some(why) != self.error.as_ref() => {
                    Cell::toned(format!("no: {why}"), Tone::Bad)
                }
                (_, false) => Cell::toned("no", Tone::Bad),
            },
        ));
        for (i, c) in self.chain.iter().enumerate() {
            let mut text = format!("{} (issuer {})", c.subject, c.issuer);
            if !c.names.is_empty() {
                text.push_str(&format!(" names {}", c.names.join(",")));
            }
            if let Some(after) = &c.not_after {
                text.push_str(&format!(" expires {after}"));
                if let Some(d) = c.days_left {
                    text.push_str(&format!(" ({d} days left)"));
                }
            }
            let tone = match c.days_left {
                Some(d) if d < 0 => Tone::Bad,
                Some(d) if d < 14 => Tone::Warn,
                _ => Tone::Normal,
            };
            rows.push((
                if i == 0 { "certificate" } else { "issuer cert" },
                Cell::toned(text, tone),
            ));
        }
        if self.peer_close == Some(PeerClose::EofWithoutCloseNotify) {
            rows.push((
                "tls close",
                Cell::toned(
                    "the peer closed TCP without a TLS close_notify: the data may be truncated",
                    Tone::Warn,
                ),
            ));
        }
        rows
    }

    /// Plain: `# tls` and `# cert` lines.
    pub(super) fn plain(&self, w: &mut impl Write) -> std::io::Result<()> {
        let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        writeln!(
            w,
            "# tls\t{}\t{}\talpn={}\tsni={}\tverified={}\t{}\t{}",
            o(&self.version),
            o(&self.cipher),
            o(&self.alpn),
            o(&self.sni),
            self.verified,
            self.handshake_ms
                .map(|m| format!("{m:.3}ms"))
                .unwrap_or_else(|| "-".into()),
            self.error
                .clone()
                .or_else(|| self.not_verified.clone())
                .unwrap_or_else(|| "-".into()),
        )?;
        for c in &self.chain {
            writeln!(
                w,
                "# cert\t{}\t{}\t{}\t{}",
                c.subject,
                c.issuer,
                o(&c.not_after),
                c.days_left.map_or("-".into(), |d| d.to_string())
            )?;
        }
        if self.peer_close == Some(PeerClose::EofWithoutCloseNotify) {
            writeln!(
                w,
                "# tls-close\teof-without-close-notify (data may be truncated)"
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{render, ConnectRecord};
    use super::*;
    use crate::connect::{ReadEnd, Report};
    use crate::net::attempt::Attempt;
    use crate::net::tls::cert::CertInfo;
    use crate::net::{Reason, State};
    use crate::output::Format;
    use std::time::{Duration, UNIX_EPOCH};

    /// 2027-01-01T00:00:00Z, so that days left stay what the snapshots say.
    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_798_761_600)
    }

    fn chain() -> Vec<CertInfo> {
        vec![
            CertInfo {
                subject: "CN=www.example.test".into(),
                issuer: "O=Example Lab, CN=Example Lab Issuing CA".into(),
                names: vec!["www.example.test".into(), "example.test".into()],
                not_before: Some(1_790_000_000),
                not_after: Some(1_800_000_000),
            },
            CertInfo {
                subject: "O=Example Lab, CN=Example Lab Issuing CA".into(),
                issuer: "O=Example Lab, CN=Example Lab Root CA".into(),
                names: vec![],
                not_before: Some(1_700_000_000),
                not_after: Some(1_900_000_000),
            },
        ]
    }

    fn report(tls: TlsReport) -> Report {
        let addr = "127.0.0.1:8443".parse().unwrap();
        let ok = tls.error.is_none();
        Report {
            target: "www.example.test".into(),
            port: 8443,
            udp: false,
            attempts: vec![Attempt {
                addr,
                state: State::Open,
                reason: Reason::SynAck,
                errno: None,
                icmp: None,
                elapsed: Duration::from_micros(64),
            }],
            peer: Some(addr),
            local: Some("127.0.0.1:39056".parse().unwrap()),
            connect_time: Some(Duration::from_micros(64)),
            tcp_info: None,
            options: vec![],
            sent: if ok { 18 } else { 0 },
            received: if ok { 19 } else { 0 },
            first_byte: ok.then(|| Duration::from_micros(900)),
            data: if ok {
                b"HTTP/1.0 200 OK\r\n\r\n".to_vec()
            } else {
                vec![]
            },
            read_end: ok.then_some(ReadEnd::Eof),
            error: tls.error.as_ref().map(|e| format!("tls: {e}")),
            state: State::Open,
            reason: Reason::SynAck,
            errno: None,
            icmp: None,
            tls: Some(tls),
            session: None,
            unix: None,
        }
    }

    fn good() -> TlsReport {
        TlsReport {
            version: Some("TLSv1.3".into()),
            cipher: Some("TLS13_AES_256_GCM_SHA384".into()),
            alpn: Some("h2".into()),
            alpn_offered: vec!["h2".into(), "http/1.1".into()],
            sni: Some("www.example.test".into()),
            verified: true,
            not_verified: None,
            chain: chain(),
            handshake_time: Some(Duration::from_micros(1827)),
            error: None,
            peer_close: Some(PeerClose::EofWithoutCloseNotify),
        }
    }

    fn refused() -> TlsReport {
        let why = "certificate not trusted (unknown issuer O=Example Lab, CN=Example Lab Root CA)";
        TlsReport {
            version: None,
            cipher: None,
            alpn: None,
            alpn_offered: vec![],
            sni: None,
            verified: false,
            not_verified: Some(why.into()),
            chain: chain(),
            handshake_time: None,
            error: Some(why.into()),
            peer_close: None,
        }
    }

    fn rendered(t: TlsReport, format: Format) -> String {
        let r = report(t);
        let mut rec = ConnectRecord::new(&r, false);
        rec.tls = r.tls.as_ref().map(|t| TlsRecord::new(t, now()));
        crate::output::rendered_at(format, 0, Some(100), |w, o| render(w, o, &rec))
    }

    #[test]
    fn tls_table_snapshots() {
        insta::assert_snapshot!(rendered(good(), Format::Table));
        insta::assert_snapshot!(rendered(refused(), Format::Table));
    }

    #[test]
    fn tls_plain_and_json_snapshots() {
        insta::assert_snapshot!(rendered(good(), Format::Plain));
        insta::assert_snapshot!(rendered(refused(), Format::Json));
    }
}
