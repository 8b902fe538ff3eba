//! `sockdiag connect --tls` against rustls servers this test starts on 127.0.0.1, with a
//! root CA, an intermediate and a server certificate made here (rcgen): trusted through
//! `--cacert`, untrusted, the wrong name, `--insecure`, ALPN, a plain server given `--tls`,
//! data both ways through the TLS stream, a close without close_notify, a silent server (the
//! timeout, Ctrl-C), and bad input.
use crate::util;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};
use util::run;

struct Pki {
    /// The root CA, PEM.
    ca_file: tempfile::NamedTempFile,
    /// The server's certificate, then the intermediate that signed it.
    chain: Vec<CertificateDer<'static>>,
    key: Vec<u8>,
}

fn dn(cn: &str) -> rcgen::DistinguishedName {
    let mut d = rcgen::DistinguishedName::new();
    d.push(DnType::OrganizationName, "sockdiag lab");
    d.push(DnType::CommonName, cn);
    d
}

/// root -> intermediate -> a server certificate for `names`, valid until 2031-05-06.
fn pki(names: &[&str]) -> Pki {
    let root_key = KeyPair::generate().unwrap();
    let mut root = CertificateParams::new(Vec::<String>::new()).unwrap();
    root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    root.distinguished_name = dn("sockdiag test root");
    let root_cert = root.self_signed(&root_key).unwrap();
    let root = Issuer::new(root, root_key);
    let mid_key = KeyPair::generate().unwrap();
    let mut mid = CertificateParams::new(Vec::<String>::new()).unwrap();
    mid.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    mid.distinguished_name = dn("sockdiag test intermediate");
    mid.not_after = rcgen::date_time_ymd(2035, 1, 2);
    let mid_cert = mid.signed_by(&mid_key, &root).unwrap();
    let mid = Issuer::new(mid, mid_key);
    let key = KeyPair::generate().unwrap();
    let mut leaf =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    leaf.distinguished_name = dn(names[0]);
    leaf.not_before = rcgen::date_time_ymd(2020, 1, 1);
    leaf.not_after = rcgen::date_time_ymd(2031, 5, 6);
    let cert = leaf.signed_by(&key, &mid).unwrap();
    let mut ca_file = tempfile::NamedTempFile::new().unwrap();
    ca_file.write_all(root_cert.pem().as_bytes()).unwrap();
    Pki {
        ca_file,
        chain: vec![cert.der().clone(), mid_cert.der().clone()],
        key: key.serialize_der(),
    }
}

type Tls = StreamOwned<ServerConnection, TcpStream>;

/// A TLS server for one connection on 127.0.0.1, offering `alpn`; `then` runs once the
/// handshake is done. Sends back the SNI the client sent (or `None` when the handshake
/// failed before the server read one).
fn tls_server(
    p: &Pki,
    alpn: &[&str],
    then: fn(&mut Tls),
) -> (SocketAddr, mpsc::Receiver<Option<String>>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            p.chain.clone(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(p.key.clone())),
        )
        .unwrap();
    cfg.alpn_protocols = alpn.iter().map(|a| a.as_bytes().to_vec()).collect();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (tcp, _) = l.accept().unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        tcp.set_write_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let conn = ServerConnection::new(Arc::new(cfg)).unwrap();
        let mut s = StreamOwned::new(conn, tcp);
        while s.conn.is_handshaking() {
            if s.conn.complete_io(&mut s.sock).is_err() {
                let _ = tx.send(s.conn.server_name().map(str::to_string));
                return;
            }
        }
        let _ = tx.send(s.conn.server_name().map(str::to_string));
        then(&mut s);
    });
    (a, rx)
}

/// Reads one line, answers `you said: LINE`, and ends the session with close_notify.
fn answer_a_line(s: &mut Tls) {
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    while !line.ends_with(b"\n") {
        match s.read(&mut b) {
            Ok(1) => line.push(b[0]),
            _ => return,
        }
    }
    let _ = s.write_all(b"you said: ");
    let _ = s.write_all(&line);
    s.conn.send_close_notify();
    let _ = s.flush();
}

/// Echoes everything until the client's close_notify, then closes with one.
fn echo(s: &mut Tls) {
    let mut b = [0u8; 16384];
    loop {
        match s.read(&mut b) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if s.write_all(&b[..n]).is_err() {
                    return;
                }
            }
        }
    }
    s.conn.send_close_notify();
    let _ = s.flush();
}

/// The table's rows as `FIELD\tVALUE` lines (its frame taken away).
fn rows(out: &str) -> String {
    out.lines()
        .filter_map(|l| {
            let l = l.strip_prefix('│')?.strip_suffix('│')?;
            let (k, v) = l.split_once('┆')?;
            Some(format!("{}\t{}\n", k.trim(), v.trim()))
        })
        .collect()
}

fn one(out: &str) -> Value {
    serde_json::from_str(out.lines().next().expect("a record")).unwrap()
}

#[test]
fn trusted_with_cacert_shows_the_session_chain_and_reply() {
    let p = pki(&["localhost", "127.0.0.1"]);
    let ca = p.ca_file.path().to_str().unwrap();
    let (a, sni) = tls_server(&p, &[], answer_a_line);
    let port = a.port().to_string();
    let (code, out, err) = run(&[
        "connect",
        "--json",
        "--tls",
        "--cacert",
        ca,
        "127.0.0.1",
        &port,
        "--send",
        "hello\n",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(err, "", "no note when verified");
    let v = one(&out);
    let t = &v["tls"];
    assert_eq!(t["verified"], true, "{t}");
    assert!(t["not_verified"].is_null(), "{t}");
    assert!(t["version"].as_str().unwrap().starts_with("TLSv1."), "{t}");
    assert!(t["cipher"].as_str().unwrap().starts_with("TLS"), "{t}");
    assert!(t["handshake_ms"].as_f64().unwrap() > 0.0, "{t}");
    assert!(t["alpn"].is_null() && t["error"].is_null(), "{t}");
    // An address: no SNI sent, the certificate checked against the address.
    assert!(t["sni"].is_null(), "{t}");
    assert_eq!(sni.recv_timeout(Duration::from_secs(5)).unwrap(), None);
    // The chain: the server's certificate, then the intermediate, each with its expiry.
    let chain = t["chain"].as_array().unwrap();
    assert_eq!(chain.len(), 2, "{t}");
    assert_eq!(chain[0]["subject"], "O=sockdiag lab, CN=localhost");
    assert_eq!(
        chain[0]["issuer"],
        "O=sockdiag lab, CN=sockdiag test intermediate"
    );
    assert_eq!(
        chain[0]["names"],
        serde_json::json!(["localhost", "127.0.0.1"])
    );
    assert_eq!(chain[0]["not_after"], "2031-05-06T00:00:00Z");
    assert_eq!(chain[0]["not_before"], "2020-01-01T00:00:00Z");
    assert!(chain[0]["days_left"].as_i64().unwrap() > 0);
    assert_eq!(
        chain[1]["subject"],
        "O=sockdiag lab, CN=sockdiag test intermediate"
    );
    assert_eq!(chain[1]["issuer"], "O=sockdiag lab, CN=sockdiag test root");
    assert_eq!(chain[1]["not_after"], "2035-01-02T00:00:00Z");
    // The one-shot exchange ran through the TLS stream.
    assert_eq!(v["sent"], 6);
    assert_eq!(v["data"], "you said: hello\n");
    assert_eq!(v["read_end"], "eof", "{v}");
    assert_eq!(t["peer_close"], "close-notify", "{t}");
    assert_eq!(v["state"], "open");

    // With a name (--sni: no test looks a name up through the host's resolver): SNI sent;
    // the table shows the session, the verdict and the chain.
    let (a, sni) = tls_server(&p, &[], answer_a_line);
    let port = a.port().to_string();
    let (code, out, err) = run(&[
        "-4",
        "--format",
        "table",
        "connect",
        "--tls",
        "--cacert",
        ca,
        "--sni",
        "localhost",
        "127.0.0.1",
        &port,
        "--send",
        "hi\n",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        sni.recv_timeout(Duration::from_secs(5)).unwrap().as_deref(),
        Some("localhost")
    );
    let (data, out) = (out.clone(), rows(&out));
    for want in [
        "tls sni\tlocalhost",
        "tls verified\tyes",
        "certificate\tO=sockdiag lab, CN=localhost (issuer O=sockdiag lab, CN=sockdiag test intermediate) names localhost,127.0.0.1 expires 2031-05-06T00:00:00Z (",
        "issuer cert\tO=sockdiag lab, CN=sockdiag test intermediate (issuer O=sockdiag lab, CN=sockdiag test root) expires 2035-01-02T00:00:00Z (",
    ] {
        assert!(out.contains(want), "{want}\n{out}");
    }
    assert!(data.contains("you said: hi"), "{data}");
    assert!(out.contains("\ntls\tTLSv1.3 TLS13_"), "{out}");
}

#[test]
fn untrusted_is_refused_naming_the_issuer() {
    let p = pki(&["localhost", "127.0.0.1"]);
    let (a, _) = tls_server(&p, &[], answer_a_line);
    let port = a.port().to_string();
    // No --cacert: the Mozilla roots do not know this root.
    let (code, out, err) = run(&["connect", "--json", "--tls", "127.0.0.1", &port]);
    assert_eq!(code, 1, "{out}{err}");
    let v = one(&out);
    let want = "certificate not trusted (unknown issuer O=sockdiag lab, CN=sockdiag test root)";
    assert_eq!(v["error"], format!("tls: {want}"), "{v}");
    assert_eq!(v["tls"]["error"], want);
    assert_eq!(v["tls"]["verified"], false);
    assert_eq!(v["tls"]["not_verified"], want);
    // The TCP connection itself was fine; the chain seen is shown.
    assert_eq!(v["state"], "open");
    assert_eq!(v["tls"]["chain"].as_array().unwrap().len(), 2);
    assert!(v["tls"]["version"].is_null());
    // The table says it in one row.
    let (a, _) = tls_server(&p, &[], answer_a_line);
    let port = a.port().to_string();
    let (code, out, _) = run(&["--format", "table", "connect", "--tls", "127.0.0.1", &port]);
    assert_eq!(code, 1);
    assert!(
        rows(&out).contains(&format!("error\ttls: {want}\n")),
        "{out}"
    );
}

#[test]
fn the_wrong_name_is_a_name_mismatch() {
    let p = pki(&["localhost", "127.0.0.1"]);
    let ca = p.ca_file.path().to_str().unwrap();
    let (a, sni) = tls_server(&p, &[], answer_a_line);
    let port = a.port().to_string();
    let (code, out, err) = run(&[
        "connect",
        "--json",
        "--tls",
        "--cacert",
        ca,
        "--sni",
        "other.test",
        "127.0.0.1",
        &port,
    ]);
    assert_eq!(code, 1, "{out}{err}");
    let v = one(&out);
    assert_eq!(
        v["error"],
        "tls: name mismatch (certificate is for localhost, 127.0.0.1, asked other.test)",
        "{v}"
    );
    assert_eq!(v["tls"]["sni"], "other.test");
    assert_eq!(
        sni.recv_timeout(Duration::from_secs(5)).unwrap().as_deref(),
        Some("other.test")
    );
}

#[test]
fn insecure_goes_on_with_a_loud_note_and_verified_false() {
    let p = pki(&["localhost"]);
    let (a, _) = tls_server(&p, &[], answer_a_line);
    let port = a.port().to_string();
    let (code, out, err) = run(&[
        "connect",
        "--json",
        "--tls",
        "--insecure",
        "127.0.0.1",
        &port,
        "--send",
        "x\n",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.starts_with("sockdiag: WARNING: the peer was NOT verified: --insecure"),
        "{err}"
    );
    assert!(err.contains("unknown issuer"), "{err}");
    let v = one(&out);
    assert_eq!(v["tls"]["verified"], false);
    let why = v["tls"]["not_verified"].as_str().unwrap();
    assert!(why.starts_with("--insecure: the certificate was not checked (the check would have refused it: certificate not trusted (unknown issuer"), "{why}");
    assert_eq!(v["data"], "you said: x\n");
    // Even -q keeps the note.
    let (a, _) = tls_server(&p, &[], answer_a_line);
    let port = a.port().to_string();
    let (code, _, err) = run(&["-q", "connect", "--tls", "--insecure", "127.0.0.1", &port]);
    assert_eq!(code, 0);
    assert!(err.contains("NOT verified"), "{err}");
}

#[test]
fn alpn_picked_or_no_overlap() {
    let p = pki(&["localhost", "127.0.0.1"]);
    let ca = p.ca_file.path().to_str().unwrap();
    let (a, _) = tls_server(&p, &["h2", "http/1.1"], answer_a_line);
    let port = a.port().to_string();
    let (code, out, err) = run(&[
        "connect",
        "--json",
        "--tls",
        "--cacert",
        ca,
        "--alpn",
        "h2,http/1.1",
        "127.0.0.1",
        &port,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let v = one(&out);
    assert_eq!(v["tls"]["alpn"], "h2", "{v}");
    assert_eq!(
        v["tls"]["alpn_offered"],
        serde_json::json!(["h2", "http/1.1"])
    );
    // No protocol in common: the server's alert, in words.
    let (a, _) = tls_server(&p, &["h2", "http/1.1"], answer_a_line);
    let port = a.port().to_string();
    let (code, out, err) = run(&[
        "--format",
        "table",
        "connect",
        "--tls",
        "--cacert",
        ca,
        "--alpn",
        "spdy/3,imap",
        "127.0.0.1",
        &port,
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        rows(&out).contains("error\ttls: no ALPN protocol in common: the server accepts none of those offered (spdy/3,imap)\n"),
        "{out}"
    );
}

#[test]
fn a_plain_server_given_tls_is_quoted() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let t = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut b = [0u8; 1024];
        let _ = s.read(&mut b);
        let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    });
    let (code, out, err) = run(&["connect", "--json", "--tls", "127.0.0.1", &port]);
    assert_eq!(code, 1, "{out}{err}");
    let v = one(&out);
    assert_eq!(
        v["error"],
        "tls: the server did not speak TLS (it sent \"HTTP/1.1 400 Bad Request\\r\\n...\")",
        "{v}"
    );
    assert_eq!(v["state"], "open");
    t.join().unwrap();
}

#[test]
fn two_megabytes_through_tls_and_back_with_the_half_close() {
    let p = pki(&["localhost", "127.0.0.1"]);
    let ca = p.ca_file.path().to_str().unwrap();
    let (a, _) = tls_server(&p, &[], echo);
    let port = a.port().to_string();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    let data: Vec<u8> = (0..2_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    file.write_all(&data).unwrap();
    let path = file.path().to_str().unwrap();
    // --shutdown sends close_notify then SHUT_WR: the echo server ends after the last byte.
    let (code, out, err) = run(&[
        "connect",
        "--json",
        "--tls",
        "--cacert",
        ca,
        "127.0.0.1",
        &port,
        "--send-file",
        path,
        "--shutdown",
        "--until-close",
        "--hex",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let v = one(&out);
    assert_eq!(v["sent"], 2_000_000, "{}", v["error"]);
    assert_eq!(v["received"], 2_000_000, "{}", v["error"]);
    assert_eq!(v["read_end"], "eof");
    assert_eq!(v["tls"]["peer_close"], "close-notify");
    // The kept first MiB, escaped: its first bytes as sent.
    let shown = v["data"].as_str().unwrap();
    assert!(
        shown.starts_with("\\x00\\x07\\x0e\\x15\\x1c#*18?FMT"),
        "{}",
        &shown[..40]
    );
}

#[test]
fn a_close_without_close_notify_keeps_the_data_and_says_so() {
    let p = pki(&["localhost", "127.0.0.1"]);
    let ca = p.ca_file.path().to_str().unwrap();
    let (a, _) = tls_server(&p, &[], |s| {
        let _ = s.write_all(b"partial answer");
        let _ = s.flush();
        // TCP FIN, no close_notify.
        let _ = s.sock.shutdown(std::net::Shutdown::Both);
    });
    let port = a.port().to_string();
    let (code, out, err) = run(&[
        "connect",
        "--json",
        "--tls",
        "--cacert",
        ca,
        "127.0.0.1",
        &port,
        "--until-close",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let v = one(&out);
    assert_eq!(v["data"], "partial answer", "{v}");
    assert_eq!(v["read_end"], "eof");
    assert!(v["error"].is_null(), "{v}");
    assert_eq!(v["tls"]["peer_close"], "eof-without-close-notify");
    let (a, _) = tls_server(&p, &[], |s| {
        let _ = s.write_all(b"partial answer");
        let _ = s.flush();
        let _ = s.sock.shutdown(std::net::Shutdown::Both);
    });
    let port = a.port().to_string();
    let (_, out, _) = run(&[
        "--format",
        "table",
        "connect",
        "--tls",
        "--cacert",
        ca,
        "127.0.0.1",
        &port,
        "--until-close",
    ]);
    assert!(
        rows(&out).contains("tls close\tthe peer closed TCP without a TLS close_notify: the data may be truncated\n"),
        "{out}"
    );
}

/// A server that accepts and says nothing: the handshake ends at --timeout, or --max-time;
/// Ctrl-C ends it at once (exit 130, the record still written).
#[test]
fn a_silent_server_times_out_or_is_interrupted() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let t = std::thread::spawn(move || {
        let mut held = Vec::new();
        for _ in 0..3 {
            if let Ok((s, _)) = l.accept() {
                held.push(s);
            }
        }
        let _ = stop_rx.recv_timeout(Duration::from_secs(15));
    });
    let start = Instant::now();
    let (code, out, err) = run(&[
        "connect",
        "--json",
        "--tls",
        "--timeout",
        "1s",
        "127.0.0.1",
        &port,
    ]);
    let took = start.elapsed();
    assert_eq!(code, 1, "{out}{err}");
    assert!(took < Duration::from_secs(4), "took {took:?}");
    assert_eq!(
        one(&out)["error"],
        "tls: no TLS answer within 1s: the server sent nothing back to the ClientHello (not a TLS port?)"
    );
    let start = Instant::now();
    let (code, out, err) = run(&[
        "connect",
        "--json",
        "--tls",
        "--max-time",
        "1s",
        "127.0.0.1",
        &port,
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(start.elapsed() < Duration::from_secs(4));
    assert_eq!(
        one(&out)["error"],
        "tls: --max-time ran out during the TLS handshake"
    );
    let child = util::command()
        .args([
            "connect",
            "--json",
            "--tls",
            "--timeout",
            "10s",
            "127.0.0.1",
            &port,
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let start = Instant::now();
    // SAFETY: the pid of the child this test spawned.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let outp = child.wait_with_output().unwrap();
    assert!(start.elapsed() < Duration::from_secs(3));
    assert_eq!(outp.status.code(), Some(130));
    let v = one(&String::from_utf8_lossy(&outp.stdout));
    assert_eq!(v["error"], "tls: interrupted during the TLS handshake");
    stop_tx.send(()).unwrap();
    t.join().unwrap();
}

#[test]
fn bad_tls_input_is_one_line_and_exit_2() {
    let empty = tempfile::NamedTempFile::new().unwrap();
    let empty = empty.path().to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "connect",
                "--tls",
                "--cacert",
                "/nonexistent/ca.pem",
                "127.0.0.1",
                "1",
            ],
            "'/nonexistent/ca.pem'",
        ),
        (
            &["connect", "--tls", "--cacert", empty, "127.0.0.1", "1"],
            "no PEM certificate",
        ),
        (
            &["connect", "--tls", "--sni", "192.0.2.1", "127.0.0.1", "1"],
            "'192.0.2.1'",
        ),
        (
            &["connect", "--tls", "--sni", "bad name", "127.0.0.1", "1"],
            "'bad name'",
        ),
        (
            &["connect", "--tls", "--alpn", "h2,,x", "127.0.0.1", "1"],
            "'h2,,x'",
        ),
        (&["connect", "--cacert", empty, "127.0.0.1", "1"], "--tls"),
        (&["connect", "--insecure", "127.0.0.1", "1"], "--tls"),
        (&["connect", "--tls", "--udp", "127.0.0.1", "1"], "--udp"),
    ];
    for (args, want) in cases {
        let (code, out, err) = run(args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
    }
}

#[test]
fn an_interactive_session_runs_over_tls() {
    // The session pump drives the TLS stream as it drives a plain socket: stdin's bytes go
    // out encrypted, the echo comes back decrypted on stdout, the end of stdin sends
    // close_notify (the half-close) and the server's close_notify ends the session as `eof`.
    let p = pki(&["localhost", "127.0.0.1"]);
    let ca = p.ca_file.path().to_str().unwrap();
    let (a, _) = tls_server(&p, &[], echo);
    let port = a.port().to_string();
    let input: Vec<u8> = (0..300_000u32)
        .map(|i| b"abcdefghij\n"[(i % 11) as usize])
        .collect();
    let out = util::sockdiag()
        .args([
            "connect",
            "--json",
            "-i",
            "--tls",
            "--cacert",
            ca,
            "127.0.0.1",
            &port,
        ])
        .write_stdin(input.clone())
        .timeout(Duration::from_secs(15))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        out.stdout == input,
        "{} bytes back of {}",
        out.stdout.len(),
        input.len()
    );
    let v: Value = serde_json::from_str(err.trim()).unwrap_or_else(|e| panic!("{e}: {err}"));
    assert_eq!(v["read_end"], "eof", "{v}");
    assert_eq!(
        (v["sent"].as_u64(), v["received"].as_u64()),
        (Some(300_000), Some(300_000))
    );
    assert_eq!(v["session"]["half_closed"], true, "{v}");
    assert_eq!(v["tls"]["verified"], true, "{v}");
    assert_eq!(v["tls"]["peer_close"], "close-notify", "{v}");
}
