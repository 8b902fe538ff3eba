//! `why HOST PORT`: the engines composed into one diagnosis. Layer by layer, each only as far
//! as it is needed — the name (`resolve --explain`), the route and source of each address
//! (RTM_GETROUTE), the reach (the probe engine), the path when the port is not open (the
//! trace engine), the transport when it is (TCP_INFO, through the connect engine), TLS and
//! the application (the http engine, or a banner matched against `--expect`) — every step's
//! evidence kept, and a verdict naming the first layer that fails. Returns data; never
//! prints.
mod name;
mod open;
mod reach;
pub mod route;
mod verdict;

pub use verdict::{Kind, Verdict};

use crate::connect::tls::Setup;
use crate::input::targets::Target;
use crate::interrupt::Interrupt;
use crate::net::Reason;
use crate::probe::{self, ProbeResult};
use crate::resolve::Family;
use crate::trace;
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

pub(crate) use name::NameFacts;
pub use reach::probe_text;
pub(crate) use reach::trace_brief;

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
    /// The route's source address, interface and next hop (none: on-link).
    pub src: Option<IpAddr>,
    pub dev: Option<String>,
    pub gateway: Option<IpAddr>,
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
            let (step, facts, addrs) = name::name_layer(n, cfg.family, interrupt);
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
        let (step, walk) = reach::route_layer(a.ip())?;
        steps.push(step);
        if walk.failure.is_none() {
            routed.push(*a);
        }
        walks.push(walk);
    }
    // 3. The reach of every routed address, in one run of the probe engine.
    let probed = Instant::now();
    let results = reach::reach(cfg, &routed, interrupt)?;
    let probe_time = probed.elapsed();
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
        steps.push(reach::reach_step(r, cfg, probe_time));
        w.probe = Some(r.clone());
        w.cost = Some(reach::probe_cost(r, cfg));
        if r.is_open() {
            // Whether the SYN-ACK was the host's, and whether large packets pass: one trace of the open port, which stops
            // where the port answers (at most --queries connections reach the host). An
            // answer from nearer than the host's measured distance is an interceptor's (a
            // transparent proxy), and the layers past it would describe the proxy.
            if cfg.trace {
                // With the path MTU: a handshake of small packets passes a router that
                // drops large ones without a frag-needed, and the responses then vanish.
                let tcfg = trace::Config {
                    pmtu: true,
                    ..reach::trace_config(cfg)
                };
                let started = Instant::now();
                let g = trace::run(*a, &tcfg, interrupt)?;
                let tr = trace::analyse::analyse(&g, &tcfg, a.ip());
                if matches!(
                    tr.verdict.kind,
                    trace::analyse::VerdictKind::Intercepted
                        | trace::analyse::VerdictKind::MtuBlackHole
                ) {
                    steps.push(reach::path_step(&tr, a.ip(), started.elapsed()));
                    w.failure = Some(verdict::not_open(r, Some(&tr), cfg));
                    continue;
                }
            }
            open::open_layers(cfg, *a, w, &mut steps, interrupt);
            continue;
        }
        // The neighbour on the link (the host itself, or the gateway) never answered ARP
        // or NDP: nothing left this host, there is no path to trace.
        if let Some(f) = verdict::neighbour_failed(r, w) {
            w.failure = Some(f);
            continue;
        }
        // 4. The path, only when not open.
        let tr = if cfg.trace && !matches!(r.reason, Reason::Local(_)) {
            let tcfg = reach::trace_config(cfg);
            let started = Instant::now();
            let g = trace::run(*a, &tcfg, interrupt)?;
            let tr = trace::analyse::analyse(&g, &tcfg, a.ip());
            steps.push(reach::path_step(&tr, a.ip(), started.elapsed()));
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

/// Most diagnoses run at once by [`diagnose_all`].
pub const CONCURRENT: usize = 8;

/// Diagnoses every target concurrently (at most [`CONCURRENT`] at once); the results come
/// back in the order of `cfgs` (fewer when Ctrl-C stopped the run: those not started are
/// left out).
pub fn diagnose_all(cfgs: &[Config], interrupt: &Interrupt) -> Vec<Result<Diagnosis, WhyError>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Result<Diagnosis, WhyError>>>> =
        cfgs.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..CONCURRENT.min(cfgs.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(cfg) = cfgs.get(i) else { break };
                if interrupt.raised() {
                    break;
                }
                let d = diagnose(cfg, interrupt);
                *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(d);
            });
        }
    });
    slots
        .into_iter()
        .filter_map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect()
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
