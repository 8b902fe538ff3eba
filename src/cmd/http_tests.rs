use super::*;
use crate::http::{Framing, Response, Timing};
use crate::probe::{Reason, State};

fn exchanges() -> Vec<HttpRecord> {
    let ms = Duration::from_micros;
    let attempt = |addr: &str, state, reason, errno, us| Attempt {
        addr: addr.parse().unwrap(),
        state,
        reason,
        errno,
        icmp: None,
        elapsed: ms(us),
    };
    let ok = Exchange {
        addr: Some("127.0.0.1:8443".parse().unwrap()),
        attempts: vec![
            attempt(
                "[::1]:8443",
                State::Closed,
                Reason::ConnRefused,
                Some(libc::ECONNREFUSED),
                40,
            ),
            attempt("127.0.0.1:8443", State::Open, Reason::SynAck, None, 100),
        ],
        request_head: "GET / HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n\r\n".into(),
        failure: None,
        response: Some(Response {
            version: "HTTP/1.1".into(),
            status: 200,
            reason: "OK".into(),
            headers: vec![
                ("Content-Type".into(), "text/plain".into()),
                ("Set-Cookie".into(), "a=1".into()),
                ("Set-Cookie".into(), "b=2".into()),
            ],
            trailers: vec![("X-Sum".into(), "9".into())],
            body_bytes: 49,
            framing: Framing::Chunked,
        }),
        timing: Timing {
            resolve: Some(ms(12)),
            connect: Some(ms(150)),
            tls: Some(ms(160)),
            written: Some(ms(170)),
            first_byte: Some(ms(900)),
            total: ms(950),
        },
        tls: Some(crate::http::tls::TlsInfo {
            version: "TLSv1.3".into(),
            cipher: "TLS13_AES_256_GCM_SHA384".into(),
            alpn: None,
            not_after: Some(1_798_761_600),
        }),
    };
    let refused = Exchange {
        addr: Some("127.0.0.1:8081".parse().unwrap()),
        attempts: vec![attempt(
            "127.0.0.1:8081",
            State::Closed,
            Reason::ConnRefused,
            Some(libc::ECONNREFUSED),
            30,
        )],
        request_head: String::new(),
        response: None,
        failure: Some(Failure::Connect {
            state: State::Closed,
            reason: Reason::ConnRefused,
            errno: Some(libc::ECONNREFUSED),
            icmp: None,
        }),
        timing: Timing {
            resolve: Some(ms(10)),
            total: ms(200),
            ..Timing::default()
        },
        tls: None,
    };
    let garbage = Exchange {
        addr: Some("[::1]:8082".parse().unwrap()),
        attempts: vec![attempt("[::1]:8082", State::Open, Reason::SynAck, None, 90)],
        request_head: String::new(),
        response: None,
        failure: Some(Failure::Response(
            r#"malformed response: not an HTTP/1.x status line; received "garbage\r\n""#.into(),
        )),
        timing: Timing {
            resolve: Some(ms(10)),
            connect: Some(ms(100)),
            tls: None,
            written: Some(ms(120)),
            first_byte: Some(ms(400)),
            total: ms(410),
        },
        tls: None,
    };
    // 2026-01-01: the certificate has 365 days left.
    let now = std::time::UNIX_EPOCH + Duration::from_secs(1_767_225_600);
    vec![
        HttpRecord::new_at("https://127.0.0.1:8443/", "GET", &ok, now),
        HttpRecord::new_at("http://127.0.0.1:8081/", "GET", &refused, now),
        HttpRecord::new_at("http://[::1]:8082/", "GET", &garbage, now),
    ]
}

fn rendered(format: Format, verbose: u8) -> String {
    let recs = exchanges();
    crate::output::rendered_with(format, verbose, |w, o| {
        for r in &recs {
            stream_one(w, o, r)?;
        }
        finish(w, o, &recs, "https://127.0.0.1:8443/", true)
    })
}

#[test]
fn table_snapshot() {
    insta::assert_snapshot!(rendered(Format::Table, 0));
}

/// Issue 10: at 80 and 120 columns no URL, address or status is cut in two.
#[test]
fn table_at_80_and_120_columns_snapshots() {
    for width in [80u16, 120] {
        let recs = exchanges();
        let t = crate::output::rendered_at(Format::Table, 0, Some(width), |w, o| {
            finish(w, o, &recs, "https://127.0.0.1:8443/", true)
        });
        crate::output::layout::assert_fits(&t, width.into());
        for token in [
            "https://127.0.0.1:8443/",
            "http://[::1]:8082/",
            "conn-refused",
        ] {
            assert!(t.contains(token), "{token} broken in\n{t}");
        }
        insta::assert_snapshot!(format!("table_at_{width}_columns"), t);
    }
}

#[test]
fn plain_snapshot() {
    insta::assert_snapshot!(rendered(Format::Plain, 0));
}

#[test]
fn plain_verbose_snapshot() {
    insta::assert_snapshot!(rendered(Format::Plain, 1));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!(rendered(Format::Json, 0));
}

/// A response cut mid-body: its status, headers and bytes, with the failure.
#[test]
fn incomplete_snapshots() {
    let cut = Exchange {
        addr: Some("127.0.0.1:8080".parse().unwrap()),
        attempts: vec![],
        request_head: String::new(),
        response: Some(Response {
            version: "HTTP/1.1".into(),
            status: 200,
            reason: "OK".into(),
            headers: vec![("Content-Length".into(), "10000000000".into())],
            trailers: vec![],
            body_bytes: 5,
            framing: Framing::ContentLength,
        }),
        failure: Some(Failure::Timeout(
            "no complete response within 1s: the head and 5 of 10000000000 body bytes arrived"
                .into(),
        )),
        timing: Timing {
            resolve: Some(Duration::from_micros(10)),
            connect: Some(Duration::from_micros(100)),
            tls: None,
            written: Some(Duration::from_micros(120)),
            first_byte: Some(Duration::from_micros(300)),
            total: Duration::from_secs(1),
        },
        tls: None,
    };
    let recs = vec![HttpRecord::new("http://127.0.0.1:8080/big", "GET", &cut)];
    assert!(!recs[0].is_ok());
    let rendered = |format| {
        crate::output::rendered_with(format, 0, |w, o| {
            stream_one(w, o, &recs[0])?;
            finish(w, o, &recs, "http://127.0.0.1:8080/big", false)
        })
    };
    insta::assert_snapshot!("incomplete_table", rendered(Format::Table));
    insta::assert_snapshot!("incomplete_json", rendered(Format::Json));
}

#[test]
fn stats_spread_over_several_answers() {
    let mut recs = exchanges();
    let mut b = recs[0].clone();
    b.timing_ms.total = 2.0;
    b.timing_ms.first_byte = None;
    recs.push(b);
    let s = HttpStats::new("u", &recs);
    assert_eq!(s.statuses.get(&200), Some(&2));
    // 0.95 and 2.0: min, avg and max in order, rounded to microseconds.
    assert_eq!(
        s.timing_ms.total,
        Some(Spread {
            min: 0.95,
            avg: 1.475,
            max: 2.0
        })
    );
    // A phase only one answer reached spreads over that one.
    assert_eq!(s.timing_ms.first_byte.as_ref().map(|f| f.max), Some(0.9));
    assert!(s.timing_ms.resolve.is_some() && s.timing_ms.written.is_some());
}

#[test]
fn stats_over_answers() {
    let s = HttpStats::new("u", &exchanges());
    assert_eq!((s.count, s.ok, s.failed), (3, 1, 2));
    // The refused exchange has no status and stays out of the timing.
    assert_eq!(s.statuses.get(&200), Some(&1));
    assert_eq!(
        s.timing_ms.connect,
        Some(Spread {
            min: 0.15,
            avg: 0.15,
            max: 0.15
        })
    );
}
