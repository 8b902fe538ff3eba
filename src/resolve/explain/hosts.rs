//! /etc/hosts as glibc's `files` source reads it: `ADDR NAME [ALIAS...]`, names matched
//! without regard to case, every matching line counted (gethostbyname4 collects them all).
//! Pure functions over text.
use crate::resolve::Family;
use serde::Serialize;
use std::net::IpAddr;

/// A name's entries in the hosts file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostsMatch {
    /// The first matching line (1-based): the one that wins.
    pub line: usize,
    /// Every matching line.
    pub lines: Vec<usize>,
    /// The addresses of the family asked for, in file order, each once.
    pub addrs: Vec<IpAddr>,
    /// The first name on the first matching line (what getaddrinfo reports as canonical).
    pub canonical: String,
}

/// The entries of the hosts file for `name`, of `family`; `None` when no line names it with
/// an address of that family. A trailing dot counts: `db.` is not `db` to glibc's files.
pub fn lookup(text: &str, name: &str, family: Family) -> Option<HostsMatch> {
    let want = name;
    let mut found: Option<HostsMatch> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("");
        let mut words = line.split_whitespace();
        let Some(addr) = words.next() else { continue };
        // A zone (`fe80::1%eth0`) does not keep the line out.
        let Ok(ip) = addr.split('%').next().unwrap_or(addr).parse::<IpAddr>() else {
            continue;
        };
        let names: Vec<&str> = words.collect();
        if names.is_empty() || !names.iter().any(|n| n.eq_ignore_ascii_case(want)) {
            continue;
        }
        if !family.admits(&ip) {
            continue;
        }
        let m = found.get_or_insert_with(|| HostsMatch {
            line: i + 1,
            lines: Vec::new(),
            addrs: Vec::new(),
            canonical: names[0].to_string(),
        });
        m.lines.push(i + 1);
        if !m.addrs.contains(&ip) {
            m.addrs.push(ip);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTS: &str = "127.0.0.1\tlocalhost\n\
                         ::1     localhost ip6-localhost ip6-loopback\n\
                         # The following lines are desirable for IPv6 capable hosts\n\
                         \n\
                         192.0.2.7   db.example.test   db   # the database\n\
                         2001:db8::7 db.example.test\n\
                         not-an-address db.example.test\n\
                         192.0.2.8   DB.Example.Test\n";

    #[test]
    fn matches_names_and_aliases_with_line_numbers() {
        let m = lookup(HOSTS, "db.example.test", Family::Any).unwrap();
        assert_eq!(m.line, 5);
        assert_eq!(m.lines, vec![5, 6, 8]);
        assert_eq!(
            m.addrs,
            vec![
                "192.0.2.7".parse::<IpAddr>().unwrap(),
                "2001:db8::7".parse().unwrap(),
                "192.0.2.8".parse().unwrap()
            ]
        );
        assert_eq!(m.canonical, "db.example.test");
        let m = lookup(HOSTS, "DB", Family::Any).unwrap();
        assert_eq!((m.line, m.canonical.as_str()), (5, "db.example.test"));
        assert!(
            lookup(HOSTS, "db.", Family::Any).is_none(),
            "a trailing dot counts"
        );
        let m = lookup(HOSTS, "db.example.test", Family::V6).unwrap();
        assert_eq!((m.line, m.addrs.len()), (6, 1));
        assert_eq!(lookup(HOSTS, "ip6-loopback", Family::Any).unwrap().line, 2);
        assert!(lookup(HOSTS, "ip6-loopback", Family::V4).is_none());
        assert!(lookup(HOSTS, "example.test", Family::Any).is_none());
        assert!(
            lookup(HOSTS, "the", Family::Any).is_none(),
            "a comment word"
        );
    }
}
