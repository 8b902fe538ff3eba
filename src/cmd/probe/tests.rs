use super::*;
use std::net::IpAddr;

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
        name: None,
        service: None,
        shard: None,
        order: 0,
    };
    let mut open = rec(22, State::Open, Reason::SynAck, None, Some(0.412));
    open.service = Some(crate::service::Service {
        name: "ssh".into(),
        product: Some("OpenSSH".into()),
        version: Some("9.6p1".into()),
        tls: None,
        banner: Some("SSH-2.0-OpenSSH_9.6p1".into()),
        guess: false,
        detail: Some("OpenSSH_9.6p1".into()),
    });
    open.local = Some(ShownAddr("192.0.2.1:41234".parse().unwrap()));
    let mut refused = rec(
        80,
        State::Closed,
        Reason::ConnRefused,
        Some("ECONNREFUSED"),
        Some(0.05),
    );
    refused.service = Some(crate::service::Service::guess("http"));
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

/// Issue 10: at 80 and 120 columns no state or reason is cut (`port-unreac/h`,
/// `admin-prohi/bited` were), and every line fits.
#[test]
fn table_at_80_and_120_columns_snapshots() {
    for verbose in [0, 1] {
        for width in [80u16, 120] {
            let t = output::rendered_at(Format::Table, verbose, Some(width), |w, o| {
                output::render(w, o, &records())
            });
            output::layout::assert_fits(&t, width.into());
            for token in [
                "port-unreach",
                "conn-refused",
                "no-response",
                "192.0.2.10",
                "8443",
            ] {
                assert!(t.contains(token), "{token} cut in:\n{t}");
            }
            insta::assert_snapshot!(format!("table_v{verbose}_at_{width}_columns"), t);
        }
    }
}

/// Issue 10: the `--count` table shows each port's last state and reason, a refused port
/// with no loss, and fits 80 columns.
#[test]
fn count_table_at_80_and_120_columns_snapshots() {
    let mut recs = records();
    recs.truncate(4);
    let stats = [
        Stats::from_rtts(&mut [0.4, 0.41, 0.39], 3),
        Stats::from_rtts(&mut [0.05, 0.06, 0.05], 3),
        Stats::from_rtts(&mut [0.3, 0.31], 3),
        Stats::from_rtts(&mut [], 3),
    ];
    for (r, mut s) in recs.iter_mut().zip(stats) {
        s.open = if r.state == State::Open {
            s.answered
        } else {
            0
        };
        r.stats = Some(Box::new(s));
    }
    for width in [80u16, 120] {
        let t = output::rendered_at(Format::Table, 0, Some(width), |w, o| {
            let rows: Vec<Vec<Cell>> = recs.iter().map(|r| StatsRow(r).cells()).collect();
            output::table::write_fitted(w, o, &StatsRow::headers(), &StatsRow::fits(), &rows)
        });
        output::layout::assert_fits(&t, width.into());
        assert!(t.contains("conn-refused") && t.contains("STATE"), "{t}");
        insta::assert_snapshot!(format!("count_table_at_{width}_columns"), t);
    }
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

/// Issue 10: the rate-limit note names the kinds of ICMP reject, groups the hosts that sent
/// the same ones, and says what helps.
#[test]
fn rate_limit_notes_name_the_kinds_and_what_helps() {
    use crate::probe::RateLimited;
    let l = |a: &str, k: &[Reason]| RateLimited {
        addr: a.parse().unwrap(),
        icmp: k.to_vec(),
        left: 2,
        reasked: 0,
    };
    let notes = summary::rate_limit_notes(&[
        l("192.0.2.2", &[Reason::HostUnreach]),
        l(
            "2001:db8::2",
            &[Reason::PortUnreach, Reason::AdminProhibited],
        ),
        l("192.0.2.3", &[Reason::HostUnreach]),
    ]);
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[0].starts_with("ICMP host-unreachable replies from 192.0.2.2, 192.0.2.3 were"),
        "{}",
        notes[0]
    );
    assert!(notes[1]
        .starts_with("ICMP port-unreachable and admin-prohibited replies from 2001:db8::2 were"));
    assert!(notes
        .iter()
        .all(|n| n.contains("--rate 1") && n.contains("again")));
    // Issue 23: re-asked at the limiter's pace, every port answered: no advice, the count.
    let all = RateLimited {
        left: 0,
        reasked: 15,
        ..l("192.0.2.4", &[Reason::HostUnreach])
    };
    assert_eq!(
        summary::rate_limit_notes(&[all]),
        [
            "ICMP host-unreachable replies from 192.0.2.4 were rate-limited by the sender; 15 \
          ports answered when asked again at its pace"
        ]
    );
    let some = RateLimited {
        left: 3,
        reasked: 4,
        ..l("192.0.2.4", &[Reason::HostUnreach])
    };
    let n = &summary::rate_limit_notes(&[some])[0];
    assert!(
        n.contains("; 4 ports answered when asked again at its pace: 3 shown icmp-rate-limited"),
        "{n}"
    );
}

/// Issue 10: the last line of a scan, for people.
#[test]
fn scanned_line_says_ports_hosts_and_time() {
    assert_eq!(
        scanned_line(65535, 65535, 1, Duration::from_millis(1630)),
        "scanned 65,535 ports on 1 host in 1.6 s"
    );
    assert_eq!(
        scanned_line(1, 1, 2, Duration::from_micros(4200)),
        "scanned 1 port on 2 hosts in 4 ms"
    );
    assert_eq!(
        scanned_line(120, 2001, 1, Duration::from_secs(3)),
        "scanned 120 of 2,001 ports on 1 host in 3.0 s"
    );
}
