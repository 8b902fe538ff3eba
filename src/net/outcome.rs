//! What an attempt to reach a port came to: a state, a reason, and the ICMP message behind
//! it. The one result vocabulary of probe, connect, http and trace (the states table of
//! `sockdiag probe --help`).
use super::errno;
use serde::Serialize;
use std::net::IpAddr;

/// What an attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum State {
    #[serde(rename = "open")]
    Open,
    #[serde(rename = "closed")]
    Closed,
    #[serde(rename = "filtered")]
    Filtered,
    /// UDP: no reply and no ICMP error; the datagram may have been taken or dropped.
    #[serde(rename = "open|filtered")]
    OpenFiltered,
    /// TCP: no answer from a host whose ICMP port-unreachable replies were rate-limited
    /// meanwhile, so the silence does not tell closed from filtered.
    #[serde(rename = "closed|filtered")]
    ClosedFiltered,
    #[serde(rename = "unreachable")]
    Unreachable,
    #[serde(rename = "error")]
    Error,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Closed => "closed",
            State::Filtered => "filtered",
            State::OpenFiltered => "open|filtered",
            State::ClosedFiltered => "closed|filtered",
            State::Unreachable => "unreachable",
            State::Error => "error",
        }
    }
}

/// Why an attempt is in its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    SynAck,
    UdpResponse,
    ConnRefused,
    PortUnreach,
    NoResponse,
    AdminProhibited,
    ProtoUnreach,
    HostUnreach,
    NetUnreach,
    /// ICMP time exceeded: the hop limit ran out on the way (a routing loop, or a path longer
    /// than the TTL).
    TimeExceeded,
    /// ICMP parameter problem: a host on the way (or the target) found the packet malformed.
    ParamProblem,
    /// A local resource or an invalid target: the errno.
    Local(i32),
    /// No answer while the host's ICMP errors were rate-limited (see [`State::ClosedFiltered`]).
    IcmpRateLimited,
    /// Our own connection came back to us every time we tried (local address = peer).
    SelfConnect,
    /// UNIX: the kernel completed the connect (a listener, or a bound datagram socket).
    Connected,
    /// UNIX: no file at the path (ENOENT, ENOTDIR).
    NoSocketFile,
    /// UNIX: the path is a file of another kind (connect() says ECONNREFUSED; stat tells).
    NotASocket,
    /// UNIX: a socket of the other type is there (EPROTOTYPE): stream against datagram.
    WrongType,
    /// UNIX: the file's mode (or a directory's on the way) denies us (EACCES, EPERM).
    PermissionDenied,
    /// UNIX stream: the listener's backlog stayed full for the whole timeout (EAGAIN).
    BacklogFull,
}

impl Reason {
    pub fn token(self) -> String {
        match self {
            Reason::SynAck => "syn-ack".into(),
            Reason::UdpResponse => "udp-response".into(),
            Reason::ConnRefused => "conn-refused".into(),
            Reason::PortUnreach => "port-unreach".into(),
            Reason::NoResponse => "no-response".into(),
            Reason::AdminProhibited => "admin-prohibited".into(),
            Reason::ProtoUnreach => "proto-unreach".into(),
            Reason::HostUnreach => "host-unreach".into(),
            Reason::NetUnreach => "net-unreach".into(),
            Reason::TimeExceeded => "time-exceeded".into(),
            Reason::ParamProblem => "param-problem".into(),
            Reason::Local(e) => format!("local:{}", errno::name(e)),
            Reason::IcmpRateLimited => "icmp-rate-limited".into(),
            Reason::SelfConnect => "local:self-connect".into(),
            Reason::Connected => "connected".into(),
            Reason::NoSocketFile => "no-socket-file".into(),
            Reason::NotASocket => "not-a-socket".into(),
            Reason::WrongType => "wrong-type".into(),
            Reason::PermissionDenied => "permission-denied".into(),
            Reason::BacklogFull => "backlog-full".into(),
        }
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.token())
    }
}

/// The ICMP message behind a result: type, code and the address that sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Icmp {
    #[serde(rename = "type")]
    pub kind: u8,
    pub code: u8,
    /// An ICMPv4 sender is an IPv4 address, also for a v4-mapped target.
    pub from: Option<IpAddr>,
    /// ICMPv6 (else ICMPv4): which table `kind` and `code` are read with. Not the target's
    /// family: a v4-mapped target gets ICMPv4 errors on its IPv6 socket.
    #[serde(skip)]
    pub v6: bool,
}

impl Icmp {
    /// The sender, when it is not `target` (a router on the way, or this host): `None` when
    /// the target answered itself or the sender is unknown.
    pub fn from_other_than(&self, target: IpAddr) -> Option<IpAddr> {
        self.from
            .filter(|f| f.to_canonical() != target.to_canonical())
    }
}
