//! One socket per probe: TCP, UDP or an ICMP ping socket, non-blocking, with its TTL (hop
//! limit), IP_RECVERR, and for the path-MTU search the DF bit without the kernel's own path
//! MTU (IP_PMTUDISC_PROBE).
use super::{Config, Series, Via, UDP_BASE_PORT};
use crate::net::bind::bind_local;
use crate::net::{recverr, Proto};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::time::{Instant, SystemTime};

/// The UDP payload of trace probes: what a server that answers anything sees.
pub const UDP_PAYLOAD: &[u8] = b"sockdiag trace";
/// IP + UDP (or ICMP echo) header bytes in front of the payload.
pub fn header_len(v6: bool) -> u32 {
    if v6 {
        48
    } else {
        28
    }
}

/// What a probe's socket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Stream,
    Datagram,
    Ping,
}

/// Whether ping sockets are open to us here (`net.ipv4.ping_group_range`).
pub fn ping_allowed(v6: bool) -> bool {
    ping_socket(v6).is_ok()
}

fn ping_socket(v6: bool) -> io::Result<Socket> {
    let (d, p) = if v6 {
        (Domain::IPV6, Protocol::ICMPV6)
    } else {
        (Domain::IPV4, Protocol::ICMPV4)
    };
    Socket::new(d, Type::DGRAM.nonblocking(), Some(p))
}

/// When a probe left: taken right before the call that sends it (the SYN leaves inside
/// `connect`, a datagram inside `send`), after the socket's setup, so that an RTT is the
/// path's and not the setup's. The wall clock is the one kernel receive timestamps use.
#[derive(Debug, Clone, Copy)]
pub struct Sent {
    pub at: Instant,
    pub wall: SystemTime,
}

impl Sent {
    pub fn now() -> Sent {
        Sent {
            at: Instant::now(),
            wall: SystemTime::now(),
        }
    }
}

/// Opens, sets up and sends one probe. `Err`: an errno before anything left (no route here,
/// no free files, ...), with the time it was tried.
pub fn start(
    dest: SocketAddr,
    series: Series,
    ttl: u8,
    cfg: &Config,
) -> Result<(Socket, Kind, Sent), (io::Error, Sent)> {
    let mut sent = Sent::now();
    setup_and_send(dest, series, ttl, cfg, &mut sent).map_err(|e| (e, sent))
}

fn setup_and_send(
    dest: SocketAddr,
    series: Series,
    ttl: u8,
    cfg: &Config,
    sent: &mut Sent,
) -> io::Result<(Socket, Kind, Sent)> {
    let v6 = dest.is_ipv6();
    let (kind, port) = match series {
        Series::Main | Series::Plain => match cfg.proto {
            Proto::Tcp => (Kind::Stream, cfg.port),
            Proto::Udp => (Kind::Datagram, cfg.port),
        },
        Series::Distance(via) | Series::Pmtu { via, .. } => match via {
            Via::Echo => (Kind::Ping, 0),
            // The traced UDP port itself when it is the closed one of the distance probes.
            Via::Udp if cfg.proto == Proto::Udp => (Kind::Datagram, cfg.port),
            Via::Udp => (Kind::Datagram, UDP_BASE_PORT),
        },
    };
    let sock = match kind {
        Kind::Stream => Socket::new(Domain::for_address(dest), Type::STREAM.nonblocking(), None)?,
        Kind::Datagram => Socket::new(Domain::for_address(dest), Type::DGRAM.nonblocking(), None)?,
        Kind::Ping => ping_socket(v6)?,
    };
    recverr::enable(sock.as_raw_fd(), v6)?;
    // Receive timestamps: an RTT is not the time the loop took to look.
    let _ = recverr::enable_stamps(sock.as_raw_fd());
    let source = cfg.source.map(|ip| SocketAddr::new(ip, 0));
    bind_local(&sock, v6, source, cfg.interface.as_deref())?;
    // A plain connect keeps the system's TTL: what any client of the port gets.
    if series != Series::Plain {
        if v6 {
            sock.set_unicast_hops_v6(ttl as u32)?;
        } else {
            sock.set_ttl(ttl as u32)?;
        }
    }
    let size = match series {
        Series::Pmtu { size, .. } => {
            set_df_probe(&sock, v6)?;
            Some(size)
        }
        _ => None,
    };
    // A ping socket's "port" is its echo id, which the kernel picks: 0 here.
    let mut to = dest;
    to.set_port(port);
    let to = SockAddr::from(to);
    *sent = Sent::now();
    match sock.connect(&to) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(e),
    }
    match kind {
        Kind::Stream => {}
        Kind::Datagram => {
            let mut payload = UDP_PAYLOAD.to_vec();
            if let Some(s) = size {
                payload.resize(s.saturating_sub(header_len(v6)) as usize, 0);
            }
            *sent = Sent::now();
            sock.send(&payload)?;
        }
        Kind::Ping => {
            // Echo request; the kernel fills in the id and the checksum.
            let mut msg = vec![if v6 { 128 } else { 8 }, 0, 0, 0, 0, 0, 0, ttl];
            msg.extend_from_slice(UDP_PAYLOAD);
            if let Some(s) = size {
                // The ICMP header counts as the UDP header does in `header_len`.
                msg.resize(s.saturating_sub(header_len(v6)) as usize + 8, 0);
            }
            *sent = Sent::now();
            sock.send(&msg)?;
        }
    }
    Ok((sock, kind, *sent))
}

/// DF set and the kernel's learnt path MTU ignored: each probe goes out at its own size, and
/// a router on the path that cannot forward it says so (or stays silent: a black hole).
fn set_df_probe(sock: &Socket, v6: bool) -> io::Result<()> {
    let set = |level, opt, val| crate::net::sys::set_int(sock.as_raw_fd(), level, opt, val);
    if v6 {
        set(
            libc::SOL_IPV6,
            libc::IPV6_MTU_DISCOVER,
            libc::IPV6_PMTUDISC_PROBE,
        )?;
        set(libc::SOL_IPV6, libc::IPV6_DONTFRAG, 1)
    } else {
        set(libc::SOL_IP, libc::IP_MTU_DISCOVER, libc::IP_PMTUDISC_PROBE)
    }
}

/// The MTU of the interface the route to `dest` leaves by: a datagram too large for it is
/// refused locally with EMSGSIZE, and the error queue carries that MTU.
pub fn local_mtu(dest: SocketAddr, cfg: &Config) -> Option<u32> {
    let v6 = dest.is_ipv6();
    let sock = Socket::new(Domain::for_address(dest), Type::DGRAM.nonblocking(), None).ok()?;
    recverr::enable(sock.as_raw_fd(), v6).ok()?;
    let source = cfg.source.map(|ip| SocketAddr::new(ip, 0));
    bind_local(&sock, v6, source, cfg.interface.as_deref()).ok()?;
    set_df_probe(&sock, v6).ok()?;
    let mut to = dest;
    to.set_port(UDP_BASE_PORT);
    sock.connect(&SockAddr::from(to)).ok()?;
    // Nothing leaves: 65000 bytes exceed every interface's MTU but loopback's.
    let big = vec![0u8; 65000];
    match sock.send(&big) {
        Err(e) if e.raw_os_error() == Some(libc::EMSGSIZE) => {
            let e = recverr::read_entry(sock.as_raw_fd())?;
            (e.origin == recverr::ORIGIN_LOCAL && e.info > 0).then_some(e.info)
        }
        _ => None,
    }
}

/// A socket that keeps the kernel's receive timestamps on while it lives, returned once they
/// are: the kernel turns them on a little after the first socket asks (from a work queue),
/// and packets that come in before carry none. It sends itself datagrams on loopback (and
/// nowhere else) until one comes back stamped, for at most 20 ms.
pub fn stamps_keeper() -> Option<std::net::UdpSocket> {
    let s = std::net::UdpSocket::bind("127.0.0.1:0")
        .or_else(|_| std::net::UdpSocket::bind("[::1]:0"))
        .ok()?;
    s.set_nonblocking(true).ok()?;
    recverr::enable_stamps(s.as_raw_fd()).ok()?;
    s.connect(s.local_addr().ok()?).ok()?;
    let deadline = Instant::now() + std::time::Duration::from_millis(20);
    let mut buf = [0u8; 16];
    while Instant::now() < deadline {
        let _ = s.send(b"stamp");
        std::thread::sleep(std::time::Duration::from_micros(200));
        while let Ok((_, stamp)) = recverr::recv_stamped(s.as_raw_fd(), &mut buf) {
            if stamp.is_some() {
                return Some(s);
            }
        }
    }
    Some(s)
}
