//! Issue 23: silence must cost one deadline. A host that drops every probed port but answers
//! ping gets its deadline from the ping; a host that answers nothing is said so; rejects held
//! back by the sender's ICMP rate limit are asked again at its pace; `--retries 0` is one SYN
//! per port; a multi-host scan does not probe discovery's ports twice. Counts and the
//! deadlines the engine reports are asserted, never wall time.
use crate::lab;
use lab::{json_lines, Ns};
use serde_json::Value;

fn ruleset(rules: &str) -> String {
    format!(
        "table inet t {{\n counter syns {{ }}\n chain in {{\n  type filter hook input priority 0; \
         policy accept;\n  {rules}\n }}\n}}\n"
    )
}

/// The packets the named counter `syns` of table `inet t` counted.
fn syns(ns: &Ns) -> u64 {
    let o = ns.sh("nft list counter inet t syns");
    let text = lab::stdout(&o);
    text.split("packets ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no counter in {text}"))
}

fn summary(json: &[Value]) -> &Value {
    json.iter()
        .find(|v| v["type"] == "probe-summary")
        .expect("a probe-summary record")
}

fn states(json: &[Value]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = json
        .iter()
        .filter(|v| v["type"] == "probe")
        .map(|v| {
            (
                v["state"].as_str().unwrap().to_string(),
                v["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn a_host_dropping_every_port_but_answering_ping_gets_its_deadline_from_the_ping() {
    let Some(a) = Ns::new("sil-ping") else {
        return;
    };
    let b = a.peer();
    b.nft(&ruleset("tcp dport 1-65535 drop"));
    let o = a.sockdiag(&["probe", "--json", "192.0.2.2", "2000-2199"]);
    let json = json_lines(&o);
    assert_eq!(
        states(&json),
        [("filtered".to_string(), "no-response".to_string())]
    );
    let s = summary(&json);
    let h = &s["hosts"][0];
    assert_eq!(h["rtt_via"], "echo", "{s}");
    // The veth's round trip is well under a millisecond: the floor, not --timeout's 1 s.
    let t = h["timeout_ms"].as_f64().unwrap();
    assert!((100.0..=250.0).contains(&t), "deadline {t} ms: {s}");
    assert_eq!(s["answered_nothing"], serde_json::json!([]), "{s}");
    // At least two tries per silent port (three: one try holds one SYN here).
    assert!(h["tries"].as_u64().unwrap() >= 2, "{s}");
}

#[test]
fn a_host_that_answers_nothing_is_said_so() {
    let Some(a) = Ns::new("sil-none") else {
        return;
    };
    let b = a.peer();
    b.nft(&ruleset(
        "ip saddr 192.0.2.1 drop\n  ip6 saddr 2001:db8::1 drop",
    ));
    let o = a.sockdiag(&["probe", "--format", "plain", "192.0.2.2", "2000-2099"]);
    let text = lab::stdout(&o);
    assert!(
        text.contains(
            "# 192.0.2.2 answered nothing: not a ping, not a port; host down or filtered entirely"
        ),
        "{text}"
    );
    assert!(text.contains("# 100 filtered (no-response)"), "{text}");
    let o = a.sockdiag(&[
        "probe",
        "--json",
        "--retries",
        "0",
        "192.0.2.2",
        "2000-2099",
    ]);
    let json = json_lines(&o);
    let s = summary(&json);
    assert_eq!(
        s["answered_nothing"],
        serde_json::json!(["192.0.2.2"]),
        "{s}"
    );
    assert_eq!(s["hosts"][0]["rtt_via"], Value::Null, "{s}");
    assert_eq!(s["hosts"][0]["tries"], 1, "{s}");
}

#[test]
fn twenty_one_ports_behind_a_host_unreachable_reject_are_all_exact_within_the_budget() {
    let Some(a) = Ns::new("sil-rl") else {
        return;
    };
    let b = a.peer();
    b.nft(&ruleset(
        "tcp dport 5000-5020 reject with icmp type host-unreachable",
    ));
    // 6 answered at once, then one a second: 15 re-asks fit in 25 s.
    let o = a.sockdiag(&[
        "probe",
        "--json",
        "--max-reask-time",
        "25s",
        "192.0.2.2",
        "5000-5020",
    ]);
    let json = json_lines(&o);
    let probes: Vec<&Value> = json.iter().filter(|v| v["type"] == "probe").collect();
    assert_eq!(probes.len(), 21);
    assert_eq!(
        states(&json),
        [("unreachable".to_string(), "host-unreach".to_string())],
        "{}",
        lab::stdout(&o)
    );
    let s = summary(&json);
    let rl = &s["icmp_rate_limited"][0];
    assert_eq!(rl["ports_left"], 0, "{s}");
    assert!(rl["reasked"].as_u64().unwrap() >= 1, "{s}");
    // A budget too short for them all (a fresh pair: the limit of this one is spent): what
    // it leaves is counted.
    drop((a, b));
    let a = Ns::new("sil-rl2").expect("lab");
    let b = a.peer();
    b.nft(&ruleset(
        "tcp dport 5000-5020 reject with icmp type host-unreachable",
    ));
    let o = a.sockdiag(&[
        "probe",
        "--json",
        "--max-reask-time",
        "2s",
        "192.0.2.2",
        "5000-5020",
    ]);
    let json = json_lines(&o);
    let limited = json
        .iter()
        .filter(|v| v["type"] == "probe" && v["reason"] == "icmp-rate-limited")
        .count() as u64;
    let s = summary(&json);
    assert_eq!(
        s["icmp_rate_limited"][0]["ports_left"].as_u64(),
        Some(limited),
        "{s}"
    );
}

#[test]
fn retries_0_is_one_syn_per_port() {
    let Some(a) = Ns::new("sil-one") else {
        return;
    };
    let b = a.peer();
    b.nft(&ruleset(
        "tcp dport 3000-3999 counter name syns\n  tcp dport 3000-3999 drop",
    ));
    let o = a.sockdiag(&[
        "probe",
        "--json",
        "--retries",
        "0",
        "192.0.2.2",
        "3000-3999",
    ]);
    let s = summary(&json_lines(&o)).clone();
    assert_eq!(syns(&b), 1000, "adaptive: {s}");
    assert_eq!(s["hosts"][0]["tries"], 1, "{s}");
    b.sh("nft reset counter inet t syns >/dev/null");
    a.sockdiag(&[
        "probe",
        "--json",
        "--retries",
        "0",
        "--no-adapt",
        "--timeout",
        "500ms",
        "192.0.2.2",
        "3000-3999",
    ]);
    assert_eq!(syns(&b), 1000, "--no-adapt");
}

#[test]
fn a_multi_host_scan_does_not_probe_discovery_ports_twice() {
    let Some(a) = Ns::new("sil-disc") else {
        return;
    };
    let b = a.peer();
    let veth = b.veth().expect("veth");
    b.sh(&format!("ip addr add 192.0.2.3/24 dev {veth}"));
    b.nft(&ruleset(
        "tcp dport { 22, 80, 113, 443 } tcp flags syn counter name syns",
    ));
    let _l = b.listen("192.0.2.3".parse().unwrap(), &[80]);
    let o = a.sockdiag(&["probe", "--json", "192.0.2.2,192.0.2.3", "1-500"]);
    let json = json_lines(&o);
    let probes = json.iter().filter(|v| v["type"] == "probe").count();
    assert_eq!(probes, 1000, "{}", lab::stdout(&o));
    let open: Vec<String> = json
        .iter()
        .filter(|v| v["type"] == "probe" && v["state"] == "open")
        .map(|v| format!("{}:{}", v["addr"].as_str().unwrap(), v["port"]))
        .collect();
    assert_eq!(open, ["192.0.2.3:80"]);
    // Two hosts, four discovery ports, each answered at once: eight SYNs, not sixteen.
    assert_eq!(syns(&b), 8, "{}", lab::stdout(&o));
}
