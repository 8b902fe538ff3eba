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
            (None, Some(e)) => rows.push(("tls", Cell::toned(format!("failed: {e}"), Tone::Bad))),
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
                (Some(why), false) => Cell::toned(format!("no: {why}"), Tone::Bad),
                (None, false) => Cell::toned("no", Tone::Bad),
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
