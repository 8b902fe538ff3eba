//! IP_RECVERR / IPV6_RECVERR: the kernel queues the ICMP error that ended a connect on the
//! socket's error queue, with its type, code and the address that sent it. That is how a
//! reject by ICMP port unreachable is told from a TCP reset (both are ECONNREFUSED), and an
//! admin-prohibited reject from a host unreachable (both EHOSTUNREACH on IPv4), and who sent
//! it: the target, or a router on the way.
use super::{sys, Icmp};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::RawFd;
use std::time::{Duration, SystemTime};

const SO_EE_ORIGIN_ICMP: u8 = 2;
const SO_EE_ORIGIN_ICMP6: u8 = 3;

/// Asks the kernel to queue ICMP errors for this socket. An IPv6 socket gets IP_RECVERR as
/// well: connected to a v4-mapped address (`::ffff:192.0.2.2`) it receives ICMPv4 errors,
/// which some kernels queue only when the IPv4 option is set.
pub fn enable(fd: RawFd, v6: bool) -> std::io::Result<()> {
    if v6 {
        sys::set_int(fd, libc::SOL_IPV6, libc::IPV6_RECVERR, 1)?;
    }
    sys::set_int(fd, libc::SOL_IP, libc::IP_RECVERR, 1)
}

/// Reads the error queue and returns the first ICMP error on it, if any. Never blocks.
pub fn read_icmp(fd: RawFd) -> Option<Icmp> {
    // A few entries at most: a retransmitted SYN can draw a second ICMP.
    for _ in 0..4 {
        match read_one(fd) {
            Some(Some(icmp)) => return Some(icmp),
            Some(None) => continue,
            None => return None,
        }
    }
    None
}

/// `None`: the queue is empty; `Some(None)`: an entry that is not an ICMP error.
fn read_one(fd: RawFd) -> Option<Option<Icmp>> {
    let e = read_entry(fd)?;
    Some(e.is_icmp().then_some(e.icmp))
}

/// SO_EE_ORIGIN_LOCAL: an error raised on this host (EMSGSIZE for a datagram larger than the
/// interface's MTU, with that MTU in `info`).
pub const ORIGIN_LOCAL: u8 = 1;

/// One entry of the error queue, whole: where it came from, the errno it stands for, the
/// ICMP type, code and sender, and `ee_info` (the MTU a router reported in a frag-needed or
/// packet-too-big, or the local MTU for a local EMSGSIZE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// SO_EE_ORIGIN_*: [`ORIGIN_LOCAL`], 2 (ICMP), 3 (ICMPv6), ...
    pub origin: u8,
    pub errno: u32,
    pub icmp: Icmp,
    pub info: u32,
    /// When the message reached this host (the kernel's receive timestamp), with
    /// [`enable_stamps`]; `None` when the packet carried none.
    pub stamp: Option<SystemTime>,
}

impl Entry {
    /// An ICMP or ICMPv6 message from the network.
    pub fn is_icmp(&self) -> bool {
        self.origin == SO_EE_ORIGIN_ICMP || self.origin == SO_EE_ORIGIN_ICMP6
    }
}

/// SO_TIMESTAMPING (asm-generic's SO_TIMESTAMPING_OLD, which libc does not name on Linux);
/// its control message, SCM_TIMESTAMPING, has the same number.
const SO_TIMESTAMPING: i32 = 37;

/// Asks the kernel for the software receive timestamp of each packet this socket reads, the
/// ICMP errors of its error queue included: the time the packet came in, not the time the
/// program got round to reading it. A packet that came in before timestamps were on carries
/// none (SO_TIMESTAMPING reports nothing then, where SO_TIMESTAMP would report the time of the
/// read).
pub fn enable_stamps(fd: RawFd) -> std::io::Result<()> {
    let flags = libc::SOF_TIMESTAMPING_RX_SOFTWARE | libc::SOF_TIMESTAMPING_SOFTWARE;
    sys::set_int(fd, libc::SOL_SOCKET, SO_TIMESTAMPING, flags as i32)
}

/// The software timestamp of an SCM_TIMESTAMPING control message, if set.
///
/// # Safety
/// `cmsg` points at a control message the kernel filled.
unsafe fn stamp_of(cmsg: *const libc::cmsghdr) -> Option<SystemTime> {
    let c = &*cmsg;
    if c.cmsg_level != libc::SOL_SOCKET || c.cmsg_type != SO_TIMESTAMPING {
        return None;
    }
    // struct scm_timestamping { struct timespec ts[3]; }: ts[0] is the software stamp.
    let ts = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg) as *const libc::timespec);
    if ts.tv_sec <= 0 {
        return None;
    }
    Some(SystemTime::UNIX_EPOCH + Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

/// Receives one datagram (never blocks) with its receive timestamp (see [`enable_stamps`]).
pub fn recv_stamped(fd: RawFd, buf: &mut [u8]) -> std::io::Result<(usize, Option<SystemTime>)> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr() as *mut libc::c_void,
        iov_len: buf.len(),
    };
    let mut control = [0u64; 32];
    // SAFETY: msghdr is plain data; zeroed is a valid empty header.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr() as *mut libc::c_void;
    msg.msg_controllen = std::mem::size_of_val(&control) as _;
    // SAFETY: msg points at buffers that live across the call.
    let n = unsafe { libc::recvmsg(fd, &mut msg, libc::MSG_DONTWAIT) };
    if n < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let mut stamp = None;
    // SAFETY: walking the control buffer the kernel filled, with the libc CMSG macros.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            stamp = stamp.or(stamp_of(cmsg));
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    Ok((n as usize, stamp))
}

/// Reads one entry of the error queue; `None` when it is empty. Never blocks.
pub fn read_entry(fd: RawFd) -> Option<Entry> {
    let mut data = [0u8; 64];
    let mut iov = libc::iovec {
        iov_base: data.as_mut_ptr() as *mut libc::c_void,
        iov_len: data.len(),
    };
    // u64 for alignment of the cmsg headers.
    let mut control = [0u64; 64];
    // SAFETY: msghdr is plain data; zeroed is a valid empty header.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr() as *mut libc::c_void;
    msg.msg_controllen = std::mem::size_of_val(&control) as _;
    // SAFETY: msg points at buffers that live across the call.
    let n = unsafe { libc::recvmsg(fd, &mut msg, libc::MSG_ERRQUEUE | libc::MSG_DONTWAIT) };
    if n < 0 {
        return None;
    }
    let mut stamp = None;
    let mut entry = None;
    // SAFETY: walking the control buffer the kernel filled, with the libc CMSG macros.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            stamp = stamp.or(stamp_of(cmsg));
            let c = &*cmsg;
            let is_err = (c.cmsg_level == libc::SOL_IP && c.cmsg_type == libc::IP_RECVERR)
                || (c.cmsg_level == libc::SOL_IPV6 && c.cmsg_type == libc::IPV6_RECVERR);
            if is_err && entry.is_none() {
                let ee_ptr = libc::CMSG_DATA(cmsg) as *const libc::sock_extended_err;
                let ee = std::ptr::read_unaligned(ee_ptr);
                // The origin, not the socket's family, says which ICMP's type and code these
                // are: an IPv6 socket to a v4-mapped address gets ICMPv4 errors, from a
                // v4-mapped sender.
                let v6 = ee.ee_origin == SO_EE_ORIGIN_ICMP6;
                let from = offender(ee_ptr.add(1) as *const u8).map(|a| match a {
                    IpAddr::V6(m) if !v6 => m.to_ipv4_mapped().map_or(a, IpAddr::V4),
                    a => a,
                });
                entry = Some(Entry {
                    origin: ee.ee_origin,
                    errno: ee.ee_errno,
                    icmp: Icmp {
                        kind: ee.ee_type,
                        code: ee.ee_code,
                        from,
                        v6,
                    },
                    info: ee.ee_info,
                    stamp: None,
                });
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    if let Some(e) = entry {
        return Some(Entry { stamp, ..e });
    }
    // An entry without an extended error: nothing to tell, but the queue was not empty.
    Some(Entry {
        origin: 0,
        errno: 0,
        icmp: Icmp {
            kind: 0,
            code: 0,
            from: None,
            v6: false,
        },
        info: 0,
        stamp,
    })
}

/// SO_EE_OFFENDER: the sockaddr right after the extended error.
///
/// # Safety
/// `p` points into a control message holding a sock_extended_err and its offender.
unsafe fn offender(p: *const u8) -> Option<IpAddr> {
    let family = std::ptr::read_unaligned(p as *const libc::sa_family_t);
    match family as i32 {
        libc::AF_INET => {
            let sa = std::ptr::read_unaligned(p as *const libc::sockaddr_in);
            Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(sa.sin_addr.s_addr))))
        }
        libc::AF_INET6 => {
            let sa = std::ptr::read_unaligned(p as *const libc::sockaddr_in6);
            Some(IpAddr::V6(Ipv6Addr::from(sa.sin6_addr.s6_addr)))
        }
        _ => None,
    }
}
