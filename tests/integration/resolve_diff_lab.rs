//! `resolve --explain` against glibc itself: random resolv.conf, hosts, nsswitch.conf and
//! names (seeded; the seed is printed, `SOCKDIAG_DIFF_SEED=N` replays one run), looked up in
//! namespaces of the test's own against lab servers that answer, refuse, fail, stay silent or
//! are not there (`SOCKDIAG_DIFF_CASES=N` runs more cases). For each case the replayed answer (`explain.replay`) and sockdiag's own
//! getaddrinfo must be what `getent ahosts` gets in the same namespace: glibc is the truth.
use crate::lab;
use lab::{json_lines, stdout, Ns};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

const CASES: usize = 48;
const WORKERS: usize = 4;

/// splitmix64: a small seeded generator, so a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// The normal server's records (dnsmasq on 127.0.0.1); names under rz.test and fz.test are
/// forwarded to the refusing and the failing server, so they fail for those names only.
const N_RECORDS: &[&str] = &[
    "--host-record=a,192.0.2.10",
    "--host-record=a.s1.test,192.0.2.11",
    "--host-record=a.s2.test,192.0.2.12,2001:db8::12",
    "--host-record=b.s2.test,192.0.2.22,2001:db8::22",
    "--host-record=x.y,192.0.2.30",
    "--host-record=x.y.s1.test,192.0.2.31",
    "--host-record=v6.s1.test,2001:db8::6",
    "--host-record=v6,2001:db8::60",
    "--host-record=c.d.e,192.0.2.40",
    "--host-record=c.d.e.s2.test,192.0.2.41",
    "--host-record=both.test,192.0.2.50,2001:db8::50",
    "--host-record=db.test,192.0.2.70",
    "--local=/test/",
    "--server=/rz.test/127.0.0.3",
    "--server=/fz.test/127.0.0.4",
];

/// A second normal server (127.0.0.2) that disagrees on some names.
const N2_RECORDS: &[&str] = &[
    "--host-record=a,192.0.2.110",
    "--host-record=a.s1.test,192.0.2.111",
    "--host-record=db.test,192.0.2.170",
    "--host-record=b.fz.test,192.0.2.180",
    "--local=/test/",
];

const NAMES: &[&str] = &[
    "a",
    "a.",
    "b",
    "x.y",
    "x.y.",
    "v6",
    "c.d.e",
    "both.test",
    "db.test",
    "db.test.",
    "db",
    "nosuch",
    "nosuch.test",
    "b.fz.test",
    "b.rz.test",
    "only.hosts",
    "A.S1.TEST",
    "v6.s1.test",
];

const SEARCH: &[&str] = &["s1.test", "s2.test", "rz.test", "fz.test", "nx.test", "."];

const NSSWITCH: &[&str] = &[
    "hosts: files dns\n",
    "hosts: dns files\n",
    "hosts: files [SUCCESS=continue] dns\n",
    "hosts: dns [SUCCESS=continue] files\n",
    "hosts: dns [UNAVAIL=return] files\n",
    "hosts: dns [TRYAGAIN=return] files\n",
    "hosts: dns [!UNAVAIL=return] files\n",
    "hosts: dns [NOTFOUND=return] files\n",
    "hosts: files [NOTFOUND=return] dns\n",
    "hosts: nosuchmodule files dns\n",
    "hosts: nosuchmodule [UNAVAIL=return] files\n",
    "hosts: files [SUCCESS=merge] dns\n",
    "hosts: dns\n",
    "hosts: files\n",
    "hosts:\n",
    "passwd: files\n",
    "hosts: files\nhosts: dns files\n",
    "hosts: files # dns\n",
    "hosts: dns [notfound=RETURN] files\n",
    "hosts: dns [!NOTFOUND=continue] files\n",
    "hosts: files [!SUCCESS=return] dns\n",
    "  hosts:dns\tfiles\n",
];

/// One random case: the three files and the name.
struct Case {
    resolv: String,
    hosts: String,
    nsswitch: &'static str,
    name: &'static str,
}

fn case(rng: &mut Rng) -> Case {
    // Servers: the silent and the absent ones seldom (each costs a second per name tried).
    let mut servers: Vec<&str> = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let s = match rng.below(100) {
            0..=39 => "127.0.0.1",
            40..=54 => "127.0.0.2",
            55..=69 => "127.0.0.3",
            70..=84 => "127.0.0.4",
            85..=92 => "127.0.0.9",
            _ => "127.0.0.5",
        };
        if !servers.contains(&s) {
            servers.push(s);
        }
    }
    let slow = servers.contains(&"127.0.0.5");
    let mut resolv = String::new();
    if rng.chance(20) {
        resolv.push_str("# generated\n; comment\n");
    }
    for s in &servers {
        // inet_aton's short form now and then: 127.1 is 127.0.0.1
        let s = if *s == "127.0.0.1" && rng.chance(15) {
            "127.1"
        } else {
            s
        };
        resolv.push_str(&format!("nameserver {s}\n"));
    }
    let domains = if slow { rng.below(2) } else { rng.below(4) };
    if domains > 0 {
        let mut list: Vec<&str> = Vec::new();
        for _ in 0..domains {
            let d = rng.pick(SEARCH);
            if !list.contains(&d) {
                list.push(d);
            }
        }
        if list.len() == 1 && rng.chance(30) {
            resolv.push_str(&format!("domain {}\n", list[0]));
        } else {
            resolv.push_str(&format!("search {}\n", list.join(" ")));
        }
    }
    let ndots = rng.pick(&[
        "",
        "",
        "ndots:0",
        "ndots:1",
        "ndots:2",
        "ndots: 3",
        "ndots:-1",
        "ndots:16",
        "ndots:-16",
    ]);
    let attempts = rng.pick(&[
        "attempts:1",
        "attempts:1",
        "attempts:1",
        "attempts: 1",
        "attempts:0",
    ]);
    let mut flags = String::new();
    for (flag, percent) in [
        (" no-tld-query", 15),
        (" edns0", 10),
        (" trust-ad", 10),
        (" single-request", 10),
        (" use-vc", 10),
    ] {
        if rng.chance(percent) {
            flags.push_str(flag);
        }
    }
    if servers.len() == 1 && rng.chance(10) {
        flags.push_str(" rotate");
    }
    resolv.push_str(&format!("options timeout:1 {attempts} {ndots}{flags}\n"));
    let mut hosts = String::from("127.0.0.1 localhost\n::1 localhost\n");
    for (name, addr) in [
        ("a.s1.test", "192.0.2.211"),
        ("db.test", "192.0.2.212"),
        ("db.test", "2001:db8::212"),
        ("only.hosts", "192.0.2.213"),
        ("v6", "2001:db8::214"),
        ("b", "192.0.2.215"),
        ("x.y", "192.0.2.216"),
        ("both.test", "192.0.2.217"),
    ] {
        if rng.chance(40) {
            match rng.below(3) {
                0 => hosts.push_str(&format!("{addr} {name}\n")),
                1 => hosts.push_str(&format!("{addr}\tcanon-{n} {name}\n", n = rng.below(9))),
                _ => hosts.push_str(&format!("{addr} {}\n", name.to_uppercase())),
            }
        }
    }
    Case {
        resolv,
        hosts,
        nsswitch: rng.pick(NSSWITCH),
        name: rng.pick(NAMES),
    }
}

/// A namespace with every lab server; `v4` adds an IPv4 address (no IPv6 but ::1), so
/// AI_ADDRCONFIG asks for inet only.
fn worker(i: usize, v4: bool) -> Option<Ns> {
    let ns = Ns::new(&format!("diff{i}"))?;
    ns.write_etc("nsswitch.conf", "hosts: files dns\n");
    ns.dnsmasq(N_RECORDS);
    let fake = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration/lab/fakedns.py");
    // The system's python when there is one: a version manager's shim can be slow to start.
    let python = if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    for (addr, mode) in [
        ("127.0.0.3", "refused"),
        ("127.0.0.4", "servfail"),
        ("127.0.0.5", "silent"),
    ] {
        ns.spawn(&[
            python,
            fake.to_str().expect("utf-8 path"),
            "--addr",
            addr,
            "--mode",
            mode,
            "--seconds",
            "300",
        ]);
    }
    let mut n2 = vec![
        "dnsmasq",
        "--keep-in-foreground",
        "--no-resolv",
        "--no-hosts",
        "--no-poll",
        "--conf-file=/dev/null",
        "--listen-address=127.0.0.2",
        "--bind-interfaces",
        "--port=53",
        "--pid-file=",
        "--user=root",
    ];
    n2.extend_from_slice(N2_RECORDS);
    ns.spawn(&n2);
    for addr in ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"] {
        let deadline = Instant::now() + Duration::from_secs(30);
        while ns
            .cmd("ss")
            .args(["-Hlun", &format!("src {addr}:53")])
            .output()
            .map(|o| o.stdout.is_empty())
            .unwrap_or(true)
        {
            assert!(Instant::now() < deadline, "nothing listens on {addr}:53");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    if v4 {
        ns.sh(
            "ip link add dv0 type veth peer name dv1 && ip link set dv0 addrgenmode none && \
             ip link set dv1 addrgenmode none && ip link set dv0 up && ip link set dv1 up && \
             ip addr add 10.77.0.1/24 dev dv0",
        );
    }
    Some(ns)
}

/// What `getent ahosts` returns, as a set (nothing when it fails).
fn getent(ns: &Ns, name: &str) -> BTreeSet<String> {
    let out = ns
        .cmd("getent")
        .args(["ahosts", name])
        .output()
        .expect("getent");
    stdout(&out)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect()
}

/// One case run in a worker: a mismatch described, or `None`.
fn check(ns: &Ns, n: usize, c: &Case) -> Option<String> {
    ns.write_etc("resolv.conf", &c.resolv);
    ns.write_etc("hosts", &c.hosts);
    ns.write_etc("nsswitch.conf", c.nsswitch);
    let glibc = getent(ns, c.name);
    let out = ns.sockdiag(&["resolve", "--explain", "--json", c.name]);
    let recs = json_lines(&out);
    let describe = |what: String| {
        format!(
            "case {n} in {}: {what}\n  name {:?}\n  resolv.conf {:?}\n  nsswitch.conf {:?}\n  \
             hosts {:?}\n  getent {glibc:?}",
            ns.name, c.name, c.resolv, c.nsswitch, c.hosts
        )
    };
    let Some(r) = recs.first() else {
        return Some(describe(format!("no record: {out:?}")));
    };
    let ex = &r["explain"];
    let replay = &ex["replay"];
    let replayed: BTreeSet<String> = replay["addrs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let got: BTreeSet<String> = r["addrs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v["addr"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let mut wrong = Vec::new();
    if replay["result"] == "unknown" || replayed != glibc {
        wrong.push(format!(
            "replay {} {replayed:?} (nsswitch {}, dns {})",
            replay["result"], replay["nsswitch"], replay["dns"]
        ));
    }
    if got != glibc {
        wrong.push(format!("sockdiag's getaddrinfo {got:?}"));
    }
    let text = ex["verdict"].to_string();
    if text.contains("cache") {
        wrong.push(format!("blames a cache with none running: {text}"));
    }
    (!wrong.is_empty()).then(|| describe(wrong.join("; ")))
}

#[test]
fn replayed_answers_are_what_glibc_returns_for_random_configurations() {
    if lab::Ns::new("diffprobe").is_none() {
        return;
    }
    let seed: u64 = std::env::var("SOCKDIAG_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    eprintln!("resolve differential test: seed {seed} (SOCKDIAG_DIFF_SEED={seed} replays it)");
    // SOCKDIAG_DIFF_CASES: more cases for a longer exploration (at most 500).
    let count = std::env::var("SOCKDIAG_DIFF_CASES")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .map_or(CASES, |n| n.clamp(1, 500));
    let mut rng = Rng(seed);
    let cases: Vec<Case> = (0..count).map(|_| case(&mut rng)).collect();
    let start = Instant::now();
    let results: Vec<(usize, Option<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WORKERS)
            .map(|w| {
                let cases = &cases;
                s.spawn(move || {
                    let ns = worker(w, w % 2 == 1).expect("the lab");
                    (w..cases.len())
                        .step_by(WORKERS)
                        .map(|n| (n, check(&ns, n, &cases[n])))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker"))
            .collect()
    });
    let wrong: Vec<String> = results.into_iter().filter_map(|(_, w)| w).collect();
    eprintln!(
        "resolve differential test: {count} cases in {:.1} s, {} mismatches",
        start.elapsed().as_secs_f64(),
        wrong.len()
    );
    assert!(
        wrong.is_empty(),
        "seed {seed}: {} of {count} cases differ from glibc:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
