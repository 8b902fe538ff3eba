//! `sockdiag opts` and `sockdiag connect` against real sockets on this kernel, on loopback:
//! what the kernel made of each option, bind semantics over TIME_WAIT and SO_REUSEPORT, and
//! connections to listeners the test holds.
use crate::util;
use serde_json::Value;
use socket2::{Domain, Socket, Type};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::time::Duration;
use util::{run, sockdiag};

fn json_lines(out: &str) -> Vec<Value> {
    out.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

fn option<'a>(recs: &'a [Value], name: &str) -> &'a Value {
    recs.iter()
        .find(|r| r["type"] == "option" && r["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {recs:?}"))
}

fn sysctl(name: &str) -> i64 {
    std::fs::read_to_string(format!("/proc/sys/{}", name.replace('.', "/")))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// What this kernel keeps when asked for a buffer of 0 bytes: its minimum.
fn kernel_min(name: libc::c_int) -> i64 {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    use std::os::fd::AsRawFd;
    let zero: libc::c_int = 0;
    let mut v: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    unsafe {
        assert_eq!(
            libc::setsockopt(
                s.as_raw_fd(),
                libc::SOL_SOCKET,
                name,
                &zero as *const _ as *const _,
                len
            ),
            0
        );
        assert_eq!(
            libc::getsockopt(
                s.as_raw_fd(),
                libc::SOL_SOCKET,
                name,
                &mut v as *mut _ as *mut _,
                &mut len
            ),
            0
        );
    }
    v as i64
}

#[test]
fn opts_without_flags_lists_a_fresh_sockets_defaults() {
    let (code, out, err) = run(&["opts", "--json"]);
    assert_eq!(code, 0, "{err}");
    let recs = json_lines(&out);
    let names: Vec<&str> = recs.iter().map(|r| r["name"].as_str().unwrap()).collect();
    for n in [
        "SO_REUSEADDR",
        "SO_REUSEPORT",
        "SO_KEEPALIVE",
        "SO_SNDBUF",
        "SO_RCVBUF",
        "SO_LINGER",
        "SO_RCVTIMEO",
        "SO_SNDTIMEO",
        "TCP_NODELAY",
        "TCP_KEEPIDLE",
        "TCP_KEEPINTVL",
        "TCP_KEEPCNT",
        "TCP_SYNCNT",
        "TCP_USER_TIMEOUT",
        "IP_TTL",
        "IP_TOS",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    assert!(!names.contains(&"IPV6_V6ONLY") && !names.contains(&"SO_BROADCAST"));
    // The defaults are the live system's.
    let ttl = option(&recs, "IP_TTL");
    assert_eq!(ttl["default"], sysctl("net.ipv4.ip_default_ttl"));
    assert_eq!(ttl["requested"], Value::Null);
    let idle = option(&recs, "TCP_KEEPIDLE");
    assert_eq!(
        idle["effective"],
        sysctl("net.ipv4.tcp_keepalive_time") * 1000
    );
    assert_eq!(option(&recs, "SO_KEEPALIVE")["effective"], false);
    assert_eq!(option(&recs, "SO_LINGER")["effective"], false);
    let snd = option(&recs, "SO_SNDBUF");
    assert!(
        snd["note"].as_str().unwrap().contains("net.ipv4.tcp_wmem"),
        "{snd}"
    );

    let (code, out, _) = run(&["opts", "--json", "-6", "--udp"]);
    assert_eq!(code, 0);
    let recs = json_lines(&out);
    let names: Vec<&str> = recs.iter().map(|r| r["name"].as_str().unwrap()).collect();
    for n in [
        "SO_BROADCAST",
        "IPV6_UNICAST_HOPS",
        "IPV6_V6ONLY",
        "SO_SNDBUF",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    for n in ["TCP_NODELAY", "SO_KEEPALIVE", "IP_TTL"] {
        assert!(
            !names.contains(&n),
            "{n} is not a UDP/IPv6 option: {names:?}"
        );
    }
    let snd = option(&recs, "SO_SNDBUF");
    assert_eq!(snd["default"], sysctl("net.core.wmem_default"));
}

#[test]
fn buffer_sizes_are_doubled_clamped_and_raised_to_the_minimum() {
    // Doubling.
    let (code, out, err) = run(&["opts", "--json", "--sndbuf", "64KiB", "--rcvbuf", "40000"]);
    assert_eq!(code, 0, "{err}");
    let recs = json_lines(&out);
    let snd = option(&recs, "SO_SNDBUF");
    assert_eq!(
        (snd["requested"].as_i64(), snd["effective"].as_i64()),
        (Some(65536), Some(131072))
    );
    assert!(snd["note"].as_str().unwrap().contains("doubles"), "{snd}");
    let rcv = option(&recs, "SO_RCVBUF");
    assert_eq!(rcv["effective"], 80000);
    assert!(
        rcv["note"]
            .as_str()
            .unwrap()
            .contains("before connect or listen"),
        "{rcv}"
    );

    // The clamp at twice the live net.core.wmem_max / rmem_max.
    let (wmax, rmax) = (sysctl("net.core.wmem_max"), sysctl("net.core.rmem_max"));
    let (ws, rs) = (
        (wmax * 3).min(i32::MAX as i64),
        (rmax * 3).min(i32::MAX as i64),
    );
    let (code, out, _) = run(&[
        "opts",
        "--json",
        "--sndbuf",
        &ws.to_string(),
        "--rcvbuf",
        &rs.to_string(),
    ]);
    assert_eq!(code, 0);
    let recs = json_lines(&out);
    let snd = option(&recs, "SO_SNDBUF");
    assert_eq!(snd["effective"], wmax * 2, "{snd}");
    let note = snd["note"].as_str().unwrap();
    assert!(
        note.contains(&format!("net.core.wmem_max = {wmax}")),
        "{note}"
    );
    assert!(note.contains("/proc/sys/net/core/wmem_max"), "{note}");
    let rcv = option(&recs, "SO_RCVBUF");
    assert_eq!(rcv["effective"], rmax * 2, "{rcv}");
    assert!(rcv["note"]
        .as_str()
        .unwrap()
        .contains(&format!("net.core.rmem_max = {rmax}")));

    // The minimums, named with their value.
    let (smin, rmin) = (kernel_min(libc::SO_SNDBUF), kernel_min(libc::SO_RCVBUF));
    let (code, out, _) = run(&["opts", "--json", "--sndbuf", "1", "--rcvbuf", "1"]);
    assert_eq!(code, 0);
    let recs = json_lines(&out);
    let snd = option(&recs, "SO_SNDBUF");
    assert_eq!(snd["effective"], smin);
    assert!(
        snd["note"]
            .as_str()
            .unwrap()
            .contains(&format!("at least {smin} bytes (SOCK_MIN_SNDBUF)")),
        "{snd}"
    );
    let rcv = option(&recs, "SO_RCVBUF");
    assert_eq!(rcv["effective"], rmin);
    assert!(
        rcv["note"]
            .as_str()
            .unwrap()
            .contains(&format!("at least {rmin} bytes (SOCK_MIN_RCVBUF)")),
        "{rcv}"
    );
}

#[test]
fn refused_values_are_that_options_error_and_the_rest_still_apply() {
    for args in [
        &["--ttl", "0", "--keepcnt", "0"][..],
        &["--ttl", "256", "--keepcnt", "0"][..],
    ] {
        let mut a = vec![
            "opts",
            "--json",
            "--sndbuf",
            "64KiB",
            "--nodelay",
            "--keepalive",
        ];
        a.extend_from_slice(args);
        let (code, out, err) = run(&a);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert_eq!(err, "", "nothing on stderr: the errors are in the records");
        let recs = json_lines(&out);
        let ttl = option(&recs, "IP_TTL");
        let e = ttl["error"].as_str().unwrap();
        assert!(e.contains("EINVAL") && e.contains("1-255"), "{e}");
        assert_eq!(
            ttl["effective"], ttl["default"],
            "the TTL stays the default"
        );
        assert!(option(&recs, "TCP_KEEPCNT")["error"]
            .as_str()
            .unwrap()
            .contains("EINVAL"));
        assert_eq!(option(&recs, "SO_SNDBUF")["effective"], 131072);
        assert_eq!(option(&recs, "TCP_NODELAY")["effective"], true);
        assert_eq!(option(&recs, "SO_KEEPALIVE")["effective"], true);
        assert_eq!(option(&recs, "SO_SNDBUF")["error"], Value::Null);
    }
    // The table says it too, and -1 asks for the default.
    let (code, out, _) = run(&["opts", "--format", "table", "--ttl", "-1", "--tos", "0x10"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("system default"), "{out}");
}

#[test]
fn bad_option_values_are_one_line_quoting_them_with_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["opts", "--sndbuf", "64XB"], "'64XB'"),
        (&["opts", "--sndbuf", "3GiB"], "'3GiB'"),
        (&["opts", "--rcvbuf", "-5"], "'-5'"),
        (&["opts", "--linger", "soon"], "'soon'"),
        (&["opts", "--keepidle", "1.5s"], "'1.5s'"),
        (&["opts", "--keepidle", "60"], "'60'"),
        (&["opts", "--user-timeout", "0.5ms"], "'0.5ms'"),
        // Regression: these overflowed `secs * 1000` (a panic) or were clamped in silence.
        (
            &["opts", "--keepidle", "20000000000000000s"],
            "'20000000000000000s'",
        ),
        (
            &["opts", "--linger", "20000000000000000s"],
            "'20000000000000000s'",
        ),
        (&["opts", "--linger", "2147483648s"], "'2147483648s'"),
        (
            &["opts", "--user-timeout", "99999999999h"],
            "'99999999999h'",
        ),
        (&["opts", "--ttl", "abc"], "'abc'"),
        (&["opts", "--keepcnt", "99999999999"], "'99999999999'"),
        (&["opts", "--udp", "--nodelay"], "'--nodelay'"),
        (&["opts", "--broadcast"], "'--broadcast'"),
        (&["opts", "--v6only"], "'--v6only'"),
        (&["opts", "--udp", "--listen"], "'--listen'"),
        (&["opts", "--bind", "localhost:80"], "'localhost:80'"),
        (&["opts", "--connect", "127.0.0.1"], "'127.0.0.1'"),
        (
            &["opts", "--connect", "127.0.0.1:1", "--bind", "127.0.0.1:0"],
            "'--connect",
        ),
        (&["connect", "127.0.0.1", "80,443"], "'80,443'"),
        (&["connect", "127.0.0.0/30", "80"], "'127.0.0.0/30'"),
        (&["connect", "127.0.0.1", "80", "--read", "lots"], "'lots'"),
        (
            &[
                "connect",
                "127.0.0.1",
                "80",
                "--send-file",
                "/nonexistent/x",
            ],
            "'/nonexistent/x'",
        ),
        (&["connect", "127.0.0.1", "80", "--timeout", "0s"], "'0s'"),
        (
            &["connect", "127.0.0.1", "80", "--sndbuf", "lots"],
            "'lots'",
        ),
    ];
    for (args, quoted) in cases {
        let (code, out, err) = run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(out, "", "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err:?}");
        assert!(
            err.contains(quoted),
            "{args:?}: {err:?} should quote {quoted}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// A port whose only user is a connection in TIME_WAIT (the test's server side closed first).
fn port_in_time_wait() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let mut c = TcpStream::connect(addr).unwrap();
    let (s, _) = l.accept().unwrap();
    drop(l);
    drop(s); // the server's socket closes first: it is the one left in TIME_WAIT
    let mut b = [0u8; 1];
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(c.read(&mut b).unwrap(), 0, "EOF from the server");
    drop(c);
    // The final ACK is on loopback at once; wait until the kernel lists the TIME_WAIT.
    let hex = format!(":{:04X} ", addr.port());
    for _ in 0..100 {
        let t = std::fs::read_to_string("/proc/net/tcp").unwrap();
        if t.lines()
            .any(|l| l.contains(&hex) && l.split_whitespace().nth(3) == Some("06"))
        {
            return addr;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no TIME_WAIT on {addr}");
}

#[test]
fn reuseaddr_binds_over_time_wait_and_without_it_the_bind_fails() {
    let addr = port_in_time_wait();
    let a = addr.to_string();
    let (code, out, _) = run(&["opts", "--json", "--bind", &a]);
    assert_eq!(code, 1, "{out}");
    let recs = json_lines(&out);
    let sock = recs.iter().find(|r| r["type"] == "opts-socket").unwrap();
    assert_eq!(sock["phase"], "failed");
    assert!(
        sock["error"].as_str().unwrap().contains("EADDRINUSE"),
        "{sock}"
    );
    let note = sock["note"].as_str().unwrap();
    assert!(
        note.contains("TIME_WAIT") && note.contains("--reuseaddr"),
        "{note}"
    );
    assert!(sock["holders"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["state"] == "TIME_WAIT"));

    let (code, out, err) = run(&["opts", "--json", "--bind", &a, "--reuseaddr", "--listen"]);
    assert_eq!(code, 0, "{out} {err}");
    let recs = json_lines(&out);
    let sock = recs.iter().find(|r| r["type"] == "opts-socket").unwrap();
    assert_eq!(sock["phase"], "listening");
    assert_eq!(sock["local"], a);
    assert_eq!(option(&recs, "SO_REUSEADDR")["effective"], true);
}

fn reuseport_listener(set: bool) -> (Socket, SocketAddr) {
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    s.set_reuse_port(set).unwrap();
    s.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    s.listen(8).unwrap();
    let a = s.local_addr().unwrap().as_socket().unwrap();
    (s, a)
}

#[test]
fn reuseport_shares_a_port_only_when_both_listeners_set_it() {
    let (_l, addr) = reuseport_listener(true);
    let a = addr.to_string();
    let (code, out, err) = run(&["opts", "--json", "--bind", &a, "--listen", "--reuseport"]);
    assert_eq!(code, 0, "both set it: {out} {err}");
    let (code, out, _) = run(&["opts", "--json", "--bind", &a, "--listen"]);
    assert_eq!(code, 1, "only the holder set it: {out}");
    let recs = json_lines(&out);
    let sock = recs.iter().find(|r| r["type"] == "opts-socket").unwrap();
    let note = sock["note"].as_str().unwrap();
    assert!(note.contains("SO_REUSEPORT"), "{note}");
    // The holder is this test process, found through /proc.
    assert!(
        note.contains(&format!("LISTEN (pid {} ", std::process::id())),
        "{note}"
    );

    let (_l2, addr2) = reuseport_listener(false);
    let (code, out, _) = run(&[
        "opts",
        "--json",
        "--bind",
        &addr2.to_string(),
        "--listen",
        "--reuseport",
    ]);
    assert_eq!(code, 1, "only the newcomer set it: {out}");
    let recs = json_lines(&out);
    let sock = recs.iter().find(|r| r["type"] == "opts-socket").unwrap();
    assert!(
        sock["note"]
            .as_str()
            .unwrap()
            .contains("the holder did not"),
        "{sock}"
    );
}

/// A listener that records the peer it accepted, sends `banner`, then echoes one line back
/// prefixed with `echo: ` and closes.
fn server(bind: &str, banner: &'static [u8]) -> (SocketAddr, std::thread::JoinHandle<SocketAddr>) {
    let l = TcpListener::bind(bind).unwrap();
    let addr = l.local_addr().unwrap();
    let t = std::thread::spawn(move || {
        let (mut s, peer) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(banner).unwrap();
        let mut line = String::new();
        let _ = BufReader::new(s.try_clone().unwrap()).read_line(&mut line);
        if !line.is_empty() {
            s.write_all(format!("echo: {line}").as_bytes()).unwrap();
        }
        peer
    });
    (addr, t)
}

#[test]
fn connect_reports_peer_local_tcp_info_and_reads_a_banner() {
    let (addr, t) = server("127.0.0.1:0", b"220 sockdiag test\r\n");
    let port = addr.port().to_string();
    let out = sockdiag()
        .args([
            "connect",
            "--json",
            "127.0.0.1",
            &port,
            "--banner",
            "--nodelay",
            "--sndbuf",
            "64KiB",
        ])
        .write_stdin("")
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let seen = t.join().unwrap();
    let recs = json_lines(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(recs.len(), 1);
    let r = &recs[0];
    assert_eq!(r["type"], "connect");
    assert_eq!(
        (r["state"].as_str(), r["reason"].as_str()),
        (Some("open"), Some("syn-ack"))
    );
    assert_eq!(r["peer"], addr.to_string(), "peer is the listener");
    assert_eq!(
        r["local"],
        seen.to_string(),
        "local is what the listener saw"
    );
    assert_eq!(r["family"], "inet");
    assert_eq!(r["data"], "220 sockdiag test\\r\n");
    assert_eq!(r["received"], 19);
    assert_eq!(r["sent"], 0);
    assert!(r["first_byte_ms"].as_f64().unwrap() >= 0.0);
    assert!(r["connect_ms"].as_f64().unwrap() > 0.0);
    let ti = &r["tcp_info"];
    assert!(
        ti["mss"].as_u64().unwrap() > 0 && ti["cwnd"].as_u64().unwrap() > 0,
        "{ti}"
    );
    assert!(ti["rtt_ms"].as_f64().unwrap() > 0.0, "{ti}");
    assert_eq!(ti["retransmits"], 0);
    let opts = r["options"].as_array().unwrap();
    let nd = opts.iter().find(|o| o["name"] == "TCP_NODELAY").unwrap();
    assert_eq!(nd["effective"], true);
    let sb = opts.iter().find(|o| o["name"] == "SO_SNDBUF").unwrap();
    assert_eq!(sb["effective"], 131072);
}

#[test]
fn connect_round_trip_with_send_and_with_stdin_and_ipv6() {
    let (addr, t) = server("127.0.0.1:0", b"");
    let (code, out, err) = run(&[
        "connect",
        "--json",
        "127.0.0.1",
        &addr.port().to_string(),
        "--send",
        "ping\n",
        "--until-close",
    ]);
    assert_eq!(code, 0, "{err}");
    t.join().unwrap();
    let r = &json_lines(&out)[0];
    assert_eq!(r["sent"], 5);
    assert_eq!(r["data"], "echo: ping\n");
    assert_eq!(r["read_end"], "eof");

    // stdin when it is not a terminal; --read stops at N bytes.
    let (addr, t) = server("[::1]:0", b"");
    let out = sockdiag()
        .args([
            "connect",
            "--json",
            "::1",
            &addr.port().to_string(),
            "--read",
            "6",
        ])
        .write_stdin("from stdin\n")
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let seen = t.join().unwrap();
    let r = &json_lines(&String::from_utf8_lossy(&out.stdout))[0];
    assert_eq!(r["family"], "inet6");
    assert_eq!(r["peer"], addr.to_string());
    assert_eq!(r["local"], seen.to_string());
    assert_eq!(r["sent"], 11);
    assert_eq!(r["data"], "echo: ");
    assert_eq!(r["read_end"], "limit");

    // --hex shows a dump in the table.
    let (addr, t) = server("127.0.0.1:0", b"\x00\x01hi");
    let (code, out, _) = run(&[
        "connect",
        "--format",
        "table",
        "--hex",
        "127.0.0.1",
        &addr.port().to_string(),
        "--banner",
    ]);
    t.join().unwrap();
    assert_eq!(code, 0);
    assert!(out.contains("00000000  00 01 68 69"), "{out}");
}

#[test]
fn a_refused_connect_has_probes_state_and_reason_and_exit_1() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, out, _) = run(&["connect", "--json", "-v", "127.0.0.1", &port.to_string()]);
    assert_eq!(code, 1);
    let r = &json_lines(&out)[0];
    assert_eq!(
        (r["state"].as_str(), r["reason"].as_str()),
        (Some("closed"), Some("conn-refused"))
    );
    assert_eq!(r["errno"], "ECONNREFUSED");
    assert_eq!(r["peer"], Value::Null);
    assert_eq!(r["tcp_info"], Value::Null);
    assert_eq!(r["attempts"].as_array().unwrap().len(), 1);
    // plain: the documented columns, and -v shows the attempt.
    let (code, out, _) = run(&["connect", "-v", "127.0.0.1", &port.to_string()]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with(&format!(
            "# attempt\t127.0.0.1:{port}\tclosed\tconn-refused\t"
        )),
        "{out}"
    );
    let cols: Vec<&str> = lines[1].split('\t').collect();
    assert_eq!(
        &cols[..5],
        &[
            "127.0.0.1",
            &port.to_string(),
            "tcp",
            "closed",
            "conn-refused"
        ]
    );
}

#[test]
fn udp_connect_round_trip_and_closed_port() {
    let echo = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = echo.local_addr().unwrap();
    let t = std::thread::spawn(move || {
        echo.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut b = [0u8; 100];
        let (n, from) = echo.recv_from(&mut b).unwrap();
        echo.send_to(&[b"re: ", &b[..n]].concat(), from).unwrap();
        from
    });
    let (code, out, err) = run(&[
        "connect",
        "--json",
        "--udp",
        "127.0.0.1",
        &addr.port().to_string(),
        "--send",
        "hello",
    ]);
    assert_eq!(code, 0, "{err}");
    let from = t.join().unwrap();
    let r = &json_lines(&out)[0];
    assert_eq!(
        (r["state"].as_str(), r["reason"].as_str()),
        (Some("open"), Some("udp-response"))
    );
    assert_eq!(r["proto"], "udp");
    assert_eq!(r["data"], "re: hello");
    assert_eq!(r["local"], from.to_string());
    assert_eq!(r["peer"], addr.to_string());
    assert_eq!(r["tcp_info"], Value::Null);

    let free = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, out, _) = run(&[
        "connect",
        "--json",
        "--udp",
        "127.0.0.1",
        &free.to_string(),
        "--send",
        "x",
    ]);
    assert_eq!(code, 1);
    let r = &json_lines(&out)[0];
    assert_eq!(
        (r["state"].as_str(), r["reason"].as_str()),
        (Some("closed"), Some("port-unreach"))
    );
    assert_eq!(r["icmp"]["type"], 3);
    assert_eq!(r["icmp"]["code"], 3);

    // IPv6: ICMPv6 destination unreachable, port unreachable (type 1 code 4).
    let free6 = UdpSocket::bind("[::1]:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, out, _) = run(&["connect", "--json", "--udp", "::1", &free6.to_string()]);
    assert_eq!(code, 1);
    let r = &json_lines(&out)[0];
    assert_eq!(
        (r["state"].as_str(), r["reason"].as_str()),
        (Some("closed"), Some("port-unreach"))
    );
    assert_eq!(
        (r["icmp"]["type"].as_u64(), r["icmp"]["code"].as_u64()),
        (Some(1), Some(4))
    );
    assert_eq!(r["family"], "inet6");
}

/// Issue 10: a datagram that left counts as sent even when no reply came back: the ICMP
/// port-unreachable (closed) and silence (open|filtered) both follow a real send.
#[test]
fn udp_connect_counts_the_datagram_sent_without_a_reply() {
    let free = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, out, err) = run(&[
        "connect",
        "--json",
        "--udp",
        "127.0.0.1",
        &free.to_string(),
        "--send",
        "ping",
    ]);
    assert_eq!(code, 1, "{err}");
    let r = &json_lines(&out)[0];
    assert_eq!(r["reason"], "port-unreach");
    assert_eq!(r["sent"], 4, "{r}");

    // A socket that reads nothing and never answers: silence after the send.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let (code, out, err) = run(&[
        "connect",
        "--json",
        "--udp",
        "--timeout",
        "200ms",
        "127.0.0.1",
        &port.to_string(),
        "--send",
        "ping",
    ]);
    assert_eq!(code, 1, "{err}");
    let r = &json_lines(&out)[0];
    assert_eq!(r["state"], "open|filtered");
    assert_eq!(r["sent"], 4, "{r}");
    drop(silent);
}

#[test]
fn ctrl_c_during_until_close_prints_what_arrived_and_exits_130() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let t = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.write_all(b"partial").unwrap();
        tx.send(()).unwrap();
        // Hold the connection open; the client is interrupted before this ends.
        std::thread::sleep(Duration::from_secs(3));
    });
    let child = util::command()
        .args([
            "connect",
            "--json",
            "--timeout",
            "20s",
            "127.0.0.1",
            &addr.port().to_string(),
            "--until-close",
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    rx.recv_timeout(Duration::from_secs(10)).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{out:?}");
    let r = &json_lines(&String::from_utf8_lossy(&out.stdout))[0];
    assert_eq!(r["data"], "partial");
    assert_eq!(r["read_end"], "interrupted");
    t.join().unwrap();
}

#[test]
fn opts_connect_reads_the_options_of_the_connected_socket() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let (code, out, err) = run(&[
        "opts",
        "--json",
        "--connect",
        &addr.to_string(),
        "--sndbuf",
        "64KiB",
        "--ttl",
        "7",
    ]);
    assert_eq!(code, 0, "{err}");
    let recs = json_lines(&out);
    let sock = recs.iter().find(|r| r["type"] == "opts-socket").unwrap();
    assert_eq!(sock["phase"], "connected");
    assert_eq!(sock["peer"], addr.to_string());
    assert_eq!(option(&recs, "IP_TTL")["effective"], 7);
    assert_eq!(option(&recs, "SO_SNDBUF")["effective"], 131072);
}

#[test]
fn help_teaches_with_examples() {
    let (code, out, _) = run(&["opts", "--help"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("sockdiag opts --sndbuf 64KiB --rcvbuf 16MiB"),
        "{out}"
    );
    assert!(
        out.contains("Socket options:") && out.contains("--user-timeout"),
        "{out}"
    );
    let (code, out, _) = run(&["connect", "--help"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("sockdiag connect 127.0.0.1 22 --banner"),
        "{out}"
    );
    assert!(
        out.contains("--sndbuf"),
        "the option flags are shared: {out}"
    );
}

#[test]
fn every_flag_sets_its_option_and_reads_back_in_json_units() {
    let (code, out, err) = run(&[
        "opts",
        "--json",
        "--reuseaddr",
        "--reuseport",
        "--keepalive",
        "--keepidle",
        "2m",
        "--keepintvl",
        "15s",
        "--keepcnt",
        "4",
        "--linger",
        "5s",
        "--nodelay",
        "--ttl",
        "9",
        "--tos",
        "0x10",
        "--user-timeout",
        "1500ms",
        "--syncnt",
        "2",
        "--listen",
    ]);
    assert_eq!(code, 0, "{err}");
    let recs = json_lines(&out);
    let want: &[(&str, Value)] = &[
        ("SO_REUSEADDR", true.into()),
        ("SO_REUSEPORT", true.into()),
        ("SO_KEEPALIVE", true.into()),
        ("TCP_KEEPIDLE", 120_000.into()),
        ("TCP_KEEPINTVL", 15_000.into()),
        ("TCP_KEEPCNT", 4.into()),
        ("SO_LINGER", 5000.into()),
        ("TCP_NODELAY", true.into()),
        ("IP_TTL", 9.into()),
        ("IP_TOS", 16.into()),
        ("TCP_USER_TIMEOUT", 1500.into()),
        ("TCP_SYNCNT", 2.into()),
    ];
    for (name, v) in want {
        let o = option(&recs, name);
        assert_eq!(&o["effective"], v, "{o}");
        assert_eq!(&o["requested"], v, "{o}");
        assert_eq!(o["error"], Value::Null, "{o}");
    }
    let sock = recs.iter().find(|r| r["type"] == "opts-socket").unwrap();
    assert_eq!(sock["phase"], "listening");
    let local: SocketAddr = sock["local"].as_str().unwrap().parse().unwrap();
    assert_ne!(local.port(), 0, "the kernel picked a port");

    // IPv6 only, on an IPv6 socket bound to ::1; a keepidle beyond the kernel's range.
    let (code, out, _) = run(&[
        "opts",
        "--json",
        "--bind",
        "[::1]:0",
        "--v6only",
        "--ttl",
        "300",
        "--keepidle",
        "40000s",
    ]);
    assert_eq!(code, 1);
    let recs = json_lines(&out);
    assert_eq!(option(&recs, "IPV6_V6ONLY")["effective"], true);
    assert!(option(&recs, "IPV6_UNICAST_HOPS")["error"]
        .as_str()
        .unwrap()
        .contains("EINVAL"));
    assert!(option(&recs, "TCP_KEEPIDLE")["error"]
        .as_str()
        .unwrap()
        .contains("1-32767"));
    let sock = recs.iter().find(|r| r["type"] == "opts-socket").unwrap();
    assert_eq!(
        (sock["phase"].as_str(), sock["family"].as_str()),
        (Some("bound"), Some("inet6"))
    );
}

/// Regression: Ctrl-C while the handshake waited was reported as `filtered no-response`,
/// a verdict about the network; it is the user's interruption (`error local:EINTR`).
#[test]
fn ctrl_c_during_the_handshake_is_not_called_filtered() {
    // A listener whose accept queue is full: the kernel drops further SYNs, so a new
    // connect waits (loopback only).
    let l = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    l.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    l.listen(0).unwrap();
    let addr = l.local_addr().unwrap().as_socket().unwrap();
    let fillers: Vec<Socket> = (0..4)
        .map(|_| {
            let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
            s.set_nonblocking(true).unwrap();
            let _ = s.connect(&addr.into());
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let child = util::command()
        .args([
            "connect",
            "--json",
            "--timeout",
            "20s",
            "127.0.0.1",
            &addr.port().to_string(),
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let sent = std::time::Instant::now();
    // SAFETY: our own child's PID.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert!(sent.elapsed() < Duration::from_secs(5));
    assert_eq!(out.status.code(), Some(130), "{out:?}");
    let r = &json_lines(&String::from_utf8_lossy(&out.stdout))[0];
    assert_eq!(
        (r["state"].as_str(), r["reason"].as_str()),
        (Some("error"), Some("local:EINTR")),
        "{r}"
    );
    drop(fillers);
}

/// `sockdiag connect --json ARGS`: exit code and the connect record.
fn connect_json(args: &[&str]) -> (Option<i32>, Value) {
    let out = sockdiag()
        .arg("connect")
        .arg("--json")
        .args(args)
        .write_stdin("")
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let recs = json_lines(&String::from_utf8_lossy(&out.stdout));
    let r = recs
        .into_iter()
        .find(|r| r["type"] == "connect")
        .unwrap_or_else(|| panic!("no connect record: {out:?}"));
    (out.status.code(), r)
}

#[test]
fn source_address_and_port_are_what_the_listener_sees() {
    // An address of our own other than the one the kernel would pick (127.0.0.1).
    let (addr, t) = server("127.0.0.1:0", b"hi\r\n");
    let port = addr.port().to_string();
    let (code, r) = connect_json(&["--source", "127.0.0.2", "127.0.0.1", &port, "--banner"]);
    assert_eq!(code, Some(0), "{r}");
    let seen = t.join().unwrap();
    assert_eq!(seen.ip().to_string(), "127.0.0.2");
    assert_eq!(r["local"], seen.to_string(), "{r}");

    // A fixed source port: one that was free a moment ago.
    let free = TcpListener::bind("127.0.0.3:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (addr, t) = server("127.0.0.1:0", b"hi\r\n");
    let port = addr.port().to_string();
    let src = free.to_string();
    let (code, r) = connect_json(&["--source", &src, "127.0.0.1", &port, "--banner"]);
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(t.join().unwrap(), free);
    assert_eq!(r["local"], src, "{r}");

    // A source of the other family cannot reach the address: that attempt's local error.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let (code, r) = connect_json(&["--source", "::1", "127.0.0.1", &port]);
    assert_eq!(code, Some(1), "{r}");
    assert_eq!(
        (r["state"].as_str(), r["reason"].as_str()),
        (Some("error"), Some("local:EAFNOSUPPORT")),
        "{r}"
    );

    // Bad input: exit 2, one line quoting it.
    for (args, quoted) in [
        (vec!["--source", "nohost", "127.0.0.1", "1"], "'nohost'"),
        (
            vec!["--source", "127.0.0.1:99999", "127.0.0.1", "1"],
            "'127.0.0.1:99999'",
        ),
        (
            vec!["--interface", "nosuchif0", "127.0.0.1", "1"],
            "'nosuchif0'",
        ),
    ] {
        let mut a = vec!["connect"];
        a.extend(args);
        let (code, out, err) = run(&a);
        assert_eq!(code, 2, "{a:?}: {out} {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(quoted), "{err}");
    }
}

/// A server that sends without a pause until the client goes (or 20 s pass).
fn firehose() -> (SocketAddr, std::thread::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let t = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let end = std::time::Instant::now() + Duration::from_secs(20);
        let chunk = [b'x'; 4096];
        while std::time::Instant::now() < end {
            if s.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    (addr, t)
}

/// Issue 18: `--banner` and `--until-close` on a stream that never pauses never ended
/// (--timeout bounds each wait, not the whole read). `--max-time` bounds the whole of it.
#[test]
fn max_time_bounds_a_read_that_never_pauses() {
    for mode in ["--banner", "--until-close"] {
        let (addr, t) = firehose();
        let start = std::time::Instant::now();
        let (code, r) = connect_json(&[
            "--max-time",
            "800ms",
            "127.0.0.1",
            &addr.port().to_string(),
            mode,
        ]);
        let took = start.elapsed();
        assert_eq!(code, Some(0), "{mode}: {r}");
        assert!(took < Duration::from_secs(5), "{mode}: took {took:?}");
        assert_eq!(r["read_end"], "max-time", "{mode}: {r}");
        assert!(r["received"].as_u64().unwrap() > 0, "{mode}: {r}");
        assert_eq!(r["state"], "open", "{mode}");
        t.join().unwrap();
    }
    // A bad value is exit 2, quoting it.
    for (bad, quoted) in [("0s", "'0s'"), ("soon", "'soon'"), ("5", "'5'")] {
        let (code, _, err) = run(&["connect", "--max-time", bad, "127.0.0.1", "1"]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert_eq!(err.lines().count(), 1, "{bad}: {err}");
        assert!(err.contains(quoted), "{bad}: {err}");
    }
}

/// Issue 18, bug 1 (connect's side): a server that accepts and resets at once is open (the
/// handshake completed); the reset is the exchange's end, never `error local:ECONNRESET`.
/// `opts --connect` (the same connect) reads the options of that socket.
#[test]
fn accept_then_reset_is_open_then_reset() {
    const N: usize = 20;
    const OPTS: usize = 10;
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let t = std::thread::spawn(move || {
        for _ in 0..N + OPTS {
            let Ok((s, _)) = l.accept() else { return };
            socket2::SockRef::from(&s)
                .set_linger(Some(Duration::ZERO))
                .unwrap();
            drop(s);
        }
    });
    for i in 0..OPTS {
        let (code, out, err) = run(&["opts", "--json", "--connect", &addr.to_string()]);
        assert_eq!(code, 0, "run {i}: {out}{err}");
        let recs = json_lines(&out);
        let sock = recs.iter().find(|r| r["type"] == "opts-socket").unwrap();
        assert_eq!(sock["phase"], "connected", "run {i}: {sock}");
        assert_eq!(sock["attempts"][0]["state"], "open", "run {i}: {sock}");
    }
    for i in 0..N {
        let (code, r) = connect_json(&["127.0.0.1", &addr.port().to_string(), "--banner"]);
        assert_eq!(
            (r["state"].as_str(), r["reason"].as_str()),
            (Some("open"), Some("syn-ack")),
            "run {i}: {r}"
        );
        assert_eq!(code, Some(0), "run {i}: {r}");
        // Seen at the connect or at the first read: either way the read ended in a reset
        // (or, when the reset came before the read, the close).
        assert!(
            matches!(r["read_end"].as_str(), Some("reset" | "eof")),
            "run {i}: {r}"
        );
    }
    t.join().unwrap();
}
