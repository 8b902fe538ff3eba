//! `sockdiag why TARGET [PORT]`: the plan (the host, the port, what the target implies: TLS,
//! HTTP), the diagnosis (`why::diagnose`), and the records: the verdict line first, then
//! one `why-layer` record per layer and address; JSON ends with the `why` verdict record.
use crate::cli::WhyArgs;
use crate::error::InputError;
use crate::exit::Exit;
use crate::input::ports;
use crate::input::targets::{self, Target, TargetSpec};
use crate::interrupt::Interrupt;
use crate::output::layout::Fit;
use crate::output::{self, json, plain, Cell, Format, OutputOpts, Record, Tone};
use crate::probe::Proto;
use crate::resolve::Family;
use crate::why::{self, Config, Diagnosis, Host, Kind, Layer, Status, Step};
use anyhow::Result;
use serde::Serialize;
use std::io::Write;
use std::net::IpAddr;
use std::sync::Arc;

pub struct Plan {
    /// One per target: the TARGET given, or each line of `--targets-file`.
    pub configs: Vec<Config>,
}

/// The host, the port and the path of a TARGET [PORT]: `HOST PORT`, `HOST:PORT`,
/// `[V6]:PORT`, or a URL (its scheme says TLS, its path the request).
fn split_target(
    target: &str,
    port: Option<&str>,
) -> Result<(String, String, bool, Option<String>), InputError> {
    if target.contains("://") {
        let url = crate::http::url::parse(target)?;
        if let Some(p) = port {
            return Err(InputError::new(
                "port",
                p,
                "a URL has its port already: give the URL alone",
            ));
        }
        return Ok((url.host, url.port.to_string(), url.tls, Some(url.target)));
    }
    if let Some(p) = port {
        let host = target
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(target);
        return Ok((host.to_string(), p.to_string(), false, None));
    }
    let bad = || {
        InputError::new(
            "target",
            target,
            "give HOST PORT, HOST:PORT, [V6]:PORT or a URL, e.g. db.example.test 5432 or https://api.example.test/health",
        )
    };
    let (h, p) = targets::split_host_port(target).map_err(|_| bad())?;
    Ok((h, p, false, None))
}

pub fn plan(args: &WhyArgs, family: Family) -> Result<Plan> {
    let configs = match (&args.targets_file, &args.target) {
        (Some(file), _) => {
            let lines = crate::input::lists::read_numbered(file)?;
            if lines.is_empty() {
                return Err(InputError::new(
                    "targets file",
                    file.display().to_string(),
                    "no targets in it",
                )
                .into());
            }
            lines
                .iter()
                .map(|(n, line)| {
                    let mut words = line.split_whitespace();
                    let target = words.next().unwrap_or_default();
                    let port = words.next();
                    if let Some(extra) = words.next() {
                        return Err(InputError::new(
                            "target",
                            extra,
                            "one target a line: HOST PORT, HOST:PORT or a URL",
                        )
                        .at_line(file, *n)
                        .into());
                    }
                    config(args, family, target, port).map_err(|e| {
                        match e.downcast::<InputError>() {
                            Ok(i) => i.at_line(file, *n).into(),
                            Err(e) => e,
                        }
                    })
                })
                .collect::<Result<Vec<_>>>()?
        }
        (None, Some(t)) => vec![config(args, family, t, args.port.as_deref())?],
        (None, None) => {
            return Err(
                InputError::new("arguments", "", "give TARGET [PORT] or --targets-file").into(),
            )
        }
    };
    Ok(Plan { configs })
}

/// One target's configuration: its host, port and what it implies, with the flags.
fn config(args: &WhyArgs, family: Family, target: &str, port: Option<&str>) -> Result<Config> {
    let (host, port_text, url_tls, url_path) = split_target(target, port)?;
    let set = ports::parse_ports(std::slice::from_ref(&port_text), Proto::Tcp)?;
    if set.len() != 1 {
        return Err(InputError::new("port", port_text, "why takes one port").into());
    }
    let port = set.iter().next().expect("one port");
    if args.timeout.is_zero() {
        return Err(InputError::new("timeout", "0", "must be more than zero").into());
    }
    let specs = targets::parse_targets(&host)?;
    let host = match specs.as_slice() {
        [TargetSpec::Name(n)] => Host::Name(n.clone()),
        [TargetSpec::Addrs(a)] if a.len() == 1 => {
            if !family.admits(&a[0]) {
                return Err(InputError::new(
                    "host",
                    host.as_str(),
                    "not an address of the family asked for (-4/-6)",
                )
                .into());
            }
            Host::Literal(Target {
                name: a[0].to_string(),
                addr: a[0],
                zone: None,
            })
        }
        [TargetSpec::Zoned(a, z)] => Host::Literal(Target {
            name: format!("{a}%{}", z.text),
            addr: IpAddr::V6(*a),
            zone: Some(z.clone()),
        }),
        _ => {
            return Err(InputError::new(
                "host",
                host.as_str(),
                "why takes one name or address (no lists, blocks or ranges)",
            )
            .into())
        }
    };
    let tls = args.tls || url_tls || why::TLS_PORTS.contains(&port);
    if args.cacert.is_some() && !tls {
        return Err(InputError::new(
            "option",
            "--cacert",
            "only with TLS (--tls, a TLS port or an https:// URL)",
        )
        .into());
    }
    let tls = if tls {
        let roots = crate::net::tls::roots(args.cacert.as_deref()).map_err(|why| {
            let file = args.cacert.as_ref().map(|p| p.display().to_string());
            InputError::new("CA file", file.unwrap_or_default(), why)
        })?;
        let sni = match &host {
            Host::Name(n) => Some(n.trim_end_matches('.').to_string()),
            Host::Literal(_) => None,
        };
        Some(crate::connect::tls::Setup {
            roots: Arc::new(roots),
            insecure: false,
            sni,
            alpn: Vec::new(),
        })
    } else {
        None
    };
    let http = match (&args.http, url_path) {
        (Some(p), _) => {
            if !p.starts_with('/') {
                return Err(InputError::new("HTTP path", p.as_str(), "must start with /").into());
            }
            Some(p.clone())
        }
        (None, Some(p)) => Some(p),
        (None, None) => None,
    };
    let expect = args
        .expect
        .as_deref()
        .map(|e| {
            regex::Regex::new(e).map_err(|err| {
                let why = err.to_string();
                let last = why.lines().last().unwrap_or("").trim().to_string();
                InputError::new("regular expression", e, last)
            })
        })
        .transpose()?;
    Ok(Config {
        host,
        port,
        family,
        timeout: args.timeout,
        tls,
        http,
        expect,
        trace: !args.no_trace,
        queries: args.queries,
        max_hops: args.max_hops,
    })
}

pub fn run(plan: &Plan, out: &OutputOpts, w: &mut impl Write) -> Result<Exit> {
    let interrupt =
        Interrupt::install().map_err(crate::error::local("installing the Ctrl-C handler"))?;
    let all = why::diagnose_all(&plan.configs, &interrupt);
    let mut exit = Exit::Ok;
    for (i, d) in all.into_iter().enumerate() {
        let d = d?;
        if i > 0 && out.format != Format::Json {
            writeln!(w)?;
        }
        write_diagnosis(w, out, &d)?;
        exit = match (exit, d.verdict.kind) {
            (Exit::Local, _) | (_, Kind::LocalError) => Exit::Local,
            (e, Kind::Reachable) => e,
            _ => Exit::Negative,
        };
    }
    if interrupt.raised() {
        return Ok(Exit::Interrupted);
    }
    Ok(exit)
}

/// The verdict line first, then the layers; JSON: the layers, then the verdict.
pub fn write_diagnosis(w: &mut impl Write, out: &OutputOpts, d: &Diagnosis) -> Result<()> {
    let layers: Vec<LayerRecord> = d.steps.iter().map(|s| LayerRecord::new(d, s)).collect();
    let verdict = WhyRecord::new(d);
    match out.format {
        Format::Json => {
            for l in &layers {
                json::write(w, l)?;
            }
            json::write(w, &verdict)?;
        }
        Format::Table => {
            writeln!(w, "{}", d.verdict.line)?;
            output::render(w, out, &layers)?;
        }
        Format::Plain => {
            writeln!(w, "# verdict {}", plain::field(&d.verdict.line))?;
            output::render(w, out, &layers)?;
        }
    }
    w.flush()?;
    Ok(())
}

/// `{"type":"why-layer"}`: one layer of one address.
#[derive(Debug, Clone, Serialize)]
pub struct LayerRecord {
    pub target: String,
    pub port: u16,
    #[serde(flatten)]
    pub step: Step,
}

impl LayerRecord {
    fn new(d: &Diagnosis, s: &Step) -> LayerRecord {
        LayerRecord {
            target: d.target.clone(),
            port: d.port,
            step: s.clone(),
        }
    }
}

impl Record for LayerRecord {
    const TYPE: &'static str = "why-layer";

    fn headers(_: u8) -> Vec<&'static str> {
        vec!["LAYER", "ADDRESS", "STATUS", "FINDING"]
    }

    fn fits(_: u8) -> Vec<Fit> {
        vec![Fit::Keep, Fit::Keep, Fit::Keep, Fit::Wrap]
    }

    fn cells(&self, verbose: u8) -> Vec<Cell> {
        let s = &self.step;
        let tone = match s.status {
            Status::Ok => Tone::Good,
            Status::Warn => Tone::Warn,
            Status::Failed => Tone::Bad,
        };
        // -v: every step's evidence under the finding.
        let mut finding = s.summary.clone();
        if verbose > 0 {
            for e in &s.evidence {
                finding.push_str(&format!("\n· {e}"));
            }
        }
        vec![
            Cell::new(s.layer.as_str()),
            Cell::opt(s.addr),
            Cell::toned(s.status.as_str(), tone),
            Cell::new(finding),
        ]
    }
}

/// `{"type":"why"}`: the verdict.
#[derive(Debug, Clone, Serialize)]
pub struct WhyRecord {
    pub target: String,
    pub port: u16,
    pub kind: Kind,
    pub layer: Option<Layer>,
    pub addr: Option<IpAddr>,
    pub hop: Option<u8>,
    pub hop_addr: Option<IpAddr>,
    pub evidence: String,
    pub fix: Option<String>,
    pub line: String,
    pub connect_ms: Option<f64>,
    pub rtt_ms: Option<f64>,
    pub tls_days_left: Option<i64>,
    pub http_status: Option<u16>,
    pub also: Vec<String>,
    pub elapsed_ms: f64,
}

impl WhyRecord {
    fn new(d: &Diagnosis) -> WhyRecord {
        let v = &d.verdict;
        WhyRecord {
            target: d.target.clone(),
            port: d.port,
            kind: v.kind,
            layer: v.layer,
            addr: v.addr,
            hop: v.hop,
            hop_addr: v.hop_addr,
            evidence: v.evidence.clone(),
            fix: v.fix.clone(),
            line: v.line.clone(),
            connect_ms: v.connect_ms,
            rtt_ms: v.rtt_ms,
            tls_days_left: v.tls_days_left,
            http_status: v.http_status,
            also: v.also.clone(),
            elapsed_ms: crate::units::ms(d.elapsed),
        }
    }
}

impl Record for WhyRecord {
    const TYPE: &'static str = "why";

    fn headers(_: u8) -> Vec<&'static str> {
        vec!["VERDICT", "LAYER", "ADDRESS", "HOP", "EVIDENCE", "FIX"]
    }

    fn cells(&self, _: u8) -> Vec<Cell> {
        vec![
            Cell::new(self.kind.as_str()),
            Cell::opt(self.layer.map(|l| l.as_str())),
            Cell::opt(self.addr),
            Cell::opt(self.hop),
            Cell::new(self.evidence.clone()),
            Cell::opt(self.fix.clone()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_in_every_form() {
        let t = |a: &str, p: Option<&str>| split_target(a, p).map_err(|e| e.to_string());
        assert_eq!(
            t("db.example.test", Some("5432")).unwrap(),
            ("db.example.test".into(), "5432".into(), false, None)
        );
        assert_eq!(
            t("db.example.test:5432", None).unwrap(),
            ("db.example.test".into(), "5432".into(), false, None)
        );
        assert_eq!(
            t("[2001:db8::1]:443", None).unwrap(),
            ("2001:db8::1".into(), "443".into(), false, None)
        );
        assert_eq!(
            t("https://api.example.test/health", None).unwrap(),
            (
                "api.example.test".into(),
                "443".into(),
                true,
                Some("/health".into())
            )
        );
        assert_eq!(
            t("http://[::1]:8080", None).unwrap(),
            ("::1".into(), "8080".into(), false, Some("/".into()))
        );
        let e = t("db.example.test", None).unwrap_err();
        assert!(e.contains("'db.example.test'"), "{e}");
        let e = t("https://a.test/x", Some("80")).unwrap_err();
        assert!(e.contains("'80'"), "{e}");
    }
}
