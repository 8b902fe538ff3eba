//! `sockdiag http` in namespaces of the test's own: a dual-stack name whose addresses fare
//! differently behind a firewall.
use crate::lab;
use lab::{json_lines, Ns};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::time::{Duration, Instant};

/// Answers `n` requests on `l` with 200 and a 2-byte body.
fn answer(l: TcpListener, n: usize) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for _ in 0..n {
            let Ok((mut s, _)) = l.accept() else { return };
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut b = [0u8; 2048];
            let _ = s.read(&mut b);
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        }
    })
}

/// Regression (issue 18, bug 5): a name with an AAAA whose port is dropped and an A that is
/// open. The whole --timeout went to the IPv6 address, the IPv4 one was never tried, and the
/// report named the IPv4 address as filtered. Each address now gets its share of the time
/// left, as curl gives it, and every attempt is in the report with how it failed.
#[test]
fn dual_stack_name_with_a_dropped_aaaa_falls_back_to_the_a() {
    let Some(ns) = Ns::new("http-dual") else {
        return;
    };
    let server = ns.peer();
    ns.dnsmasq(&["--host-record=dual.sockdiag.test,192.0.2.2,2001:db8::2"]);
    server.nft(
        "table inet sd {\n chain in {\n  type filter hook input priority 0;\n  \
         ip6 daddr 2001:db8::2 tcp dport 8080 drop\n }\n}\n",
    );
    let v4: IpAddr = "192.0.2.2".parse().unwrap();
    let l: TcpListener =
        server.enter(move || TcpListener::bind(SocketAddr::new(v4, 8080)).unwrap());
    let t = answer(l, 2);
    // The name's own order: IPv6 first (RFC 6724 prefers 2001:db8::/32 to IPv4 here).
    let out = ns.sockdiag(&["resolve", "--json", "--no-reverse", "dual.sockdiag.test"]);
    let order: Vec<String> = json_lines(&out)[0]["addrs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["addr"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(order, ["2001:db8::2", "192.0.2.2"], "{out:?}");

    let start = Instant::now();
    let out = ns.sockdiag(&[
        "http",
        "--json",
        "--timeout",
        "4s",
        "http://dual.sockdiag.test:8080/",
    ]);
    let took = start.elapsed();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v = &json_lines(&out)[0];
    assert_eq!(v["status"], 200, "{v}");
    assert_eq!(v["addr"], "192.0.2.2:8080", "{v}");
    let attempts = v["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{v}");
    assert_eq!(attempts[0]["addr"], "[2001:db8::2]:8080");
    assert_eq!(
        (
            attempts[0]["state"].as_str(),
            attempts[0]["reason"].as_str()
        ),
        (Some("filtered"), Some("no-response"))
    );
    // Half of the time left when it started, not all of it.
    let ms = attempts[0]["elapsed_ms"].as_f64().unwrap();
    assert!((1800.0..2500.0).contains(&ms), "{ms}");
    assert_eq!(attempts[1]["addr"], "192.0.2.2:8080");
    assert_eq!(attempts[1]["state"], "open");
    assert!(took < Duration::from_secs(4), "took {took:?}");

    // Plain with -v names each address and how it fared.
    let out = ns.sockdiag(&[
        "http",
        "-v",
        "--timeout",
        "2s",
        "http://dual.sockdiag.test:8080/",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = lab::stdout(&out);
    assert!(
        text.contains("* attempt [2001:db8::2]:8080 filtered no-response")
            && text.contains("* attempt 192.0.2.2:8080 open syn-ack"),
        "{text}"
    );
    t.join().unwrap();
}

/// When every address fails, the error names each one and how it failed, and the record's
/// address is the last one tried (not one that was never tried).
#[test]
fn every_address_failing_is_named_in_the_error() {
    let Some(ns) = Ns::new("http-dual-fail") else {
        return;
    };
    let server = ns.peer();
    ns.dnsmasq(&["--host-record=dual.sockdiag.test,192.0.2.2,2001:db8::2"]);
    server.nft(
        "table inet sd {\n chain in {\n  type filter hook input priority 0;\n  \
         ip6 daddr 2001:db8::2 tcp dport 8080 drop\n }\n}\n",
    );
    // Nothing listens on 192.0.2.2:8080: refused.
    let out = ns.sockdiag(&[
        "http",
        "--json",
        "--timeout",
        "1s",
        "http://dual.sockdiag.test:8080/",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let v = &json_lines(&out)[0];
    assert_eq!(v["addr"], "192.0.2.2:8080", "{v}");
    assert_eq!(v["error"]["stage"], "connect", "{v}");
    assert_eq!(
        (v["error"]["state"].as_str(), v["error"]["reason"].as_str()),
        (Some("closed"), Some("conn-refused"))
    );
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("[2001:db8::2]:8080 filtered no-response")
            && msg.contains("192.0.2.2:8080 closed conn-refused"),
        "{msg}"
    );
}
