//! The socket record: what the kernel said about one socket, and who holds it. The one model
//! the renderers take (`cmd/sockets.rs` implements `Record` for it) and the filters look at.
use crate::net::zone::ShownAddr;
use serde::{Serialize, Serializer};
use std::fmt;
use std::net::SocketAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    Tcp,
    Udp,
    Unix,
}

impl Proto {
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Unix => "unix",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Inet,
    Inet6,
    Unix,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Inet => "inet",
            Family::Inet6 => "inet6",
            Family::Unix => "unix",
        }
    }
}

/// A socket's state: the kernel's number (the TCP states, which UDP and UNIX sockets borrow).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct State(pub u8);

/// The state names, by the kernel's number (index 0 is unused).
pub const STATE_NAMES: [&str; 13] = [
    "unknown",
    "established",
    "syn-sent",
    "syn-recv",
    "fin-wait-1",
    "fin-wait-2",
    "time-wait",
    // TCP_CLOSE: a UDP or UNIX socket with no peer (ss's UNCONN), a TCP socket not yet
    // listening or connecting.
    "unconnected",
    "close-wait",
    "last-ack",
    "listen",
    "closing",
    // TCP_NEW_SYN_RECV: a request socket; the kernel reports those as syn-recv.
    "syn-recv",
];

impl State {
    pub const ESTABLISHED: State = State(1);
    pub const TIME_WAIT: State = State(6);
    pub const CLOSE: State = State(7);
    pub const LISTEN: State = State(10);

    pub fn name(self) -> &'static str {
        STATE_NAMES
            .get(self.0 as usize)
            .copied()
            .unwrap_or("unknown")
    }

    /// This state's bit in a state mask (the kernel's `1 << state`).
    pub fn bit(self) -> u32 {
        1u32.checked_shl(self.0 as u32).unwrap_or(0)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for State {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// One end of a socket: an IP address and port, or a UNIX socket's name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Inet(SocketAddr),
    /// A path, or `@name` for an abstract name.
    Unix(String),
}

impl Endpoint {
    pub fn inet(&self) -> Option<SocketAddr> {
        match self {
            Endpoint::Inet(a) => Some(*a),
            Endpoint::Unix(_) => None,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Inet(a) => write!(f, "{}", ShownAddr(*a)),
            Endpoint::Unix(p) => f.write_str(p),
        }
    }
}

impl Serialize for Endpoint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The kernel timer running on a TCP socket, and the time left on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Timer {
    pub kind: TimerKind,
    pub left_ms: u32,
    /// Retransmissions (retransmit timer) or probes (keepalive, zero-window) so far.
    pub count: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimerKind {
    Retransmit,
    Keepalive,
    TimeWait,
    ZeroWindowProbe,
}

impl TimerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TimerKind::Retransmit => "retransmit",
            TimerKind::Keepalive => "keepalive",
            TimerKind::TimeWait => "time-wait",
            TimerKind::ZeroWindowProbe => "zero-window-probe",
        }
    }
}

/// TCP_INFO as the dump reports it. Times are milliseconds, rates bytes per second. Fields
/// a kernel's shorter tcp_info lacks are `None`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TcpInfo {
    pub rtt_ms: f64,
    pub rttvar_ms: f64,
    pub min_rtt_ms: Option<f64>,
    pub rto_ms: f64,
    pub cwnd: u32,
    /// `null` while still infinite (no loss seen yet).
    pub ssthresh: Option<u32>,
    pub mss: u32,
    pub rcv_mss: u32,
    /// Unrecovered retransmissions of the segment now in flight (tcpi_retransmits).
    pub retransmits: u8,
    /// Segments retransmitted over the connection's life.
    pub total_retrans: u32,
    pub unacked: u32,
    pub lost: u32,
    pub bytes_sent: Option<u64>,
    pub bytes_acked: Option<u64>,
    pub bytes_received: Option<u64>,
    pub bytes_retrans: Option<u64>,
    pub segs_out: Option<u32>,
    pub segs_in: Option<u32>,
    pub notsent_bytes: Option<u32>,
    pub delivery_rate: Option<u64>,
    pub pacing_rate: Option<u64>,
    pub last_send_ms: u32,
    pub last_recv_ms: u32,
    pub last_ack_recv_ms: u32,
    pub snd_wscale: u8,
    pub rcv_wscale: u8,
    pub snd_wnd: Option<u32>,
    pub rcv_space: u32,
    pub congestion: Option<String>,
}

/// The socket's memory (SK_MEMINFO), in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MemInfo {
    /// Received and not yet read (sk_rmem_alloc).
    pub rmem_alloc: u32,
    /// The receive buffer's limit (SO_RCVBUF).
    pub rcvbuf: u32,
    /// Sent and held below the socket: qdisc and device (sk_wmem_alloc).
    pub wmem_alloc: u32,
    /// The send buffer's limit (SO_SNDBUF).
    pub sndbuf: u32,
    /// Allocated ahead and unused (sk_forward_alloc).
    pub fwd_alloc: u32,
    /// Queued for sending, not yet acknowledged (sk_wmem_queued).
    pub wmem_queued: u32,
    pub optmem: u32,
    pub backlog: u32,
    pub drops: u32,
}

/// A process holding a socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holder {
    pub pid: u32,
    pub command: String,
}

/// One socket of this host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SocketRecord {
    pub proto: Proto,
    pub family: Family,
    /// UNIX sockets: `stream`, `dgram` or `seqpacket`.
    #[serde(rename = "socket_type", skip_serializing_if = "Option::is_none")]
    pub unix_type: Option<&'static str>,
    pub state: State,
    /// `null` for an unnamed UNIX socket.
    pub local: Option<Endpoint>,
    /// `null` when not connected (a listener, an unconnected UDP socket, a UNIX socket with
    /// no peer).
    pub peer: Option<Endpoint>,
    /// UNIX sockets: the peer's inode (connected ones).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_inode: Option<u32>,
    /// IPv6 listeners and unconnected sockets: IPV6_V6ONLY as the kernel reports it
    /// (INET_DIAG_SKV6ONLY); `false` on `[::]` is a dual-stack socket, shown `*:PORT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub v6only: Option<bool>,
    /// Listening sockets: connections waiting for accept(); others: bytes not yet read.
    pub recv_q: u32,
    /// Listening sockets: the backlog; others: bytes not yet acknowledged (TCP) or sent.
    pub send_q: u32,
    pub inode: u32,
    /// `null` where the kernel does not say (TIME_WAIT and request sockets have no owner).
    pub uid: Option<u32>,
    /// The first holder (lowest pid): `holders[0]`, kept for readers of one owner.
    pub pid: Option<u32>,
    pub command: Option<String>,
    /// Every process holding the socket, lowest pid first (a parent and the children it
    /// forked share its descriptor); empty where no owner is known.
    pub holders: Vec<Holder>,
    pub tcp_info: Option<TcpInfo>,
    pub mem: Option<MemInfo>,
    pub timer: Option<Timer>,
    /// The kernel's socket cookie: one socket's identity for as long as it lives.
    #[serde(skip)]
    pub cookie: u64,
}

impl SocketRecord {
    pub fn local_port(&self) -> Option<u16> {
        self.local.as_ref()?.inet().map(|a| a.port())
    }

    pub fn peer_port(&self) -> Option<u16> {
        self.peer.as_ref()?.inet().map(|a| a.port())
    }
}
