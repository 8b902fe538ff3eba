//! What answers on an open port (`probe --service`): a connection of its own to each open
//! port, what the server says first (a banner), else one safe probe suited to the port (an
//! HTTP `HEAD`, or a TLS ClientHello), and a name from the table of recognisers.
//!
//! Every port is a non-blocking state machine ([`machine`]); one readiness loop ([`driver`],
//! its own poller on a thread of its own) drives them all, fed as the probe finds open ports,
//! so detection runs alongside the scan. The probe's loop offers no hook for sockets of
//! another engine, and a second loop keeps a slow service from ever delaying a probe's
//! answer (and so its RTT). Bounded: at most `in_flight` ports at once, at most
//! [`READ_CAP`] bytes read, every exchange within `timeout`, every connection closed with a
//! reset (SO_LINGER 0). Returns records; never prints.
mod driver;
mod machine;
pub mod recognise;
pub mod tls;

use crate::interrupt::Interrupt;
use polling::Poller;
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

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

/// Jobs go in as open ports are found, and records come out at [`Detector::finish`]. The
/// loop's thread starts with the first job.
pub struct Detector {
    cfg: Arc<Config>,
    interrupt: Interrupt,
    tls: Arc<rustls::ClientConfig>,
    tx: Option<Sender<Job>>,
    /// The jobs' end of the channel, until the loop's thread takes it.
    rx: Option<Receiver<Job>>,
    poller: Option<Arc<Poller>>,
    thread: Option<JoinHandle<Vec<(usize, Service)>>>,
}

impl Detector {
    pub fn new(cfg: Config, interrupt: &Interrupt) -> Detector {
        let (tx, rx) = channel();
        Detector {
            cfg: Arc::new(cfg),
            interrupt: interrupt.clone(),
            tls: tls::config(),
            tx: Some(tx),
            rx: Some(rx),
            poller: None,
            thread: None,
        }
    }

    /// Queues one open port; the loop starts it while fewer than `in_flight` are examined.
    pub fn submit(&mut self, job: Job) {
        if self.poller.is_none() {
            self.start();
        }
        if let Some(tx) = &self.tx {
            let _ = tx.send(job);
        }
        if let Some(p) = &self.poller {
            let _ = p.notify();
        }
    }

    /// The poller and the loop's thread. Without a thread the loop runs in `finish`; without
    /// a poller there is no detection (the ports keep their guesses).
    fn start(&mut self) {
        let Ok(p) = Poller::new() else { return };
        let p = Arc::new(p);
        self.poller = Some(Arc::clone(&p));
        let Some(rx) = self.rx.take() else { return };
        let (cfg, tls, intr) = (
            Arc::clone(&self.cfg),
            Arc::clone(&self.tls),
            self.interrupt.clone(),
        );
        let spawned = std::thread::Builder::new()
            .name("service".into())
            .spawn(move || driver::run(&rx, &p, cfg, tls, &intr));
        match spawned {
            Ok(h) => self.thread = Some(h),
            Err(_) => {
                // The receiver went with the failed spawn (no job was sent yet): a new
                // channel, and the loop runs in `finish`.
                let (tx, rx) = channel();
                self.tx = Some(tx);
                self.rx = Some(rx);
            }
        }
    }

    /// Waits for every queued port; the records by key (ports skipped after Ctrl-C have none).
    pub fn finish(mut self) -> Vec<(usize, Service)> {
        self.tx = None;
        if let Some(p) = &self.poller {
            let _ = p.notify();
        }
        if let Some(h) = self.thread.take() {
            return h.join().unwrap_or_default();
        }
        match (self.rx.take(), &self.poller) {
            (Some(rx), Some(p)) => driver::run(&rx, p, self.cfg, self.tls, &self.interrupt),
            _ => Vec::new(),
        }
    }
}

/// Examines one open port within the timeout, on a loop of its own.
pub fn detect(
    job: &Job,
    cfg: &Config,
    tls_cfg: &Arc<rustls::ClientConfig>,
    intr: &Interrupt,
) -> Service {
    let Ok(p) = Poller::new() else {
        return Service::named("unknown");
    };
    let (tx, rx) = channel();
    let _ = tx.send(job.clone());
    drop(tx);
    driver::run(&rx, &p, Arc::new(cfg.clone()), Arc::clone(tls_cfg), intr)
        .pop()
        .map_or_else(|| Service::named("unknown"), |(_, s)| s)
}

#[cfg(test)]
mod tests;
