//! Issue 10: ICMP rate limiting for every kind of ICMP reject, not only port unreachable. A
//! host limits all its ICMP errors (Linux: a burst of 6 and one a second per destination), so
//! a port rejected with host-unreachable or admin-prohibited goes silent just as a
//! port-unreachable one does. Each reject kind of nft, v4 and v6, on 11 ports of a peer over
//! a veth link with the kernel's default limits: no rejected port may be reported
//! `filtered no-response`, the summary names the kind, and the note says what helps.
use crate::lab;
use lab::{json_lines, Ns};
use serde_json::Value;

/// (nft reject clause, the state and reason of an answered port).
const V4_KINDS: &[(&str, &str, &str)] = &[
    ("icmp type host-unreachable", "unreachable", "host-unreach"),
    ("icmp type net-unreachable", "unreachable", "net-unreach"),
    ("icmp type prot-unreachable", "filtered", "proto-unreach"),
    ("icmp type port-unreachable", "closed", "port-unreach"),
    ("icmp type admin-prohibited", "filtered", "admin-prohibited"),
    ("icmp type host-prohibited", "filtered", "admin-prohibited"),
    ("icmp type net-prohibited", "filtered", "admin-prohibited"),
];

const V6_KINDS: &[(&str, &str, &str)] = &[
    ("icmpv6 type no-route", "unreachable", "net-unreach"),
    (
        "icmpv6 type admin-prohibited",
        "filtered",
        "admin-prohibited",
    ),
    (
        "icmpv6 type addr-unreachable",
        "unreachable",
        "host-unreach",
    ),
    ("icmpv6 type port-unreachable", "closed", "port-unreach"),
    ("icmpv6 type policy-fail", "filtered", "admin-prohibited"),
    ("icmpv6 type reject-route", "filtered", "admin-prohibited"),
];

const PORTS: &str = "5000-5010";

/// An nft ruleset: `rules` in the input chain of a table of `family`.
fn ruleset(family: &str, rules: &str) -> String {
    format!(
        "table {family} t {{\n chain in {{\n  type filter hook input priority 0; policy accept;\n  {rules}\n }}\n}}\n"
    )
}

/// One probe of PORTS from a fresh pair (the peer's limit untouched) whose peer rejects them
/// with `clause`; `extra` arguments before the target.
fn probe_rejects(tag: &str, clause: &str, v6: bool, format: &str, extra: &[&str]) -> Vec<u8> {
    let a = Ns::new(tag).expect("lab");
    let b = a.peer();
    let family = if v6 { "ip6" } else { "ip" };
    b.nft(&ruleset(
        family,
        &format!("tcp dport {PORTS} reject with {clause}"),
    ));
    let addr = if v6 { "2001:db8::2" } else { "192.0.2.2" };
    let mut args = vec!["probe", "--format", format, "--timeout", "300ms"];
    args.extend_from_slice(extra);
    args.extend([addr, PORTS]);
    let o = a.sockdiag(&args);
    assert_eq!(o.status.code(), Some(1), "{clause}: {o:?}");
    o.stdout
}

/// What one kind came to: the records and summary of a default run and of a run with one try
/// and no adaptation (where nothing else can make up for a held-back reply), and the plain
/// output of the latter.
struct Runs {
    default: Vec<Value>,
    one_try: Vec<Value>,
    plain: String,
}

fn lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

fn check(kinds: &'static [(&'static str, &'static str, &'static str)], v6: bool) {
    if Ns::new("icmprl-probe").is_none() {
        return;
    }
    let one_try: &[&str] = &["--no-adapt", "--retries", "0"];
    // Each kind and mode in its own pair of namespaces, all at once: a probe mostly waits.
    let runs: Vec<_> = kinds
        .iter()
        .enumerate()
        .map(|(i, &(clause, state, reason))| {
            let tag = format!("irl{}{i}", if v6 { 6 } else { 4 });
            std::thread::spawn(move || {
                let default = probe_rejects(&format!("{tag}d"), clause, v6, "json", &[]);
                let once = probe_rejects(&format!("{tag}o"), clause, v6, "json", one_try);
                let plain = probe_rejects(&format!("{tag}p"), clause, v6, "plain", one_try);
                let runs = Runs {
                    default: lines(&default),
                    one_try: lines(&once),
                    plain: String::from_utf8_lossy(&plain).into_owned(),
                };
                (clause, state, reason, runs)
            })
        })
        .collect();
    // Every thread joined before any assertion: a panic must not end the test while other
    // threads still hold namespaces (they are removed when their owners drop).
    let done: Vec<_> = runs.into_iter().map(|r| r.join()).collect();
    let mut failures = Vec::new();
    for run in done {
        let Ok((clause, state, reason, runs)) = run else {
            failures.push("a probe thread panicked (above)".to_string());
            continue;
        };
        let limited_state = if reason == "port-unreach" {
            "closed|filtered"
        } else {
            "filtered"
        };
        for (mode, json) in [("default", &runs.default), ("one try", &runs.one_try)] {
            let mut limited = 0;
            for v in json.iter().filter(|v| v["type"] == "probe") {
                let got = (v["state"].as_str().unwrap(), v["reason"].as_str().unwrap());
                if got == (limited_state, "icmp-rate-limited") {
                    limited += 1;
                } else if got != (state, reason) {
                    failures.push(format!("{clause} ({mode}): port {} is {got:?}", v["port"]));
                }
            }
            let s = json.iter().find(|v| v["type"] == "probe-summary").unwrap();
            let said = &s["icmp_rate_limited"];
            if limited > 0 && said[0]["icmp"] != serde_json::json!([reason]) {
                failures.push(format!("{clause} ({mode}): the summary says {said}"));
            }
            // 11 rejects against a burst of 6: with one try, some were held back.
            if mode == "one try" && limited == 0 {
                failures.push(format!("{clause} ({mode}): none rate-limited; {s}"));
            }
        }
        let words = format!("ICMP {} replies from", kind_words(reason));
        if !runs.plain.contains(&words) || !runs.plain.contains("--rate 1") {
            failures.push(format!(
                "{clause}: the note lacks {words:?} or --rate:\n{}",
                runs.plain
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// How the note names an ICMP reject kind.
fn kind_words(reason: &str) -> &'static str {
    match reason {
        "port-unreach" => "port-unreachable",
        "host-unreach" => "host-unreachable",
        "net-unreach" => "net-unreachable",
        "proto-unreach" => "protocol-unreachable",
        "admin-prohibited" => "admin-prohibited",
        _ => panic!("{reason}"),
    }
}

#[test]
fn every_icmpv4_reject_kind_is_caught_when_rate_limited() {
    check(V4_KINDS, false);
}

#[test]
fn every_icmpv6_reject_kind_is_caught_when_rate_limited() {
    check(V6_KINDS, true);
}

/// Two kinds from one host (the burst of 6 answers some of each): every kind seen is named in
/// the summary, a port is `closed|filtered` only when port unreachable was among them, and a
/// host-unreachable port is never `closed`.
#[test]
fn a_mixed_host_names_every_kind_and_never_calls_a_host_unreachable_port_closed() {
    let Some(a) = Ns::new("icmprl-mixed") else {
        return;
    };
    let b = a.peer();
    b.nft(&ruleset(
        "ip",
        "tcp dport { 5000-5002, 5006-5010 } reject with icmp type host-unreachable\n\
         tcp dport { 5003-5005, 5011-5015 } reject with icmp type port-unreachable",
    ));
    let o = a.sockdiag(&[
        "probe",
        "--json",
        "--timeout",
        "300ms",
        "--no-adapt",
        "--retries",
        "0",
        "192.0.2.2",
        "5000-5015",
    ]);
    let json = json_lines(&o);
    let s = json.iter().find(|v| v["type"] == "probe-summary").unwrap();
    let kinds: Vec<&str> = s["icmp_rate_limited"][0]["icmp"]
        .as_array()
        .unwrap_or_else(|| panic!("nothing rate-limited: {s}"))
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    eprintln!("kinds named: {kinds:?}");
    let mut seen = Vec::new();
    for v in json.iter().filter(|v| v["type"] == "probe") {
        let port = v["port"].as_u64().unwrap();
        let host_unreach = (5000..=5002).contains(&port) || (5006..=5010).contains(&port);
        let got = (v["state"].as_str().unwrap(), v["reason"].as_str().unwrap());
        match got {
            (st, "icmp-rate-limited") => {
                let want = if kinds.contains(&"port-unreach") {
                    "closed|filtered"
                } else {
                    "filtered"
                };
                assert_eq!(st, want, "port {port}: {v}; kinds {kinds:?}");
            }
            _ if host_unreach => assert_eq!(got, ("unreachable", "host-unreach"), "{v}"),
            _ => assert_eq!(got, ("closed", "port-unreach"), "{v}"),
        }
        if got.1 != "icmp-rate-limited" && !seen.contains(&got.1) {
            seen.push(got.1);
        }
    }
    seen.sort();
    let mut named = kinds.clone();
    named.sort();
    assert_eq!(named, seen, "{s}");
}
