//! The verdict: glibc's path replayed over what was found (nsswitch order, the hosts file,
//! the candidates, each server's answers with glibc's rules for moving on), compared with
//! what getaddrinfo really returned, and every disagreement named.
use super::dns::{Exchange, Outcome};
use super::replay::DnsReplay;
use super::resolvconf::server_name;
use super::Explain;
use crate::resolve::ResolveRecord;
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
    /// The queries were for addresses (A/AAAA), so DNS can be compared with getaddrinfo.
    pub address_types: bool,
    pub servers: &'a [SocketAddr],
    pub servers_from: &'static str,
    /// A cache that answers before nsswitch.conf's sources, when one runs (`nscd`).
    pub cache: Option<&'static str>,
    pub ex: &'a Explain,
}

pub(super) fn literal(what: &str) -> Verdict {
    Verdict {
        source: "literal",
        text: format!("no lookup: {what}; no source of nsswitch.conf is asked, no query sent"),
        ..Verdict::default()
    }
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

/// The candidates passed over before the answer, as `NAME OUTCOME` items.
fn passed(d: &DnsReplay) -> Vec<String> {
    let n = if d.candidate.is_some() {
        d.steps.len().saturating_sub(1)
    } else {
        d.steps.len()
    };
    d.steps[..n]
        .iter()
        .map(|s| format!("{} {}", s.candidate, step_word(s.result)))
        .collect()
}

fn step_word(result: &str) -> &str {
    match result {
        "failed" => "no answer (every server refused, failed or was silent)",
        "unreachable" => "no server reached",
        "not-asked" => "not asked (attempts:0)",
        "SERVFAIL" => "SERVFAIL",
        r => r,
    }
}

/// Why getaddrinfo's answer is not the replay's, in the words that fit what sockdiag knows.
fn why_differs(f: &Facts) -> String {
    let mut why = Vec::new();
    if let Some(c) = f.cache {
        why.push(format!("a cache ({c} runs: glibc asks it first)"));
    }
    if f.ex.replay.result == "unknown" {
        if let Some(n) = &f.ex.replay.note {
            why.push(n.clone());
        }
    }
    if f.servers_from == "--server" {
        why.push("getaddrinfo asked resolv.conf's servers, not those of --server".into());
    }
    why.push("an answer that changed in between".into());
    why.join(", or ")
}

pub(super) fn judge(f: &Facts) -> Verdict {
    let ex = f.ex;
    let rp = &ex.replay;
    let mut v = Verdict::default();
    let got: Vec<IpAddr> = f.got.addrs.iter().map(|a| a.addr).collect();
    let predicted: Option<&[IpAddr]> = match rp.result {
        "found" => Some(&rp.addrs),
        "not-found" => Some(&[]),
        _ => None,
    };
    let agrees = predicted.is_some_and(|p| set(p) == set(&got));
    v.source = match (got.is_empty(), agrees, rp.source.as_deref()) {
        (true, _, _) => "none",
        (false, true, Some("files")) => "hosts",
        (false, true, Some(_)) => "dns",
        _ => "other",
    };
    match v.source {
        "hosts" => {
            let h = ex.hosts_file.as_ref().expect("a hosts match");
            v.line = Some(h.line);
            v.text = format!("from /etc/hosts line {}", h.line);
        }
        "dns" => {
            let server = rp.dns.server.expect("a DNS answer");
            let cand = rp.dns.candidate.clone().unwrap_or_default();
            v.server = Some(server_name(server));
            v.candidate = Some(cand.clone());
            v.text = format!("from {} for candidate {cand}", server_name(server));
            let before = passed(&rp.dns);
            if !before.is_empty() {
                v.text.push_str(&format!(" after {}", before.join(", ")));
            }
        }
        "other" => {
            v.text = format!(
                "not what glibc's rules give over what sockdiag saw ({}): {}",
                list(predicted.unwrap_or(&[])),
                why_differs(f)
            );
        }
        _ => {
            let e = f
                .got
                .error
                .as_ref()
                .map_or(String::new(), |e| format!(" ({})", e.message));
            let mut path: Vec<String> = rp
                .nsswitch
                .iter()
                .map(|s| match s.status {
                    Some(st) => format!("{} {}", s.source, st.token()),
                    None => format!("{} (not followed)", s.source),
                })
                .collect();
            let steps = passed(&rp.dns);
            if !steps.is_empty() {
                path.push(format!("dns tried {}", steps.join(", ")));
            }
            if let Some(n) = &rp.note {
                path.push(n.clone());
            }
            v.text = format!("getaddrinfo found nothing{e}: {}", path.join("; "));
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
    v.disagreements = disagreements(f, &got, predicted, agrees);
    v
}

fn disagreements(
    f: &Facts,
    got: &[IpAddr],
    predicted: Option<&[IpAddr]>,
    agrees: bool,
) -> Vec<Disagreement> {
    let ex = f.ex;
    let rp = &ex.replay;
    let dns = &rp.dns;
    let mut out = Vec::new();
    let mut add = |kind: &'static str, text: String| out.push(Disagreement { kind, text });

    // The hosts file answered, and DNS (not asked by glibc) has other addresses.
    if let (Some("files"), Some(h), Some(server)) =
        (rp.source.as_deref(), &ex.hosts_file, dns.server)
    {
        if dns.status == Some(super::nsswitch::Status::Success) && set(&h.addrs) != set(&dns.addrs)
        {
            let cand = dns.candidate.clone().unwrap_or_default();
            add(
                "hosts-overrides-dns",
                format!(
                    "/etc/hosts line {} gives {}, DNS ({} for {cand}) gives {}: files comes \
                     before dns in nsswitch.conf, so the hosts file wins",
                    h.line,
                    list(&h.addrs),
                    server_name(server),
                    list(&dns.addrs)
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
    let by_dns = rp
        .nsswitch
        .iter()
        .any(|s| s.source == "dns" && s.status.is_some());
    let mut reported: Vec<SocketAddr> = Vec::new();
    for (s, _, outcome) in &dns.failed {
        if reported.contains(s) {
            continue;
        }
        reported.push(*s);
        let times = dns.failed.iter().filter(|(o, _, _)| o == s).count();
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
                "{} {what}, and no server is left after it: glibc takes that candidate as \
                 failed (the dns source is UNAVAIL if no candidate answers)",
                server_name(*s)
            ),
        };
        // The wait counts only when the lookup went to DNS.
        if *outcome == Outcome::Timeout && by_dns {
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
    if let Some(cand) = &dns.candidate {
        let bare = f.name.trim_end_matches('.');
        if dns.status == Some(super::nsswitch::Status::Success) && !cand.eq_ignore_ascii_case(bare)
        {
            let dots = bare.matches('.').count();
            let before = passed(dns);
            add(
                "search-expansion",
                format!(
                    "{bare} has {dots} dot{} (ndots:{}), so the search list came first: it \
                     became {cand}{}",
                    if dots == 1 { "" } else { "s" },
                    ex.resolv_conf.ndots,
                    if before.is_empty() {
                        String::new()
                    } else {
                        format!(" after {}", before.join(", "))
                    }
                ),
            );
        }
    }

    // NODATA and NXDOMAIN, per family.
    if dns.candidate.is_none() && dns.got_nodata && f.address_types {
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

    // getaddrinfo's answer is not what glibc's rules give over what was found.
    if f.address_types && !agrees {
        match predicted {
            Some(p) => add(
                "getaddrinfo-differs",
                format!(
                    "getaddrinfo returned {}, but glibc's rules over what sockdiag saw give {}: \
                     {}",
                    list(got),
                    list(p),
                    why_differs(f)
                ),
            ),
            None if !got.is_empty() => add(
                "getaddrinfo-differs",
                format!(
                    "getaddrinfo returned {}, which sockdiag cannot replay: {}",
                    list(got),
                    why_differs(f)
                ),
            ),
            None => {}
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
