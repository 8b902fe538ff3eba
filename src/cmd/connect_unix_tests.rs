//! The connect record of a UNIX socket: the path as the peer, our name, the peer process.
use super::*;
use crate::connect::unix::UnixEnds;
use crate::net::unix::UnixName;
use std::path::Path;
use std::time::Duration;

fn unix_report(dgram: bool) -> Report {
    Report {
        target: if dgram {
            "unixgram:/run/sd/dg.sock".into()
        } else {
            "unix:/run/sd/echo.sock".into()
        },
        port: 0,
        udp: false,
        attempts: vec![],
        peer: None,
        local: None,
        connect_time: Some(Duration::from_micros(35)),
        tcp_info: None,
        options: vec![],
        sent: 5,
        received: 5,
        first_byte: Some(Duration::from_micros(120)),
        data: b"hello".to_vec(),
        read_end: Some(ReadEnd::Quiet),
        error: None,
        state: State::Open,
        reason: Reason::Connected,
        errno: None,
        icmp: None,
        tls: None,
        session: None,
        unix: Some(UnixEnds {
            dgram,
            path: UnixName::path(Path::new(if dgram {
                "/run/sd/dg.sock"
            } else {
                "/run/sd/echo.sock"
            })),
            local: dgram.then(|| UnixName::abstract_name(b"0001f")),
            cred: Some(PeerCred {
                pid: 4242,
                uid: 1000,
                gid: 100,
                comm: Some("sockdiag".into()),
            }),
        }),
    }
}

fn stale() -> Report {
    Report {
        sent: 0,
        received: 0,
        data: vec![],
        first_byte: None,
        read_end: None,
        connect_time: None,
        state: State::Closed,
        reason: Reason::ConnRefused,
        errno: Some(libc::ECONNREFUSED),
        error: Some(
            "nobody listens on /run/sd/echo.sock: a stale socket file (its server is gone), \
             or a server not listening yet"
                .into(),
        ),
        unix: Some(UnixEnds {
            dgram: false,
            path: UnixName::path(Path::new("/run/sd/echo.sock")),
            local: None,
            cred: None,
        }),
        ..unix_report(false)
    }
}

fn rendered(r: &Report, format: Format) -> String {
    crate::output::rendered_with(format, 0, |w, o| {
        render(w, o, &ConnectRecord::new(r, false))
    })
}

#[test]
fn stream_snapshots() {
    insta::assert_snapshot!(rendered(&unix_report(false), Format::Table));
    insta::assert_snapshot!(rendered(&unix_report(false), Format::Plain));
    insta::assert_snapshot!(rendered(&unix_report(false), Format::Json));
}

#[test]
fn dgram_snapshots() {
    insta::assert_snapshot!(rendered(&unix_report(true), Format::Table));
    insta::assert_snapshot!(rendered(&unix_report(true), Format::Json));
}

#[test]
fn stale_snapshots() {
    insta::assert_snapshot!(rendered(&stale(), Format::Table));
    insta::assert_snapshot!(rendered(&stale(), Format::Json));
}

/// TCP records keep their fields as they were: no UNIX field appears, the port is a number.
#[test]
fn tcp_json_has_no_unix_fields() {
    let r = Report {
        unix: None,
        port: 80,
        state: State::Open,
        reason: Reason::SynAck,
        ..unix_report(false)
    };
    let j = rendered(&r, Format::Json);
    assert!(j.contains("\"port\":80"), "{j}");
    for f in ["peer_unix", "local_unix", "peer_cred"] {
        assert!(!j.contains(f), "{f} in {j}");
    }
}
