//! The exporter's modules (the defaults, and a TOML file's), and the targets a scrape may
//! make it probe (`--allow-targets`). Every error quotes the bad part.
use crate::error::InputError;
use crate::input::duration::parse_duration;
use crate::resolve::Family;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// What a module probes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Prober {
    /// TCP connect, with an optional send and expect.
    Tcp,
    /// An HTTP or HTTPS request (the `http` engine); the target is a URL or HOST[:PORT].
    Http,
    /// A UDP datagram and its answer (the `probe --udp` engine).
    Udp,
    /// A name looked up through the system resolver (the `resolve` engine).
    Dns,
}

impl Prober {
    pub fn as_str(self) -> &'static str {
        match self {
            Prober::Tcp => "tcp",
            Prober::Http => "http",
            Prober::Udp => "udp",
            Prober::Dns => "dns",
        }
    }
}

/// One module: a named way to probe a target.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Module {
    pub prober: Prober,
    /// Upper bound of one probe (a scrape's own timeout, less a margin, may cut it shorter).
    #[serde(default, deserialize_with = "de_duration")]
    pub timeout: Option<Duration>,
    /// `ip4` or `ip6`: the family of the address probed (default: the first a name has).
    #[serde(default)]
    pub ip_protocol: Option<IpProtocol>,
    #[serde(default)]
    pub tcp: TcpModule,
    #[serde(default)]
    pub http: HttpModule,
    #[serde(default)]
    pub udp: UdpModule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IpProtocol {
    Ip4,
    Ip6,
}

impl Module {
    pub fn family(&self) -> Family {
        match self.ip_protocol {
            Some(IpProtocol::Ip4) => Family::V4,
            Some(IpProtocol::Ip6) => Family::V6,
            None => Family::Any,
        }
    }
    fn of(prober: Prober) -> Module {
        Module {
            prober,
            timeout: None,
            ip_protocol: None,
            tcp: TcpModule::default(),
            http: HttpModule::default(),
            udp: UdpModule::default(),
        }
    }
}

/// blackbox's `query_response` in its simplest form: bytes to send once connected, and text
/// the answer must contain (a plain substring, not a regular expression).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TcpModule {
    pub send: Option<String>,
    pub expect: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpModule {
    /// Statuses that count as success (default: any 2xx).
    #[serde(default)]
    pub valid_status_codes: Vec<u16>,
    /// `GET` (default) or `HEAD`.
    pub method: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// For a target without a scheme: https.
    #[serde(default)]
    pub tls: bool,
    /// PEM roots to trust instead of the built-in ones.
    pub ca_file: Option<PathBuf>,
    /// Follow 301, 302, 303, 307 and 308 (at most 10), as blackbox does by default.
    pub follow_redirects: Option<bool>,
}

impl HttpModule {
    pub fn follows_redirects(&self) -> bool {
        self.follow_redirects.unwrap_or(true)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UdpModule {
    /// The datagram to send (default: a unique token).
    pub send: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    modules: BTreeMap<String, Module>,
}

fn de_duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    let s = String::deserialize(d)?;
    parse_duration(&s)
        .map(Some)
        .map_err(|e| serde::de::Error::custom(e.to_string()))
}

/// The modules every exporter has without a file (blackbox's names where it has one).
pub fn default_modules() -> BTreeMap<String, Module> {
    let mut m = BTreeMap::new();
    m.insert("tcp_connect".into(), Module::of(Prober::Tcp));
    m.insert("http_2xx".into(), Module::of(Prober::Http));
    let mut https = Module::of(Prober::Http);
    https.http.tls = true;
    m.insert("https_2xx".into(), https);
    m.insert("udp".into(), Module::of(Prober::Udp));
    m.insert("dns".into(), Module::of(Prober::Dns));
    m
}

/// The defaults with a file's modules added (one of the same name replaces the default).
pub fn modules_from_toml(text: &str, path: &str) -> Result<BTreeMap<String, Module>, InputError> {
    let file: File = toml::from_str(text).map_err(|e| {
        InputError::new("config", path, e.to_string().trim_end().replace('\n', " "))
    })?;
    let mut m = default_modules();
    for (name, module) in file.modules {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
        {
            return Err(InputError::new(
                "module name",
                name,
                "use letters, digits, `_`, `-` and `.`",
            ));
        }
        if let Some(meth) = &module.http.method {
            if meth != "GET" && meth != "HEAD" {
                return Err(InputError::new("http method", meth.clone(), "GET or HEAD"));
            }
        }
        m.insert(name, module);
    }
    Ok(m)
}

/// What a scrape may make the exporter probe: blocks, addresses and names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allow {
    /// Empty with no names: everything is allowed.
    pub nets: Vec<(IpAddr, u8)>,
    /// Names, lower case; `*.example.test` allows every name under it.
    pub names: Vec<String>,
}

impl Allow {
    pub fn parse(list: &str) -> Result<Allow, InputError> {
        let mut a = Allow::default();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let bad = |why: &str| InputError::new("allowed target", item, why);
            if let Some((ip, bits)) = item.split_once('/') {
                let ip: IpAddr = ip
                    .parse()
                    .map_err(|_| bad("not an address block (10.0.0.0/8)"))?;
                let max = if ip.is_ipv4() { 32 } else { 128 };
                let bits: u8 = bits
                    .parse()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| bad(&format!("the prefix length must be 0 to {max}")))?;
                a.nets.push((ip, bits));
            } else if let Ok(ip) = item.trim_matches(['[', ']']).parse::<IpAddr>() {
                a.nets.push((ip, if ip.is_ipv4() { 32 } else { 128 }));
            } else {
                let name = item.strip_prefix("*.").unwrap_or(item);
                crate::resolve::validate(name).map_err(|e| bad(&e.why))?;
                a.names.push(item.to_ascii_lowercase());
            }
        }
        if a.nets.is_empty() && a.names.is_empty() {
            return Err(InputError::new(
                "allowed targets",
                list,
                "the list is empty",
            ));
        }
        Ok(a)
    }

    pub fn allows_name(&self, name: &str) -> bool {
        self.name_match(name).is_some()
    }

    /// How a name is listed: `Some(true)` under a `*.` wildcard, `Some(false)` by itself.
    fn name_match(&self, name: &str) -> Option<bool> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let exact = self.names.contains(&name);
        let wild = self.names.iter().any(|n| {
            n.strip_prefix("*.")
                .is_some_and(|sfx| name.ends_with(&format!(".{sfx}")))
        });
        match (exact, wild) {
            (true, _) => Some(false),
            (false, true) => Some(true),
            _ => None,
        }
    }

    /// Whether a target may be probed, given the addresses its name has now (the ones that
    /// will be connected to): a name listed by itself; a name under a `*.` wildcard unless
    /// one of its addresses is this host's own (loopback, link-local, unspecified) and not
    /// listed too, since anyone who can make a name under the wildcard can point it there;
    /// else every address must be listed. `Err`: why not, in words.
    pub fn admits(&self, name: &str, ips: &[IpAddr]) -> Result<(), String> {
        let shown = name.escape_debug();
        match self.name_match(name) {
            Some(false) => return Ok(()),
            Some(true) => {
                return match ips
                    .iter()
                    .find(|ip| own_host(**ip) && !self.allows_ip(**ip))
                {
                    None => Ok(()),
                    Some(ip) => Err(format!(
                        "target '{shown}' matches a wildcard of --allow-targets but has the \
                         address {ip} ({}), which --allow-targets does not list",
                        kind_of_own(*ip)
                    )),
                };
            }
            None => {}
        }
        if !ips.is_empty() && ips.iter().all(|ip| self.allows_ip(*ip)) {
            return Ok(());
        }
        Err(format!("target '{shown}' is not in --allow-targets"))
    }

    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        self.nets.iter().any(|&(net, bits)| in_net(ip, net, bits))
    }
}

/// An address that reaches this host itself (or its link): loopback, link-local, the
/// unspecified address (which connects to this host), and their IPv4-mapped forms.
fn own_host(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(a) => a.is_loopback() || a.is_link_local() || a.octets()[0] == 0,
        IpAddr::V6(a) => {
            a.is_loopback() || a.is_unspecified() || (a.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

fn kind_of_own(ip: IpAddr) -> &'static str {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(a) if a.is_loopback() => "loopback",
        IpAddr::V6(a) if a.is_loopback() => "loopback",
        IpAddr::V4(a) if a.is_link_local() => "link-local",
        IpAddr::V6(a) if (a.segments()[0] & 0xffc0) == 0xfe80 => "link-local",
        _ => "this host",
    }
}

fn in_net(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists() {
        let a = Allow::parse("10.0.0.0/8, 192.0.2.7,::1,db.example.test,*.lab.test").unwrap();
        assert!(a.allows_ip("10.200.1.1".parse().unwrap()));
        assert!(a.allows_ip("::ffff:10.1.1.1".parse().unwrap()));
        assert!(a.allows_ip("192.0.2.7".parse().unwrap()));
        assert!(!a.allows_ip("192.0.2.8".parse().unwrap()));
        assert!(a.allows_ip("::1".parse().unwrap()));
        assert!(a.allows_name("DB.example.test."));
        assert!(a.allows_name("x.lab.test"));
        assert!(!a.allows_name("lab.test.evil"));
        for bad in ["10.0.0.0/33", "", "a b", "1.2.3.4/x"] {
            assert!(Allow::parse(bad).is_err(), "{bad}");
        }
    }

    /// Issue 27 item 9: a name under a wildcard that resolves to this host's own addresses
    /// is refused unless those are listed too; a name listed by itself is not.
    #[test]
    fn a_wildcard_name_on_loopback_is_refused() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let a = Allow::parse("*.lab.test,db.lab.test,10.0.0.0/8").unwrap();
        assert!(a.admits("web.lab.test", &[ip("10.1.1.1")]).is_ok());
        assert!(a.admits("web.lab.test", &[ip("192.0.2.1")]).is_ok());
        for own in [
            "127.0.0.1",
            "127.5.5.5",
            "::1",
            "169.254.1.1",
            "fe80::1",
            "0.0.0.0",
            "::",
            "::ffff:127.0.0.1",
        ] {
            let e = a
                .admits("web.lab.test", &[ip("10.1.1.1"), ip(own)])
                .unwrap_err();
            assert!(
                e.contains(own.trim_start_matches("::ffff:")) || e.contains(own),
                "{own}: {e}"
            );
        }
        assert!(a.admits("db.lab.test", &[ip("127.0.0.1")]).is_ok());
        let b = Allow::parse("*.lab.test,127.0.0.1").unwrap();
        assert!(b.admits("web.lab.test", &[ip("127.0.0.1")]).is_ok());
        assert!(b.admits("web.lab.test", &[ip("::1")]).is_err());
        assert!(b.admits("other.test", &[ip("127.0.0.1")]).is_ok());
        assert!(b
            .admits("other.test", &[ip("127.0.0.1"), ip("127.0.0.2")])
            .is_err());
        assert!(b.admits("other.test", &[]).is_err());
    }

    #[test]
    fn modules_from_a_file() {
        let m = modules_from_toml(
            "[modules.redis]\nprober = \"tcp\"\ntimeout = \"2s\"\n[modules.redis.tcp]\nsend = \"PING\\r\\n\"\nexpect = \"+PONG\"\n",
            "f.toml",
        )
        .unwrap();
        assert_eq!(m["redis"].timeout, Some(Duration::from_secs(2)));
        assert_eq!(m["redis"].tcp.expect.as_deref(), Some("+PONG"));
        assert!(m.contains_key("http_2xx"));
        let e = modules_from_toml("[modules.x]\nprober = \"smtp\"\n", "f.toml").unwrap_err();
        assert_eq!(e.input, "f.toml");
        assert!(e.why.contains("smtp"), "{}", e.why);
        assert!(modules_from_toml("[modules.x]\nprober = \"tcp\"\nbogus = 1\n", "f").is_err());
    }
}
