use super::*;
use std::time::Duration;

fn report() -> Report {
    Report {
        target: "localhost".into(),
        port: 8080,
        udp: false,
        attempts: vec![
            Attempt {
                addr: "[::1]:8080".parse().unwrap(),
                state: State::Closed,
                reason: Reason::ConnRefused,
                errno: Some(libc::ECONNREFUSED),
                icmp: None,
                elapsed: Duration::from_micros(45),
            },
            Attempt {
                addr: "127.0.0.1:8080".parse().unwrap(),
                state: State::Open,
                reason: Reason::SynAck,
                errno: None,
                icmp: None,
                elapsed: Duration::from_micros(61),
            },
        ],
        peer: Some("127.0.0.1:8080".parse().unwrap()),
        local: Some("127.0.0.1:53412".parse().unwrap()),
        connect_time: Some(Duration::from_micros(61)),
        tcp_info: Some(TcpInfo {
            state: "established",
            rtt_ms: 0.041,
            rttvar_ms: 0.02,
            min_rtt_ms: 0.01,
            mss: 32768,
            rcv_mss: 536,
            advmss: 65483,
            pmtu: 65535,
            cwnd: 10,
            ssthresh: 2147483647,
            retransmits: 0,
            snd_wscale: 7,
            rcv_wscale: 7,
        }),
        options: vec![OptionRecord {
            name: "TCP_NODELAY",
            level: "IPPROTO_TCP",
            default: Some(crate::sockopt::Value::Flag(false)),
            requested: Some(crate::sockopt::Value::Flag(true)),
            effective: Some(crate::sockopt::Value::Flag(true)),
            note: None,
            error: None,
        }],
        sent: 6,
        received: 12,
        first_byte: Some(Duration::from_micros(250)),
        data: b"hello\r\n\x00\xffok\n".to_vec(),
        read_end: Some(ReadEnd::Eof),
        error: None,
        session: None,
        state: State::Open,
        reason: Reason::SynAck,
        errno: None,
        icmp: None,
        tls: None,
        unix: None,
    }
}

fn refused() -> Report {
    Report {
        target: "127.0.0.1".into(),
        port: 9,
        udp: false,
        attempts: vec![Attempt {
            addr: "127.0.0.1:9".parse().unwrap(),
            state: State::Closed,
            reason: Reason::ConnRefused,
            errno: Some(libc::ECONNREFUSED),
            icmp: None,
            elapsed: Duration::from_micros(30),
        }],
        peer: None,
        local: None,
        connect_time: None,
        tcp_info: None,
        options: vec![],
        sent: 0,
        received: 0,
        first_byte: None,
        data: vec![],
        read_end: None,
        error: None,
        session: None,
        state: State::Closed,
        reason: Reason::ConnRefused,
        errno: Some(libc::ECONNREFUSED),
        icmp: None,
        tls: None,
        unix: None,
    }
}

fn rendered(r: &Report, format: Format, verbose: u8, hex: bool) -> String {
    crate::output::rendered_with(format, verbose, |w, o| {
        render(w, o, &ConnectRecord::new(r, hex))
    })
}

#[test]
fn table_snapshot() {
    insta::assert_snapshot!(rendered(&report(), Format::Table, 1, false));
}

/// Issue 10: at 80 columns the values wrap at spaces, never inside an address.
#[test]
fn table_at_80_columns_snapshot() {
    let t = crate::output::rendered_at(Format::Table, 1, Some(80), |w, o| {
        render(w, o, &ConnectRecord::new(&report(), false))
    });
    crate::output::layout::assert_fits(&t, 80);
    insta::assert_snapshot!(t);
}

#[test]
fn table_hex_snapshot() {
    insta::assert_snapshot!(rendered(&report(), Format::Table, 0, true));
}

#[test]
fn plain_snapshot() {
    insta::assert_snapshot!(rendered(&report(), Format::Plain, 1, false));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!(rendered(&report(), Format::Json, 0, false));
}

/// An interactive session: no data kept (it went to stdout), how it ended, its length.
fn session() -> Report {
    let mut r = report();
    r.attempts.remove(0);
    r.options.clear();
    r.data.clear();
    (r.sent, r.received) = (14, 1 << 20);
    r.read_end = Some(ReadEnd::PeerClosed);
    r.session = Some(SessionReport {
        duration: Duration::from_millis(2500),
        stdin_end: None,
        half_closed: false,
        datagrams_sent: None,
        datagrams_received: None,
    });
    r
}

#[test]
fn session_snapshots() {
    insta::assert_snapshot!(rendered(&session(), Format::Table, 0, false));
    insta::assert_snapshot!(rendered(&session(), Format::Plain, 0, false));
    insta::assert_snapshot!(rendered(&session(), Format::Json, 0, false));
}

#[test]
fn refused_snapshots() {
    insta::assert_snapshot!(rendered(&refused(), Format::Table, 0, false));
    insta::assert_snapshot!(rendered(&refused(), Format::Json, 0, false));
}
