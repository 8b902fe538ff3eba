//! `sockdiag resolve --explain` against real resolvers: dnsmasq servers (and a small
//! misbehaving one, tests/integration/lab/fakedns.py) in a namespace of the test's own, with the test's
//! own resolv.conf, hosts and nsswitch.conf (bind-mounted over /etc by `ip netns exec`).
use crate::lab;
use lab::{json_lines, stdout, Ns};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

const NSSWITCH: &str = "hosts: files dns\n";

/// A namespace with dnsmasq on 127.0.0.1 serving `records`, and this resolv.conf.
fn lab(tag: &str, resolv: &str, records: &[&str]) -> Option<Ns> {
    let ns = Ns::new(tag)?;
    ns.write_etc("hosts", "127.0.0.1 localhost\n::1 localhost\n");
    ns.write_etc("nsswitch.conf", NSSWITCH);
    ns.dnsmasq(records);
    ns.write_etc("resolv.conf", resolv);
    Some(ns)
}

/// Waits until something listens on UDP `addr`:53 in the namespace.
fn wait_udp(ns: &Ns, addr: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = ns
            .cmd("ss")
            .args(["-Hlun", &format!("src {addr}:53")])
            .output()
            .expect("ss");
        if !out.stdout.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "nothing listens on {addr}:53");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A second dnsmasq, on `addr` (another loopback address), with its own records.
fn dnsmasq_on(ns: &Ns, addr: &str, records: &[&str]) {
    let listen = format!("--listen-address={addr}");
    let mut args = vec![
        "dnsmasq",
        "--keep-in-foreground",
        "--no-resolv",
        "--no-hosts",
        "--no-poll",
        "--conf-file=/dev/null",
        &listen,
        "--bind-interfaces",
        "--port=53",
        "--pid-file=",
        "--user=root",
        "--local=/sockdiag.test/",
    ];
    args.extend_from_slice(records);
    ns.spawn(&args);
    wait_udp(ns, addr);
}

/// tests/integration/lab/fakedns.py on `addr` in `mode` (silent, servfail, refused).
fn fake(ns: &Ns, addr: &str, mode: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration/lab/fakedns.py");
    ns.spawn(&[
        "python3",
        script.to_str().expect("utf-8 path"),
        "--addr",
        addr,
        "--mode",
        mode,
        "--seconds",
        "60",
    ]);
    wait_udp(ns, addr);
}

/// The one JSON record of `resolve --json --explain ARGS...`, with the exit code.
fn explain(ns: &Ns, args: &[&str]) -> (Value, Option<i32>) {
    let mut all = vec!["resolve", "--json", "--explain"];
    all.extend_from_slice(args);
    let out = ns.sockdiag(&all);
    let recs = json_lines(&out);
    assert_eq!(recs.len(), 1, "{out:?}");
    (recs[0].clone(), out.status.code())
}

fn queries<'a>(ex: &'a Value, name: &str, qtype: &str) -> Vec<&'a Value> {
    ex["queries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["name"] == name && q["type"] == qtype)
        .collect()
}

fn kinds(ex: &Value) -> Vec<String> {
    ex["verdict"]["disagreements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap().to_string())
        .collect()
}

fn disagreement<'a>(ex: &'a Value, kind: &str) -> &'a str {
    ex["verdict"]["disagreements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {}", ex["verdict"]))["text"]
        .as_str()
        .unwrap()
}

fn data(q: &Value) -> Vec<String> {
    q["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["data"].as_str().unwrap().to_string())
        .collect()
}

const ONE: &str = "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n";

#[test]
fn split_horizon_both_answers_shown_and_the_disagreement_named() {
    let Some(ns) = lab(
        "x-split",
        "nameserver 127.0.0.1\nnameserver 127.0.0.2\noptions timeout:1 attempts:1\n",
        &["--host-record=split.sockdiag.test,192.0.2.10"],
    ) else {
        return;
    };
    dnsmasq_on(
        &ns,
        "127.0.0.2",
        &["--host-record=split.sockdiag.test,192.0.2.99"],
    );
    let (r, code) = explain(&ns, &["-4", "split.sockdiag.test"]);
    assert_eq!(code, Some(0), "{r}");
    let ex = &r["explain"];
    let qs = queries(ex, "split.sockdiag.test", "A");
    assert_eq!(qs.len(), 2, "{ex}");
    assert_eq!(qs[0]["server"], "127.0.0.1:53");
    assert_eq!(data(qs[0]), vec!["192.0.2.10"]);
    assert_eq!(qs[1]["server"], "127.0.0.2:53");
    assert_eq!(data(qs[1]), vec!["192.0.2.99"]);
    assert_eq!(ex["verdict"]["source"], "dns");
    assert_eq!(ex["verdict"]["server"], "127.0.0.1");
    let t = disagreement(ex, "servers-differ");
    assert!(t.contains("127.0.0.1 says 192.0.2.10"), "{t}");
    assert!(t.contains("127.0.0.2 says 192.0.2.99"), "{t}");
}

#[test]
fn a_silent_first_server_shows_its_timeout_and_the_delay_it_causes() {
    let Some(ns) = lab(
        "x-silent",
        "nameserver 127.0.0.3\nnameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
        &["--host-record=db.sockdiag.test,192.0.2.7"],
    ) else {
        return;
    };
    fake(&ns, "127.0.0.3", "silent");
    let (r, code) = explain(&ns, &["-4", "db.sockdiag.test"]);
    assert_eq!(code, Some(0), "{r}");
    // getaddrinfo itself waited for the silent server first
    assert!(r["elapsed_ms"].as_f64().unwrap() >= 900.0, "{r}");
    let ex = &r["explain"];
    let qs = queries(ex, "db.sockdiag.test", "A");
    assert_eq!(qs[0]["server"], "127.0.0.3:53");
    assert_eq!(qs[0]["outcome"], "timeout");
    assert_eq!(qs[0]["rcode"], Value::Null);
    assert!(qs[0]["error"].as_str().unwrap().contains("no answer in 1s"));
    let ms = qs[0]["elapsed_ms"].as_f64().unwrap();
    assert!((900.0..3000.0).contains(&ms), "{ms}");
    assert_eq!(qs[1]["outcome"], "answer");
    assert_eq!(ex["verdict"]["server"], "127.0.0.1");
    let t = disagreement(ex, "server-failed");
    assert!(
        t.contains("127.0.0.3 timed out: each lookup waits 1 s (timeout:1) before 127.0.0.1"),
        "{t}"
    );
}

#[test]
fn servfail_and_refused_servers_are_passed_over_as_glibc_does() {
    let Some(ns) = lab(
        "x-fail",
        "nameserver 127.0.0.3\nnameserver 127.0.0.4\nnameserver 127.0.0.1\n\
         options timeout:1 attempts:1\n",
        &["--host-record=db.sockdiag.test,192.0.2.7"],
    ) else {
        return;
    };
    fake(&ns, "127.0.0.3", "servfail");
    fake(&ns, "127.0.0.4", "refused");
    let (r, code) = explain(&ns, &["-4", "db.sockdiag.test"]);
    assert_eq!(code, Some(0), "{r}");
    let ex = &r["explain"];
    let qs = queries(ex, "db.sockdiag.test", "A");
    let got: Vec<(&str, &str)> = qs
        .iter()
        .map(|q| (q["outcome"].as_str().unwrap(), q["rcode"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("servfail", "SERVFAIL"),
            ("refused", "REFUSED"),
            ("answer", "NOERROR")
        ]
    );
    assert_eq!(ex["verdict"]["source"], "dns");
    assert_eq!(ex["verdict"]["server"], "127.0.0.1");
    let texts: Vec<&str> = ex["verdict"]["disagreements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "server-failed")
        .map(|d| d["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        vec![
            "127.0.0.3 answered SERVFAIL: glibc asked 127.0.0.4 next",
            "127.0.0.4 answered REFUSED: glibc asked 127.0.0.1 next"
        ]
    );
}

#[test]
fn search_list_and_ndots_tried_in_order_and_the_first_that_exists_named() {
    let Some(ns) = lab(
        "x-search",
        "nameserver 127.0.0.1\nsearch a.sockdiag.test b.sockdiag.test c.sockdiag.test\n\
         options ndots:2 timeout:1 attempts:1\n",
        &[
            "--host-record=db.b.sockdiag.test,192.0.2.21",
            "--host-record=db.c.sockdiag.test,192.0.2.22",
            "--host-record=one.two.three,192.0.2.23",
        ],
    ) else {
        return;
    };
    let (r, code) = explain(&ns, &["-4", "db"]);
    assert_eq!(code, Some(0), "{r}");
    let ex = &r["explain"];
    assert_eq!(
        ex["candidates"],
        serde_json::json!([
            "db.a.sockdiag.test",
            "db.b.sockdiag.test",
            "db.c.sockdiag.test",
            "db"
        ])
    );
    let asked: Vec<(&str, &str)> = ex["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| (q["name"].as_str().unwrap(), q["outcome"].as_str().unwrap()))
        .collect();
    // glibc stops at the first candidate that exists: db.c is never asked
    assert_eq!(
        asked,
        vec![
            ("db.a.sockdiag.test", "nxdomain"),
            ("db.b.sockdiag.test", "answer")
        ]
    );
    assert_eq!(ex["verdict"]["candidate"], "db.b.sockdiag.test");
    assert_eq!(
        ex["verdict"]["text"],
        "from 127.0.0.1 for candidate db.b.sockdiag.test after db.a.sockdiag.test NXDOMAIN"
    );
    assert!(disagreement(ex, "search-expansion").contains("became db.b.sockdiag.test"));
    assert_eq!(r["addrs"][0]["addr"], "192.0.2.21", "getaddrinfo agrees");
    // enough dots: the name as it is comes first
    let (r, _) = explain(&ns, &["-4", "one.two.three"]);
    let ex = &r["explain"];
    assert_eq!(ex["candidates"][0], "one.two.three");
    assert_eq!(ex["candidates"][1], "one.two.three.a.sockdiag.test");
    assert_eq!(ex["verdict"]["candidate"], "one.two.three");
    assert!(!kinds(ex).contains(&"search-expansion".to_string()));
}

#[test]
fn a_trailing_dot_skips_the_search_list() {
    // ndots:3: db.sockdiag.test (two dots) goes through the search list first, and the
    // search list has a name for it: the classic unexpected expansion.
    let Some(ns) = lab(
        "x-dot",
        "nameserver 127.0.0.1\nsearch b.sockdiag.test\noptions ndots:3 timeout:1 attempts:1\n",
        &[
            "--host-record=db.sockdiag.test.b.sockdiag.test,192.0.2.21",
            "--host-record=db.sockdiag.test,192.0.2.22",
        ],
    ) else {
        return;
    };
    let (r, code) = explain(&ns, &["-4", "db.sockdiag.test."]);
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(r["addrs"][0]["addr"], "192.0.2.22");
    let ex = &r["explain"];
    assert_eq!(ex["candidates"], serde_json::json!(["db.sockdiag.test"]));
    let names: Vec<&str> = ex["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["db.sockdiag.test"]);
    assert_eq!(ex["verdict"]["candidate"], "db.sockdiag.test");
    assert!(kinds(ex).is_empty(), "{}", ex["verdict"]);
    // without the dot the search list comes first and turns it into another name
    let (r, code) = explain(&ns, &["-4", "db.sockdiag.test"]);
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(r["addrs"][0]["addr"], "192.0.2.21");
    let ex = &r["explain"];
    assert_eq!(
        ex["candidates"],
        serde_json::json!(["db.sockdiag.test.b.sockdiag.test", "db.sockdiag.test"])
    );
    assert_eq!(
        ex["verdict"]["candidate"],
        "db.sockdiag.test.b.sockdiag.test"
    );
    let t = disagreement(ex, "search-expansion");
    assert!(t.contains("db.sockdiag.test has 2 dots (ndots:3)"), "{t}");
}

#[test]
fn the_hosts_file_overrides_dns_with_its_line_number() {
    let Some(ns) = lab(
        "x-hosts",
        ONE,
        &["--host-record=over.sockdiag.test,192.0.2.60"],
    ) else {
        return;
    };
    ns.write_etc(
        "hosts",
        "127.0.0.1 localhost\n::1 localhost\n192.0.2.50 over.sockdiag.test over\n",
    );
    let (r, code) = explain(&ns, &["-4", "over.sockdiag.test"]);
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(r["addrs"][0]["addr"], "192.0.2.50");
    let ex = &r["explain"];
    assert_eq!(ex["hosts_file"]["line"], 3);
    assert_eq!(ex["hosts_file"]["addrs"], serde_json::json!(["192.0.2.50"]));
    assert_eq!(ex["verdict"]["source"], "hosts");
    assert_eq!(ex["verdict"]["line"], 3);
    assert_eq!(ex["verdict"]["text"], "from /etc/hosts line 3");
    let t = disagreement(ex, "hosts-overrides-dns");
    assert!(t.contains("192.0.2.50") && t.contains("192.0.2.60"), "{t}");
    // dns first: the hosts entry is shown, DNS wins
    ns.write_etc("nsswitch.conf", "hosts: dns files\n");
    let (r, _) = explain(&ns, &["-4", "over.sockdiag.test"]);
    assert_eq!(r["addrs"][0]["addr"], "192.0.2.60");
    let ex = &r["explain"];
    assert_eq!(ex["hosts_file"]["line"], 3);
    assert_eq!(ex["verdict"]["source"], "dns");
    assert!(kinds(ex).is_empty(), "{}", ex["verdict"]);
}

#[test]
fn a_cname_chain_of_three_with_ttls() {
    let Some(ns) = lab(
        "x-cname",
        ONE,
        &[
            "--local-ttl=300",
            "--cname=one.sockdiag.test,two.sockdiag.test,600",
            "--cname=two.sockdiag.test,three.sockdiag.test,500",
            "--cname=three.sockdiag.test,real.sockdiag.test,400",
            "--host-record=real.sockdiag.test,192.0.2.30",
        ],
    ) else {
        return;
    };
    let (r, code) = explain(&ns, &["-4", "one.sockdiag.test"]);
    assert_eq!(code, Some(0), "{r}");
    let q = queries(&r["explain"], "one.sockdiag.test", "A")[0];
    assert_eq!(
        q["chain"],
        serde_json::json!([
            "one.sockdiag.test",
            "two.sockdiag.test",
            "three.sockdiag.test",
            "real.sockdiag.test"
        ])
    );
    let got: Vec<(String, String, u64, String)> = q["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().into(),
                a["type"].as_str().unwrap().into(),
                a["ttl"].as_u64().unwrap(),
                a["data"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want = [
        ("one.sockdiag.test", "CNAME", 600, "two.sockdiag.test"),
        ("two.sockdiag.test", "CNAME", 500, "three.sockdiag.test"),
        ("three.sockdiag.test", "CNAME", 400, "real.sockdiag.test"),
        ("real.sockdiag.test", "A", 300, "192.0.2.30"),
    ];
    let want: Vec<(String, String, u64, String)> = want
        .iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), *c, d.to_string()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(r["canonical"], "real.sockdiag.test");
    // the table shows the chain and the TTLs
    let out = ns.sockdiag(&[
        "resolve",
        "--format",
        "table",
        "-x",
        "-4",
        "one.sockdiag.test",
    ]);
    let t = stdout(&out);
    assert!(
        t.contains("chain one.sockdiag.test > two.sockdiag.test"),
        "{t}"
    );
    assert!(
        t.contains("one.sockdiag.test 600 CNAME two.sockdiag.test"),
        "{t}"
    );
}

#[test]
fn nxdomain_and_nodata_told_apart_per_family() {
    let Some(ns) = lab(
        "x-nodata",
        ONE,
        &["--host-record=v6only.sockdiag.test,2001:db8::60"],
    ) else {
        return;
    };
    let (r, code) = explain(&ns, &["-4", "v6only.sockdiag.test"]);
    assert_eq!(code, Some(1), "{r}");
    assert_eq!(r["error"]["kind"], "no-data");
    let ex = &r["explain"];
    let q = queries(ex, "v6only.sockdiag.test", "A")[0];
    assert_eq!(
        (q["outcome"].as_str(), q["rcode"].as_str()),
        (Some("nodata"), Some("NOERROR"))
    );
    assert!(disagreement(ex, "no-data").contains("NODATA"));
    assert_eq!(ex["verdict"]["source"], "none");
    // both families: A NODATA, AAAA answered
    let (r, code) = explain(&ns, &["v6only.sockdiag.test"]);
    assert_eq!(code, Some(0), "{r}");
    let ex = &r["explain"];
    assert_eq!(
        queries(ex, "v6only.sockdiag.test", "A")[0]["outcome"],
        "nodata"
    );
    assert_eq!(
        queries(ex, "v6only.sockdiag.test", "AAAA")[0]["outcome"],
        "answer"
    );
    // a name that does not exist: NXDOMAIN for both
    let (r, code) = explain(&ns, &["nosuch.sockdiag.test"]);
    assert_eq!(code, Some(1), "{r}");
    let ex = &r["explain"];
    for t in ["A", "AAAA"] {
        let q = queries(ex, "nosuch.sockdiag.test", t)[0];
        assert_eq!(
            (q["outcome"].as_str(), q["rcode"].as_str()),
            (Some("nxdomain"), Some("NXDOMAIN"))
        );
    }
}

#[test]
fn a_truncated_answer_is_retried_over_tcp() {
    let many: Vec<String> = (1..=40)
        .map(|i| format!("--host-record=big.sockdiag.test,192.0.2.{i}"))
        .collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let Some(ns) = lab("x-tc", ONE, &many) else {
        return;
    };
    let (r, code) = explain(&ns, &["-4", "big.sockdiag.test"]);
    assert_eq!(code, Some(0), "{r}");
    let q = queries(&r["explain"], "big.sockdiag.test", "A")[0];
    assert_eq!(q["truncated"], true, "{q}");
    assert_eq!(q["tcp"], true);
    assert_eq!(q["answers"].as_array().unwrap().len(), 40);
    assert_eq!(r["explain"]["verdict"]["source"], "dns");
    // --tcp asks over TCP from the start: nothing truncated
    let (r, _) = explain(&ns, &["-4", "--tcp", "big.sockdiag.test"]);
    let q = queries(&r["explain"], "big.sockdiag.test", "A")[0];
    assert_eq!(
        (q["truncated"].as_bool(), q["tcp"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(q["answers"].as_array().unwrap().len(), 40);
}

#[test]
fn server_and_type_ask_the_lab_server_directly() {
    let Some(ns) = lab("x-type", ONE, &[]) else {
        return;
    };
    dnsmasq_on(
        &ns,
        "127.0.0.2",
        &[
            "--mx-host=mail.sockdiag.test,mx1.sockdiag.test,10",
            "--txt-record=txt.sockdiag.test,hello world",
            "--srv-host=_sip._tcp.sockdiag.test,sip.sockdiag.test,5060,0,5",
        ],
    );
    let cases = [
        ("MX", "mail.sockdiag.test", "10 mx1.sockdiag.test."),
        ("TXT", "txt.sockdiag.test", "hello world"),
        (
            "SRV",
            "_sip._tcp.sockdiag.test",
            "0 5 5060 sip.sockdiag.test.",
        ),
    ];
    for (t, name, want) in cases {
        let (r, _) = explain(&ns, &["--server", "127.0.0.2:53", "--type", t, name]);
        let ex = &r["explain"];
        assert_eq!(ex["servers_from"], "--server");
        let qs = ex["queries"].as_array().unwrap();
        assert!(!qs.is_empty(), "{ex}");
        for q in qs {
            assert_eq!(q["server"], "127.0.0.2:53", "{q}");
            assert_eq!(q["type"], t);
        }
        let q = queries(ex, name, t)[0];
        assert_eq!(q["outcome"], "answer", "{q}");
        assert!(data(q)[0].contains(want), "{t}: {:?}", data(q));
        assert!(q["answers"][0]["ttl"].is_u64());
    }
    // the resolv.conf server does not know these names: they come from --server only
    let (r, _) = explain(&ns, &["--type", "MX", "mail.sockdiag.test"]);
    assert_eq!(
        queries(&r["explain"], "mail.sockdiag.test", "MX")[0]["outcome"],
        "nxdomain"
    );
    // --tcp with --server
    let (r, _) = explain(
        &ns,
        &[
            "--server",
            "127.0.0.2",
            "--tcp",
            "--type",
            "TXT",
            "txt.sockdiag.test",
        ],
    );
    assert_eq!(
        queries(&r["explain"], "txt.sockdiag.test", "TXT")[0]["tcp"],
        true
    );
}

#[test]
fn a_literal_and_a_legacy_numeric_form_say_no_lookup_happens() {
    let Some(ns) = lab("x-literal", ONE, &[]) else {
        return;
    };
    for name in ["192.0.2.1", "127.1", "::1"] {
        let (r, code) = explain(&ns, &["--no-reverse", name]);
        assert_eq!(code, Some(0), "{r}");
        let ex = &r["explain"];
        assert!(
            ex["literal"].as_str().unwrap().contains("without a lookup"),
            "{ex}"
        );
        assert_eq!(ex["queries"].as_array().unwrap().len(), 0);
        assert_eq!(ex["verdict"]["source"], "literal");
        assert!(ex["verdict"]["text"]
            .as_str()
            .unwrap()
            .starts_with("no lookup"));
    }
    let (r, _) = explain(&ns, &["127.1"]);
    assert!(r["explain"]["literal"]
        .as_str()
        .unwrap()
        .contains("127.0.0.1"));
    // plain shows the same as `# step` lines
    let out = ns.sockdiag(&["resolve", "--format", "plain", "-x", "127.1"]);
    let t = stdout(&out);
    assert!(
        t.contains("# literal\t127.1 is a legacy numeric form of 127.0.0.1"),
        "{t}"
    );
    assert!(t.contains("# verdict\tliteral\tno lookup"), "{t}");
}

/// Refused before any query, so no lab is needed: one line on stderr, exit 2.
#[test]
fn a_bad_type_or_server_is_exit_2_with_one_line() {
    for (args, quoted) in [
        (&["--type", "HINFO", "a.test"][..], "'HINFO'"),
        (
            &["--server", "not-an-address", "a.test"][..],
            "'not-an-address'",
        ),
        (&["--server", "127.0.0.1:0", "a.test"][..], "'127.0.0.1:0'"),
        (&["-x", "bad name"][..], "'bad name'"),
    ] {
        let out = std::process::Command::new(lab::sockdiag_bin())
            .arg("resolve")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(quoted), "{err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn refused_everywhere_is_unavail_and_success_continue_leaves_the_answer_to_dns() {
    let Some(ns) = lab(
        "x-unavail",
        "nameserver 127.0.0.3\noptions timeout:1 attempts:1\n",
        &["--host-record=both.sockdiag.test,192.0.2.80"],
    ) else {
        return;
    };
    fake(&ns, "127.0.0.3", "refused");
    ns.write_etc(
        "hosts",
        "127.0.0.1 localhost\n192.0.2.81 both.sockdiag.test\n",
    );
    // REFUSED from every server: UNAVAIL, so [UNAVAIL=return] gives nothing...
    ns.write_etc("nsswitch.conf", "hosts: dns [UNAVAIL=return] files\n");
    let (r, code) = explain(&ns, &["both.sockdiag.test"]);
    assert_eq!(code, Some(1), "{r}");
    let ex = &r["explain"];
    assert_eq!(ex["replay"]["result"], "not-found", "{}", ex["replay"]);
    assert_eq!(ex["replay"]["nsswitch"][0]["status"], "UNAVAIL");
    assert_eq!(ex["verdict"]["source"], "none");
    // ...and [TRYAGAIN=return] goes on to the hosts file
    ns.write_etc("nsswitch.conf", "hosts: dns [TRYAGAIN=return] files\n");
    let (r, code) = explain(&ns, &["both.sockdiag.test"]);
    assert_eq!(code, Some(0), "{r}");
    let ex = &r["explain"];
    assert_eq!(ex["verdict"]["source"], "hosts", "{}", ex["verdict"]);
    assert_eq!(kinds(ex), vec!["server-failed"], "{}", ex["verdict"]);
    // files [SUCCESS=continue] dns: DNS's answer, and no hosts-overrides-dns, no cache
    ns.write_etc("resolv.conf", ONE);
    ns.write_etc("nsswitch.conf", "hosts: files [SUCCESS=continue] dns\n");
    let (r, code) = explain(&ns, &["both.sockdiag.test"]);
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(r["addrs"][0]["addr"], "192.0.2.80");
    let ex = &r["explain"];
    assert_eq!(ex["verdict"]["source"], "dns", "{}", ex["verdict"]);
    assert!(kinds(ex).is_empty(), "{}", ex["verdict"]);
    assert!(
        !ex["verdict"].to_string().contains("cache"),
        "{}",
        ex["verdict"]
    );
}

#[test]
fn options_as_glibc_reads_them_order_the_candidates() {
    let Some(ns) = lab(
        "x-opts",
        "nameserver 127.0.0.1\nsearch s.sockdiag.test\noptions timeout:1 attempts:1 ndots:-1\n",
        &[
            "--host-record=x.sockdiag.test,192.0.2.90",
            "--host-record=x.sockdiag.test.s.sockdiag.test,192.0.2.91",
        ],
    ) else {
        return;
    };
    // ndots:-1 is 15: the search list first
    let (r, _) = explain(&ns, &["-4", "x.sockdiag.test"]);
    assert_eq!(r["addrs"][0]["addr"], "192.0.2.91", "{r}");
    let ex = &r["explain"];
    assert_eq!(ex["resolv_conf"]["ndots"], 15);
    assert_eq!(ex["verdict"]["source"], "dns", "{}", ex["verdict"]);
    // attempts:0: no query at all, and the lookup fails
    ns.write_etc(
        "resolv.conf",
        "nameserver 127.0.0.1\noptions timeout:1 attempts:0\n",
    );
    let (r, code) = explain(&ns, &["-4", "x.sockdiag.test"]);
    assert_eq!(code, Some(1), "{r}");
    let ex = &r["explain"];
    assert_eq!(ex["resolv_conf"]["attempts"], 0);
    assert!(ex["queries"].as_array().unwrap().is_empty(), "{ex}");
    assert_eq!(ex["replay"]["dns"]["status"], "UNAVAIL");
    assert_eq!(ex["replay"]["dns"]["steps"][0]["result"], "not-asked");
    assert_eq!(ex["verdict"]["source"], "none");
}
