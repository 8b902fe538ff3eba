//! The trace engine: where on the path a connection dies. TCP connects (or UDP datagrams)
//! with a low IP_TTL / IPV6_UNICAST_HOPS, TTL by TTL on one readiness loop (see `engine`
//! for what that costs the host), and the ICMP time-exceeded each router sends back read
//! from the socket's error queue (IP_RECVERR: type, code and the router's address), as any
//! user. The destination answers as it does to `probe`, with the same states and reasons.
//!
//! [`run`] gathers what each probe got ([`Outcome`]s) and [`analyse`] makes hops and the
//! verdict of them; neither prints.
pub mod analyse;
pub mod engine;
pub mod names;
pub mod pmtu;
mod sock;

pub use analyse::{Hop, Responder, Rtt, Trace, Verdict, VerdictKind};
pub use engine::run;

use crate::probe::{Proto, Reason, State};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// The UDP port the distance and path-MTU probes go to: traceroute's, closed almost
/// everywhere, so the host answers ICMP port unreachable.
pub const UDP_BASE_PORT: u16 = 33434;

/// How to trace: plain values, no clap.
#[derive(Debug, Clone)]
pub struct Config {
    /// TCP connects or UDP datagrams to `port`.
    pub proto: Proto,
    pub port: u16,
    pub first_hop: u8,
    pub max_hops: u8,
    /// Probes per TTL.
    pub queries: u32,
    /// Deadline of each probe.
    pub timeout: Duration,
    /// Local address to send from (no port: every probe has its own).
    pub source: Option<IpAddr>,
    /// SO_BINDTODEVICE.
    pub interface: Option<String>,
    /// Find the path MTU after the trace (DF-set probes, tracepath's way).
    pub pmtu: bool,
    /// Reverse names of the routers (getnameinfo), looked up while the trace runs.
    pub names: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            proto: Proto::Tcp,
            port: 80,
            first_hop: 1,
            max_hops: 30,
            queries: 3,
            timeout: Duration::from_secs(1),
            source: None,
            interface: None,
            pmtu: false,
            names: true,
        }
    }
}

/// What a probe belongs to: the trace itself, the series that measures how far the host is
/// with another kind of packet, or the path-MTU search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    Main,
    /// One connect (or datagram) with the system's default TTL, sent before a hop is called
    /// silent: what any client of the port gets, a router's reject included (its `ttl` is 0).
    Plain,
    Distance(Via),
    /// A DF-set probe of `size` bytes (IP header included).
    Pmtu {
        size: u32,
        via: Via,
    },
}

/// The kind of packet a distance or path-MTU probe is: an ICMP echo through a ping socket
/// (when `net.ipv4.ping_group_range` admits us), else a UDP datagram to a closed port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Echo,
    Udp,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Echo => "ICMP echo",
            Via::Udp => "UDP",
        }
    }
}

/// What came back for one probe.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Answer {
    /// The router or host that answered (the ICMP sender; the destination for a SYN-ACK,
    /// a reset or a reply); `None` for a local error.
    pub from: Option<IpAddr>,
    pub rtt: Duration,
    pub kind: AnswerKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AnswerKind {
    /// ICMP time exceeded: a router on the way (type 11, or 3 on IPv6).
    TimeExceeded { kind: u8, code: u8 },
    /// Any other ICMP error, classified as `probe` classifies it; `info` is the MTU of a
    /// frag-needed / packet-too-big.
    Icmp {
        kind: u8,
        code: u8,
        info: u32,
        state: State,
        reason: Reason,
    },
    /// The destination without ICMP: a SYN-ACK, a reset, a UDP reply, an echo reply.
    Host { state: State, reason: Reason },
    /// Refused on this host before a packet left (no route here, ...): the errno; `info` is
    /// the interface MTU of a local EMSGSIZE.
    Local {
        errno: i32,
        info: u32,
        state: State,
        reason: Reason,
    },
}

impl AnswerKind {
    /// Ends the path: probes with a higher TTL would get the same, or no more.
    pub fn terminal(&self) -> bool {
        !matches!(self, AnswerKind::TimeExceeded { .. })
    }
}

/// One probe and what it got.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    pub ttl: u8,
    pub series: Series,
    /// `None`: no answer within the timeout (or not decided, see `decided`).
    pub answer: Option<Answer>,
    /// Answered or timed out; a probe left when the trace stopped early (past the
    /// destination) or was interrupted is not.
    pub decided: bool,
}

/// What the path-MTU search found (`--pmtu`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PmtuRun {
    /// The MTU of the interface the probes leave by.
    pub local: Option<u32>,
    /// Each drop a router reported (frag-needed / packet-too-big): its address and MTU.
    pub drops: Vec<(IpAddr, u32)>,
    /// The path MTU to `ttl`: the largest probe that got there.
    pub mtu: Option<u32>,
    /// The TTL the search probed at (the destination's hop, or the last hop that answers).
    pub ttl: u8,
    /// Large probes vanished without a frag-needed.
    pub black_hole: Option<BlackHole>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlackHole {
    /// Probes of this size vanish...
    pub vanish: u32,
    /// ...while these pass (the largest size tried that did).
    pub pass: Option<u32>,
    /// The last TTL at which the large probes still drew a time-exceeded.
    pub after_hop: Option<u8>,
}

/// Everything one trace gathered: the engine's output, the input of [`analyse::analyse`].
#[derive(Debug, Clone, Default)]
pub struct Gathered {
    pub dest: Option<SocketAddr>,
    pub outcomes: Vec<Outcome>,
    /// The kind of packet the distance series used (`None`: no distance series).
    pub via: Option<Via>,
    pub pmtu: Option<PmtuRun>,
    /// Reverse names of the addresses that answered (with `Config::names`).
    pub names: HashMap<IpAddr, Option<String>>,
    pub interrupted: bool,
    pub elapsed: Duration,
}

/// Errors that keep the engine from running at all (exit 3).
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error("creating the epoll instance: {0}")]
    Poller(#[source] std::io::Error),
    #[error("waiting for events: {0}")]
    Wait(#[source] std::io::Error),
    #[error("registering the socket for {1}: {0}")]
    Register(#[source] std::io::Error, SocketAddr),
    #[error("a trace of {need} probes needs that many open files; the limit is {limit}")]
    Files { need: u64, limit: u64 },
}
