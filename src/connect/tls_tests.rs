//! The TLS stream as a generic pump drives it (only the `Duplex` calls and a poll on its
//! interest), against a rustls server on 127.0.0.1.
use super::*;
use crate::connect::duplex::await_io;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use std::io::Write;
use std::net::{TcpListener, TcpStream};

type Served = StreamOwned<ServerConnection, TcpStream>;

/// A server for `localhost` on 127.0.0.1 (one connection, `then` after its handshake) and
/// the client's setup trusting its CA.
fn server(then: fn(&mut Served)) -> (Socket, Setup, std::thread::JoinHandle<()>) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    let cfg = ServerConfig::builder_with_provider(shared::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let t = std::thread::spawn(move || {
        let (tcp, _) = l.accept().unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        tcp.set_write_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let conn = ServerConnection::new(Arc::new(cfg)).unwrap();
        let mut s = StreamOwned::new(conn, tcp);
        while s.conn.is_handshaking() {
            if s.conn.complete_io(&mut s.sock).is_err() {
                return;
            }
        }
        then(&mut s);
    });
    let sock = Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    sock.connect(&addr.into()).unwrap();
    sock.set_nonblocking(true).unwrap();
    let mut roots = RootCertStore::empty();
    roots.add(ca_cert.der().clone()).unwrap();
    let setup = Setup {
        roots: Arc::new(roots),
        insecure: false,
        sni: Some("localhost".into()),
        alpn: Vec::new(),
    };
    (sock, setup, t)
}

fn open<'a>(sock: &'a Socket, setup: &Setup) -> TlsStream<'a> {
    let (s, report) = handshake(
        sock,
        "127.0.0.1".parse().unwrap(),
        setup,
        Duration::from_secs(5),
        &Interrupt::never(),
        None,
    );
    assert!(report.verified, "{report:?}");
    s.expect("a session")
}

/// Writes `out`, half-closes, reads until the end: only trait calls, waiting on
/// `interest()` (both ways while something is left to write), never blocking.
fn pump(d: &mut dyn Duplex, out: &[u8]) -> Vec<u8> {
    let irq = Interrupt::never();
    let deadline = Instant::now() + Duration::from_secs(15);
    let (mut off, mut shut, mut got) = (0, false, Vec::new());
    let mut buf = vec![0u8; 8192];
    loop {
        if off < out.len() {
            match d.write(&out[off..]) {
                Ok(n) => off += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("write: {e}"),
            }
        } else if !shut {
            match d.shutdown_write() {
                Ok(()) => shut = true,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("shutdown: {e}"),
            }
        }
        loop {
            match d.read(&mut buf) {
                Ok(0) => return got,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("read: {e}"),
            }
        }
        let writing = off < out.len() || !shut;
        match await_io(&*d, true, writing, deadline, &irq).unwrap() {
            Waited::Ready => {}
            Waited::Timeout | Waited::Interrupted => panic!(
                "no progress with {off} of {} written, {} read",
                out.len(),
                got.len()
            ),
        }
    }
}

fn echo(s: &mut Served) {
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

#[test]
fn a_generic_pump_moves_four_megabytes_both_ways() {
    let (sock, setup, t) = server(echo);
    let mut tls = open(&sock, &setup);
    let out: Vec<u8> = (0..4_000_000u32).map(|i| (i % 253) as u8).collect();
    let back = pump(&mut tls, &out);
    assert_eq!(back.len(), out.len());
    assert!(back == out, "the echo differs");
    assert_eq!(tls.peer_close(), Some(PeerClose::CloseNotify));
    t.join().unwrap();
}

#[test]
fn buffered_plaintext_is_readable_now_without_the_socket() {
    let (sock, setup, t) = server(|s| {
        s.write_all(b"abc").unwrap();
        s.conn.send_close_notify();
        s.flush().unwrap();
    });
    let mut tls = open(&sock, &setup);
    let irq = Interrupt::never();
    let soon = Instant::now() + Duration::from_secs(5);
    let mut one = [0u8; 1];
    let mut got = Vec::new();
    loop {
        match tls.read(&mut one) {
            Ok(0) => break,
            Ok(_) => {
                got.push(one[0]);
                if got.len() < 3 {
                    assert!(tls.readable_now(), "two more bytes wait in rustls");
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                assert!(matches!(
                    await_io(&tls, true, false, soon, &irq).unwrap(),
                    Waited::Ready
                ));
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(got, b"abc");
    // The end is known: a read returns at once, 0 again.
    assert!(tls.readable_now());
    assert_eq!(tls.read(&mut one).unwrap(), 0);
    assert_eq!(tls.peer_close(), Some(PeerClose::CloseNotify));
    t.join().unwrap();
}

#[test]
fn records_waiting_to_leave_ask_for_pollout_even_to_read() {
    // The server reads nothing until told: the client's writes fill the socket.
    let (sock, setup, t) = server(|s| {
        std::thread::sleep(Duration::from_millis(300));
        echo(s);
    });
    sock.set_send_buffer_size(4096).unwrap();
    let mut tls = open(&sock, &setup);
    assert_eq!(tls.interest(true, false), libc::POLLIN);
    let chunk = vec![7u8; 64 * 1024];
    let mut taken = 0;
    let full = loop {
        match tls.write(&chunk) {
            Ok(n) => taken += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break true,
            Err(e) => panic!("{e}"),
        }
        if taken > 64 << 20 {
            break false;
        }
    };
    assert!(full, "rustls's buffer filled and said WouldBlock");
    assert!(tls.conn.wants_write());
    assert_eq!(tls.interest(true, false), libc::POLLIN | libc::POLLOUT);
    assert_eq!(tls.flush().unwrap_err().kind(), io::ErrorKind::WouldBlock);
    // Drained by the pump: everything comes back.
    let back = pump(&mut tls, &[]);
    assert_eq!(back.len(), taken);
    t.join().unwrap();
}

#[test]
fn an_end_without_close_notify_is_an_end_not_an_error() {
    let (sock, setup, t) = server(|s| {
        s.write_all(b"cut here").unwrap();
        s.flush().unwrap();
        s.sock.shutdown(std::net::Shutdown::Both).unwrap();
    });
    let mut tls = open(&sock, &setup);
    let back = pump(&mut tls, b"");
    assert_eq!(back, b"cut here");
    assert_eq!(tls.peer_close(), Some(PeerClose::EofWithoutCloseNotify));
    t.join().unwrap();
}

/// The race the test above can lose, made certain: the server has closed its socket before
/// our close_notify leaves, so loopback answers it with a reset and SHUT_WR finds the
/// connection gone (ENOTCONN). The peer's end is still what the session ends on.
#[test]
fn a_peer_gone_before_our_close_notify_is_an_end_not_an_error() {
    let (sock, setup, t) = server(|s| {
        s.write_all(b"cut here").unwrap();
        s.flush().unwrap();
        s.sock.shutdown(std::net::Shutdown::Both).unwrap();
    });
    let mut tls = open(&sock, &setup);
    // The server thread returns only after dropping (closing) its socket.
    t.join().unwrap();
    let back = pump(&mut tls, b"");
    assert_eq!(back, b"cut here");
    assert_eq!(tls.peer_close(), Some(PeerClose::EofWithoutCloseNotify));
}

#[test]
fn quotes_stay_on_one_line() {
    assert_eq!(
        quote(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
        "HTTP/1.1 400 Bad Request\\r\\n..."
    );
    assert_eq!(quote(b"SSH-2.0-x\r\n"), "SSH-2.0-x\\r\\n");
    assert_eq!(quote(b"a\"b\x00"), "a\\\"b\\x00");
    assert_eq!(quote(&[b'x'; 48]), format!("{}...", "x".repeat(40)));
}
