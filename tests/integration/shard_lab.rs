//! `probe --shard K/N` on a lab /24 × 10 ports: for N in 1, 2, 3, 7 the union of the N parts
//! is exactly the unsharded scan (every pair once, the same state), and the parts differ in
//! size by at most one probe.
use crate::lab;
use lab::{json_lines, Ns};
use std::collections::BTreeMap;

type Scan = BTreeMap<(String, u64), String>;

fn scan(ns: &Ns, extra: &[&str]) -> (Scan, Vec<serde_json::Value>) {
    let mut args = vec![
        "probe",
        "--json",
        "--timeout",
        "300ms",
        "--retries",
        "0",
        "10.77.0.0/24",
        "2001-2010",
    ];
    args.extend_from_slice(extra);
    let o = ns.sockdiag(&args);
    let lines = json_lines(&o);
    let mut m = Scan::new();
    for v in lines.iter().filter(|v| v["type"] == "probe") {
        let key = (
            v["addr"].as_str().unwrap().to_string(),
            v["port"].as_u64().unwrap(),
        );
        let state = format!("{} {}", v["state"], v["reason"]);
        assert!(
            m.insert(key.clone(), state).is_none(),
            "{key:?} twice in {extra:?}"
        );
    }
    (m, lines)
}

#[test]
fn shards_union_is_the_unsharded_scan_and_parts_are_even() {
    let Some(ns) = Ns::new("shard") else { return };
    // The whole /24 is local: every address answers, most ports refuse.
    ns.sh("ip route add local 10.77.0.0/24 dev lo");
    // Accepted and closed at once, so 14 scans never fill a backlog (a full one drops SYNs).
    for l in ns.listen("0.0.0.0".parse().unwrap(), &[2001, 2005]) {
        std::thread::spawn(move || l.incoming().take(100_000).for_each(drop));
    }
    ns.nft(
        "table inet t {\n chain in {\n type filter hook input priority 0; policy accept;\n \
         ip daddr 10.77.0.9 tcp dport 2003 drop\n }\n}\n",
    );
    let (whole, _) = scan(&ns, &[]);
    assert_eq!(whole.len(), 256 * 10);
    assert_eq!(whole.values().filter(|s| s.contains("open")).count(), 512);
    assert!(whole.values().any(|s| s.contains("filtered")));
    for n in [1u32, 2, 3, 7] {
        let mut union = Scan::new();
        let mut sizes = Vec::new();
        for k in 0..n {
            let shard = format!("{k}/{n}");
            let (part, lines) = scan(&ns, &["--shard", &shard, "--seed", "7"]);
            for v in lines.iter().filter(|v| v["type"] == "probe") {
                assert_eq!(v["shard"], shard.as_str(), "{v}");
            }
            let sum = lines.iter().find(|v| v["type"] == "probe-summary").unwrap();
            assert_eq!(sum["shard"], shard.as_str());
            assert_eq!(sum["probed"].as_u64().unwrap() as usize, part.len());
            sizes.push(part.len());
            for (key, st) in part {
                assert!(
                    union.insert(key.clone(), st).is_none(),
                    "{key:?} in two shards of {n}"
                );
            }
        }
        assert_eq!(
            union, whole,
            "the union of {n} shards differs from the whole scan"
        );
        let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(hi - lo <= 1, "N={n}: shard sizes {sizes:?}");
    }
}

#[test]
fn bad_shards_exit_2_quoting_the_input() {
    let Some(ns) = Ns::new("shardbad") else {
        return;
    };
    for bad in ["3/3", "x/2", "1"] {
        let o = ns.sockdiag(&["probe", "--shard", bad, "127.0.0.1", "1"]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(&format!("'{bad}'")), "{err}");
    }
    let o = ns.sockdiag(&["probe", "--shard", "0/2", "--count", "2", "127.0.0.1", "1"]);
    assert_eq!(o.status.code(), Some(2));
}
