use super::*;
use crate::serve::Proto;

fn inet(a: &str) -> Endpoint {
    Endpoint::Inet(a.parse().unwrap())
}

fn events() -> Vec<Event> {
    let local = inet("127.0.0.1:7000");
    let peer = inet("127.0.0.1:51234");
    let client = Client {
        id: 1,
        local: local.clone(),
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
            addr: local.clone(),
            mode: "echo",
        },
        Event::Listening {
            proto: Proto::Udp,
            addr: inet("[::1]:7000"),
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
            local: inet("[::1]:7000"),
            peer: inet("[::1]:40000"),
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

/// UNIX sockets: the name as the address, a client as its process (SO_PEERCRED), and the
/// credentials in JSON.
fn unix_events() -> Vec<Event> {
    use crate::net::unix::{PeerCred, UnixName};
    let local = Endpoint::Unix {
        name: Some(UnixName::path(std::path::Path::new("/run/sd/echo.sock"))),
        cred: None,
    };
    let cred = PeerCred {
        pid: 4242,
        uid: 1000,
        gid: 1000,
        comm: Some("curl".into()),
    };
    let client = Client {
        id: 1,
        local: local.clone(),
        peer: Endpoint::Unix {
            name: None,
            cred: Some(cred.clone()),
        },
        bytes_in: 0,
        bytes_out: 0,
        duration: Duration::ZERO,
        requests: None,
        end: None,
        errno: None,
    };
    vec![
        Event::Listening {
            proto: Proto::Unix,
            addr: local,
            mode: "echo",
        },
        Event::Listening {
            proto: Proto::UnixGram,
            addr: Endpoint::Unix {
                name: Some(UnixName::abstract_name(b"sd-dgram")),
                cred: None,
            },
            mode: "echo",
        },
        Event::Accepted {
            client: client.clone(),
            active: 1,
        },
        Event::Closed {
            client: Client {
                bytes_in: 5,
                bytes_out: 5,
                duration: Duration::from_micros(900),
                end: Some(End::PeerClosed),
                ..client
            },
        },
        Event::Datagram {
            local: Endpoint::Unix {
                name: Some(UnixName::abstract_name(b"sd-dgram")),
                cred: None,
            },
            peer: Endpoint::Unix {
                name: Some(UnixName::abstract_name(b"0001f")),
                cred: Some(PeerCred { pid: 4243, ..cred }),
            },
            bytes_in: 3,
            bytes_out: 3,
        },
    ]
}

fn rendered_unix(format: Format) -> String {
    let opts = OutputOpts {
        format,
        ..OutputOpts::default()
    };
    let mut log = EventLog::new(Direct(Vec::new()), opts);
    for e in unix_events() {
        log.event(&e);
    }
    String::from_utf8(log.into_inner().0).unwrap()
}

#[test]
fn unix_snapshots() {
    insta::assert_snapshot!(rendered_unix(Format::Plain));
    insta::assert_snapshot!(rendered_unix(Format::Json));
}

#[test]
fn socket_modes() {
    assert_eq!(parse_mode("0660").unwrap(), 0o660);
    assert_eq!(parse_mode("600").unwrap(), 0o600);
    assert_eq!(parse_mode("0o1777").unwrap(), 0o1777);
    for bad in ["", "8", "0x1ff", "17777", "+660", "rw-rw----"] {
        let e = parse_mode(bad).unwrap_err();
        assert!(e.why.contains("octal"), "{bad}: {e}");
    }
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
