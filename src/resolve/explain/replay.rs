//! glibc's getaddrinfo replayed over what sockdiag saw: AI_ADDRCONFIG (which families are
//! asked), the DNS search over the candidates with res_send's and res_query's rules for each
//! server's answer (resolv/res_send.c, res_query.c `__res_context_search`), the status the
//! dns module makes of it (nss_dns: ECONNREFUSED and ETIMEDOUT are UNAVAIL), and the
//! nsswitch walk (each source's status, the action it takes, the last source's answer).
use super::dns::{Exchange, Outcome};
use super::nsswitch::{Action, Source, Status};
use super::resolvconf::ResolvConf;
use crate::resolve::Family;
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};

/// Which families this host has addresses of, as AI_ADDRCONFIG counts them (glibc's
/// check_pf.c): any IPv4 address but 127.0.0.1, any IPv6 address but ::1 (link-local too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Seen {
    pub v4: bool,
    pub v6: bool,
}

impl Seen {
    /// This host's (this network namespace's) addresses, from getifaddrs.
    pub fn here() -> Seen {
        let mut seen = Seen::default();
        // Unknown when it fails: glibc would not narrow either when it cannot tell.
        let Ok(addrs) = nix::ifaddrs::getifaddrs() else {
            return seen;
        };
        for a in addrs.filter_map(|i| i.address) {
            if let Some(sin) = a.as_sockaddr_in() {
                seen.v4 |= sin.ip() != std::net::Ipv4Addr::LOCALHOST;
            } else if let Some(sin6) = a.as_sockaddr_in6() {
                seen.v6 |= sin6.ip() != std::net::Ipv6Addr::LOCALHOST;
            }
        }
        seen
    }

    /// The family getaddrinfo asks for with AI_ADDRCONFIG and AF_UNSPEC: one family when
    /// the host has addresses of only that one, both otherwise (also when it has none).
    pub fn narrow(self, family: Family) -> Family {
        match family {
            Family::Any if self.v4 && !self.v6 => Family::V4,
            Family::Any if self.v6 && !self.v4 => Family::V6,
            f => f,
        }
    }
}

/// How one candidate's query ended, as res_query tells its caller.
#[derive(Debug, Clone, PartialEq)]
enum Query {
    /// A server's answer had records: the search ends here.
    Answer {
        server: SocketAddr,
        addrs: Vec<IpAddr>,
    },
    /// An answer without records: NXDOMAIN (HOST_NOT_FOUND), NODATA (NO_DATA) or another
    /// code (NO_RECOVERY).
    Negative { server: SocketAddr, herr: Herr },
    /// No server gave an answer glibc takes (res_send failed): errno ECONNREFUSED when none
    /// was reached (or none asked), ETIMEDOUT otherwise; `servfail` when the last response
    /// read was SERVFAIL (the search then goes on to the next candidate).
    Failed { refused: bool, servfail: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Herr {
    HostNotFound,
    NoData,
    TryAgain,
    NoRecovery,
}

/// One step of the DNS search: a candidate asked and what came of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Step {
    pub candidate: String,
    /// `answer`, `NXDOMAIN`, `NODATA`, `no-recovery`, `SERVFAIL` (every server failed, the
    /// last with SERVFAIL), `failed` (every server refused, failed or was silent),
    /// `unreachable` (no server could be reached), `not-asked` (attempts:0).
    pub result: &'static str,
    /// The server whose answer glibc took.
    #[serde(serialize_with = "ser_opt_server")]
    pub server: Option<SocketAddr>,
    /// What glibc does next, in words.
    pub next: String,
}

fn ser_opt_server<S: serde::Serializer>(v: &Option<SocketAddr>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(a) => s.serialize_some(&super::resolvconf::server_name(*a)),
        None => s.serialize_none(),
    }
}

/// The DNS search replayed: its status to nsswitch, the answer, and every step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DnsReplay {
    /// SUCCESS, NOTFOUND, UNAVAIL or TRYAGAIN, as the dns module returns it.
    pub status: Option<Status>,
    pub addrs: Vec<IpAddr>,
    pub candidate: Option<String>,
    #[serde(serialize_with = "ser_opt_server")]
    pub server: Option<SocketAddr>,
    pub steps: Vec<Step>,
    /// Servers passed over: server, candidate, what it did.
    #[serde(skip)]
    pub failed: Vec<(SocketAddr, String, Outcome)>,
    /// A NODATA was seen on the way.
    #[serde(skip)]
    pub got_nodata: bool,
}

/// The failure codes res_send passes over to the next server (send_dg).
fn failing(e: &Exchange) -> bool {
    matches!(e.outcome, Outcome::ServFail | Outcome::Refused)
        || e.rcode.as_deref() == Some("NOTIMP")
}

/// One candidate, every server's exchanges (in the servers' order) judged as res_send and
/// res_query judge them.
fn judge_query(
    servers: &[SocketAddr],
    got: &[Exchange],
    attempts: u32,
    failed: &mut Vec<(SocketAddr, String, Outcome)>,
) -> Query {
    if attempts == 0 {
        return Query::Failed {
            refused: true,
            servfail: false,
        };
    }
    let mut gotsomewhere = false;
    let mut last_rcode: Option<String> = None;
    for &s in servers {
        let mine: Vec<&Exchange> = got.iter().filter(|e| e.server == s).collect();
        if mine.is_empty() {
            continue;
        }
        let cand = mine[0].name.clone();
        let responses: Vec<&&Exchange> = mine.iter().filter(|e| e.rcode.is_some()).collect();
        if mine.iter().any(|e| e.outcome == Outcome::Timeout) || !responses.is_empty() {
            gotsomewhere = true;
        }
        if let Some(first) = responses.first() {
            last_rcode.clone_from(&first.rcode);
        }
        let ok: Vec<&Exchange> = responses
            .iter()
            .map(|e| **e)
            .filter(|e| !failing(e))
            .collect();
        if ok.is_empty() {
            let why = responses
                .iter()
                .map(|e| e.outcome)
                .next()
                .or_else(|| {
                    mine.iter()
                        .map(|e| e.outcome)
                        .find(|o| *o == Outcome::Timeout)
                })
                .unwrap_or(Outcome::Error);
            failed.push((s, cand, why));
            continue;
        }
        if ok
            .iter()
            .any(|e| e.rcode.as_deref() == Some("NOERROR") && !e.answers.is_empty())
        {
            let mut addrs: Vec<IpAddr> = Vec::new();
            for a in ok.iter().flat_map(|e| e.addrs()) {
                if !addrs.contains(&a) {
                    addrs.push(a);
                }
            }
            return Query::Answer { server: s, addrs };
        }
        // res_query: the first answer's code unless it is NOERROR, then the second's.
        let hp = ok[0].rcode.as_deref().unwrap_or("");
        let code = if hp == "NOERROR" {
            ok.get(1).and_then(|e| e.rcode.as_deref()).unwrap_or(hp)
        } else {
            hp
        };
        let herr = match code {
            "NXDOMAIN" => Herr::HostNotFound,
            "NOERROR" => Herr::NoData,
            _ => Herr::NoRecovery,
        };
        return Query::Negative { server: s, herr };
    }
    Query::Failed {
        refused: !gotsomewhere,
        servfail: last_rcode.as_deref() == Some("SERVFAIL"),
    }
}

/// The DNS search for `name` as `__res_context_search` walks it; `ask` gives every server's
/// exchanges for one candidate (it is called only for the candidates glibc asks, in order).
pub fn search(
    name: &str,
    rc: &ResolvConf,
    servers: &[SocketAddr],
    ask: &mut dyn FnMut(&str) -> Vec<Exchange>,
) -> DnsReplay {
    let mut r = DnsReplay::default();
    let trailing = name.ends_with('.');
    let bare = name.trim_end_matches('.');
    let dots = name.matches('.').count() as u32;
    // errno as the search leaves it: set by a failed send, never cleared by an answer.
    let mut errno_refused: Option<bool> = None;
    let mut herr = Herr::HostNotFound;

    // One query, and whether it found the answer.
    let mut query = |cand: String,
                     r: &mut DnsReplay,
                     herr: &mut Herr,
                     errno_refused: &mut Option<bool>|
     -> (Query, bool) {
        let got = ask(&cand);
        let q = judge_query(servers, &got, rc.attempts, &mut r.failed);
        let (result, server, found) = match &q {
            Query::Answer { server, .. } => ("answer", Some(*server), true),
            Query::Negative { server, herr: h } => {
                *herr = *h;
                let t = match h {
                    Herr::HostNotFound => "NXDOMAIN",
                    Herr::NoData => "NODATA",
                    _ => "no-recovery",
                };
                (t, Some(*server), false)
            }
            Query::Failed { refused, servfail } => {
                *herr = Herr::TryAgain;
                *errno_refused = Some(*refused);
                let t = if rc.attempts == 0 {
                    "not-asked"
                } else if *refused {
                    "unreachable"
                } else if *servfail {
                    "SERVFAIL"
                } else {
                    "failed"
                };
                (t, None, false)
            }
        };
        r.steps.push(Step {
            candidate: cand,
            result,
            server,
            next: String::new(),
        });
        (q, found)
    };
    let finish_found = |r: &mut DnsReplay, q: Query| {
        if let Query::Answer { server, addrs } = q {
            let last = r.steps.last_mut().expect("a step");
            last.next = "the search ends: glibc takes this answer".into();
            r.candidate = Some(last.candidate.clone());
            r.server = Some(server);
            r.status = Some(if addrs.is_empty() {
                Status::NotFound
            } else {
                Status::Success
            });
            r.addrs = addrs;
        }
    };

    let mut tried_as_is = false;
    if dots >= rc.ndots || trailing {
        let (q, found) = query(bare.to_string(), &mut r, &mut herr, &mut errno_refused);
        if found {
            finish_found(&mut r, q);
            return r;
        }
        if trailing {
            r.steps.last_mut().expect("a step").next =
                "a trailing dot: the name only, no search list".into();
            return fail(r, errno_refused);
        }
        r.steps.last_mut().expect("a step").next = "then the search list".into();
        tried_as_is = true;
    }
    let mut searched = false;
    let mut root_on_list = false;
    if !trailing {
        for d in &rc.search {
            searched = true;
            let d = d.trim_start_matches('.');
            let cand = if d.is_empty() {
                root_on_list = true;
                bare.to_string()
            } else {
                format!("{bare}.{d}")
            };
            let (q, found) = query(cand, &mut r, &mut herr, &mut errno_refused);
            if found {
                finish_found(&mut r, q);
                return r;
            }
            let last = r.steps.last_mut().expect("a step");
            if errno_refused == Some(true) {
                last.next = "no server reached (ECONNREFUSED): the search ends".into();
                return fail(r, errno_refused);
            }
            let go_on = match herr {
                Herr::NoData | Herr::HostNotFound => true,
                Herr::TryAgain => matches!(q, Query::Failed { servfail: true, .. }),
                _ => false,
            };
            if !go_on {
                last.next = "the search list ends here (glibc goes up it only past NXDOMAIN, \
                             NODATA and SERVFAIL)"
                    .into();
                break;
            }
            last.next = "next candidate".into();
        }
    }
    // Then the name as it is, unless tried already, or no-tld-query keeps a dotless one out.
    let tld_refused = dots == 0 && searched && rc.no_tld_query;
    if !(tried_as_is || root_on_list || tld_refused) {
        let (q, found) = query(bare.to_string(), &mut r, &mut herr, &mut errno_refused);
        if found {
            finish_found(&mut r, q);
            return r;
        }
    }
    fail(r, errno_refused)
}

/// The search found nothing: nss_dns's status from errno (ECONNREFUSED, ETIMEDOUT: UNAVAIL;
/// otherwise NOTFOUND).
fn fail(mut r: DnsReplay, errno_refused: Option<bool>) -> DnsReplay {
    r.got_nodata = r.steps.iter().any(|s| s.result == "NODATA");
    r.status = Some(if errno_refused.is_some() {
        Status::Unavail
    } else {
        Status::NotFound
    });
    if let Some(last) = r.steps.last_mut() {
        if last.next.is_empty() {
            last.next = "the search ends without an answer".into();
        }
    }
    r
}

/// One source of nsswitch.conf as the replay went through it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NssStep {
    pub source: String,
    /// `None`: a source sockdiag cannot follow; the replay stops there.
    pub status: Option<Status>,
    pub action: Option<Action>,
}

/// getaddrinfo replayed: what glibc's rules give over what sockdiag saw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Replay {
    /// `found`, `not-found`, or `unknown` (a source sockdiag cannot follow decides, or the
    /// queries were not for addresses).
    pub result: &'static str,
    /// What getaddrinfo returns by the replay (empty unless `found`).
    pub addrs: Vec<IpAddr>,
    /// The source whose answer it is: `files` or `dns`.
    pub source: Option<String>,
    /// The family asked after AI_ADDRCONFIG: `any`, `inet` or `inet6`.
    pub family: &'static str,
    pub nsswitch: Vec<NssStep>,
    pub dns: DnsReplay,
    /// Why the replay ended where it did, when that is not plain.
    pub note: Option<String>,
}

/// What the nsswitch walk needs to know.
pub struct Inputs<'a> {
    pub sources: &'a [Source],
    /// nsswitch.conf has a line glibc cannot parse.
    pub nss_error: Option<&'a str>,
    /// /etc/hosts exists (files is UNAVAIL without it).
    pub hosts_exists: bool,
    pub hosts_addrs: Option<&'a [IpAddr]>,
    /// `None`: the queries were not for addresses.
    pub dns: Option<&'a DnsReplay>,
    pub family: Family,
    /// Whether a module's library is installed (a missing one is UNAVAIL).
    pub installed: &'a dyn Fn(&str) -> bool,
}

pub fn family_token(f: Family) -> &'static str {
    match f {
        Family::Any => "any",
        Family::V4 => "inet",
        Family::V6 => "inet6",
    }
}

/// The nsswitch walk: each source's status and the action it takes; the answer is the last
/// source's, when its status is SUCCESS (an earlier SUCCESS that continues is dropped).
pub fn walk(i: &Inputs) -> Replay {
    let mut r = Replay {
        family: family_token(i.family),
        dns: i.dns.cloned().unwrap_or_default(),
        ..Replay::default()
    };
    if let Some(e) = i.nss_error {
        r.result = "not-found";
        r.note = Some(e.to_string());
        return r;
    }
    let mut last: Option<(Status, String, Vec<IpAddr>)> = None;
    for src in i.sources {
        let (status, addrs) = match src.name.as_str() {
            "files" if !i.hosts_exists => (Status::Unavail, Vec::new()),
            "files" => match i.hosts_addrs {
                Some(a) => (Status::Success, a.to_vec()),
                None => (Status::NotFound, Vec::new()),
            },
            "dns" => match i.dns {
                Some(d) => (d.status.unwrap_or(Status::NotFound), d.addrs.clone()),
                None => {
                    r.nsswitch.push(NssStep {
                        source: src.name.clone(),
                        status: None,
                        action: None,
                    });
                    r.result = "unknown";
                    r.note = Some("the queries were not for addresses".into());
                    return r;
                }
            },
            other if !(i.installed)(other) => (Status::Unavail, Vec::new()),
            other => {
                r.nsswitch.push(NssStep {
                    source: other.to_string(),
                    status: None,
                    action: None,
                });
                r.result = "unknown";
                r.note = Some(format!(
                    "{other} decides from here: a source sockdiag can only name"
                ));
                return r;
            }
        };
        let action = src.action(status);
        r.nsswitch.push(NssStep {
            source: src.name.clone(),
            status: Some(status),
            action: Some(action),
        });
        if action == Action::Merge {
            r.result = "not-found";
            r.note = Some(format!(
                "[{}=merge]: the hosts database cannot merge, getaddrinfo fails",
                status.token()
            ));
            return r;
        }
        last = Some((status, src.name.clone(), addrs));
        if action == Action::Return {
            break;
        }
    }
    match last {
        Some((Status::Success, source, addrs)) if !addrs.is_empty() => {
            r.result = "found";
            r.addrs = addrs;
            r.source = Some(source);
        }
        Some((Status::Success, source, _)) => {
            r.result = "not-found";
            r.note = Some(format!("{source} answered without an address"));
        }
        Some(_) => r.result = "not-found",
        None => {
            r.result = "not-found";
            r.note = Some("nsswitch.conf's hosts line has no source".into());
        }
    }
    r
}

/// Whether glibc can load the NSS module `name` (libnss_NAME.so.2 in a library directory).
pub fn module_installed(name: &str) -> bool {
    if name.is_empty() || name.contains('/') {
        return false;
    }
    let file = format!("libnss_{name}.so.2");
    let mut dirs: Vec<String> = Vec::new();
    let arch = std::env::consts::ARCH;
    for base in ["/lib", "/usr/lib", "/lib64", "/usr/lib64"] {
        dirs.push(format!("{base}/{arch}-linux-gnu"));
        dirs.push(base.to_string());
    }
    dirs.iter()
        .any(|d| std::path::Path::new(d).join(&file).exists())
}

#[cfg(test)]
#[path = "replay_tests.rs"]
mod tests;
