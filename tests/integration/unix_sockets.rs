//! UNIX sockets from the outside: `connect unix:` / `unixgram:` against `serve` and against
//! small servers in the test, every way a connect fails, and `serve`'s socket file (made,
//! replaced when stale, refused when live, removed at exit). Sockets live in a temporary
//! directory; abstract names carry the test's pid. Nothing leaves the host.
use crate::util;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixDatagram, UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(10);

fn tempdir() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    // Searchable by others, for the test that runs sockdiag as another user.
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    d
}

fn uid() -> u32 {
    // SAFETY: getuid has no preconditions.
    unsafe { libc::getuid() }
}

/// `sockdiag serve --json ARGS...`, its events read as they come.
struct Serve {
    child: Child,
    rx: Receiver<Value>,
    seen: Vec<Value>,
}

impl Serve {
    fn start(args: &[&str]) -> Serve {
        let mut child = util::command()
            .arg("serve")
            .arg("--json")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn sockdiag serve");
        let out = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                let v: Value = serde_json::from_str(&line).expect("JSON");
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        let mut s = Serve {
            child,
            rx,
            seen: Vec::new(),
        };
        let n = args
            .iter()
            .filter(|a| a.starts_with("unix:") || a.starts_with("unixgram:"))
            .count();
        for _ in 0..n {
            s.next(|v| v["type"] == "listening");
        }
        s
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    fn next(&mut self, want: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.seen.iter().position(&want) {
            return self.seen.remove(i);
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(v) if want(&v) => return v,
                Ok(v) => self.seen.push(v),
                Err(e) => panic!("no matching event ({e}); seen: {:#?}", self.seen),
            }
        }
    }

    fn signal(&self, sig: i32) {
        // SAFETY: our own child's PID.
        assert_eq!(unsafe { libc::kill(self.pid(), sig) }, 0);
    }

    /// Waits for the process to end by itself; its exit code and stderr.
    fn wait_exit(&mut self) -> (i32, String) {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                let mut err = String::new();
                let _ = self.child.stderr.take().unwrap().read_to_string(&mut err);
                return (st.code().unwrap_or(-1), err);
            }
            assert!(Instant::now() < deadline, "server did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `sockdiag connect --json ARGS...`: (exit code, the record, stderr, the child's pid).
fn connect(args: &[&str]) -> (i32, Value, String, u32) {
    connect_with(util::command(), args)
}

fn connect_with(mut cmd: std::process::Command, args: &[&str]) -> (i32, Value, String, u32) {
    let child = cmd
        .arg("connect")
        .arg("--json")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sockdiag connect");
    let pid = child.id();
    let out = wait_bounded(child);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let rec = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("not one JSON record ({e}): {stdout:?} / {stderr}"));
    (out.status.code().unwrap_or(-1), rec, stderr, pid)
}

/// The child's output, killed if it outlives the bound.
fn wait_bounded(child: Child) -> Output {
    util::output_within(child, WAIT, libc::SIGKILL)
}

fn arg(kind: &str, p: &Path) -> String {
    format!("{kind}:{}", p.display())
}

#[test]
fn stream_round_trip_against_serve_echo_with_peer_credentials() {
    let dir = tempdir();
    let path = dir.path().join("echo.sock");
    let a = arg("unix", &path);
    let mut serve = Serve::start(&[&a]);
    let (code, rec, err, pid) = connect(&[&a, "--send", "hello unix"]);
    assert_eq!(code, 0, "{rec} {err}");
    assert_eq!(rec["proto"], "unix");
    assert_eq!(rec["port"], Value::Null);
    assert_eq!(
        (rec["state"].as_str(), rec["reason"].as_str()),
        (Some("open"), Some("connected"))
    );
    assert_eq!(rec["data"], "hello unix");
    assert_eq!(rec["read_end"], "quiet");
    assert_eq!(rec["peer_unix"], path.display().to_string());
    assert!(
        rec.get("local_unix").is_none(),
        "a stream client is unnamed: {rec}"
    );
    assert_eq!(rec["tcp_info"], Value::Null);
    // SO_PEERCRED: the serve process, as the test spawned it.
    assert_eq!(rec["peer_cred"]["pid"], serve.pid());
    assert_eq!(rec["peer_cred"]["uid"], uid());
    assert_eq!(rec["peer_cred"]["comm"], "sockdiag");
    // And the server sees the client's process.
    let acc = serve.next(|v| v["event"] == "accepted");
    assert_eq!(acc["proto"], "unix");
    assert_eq!(acc["local"], path.display().to_string());
    assert_eq!(acc["peer_cred"]["pid"], pid);
    assert_eq!(acc["peer"], format!("pid={pid},uid={}", uid()));
    let closed = serve.next(|v| v["event"] == "closed");
    assert_eq!(
        (closed["bytes_in"].as_u64(), closed["end"].as_str()),
        (Some(10), Some("peer-closed"))
    );
}

#[test]
fn datagram_round_trip_against_serve_echo() {
    let dir = tempdir();
    let path = dir.path().join("dg.sock");
    let a = arg("unixgram", &path);
    let mut serve = Serve::start(&[&a]);
    let (code, rec, err, pid) = connect(&[&a, "--send", "one datagram"]);
    assert_eq!(code, 0, "{rec} {err}");
    assert_eq!(rec["proto"], "unixgram");
    assert_eq!(rec["data"], "one datagram");
    assert_eq!(rec["peer_unix"], path.display().to_string());
    // Autobind: an abstract name the kernel picked, so the reply can come back.
    let local = rec["local_unix"].as_str().expect("local_unix");
    assert!(local.starts_with('@') && local.len() == 6, "{local}");
    // The reply's SCM_CREDENTIALS: the serve process.
    assert_eq!(rec["peer_cred"]["pid"], serve.pid());
    let d = serve.next(|v| v["type"] == "datagram");
    assert_eq!(d["proto"], "unixgram");
    assert_eq!(
        (d["bytes_in"].as_u64(), d["bytes_out"].as_u64()),
        (Some(12), Some(12))
    );
    assert_eq!(d["peer_cred"]["pid"], pid);
}

#[test]
fn round_trips_against_servers_in_the_test() {
    let dir = tempdir();
    // A stream server that answers and closes.
    let sp = dir.path().join("s.sock");
    let l = UnixListener::bind(&sp).unwrap();
    let t = std::thread::spawn(move || {
        let (mut c, _) = l.accept().unwrap();
        c.set_read_timeout(Some(WAIT)).unwrap();
        let mut buf = [0u8; 4];
        c.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"ping");
        c.write_all(b"pong\x00\xff").unwrap();
    });
    let (code, rec, err, _) = connect(&[&arg("unix", &sp), "--send", "ping", "--until-close"]);
    t.join().unwrap();
    assert_eq!(code, 0, "{rec} {err}");
    assert_eq!(rec["data"], "pong\\x00\\xff");
    assert_eq!(rec["read_end"], "eof");
    assert_eq!(rec["peer_cred"]["pid"], std::process::id());
    // A datagram server: it answers the sender's address.
    let dp = dir.path().join("d.sock");
    let d = UnixDatagram::bind(&dp).unwrap();
    d.set_read_timeout(Some(WAIT)).unwrap();
    let t = std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        let (n, from) = d.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"q?");
        d.send_to_addr(b"answer", &from).unwrap();
    });
    let (code, rec, err, _) = connect(&[&arg("unixgram", &dp), "--send", "q?"]);
    t.join().unwrap();
    assert_eq!(code, 0, "{rec} {err}");
    assert_eq!(rec["data"], "answer");
    assert_eq!(rec["peer_cred"]["pid"], std::process::id());
    assert_eq!(rec["peer_cred"]["uid"], uid());
    // --hex in the table: the one-shot modes are the TCP ones.
    let l = UnixListener::bind(dir.path().join("b.sock")).unwrap();
    let t = std::thread::spawn(move || {
        let (mut c, _) = l.accept().unwrap();
        c.write_all(b"BANNER\r\n").unwrap();
        std::thread::sleep(Duration::from_millis(500));
    });
    let out = util::sockdiag()
        .args(["--format", "table", "connect"])
        .arg(arg("unix", &dir.path().join("b.sock")))
        .args(["--banner", "--hex"])
        .timeout(WAIT)
        .output()
        .unwrap();
    t.join().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("42 41 4e 4e 45 52 0d 0a"), "{text}");
    assert!(text.contains("peer process"), "{text}");
}

#[test]
fn abstract_names_as_ss_shows_them() {
    let name = format!("unix:@sockdiag-test-{}", std::process::id());
    let mut serve = Serve::start(&[&name, "--http"]);
    let (code, rec, err, _) = connect(&[
        &name,
        "--send",
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "--until-close",
    ]);
    assert_eq!(code, 0, "{rec} {err}");
    assert!(
        rec["data"].as_str().unwrap().starts_with("HTTP/1.1 200"),
        "{rec}"
    );
    assert_eq!(rec["peer_unix"], name.trim_start_matches("unix:"));
    let acc = serve.next(|v| v["event"] == "accepted");
    assert_eq!(acc["local"], name.trim_start_matches("unix:"));
    serve.signal(libc::SIGTERM);
    assert_eq!(serve.wait_exit().0, 143);
    // Gone with the server: nothing is bound to the name any more.
    let (code, rec, _, _) = connect(&[&name]);
    assert_eq!(
        (code, rec["state"].as_str(), rec["reason"].as_str()),
        (1, Some("closed"), Some("conn-refused"))
    );
    assert!(
        rec["error"].as_str().unwrap().contains("abstract name"),
        "{rec}"
    );
}

/// Each way a connect fails has its state, its reason and a line that says why; exit 1.
#[test]
fn failures_have_their_reasons() {
    let dir = tempdir();
    let check = |target: String, state: &str, reason: &str, errno: &str, says: &str| {
        let (code, rec, err, _) = connect(&[&target, "--timeout", "2s"]);
        assert_eq!(code, 1, "{target}: {rec} {err}");
        assert_eq!(
            (
                rec["state"].as_str(),
                rec["reason"].as_str(),
                rec["errno"].as_str()
            ),
            (Some(state), Some(reason), Some(errno)),
            "{target}: {rec}"
        );
        let e = rec["error"].as_str().unwrap_or_default();
        assert!(e.contains(says), "{target}: {e}");
        assert!(rec.get("peer_unix").is_none(), "{rec}");
    };
    let missing = dir.path().join("nope.sock");
    check(
        arg("unix", &missing),
        "closed",
        "no-socket-file",
        "ENOENT",
        "no such file",
    );
    check(
        arg("unixgram", &missing),
        "closed",
        "no-socket-file",
        "ENOENT",
        "no such file",
    );
    // A socket file left by a server that is gone.
    let stale = dir.path().join("stale.sock");
    drop(UnixListener::bind(&stale).unwrap());
    check(
        arg("unix", &stale),
        "closed",
        "conn-refused",
        "ECONNREFUSED",
        "stale socket file",
    );
    check(
        arg("unixgram", &stale),
        "closed",
        "conn-refused",
        "ECONNREFUSED",
        "stale socket file",
    );
    // Not a socket: connect() says ECONNREFUSED, and stat tells why.
    let file = dir.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    check(
        arg("unix", &file),
        "closed",
        "not-a-socket",
        "ECONNREFUSED",
        "a regular file, not a socket",
    );
    check(
        arg("unix", dir.path()),
        "closed",
        "not-a-socket",
        "ECONNREFUSED",
        "a directory",
    );
    // A socket of the other type.
    let stream = dir.path().join("stream.sock");
    let _l = UnixListener::bind(&stream).unwrap();
    check(
        arg("unixgram", &stream),
        "error",
        "wrong-type",
        "EPROTOTYPE",
        "connect with unix:",
    );
    let dgram = dir.path().join("dgram.sock");
    let _d = UnixDatagram::bind(&dgram).unwrap();
    check(
        arg("unix", &dgram),
        "error",
        "wrong-type",
        "EPROTOTYPE",
        "connect with unixgram:",
    );
}

/// No write permission on the socket file: filtered permission-denied, saying the file's mode
/// and owner. Root passes every permission check, so as root the client runs as nobody.
#[test]
fn permission_denied() {
    let dir = tempdir();
    let path = dir.path().join("private.sock");
    let _l = UnixListener::bind(&path).unwrap();
    let mut cmd = util::command();
    if uid() == 0 {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        cmd.uid(65534).gid(65534);
    } else {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    let (code, rec, err, _) = connect_with(cmd, &[&arg("unix", &path)]);
    assert_eq!(code, 1, "{rec} {err}");
    assert_eq!(
        (rec["state"].as_str(), rec["reason"].as_str()),
        (Some("filtered"), Some("permission-denied"))
    );
    assert_eq!(rec["errno"], "EACCES");
    let e = rec["error"].as_str().unwrap();
    assert!(e.contains("mode 0600") || e.contains("mode 0000"), "{e}");
}

/// A listener whose backlog is full (it never accepts): the connect waits for room up to
/// --timeout, then filtered backlog-full. Ctrl-C ends the wait at once.
#[test]
fn backlog_full_waits_the_timeout_and_ctrl_c_ends_it() {
    use socket2::{Domain, SockAddr, Socket, Type};
    let dir = tempdir();
    let path = dir.path().join("full.sock");
    let l = Socket::new(Domain::UNIX, Type::STREAM, None).unwrap();
    l.bind(&SockAddr::unix(&path).unwrap()).unwrap();
    l.listen(0).unwrap();
    // One connection fills a backlog of 0 (the queue may hold backlog + 1).
    let _first = UnixStream::connect(&path).unwrap();
    let t = Instant::now();
    let (code, rec, err, _) = connect(&[&arg("unix", &path), "--timeout", "400ms"]);
    let took = t.elapsed();
    assert_eq!(code, 1, "{rec} {err}");
    assert_eq!(
        (rec["state"].as_str(), rec["reason"].as_str()),
        (Some("filtered"), Some("backlog-full"))
    );
    assert!(
        rec["error"]
            .as_str()
            .unwrap()
            .contains("backlog stayed full for 400ms"),
        "{rec}"
    );
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(5),
        "{took:?}"
    );
    // Ctrl-C while waiting: out at once with 130, not after the 30 s timeout.
    let child = util::command()
        .args(["connect", "--json"])
        .arg(arg("unix", &path))
        .args(["--timeout", "30s"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let t = Instant::now();
    // SAFETY: our own child's PID.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let out = wait_bounded(child);
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert_eq!(out.status.code(), Some(130));
    let rec: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rec["errno"], "EINTR");
}

/// serve makes the socket file and removes it when it stops, by Ctrl-C or SIGTERM.
#[test]
fn serve_removes_its_socket_file_at_exit() {
    let dir = tempdir();
    for (sig, kind, exit) in [
        (libc::SIGINT, "unix", 130),
        (libc::SIGTERM, "unixgram", 143),
    ] {
        let path = dir.path().join(format!("{kind}.sock"));
        let a = arg(kind, &path);
        let mut serve = Serve::start(&[&a]);
        assert!(std::fs::metadata(&path).unwrap().file_type().is_socket());
        serve.signal(sig);
        let (code, err) = serve.wait_exit();
        assert_eq!(code, exit, "{err}");
        assert!(
            !path.exists(),
            "{} left behind after signal {sig}",
            path.display()
        );
    }
    // And when it stops by itself (--once).
    let path = dir.path().join("once.sock");
    let a = arg("unix", &path);
    let mut serve = Serve::start(&[&a, "--once"]);
    let (code, _, _, _) = connect(&[&a, "--send", "x"]);
    assert_eq!(code, 0);
    assert_eq!(serve.wait_exit().0, 0);
    assert!(!path.exists());
}

/// A live socket is refused (exit 3, naming the server's pid) and left alone; a stale one is
/// replaced, with a note; a file that is not a socket is never touched.
#[test]
fn serve_refuses_a_live_socket_and_replaces_a_stale_one() {
    let dir = tempdir();
    let path = dir.path().join("srv.sock");
    let a = arg("unix", &path);
    let first = Serve::start(&[&a]);
    let out = util::sockdiag()
        .args(["serve", &a])
        .timeout(WAIT)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("a server is listening on"), "{err}");
    assert!(err.contains(&format!("pid {}", first.pid())), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // The first server still serves.
    let (code, rec, _, _) = connect(&[&a, "--send", "still"]);
    assert_eq!((code, rec["data"].as_str()), (0, Some("still")));
    // A datagram server on the stream server's path: refused too.
    let out = util::sockdiag()
        .args(["serve", &arg("unixgram", &path)])
        .timeout(WAIT)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("a stream socket is served on"), "{err}");
    drop(first);
    // The first server was killed: its file stays, stale.
    assert!(path.exists());
    let mut second = Serve::start(&[&a]);
    let (code, rec, _, _) = connect(&[&a, "--send", "again"]);
    assert_eq!((code, rec["data"].as_str()), (0, Some("again")));
    assert_eq!(rec["peer_cred"]["pid"], second.pid());
    second.signal(libc::SIGTERM);
    let (code, err) = second.wait_exit();
    assert_eq!(code, 143);
    assert!(err.contains("replaced a stale socket file"), "{err}");
    assert!(!path.exists());
    // Not a socket: refused, untouched.
    std::fs::write(&path, b"data").unwrap();
    let out = util::sockdiag()
        .args(["serve", &a])
        .timeout(WAIT)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("exists and is not a socket"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"data");
}

#[test]
fn serve_socket_mode() {
    let dir = tempdir();
    let path = dir.path().join("m.sock");
    let a = arg("unix", &path);
    let _serve = Serve::start(&[&a, "--socket-mode", "0600"]);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o600);
}

/// Options that make no sense for a UNIX socket: one line naming the option, exit 2.
#[test]
fn bad_options_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["connect", "unix:/tmp/x.sock", "80"], "has no port"),
        (&["connect", "unix:/tmp/x.sock", "--udp"], "'--udp'"),
        (
            &["connect", "unix:/tmp/x.sock", "--source", "127.0.0.1"],
            "'--source'",
        ),
        (
            &["connect", "unix:/tmp/x.sock", "--interface", "lo"],
            "'--interface'",
        ),
        (&["connect", "unix:/tmp/x.sock", "--nodelay"], "'--nodelay'"),
        (
            &["connect", "unix:/tmp/x.sock", "--sndbuf", "64KiB"],
            "'--sndbuf'",
        ),
        (&["-4", "connect", "unix:/tmp/x.sock"], "'-4'"),
        (
            &["connect", "unixgram:/tmp/x.sock", "--banner"],
            "'--banner'",
        ),
        (
            &["connect", "unixgram:/tmp/x.sock", "--until-close"],
            "'--until-close'",
        ),
        (&["connect", "unix:"], "a path after the colon"),
        (&["connect", "unix:@"], "an abstract name"),
        (&["serve", "--udp", "unix:/tmp/x.sock"], "'--udp'"),
        (&["serve", "--http", "unixgram:/tmp/x.sock"], "'--http'"),
        (
            &["serve", "--socket-mode", "0660", "7000"],
            "UNIX socket file",
        ),
        (
            &["serve", "--socket-mode", "0660", "unix:@abs"],
            "abstract name",
        ),
        (
            &["serve", "--socket-mode", "999", "unix:/tmp/x.sock"],
            "octal",
        ),
    ];
    for (args, says) in cases {
        let out = util::sockdiag().args(*args).timeout(WAIT).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let long = format!("unix:/{}", "x".repeat(120));
    let out = util::sockdiag()
        .args(["connect", &long])
        .timeout(WAIT)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at most 107"));
}

#[test]
fn an_interactive_session_over_a_unix_stream() {
    // -i over unix: the same pump as TCP: bytes both ways, the half-close at stdin's end,
    // and the report (on stderr) with the peer's credentials.
    let dir = tempdir();
    let path = dir.path().join("echo.sock");
    let a = arg("unix", &path);
    let serve = Serve::start(&[&a]);
    let input: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let out = util::sockdiag()
        .args(["connect", "--json", "-i", &a])
        .write_stdin(input.clone())
        .timeout(Duration::from_secs(15))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        out.stdout == input,
        "{} bytes back of {}",
        out.stdout.len(),
        input.len()
    );
    let v: Value = serde_json::from_str(err.trim()).unwrap_or_else(|e| panic!("{e}: {err}"));
    assert_eq!(v["read_end"], "eof", "{v}");
    assert_eq!(v["session"]["half_closed"], true, "{v}");
    assert_eq!(v["peer_cred"]["pid"], serve.pid(), "{v}");
    // A unixgram session is refused in one line, exit 2.
    let g = arg("unixgram", &dir.path().join("none.sock"));
    let out = util::sockdiag()
        .args(["connect", "-i", &g])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("'-i'") || err.contains("-i"), "{err}");
}
