use super::*;
use crate::output::Format;
use crate::resolve::{FailKind, ResolveError, ResolvedAddr};
use std::time::Duration;

fn records() -> Vec<ResolveRecord> {
    vec![
        ResolveRecord {
            name: "multi.sockdiag.test".into(),
            canonical: Some("multi.sockdiag.test".into()),
            addrs: vec![
                ResolvedAddr {
                    addr: "192.0.2.10".parse().unwrap(),
                    family: "inet",
                    reverse: Some("multi.sockdiag.test".into()),
                },
                ResolvedAddr {
                    addr: "2001:db8::10".parse().unwrap(),
                    family: "inet6",
                    reverse: None,
                },
                ResolvedAddr {
                    addr: "2001:db8:4f3a:1200:8a2e:370:7334:10".parse().unwrap(),
                    family: "inet6",
                    reverse: Some("host-1200.region.multi.sockdiag.test".into()),
                },
            ],
            elapsed: Duration::from_micros(1234),
            note: None,
            idn: None,
            error: None,
        },
        ResolveRecord {
            name: "127.1".into(),
            canonical: None,
            addrs: vec![ResolvedAddr {
                addr: "127.0.0.1".parse().unwrap(),
                family: "inet",
                reverse: Some("localhost".into()),
            }],
            elapsed: Duration::from_micros(80),
            note: Some("a legacy numeric form: means 127.0.0.1".into()),
            idn: None,
            error: None,
        },
        ResolveRecord {
            name: "bücher.sockdiag.test".into(),
            canonical: Some("xn--bcher-kva.sockdiag.test".into()),
            addrs: vec![ResolvedAddr {
                addr: "192.0.2.80".parse().unwrap(),
                family: "inet",
                reverse: None,
            }],
            elapsed: Duration::from_micros(950),
            note: Some("international name: looked up as xn--bcher-kva.sockdiag.test".into()),
            idn: Some(crate::resolve::Idn {
                unicode: "bücher.sockdiag.test".into(),
                ascii: "xn--bcher-kva.sockdiag.test".into(),
            }),
            error: None,
        },
        ResolveRecord {
            name: "nosuch.sockdiag.test".into(),
            canonical: None,
            addrs: vec![],
            elapsed: Duration::from_millis(3),
            note: None,
            idn: None,
            error: Some(ResolveError {
                kind: FailKind::NoName,
                message: "no such name".into(),
            }),
        },
    ]
}

fn rendered(format: Format, verbose: u8, color: bool) -> String {
    let opts = OutputOpts {
        format,
        color,
        verbose,
        quiet: false,
        width: None,
    };
    let mut buf = Vec::new();
    output::render(&mut buf, &opts, &records()).unwrap();
    String::from_utf8(buf).unwrap()
}

#[test]
fn table_snapshot() {
    insta::assert_snapshot!(rendered(Format::Table, 0, false));
}

fn table_at(width: u16) -> String {
    crate::output::rendered_at(Format::Table, 0, Some(width), |w, o| {
        output::render(w, o, &records())
    })
}

/// Issue 10: at 80 columns no address, name or reverse name is cut in two, every line
/// fits, and the addresses keep their family and reverse name beside them.
#[test]
fn table_at_80_columns_snapshot() {
    let t = table_at(80);
    crate::output::layout::assert_fits(&t, 80);
    for token in [
        "192.0.2.10",
        "2001:db8::10",
        "multi.sockdiag.test",
        "bücher.sockdiag.test",
        "nosuch.sockdiag.test",
        "no-name:",
    ] {
        assert!(t.contains(token), "{token} broken in\n{t}");
    }
    insta::assert_snapshot!(t);
}

#[test]
fn table_at_120_columns_snapshot() {
    let t = table_at(120);
    crate::output::layout::assert_fits(&t, 120);
    insta::assert_snapshot!(t);
}

#[test]
fn table_colour_only_when_asked() {
    assert!(!rendered(Format::Table, 0, false).contains('\x1b'));
    assert!(rendered(Format::Table, 0, true).contains("\x1b["));
}

#[test]
fn plain_snapshot() {
    insta::assert_snapshot!(rendered(Format::Plain, 0, false));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!(rendered(Format::Json, 0, false));
}

/// A name found through the search list after a silent server: every step rendered.
fn explained() -> (ResolveRecord, Explain) {
    use crate::resolve::explain::{self, hosts, nsswitch, resolvconf, Answer, Disagreement};
    let mut rec = records().remove(0);
    rec.name = "db".into();
    let rc = resolvconf::parse(
        Some("nameserver 127.0.0.3\nnameserver 127.0.0.1\nsearch a.test b.test\noptions ndots:2 timeout:1\n"),
        &resolvconf::Env::default(),
    );
    let ns = nsswitch::parse(Some("hosts: files dns myhostname\n"));
    let q = |server: &str, name: &str, outcome, answers: Vec<Answer>| Exchange {
        server: server.parse().unwrap(),
        name: name.into(),
        qtype: "A".into(),
        outcome,
        rcode: (outcome != explain::Outcome::Timeout).then(|| "NOERROR".into()),
        answers,
        chain: vec![],
        ad: false,
        truncated: false,
        tcp: false,
        elapsed: Duration::from_micros(700),
        error: (outcome == explain::Outcome::Timeout).then(|| "no answer in 1s".into()),
    };
    let ex = Explain {
        literal: None,
        candidates: resolvconf::candidates("db", &rc),
        resolv_conf: rc,
        nsswitch: ns.sources,
        nsswitch_line: ns.line,
        hosts_file: hosts::lookup("192.0.2.9 other\n", "db", Family::Any),
        servers_from: "resolv.conf",
        queries: vec![
            q(
                "127.0.0.3:53",
                "db.a.test",
                explain::Outcome::Timeout,
                vec![],
            ),
            q(
                "127.0.0.1:53",
                "db.a.test",
                explain::Outcome::NxDomain,
                vec![],
            ),
            q(
                "127.0.0.1:53",
                "db.b.test",
                explain::Outcome::Answer,
                vec![Answer {
                    name: "db.b.test".into(),
                    rtype: "A".into(),
                    ttl: 300,
                    data: "192.0.2.10".into(),
                }],
            ),
        ],
        replay: Default::default(),
        verdict: explain::Verdict {
            source: "dns",
            server: Some("127.0.0.1".into()),
            candidate: Some("db.b.test".into()),
            line: None,
            text: "from 127.0.0.1 for candidate db.b.test after db.a.test NXDOMAIN".into(),
            disagreements: vec![Disagreement {
                kind: "server-failed",
                text: "127.0.0.3 timed out: each lookup waits 1 s (timeout:1) before 127.0.0.1"
                    .into(),
            }],
        },
    };
    (rec, ex)
}

#[test]
fn explain_table_and_plain_snapshots() {
    let (rec, ex) = explained();
    for format in [Format::Table, Format::Plain] {
        let text = output::rendered_with(format, 0, |w, o| render_explained(w, o, &rec, &ex));
        insta::assert_snapshot!(format!("explain_{format:?}").to_lowercase(), text);
    }
    let json = output::rendered_with(Format::Json, 0, |w, o| render_explained(w, o, &rec, &ex));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["explain"]["verdict"]["source"], "dns");
    assert_eq!(v["explain"]["queries"][0]["outcome"], "timeout");
    assert_eq!(v["explain"]["candidates"][0], "db.a.test");
}

/// Issue 22: the `--explain` query table was 81 columns at 80 (every column wrapped at
/// spaces only, so long servers, names and answers could not give way). At 80 columns every
/// line fits, no server, name or answer is cut in two, and what is left out is named.
#[test]
fn explain_query_table_fits_80_columns() {
    use crate::resolve::explain::{Answer, Outcome};
    let (rec, mut ex) = explained();
    let mut long = ex.queries[2].clone();
    long.server = "[2001:db8::53]:53".parse().unwrap();
    long.name = "db.b.test".into();
    long.qtype = "AAAA".into();
    long.truncated = true;
    long.answers = vec![Answer {
        name: "db.b.test".into(),
        rtype: "AAAA".into(),
        ttl: 300,
        data: "2001:db8:4f3a:1200::10".into(),
    }];
    long.outcome = Outcome::Answer;
    ex.queries.push(long);
    let t = crate::output::rendered_at(Format::Table, 0, Some(80), |w, o| {
        render_explained(w, o, &rec, &ex)
    });
    crate::output::layout::assert_fits(&t, 80);
    for token in [
        "2001:db8::53",
        "2001:db8:4f3a:1200::10",
        "NXDOMAIN",
        "db.b.test",
    ] {
        assert!(t.contains(token), "{token} broken in\n{t}");
    }
    assert!(t.contains("(not shown at 80 columns: FLAGS, TIME;"), "{t}");
    assert!(t.contains("(not shown at 80 columns: FLAGS, TIME;"), "{t}");
    insta::assert_snapshot!(t);
}
