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

/// Parses a comma- (or space-) separated target list.
pub fn parse_targets(list: &str) -> Result<Vec<TargetSpec>, InputError> {
    let items: Vec<&str> = list
        .split(|c: char| c == ',' || c.is_whitespace())
        .collect();
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
            TargetSpec::Name(n) => match resolve::lookup(n, family) {
                Ok((_, ips)) => {
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
mod tests {
    use super::*;

    #[test]
    fn ports_and_hosts() {
        assert_eq!(parse_port("8080", false).unwrap(), 8080);
        assert!(parse_port("80,443", false).is_err());
        assert!(parse_port("0", false).is_err());
        assert!(resolve_host("127.0.0.0/30", Family::Any).is_err());
        assert_eq!(
            resolve_host("[::1]", Family::Any).unwrap().unwrap(),
            vec!["[::1]:0".parse::<std::net::SocketAddr>().unwrap()]
        );
        assert!(resolve_host("::1", Family::V4).unwrap().is_err());
    }
    use proptest::prelude::*;

    fn addrs(list: &str) -> Vec<String> {
        parse_targets(list)
            .unwrap()
            .into_iter()
            .flat_map(|s| match s {
                TargetSpec::Addrs(a) => a.into_iter().map(|a| a.to_string()).collect(),
                TargetSpec::Name(n) => vec![format!("name:{n}")],
                TargetSpec::Zoned(a, z) => vec![format!("{a}%{}#{}", z.text, z.index)],
            })
            .collect()
    }

    #[test]
    fn zoned_targets() {
        // `lo` is interface 1 on Linux.
        let table: &[(&str, &[&str])] = &[
            ("fe80::1%lo", &["fe80::1%lo#1"]),
            ("[fe80::1%lo]", &["fe80::1%lo#1"]),
            ("fe80::1%1", &["fe80::1%1#1"]),
            ("[fe80::2%1]", &["fe80::2%1#1"]),
            ("FE80::a:b%lo", &["fe80::a:b%lo#1"]),
            ("febf::1%lo", &["febf::1%lo#1"]),
            ("fe80::1%lo,127.0.0.1", &["fe80::1%lo#1", "127.0.0.1"]),
            ("fe80::1", &["fe80::1"]),
        ];
        for (list, want) in table {
            assert_eq!(addrs(list), *want, "{list}");
        }
        let specs = parse_targets("fe80::1%lo,fe80::1%lo,fe80::1%1,fe80::1").unwrap();
        let (t, _) = resolve_targets(&specs, Family::Any, false);
        let got: Vec<(String, String, bool)> = t
            .iter()
            .map(|t| (t.name.clone(), t.shown().to_string(), t.needs_zone()))
            .collect();
        assert_eq!(
            got,
            [
                ("fe80::1%lo".into(), "fe80::1%lo".into(), false),
                ("fe80::1%1".into(), "fe80::1%1".into(), false),
                ("fe80::1".into(), "fe80::1".into(), true),
            ]
        );
        match t[0].sockaddr() {
            SocketAddr::V6(a) => assert_eq!((a.scope_id(), a.port()), (1, 0)),
            a => panic!("{a}"),
        }
        let (t, _) = resolve_targets(&specs, Family::V4, false);
        assert!(t.is_empty());
        assert_eq!(
            serde_json::to_string(&t_shown("fe80::1%lo")).unwrap(),
            "\"fe80::1%lo\""
        );
        assert_eq!(serde_json::to_string(&t_shown("::1")).unwrap(), "\"::1\"");
        let lo = SocketAddr::V6(SocketAddrV6::new("fe80::1".parse().unwrap(), 22, 0, 1));
        assert_eq!(ShownAddr(lo).to_string(), "[fe80::1%lo]:22");
        let plain: SocketAddr = "127.0.0.1:22".parse().unwrap();
        assert_eq!(ShownAddr(plain).to_string(), "127.0.0.1:22");
    }

    fn t_shown(s: &str) -> ZonedIp {
        let (t, _) = resolve_targets(&parse_targets(s).unwrap(), Family::Any, false);
        t[0].shown()
    }

    #[test]
    fn invalid_zones_say_why() {
        let table: &[(&str, &str, &str)] = &[
            (
                "fe80::1%nosuchif0",
                "fe80::1%nosuchif0",
                "no network interface 'nosuchif0'",
            ),
            (
                "[fe80::1%nosuchif0]",
                "[fe80::1%nosuchif0]",
                "no network interface 'nosuchif0'",
            ),
            (
                "fe80::1%0",
                "fe80::1%0",
                "no network interface with index 0",
            ),
            (
                "fe80::1%4294967295",
                "fe80::1%4294967295",
                "with index 4294967295",
            ),
            ("fe80::1%99999999999", "fe80::1%99999999999", "with index"),
            (
                "fe80::1%",
                "fe80::1%",
                "interface name or index goes after '%'",
            ),
            (
                "192.0.2.1%lo",
                "192.0.2.1%lo",
                "IPv4 address takes none: write 192.0.2.1",
            ),
            ("[192.0.2.1%lo]", "[192.0.2.1%lo]", "IPv4"),
            (
                "2001:db8::1%lo",
                "2001:db8::1%lo",
                "link-local addresses (fe80::/10) only",
            ),
            ("::1%lo", "::1%lo", "fe80::/10"),
            ("ff02::1%lo", "ff02::1%lo", "fe80::/10"),
            ("host%lo", "host%lo", "follows an IPv6 link-local address"),
            ("%lo", "%lo", "follows an IPv6"),
            ("fe80::1%lo/64", "fe80::1%lo/64", "not with a CIDR block"),
            ("[fe80::1%lo]:22", "[fe80::1%lo]:22", "a port goes in PORTS"),
            ("[fe80::1%lo", "[fe80::1%lo", "closing"),
            (
                "fe80::1%lo%lo",
                "fe80::1%lo%lo",
                "no network interface 'lo%lo'",
            ),
        ];
        for (list, quoted, why) in table {
            match parse_targets(list) {
                Err(e) => {
                    assert!(e.why.contains(why), "{list}: {e}");
                    assert_eq!(e.input, *quoted, "{list}");
                }
                Ok(v) => panic!("{list}: accepted as {v:?}"),
            }
        }
    }

    #[test]
    fn valid_targets() {
        let table: &[(&str, &[&str])] = &[
            ("127.0.0.1", &["127.0.0.1"]),
            ("::1", &["::1"]),
            ("[::1]", &["::1"]),
            ("[2001:db8::5]", &["2001:db8::5"]),
            ("localhost", &["name:localhost"]),
            ("db1,db2", &["name:db1", "name:db2"]),
            ("db1.example.test.", &["name:db1.example.test."]),
            ("127.1", &["name:127.1"]),
            (
                "192.0.2.0/30",
                &["192.0.2.0", "192.0.2.1", "192.0.2.2", "192.0.2.3"],
            ),
            ("192.0.2.7/32", &["192.0.2.7"]),
            ("192.0.2.5/31", &["192.0.2.4", "192.0.2.5"]),
            ("2001:db8::/127", &["2001:db8::", "2001:db8::1"]),
            ("[2001:db8::]/128", &["2001:db8::"]),
            ("192.0.2.1-3", &["192.0.2.1", "192.0.2.2", "192.0.2.3"]),
            ("192.0.2.255-192.0.3.0", &["192.0.2.255", "192.0.3.0"]),
            ("192.0.2.9-9", &["192.0.2.9"]),
            (
                "a.test,192.0.2.1,[::1]",
                &["name:a.test", "192.0.2.1", "::1"],
            ),
            (" 192.0.2.1 , ::1", &["192.0.2.1", "::1"]),
            ("192.0.2.1,", &["192.0.2.1"]),
            ("10.0.0.1-3", &["10.0.0.1", "10.0.0.2", "10.0.0.3"]),
            ("[::ffff:192.0.2.1]", &["::ffff:192.0.2.1"]),
            ("192.0.2.1/32,[::1]/128", &["192.0.2.1", "::1"]),
            ("1.2.3", &["name:1.2.3"]),
        ];
        for (list, want) in table {
            assert_eq!(addrs(list), *want, "{list}");
        }
        assert_eq!(addrs("10.0.0.0/16").len(), 65536);
    }

    #[test]
    fn invalid_targets_quote_the_bad_part() {
        let table: &[(&str, &str, &str)] = &[
            ("", "", "empty"),
            (",", ",", "empty"),
            ("[::1", "[::1", "closing"),
            ("[127.0.0.1]", "[127.0.0.1]", "IPv6"),
            ("192.0.2.0/33", "192.0.2.0/33", "0-32"),
            ("::/129", "::/129", "0-128"),
            ("192.0.2.0/x", "192.0.2.0/x", "prefix"),
            ("192.0.2.0/-1", "192.0.2.0/-1", "prefix"),
            ("nohost/24", "nohost/24", "needs an address"),
            ("10.0.0.0/8", "10.0.0.0/8", "more than 65536"),
            ("::/0", "::/0", "more than 65536"),
            ("2001:db8::/64", "2001:db8::/64", "more than 65536"),
            ("192.0.2.9-1", "192.0.2.9-1", "reversed"),
            ("192.0.2.1-256", "192.0.2.1-256", "0-255"),
            ("192.0.2.1-x", "192.0.2.1-x", "a range is"),
            ("10.0.0.0-10.2.0.0", "10.0.0.0-10.2.0.0", "more than 65536"),
            ("host:80", "host:80", "PORTS"),
            ("300.1.1.1", "300.1.1.1", "0-255"),
            ("a..b", "a..b", "empty label"),
            ("[::1]:80", "[::1]:80", "a port goes in PORTS"),
            (
                "192.0.2.1:80",
                "192.0.2.1:80",
                "PORTS, not after the host: write 192.0.2.1 80",
            ),
            ("::1-5", "::1-5", "PORTS"),
            ("192.0.2.1-192.0.2.0", "192.0.2.1-192.0.2.0", "reversed"),
            ("192.0.2.1-20-30", "192.0.2.1-20-30", "a range is"),
            ("192.0.2.0/24/1", "192.0.2.0/24/1", "prefix"),
        ];
        for (list, quoted, why) in table {
            match parse_targets(list) {
                Err(e) => {
                    assert!(e.why.contains(why), "{list}: {e}");
                    assert_eq!(e.input, *quoted, "{list}");
                }
                Ok(v) => panic!("{list}: accepted as {v:?}"),
            }
        }
    }

    #[test]
    fn resolution_keeps_order_family_and_dedups() {
        let specs = parse_targets("127.0.0.1,::1,127.0.0.1,192.0.2.1-2").unwrap();
        let (t, failed) = resolve_targets(&specs, Family::Any, false);
        assert!(failed.is_empty());
        let got: Vec<String> = t.iter().map(|t| t.addr.to_string()).collect();
        assert_eq!(got, ["127.0.0.1", "::1", "192.0.2.1", "192.0.2.2"]);
        let (t, _) = resolve_targets(&specs, Family::V6, false);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].name, "::1");
    }

    proptest! {
        #[test]
        fn no_target_string_panics(s in "\\PC{0,40}", t in "[0-9./:\\[\\]a-f,-]{0,40}") {
            let _ = parse_targets(&s);
            let _ = parse_targets(&t);
        }
    }

    #[test]
    fn host_port_forms() {
        assert_eq!(
            split_host_port("localhost:22").unwrap(),
            ("localhost".into(), "22".into())
        );
        assert_eq!(
            split_host_port("[::1]:8080").unwrap(),
            ("::1".into(), "8080".into())
        );
        for bad in ["localhost", "::1:80", ":80", "[::1]80"] {
            assert_eq!(split_host_port(bad).unwrap_err().input, bad);
        }
    }

    #[test]
    fn a_url_is_answered_with_its_host_and_port() {
        for (url, says) in [
            ("http://127.0.0.1", "127.0.0.1 80"),
            ("https://[::1]:8443/x?y", "::1 8443"),
            ("https://user@db.example.test/", "db.example.test 443"),
            ("ftp://files.example.test", "host alone: files.example.test"),
        ] {
            let e = parse_targets(url).unwrap_err();
            assert_eq!(e.input, url);
            assert!(
                e.why.contains("a URL") && e.why.contains(says),
                "{url}: {e}"
            );
        }
    }

    #[test]
    fn source_forms() {
        assert_eq!(source_form("192.0.2.1").unwrap().to_string(), "192.0.2.1:0");
        assert_eq!(source_form("192.0.2.1:4000").unwrap().port(), 4000);
        assert_eq!(parse_source("[::1]:5").unwrap().to_string(), "[::1]:5");
        assert_eq!(parse_source("[::1]").unwrap().to_string(), "[::1]:0");
        assert_eq!(parse_source("::1").unwrap().to_string(), "[::1]:0");
        assert_eq!(parse_source("host").unwrap_err().input, "host");
        assert!(parse_source("127.0.0.1").is_ok());
        assert!(parse_source("::2")
            .unwrap_err()
            .why
            .contains("not an address of this host"));
        assert!(parse_source("[::1]:70000").is_err());
        assert!(source_form("192.0.2.1:").is_err());
    }

    proptest::proptest! {
        #[test]
        fn no_source_string_panics(s in "\\PC{0,30}", t in "[0-9.:\\[\\]a-f]{0,30}") {
            let _ = parse_source(&s);
            let _ = parse_source(&t);
        }
    }
}
