//! The route the kernel picks for an address, as `ip route get` asks for it: one
//! RTM_GETROUTE request over NETLINK_ROUTE, and the answer's interface, preferred source,
//! gateway and MTU; or the errno that says why there is none (no route, an `unreachable`,
//! `prohibit` or `blackhole` route). Sends nothing on the network.
use netlink_sys::{protocols::NETLINK_ROUTE, Socket};
use serde::Serialize;
use std::io;
use std::net::IpAddr;

const RTM_NEWROUTE: u16 = 24;
const RTM_GETROUTE: u16 = 26;
const NLM_F_REQUEST: u16 = 0x1;
const NLMSG_ERROR: u16 = 2;
const NLMSG_HDRLEN: usize = 16;
/// `struct rtmsg`: family, dst_len, src_len, tos, table, protocol, scope, type, flags.
const RTMSG_LEN: usize = 12;
const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RTA_GATEWAY: u16 = 5;
const RTA_PREFSRC: u16 = 7;
const RTA_METRICS: u16 = 8;
const RTAX_MTU: u16 = 2;
const RTN_LOCAL: u8 = 2;

/// The route to one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    /// The interface the packets leave by.
    pub dev: Option<String>,
    /// The source address the kernel picks.
    pub src: Option<IpAddr>,
    /// The next hop, when the address is not on a link of this host.
    pub gateway: Option<IpAddr>,
    /// The route's MTU, else the interface's.
    pub mtu: Option<u32>,
    /// The address is this host's own.
    pub local: bool,
}

/// Why the kernel has no route to an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoRoute {
    /// No route matches (ENETUNREACH).
    None,
    /// An `unreachable` route matches (EHOSTUNREACH).
    Unreachable,
    /// A `prohibit` route matches (EACCES).
    Prohibit,
    /// A `blackhole` route matches (EINVAL).
    Blackhole,
}

impl NoRoute {
    pub fn text(self) -> &'static str {
        match self {
            NoRoute::None => "no route (ENETUNREACH)",
            NoRoute::Unreachable => "an unreachable route (EHOSTUNREACH)",
            NoRoute::Prohibit => "a prohibit route (EACCES)",
            NoRoute::Blackhole => "a blackhole route (EINVAL)",
        }
    }

    fn from_errno(e: i32) -> Option<NoRoute> {
        match e {
            libc::ENETUNREACH => Some(NoRoute::None),
            libc::EHOSTUNREACH => Some(NoRoute::Unreachable),
            libc::EACCES | libc::EPERM => Some(NoRoute::Prohibit),
            libc::EINVAL => Some(NoRoute::Blackhole),
            _ => None,
        }
    }
}

/// The route to `ip`: `Ok(Ok(route))`, `Ok(Err(why there is none))`, or an error of the
/// netlink conversation itself (local trouble).
pub fn get(ip: IpAddr) -> io::Result<Result<Route, NoRoute>> {
    let mut sock = Socket::new(NETLINK_ROUTE)?;
    sock.bind_auto()?;
    let (family, dst): (u8, Vec<u8>) = match ip {
        IpAddr::V4(a) => (libc::AF_INET as u8, a.octets().to_vec()),
        IpAddr::V6(a) => (libc::AF_INET6 as u8, a.octets().to_vec()),
    };
    let attr_len = 4 + dst.len();
    let len = NLMSG_HDRLEN + RTMSG_LEN + align4(attr_len);
    let seq: u32 = 1;
    let mut msg = Vec::with_capacity(len);
    msg.extend_from_slice(&(len as u32).to_ne_bytes());
    msg.extend_from_slice(&RTM_GETROUTE.to_ne_bytes());
    msg.extend_from_slice(&NLM_F_REQUEST.to_ne_bytes());
    msg.extend_from_slice(&seq.to_ne_bytes());
    msg.extend_from_slice(&0u32.to_ne_bytes());
    let mut rtm = [0u8; RTMSG_LEN];
    rtm[0] = family;
    rtm[1] = (dst.len() * 8) as u8;
    msg.extend_from_slice(&rtm);
    msg.extend_from_slice(&(attr_len as u16).to_ne_bytes());
    msg.extend_from_slice(&RTA_DST.to_ne_bytes());
    msg.extend_from_slice(&dst);
    msg.resize(len, 0);
    sock.send_to(&msg, &netlink_sys::SocketAddr::new(0, 0), 0)?;
    let mut buf = Vec::with_capacity(16 * 1024);
    loop {
        buf.clear();
        match sock.recv(&mut buf, 0) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        if let Some(answer) = parse(&buf, seq)? {
            return Ok(answer);
        }
    }
}

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The answer in one batch of messages, if it is there (`None`: none of them is ours).
fn parse(buf: &[u8], seq: u32) -> io::Result<Option<Result<Route, NoRoute>>> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "a truncated netlink message");
    let mut pos = 0;
    while pos + NLMSG_HDRLEN <= buf.len() {
        let len = u32_at(buf, pos).ok_or_else(bad)? as usize;
        let ty = u16_at(buf, pos + 4).ok_or_else(bad)?;
        let got_seq = u32_at(buf, pos + 8).ok_or_else(bad)?;
        if len < NLMSG_HDRLEN || pos + len > buf.len() {
            return Err(bad());
        }
        let payload = &buf[pos + NLMSG_HDRLEN..pos + len];
        pos += align4(len);
        if got_seq != seq {
            continue;
        }
        match ty {
            NLMSG_ERROR => {
                let e = -(u32_at(payload, 0).ok_or_else(bad)? as i32);
                if e == 0 {
                    continue;
                }
                return match NoRoute::from_errno(e) {
                    Some(n) => Ok(Some(Err(n))),
                    None => Err(io::Error::from_raw_os_error(e)),
                };
            }
            RTM_NEWROUTE => return Ok(Some(Ok(route(payload).ok_or_else(bad)?))),
            _ => continue,
        }
    }
    Ok(None)
}

/// The fields of an RTM_NEWROUTE answer.
fn route(p: &[u8]) -> Option<Route> {
    let family = *p.first()?;
    let kind = *p.get(7)?;
    let mut r = Route {
        dev: None,
        src: None,
        gateway: None,
        mtu: None,
        local: kind == RTN_LOCAL,
    };
    let addr = |b: &[u8]| -> Option<IpAddr> {
        match (family as i32, b.len()) {
            (libc::AF_INET, 4) => Some(IpAddr::from(<[u8; 4]>::try_from(b).ok()?)),
            (libc::AF_INET6, 16) => Some(IpAddr::from(<[u8; 16]>::try_from(b).ok()?)),
            _ => None,
        }
    };
    for (ty, data) in attrs(p.get(RTMSG_LEN..)?) {
        match ty {
            RTA_OIF => r.dev = u32_at(data, 0).and_then(if_name),
            RTA_PREFSRC => r.src = addr(data),
            RTA_GATEWAY => r.gateway = addr(data),
            RTA_METRICS => {
                for (m, v) in attrs(data) {
                    if m == RTAX_MTU {
                        r.mtu = u32_at(v, 0).filter(|&m| m > 0);
                    }
                }
            }
            _ => {}
        }
    }
    if r.mtu.is_none() {
        r.mtu = r.dev.as_deref().and_then(if_mtu);
    }
    Some(r)
}

/// The route attributes in `b`: (type, data).
fn attrs(b: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 4 <= b.len() {
        let (Some(len), Some(ty)) = (u16_at(b, pos), u16_at(b, pos + 2)) else {
            break;
        };
        let len = len as usize;
        if len < 4 || pos + len > b.len() {
            break;
        }
        out.push((ty & 0x3fff, &b[pos + 4..pos + len]));
        pos += align4(len);
    }
    out
}

fn if_name(index: u32) -> Option<String> {
    crate::net::zone::interface_name(index)
}

/// The interface's MTU, from sysfs.
fn if_mtu(dev: &str) -> Option<u32> {
    std::fs::read_to_string(format!("/sys/class/net/{dev}/mtu"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_local_by_lo() {
        let r = get("127.0.0.1".parse().unwrap()).unwrap().unwrap();
        assert!(r.local, "{r:?}");
        assert_eq!(r.dev.as_deref(), Some("lo"));
        assert_eq!(r.src, Some("127.0.0.1".parse().unwrap()));
        assert!(r.gateway.is_none());
    }

    #[test]
    fn an_error_message_is_the_reason_there_is_no_route() {
        let mut msg = Vec::new();
        msg.extend_from_slice(&36u32.to_ne_bytes());
        msg.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
        msg.extend_from_slice(&0u16.to_ne_bytes());
        msg.extend_from_slice(&7u32.to_ne_bytes());
        msg.extend_from_slice(&0u32.to_ne_bytes());
        msg.extend_from_slice(&(-libc::EHOSTUNREACH).to_ne_bytes());
        msg.extend_from_slice(&[0u8; 16]);
        assert_eq!(parse(&msg, 7).unwrap(), Some(Err(NoRoute::Unreachable)));
        assert_eq!(parse(&msg, 8).unwrap(), None, "another request's answer");
        msg.truncate(20);
        msg[0] = 36;
        assert!(parse(&msg, 7).is_err(), "truncated");
    }
}
