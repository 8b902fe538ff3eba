//! Issue 10: `probe --count N` shows each round as it completes (plain and JSON: lines per
//! round; table: a live line on the terminal), and its statistics count a refused connect as
//! an answer (as tcping does) and show the state and reason of the last round, so that a
//! closed port and a filtered one no longer look alike ("100% loss").
mod lab;
mod util;
use lab::{json_lines, stdout, Ns};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// 4001 listens, 4002 is closed (reset), 4003 is dropped.
fn ns_with_three_ports(tag: &str) -> Option<(Ns, Vec<std::net::TcpListener>)> {
    let ns = Ns::new(tag)?;
    let l = ns.listen("127.0.0.1".parse().unwrap(), &[4001]);
    ns.nft(
        "table inet t {\n chain in {\n  type filter hook input priority 0; policy accept;\n  \
         tcp dport 4003 drop\n }\n}\n",
    );
    Some((ns, l))
}

#[test]
fn count_statistics_count_a_refused_connect_as_an_answer_and_show_the_last_state() {
    let Some((ns, _l)) = ns_with_three_ports("count-states") else {
        return;
    };
    let o = ns.sockdiag(&[
        "probe",
        "--json",
        "--count",
        "3",
        "--interval",
        "10ms",
        "--timeout",
        "200ms",
        "--retries",
        "0",
        "127.0.0.1",
        "4001-4003",
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let lines = json_lines(&o);
    let stats = |port: u64| -> &Value {
        lines
            .iter()
            .find(|v| v["type"] == "probe-stats" && v["port"] == port)
            .unwrap_or_else(|| panic!("no stats for {port}: {lines:?}"))
    };
    let s = stats(4001);
    assert_eq!(
        (s["state"].as_str(), s["answered"].as_u64()),
        (Some("open"), Some(3))
    );
    assert_eq!(s["loss_pct"], 0.0, "{s}");
    // Refused: answered every time, no loss, its round trips measured; not open.
    let s = stats(4002);
    assert_eq!(
        (s["state"].as_str(), s["reason"].as_str()),
        (Some("closed"), Some("conn-refused")),
        "{s}"
    );
    assert_eq!(
        (s["open"].as_u64(), s["answered"].as_u64()),
        (Some(0), Some(3)),
        "{s}"
    );
    assert_eq!(s["loss_pct"], 0.0, "{s}");
    assert!(s["min_ms"].as_f64().is_some(), "{s}");
    // Dropped: every round lost.
    let s = stats(4003);
    assert_eq!(
        (s["state"].as_str(), s["reason"].as_str()),
        (Some("filtered"), Some("no-response")),
        "{s}"
    );
    assert_eq!(
        (s["answered"].as_u64(), s["loss_pct"].as_f64()),
        (Some(0), Some(100.0))
    );
    assert_eq!(s["min_ms"], Value::Null);

    // The table: the last round's state and reason beside the statistics.
    let o = ns.sockdiag(&[
        "probe",
        "--format",
        "table",
        "--count",
        "2",
        "--interval",
        "10ms",
        "--timeout",
        "200ms",
        "--retries",
        "0",
        "127.0.0.1",
        "4001-4003",
    ]);
    let text = stdout(&o);
    for h in ["STATE", "REASON", "SENT", "OPEN", "LOSS", "MIN", "AVG"] {
        assert!(text.contains(h), "{h}: {text}");
    }
    let row = |port: &str| {
        text.lines()
            .find(|l| l.contains(&format!(" {port} ")))
            .unwrap_or_else(|| panic!("no row for {port}:\n{text}"))
            .to_string()
    };
    assert!(
        row("4002").contains("conn-refused") && row("4002").contains(" 0% "),
        "{text}"
    );
    assert!(
        row("4003").contains("no-response") && row("4003").contains("100%"),
        "{text}"
    );
}

#[test]
fn count_in_plain_prints_each_round_as_it_completes() {
    let Some((ns, _l)) = ns_with_three_ports("count-plain") else {
        return;
    };
    let started = Instant::now();
    let mut child = ns
        .cmd(lab::sockdiag_bin())
        .args([
            "probe",
            "--format",
            "plain",
            "--count",
            "3",
            "--interval",
            "1s",
            "--timeout",
            "200ms",
            "--retries",
            "0",
            "127.0.0.1",
            "4001,4002",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        lines.push((started.elapsed(), line.unwrap()));
    }
    assert_eq!(child.wait().unwrap().code(), Some(1));
    let text: Vec<&str> = lines.iter().map(|(_, l)| l.as_str()).collect();
    // Three rounds of two ports, each line as its round ends, then one stats line per port.
    let rounds: Vec<&(Duration, String)> = lines
        .iter()
        .filter(|(_, l)| l.starts_with("127.0.0.1\t"))
        .collect();
    assert_eq!(rounds.len(), 6, "{text:?}");
    assert!(
        rounds[0].0 < Duration::from_millis(900),
        "the first round came at {:?}: {text:?}",
        rounds[0].0
    );
    assert!(rounds[0].1.contains("\topen\tsyn-ack\t"), "{text:?}");
    let stats: Vec<&str> = text
        .iter()
        .copied()
        .filter(|l| l.starts_with("stats\t"))
        .collect();
    assert_eq!(stats.len(), 2, "{text:?}");
    assert!(
        stats[1].contains("\t4002\tclosed\tconn-refused\t3\t0\t0%\t"),
        "{text:?}"
    );
}

#[test]
fn count_in_a_table_shows_each_round_on_a_live_line() {
    let Some((ns, _l)) = ns_with_three_ports("count-live") else {
        return;
    };
    let (master, slave) = util::pty(80, 24);
    let reader = util::read_pty(master);
    let out = ns
        .cmd(lab::sockdiag_bin())
        .args([
            "probe",
            "--format",
            "table",
            "--count",
            "3",
            "--interval",
            "10ms",
            "127.0.0.1",
            "4001",
        ])
        .stdin(Stdio::null())
        .stderr(slave)
        .output()
        .unwrap();
    let err = reader.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{err}");
    for i in 1..=3 {
        assert!(
            err.contains(&format!("round {i} of 3: 127.0.0.1 port 4001 open")),
            "{err:?}"
        );
    }
    assert!(err.ends_with("\r\x1b[2K"), "the live line stays: {err:?}");
}
