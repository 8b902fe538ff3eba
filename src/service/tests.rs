//! The detector on 127.0.0.1: what it names, and its bounds (ports at once, the pause,
//! the reset, the timeout).
use super::*;

#[test]
fn labels() {
    assert_eq!(Service::guess("http").label(), "http?");
    let mut s = Service::named("ssh");
    s.detail = Some("OpenSSH_9.6p1".into());
    assert_eq!(s.label(), "ssh (OpenSSH_9.6p1)");
    let t = Service {
        tls: Some(TlsSeen {
            version: "TLSv1.3".into(),
            alpn: Some("h2".into()),
            subject: Some("CN=example.test".into()),
            expires: Some("2027-01-05T00:00:00Z".into()),
        }),
        ..Service::named("https")
    };
    assert_eq!(
        t.label(),
        "https (TLSv1.3, h2, CN=example.test, expires 2027-01-05)"
    );
    let u = Service {
        banner: Some("\\x00\\x01".into()),
        ..Service::named("unknown")
    };
    assert_eq!(u.label(), "unknown (\"\\x00\\x01\")");
    assert_eq!(Service::named("tls").label(), "tls");
}

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Instant;

fn cfg(timeout_ms: u64, in_flight: usize) -> Config {
    Config {
        timeout: Duration::from_millis(timeout_ms),
        in_flight,
        source: None,
        interface: None,
    }
}

fn job(key: usize, l: &TcpListener) -> Job {
    Job {
        key,
        addr: l.local_addr().unwrap(),
        host: "127.0.0.1".into(),
    }
}

/// Accepts on its own thread, each client on a thread of its own handed to `f`.
fn serve(l: &TcpListener, f: impl Fn(TcpStream) + Send + Sync + Clone + 'static) {
    let l = l.try_clone().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let f = f.clone();
            std::thread::spawn(move || f(s));
        }
    });
}

/// Reads until the client closes; the error kind when it reset the connection.
fn read_to_close(mut s: TcpStream) -> Option<std::io::ErrorKind> {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = [0u8; 256];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return None,
            Ok(_) => {}
            Err(e) => return Some(e.kind()),
        }
    }
}

fn run(jobs: Vec<Job>, cfg: Config) -> Vec<(usize, Service)> {
    let mut d = Detector::new(cfg, &Interrupt::never());
    for j in jobs {
        d.submit(j);
    }
    let mut v = d.finish();
    v.sort_by_key(|(k, _)| *k);
    v
}

/// The flake of the test below made certain: the rest of the first line comes well after a
/// pause (250 ms > PAUSE), yet within the banner's time: the line is still read whole.
#[test]
fn a_first_line_cut_past_the_pause_is_still_read_whole() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    serve(&l, move |mut s| {
        let _ = s.write_all(b"SSH-2.0-Open");
        std::thread::sleep(Duration::from_millis(250));
        let _ = s.write_all(b"SSH_9.6p1 Debian\r\n");
        let _ = read_to_close(s);
    });
    let v = run(vec![job(7, &l)], cfg(4000, 4));
    assert_eq!(v[0].1.label(), "ssh (OpenSSH_9.6p1)");
}

#[test]
fn a_banner_in_two_parts_is_read_whole_and_the_connection_reset() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    serve(&l, move |mut s| {
        let _ = s.write_all(b"SSH-2.0-Open");
        std::thread::sleep(Duration::from_millis(40));
        let _ = s.write_all(b"SSH_9.6p1 Debian\r\n");
        let _ = tx.send(read_to_close(s));
    });
    let v = run(vec![job(7, &l)], cfg(2000, 4));
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].0, 7);
    assert_eq!(v[0].1.label(), "ssh (OpenSSH_9.6p1)");
    assert_eq!(
        v[0].1.banner.as_deref(),
        Some("SSH-2.0-OpenSSH_9.6p1 Debian")
    );
    // Closed with a reset (SO_LINGER 0), not a FIN.
    let how = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(how, Some(std::io::ErrorKind::ConnectionReset));
}

#[test]
fn a_silent_server_gets_the_probe_and_costs_only_the_timeout() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    serve(&l, move |mut s| {
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let mut got = Vec::new();
        let mut buf = [0u8; 64];
        while let Ok(n @ 1..) = s.read(&mut buf) {
            got.extend_from_slice(&buf[..n]);
        }
        let _ = tx.send(got);
    });
    let start = Instant::now();
    let v = run(vec![job(0, &l)], cfg(400, 4));
    let took = start.elapsed();
    assert_eq!(v[0].1, Service::named("unknown"));
    assert!(took >= Duration::from_millis(380), "{took:?}");
    assert!(took < Duration::from_millis(1500), "{took:?}");
    // Half the time waiting for a banner, then the HTTP probe.
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), HTTP_PROBE);
}

#[test]
fn at_most_in_flight_ports_at_once() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    serve(&l, move |s| {
        let _ = tx.send(Instant::now());
        read_to_close(s);
    });
    let jobs = (0..6).map(|k| job(k, &l)).collect();
    let start = Instant::now();
    let v = run(jobs, cfg(300, 2));
    assert_eq!(v.len(), 6);
    assert!(v.iter().all(|(_, s)| s.name == "unknown"));
    // Three rounds of two silent ports, each round its full timeout.
    assert!(start.elapsed() >= Duration::from_millis(880));
    let mut at: Vec<Instant> = rx.try_iter().collect();
    at.sort();
    assert_eq!(at.len(), 6);
    for round in at.chunks(2) {
        assert!(round[1] - round[0] < Duration::from_millis(150));
    }
    for w in at.windows(2).skip(1).step_by(2) {
        assert!(w[1] - w[0] >= Duration::from_millis(250), "{at:?}");
    }
}

#[test]
fn a_port_that_stopped_listening_is_unknown_at_once() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let j = job(3, &l);
    drop(l);
    let start = Instant::now();
    let v = run(vec![j], cfg(2000, 4));
    assert_eq!(v, vec![(3, Service::named("unknown"))]);
    assert!(start.elapsed() < Duration::from_millis(500));
}

#[test]
fn a_long_banner_is_read_up_to_the_cap() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    serve(&l, move |mut s| {
        // A banner line, then bytes without end: the reader stops at the cap and resets,
        // which cuts the writer off long before the timeout.
        let _ = s.set_write_timeout(Some(Duration::from_secs(5)));
        let start = Instant::now();
        let mut ok = s.write_all(b"220 ftp.example.test FTP ready\r\n").is_ok();
        while ok && start.elapsed() < Duration::from_secs(5) {
            ok = s.write_all(&[b'x'; 65536]).is_ok();
        }
        let _ = tx.send(start.elapsed());
    });
    let start = Instant::now();
    let v = run(vec![job(0, &l)], cfg(3000, 4));
    assert_eq!(v[0].1.name, "ftp", "{:?}", v[0].1);
    // Neither the pause (the bytes never stop) nor the timeout ended it: the cap did.
    assert!(start.elapsed() < Duration::from_millis(1500));
    let cut = rx.recv_timeout(Duration::from_secs(6)).unwrap();
    assert!(cut < Duration::from_millis(1500), "{cut:?}");
}

/// A rustls server with an rcgen certificate for svc.example.test, ALPN http/1.1, answering
/// one HTTP request: TLS on a port where nobody expects it.
fn tls_server(l: &TcpListener) {
    let mut params = rcgen::CertificateParams::new(vec!["svc.example.test".into()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "svc.example.test");
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut sc = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    sc.alpn_protocols = vec![b"http/1.1".to_vec()];
    let sc = Arc::new(sc);
    serve(l, move |mut s| {
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let Ok(mut conn) = rustls::ServerConnection::new(Arc::clone(&sc)) else {
            return;
        };
        let mut t = rustls::Stream::new(&mut conn, &mut s);
        let mut buf = [0u8; 1024];
        if t.read(&mut buf).is_ok() {
            let _ = t.write_all(b"HTTP/1.1 200 OK\r\nServer: labtls/2.1\r\n\r\n");
            let _ = t.flush();
        }
    });
}

#[test]
fn tls_where_a_banner_was_expected_gets_a_handshake() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    tls_server(&l);
    let v = run(vec![job(0, &l)], cfg(2000, 4));
    let s = &v[0].1;
    assert_eq!(s.name, "https", "{s:?}");
    let t = s.tls.as_ref().unwrap();
    assert_eq!(t.alpn.as_deref(), Some("http/1.1"));
    assert_eq!(t.subject.as_deref(), Some("CN=svc.example.test"));
    assert!(t.version.starts_with("TLSv1."));
    assert_eq!(s.product.as_deref(), Some("labtls"));
    assert_eq!(s.version.as_deref(), Some("2.1"));
}

#[test]
fn detect_examines_one_port() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    serve(&l, |mut s| {
        let _ = s.write_all(b"+OK Dovecot ready.\r\n");
        read_to_close(s);
    });
    let s = detect(
        &job(0, &l),
        &cfg(2000, 1),
        &tls::config(),
        &Interrupt::never(),
    );
    assert_eq!(s.name, "pop3");
}
