//! `opts`' engine: one socket, the plan's options set on it, then optionally bound, listening
//! or connected, and every option read back and explained. A port in use is explained with
//! the SO_REUSEADDR / SO_REUSEPORT rules and who holds it.
use super::connect_and_inspect;
use super::holders::{self, Holder};
use super::{
    apply, defaults, inspect, new_socket, Inspect, Limits, OptionRecord, Phase, Plan, Proto,
};
use crate::interrupt::Interrupt;
use crate::net::attempt::Attempt;
use serde::Serialize;
use socket2::SockAddr;
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::time::Duration;

/// What to do with the socket before reading its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Context {
    /// A fresh socket.
    None,
    /// Bind, and listen when `listen` (TCP).
    Bind { addr: SocketAddr, listen: bool },
    /// Listen without an explicit bind: the kernel picks a wildcard address and a port.
    Listen,
    /// Connect to the first of these that accepts.
    Connect {
        target: String,
        addrs: Vec<SocketAddr>,
        timeout: Duration,
        /// Why the name has no address, when it has none.
        unresolved: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub struct Request {
    pub proto: Proto,
    /// IPv6 socket (for contexts without an address to decide it).
    pub v6: bool,
    pub context: Context,
    pub plan: Plan,
}

/// The socket the options were read on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SocketRecord {
    pub proto: &'static str,
    pub family: &'static str,
    /// fresh, bound, listening, connected, or failed.
    pub phase: &'static str,
    pub local: Option<SocketAddr>,
    pub peer: Option<SocketAddr>,
    pub error: Option<String>,
    pub note: Option<String>,
    /// Sockets holding the port, when a bind found it in use.
    pub holders: Vec<Holder>,
    /// Every address tried by --connect.
    pub attempts: Vec<Attempt>,
}

impl SocketRecord {
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }
}

pub struct Examination {
    pub options: Vec<OptionRecord>,
    pub socket: Option<SocketRecord>,
}

fn phase_name(p: Phase) -> &'static str {
    match p {
        Phase::Fresh => "fresh",
        Phase::Bound => "bound",
        Phase::Listening => "listening",
        Phase::Connected => "connected",
    }
}

/// Runs the request. Errors only when no socket can be made at all (exit 3).
pub fn examine(req: &Request, interrupt: &Interrupt) -> io::Result<Examination> {
    let limits = Limits::read();
    let proto_name = match req.proto {
        Proto::Tcp => "tcp",
        Proto::Udp => "udp",
    };
    let fam = |v6: bool| if v6 { "inet6" } else { "inet" };
    match &req.context {
        Context::Connect {
            target,
            addrs,
            timeout,
            unresolved,
        } => {
            let mut attempts = Vec::new();
            for &dest in addrs {
                let v6 = dest.is_ipv6();
                let c = connect_and_inspect(
                    dest,
                    req.proto,
                    &req.plan,
                    Some(&limits),
                    true,
                    *timeout,
                    interrupt,
                    &mut |_| Ok(()),
                );
                let tried = c.tried;
                attempts.push(tried.attempt.clone());
                if let Some(sock) = tried.sock {
                    let options = c.options;
                    return Ok(Examination {
                        options,
                        socket: Some(SocketRecord {
                            proto: proto_name,
                            family: fam(v6),
                            phase: "connected",
                            local: sock.local_addr().ok().and_then(|a| a.as_socket()),
                            peer: sock.peer_addr().ok().and_then(|a| a.as_socket()),
                            error: None,
                            note: None,
                            holders: Vec::new(),
                            attempts,
                        }),
                    });
                }
                if interrupt.raised() {
                    break;
                }
            }
            // Nothing connected: the options as a fresh socket of the last family takes them.
            let v6 = addrs.last().is_some_and(|a| a.is_ipv6());
            let mut ex = fresh(req, v6, &limits)?;
            let last = attempts.last().cloned();
            ex.socket = Some(SocketRecord {
                proto: proto_name,
                family: fam(v6),
                phase: "failed",
                local: None,
                peer: None,
                error: last
                    .map(|a| {
                        format!(
                            "connect to {target} failed: {} {}",
                            a.state.as_str(),
                            a.reason.token()
                        )
                    })
                    .or_else(|| unresolved.clone())
                    .or_else(|| Some(format!("connect to {target}: no address"))),
                note: Some("options shown on a fresh socket".into()),
                holders: Vec::new(),
                attempts,
            });
            Ok(ex)
        }
        Context::None => fresh(req, req.v6, &limits),
        Context::Bind { .. } | Context::Listen => bound(req, &limits, proto_name, fam(req.v6)),
    }
}

fn fresh(req: &Request, v6: bool, limits: &Limits) -> io::Result<Examination> {
    let sock = new_socket(req.proto, v6)?;
    let applied = apply(sock.as_raw_fd(), req.proto, v6, &req.plan);
    let defaults = defaults(req.proto, v6)?;
    let options = inspect(
        sock.as_raw_fd(),
        &Inspect {
            proto: req.proto,
            v6,
            phase: Phase::Fresh,
            applied: &applied,
            all: true,
            limits,
            defaults: &defaults,
        },
    );
    Ok(Examination {
        options,
        socket: None,
    })
}

fn bound(
    req: &Request,
    limits: &Limits,
    proto_name: &'static str,
    family: &'static str,
) -> io::Result<Examination> {
    let v6 = req.v6;
    let sock = new_socket(req.proto, v6)?;
    let applied = apply(sock.as_raw_fd(), req.proto, v6, &req.plan);
    let mut phase = Phase::Fresh;
    let mut error = None;
    let mut note = None;
    let mut held = Vec::new();
    let (addr, listen) = match &req.context {
        Context::Bind { addr, listen } => (Some(*addr), *listen),
        _ => (None, true),
    };
    let mut step = || -> io::Result<()> {
        if let Some(a) = addr {
            sock.bind(&SockAddr::from(a))?;
            phase = Phase::Bound;
        }
        if listen {
            sock.listen(128)?;
            phase = Phase::Listening;
        }
        Ok(())
    };
    if let Err(e) = step() {
        let what = if phase == Phase::Bound {
            "listen"
        } else {
            "bind"
        };
        let errno = e.raw_os_error().unwrap_or(0);
        error = Some(format!(
            "{what}{}: {}",
            addr.map(|a| format!(" {a}")).unwrap_or_default(),
            crate::net::errno::errno_text(&e)
        ));
        if errno == libc::EADDRINUSE {
            if let Some(a) = addr {
                held = holders::holders(a.port(), req.proto == Proto::Udp);
                let reuseaddr = req.plan.get(super::Opt::ReuseAddr).is_some();
                let reuseport = req.plan.get(super::Opt::ReusePort).is_some();
                note = Some(explain_in_use(a, &held, reuseaddr, reuseport));
            }
        } else {
            note = explain_bind_error(errno, addr);
        }
    }
    let defaults = defaults(req.proto, v6)?;
    let options = inspect(
        sock.as_raw_fd(),
        &Inspect {
            proto: req.proto,
            v6,
            phase,
            applied: &applied,
            all: true,
            limits,
            defaults: &defaults,
        },
    );
    let failed = error.is_some();
    Ok(Examination {
        options,
        socket: Some(SocketRecord {
            proto: proto_name,
            family,
            phase: if failed { "failed" } else { phase_name(phase) },
            local: sock.local_addr().ok().and_then(|a| a.as_socket()),
            peer: None,
            error,
            note,
            holders: held,
            attempts: Vec::new(),
        }),
    })
}

/// Why a port is in use and what would let the bind succeed.
pub fn explain_in_use(
    addr: SocketAddr,
    held: &[Holder],
    reuseaddr: bool,
    reuseport: bool,
) -> String {
    let relevant: Vec<&Holder> = held.iter().collect();
    if relevant.is_empty() {
        return format!(
            "port {} is in use, but the kernel lists no socket on it now (it may have closed meanwhile)",
            addr.port()
        );
    }
    let who: Vec<String> = relevant.iter().map(|h| h.to_string()).collect();
    let only_time_wait = relevant.iter().all(|h| h.state == "TIME_WAIT");
    let listening = relevant.iter().any(|h| h.state == "LISTEN");
    let mut s = format!("held by {}", who.join(", "));
    if only_time_wait {
        if reuseaddr {
            s.push_str("; only TIME_WAIT connections hold it, yet SO_REUSEADDR did not help: one of them may be bound to this exact address and port pair with a listener gone");
        } else {
            s.push_str("; only connections in TIME_WAIT hold it: --reuseaddr (SO_REUSEADDR) lets a new socket bind over TIME_WAIT");
        }
    } else if listening {
        if reuseport {
            s.push_str("; SO_REUSEPORT shares a port only when every socket on it set it before bind (and belongs to the same user): the holder did not");
        } else {
            s.push_str("; a listener holds it: SO_REUSEADDR does not share a port with a listener; two listeners share it only when both set SO_REUSEPORT (--reuseport)");
        }
    } else if !reuseaddr {
        s.push_str("; --reuseaddr (SO_REUSEADDR) lets a socket bind a port that connections use, when no listener holds it");
    }
    s
}

fn explain_bind_error(errno: i32, addr: Option<SocketAddr>) -> Option<String> {
    match errno {
        libc::EADDRNOTAVAIL => Some(format!(
            "{} is not an address of this host (ip addr shows them)",
            addr.map(|a| a.ip().to_string()).unwrap_or_default()
        )),
        libc::EACCES => {
            let start = std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|_| "1024".into());
            Some(format!(
                "ports below net.ipv4.ip_unprivileged_port_start = {start} need root or CAP_NET_BIND_SERVICE"
            ))
        }
        libc::EINVAL => Some("the socket is already bound".into()),
        _ => None,
    }
}
