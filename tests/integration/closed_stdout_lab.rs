//! A closed stdout stops the work at once (issue 18, bug 10): `probe --json ... | head -1`
//! ran the whole scan. Each test starts a run that would take long (dropped ports, a
//! resolver that never answers, many rounds), takes what it wants of stdout (a line, or
//! nothing) and closes it; the run must end soon after, with exit 0 and nothing on stderr,
//! as the README's exit-code section says. All inside a namespace of the test's own.
use crate::lab;
use lab::{sockdiag_bin, Ns};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How soon after its reader left a run must end.
const PROMPT: Duration = Duration::from_secs(3);

/// Runs sockdiag ARGS in `ns`, reads `lines` lines of stdout (waiting at most 10 s for
/// them), closes stdout and waits for the end: how long the end took after the close, the
/// exit code, stderr, and the lines read.
fn close_after(
    ns: &Ns,
    args: &[&str],
    lines: usize,
) -> (Duration, Option<i32>, String, Vec<String>) {
    let mut child = ns
        .cmd(sockdiag_bin())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sockdiag");
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut r = BufReader::new(out);
        for _ in 0..lines {
            let mut l = String::new();
            if r.read_line(&mut l).unwrap_or(0) == 0 {
                break;
            }
            let _ = tx.send(l);
        }
        // Dropping the reader closes our end of the pipe: the reader has left.
    });
    let mut got = Vec::new();
    for _ in 0..lines {
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(l) => got.push(l),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{args:?}: no line {} of stdout within 10 s: {e}",
                    got.len() + 1
                );
            }
        }
    }
    reader.join().unwrap();
    let closed = Instant::now();
    let code = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st.code();
        }
        if closed.elapsed() > Duration::from_secs(15) {
            // `timeout` passes SIGTERM on to sockdiag.
            // SAFETY: a plain kill(2) of a process this test started.
            unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let took = closed.elapsed();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    (took, code, err, got)
}

fn assert_prompt(what: &str, (took, code, err, _): &(Duration, Option<i32>, String, Vec<String>)) {
    assert!(
        *took < PROMPT,
        "{what}: ended {took:?} after its reader left"
    );
    assert_eq!(*code, Some(0), "{what}: {err}");
    assert_eq!(err, "", "{what}: nothing on stderr");
}

/// `probe --json ... | head -1` over ports that are dropped: 900 of them, 10 at a time,
/// 1 s each, would take 90 s.
#[test]
fn probe_json_stops_when_the_reader_leaves_after_one_line() {
    let Some(ns) = Ns::new("stdout-probe") else {
        return;
    };
    ns.nft("table inet t {\n chain in {\n type filter hook input priority 0;\n tcp dport 100-1000 drop\n }\n}\n");
    let args = [
        "probe",
        "--json",
        "--retries",
        "0",
        "--timeout",
        "1s",
        "--concurrency",
        "10",
        "127.0.0.1",
        "1-1000",
    ];
    let r = close_after(&ns, &args, 1);
    assert!(r.3[0].contains("\"type\":\"probe\""), "{:?}", r.3);
    assert_prompt("probe --json", &r);
}

/// A reader that leaves without reading anything, while the output is held for the end
/// (plain and table): the run still stops at once, also in the pauses of `--count`.
#[test]
fn probe_and_count_modes_stop_when_the_reader_leaves_without_reading() {
    let Some(ns) = Ns::new("stdout-count") else {
        return;
    };
    ns.nft("table inet t {\n chain in {\n type filter hook input priority 0;\n tcp dport 100-1000 drop\n }\n}\n");
    let runs: &[&[&str]] = &[
        // 90 s of dropped ports, results held for the end.
        &[
            "probe",
            "--format",
            "plain",
            "--retries",
            "0",
            "--concurrency",
            "10",
            "127.0.0.1",
            "100-1000",
        ],
        &[
            "probe",
            "--format",
            "table",
            "--retries",
            "0",
            "--concurrency",
            "10",
            "127.0.0.1",
            "100-1000",
        ],
        // 100 rounds 100 ms apart: 10 s.
        &[
            "probe",
            "--format",
            "plain",
            "--count",
            "100",
            "--interval",
            "100ms",
            "127.0.0.1",
            "1",
        ],
        &[
            "probe",
            "--json",
            "--count",
            "100",
            "--interval",
            "100ms",
            "127.0.0.1",
            "1",
        ],
        // --wait on a closed port: 20 s.
        &[
            "probe",
            "--format",
            "plain",
            "--wait",
            "20s",
            "--interval",
            "100ms",
            "127.0.0.1",
            "1",
        ],
        // http --count against a closed port, 100 ms apart: 10 s.
        &[
            "http",
            "-q", // a failed exchange is otherwise also said on stderr
            "--format",
            "table",
            "--count",
            "100",
            "--interval",
            "100ms",
            "http://127.0.0.1:1/",
        ],
        &[
            "http",
            "--json",
            "--count",
            "100",
            "--interval",
            "100ms",
            "http://127.0.0.1:1/",
        ],
    ];
    for args in runs {
        let r = close_after(&ns, args, 0);
        assert_prompt(&args.join(" "), &r);
    }
}

/// `resolve --json` of many names whose lookups time out (the resolver's port is dropped):
/// records stream in input order as they finish, and the first failed write stops the rest.
#[test]
fn resolve_streams_and_stops_when_the_reader_leaves() {
    let Some(ns) = Ns::new("stdout-resolve") else {
        return;
    };
    ns.write_etc(
        "hosts",
        "127.0.0.1 localhost\n192.0.2.1 first.sockdiag.test\n",
    );
    ns.write_etc(
        "resolv.conf",
        "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
    );
    ns.nft("table inet t {\n chain in {\n type filter hook input priority 0;\n udp dport 53 drop\n tcp dport 53 drop\n }\n}\n");
    // One at a time, 20 names of about 1 s each after the first: 20 s.
    let mut args = vec![
        "resolve",
        "--json",
        "--no-reverse",
        "--jobs",
        "1",
        "-4",
        "first.sockdiag.test",
    ];
    let names: Vec<String> = (0..20).map(|i| format!("slow{i}.sockdiag.test")).collect();
    args.extend(names.iter().map(String::as_str));
    let r = close_after(&ns, &args, 1);
    assert!(r.3[0].contains("first.sockdiag.test"), "{:?}", r.3);
    assert_prompt("resolve --json", &r);
    // Table output is held for the end: a reader that leaves without reading stops it too.
    args[1] = "--format=table";
    let r = close_after(&ns, &args, 0);
    assert_prompt("resolve --format table", &r);
}
