//! `sockdiag http` against `sockdiag serve --http` and against test servers (threads here)
//! that answer with chunked, close-delimited, empty or garbage responses. Loopback only.
mod util;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::{Command, Stdio};
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
        (&["http", "--timeout", "0s", "http://127.0.0.1/"], "'0'"),
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
        let mut c = Command::new(env!("CARGO_BIN_EXE_sockdiag"))
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

#[test]
fn ctrl_c_during_count_prints_what_finished_and_exits_130() {
    let s = HttpServer::start();
    let url = format!("http://{}/", s.1);
    let mut c = Command::new(env!("CARGO_BIN_EXE_sockdiag"))
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
        let c = Command::new(env!("CARGO_BIN_EXE_sockdiag"))
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
