//! Issue 10: `probe --count N` shows each round as it completes (plain and JSON: lines per
//! round; table: a live line on the terminal), and its statistics count a refused connect as
//! an answer (as tcping does) and show the state and reason of the last round, so that a
//! closed port and a filtered one no longer look alike ("100% loss").
use crate::{lab, util};
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

/// Stderr of a probe run inside `ns` on an 80-column pty, with SIGINT after `sigint_after`
/// (when given); the exit code and everything written to the terminal.
fn on_a_terminal(ns: &Ns, args: &[&str], sigint_after: Option<Duration>) -> (Option<i32>, String) {
    let (master, slave) = util::pty(80, 24);
    let reader = util::read_pty(master);
    let mut child = ns
        .cmd(lab::sockdiag_bin())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(slave)
        .spawn()
        .unwrap();
    if let Some(d) = sigint_after {
        std::thread::sleep(d);
        // `timeout` passes the signal on to sockdiag. SAFETY: our own child's PID.
        assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    }
    let code = child.wait().unwrap().code();
    (code, reader.join().unwrap())
}

/// Issue 10: while every port left waits out its timeout, the bar says so (not `ETA 0s`);
/// no frame of it fills the line (a `^C` echoed after a full line wraps, and the clear after
/// Ctrl-C would then erase the wrong line, leaving the bar on screen); after Ctrl-C it is
/// cleared.
#[test]
fn the_progress_bar_says_what_it_waits_for_and_is_cleared_after_ctrl_c() {
    let Some(ns) = Ns::new("count-bar") else {
        return;
    };
    ns.nft(
        "table inet t {\n chain in {\n  type filter hook input priority 0; policy accept;\n  \
         tcp dport 1000-1999 drop\n }\n}\n",
    );
    let (code, err) = on_a_terminal(
        &ns,
        &[
            "probe",
            "--timeout",
            "10s",
            "--no-adapt",
            "127.0.0.1",
            "1000-1999",
        ],
        Some(Duration::from_millis(2500)),
    );
    assert_eq!(code, Some(130), "{err:?}");
    assert!(
        err.contains("waiting for 1,000 ports (timeout 10s)"),
        "the bar does not say what it waits for: {err:?}"
    );
    assert!(!err.contains("ETA 0s"), "{err:?}");
    for frame in err.split("\r\x1b[2K") {
        let width = frame.trim_end_matches('\n').chars().count();
        assert!(width <= 77, "a frame of {width} columns: {frame:?}");
    }
    // The bar's last clear, then only the line that ends the run.
    let tail = err.rsplit("\r\x1b[2K").next().unwrap();
    assert!(
        tail.starts_with("scanned 0 of 1,000 ports on 1 host in "),
        "{err:?}"
    );
}

/// Issue 10: a finished scan ends with a line for people saying what it did and how long it
/// took, as nmap does.
#[test]
fn a_finished_scan_says_how_many_ports_on_how_many_hosts_in_how_long() {
    let Some(ns) = Ns::new("count-done") else {
        return;
    };
    let (code, err) = on_a_terminal(&ns, &["probe", "127.0.0.1", "-"], None);
    assert_eq!(code, Some(1), "{err:?}");
    let last = err.trim_end().rsplit(['\n', '\r']).next().unwrap_or("");
    let last = last.trim_start_matches("\x1b[2K");
    assert!(
        last.starts_with("scanned 65,535 ports on 1 host in "),
        "last line {last:?} of {err:?}"
    );
    let (_, err) = on_a_terminal(&ns, &["probe", "127.0.0.1,::1", "80,443"], None);
    assert!(err.contains("scanned 4 ports on 2 hosts in "), "{err:?}");
    // Not with --quiet.
    let (_, err) = on_a_terminal(&ns, &["probe", "-q", "127.0.0.1", "80"], None);
    assert!(!err.contains("scanned"), "{err:?}");
}
