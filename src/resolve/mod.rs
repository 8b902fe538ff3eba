//! Name resolution: getaddrinfo with AI_CANONNAME, reverse names by getnameinfo, failures
//! classified. Returns records; never prints.
pub mod explain;

use crate::error::InputError;
use crate::input::names::{ascii_name, idn_forms, validate_hostname};
use crate::interrupt::Interrupt;
use dns_lookup::{AddrInfoHints, LookupErrorKind};
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// Which address families to ask for (`-4` / `-6`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Family {
    #[default]
    Any,
    V4,
    V6,
}

impl Family {
    fn ai_family(self) -> i32 {
        match self {
            Family::Any => libc::AF_UNSPEC,
            Family::V4 => libc::AF_INET,
            Family::V6 => libc::AF_INET6,
        }
    }
    pub fn admits(self, ip: &IpAddr) -> bool {
        match self {
            Family::Any => true,
            Family::V4 => ip.is_ipv4(),
            Family::V6 => ip.is_ipv6(),
        }
    }
}

/// `inet` or `inet6`, as JSON and tables name a family.
pub fn family_name(ip: &IpAddr) -> &'static str {
    if ip.is_ipv4() {
        "inet"
    } else {
        "inet6"
    }
}

/// Why a lookup failed: a stable token for scripts, and a message for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailKind {
    NoName,
    NoData,
    Again,
    Fail,
    Other,
}

impl FailKind {
    /// A failure that the same lookup may not repeat a little later: no such name (yet), no
    /// address (yet), the resolver did not answer. A record being published, a container
    /// not created yet, a resolver starting. `probe --wait` looks such a name up again.
    pub fn may_pass(self) -> bool {
        matches!(self, FailKind::NoName | FailKind::NoData | FailKind::Again)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolveError {
    pub kind: FailKind,
    pub message: String,
}

impl ResolveError {
    /// A lookup given up on ([`lookup_within`]): no answer in the time it had.
    pub fn no_answer_in_time() -> ResolveError {
        ResolveError {
            kind: FailKind::Again,
            message: "temporary failure: the resolver did not answer in time".into(),
        }
    }

    fn from_lookup(e: dns_lookup::LookupError, family: Family) -> ResolveError {
        let fam = match family {
            Family::Any => "",
            Family::V4 => " of family inet",
            Family::V6 => " of family inet6",
        };
        let (kind, message) = match e.kind() {
            LookupErrorKind::NoName => (FailKind::NoName, "no such name".to_string()),
            LookupErrorKind::NoData => (
                FailKind::NoData,
                format!("the name exists but has no address{fam}"),
            ),
            LookupErrorKind::Again => (
                FailKind::Again,
                "temporary failure: no nameserver answered (silent, REFUSED or SERVFAIL)"
                    .to_string(),
            ),
            LookupErrorKind::Fail => (
                FailKind::Fail,
                "non-recoverable failure in name resolution".to_string(),
            ),
            _ => (FailKind::Other, std::io::Error::from(e).to_string()),
        };
        ResolveError { kind, message }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolvedAddr {
    pub addr: IpAddr,
    pub family: &'static str,
    /// The PTR name (getnameinfo with NI_NAMEREQD); `None` when there is none.
    pub reverse: Option<String>,
}

/// One name's lookup: everything found, or why nothing was.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolveRecord {
    pub name: String,
    pub canonical: Option<String>,
    pub addrs: Vec<ResolvedAddr>,
    #[serde(serialize_with = "crate::units::ser_ms")]
    #[serde(rename = "elapsed_ms")]
    pub elapsed: Duration,
    /// What a legacy numeric form (`127.1`, `0x7f.1`) means, or the two forms of an
    /// international name.
    pub note: Option<String>,
    /// An international name: its Unicode and ASCII (`xn--`) forms, whichever was given; the
    /// ASCII one is what was looked up.
    pub idn: Option<Idn>,
    pub error: Option<ResolveError>,
}

/// The two forms of an international name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Idn {
    pub unicode: String,
    pub ascii: String,
}

impl ResolveRecord {
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

/// Checks names before any query: an IP literal, a legacy numeric form or a valid host name.
pub fn validate(name: &str) -> Result<(), InputError> {
    if name.parse::<IpAddr>().is_ok() || numeric_host(name, Family::Any).is_some() {
        return Ok(());
    }
    validate_hostname(name)
}

/// What getaddrinfo makes of `name` as a number only (AI_NUMERICHOST): catches `127.1`,
/// `0x7f.1` and `2130706433`, which inet_aton accepts and programs will connect to.
pub(crate) fn numeric_host(name: &str, family: Family) -> Option<Vec<IpAddr>> {
    let hints = AddrInfoHints {
        flags: libc::AI_NUMERICHOST,
        address: family.ai_family(),
        socktype: libc::SOCK_STREAM,
        protocol: 0,
    };
    let it = dns_lookup::getaddrinfo(Some(name), None, Some(hints)).ok()?;
    let addrs: Vec<IpAddr> = it.filter_map(|a| a.ok()).map(|a| a.sockaddr.ip()).collect();
    (!addrs.is_empty()).then_some(addrs)
}

/// The reverse name of an address, or `None` when it has no PTR (or the lookup failed).
pub fn reverse_name(ip: IpAddr) -> Option<String> {
    dns_lookup::getnameinfo(&SocketAddr::new(ip, 0), libc::NI_NAMEREQD)
        .ok()
        .map(|(host, _)| host)
}

/// The reverse names of many addresses, looked up `in_flight` at a time; addresses without a
/// PTR are absent.
pub fn reverse_names(
    ips: &[IpAddr],
    in_flight: usize,
) -> std::collections::HashMap<IpAddr, String> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let found = std::sync::Mutex::new(std::collections::HashMap::new());
    std::thread::scope(|s| {
        for _ in 0..in_flight.clamp(1, ips.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&ip) = ips.get(i) else { return };
                if let Some(n) = reverse_name(ip) {
                    if let Ok(mut f) = found.lock() {
                        f.insert(ip, n);
                    }
                }
            });
        }
    });
    found.into_inner().unwrap_or_default()
}

/// Resolves one name. The name must have passed [`validate`].
pub fn resolve_one(name: &str, family: Family, reverse: bool) -> ResolveRecord {
    let start = Instant::now();
    let mut note = None;
    let mut canonical = None;
    let found: Result<Vec<IpAddr>, ResolveError> = if let Ok(ip) = name.parse::<IpAddr>() {
        if family.admits(&ip) {
            Ok(vec![ip])
        } else {
            Err(ResolveError {
                kind: FailKind::NoData,
                message: format!("{name} is not an address of the family asked for"),
            })
        }
    } else if let Some(ips) = numeric_host(name, Family::Any) {
        let means: Vec<String> = ips.iter().map(|i| i.to_string()).collect();
        note = Some(format!("a legacy numeric form: means {}", means.join(", ")));
        let ips: Vec<IpAddr> = ips.into_iter().filter(|i| family.admits(i)).collect();
        if ips.is_empty() {
            Err(ResolveError {
                kind: FailKind::NoData,
                message: format!("{name} means no address of the family asked for"),
            })
        } else {
            Ok(ips)
        }
    } else {
        // As programs ask (glibc's default hints too): AI_ADDRCONFIG, so a host with
        // addresses of one family only gets addresses of that family.
        let narrowed = explain::replay::Seen::here().narrow(family);
        if narrowed != family {
            note = Some(format!(
                "this host has no {} address (AI_ADDRCONFIG): getaddrinfo asks for {} only",
                if narrowed == Family::V4 {
                    "IPv6"
                } else {
                    "IPv4"
                },
                if narrowed == Family::V4 {
                    "inet"
                } else {
                    "inet6"
                },
            ));
        }
        lookup_flags(name, family, addrconfig(family)).map(|(canon, ips)| {
            canonical = canon;
            ips
        })
    };
    let idn = idn_forms(name).map(|(unicode, ascii)| Idn { unicode, ascii });
    if let Some(i) = &idn {
        // The NAME column shows the form given; the note the other one.
        note = Some(if name.is_ascii() {
            format!("international name: {}", i.unicode)
        } else {
            format!("international name: looked up as {}", i.ascii)
        });
    }
    // The lookup time, not counting the reverse lookups that follow.
    let elapsed = start.elapsed();
    let (addrs, error) = match found {
        Ok(ips) => (
            ips.into_iter()
                .map(|ip| ResolvedAddr {
                    addr: ip,
                    family: family_name(&ip),
                    reverse: if reverse { reverse_name(ip) } else { None },
                })
                .collect(),
            None,
        ),
        Err(e) => (Vec::new(), Some(e)),
    };
    ResolveRecord {
        name: name.to_string(),
        canonical,
        addrs,
        elapsed,
        note,
        idn,
        error,
    }
}

/// What a [`lookup`] finds: the canonical name (if any) and the addresses, or why none.
pub type Lookup = Result<(Option<String>, Vec<IpAddr>), ResolveError>;

/// getaddrinfo with AI_CANONNAME; addresses de-duplicated in the order returned. An
/// international name is looked up in its ASCII form ([`ascii_name`]); every command that
/// takes a host name (resolve, probe and connect targets, http) comes through here.
pub fn lookup(name: &str, family: Family) -> Lookup {
    lookup_flags(name, family, 0)
}

/// AI_ADDRCONFIG for a lookup of any family (`resolve` without -4 or -6, as programs ask);
/// none when a family is asked for, which would fail on a host without that family.
fn addrconfig(family: Family) -> i32 {
    if family == Family::Any {
        libc::AI_ADDRCONFIG
    } else {
        0
    }
}

/// Whether /etc/nsswitch.conf has a `hosts:` line that names no service. glibc 2.36's
/// getaddrinfo reads past the end of such a line's (empty) service list, and may crash
/// (seen: SIGSEGV in __nss_module_get_function); with nothing to ask, the lookup finds
/// nothing, so it is answered so without calling getaddrinfo.
fn hosts_line_names_no_service() -> bool {
    let text = std::fs::read_to_string("/etc/nsswitch.conf").ok();
    let hosts = explain::nsswitch::parse(text.as_deref());
    hosts.line.is_some() && hosts.error.is_none() && hosts.sources.is_empty()
}

fn lookup_flags(name: &str, family: Family, flags: i32) -> Lookup {
    let name = ascii_name(name).map_err(|e| ResolveError {
        kind: FailKind::Other,
        message: e.why,
    })?;
    if hosts_line_names_no_service() {
        return Err(ResolveError {
            kind: FailKind::NoName,
            message: "no such name: the hosts line of /etc/nsswitch.conf names no service to ask"
                .into(),
        });
    }
    let name: &str = &name;
    let hints = AddrInfoHints {
        flags: libc::AI_CANONNAME | flags,
        address: family.ai_family(),
        socktype: libc::SOCK_STREAM,
        protocol: 0,
    };
    let it = dns_lookup::getaddrinfo(Some(name), None, Some(hints))
        .map_err(|e| ResolveError::from_lookup(e, family))?;
    let mut canonical = None;
    let mut ips: Vec<IpAddr> = Vec::new();
    for ai in it.flatten() {
        if canonical.is_none() {
            canonical = ai.canonname.clone();
        }
        let ip = ai.sockaddr.ip();
        if !ips.contains(&ip) {
            ips.push(ip);
        }
    }
    if ips.is_empty() {
        return Err(ResolveError {
            kind: FailKind::NoData,
            message: "the name exists but has no address".into(),
        });
    }
    Ok((canonical, ips))
}

/// [`lookup`] for at most `limit`, and not past Ctrl-C: `None` when neither allows an
/// answer. A getaddrinfo cannot be cancelled: one still in flight is left to finish on a
/// thread of its own, and its answer is dropped.
pub fn lookup_within(
    name: &str,
    family: Family,
    limit: Duration,
    interrupt: &Interrupt,
) -> Option<Lookup> {
    let end = Instant::now() + limit;
    let (tx, rx) = mpsc::channel();
    let name = name.to_string();
    std::thread::Builder::new()
        .name("lookup".into())
        .spawn(move || {
            let _ = tx.send(lookup(&name, family));
        })
        .ok()?;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() || interrupt.raised() {
            // An answer that came meanwhile still counts.
            return rx.try_recv().ok();
        }
        match rx.recv_timeout(left.min(INTERRUPT_TICK)) {
            Ok(found) => return Some(found),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return None,
        }
    }
}

/// Resolves many names concurrently on a bounded pool of threads; records come back in
/// input order, and `each` sees every record as it finishes (index, record; in the order
/// they finish). When `interrupt` is raised, no new lookup starts and the call returns at
/// once with the lookups that finished (`None` for the rest): a getaddrinfo in flight cannot
/// be cancelled, so its thread is left to finish on its own.
pub fn resolve_all(
    names: &[String],
    family: Family,
    reverse: bool,
    jobs: usize,
    interrupt: &Interrupt,
    each: &mut dyn FnMut(usize, &ResolveRecord),
) -> Vec<Option<ResolveRecord>> {
    let jobs = jobs.clamp(1, names.len().max(1));
    let shared: Arc<(Vec<String>, AtomicUsize)> = Arc::new((names.to_vec(), AtomicUsize::new(0)));
    let (tx, rx) = mpsc::channel::<(usize, ResolveRecord)>();
    for _ in 0..jobs {
        let (shared, tx, interrupt) = (Arc::clone(&shared), tx.clone(), interrupt.clone());
        std::thread::spawn(move || {
            while !interrupt.raised() {
                let i = shared.1.fetch_add(1, Ordering::Relaxed);
                let Some(name) = shared.0.get(i) else { break };
                if tx.send((i, resolve_one(name, family, reverse))).is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);
    let mut out: Vec<Option<ResolveRecord>> = vec![None; names.len()];
    loop {
        match rx.recv_timeout(INTERRUPT_TICK) {
            Ok((i, rec)) => {
                each(i, &rec);
                out[i] = Some(rec);
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) if interrupt.raised() => {
                // Take what finished meanwhile, then stop waiting for the rest.
                while let Ok((i, rec)) = rx.try_recv() {
                    each(i, &rec);
                    out[i] = Some(rec);
                }
                break;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
    }
    out
}

/// How often a wait for lookups looks at the interrupt flag.
const INTERRUPT_TICK: Duration = Duration::from_millis(50);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_and_legacy_forms() {
        let r = resolve_one("127.0.0.1", Family::Any, false);
        assert!(r.ok());
        assert_eq!(r.addrs[0].addr, "127.0.0.1".parse::<IpAddr>().unwrap());
        for legacy in ["127.1", "0x7f.1", "2130706433"] {
            let r = resolve_one(legacy, Family::Any, false);
            assert_eq!(r.addrs.len(), 1, "{legacy}");
            assert_eq!(r.addrs[0].addr.to_string(), "127.0.0.1");
            assert!(
                r.note.as_deref().unwrap().contains("means 127.0.0.1"),
                "{legacy}"
            );
        }
        let r = resolve_one("::1", Family::V4, false);
        assert_eq!(r.error.unwrap().kind, FailKind::NoData);
    }

    #[test]
    fn lookup_within_answers_in_time_and_gives_up_at_once_when_interrupted() {
        // A literal needs no resolver: getaddrinfo answers it at once.
        let found = lookup_within(
            "127.0.0.1",
            Family::Any,
            Duration::from_secs(5),
            &Interrupt::never(),
        );
        assert_eq!(
            found.unwrap().unwrap().1,
            vec![IpAddr::from([127, 0, 0, 1])]
        );
        let i = Interrupt::never();
        i.raise();
        let t = Instant::now();
        let _ = lookup_within("127.0.0.1", Family::Any, Duration::from_secs(5), &i);
        assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
        assert!(FailKind::NoName.may_pass() && FailKind::Again.may_pass());
        assert!(!FailKind::Fail.may_pass() && !FailKind::Other.may_pass());
    }

    #[test]
    fn validate_accepts_literals_and_refuses_bad_names() {
        assert!(validate("::1").is_ok());
        assert!(validate("127.1").is_ok());
        assert!(validate("host.test").is_ok());
        assert!(validate("bad name").is_err());
    }
}
