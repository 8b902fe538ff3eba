//! The server's sockets: TCP listeners and UDP sockets on IP addresses, UNIX stream listeners
//! and datagram sockets on names (see [`super::unix`]), bound and registered with the poller.
use super::unix::{self, SocketFile};
use super::{Config, Endpoint, Proto, ServeError};
use polling::{Event as Interest, PollMode, Poller};
use socket2::{Domain, Socket, Type};
use std::io;
use std::net::{SocketAddr, TcpListener, UdpSocket};

pub(super) enum Sock {
    Tcp(TcpListener),
    Udp(UdpSocket),
    /// A UNIX stream listener.
    Unix(Socket),
    /// A UNIX datagram socket (SO_PASSCRED on).
    UnixGram(Socket),
}

pub(super) struct Listener {
    pub sock: Sock,
    pub addr: Endpoint,
    /// The socket file, removed when the listener is dropped (a path name only).
    pub _file: Option<SocketFile>,
}

impl Listener {
    pub fn proto(&self) -> Proto {
        match self.sock {
            Sock::Tcp(_) => Proto::Tcp,
            Sock::Udp(_) => Proto::Udp,
            Sock::Unix(_) => Proto::Unix,
            Sock::UnixGram(_) => Proto::UnixGram,
        }
    }

    fn inet(&self) -> Option<SocketAddr> {
        match self.addr {
            Endpoint::Inet(a) => Some(a),
            Endpoint::Unix { .. } => None,
        }
    }
}

/// Binds every address of the plan (TCP and UNIX streams listen, datagram sockets bind) and
/// registers them.
pub fn bind(cfg: &Config) -> Result<Server, ServeError> {
    crate::net::limits::raise_nofile();
    let poller = Poller::new().map_err(ServeError::Poller)?;
    let mut listeners = Vec::new();
    let mut notes = Vec::new();
    let backlog = cfg.max_clients.clamp(128, 4096) as i32;
    for &a in &cfg.tcp {
        let only_v6 = v6_only(a, &cfg.tcp);
        let l = tcp_listener(a, backlog, only_v6).map_err(|e| ServeError::Bind(e, a, "tcp"))?;
        let addr = l.local_addr().map_err(|e| ServeError::Bind(e, a, "tcp"))?;
        listeners.push(Listener {
            sock: Sock::Tcp(l),
            addr: Endpoint::Inet(addr),
            _file: None,
        });
    }
    for &a in &cfg.udp {
        // Port 0 on an address TCP also serves: take TCP's port, so one number covers both.
        let shared = (a.port() == 0)
            .then(|| {
                listeners
                    .iter()
                    .filter(|l| matches!(l.sock, Sock::Tcp(_)))
                    .filter_map(Listener::inet)
                    .find(|l| l.ip() == a.ip())
            })
            .flatten();
        let only_v6 = v6_only(a, &cfg.udp);
        let s = match shared.map(|a| udp_socket(a, only_v6)) {
            Some(Ok(s)) => s,
            _ => udp_socket(a, only_v6).map_err(|e| ServeError::Bind(e, a, "udp"))?,
        };
        let addr = s.local_addr().map_err(|e| ServeError::Bind(e, a, "udp"))?;
        listeners.push(Listener {
            sock: Sock::Udp(s),
            addr: Endpoint::Inet(addr),
            _file: None,
        });
    }
    for t in &cfg.unix {
        let b = unix::bind(t, backlog, cfg.file_mode)?;
        notes.extend(b.note);
        listeners.push(Listener {
            sock: if t.dgram {
                Sock::UnixGram(b.sock)
            } else {
                Sock::Unix(b.sock)
            },
            addr: Endpoint::Unix {
                name: Some(t.name.clone()),
                cred: None,
            },
            _file: b.file,
        });
    }
    for (i, l) in listeners.iter().enumerate() {
        // Each socket is deleted from the poller (or the poller dropped) before the socket is
        // closed: both live in `Server` and the poller is dropped first.
        let ev = Interest::readable(i);
        let register = |s| crate::net::poll::register(&poller, s, ev, PollMode::Level);
        match &l.sock {
            Sock::Tcp(s) => register(std::os::fd::AsRawFd::as_raw_fd(s)),
            Sock::Udp(s) => register(std::os::fd::AsRawFd::as_raw_fd(s)),
            Sock::Unix(s) | Sock::UnixGram(s) => register(std::os::fd::AsRawFd::as_raw_fd(s)),
        }
        .map_err(ServeError::Register)?;
    }
    Ok(Server {
        cfg: cfg.clone(),
        poller,
        listeners,
        notes,
    })
}

/// An IPv6 socket is dual-stack by default (net.ipv6.bindv6only = 0): `[::]:7000` also takes
/// 0.0.0.0:7000, so `serve 0.0.0.0:7000 [::]:7000` failed with EADDRINUSE. When IPv4 addresses
/// are asked for beside it, an IPv6 socket is IPv6-only and each family gets its own socket;
/// alone, it keeps the kernel's default and takes IPv4 clients too (v4-mapped).
fn v6_only(a: SocketAddr, all: &[SocketAddr]) -> bool {
    a.is_ipv6() && all.iter().any(SocketAddr::is_ipv4)
}

fn tcp_listener(a: SocketAddr, backlog: i32, only_v6: bool) -> io::Result<TcpListener> {
    let s = Socket::new(Domain::for_address(a), Type::STREAM, None)?;
    // A restarted server gets its port back while old connections sit in TIME_WAIT.
    s.set_reuse_address(true)?;
    if only_v6 {
        s.set_only_v6(true)?;
    }
    s.bind(&a.into())?;
    s.listen(backlog)?;
    s.set_nonblocking(true)?;
    Ok(s.into())
}

fn udp_socket(a: SocketAddr, only_v6: bool) -> io::Result<UdpSocket> {
    let s = Socket::new(Domain::for_address(a), Type::DGRAM, None)?;
    if only_v6 {
        s.set_only_v6(true)?;
    }
    s.bind(&a.into())?;
    s.set_nonblocking(true)?;
    Ok(s.into())
}

/// Bound sockets, ready to [`Server::run`].
pub struct Server {
    pub(super) cfg: Config,
    pub(super) poller: Poller,
    pub(super) listeners: Vec<Listener>,
    /// For the user: what binding did besides (a stale socket file replaced).
    pub(super) notes: Vec<String>,
}
