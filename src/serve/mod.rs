//! The test-server engine behind `sockdiag serve`: TCP and UNIX stream listeners (echo,
//! discard, banner, HTTP) and UDP and UNIX datagram sockets on one single-threaded readiness
//! loop (`polling`), with bounded buffers per connection, a client limit, idle timeouts and
//! byte caps. Every happening is handed to a [`Sink`] as an [`Event`]; the engine never
//! prints.
mod engine;
pub mod httpd;
mod listen;
mod unix;

pub use listen::bind;
pub use listen::Server;

use crate::net::unix::{PeerCred, UnixName, UnixTarget};
use serde::Serialize;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

/// What a TCP connection gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Every byte comes back.
    Echo,
    /// Bytes are read and dropped.
    Discard,
    /// This text is written on accept, then the connection is closed.
    Banner(Vec<u8>),
    /// Every request gets `HTTP/1.1 200` and a small body; keep-alive as the client asks.
    Http,
}

impl Mode {
    pub fn name(&self) -> &'static str {
        match self {
            Mode::Echo => "echo",
            Mode::Discard => "discard",
            Mode::Banner(_) => "banner",
            Mode::Http => "http",
        }
    }
}

/// What a socket speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    Tcp,
    Udp,
    /// A UNIX stream socket.
    Unix,
    /// A UNIX datagram socket.
    UnixGram,
}

impl Proto {
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Unix => "unix",
            Proto::UnixGram => "unixgram",
        }
    }
}

/// One end of a socket, connection or datagram: an IP address and port, or a UNIX socket.
#[derive(Debug, Clone, PartialEq)]
pub enum Endpoint {
    Inet(SocketAddr),
    /// A UNIX socket: its name (`None`: unnamed, as most clients are) and, for a peer, the
    /// process behind it (SO_PEERCRED, or the datagram's SCM_CREDENTIALS).
    Unix {
        name: Option<UnixName>,
        cred: Option<PeerCred>,
    },
}

impl Endpoint {
    pub fn cred(&self) -> Option<&PeerCred> {
        match self {
            Endpoint::Unix { cred, .. } => cred.as_ref(),
            Endpoint::Inet(_) => None,
        }
    }

    pub fn is_unix(&self) -> bool {
        matches!(self, Endpoint::Unix { .. })
    }
}

/// An address as it is; a UNIX peer as its process (`pid=4242,uid=1000`), else its name.
impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Inet(a) => write!(f, "{a}"),
            Endpoint::Unix { cred: Some(c), .. } => write!(f, "pid={},uid={}", c.pid, c.uid),
            Endpoint::Unix { name: Some(n), .. } => write!(f, "{n}"),
            Endpoint::Unix { .. } => f.write_str("unnamed"),
        }
    }
}

impl Serialize for Endpoint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// How to serve: plain values, no clap.
#[derive(Debug, Clone)]
pub struct Config {
    /// Addresses to listen on with TCP (port 0: any free port).
    pub tcp: Vec<SocketAddr>,
    /// Addresses to serve UDP on. A UDP address with port 0 whose address is also in `tcp`
    /// takes the port TCP got, so both share one number.
    pub udp: Vec<SocketAddr>,
    /// UNIX sockets to serve on (`unix:PATH` streams, `unixgram:PATH` datagrams).
    pub unix: Vec<UnixTarget>,
    /// The mode bits of each UNIX socket file (else what the umask leaves).
    pub file_mode: Option<u32>,
    pub mode: Mode,
    /// Most TCP clients at once; more are accepted and reset at once (logged as refused).
    pub max_clients: usize,
    /// Close a connection with no traffic either way for this long.
    pub idle_timeout: Option<Duration>,
    /// Close a connection once it has sent this many bytes.
    pub max_bytes: Option<u64>,
    /// Serve one client (TCP connection, or UDP datagram when only UDP is served), then stop.
    pub once: bool,
    /// Stop after this long.
    pub duration: Option<Duration>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            tcp: vec![],
            udp: vec![],
            unix: vec![],
            file_mode: None,
            mode: Mode::Echo,
            max_clients: 1024,
            idle_timeout: None,
            max_bytes: None,
            once: false,
            duration: None,
        }
    }
}

/// How a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum End {
    /// The peer closed (FIN); anything still owed to it was written first.
    PeerClosed,
    /// The peer reset the connection (ECONNRESET, EPIPE).
    Reset,
    /// Nothing moved for `--idle-timeout`.
    IdleTimeout,
    /// The peer sent `--max-bytes`.
    ByteCap,
    /// Over `--max-clients` (or after the one client of `--once`): reset at once.
    Refused,
    /// The server closed it after answering: a banner written, an HTTP `Connection: close`
    /// or a malformed request answered with 400.
    Served,
    /// The server stopped (Ctrl-C, SIGTERM, `--duration`, the end of `--once`).
    ServerStop,
    /// Another socket error (see `errno`).
    Error,
}

impl End {
    pub fn as_str(self) -> &'static str {
        match self {
            End::PeerClosed => "peer-closed",
            End::Reset => "reset",
            End::IdleTimeout => "idle-timeout",
            End::ByteCap => "byte-cap",
            End::Refused => "refused",
            End::Served => "served",
            End::ServerStop => "server-stop",
            End::Error => "error",
        }
    }
}

/// Why the server stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stop {
    /// Ctrl-C (SIGINT).
    Interrupt,
    /// SIGTERM: `kill`, a service manager.
    Terminated,
    /// `--duration` ran out.
    Duration,
    /// `--once`: the one client was served.
    Once,
}

/// One stream client's connection (TCP or UNIX), as logged when it is accepted and when it
/// ends.
#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    /// Numbered from 1 in accept order (refused clients get a number too).
    pub id: u64,
    pub local: Endpoint,
    pub peer: Endpoint,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub duration: Duration,
    /// HTTP mode: requests answered.
    pub requests: Option<u64>,
    /// Set once it has ended.
    pub end: Option<End>,
    /// The errno behind `Reset` / `Error`.
    pub errno: Option<i32>,
}

/// Totals for the summary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    pub accepted: u64,
    pub refused: u64,
    pub datagrams: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub peak_clients: usize,
    /// Ended connections by how they ended.
    pub ends: std::collections::BTreeMap<End, u64>,
    /// accept() failures for lack of descriptors (the listener pauses briefly each time).
    pub accept_errors: u64,
    /// Datagram replies dropped: the send buffer was full (UDP), or the UNIX client's queue
    /// was full or it was gone.
    pub dropped_replies: u64,
}

/// What the engine reports, as it happens.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A socket is bound (and listening, for TCP); `addr` is what getsockname() says.
    Listening {
        proto: Proto,
        addr: Endpoint,
        mode: &'static str,
    },
    Accepted {
        client: Client,
        /// Clients connected now, this one included.
        active: usize,
    },
    /// Over the limit: accepted and reset at once.
    Refused {
        client: Client,
    },
    Closed {
        client: Client,
    },
    /// One UDP or UNIX datagram received (and answered, unless discarding).
    Datagram {
        local: Endpoint,
        peer: Endpoint,
        bytes_in: u64,
        bytes_out: u64,
    },
    /// The last event: why the server stopped and the totals.
    Stopped {
        stop: Stop,
        elapsed: Duration,
        totals: Totals,
    },
}

/// Where the engine hands its events.
pub trait Sink {
    fn event(&mut self, e: &Event);
}

impl<F: FnMut(&Event)> Sink for F {
    fn event(&mut self, e: &Event) {
        self(e)
    }
}

/// Errors that keep the server from running (exit 3).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("binding {1} ({2}): {0}")]
    Bind(std::io::Error, SocketAddr, &'static str),
    #[error("creating the epoll instance: {0}")]
    Poller(std::io::Error),
    #[error("waiting for events: {0}")]
    Wait(std::io::Error),
    #[error("registering a socket: {0}")]
    Register(std::io::Error),
    /// A UNIX socket that could not be served: what happened and what to do, in one line.
    #[error("{0}")]
    Unix(String),
}
