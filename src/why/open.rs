//! The layers over an open connection: the transport (TCP_INFO, through the connect engine),
//! TLS (its handshake and verdict), and the application (the http engine, or a banner
//! matched against `--expect`).
use super::{verdict, AddrWalk, Config, Layer, Status, Step};
use crate::connect::{self, ReadMode};
use crate::interrupt::Interrupt;
use crate::net::{Reason, State};
use crate::resolve::Family;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

/// Transport, TLS and the application over one open address.
pub(super) fn open_layers(
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
                let mut s = t.version.as_deref().unwrap_or("TLS").to_string();
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

pub(super) fn probe_text_of(state: State, reason: Reason) -> String {
    format!("{} {}", state.as_str(), reason.token())
}

pub(super) fn app_http(
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
