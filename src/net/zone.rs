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

/// The name of interface `index`, if there is one.
pub fn interface_name(index: u32) -> Option<String> {
    let mut buf = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: buf holds IF_NAMESIZE bytes, as if_indextoname requires.
    let p = unsafe { libc::if_indextoname(index, buf.as_mut_ptr()) };
    if p.is_null() {
        return None;
    }
    // SAFETY: on success buf holds a NUL-terminated name.
    let c = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) };
    Some(c.to_string_lossy().into_owned())
}

/// The index of interface `name` (0: none).
pub fn interface_index(name: &str) -> u32 {
    match std::ffi::CString::new(name) {
        // SAFETY: a valid NUL-terminated string.
        Ok(c) => unsafe { libc::if_nametoindex(c.as_ptr()) },
        Err(_) => 0,
    }
}
