use super::*;
use crate::serve::Proto;

fn events() -> Vec<Event> {
    let local: SocketAddr = "127.0.0.1:7000".parse().unwrap();
    let peer: SocketAddr = "127.0.0.1:51234".parse().unwrap();
    let client = Client {
        id: 1,
        local,
        peer,
        bytes_in: 0,
        bytes_out: 0,
        duration: Duration::ZERO,
        requests: None,
        end: None,
        errno: None,
    };
    let mut ends = BTreeMap::new();
    ends.insert(End::PeerClosed, 1);
    ends.insert(End::Reset, 1);
    ends.insert(End::Refused, 1);
    vec![
        Event::Listening {
            proto: Proto::Tcp,
            addr: local,
            mode: "echo",
        },
        Event::Listening {
            proto: Proto::Udp,
            addr: "[::1]:7000".parse().unwrap(),
            mode: "echo",
        },
        Event::Accepted {
            client: client.clone(),
            active: 1,
        },
        Event::Closed {
            client: Client {
                bytes_in: 12,
                bytes_out: 12,
                duration: Duration::from_micros(1500),
                end: Some(End::PeerClosed),
                ..client.clone()
            },
        },
        Event::Closed {
            client: Client {
                id: 2,
                bytes_in: 4096,
                bytes_out: 2048,
                duration: Duration::from_millis(2500),
                end: Some(End::Reset),
                errno: Some(libc::ECONNRESET),
                ..client.clone()
            },
        },
        Event::Refused {
            client: Client {
                id: 3,
                end: Some(End::Refused),
                ..client
            },
        },
        Event::Datagram {
            local: "[::1]:7000".parse().unwrap(),
            peer: "[::1]:40000".parse().unwrap(),
            bytes_in: 5,
            bytes_out: 5,
        },
        Event::Stopped {
            stop: Stop::Interrupt,
            elapsed: Duration::from_millis(4321),
            totals: Totals {
                accepted: 2,
                refused: 1,
                datagrams: 1,
                bytes_in: 4113,
                bytes_out: 2065,
                peak_clients: 2,
                ends,
                accept_errors: 0,
                dropped_replies: 0,
            },
        },
    ]
}

fn rendered(format: Format, color: bool) -> String {
    let opts = OutputOpts {
        format,
        color,
        ..OutputOpts::default()
    };
    let mut log = EventLog::new(Direct(Vec::new()), opts);
    for e in events() {
        log.event(&e);
    }
    assert!(log.err.is_none());
    String::from_utf8(log.into_inner().0).unwrap()
}

#[test]
fn plain_snapshot() {
    insta::assert_snapshot!(rendered(Format::Plain, false));
}

#[test]
fn table_snapshot() {
    insta::assert_snapshot!(rendered(Format::Table, false));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!(rendered(Format::Json, false));
}

#[test]
fn colour_only_when_asked() {
    assert!(!rendered(Format::Table, false).contains('\x1b'));
    assert!(rendered(Format::Table, true).contains("\x1b[31mreset\x1b[0m"));
}

#[test]
fn listen_forms() {
    let ok = [
        ("7000", "127.0.0.1:7000"),
        ("0", "127.0.0.1:0"),
        ("0.0.0.0:80", "0.0.0.0:80"),
        ("[::]:0", "[::]:0"),
        ("[::1]:9", "[::1]:9"),
        ("localhost:5", "127.0.0.1:5"),
    ];
    for (s, want) in ok {
        assert_eq!(
            crate::input::listen::parse_listen(s).unwrap().to_string(),
            want,
            "{s}"
        );
    }
    for bad in [
        "70000",
        "host:80",
        "::1",
        "[::1]",
        "127.0.0.1",
        "",
        "1.2.3.4:x",
    ] {
        let e = crate::input::listen::parse_listen(bad).unwrap_err();
        assert_eq!(e.input, bad);
    }
}

#[test]
fn byte_counts() {
    assert_eq!(parse_bytes("1000").unwrap(), 1000);
    assert_eq!(parse_bytes("64k").unwrap(), 65536);
    assert_eq!(parse_bytes("10M").unwrap(), 10 << 20);
    assert_eq!(parse_bytes("1GiB").unwrap(), 1 << 30);
    assert_eq!(parse_bytes("1GB").unwrap(), 1_000_000_000);
    for bad in ["0", "x", "-1", "99999999999999999999g", ""] {
        assert_eq!(parse_bytes(bad).unwrap_err().input, bad);
    }
}
