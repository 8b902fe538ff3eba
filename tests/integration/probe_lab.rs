//! `sockdiag probe` against real listeners, real nft rules and real routes, all inside
//! namespaces the tests make: every row of the states table, full-range scans on a loopback
//! that holds only the test's listeners, a tiny fd limit and a tiny ephemeral port range,
//! rate-limited ICMP, and the command line (exit codes, JSON, summary, --wait, --count,
//! Ctrl-C).
use crate::lab;
use lab::{json_lines, stdout, Ns};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// The probe records of a JSON run, by (address, port); panics on a port reported twice.
fn records(o: &Output) -> BTreeMap<(String, u16), Value> {
    let mut m = BTreeMap::new();
    for v in json_lines(o) {
        if v["type"] != "probe" {
            continue;
        }
        let key = (
            v["addr"].as_str().expect("addr").to_string(),
            v["port"].as_u64().expect("port") as u16,
        );
        if let Some(old) = m.insert(key.clone(), v.clone()) {
            panic!("{key:?} reported twice: {old} and {v}");
        }
    }
    m
}

/// The `probe-summary` record of a JSON run.
fn summary(o: &Output) -> Value {
    json_lines(o)
        .into_iter()
        .find(|v| v["type"] == "probe-summary")
        .unwrap_or_else(|| panic!("no summary in {}", stdout(o)))
}

fn state(v: &Value) -> (String, String) {
    (
        v["state"].as_str().unwrap_or("?").to_string(),
        v["reason"].as_str().unwrap_or("?").to_string(),
    )
}

/// Ports reported open.
fn open_set(recs: &BTreeMap<(String, u16), Value>) -> BTreeSet<u16> {
    recs.iter()
        .filter(|(_, v)| v["state"] == "open")
        .map(|((_, p), _)| *p)
        .collect()
}

fn ports_arg(ports: &[u16]) -> String {
    ports
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn lo4() -> IpAddr {
    "127.0.0.1".parse().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Full range and local resource limits
// ---------------------------------------------------------------------------------------------

#[test]
fn full_range_on_loopback_finds_exactly_the_listeners_20_runs_in_a_row() {
    let Some(ns) = Ns::new("probe-full") else {
        return;
    };
    // A narrow ephemeral range with listeners inside it: self-connects happen here.
    ns.sysctl(&["net.ipv4.ip_local_port_range=40000 40063"]);
    let want: BTreeSet<u16> = [1, 22, 8080, 40001, 40030, 40063, 65535].into();
    let _l = ns.listen(lo4(), &want.iter().copied().collect::<Vec<_>>());
    for run in 1..=20 {
        let o = ns.sockdiag(&["probe", "--json", "127.0.0.1", "-"]);
        let recs = records(&o);
        assert_eq!(recs.len(), 65535, "run {run}: every port once");
        assert_eq!(open_set(&recs), want, "run {run}: open set");
        for ((_, p), v) in &recs {
            if !want.contains(p) {
                assert_eq!(
                    state(v),
                    ("closed".into(), "conn-refused".into()),
                    "run {run}: {v}"
                );
            } else {
                let local = v["local"].as_str().expect("local of an open port");
                assert_ne!(local, format!("127.0.0.1:{p}"), "run {run}: self-connect");
            }
        }
        assert_eq!(
            o.status.code(),
            Some(1),
            "run {run}: some ports are not open"
        );
    }
    // Table output: open ports listed, the rest summed.
    let o = ns.sockdiag(&["probe", "--format", "plain", "127.0.0.1", "-"]);
    let text = stdout(&o);
    assert!(
        text.contains(&format!("# {} closed (conn-refused)", 65535 - want.len())),
        "{text}"
    );
    assert_eq!(
        text.lines().filter(|l| l.contains("\topen\t")).count(),
        want.len(),
        "{text}"
    );
}

/// A line of `sh` that runs sockdiag with these arguments inside the namespace.
fn sockdiag_sh(ns: &Ns, prelude: &str, args: &[&str]) -> Output {
    let bin = lab::sockdiag_bin();
    let mut c = ns.cmd("sh");
    c.args([
        "-c",
        &format!("{prelude} && exec \"$0\" \"$@\""),
        bin.to_str().unwrap(),
    ]);
    c.args(args).stdin(Stdio::null()).output().expect("sh")
}

#[test]
fn fd_limit_of_64_scan_of_2000_ports_is_complete_and_right() {
    let Some(ns) = Ns::new("probe-ulimit") else {
        return;
    };
    let want: BTreeSet<u16> = [1, 500, 1000, 1500, 1999, 2000].into();
    let _l = ns.listen(lo4(), &want.iter().copied().collect::<Vec<_>>());
    // Default window (from the limit), and one far larger than the limit allows.
    for extra in [&[][..], &["--concurrency", "1000"][..]] {
        let mut args = vec!["probe", "--json"];
        args.extend_from_slice(extra);
        args.extend(["127.0.0.1", "1-2000"]);
        let o = sockdiag_sh(&ns, "ulimit -Sn 64 && ulimit -Hn 64", &args);
        assert_eq!(o.status.code(), Some(1), "{extra:?}: {o:?}");
        let recs = records(&o);
        assert_eq!(recs.len(), 2000, "{extra:?}");
        assert_eq!(open_set(&recs), want, "{extra:?}");
        for ((_, p), v) in &recs {
            if !want.contains(p) {
                assert_eq!(state(v), ("closed".into(), "conn-refused".into()), "{v}");
            }
        }
    }
    // The limit the scans above ran under really was 64, soft and hard.
    let o = ns
        .cmd("sh")
        .args([
            "-c",
            "ulimit -Sn 64 && ulimit -Hn 64 && exec cat /proc/self/limits",
        ])
        .output()
        .unwrap();
    let limits = stdout(&o);
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap_or_else(|| panic!("{limits}"));
    assert_eq!(
        line.split_whitespace().collect::<Vec<_>>()[3..5],
        ["64", "64"],
        "{line}"
    );
}

#[test]
fn ten_port_ephemeral_range_scan_of_1000_ports_misreports_nothing() {
    let Some(ns) = Ns::new("probe-eph10") else {
        return;
    };
    ns.sysctl(&["net.ipv4.ip_local_port_range=40000 40009"]);
    // Listeners in the scanned range, one of them among the ephemeral ports.
    let want: BTreeSet<u16> = [39500, 39990, 40003, 40400].into();
    let _l = ns.listen(lo4(), &want.iter().copied().collect::<Vec<_>>());
    for run in 1..=3 {
        let o = ns.sockdiag(&["probe", "--json", "127.0.0.1", "39500-40499"]);
        assert_eq!(o.status.code(), Some(1), "{o:?}");
        let recs = records(&o);
        assert_eq!(recs.len(), 1000, "run {run}");
        assert_eq!(open_set(&recs), want, "run {run}");
        for ((_, p), v) in &recs {
            if !want.contains(p) {
                assert_eq!(
                    state(v),
                    ("closed".into(), "conn-refused".into()),
                    "run {run}: {v}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The states table, made real
// ---------------------------------------------------------------------------------------------

/// A client namespace and its veth peer (192.0.2.1 / 2001:db8::1 here, .2 / ::2 there), with
/// the peer's ICMP error rate limit off so every reject is answered at once (rate limiting
/// has its own test).
fn pair(tag: &str) -> Option<(Ns, Ns)> {
    let a = Ns::new(tag)?;
    let b = a.peer();
    b.sysctl(&["net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0"]);
    Some((a, b))
}

/// The expected (state, reason, icmp type/code and sender) of one port.
struct Row {
    port: u16,
    state: &'static str,
    reason: &'static str,
    icmp: Option<(u64, u64, &'static str)>,
    errno: Option<&'static str>,
}

fn check_rows(recs: &BTreeMap<(String, u16), Value>, addr: &str, rows: &[Row]) {
    for row in rows {
        let v = recs
            .get(&(addr.to_string(), row.port))
            .unwrap_or_else(|| panic!("no result for {addr} port {}", row.port));
        assert_eq!(
            state(v),
            (row.state.to_string(), row.reason.to_string()),
            "{addr} port {}: {v}",
            row.port
        );
        match row.icmp {
            Some((t, c, from)) => {
                assert_eq!(v["icmp"]["type"], t, "{v}");
                assert_eq!(v["icmp"]["code"], c, "{v}");
                assert_eq!(v["icmp"]["from"], from, "{v}");
            }
            None => assert_eq!(v["icmp"], Value::Null, "{v}"),
        }
        match row.errno {
            Some(e) => assert_eq!(v["errno"], e, "{v}"),
            None => assert_eq!(v["errno"], Value::Null, "{v}"),
        }
        for key in [
            "type", "target", "addr", "port", "proto", "state", "reason", "errno", "icmp",
            "rtt_ms", "tries", "local",
        ] {
            assert!(v.get(key).is_some(), "{key} missing in {v}");
        }
        assert_eq!(v["proto"], "tcp");
        assert_eq!(v["target"], addr);
        if row.state == "open" {
            assert!(
                v["rtt_ms"].as_f64().is_some() && v["local"].is_string(),
                "{v}"
            );
        }
    }
}

const NFT_REJECTS: &str = r#"
table inet t {
    chain in {
        type filter hook input priority 0; policy accept;
        tcp dport 1001 drop
        tcp dport 1002 reject with tcp reset
        meta nfproto ipv4 tcp dport 1003 reject with icmp type port-unreachable
        meta nfproto ipv4 tcp dport 1004 reject with icmp type admin-prohibited
        meta nfproto ipv4 tcp dport 1005 reject with icmp type host-unreachable
        meta nfproto ipv4 tcp dport 1006 reject with icmp type prot-unreachable
        meta nfproto ipv4 tcp dport 1007 reject with icmp type host-prohibited
        meta nfproto ipv4 tcp dport 1008 reject with icmp type net-unreachable
        meta nfproto ipv6 tcp dport 1003 reject with icmpv6 type port-unreachable
        meta nfproto ipv6 tcp dport 1004 reject with icmpv6 type admin-prohibited
        meta nfproto ipv6 tcp dport 1005 reject with icmpv6 type addr-unreachable
        meta nfproto ipv6 tcp dport 1008 reject with icmpv6 type no-route
    }
}
"#;

#[test]
fn nft_drop_and_rejects_give_each_state_reason_and_icmp_detail_v4_and_v6() {
    let Some((a, b)) = pair("probe-nft") else {
        return;
    };
    b.nft(NFT_REJECTS);
    // One dual-stack listener.
    let _l = b.listen("::".parse().unwrap(), &[1000]);
    let ports = "1000-1009";
    let o = a.sockdiag(&[
        "probe",
        "--json",
        "--timeout",
        "300ms",
        "--retries",
        "0",
        "192.0.2.2,[2001:db8::2]",
        ports,
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let recs = records(&o);
    assert_eq!(recs.len(), 20, "{recs:?}");
    let v4 = "192.0.2.2";
    check_rows(
        &recs,
        v4,
        &[
            Row {
                port: 1000,
                state: "open",
                reason: "syn-ack",
                icmp: None,
                errno: None,
            },
            Row {
                port: 1001,
                state: "filtered",
                reason: "no-response",
                icmp: None,
                errno: None,
            },
            Row {
                port: 1002,
                state: "closed",
                reason: "conn-refused",
                icmp: None,
                errno: Some("ECONNREFUSED"),
            },
            Row {
                port: 1003,
                state: "closed",
                reason: "port-unreach",
                icmp: Some((3, 3, v4)),
                errno: Some("ECONNREFUSED"),
            },
            Row {
                port: 1004,
                state: "filtered",
                reason: "admin-prohibited",
                icmp: Some((3, 13, v4)),
                errno: Some("EHOSTUNREACH"),
            },
            Row {
                port: 1005,
                state: "unreachable",
                reason: "host-unreach",
                icmp: Some((3, 1, v4)),
                errno: Some("EHOSTUNREACH"),
            },
            Row {
                port: 1006,
                state: "filtered",
                reason: "proto-unreach",
                icmp: Some((3, 2, v4)),
                errno: Some("ENOPROTOOPT"),
            },
            Row {
                port: 1007,
                state: "filtered",
                reason: "admin-prohibited",
                icmp: Some((3, 10, v4)),
                errno: Some("EHOSTUNREACH"),
            },
            Row {
                port: 1008,
                state: "unreachable",
                reason: "net-unreach",
                icmp: Some((3, 0, v4)),
                errno: Some("ENETUNREACH"),
            },
            Row {
                port: 1009,
                state: "closed",
                reason: "conn-refused",
                icmp: None,
                errno: Some("ECONNREFUSED"),
            },
        ],
    );
    let v6 = "2001:db8::2";
    check_rows(
        &recs,
        v6,
        &[
            Row {
                port: 1000,
                state: "open",
                reason: "syn-ack",
                icmp: None,
                errno: None,
            },
            Row {
                port: 1001,
                state: "filtered",
                reason: "no-response",
                icmp: None,
                errno: None,
            },
            Row {
                port: 1002,
                state: "closed",
                reason: "conn-refused",
                icmp: None,
                errno: Some("ECONNREFUSED"),
            },
            Row {
                port: 1003,
                state: "closed",
                reason: "port-unreach",
                icmp: Some((1, 4, v6)),
                errno: Some("ECONNREFUSED"),
            },
            Row {
                port: 1004,
                state: "filtered",
                reason: "admin-prohibited",
                icmp: Some((1, 1, v6)),
                errno: Some("EACCES"),
            },
            Row {
                port: 1005,
                state: "unreachable",
                reason: "host-unreach",
                icmp: Some((1, 3, v6)),
                errno: Some("EHOSTUNREACH"),
            },
            Row {
                port: 1008,
                state: "unreachable",
                reason: "net-unreach",
                icmp: Some((1, 0, v6)),
                errno: Some("ENETUNREACH"),
            },
        ],
    );
    let s = summary(&o);
    assert_eq!(s["probed"], 20);
    assert_eq!(s["interrupted"], false);
}

#[test]
fn routes_on_a_router_unreachable_prohibit_blackhole_v4_and_v6() {
    let Some((a, r)) = pair("probe-route") else {
        return;
    };
    r.sysctl(&["net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"]);
    a.sh("ip route add 198.51.100.0/24 via 192.0.2.2 && \
         ip -6 route add 2001:db8:1::/64 via 2001:db8::2");
    r.sh(
        "ip route add unreachable 198.51.100.10 && ip route add prohibit 198.51.100.20 && \
         ip route add blackhole 198.51.100.30 && \
         ip -6 route add unreachable 2001:db8:1::10 && ip -6 route add prohibit 2001:db8:1::20 && \
         ip -6 route add blackhole 2001:db8:1::30",
    );
    // -Pn: none of these answers host discovery; each one's reason is the point.
    let o = a.sockdiag(&[
        "probe",
        "--json",
        "-Pn",
        "--timeout",
        "300ms",
        "--retries",
        "0",
        "198.51.100.10,198.51.100.20,198.51.100.30,[2001:db8:1::10],[2001:db8:1::20],[2001:db8:1::30]",
        "80",
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let recs = records(&o);
    assert_eq!(recs.len(), 6, "{recs:?}");
    let (r4, r6) = ("192.0.2.2", "2001:db8::2");
    let row = |state, reason, icmp, errno| Row {
        port: 80,
        state,
        reason,
        icmp,
        errno,
    };
    check_rows(
        &recs,
        "198.51.100.10",
        &[row(
            "unreachable",
            "host-unreach",
            Some((3, 1, r4)),
            Some("EHOSTUNREACH"),
        )],
    );
    check_rows(
        &recs,
        "198.51.100.20",
        &[row(
            "filtered",
            "admin-prohibited",
            Some((3, 13, r4)),
            Some("EHOSTUNREACH"),
        )],
    );
    check_rows(
        &recs,
        "198.51.100.30",
        &[row("filtered", "no-response", None, None)],
    );
    check_rows(
        &recs,
        "2001:db8:1::10",
        &[row(
            "unreachable",
            "net-unreach",
            Some((1, 0, r6)),
            Some("ENETUNREACH"),
        )],
    );
    check_rows(
        &recs,
        "2001:db8:1::20",
        &[row(
            "filtered",
            "admin-prohibited",
            Some((1, 1, r6)),
            Some("EACCES"),
        )],
    );
    check_rows(
        &recs,
        "2001:db8:1::30",
        &[row("filtered", "no-response", None, None)],
    );
}

#[test]
fn no_route_is_net_unreach_and_a_silent_on_link_host_is_host_unreach() {
    let Some((a, _b)) = pair("probe-noroute") else {
        return;
    };
    let dev = a.veth().expect("veth");
    // Give up on ARP/NDP after one solicitation of 100ms instead of three of a second.
    a.sysctl(&[
        &format!("net.ipv4.neigh.{dev}.mcast_solicit=1"),
        &format!("net.ipv4.neigh.{dev}.retrans_time_ms=100"),
        &format!("net.ipv6.neigh.{dev}.mcast_solicit=1"),
        &format!("net.ipv6.neigh.{dev}.retrans_time_ms=100"),
    ]);
    // -Pn: none of these answers host discovery; each one's reason is the point.
    let o = a.sockdiag(&[
        "probe",
        "--json",
        "-Pn",
        "--timeout",
        "5s",
        "--retries",
        "0",
        "203.0.113.5,[2001:db8:ffff::5],192.0.2.77,[2001:db8::77]",
        "80",
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let recs = records(&o);
    assert_eq!(recs.len(), 4, "{recs:?}");
    let row = |state, reason, icmp, errno| Row {
        port: 80,
        state,
        reason,
        icmp,
        errno,
    };
    check_rows(
        &recs,
        "203.0.113.5",
        &[row("unreachable", "net-unreach", None, Some("ENETUNREACH"))],
    );
    check_rows(
        &recs,
        "2001:db8:ffff::5",
        &[row("unreachable", "net-unreach", None, Some("ENETUNREACH"))],
    );
    // No ARP/NDP answer: the kernel reports it as an ICMP error from ourselves.
    check_rows(
        &recs,
        "192.0.2.77",
        &[row(
            "unreachable",
            "host-unreach",
            Some((3, 1, "192.0.2.1")),
            Some("EHOSTUNREACH"),
        )],
    );
    check_rows(
        &recs,
        "2001:db8::77",
        &[row(
            "unreachable",
            "host-unreach",
            Some((1, 3, "2001:db8::1")),
            Some("EHOSTUNREACH"),
        )],
    );
}

// ---------------------------------------------------------------------------------------------
// Rate-limited ICMP
// ---------------------------------------------------------------------------------------------

const NFT_PORT_UNREACH_200: &str = r#"
table inet t {
    chain in {
        type filter hook input priority 0; policy accept;
        tcp dport 2000-2199 reject with icmpx type port-unreachable
        tcp dport 2200-2249 drop
    }
}
"#;

/// 200 ports rejected by ICMP port unreachable and 50 dropped, with the kernel's default ICMP
/// rate limits: a rejected port is never reported `filtered`; where the replies were limited
/// it is `closed|filtered` and the summary says so. Dropped ports are never `closed`.
/// Returns how many rejected ports were reported rate-limited.
fn rate_limited_rejects(ns_probe: &Ns, addr: &str, retries: &str) -> usize {
    let o = ns_probe.sockdiag(&[
        "probe",
        "--json",
        "--timeout",
        "300ms",
        "--retries",
        retries,
        addr,
        "2000-2249",
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let recs = records(&o);
    assert_eq!(recs.len(), 250);
    let mut limited = 0;
    for ((_, p), v) in &recs {
        let (st, re) = state(v);
        if *p < 2200 {
            match (st.as_str(), re.as_str()) {
                ("closed", "port-unreach") => {}
                ("closed|filtered", "icmp-rate-limited") => limited += 1,
                _ => panic!("port {p} is rejected, reported {v}"),
            }
        } else {
            assert!(
                matches!(
                    (st.as_str(), re.as_str()),
                    ("filtered", "no-response") | ("closed|filtered", "icmp-rate-limited")
                ),
                "port {p} is dropped, reported {v}"
            );
        }
    }
    let s = summary(&o);
    let said = s["icmp_rate_limited"].as_array().unwrap();
    if limited > 0 {
        assert_eq!(said.len(), 1, "{s}");
        assert_eq!(said[0]["addr"], addr.trim_matches(['[', ']']), "{s}");
        assert_eq!(said[0]["icmp"], serde_json::json!(["port-unreach"]), "{s}");
    }
    eprintln!("{addr}: {limited} of 200 rejected ports were rate-limited");
    limited
}

#[test]
fn icmp_port_unreach_over_a_link_is_never_reported_filtered() {
    let Some(a) = Ns::new("probe-icmprl") else {
        return;
    };
    let b = a.peer();
    b.nft(NFT_PORT_UNREACH_200);
    // The sender's per-destination limit (a burst of 6, then one a second) answers a few.
    assert!(rate_limited_rejects(&a, "192.0.2.2", "1") > 0);
    // No retries: every first try is out before the first reply is back, so no try can be
    // a suspect with a canary from the start (the engine tries the silent ones once more).
    assert!(rate_limited_rejects(&a, "[2001:db8::2]", "0") > 0);
    // The table says so in words (a fresh pair: the limit above is spent).
    let a = Ns::new("probe-icmprl2").expect("lab");
    let b = a.peer();
    b.nft(NFT_PORT_UNREACH_200);
    let o = a.sockdiag(&[
        "probe",
        "--format",
        "plain",
        "--timeout",
        "300ms",
        "--retries",
        "0",
        "192.0.2.2",
        "2000-2199",
    ]);
    let text = stdout(&o);
    assert!(!text.contains("filtered (no-response)"), "{text}");
    assert!(
        text.contains("closed|filtered (icmp-rate-limited)"),
        "{text}"
    );
    assert!(
        text.contains("# ICMP port-unreachable replies from 192.0.2.2 were rate-limited"),
        "{text}"
    );
}

#[test]
fn icmp_port_unreach_on_loopback_is_never_reported_filtered() {
    let Some(ns) = Ns::new("probe-icmprl-lo") else {
        return;
    };
    ns.nft(NFT_PORT_UNREACH_200);
    // Loopback has only the namespace-wide limit (1000/s, bursts of 50); no retries.
    for _ in 0..3 {
        rate_limited_rejects(&ns, "127.0.0.1", "0");
        rate_limited_rejects(&ns, "[::1]", "0");
    }
}

// ---------------------------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------------------------

#[test]
fn exit_codes_all_open_some_not_bad_input_nothing_probed() {
    let Some(ns) = Ns::new("probe-exit") else {
        return;
    };
    let l = ns.listen(lo4(), &[0, 0]);
    let p: Vec<u16> = l.iter().map(|l| l.local_addr().unwrap().port()).collect();
    let open = ports_arg(&p);
    let o = ns.sockdiag(&["probe", "127.0.0.1", &open]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let o = ns.sockdiag(&["probe", "127.0.0.1", &open, "1"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    for (args, quoted) in [
        (&["probe", "127.0.0.1", "70000"][..], "'70000'"),
        (&["probe", "127.0.0.1", "0"][..], "'0'"),
        (&["probe", "127.0.0.1", "90-80"][..], "'90-80'"),
        (
            &["probe", "127.0.0.1", "nosuchservice"][..],
            "'nosuchservice'",
        ),
        (&["probe", "10.0.0.0/8", "80"][..], "'10.0.0.0/8'"),
        (&["probe", "127.0.0.1:80", "80"][..], "'127.0.0.1:80'"),
        (
            &["probe", "--timeout", "soon", "127.0.0.1", "80"][..],
            "'soon'",
        ),
        // Without PORTS the default list is probed (issue 14); --top goes without PORTS.
        (&["probe", "--top", "5", "127.0.0.1", "80"][..], "'5'"),
    ] {
        let o = ns.sockdiag(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.contains(quoted),
            "{args:?}: {err} should quote {quoted}"
        );
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    // Nothing could be probed: no IPv6 address among the targets.
    let o = ns.sockdiag(&["probe", "-6", "127.0.0.1", "80"]);
    assert_eq!(o.status.code(), Some(3), "{o:?}");
    // A source address that is not ours (issue 10: it was exit 3 and every probe a local
    // error, with nothing on stderr): refused before any probe, in one line.
    let o = ns.sockdiag(&[
        "probe",
        "--json",
        "--source",
        "192.0.2.99",
        "127.0.0.1",
        &open,
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(o.stdout.is_empty(), "{o:?}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("'192.0.2.99': not an address of this host"),
        "{err}"
    );
}

#[test]
fn up_to_25_ports_are_all_listed_beyond_that_summed_or_all_with_flag() {
    let Some(ns) = Ns::new("probe-listing") else {
        return;
    };
    let _l = ns.listen(lo4(), &[3010]);
    let o = ns.sockdiag(&["probe", "--format", "plain", "127.0.0.1", "3001-3025"]);
    let text = stdout(&o);
    assert_eq!(
        text.lines().filter(|l| !l.starts_with('#')).count(),
        25,
        "{text}"
    );
    assert!(!text.contains("# "), "{text}");
    let o = ns.sockdiag(&["probe", "--format", "plain", "127.0.0.1", "3001-3026"]);
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains("\t3010\ttcp\topen\tsyn-ack\t"), "{text}");
    assert_eq!(lines[1], "# 25 closed (conn-refused)");
    let o = ns.sockdiag(&[
        "probe",
        "--format",
        "plain",
        "--all",
        "127.0.0.1",
        "3001-3026",
    ]);
    assert_eq!(stdout(&o).lines().count(), 26);
    // The table summary.
    let o = ns.sockdiag(&["probe", "--format", "table", "127.0.0.1", "3001-3100"]);
    let text = stdout(&o);
    assert!(text.contains("99 closed (conn-refused)"), "{text}");
    assert!(text.contains("3010"), "{text}");
}

#[test]
fn wait_exits_0_when_a_listener_appears_and_1_when_it_expires() {
    let Some(ns) = Ns::new("probe-wait") else {
        return;
    };
    let port = 3456u16;
    let t0 = Instant::now();
    let child = ns
        .cmd(lab::sockdiag_bin())
        .args(["probe", "--json", "--wait", "20s", "--interval", "100ms"])
        .args(["127.0.0.1", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let _l = ns.listen(lo4(), &[port]);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
    let recs = records(&o);
    assert_eq!(state(&recs[&("127.0.0.1".into(), port)]).0, "open");

    let t0 = Instant::now();
    let o = ns.sockdiag(&[
        "probe",
        "--json",
        "--wait",
        "600ms",
        "--interval",
        "100ms",
        "127.0.0.1",
        "3457",
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let el = t0.elapsed();
    assert!(
        el >= Duration::from_millis(550) && el < Duration::from_secs(5),
        "{el:?}"
    );
    let recs = records(&o);
    assert_eq!(
        state(&recs[&("127.0.0.1".into(), 3457)]),
        ("closed".into(), "conn-refused".into())
    );
}

#[test]
fn count_gives_per_port_statistics() {
    let Some(ns) = Ns::new("probe-count") else {
        return;
    };
    let _l = ns.listen(lo4(), &[4001]);
    let o = ns.sockdiag(&[
        "probe",
        "--json",
        "--count",
        "4",
        "--interval",
        "10ms",
        "127.0.0.1",
        "4001,4002",
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let lines = json_lines(&o);
    let rounds = lines.iter().filter(|v| v["type"] == "probe").count();
    assert_eq!(rounds, 8, "each port each round: {lines:?}");
    let stats: Vec<&Value> = lines
        .iter()
        .filter(|v| v["type"] == "probe-stats")
        .collect();
    assert_eq!(stats.len(), 2);
    let open = stats.iter().find(|v| v["port"] == 4001).unwrap();
    assert_eq!(
        (open["count"].as_u64(), open["open"].as_u64()),
        (Some(4), Some(4))
    );
    assert_eq!(open["loss_pct"], 0.0);
    let f = |k: &str| open[k].as_f64().unwrap_or_else(|| panic!("{k} in {open}"));
    assert!(f("min_ms") > 0.0 && f("min_ms") <= f("avg_ms") && f("avg_ms") <= f("max_ms"));
    assert!(f("p95_ms") <= f("max_ms") && f("mdev_ms") >= 0.0, "{open}");
    // Closed: never open, but every reset is an answer (issue 10), with its round trip.
    let closed = stats.iter().find(|v| v["port"] == 4002).unwrap();
    assert_eq!(
        (closed["open"].as_u64(), closed["loss_pct"].as_f64()),
        (Some(0), Some(0.0))
    );
    assert_eq!(closed["state"], "closed");
    assert!(closed["min_ms"].as_f64().is_some(), "{closed}");
    // Every round open: exit 0; the table has the statistics columns.
    let o = ns.sockdiag(&[
        "probe",
        "--format",
        "table",
        "--count",
        "2",
        "--interval",
        "10ms",
        "127.0.0.1",
        "4001",
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let text = stdout(&o);
    for h in ["SENT", "LOSS", "MIN", "AVG", "MAX", "MDEV", "P95"] {
        assert!(text.contains(h), "{h}: {text}");
    }
}

#[test]
fn ctrl_c_prints_finished_results_and_exits_130() {
    let Some(ns) = Ns::new("probe-sigint") else {
        return;
    };
    // Ports 1-10 answer at once (one listens); 5000-5999 are dropped and would take 30s.
    // Fewer finished than the 25 a table lists whole, of a scan far longer: still summed.
    // --no-adapt: the 30 s deadline as given (adaptive timing would end those tries after
    // 100 ms, learnt from the resets, and they would be finished results by the Ctrl-C).
    ns.nft(
        "table inet t {\n chain in {\n type filter hook input priority 0;\n \
         tcp dport 5000-5999 drop\n }\n}\n",
    );
    let _l = ns.listen(lo4(), &[5]);
    for format in ["json", "plain"] {
        let child = ns
            .cmd(lab::sockdiag_bin())
            .args([
                "probe",
                "--format",
                format,
                "--timeout",
                "30s",
                "--concurrency",
                "1100",
                "--no-adapt",
            ])
            .args(["127.0.0.1", "1-10,5000-5999"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // `timeout` runs `ip netns exec`, which execs sockdiag: find sockdiag by its parent.
        let pid = wait_for_child_named(child.id(), "sockdiag");
        std::thread::sleep(Duration::from_millis(800));
        let t0 = Instant::now();
        // SAFETY: a plain kill(2) of a process this test started.
        assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGINT) }, 0);
        let o = child.wait_with_output().unwrap();
        assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
        assert_eq!(o.status.code(), Some(130), "{o:?}");
        if format == "json" {
            let recs = records(&o);
            assert_eq!(recs.len(), 10, "the finished ones: {recs:?}");
            assert_eq!(open_set(&recs), [5].into());
            assert_eq!(summary(&o)["interrupted"], true);
        } else {
            let text = stdout(&o);
            assert!(text.contains("\t5\ttcp\topen\t"), "{text}");
            assert!(text.contains("# 9 closed (conn-refused)"), "{text}");
            assert_eq!(text.lines().count(), 3, "{text}");
            assert!(text.contains("interrupted"), "{text}");
        }
    }
}

/// The pid of the process named `name` that is `pid` or a descendant of it.
fn wait_for_child_named(pid: u32, name: &str) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut todo = vec![pid];
        while let Some(p) = todo.pop() {
            let comm = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
            if comm.trim() == name {
                return p;
            }
            let kids =
                std::fs::read_to_string(format!("/proc/{p}/task/{p}/children")).unwrap_or_default();
            todo.extend(
                kids.split_whitespace()
                    .filter_map(|k| k.parse::<u32>().ok()),
            );
        }
        assert!(Instant::now() < deadline, "no {name} under {pid}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_name_target_is_resolved_once_and_each_address_carries_it() {
    let Some(ns) = Ns::new("probe-name") else {
        return;
    };
    ns.write_etc("hosts", "127.0.0.1 localhost\n::1 localhost\n");
    ns.dnsmasq(&["--host-record=both.sockdiag.test,127.0.0.1,::1"]);
    let _l = ns.listen(lo4(), &[4100]);
    let _l6 = ns.listen("::1".parse().unwrap(), &[4100]);
    let o = ns.sockdiag(&["probe", "--json", "both.sockdiag.test", "4100"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let recs = records(&o);
    let addrs: BTreeSet<&str> = recs.keys().map(|(a, _)| a.as_str()).collect();
    assert_eq!(addrs, ["127.0.0.1", "::1"].into());
    for v in recs.values() {
        assert_eq!(v["target"], "both.sockdiag.test", "{v}");
        assert_eq!(state(v).0, "open");
    }
    let o = ns.sockdiag(&["probe", "--json", "-4", "both.sockdiag.test", "4100"]);
    assert_eq!(records(&o).len(), 1);
    let o = ns.sockdiag(&["probe", "--json", "-6", "both.sockdiag.test", "4100"]);
    let only: Vec<_> = records(&o).into_keys().map(|(a, _)| a).collect();
    assert_eq!(only, ["::1"]);
    // --first-addr: only the address getaddrinfo put first (the one resolve lists first).
    let r = ns.sockdiag(&["resolve", "--json", "both.sockdiag.test"]);
    let r: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    let first = r["addrs"][0]["addr"].as_str().unwrap().to_string();
    let o = ns.sockdiag(&[
        "probe",
        "--json",
        "--first-addr",
        "both.sockdiag.test",
        "4100",
    ]);
    let only: Vec<_> = records(&o).into_keys().map(|(a, _)| a).collect();
    assert_eq!(only, [first]);
}

/// When no target resolves, stderr names the lookup failure as the reason (exit 3), not the
/// family (which was not restricted); with -6 on an IPv4 literal it names the family.
#[test]
fn nothing_to_probe_says_why_names_failed_or_family() {
    let Some(ns) = Ns::new("probe-nothing") else {
        return;
    };
    ns.dnsmasq(&[]);
    let o = ns.sockdiag(&["probe", "nosuch.sockdiag.test", "80"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("nosuch.sockdiag.test: no such name"), "{err}");
    assert!(!err.contains("family"), "{err}");
    assert!(err.contains("no target resolved"), "{err}");
    let o = ns.sockdiag(&["probe", "-6", "127.0.0.1", "80"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("family asked for"), "{err}");
}
