//! `resolve --explain`: why getaddrinfo returned what it did. The resolver's path laid out
//! (nsswitch.conf's hosts line, /etc/hosts, resolv.conf and the names glibc will try), every
//! nameserver asked directly for every name tried, and a verdict that names where the answer
//! came from and every disagreement on the way. Returns data; never prints.
pub mod dns;
pub mod hosts;
pub mod nsswitch;
pub mod replay;
pub mod resolvconf;
mod verdict;

use crate::interrupt::Interrupt;
use crate::resolve::{Family, ResolveRecord};
use hickory_proto::rr::RecordType;
use serde::Serialize;
use std::net::SocketAddr;
use std::time::Duration;

pub use dns::{Answer, Exchange, Outcome};
pub use resolvconf::server_name;
pub use verdict::{Disagreement, Verdict};

/// What to ask, decided from the command line.
#[derive(Debug, Clone)]
pub struct Config {
    /// Ask these instead of resolv.conf's nameservers (`--server`).
    pub servers: Option<Vec<SocketAddr>>,
    /// One record type instead of A and AAAA (`--type`).
    pub qtype: Option<RecordType>,
    /// TCP from the start (`--tcp`).
    pub tcp: bool,
    pub family: Family,
}

/// The record types `--type` takes.
pub const TYPES: &[&str] = &[
    "A", "AAAA", "CNAME", "MX", "TXT", "SRV", "NS", "SOA", "PTR", "CAA",
];

/// A record type by its name (`MX`, `aaaa`), one of [`TYPES`].
pub fn record_type(s: &str) -> Option<RecordType> {
    let up = s.to_ascii_uppercase();
    TYPES
        .contains(&up.as_str())
        .then(|| up.parse::<RecordType>().ok())
        .flatten()
}

/// The files glibc reads (their text; `None` when missing) and the environment it looks at.
#[derive(Debug, Clone, Default)]
pub struct System {
    pub nsswitch: Option<String>,
    pub hosts: Option<String>,
    pub resolv: Option<String>,
    pub hostname: Option<String>,
    pub localdomain: Option<String>,
    pub res_options: Option<String>,
    /// Which families this host has addresses of (AI_ADDRCONFIG).
    pub seen: replay::Seen,
    /// A cache getaddrinfo asks before any source, when one runs: `nscd`.
    pub cache: Option<&'static str>,
}

impl System {
    /// Reads /etc/nsswitch.conf, /etc/hosts, /etc/resolv.conf, the host name, LOCALDOMAIN
    /// and RES_OPTIONS, as glibc does in this process.
    pub fn read() -> System {
        let file = |p: &str| std::fs::read_to_string(p).ok();
        // gethostname(2) is uname(2)'s nodename, which is what glibc reads.
        let hostname = Some(
            rustix::system::uname()
                .nodename()
                .to_string_lossy()
                .into_owned(),
        );
        System {
            nsswitch: file("/etc/nsswitch.conf"),
            hosts: file("/etc/hosts"),
            resolv: file("/etc/resolv.conf"),
            hostname,
            localdomain: std::env::var("LOCALDOMAIN").ok(),
            res_options: std::env::var("RES_OPTIONS").ok(),
            seen: replay::Seen::here(),
            cache: nscd_running().then_some("nscd"),
        }
    }
}

/// Whether nscd answers on its socket: glibc then asks it before nsswitch.conf's sources.
fn nscd_running() -> bool {
    ["/var/run/nscd/socket", "/run/nscd/socket"]
        .iter()
        .any(|p| std::os::unix::net::UnixStream::connect(p).is_ok())
}

/// One name's resolver path, the direct answers and the verdict: the `explain` of a
/// `resolve` record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explain {
    /// Set when the name is an address (or a legacy numeric form): no lookup happens.
    pub literal: Option<String>,
    /// The sources of nsswitch.conf's hosts line, in order.
    pub nsswitch: Vec<nsswitch::Source>,
    /// Its line in /etc/nsswitch.conf; `None`: glibc's default line.
    pub nsswitch_line: Option<usize>,
    pub hosts_file: Option<hosts::HostsMatch>,
    pub resolv_conf: resolvconf::ResolvConf,
    /// The names glibc asks the nameservers for, in order.
    pub candidates: Vec<String>,
    /// Where the servers asked come from: `resolv.conf` or `--server`.
    pub servers_from: &'static str,
    pub queries: Vec<Exchange>,
    /// getaddrinfo replayed by glibc's rules over what was found.
    pub replay: replay::Replay,
    pub verdict: Verdict,
}

/// Lays out `name`'s path and asks every server about it; `got` is what getaddrinfo
/// returned for it (the verdict compares). The name must have passed
/// [`crate::resolve::validate`].
pub fn explain(
    name: &str,
    cfg: &Config,
    sys: &System,
    got: &ResolveRecord,
    interrupt: &Interrupt,
) -> Explain {
    let ns = nsswitch::parse(sys.nsswitch.as_deref());
    let rc = resolvconf::parse(
        sys.resolv.as_deref(),
        &resolvconf::Env {
            hostname: sys.hostname.as_deref(),
            localdomain: sys.localdomain.as_deref(),
            res_options: sys.res_options.as_deref(),
        },
    );
    let (servers, servers_from) = match &cfg.servers {
        Some(s) => (s.clone(), "--server"),
        None => (rc.nameservers.clone(), "resolv.conf"),
    };
    let mut ex = Explain {
        literal: None,
        nsswitch: ns.sources,
        nsswitch_line: ns.line,
        hosts_file: None,
        resolv_conf: rc,
        candidates: Vec::new(),
        servers_from,
        queries: Vec::new(),
        replay: replay::Replay::default(),
        verdict: Verdict::default(),
    };
    if let Some(what) = literal(name, got) {
        ex.verdict = verdict::literal(&what);
        ex.literal = Some(what);
        return ex;
    }
    // AI_ADDRCONFIG: with addresses of one family only, getaddrinfo asks for that one.
    let family = sys.seen.narrow(cfg.family);
    // The name as it is looked up: an international name in its ASCII form.
    let ascii = crate::input::names::ascii_name(name)
        .map(|c| c.into_owned())
        .unwrap_or_else(|_| name.to_string());
    ex.hosts_file = sys
        .hosts
        .as_deref()
        .and_then(|t| hosts::lookup(t, &ascii, family));
    ex.candidates = resolvconf::candidates(&ascii, &ex.resolv_conf);
    let types = types(cfg, family, &ex.resolv_conf);
    let how = dns::Ask {
        timeout: Duration::from_secs(ex.resolv_conf.timeout.into()),
        tcp: cfg.tcp || ex.resolv_conf.use_vc,
        edns0: ex.resolv_conf.edns0,
    };
    let address_types = cfg
        .qtype
        .map_or(true, |t| matches!(t, RecordType::A | RecordType::AAAA));
    let dns_replay = if address_types {
        // Every server asked about each candidate glibc asks, in glibc's order, until the
        // search ends.
        let mut asked = Vec::new();
        let attempts = ex.resolv_conf.attempts;
        let r = replay::search(&ascii, &ex.resolv_conf, &servers, &mut |cand| {
            // attempts:0: glibc sends nothing, and neither does sockdiag.
            if interrupt.raised() || attempts == 0 {
                return Vec::new();
            }
            let got = ask_servers(&servers, cand, &types, &how, interrupt);
            asked.extend(got.iter().cloned());
            got
        });
        ex.queries = asked;
        Some(r)
    } else {
        ex.queries = ask_all(&servers, &ex.candidates, &types, &how, interrupt);
        None
    };
    let hosts_addrs = ex.hosts_file.as_ref().map(|h| h.addrs.clone());
    ex.replay = replay::walk(&replay::Inputs {
        sources: &ex.nsswitch,
        nss_error: ns.error.as_deref(),
        hosts_exists: sys.hosts.is_some(),
        hosts_addrs: hosts_addrs.as_deref(),
        dns: dns_replay.as_ref(),
        family,
        installed: &replay::module_installed,
    });
    ex.verdict = verdict::judge(&verdict::Facts {
        name: &ascii,
        got,
        address_types,
        servers: &servers,
        servers_from,
        cache: sys.cache,
        ex: &ex,
    });
    ex
}

/// Every server asked about one name at once; the exchanges in the servers' order.
fn ask_servers(
    servers: &[SocketAddr],
    name: &str,
    types: &[RecordType],
    how: &dns::Ask,
    interrupt: &Interrupt,
) -> Vec<Exchange> {
    std::thread::scope(|s| {
        let handles: Vec<_> = servers
            .iter()
            .map(|&server| s.spawn(move || dns::ask(server, name, types, how, interrupt)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// What a literal address means, when `name` is one.
fn literal(name: &str, got: &ResolveRecord) -> Option<String> {
    if name.parse::<std::net::IpAddr>().is_ok() {
        return Some(format!(
            "{name} is an address: getaddrinfo converts it itself, without a lookup"
        ));
    }
    let legacy = got
        .note
        .as_deref()?
        .strip_prefix("a legacy numeric form: means ")?;
    Some(format!(
        "{name} is a legacy numeric form of {legacy} (inet_aton): getaddrinfo converts it \
         itself, without a lookup"
    ))
}

/// A and AAAA (one of them with -4, -6, no-aaaa, or AI_ADDRCONFIG on a host with addresses
/// of one family), or the one type of `--type`.
fn types(cfg: &Config, family: Family, rc: &resolvconf::ResolvConf) -> Vec<RecordType> {
    if let Some(t) = cfg.qtype {
        return vec![t];
    }
    match family {
        Family::V4 => vec![RecordType::A],
        Family::V6 => vec![RecordType::AAAA],
        Family::Any if rc.no_aaaa => vec![RecordType::A],
        Family::Any => vec![RecordType::A, RecordType::AAAA],
    }
}

/// Each server on a thread of its own, walking the candidates in order: until one has an
/// answer (glibc's search would stop there too), or the server stays silent (it would be
/// silent for the rest as well; the verdict counts the wait for each).
fn ask_all(
    servers: &[SocketAddr],
    candidates: &[String],
    types: &[RecordType],
    how: &dns::Ask,
    interrupt: &Interrupt,
) -> Vec<Exchange> {
    let walks: Vec<Vec<Exchange>> = std::thread::scope(|s| {
        let handles: Vec<_> = servers
            .iter()
            .map(|&server| {
                s.spawn(move || {
                    let mut out = Vec::new();
                    for c in candidates {
                        if interrupt.raised() {
                            break;
                        }
                        let got = dns::ask(server, c, types, how, interrupt);
                        let answered = got.iter().any(|e| e.outcome == Outcome::Answer);
                        let silent = got.iter().all(|e| e.outcome == Outcome::Timeout);
                        out.extend(got);
                        if answered || silent {
                            break;
                        }
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    // Shown candidate by candidate, each in the servers' order.
    let mut out = Vec::new();
    for c in candidates {
        for walk in &walks {
            out.extend(walk.iter().filter(|e| &e.name == c).cloned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_types_by_name() {
        assert_eq!(record_type("mx"), Some(RecordType::MX));
        assert_eq!(record_type("AAAA"), Some(RecordType::AAAA));
        assert_eq!(record_type("CAA"), Some(RecordType::CAA));
        assert_eq!(record_type("HINFO"), None);
        assert_eq!(record_type("bogus"), None);
    }
}
