//! inet_diag: the dump request for one (family, protocol) and the parsing of its replies
//! (`struct inet_diag_msg` and its attributes: TCP_INFO, the congestion control, the socket
//! memory). The layouts are the kernel's UAPI (linux/inet_diag.h, linux/tcp.h), read by
//! offset so that a kernel with a shorter or longer `tcp_info` still parses.
use super::netlink::{u32_at, u64_at, Attrs};
use super::record::{
    Endpoint, Family, MemInfo, Proto, SocketRecord, State, TcpInfo, Timer, TimerKind,
};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};

/// `sizeof(struct inet_diag_msg)`.
const MSG_LEN: usize = 72;
const INET_DIAG_REQ_BYTECODE: u16 = 1;
const INET_DIAG_INFO: u16 = 2;
const INET_DIAG_CONG: u16 = 4;
const INET_DIAG_SKMEMINFO: u16 = 7;
/// Sent for IPv6 sockets in LISTEN or CLOSE: IPV6_V6ONLY, one byte.
const INET_DIAG_SKV6ONLY: u16 = 11;
/// The extension bits: `1 << (attribute - 1)`.
const EXT_INFO: u8 = 1 << (INET_DIAG_INFO - 1);
const EXT_CONG: u8 = 1 << (INET_DIAG_CONG - 1);
const EXT_SKMEMINFO: u8 = 1 << (INET_DIAG_SKMEMINFO - 1);

/// `struct inet_diag_req_v2` for a dump of `proto` sockets of `family` in `states` (a mask
/// of `1 << state`), with TCP_INFO, congestion and memory when `info`, and an optional
/// bytecode filter (see [`super::bytecode`]).
pub fn request(family: Family, proto: Proto, states: u32, info: bool, bytecode: &[u8]) -> Vec<u8> {
    let mut r = Vec::with_capacity(56 + 4 + bytecode.len());
    r.push(match family {
        Family::Inet6 => libc::AF_INET6 as u8,
        _ => libc::AF_INET as u8,
    });
    r.push(match proto {
        Proto::Udp => libc::IPPROTO_UDP as u8,
        _ => libc::IPPROTO_TCP as u8,
    });
    r.push(if info {
        EXT_INFO | EXT_CONG | EXT_SKMEMINFO
    } else {
        0
    });
    r.push(0);
    r.extend_from_slice(&states.to_ne_bytes());
    // inet_diag_sockid: zero (no particular socket); cookie "none" is all ones.
    r.extend_from_slice(&[0u8; 40]);
    r.extend_from_slice(&[0xff; 8]);
    if !bytecode.is_empty() {
        let len = 4 + bytecode.len();
        r.extend_from_slice(&(len as u16).to_ne_bytes());
        r.extend_from_slice(&INET_DIAG_REQ_BYTECODE.to_ne_bytes());
        r.extend_from_slice(bytecode);
    }
    r
}

/// One reply of an inet dump of `proto`, as a record (no owner yet). `None` for a message too
/// short to be one.
pub fn parse(msg: &[u8], proto: Proto) -> Option<SocketRecord> {
    if msg.len() < MSG_LEN {
        return None;
    }
    let family = match msg[0] as i32 {
        libc::AF_INET => Family::Inet,
        libc::AF_INET6 => Family::Inet6,
        _ => return None,
    };
    let state = State(msg[1]);
    let ifindex = u32_at(msg, 40)?;
    let addr = |at: usize, port_at: usize| -> SocketAddr {
        let port = u16::from_be_bytes([msg[port_at], msg[port_at + 1]]);
        match family {
            Family::Inet6 => {
                let b: [u8; 16] = msg[at..at + 16].try_into().expect("16 bytes");
                let ip = Ipv6Addr::from(b);
                // A link-local address means nothing without its link: the bound interface.
                let scope = if ip.segments()[0] & 0xffc0 == 0xfe80 {
                    ifindex
                } else {
                    0
                };
                SocketAddr::V6(SocketAddrV6::new(ip, port, 0, scope))
            }
            _ => {
                let b: [u8; 4] = msg[at..at + 4].try_into().expect("4 bytes");
                SocketAddr::new(IpAddr::V4(Ipv4Addr::from(b)), port)
            }
        }
    };
    let local = addr(8, 4);
    let peer = addr(24, 6);
    let cookie = u64::from(u32_at(msg, 44)?) | u64::from(u32_at(msg, 48)?) << 32;
    let expires = u32_at(msg, 52)?;
    let inode = u32_at(msg, 68)?;
    let timer_kind = match msg[2] {
        1 => Some(TimerKind::Retransmit),
        2 => Some(TimerKind::Keepalive),
        3 => Some(TimerKind::TimeWait),
        4 => Some(TimerKind::ZeroWindowProbe),
        _ => None,
    };
    let timer = timer_kind.map(|kind| Timer {
        kind,
        left_ms: expires,
        count: msg[3],
    });
    // TIME_WAIT and request sockets belong to no one: the kernel reports uid 0, inode 0.
    let ownerless = inode == 0 && matches!(state.0, 3 | 6 | 12);
    let mut rec = SocketRecord {
        proto,
        family,
        unix_type: None,
        state: if state.0 == 12 { State(3) } else { state },
        local: Some(Endpoint::Inet(local)),
        peer: (!peer.ip().is_unspecified() || peer.port() != 0).then_some(Endpoint::Inet(peer)),
        peer_inode: None,
        v6only: None,
        recv_q: u32_at(msg, 56)?,
        send_q: u32_at(msg, 60)?,
        inode,
        uid: (!ownerless).then(|| u32_at(msg, 64)).flatten(),
        pid: None,
        command: None,
        holders: Vec::new(),
        tcp_info: None,
        mem: None,
        timer,
        cookie,
    };
    let mut congestion = None;
    for (kind, value) in Attrs::new(&msg[MSG_LEN..]) {
        match kind {
            INET_DIAG_INFO => rec.tcp_info = tcp_info(value),
            INET_DIAG_CONG => {
                let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
                congestion = Some(String::from_utf8_lossy(&value[..end]).into_owned());
            }
            INET_DIAG_SKMEMINFO => rec.mem = meminfo(value),
            INET_DIAG_SKV6ONLY => rec.v6only = value.first().map(|&b| b != 0),
            _ => {}
        }
    }
    if let Some(t) = rec.tcp_info.as_mut() {
        t.congestion = congestion;
    }
    Some(rec)
}

/// `struct tcp_info`, by offset: the fields up to `tcpi_total_retrans` (Linux 2.6) are
/// required, later ones are read where present.
pub fn tcp_info(b: &[u8]) -> Option<TcpInfo> {
    let u = |off| u32_at(b, off);
    let ms = |us: u32| f64::from(us) / 1000.0;
    let ssthresh = u(76)?;
    Some(TcpInfo {
        rtt_ms: ms(u(68)?),
        rttvar_ms: ms(u(72)?),
        min_rtt_ms: u(148).map(ms),
        rto_ms: ms(u(8)?),
        cwnd: u(80)?,
        // TCP_INFINITE_SSTHRESH until the first loss.
        ssthresh: (ssthresh < 0x7fff_ffff).then_some(ssthresh),
        mss: u(16)?,
        rcv_mss: u(20)?,
        retransmits: b[2],
        total_retrans: u(100)?,
        unacked: u(24)?,
        lost: u(32)?,
        bytes_sent: u64_at(b, 200),
        bytes_acked: u64_at(b, 120),
        bytes_received: u64_at(b, 128),
        bytes_retrans: u64_at(b, 208),
        segs_out: u(136),
        segs_in: u(140),
        notsent_bytes: u(144),
        delivery_rate: u64_at(b, 160),
        // ~0: no pacing limit.
        pacing_rate: u64_at(b, 104).filter(|&r| r != u64::MAX),
        last_send_ms: u(44)?,
        last_recv_ms: u(52)?,
        last_ack_recv_ms: u(56)?,
        snd_wscale: b[6] & 0x0f,
        rcv_wscale: b[6] >> 4,
        snd_wnd: u(228),
        rcv_space: u(96)?,
        congestion: None,
    })
}

/// `SK_MEMINFO_*`: an array of u32, the first eight since Linux 3.x, drops since 4.x.
pub fn meminfo(b: &[u8]) -> Option<MemInfo> {
    let u = |i: usize| u32_at(b, i * 4);
    Some(MemInfo {
        rmem_alloc: u(0)?,
        rcvbuf: u(1)?,
        wmem_alloc: u(2)?,
        sndbuf: u(3)?,
        fwd_alloc: u(4)?,
        wmem_queued: u(5)?,
        optmem: u(6)?,
        backlog: u(7).unwrap_or(0),
        drops: u(8).unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reply as the kernel lays it out: an established IPv4 TCP socket with a keepalive
    /// timer and a congestion attribute.
    fn message() -> Vec<u8> {
        let mut m = vec![libc::AF_INET as u8, 1, 2, 0];
        m.extend_from_slice(&8080u16.to_be_bytes());
        m.extend_from_slice(&51234u16.to_be_bytes());
        let mut src = [0u8; 16];
        src[..4].copy_from_slice(&[10, 0, 0, 2]);
        let mut dst = [0u8; 16];
        dst[..4].copy_from_slice(&[10, 0, 0, 9]);
        m.extend_from_slice(&src);
        m.extend_from_slice(&dst);
        m.extend_from_slice(&0u32.to_ne_bytes()); // if
        m.extend_from_slice(&7u32.to_ne_bytes()); // cookie
        m.extend_from_slice(&1u32.to_ne_bytes());
        for v in [7_200_000_u32, 3, 5, 1000, 4242] {
            m.extend_from_slice(&v.to_ne_bytes());
        }
        m.extend_from_slice(&[9, 0, 4, 0]);
        m.extend_from_slice(b"cubic\0\0\0");
        m
    }

    #[test]
    fn an_inet_message_becomes_a_record() {
        let r = parse(&message(), Proto::Tcp).unwrap();
        assert_eq!(r.family, Family::Inet);
        assert_eq!(r.state.name(), "established");
        assert_eq!(r.local.unwrap().to_string(), "10.0.0.2:8080");
        assert_eq!(r.peer.unwrap().to_string(), "10.0.0.9:51234");
        assert_eq!(
            (r.recv_q, r.send_q, r.uid, r.inode),
            (3, 5, Some(1000), 4242)
        );
        assert_eq!(r.cookie, 7 | 1 << 32);
        let t = r.timer.unwrap();
        assert_eq!((t.kind, t.left_ms), (TimerKind::Keepalive, 7_200_000));
        // Congestion alone (no TCP_INFO) does not make a tcp_info.
        assert!(r.tcp_info.is_none());
        assert!(parse(&message()[..60], Proto::Tcp).is_none());
    }

    #[test]
    fn a_short_tcp_info_still_parses_and_a_too_short_one_does_not() {
        let mut b = vec![0u8; 104];
        b[2] = 1;
        b[6] = 0x75; // snd_wscale 5, rcv_wscale 7
        b[68..72].copy_from_slice(&1500u32.to_ne_bytes());
        b[76..80].copy_from_slice(&0x7fff_ffffu32.to_ne_bytes());
        b[80..84].copy_from_slice(&10u32.to_ne_bytes());
        let t = tcp_info(&b).unwrap();
        assert_eq!((t.rtt_ms, t.cwnd, t.ssthresh), (1.5, 10, None));
        assert_eq!((t.snd_wscale, t.rcv_wscale, t.retransmits), (5, 7, 1));
        assert_eq!(
            (t.bytes_acked, t.delivery_rate, t.snd_wnd),
            (None, None, None)
        );
        assert!(tcp_info(&b[..100]).is_none());
    }

    /// The offsets agree with the kernel's own struct as getsockopt(TCP_INFO) fills it.
    #[test]
    fn offsets_match_getsockopt_tcp_info() {
        use std::os::fd::AsRawFd;
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let c = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let mut raw = [0u8; 512];
        let mut len = raw.len() as libc::socklen_t;
        // SAFETY: raw is writable for len bytes.
        let rc = unsafe {
            libc::getsockopt(
                c.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_INFO,
                raw.as_mut_ptr().cast(),
                &mut len,
            )
        };
        assert_eq!(rc, 0);
        let t = tcp_info(&raw[..len as usize]).unwrap();
        let s = crate::net::sys::tcp_info(c.as_raw_fd()).unwrap();
        assert_eq!(t.mss, s.tcpi_snd_mss);
        assert_eq!(t.rcv_mss, s.tcpi_rcv_mss);
        assert_eq!(t.cwnd, s.tcpi_snd_cwnd);
        assert_eq!(t.rcv_space, s.tcpi_rcv_space);
        assert!(t.bytes_acked.is_some() && t.snd_wnd.is_some());
    }
}
