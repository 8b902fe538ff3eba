//! How every long-running subcommand ends on a signal, as shells report it: SIGINT (Ctrl-C)
//! exit 130, SIGTERM (`kill`, a service manager) exit 143 (128 + 15). Each runs against
//! 127.0.0.1 only, with `-n` where it would look names up; the signal is sent once the process
//! has its handler (SIGTERM caught, read from /proc/PID/status), never after a guessed delay.
use crate::util;
use std::net::TcpListener;
use std::process::Stdio;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(30);

/// Whether `pid` catches SIGINT and SIGTERM now.
fn catches_both(pid: u32) -> bool {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return false;
    };
    let Some(caught) = status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
    else {
        return false;
    };
    let both = (1u64 << (libc::SIGINT - 1)) | (1u64 << (libc::SIGTERM - 1));
    caught & both == both
}

/// Runs sockdiag with `args`, sends `signal` once its handler is in place, and returns its
/// exit code (-1: killed by the signal, or past the limit).
fn ended_by(args: &[&str], signal: i32) -> (i32, String) {
    let child = util::command()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sockdiag");
    let pid = child.id();
    let end = Instant::now() + LIMIT;
    while !catches_both(pid) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(10));
    }
    // SAFETY: kill(2) on our own child's pid, which it still is (not yet waited for).
    unsafe { libc::kill(pid as i32, signal) };
    let (code, _, err) = util::finish_within(child, LIMIT, libc::SIGKILL);
    (code, err)
}

#[test]
fn sigterm_exits_143_and_sigint_130_in_every_long_running_subcommand() {
    // Accepts and never answers: connect, http and the probe of a listener wait on it.
    let quiet = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = quiet.local_addr().unwrap().port().to_string();
    let url = format!("http://127.0.0.1:{port}/");
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port().to_string()
    };
    let cases: Vec<Vec<&str>> = vec![
        vec!["probe", "-n", "--wait", "60s", "127.0.0.1", &closed],
        vec!["probe", "-n", "--count", "1000", "127.0.0.1", &closed],
        vec![
            "connect",
            "--timeout",
            "60s",
            "127.0.0.1",
            &port,
            "--until-close",
        ],
        vec!["http", "--timeout", "60s", &url],
        vec!["serve", "127.0.0.1:0"],
        vec!["exporter", "--listen", "127.0.0.1:0"],
        vec!["sockets", "--watch", "1s"],
    ];
    let mut wrong = Vec::new();
    for args in &cases {
        for (signal, want) in [(libc::SIGTERM, 143), (libc::SIGINT, 130)] {
            let (code, err) = ended_by(args, signal);
            if code != want {
                wrong.push(format!(
                    "sockdiag {}: signal {signal} gave {code}, not {want}: {err}",
                    args.join(" ")
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    drop(quiet);
}
