//! The probers: each runs one check on an engine below (the shared connect attempt, the http
//! engine, the probe engine for UDP, the resolver) and writes its metrics. blackbox_exporter's
//! names where it has one, so dashboards and alerts carry over; `sockdiag_*` for what it
//! cannot say (the state and reason, the ICMP error, the kernel's RTT).
use super::config::{Module, Prober};
use super::metrics::Metrics;
use super::Refused;
use crate::input::ports::{Services, SERVICES_PATH};
use crate::interrupt::Interrupt;
use crate::net::attempt::connect_one;
use crate::net::{Icmp, Proto, Reason, State};
use crate::resolve::FailKind;
use crate::resolve::{self, Family};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Most bytes of an answer read while looking for `expect`.
const EXPECT_READ_MAX: usize = 64 * 1024;

/// Whether a target (its name, and the addresses it has) may be probed.
pub type Gate<'a> = &'a dyn Fn(&str, &[IpAddr]) -> Result<(), Refused>;

/// Why a request cannot be probed: a 400 (bad target) or a 403 (not allowed).
#[derive(Debug)]
pub enum Rejected {
    Bad(String),
    Forbidden(String),
}

/// Runs `module` against `target` within `timeout`; the metrics, and whether it succeeded.
pub fn run(
    module: &Module,
    target: &str,
    timeout: Duration,
    allowed: Gate,
    interrupt: &Interrupt,
    m: &mut Metrics,
    log: &mut Vec<String>,
) -> Result<bool, Rejected> {
    let deadline = Instant::now() + timeout;
    match module.prober {
        Prober::Tcp | Prober::Udp => {
            let proto = if module.prober == Prober::Udp {
                Proto::Udp
            } else {
                Proto::Tcp
            };
            let (host, port) = host_port(target, services(proto))?;
            let ip = lookup(&host, module.family(), allowed, m, log)?;
            let Some(ip) = ip else { return Ok(false) };
            let left = deadline.saturating_duration_since(Instant::now());
            if module.prober == Prober::Tcp {
                Ok(tcp(module, SocketAddr::new(ip, port), left, interrupt, m))
            } else {
                Ok(udp(module, SocketAddr::new(ip, port), left, interrupt, m))
            }
        }
        Prober::Http => http(module, target, timeout, allowed, interrupt, m, log),
        Prober::Dns => {
            // The target is the name to look up; it must be allowed by name.
            crate::resolve::validate(target).map_err(|e| Rejected::Bad(e.to_string()))?;
            allowed(target, &[]).map_err(|r| Rejected::Forbidden(r.0))?;
            let start = Instant::now();
            let r = resolve::lookup(target, module.family());
            m.gauge(
                "probe_dns_lookup_time_seconds",
                "Returns the time taken for probe dns lookup in seconds",
                start.elapsed().as_secs_f64(),
            );
            let n = r.as_ref().map(|(_, ips)| ips.len()).unwrap_or(0);
            m.gauge(
                "sockdiag_dns_addresses",
                "Addresses the name resolved to",
                n as f64,
            );
            if let Ok((_, ips)) = &r {
                ip_metrics(ips[0], m);
            }
            Ok(n > 0)
        }
    }
}

/// Service names of /etc/services, read once (none when it cannot be read: a number still
/// works).
fn services(proto: Proto) -> &'static Services {
    static TCP: OnceLock<Services> = OnceLock::new();
    static UDP: OnceLock<Services> = OnceLock::new();
    let cell = if proto == Proto::Udp { &UDP } else { &TCP };
    cell.get_or_init(|| Services::load(Path::new(SERVICES_PATH), proto, "").unwrap_or_default())
}

/// `HOST:PORT` or `[V6]:PORT`; the port a number or a service name (`http-alt`), as
/// blackbox's dialer takes it.
pub fn host_port(target: &str, services: &Services) -> Result<(String, u16), Rejected> {
    let bad = || {
        Rejected::Bad(format!(
            "target '{}' is not HOST:PORT or [IPV6]:PORT (PORT a number or a service name of {SERVICES_PATH})",
            target.escape_debug()
        ))
    };
    let (host, port) = if let Some(rest) = target.strip_prefix('[') {
        let (h, p) = rest.split_once("]:").ok_or_else(bad)?;
        (h, p)
    } else {
        let (h, p) = target.rsplit_once(':').ok_or_else(bad)?;
        if h.contains(':') {
            return Err(bad());
        }
        (h, p)
    };
    let port: u16 = match port.parse::<u16>() {
        Ok(p) => Some(p),
        Err(_) if !port.is_empty() && !port.bytes().all(|b| b.is_ascii_digit()) => {
            services.port(port)
        }
        Err(_) => None,
    }
    .filter(|p| *p > 0)
    .ok_or_else(bad)?;
    if host.is_empty() {
        return Err(bad());
    }
    Ok((host.to_string(), port))
}

/// The address to probe: a literal, or the first address of a name (the lookup timed). A
/// name that fails to resolve is a failed probe (`Ok(None)`), as in blackbox.
fn lookup(
    host: &str,
    family: Family,
    allowed: Gate,
    m: &mut Metrics,
    log: &mut Vec<String>,
) -> Result<Option<IpAddr>, Rejected> {
    let start = Instant::now();
    let ips = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => {
            crate::resolve::validate(host).map_err(|e| Rejected::Bad(e.to_string()))?;
            match resolve::lookup(host, family) {
                Ok((_, ips)) => ips,
                Err(e) => {
                    allowed(host, &[]).map_err(|r| Rejected::Forbidden(r.0))?;
                    m.gauge(
                        "probe_dns_lookup_time_seconds",
                        "Returns the time taken for probe dns lookup in seconds",
                        start.elapsed().as_secs_f64(),
                    );
                    log.push(format!("{host}: {}", e.message));
                    state(m, "unresolved", unresolved(e.kind), None);
                    return Ok(None);
                }
            }
        }
    };
    allowed(host, &ips).map_err(|r| Rejected::Forbidden(r.0))?;
    m.gauge(
        "probe_dns_lookup_time_seconds",
        "Returns the time taken for probe dns lookup in seconds",
        start.elapsed().as_secs_f64(),
    );
    let ip = ips
        .iter()
        .copied()
        .find(|ip| family.admits(ip))
        .unwrap_or(ips[0]);
    ip_metrics(ip, m);
    Ok(Some(ip))
}

fn ip_metrics(ip: IpAddr, m: &mut Metrics) {
    m.gauge(
        "probe_ip_protocol",
        "Specifies whether probe ip protocol is IP4 or IP6",
        if ip.is_ipv4() { 4.0 } else { 6.0 },
    );
    m.gauge(
        "probe_ip_addr_hash",
        "Specifies the hash of IP address. It's useful to detect if the IP address changes.",
        fnv32a(ip.to_string().as_bytes()) as f64,
    );
}

/// FNV-1a, 32 bits: blackbox's hash of the address text.
fn fnv32a(b: &[u8]) -> u32 {
    b.iter().fold(0x811c_9dc5u32, |h, &c| {
        (h ^ c as u32).wrapping_mul(0x0100_0193)
    })
}

/// The reason label of a name that did not resolve: a short fixed token (the words go in
/// the probe's log).
fn unresolved(kind: FailKind) -> &'static str {
    match kind {
        FailKind::NoName => "resolve-no-name",
        FailKind::NoData => "resolve-no-data",
        FailKind::Again => "resolve-again",
        FailKind::Fail => "resolve-fail",
        FailKind::Other => "resolve-error",
    }
}

/// `sockdiag_probe_state{state,reason} 1`, and the ICMP error behind it.
fn state(m: &mut Metrics, state: &str, reason: &str, icmp: Option<&Icmp>) {
    m.family(
        "sockdiag_probe_state",
        "gauge",
        "The outcome as sockdiag probe says it: 1 for the state and reason found",
    );
    m.sample(
        "sockdiag_probe_state",
        &[("state", state), ("reason", reason)],
        1.0,
    );
    if let Some(i) = icmp {
        let from = i.from.map(|f| f.to_string()).unwrap_or_default();
        m.family(
            "sockdiag_probe_icmp",
            "gauge",
            "The ICMP error that decided the outcome: type, code and sender",
        );
        m.sample(
            "sockdiag_probe_icmp",
            &[
                ("type", &i.kind.to_string()),
                ("code", &i.code.to_string()),
                ("from", &from),
            ],
            1.0,
        );
    }
}

fn outcome(m: &mut Metrics, s: State, r: Reason, icmp: Option<&Icmp>) {
    state(m, s.as_str(), &r.token(), icmp);
}

fn tcp(
    module: &Module,
    dest: SocketAddr,
    timeout: Duration,
    interrupt: &Interrupt,
    m: &mut Metrics,
) -> bool {
    let deadline = Instant::now() + timeout;
    let tried = connect_one(dest, Proto::Tcp, timeout, interrupt, &mut |_| Ok(()));
    let a = &tried.attempt;
    outcome(m, a.state, a.reason, a.icmp.as_ref());
    let Some(sock) = tried.sock.filter(|_| a.state == State::Open) else {
        return false;
    };
    m.gauge(
        "sockdiag_tcp_connect_seconds",
        "Time the TCP handshake took",
        a.elapsed.as_secs_f64(),
    );
    if let Ok(info) = crate::connect::TcpInfo::read(sock.as_raw_fd()) {
        m.gauge(
            "sockdiag_tcp_rtt_seconds",
            "The kernel's smoothed round-trip time of the connection (TCP_INFO)",
            info.rtt_ms / 1000.0,
        );
    }
    if tried.reset.is_some() || (module.tcp.send.is_none() && module.tcp.expect.is_none()) {
        return tried.reset.is_none() || module.tcp.expect.is_none();
    }
    let mut stream: std::net::TcpStream = sock.into();
    let _ = stream.set_nonblocking(false);
    let left = |d: Instant| {
        d.saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    };
    if let Some(s) = &module.tcp.send {
        let _ = stream.set_write_timeout(Some(left(deadline)));
        if stream.write_all(s.as_bytes()).is_err() {
            return false;
        }
    }
    let Some(expect) = &module.tcp.expect else {
        return true;
    };
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let found = loop {
        if interrupt.raised() || Instant::now() >= deadline || got.len() >= EXPECT_READ_MAX {
            break false;
        }
        let _ = stream.set_read_timeout(Some(left(deadline).min(Duration::from_millis(50))));
        match stream.read(&mut buf) {
            Ok(0) => break false,
            Ok(n) => {
                got.extend_from_slice(&buf[..n]);
                if String::from_utf8_lossy(&got).contains(expect.as_str()) {
                    break true;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break false,
        }
    };
    m.gauge(
        "probe_failed_due_to_regex",
        "Indicates if probe failed due to the expected text not being found",
        if found { 0.0 } else { 1.0 },
    );
    found
}

fn udp(
    module: &Module,
    dest: SocketAddr,
    timeout: Duration,
    interrupt: &Interrupt,
    m: &mut Metrics,
) -> bool {
    let cfg = crate::probe::Config {
        proto: Proto::Udp,
        timeout: timeout.max(Duration::from_millis(1)),
        retries: 0,
        concurrency: Some(1),
        payload: module.udp.send.as_ref().map(|s| s.as_bytes().to_vec()),
        adapt: false,
        ..crate::probe::Config::default()
    };
    let mut res = None;
    let mut sink = |r: &crate::probe::ProbeResult| res = Some(r.clone());
    let addr = SocketAddr::new(dest.ip(), 0);
    if crate::probe::run(&[addr], &[dest.port()], &cfg, interrupt, &mut sink).is_err() {
        state(m, "error", "local", None);
        return false;
    }
    match res {
        Some(r) => {
            outcome(m, r.state, r.reason, r.icmp.as_ref());
            r.state == State::Open
        }
        None => false,
    }
}

fn http(
    module: &Module,
    target: &str,
    timeout: Duration,
    allowed: Gate,
    interrupt: &Interrupt,
    m: &mut Metrics,
    log: &mut Vec<String>,
) -> Result<bool, Rejected> {
    let text = if target.contains("://") {
        target.to_string()
    } else if module.http.tls {
        format!("https://{target}")
    } else {
        format!("http://{target}")
    };
    let url = crate::http::url::parse(&text).map_err(|e| Rejected::Bad(e.to_string()))?;
    let tls_config = || crate::http::tls::config(module.http.ca_file.as_deref());
    let tls = if url.tls {
        match tls_config() {
            Ok(c) => Some(c),
            Err(e) => {
                log.push(format!("TLS configuration: {e}"));
                state(m, "error", "tls-config", None);
                return Ok(false);
            }
        }
    } else {
        None
    };
    let req = crate::http::Request {
        url,
        method: if module.http.method.as_deref() == Some("HEAD") {
            "HEAD"
        } else {
            "GET"
        },
        headers: module
            .http
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        timeout,
        family: module.family(),
        tls,
    };
    // Every hop's host is looked up once by the engine, checked here with the addresses
    // found, and only those are connected to: a name that answers differently the next
    // time (DNS rebinding) cannot lead a probe to an address that was not checked.
    let check = |u: &crate::http::Url, ips: &[IpAddr]| allowed(&u.host, ips).map_err(|r| r.0);
    let followed = crate::http::redirect::fetch_following(
        &req,
        module.http.follows_redirects(),
        &tls_config,
        &check,
        interrupt,
    );
    for (i, hop) in followed.hops.iter().enumerate() {
        if let Some(f) = &hop.failure {
            log.push(format!(
                "hop {}: {} failed: {}",
                i + 1,
                f.stage(),
                f.message()
            ));
        }
    }
    let ex = followed.last();
    if let (1, Some(crate::http::Failure::Refused(why))) = (followed.hops.len(), &ex.failure) {
        // The target itself is refused: 403, as for the other probers.
        return Err(Rejected::Forbidden(why.clone()));
    }
    let secs = |d: Option<Duration>| d.map(|d| d.as_secs_f64()).unwrap_or(0.0);
    if let Some(a) = ex.addr {
        ip_metrics(a.ip(), m);
    }
    let after = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
        (Some(a), Some(b)) => b.saturating_sub(a).as_secs_f64(),
        _ => 0.0,
    };
    // Each phase summed over the hops, as blackbox sums them over redirects.
    let mut phases = [0.0f64; 5];
    for hop in &followed.hops {
        let t = &hop.timing;
        let connected_at = t.tls.or(t.connect);
        let each = [
            secs(t.resolve),
            after(t.resolve.or(Some(Duration::ZERO)), t.connect),
            after(t.connect, t.tls),
            after(t.written.or(connected_at), t.first_byte),
            after(
                t.first_byte,
                Some(t.total).filter(|_| t.first_byte.is_some()),
            ),
        ];
        for (sum, v) in phases.iter_mut().zip(each) {
            *sum += v;
        }
    }
    m.gauge(
        "probe_dns_lookup_time_seconds",
        "Returns the time taken for probe dns lookup in seconds",
        phases[0],
    );
    m.family(
        "probe_http_duration_seconds",
        "gauge",
        "Duration of http request by phase, summed over all redirects",
    );
    for (phase, v) in ["resolve", "connect", "tls", "processing", "transfer"]
        .into_iter()
        .zip(phases)
    {
        m.sample("probe_http_duration_seconds", &[("phase", phase)], v);
    }
    m.gauge(
        "probe_http_redirects",
        "The number of redirects",
        followed.redirects as f64,
    );
    let status = ex.response.as_ref().map(|r| r.status).unwrap_or(0);
    m.gauge(
        "probe_http_status_code",
        "Response HTTP status code",
        status as f64,
    );
    if let Some(r) = &ex.response {
        m.gauge(
            "probe_http_uncompressed_body_length",
            "Length of uncompressed response body",
            r.body_bytes as f64,
        );
        let v = r
            .version
            .trim_start_matches("HTTP/")
            .parse::<f64>()
            .unwrap_or(0.0);
        m.gauge(
            "probe_http_version",
            "Returns the version of HTTP of the probe response",
            v,
        );
    }
    m.gauge(
        "probe_http_ssl",
        "Indicates if SSL was used for the final redirect",
        if ex.tls.is_some() { 1.0 } else { 0.0 },
    );
    if let Some(info) = &ex.tls {
        if let Some(na) = info.not_after {
            m.gauge(
                "probe_ssl_earliest_cert_expiry",
                "Returns last SSL chain expiry in unixtime",
                na as f64,
            );
        }
        m.family(
            "probe_tls_version_info",
            "gauge",
            "Returns the TLS version used or NaN when unknown",
        );
        // blackbox's spelling: TLSv1.3 is "TLS 1.3".
        let v = info.version.replace("TLSv", "TLS ");
        m.sample("probe_tls_version_info", &[("version", &v)], 1.0);
    }
    match (&ex.failure, ex.attempts.last()) {
        (
            Some(crate::http::Failure::Connect {
                state: s,
                reason,
                icmp,
                ..
            }),
            _,
        ) => outcome(m, *s, *reason, icmp.as_ref()),
        (Some(crate::http::Failure::Refused(_)), _) => state(m, "error", "forbidden", None),
        (Some(crate::http::Failure::Resolve(_, kind)), _) => {
            state(m, "unresolved", unresolved(*kind), None)
        }
        (_, Some(a)) => outcome(m, a.state, a.reason, a.icmp.as_ref()),
        _ => {}
    }
    if let Some(f) = &ex.failure {
        m.family(
            "sockdiag_http_failure",
            "gauge",
            "Where the exchange failed (the words are in the probe's log)",
        );
        m.sample("sockdiag_http_failure", &[("stage", f.stage())], 1.0);
    }
    let valid = if module.http.valid_status_codes.is_empty() {
        (200..300).contains(&status)
    } else {
        module.http.valid_status_codes.contains(&status)
    };
    Ok(ex.failure.is_none() && valid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_hash() {
        let svc = Services::parse("http-alt 8080/tcp webcache\nhttp 80/tcp www\n", Proto::Tcp);
        let hp = |t: &str| host_port(t, &svc);
        assert_eq!(hp("a.test:80").unwrap(), ("a.test".into(), 80));
        assert_eq!(hp("[::1]:9").unwrap(), ("::1".into(), 9));
        // Issue 27 item 9: a service-name port, as blackbox's dialer takes it.
        assert_eq!(hp("a.test:http-alt").unwrap(), ("a.test".into(), 8080));
        assert_eq!(hp("[::1]:webcache").unwrap(), ("::1".into(), 8080));
        for bad in [
            "a.test", "::1:80", "[::1]80", ":80", "a:0", "a:x", "a:99999", "a:",
        ] {
            assert!(matches!(hp(bad), Err(Rejected::Bad(_))), "{bad}");
        }
        // The FNV-1a test vector.
        assert_eq!(fnv32a(b"a"), 0xe40c292c);
    }
}
