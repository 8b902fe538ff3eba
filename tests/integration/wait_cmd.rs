//! `sockdiag probe --wait D HOST PORT -- CMD`, wait-for-it style, from the outside: listeners
//! the test opens on 127.0.0.1 (late, or never) on ports it picks, commands that leave a
//! marker file, and the exit code that comes back. Every run is bounded: the test kills a
//! sockdiag that outlives its limit.
use crate::util;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Each run gets this long before the test kills it and fails.
const LIMIT: Duration = Duration::from_secs(10);

/// A port on 127.0.0.1 that nothing listens on (bound to find it, then let go).
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A listener on a port the kernel picks, and that port.
fn listener() -> (TcpListener, String) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    (l, port)
}

fn spawn(args: &[&str]) -> Child {
    util::command()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sockdiag")
}

/// Waits for the child (killing it past `LIMIT`): (exit code, stdout, stderr).
fn finish(child: Child) -> (i32, String, String) {
    util::finish_within(child, LIMIT, libc::SIGKILL)
}

fn run(args: &[&str]) -> (i32, String, String) {
    finish(spawn(args))
}

/// `sh -c` writing the time it ran (ns since the epoch) to `marker`.
fn marker_cmd(marker: &Path) -> Vec<String> {
    vec![
        "sh".into(),
        "-c".into(),
        r#"date +%s%N > "$0""#.into(),
        marker.to_str().unwrap().into(),
    ]
}

fn with(args: &[&str], cmd: &[String]) -> Vec<String> {
    let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    v.push("--".into());
    v.extend(cmd.iter().cloned());
    v
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn command_runs_only_after_the_late_listener_opens() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let port = closed_port().to_string();
    let args = with(
        &[
            "probe",
            "-n",
            "--wait",
            "8s",
            "--interval",
            "100ms",
            "127.0.0.1",
            &port,
        ],
        &marker_cmd(&marker),
    );
    let child = spawn(&strs(&args));
    std::thread::sleep(Duration::from_secs(1));
    assert!(!marker.exists(), "the command ran before the port was open");
    let opened = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let _l = TcpListener::bind(format!("127.0.0.1:{port}")).unwrap();
    let (code, out, err) = finish(child);
    assert_eq!(code, 0, "stderr: {err}");
    assert_eq!(out, "", "stdout is the command's, and it wrote nothing");
    let ran: u128 = std::fs::read_to_string(&marker)
        .expect("the command ran")
        .trim()
        .parse()
        .unwrap();
    assert!(
        ran >= opened.as_nanos(),
        "the command ran at {ran} ns, before the listener opened at {} ns",
        opened.as_nanos()
    );
    // The results, on stderr: the port open.
    assert!(err.contains(&port) && err.contains("open"), "{err}");
}

#[test]
fn the_commands_exit_code_and_stdout_come_back() {
    let (_l, port) = listener();
    let (code, out, err) = run(&[
        "probe",
        "-n",
        "--wait",
        "5s",
        "127.0.0.1",
        &port,
        "--",
        "sh",
        "-c",
        "echo from-cmd; exit 7",
    ]);
    assert_eq!(code, 7, "stderr: {err}");
    assert_eq!(out, "from-cmd\n");
    assert!(err.contains("open"), "{err}");
}

#[test]
fn json_results_go_to_stderr_and_leave_stdout_to_the_command() {
    let (_l, port) = listener();
    let (code, out, err) = run(&[
        "probe",
        "-n",
        "--json",
        "--wait",
        "5s",
        "127.0.0.1",
        &port,
        "--",
        "echo",
        "from-cmd",
    ]);
    assert_eq!(code, 0, "stderr: {err}");
    assert_eq!(out, "from-cmd\n");
    let first: serde_json::Value = serde_json::from_str(err.lines().next().unwrap()).unwrap();
    assert_eq!(first["type"], "probe");
    assert_eq!(first["state"], "open");
}

#[test]
fn quiet_prints_nothing_of_its_own_when_every_port_opens() {
    let (_l, port) = listener();
    let (code, out, err) = run(&[
        "probe",
        "-n",
        "-q",
        "--wait",
        "5s",
        "127.0.0.1",
        &port,
        "--",
        "sh",
        "-c",
        "echo from-cmd",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out, "from-cmd\n");
    assert_eq!(err, "");
}

#[test]
fn timeout_exits_1_without_running_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let port = closed_port().to_string();
    for quiet in [false, true] {
        let mut a = vec!["probe", "-n", "--wait", "1s", "--interval", "200ms"];
        if quiet {
            a.push("-q");
        }
        a.extend(["127.0.0.1", &port]);
        let args = with(&a, &marker_cmd(&marker));
        let started = Instant::now();
        let (code, out, err) = run(&strs(&args));
        assert_eq!(code, 1, "stderr: {err}");
        assert!(!marker.exists(), "the command ran after a timeout");
        assert!(started.elapsed() >= Duration::from_secs(1));
        assert_eq!(out, "");
        // Even with -q: why it did not run (the port's state, then the one line).
        assert!(err.contains("closed"), "{err}");
        let last = err.lines().last().unwrap();
        assert!(
            last.starts_with("sockdiag: not every port is open after 1s: not running sh -c "),
            "{last}"
        );
    }
}

#[test]
fn run_anyway_runs_it_after_the_timeout_and_returns_its_code() {
    let port = closed_port().to_string();
    let (code, out, err) = run(&[
        "probe",
        "-n",
        "--wait",
        "1s",
        "--run-anyway",
        "127.0.0.1",
        &port,
        "--",
        "sh",
        "-c",
        "echo ran; exit 5",
    ]);
    assert_eq!(code, 5, "stderr: {err}");
    assert_eq!(out, "ran\n");
    assert!(
        err.contains("running sh -c 'echo ran; exit 5' anyway"),
        "{err}"
    );
}

#[test]
fn a_command_not_found_is_127_and_not_executable_126() {
    let (_l, port) = listener();
    let (code, out, err) = run(&[
        "probe",
        "-n",
        "--wait",
        "5s",
        "127.0.0.1",
        &port,
        "--",
        "sockdiag-no-such-command-15",
        "arg",
    ]);
    assert_eq!(code, 127, "stderr: {err}");
    assert_eq!(out, "");
    assert_eq!(
        err.lines().last().unwrap(),
        "sockdiag: cannot run 'sockdiag-no-such-command-15': command not found (PATH)"
    );

    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("not-executable.sh");
    std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
    let path = script.to_str().unwrap();
    let (code, _, err) = run(&[
        "probe",
        "-n",
        "--wait",
        "5s",
        "127.0.0.1",
        &port,
        "--",
        path,
    ]);
    assert_eq!(code, 126, "stderr: {err}");
    let last = err.lines().last().unwrap();
    assert!(
        last.starts_with(&format!("sockdiag: cannot run '{path}': permission denied")),
        "{last}"
    );
}

#[test]
fn a_command_without_wait_or_run_anyway_without_command_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let (_l, port) = listener();
    let args = with(&["probe", "-n", "127.0.0.1", &port], &marker_cmd(&marker));
    let (code, out, err) = run(&strs(&args));
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("sockdiag: the command after -- (sh -c ")
            && err.contains("needs --wait DURATION"),
        "{err}"
    );
    assert!(!marker.exists());

    let (code, _, err) = run(&[
        "probe",
        "-n",
        "--wait",
        "1s",
        "--run-anyway",
        "127.0.0.1",
        &port,
    ]);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("sockdiag: --run-anyway "), "{err}");
}

#[test]
fn ctrl_c_during_the_wait_shows_what_finished_and_never_runs_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let port = closed_port().to_string();
    let args = with(
        &[
            "probe",
            "-n",
            "--wait",
            "20s",
            "--interval",
            "100ms",
            "127.0.0.1",
            &port,
        ],
        &marker_cmd(&marker),
    );
    let child = spawn(&strs(&args));
    std::thread::sleep(Duration::from_secs(1));
    let started = Instant::now();
    // SAFETY: a signal to the child this test spawned, by its pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let (code, out, err) = finish(child);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(code, 130, "stderr: {err}");
    assert_eq!(out, "");
    assert!(
        err.contains("closed") && err.contains("interrupted"),
        "{err}"
    );
    assert!(!marker.exists(), "the command ran after Ctrl-C");
}

#[test]
fn the_command_gets_no_socket_of_sockdiag_and_sigpipe_as_default() {
    let (_l, port) = listener();
    // Every fd the command holds, as its link target, then the signals it ignores.
    let (code, out, err) = run(&[
        "probe",
        "-n",
        "--wait",
        "5s",
        "127.0.0.1",
        &port,
        "--",
        "sh",
        "-c",
        r#"for f in /proc/$$/fd/*; do readlink "$f"; done; grep SigIgn /proc/$$/status"#,
    ]);
    assert_eq!(code, 0, "stderr: {err}");
    for l in out.lines() {
        assert!(
            !l.starts_with("socket:") && !l.starts_with("anon_inode:"),
            "an fd of sockdiag's leaked into the command: {l}\n{out}"
        );
    }
    let ign = out
        .lines()
        .find_map(|l| l.strip_prefix("SigIgn:"))
        .expect("SigIgn line");
    let mask = u64::from_str_radix(ign.trim(), 16).unwrap();
    assert_eq!(
        mask & (1 << (libc::SIGPIPE - 1)),
        0,
        "SIGPIPE is ignored in the command (SigIgn {ign})"
    );
}

/// A signal mask line of /proc/PID/status (`SigIgn:\t0000000000001000`) as bits.
/// The standard signals (1 to 31) of a mask in /proc/PID/status. The realtime ones are
/// left out: glibc keeps 32 and 33 for itself (its posix_spawn, which std uses, hands a
/// child them ignored, and a process's own glibc may catch one), so what they show depends
/// on how each process was started, not on sockdiag.
fn sig_mask(status: &str, field: &str) -> u64 {
    let v = status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .unwrap_or_else(|| panic!("no {field} line in {status}"));
    u64::from_str_radix(v.trim(), 16).unwrap() & ((1 << 31) - 1)
}

fn bit(sig: i32) -> u64 {
    1 << (sig - 1)
}

#[test]
fn the_command_gets_the_signals_as_sockdiag_was_given_them() {
    let (_l, port) = listener();
    // What this test process ignores, but for SIGPIPE (Rust ignores it; std gives a child
    // it spawns the default): what sockdiag is given, and what the command should get.
    let own = std::fs::read_to_string("/proc/self/status").unwrap();
    let given = sig_mask(&own, "SigIgn:") & !bit(libc::SIGPIPE);
    // `cat` takes sockdiag's place and shows its own signal state as it starts.
    let args = [
        "probe",
        "-n",
        "--wait",
        "5s",
        "127.0.0.1",
        &port,
        "--",
        "cat",
        "/proc/self/status",
    ];
    for ignored in [false, true] {
        let mut c = util::command();
        c.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if ignored {
            // As a non-interactive shell starts a job in the background: SIGINT and
            // SIGTERM ignored.
            // SAFETY: signal() is async-signal-safe, fine between fork and exec.
            unsafe {
                use std::os::unix::process::CommandExt;
                c.pre_exec(|| {
                    libc::signal(libc::SIGINT, libc::SIG_IGN);
                    libc::signal(libc::SIGTERM, libc::SIG_IGN);
                    Ok(())
                });
            }
        }
        let (code, out, err) = finish(c.spawn().unwrap());
        assert_eq!(code, 0, "stderr: {err}");
        let expected = if ignored {
            given | bit(libc::SIGINT) | bit(libc::SIGTERM)
        } else {
            given
        };
        assert_eq!(
            sig_mask(&out, "SigIgn:"),
            expected,
            "ignored in the command (SIGINT, SIGTERM ignored for sockdiag: {ignored})"
        );
        assert_eq!(sig_mask(&out, "SigBlk:"), 0, "blocked in the command");
        assert_eq!(sig_mask(&out, "SigCgt:"), 0, "caught in the command");
    }
}
