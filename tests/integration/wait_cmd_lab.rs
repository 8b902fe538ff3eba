//! `sockdiag probe --wait D NAME PORT -- CMD` when NAME does not resolve yet (a compose
//! container not created yet, a DNS record being published): the wait goes on, the name is
//! looked up again each round, and CMD runs once it resolves and the port is open; a name
//! that never resolves ends the wait with exit 1 and CMD not run. The resolver is dnsmasq in
//! the test's own namespace (no upstream), its names in an `--addn-hosts` file the test
//! fills while sockdiag waits (SIGHUP makes dnsmasq read it again).
use crate::{lab, util};

use lab::{sockdiag_bin, Ns};
use std::net::IpAddr;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Each run gets this long before the test stops it (SIGTERM through `timeout`) and fails.
const LIMIT: Duration = Duration::from_secs(12);

const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

fn spawn(ns: &Ns, args: &[&str]) -> Child {
    ns.cmd(sockdiag_bin())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sockdiag")
}

/// Waits for the child (stopping it past `LIMIT`): (exit code, stdout, stderr). The child is
/// `timeout`, which passes SIGTERM on to sockdiag inside the namespace.
fn finish(child: Child) -> (i32, String, String) {
    util::finish_within(child, LIMIT, libc::SIGTERM)
}

/// `sh -c` writing `ran` to `marker`.
fn marker_cmd(marker: &Path) -> [String; 4] {
    [
        "sh".into(),
        "-c".into(),
        r#"echo ran > "$0""#.into(),
        marker.to_str().unwrap().into(),
    ]
}

/// A namespace with dnsmasq answering from `hosts` (an `--addn-hosts` file, empty for now)
/// and a listener on 127.0.0.1: the namespace, dnsmasq's pid, the listener and its port.
fn lab(tag: &str, hosts: &Path) -> Option<(Ns, u32, std::net::TcpListener, String)> {
    let ns = Ns::new(tag)?;
    std::fs::write(hosts, "").unwrap();
    let pid = ns.dnsmasq(&[&format!("--addn-hosts={}", hosts.display())]);
    let l = ns.listen(LOOPBACK, &[0]).pop().unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    Some((ns, pid, l, port))
}

#[test]
fn a_name_that_resolves_late_is_waited_for_and_then_the_command_runs() {
    let dir = tempfile::tempdir().unwrap();
    let hosts = dir.path().join("hosts");
    let Some((ns, dnsmasq, _l, port)) = lab("wait-late-name", &hosts) else {
        return;
    };
    let name = "late.sockdiag.test";
    let marker = dir.path().join("ran");
    // The name first, and an address that is open from the first round on.
    let targets = format!("{name},127.0.0.1");
    let mut args = vec![
        "probe",
        "-v",
        "--wait",
        "10s",
        "--interval",
        "100ms",
        &targets,
        &port,
        "--",
    ];
    let cmd = marker_cmd(&marker);
    args.extend(cmd.iter().map(String::as_str));
    let child = spawn(&ns, &args);
    std::thread::sleep(Duration::from_secs(1));
    assert!(!marker.exists(), "the command ran before the name resolved");
    // The record is published: dnsmasq reads its hosts file again on SIGHUP.
    std::fs::write(&hosts, format!("127.0.0.1 {name}\n")).unwrap();
    // SAFETY: a signal to the dnsmasq this test started, by its pid.
    assert_eq!(unsafe { libc::kill(dnsmasq as i32, libc::SIGHUP) }, 0);
    let published = Instant::now();
    let (code, out, err) = finish(child);
    assert_eq!(code, 0, "stderr: {err}");
    assert_eq!(out, "", "stdout is the command's, and it wrote nothing");
    assert_eq!(
        std::fs::read_to_string(&marker).expect("the command ran"),
        "ran\n"
    );
    assert!(
        published.elapsed() < Duration::from_secs(3),
        "the command ran {:?} after the name resolved",
        published.elapsed()
    );
    // Said once, not once a round (ten rounds went by meanwhile).
    let waiting = format!("sockdiag: waiting for {name} to resolve (no such name)");
    assert_eq!(err.matches(&waiting).count(), 1, "{err}");
    // -v: when it did, and to what.
    assert!(
        err.lines().any(
            |l| l.starts_with(&format!("sockdiag: {name} resolved after "))
                && l.ends_with(": 127.0.0.1")
        ),
        "{err}"
    );
    // The results, on stderr: the port open on both, in the order given.
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.contains(&format!("\t{port}\ttcp\topen\t")))
        .collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with(&format!("{name}\t127.0.0.1\t")),
        "{err}"
    );
    assert!(lines[1].starts_with("127.0.0.1\t127.0.0.1\t"), "{err}");
}

#[test]
fn a_name_that_never_resolves_ends_the_wait_with_exit_1_and_the_command_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let hosts = dir.path().join("hosts");
    let Some((ns, _, _l, port)) = lab("wait-never-name", &hosts) else {
        return;
    };
    let name = "never.sockdiag.test";
    let marker = dir.path().join("ran");
    let cmd = marker_cmd(&marker);
    for quiet in [false, true] {
        let mut args = vec!["probe", "--wait", "1s", "--interval", "200ms"];
        if quiet {
            args.push("-q");
        }
        args.extend([name, &port, "--"]);
        args.extend(cmd.iter().map(String::as_str));
        let started = Instant::now();
        let (code, out, err) = finish(spawn(&ns, &args));
        assert_eq!(code, 1, "stderr: {err}");
        assert!(started.elapsed() >= Duration::from_secs(1), "{err}");
        assert!(
            !marker.exists(),
            "the command ran for a name that never resolved"
        );
        assert_eq!(out, "");
        // Even with -q: why the command did not run.
        assert_eq!(
            err.lines().last().unwrap(),
            format!(
                "sockdiag: {name} never resolved in 1s (no such name): not running sh -c \
                 'echo ran > \"$0\"' {}",
                marker.display()
            ),
            "{err}"
        );
    }

    // --wait without a command: the same wait, then the same word, exit 1.
    let started = Instant::now();
    let (code, out, err) = finish(spawn(
        &ns,
        &["probe", "--wait", "1s", "--interval", "200ms", name, &port],
    ));
    assert_eq!(code, 1, "stderr: {err}");
    assert!(started.elapsed() >= Duration::from_secs(1), "{err}");
    assert_eq!(out, "");
    assert!(
        err.lines()
            .any(|l| l == format!("sockdiag: {name} never resolved in 1s (no such name)")),
        "{err}"
    );

    // Without --wait, nothing changes: one lookup, and nothing to probe is exit 3 at once.
    let started = Instant::now();
    let (code, _, err) = finish(spawn(&ns, &["probe", name, &port]));
    assert_eq!(code, 3, "stderr: {err}");
    assert!(started.elapsed() < Duration::from_secs(1), "{err}");
    assert!(
        err.contains(&format!("sockdiag: {name}: no such name")),
        "{err}"
    );
}

#[test]
fn a_silent_resolver_does_not_stretch_the_wait() {
    let Some(ns) = Ns::new("wait-silent-dns") else {
        return;
    };
    // A resolver that takes every query and never answers; each lookup gives up after 2 s.
    ns.write_etc(
        "resolv.conf",
        "nameserver 127.0.0.1\noptions timeout:2 attempts:1\n",
    );
    let _dns = ns.enter(|| std::net::UdpSocket::bind("127.0.0.1:53").unwrap());
    let l = ns.listen(LOOPBACK, &[0]).pop().unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let started = Instant::now();
    let (code, out, err) = finish(spawn(
        &ns,
        &[
            "probe",
            "--wait",
            "1s",
            "--interval",
            "200ms",
            "silent.sockdiag.test",
            &port,
            "--",
            "true",
        ],
    ));
    let took = started.elapsed();
    assert_eq!(code, 1, "stderr: {err}");
    assert_eq!(out, "");
    // The lookups are part of the wait: 1 s, not 1 s after a first lookup of 2 s, and not
    // 2 s more for a lookup that began before the wait ran out.
    assert!(took < Duration::from_millis(1800), "took {took:?}: {err}");
    assert!(
        err.lines().last().unwrap().starts_with(
            "sockdiag: silent.sockdiag.test never resolved in 1s (temporary failure: "
        ),
        "{err}"
    );
}
