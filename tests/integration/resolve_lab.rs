//! `sockdiag resolve` against a real resolver: dnsmasq in a namespace of the test's own, with
//! only the test's records (no upstream), and the namespace's own hosts file.
use crate::lab;
use lab::{json_lines, Ns};
use serde_json::Value;

const RECORDS: &[&str] = &[
    // two A and one AAAA
    "--host-record=multi.sockdiag.test,192.0.2.10,2001:db8::10",
    "--host-record=multi.sockdiag.test,192.0.2.11",
    // a CNAME chain: alias -> mid -> real
    "--cname=alias.sockdiag.test,mid.sockdiag.test",
    "--cname=mid.sockdiag.test,real.sockdiag.test",
    "--host-record=real.sockdiag.test,192.0.2.30",
    // only AAAA
    "--host-record=v6only.sockdiag.test,2001:db8::60",
    // a PTR with no forward record
    "--ptr-record=70.2.0.192.in-addr.arpa,ptr-target.sockdiag.test",
];

fn lab(tag: &str) -> Option<Ns> {
    let ns = Ns::new(tag)?;
    ns.write_etc(
        "hosts",
        "127.0.0.1 localhost\n::1 localhost\n192.0.2.50 hostsonly.sockdiag.test\n",
    );
    ns.dnsmasq(RECORDS);
    Some(ns)
}

fn addrs(rec: &Value) -> Vec<(String, String)> {
    rec["addrs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["addr"].as_str().unwrap().to_string(),
                a["family"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn two_a_and_one_aaaa_all_reported_with_families_and_reverse_names() {
    let Some(ns) = lab("resolve-multi") else {
        return;
    };
    let out = ns.sockdiag(&["resolve", "--json", "multi.sockdiag.test"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let recs = json_lines(&out);
    assert_eq!(recs.len(), 1);
    let r = &recs[0];
    assert_eq!(r["type"], "resolve");
    assert_eq!(r["error"], Value::Null);
    let mut got = addrs(r);
    got.sort();
    assert_eq!(
        got,
        vec![
            ("192.0.2.10".into(), "inet".into()),
            ("192.0.2.11".into(), "inet".into()),
            ("2001:db8::10".into(), "inet6".into()),
        ]
    );
    // host-record also makes the PTR records
    for a in r["addrs"].as_array().unwrap() {
        assert_eq!(a["reverse"], "multi.sockdiag.test", "{a}");
    }
    assert!(r["elapsed_ms"].as_f64().unwrap() > 0.0);
}

#[test]
fn cname_chain_reports_the_canonical_name() {
    let Some(ns) = lab("resolve-cname") else {
        return;
    };
    let out = ns.sockdiag(&["resolve", "--json", "-4", "alias.sockdiag.test"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let r = &json_lines(&out)[0];
    assert_eq!(r["canonical"], "real.sockdiag.test");
    assert_eq!(addrs(r), vec![("192.0.2.30".into(), "inet".into())]);
}

#[test]
fn name_only_in_the_hosts_file_resolves() {
    let Some(ns) = lab("resolve-hosts") else {
        return;
    };
    let out = ns.sockdiag(&["resolve", "--json", "-4", "hostsonly.sockdiag.test"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        addrs(&json_lines(&out)[0]),
        vec![("192.0.2.50".into(), "inet".into())]
    );
    // and the resolver itself does not know it: the answer came from the hosts file
    let dig = ns.sh("getent ahosts hostsonly.sockdiag.test");
    assert!(String::from_utf8_lossy(&dig.stdout).contains("192.0.2.50"));
}

#[test]
fn nxdomain_is_no_name_with_exit_1() {
    let Some(ns) = lab("resolve-nx") else { return };
    let out = ns.sockdiag(&["resolve", "--json", "nosuch.sockdiag.test"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let r = &json_lines(&out)[0];
    assert_eq!(r["error"]["kind"], "no-name");
    assert_eq!(r["error"]["message"], "no such name");
    assert_eq!(r["addrs"].as_array().unwrap().len(), 0);
}

#[test]
fn ipv4_only_on_an_aaaa_only_name_is_no_data() {
    let Some(ns) = lab("resolve-nodata") else {
        return;
    };
    let out = ns.sockdiag(&["resolve", "--json", "-4", "v6only.sockdiag.test"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let r = &json_lines(&out)[0];
    assert_eq!(r["error"]["kind"], "no-data", "{r}");
    // without -4 the same name resolves
    let out = ns.sockdiag(&["resolve", "--json", "v6only.sockdiag.test"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        addrs(&json_lines(&out)[0]),
        vec![("2001:db8::60".into(), "inet6".into())]
    );
}

#[test]
fn a_resolver_that_never_answers_is_again_within_its_timeout() {
    let Some(ns) = Ns::new("resolve-silent") else {
        return;
    };
    // A resolver that receives every query and never answers: a UDP socket of the test's own
    // on 127.0.0.53:53 that is never read. (An nft drop on output would fail sendto at once
    // with EPERM, which is a different failure.)
    let _silent = ns.enter(|| std::net::UdpSocket::bind("127.0.0.53:53").expect("bind :53"));
    ns.write_etc(
        "resolv.conf",
        "nameserver 127.0.0.53\noptions timeout:1 attempts:1\n",
    );
    ns.write_etc("hosts", "127.0.0.1 localhost\n");
    let t = std::time::Instant::now();
    let out = ns.sockdiag(&["resolve", "--json", "silent.sockdiag.test"]);
    let took = t.elapsed();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let r = &json_lines(&out)[0];
    assert_eq!(r["error"]["kind"], "again", "{r}");
    // timeout:1 attempts:1: the resolver waited about a second, not the default 5s x 2
    assert!(
        took >= std::time::Duration::from_millis(900),
        "took {took:?}"
    );
    assert!(took < std::time::Duration::from_secs(6), "took {took:?}");
}

#[test]
fn reverse_name_of_a_literal_comes_from_the_ptr_record() {
    let Some(ns) = lab("resolve-ptr") else { return };
    let out = ns.sockdiag(&["resolve", "--json", "192.0.2.70", "192.0.2.99"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let recs = json_lines(&out);
    assert_eq!(recs[0]["addrs"][0]["reverse"], "ptr-target.sockdiag.test");
    // an address with no PTR is still resolved (it is a literal), its reverse is null
    assert_eq!(recs[1]["addrs"][0]["addr"], "192.0.2.99");
    assert_eq!(recs[1]["addrs"][0]["reverse"], Value::Null);
}

#[test]
fn one_failing_name_among_several_gives_exit_1_and_keeps_input_order() {
    let Some(ns) = lab("resolve-mixed") else {
        return;
    };
    let names = [
        "real.sockdiag.test",
        "nosuch.sockdiag.test",
        "multi.sockdiag.test",
        "hostsonly.sockdiag.test",
    ];
    let mut args = vec!["resolve", "--json"];
    args.extend(names);
    let out = ns.sockdiag(&args);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let recs = json_lines(&out);
    let got: Vec<&str> = recs.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(got, names);
    let failed: Vec<&str> = recs
        .iter()
        .filter(|r| !r["error"].is_null())
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["nosuch.sockdiag.test"]);
    // plain output: one line per name, same order, status column says why
    let out = ns.sockdiag(&[
        "resolve",
        "--format",
        "plain",
        "real.sockdiag.test",
        "nosuch.sockdiag.test",
    ]);
    let text = lab::stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("real.sockdiag.test\tok\t192.0.2.30"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("nosuch.sockdiag.test\tno-name: no such name"),
        "{text}"
    );
}

#[test]
fn ctrl_c_prints_the_lookups_that_finished_and_exits_130() {
    let Some(ns) = Ns::new("resolve-sigint") else {
        return;
    };
    // One name waits on a resolver that never answers (5 s x 2 tries); the others finish at once.
    let _silent = ns.enter(|| std::net::UdpSocket::bind("127.0.0.53:53").expect("bind :53"));
    ns.write_etc(
        "resolv.conf",
        "nameserver 127.0.0.53\noptions timeout:5 attempts:2\n",
    );
    ns.write_etc(
        "hosts",
        "127.0.0.1 localhost\n192.0.2.50 hostsonly.sockdiag.test\n",
    );
    let mut child = std::process::Command::new("ip")
        .args(["netns", "exec", &ns.name])
        .arg(lab::sockdiag_bin())
        .args([
            "resolve",
            "--json",
            "--no-reverse",
            "localhost",
            "silent.sockdiag.test",
            "hostsonly.sockdiag.test",
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn sockdiag");
    // Ctrl-C once the handler is surely in place and the quick lookups are done: after the
    // first record (localhost) is out, and a moment for the hosts-file one; then the rest
    // of stdout. (A fixed sleep before the signal raced the start-up on a loaded machine.)
    use std::io::{BufRead, Read};
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let n = stdout.read_line(&mut first);
        tx.send(()).ok();
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).ok();
        (n, first + &rest)
    });
    rx.recv_timeout(std::time::Duration::from_secs(20))
        .expect("the first record within 20 s");
    std::thread::sleep(std::time::Duration::from_millis(300));
    // SAFETY: signalling the child this test started, by its PID.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let t = std::time::Instant::now();
    let mut out = child.wait_with_output().expect("wait");
    let (_, text) = reader.join().unwrap();
    out.stdout = text.into_bytes();
    // The silent name would take 10 s (5 s x 2 tries): the interrupt cut it short.
    assert!(
        t.elapsed() < std::time::Duration::from_secs(8),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(out.status.code(), Some(130), "{out:?}");
    let names: Vec<String> = json_lines(&out)
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["localhost", "hostsonly.sockdiag.test"]);
}

/// Issue 18: an international name (`bücher.sockdiag.test`) was refused by getaddrinfo
/// without a query; it is looked up in its ASCII form (IDNA: `xn--bcher-kva...`), and both
/// forms are shown. The same conversion serves probe and connect targets.
#[test]
fn international_names_are_looked_up_in_their_ascii_form() {
    let Some(ns) = Ns::new("resolve-idn") else {
        return;
    };
    ns.dnsmasq(&["--host-record=xn--bcher-kva.sockdiag.test,127.0.0.1"]);
    let out = ns.sockdiag(&["resolve", "--json", "-4", "bücher.sockdiag.test"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let r = &json_lines(&out)[0];
    assert_eq!(r["name"], "bücher.sockdiag.test");
    assert_eq!(r["error"], Value::Null, "{r}");
    assert_eq!(addrs(r), [("127.0.0.1".to_string(), "inet".to_string())]);
    assert_eq!(r["idn"]["unicode"], "bücher.sockdiag.test");
    assert_eq!(r["idn"]["ascii"], "xn--bcher-kva.sockdiag.test");
    assert!(
        r["note"]
            .as_str()
            .unwrap()
            .contains("xn--bcher-kva.sockdiag.test"),
        "{r}"
    );
    // Given in ASCII, the Unicode form is shown.
    let out = ns.sockdiag(&["resolve", "--json", "-4", "xn--bcher-kva.sockdiag.test"]);
    let r = &json_lines(&out)[0];
    assert_eq!(r["idn"]["unicode"], "bücher.sockdiag.test", "{r}");
    assert!(r["note"].as_str().unwrap().contains("bücher"), "{r}");
    // Plain shows both too.
    let out = ns.sockdiag(&["resolve", "--format", "plain", "-4", "bücher.sockdiag.test"]);
    let text = lab::stdout(&out);
    assert!(
        text.starts_with("bücher.sockdiag.test\tok\t127.0.0.1")
            && text.contains("looked up as xn--bcher-kva.sockdiag.test"),
        "{text}"
    );
    // probe and connect take the name as a target.
    let l = ns.listen("127.0.0.1".parse().unwrap(), &[0]);
    let port = l[0].local_addr().unwrap().port().to_string();
    let out = ns.sockdiag(&["probe", "--json", "-4", "bücher.sockdiag.test", &port]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let p = &json_lines(&out)[0];
    assert_eq!(
        (&p["target"], &p["addr"], &p["state"]),
        (
            &Value::from("bücher.sockdiag.test"),
            &Value::from("127.0.0.1"),
            &Value::from("open")
        ),
        "{p}"
    );
    let out = ns.sockdiag(&["connect", "--json", "-4", "bücher.sockdiag.test", &port]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(json_lines(&out)[0]["state"], "open");
    // A name IDNA cannot convert is refused before any query, quoting it.
    let out = ns.sockdiag(&["resolve", "xn--abc-.ü.sockdiag.test"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("'xn--abc-.ü.sockdiag.test'") && err.contains("international"),
        "{err}"
    );
}

#[test]
fn without_an_ipv6_address_only_ipv4_comes_back_as_with_ai_addrconfig() {
    let Some(ns) = lab("r-addrconfig") else {
        return;
    };
    // An IPv4 address besides 127.0.0.1 and no IPv6 one but ::1 (no link-local either).
    ns.sh(
        "ip link add dv0 type veth peer name dv1 && ip link set dv0 addrgenmode none && \
         ip link set dv1 addrgenmode none && ip link set dv0 up && ip link set dv1 up && \
         ip addr add 10.77.0.1/24 dev dv0",
    );
    let getent = |name: &str| -> Vec<String> {
        let out = ns.cmd("getent").args(["ahosts", name]).output().unwrap();
        let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(String::from))
            .collect();
        v.dedup();
        v
    };
    let out = ns.sockdiag(&["resolve", "--json", "--no-reverse", "multi.sockdiag.test"]);
    let r = &json_lines(&out)[0];
    let mut got: Vec<String> = addrs(r).into_iter().map(|(a, _)| a).collect();
    got.sort();
    assert_eq!(got, vec!["192.0.2.10", "192.0.2.11"], "{r}");
    let mut glibc = getent("multi.sockdiag.test");
    glibc.sort();
    assert_eq!(got, glibc, "what getaddrinfo gives programs");
    assert!(
        r["note"].as_str().unwrap_or("").contains("AI_ADDRCONFIG"),
        "{r}"
    );
    // an AAAA-only name: nothing, as getent gets
    let out = ns.sockdiag(&["resolve", "--json", "--no-reverse", "v6only.sockdiag.test"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(json_lines(&out)[0]["addrs"].as_array().unwrap().is_empty());
    assert!(getent("v6only.sockdiag.test").is_empty());
    // the replay asks and answers the same
    let out = ns.sockdiag(&["resolve", "--json", "--explain", "multi.sockdiag.test"]);
    let ex = &json_lines(&out)[0]["explain"];
    assert_eq!(ex["replay"]["family"], "inet");
    let mut replayed: Vec<&str> = ex["replay"]["addrs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    replayed.sort_unstable();
    assert_eq!(replayed, vec!["192.0.2.10", "192.0.2.11"], "{ex}");
    let types: Vec<&str> = ex["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, vec!["A"], "glibc asks for A only");
    assert_eq!(ex["verdict"]["source"], "dns");
    // -6 still asks for IPv6: a family asked for is not narrowed
    let out = ns.sockdiag(&[
        "resolve",
        "--json",
        "--no-reverse",
        "-6",
        "v6only.sockdiag.test",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

/// glibc 2.36 reads past an empty `hosts:` line's service list in getaddrinfo (a SIGSEGV was
/// seen with `resolve --explain`): sockdiag does not call it then, and says why the lookup
/// finds nothing, as getent's "not found".
#[test]
fn an_empty_hosts_line_in_nsswitch_is_no_name_not_a_crash() {
    let Some(ns) = lab("empty-nss") else { return };
    ns.write_etc("nsswitch.conf", "hosts:\n");
    for args in [
        &["--json", "resolve", "multi.sockdiag.test"][..],
        &["--json", "resolve", "--explain", "multi.sockdiag.test"][..],
    ] {
        for _ in 0..3 {
            let out = ns.sockdiag(args);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
            let recs = json_lines(&out);
            assert_eq!(recs[0]["error"]["kind"], "no-name", "{:?}", recs[0]);
            let msg = recs[0]["error"]["message"].as_str().unwrap();
            assert!(msg.contains("names no service"), "{msg}");
        }
    }
}
