//! `sockdiag http` against `sockdiag serve --http` and against test servers (threads here)
//! that answer with chunked, close-delimited, empty or garbage responses. Loopback only.
use crate::util;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::Stdio;
use std::thread::JoinHandle;
use std::time::Duration;
use util::run;

/// A server thread for one connection: reads the request head, sends `parts` (with a short
/// pause between them, so the client sees partial reads), closes. Returns the request head.
fn one_shot(parts: Vec<&'static [u8]>) -> (SocketAddr, JoinHandle<String>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    let t = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut head = Vec::new();
        let mut b = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if s.read(&mut b).unwrap_or(0) == 0 {
                break;
            }
            head.push(b[0]);
        }
        for p in parts {
            let _ = s.write_all(p);
            std::thread::sleep(Duration::from_millis(20));
        }
        String::from_utf8_lossy(&head).into_owned()
    });
    (a, t)
}

fn json(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

fn timing_in_order(v: &Value) {
    let t = &v["timing_ms"];
    let phases = ["resolve", "connect", "written", "first_byte", "total"];
    let ms: Vec<f64> = phases
        .iter()
        .map(|p| t[p].as_f64().unwrap_or_else(|| panic!("{p} in {v}")))
        .collect();
    assert!(ms.windows(2).all(|w| w[0] <= w[1]), "phases in order: {t}");
}

#[test]
fn chunked_body_with_trailers() {
    let (a, t) = one_shot(vec![
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n",
        b"5\r\nhello\r\n",
        b"10;ext=x\r\n0123456789abcdef\r\n0\r\nX-Checksum: abc\r\n\r\n",
    ]);
    let url = format!("http://{a}/chunks");
    let (code, out, err) = run(&["http", "--json", "-H", "X-Test: yes", &url]);
    assert_eq!(code, 0, "{err}");
    let v = &json(&out)[0];
    assert_eq!(
        (v["status"].as_u64(), v["reason"].as_str()),
        (Some(200), Some("OK"))
    );
    assert_eq!(v["body_bytes"], 21);
    assert_eq!(v["framing"], "chunked");
    assert_eq!(v["trailers"]["x-checksum"], "abc");
    assert_eq!(v["headers"]["x-a"], "1");
    timing_in_order(v);
    let req = t.join().unwrap();
    assert!(req.starts_with("GET /chunks HTTP/1.1\r\n"), "{req}");
    assert!(req.contains(&format!("Host: {a}\r\n")), "{req}");
    assert!(req.contains("X-Test: yes\r\n"), "{req}");
}

#[test]
fn close_delimited_body() {
    let (a, _t) = one_shot(vec![
        b"HTTP/1.0 200 OK\r\nServer: old\r\n\r\nfirst part, ",
        b"second part",
    ]);
    let (code, out, err) = run(&["http", "--json", &format!("http://{a}/")]);
    assert_eq!(code, 0, "{err}");
    let v = &json(&out)[0];
    assert_eq!(
        (v["body_bytes"].as_u64(), v["framing"].as_str()),
        (Some(23), Some("close"))
    );
    assert_eq!(v["version"], "HTTP/1.0");
}

#[test]
fn garbage_is_a_clear_error_showing_what_came() {
    let (a, _t) = one_shot(vec![b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01"]);
    let (code, out, err) = run(&["http", &format!("http://{a}/")]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("bad response"), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("not an HTTP/1.x status line"), "{err}");
    assert!(
        err.contains(r#""SSH-2.0-OpenSSH_9.6\r\n\x00\x01""#),
        "{err}"
    );
    let (a, _t) = one_shot(vec![b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"]);
    let (code, out, _) = run(&["http", "--json", &format!("http://{a}/")]);
    assert_eq!(code, 1);
    let v = &json(&out)[0];
    assert_eq!(v["error"]["stage"], "response");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("after 5 of 100"),
        "{v}"
    );
}

#[test]
fn status_decides_the_exit_code_and_no_body_statuses_have_none() {
    let (a, _t) = one_shot(vec![
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno!",
    ]);
    let (code, out, _) = run(&["http", &format!("http://{a}/x")]);
    assert_eq!(code, 1);
    assert!(out.contains("\t404 Not Found\t3\t"), "{out}");
    // 204 and 304 end at the head even with a Content-Length and the connection left open.
    for head in [
        &b"HTTP/1.1 204 No Content\r\n\r\n"[..],
        b"HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n",
    ] {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let a = l.local_addr().unwrap();
        let t = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut b = [0u8; 1024];
            let _ = s.read(&mut b);
            s.write_all(head).unwrap();
            // Hold the connection: a client waiting for a body would time out.
            std::thread::sleep(Duration::from_secs(3));
        });
        let (code, out, err) = run(&["http", "--json", "--timeout", "2s", &format!("http://{a}/")]);
        assert_eq!(code, 0, "{err}");
        let v = &json(&out)[0];
        assert_eq!(
            (v["body_bytes"].as_u64(), v["framing"].as_str()),
            (Some(0), Some("none"))
        );
        drop(t);
    }
}

#[test]
fn refused_and_silent_servers() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, out, _) = run(&["http", "--json", &format!("http://127.0.0.1:{port}/")]);
    assert_eq!(code, 1);
    let v = &json(&out)[0];
    assert_eq!(v["error"]["stage"], "connect");
    assert_eq!(
        (v["error"]["state"].as_str(), v["error"]["reason"].as_str()),
        (Some("closed"), Some("conn-refused"))
    );
    assert_eq!(v["error"]["errno"], "ECONNREFUSED");
    assert!(v["status"].is_null() && v["timing_ms"]["connect"].is_null());
    // Accepts, reads, never answers: the deadline ends it.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    let (code, out, err) = run(&["http", "--timeout", "300ms", &format!("http://{a}/")]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("\ttimeout\t"), "{out}");
    assert!(err.contains("no complete response within 300ms"), "{err}");
    drop(l);
}

#[test]
fn bad_urls_exit_2_quoting_the_bad_part() {
    let cases: &[(&[&str], &str)] = &[
        (&["http", "http://127.0.0.1:0/"], "'0'"),
        (&["http", "http://127.0.0.1:99999/"], "'99999'"),
        (&["http", "gopher://127.0.0.1/"], "'gopher'"),
        (&["http", "http://a..b/"], "'a..b'"),
        (&["http", "http://[::1/"], "'[::1'"),
        (&["http", "-H", "NoColon", "http://127.0.0.1/"], "'NoColon'"),
        (&["http", "--timeout", "0s", "http://127.0.0.1/"], "'0s'"),
    ];
    for (args, quoted) in cases {
        let (code, out, err) = run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(out, "");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.contains(quoted),
            "{args:?}: {err} should contain {quoted}"
        );
    }
}

/// `sockdiag serve --http` on a free port, stopped by PID when dropped.
struct HttpServer(std::process::Child, SocketAddr);

impl HttpServer {
    fn start() -> HttpServer {
        let mut c = util::command()
            .args(["serve", "--json", "--http", "0"])
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let mut r = BufReader::new(c.stdout.take().unwrap());
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        let v: Value = serde_json::from_str(&line).unwrap();
        let a = v["addr"].as_str().unwrap().parse().unwrap();
        // Keep draining the log.
        std::thread::spawn(move || for _ in r.lines() {});
        HttpServer(c, a)
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn against_serve_http() {
    let s = HttpServer::start();
    let url = format!("http://{}/health", s.1);
    let (code, out, err) = run(&["http", "--json", &url]);
    assert_eq!(code, 0, "{err}");
    let v = &json(&out)[0];
    assert_eq!(v["status"], 200);
    let len: u64 = v["headers"]["content-length"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(v["body_bytes"].as_u64(), Some(len));
    assert_eq!(v["framing"], "content-length");
    timing_in_order(v);
    let (code, out, _) = run(&["http", "--json", "--head", &url]);
    assert_eq!(code, 0);
    let v = &json(&out)[0];
    assert_eq!(
        (v["method"].as_str(), v["body_bytes"].as_u64()),
        (Some("HEAD"), Some(0))
    );
    let (code, out, _) = run(&["http", "--json", "--count", "3", "--interval", "10ms", &url]);
    assert_eq!(code, 0);
    let lines = json(&out);
    assert_eq!(lines.len(), 4, "{out}");
    let stats = &lines[3];
    assert_eq!(stats["type"], "http-stats");
    assert_eq!(
        (stats["count"].as_u64(), stats["ok"].as_u64()),
        (Some(3), Some(3))
    );
    let c = &stats["timing_ms"]["connect"];
    assert!(c["min"].as_f64() <= c["avg"].as_f64() && c["avg"].as_f64() <= c["max"].as_f64());
    // -v shows both heads, curl style, before the record.
    let (code, out, _) = run(&["http", "-v", &url]);
    assert_eq!(code, 0);
    assert!(
        out.contains("> GET /health HTTP/1.1\n") && out.contains("< HTTP/1.1 200 OK\n"),
        "{out}"
    );
    assert!(out.contains("< Content-Length: "), "{out}");
}

/// Issue 10: `--count` in a table shows each request as it completes, on a live line on the
/// terminal, cleared before the table.
#[test]
fn count_in_a_table_shows_each_request_on_a_live_line() {
    let s = HttpServer::start();
    let url = format!("http://{}/", s.1);
    let (master, slave) = util::pty(80, 24);
    let reader = util::read_pty(master);
    let out = util::command()
        .args([
            "http",
            "--format",
            "table",
            "--count",
            "3",
            "--interval",
            "10ms",
            &url,
        ])
        .stdin(Stdio::null())
        .stderr(slave)
        .output()
        .unwrap();
    let err = reader.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{err}");
    for i in 1..=3 {
        assert!(
            err.contains(&format!("request {i} of 3: 200 OK")),
            "{err:?}"
        );
    }
    assert!(err.ends_with("\r\x1b[2K"), "the live line stays: {err:?}");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("PHASE"), "{table}");
    // Not on a terminal: no live line at all.
    let (code, _, err) = run(&[
        "http",
        "--format",
        "table",
        "--count",
        "2",
        "--interval",
        "10ms",
        &url,
    ]);
    assert_eq!(code, 0);
    assert!(!err.contains("request 1"), "{err}");
}

#[test]
fn ctrl_c_during_count_prints_what_finished_and_exits_130() {
    let s = HttpServer::start();
    let url = format!("http://{}/", s.1);
    let mut c = util::command()
        .args(["http", "--json", "--count", "50", "--interval", "10s", &url])
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let mut r = BufReader::new(c.stdout.take().unwrap());
    let mut first = String::new();
    r.read_line(&mut first).unwrap();
    assert_eq!(json(&first)[0]["status"], 200);
    // SAFETY: our own child's PID.
    assert_eq!(unsafe { libc::kill(c.id() as i32, libc::SIGINT) }, 0);
    let mut rest = String::new();
    r.read_to_string(&mut rest).unwrap();
    let st = c.wait().unwrap();
    assert_eq!(st.code(), Some(130));
    let v = json(&rest);
    assert_eq!(v.len(), 1, "{rest}");
    assert_eq!(
        (v[0]["type"].as_str(), v[0]["count"].as_u64()),
        (Some("http-stats"), Some(1))
    );
}

/// Regression: Ctrl-C while waiting on a silent server used to wait out the whole
/// `--timeout` and then exit 1; it must stop the exchange at once and exit 130.
#[test]
fn ctrl_c_while_the_server_is_silent_exits_130_at_once() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    // Accept and hold both connections (and the listener), never answering.
    let holder = std::thread::spawn(move || {
        let held: Vec<_> = (0..2).filter_map(|_| l.accept().ok()).collect();
        (l, held)
    });
    for scheme in ["http", "https"] {
        let url = format!("{scheme}://{a}/");
        let c = util::command()
            .args(["http", "--json", "--timeout", "20s", &url])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(500));
        let sent = std::time::Instant::now();
        // SAFETY: our own child's PID.
        assert_eq!(unsafe { libc::kill(c.id() as i32, libc::SIGINT) }, 0);
        let out = c.wait_with_output().unwrap();
        assert!(
            sent.elapsed() < Duration::from_secs(5),
            "{scheme}: took {:?} after Ctrl-C",
            sent.elapsed()
        );
        assert_eq!(out.status.code(), Some(130), "{scheme}");
        // The cut-short exchange is not reported as an answer.
        assert!(out.stdout.is_empty(), "{scheme}: {:?}", out.stdout);
    }
    drop(holder.join().unwrap());
}

/// A literal of the other family: no traffic, a resolve-stage failure naming it once.
#[test]
fn literal_of_the_other_family_fails_at_resolve() {
    let (code, out, err) = run(&["http", "-4", "--json", "http://[::1]:1/"]);
    assert_eq!(code, 1, "{out}{err}");
    let v = &json(&out)[0];
    assert_eq!(v["error"]["stage"], "resolve", "{v}");
    assert_eq!(
        v["error"]["message"],
        "::1 is not an address of the family asked for"
    );
    assert!(v["timing_ms"]["resolve"].is_f64() && v["timing_ms"]["connect"].is_null());
}

/// Regression (issue 18, bug 2): an interim 1xx response, a pause, then the real answer in a
/// later segment used to fail with "a response head longer than 64 KiB" (the input buffer
/// was reset while the next head's start still pointed into it). curl gives 200.
#[test]
fn interim_responses_then_the_answer_in_a_later_segment() {
    for interim in [
        &b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload; as=style\r\n\r\n"[..],
        b"HTTP/1.1 100 Continue\r\n\r\n",
    ] {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let a = l.local_addr().unwrap();
        let t = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut b = [0u8; 1024];
            let _ = s.read(&mut b);
            s.write_all(interim).unwrap();
            // The pause puts the answer in a later segment, read by a later read().
            std::thread::sleep(Duration::from_millis(150));
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .unwrap();
        });
        let (code, out, err) = run(&["http", "--json", "--timeout", "5s", &format!("http://{a}/")]);
        assert_eq!(code, 0, "{out}{err}");
        let v = &json(&out)[0];
        assert_eq!(
            (v["status"].as_u64(), v["body_bytes"].as_u64()),
            (Some(200), Some(2)),
            "{v}"
        );
        t.join().unwrap();
    }
}

/// The peak RSS (KiB) of process `pid` once it runs sockdiag, read from /proc/PID/status
/// (VmHWM) every 2 ms until it exits. Not wait4's ru_maxrss: that keeps the peak of the
/// memory image the child had before exec, a copy of this test process (one crate of
/// every integration test, 100-200 MB while the lab tests run beside it).
fn peak_rss_kib(pid: u32) -> i64 {
    let until = std::time::Instant::now() + Duration::from_secs(120);
    let mut peak = 0;
    while std::time::Instant::now() < until {
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            break;
        };
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(str::trim)
        };
        if field("Name:") == Some("sockdiag") {
            // No VmHWM once it has exited (a zombie has no memory left).
            match field("VmHWM:").and_then(|v| v.trim_end_matches("kB").trim().parse().ok()) {
                Some(kib) => peak = peak.max(kib),
                None => break,
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    peak
}

/// sockdiag with `args`, its address space capped (so a regression cannot take the machine's
/// memory): exit code, stdout, stderr, wall time and peak RSS in KiB.
fn run_measured(args: &[&str]) -> (i32, String, String, Duration, i64) {
    use std::os::unix::process::CommandExt;
    let mut c = util::command();
    c.args(args)
        .env_clear()
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: only setrlimit (async-signal-safe) between fork and exec.
    unsafe {
        c.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 2 << 30,
                rlim_max: 2 << 30,
            };
            libc::setrlimit(libc::RLIMIT_AS, &lim);
            Ok(())
        });
    }
    let start = std::time::Instant::now();
    let mut child = c.spawn().unwrap();
    let child_pid = child.id();
    let rss_t = std::thread::spawn(move || peak_rss_kib(child_pid));
    let (mut so, mut se) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = se.read_to_string(&mut s);
        s
    });
    let mut out = String::new();
    let _ = so.read_to_string(&mut out);
    let status = child.wait().unwrap();
    let elapsed = start.elapsed();
    let code = status.code().unwrap_or(-1);
    // 0 when it ended within a reading's 2 ms of its exec: too soon to have grown.
    let rss = rss_t.join().unwrap();
    (code, out, err_t.join().unwrap(), elapsed, rss)
}

/// A server that answers `head` and then sends `unit` over and over until the client goes
/// (or 20 s pass), the writes aligned on `unit`.
fn endless(head: &'static [u8], unit: &'static [u8]) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut b = [0u8; 1024];
        let _ = s.read(&mut b);
        let _ = s.write_all(head);
        let end = std::time::Instant::now() + Duration::from_secs(20);
        let mut batch = Vec::new();
        while batch.len() < 64 * 1024 {
            batch.extend_from_slice(unit);
        }
        while std::time::Instant::now() < end {
            // Line-aligned writes: each ends where a unit ends.
            if s.write_all(&batch).is_err() {
                break;
            }
        }
    });
    a
}

/// Regression (issue 18, bug 3): endless trailers, an endless header flood in line-aligned
/// writes, endless interim responses and an endless chunk-size line each grew memory without
/// bound (1.7 GB in 3 s). Each part of a response now has a limit: the exchange ends well
/// before the timeout with a clear error, in little memory.
#[test]
fn hostile_servers_that_never_stop_end_in_bounded_time_and_memory() {
    let cases: [(&'static [u8], &'static [u8], &str); 5] = [
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n",
            b"X-Trailer: aaaaaaaaaaaaaaaa\r\n",
            "trailer",
        ),
        (
            b"HTTP/1.1 200 OK\r\n",
            b"X-Flood: aaaaaaaaaaaaaaaaaaaaaaa\r\n",
            "head",
        ),
        (b"", b"HTTP/1.1 100 Continue\r\n\r\n", "interim"),
        (
            b"",
            b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n",
            "interim",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1",
            b"0000000000000000",
            "chunk-size line",
        ),
    ];
    for (head, unit, want) in cases {
        let a = endless(head, unit);
        let (code, out, err, took, rss_kib) =
            run_measured(&["http", "--json", "--timeout", "8s", &format!("http://{a}/")]);
        assert_eq!(code, 1, "{want}: {out}{err}");
        assert!(took < Duration::from_secs(4), "{want}: took {took:?}");
        assert!(rss_kib < 64 * 1024, "{want}: peak RSS {rss_kib} KiB");
        let v = &json(&out)[0];
        assert_eq!(v["error"]["stage"], "response", "{want}: {v}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains(want) && msg.contains("limit"), "{want}: {msg}");
    }
}

/// Bug 3's other half: a body that never ends (or a trickle of bytes) is cut by --timeout,
/// which bounds the whole exchange, and the body is counted, not kept.
#[test]
fn an_endless_body_is_cut_by_the_timeout_in_little_memory() {
    for (head, unit) in [
        (&b"HTTP/1.1 200 OK\r\n\r\n"[..], &b"0123456789abcdef"[..]),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"10\r\n0123456789abcdef\r\n",
        ),
    ] {
        let a = endless(head, unit);
        let (code, out, err, took, rss_kib) = run_measured(&[
            "http",
            "--json",
            "--timeout",
            "1500ms",
            &format!("http://{a}/"),
        ]);
        assert_eq!(code, 1, "{out}{err}");
        assert!(
            (Duration::from_millis(1400)..Duration::from_secs(4)).contains(&took),
            "took {took:?}"
        );
        assert!(rss_kib < 64 * 1024, "peak RSS {rss_kib} KiB");
        let v = &json(&out)[0];
        assert_eq!(v["error"]["stage"], "response", "{v}");
        assert!(v["body_bytes"].as_u64().unwrap() > 0, "{v}");
    }
    // A trickle: one header byte every 100 ms never completes the head.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\n");
        for _ in 0..100 {
            std::thread::sleep(Duration::from_millis(100));
            if s.write_all(b"X").is_err() {
                break;
            }
        }
    });
    let (code, out, _, took, _) =
        run_measured(&["http", "--json", "--timeout", "1s", &format!("http://{a}/")]);
    assert_eq!(code, 1, "{out}");
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert!(json(&out)[0]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no complete response within 1s"));
}

/// Issue 18: a response that fails mid-body keeps its status, headers and the bytes received
/// in the report (JSON and table), with the failure.
#[test]
fn a_failure_mid_body_keeps_status_headers_and_bytes() {
    // A 10 GB Content-Length that never arrives: the timeout ends it.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    let t = std::thread::spawn(move || {
        let held: Vec<_> = (0..2)
            .map(|_| {
                let (mut s, _) = l.accept().unwrap();
                let mut b = [0u8; 1024];
                let _ = s.read(&mut b);
                let _ = s.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\nX-Kept: yes\r\n\r\nhello",
                );
                // Held open, never sending the rest.
                s
            })
            .collect();
        std::thread::sleep(Duration::from_millis(1000));
        drop(held);
    });
    let url = format!("http://{a}/big");
    let (code, out, err) = run(&["http", "--json", "--timeout", "700ms", &url]);
    assert_eq!(code, 1, "{out}{err}");
    let v = &json(&out)[0];
    assert_eq!(
        (v["status"].as_u64(), v["reason"].as_str()),
        (Some(200), Some("OK")),
        "{v}"
    );
    assert_eq!(v["headers"]["x-kept"], "yes", "{v}");
    assert_eq!(v["body_bytes"], 5, "{v}");
    assert_eq!(v["framing"], "content-length", "{v}");
    assert_eq!(v["error"]["stage"], "response", "{v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("no complete response within 700ms") && msg.contains("5 of 10000000000"),
        "{msg}"
    );
    // The table shows the status and the bytes, marked incomplete.
    let (code, out, _) = run(&["http", "--timeout", "700ms", &url]);
    assert_eq!(code, 1);
    assert!(out.contains("\t200 OK (incomplete)\t5\t"), "{out}");
    t.join().unwrap();

    // A reset mid-body.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    let t = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut b = [0u8; 1024];
        let _ = s.read(&mut b);
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nX-Kept: yes\r\n\r\n0123456789")
            .unwrap();
        std::thread::sleep(Duration::from_millis(200));
        socket2::SockRef::from(&s)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        drop(s);
    });
    let (code, out, err) = run(&["http", "--json", "--timeout", "5s", &format!("http://{a}/")]);
    assert_eq!(code, 1, "{out}{err}");
    let v = &json(&out)[0];
    assert_eq!(v["status"], 200, "{v}");
    assert_eq!(v["headers"]["x-kept"], "yes", "{v}");
    assert_eq!(v["body_bytes"], 10, "{v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains("reset") && msg.contains("10 of 100"), "{msg}");
    t.join().unwrap();
}

/// Issue 18, bug 1 (http's side): a server that accepts and resets at once. The handshake
/// completed, so the connect stage succeeded: the failure belongs to a later stage, never
/// "connect, local error".
#[test]
fn accept_then_reset_is_not_a_connect_failure() {
    const N: usize = 20;
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    let t = std::thread::spawn(move || {
        for _ in 0..N {
            let Ok((s, _)) = l.accept() else { return };
            socket2::SockRef::from(&s)
                .set_linger(Some(Duration::ZERO))
                .unwrap();
            drop(s);
        }
    });
    for i in 0..N {
        let (code, out, err) = run(&["http", "--json", "--timeout", "3s", &format!("http://{a}/")]);
        assert_eq!(code, 1, "{out}{err}");
        let v = &json(&out)[0];
        assert_ne!(v["error"]["stage"], "connect", "run {i}: {v}");
        assert!(v["timing_ms"]["connect"].is_number(), "run {i}: {v}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(
            msg.contains("reset") || msg.contains("closed"),
            "run {i}: {msg}"
        );
    }
    t.join().unwrap();
}
