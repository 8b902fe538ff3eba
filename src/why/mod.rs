//! `why HOST PORT`: the engines composed into one diagnosis. Layer by layer, each only as far
//! as it is needed — the name (`resolve --explain`), the route and source of each address
//! (RTM_GETROUTE), the reach (the probe engine), the path when the port is not open (the
//! trace engine), the transport when it is (TCP_INFO, through the connect engine), TLS and
//! the application (the http engine, or a banner matched against `--expect`) — every step's
//! evidence kept, and a verdict naming the first layer that fails. Returns data; never
//! prints.
pub mod route;
mod verdict;

pub use verdict::{Kind, Verdict};

use crate::connect::{self, tls::Setup, ReadMode};
use crate::input::targets::Target;
use crate::interrupt::Interrupt;
use crate::net::{Proto, Reason, State};
use crate::probe::{self, ProbeResult};
use crate::resolve::explain::{self, Explain};
use crate::resolve::{self, Family, ResolveRecord};
use crate::trace::{self, Trace};
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant, SystemTime};

/// Ports where TLS is spoken from the first byte: https, smtps, ldaps, dns-over-tls, imaps,
/// pop3s.
pub const TLS_PORTS: &[u16] = &[443, 465, 636, 853, 993, 995];

/// What the host is: a name to resolve, or an address given as such.
#[derive(Debug, Clone)]
pub enum Host {
    Name(String),
    Literal(Target),
}

/// What to diagnose and how: plain values, no clap.
#[derive(Debug, Clone)]
pub struct Config {
    pub host: Host,
    pub port: u16,
    pub family: Family,
    /// The deadline of a probe try and of a trace probe; a connect, a TLS handshake and an
    /// HTTP exchange get [`Config::exchange_timeout`].
    pub timeout: Duration,
    /// TLS over the connection (asked, or implied by the port or a URL).
    pub tls: Option<Setup>,
    /// The HTTP request path (`--http[=PATH]`, or a URL's).
    pub http: Option<String>,
    /// What the banner (or the HTTP response head) must match.
    pub expect: Option<regex::Regex>,
    /// Trace the path of an address whose port is not open.
    pub trace: bool,
    /// Trace probes per hop.
    pub queries: u32,
    pub max_hops: u8,
}

impl Config {
    /// The deadline of the connection's exchanges (connect, TLS handshake, HTTP).
    pub fn exchange_timeout(&self) -> Duration {
        (self.timeout * 5).max(Duration::from_secs(2))
    }

    /// The host as given.
    pub fn host_text(&self) -> String {
        match &self.host {
            Host::Name(n) => n.clone(),
            Host::Literal(t) => t.shown().to_string(),
        }
    }
}

/// The layers, in the order they are walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layer {
    Name,
    Route,
    Reach,
    Path,
    Transport,
    Tls,
    App,
}

impl Layer {
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Name => "name",
            Layer::Route => "route",
            Layer::Reach => "reach",
            Layer::Path => "path",
            Layer::Transport => "transport",
            Layer::Tls => "tls",
            Layer::App => "app",
        }
    }
}

/// How a layer went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Ok,
    /// It passed, with something worth knowing (servers that disagree, ...).
    Warn,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Failed => "failed",
        }
    }
}

/// One layer of one address (the name layer has none): what it found, in a line, and the
/// evidence behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub layer: Layer,
    pub addr: Option<IpAddr>,
    pub status: Status,
    pub summary: String,
    pub evidence: Vec<String>,
    #[serde(rename = "elapsed_ms", serialize_with = "crate::units::ser_ms")]
    pub elapsed: Duration,
    /// The layer's own figures, as its engine gave them (route, probe result, hops,
    /// TCP_INFO, TLS, HTTP).
    pub data: serde_json::Value,
}

/// What failed for one address, as the verdict would say it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    pub kind: Kind,
    pub layer: Layer,
    pub hop: Option<u8>,
    pub router: Option<IpAddr>,
    pub evidence: String,
    pub fix: String,
}

/// Everything the walk found about one address.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct AddrWalk {
    pub addr: Option<IpAddr>,
    pub failure: Option<Failure>,
    pub route: Option<String>,
    pub probe: Option<ProbeResult>,
    pub connect_ms: Option<f64>,
    pub rtt_ms: Option<f64>,
    pub tls: Option<String>,
    pub tls_days_left: Option<i64>,
    pub http_status: Option<u16>,
    /// How long this address took a client that tried it: the probe's wait.
    pub cost: Option<Duration>,
}

/// The whole diagnosis of one target.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnosis {
    pub target: String,
    pub port: u16,
    pub steps: Vec<Step>,
    pub verdict: Verdict,
    pub interrupted: bool,
    pub elapsed: Duration,
}

/// Errors that keep the diagnosis from running at all (exit 3).
#[derive(Debug, thiserror::Error)]
pub enum WhyError {
    #[error("asking the kernel for the route to {1}: {0}")]
    Route(#[source] std::io::Error, IpAddr),
    #[error("probe: {0}")]
    Probe(#[from] probe::EngineError),
    #[error("trace: {0}")]
    Trace(#[from] trace::TraceError),
}

/// Walks the layers for `cfg`'s target.
pub fn diagnose(cfg: &Config, interrupt: &Interrupt) -> Result<Diagnosis, WhyError> {
    let start = Instant::now();
    let target = match &cfg.host {
        Host::Literal(t) if t.addr.is_ipv6() => format!("[{}]:{}", t.shown(), cfg.port),
        _ => format!("{}:{}", cfg.host_text(), cfg.port),
    };
    let mut steps = Vec::new();
    let done = |steps: Vec<Step>, walks: Vec<AddrWalk>, name: Option<NameFacts>| Diagnosis {
        target: target.clone(),
        port: cfg.port,
        verdict: verdict::decide(cfg, &target, name.as_ref(), &walks),
        steps,
        interrupted: interrupt.raised(),
        elapsed: start.elapsed(),
    };
    // 1. The name.
    let (addrs, name) = match &cfg.host {
        Host::Literal(t) => (vec![t.sockaddr()], None),
        Host::Name(n) => {
            let (step, facts, addrs) = name_layer(n, cfg.family, interrupt);
            steps.push(step);
            if addrs.is_empty() {
                return Ok(done(steps, Vec::new(), Some(facts)));
            }
            (addrs, Some(facts))
        }
    };
    let addrs = happy_eyeballs(addrs);
    // 2. The route and source of each address.
    let mut walks: Vec<AddrWalk> = Vec::new();
    let mut routed: Vec<SocketAddr> = Vec::new();
    for a in &addrs {
        let (step, walk) = route_layer(a.ip())?;
        steps.push(step);
        if walk.failure.is_none() {
            routed.push(*a);
        }
        walks.push(walk);
    }
    // 3. The reach of every routed address, in one run of the probe engine.
    let results = reach(cfg, &routed, interrupt)?;
    for (i, a) in routed.iter().enumerate() {
        if interrupt.raised() {
            break;
        }
        let w = walks
            .iter_mut()
            .find(|w| w.addr == Some(a.ip()))
            .expect("a walk per address");
        let Some(r) = results.iter().find(|r| r.target == i) else {
            continue;
        };
        steps.push(reach_step(r, cfg));
        w.probe = Some(r.clone());
        w.cost = Some(probe_cost(r, cfg));
        if r.is_open() {
            open_layers(cfg, *a, w, &mut steps, interrupt);
            continue;
        }
        // 4. The path, only when not open.
        let tr = if cfg.trace && !matches!(r.reason, Reason::Local(_)) {
            let tcfg = trace_config(cfg);
            let started = Instant::now();
            let g = trace::run(*a, &tcfg, interrupt)?;
            let tr = trace::analyse::analyse(&g, &tcfg, a.ip());
            steps.push(path_step(&tr, a.ip(), started.elapsed()));
            Some(tr)
        } else {
            None
        };
        w.failure = Some(verdict::not_open(r, tr.as_ref(), cfg));
    }
    // Each address's layers together, in the order the addresses were tried.
    steps.sort_by_key(|s| {
        let at = s.addr.and_then(|a| addrs.iter().position(|x| x.ip() == a));
        (at.map_or(0, |i| i + 1), s.layer)
    });
    Ok(done(steps, walks, name))
}

/// What the name layer found, for the verdict.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NameFacts {
    pub record: ResolveRecord,
    pub explain: Explain,
}

fn name_layer(
    name: &str,
    family: Family,
    interrupt: &Interrupt,
) -> (Step, NameFacts, Vec<SocketAddr>) {
    let started = Instant::now();
    let rec = resolve::resolve_one(name, family, false);
    let ecfg = explain::Config {
        servers: None,
        qtype: None,
        tcp: false,
        family,
    };
    let ex = explain::explain(name, &ecfg, &explain::System::read(), &rec, interrupt);
    let addrs: Vec<SocketAddr> = rec
        .addrs
        .iter()
        .map(|a| SocketAddr::new(a.addr, 0))
        .collect();
    let mut evidence = vec![format!("resolver: {}", ex.verdict.text)];
    for q in &ex.queries {
        let what = match q.outcome {
            explain::Outcome::Answer => q
                .answers
                .iter()
                .map(|a| a.data.clone())
                .collect::<Vec<_>>()
                .join(" "),
            o => o.token().to_string(),
        };
        evidence.push(format!(
            "{} {} {}: {what} ({:.1} ms)",
            explain::server_name(q.server),
            q.name,
            q.qtype,
            crate::units::ms(q.elapsed)
        ));
    }
    for d in &ex.verdict.disagreements {
        evidence.push(format!("{}: {}", d.kind, d.text));
    }
    let (status, summary) = match &rec.error {
        Some(e) => (Status::Failed, format!("{name}: {}", e.message)),
        None => {
            let list: Vec<String> = rec.addrs.iter().map(|a| a.addr.to_string()).collect();
            let from = match (ex.verdict.source, &ex.verdict.server) {
                ("hosts", _) => " from /etc/hosts".to_string(),
                (_, Some(s)) => format!(" from {s}"),
                _ => String::new(),
            };
            let status = if ex.verdict.disagreements.is_empty() {
                Status::Ok
            } else {
                Status::Warn
            };
            (status, format!("{}{from}", list.join(", ")))
        }
    };
    let step = Step {
        layer: Layer::Name,
        addr: None,
        status,
        summary,
        evidence,
        elapsed: started.elapsed(),
        data: serde_json::json!({
            "source": ex.verdict.source,
            "server": ex.verdict.server,
            "addrs": rec.addrs.iter().map(|a| a.addr).collect::<Vec<_>>(),
            "error": rec.error,
            "disagreements": ex.verdict.disagreements,
        }),
    };
    (
        step,
        NameFacts {
            record: rec,
            explain: ex,
        },
        addrs,
    )
}

/// The addresses in the order RFC 8305 tries them: the family of the first one first, then
/// the families alternating.
pub fn happy_eyeballs(addrs: Vec<SocketAddr>) -> Vec<SocketAddr> {
    let Some(first) = addrs.first() else {
        return addrs;
    };
    let first_v6 = first.is_ipv6();
    let (mut a, mut b): (Vec<SocketAddr>, Vec<SocketAddr>) =
        addrs.iter().partition(|s| s.is_ipv6() == first_v6);
    a.reverse();
    b.reverse();
    let mut out = Vec::with_capacity(addrs.len());
    while !a.is_empty() || !b.is_empty() {
        out.extend(a.pop());
        out.extend(b.pop());
    }
    out
}

fn route_layer(ip: IpAddr) -> Result<(Step, AddrWalk), WhyError> {
    let started = Instant::now();
    let found = route::get(ip).map_err(|e| WhyError::Route(e, ip))?;
    let mut walk = AddrWalk {
        addr: Some(ip),
        ..AddrWalk::default()
    };
    let (status, summary, data) = match &found {
        Ok(r) => {
            let mut s = if r.local {
                "local (this host's own address)".to_string()
            } else {
                match &r.gateway {
                    Some(g) => format!("via {g}"),
                    None => "on-link".to_string(),
                }
            };
            if let Some(d) = &r.dev {
                s.push_str(&format!(" dev {d}"));
            }
            if let Some(src) = r.src {
                s.push_str(&format!(" from {src}"));
            }
            walk.route = Some(s.clone());
            if let Some(m) = r.mtu {
                s.push_str(&format!(" mtu {m}"));
            }
            (Status::Ok, s, serde_json::to_value(r).unwrap_or_default())
        }
        Err(n) => {
            let s = format!("this host has {} to {ip}", n.text());
            walk.failure = Some(verdict::no_route_here(ip, *n));
            (Status::Failed, s, serde_json::json!({ "no_route": n }))
        }
    };
    let step = Step {
        layer: Layer::Route,
        addr: Some(ip),
        status,
        evidence: vec![format!(
            "RTM_GETROUTE for {ip}, as `ip route get {ip}` asks"
        )],
        summary,
        elapsed: started.elapsed(),
        data,
    };
    Ok((step, walk))
}

fn reach(
    cfg: &Config,
    addrs: &[SocketAddr],
    interrupt: &Interrupt,
) -> Result<Vec<ProbeResult>, WhyError> {
    if addrs.is_empty() {
        return Ok(Vec::new());
    }
    let pcfg = probe::Config {
        proto: Proto::Tcp,
        timeout: cfg.timeout,
        // A silent port is traced next, and the trace's queries are its retries: one
        // deadline here, one round there.
        retries: if cfg.trace { 0 } else { 1 },
        ..probe::Config::default()
    };
    let mut out = Vec::new();
    probe::run(
        addrs,
        &[cfg.port],
        &pcfg,
        interrupt,
        &mut |r: &ProbeResult| out.push(r.clone()),
    )?;
    Ok(out)
}

/// How long a client that tried this address lost to it: the connect time, or the whole
/// wait of a silent port.
fn probe_cost(r: &ProbeResult, cfg: &Config) -> Duration {
    match (r.rtt, r.reason) {
        (Some(t), _) => t,
        (None, Reason::NoResponse) => cfg.timeout * r.tries.max(1),
        (None, _) => Duration::ZERO,
    }
}

/// `open syn-ack`, `filtered admin-prohibited from 10.1.2.2`, ...
pub fn probe_text(r: &ProbeResult) -> String {
    let mut s = format!("{} {}", r.state.as_str(), r.reason.token());
    if let Some(from) = r.icmp.and_then(|i| i.from_other_than(r.addr)) {
        s.push_str(&format!(" from {from}"));
    }
    s
}

fn reach_step(r: &ProbeResult, cfg: &Config) -> Step {
    let mut summary = probe_text(r);
    match (r.rtt, r.reason) {
        (Some(t), _) => summary.push_str(&format!(" in {:.3} ms", crate::units::ms(t))),
        (None, Reason::NoResponse) => summary.push_str(&format!(
            " after {} tr{} of {}",
            r.tries,
            if r.tries == 1 { "y" } else { "ies" },
            humantime::format_duration(cfg.timeout)
        )),
        _ => {}
    }
    let mut evidence = vec![format!(
        "tcp connect to {}, {} tr{}, deadline {}",
        SocketAddr::new(r.addr, r.port),
        r.tries,
        if r.tries == 1 { "y" } else { "ies" },
        humantime::format_duration(cfg.timeout)
    )];
    if let Some(i) = r.icmp {
        evidence.push(format!(
            "ICMP{} type {} code {} from {}",
            if i.v6 { "v6" } else { "" },
            i.kind,
            i.code,
            i.from.map_or("?".into(), |f| f.to_string())
        ));
    }
    if let Some(e) = r.errno {
        evidence.push(format!("errno {}", crate::net::errno::name(e)));
    }
    if let Some(l) = r.local {
        evidence.push(format!("local address {l}"));
    }
    Step {
        layer: Layer::Reach,
        addr: Some(r.addr),
        status: if r.is_open() {
            Status::Ok
        } else {
            Status::Failed
        },
        summary,
        evidence,
        elapsed: probe_cost(r, cfg),
        data: serde_json::json!({
            "state": r.state,
            "reason": r.reason,
            "icmp": r.icmp,
            "rtt_ms": r.rtt.map(crate::units::ms),
            "tries": r.tries,
        }),
    }
}

fn trace_config(cfg: &Config) -> trace::Config {
    trace::Config {
        proto: Proto::Tcp,
        port: cfg.port,
        queries: cfg.queries,
        max_hops: cfg.max_hops,
        timeout: cfg.timeout,
        names: false,
        ..trace::Config::default()
    }
}

/// The trace's verdict in brief: its first clause, and where the host answers other probes.
pub(crate) fn trace_brief(tr: &Trace) -> String {
    let text = &tr.verdict.text;
    let first = text.split("; ").next().unwrap_or(text);
    match tr.distance {
        Some((d, via)) if first.len() < text.len() => {
            format!("{first}; the host answers {} at hop {d}", via.as_str())
        }
        _ => first.to_string(),
    }
}

fn path_step(tr: &Trace, addr: IpAddr, elapsed: Duration) -> Step {
    let mut evidence: Vec<String> = tr
        .hops
        .iter()
        .map(|h| {
            let who = h.addr().map_or("*".to_string(), |a| a.to_string());
            let what = match (h.state, h.reason, h.icmp) {
                (Some(s), Some(r), _) => format!("{} {}", s.as_str(), r.token()),
                (_, _, Some((11, 0))) if addr.is_ipv4() => "time-exceeded".into(),
                (_, _, Some((3, 0))) if addr.is_ipv6() => "time-exceeded".into(),
                (_, _, Some((t, c))) => format!("ICMP type {t} code {c}"),
                _ => "no answer".into(),
            };
            format!(
                "hop {} {who}: {what} ({} of {} answered)",
                h.ttl,
                h.sent - h.lost,
                h.sent
            )
        })
        .collect();
    if let Some((d, via)) = tr.distance {
        evidence.push(format!("the host answers {} at hop {d}", via.as_str()));
    }
    evidence.push(format!("trace verdict: {}", tr.verdict.text));
    Step {
        layer: Layer::Path,
        addr: Some(addr),
        status: if tr.open() {
            Status::Ok
        } else {
            Status::Failed
        },
        summary: trace_brief(tr),
        evidence,
        elapsed,
        data: serde_json::json!({
            "verdict": tr.verdict,
            "hops": tr.hops.iter().map(|h| serde_json::json!({
                "ttl": h.ttl,
                "addr": h.addr(),
                "sent": h.sent,
                "lost": h.lost,
            })).collect::<Vec<_>>(),
        }),
    }
}

/// Transport, TLS and the application over one open address.
fn open_layers(
    cfg: &Config,
    a: SocketAddr,
    w: &mut AddrWalk,
    steps: &mut Vec<Step>,
    interrupt: &Interrupt,
) {
    let ip = a.ip();
    let banner = cfg.expect.is_some() && cfg.http.is_none() && cfg.tls.is_none();
    let ccfg = connect::Config {
        timeout: cfg.exchange_timeout(),
        read: if banner {
            ReadMode::Banner
        } else {
            ReadMode::None
        },
        tls: cfg.tls.clone(),
        ..connect::Config::default()
    };
    let started = Instant::now();
    let rep = connect::run(&cfg.host_text(), &[a], cfg.port, &ccfg, interrupt);
    let elapsed = started.elapsed();
    // 5. Transport.
    let mut evidence = Vec::new();
    let mut summary = match rep.connect_time {
        Some(t) => {
            w.connect_ms = Some(crate::units::ms(t));
            format!("connected in {:.3} ms", crate::units::ms(t))
        }
        None => probe_text_of(rep.state, rep.reason),
    };
    if let Some(t) = &rep.tcp_info {
        w.rtt_ms = Some(t.rtt_ms);
        summary.push_str(&format!(
            ": rtt {:.3} ms, mss {}, pmtu {}, retransmits {}",
            t.rtt_ms, t.mss, t.pmtu, t.retransmits
        ));
        evidence.push(format!(
            "TCP_INFO: state {}, rtt {:.3} ms (var {:.3}), min rtt {:.3} ms, mss {}, advmss {}, pmtu {}, cwnd {}, retransmits {}",
            t.state, t.rtt_ms, t.rttvar_ms, t.min_rtt_ms, t.mss, t.advmss, t.pmtu, t.cwnd, t.retransmits
        ));
    }
    if let (Some(l), Some(p)) = (rep.local, rep.peer) {
        evidence.push(format!("{l} -> {p}"));
    }
    // Accepted, then reset before anything was exchanged (TLS says it in its own words).
    let reset = rep.read_end == Some(connect::ReadEnd::Reset) && rep.tls.is_none();
    let transport_failed = !rep.connected() || reset;
    if let Some(e) = &rep.error {
        evidence.push(e.clone());
    }
    steps.push(Step {
        layer: Layer::Transport,
        addr: Some(ip),
        status: if transport_failed {
            Status::Failed
        } else {
            Status::Ok
        },
        summary: summary.clone(),
        evidence,
        elapsed,
        data: serde_json::json!({ "tcp_info": rep.tcp_info, "state": rep.state, "reason": rep.reason }),
    });
    if transport_failed {
        w.failure = Some(verdict::transport_failed(&rep, cfg));
        return;
    }
    // 6. TLS.
    if let Some(t) = &rep.tls {
        let now = SystemTime::now();
        let days = t.chain.first().and_then(|c| c.days_left(now));
        w.tls_days_left = days;
        let mut evidence = Vec::new();
        if let Some(sni) = &t.sni {
            evidence.push(format!("SNI {sni}"));
        }
        for (i, c) in t.chain.iter().enumerate() {
            evidence.push(format!(
                "certificate {i}: subject {}, issuer {}, names {}, {}",
                c.subject,
                c.issuer,
                if c.names.is_empty() {
                    "-".to_string()
                } else {
                    c.names.join(",")
                },
                c.days_left(now)
                    .map_or("no expiry read".into(), |d| format!("{d} days left"))
            ));
        }
        let (status, summary) = match &t.error {
            Some(e) => (Status::Failed, e.clone()),
            None => {
                let mut s = format!("{}", t.version.as_deref().unwrap_or("TLS"));
                s.push_str(if t.verified {
                    " verified"
                } else {
                    " not verified"
                });
                if let Some(d) = days {
                    s.push_str(&format!(", {d} days left"));
                }
                if let Some(alpn) = &t.alpn {
                    s.push_str(&format!(", ALPN {alpn}"));
                }
                (Status::Ok, s)
            }
        };
        w.tls = Some(summary.clone());
        steps.push(Step {
            layer: Layer::Tls,
            addr: Some(ip),
            status,
            summary: summary.clone(),
            evidence,
            elapsed: t.handshake_time.unwrap_or_default(),
            data: serde_json::json!({
                "version": t.version,
                "verified": t.verified,
                "days_left": days,
                "alpn": t.alpn,
                "error": t.error,
            }),
        });
        if status == Status::Failed {
            w.failure = Some(verdict::tls_failed(&summary, cfg));
            return;
        }
    }
    // 7. The application.
    if let Some(path) = &cfg.http {
        app_http(cfg, a, path, w, steps, interrupt);
    } else if banner {
        let text = String::from_utf8_lossy(&rep.data).into_owned();
        let re = cfg.expect.as_ref().expect("banner only with --expect");
        let shown = crate::connect::escape(&rep.data);
        let ok = re.is_match(&text);
        let summary = if ok {
            format!("the banner matches /{re}/: {shown}")
        } else if rep.data.is_empty() {
            format!(
                "no banner came within {}",
                humantime::format_duration(ccfg.timeout)
            )
        } else {
            format!("the banner does not match /{re}/: {shown}")
        };
        steps.push(Step {
            layer: Layer::App,
            addr: Some(ip),
            status: if ok { Status::Ok } else { Status::Failed },
            summary: summary.clone(),
            evidence: vec![format!("received {} bytes: {shown}", rep.received)],
            elapsed,
            data: serde_json::json!({ "received": rep.received, "matched": ok }),
        });
        if !ok {
            w.failure = Some(verdict::app_failed(summary, None));
        }
    }
}

fn probe_text_of(state: State, reason: Reason) -> String {
    format!("{} {}", state.as_str(), reason.token())
}

fn app_http(
    cfg: &Config,
    a: SocketAddr,
    path: &str,
    w: &mut AddrWalk,
    steps: &mut Vec<Step>,
    interrupt: &Interrupt,
) {
    let ip = a.ip();
    let host = cfg.host_text();
    let url = crate::http::Url {
        tls: cfg.tls.is_some(),
        host: ip.to_string(),
        port: cfg.port,
        target: path.to_string(),
    };
    let host_header = crate::http::Url {
        host: host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        ..url.clone()
    }
    .host_header();
    let req = crate::http::Request {
        url,
        method: "GET",
        headers: vec![("Host".to_string(), host_header)],
        timeout: cfg.exchange_timeout(),
        family: Family::Any,
        // The certificate was judged at the TLS layer: this exchange only needs the session.
        tls: cfg
            .tls
            .as_ref()
            .map(|_| crate::net::tls::unverified_config(&[b"http/1.1"])),
    };
    let ex = crate::http::fetch(&req, interrupt);
    let t = &ex.timing;
    let mut evidence = vec![format!("GET {path} Host: {host}")];
    let phase = |name: &str, d: Option<Duration>| {
        d.map(|d| format!("{name} {:.3} ms", crate::units::ms(d)))
    };
    let phases: Vec<String> = [
        phase("connect", t.connect),
        phase("tls", t.tls),
        phase("written", t.written),
        phase("first byte", t.first_byte),
        phase("total", Some(t.total)),
    ]
    .into_iter()
    .flatten()
    .collect();
    evidence.push(phases.join(", "));
    let head = ex.response.as_ref().map(|r| {
        let mut h = format!("{} {} {}\n", r.version, r.status, r.reason);
        for (n, v) in &r.headers {
            h.push_str(&format!("{n}: {v}\n"));
        }
        h
    });
    let (status, summary, fix_status) = match (&ex.response, &ex.failure) {
        (_, Some(f)) => (
            Status::Failed,
            format!("HTTP {}: {}", f.stage(), f.message()),
            None,
        ),
        (Some(r), None) => {
            w.http_status = Some(r.status);
            let s = format!(
                "HTTP {} {} in {:.3} ms",
                r.status,
                r.reason,
                crate::units::ms(t.total)
            );
            if r.status >= 400 {
                (Status::Failed, s, Some(r.status))
            } else {
                (Status::Ok, s, None)
            }
        }
        (None, None) => (Status::Failed, "HTTP: no response".into(), None),
    };
    let (status, summary) = match (&cfg.expect, &head, status) {
        (Some(re), Some(h), Status::Ok) if !re.is_match(h) => (
            Status::Failed,
            format!("{summary}, but the response head does not match /{re}/"),
        ),
        _ => (status, summary),
    };
    if let Some(h) = &head {
        evidence.extend(h.lines().map(|l| format!("< {l}")));
    }
    steps.push(Step {
        layer: Layer::App,
        addr: Some(ip),
        status,
        summary: summary.clone(),
        evidence,
        elapsed: t.total,
        data: serde_json::json!({
            "status": ex.response.as_ref().map(|r| r.status),
            "total_ms": crate::units::ms(t.total),
            "error": ex.failure.as_ref().map(|f| f.message()),
        }),
    });
    if status == Status::Failed {
        w.failure = Some(verdict::app_failed(summary, fix_status));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn happy_eyeballs_alternates_families_from_the_first() {
        let s = |t: &str| t.parse::<SocketAddr>().unwrap();
        let got = happy_eyeballs(vec![
            s("[2001:db8::1]:0"),
            s("[2001:db8::2]:0"),
            s("192.0.2.1:0"),
            s("192.0.2.2:0"),
        ]);
        assert_eq!(
            got,
            vec![
                s("[2001:db8::1]:0"),
                s("192.0.2.1:0"),
                s("[2001:db8::2]:0"),
                s("192.0.2.2:0")
            ]
        );
        let got = happy_eyeballs(vec![s("192.0.2.1:0"), s("[2001:db8::1]:0")]);
        assert_eq!(got, vec![s("192.0.2.1:0"), s("[2001:db8::1]:0")]);
        assert!(happy_eyeballs(Vec::new()).is_empty());
    }
}
