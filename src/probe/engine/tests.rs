use super::*;
use std::net::TcpListener;

#[test]
fn loopback_open_and_closed() {
    let l1 = TcpListener::bind("127.0.0.1:0").unwrap();
    let l2 = TcpListener::bind("127.0.0.1:0").unwrap();
    // A port that was just free: nobody listens there once the listener is gone.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (p1, p2) = (
        l1.local_addr().unwrap().port(),
        l2.local_addr().unwrap().port(),
    );
    let mut ports = vec![p1, p2, closed];
    ports.sort();
    let mut got = Vec::new();
    let addrs = ["127.0.0.1:0".parse().unwrap()];
    let s = run(
        &addrs,
        &ports,
        &Config::default(),
        &Interrupt::never(),
        &mut |r: &ProbeResult| got.push(r.clone()),
    )
    .unwrap();
    assert!(!s.interrupted);
    assert_eq!(got.len(), 3);
    for r in &got {
        if r.port == closed {
            assert_eq!(
                (r.state, r.reason),
                (State::Closed, Reason::ConnRefused),
                "{r:?}"
            );
            assert_eq!(r.errno, Some(libc::ECONNREFUSED));
        } else {
            assert_eq!((r.state, r.reason), (State::Open, Reason::SynAck), "{r:?}");
            assert!(r.local.is_some() && r.rtt.is_some());
        }
    }
}

#[test]
fn udp_closed_port_is_port_unreach() {
    let free = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let echo = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let eport = echo.local_addr().unwrap().port();
    let t = std::thread::spawn(move || {
        let mut b = [0u8; 100];
        echo.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        if let Ok((n, from)) = echo.recv_from(&mut b) {
            echo.send_to(&b[..n], from).unwrap();
        }
    });
    let cfg = Config {
        proto: Proto::Udp,
        ..Config::default()
    };
    let mut got = Vec::new();
    let addrs = ["127.0.0.1:0".parse().unwrap()];
    let mut ports = vec![free, eport];
    ports.sort();
    run(
        &addrs,
        &ports,
        &cfg,
        &Interrupt::never(),
        &mut |r: &ProbeResult| got.push(r.clone()),
    )
    .unwrap();
    t.join().unwrap();
    for r in &got {
        if r.port == free {
            assert_eq!(
                (r.state, r.reason),
                (State::Closed, Reason::PortUnreach),
                "{r:?}"
            );
            assert_eq!(r.icmp.map(|i| (i.kind, i.code)), Some((3, 3)));
        } else {
            assert_eq!(
                (r.state, r.reason),
                (State::Open, Reason::UdpResponse),
                "{r:?}"
            );
            assert_eq!(r.echo, Some(true), "the echo server sent it back");
        }
    }
}
