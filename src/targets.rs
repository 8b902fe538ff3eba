//! Probe targets from the command line: names, IPv4 and IPv6 literals (`[::1]` too), CIDR
//! blocks, IPv4 ranges (`10.0.0.1-20`, `10.0.0.1-10.0.1.5`) and comma lists of them.
//! Parsing is pure; names are resolved afterwards by [`resolve_targets`] through
//! [`crate::resolve::lookup`].
use crate::error::InputError;
use crate::resolve::{self, Family, ResolveError};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

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
}

/// One address to probe and the target it came from (the name, or the address itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    pub addr: IpAddr,
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
    if let Some((addr, prefix)) = item.split_once('/') {
        return cidr(item, addr, prefix).map(TargetSpec::Addrs);
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
                        });
                    }
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

/// A local address to send from (`--source`): `ADDR`, `ADDR:PORT` or `[V6]:PORT`.
pub fn parse_source(s: &str) -> Result<SocketAddr, InputError> {
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

/// An interface name that exists here (for SO_BINDTODEVICE).
pub fn check_interface(dev: &str) -> Result<(), InputError> {
    let bad = || InputError::new("interface", dev, "no such network interface here");
    let c = std::ffi::CString::new(dev).map_err(|_| bad())?;
    // SAFETY: a valid NUL-terminated string.
    if unsafe { libc::if_nametoindex(c.as_ptr()) } == 0 {
        return Err(bad());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn addrs(list: &str) -> Vec<String> {
        parse_targets(list)
            .unwrap()
            .into_iter()
            .flat_map(|s| match s {
                TargetSpec::Addrs(a) => a.into_iter().map(|a| a.to_string()).collect(),
                TargetSpec::Name(n) => vec![format!("name:{n}")],
            })
            .collect()
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
    fn source_forms() {
        assert_eq!(
            parse_source("192.0.2.1").unwrap().to_string(),
            "192.0.2.1:0"
        );
        assert_eq!(parse_source("192.0.2.1:4000").unwrap().port(), 4000);
        assert_eq!(parse_source("[::1]:5").unwrap().to_string(), "[::1]:5");
        assert_eq!(parse_source("[::1]").unwrap().to_string(), "[::1]:0");
        assert_eq!(parse_source("::1").unwrap().to_string(), "[::1]:0");
        assert_eq!(parse_source("host").unwrap_err().input, "host");
        assert!(parse_source("[::1]:70000").is_err());
        assert!(parse_source("192.0.2.1:").is_err());
    }

    proptest::proptest! {
        #[test]
        fn no_source_string_panics(s in "\\PC{0,30}", t in "[0-9.:\\[\\]a-f]{0,30}") {
            let _ = parse_source(&s);
            let _ = parse_source(&t);
        }
    }
}
