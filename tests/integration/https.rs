//! `sockdiag http https://...` against a TLS server thread on 127.0.0.1, with a CA and
//! certificates the test makes (rcgen): trusted through `--cacert`, untrusted, expired, for
//! another name, and a server that does not speak TLS at all.
use crate::util;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;
use util::run;

struct Pki {
    ca_file: tempfile::NamedTempFile,
    chain: Vec<CertificateDer<'static>>,
    key: Vec<u8>,
}

/// A CA and a server certificate it signed for `names`, valid between the two dates.
fn pki(names: &[&str], from: (i32, u8, u8), until: (i32, u8, u8)) -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "sockdiag test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut leaf =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    leaf.not_before = rcgen::date_time_ymd(from.0, from.1, from.2);
    leaf.not_after = rcgen::date_time_ymd(until.0, until.1, until.2);
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    let mut ca_file = tempfile::NamedTempFile::new().unwrap();
    ca_file.write_all(ca_cert.pem().as_bytes()).unwrap();
    Pki {
        ca_file,
        chain: vec![cert.der().clone()],
        key: key.serialize_der(),
    }
}

/// A TLS server for one connection: reads the request head, answers 200 with a body.
fn tls_server(p: &Pki) -> SocketAddr {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            p.chain.clone(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(p.key.clone())),
        )
        .unwrap();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    std::thread::spawn(move || {
        let (tcp, _) = l.accept().unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let conn = rustls::ServerConnection::new(Arc::new(cfg)).unwrap();
        let mut s = rustls::StreamOwned::new(conn, tcp);
        let mut head = Vec::new();
        let mut b = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            match s.read(&mut b) {
                Ok(1) => head.push(b[0]),
                // A client that refused our certificate: nothing more to do.
                _ => return,
            }
        }
        let _ = s.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello, tls\n",
        );
        s.conn.send_close_notify();
        let _ = s.flush();
    });
    a
}

fn one(out: &str) -> Value {
    serde_json::from_str(out.lines().next().expect("a record")).unwrap()
}

#[test]
fn trusted_certificate_shows_handshake_and_expiry() {
    let p = pki(&["localhost", "127.0.0.1"], (2020, 1, 1), (2031, 5, 6));
    let a = tls_server(&p);
    let ca = p.ca_file.path().to_str().unwrap();
    let url = format!("https://127.0.0.1:{}/secure", a.port());
    let (code, out, err) = run(&["http", "--json", "--cacert", ca, &url]);
    assert_eq!(code, 0, "{out}{err}");
    let v = one(&out);
    assert_eq!(
        (v["status"].as_u64(), v["body_bytes"].as_u64()),
        (Some(200), Some(11))
    );
    assert_eq!(v["url"], url);
    assert_eq!(v["tls"]["cert_not_after"], "2031-05-06T00:00:00Z");
    assert!(v["tls"]["cert_days_left"].as_i64().unwrap() > 0);
    // One spelling in every output, connect --tls's: TLSv1.3 (rustls's default pick).
    assert_eq!(v["tls"]["version"], "TLSv1.3", "{v}");
    let t = &v["timing_ms"];
    let order = ["connect", "tls", "written", "first_byte", "total"];
    let ms: Vec<f64> = order.iter().map(|p| t[p].as_f64().unwrap()).collect();
    assert!(ms.windows(2).all(|w| w[0] <= w[1]), "{t}");
    // The table shows the expiry date.
    let a = tls_server(&p);
    let url = format!("https://127.0.0.1:{}/", a.port());
    let (code, out, _) = run(&["-4", "http", "--cacert", ca, &url]);
    assert_eq!(code, 0);
    assert!(out.contains("\t2031-05-06 ("), "{out}");
}

#[test]
fn handshake_failures_are_tls_errors() {
    let good = pki(&["localhost", "127.0.0.1"], (2020, 1, 1), (2031, 5, 6));
    let cases: Vec<(Pki, bool, &str)> = vec![
        // Not signed by any root it knows (the built-in Mozilla roots).
        (
            pki(&["127.0.0.1"], (2020, 1, 1), (2031, 5, 6)),
            false,
            "issuer",
        ),
        (
            pki(&["127.0.0.1"], (2020, 1, 1), (2021, 1, 1)),
            true,
            "expired",
        ),
        (
            pki(&["other.test"], (2020, 1, 1), (2031, 5, 6)),
            true,
            "name mismatch (certificate is for other.test, asked 127.0.0.1)",
        ),
    ];
    for (p, trust, want) in &cases {
        let a = tls_server(p);
        let url = format!("https://127.0.0.1:{}/", a.port());
        let ca = p.ca_file.path().to_str().unwrap();
        let mut args = vec!["http", "--json"];
        if *trust {
            args.extend(["--cacert", ca]);
        }
        args.push(&url);
        let (code, out, _) = run(&args);
        assert_eq!(code, 1, "{want}: {out}");
        let v = one(&out);
        assert_eq!(v["error"]["stage"], "tls", "{v}");
        let msg = v["error"]["message"].as_str().unwrap().to_ascii_lowercase();
        assert!(msg.contains(want), "{want}: {msg}");
        assert!(v["timing_ms"]["connect"].is_number() && v["timing_ms"]["tls"].is_null());
    }
    // A server that answers in plain HTTP on the https port.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut b = [0u8; 512];
        let _ = s.read(&mut b);
        let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    });
    let ca = good.ca_file.path().to_str().unwrap();
    let url = format!("https://127.0.0.1:{}/", a.port());
    let (code, out, err) = run(&["http", "--cacert", ca, &url]);
    assert_eq!(code, 1);
    assert!(out.contains("\ttls failed\t"), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn cacert_is_checked_before_any_traffic() {
    let (code, _, err) = run(&[
        "http",
        "--cacert",
        "/nonexistent/ca.pem",
        "https://127.0.0.1/",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("'/nonexistent/ca.pem'"), "{err}");
    let empty = tempfile::NamedTempFile::new().unwrap();
    let path = empty.path().to_str().unwrap();
    let (code, _, err) = run(&["http", "--cacert", path, "https://127.0.0.1/"]);
    assert_eq!(code, 2);
    assert!(err.contains("no PEM certificate"), "{err}");
    let (code, _, err) = run(&["http", "--cacert", path, "http://127.0.0.1/"]);
    assert_eq!(code, 2);
    assert!(err.contains("'--cacert'"), "{err}");
}

/// Issue 18: a self-signed CA certificate given as --cacert and used as the server's own
/// certificate. rustls refuses a CA as an end entity (CaUsedAsEndEntity) and sockdiag keeps
/// that rule, but says in plain words what is wrong and what would work.
#[test]
fn a_ca_certificate_used_as_the_servers_own_is_explained() {
    let key = KeyPair::generate().unwrap();
    let mut ca =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "self-signed server CA");
    let cert = ca.self_signed(&key).unwrap();
    let mut ca_file = tempfile::NamedTempFile::new().unwrap();
    ca_file.write_all(cert.pem().as_bytes()).unwrap();
    let p = Pki {
        ca_file,
        chain: vec![cert.der().clone()],
        key: key.serialize_der(),
    };
    let a = tls_server(&p);
    let ca = p.ca_file.path().to_str().unwrap();
    let url = format!("https://127.0.0.1:{}/", a.port());
    let (code, out, err) = run(&["http", "--json", "--cacert", ca, &url]);
    assert_eq!(code, 1, "{out}{err}");
    let v = one(&out);
    assert_eq!(v["error"]["stage"], "tls", "{v}");
    let msg = v["error"]["message"].as_str().unwrap();
    for want in [
        "is a CA certificate",
        "CaUsedAsEndEntity",
        "signed by that CA",
    ] {
        assert!(msg.contains(want), "{want}: {msg}");
    }
}

/// Issue 18, bug 3: --timeout bounds every step, under TLS too. A server that answers the
/// ClientHello with the header of a 16 KiB record and then one byte every 40 ms never lets a
/// read time out: rustls's loop waiting for the whole record used to run past the deadline
/// (for as long as the server kept trickling).
#[test]
fn a_trickled_tls_record_is_cut_by_the_timeout() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    let t = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut b = [0u8; 4096];
        let _ = s.read(&mut b);
        let _ = s.write_all(&[0x16, 0x03, 0x03, 0x40, 0x00]);
        // At most 8 s of trickle, ended early when the client goes.
        for _ in 0..200 {
            std::thread::sleep(Duration::from_millis(40));
            if s.write_all(&[0x02]).is_err() {
                break;
            }
        }
    });
    let start = std::time::Instant::now();
    let url = format!("https://127.0.0.1:{}/", a.port());
    let (code, out, err) = run(&["http", "--json", "--timeout", "1s", &url]);
    let took = start.elapsed();
    assert_eq!(code, 1, "{out}{err}");
    assert!(took < Duration::from_secs(4), "took {took:?}");
    let v = one(&out);
    assert_eq!(v["error"]["stage"], "tls", "{v}");
    assert_eq!(
        v["error"]["message"], "no TLS handshake before the deadline",
        "{v}"
    );
    t.join().unwrap();
}
