//! The verdict: glibc's path replayed over what was found (nsswitch order, the hosts file,
//! the candidates, each server's answers with glibc's rules for moving on), compared with
//! what getaddrinfo really returned, and every disagreement named.
use super::dns::{Exchange, Outcome};
use super::nsswitch::Status;
use super::resolvconf::server_name;
use super::Explain;
use crate::resolve::{Family, ResolveRecord};
use serde::Serialize;
use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};

/// Where the answer came from, and what does not agree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// `hosts`, `dns`, `other` (a source sockdiag cannot follow, or a cache), `literal` (no
    /// lookup) or `none` (getaddrinfo found nothing).
    pub source: &'static str,
    /// The server whose answer glibc took.
    pub server: Option<String>,
    /// The name (of the candidates) that had the answer.
    pub candidate: Option<String>,
    /// The hosts file line the answer came from.
    pub line: Option<usize>,
    /// The verdict in a sentence.
    pub text: String,
    pub disagreements: Vec<Disagreement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    /// `hosts-overrides-dns`, `servers-differ`, `server-failed`, `search-expansion`,
    /// `no-data`, `nxdomain-vs-nodata`, `getaddrinfo-differs`.
    pub kind: &'static str,
    pub text: String,
}

pub(super) struct Facts<'a> {
    pub name: &'a str,
    pub got: &'a ResolveRecord,
    pub family: Family,
    /// The queries were for addresses (A/AAAA), so DNS can be compared with getaddrinfo.
    pub address_types: bool,
    pub servers: &'a [SocketAddr],
    pub servers_from: &'static str,
    pub ex: &'a Explain,
}

pub(super) fn literal(what: &str) -> Verdict {
    Verdict {
        source: "literal",
        text: format!("no lookup: {what}; no source of nsswitch.conf is asked, no query sent"),
        ..Verdict::default()
    }
}

/// What glibc's search over the candidates ends with, replayed.
struct DnsPath {
    /// The candidate and server that answered, with the addresses.
    found: Option<(String, SocketAddr, Vec<IpAddr>)>,
    /// Each candidate passed over: name and what it got (`NXDOMAIN`, `NODATA`, ...).
    passed: Vec<(String, String)>,
    /// Servers glibc gave up on and moved past: server, candidate, outcome.
    failed: Vec<(SocketAddr, String, Outcome)>,
    /// No server answered a candidate at all: glibc ends the search (EAI_AGAIN).
    gave_up: bool,
    got_nodata: bool,
}

fn queries<'a>(ex: &'a Explain, server: SocketAddr, cand: &str) -> Vec<&'a Exchange> {
    ex.queries
        .iter()
        .filter(|q| q.server == server && q.name == cand)
        .collect()
}

/// A server's walk that ended in silence before `cand`: it is taken to be silent for it too.
fn silent_before(ex: &Explain, server: SocketAddr) -> bool {
    ex.queries
        .iter()
        .rev()
        .find(|q| q.server == server)
        .is_some_and(|q| q.outcome == Outcome::Timeout)
}

fn replay(ex: &Explain, servers: &[SocketAddr]) -> DnsPath {
    let mut p = DnsPath {
        found: None,
        passed: Vec::new(),
        failed: Vec::new(),
        gave_up: false,
        got_nodata: false,
    };
    for cand in &ex.candidates {
        let mut chosen: Option<(SocketAddr, Vec<&Exchange>)> = None;
        let mut last_fail = None;
        for &s in servers {
            let qs = queries(ex, s, cand);
            if qs.is_empty() {
                if silent_before(ex, s) {
                    p.failed.push((s, cand.clone(), Outcome::Timeout));
                    last_fail = Some(Outcome::Timeout);
                }
                continue;
            }
            match qs.iter().find(|q| !q.outcome.accepted()) {
                Some(bad) => {
                    p.failed.push((s, cand.clone(), bad.outcome));
                    last_fail = Some(bad.outcome);
                }
                None => {
                    chosen = Some((s, qs));
                    break;
                }
            }
        }
        let Some((s, qs)) = chosen else {
            if last_fail == Some(Outcome::ServFail) {
                p.passed.push((cand.clone(), "SERVFAIL".into()));
                continue;
            }
            p.gave_up = last_fail.is_some();
            p.passed.push((cand.clone(), "no answer".into()));
            break;
        };
        if qs.iter().any(|q| q.outcome == Outcome::Answer) {
            let addrs = qs.iter().flat_map(|q| q.addrs()).collect();
            p.found = Some((cand.clone(), s, addrs));
            return p;
        }
        let nodata = qs.iter().any(|q| q.outcome == Outcome::NoData);
        p.got_nodata |= nodata;
        p.passed.push((
            cand.clone(),
            if nodata { "NODATA" } else { "NXDOMAIN" }.into(),
        ));
    }
    p
}

fn set(v: &[IpAddr]) -> BTreeSet<IpAddr> {
    v.iter().copied().collect()
}

fn list(v: &[IpAddr]) -> String {
    if v.is_empty() {
        return "nothing".into();
    }
    v.iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn judge(f: &Facts) -> Verdict {
    let ex = f.ex;
    let mut v = Verdict::default();
    let got: Vec<IpAddr> = f.got.addrs.iter().map(|a| a.addr).collect();
    let path = replay(ex, f.servers);
    let dns_addrs: Option<Vec<IpAddr>> = path
        .found
        .as_ref()
        .map(|(_, _, a)| a.iter().copied().filter(|ip| f.family.admits(ip)).collect());

    // nsswitch order: the first followed source that would give an answer, unless a source
    // sockdiag only names comes first.
    let mut predicted: Option<&'static str> = None;
    let mut unfollowed_before: Vec<String> = Vec::new();
    for src in &ex.nsswitch {
        let status = match src.name.as_str() {
            "files" if ex.hosts_file.is_some() => Status::Success,
            "files" => Status::NotFound,
            "dns" if !f.address_types => Status::Unavail,
            "dns" if path.found.is_some() => Status::Success,
            "dns" if path.gave_up => Status::TryAgain,
            "dns" => Status::NotFound,
            _ => {
                unfollowed_before.push(src.name.clone());
                continue;
            }
        };
        if status == Status::Success {
            predicted = Some(if src.name == "files" { "hosts" } else { "dns" });
            break;
        }
        if src.returns_on(status) {
            break;
        }
    }
    let hosts_addrs = ex.hosts_file.as_ref().map(|h| h.addrs.clone());
    let predicted_addrs = match predicted {
        Some("hosts") => hosts_addrs.clone(),
        Some(_) => dns_addrs.clone(),
        None => None,
    };
    let agrees = predicted_addrs
        .as_ref()
        .is_some_and(|p| set(p) == set(&got));

    if !got.is_empty() && agrees {
        v.source = predicted.unwrap_or("other");
    } else if !got.is_empty() {
        v.source = "other";
    } else {
        v.source = "none";
    }
    match v.source {
        "hosts" => {
            let h = ex.hosts_file.as_ref().expect("a hosts match");
            v.line = Some(h.line);
            v.text = format!("from /etc/hosts line {}", h.line);
        }
        "dns" => {
            let (cand, server, _) = path.found.as_ref().expect("a DNS answer");
            v.server = Some(server_name(*server));
            v.candidate = Some(cand.clone());
            v.text = format!("from {} for candidate {cand}", server_name(*server));
            if !path.passed.is_empty() {
                let before: Vec<String> = path
                    .passed
                    .iter()
                    .map(|(c, o)| format!("{c} {o}"))
                    .collect();
                v.text.push_str(&format!(" after {}", before.join(", ")));
            }
        }
        "other" => {
            let mut why = vec!["a cache (nscd, systemd-resolved)".to_string()];
            if !unfollowed_before.is_empty() {
                why.insert(
                    0,
                    format!(
                        "a source sockdiag can only name ({})",
                        unfollowed_before.join(", ")
                    ),
                );
            }
            v.text = format!(
                "from none of the sources sockdiag follows (files, dns): {}",
                why.join(", or ")
            );
        }
        _ => {
            v.text = match (&f.got.error, path.gave_up) {
                (Some(e), true) => format!(
                    "getaddrinfo found nothing ({}): no server answered",
                    e.message
                ),
                (Some(e), false) if !path.passed.is_empty() => format!(
                    "getaddrinfo found nothing ({}): {}",
                    e.message,
                    path.passed
                        .iter()
                        .map(|(c, o)| format!("{c} {o}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                (Some(e), false) => format!("getaddrinfo found nothing ({})", e.message),
                (None, _) => "getaddrinfo found nothing".into(),
            };
        }
    }
    if f.servers_from == "--server" {
        v.text.push_str(
            "; the servers asked are those of --server, not resolv.conf's: getaddrinfo asked \
             resolv.conf's",
        );
    }
    if !f.address_types {
        v.text.push_str(&format!(
            "; the direct queries are for {}, getaddrinfo asks for addresses only",
            ex.queries
                .first()
                .map_or("another type", |q| q.qtype.as_str())
        ));
    }
    if ex.resolv_conf.rotate && f.servers.len() > 1 {
        v.text.push_str(
            "; with options rotate glibc starts at a different server on each lookup, so the \
             server that answers varies",
        );
    }
    v.disagreements = disagreements(f, &path, &got, predicted, &dns_addrs, agrees);
    v
}

fn disagreements(
    f: &Facts,
    path: &DnsPath,
    got: &[IpAddr],
    predicted: Option<&'static str>,
    dns_addrs: &Option<Vec<IpAddr>>,
    agrees: bool,
) -> Vec<Disagreement> {
    let ex = f.ex;
    let mut out = Vec::new();
    let mut add = |kind: &'static str, text: String| out.push(Disagreement { kind, text });

    // The hosts file wins over DNS with other addresses.
    if let (Some("hosts"), Some(h), Some(d)) = (predicted, &ex.hosts_file, dns_addrs) {
        if set(&h.addrs) != set(d) {
            let (cand, server, _) = path.found.as_ref().expect("a DNS answer");
            add(
                "hosts-overrides-dns",
                format!(
                    "/etc/hosts line {} gives {}, DNS ({} for {cand}) gives {}: files comes \
                     before dns in nsswitch.conf, so the hosts file wins",
                    h.line,
                    list(&h.addrs),
                    server_name(*server),
                    list(d)
                ),
            );
        }
    }

    // Servers that answer the same question differently.
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for q in &ex.queries {
        if seen.contains(&(q.name.as_str(), q.qtype.as_str())) {
            continue;
        }
        seen.push((q.name.as_str(), q.qtype.as_str()));
        let said: Vec<(SocketAddr, String)> = ex
            .queries
            .iter()
            .filter(|o| o.name == q.name && o.qtype == q.qtype && o.outcome.accepted())
            .map(|o| (o.server, says(o)))
            .collect();
        let distinct: BTreeSet<&String> = said.iter().map(|(_, s)| s).collect();
        if distinct.len() > 1 {
            let each: Vec<String> = said
                .iter()
                .map(|(s, w)| format!("{} says {w}", server_name(*s)))
                .collect();
            add(
                "servers-differ",
                format!(
                    "{} {}: {} (split horizon, or one of them is stale)",
                    q.name,
                    q.qtype,
                    each.join("; ")
                ),
            );
        }
    }

    // A server that failed, and what glibc did next.
    let timeout = ex.resolv_conf.timeout;
    let mut reported: Vec<SocketAddr> = Vec::new();
    for (s, _, outcome) in &path.failed {
        if reported.contains(s) {
            continue;
        }
        reported.push(*s);
        let times = path.failed.iter().filter(|(o, _, _)| o == s).count();
        let next = f
            .servers
            .iter()
            .skip_while(|x| *x != s)
            .nth(1)
            .map(|n| server_name(*n));
        let what = match outcome {
            Outcome::Timeout => "timed out".to_string(),
            Outcome::Error => "could not be asked".to_string(),
            o => format!("answered {}", o.token()),
        };
        let mut text = match (&next, outcome) {
            (Some(n), Outcome::Timeout) => format!(
                "{} {what}: each lookup waits {timeout} s (timeout:{timeout}) before {n}",
                server_name(*s)
            ),
            (Some(n), _) => format!("{} {what}: glibc asked {n} next", server_name(*s)),
            (None, _) => format!(
                "{} {what}, and no server is left after it: the lookup fails (EAI_AGAIN)",
                server_name(*s)
            ),
        };
        // The wait counts only when the lookup went to DNS (the hosts file answers first).
        if *outcome == Outcome::Timeout && predicted != Some("hosts") {
            text.push_str(&format!(
                "; this lookup waited {} s for it ({} name{} tried)",
                times as u32 * timeout,
                times,
                if times == 1 { "" } else { "s" }
            ));
        }
        add("server-failed", text);
    }

    // The search list turned the name into another one.
    if let Some((cand, _, _)) = &path.found {
        let bare = f.name.trim_end_matches('.');
        if !cand.eq_ignore_ascii_case(bare) {
            let dots = bare.matches('.').count();
            add(
                "search-expansion",
                format!(
                    "{bare} has {dots} dot{} (ndots:{}), so the search list came first: it \
                     became {cand}{}",
                    if dots == 1 { "" } else { "s" },
                    ex.resolv_conf.ndots,
                    if path.passed.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " after {}",
                            path.passed
                                .iter()
                                .map(|(c, o)| format!("{c} {o}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                ),
            );
        }
    }

    // NODATA and NXDOMAIN, per family.
    if path.found.is_none() && path.got_nodata && f.address_types {
        let nodata: Vec<String> = ex
            .queries
            .iter()
            .filter(|q| q.outcome == Outcome::NoData)
            .map(|q| format!("{} {}", q.name, q.qtype))
            .collect();
        add(
            "no-data",
            format!(
                "the name exists but has no record of the type asked: NODATA (NOERROR, no \
                 answer), not NXDOMAIN, for {}",
                nodata.join(", ")
            ),
        );
    }
    for q in &ex.queries {
        if q.outcome != Outcome::NxDomain {
            continue;
        }
        if let Some(other) = ex
            .queries
            .iter()
            .find(|o| o.server == q.server && o.name == q.name && o.outcome == Outcome::Answer)
        {
            add(
                "nxdomain-vs-nodata",
                format!(
                    "{} answers {} {} but NXDOMAIN for {}: a name that exists should get \
                     NODATA (RFC 8020); a resolver may take NXDOMAIN for the whole name",
                    server_name(q.server),
                    q.name,
                    other.qtype,
                    q.qtype
                ),
            );
        }
    }

    // getaddrinfo's answer is not what the followed sources say.
    if f.address_types && !agrees {
        let expected = match predicted {
            Some("hosts") => ex.hosts_file.as_ref().map(|h| h.addrs.clone()),
            Some(_) => dns_addrs.clone(),
            None => None,
        };
        match expected {
            Some(e) if !got.is_empty() || !e.is_empty() => add(
                "getaddrinfo-differs",
                format!(
                    "getaddrinfo returned {}, but {} gives {}: a cache (nscd, \
                     systemd-resolved), a source sockdiag only names, or an answer that \
                     changed in between",
                    list(got),
                    if predicted == Some("hosts") {
                        "/etc/hosts"
                    } else {
                        "DNS"
                    },
                    list(&e)
                ),
            ),
            None if !got.is_empty() => add(
                "getaddrinfo-differs",
                format!(
                    "getaddrinfo returned {}, which neither /etc/hosts nor the servers asked \
                     give",
                    list(got)
                ),
            ),
            _ => {}
        }
    }
    out
}

/// What a server said, for comparing: the outcome and the sorted answer data.
fn says(q: &Exchange) -> String {
    match q.outcome {
        Outcome::Answer => {
            let mut d: Vec<&str> = q
                .answers
                .iter()
                .filter(|a| a.rtype == q.qtype)
                .map(|a| a.data.as_str())
                .collect();
            d.sort_unstable();
            d.join(", ")
        }
        o => o.token().to_string(),
    }
}
