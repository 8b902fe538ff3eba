//! The non-blocking connect attempt every engine that connects shares (connect, http, opts,
//! and what comes): one socket to one address with a deadline, options set (and a source
//! bound) before connect(), and the same state and reason `probe` gives (the same classifier
//! and ICMP error queue). Plus the interruptible wait for readiness the exchanges use.
use super::classify::classify_to;
use super::{errno, recverr, Icmp, Proto, Reason, State};
use crate::interrupt::Interrupt;
use serde::Serialize;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::time::{Duration, Instant};

/// Longest one wait sleeps before it looks at the interrupt flag again.
pub(crate) const TICK: Duration = Duration::from_millis(50);
/// Times a connect that came back to ourselves (local address = peer) is tried again.
const SELF_CONNECT_TRIES: u32 = 3;

/// One address tried.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempt {
    /// Shown with the zone's interface name (`[fe80::1%eth0]:22`).
    #[serde(serialize_with = "crate::net::zone::ser_shown")]
    pub addr: SocketAddr,
    pub state: State,
    pub reason: Reason,
    #[serde(serialize_with = "ser_errno")]
    pub errno: Option<i32>,
    pub icmp: Option<Icmp>,
    #[serde(rename = "elapsed_ms", serialize_with = "crate::units::ser_ms")]
    pub elapsed: Duration,
}

fn ser_errno<S: serde::Serializer>(e: &Option<i32>, s: S) -> Result<S::Ok, S::Error> {
    match e {
        Some(n) => s.serialize_str(&errno::name(*n)),
        None => s.serialize_none(),
    }
}

/// What one address gave.
pub struct Tried {
    /// The connected socket, when it connected.
    pub sock: Option<Socket>,
    pub attempt: Attempt,
    pub local: Option<SocketAddr>,
    /// TCP: the handshake completed (the attempt is open) and the peer reset the connection
    /// before it could be used: the errno (ECONNRESET, or EPIPE after its FIN). The socket
    /// is still returned, for its options, but carries no data.
    pub reset: Option<i32>,
}

/// `from + d`, or a time far enough away to mean "no deadline" when that does not fit.
pub fn deadline_after(from: Instant, d: Duration) -> Instant {
    from.checked_add(d)
        .or_else(|| from.checked_add(Duration::from_secs(100 * 365 * 86_400)))
        .unwrap_or(from)
}

/// A reset (ECONNRESET) or a broken pipe (EPIPE: a reset after the peer's FIN) is what
/// the kernel reports only for an established connection: a reset answering the SYN is
/// ECONNREFUSED. So the handshake completed: the port is open.
fn reset_after_handshake(errno: i32) -> bool {
    matches!(errno, libc::ECONNRESET | libc::EPIPE)
}

/// Connects one socket to `dest` with a deadline; `prepare` sets options (and binds) on the
/// socket first. TCP: decided by the handshake. UDP: connect() only (the exchange decides).
pub fn connect_one(
    dest: SocketAddr,
    proto: Proto,
    timeout: Duration,
    interrupt: &Interrupt,
    prepare: &mut dyn FnMut(&Socket) -> io::Result<()>,
) -> Tried {
    let v6 = dest.is_ipv6();
    let udp = proto == Proto::Udp;
    let mut tries = 0;
    loop {
        tries += 1;
        let start = Instant::now();
        let fail = |errno: i32, icmp: Option<Icmp>, start: Instant| {
            // A router's port unreachable is not the target's answer (as in probe).
            let (state, reason) = classify_to(dest.ip(), errno, icmp.as_ref(), proto);
            Attempt {
                addr: dest,
                state,
                reason,
                errno: Some(errno),
                icmp,
                elapsed: start.elapsed(),
            }
        };
        let sock = match new_socket(proto, v6) {
            Ok(s) => s,
            Err(e) => {
                return Tried {
                    sock: None,
                    attempt: fail(e.raw_os_error().unwrap_or(0), None, start),
                    local: None,
                    reset: None,
                }
            }
        };
        let _ = sock.set_nonblocking(true);
        // Without it the ICMP type, code and sender are lost; the errno still decides.
        let _ = recverr::enable(sock.as_raw_fd(), v6);
        if let Err(e) = prepare(&sock) {
            // Options are reported, not fatal; this is the bind (source, device) failing.
            return Tried {
                sock: None,
                attempt: fail(e.raw_os_error().unwrap_or(0), None, start),
                local: None,
                reset: None,
            };
        }
        let start = Instant::now();
        let res = sock.connect(&SockAddr::from(dest));
        let errno = match res {
            Ok(()) => None,
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {
                let until = deadline_after(start, timeout);
                match wait(sock.as_fd(), libc::POLLOUT, until, interrupt) {
                    Ok(Waited::Ready) => match sock.take_error() {
                        Ok(None) => None,
                        Ok(Some(e)) | Err(e) => Some(e.raw_os_error().unwrap_or(0)),
                    },
                    Ok(w @ (Waited::Timeout | Waited::Interrupted)) => {
                        // Ctrl-C is ours, not the network's: not "filtered".
                        let (state, reason, errno) = match w {
                            Waited::Interrupted => {
                                (State::Error, Reason::Local(libc::EINTR), Some(libc::EINTR))
                            }
                            _ => (State::Filtered, Reason::NoResponse, None),
                        };
                        return Tried {
                            sock: None,
                            attempt: Attempt {
                                addr: dest,
                                state,
                                reason,
                                errno,
                                icmp: None,
                                elapsed: start.elapsed(),
                            },
                            local: sock.local_addr().ok().and_then(|a| a.as_socket()),
                            reset: None,
                        };
                    }
                    Err(e) => Some(e.raw_os_error().unwrap_or(0)),
                }
            }
            Err(e) => Some(e.raw_os_error().unwrap_or(0)),
        };
        let elapsed = start.elapsed();
        let local = sock.local_addr().ok().and_then(|a| a.as_socket());
        if let Some(errno) = errno {
            if !udp && reset_after_handshake(errno) {
                return Tried {
                    sock: Some(sock),
                    attempt: Attempt {
                        addr: dest,
                        state: State::Open,
                        reason: Reason::SynAck,
                        errno: None,
                        icmp: None,
                        elapsed,
                    },
                    local,
                    reset: Some(errno),
                };
            }
            let icmp = recverr::read_icmp(sock.as_raw_fd());
            return Tried {
                sock: None,
                attempt: fail(errno, icmp, start),
                local,
                reset: None,
            };
        }
        if !udp && local == Some(dest) {
            // connect() to a free local port whose number the kernel also picked as our
            // source: a TCP simultaneous open with ourselves, not a server.
            let _ = sock.set_linger(Some(Duration::ZERO));
            if tries < SELF_CONNECT_TRIES {
                continue;
            }
            return Tried {
                sock: None,
                attempt: Attempt {
                    addr: dest,
                    state: State::Error,
                    reason: Reason::SelfConnect,
                    errno: None,
                    icmp: None,
                    elapsed,
                },
                local,
                reset: None,
            };
        }
        let (state, reason) = if udp {
            // Not decided yet: the reply (or its absence) decides.
            (State::OpenFiltered, Reason::NoResponse)
        } else {
            (State::Open, Reason::SynAck)
        };
        return Tried {
            sock: Some(sock),
            attempt: Attempt {
                addr: dest,
                state,
                reason,
                errno: None,
                icmp: None,
                elapsed,
            },
            local,
            reset: None,
        };
    }
}

pub enum Waited {
    Ready,
    Timeout,
    Interrupted,
}

/// poll() for `events` until `deadline`, looking at the interrupt flag every [`TICK`].
pub fn wait(
    fd: BorrowedFd<'_>,
    events: i16,
    deadline: Instant,
    interrupt: &Interrupt,
) -> io::Result<Waited> {
    loop {
        if interrupt.raised() {
            return Ok(Waited::Interrupted);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(Waited::Timeout);
        }
        let left = left.min(TICK).max(Duration::from_millis(1));
        let timeout = rustix::event::Timespec {
            tv_sec: left.as_secs() as _,
            tv_nsec: left.subsec_nanos() as _,
        };
        let flags = rustix::event::PollFlags::from_bits_retain(events as u16);
        let mut p = [rustix::event::PollFd::new(&fd, flags)];
        match rustix::event::poll(&mut p, Some(&timeout)) {
            Ok(0) | Err(rustix::io::Errno::INTR) => {}
            Ok(_) => return Ok(Waited::Ready),
            Err(e) => return Err(e.into()),
        }
    }
}

/// A socket of this transport and family (blocking; callers switch as they need).
pub fn new_socket(proto: Proto, v6: bool) -> io::Result<Socket> {
    let d = if v6 { Domain::IPV6 } else { Domain::IPV4 };
    match proto {
        Proto::Tcp => Socket::new(d, Type::STREAM, Some(Protocol::TCP)),
        Proto::Udp => Socket::new(d, Type::DGRAM, Some(Protocol::UDP)),
    }
}
