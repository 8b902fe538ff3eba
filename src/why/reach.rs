//! The layers below the connection, per address: the route (RTM_GETROUTE), the reach (the
//! probe engine), and the path when the port is not open (the trace engine).
use super::{route, verdict, AddrWalk, Config, Layer, Status, Step, WhyError};
use crate::interrupt::Interrupt;
use crate::net::{Proto, Reason};
use crate::probe::{self, ProbeResult};
use crate::trace::{self, Trace};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

pub(super) fn route_layer(ip: IpAddr) -> Result<(Step, AddrWalk), WhyError> {
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
            walk.src = r.src;
            walk.dev = r.dev.clone();
            walk.gateway = r.gateway;
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

pub(super) fn reach(
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
pub(super) fn probe_cost(r: &ProbeResult, cfg: &Config) -> Duration {
    match (r.rtt, r.reason) {
        (Some(t), _) => t,
        // Each try's deadline as the probe engine set it: --timeout, stretched past the
        // kernel's SYN retransmission when it would end just before it (1s becomes 1.25s).
        (None, Reason::NoResponse) => {
            probe::adapt::clear_of_syn_retransmit(cfg.timeout, Duration::ZERO) * r.tries.max(1)
        }
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

/// `elapsed`: the run of the probe engine (every address at once).
pub(super) fn reach_step(r: &ProbeResult, cfg: &Config, elapsed: Duration) -> Step {
    let deadline = probe::adapt::clear_of_syn_retransmit(cfg.timeout, Duration::ZERO);
    let mut summary = probe_text(r);
    match (r.rtt, r.reason) {
        (Some(t), _) => summary.push_str(&format!(" in {:.3} ms", crate::units::ms(t))),
        (None, Reason::NoResponse) => summary.push_str(&format!(
            " after {} tr{} of {}",
            r.tries,
            if r.tries == 1 { "y" } else { "ies" },
            humantime::format_duration(deadline)
        )),
        _ => {}
    }
    let mut evidence = vec![format!(
        "tcp connect to {}, {} tr{}, deadline {} (--timeout {}{})",
        SocketAddr::new(r.addr, r.port),
        r.tries,
        if r.tries == 1 { "y" } else { "ies" },
        humantime::format_duration(deadline),
        humantime::format_duration(cfg.timeout),
        if deadline > cfg.timeout {
            ", stretched past the kernel's SYN retransmission"
        } else {
            ""
        }
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
        elapsed,
        data: serde_json::json!({
            "state": r.state,
            "reason": r.reason,
            "icmp": r.icmp,
            "rtt_ms": r.rtt.map(crate::units::ms),
            "tries": r.tries,
        }),
    }
}

pub(super) fn trace_config(cfg: &Config) -> trace::Config {
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

pub(super) fn path_step(tr: &Trace, addr: IpAddr, elapsed: Duration) -> Step {
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
