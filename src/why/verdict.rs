//! The verdict: the first layer that fails, with its evidence and what would fix it, or
//! `reachable` with the figures that matter. Pure: made from what the layers found.
use super::{AddrWalk, Config, Failure, Host, Layer, NameFacts};
use crate::connect::Report;
use crate::net::{errno, Reason, State};
use crate::probe::ProbeResult;
use crate::resolve::FailKind;
use crate::trace::Trace;
use serde::Serialize;
use std::net::IpAddr;
use std::time::Duration;

/// The kinds of verdict: a fixed list, scripts may match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Reachable,
    NameFailed,
    NameDisagrees,
    NoRoute,
    NeighbourFailed,
    Refused,
    FilteredAtHop,
    RejectedAtHop,
    Intercepted,
    MtuBlackHole,
    TlsFailed,
    AppFailed,
    LocalError,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Reachable => "reachable",
            Kind::NameFailed => "name-failed",
            Kind::NameDisagrees => "name-disagrees",
            Kind::NoRoute => "no-route",
            Kind::NeighbourFailed => "neighbour-failed",
            Kind::Refused => "refused",
            Kind::FilteredAtHop => "filtered-at-hop",
            Kind::RejectedAtHop => "rejected-at-hop",
            Kind::Intercepted => "intercepted",
            Kind::MtuBlackHole => "mtu-black-hole",
            Kind::TlsFailed => "tls-failed",
            Kind::AppFailed => "app-failed",
            Kind::LocalError => "local-error",
        }
    }
}

/// The one line a person acts on, and its parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub kind: Kind,
    /// The layer that failed (`None`: reachable).
    pub layer: Option<Layer>,
    /// The address the verdict is about: the one that failed, or the one reachable.
    pub addr: Option<IpAddr>,
    /// The hop of the path where it failed (TTL), when the path says.
    pub hop: Option<u8>,
    /// The router at that hop (or the one that sent the ICMP error).
    pub hop_addr: Option<IpAddr>,
    pub evidence: String,
    pub fix: Option<String>,
    /// The verdict in one line.
    pub line: String,
    /// Reachable: the connect time, the RTT the kernel measured, TLS days left, HTTP status.
    pub connect_ms: Option<f64>,
    pub rtt_ms: Option<f64>,
    pub tls_days_left: Option<i64>,
    pub http_status: Option<u16>,
    /// The other addresses that failed, and what each costs a client.
    pub also: Vec<String>,
}

impl Verdict {
    pub fn ok(&self) -> bool {
        self.kind == Kind::Reachable
    }
}

fn at(hop: Option<u8>, router: Option<IpAddr>) -> String {
    match (hop, router) {
        (Some(h), Some(r)) => format!("hop {h} ({r})"),
        (Some(h), None) => format!("hop {h}"),
        (None, Some(r)) => r.to_string(),
        (None, None) => "a router on the way".into(),
    }
}

fn failure(
    kind: Kind,
    layer: Layer,
    hop: Option<u8>,
    router: Option<IpAddr>,
    evidence: String,
    fix: String,
) -> Failure {
    Failure {
        kind,
        layer,
        hop,
        router,
        evidence,
        fix,
    }
}

/// This host has no route: the route layer failed.
pub(super) fn no_route_here(ip: IpAddr, n: super::route::NoRoute) -> Failure {
    use super::route::NoRoute;
    let fix = match n {
        NoRoute::None => format!(
            "add a route to {ip} (or a default route) on this host: `ip route get {ip}` fails the same way"
        ),
        NoRoute::Unreachable => format!(
            "an `unreachable` route for {ip} is configured on this host: remove it (`ip route show type unreachable`)"
        ),
        NoRoute::Prohibit => format!(
            "a `prohibit` route for {ip} is configured on this host: remove it (`ip route show type prohibit`)"
        ),
        NoRoute::Blackhole => format!(
            "a `blackhole` route for {ip} is configured on this host: remove it (`ip route show type blackhole`)"
        ),
    };
    failure(
        Kind::NoRoute,
        Layer::Route,
        None,
        None,
        format!("this host has {} to {ip}", n.text()),
        fix,
    )
}

/// What a state and reason (the probe's, or a connect's) say failed, with the hop when the
/// path found one.
fn from_outcome(
    state: State,
    reason: Reason,
    router: Option<IpAddr>,
    ip: IpAddr,
    hop: Option<u8>,
    layer: Layer,
    cfg: &Config,
) -> Failure {
    let port = cfg.port;
    let what = match router {
        Some(r) => format!("{} {} from {r}", state.as_str(), reason.token()),
        None => format!("{} {}", state.as_str(), reason.token()),
    };
    match reason {
        Reason::ConnRefused | Reason::PortUnreach => failure(
            Kind::Refused,
            Layer::Reach,
            hop,
            None,
            format!("{what}: the host answers, nothing listens"),
            format!(
                "start the service on {ip} port {port}, or check the port it listens on and the address it binds (`ss -ltn` there)"
            ),
        ),
        Reason::AdminProhibited => {
            let who = match router {
                Some(_) => at(hop, router),
                None => "the host".into(),
            };
            failure(
                Kind::RejectedAtHop,
                layer,
                hop,
                router,
                what.clone(),
                format!("the firewall at {who} rejects tcp/{port}: allow tcp/{port} to {ip} there"),
            )
        }
        Reason::HostUnreach | Reason::NetUnreach => failure(
            Kind::NoRoute,
            layer,
            hop,
            router,
            what.clone(),
            format!(
                "{} has no route to {ip}: add one there (or remove the unreachable route)",
                at(hop, router)
            ),
        ),
        Reason::Local(e) if e == libc::ENETUNREACH || e == libc::EHOSTUNREACH => failure(
            Kind::NoRoute,
            Layer::Route,
            None,
            None,
            what.clone(),
            format!("add a route to {ip} on this host"),
        ),
        Reason::Local(e) if e == libc::EACCES || e == libc::EPERM => failure(
            Kind::RejectedAtHop,
            Layer::Reach,
            None,
            None,
            format!("{what}: refused on this host before a packet left"),
            format!("this host's own firewall (nft/iptables output) rejects tcp/{port}: allow it"),
        ),
        Reason::Local(e) => failure(
            Kind::LocalError,
            Layer::Reach,
            None,
            None,
            format!("{what} ({})", errno::name(e)),
            "a local failure kept the probe from running: see the errno".into(),
        ),
        _ => failure(
            Kind::FilteredAtHop,
            layer,
            hop,
            router,
            what.clone(),
            match hop {
                Some(_) => format!(
                    "a firewall at {} or beyond drops tcp/{port}: allow tcp/{port} to {ip} there",
                    at(hop, router)
                ),
                None => format!(
                    "a firewall on the way (or at {ip}) drops tcp/{port}; without --no-trace the path says at which hop"
                ),
            },
        ),
    }
}

/// The port is unreachable and the ICMP error came from this host itself, from the route's
/// source address: the neighbour the packets go to (the gateway, or the address itself when
/// it is on-link) never answered ARP / NDP.
pub(super) fn neighbour_failed(r: &ProbeResult, w: &AddrWalk) -> Option<Failure> {
    if r.reason != Reason::HostUnreach {
        return None;
    }
    let from = r.icmp.and_then(|i| i.from)?;
    if Some(from) != w.src {
        return None;
    }
    let neighbour = w.gateway.unwrap_or(r.addr);
    let dev = w.dev.as_deref().unwrap_or("its link");
    let what = if w.gateway.is_some() {
        "the gateway"
    } else {
        "the address (on-link)"
    };
    Some(failure(
        Kind::NeighbourFailed,
        Layer::Route,
        None,
        Some(neighbour),
        format!(
            "{} {}: this host ({from}) found no neighbour {neighbour} on {dev}: {what} never answered {}",
            r.state.as_str(),
            r.reason.token(),
            if neighbour.is_ipv4() { "ARP" } else { "NDP" }
        ),
        format!(
            "{neighbour} is down or not on {dev}'s link (`ip neigh show {neighbour}` says FAILED): bring it up, or correct the address or the route"
        ),
    ))
}

/// The hop at which a router answered the trace (the lowest TTL it answered at).
fn hop_of(tr: &Trace, router: IpAddr) -> Option<u8> {
    tr.hops
        .iter()
        .filter(|h| h.responders.iter().any(|r| r.addr == router))
        .map(|h| h.ttl)
        .min()
}

/// The port is not open: what the probe found, placed on the path by the trace when there
/// was one. The trace's verdict kinds are matched by their names, so a kind the trace
/// learns later (`intercepted`) maps without a change here.
pub(super) fn not_open(r: &ProbeResult, tr: Option<&Trace>, cfg: &Config) -> Failure {
    let ip = r.addr;
    let port = cfg.port;
    let router = r.icmp.and_then(|i| i.from_other_than(ip));
    let Some(tr) = tr else {
        return from_outcome(r.state, r.reason, router, ip, None, Layer::Reach, cfg);
    };
    let kind = serde_json::to_value(tr.verdict.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let (hop, hop_addr) = (tr.verdict.hop, tr.verdict.addr);
    let probe = super::probe_text(r);
    let brief = super::trace_brief(tr);
    let with_trace = |mut f: Failure| {
        f.evidence = format!("{}; {brief}", f.evidence);
        f
    };
    match kind.as_str() {
        "reached" => {
            let mut f = from_outcome(r.state, r.reason, router, ip, hop, Layer::Reach, cfg);
            f.hop = hop;
            with_trace(f)
        }
        // The probe's ICMP error names the router; a trace whose own errors were
        // rate-limited (a router limits its unreachables to a burst of 5, then one a second,
        // per source) is silent where the probe was not. A router the trace did not see is
        // past the last hop that answered.
        "silent-after" if router.is_some() => {
            let seen = router.and_then(|a| hop_of(tr, a));
            let hop = seen.or(hop.map(|h| h.saturating_add(1)));
            let mut f = from_outcome(r.state, r.reason, router, ip, hop, Layer::Path, cfg);
            f.evidence = match seen {
                Some(_) => format!("{}; {brief}", f.evidence),
                None => format!(
                    "{}; the trace got no ICMP from it (rate-limited): {brief}, so it is the next hop",
                    f.evidence
                ),
            };
            f
        }
        "silent-after" => {
            let evidence = format!("{probe}; {brief}");
            let fix = match hop {
                Some(_) => format!(
                    "a firewall at {} or beyond drops tcp/{port}: allow tcp/{port} to {ip} there",
                    at(hop, hop_addr)
                ),
                None => format!(
                    "no hop answers at all: this host's own firewall, or the first router, drops tcp/{port}"
                ),
            };
            failure(Kind::FilteredAtHop, Layer::Path, hop, hop_addr, evidence, fix)
        }
        "rejected" => failure(
            Kind::RejectedAtHop,
            Layer::Path,
            hop,
            hop_addr,
            format!("{probe}; {brief}"),
            match hop {
                Some(_) => format!(
                    "the firewall at {} rejects tcp/{port}: allow tcp/{port} to {ip} there",
                    at(hop, hop_addr)
                ),
                None => format!("this host's own firewall rejects tcp/{port}: allow it"),
            },
        ),
        "no-route" => failure(
            Kind::NoRoute,
            Layer::Path,
            hop,
            hop_addr,
            format!("{probe}; {brief}"),
            format!(
                "{} has no route to {ip}: add one there (or remove the unreachable route)",
                at(hop, hop_addr)
            ),
        ),
        "middlebox-reset" => failure(
            Kind::RejectedAtHop,
            Layer::Path,
            hop,
            hop_addr,
            format!("{probe}; {brief}"),
            format!(
                "a middlebox at {} resets tcp/{port} before the host: allow tcp/{port} to {ip} there",
                at(hop, hop_addr)
            ),
        ),
        "mtu-black-hole" => failure(
            Kind::MtuBlackHole,
            Layer::Path,
            hop,
            hop_addr,
            brief.clone(),
            format!(
                "let ICMP frag-needed / packet-too-big through at {} or lower the MTU (MSS clamping)",
                at(hop, hop_addr)
            ),
        ),
        "intercepted" => failure(
            Kind::Intercepted,
            Layer::Path,
            hop,
            hop_addr,
            format!("{probe}; {brief}"),
            format!(
                "a transparent proxy at {} answers for {ip}: what it does to tcp/{port} is the proxy's rule",
                at(hop, hop_addr)
            ),
        ),
        _ => with_trace(from_outcome(r.state, r.reason, router, ip, hop, Layer::Path, cfg)),
    }
}

/// The probe found the port open, and the connection for the transport layer did not come,
/// or was reset at once.
pub(super) fn transport_failed(rep: &Report, cfg: &Config) -> Failure {
    let ip = rep
        .attempts
        .last()
        .map(|a| a.addr.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    if rep.connected() {
        return failure(
            Kind::Refused,
            Layer::Transport,
            None,
            None,
            format!(
                "{ip} port {}: {}",
                cfg.port,
                rep.error.clone().unwrap_or_else(|| "reset".into())
            ),
            "the server accepts the connection and resets it at once: its accept queue overflows, or it turns this client away (its logs say which)".into(),
        );
    }
    let router = rep.icmp.and_then(|i| i.from_other_than(ip));
    let mut f = from_outcome(
        rep.state,
        rep.reason,
        router,
        ip,
        None,
        Layer::Transport,
        cfg,
    );
    f.layer = Layer::Transport;
    f.evidence = format!("{}, though the probe found it open", f.evidence);
    f
}

pub(super) fn tls_failed(why: &str, cfg: &Config) -> Failure {
    let host = cfg.host_text();
    let fix = if why.contains("expired") {
        "renew the server's certificate (or correct the server's clock)".to_string()
    } else if why.contains("not valid yet") {
        "the certificate is not valid yet: check this host's and the CA's clocks".into()
    } else if why.contains("name mismatch") {
        format!("serve a certificate whose subjectAltName has {host}, or connect by a name the certificate has")
    } else if why.contains("not trusted") || why.contains("unknown issuer") {
        "trust its CA (--cacert FILE), or have the server send its chain up to a trusted root"
            .into()
    } else if why.contains("CA certificate") {
        "sign a server certificate (CA:FALSE, with its name) with that CA and serve that".into()
    } else {
        "the TLS evidence says what the server and this client do not agree on".into()
    };
    failure(
        Kind::TlsFailed,
        Layer::Tls,
        None,
        None,
        why.to_string(),
        fix,
    )
}

pub(super) fn app_failed(summary: String, status: Option<u16>) -> Failure {
    let fix = match status {
        Some(s) if s >= 500 => format!(
            "the server answers HTTP {s}: the service behind it is failing (its logs say why)"
        ),
        Some(s) => format!(
            "the server answers HTTP {s}: check the path (--http=PATH) and what the request lacks"
        ),
        None => "the service answers, but not as expected: see the evidence".into(),
    };
    failure(Kind::AppFailed, Layer::App, None, None, summary, fix)
}

fn name_fix(kind: FailKind, name: &str) -> String {
    match kind {
        FailKind::NoName => format!(
            "no source knows {name}: check its spelling and the search list, or publish it (a DNS record, or a line in /etc/hosts)"
        ),
        FailKind::NoData => format!("{name} exists without an address of the family asked: add its A/AAAA record"),
        FailKind::Again => "no nameserver answered: check the servers in /etc/resolv.conf and that they answer on port 53".into(),
        FailKind::Fail | FailKind::Other => "the resolver failed: see the evidence".into(),
    }
}

fn ms(d: Duration) -> f64 {
    crate::units::ms(d)
}

/// The verdict of the whole walk.
pub(super) fn decide(
    cfg: &Config,
    target: &str,
    name: Option<&NameFacts>,
    walks: &[AddrWalk],
) -> Verdict {
    let blank = |kind: Kind| Verdict {
        kind,
        layer: None,
        addr: None,
        hop: None,
        hop_addr: None,
        evidence: String::new(),
        fix: None,
        line: String::new(),
        connect_ms: None,
        rtt_ms: None,
        tls_days_left: None,
        http_status: None,
        also: Vec::new(),
    };
    // The name.
    let name_part = match (&cfg.host, name) {
        (Host::Name(n), Some(f)) => {
            if let Some(e) = &f.record.error {
                let mut v = blank(Kind::NameFailed);
                v.layer = Some(Layer::Name);
                v.evidence = format!("{}; {}", e.message, f.explain.verdict.text);
                let fix = name_fix(e.kind, n);
                v.line = format!("{target} name-failed: {} — {fix}", v.evidence);
                v.fix = Some(fix);
                return v;
            }
            let addrs: Vec<String> = f.record.addrs.iter().map(|a| a.addr.to_string()).collect();
            let from = match (f.explain.verdict.source, &f.explain.verdict.server) {
                ("hosts", _) => " from /etc/hosts".to_string(),
                (_, Some(s)) => format!(" from {s}"),
                _ => String::new(),
            };
            let n_addrs = match addrs.len() {
                1 => "1 address".to_string(),
                k => format!("{k} addresses"),
            };
            format!("{n_addrs}{from}")
        }
        _ => String::new(),
    };
    let failed_text = |w: &AddrWalk, f: &Failure, cost: bool| {
        let addr = w.addr.map_or("-".into(), |a| a.to_string());
        let at = match (f.hop, f.router) {
            (Some(h), Some(r)) => format!(" at hop {h} ({r})"),
            (Some(h), None) => format!(" at hop {h}"),
            (None, Some(r)) => format!(" from {r}"),
            (None, None) => format!(" at {}", f.layer.as_str()),
        };
        let cost = match w.cost.filter(|_| cost) {
            Some(c) if f.kind == Kind::FilteredAtHop => format!(
                ", which costs a Happy Eyeballs client 250 ms and a client that tries in order its whole connect timeout (no answer in {:.0} ms here)",
                ms(c)
            ),
            Some(c) => format!(", which costs a client {:.1} ms", ms(c)),
            None => String::new(),
        };
        format!("{addr} {}{at}{cost}", f.kind.as_str())
    };
    if let Some(ok) = walks
        .iter()
        .find(|w| w.failure.is_none() && w.probe.as_ref().is_some_and(|p| p.is_open()))
    {
        let mut v = blank(Kind::Reachable);
        v.addr = ok.addr;
        v.connect_ms = ok.connect_ms;
        v.rtt_ms = ok.rtt_ms;
        v.tls_days_left = ok.tls_days_left;
        v.http_status = ok.http_status;
        v.also = walks
            .iter()
            .filter_map(|w| w.failure.as_ref().map(|f| failed_text(w, f, true)))
            .collect();
        let mut figures = Vec::new();
        if let Some(c) = ok.connect_ms {
            figures.push(format!("connect {c:.3} ms"));
        }
        if let Some(r) = ok.rtt_ms {
            figures.push(format!("rtt {r:.3} ms"));
        }
        if let Some(t) = &ok.tls {
            figures.push(t.clone());
        }
        if let Some(s) = ok.http_status {
            figures.push(format!("HTTP {s}"));
        }
        let addr = ok.addr.map_or("-".into(), |a| a.to_string());
        let open = walks.iter().filter(|w| w.failure.is_none()).count();
        if walks.len() > 1 {
            figures.push(format!("{open} of {} addresses reachable", walks.len()));
        }
        v.evidence = figures.join(", ");
        let mut line = format!("{target} reachable over {addr}: {}", v.evidence);
        if !name_part.is_empty() {
            line.push_str(&format!("; {name_part}"));
        }
        for a in &v.also {
            line.push_str(&format!("; {a}"));
        }
        v.line = line;
        return v;
    }
    let Some((w, f)) = walks
        .iter()
        .find_map(|w| w.failure.as_ref().map(|f| (w, f)))
    else {
        let mut v = blank(Kind::LocalError);
        v.evidence = "the walk was cut short (interrupted) before any address was decided".into();
        v.line = format!("{target} local-error: {}", v.evidence);
        return v;
    };
    let mut v = blank(f.kind);
    v.layer = Some(f.layer);
    v.addr = w.addr;
    v.hop = f.hop;
    v.hop_addr = f.router;
    v.also = walks
        .iter()
        .filter(|x| x.addr != w.addr)
        .filter_map(|x| x.failure.as_ref().map(|g| failed_text(x, g, false)))
        .collect();
    let mut parts = Vec::new();
    if !name_part.is_empty() {
        parts.push(name_part);
    }
    if let Some(r) = &w.route {
        parts.push(format!("route {r}"));
    }
    parts.push(f.evidence.clone());
    v.evidence = parts.join(", ");
    // Servers that disagree about a name that then fails: the disagreement may be why.
    if let Some(d) = name.and_then(|n| {
        n.explain
            .verdict
            .disagreements
            .iter()
            .find(|d| d.kind == "servers-differ" || d.kind == "hosts-overrides-dns")
    }) {
        v.kind = Kind::NameDisagrees;
        v.layer = Some(Layer::Name);
        v.evidence = format!("{}; {}", d.text, v.evidence);
        let who = if d.kind == "hosts-overrides-dns" {
            "/etc/hosts overrides DNS"
        } else {
            "the nameservers answer differently"
        };
        v.fix = Some(format!(
            "{who}, and the answer taken fails ({} at {}): correct the source that is wrong ({})",
            f.kind.as_str(),
            f.layer.as_str(),
            f.fix
        ));
    } else {
        v.fix = Some(f.fix.clone());
    }
    v.line = format!(
        "{target} {} ({}): {} — {}",
        v.kind.as_str(),
        w.addr.map_or("-".into(), |a| a.to_string()),
        v.evidence,
        v.fix.as_deref().unwrap_or("")
    );
    for a in &v.also {
        v.line.push_str(&format!("; also {a}"));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Icmp, Proto};
    use crate::trace::{Hop, Responder, VerdictKind};

    fn cfg() -> Config {
        Config {
            host: Host::Name("db.example.test".into()),
            port: 5432,
            family: crate::resolve::Family::Any,
            timeout: Duration::from_secs(1),
            tls: None,
            http: None,
            expect: None,
            trace: true,
            queries: 3,
            max_hops: 30,
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn probe(state: State, reason: Reason, from: Option<&str>) -> ProbeResult {
        ProbeResult {
            target: 0,
            addr: ip("192.0.2.10"),
            port: 5432,
            proto: Proto::Tcp,
            state,
            reason,
            errno: None,
            icmp: from.map(|f| Icmp {
                kind: 3,
                code: 13,
                from: Some(ip(f)),
                v6: false,
            }),
            rtt: None,
            tries: 1,
            local: None,
            echo: None,
        }
    }

    fn hop(ttl: u8, addr: Option<&str>) -> Hop {
        Hop {
            ttl,
            responders: addr
                .map(|a| Responder {
                    addr: ip(a),
                    name: None,
                    count: 3,
                })
                .into_iter()
                .collect(),
            sent: 3,
            lost: if addr.is_some() { 0 } else { 3 },
            rtt: None,
            icmp: None,
            state: None,
            reason: None,
            mtu: None,
        }
    }

    fn silent_after_2() -> Trace {
        Trace {
            dest: ip("192.0.2.10"),
            port: 5432,
            proto: Proto::Tcp,
            hops: vec![
                hop(1, Some("10.0.1.1")),
                hop(2, Some("10.0.2.1")),
                hop(3, None),
            ],
            reached: false,
            state: None,
            reason: None,
            verdict: crate::trace::Verdict {
                kind: VerdictKind::SilentAfter,
                hop: Some(2),
                addr: Some(ip("10.0.2.1")),
                text: "silent after hop 2 (10.0.2.1): probes with TTL >= 3 got no answer; more"
                    .into(),
            },
            distance: None,
            pmtu: None,
            interrupted: false,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn a_silent_path_is_filtered_at_the_last_hop_that_answered() {
        let r = probe(State::Filtered, Reason::NoResponse, None);
        let f = not_open(&r, Some(&silent_after_2()), &cfg());
        assert_eq!(
            (f.kind, f.layer, f.hop, f.router),
            (
                Kind::FilteredAtHop,
                Layer::Path,
                Some(2),
                Some(ip("10.0.2.1"))
            )
        );
        assert!(f.fix.contains("hop 2 (10.0.2.1)"), "{}", f.fix);
        // The evidence takes the trace's first clause, not its whole text.
        assert!(!f.evidence.contains("more"), "{}", f.evidence);
    }

    #[test]
    fn a_reject_the_rate_limited_trace_missed_is_past_its_last_hop() {
        let r = probe(State::Filtered, Reason::AdminProhibited, Some("10.0.3.1"));
        let f = not_open(&r, Some(&silent_after_2()), &cfg());
        assert_eq!(
            (f.kind, f.hop, f.router),
            (Kind::RejectedAtHop, Some(3), Some(ip("10.0.3.1")))
        );
        assert!(f.evidence.contains("rate-limited"), "{}", f.evidence);
        // Without a trace: the sender, and no hop.
        let f = not_open(&r, None, &cfg());
        assert_eq!(
            (f.kind, f.layer, f.hop, f.router),
            (
                Kind::RejectedAtHop,
                Layer::Reach,
                None,
                Some(ip("10.0.3.1"))
            )
        );
    }

    #[test]
    fn reachable_over_the_second_address_tells_the_cost_of_the_first() {
        let dropped = AddrWalk {
            addr: Some(ip("2001:db8::10")),
            failure: Some(failure(
                Kind::FilteredAtHop,
                Layer::Path,
                Some(2),
                Some(ip("2001:db8:2::1")),
                "filtered no-response".into(),
                "allow it".into(),
            )),
            cost: Some(Duration::from_millis(1000)),
            ..AddrWalk::default()
        };
        let open = AddrWalk {
            addr: Some(ip("192.0.2.10")),
            probe: Some(probe(State::Open, Reason::SynAck, None)),
            connect_ms: Some(0.5),
            ..AddrWalk::default()
        };
        let v = decide(&cfg(), "db.example.test:5432", None, &[dropped, open]);
        assert_eq!(
            (v.kind, v.addr, v.layer),
            (Kind::Reachable, Some(ip("192.0.2.10")), None)
        );
        assert_eq!(v.also.len(), 1);
        assert!(
            v.also[0].starts_with("2001:db8::10 filtered-at-hop at hop 2 (2001:db8:2::1)"),
            "{}",
            v.also[0]
        );
        assert!(v.also[0].contains("no answer in 1000 ms"), "{}", v.also[0]);
        assert!(v.line.contains("1 of 2 addresses reachable"), "{}", v.line);
    }

    #[test]
    fn tls_refusals_get_the_fix_that_answers_them() {
        let c = cfg();
        for (why, fix) in [
            (
                "certificate expired (not after 2021-01-01T00:00:00Z, 1800 days ago)",
                "renew",
            ),
            (
                "name mismatch (certificate is for a.test, asked db.example.test)",
                "db.example.test",
            ),
            ("certificate not trusted (unknown issuer CN=x)", "--cacert"),
        ] {
            let f = tls_failed(why, &c);
            assert_eq!((f.kind, f.layer), (Kind::TlsFailed, Layer::Tls));
            assert!(f.fix.contains(fix), "{why}: {}", f.fix);
        }
    }
}
