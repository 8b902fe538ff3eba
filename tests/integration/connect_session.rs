//! `sockdiag connect`'s interactive session from the outside (issue 15): the built binary
//! against servers on 127.0.0.1 that the test starts (`sockdiag serve` or a few lines of Rust),
//! driven through a pseudo-terminal as a person would, or through pipes as a script would.
//! The report comes as one JSON line on stderr (stdout carries the peer's bytes).
use crate::util;

use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::os::fd::AsRawFd;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::thread;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(15);

/// `sockdiag serve --json ARGS 127.0.0.1:0`, stopped (by its PID) when dropped.
struct Serve {
    child: Child,
    addr: SocketAddr,
}

impl Serve {
    fn start(args: &[&str]) -> Serve {
        let mut child = util::command()
            .args(["serve", "--json"])
            .args(args)
            .arg("127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn sockdiag serve");
        let mut out = child.stdout.take().unwrap();
        // The first line says where it listens; the rest is drained so the log never fills.
        let (tx, rx) = channel();
        thread::spawn(move || {
            let mut all = Vec::new();
            let mut b = [0u8; 4096];
            let mut sent = false;
            while let Ok(n) = out.read(&mut b) {
                if n == 0 {
                    break;
                }
                all.extend_from_slice(&b[..n]);
                if !sent {
                    if let Some(i) = all.iter().position(|&c| c == b'\n') {
                        let v: Value = serde_json::from_slice(&all[..i]).unwrap();
                        let _ = tx.send(v["addr"].as_str().unwrap().to_string());
                        sent = true;
                    }
                }
            }
        });
        let addr = rx.recv_timeout(WAIT).expect("serve's listening line");
        Serve {
            child,
            addr: addr.parse().unwrap(),
        }
    }

    fn port(&self) -> String {
        self.addr.port().to_string()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The report: the last line of stderr that is JSON.
fn report(stderr: &str) -> Value {
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON report on stderr: {stderr}"));
    serde_json::from_str(line).unwrap()
}

/// Everything a reader gets, as it comes (chunks over a channel).
fn chunks(mut r: impl Read + Send + 'static) -> Receiver<Vec<u8>> {
    let (tx, rx) = channel();
    thread::spawn(move || {
        let mut b = [0u8; 4096];
        while let Ok(n) = r.read(&mut b) {
            if n == 0 || tx.send(b[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    rx
}

/// Collects chunks into `seen` until it contains `want`.
fn wait_for(rx: &Receiver<Vec<u8>>, seen: &mut Vec<u8>, want: &[u8]) {
    let end = Instant::now() + WAIT;
    while !seen.windows(want.len()).any(|w| w == want) {
        let left = end.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(c) => seen.extend_from_slice(&c),
            Err(_) => panic!(
                "never saw {:?}; saw {:?}",
                String::from_utf8_lossy(want),
                String::from_utf8_lossy(seen)
            ),
        }
    }
}

/// Waits for the child to end by itself within WAIT; its exit code and stderr.
fn finish(mut child: Child) -> (i32, String) {
    let mut err = child.stderr.take().unwrap();
    let errs = thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let end = Instant::now() + WAIT;
    let code = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st.code().unwrap_or(-1);
        }
        if Instant::now() > end {
            let _ = child.kill();
            panic!("the session did not end");
        }
        thread::sleep(Duration::from_millis(10));
    };
    (code, errs.join().unwrap())
}

/// `sockdiag --json connect ARGS` with stdin and stdout as pipes; stderr piped.
fn spawn(args: &[&str]) -> (Child, ChildStdin, Receiver<Vec<u8>>) {
    let mut child = util::command()
        .args(["--json", "connect"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let out = chunks(child.stdout.take().unwrap());
    (child, stdin, out)
}

fn all(rx: &Receiver<Vec<u8>>) -> Vec<u8> {
    let mut v = Vec::new();
    while let Ok(c) = rx.recv_timeout(WAIT) {
        v.extend_from_slice(&c);
    }
    v
}

fn nonblocking(fd: i32) -> bool {
    // SAFETY: F_GETFL on a descriptor of ours.
    unsafe { libc::fcntl(fd, libc::F_GETFL) & libc::O_NONBLOCK != 0 }
}

/// A person at a terminal: no -i (stdin is a terminal, so it is a session), lines typed, the
/// echo server's replies shown as they come, Ctrl-D to end: the half-close, then the server's
/// close: `eof`. The terminal is left as it was (not non-blocking: the shell shares it).
#[test]
fn on_a_terminal_typed_lines_come_back_and_ctrl_d_ends_it_as_eof() {
    let srv = Serve::start(&["--echo"]);
    let (master, slave) = util::pty(80, 24);
    // No local echo: what the master reads is what sockdiag wrote.
    // SAFETY: termios of the pty we just opened.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        assert_eq!(libc::tcgetattr(slave.as_raw_fd(), &mut t), 0);
        t.c_lflag &= !libc::ECHO;
        assert_eq!(libc::tcsetattr(slave.as_raw_fd(), libc::TCSANOW, &t), 0);
    }
    let child = util::command()
        .args(["--json", "connect", "127.0.0.1", &srv.port()])
        .stdin(slave.try_clone().unwrap())
        .stdout(slave.try_clone().unwrap())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut typer = master.try_clone().unwrap();
    let shown = chunks(master);
    let mut seen = Vec::new();
    typer.write_all(b"hello there\n").unwrap();
    wait_for(&shown, &mut seen, b"hello there");
    typer.write_all(b"second line\n").unwrap();
    wait_for(&shown, &mut seen, b"second line");
    typer.write_all(&[4]).unwrap(); // Ctrl-D: the end of input
    let (code, err) = finish(child);
    assert_eq!(code, 0, "{err}");
    let r = report(&err);
    assert_eq!(r["read_end"], "eof", "{r}");
    assert_eq!(r["sent"], 24);
    assert_eq!(r["received"], 24);
    assert_eq!(r["session"]["half_closed"], true);
    assert!(r["session"]["stdin_end_ms"].is_number(), "{r}");
    assert!(r["tcp_info"]["rtt_ms"].is_number(), "{r}");
    assert!(r["tcp_info"]["retransmits"].is_number(), "{r}");
    assert!(
        !nonblocking(slave.as_raw_fd()),
        "the terminal was left non-blocking"
    );
}

/// The end of stdin half-closes: the server sees the end of the question, its later answer
/// still arrives, then its close ends the session as `eof`.
#[test]
fn the_end_of_stdin_half_closes_and_a_later_reply_still_arrives() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let server = thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(WAIT)).unwrap();
        let mut q = Vec::new();
        s.read_to_end(&mut q)
            .expect("the end of the question (our half-close)");
        thread::sleep(Duration::from_millis(200));
        s.write_all(b"late answer\n").unwrap();
        q
    });
    let (child, mut stdin, out) = spawn(&["-i", "127.0.0.1", &port]);
    stdin.write_all(b"question?\n").unwrap();
    drop(stdin);
    assert_eq!(server.join().unwrap(), b"question?\n");
    assert_eq!(all(&out), b"late answer\n");
    let (code, err) = finish(child);
    assert_eq!(code, 0, "{err}");
    let r = report(&err);
    assert_eq!(r["read_end"], "eof");
    assert_eq!(r["session"]["half_closed"], true);
    assert!(r["first_byte_ms"].as_f64().unwrap() >= 200.0, "{r}");
}

/// The server closes while stdin is still open: the session ends at once, `peer-closed`,
/// with what the server sent written out first.
#[test]
fn the_peer_closing_ends_it_while_stdin_is_open() {
    let srv = Serve::start(&["--banner", "bye now"]);
    let (child, stdin, out) = spawn(&["-i", "127.0.0.1", &srv.port()]);
    let (code, err) = finish(child);
    drop(stdin);
    assert_eq!(code, 0, "{err}");
    assert_eq!(all(&out), b"bye now\r\n");
    let r = report(&err);
    assert_eq!(r["read_end"], "peer-closed", "{r}");
    assert!(r["session"]["stdin_end_ms"].is_null(), "{r}");
}

/// A server that accepts and says nothing, and holds the connection for at most WAIT.
fn silent() -> (String, thread::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let h = thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(WAIT)).unwrap();
        let mut b = Vec::new();
        let _ = s.read_to_end(&mut b);
    });
    (port, h)
}

#[test]
fn a_quiet_session_ends_at_the_idle_timeout() {
    let (port, server) = silent();
    let t = Instant::now();
    let (child, stdin, _out) = spawn(&["-i", "--idle-timeout", "500ms", "127.0.0.1", &port]);
    let (code, err) = finish(child);
    let took = t.elapsed();
    drop(stdin);
    server.join().unwrap();
    assert_eq!(code, 0, "{err}");
    assert_eq!(report(&err)["read_end"], "timeout");
    assert!(took >= Duration::from_millis(500), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

/// --max-time bounds a session that would go on (stdin open, a silent server).
#[test]
fn max_time_bounds_a_session() {
    let (port, server) = silent();
    let t = Instant::now();
    let (child, stdin, _out) = spawn(&["-i", "--max-time", "500ms", "127.0.0.1", &port]);
    let (code, err) = finish(child);
    let took = t.elapsed();
    drop(stdin);
    server.join().unwrap();
    assert_eq!(code, 0, "{err}");
    assert_eq!(report(&err)["read_end"], "max-time");
    assert!(took >= Duration::from_millis(500), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

/// Ctrl-C (SIGINT to sockdiag) ends a live session cleanly: the report, exit 130.
#[test]
fn ctrl_c_ends_a_session_with_its_report_and_exit_130() {
    let (port, server) = silent();
    let (child, mut stdin, _out) = spawn(&["-i", "127.0.0.1", &port]);
    stdin.write_all(b"something\n").unwrap();
    thread::sleep(Duration::from_millis(300));
    // SAFETY: our own child's PID.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let (code, err) = finish(child);
    drop(stdin);
    server.join().unwrap();
    assert_eq!(code, 130, "{err}");
    let r = report(&err);
    assert_eq!(r["read_end"], "interrupted", "{r}");
    assert_eq!(r["sent"], 10, "{r}");
    assert_eq!(r["state"], "open");
}

/// Deterministic bytes that are not text: every value, no pattern a buffer size lines up with.
fn noise(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// FNV-1a, 64 bits: a checksum to compare (the bytes are compared too).
fn checksum(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325, |h, &c| {
        (h ^ c as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// 10 MB through an echo server both ways at once (stdin written and stdout read while the
/// other way runs): every byte back in order, well within the time bound.
#[test]
fn ten_megabytes_go_both_ways_intact() {
    let srv = Serve::start(&["--echo"]);
    let data = noise(10_000_000);
    let t = Instant::now();
    let (child, mut stdin, out) = spawn(&["-i", "127.0.0.1", &srv.port()]);
    let input = data.clone();
    let writer = thread::spawn(move || {
        stdin.write_all(&input).unwrap();
    });
    let back = all(&out);
    writer.join().unwrap();
    let (code, err) = finish(child);
    let took = t.elapsed();
    assert_eq!(code, 0, "{err}");
    assert_eq!(back.len(), data.len());
    assert_eq!(checksum(&back), checksum(&data));
    assert!(back == data, "the bytes differ");
    let r = report(&err);
    assert_eq!(r["sent"], 10_000_000);
    assert_eq!(r["received"], 10_000_000);
    assert_eq!(r["read_end"], "eof");
    assert!(took < Duration::from_secs(20), "{took:?}");
    eprintln!(
        "10 MB each way in {:.3}s ({:.0} MB/s each way), checksum {:016x}",
        took.as_secs_f64(),
        10.0 / took.as_secs_f64(),
        checksum(&back)
    );
}

/// A slow reader on stdout holds the peer back (no unbounded buffering, no loss).
#[test]
fn a_slow_reader_of_stdout_gets_every_byte() {
    let srv = Serve::start(&["--echo"]);
    let data = noise(2_000_000);
    let mut child = util::command()
        .args(["--json", "connect", "-i", "127.0.0.1", &srv.port()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let input = data.clone();
    let writer = thread::spawn(move || stdin.write_all(&input).unwrap());
    let mut back = Vec::new();
    let mut b = [0u8; 16384];
    loop {
        let n = stdout.read(&mut b).unwrap();
        if n == 0 {
            break;
        }
        back.extend_from_slice(&b[..n]);
        thread::sleep(Duration::from_millis(2));
    }
    writer.join().unwrap();
    let (code, err) = finish(child);
    assert_eq!(code, 0, "{err}");
    assert!(back == data, "{} bytes back of {}", back.len(), data.len());
}

#[test]
fn crlf_turns_newlines_into_crlf_on_the_way_out() {
    let srv = Serve::start(&["--echo"]);
    let (child, mut stdin, out) = spawn(&["-i", "--crlf", "127.0.0.1", &srv.port()]);
    stdin.write_all(b"EHLO test\nDATA\r\n.\n").unwrap();
    drop(stdin);
    assert_eq!(all(&out), b"EHLO test\r\nDATA\r\n.\r\n");
    let (code, err) = finish(child);
    assert_eq!(code, 0, "{err}");
    assert_eq!(report(&err)["sent"], 20);
}

/// UDP: each line a datagram, each reply written out; the end of stdin then the last replies.
#[test]
fn udp_lines_are_datagrams_and_replies_come_back() {
    let srv = Serve::start(&["--udp"]);
    let (child, mut stdin, out) = spawn(&["--udp", "-i", "127.0.0.1", &srv.port()]);
    stdin.write_all(b"first\nsecond\nthird").unwrap();
    drop(stdin);
    assert_eq!(all(&out), b"first\nsecond\nthird");
    let (code, err) = finish(child);
    assert_eq!(code, 0, "{err}");
    let r = report(&err);
    assert_eq!(r["proto"], "udp");
    assert_eq!(
        (&r["state"], &r["reason"]),
        (&"open".into(), &"udp-response".into())
    );
    assert_eq!(r["read_end"], "eof");
    assert_eq!(r["session"]["datagrams_sent"], 3);
    assert_eq!(r["session"]["datagrams_received"], 3);
    assert_eq!(r["sent"], 18);
}

/// A UDP port nobody listens on: the ICMP port unreachable ends it, closed/port-unreach.
#[test]
fn a_udp_session_to_a_closed_port_is_closed_port_unreach() {
    let port = {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        s.local_addr().unwrap().port().to_string()
    };
    let (child, mut stdin, out) = spawn(&["--udp", "-i", "127.0.0.1", &port]);
    stdin.write_all(b"anyone?\n").unwrap();
    let (code, err) = finish(child);
    drop(stdin);
    assert_eq!(code, 1, "{err}");
    assert!(all(&out).is_empty());
    let r = report(&err);
    assert_eq!(
        (&r["state"], &r["reason"]),
        (&"closed".into(), &"port-unreach".into())
    );
    assert_eq!(r["read_end"], "unreachable");
    assert_eq!(r["errno"], "ECONNREFUSED");
}

/// Without a terminal and without -i it is the one-shot connect, as before; the session's
/// own flags then say what is missing. Bad combinations: one line, exit 2.
#[test]
fn session_flags_without_a_session_are_one_line_exit_2() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    let cases: &[(&[&str], &str)] = &[
        (&["--idle-timeout", "1s"], "'--idle-timeout'"),
        (&["--no-shutdown"], "'--no-shutdown'"),
        (&["-i", "--idle-timeout", "0s"], "idle-timeout"),
        (&["-i", "--udp", "--no-shutdown"], "half-close"),
        (&["-i", "--send", "x"], "--send"),
        (&["-i", "--banner"], "--banner"),
        (&["--shutdown", "--no-shutdown", "-i"], "--no-shutdown"),
    ];
    for (args, says) in cases {
        let mut all = vec!["connect", "127.0.0.1", &port];
        all.extend_from_slice(args);
        let (code, out, err) = util::run(&all);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    drop(l);
}

/// The one-shot mode still reads stdin whole when it is not a terminal (no -i), and
/// --crlf applies to what it sends.
#[test]
fn without_i_a_piped_stdin_is_still_the_one_shot_send_and_crlf_applies() {
    let srv = Serve::start(&["--echo"]);
    let out = util::sockdiag()
        .args(["--json", "connect", "--crlf", "127.0.0.1", &srv.port()])
        .write_stdin("PING\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["data"], "PING\\r\n");
    assert!(r["session"].is_null());
}
