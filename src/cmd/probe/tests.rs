use super::*;

/// One record of each kind a scan shows: open, closed by reset, closed by the target's
/// ICMP, filtered after every try, a UDP echo, a local error, and a router's port
/// unreachable and time exceeded (their sender named).
fn records() -> Vec<ProbeRecord> {
    let rec = |port: u16, state, reason, errno: Option<&str>, rtt_ms: Option<f64>| ProbeRecord {
        target: "db.example.test".into(),
        addr: "192.0.2.10".parse::<IpAddr>().unwrap().into(),
        port,
        proto: "tcp",
        state,
        reason,
        errno: errno.map(String::from),
        icmp: None,
        rtt_ms,
        tries: 1,
        local: None,
        echo: None,
        stats: None,
        shard: None,
        order: 0,
    };
    let mut open = rec(22, State::Open, Reason::SynAck, None, Some(0.412));
    open.local = Some(ShownAddr("192.0.2.1:41234".parse().unwrap()));
    let refused = rec(
        80,
        State::Closed,
        Reason::ConnRefused,
        Some("ECONNREFUSED"),
        Some(0.05),
    );
    let mut unreach = rec(
        443,
        State::Closed,
        Reason::PortUnreach,
        Some("ECONNREFUSED"),
        Some(0.3),
    );
    unreach.icmp = Some(Icmp {
        kind: 3,
        code: 3,
        from: Some("192.0.2.10".parse().unwrap()),
        v6: false,
    });
    // A router's answers: the sender is named in every format.
    let mut router_reject = rec(
        8080,
        State::Filtered,
        Reason::PortUnreach,
        Some("ECONNREFUSED"),
        Some(0.3),
    );
    router_reject.icmp = Some(Icmp {
        kind: 3,
        code: 3,
        from: Some("192.0.2.1".parse().unwrap()),
        v6: false,
    });
    let mut looped = rec(
        8443,
        State::Unreachable,
        Reason::TimeExceeded,
        Some("EHOSTUNREACH"),
        Some(1.2),
    );
    looped.icmp = Some(Icmp {
        kind: 11,
        code: 0,
        from: Some("198.51.100.1".parse().unwrap()),
        v6: false,
    });
    let mut dropped = rec(5432, State::Filtered, Reason::NoResponse, None, None);
    dropped.tries = 2;
    let mut udp = rec(53, State::Open, Reason::UdpResponse, None, Some(0.2));
    udp.proto = "udp";
    udp.echo = Some(true);
    let error = rec(
        6379,
        State::Error,
        Reason::Local(libc::EMFILE),
        Some("EMFILE"),
        None,
    );
    vec![
        open,
        refused,
        unreach,
        dropped,
        udp,
        error,
        router_reject,
        looped,
    ]
}

fn rendered(format: Format, verbose: u8) -> String {
    output::rendered_with(format, verbose, |w, o| output::render(w, o, &records()))
}

#[test]
fn table_snapshot() {
    insta::assert_snapshot!(rendered(Format::Table, 0));
}

#[test]
fn table_verbose_snapshot() {
    insta::assert_snapshot!(rendered(Format::Table, 1));
}

#[test]
fn plain_verbose_snapshot() {
    insta::assert_snapshot!(rendered(Format::Plain, 1));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!(rendered(Format::Json, 0));
}

#[test]
fn stats_like_ping() {
    let mut v = vec![3.0, 1.0, 2.0, 4.0];
    let s = Stats::from_rtts(&mut v, 5);
    assert_eq!(s.min_ms, Some(1.0));
    assert_eq!(s.max_ms, Some(4.0));
    assert_eq!(s.avg_ms, Some(2.5));
    assert_eq!(s.mdev_ms, Some(1.118));
    assert_eq!(s.p95_ms, Some(4.0));
    assert_eq!(s.loss_pct, 20.0);
    let s = Stats::from_rtts(&mut [], 3);
    assert_eq!((s.open, s.loss_pct, s.avg_ms), (0, 100.0, None));
}
