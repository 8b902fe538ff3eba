//! Where a server listens: `PORT` (127.0.0.1), `ADDR:PORT`, `[V6]:PORT`, `localhost:PORT`
//! (serve, exporter); `serve` also takes a UNIX socket, `unix:PATH` or `unixgram:PATH`.
use crate::error::InputError;
use crate::net::unix::UnixTarget;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// A place `serve` listens on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listen {
    Inet(SocketAddr),
    Unix(UnixTarget),
}

/// What `serve` takes: an address as [`parse_listen`] reads it, or `unix:PATH` /
/// `unixgram:PATH` (`@NAME`: an abstract name), as [`super::unix::parse`] reads it.
pub fn parse_serve_listen(s: &str) -> Result<Listen, InputError> {
    match super::unix::parse(s)? {
        Some(t) => Ok(Listen::Unix(t)),
        None => parse_listen(s).map(Listen::Inet),
    }
}

/// `PORT`, `ADDR:PORT` or `[V6]:PORT`; `localhost` means 127.0.0.1.
pub fn parse_listen(s: &str) -> Result<SocketAddr, InputError> {
    let bad = |why: &str| InputError::new("listen address", s, why);
    let t = s.trim();
    if let Ok(p) = t.parse::<u16>() {
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), p));
    }
    if let Ok(a) = t.parse::<SocketAddr>() {
        return Ok(a);
    }
    if let Some(rest) = t.strip_prefix("localhost:") {
        if let Ok(p) = rest.parse::<u16>() {
            return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), p));
        }
    }
    if t.parse::<IpAddr>().is_ok()
        || t.strip_prefix('[')
            .and_then(|x| x.strip_suffix(']'))
            .is_some_and(|x| x.parse::<IpAddr>().is_ok())
    {
        return Err(bad(
            "a port is needed: ADDR:PORT, [V6]:PORT (port 0 picks one)",
        ));
    }
    Err(bad(
        "give PORT, ADDR:PORT or [V6]:PORT with an IP address and a port 0-65535, \
         e.g. 7000, 0.0.0.0:7000 or [::1]:0",
    ))
}
