//! `sockdiag probe` with its default ports and `--service`, inside a namespace the test makes:
//! an SSH-like banner, an SMTP-like banner, HTTP (`sockdiag serve --http` and Python's
//! http.server), HTTPS with an rcgen certificate, a silent server and a server that sends
//! binary, each named; `--top N`; and the SERVICE guess without `--service`.
use crate::lab;
use lab::{json_lines, sockdiag_bin, stdout, Ns};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{IpAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

const LO: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

/// The probe records of a JSON run, by port.
fn by_port(o: &std::process::Output) -> BTreeMap<u16, Value> {
    json_lines(o)
        .into_iter()
        .filter(|v| v["type"] == "probe")
        .map(|v| (v["port"].as_u64().unwrap() as u16, v))
        .collect()
}

/// Accepts for as long as the test runs, handing each client to `f` on its own thread.
fn serve(l: TcpListener, f: fn(std::net::TcpStream)) {
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || f(s));
        }
    });
}

fn banner(mut s: std::net::TcpStream, text: &[u8]) {
    let _ = s.write_all(text);
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = s.read(&mut [0u8; 64]);
}

/// A TLS server (rustls, an rcgen certificate for svc.example.test, ALPN http/1.1) that
/// answers one HTTP request.
fn https(l: TcpListener) {
    let mut params = rcgen::CertificateParams::new(vec!["svc.example.test".into()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "svc.example.test");
    params.not_after = rcgen::date_time_ymd(2031, 5, 6);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    let cfg = Arc::new(cfg);
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let cfg = Arc::clone(&cfg);
            std::thread::spawn(move || {
                let mut s = s;
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let Ok(mut conn) = rustls::ServerConnection::new(cfg) else {
                    return;
                };
                let mut t = rustls::Stream::new(&mut conn, &mut s);
                let mut buf = [0u8; 1024];
                if t.read(&mut buf).is_ok() {
                    let _ = t.write_all(b"HTTP/1.1 200 OK\r\nServer: labtls/1.0\r\n\r\n");
                    let _ = t.flush();
                }
            });
        }
    });
}

/// Every kind of server on ports of the default list.
struct Lab {
    ns: Ns,
    _keep: Vec<TcpListener>,
}

fn lab(tag: &str) -> Option<Lab> {
    let ns = Ns::new(tag)?;
    let ls = ns.listen(LO, &[22, 25, 443, 5555, 9999]);
    let mut it = ls.into_iter();
    serve(it.next().unwrap().try_clone().unwrap(), |s| {
        banner(s, b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3\r\n")
    });
    serve(it.next().unwrap().try_clone().unwrap(), |s| {
        banner(s, b"220 mail.example.test ESMTP Postfix (Debian)\r\n")
    });
    https(it.next().unwrap().try_clone().unwrap());
    // 5555: silent (the kernel accepts; nobody reads or writes).
    let silent = it.next().unwrap();
    serve(it.next().unwrap().try_clone().unwrap(), |s| {
        banner(s, b"\x00\x01\x02\xffbinary")
    });
    let bin = sockdiag_bin();
    let bin = bin.to_str().unwrap();
    ns.spawn(&[bin, "serve", "--http", "80"]);
    ns.spawn(&[
        "python3",
        "-m",
        "http.server",
        "8000",
        "--bind",
        "127.0.0.1",
    ]);
    // Both HTTP servers listening before the scan.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        let o = ns.sockdiag(&["probe", "127.0.0.1", "80,8000"]);
        if o.status.success() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(Lab {
        ns,
        _keep: vec![silent],
    })
}

#[test]
fn default_scan_with_service_names_what_answers() {
    let Some(lab) = lab("svc-default") else {
        return;
    };
    let start = Instant::now();
    let o = lab.ns.sockdiag(&[
        "probe",
        "--json",
        "-V",
        "--service-timeout",
        "1s",
        "127.0.0.1",
    ]);
    let took = start.elapsed();
    let recs = by_port(&o);
    assert_eq!(recs.len(), 1000, "the default list: {}", stdout(&o));
    let svc = |p: u16| recs[&p]["service"].clone();
    let open: Vec<u16> = recs
        .iter()
        .filter(|(_, v)| v["state"] == "open")
        .map(|(p, _)| *p)
        .collect();
    assert_eq!(open, [22, 25, 80, 443, 5555, 8000, 9999], "{}", stdout(&o));

    assert_eq!(svc(22)["name"], "ssh");
    assert_eq!(svc(22)["product"], "OpenSSH");
    assert_eq!(svc(22)["version"], "9.6p1");
    assert_eq!(svc(22)["banner"], "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3");
    assert_eq!(svc(22)["guess"], false);

    assert_eq!(svc(25)["name"], "smtp");
    assert_eq!(svc(25)["product"], "Postfix");

    assert_eq!(svc(80)["name"], "http");
    assert_eq!(svc(8000)["name"], "http");
    assert_eq!(svc(8000)["product"], "SimpleHTTP");

    let t = &svc(443);
    assert_eq!(t["name"], "https", "{t}");
    assert_eq!(t["tls"]["alpn"], "http/1.1");
    assert_eq!(t["tls"]["subject"], "CN=svc.example.test");
    assert_eq!(t["tls"]["expires"], "2031-05-06T00:00:00Z");
    assert!(t["tls"]["version"].as_str().unwrap().starts_with("TLSv1."));
    assert_eq!(t["product"], "labtls");

    assert_eq!(svc(5555)["name"], "unknown");
    assert_eq!(svc(5555)["banner"], Value::Null);
    assert_eq!(svc(9999)["name"], "unknown");
    assert_eq!(svc(9999)["banner"], "\\x00\\x01\\x02\\xffbinary");

    // Closed ports keep the /etc/services guess.
    if std::path::Path::new("/etc/services").exists() {
        assert_eq!(recs[&21]["service"]["name"], "ftp");
        assert_eq!(recs[&21]["service"]["guess"], true);
    }
    // Bounded: the silent server costs its timeout, not more.
    assert!(took < Duration::from_secs(8), "took {took:?}");
}

#[test]
fn table_shows_the_service_column() {
    let Some(lab) = lab("svc-table") else {
        return;
    };
    let o = lab.ns.sockdiag(&[
        "probe",
        "-V",
        "--service-timeout",
        "1s",
        "127.0.0.1",
        "22,443,9999",
    ]);
    let out = stdout(&o);
    // The SERVICE column, then NAME (the reverse name of 127.0.0.1: localhost).
    let line = |p: &str| {
        let l = out
            .lines()
            .find(|l| l.split('\t').nth(2) == Some(p))
            .unwrap_or_else(|| panic!("no port {p} in {out}"));
        let f: Vec<&str> = l.split('\t').collect();
        assert_eq!(f.len(), 9, "{out}");
        format!("\t{}", f[7])
    };
    assert!(line("22").ends_with("\tssh (OpenSSH_9.6p1)"), "{out}");
    let name = out.lines().next().unwrap_or("").split('\t').nth(8);
    assert_eq!(name, Some("localhost"), "{out}");
    assert!(
        line("443").ends_with(
            "\thttps (TLSv1.3, http/1.1, CN=svc.example.test, expires 2031-05-06, labtls/1.0)"
        ),
        "{out}"
    );
    assert!(line("9999").contains("\tunknown (\"\\x00\\x01"), "{out}");
    // Without --service: the guess.
    let o = lab.ns.sockdiag(&["probe", "127.0.0.1", "22"]);
    if std::path::Path::new("/etc/services").exists() {
        assert!(stdout(&o).contains("\tssh?\t"), "{}", stdout(&o));
    }
    // With -n no reverse lookup: NAME stays empty.
    let o = lab.ns.sockdiag(&["probe", "-n", "127.0.0.1", "22"]);
    assert!(stdout(&o).trim_end().ends_with("\t-"), "{}", stdout(&o));
}

/// Every JSON probe record has the same fields, `name` among them: streamed as found, held
/// for `-V`, or written at the end (`--up`). 127.0.0.1 is `localhost` in the lab; with -n
/// the field is there and null.
#[test]
fn every_json_probe_record_carries_its_name() {
    let Some(lab) = lab("svc-names") else {
        return;
    };
    let probes = |args: &[&str]| -> Vec<Value> {
        let o = lab.ns.sockdiag(args);
        json_lines(&o)
            .into_iter()
            .filter(|v| v["type"] == "probe")
            .collect()
    };
    let keys = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    let streamed = probes(&["probe", "--json", "127.0.0.1", "21,22,25,5555"]);
    let detected = probes(&[
        "probe",
        "--json",
        "-V",
        "--service-timeout",
        "500ms",
        "127.0.0.1",
        "21,22,25,5555",
    ]);
    let at_end = probes(&["probe", "--json", "--up", "127.0.0.1", "21,22,25,5555"]);
    for recs in [&streamed, &detected, &at_end] {
        assert_eq!(recs.len(), 4, "{recs:?}");
        for r in recs {
            assert_eq!(r["name"], "localhost", "{r}");
            assert_eq!(keys(r), keys(&at_end[0]), "{r}");
        }
    }
    for r in probes(&["probe", "--json", "-n", "127.0.0.1", "21,22"]) {
        assert_eq!(keys(&r), keys(&at_end[0]), "{r}");
        assert_eq!(r["name"], Value::Null, "{r}");
    }
}

/// An open port's RTT is its connect's: neither the service detection (the silent server
/// takes all of --service-timeout) nor the time the probe's loop took to see the SYN-ACK
/// while it started the rest of the 1,000 default ports (16-30 ms here before). Loopback
/// answers in microseconds.
#[test]
fn an_open_ports_rtt_is_its_connects_own() {
    let Some(lab) = lab("svc-rtt") else {
        return;
    };
    for args in [
        &[
            "probe",
            "--json",
            "-n",
            "-V",
            "--service-timeout",
            "1s",
            "127.0.0.1",
        ][..],
        &["probe", "--json", "-n", "127.0.0.1"][..],
    ] {
        let o = lab.ns.sockdiag(args);
        let recs = by_port(&o);
        for p in [22, 80, 443, 5555] {
            let rtt = recs[&p]["rtt_ms"].as_f64().unwrap();
            assert!(rtt < 2.0, "port {p}: rtt {rtt} ms with {args:?}");
        }
    }
}

#[test]
fn top_n_probes_exactly_n_of_the_list() {
    let Some(ns) = Ns::new("svc-top") else {
        return;
    };
    let o = ns.sockdiag(&["probe", "--json", "--top", "10", "127.0.0.1"]);
    let recs = by_port(&o);
    let mut want = vec![80, 443, 22, 8080, 21, 25, 7547, 3389, 8443, 53];
    want.sort();
    assert_eq!(recs.keys().copied().collect::<Vec<_>>(), want);
    let o = ns.sockdiag(&["probe", "--json", "--udp", "--top", "3", "127.0.0.1"]);
    assert_eq!(
        by_port(&o).keys().copied().collect::<Vec<_>>(),
        [53, 123, 161]
    );
    // --top goes without PORTS: one line quoting it, exit 2.
    let o = ns.sockdiag(&["probe", "--top", "10", "127.0.0.1", "22"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("10"), "{err}");
}

#[test]
fn up_lists_only_the_hosts_that_answered() {
    let Some(a) = Ns::new("svc-up") else {
        return;
    };
    let b = a.peer();
    // Three live hosts behind the peer; the rest of the /28 is routed there and dropped.
    b.sh(
        "ip addr add 198.51.100.2/32 dev lo && ip addr add 198.51.100.3/32 dev lo && \
          ip addr add 198.51.100.4/32 dev lo",
    );
    a.sh("ip route add 198.51.100.0/28 via 192.0.2.2");
    let _l = b.listen("198.51.100.3".parse().unwrap(), &[80]);
    let args = [
        "probe",
        "--up",
        "--timeout",
        "300ms",
        "--retries",
        "0",
        "--no-adapt",
        "198.51.100.0/28",
        "22,80",
    ];
    let o = a.sockdiag(&args);
    let out = stdout(&o);
    assert!(
        out.contains("# hosts: 3 up (198.51.100.2, 198.51.100.3, 198.51.100.4), "),
        "{out}"
    );
    let listed: Vec<&str> = out.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(listed.len(), 1, "{out}");
    assert!(
        listed[0].starts_with("198.51.100.3\t198.51.100.3\t80\t"),
        "{out}"
    );

    let mut j = vec!["--json"];
    j.extend(args);
    let o = a.sockdiag(&j);
    let lines = json_lines(&o);
    let s = lines.iter().find(|v| v["type"] == "probe-summary").unwrap();
    assert_eq!(
        s["hosts_up"],
        serde_json::json!(["198.51.100.2", "198.51.100.3", "198.51.100.4"])
    );
    let total = s["hosts_no_answer"].as_u64().unwrap() + 3;
    assert!(total >= 14, "{s}");
    // Records only of the hosts that answered: 3 hosts x 2 ports.
    let recs: Vec<&Value> = lines.iter().filter(|v| v["type"] == "probe").collect();
    assert_eq!(recs.len(), 6, "{}", stdout(&o));
}
