//! Bad input never panics: the parsers of what users type (URLs, headers, addresses, sizes,
//! durations) and of what peers send (HTTP responses, HTTP request heads) fed with
//! generated input. No sockets.
use crate::util;

use proptest::prelude::*;
use sockdiag::http::response;
use sockdiag::serve::httpd;

fn pieces() -> impl Strategy<Value = Vec<u8>> {
    let frag = prop_oneof![
        Just(b"HTTP/1.1 200 OK\r\n".to_vec()),
        Just(b"HTTP/1.0 204 \r\n".to_vec()),
        Just(b"Transfer-Encoding: chunked\r\n".to_vec()),
        Just(b"Content-Length: 5\r\n".to_vec()),
        Just(b"Content-Length: 99999999999999999999999\r\n".to_vec()),
        Just(b"Content-Length: -1\r\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"5\r\nhello\r\n".to_vec()),
        Just(b"ffffffffffffffffff\r\n".to_vec()),
        Just(b"0\r\n\r\n".to_vec()),
        Just(b"GET / HTTP/1.1\r\n".to_vec()),
        Just(b"Host: x\r\n".to_vec()),
        Just(b"Connection: keep-alive\r\n".to_vec()),
        Just("é\u{7f}".as_bytes().to_vec()),
        proptest::collection::vec(any::<u8>(), 0..20),
    ];
    proptest::collection::vec(frag, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]
    #[test]
    fn response_never_panics(b in pieces(), head in any::<bool>()) {
        let mut r = std::io::Cursor::new(b);
        let _ = response::read(&mut r, head, &mut || {});
    }
    #[test]
    fn httpd_never_panics(b in pieces()) {
        let _ = httpd::parse(&b);
    }
    #[test]
    fn numbers_with_units_never_panic(s in "-?[0-9]{1,25}(\\.[0-9])?(s|ms|h|d|years|k|KiB|MiB|GB|gb|b)?") {
        let _ = sockdiag::sockopt::parse::parse_size("x", &s);
        let _ = sockdiag::sockopt::parse::parse_int("x", &s);
        let _ = sockdiag::sockopt::parse::parse_secs("x", &s);
        let _ = sockdiag::sockopt::parse::parse_millis("x", &s);
        let _ = sockdiag::sockopt::parse::parse_linger(&s);
        let _ = sockdiag::cmd::serve::parse_bytes(&s);
        let _ = sockdiag::input::listen::parse_listen(&s);
        let _ = sockdiag::input::targets::parse_port(&s, false);
        // Through the options plan too (it turns seconds into milliseconds).
        let a = sockdiag::cli::SockOptArgs {
            keepidle: Some(s.clone()),
            keepintvl: Some(s.clone()),
            user_timeout: Some(s.clone()),
            linger: Some(s.clone()),
            ..Default::default()
        };
        if let Ok(plan) = a.plan(false) {
            for (_, v) in &plan.sets {
                let _ = serde_json::to_string(v);
            }
        }
    }
    #[test]
    fn url_never_panics(s in "[a-zA-Z:/\\[\\]0-9.%?#@é -]{0,30}") {
        let _ = sockdiag::http::url::parse(&s);
        let _ = sockdiag::http::url::parse_header(&s);
        let _ = sockdiag::input::targets::split_host_port(&s);
        let _ = sockdiag::sockopt::parse::parse_size("x", &s);
        let _ = sockdiag::sockopt::parse::parse_secs("x", &s);
        let _ = sockdiag::sockopt::parse::parse_millis("x", &s);
        let _ = sockdiag::sockopt::parse::parse_linger(&s);
        let _ = sockdiag::input::listen::parse_listen(&s);
        let _ = sockdiag::input::listen::parse_serve_listen(&s);
    }
    #[test]
    fn unix_names_never_panic(s in "(unix|unixgram):(@|/)?[^\n]{0,130}") {
        if let Ok(Some(t)) = sockdiag::input::unix::parse(&s) {
            let _ = t.name.sockaddr().expect("a name that parsed fits sun_path");
            let _ = t.to_string();
        }
    }
}

/// Every flag that takes a duration or a rate, as a command that targets 127.0.0.1 only
/// (port 1: nothing listens there, so each ends at once), `{}` standing for the value.
const DURATION_AND_RATE_FLAGS: &[&[&str]] = &[
    &["probe", "-n", "--timeout", "{}", "127.0.0.1", "1"],
    &[
        "probe",
        "-n",
        "--count",
        "2",
        "--interval",
        "{}",
        "127.0.0.1",
        "1",
    ],
    &[
        "probe",
        "-n",
        "--wait",
        "{}",
        "--interval",
        "1ms",
        "127.0.0.1",
        "1",
    ],
    &[
        "probe",
        "-n",
        "--wait",
        "50ms",
        "--interval",
        "{}",
        "127.0.0.1",
        "1",
    ],
    &["probe", "-n", "--rate", "{}", "127.0.0.1", "1"],
    &["probe", "-n", "--udp", "--timeout", "{}", "127.0.0.1", "1"],
    &["connect", "--timeout", "{}", "127.0.0.1", "1"],
    &["connect", "--udp", "--timeout", "{}", "127.0.0.1", "1"],
    &[
        "connect",
        "--timeout",
        "{}",
        "unix:/nonexistent/sockdiag.sock",
    ],
    &["connect", "--keepidle", "{}", "127.0.0.1", "1"],
    &["connect", "--keepintvl", "{}", "127.0.0.1", "1"],
    &["connect", "--linger", "{}", "127.0.0.1", "1"],
    &["connect", "--user-timeout", "{}", "127.0.0.1", "1"],
    &["opts", "--connect", "127.0.0.1:1", "--timeout", "{}"],
    &[
        "opts",
        "--keepidle",
        "{}",
        "--keepintvl",
        "{}",
        "--user-timeout",
        "{}",
    ],
    &["opts", "--linger", "{}"],
    &["http", "--timeout", "{}", "http://127.0.0.1:1/"],
    &[
        "http",
        "--count",
        "2",
        "--interval",
        "{}",
        "http://127.0.0.1:1/",
    ],
    &["serve", "--duration", "{}", "127.0.0.1:0"],
    &[
        "serve",
        "--idle-timeout",
        "{}",
        "--duration",
        "50ms",
        "127.0.0.1:0",
    ],
];

/// Values at and past every edge: the largest integers, sub-nanosecond and denormal
/// numbers, infinities, NaN, negatives.
const EDGE_VALUES: &[&str] = &[
    "9223372036854775807s",
    "18446744073709551615s",
    "584942417355y",
    "86401s",
    "24h",
    "1e400s",
    "0.000000001s",
    "1ns",
    "0s",
    "-1s",
    "1e-20",
    "5e-324",
    "1e308",
    "0.001",
    "inf",
    "NaN",
    "1",
];

/// Runs each command line with a deadline of its own (a valid long value keeps some of them
/// waiting: those are stopped at the deadline, which is fine), all at once in small groups.
/// Returns what went wrong: a panic (exit 101, or `panicked` on stderr).
fn run_all(cmds: Vec<Vec<String>>) -> Vec<String> {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let mut bad = Vec::new();
    for group in cmds.chunks(24) {
        let mut children = Vec::new();
        for args in group {
            let child = util::command()
                .args(args)
                .env_clear()
                .env("LC_ALL", "C")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn sockdiag");
            children.push((args, child));
        }
        let deadline = Instant::now() + Duration::from_millis(500);
        for (args, mut child) in children {
            let status = loop {
                if let Some(st) = child.try_wait().unwrap() {
                    break Some(st);
                }
                if Instant::now() >= deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                std::thread::sleep(Duration::from_millis(5));
            };
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            let code = status.and_then(|s| s.code());
            if code == Some(101) || err.contains("panicked") {
                bad.push(format!("sockdiag {}: exit {code:?}: {err}", args.join(" ")));
            } else if code == Some(2) && err.lines().count() != 1 {
                bad.push(format!(
                    "sockdiag {}: exit 2 with more than one line: {err}",
                    args.join(" ")
                ));
            }
        }
    }
    bad
}

fn with_value(value: &str) -> Vec<Vec<String>> {
    DURATION_AND_RATE_FLAGS
        .iter()
        .map(|f| f.iter().map(|a| a.replace("{}", value)).collect())
        .collect()
}

/// Issue 18, bug 8: `--timeout 9223372036854775807s`, `--rate 1e-20` and their like panicked
/// (exit 101) in the engines; through the CLI, every duration and rate flag with every edge
/// value must end in a result or one line and exit 2.
#[test]
fn duration_and_rate_flags_never_panic_through_the_cli() {
    let cmds: Vec<Vec<String>> = EDGE_VALUES.iter().flat_map(|v| with_value(v)).collect();
    let bad = run_all(cmds);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Huge values are refused before anything runs: exit 2, one line quoting the value and
/// saying what is accepted.
#[test]
fn huge_durations_and_tiny_rates_are_exit_2() {
    let cases: &[&[&str]] = &[
        &[
            "probe",
            "-n",
            "--timeout",
            "9223372036854775807s",
            "127.0.0.1",
            "1",
        ],
        &[
            "probe",
            "-n",
            "--wait",
            "9223372036854775807s",
            "127.0.0.1",
            "1",
        ],
        &[
            "probe",
            "-n",
            "--interval",
            "9223372036854775807s",
            "127.0.0.1",
            "1",
        ],
        &["probe", "-n", "--rate", "1e-20", "127.0.0.1", "1"],
        &["probe", "-n", "--rate", "5e-324", "127.0.0.1", "1"],
        &[
            "connect",
            "--timeout",
            "9223372036854775807s",
            "127.0.0.1",
            "1",
        ],
        &[
            "opts",
            "--connect",
            "127.0.0.1:1",
            "--timeout",
            "9223372036854775807s",
        ],
        &[
            "http",
            "--timeout",
            "9223372036854775807s",
            "http://127.0.0.1:1/",
        ],
        &[
            "http",
            "--interval",
            "9223372036854775807s",
            "http://127.0.0.1:1/",
        ],
        &["serve", "--duration", "9223372036854775807s", "127.0.0.1:0"],
        &[
            "serve",
            "--idle-timeout",
            "9223372036854775807s",
            "127.0.0.1:0",
        ],
    ];
    for args in cases {
        let out = util::command()
            .args(*args)
            .env_clear()
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        let value = args
            .iter()
            .find(|a| a.contains("e-3") || a.contains("e-2") || a.ends_with("7s"))
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(&format!("'{value}'")), "{args:?}: {err}");
        assert!(err.contains(" to "), "the accepted range: {args:?}: {err}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2))]
    /// Random numbers with units, each through every duration and rate flag.
    #[test]
    fn random_durations_and_rates_never_panic_through_the_cli(
        values in proptest::collection::vec(
            "[0-9]{1,20}(\\.[0-9]{1,3})?(e-?[0-9]{1,3})?(ns|us|ms|s|m|h|d|w|y)?", 3)
    ) {
        let cmds: Vec<Vec<String>> = values.iter().flat_map(|v| with_value(v)).collect();
        let bad = run_all(cmds);
        prop_assert!(bad.is_empty(), "{}", bad.join("\n"));
    }
}
