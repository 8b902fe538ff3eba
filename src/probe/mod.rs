//! The probe engine: non-blocking connects (and UDP datagrams) over an epoll readiness loop,
//! a bounded window, a deadline per try, and a state and reason for every port. Results are
//! streamed to a [`Sink`]; the engine never prints.
pub mod adapt;
pub mod engine;

pub use engine::{run, run_known};

use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

pub use crate::net::outcome::{Icmp, Reason, State};
pub use crate::net::Proto;

/// One port of one address, decided.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeResult {
    /// Index of the address in the list given to [`run`].
    pub target: usize,
    pub addr: IpAddr,
    pub port: u16,
    pub proto: Proto,
    pub state: State,
    pub reason: Reason,
    /// The errno that decided it (`None` for no-response and a plain open; an open port that
    /// reset the connection right after the handshake keeps its ECONNRESET).
    pub errno: Option<i32>,
    pub icmp: Option<Icmp>,
    /// Connect time (TCP) or reply time (UDP) of the deciding try.
    pub rtt: Option<Duration>,
    pub tries: u32,
    pub local: Option<SocketAddr>,
    /// UDP with a reply: whether it was the datagram sent (an echo). A different reply still
    /// proves the port open; this says the service is not an echo.
    pub echo: Option<bool>,
}

impl ProbeResult {
    pub fn is_open(&self) -> bool {
        self.state == State::Open
    }
}

/// The default of `Config::max_reask` (`--max-reask-time`).
pub const DEFAULT_MAX_REASK: Duration = Duration::from_secs(5);

/// How to probe: plain values, no clap.
#[derive(Debug, Clone)]
pub struct Config {
    pub proto: Proto,
    /// Deadline of one try.
    pub timeout: Duration,
    /// Further tries for a port that gave no response.
    pub retries: u32,
    /// Most probes in flight; `None`: from the fd limit.
    pub concurrency: Option<usize>,
    /// Most new probes started per second.
    pub rate: Option<f64>,
    /// Local address (and port, if not 0) to send from.
    pub source: Option<SocketAddr>,
    /// SO_BINDTODEVICE.
    pub interface: Option<String>,
    /// UDP payload; `None`: a unique token per probe.
    pub payload: Option<Vec<u8>>,
    /// TCP: congestion control, timeouts from measured round trips and tries from evidence
    /// of loss (see [`adapt`]); off: `timeout`, `retries` and the window exactly as given.
    pub adapt: bool,
    /// TCP: most time spent asking ports found `icmp-rate-limited` again, at the pace of the
    /// host's ICMP limiter (not with `retries` 0: one try); zero: never.
    pub max_reask: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            proto: Proto::Tcp,
            timeout: Duration::from_secs(1),
            retries: 1,
            concurrency: None,
            rate: None,
            source: None,
            interface: None,
            payload: None,
            adapt: true,
            max_reask: DEFAULT_MAX_REASK,
        }
    }
}

/// What happened during a run, beside the results.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Ctrl-C stopped the run: not every port has a result.
    pub interrupted: bool,
    /// The window the run started with, and the smallest it shrank to.
    pub window: usize,
    pub min_window: usize,
    /// Times socket() failed with EMFILE/ENFILE/ENOBUFS and the port was tried again later.
    pub fd_exhausted: u64,
    /// Times connect() found no free local port (EADDRNOTAVAIL) and was tried again later.
    pub addr_not_avail: u64,
    /// Connections that turned out to be our own (self- or cross-connect), retried.
    pub self_connects: u64,
    /// Addresses whose ICMP errors were rate-limited: a known-rejecting port went silent
    /// while others were silent, so their silence says nothing.
    pub icmp_rate_limited: Vec<RateLimited>,
    /// Probes started (all tries).
    pub started: u64,
    /// Congestion control and adaptive timing were on.
    pub adaptive: bool,
    /// The largest the scan's congestion window grew.
    pub window_reached: usize,
    /// What was learnt about each host that answered or lost tries (adaptive runs).
    pub hosts: Vec<HostLearnt>,
    /// Hosts that answered nothing at all: no port, no timing ping, no UDP error (adaptive
    /// TCP runs, not interrupted).
    pub answered_nothing: Vec<IpAddr>,
}

/// A host whose ICMP errors were rate-limited, and the kinds of ICMP reject it sent
/// (`port-unreach`, `host-unreach`, `admin-prohibited`, ...): what its silent ports would
/// likely have drawn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateLimited {
    pub addr: IpAddr,
    pub icmp: Vec<Reason>,
    /// Ports left `icmp-rate-limited` (after asking again, within `Config::max_reask`).
    #[serde(rename = "ports_left")]
    pub left: u64,
    /// Ports that answered when asked again at the limiter's pace.
    pub reasked: u64,
}

/// What the engine learnt about one host's path (adaptive TCP runs).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostLearnt {
    /// Index of the address in the list given to [`run`].
    #[serde(skip)]
    pub target: usize,
    pub addr: IpAddr,
    /// Smoothed round-trip time and its variation (RFC 6298); `None`: nothing measured.
    #[serde(rename = "srtt_ms", serialize_with = "ser_ms_opt")]
    pub srtt: Option<Duration>,
    #[serde(rename = "rttvar_ms", serialize_with = "crate::units::ser_ms")]
    pub rttvar: Duration,
    /// The deadline of a try at the end of the run.
    #[serde(rename = "timeout_ms", serialize_with = "crate::units::ser_ms")]
    pub timeout: Duration,
    /// The largest the host's congestion window grew.
    pub window: usize,
    /// Times the window was halved for loss.
    pub cuts: u32,
    /// Tries lost (answered only on a later try).
    pub lost: u64,
    /// Tries a silent port got at the end.
    pub tries: u32,
    /// Tries beyond each port's first, all ports together.
    pub retries: u64,
    /// What gave the first round-trip sample: `"port"` (an answer of a probed port),
    /// `"echo"` (a timing ICMP echo), `"udp"` (the timing datagram's port unreachable);
    /// `None`: nothing.
    pub rtt_via: Option<&'static str>,
}

/// Where the engine hands results as they are decided.
pub trait Sink {
    fn result(&mut self, r: &ProbeResult);
    /// Called before the engine blocks: a chance to flush output or draw progress.
    fn idle(&mut self) {}
}

impl<F: FnMut(&ProbeResult)> Sink for F {
    fn result(&mut self, r: &ProbeResult) {
        self(r)
    }
}

/// Errors that keep the engine from running at all (exit 3).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("creating the epoll instance: {0}")]
    Poller(#[source] std::io::Error),
    #[error("waiting for events: {0}")]
    Wait(#[source] std::io::Error),
    #[error("registering the socket for {1}: {0}")]
    Register(#[source] std::io::Error, SocketAddr),
}

fn ser_ms_opt<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => crate::units::ser_ms(d, s),
        None => s.serialize_none(),
    }
}
