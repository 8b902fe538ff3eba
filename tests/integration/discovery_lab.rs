//! Host discovery before a multi-host `probe`: the addresses of a block are first probed on
//! the discovery ports (80, 443, 22, 113); only those that answer (open, closed, or an ICMP
//! error from the host itself) get the full scan. `-Pn` / `--no-discovery` scans every one.
use crate::lab;
use lab::{json_lines, stdout, Ns};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// A /28 behind a peer namespace: 198.51.100.2-4 live (they reset closed ports), every other
/// address routed there and dropped by nft (silent, as unused addresses behind a firewall).
fn block(tag: &str) -> Option<(Ns, Ns)> {
    let a = Ns::new(tag)?;
    let b = a.peer();
    b.sh(
        "ip addr add 198.51.100.2/32 dev lo && ip addr add 198.51.100.3/32 dev lo && \
         ip addr add 198.51.100.4/32 dev lo",
    );
    a.sh("ip route add 198.51.100.0/28 via 192.0.2.2");
    b.nft(
        "table inet sdlab {\n chain pre {\n type filter hook prerouting priority -300;\n \
         ip daddr 198.51.100.0/28 ip daddr != { 198.51.100.2, 198.51.100.3, 198.51.100.4 } drop\n }\n}\n",
    );
    Some((a, b))
}

fn probe_records(lines: &[Value]) -> Vec<&Value> {
    lines.iter().filter(|v| v["type"] == "probe").collect()
}

fn hosts_of(recs: &[&Value]) -> BTreeSet<String> {
    recs.iter()
        .map(|r| r["addr"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn a_block_scan_probes_only_the_hosts_that_answer_discovery() {
    let Some((a, b)) = block("disc-blk") else {
        return;
    };
    let _l = b.listen("198.51.100.3".parse().unwrap(), &[8080]);
    let args = ["probe", "-n", "198.51.100.0/28", "8080,9999"];
    let began = Instant::now();
    let o = a.sockdiag(&args);
    let took = began.elapsed();
    let out = stdout(&o);
    assert!(
        out.contains("hosts: 3 up, 13 no answer (not scanned: no answer to discovery on 80,443,22,113; -Pn scans them anyway)"),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("198.51.100.3"), "{out}");
    // Discovery of the silent ones costs its timeouts once, not the ports' tries each.
    assert!(took < Duration::from_secs(8), "took {took:?}");

    let mut j = vec!["--json"];
    j.extend(args);
    let o = a.sockdiag(&j);
    let lines = json_lines(&o);
    let recs = probe_records(&lines);
    assert_eq!(recs.len(), 6, "{}", stdout(&o));
    let hosts = hosts_of(&recs);
    let want: BTreeSet<String> = ["198.51.100.2", "198.51.100.3", "198.51.100.4"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(hosts, want);
    let s = lines.iter().find(|v| v["type"] == "probe-summary").unwrap();
    assert_eq!(s["probed"], 6, "{s}");
    let d = &s["discovery"];
    assert_eq!(d["ports"], serde_json::json!([80, 443, 22, 113]), "{s}");
    assert_eq!(d["up"], 3, "{s}");
    assert_eq!(d["no_answer"], 13, "{s}");
}

#[test]
fn no_discovery_scans_every_address() {
    let Some((a, _b)) = block("disc-pn") else {
        return;
    };
    for flag in ["-Pn", "--no-discovery"] {
        let o = a.sockdiag(&[
            "probe",
            "--json",
            "-n",
            flag,
            "--timeout",
            "300ms",
            "--retries",
            "0",
            "--no-adapt",
            "198.51.100.0/28",
            "22",
        ]);
        let lines = json_lines(&o);
        let recs = probe_records(&lines);
        assert_eq!(recs.len(), 16, "{flag}: {}", stdout(&o));
        assert_eq!(hosts_of(&recs).len(), 16, "{flag}");
        let s = lines.iter().find(|v| v["type"] == "probe-summary").unwrap();
        assert!(s.get("discovery").is_none(), "{flag}: {s}");
    }
}

/// The limit discovery shares with nmap's: a live host that drops every discovery port is
/// taken for an unused address; `-Pn` finds its open port. A single target is never
/// discovered first: scanning it is the point.
#[test]
fn a_host_silent_on_every_discovery_port_needs_pn() {
    let Some((a, b)) = block("disc-miss") else {
        return;
    };
    b.nft(
        "table inet sdlab2 {\n chain in {\n type filter hook input priority 0;\n \
         ip daddr 198.51.100.4 tcp dport { 22, 80, 113, 443 } drop\n }\n}\n",
    );
    let _l = b.listen("198.51.100.4".parse().unwrap(), &[8080]);
    let open_on = |extra: &[&str], target: &str| -> Vec<String> {
        let mut args = vec!["probe", "--json", "-n"];
        args.extend(extra);
        args.extend([target, "8080"]);
        let o = a.sockdiag(&args);
        probe_records(&json_lines(&o))
            .iter()
            .filter(|r| r["state"] == "open")
            .map(|r| r["addr"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert!(open_on(&[], "198.51.100.0/28").is_empty());
    assert_eq!(
        open_on(&["-Pn", "--timeout", "300ms"], "198.51.100.0/28"),
        ["198.51.100.4"]
    );
    assert_eq!(open_on(&[], "198.51.100.4"), ["198.51.100.4"]);
}
