//! `sockdiag exporter`'s engine: Prometheus blackbox_exporter's contract over sockdiag's
//! probers. `GET /probe?target=&module=` runs one check and answers a fresh set of metrics;
//! `/metrics` has the exporter's own; `/` a short page; `/-/healthy`. Bounded: at most
//! `max_concurrent` probes at once (more get 503 at once), apart from that at most
//! `max_connections` connections (more are shed with 503), request heads of at most 16 KiB
//! (more get 431) that must arrive within a few seconds (else 408), and `--allow-targets`
//! (others get 403). Every answer but a probe's is made at once, whatever the probe load, so
//! `/-/healthy` and `/metrics` stay up. Returns data; never prints.
pub mod config;
pub mod metrics;
mod probes;
mod server;

pub use config::{Allow, Module, Prober};
pub use server::{bind, Server};

use crate::interrupt::Interrupt;
use metrics::Metrics;
use std::collections::{BTreeMap, VecDeque};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The margin taken off a scrape's `X-Prometheus-Scrape-Timeout-Seconds`, as blackbox does.
pub const SCRAPE_MARGIN: Duration = Duration::from_millis(500);
/// A probe's bound when neither the module nor the scrape gives one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Probes listed on `/`.
const LAST_PROBES: usize = 20;

/// How the exporter runs: plain values, no clap.
#[derive(Debug, Clone)]
pub struct Config {
    pub modules: BTreeMap<String, Module>,
    /// `None`: any target.
    pub allow: Option<Allow>,
    pub max_concurrent: usize,
    /// Connections open at once, apart from the probes in flight: slow clients hold these,
    /// never a probe slot.
    pub max_connections: usize,
}

/// A target refused by `--allow-targets`, and why.
#[derive(Debug)]
pub struct Refused(pub String);

/// One HTTP answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl Answer {
    /// A plain-text answer, the body as given.
    fn plain(status: u16, body: String) -> Answer {
        Answer {
            status,
            content_type: "text/plain; charset=utf-8",
            body,
        }
    }

    fn text(status: u16, body: impl Into<String>) -> Answer {
        let mut body = body.into();
        if !body.ends_with('\n') {
            body.push('\n');
        }
        Answer {
            status,
            content_type: "text/plain; charset=utf-8",
            body,
        }
    }
}

struct LastProbe {
    at: SystemTime,
    module: String,
    target: String,
    success: bool,
    seconds: f64,
    /// What the probe found, in words (the metrics carry only fixed tokens).
    log: Vec<String>,
}

/// Probes run and their time, per module and result.
#[derive(Default)]
struct Counts {
    probes: BTreeMap<(String, bool), (u64, f64)>,
}

/// The exporter: its configuration and what it has counted.
pub struct Exporter {
    pub config: Config,
    interrupt: Interrupt,
    started: SystemTime,
    pub(crate) in_flight: Arc<AtomicUsize>,
    /// Connections open now (the server keeps it).
    pub(crate) connections: AtomicUsize,
    counts: Mutex<Counts>,
    /// Requests refused or shed before any probe, by [`REFUSALS`].
    refused: [AtomicU64; 6],
    last: Mutex<VecDeque<LastProbe>>,
}

/// Why a request got no probe: outside --allow-targets (403), --max-concurrent reached (503),
/// a bad request (4xx), a head over 16 KiB (431), --max-connections reached (shed with 503
/// at accept), no whole head within the deadline (408).
pub const REFUSALS: [&str; 6] = [
    "forbidden",
    "busy",
    "bad_request",
    "too_large",
    "connections",
    "head_timeout",
];

/// What a request needs: an answer made at once, or a probe to run (on a thread of its own;
/// it holds one of the `max_concurrent` slots until dropped).
pub enum Step {
    Answer(Answer),
    Probe(Prepared),
}

/// A probe checked and given its slot, ready to run.
pub struct Prepared {
    module: String,
    target: String,
    timeout: Duration,
    _slot: InFlight,
}

impl Exporter {
    pub fn new(config: Config, interrupt: Interrupt) -> Exporter {
        Exporter {
            config,
            interrupt,
            started: SystemTime::now(),
            in_flight: Arc::new(AtomicUsize::new(0)),
            connections: AtomicUsize::new(0),
            counts: Mutex::new(Counts::default()),
            refused: Default::default(),
            last: Mutex::new(VecDeque::new()),
        }
    }

    /// Counts a request refused before it was read whole (busy, too large).
    pub fn count_refused(&self, kind: &str) {
        if let Some(i) = REFUSALS.iter().position(|k| *k == kind) {
            self.refused[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Answers one request: `path_query` as sent (`/probe?target=...`), and the scrape's
    /// timeout header when present. A probe runs on the caller's thread.
    pub fn handle(&self, method: &str, path_query: &str, scrape_timeout: Option<&str>) -> Answer {
        match self.begin(method, path_query, scrape_timeout) {
            Step::Answer(a) => a,
            Step::Probe(p) => self.finish(p),
        }
    }

    /// The first half of [`Exporter::handle`], which never waits: the answer, or the probe
    /// to run (with its slot taken).
    pub fn begin(&self, method: &str, path_query: &str, scrape_timeout: Option<&str>) -> Step {
        if method != "GET" && method != "HEAD" {
            self.count_refused("bad_request");
            return Step::Answer(Answer::text(405, "only GET and HEAD"));
        }
        let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
        Step::Answer(match path {
            "/probe" => match self.prepare(query, scrape_timeout) {
                Ok(p) => return Step::Probe(p),
                Err(a) => a,
            },
            "/metrics" => Answer {
                status: 200,
                content_type: metrics::CONTENT_TYPE,
                body: self.own_metrics(),
            },
            "/-/healthy" | "/-/ready" => Answer::text(200, "Healthy"),
            "/" => Answer {
                status: 200,
                content_type: "text/html; charset=utf-8",
                body: self.page(),
            },
            _ => {
                self.count_refused("bad_request");
                Answer::text(404, format!("no page {}", escape_html(path)))
            }
        })
    }

    /// A probe request checked (target, module, timeout) and given a slot; else the answer.
    fn prepare(&self, query: &str, scrape_timeout: Option<&str>) -> Result<Prepared, Answer> {
        let params = parse_query(query);
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let bad = |msg: String| {
            self.count_refused("bad_request");
            Answer::text(400, msg)
        };
        let Some(target) = get("target").filter(|t| !t.is_empty()) else {
            return Err(bad("Target parameter is missing".into()));
        };
        let module_name = get("module").unwrap_or("http_2xx");
        let Some(module) = self.config.modules.get(module_name) else {
            return Err(bad(format!(
                "Unknown module \"{}\"",
                module_name.escape_debug()
            )));
        };
        let timeout = probe_timeout(module.timeout, scrape_timeout).map_err(bad)?;
        // The bound on probes in flight: over it, 503 at once.
        let n = self.in_flight.fetch_add(1, Ordering::SeqCst);
        let slot = InFlight(Arc::clone(&self.in_flight));
        if n >= self.config.max_concurrent {
            self.count_refused("busy");
            return Err(Answer::text(
                503,
                format!("busy: {} probes in flight (--max-concurrent)", n),
            ));
        }
        Ok(Prepared {
            module: module_name.to_string(),
            target: target.to_string(),
            timeout,
            _slot: slot,
        })
    }

    /// Runs a prepared probe: its metrics, or 400/403 for a target it cannot probe.
    pub fn finish(&self, p: Prepared) -> Answer {
        let (module_name, target, timeout) = (p.module.as_str(), p.target.as_str(), p.timeout);
        let module = &self.config.modules[module_name];
        let bad = |msg: String| {
            self.count_refused("bad_request");
            Answer::text(400, msg)
        };
        let start = Instant::now();
        let mut m = Metrics::default();
        let allowed = |name: &str, ips: &[IpAddr]| self.allowed(name, ips);
        let mut log = Vec::new();
        let run = probes::run(
            module,
            target,
            timeout,
            &allowed,
            &self.interrupt,
            &mut m,
            &mut log,
        );
        let success = match run {
            Ok(s) => s,
            Err(probes::Rejected::Bad(msg)) => return bad(msg),
            Err(probes::Rejected::Forbidden(msg)) => {
                self.count_refused("forbidden");
                return Answer::text(403, msg);
            }
        };
        let secs = start.elapsed().as_secs_f64();
        m.gauge(
            "probe_duration_seconds",
            "Returns how long the probe took to complete in seconds",
            secs,
        );
        m.gauge(
            "probe_success",
            "Displays whether or not the probe was a success",
            if success { 1.0 } else { 0.0 },
        );
        self.record(module_name, target, success, secs, log);
        Answer {
            status: 200,
            content_type: metrics::CONTENT_TYPE,
            body: m.into_text(),
        }
    }

    fn allowed(&self, name: &str, ips: &[IpAddr]) -> Result<(), Refused> {
        let Some(a) = &self.config.allow else {
            return Ok(());
        };
        a.admits(name, ips).map_err(Refused)
    }

    fn record(&self, module: &str, target: &str, success: bool, seconds: f64, log: Vec<String>) {
        if let Ok(mut c) = self.counts.lock() {
            let e = c.probes.entry((module.to_string(), success)).or_default();
            e.0 += 1;
            e.1 += seconds;
        }
        if let Ok(mut l) = self.last.lock() {
            if l.len() == LAST_PROBES {
                l.pop_front();
            }
            l.push_back(LastProbe {
                at: SystemTime::now(),
                module: module.to_string(),
                target: target.chars().take(200).collect(),
                success,
                seconds,
                log,
            });
        }
    }

    fn own_metrics(&self) -> String {
        let mut m = Metrics::default();
        m.family(
            "sockdiag_exporter_probes_total",
            "counter",
            "Probes run, by module and result",
        );
        let counts = self
            .counts
            .lock()
            .map(|c| c.probes.clone())
            .unwrap_or_default();
        for ((module, ok), (n, _)) in &counts {
            let result = if *ok { "success" } else { "failure" };
            m.sample(
                "sockdiag_exporter_probes_total",
                &[("module", module), ("result", result)],
                *n as f64,
            );
        }
        m.family(
            "sockdiag_exporter_probe_duration_seconds_total",
            "counter",
            "Time spent probing, by module and result",
        );
        for ((module, ok), (_, s)) in &counts {
            let result = if *ok { "success" } else { "failure" };
            m.sample(
                "sockdiag_exporter_probe_duration_seconds_total",
                &[("module", module), ("result", result)],
                *s,
            );
        }
        m.family(
            "sockdiag_exporter_requests_refused_total",
            "counter",
            "Requests refused or shed before a probe: forbidden (--allow-targets), busy (--max-concurrent), bad_request, too_large (head over 16 KiB), connections (--max-connections), head_timeout (no whole head in time)",
        );
        for (i, k) in REFUSALS.iter().enumerate() {
            m.sample(
                "sockdiag_exporter_requests_refused_total",
                &[("reason", k)],
                self.refused[i].load(Ordering::Relaxed) as f64,
            );
        }
        m.gauge(
            "sockdiag_exporter_probes_in_flight",
            "Probes running now",
            self.in_flight.load(Ordering::Relaxed) as f64,
        );
        m.gauge(
            "sockdiag_exporter_max_concurrent",
            "The bound on probes in flight (--max-concurrent)",
            self.config.max_concurrent as f64,
        );
        m.gauge(
            "sockdiag_exporter_connections",
            "Connections open now, apart from the probes in flight",
            self.connections.load(Ordering::Relaxed) as f64,
        );
        m.gauge(
            "sockdiag_exporter_max_connections",
            "The bound on open connections (--max-connections)",
            self.config.max_connections as f64,
        );
        m.gauge(
            "process_start_time_seconds",
            "Start time of the process since unix epoch in seconds",
            unix(self.started),
        );
        m.into_text()
    }

    fn page(&self) -> String {
        let mut s = String::from(
            "<!DOCTYPE html>\n<html><head><title>sockdiag exporter</title></head><body>\n\
             <h1>sockdiag exporter</h1>\n<p><a href=\"/probe?target=127.0.0.1:9115&amp;module=tcp_connect\">Probe 127.0.0.1:9115 with tcp_connect</a> · \
             <a href=\"/metrics\">Metrics</a> · <a href=\"/-/healthy\">Health</a></p>\n<h2>Modules</h2>\n<ul>\n",
        );
        for (name, m) in &self.config.modules {
            s.push_str(&format!(
                "<li>{} ({})</li>\n",
                escape_html(name),
                m.prober.as_str()
            ));
        }
        s.push_str("</ul>\n<h2>Recent probes</h2>\n<table border=\"1\"><tr><th>Time</th><th>Module</th><th>Target</th><th>Result</th><th>Seconds</th><th>Log</th></tr>\n");
        if let Ok(l) = self.last.lock() {
            for p in l.iter().rev() {
                s.push_str(&format!(
                    "<tr><td>{:.3}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.6}</td><td>{}</td></tr>\n",
                    unix(p.at),
                    escape_html(&p.module),
                    escape_html(&p.target),
                    if p.success { "Success" } else { "Failure" },
                    p.seconds,
                    escape_html(&p.log.join("; "))
                ));
            }
        }
        s.push_str("</table>\n</body></html>\n");
        s
    }
}

struct InFlight(Arc<AtomicUsize>);
impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn unix(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The module's timeout, cut to the scrape's less [`SCRAPE_MARGIN`] when the scrape says.
/// A scrape timeout of 0 or less says nothing (blackbox probes then with its default).
fn probe_timeout(module: Option<Duration>, scrape: Option<&str>) -> Result<Duration, String> {
    let scrape = match scrape {
        Some(s) => {
            let secs: f64 = s
                .trim()
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| {
                    format!(
                        "X-Prometheus-Scrape-Timeout-Seconds '{}' is not a number of seconds",
                        s.escape_debug()
                    )
                })?;
            (secs > 0.0).then(|| {
                Duration::from_secs_f64(secs.min(1e6))
                    .saturating_sub(SCRAPE_MARGIN)
                    .max(Duration::from_millis(100))
            })
        }
        None => None,
    };
    Ok(match (module, scrape) {
        (Some(m), Some(s)) => m.min(s),
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => DEFAULT_TIMEOUT,
    })
}

/// `a=b&c=d`, percent- and plus-decoded.
fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                match (
                    b.get(i + 1).and_then(|&c| hex(c)),
                    b.get(i + 2).and_then(|&c| hex(c)),
                ) {
                    (Some(h), Some(l)) => {
                        out.push(h << 4 | l);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exporter(allow: Option<&str>, max: usize) -> Exporter {
        Exporter::new(
            Config {
                modules: config::default_modules(),
                allow: allow.map(|a| Allow::parse(a).unwrap()),
                max_concurrent: max,
                max_connections: 64,
            },
            Interrupt::never(),
        )
    }

    #[test]
    fn query_and_timeout() {
        assert_eq!(
            parse_query("target=%5B%3A%3A1%5D%3A80&module=a+b&x=%zz"),
            vec![
                ("target".into(), "[::1]:80".into()),
                ("module".into(), "a b".into()),
                ("x".into(), "%zz".into())
            ]
        );
        assert_eq!(
            probe_timeout(None, Some("3")),
            Ok(Duration::from_millis(2500))
        );
        assert_eq!(
            probe_timeout(Some(Duration::from_secs(1)), Some("10")),
            Ok(Duration::from_secs(1))
        );
        assert_eq!(probe_timeout(None, None), Ok(DEFAULT_TIMEOUT));
        // Issue 27 item 9: 0 and -1 probe with the default, as blackbox; words are a 400.
        for none in ["0", "-1", "-0.5", " 0.0 "] {
            assert_eq!(
                probe_timeout(None, Some(none)),
                Ok(DEFAULT_TIMEOUT),
                "{none}"
            );
            let module = Some(Duration::from_secs(3));
            assert_eq!(
                probe_timeout(module, Some(none)),
                Ok(Duration::from_secs(3))
            );
        }
        for bad in ["", "abc", "NaN", "inf", "1s"] {
            assert!(probe_timeout(None, Some(bad)).is_err(), "{bad}");
        }
        assert!(probe_timeout(None, Some("soon")).is_err());
    }

    #[test]
    fn bad_requests_are_4xx_and_counted() {
        let e = exporter(Some("127.0.0.0/8"), 4);
        assert_eq!(
            e.handle("GET", "/probe?module=tcp_connect", None).status,
            400
        );
        let a = e.handle("GET", "/probe?target=127.0.0.1:1&module=nope", None);
        assert_eq!(
            (a.status, a.body.as_str()),
            (400, "Unknown module \"nope\"\n")
        );
        assert_eq!(
            e.handle("GET", "/probe?target=10.0.0.1:80&module=tcp_connect", None)
                .status,
            403
        );
        assert_eq!(
            e.handle("GET", "/probe?target=noport&module=tcp_connect", None)
                .status,
            400
        );
        assert_eq!(e.handle("POST", "/metrics", None).status, 405);
        assert_eq!(e.handle("GET", "/nothing", None).status, 404);
        assert_eq!(e.handle("GET", "/-/healthy", None).status, 200);
        let m = e.handle("GET", "/metrics", None).body;
        assert!(
            m.contains("sockdiag_exporter_requests_refused_total{reason=\"forbidden\"} 1"),
            "{m}"
        );
        assert!(
            m.contains("sockdiag_exporter_requests_refused_total{reason=\"bad_request\"} 5"),
            "{m}"
        );
    }

    #[test]
    fn a_closed_port_on_loopback() {
        // A port bound but not listening refuses: closed conn-refused, probe_success 0.
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = s.local_addr().unwrap().port();
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let open = l.local_addr().unwrap().port();
        let e = exporter(None, 4);
        let a = e.handle(
            "GET",
            &format!("/probe?target=127.0.0.1:{open}&module=tcp_connect"),
            None,
        );
        assert_eq!(a.status, 200);
        assert!(a.body.contains("probe_success 1\n"), "{}", a.body);
        assert!(
            a.body
                .contains("sockdiag_probe_state{state=\"open\",reason=\"syn-ack\"} 1"),
            "{}",
            a.body
        );
        assert!(a.body.contains("probe_ip_protocol 4\n"), "{}", a.body);
        drop(l);
        let _ = port;
        let a = e.handle(
            "GET",
            &format!("/probe?target=127.0.0.1:{open}&module=tcp_connect"),
            None,
        );
        assert!(a.body.contains("probe_success 0\n"), "{}", a.body);
        assert!(
            a.body
                .contains("sockdiag_probe_state{state=\"closed\",reason=\"conn-refused\"} 1"),
            "{}",
            a.body
        );
        let page = e.handle("GET", "/", None).body;
        assert!(page.contains("tcp_connect"), "{page}");
    }

    #[test]
    fn tcp_send_and_expect() {
        use std::io::{Read, Write};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        // Answers PING with +PONG, anything else with -ERR; two connections.
        let server = std::thread::spawn(move || {
            for s in l.incoming().take(2) {
                let mut s = s.unwrap();
                let mut buf = [0u8; 64];
                let n = s.read(&mut buf).unwrap_or(0);
                let answer: &[u8] = if buf[..n].starts_with(b"PING") {
                    b"+PONG\r\n"
                } else {
                    b"-ERR\r\n"
                };
                let _ = s.write_all(answer);
            }
        });
        let toml = "[modules.redis]\nprober = \"tcp\"\ntimeout = \"2s\"\n[modules.redis.tcp]\nsend = \"PING\\r\\n\"\nexpect = \"+PONG\"\n\
                    [modules.wrong]\nprober = \"tcp\"\ntimeout = \"2s\"\n[modules.wrong.tcp]\nsend = \"HELLO\\r\\n\"\nexpect = \"+PONG\"\n";
        let e = Exporter::new(
            Config {
                modules: config::modules_from_toml(toml, "t").unwrap(),
                allow: None,
                max_concurrent: 4,
                max_connections: 64,
            },
            Interrupt::never(),
        );
        let a = e.handle(
            "GET",
            &format!("/probe?target=127.0.0.1:{port}&module=redis"),
            None,
        );
        assert!(a.body.contains("probe_success 1\n"), "{}", a.body);
        assert!(
            a.body.contains("probe_failed_due_to_regex 0\n"),
            "{}",
            a.body
        );
        let a = e.handle(
            "GET",
            &format!("/probe?target=127.0.0.1:{port}&module=wrong"),
            None,
        );
        assert!(a.body.contains("probe_success 0\n"), "{}", a.body);
        assert!(
            a.body.contains("probe_failed_due_to_regex 1\n"),
            "{}",
            a.body
        );
        server.join().unwrap();
    }
}
