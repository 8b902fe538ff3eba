//! `sockdiag serve` on every interface: wildcard listeners (0.0.0.0, [::]) in a namespace of
//! the test's own, so nothing outside it can reach them; clients connect from inside it.
use crate::lab;
use lab::{sockdiag_bin, Ns};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::time::Duration;

/// `sockdiag serve --json ARGS` inside `ns` (bounded by `--duration`); its log lines.
fn serve(ns: &Ns, args: &[&str]) -> (Child, std::io::Lines<BufReader<std::process::ChildStdout>>) {
    let mut child = ns
        .cmd(sockdiag_bin())
        .args(["serve", "--json", "--duration", "15s"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sockdiag serve");
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, lines)
}

/// SIGTERM to `timeout`, which passes it on to sockdiag; the exit code and stderr.
fn stop(child: Child) -> (i32, String) {
    // SAFETY: our own child's PID.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn next_json(lines: &mut impl Iterator<Item = std::io::Result<String>>) -> Value {
    let line = lines.next().expect("a log line").expect("read");
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {line}: {e}"))
}

/// Echo through `to` from inside the namespace.
fn echo(ns: &Ns, to: SocketAddr) {
    ns.enter(move || {
        let mut s = TcpStream::connect_timeout(&to, Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("connect {to}: {e}"));
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(b"ping").unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        let mut got = String::new();
        s.read_to_string(&mut got).unwrap();
        assert_eq!(got, "ping", "echo through {to}");
    })
}

/// Issue 18, bug 9: `serve 0.0.0.0:7000 [::]:7000`, the example of the help and man page,
/// failed with EADDRINUSE on [::] (a dual-stack socket takes the IPv4 port too). With an IPv4
/// address also asked for, the [::] socket is IPv6-only (IPV6_V6ONLY): each family has its
/// own listener, in either order.
#[test]
fn wildcard_v4_and_v6_listeners_on_one_port() {
    let Some(ns) = Ns::new("serve-wild") else {
        return;
    };
    for order in [["0.0.0.0:7000", "[::]:7000"], ["[::]:7000", "0.0.0.0:7000"]] {
        let (child, mut lines) = serve(&ns, &order);
        let (Some(Ok(a)), Some(Ok(b))) = (lines.next(), lines.next()) else {
            let (code, err) = stop(child);
            panic!("{order:?}: exit {code}: {err}");
        };
        let a: Value = serde_json::from_str(&a).unwrap();
        let b: Value = serde_json::from_str(&b).unwrap();
        let mut addrs = vec![
            a["addr"].as_str().unwrap_or("-"),
            b["addr"].as_str().unwrap_or("-"),
        ];
        addrs.sort();
        if addrs != ["0.0.0.0:7000", "[::]:7000"] {
            let (code, err) = stop(child);
            panic!("{order:?}: {a} {b}: exit {code}: {err}");
        }
        echo(&ns, "127.0.0.1:7000".parse().unwrap());
        echo(&ns, "[::1]:7000".parse().unwrap());
        // The IPv4 client went to the IPv4 listener: its local address is not v4-mapped.
        let locals: Vec<String> = (0..4)
            .map(|_| next_json(&mut lines))
            .filter(|v| v["event"] == "accepted")
            .map(|v| v["local"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(locals, ["127.0.0.1:7000", "[::1]:7000"], "{order:?}");
        let (code, err) = stop(child);
        assert_eq!(code, 143, "{order:?}: {err}");
    }
}

/// The same for UDP beside TCP: four sockets on one port number.
#[test]
fn wildcard_v4_and_v6_udp_and_tcp_on_one_port() {
    let Some(ns) = Ns::new("serve-wild-udp") else {
        return;
    };
    let (child, mut lines) = serve(&ns, &["--udp", "--tcp", "0.0.0.0:7002", "[::]:7002"]);
    let mut got = Vec::new();
    for _ in 0..4 {
        let Some(Ok(l)) = lines.next() else {
            let (code, err) = stop(child);
            panic!("after {got:?}: exit {code}: {err}");
        };
        let v: Value = serde_json::from_str(&l).unwrap();
        got.push(format!(
            "{} {}",
            v["proto"].as_str().unwrap(),
            v["addr"].as_str().unwrap()
        ));
    }
    got.sort();
    assert_eq!(
        got,
        [
            "tcp 0.0.0.0:7002",
            "tcp [::]:7002",
            "udp 0.0.0.0:7002",
            "udp [::]:7002"
        ]
    );
    let (code, err) = stop(child);
    assert_eq!(code, 143, "{err}");
}

/// [::] alone stays dual-stack, as the kernel makes it: IPv4 clients reach it v4-mapped.
#[test]
fn wildcard_v6_alone_still_takes_ipv4() {
    let Some(ns) = Ns::new("serve-dual") else {
        return;
    };
    let (child, mut lines) = serve(&ns, &["[::]:7001"]);
    assert_eq!(next_json(&mut lines)["addr"], "[::]:7001");
    echo(&ns, "127.0.0.1:7001".parse().unwrap());
    let acc = next_json(&mut lines);
    assert_eq!(acc["local"], "[::ffff:127.0.0.1]:7001");
    let (code, err) = stop(child);
    assert_eq!(code, 143, "{err}");
}
