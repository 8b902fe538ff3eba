//! IPv6 zones: the interface a link-local address belongs to, by name or index, and socket
//! addresses shown with the zone's name (`[fe80::1%eth0]:22`).
use serde::Serialize;
use std::fmt;
use std::net::SocketAddr;

/// A socket address shown with its zone by interface name: `[fe80::1%eth0]:22` (the
/// interface's index when it has no name any more).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShownAddr(pub SocketAddr);

impl fmt::Display for ShownAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            SocketAddr::V6(a) if a.scope_id() != 0 => match interface_name(a.scope_id()) {
                Some(n) => write!(f, "[{}%{n}]:{}", a.ip(), a.port()),
                None => write!(f, "{a}"),
            },
            a => write!(f, "{a}"),
        }
    }
}

impl Serialize for ShownAddr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Serializes a socket address as [`ShownAddr`] does.
pub fn ser_shown<S: serde::Serializer>(a: &SocketAddr, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&ShownAddr(*a))
}

/// A socket to ask the kernel about interfaces on (SIOCGIFNAME, SIOCGIFINDEX), as
/// if_indextoname(3) and if_nametoindex(3) do; the answers are this network namespace's.
fn ioctl_socket() -> Option<socket2::Socket> {
    use socket2::{Domain, Socket, Type};
    Socket::new(Domain::IPV4, Type::DGRAM, None)
        .or_else(|_| Socket::new(Domain::IPV6, Type::DGRAM, None))
        .ok()
}

/// The name of interface `index`, if there is one.
pub fn interface_name(index: u32) -> Option<String> {
    rustix::net::netdevice::index_to_name(ioctl_socket()?, index).ok()
}

/// The index of interface `name` (0: none).
pub fn interface_index(name: &str) -> u32 {
    if name.is_empty() || name.len() >= libc::IF_NAMESIZE || name.contains('\0') {
        return 0;
    }
    ioctl_socket()
        .and_then(|s| rustix::net::netdevice::name_to_index(s, name).ok())
        .unwrap_or(0)
}
