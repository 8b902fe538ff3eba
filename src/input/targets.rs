//! Probe targets from the command line: names, IPv4 and IPv6 literals (`[::1]` too), CIDR
//! blocks, IPv4 ranges (`10.0.0.1-20`, `10.0.0.1-10.0.1.5`) and comma lists of them.
//! IPv6 link-local addresses take a zone as nmap and ncat write it: `fe80::1%eth0`,
//! `[fe80::1%eth0]` or `fe80::1%3` (an interface index).
//! Parsing is pure but for a zone's interface name, looked up here (if_nametoindex); names
//! are resolved afterwards by [`resolve_targets`] through [`crate::resolve::lookup`].
use crate::error::InputError;
use crate::net::zone::{interface_index, interface_name};
pub use crate::net::zone::{ser_shown, ShownAddr};
use crate::net::Proto;
use crate::resolve::{self, Family, ResolveError};
use serde::Serialize;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::sync::Arc;

/// The most addresses one CIDR block or range may expand to: a /16 of IPv4, a /112 of IPv6.
/// Beyond that a typo (`/8` for `/28`) would start a scan of millions of hosts.
pub const MAX_BLOCK: u128 = 65536;

/// One item of a target list, before resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSpec {
    /// A name to resolve; every address it has is probed.
    Name(String),
    /// Addresses given literally (one literal, or a block or range expanded).
    Addrs(Vec<IpAddr>),
    /// A link-local IPv6 address with its zone (`fe80::1%eth0`).
    Zoned(Ipv6Addr, Zone),
}

/// The zone of a link-local IPv6 address: the text given (`eth0`, `3`) and the interface
/// index it names (the sockaddr's scope id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Zone {
    pub text: Arc<str>,
    pub index: u32,
}

/// One address to probe and the target it came from (the name, or the address itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    pub addr: IpAddr,
    /// Link-local IPv6 only: the interface given with `%`.
    pub zone: Option<Zone>,
}

impl Target {
    /// The address to connect to, port 0: the scope id is set for a zoned address. Computed
    /// once per target; the engines set the port per probe.
    pub fn sockaddr(&self) -> SocketAddr {
        match (self.addr, &self.zone) {
            (IpAddr::V6(a), Some(z)) => SocketAddr::V6(SocketAddrV6::new(a, 0, 0, z.index)),
            (ip, _) => SocketAddr::new(ip, 0),
        }
    }

    /// The address as shown: `fe80::1%eth0` with a zone.
    pub fn shown(&self) -> ZonedIp {
        ZonedIp {
            ip: self.addr,
            zone: self.zone.as_ref().map(|z| z.text.clone()),
        }
    }

    /// A link-local IPv6 address without a zone: the kernel cannot tell which link is meant
    /// (connect fails with EINVAL unless the socket is bound to a device).
    pub fn needs_zone(&self) -> bool {
        self.zone.is_none() && is_link_local(self.addr)
    }
}

/// fe80::/10.
pub fn is_link_local(ip: IpAddr) -> bool {
    matches!(ip, IpAddr::V6(a) if a.segments()[0] & 0xffc0 == 0xfe80)
}

/// An address with its zone as written (`fe80::1%eth0`); shown and serialized as that text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZonedIp {
    pub ip: IpAddr,
    pub zone: Option<Arc<str>>,
}

impl From<IpAddr> for ZonedIp {
    fn from(ip: IpAddr) -> ZonedIp {
        ZonedIp { ip, zone: None }
    }
}

impl fmt::Display for ZonedIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.zone {
            Some(z) => write!(f, "{}%{z}", self.ip),
            None => write!(f, "{}", self.ip),
        }
    }
}

impl Serialize for ZonedIp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.zone {
            None => self.ip.serialize(s),
            Some(_) => s.collect_str(self),
        }
    }
}

/// `ADDR%ZONE` (brackets already removed): a link-local IPv6 address and an interface name
/// or index that exists here.
fn zoned(item: &str, addr: &str, zone: &str) -> Result<TargetSpec, InputError> {
    let bad = |why: String| Err(InputError::new("target", item, why));
    let ip = match addr.parse::<IpAddr>() {
        Ok(ip) => ip,
        Err(_) => {
            return bad(
                "a zone (%IFACE) follows an IPv6 link-local address, e.g. fe80::1%eth0".into(),
            )
        }
    };
    let IpAddr::V6(v6) = ip else {
        return bad(format!(
            "a zone (%IFACE) is for IPv6 link-local addresses; an IPv4 address takes none: write {addr}"
        ));
    };
    if !is_link_local(ip) {
        return bad(format!(
            "a zone (%IFACE) is for link-local addresses (fe80::/10) only; {addr} is routed without one: write {addr}"
        ));
    }
    if zone.is_empty() {
        return bad("an interface name or index goes after '%', e.g. fe80::1%eth0".into());
    }
    let index = if zone.chars().all(|c| c.is_ascii_digit()) {
        match zone.parse::<u32>() {
            Ok(n) if n > 0 && interface_name(n).is_some() => n,
            _ => return bad(format!("no network interface with index {zone} here")),
        }
    } else {
        match interface_index(zone) {
            0 => return bad(format!("no network interface '{zone}' here")),
            n => n,
        }
    };
    Ok(TargetSpec::Zoned(
        v6,
        Zone {
            text: zone.into(),
            index,
        },
    ))
}

/// Parses a comma-separated target list (spaces around a comma are trimmed). A space inside
/// an item is refused as `resolve` refuses it (`'h€llo wörld'`: a host name has no spaces),
/// never taken for a second target: one rule for targets everywhere.
pub fn parse_targets(list: &str) -> Result<Vec<TargetSpec>, InputError> {
    let items: Vec<&str> = list.split(',').map(str::trim).collect();
    if items.iter().all(|i| i.is_empty()) {
        return Err(InputError::new(
            "target",
            list,
            "empty; give a name, an address, a CIDR block (192.0.2.0/30) or a range (192.0.2.1-20)",
        ));
    }
    let mut out = Vec::new();
    for item in items {
        if item.is_empty() {
            continue;
        }
        out.push(parse_item(item)?);
    }
    Ok(out)
}

fn parse_item(item: &str) -> Result<TargetSpec, InputError> {
    let bad = |why: String| Err(InputError::new("target", item, why));
    if let Some(why) = url_advice(item) {
        return bad(why);
    }
    if let Some((addr, prefix)) = item.split_once('/') {
        if addr.contains('%') {
            return bad("a zone (%IFACE) goes with one address, not with a CIDR block".into());
        }
        return cidr(item, addr, prefix).map(TargetSpec::Addrs);
    }
    let unbracketed = item
        .strip_prefix('[')
        .and_then(|i| i.strip_suffix(']'))
        .unwrap_or(item);
    if !unbracketed.starts_with('[') {
        if let Some((addr, zone)) = unbracketed.split_once('%') {
            return zoned(item, addr, zone);
        }
    }
    if let Some(inner) = item.strip_prefix('[') {
        let Some(inner) = inner.strip_suffix(']') else {
            if let Some((host, port)) = inner.split_once("]:") {
                return bad(format!(
                    "a port goes in PORTS, not after the host: write [{host}] {port}"
                ));
            }
            return bad("an opening '[' without the closing ']'".into());
        };
        return match inner.parse::<Ipv6Addr>() {
            Ok(a) => Ok(TargetSpec::Addrs(vec![IpAddr::V6(a)])),
            Err(_) => bad("brackets hold an IPv6 address, e.g. [::1]".into()),
        };
    }
    if let Ok(ip) = item.parse::<IpAddr>() {
        return Ok(TargetSpec::Addrs(vec![ip]));
    }
    if let Some((a, b)) = item.split_once('-') {
        if let Ok(first) = a.parse::<Ipv4Addr>() {
            return range(item, first, b).map(TargetSpec::Addrs);
        }
    }
    if let Some((host, port)) = item.split_once(':') {
        if !host.is_empty() && !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) {
            return bad(format!(
                "a port goes in PORTS, not after the host: write {host} {port}"
            ));
        }
    }
    if item.contains(':') {
        return bad("not an IPv6 address; a port goes in PORTS, not after the host".into());
    }
    if item.chars().all(|c| c.is_ascii_digit() || c == '.') && item.split('.').count() == 4 {
        return bad("not an IPv4 address: each of the four parts is 0-255".into());
    }
    resolve::validate(item)?;
    Ok(TargetSpec::Name(item.to_string()))
}

fn cidr(item: &str, addr: &str, prefix: &str) -> Result<Vec<IpAddr>, InputError> {
    let bad = |why: String| Err(InputError::new("target", item, why));
    let addr = addr
        .strip_prefix('[')
        .and_then(|a| a.strip_suffix(']'))
        .unwrap_or(addr);
    let Ok(ip) = addr.parse::<IpAddr>() else {
        return bad("a CIDR block needs an address before the '/', e.g. 192.0.2.0/28".into());
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let Ok(len) = prefix.parse::<u32>() else {
        return bad(format!("the prefix length after '/' is a number 0-{max}"));
    };
    if len > max || !prefix.chars().all(|c| c.is_ascii_digit()) {
        return bad(format!("the prefix length after '/' is a number 0-{max}"));
    }
    let size: u128 = 1u128 << (max - len).min(127);
    if max - len >= 127 || size > MAX_BLOCK {
        return bad(format!(
            "the block holds more than {MAX_BLOCK} addresses; split it or use a longer prefix"
        ));
    }
    Ok(match ip {
        IpAddr::V4(a) => {
            let base = u32::from(a) & !((size as u64 - 1) as u32);
            (0..size as u32)
                .map(|i| IpAddr::V4(Ipv4Addr::from(base + i)))
                .collect()
        }
        IpAddr::V6(a) => {
            let base = u128::from(a) & !(size - 1);
            (0..size)
                .map(|i| IpAddr::V6(Ipv6Addr::from(base + i)))
                .collect()
        }
    })
}

fn range(item: &str, first: Ipv4Addr, end: &str) -> Result<Vec<IpAddr>, InputError> {
    let bad = |why: &str| Err(InputError::new("target", item, why));
    let last = if let Ok(a) = end.parse::<Ipv4Addr>() {
        a
    } else if !end.is_empty() && end.len() <= 3 && end.chars().all(|c| c.is_ascii_digit()) {
        match end.parse::<u8>() {
            Ok(n) => {
                let o = first.octets();
                Ipv4Addr::new(o[0], o[1], o[2], n)
            }
            Err(_) => return bad("the end of the range is 0-255 (the last part of the address)"),
        }
    } else {
        return bad("a range is 192.0.2.1-20 or 192.0.2.1-192.0.2.20");
    };
    let (a, b) = (u32::from(first), u32::from(last));
    if a > b {
        return bad("the range is reversed; write it low-high");
    }
    if (b - a) as u128 + 1 > MAX_BLOCK {
        return bad("the range holds more than 65536 addresses; split it");
    }
    Ok((a..=b).map(|i| IpAddr::V4(Ipv4Addr::from(i))).collect())
}

/// A name that did not resolve, and why.
#[derive(Debug, Clone)]
pub struct Unresolved {
    pub name: String,
    pub error: ResolveError,
}

/// Resolves names once each (every address, or only the first with `first_only`) and keeps
/// the addresses `family` admits. Addresses keep the order given; a target that repeats is
/// probed once.
pub fn resolve_targets(
    specs: &[TargetSpec],
    family: Family,
    first_only: bool,
) -> (Vec<Target>, Vec<Unresolved>) {
    resolve_targets_with(specs, family, first_only, |n| {
        resolve::lookup(n, family).map(|(_, ips)| ips)
    })
}

/// [`resolve_targets`] with the addresses of each name from `lookup` (`probe --wait` puts
/// together the names found so far and the ones found later, in the order given).
pub fn resolve_targets_with(
    specs: &[TargetSpec],
    family: Family,
    first_only: bool,
    mut lookup: impl FnMut(&str) -> Result<Vec<IpAddr>, ResolveError>,
) -> (Vec<Target>, Vec<Unresolved>) {
    let mut out: Vec<Target> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut failed = Vec::new();
    for spec in specs {
        match spec {
            TargetSpec::Addrs(addrs) => {
                for a in addrs.iter().filter(|a| family.admits(a)) {
                    if seen.insert((a.to_string(), *a)) {
                        out.push(Target {
                            name: a.to_string(),
                            addr: *a,
                            zone: None,
                        });
                    }
                }
            }
            TargetSpec::Zoned(a, zone) => {
                let ip = IpAddr::V6(*a);
                let name = format!("{a}%{}", zone.text);
                if family.admits(&ip) && seen.insert((name.clone(), ip)) {
                    out.push(Target {
                        name,
                        addr: ip,
                        zone: Some(zone.clone()),
                    });
                }
            }
            TargetSpec::Name(n) => match lookup(n) {
                Ok(ips) => {
                    let take = if first_only { 1 } else { ips.len() };
                    for a in ips.into_iter().take(take) {
                        if seen.insert((n.clone(), a)) {
                            out.push(Target {
                                name: n.clone(),
                                addr: a,
                                zone: None,
                            });
                        }
                    }
                }
                Err(error) => failed.push(Unresolved {
                    name: n.clone(),
                    error,
                }),
            },
        }
    }
    (out, failed)
}

/// `HOST:PORT` or `[V6]:PORT` (`opts --connect`, `connect` without a PORT).
pub fn split_host_port(s: &str) -> Result<(String, String), InputError> {
    let bad = || {
        InputError::new(
            "connect address",
            s,
            "give HOST:PORT or [V6]:PORT, e.g. localhost:22 or [::1]:8080",
        )
    };
    if let Some(rest) = s.strip_prefix('[') {
        let (h, p) = rest.split_once("]:").ok_or_else(bad)?;
        return Ok((h.to_string(), p.to_string()));
    }
    let (h, p) = s.rsplit_once(':').ok_or_else(bad)?;
    if h.is_empty() || p.is_empty() || h.contains(':') {
        return Err(bad());
    }
    Ok((h.to_string(), p.to_string()))
}

/// A URL given where a host goes (`http://127.0.0.1:8080/x`): what to give instead, the host
/// and the port apart.
fn url_advice(item: &str) -> Option<String> {
    let (scheme, rest) = item.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']').unwrap_or((v6, ""));
        (h, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = port.filter(|p| !p.is_empty()).or(match scheme {
        "http" | "ws" => Some("80"),
        "https" | "wss" => Some("443"),
        _ => None,
    });
    let host = if host.is_empty() { "HOST" } else { host };
    Some(match port {
        Some(p) => format!(
            "a URL; give the host and the port apart: {host} {p} (`sockdiag http URL` fetches a URL)"
        ),
        None => format!("a URL; give the host alone: {host} (`sockdiag http URL` fetches a URL)"),
    })
}

/// A local address to send from (`--source`): `ADDR`, `ADDR:PORT` or `[V6]:PORT`, one this
/// host has.
pub fn parse_source(s: &str) -> Result<SocketAddr, InputError> {
    let a = source_form(s)?;
    if !is_local(a.ip()) {
        return Err(InputError::new(
            "source",
            s,
            "not an address of this host (EADDRNOTAVAIL): give one of its own (`ip -brief address` lists them)",
        ));
    }
    Ok(a)
}

fn source_form(s: &str) -> Result<SocketAddr, InputError> {
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    let bare = s
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(s);
    bare.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 0))
        .map_err(|_| {
            InputError::new(
                "source",
                s,
                "give a local address, ADDR:PORT or [V6]:PORT, e.g. 192.0.2.1 or [::1]:40000",
            )
        })
}

/// Whether this host has `ip` (in this network namespace): a bind to it, port 0, does not
/// fail with EADDRNOTAVAIL. The bind sends nothing; any other failure (a link-local address
/// without its interface, say) is left for the probe to report.
fn is_local(ip: IpAddr) -> bool {
    let domain = if ip.is_ipv4() {
        socket2::Domain::IPV4
    } else {
        socket2::Domain::IPV6
    };
    let Ok(sock) = socket2::Socket::new(domain, socket2::Type::DGRAM, None) else {
        return true;
    };
    match sock.bind(&SocketAddr::new(ip, 0).into()) {
        Err(e) => e.raw_os_error() != Some(libc::EADDRNOTAVAIL),
        Ok(()) => true,
    }
}

/// An interface name that exists here (for SO_BINDTODEVICE).
pub fn check_interface(dev: &str) -> Result<(), InputError> {
    if interface_index(dev) == 0 {
        return Err(InputError::new(
            "interface",
            dev,
            "no such network interface here",
        ));
    }
    Ok(())
}

/// One port (number or service name).
pub fn parse_port(s: &str, udp: bool) -> Result<u16, InputError> {
    let t = if udp { Proto::Udp } else { Proto::Tcp };
    let set = super::ports::parse_ports(&[s.to_string()], t)?;
    if set.len() != 1 {
        return Err(InputError::new("port", s, "connect takes one port"));
    }
    let p = set.iter().next().expect("one port");
    Ok(p)
}

/// One host: a name or an address; its addresses in order (or why there are none).
pub fn resolve_host(
    host: &str,
    family: Family,
) -> Result<Result<Vec<SocketAddr>, String>, InputError> {
    let specs = parse_targets(host)?;
    let one = match specs.as_slice() {
        [TargetSpec::Name(_)] => true,
        [TargetSpec::Addrs(a)] => a.len() == 1,
        [TargetSpec::Zoned(..)] => true,
        _ => false,
    };
    if !one {
        return Err(InputError::new(
            "host",
            host,
            "connect takes one name or address (no lists, blocks or ranges)",
        ));
    }
    let (found, failed) = resolve_targets(&specs, family, false);
    if let Some(u) = failed.first() {
        return Ok(Err(format!("{}: {}", u.name, u.error.message)));
    }
    if found.is_empty() {
        return Ok(Err(format!(
            "{host}: not an address of the family asked for"
        )));
    }
    Ok(Ok(found.iter().map(|t| t.sockaddr()).collect()))
}

/// The line on stderr after a port ended `filtered no-response` (`probe -v`, `connect`):
/// where the SYN dies is what `trace` finds.
pub fn trace_hint(host: &str, port: u16) -> String {
    format!(
        "{host} port {port} is filtered with no response: to see where on the path the SYN dies, run `sockdiag trace {host} {port}`"
    )
}

/// The line on stderr before probing a link-local address without a zone, which the kernel
/// refuses (the result: error local:EINVAL) unless `--interface` names the link.
pub fn zone_hint(ip: IpAddr) -> String {
    format!(
        "{ip} is link-local: name its interface, e.g. {ip}%eth0 (or --interface IFACE); without one the connect fails with EINVAL"
    )
}

#[cfg(test)]
#[path = "targets_tests.rs"]
mod tests;
