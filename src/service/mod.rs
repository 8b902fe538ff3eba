//! What answers on an open port (`probe --service`): a connection of its own to each open
//! port, what the server says first (a banner), else one safe probe suited to the port (an
//! HTTP `HEAD`, or a TLS ClientHello), and a name from the table of recognisers.
//!
//! Bounded: at most `in_flight` ports at once (a pool of worker threads fed as the probe
//! finds open ports, so detection runs alongside the scan), at most [`READ_CAP`] bytes read,
//! every exchange within `timeout`, every connection closed with a reset (SO_LINGER 0).
//! Returns records; never prints.
pub mod recognise;
pub mod tls;

use crate::interrupt::Interrupt;
use crate::net::attempt::connect_one;
use crate::net::{bind::bind_local, Proto, State};
use serde::Serialize;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use tls::TlsSeen;

/// Most bytes read from one service.
pub const READ_CAP: usize = 4096;

/// The safe probe for a silent server.
pub const HTTP_PROBE: &[u8] = b"HEAD / HTTP/1.0\r\n\r\n";

/// How to detect: plain values, no clap.
#[derive(Debug, Clone)]
pub struct Config {
    /// For each port: connect, banner, probe and reply, all within it.
    pub timeout: Duration,
    /// Most ports examined at once.
    pub in_flight: usize,
    /// Source address (its port is not used: each connection picks its own) and device.
    pub source: Option<SocketAddr>,
    pub interface: Option<String>,
}

/// What answers on one port, or (`guess`) what /etc/services says usually does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    pub name: String,
    pub product: Option<String>,
    pub version: Option<String>,
    pub tls: Option<TlsSeen>,
    /// The first bytes the server sent (its first line for text), escaped.
    pub banner: Option<String>,
    pub guess: bool,
    /// The software as the server spells it, shown in brackets.
    #[serde(skip)]
    pub detail: Option<String>,
}

impl Service {
    /// The name /etc/services gives the port: a guess.
    pub fn guess(name: &str) -> Service {
        Service {
            name: name.to_string(),
            product: None,
            version: None,
            tls: None,
            banner: None,
            guess: true,
            detail: None,
        }
    }

    fn named(name: &str) -> Service {
        Service {
            guess: false,
            ..Service::guess(name)
        }
    }

    /// For the SERVICE column: `http?` (a guess), `ssh (OpenSSH_9.6p1)`,
    /// `https (TLSv1.3, h2, CN=example.test, expires 2027-01-05)`, `unknown ("\x00...")`.
    pub fn label(&self) -> String {
        if self.guess {
            return format!("{}?", self.name);
        }
        let mut parts: Vec<String> = Vec::new();
        if let Some(t) = &self.tls {
            parts.push(t.version.clone());
            parts.extend(t.alpn.clone());
            parts.extend(t.subject.clone());
            if let Some(e) = &t.expires {
                parts.push(format!("expires {}", e.get(..10).unwrap_or(e)));
            }
        }
        if let Some(d) = &self.detail {
            parts.push(d.clone());
        } else if self.name == "unknown" {
            if let Some(b) = &self.banner {
                let short: String = b.chars().take(40).collect();
                let more = if short.len() < b.len() { "..." } else { "" };
                parts.push(format!("\"{short}{more}\""));
            }
        }
        if parts.is_empty() {
            self.name.clone()
        } else {
            format!("{} ({})", self.name, parts.join(", "))
        }
    }
}

/// Ports where the client speaks first in TLS: the probe is a ClientHello.
pub fn tls_port(port: u16) -> bool {
    matches!(
        port,
        443 | 465
            | 563
            | 636
            | 853
            | 989
            | 990
            | 992
            | 993
            | 994
            | 995
            | 2083
            | 2087
            | 2096
            | 3269
            | 4433
            | 4443
            | 5061
            | 5986
            | 6443
            | 7443
            | 8443
            | 8883
            | 9443
            | 10443
    )
}

/// Ports where HTTP is usual and the server never speaks first: no wait for a banner.
fn http_port(port: u16) -> bool {
    matches!(
        port,
        80 | 81 | 591 | 3000 | 5000 | 8000 | 8008 | 8080 | 8081 | 8088 | 8888 | 9000 | 9090 | 9200
    )
}

/// One open port to examine: `key` comes back with its record.
#[derive(Debug, Clone)]
pub struct Job {
    pub key: usize,
    pub addr: SocketAddr,
    /// The name the target was given by (sent as TLS SNI when it is a name).
    pub host: String,
}

/// The pool: jobs go in as open ports are found, records come out at [`Detector::finish`].
pub struct Detector {
    cfg: Arc<Config>,
    interrupt: Interrupt,
    tls: Arc<rustls::ClientConfig>,
    tx: Option<Sender<Job>>,
    rx: Arc<Mutex<Receiver<Job>>>,
    done: Arc<Mutex<Vec<(usize, Service)>>>,
    workers: Vec<JoinHandle<()>>,
    submitted: usize,
}

impl Detector {
    pub fn new(cfg: Config, interrupt: &Interrupt) -> Detector {
        let (tx, rx) = channel();
        Detector {
            cfg: Arc::new(cfg),
            interrupt: interrupt.clone(),
            tls: tls::config(),
            tx: Some(tx),
            rx: Arc::new(Mutex::new(rx)),
            done: Arc::new(Mutex::new(Vec::new())),
            workers: Vec::new(),
            submitted: 0,
        }
    }

    /// Queues one open port; a worker starts for it while fewer than `in_flight` run.
    pub fn submit(&mut self, job: Job) {
        self.submitted += 1;
        if self.workers.len() < self.cfg.in_flight.max(1) && self.workers.len() < self.submitted {
            let (cfg, rx, done, intr, tls) = (
                Arc::clone(&self.cfg),
                Arc::clone(&self.rx),
                Arc::clone(&self.done),
                self.interrupt.clone(),
                Arc::clone(&self.tls),
            );
            let h = std::thread::Builder::new()
                .name("service".into())
                .stack_size(256 * 1024)
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(r) => r.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    if intr.raised() {
                        continue;
                    }
                    let s = detect(&job, &cfg, &tls, &intr);
                    if let Ok(mut d) = done.lock() {
                        d.push((job.key, s));
                    }
                });
            match h {
                Ok(h) => self.workers.push(h),
                Err(_) if !self.workers.is_empty() => {}
                Err(_) => {
                    // No thread at all: examine it here rather than lose it.
                    let s = detect(&job, &self.cfg, &self.tls, &self.interrupt);
                    if let Ok(mut d) = self.done.lock() {
                        d.push((job.key, s));
                    }
                    return;
                }
            }
        }
        if let Some(tx) = &self.tx {
            let _ = tx.send(job);
        }
    }

    /// Waits for every queued port; the records by key (ports skipped after Ctrl-C have none).
    pub fn finish(mut self) -> Vec<(usize, Service)> {
        self.tx = None;
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
        std::mem::take(&mut *self.done.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// A connected stream to the port with every read and write bounded, or `None` when it no
/// longer accepts (the service went away since the scan).
fn connect(job: &Job, cfg: &Config, left: Duration, intr: &Interrupt) -> Option<TcpStream> {
    let src = cfg.source.map(|s| SocketAddr::new(s.ip(), 0));
    let t = connect_one(job.addr, Proto::Tcp, left, intr, &mut |s| {
        bind_local(s, job.addr.is_ipv6(), src, cfg.interface.as_deref())
    });
    if t.attempt.state != State::Open || t.reset.is_some() {
        return None;
    }
    let sock = t.sock?;
    sock.set_nonblocking(false).ok()?;
    // Closing sends a reset: no FIN handshake, no TIME_WAIT left behind.
    let _ = sock.set_linger(Some(Duration::ZERO));
    Some(sock.into())
}

/// Reads until the cap, the end of the stream, a pause after the first bytes, or the
/// deadline.
fn read_some(s: &mut TcpStream, deadline: Instant, out: &mut Vec<u8>) {
    let mut buf = [0u8; 1024];
    while out.len() < READ_CAP {
        let left = deadline.saturating_duration_since(Instant::now());
        // Once something came, a short pause ends it: servers send a greeting in one go.
        let wait = if out.is_empty() {
            left
        } else {
            left.min(Duration::from_millis(100))
        };
        if wait.is_zero() || s.set_read_timeout(Some(wait)).is_err() {
            return;
        }
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => out.extend_from_slice(&buf[..n.min(READ_CAP - out.len())]),
        }
    }
}

/// Examines one open port within the timeout.
pub fn detect(
    job: &Job,
    cfg: &Config,
    tls_cfg: &Arc<rustls::ClientConfig>,
    intr: &Interrupt,
) -> Service {
    let start = Instant::now();
    let deadline = start + cfg.timeout;
    let port = job.addr.port();
    if tls_port(port) {
        if let Some(s) = try_tls(job, cfg, tls_cfg, deadline, intr) {
            return s;
        }
    }
    let Some(mut sock) = connect(job, cfg, cfg.timeout, intr) else {
        return Service::named("unknown");
    };
    let mut got = Vec::new();
    if !http_port(port) && !tls_port(port) {
        // Half the time for a banner, the rest for the probe and its reply.
        read_some(&mut sock, start + cfg.timeout / 2, &mut got);
    }
    let mut probed = false;
    if got.is_empty() {
        let _ = sock.set_write_timeout(Some(
            deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1)),
        ));
        if sock.write_all(HTTP_PROBE).is_ok() {
            probed = true;
            read_some(&mut sock, deadline, &mut got);
        }
    }
    drop(sock);
    let seen = recognise::recognise(&got, port);
    match seen {
        Some(s) if s.name == "tls" => {
            // TLS where a text reply was expected: a ClientHello learns the rest.
            if let Some(t) = try_tls(job, cfg, tls_cfg, deadline, intr) {
                return t;
            }
            Service::named("tls")
        }
        Some(s) => Service {
            name: s.name.to_string(),
            product: s.product,
            version: s.version,
            tls: None,
            banner: banner_text(&got, probed),
            guess: false,
            detail: s.detail,
        },
        None => Service {
            banner: (!got.is_empty()).then(|| recognise::escape(&got, 64)),
            ..Service::named("unknown")
        },
    }
}

/// The banner as JSON carries it: the server's own first line (not a reply to our probe,
/// whose status line the product and version already say).
fn banner_text(got: &[u8], probed: bool) -> Option<String> {
    if probed || got.is_empty() {
        return None;
    }
    let end = got.iter().position(|&c| c == b'\n').unwrap_or(got.len());
    let line = &got[..end];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some(recognise::escape(line, 256))
}

/// A TLS handshake on a new connection; an HTTP HEAD inside it when ALPN or the port says
/// HTTPS. `None` when no handshake completes.
fn try_tls(
    job: &Job,
    cfg: &Config,
    tls_cfg: &Arc<rustls::ClientConfig>,
    deadline: Instant,
    intr: &Interrupt,
) -> Option<Service> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return None;
    }
    let mut sock = connect(job, cfg, left, intr)?;
    let left = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1));
    sock.set_read_timeout(Some(left)).ok()?;
    sock.set_write_timeout(Some(left)).ok()?;
    let (mut conn, seen) = tls::handshake(&mut sock, &job.host, tls_cfg).ok()?;
    let port = job.addr.port();
    let https = match seen.alpn.as_deref() {
        Some("h2") | Some("http/1.1") => true,
        Some(_) => false,
        None => matches!(port, 443 | 4433 | 4443 | 7443 | 8443 | 9443 | 10443),
    };
    let mut s = Service {
        tls: Some(seen),
        ..Service::named(if https { "https" } else { "tls" })
    };
    if https && s.tls.as_ref().and_then(|t| t.alpn.as_deref()) != Some("h2") {
        let reply = tls::exchange(&mut conn, &mut sock, HTTP_PROBE, READ_CAP);
        if let Some(h) = recognise::recognise(&reply, port).filter(|h| h.name == "http") {
            s.product = h.product;
            s.version = h.version;
            s.detail = h.detail;
        }
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(Service::guess("http").label(), "http?");
        let mut s = Service::named("ssh");
        s.detail = Some("OpenSSH_9.6p1".into());
        assert_eq!(s.label(), "ssh (OpenSSH_9.6p1)");
        let t = Service {
            tls: Some(TlsSeen {
                version: "TLSv1.3".into(),
                alpn: Some("h2".into()),
                subject: Some("CN=example.test".into()),
                expires: Some("2027-01-05T00:00:00Z".into()),
            }),
            ..Service::named("https")
        };
        assert_eq!(
            t.label(),
            "https (TLSv1.3, h2, CN=example.test, expires 2027-01-05)"
        );
        let u = Service {
            banner: Some("\\x00\\x01".into()),
            ..Service::named("unknown")
        };
        assert_eq!(u.label(), "unknown (\"\\x00\\x01\")");
        assert_eq!(Service::named("tls").label(), "tls");
    }
}
