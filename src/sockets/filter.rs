//! What to show: the filters of `sockdiag sockets`, parsed from their plain-English values and
//! checked against each record. States, protocols and families go to the kernel in the dump
//! request, ports as bytecode ([`super::bytecode`]); the rest is checked here.
use super::procs::Which;
use super::record::{Endpoint, SocketRecord, State, STATE_NAMES};
use crate::error::InputError;
use crate::input::ports::{self, PortSet};
use crate::net::Proto;
use std::net::IpAddr;

/// Every state bit the kernel knows (1 to 12).
pub const ALL_STATES: u32 = 0x1ffe;
const LISTEN: u32 = 1 << 10;
const UNCONNECTED: u32 = 1 << 7;
const SYN_RECV: u32 = 1 << 3 | 1 << 12;
const TIME_WAIT: u32 = 1 << 6;

/// `--state a,b,...`: a mask of `1 << state`. Names as the table shows them (`time-wait`),
/// case and `-`/`_` ignored (`TIME_WAIT`, `timewait`), with `estab`, `close` (for
/// `unconnected`), `listening`, and the groups `all` and `connected` (every state but
/// listen, unconnected and time-wait).
pub fn parse_states(list: &str) -> Result<u32, InputError> {
    let key = |s: &str| -> String {
        s.chars()
            .filter(|c| *c != '-' && *c != '_')
            .flat_map(char::to_lowercase)
            .collect()
    };
    let mut mask = 0;
    for item in list.split(',') {
        let k = key(item.trim());
        let bits = match k.as_str() {
            "" => {
                return Err(InputError::new(
                    "state",
                    list,
                    "an empty item in a comma list",
                ))
            }
            "all" => ALL_STATES,
            "connected" => ALL_STATES & !(LISTEN | UNCONNECTED | TIME_WAIT),
            "estab" => 1 << 1,
            "close" | "closed" | "unconn" => UNCONNECTED,
            "listening" => LISTEN,
            "synrecv" => SYN_RECV,
            _ => match STATE_NAMES.iter().position(|n| key(n) == k) {
                Some(i) if i > 0 => 1 << i,
                _ => {
                    return Err(InputError::new(
                        "state",
                        item,
                        "not a socket state; use established, syn-sent, syn-recv, fin-wait-1, \
                         fin-wait-2, time-wait, close-wait, last-ack, listen, closing, \
                         unconnected, connected or all",
                    ))
                }
            },
        };
        mask |= bits;
    }
    Ok(mask)
}

/// `--listening`: listeners and sockets that wait for datagrams (unconnected), as ss -l.
pub fn listening_states() -> u32 {
    LISTEN | UNCONNECTED
}

/// An address filter: an address or a CIDR block, a port, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrMatch {
    pub net: Option<(IpAddr, u8)>,
    pub port: Option<u16>,
}

impl AddrMatch {
    pub fn matches(&self, e: Option<&Endpoint>) -> bool {
        let Some(a) = e.and_then(Endpoint::inet) else {
            return false;
        };
        if self.port.is_some_and(|p| p != a.port()) {
            return false;
        }
        match self.net {
            None => true,
            Some((net, len)) => in_net(a.ip(), net, len),
        }
    }
}

/// Whether `ip` is in `net/len`. An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, how a
/// dual-stack socket shows an IPv4 peer) counts as its IPv4 address, on either side: the
/// socket's, and the filter's (`::ffff:127.0.0.1`, `::ffff:127.0.0.0/104`, copied from the
/// output); a v6 block such as `::/0` still takes a mapped address as the IPv6 one it is.
fn in_net(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    let unmapped = |ip: IpAddr, len: u8| match ip {
        IpAddr::V6(v6) if len >= 96 => v6
            .to_ipv4_mapped()
            .map_or((ip, len), |v4| (IpAddr::V4(v4), len - 96)),
        other => (other, len),
    };
    let (a, _) = unmapped(ip, 128);
    let (n, l) = unmapped(net, len);
    same_net(a, n, l) || same_net(ip, net, len)
}

fn same_net(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// `--local` / `--peer`: `ADDR`, `ADDR:PORT`, `[V6]:PORT`, a CIDR block (`10.0.0.0/8`,
/// `[2001:db8::/32]:443`), or a port alone (`:443`, `*:443`). Ports may be service names.
pub fn parse_addr_match(what: &'static str, s: &str) -> Result<AddrMatch, InputError> {
    let bad = |why: &str| InputError::new(what, s, why);
    let usage = "give ADDR, ADDR:PORT, [V6]:PORT, a CIDR block (10.0.0.0/8) or :PORT";
    let t = s.trim();
    let (addr, port) = if let Some(rest) = t.strip_prefix('[') {
        let (inside, after) = rest
            .split_once(']')
            .ok_or_else(|| bad("a '[' without its ']'"))?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(|| bad(usage))?),
        };
        (Some(inside), port)
    } else if let Some(p) = t
        .strip_prefix("*:")
        .or_else(|| t.strip_prefix(':').filter(|p| !p.contains(':')))
    {
        // `:443`; `::1` is an address.
        (None, Some(p))
    } else if t.matches(':').count() == 1 {
        let (a, p) = t.split_once(':').expect("one colon");
        (Some(a), Some(p))
    } else {
        (Some(t), None)
    };
    let port = match port {
        None => None,
        Some(p) => {
            let set = ports::parse_ports(&[p.to_string()], Proto::Tcp)
                .map_err(|e| InputError::new(what, s, format!("the port: {}", e.why)))?;
            if set.len() != 1 {
                return Err(bad("one port, not a range or a list"));
            }
            let first = set.iter().next();
            first
        }
    };
    let net = match addr {
        None | Some("*") => None,
        Some(a) => Some(parse_net(a).map_err(|why| bad(&why))?),
    };
    if net.is_none() && port.is_none() {
        return Err(bad(usage));
    }
    Ok(AddrMatch { net, port })
}

fn parse_net(a: &str) -> Result<(IpAddr, u8), String> {
    if a.contains('%') {
        return Err("a zone (%IFACE) is not matched: give the address without it".into());
    }
    let (ip, len) = match a.split_once('/') {
        Some((ip, len)) => (ip, Some(len)),
        None => (a, None),
    };
    let ip: IpAddr = ip.parse().map_err(|_| {
        if ip
            .chars()
            .any(|c| c.is_ascii_alphabetic() && !c.is_ascii_hexdigit())
        {
            format!("'{ip}' is not an address: names are not looked up here; give an address")
        } else {
            format!("'{ip}' is not an IPv4 or IPv6 address")
        }
    })?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = match len {
        None => max,
        Some(l) => match l.parse::<u8>() {
            Ok(n) if n <= max => n,
            _ => return Err(format!("the prefix length goes from 0 to {max}")),
        },
    };
    Ok((ip, len))
}

/// The filters checked on each record (the kernel has already applied the state mask, the
/// families and the port bytecode where it could).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub states: Option<u32>,
    /// Either end's port in this set.
    pub ports: Option<PortSet>,
    pub local: Option<AddrMatch>,
    pub peer: Option<AddrMatch>,
    pub uids: Vec<u32>,
    /// Only sockets these processes hold (the owner scan looks at no others).
    pub owners: Option<Which>,
}

impl Filter {
    /// Everything but the owner, which is known only after the /proc scan.
    pub fn matches(&self, r: &SocketRecord) -> bool {
        if self.states.is_some_and(|m| m & state_bits(r.state) == 0) {
            return false;
        }
        if let Some(ports) = &self.ports {
            let hit = |p: Option<u16>| p.is_some_and(|p| p != 0 && ports.contains(p));
            if !hit(r.local_port()) && !hit(r.peer_port()) {
                return false;
            }
        }
        if self
            .local
            .as_ref()
            .is_some_and(|m| !m.matches(r.local.as_ref()))
        {
            return false;
        }
        if self
            .peer
            .as_ref()
            .is_some_and(|m| !m.matches(r.peer.as_ref()))
        {
            return false;
        }
        if !self.uids.is_empty() && !r.uid.is_some_and(|u| self.uids.contains(&u)) {
            return false;
        }
        true
    }

    /// The owner part: with `--pid` or `--process`, a socket with no owner found among
    /// those processes is left out.
    pub fn matches_owner(&self, r: &SocketRecord) -> bool {
        self.owners.is_none() || r.pid.is_some()
    }

    /// Whether a UNIX socket can match at all (they have no addresses or ports).
    pub fn admits_unix(&self) -> bool {
        self.ports.is_none() && self.local.is_none() && self.peer.is_none()
    }
}

/// A record's state as mask bits (syn-recv stands for both of the kernel's numbers).
fn state_bits(s: State) -> u32 {
    if s.0 == 3 {
        SYN_RECV
    } else {
        s.bit()
    }
}

/// A port set as inclusive ranges, ascending.
pub fn ranges(set: &PortSet) -> Vec<(u16, u16)> {
    let mut out: Vec<(u16, u16)> = Vec::new();
    for p in set.iter() {
        match out.last_mut() {
            Some((_, hi)) if *hi != u16::MAX && *hi + 1 == p => *hi = p,
            _ => out.push((p, p)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states() {
        assert_eq!(parse_states("listen").unwrap(), 1 << 10);
        assert_eq!(parse_states("TIME_WAIT,estab").unwrap(), 1 << 6 | 1 << 1);
        assert_eq!(parse_states("timewait").unwrap(), 1 << 6);
        assert_eq!(parse_states("fin-wait-1").unwrap(), 1 << 4);
        assert_eq!(parse_states("close").unwrap(), 1 << 7);
        assert_eq!(parse_states("syn-recv").unwrap(), SYN_RECV);
        assert_eq!(parse_states("all").unwrap(), ALL_STATES);
        let c = parse_states("connected").unwrap();
        assert!(c & 1 << 1 != 0 && c & (LISTEN | TIME_WAIT | UNCONNECTED) == 0);
        let e = parse_states("established,bogus").unwrap_err();
        assert_eq!(e.input, "bogus");
        assert!(parse_states("listen,").is_err());
    }

    #[test]
    fn addresses() {
        let m = |s| parse_addr_match("peer", s).unwrap();
        assert_eq!(
            m("10.0.0.1"),
            AddrMatch {
                net: Some(("10.0.0.1".parse().unwrap(), 32)),
                port: None
            }
        );
        assert_eq!(m("10.0.0.0/8:443").port, Some(443));
        assert_eq!(
            m("[::1]:22"),
            AddrMatch {
                net: Some(("::1".parse().unwrap(), 128)),
                port: Some(22)
            }
        );
        assert_eq!(
            m("[2001:db8::/32]:443").net,
            Some(("2001:db8::".parse().unwrap(), 32))
        );
        assert_eq!(m("2001:db8::/32").port, None);
        assert_eq!(
            m("::1/128"),
            AddrMatch {
                net: Some(("::1".parse().unwrap(), 128)),
                port: None
            }
        );
        assert_eq!(m("::").net, Some(("::".parse().unwrap(), 128)));
        assert_eq!(
            m(":8080"),
            AddrMatch {
                net: None,
                port: Some(8080)
            }
        );
        assert_eq!(m("*:ssh").port, Some(22));
        for bad in [
            "",
            "host.example:80",
            "10.0.0.1:0",
            "10.0.0.1:1-5",
            "10.0.0.0/33",
            "[::1",
            "[::1]x",
            "*",
            "fe80::1%eth0",
            "1.2.3",
        ] {
            assert!(parse_addr_match("peer", bad).is_err(), "{bad}");
        }
        let names = parse_addr_match("peer", "db.example.test").unwrap_err();
        assert!(
            names.why.contains("names are not looked up"),
            "{}",
            names.why
        );
    }

    #[test]
    fn nets_and_mapped_addresses() {
        let e = |s: &str| Endpoint::Inet(s.parse().unwrap());
        let m = parse_addr_match("peer", "127.0.0.0/8").unwrap();
        assert!(m.matches(Some(&e("127.0.0.1:5"))));
        assert!(m.matches(Some(&e("[::ffff:127.0.0.9]:5"))));
        assert!(!m.matches(Some(&e("10.0.0.1:5"))));
        assert!(!m.matches(None));
        assert!(!m.matches(Some(&Endpoint::Unix("/x".into()))));
        let m = parse_addr_match("peer", "0.0.0.0/0:80").unwrap();
        assert!(m.matches(Some(&e("1.2.3.4:80"))) && !m.matches(Some(&e("1.2.3.4:81"))));
        let m = parse_addr_match("local", "[2001:db8::/32]").unwrap();
        assert!(m.matches(Some(&e("[2001:db8:1::5]:1"))) && !m.matches(Some(&e("[2001:db9::]:1"))));
    }

    /// Issue 22: a v4-mapped filter, as copied from the output, matched nothing.
    #[test]
    fn mapped_filters_match_mapped_and_plain_sockets() {
        let e = |s: &str| Endpoint::Inet(s.parse().unwrap());
        for f in [
            "::ffff:127.0.0.1",
            "[::ffff:127.0.0.1]:7003",
            "::ffff:127.0.0.0/104",
        ] {
            let m = parse_addr_match("local", f).unwrap();
            assert!(m.matches(Some(&e("[::ffff:127.0.0.1]:7003"))), "{f}");
            assert!(m.matches(Some(&e("127.0.0.1:7003"))), "{f}");
            assert!(!m.matches(Some(&e("[::ffff:10.0.0.1]:7003"))), "{f}");
            assert!(!m.matches(Some(&e("[::1]:7003"))), "{f}");
        }
        let m = parse_addr_match("local", "::ffff:127.0.0.0/104").unwrap();
        assert!(m.matches(Some(&e("[::ffff:127.9.9.9]:1"))));
        // A v6 block still takes a mapped address as IPv6.
        let m = parse_addr_match("local", "::/0").unwrap();
        assert!(m.matches(Some(&e("[::ffff:1.2.3.4]:1"))) && m.matches(Some(&e("[::1]:1"))));
        let m = parse_addr_match("local", "::ffff:0:0/96").unwrap();
        assert!(m.matches(Some(&e("[::ffff:1.2.3.4]:1"))) && !m.matches(Some(&e("[::1]:1"))));
    }

    #[test]
    fn port_ranges() {
        let set = ports::parse_ports(&["22,80-82,84,65535".into()], Proto::Tcp).unwrap();
        assert_eq!(
            ranges(&set),
            vec![(22, 22), (80, 82), (84, 84), (65535, 65535)]
        );
    }
}
