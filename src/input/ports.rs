//! Port specs from the command line: `25`, `1-1024`, `80,443`, `-` (every port), service
//! names from /etc/services (`http`, `ssh`), and any mix of them.
use crate::error::InputError;
use crate::net::Proto;
use std::collections::HashMap;
use std::path::Path;

/// Where service names come from.
pub const SERVICES_PATH: &str = "/etc/services";

/// A set of ports, 1 to 65535, each at most once, iterated in ascending order. A bitmap:
/// a full-range scan needs 8 KiB, not a Vec of 65535 entries built from a list.
#[derive(Clone, PartialEq, Eq)]
pub struct PortSet {
    bits: Box<[u64; 1024]>,
    len: usize,
}

impl Default for PortSet {
    fn default() -> Self {
        PortSet {
            bits: Box::new([0; 1024]),
            len: 0,
        }
    }
}

impl std::fmt::Debug for PortSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PortSet {
    pub fn insert(&mut self, p: u16) {
        let (w, b) = (p as usize / 64, p as usize % 64);
        if self.bits[w] & (1 << b) == 0 {
            self.bits[w] |= 1 << b;
            self.len += 1;
        }
    }
    pub fn remove(&mut self, p: u16) {
        let (w, b) = (p as usize / 64, p as usize % 64);
        if self.bits[w] & (1 << b) != 0 {
            self.bits[w] &= !(1 << b);
            self.len -= 1;
        }
    }
    pub fn contains(&self, p: u16) -> bool {
        self.bits[p as usize / 64] & (1 << (p as usize % 64)) != 0
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        (1..=u16::MAX).filter(move |&p| self.contains(p))
    }
    pub fn to_vec(&self) -> Vec<u16> {
        self.iter().collect()
    }
}

/// Service names and their ports for one transport, as /etc/services lists them.
#[derive(Debug, Default, Clone)]
pub struct Services {
    by_name: HashMap<String, u16>,
    by_port: HashMap<u16, String>,
}

impl Services {
    /// Reads the services file; an absent or unreadable file is an input error that says so,
    /// since only a service name needs it.
    pub fn load(path: &Path, transport: Proto, wanted: &str) -> Result<Services, InputError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            InputError::new(
                "port",
                wanted,
                format!(
                    "service names come from {}, which cannot be read ({e}); give the port number",
                    path.display()
                ),
            )
        })?;
        Ok(Services::parse(&text, transport))
    }

    /// Parses the services(5) format: `name port/proto [aliases...] [# comment]`.
    pub fn parse(text: &str, transport: Proto) -> Services {
        let mut by_name = HashMap::new();
        let mut by_port = HashMap::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut fields = line.split_whitespace();
            let (Some(name), Some(pp)) = (fields.next(), fields.next()) else {
                continue;
            };
            let Some((port, proto)) = pp.split_once('/') else {
                continue;
            };
            if proto != transport.as_str() {
                continue;
            }
            let Ok(port) = port.parse::<u16>() else {
                continue;
            };
            if port == 0 {
                continue;
            }
            // The first name for a port wins, as getservbyport(3) does.
            by_port.entry(port).or_insert_with(|| name.to_string());
            for n in std::iter::once(name).chain(fields) {
                // The first entry for a name wins, as getservbyname(3) does.
                by_name.entry(n.to_ascii_lowercase()).or_insert(port);
            }
        }
        Services { by_name, by_port }
    }

    /// The name of a port (its first entry), as getservbyport(3) gives it.
    pub fn name(&self, port: u16) -> Option<&str> {
        self.by_port.get(&port).map(String::as_str)
    }

    pub fn port(&self, name: &str) -> Option<u16> {
        self.by_name.get(&name.to_ascii_lowercase()).copied()
    }
}

/// Parses port specs into one set. Service names load the services file on first use.
pub fn parse_ports(specs: &[String], transport: Proto) -> Result<PortSet, InputError> {
    parse_ports_with(specs, transport, Path::new(SERVICES_PATH))
}

/// [`parse_ports`] with the services file given (tests).
pub fn parse_ports_with(
    specs: &[String],
    transport: Proto,
    services_path: &Path,
) -> Result<PortSet, InputError> {
    let mut set = PortSet::default();
    let mut services: Option<Services> = None;
    for spec in specs {
        if spec.trim().is_empty() {
            return Err(InputError::new(
                "port",
                spec.as_str(),
                "empty; give a port (80), a range (1-1024), a list (22,80) or a service name (http)",
            ));
        }
        for item in spec.split(',') {
            add_item(item, transport, services_path, &mut services, &mut set)?;
        }
    }
    Ok(set)
}

fn add_item(
    item: &str,
    transport: Proto,
    services_path: &Path,
    services: &mut Option<Services>,
    set: &mut PortSet,
) -> Result<(), InputError> {
    let item = item.trim();
    let bad = |why: &str| Err(InputError::new("port", item, why));
    if item.is_empty() {
        return bad("an empty item in a comma list");
    }
    if item == "-" {
        for p in 1..=u16::MAX {
            set.insert(p);
        }
        return Ok(());
    }
    if item.starts_with(|c: char| c.is_ascii_digit()) || item.starts_with('-') {
        let (lo, hi) = match item.split_once('-') {
            Some((a, b)) => (number(a, item)?, number(b, item)?),
            None => {
                let p = number(item, item)?;
                (p, p)
            }
        };
        if lo > hi {
            return bad("the range is reversed; write it low-high");
        }
        for p in lo..=hi {
            set.insert(p);
        }
        return Ok(());
    }
    if !item
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+' | '/'))
    {
        return bad("not a port, a range or a service name; give 80, 1-1024, 22,80 or http");
    }
    if services.is_none() {
        *services = Some(Services::load(services_path, transport, item)?);
    }
    match services.as_ref().and_then(|s| s.port(item)) {
        Some(p) => {
            set.insert(p);
            Ok(())
        }
        None => Err(InputError::new(
            "port",
            item,
            format!(
                "no such {} service in {}; give the port number",
                transport.as_str(),
                services_path.display()
            ),
        )),
    }
}

/// One port number, 1-65535; `whole` is the item quoted in the error.
fn number(s: &str, whole: &str) -> Result<u16, InputError> {
    let bad = |why: &str| Err(InputError::new("port", whole, why));
    let s = s.trim();
    if s.is_empty() {
        return bad("a range needs both ends, e.g. 1-1024 (or - alone for every port)");
    }
    if !s.chars().all(|c| c.is_ascii_digit()) {
        return bad("not a number; give 80, 1-1024, 22,80 or http");
    }
    match s.parse::<u32>() {
        Ok(0) => bad("port 0 cannot be probed; ports are 1-65535"),
        Ok(n) if n <= 65535 => Ok(n as u16),
        _ => bad("over 65535; ports are 1-65535"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SERVICES: &str = "\
# comment line
ssh             22/tcp                          # SSH Remote Login Protocol
domain          53/tcp
domain          53/udp
http            80/tcp          www             # WorldWideWeb HTTP
https           443/tcp
postgresql      5432/tcp        postgres
only-udp        9999/udp
";

    fn services_file() -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), SERVICES).unwrap();
        f
    }

    fn parse(specs: &[&str], t: Proto) -> Result<Vec<u16>, InputError> {
        let f = services_file();
        let specs: Vec<String> = specs.iter().map(|s| s.to_string()).collect();
        parse_ports_with(&specs, t, f.path()).map(|s| s.to_vec())
    }

    #[test]
    fn names_by_port_are_the_first_entry_of_the_transport() {
        let tcp = Services::parse(SERVICES, Proto::Tcp);
        assert_eq!(tcp.name(80), Some("http"));
        assert_eq!(tcp.name(5432), Some("postgresql"));
        assert_eq!(tcp.name(9999), None);
        assert_eq!(
            Services::parse(SERVICES, Proto::Udp).name(9999),
            Some("only-udp")
        );
    }

    #[test]
    fn valid_port_specs() {
        let table: &[(&[&str], &[u16])] = &[
            (&["25", "80", "443"], &[25, 80, 443]),
            (&["443", "25"], &[25, 443]),
            (&["80,443"], &[80, 443]),
            (&["1-3"], &[1, 2, 3]),
            (&["5-5"], &[5]),
            (&["1-3,2-4"], &[1, 2, 3, 4]),
            (&["80", "80", "http"], &[80]),
            (&["http", "ssh"], &[22, 80]),
            (&["www,HTTPS"], &[80, 443]),
            (&["postgres"], &[5432]),
            (&["65535"], &[65535]),
            (&[" 22 "], &[22]),
            (&["65534-65535"], &[65534, 65535]),
            (&["ssh,1-2", "22"], &[1, 2, 22]),
        ];
        for (specs, want) in table {
            assert_eq!(parse(specs, Proto::Tcp).unwrap(), *want, "{specs:?}");
        }
        let all = parse(&["-"], Proto::Tcp).unwrap();
        assert_eq!(all.len(), 65535);
        assert_eq!((all[0], all[65534]), (1, 65535));
        assert_eq!(parse(&["1-65535", "-", "80"], Proto::Tcp).unwrap(), all);
        assert_eq!(parse(&["domain"], Proto::Udp).unwrap(), [53]);
        assert_eq!(parse(&["only-udp"], Proto::Udp).unwrap(), [9999]);
    }

    #[test]
    fn invalid_port_specs_quote_the_bad_part() {
        let table: &[(&str, &str, &str)] = &[
            ("0", "0", "port 0"),
            ("65536", "65536", "over 65535"),
            ("99999999999", "99999999999", "over 65535"),
            ("10-5", "10-5", "reversed"),
            ("80,0", "0", "port 0"),
            ("1-", "1-", "both ends"),
            ("-5", "-5", "both ends"),
            ("80,,443", "", "empty item"),
            ("", "", "empty"),
            ("nosuchservice", "nosuchservice", "no such tcp service"),
            ("only-udp", "only-udp", "no such tcp service"),
            ("8o", "8o", "not a number"),
            ("1-2-3", "1-2-3", "not a number"),
            ("ht tp", "ht tp", "not a port"),
            ("80;rm", "80;rm", "not a number"),
            ("0-5", "0-5", "port 0"),
            ("65535-65536", "65535-65536", "over 65535"),
            ("80 443", "80 443", "not a number"),
            ("http-https", "http-https", "no such tcp service"),
            ("-1", "-1", "both ends"),
            ("+80", "+80", "no such tcp service"),
        ];
        for (spec, quoted, why) in table {
            let e = parse(&[spec], Proto::Tcp).unwrap_err();
            assert_eq!(e.input, *quoted, "{spec}");
            assert!(e.why.contains(why), "{spec}: {e}");
            assert_eq!(e.what, "port");
        }
    }

    #[test]
    fn missing_services_file_is_said_clearly() {
        let specs = vec!["http".to_string()];
        let e =
            parse_ports_with(&specs, Proto::Tcp, Path::new("/nonexistent/services")).unwrap_err();
        assert!(e.why.contains("/nonexistent/services"), "{e}");
        assert!(e.why.contains("cannot be read"), "{e}");
        // Numbers never need the file.
        let specs = vec!["80".to_string()];
        assert!(parse_ports_with(&specs, Proto::Tcp, Path::new("/nonexistent/services")).is_ok());
    }

    #[test]
    fn port_set_operations() {
        let mut s = PortSet::default();
        s.insert(65535);
        s.insert(1);
        s.insert(1);
        assert_eq!(s.len(), 2);
        s.remove(1);
        s.remove(2);
        assert_eq!(s.to_vec(), [65535]);
    }

    proptest! {
        #[test]
        fn no_port_spec_panics(s in "\\PC{0,20}", t in "[-,0-9a-z ]{0,20}") {
            let _ = parse(&[&s], Proto::Tcp);
            let _ = parse(&[&t], Proto::Udp);
        }
    }
}
