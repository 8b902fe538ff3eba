//! `connect unix:PATH` (a stream) and `unixgram:PATH` (datagrams): the connect, bounded by
//! the timeout, with a state and reason for each way it fails; the peer's credentials; then
//! the same one-shot exchange as TCP (a UNIX stream is a [`super::Duplex`]), or one datagram
//! and its reply. Returns a report; never prints.
use super::exchange::{past, push_data, sooner};
use super::{Config, ReadEnd, Report};
use crate::interrupt::Interrupt;
use crate::net::attempt::{deadline_after, wait, Waited};
use crate::net::errno::errno_text;
use crate::net::unix::{peer_cred, recv_with_cred, set_passcred, PeerCred, UnixName, UnixTarget};
use crate::net::{Reason, State};
use socket2::{Domain, SockAddr, Socket, Type};
use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::time::{Duration, Instant};

/// Longest one blocking connect waits before it looks at the interrupt flag again.
const SLICE: Duration = Duration::from_millis(100);

/// The UNIX side of a report: the socket reached, our own name, who is at the other end.
#[derive(Debug, Clone, PartialEq)]
pub struct UnixEnds {
    pub dgram: bool,
    /// The name connected to (the target).
    pub path: UnixName,
    /// Our socket's name: `None` for an unnamed stream client; a datagram client binds an
    /// abstract name of the kernel's choosing (autobind), so that replies can reach it.
    pub local: Option<UnixName>,
    /// Stream: SO_PEERCRED (the server as it was at listen()). Datagrams: the sender of the
    /// reply (SCM_CREDENTIALS).
    pub cred: Option<PeerCred>,
}

/// Connects to `target`, exchanges the data of `cfg`, and reports.
pub fn run(label: &str, target: &UnixTarget, cfg: &Config, interrupt: &Interrupt) -> Report {
    let mut report = Report {
        target: label.to_string(),
        port: 0,
        udp: false,
        attempts: Vec::new(),
        peer: None,
        local: None,
        connect_time: None,
        tcp_info: None,
        options: Vec::new(),
        sent: 0,
        received: 0,
        first_byte: None,
        data: Vec::new(),
        read_end: None,
        error: None,
        state: State::Error,
        reason: Reason::Local(libc::EDESTADDRREQ),
        errno: None,
        icmp: None,
        tls: None,
        session: None,
        unix: Some(UnixEnds {
            dgram: target.dgram,
            path: target.name.clone(),
            local: None,
            cred: None,
        }),
    };
    let end = cfg.max_time.map(|d| deadline_after(Instant::now(), d));
    let fail = |report: &mut Report, errno: i32, note: Option<String>| {
        let (state, reason, why) = classify(errno, target);
        report.state = state;
        report.reason = reason;
        report.errno = Some(errno);
        report.error = note.or(why);
    };
    let sock = match socket(target.dgram) {
        Ok(s) => s,
        Err(e) => {
            fail(&mut report, e.raw_os_error().unwrap_or(0), None);
            return report;
        }
    };
    let addr = match target.name.sockaddr() {
        Ok(a) => a,
        Err(e) => {
            fail(&mut report, libc::ENAMETOOLONG, Some(e.to_string()));
            return report;
        }
    };
    let timeout = match end {
        Some(e) => cfg.timeout.min(e.saturating_duration_since(Instant::now())),
        None => cfg.timeout,
    };
    let start = Instant::now();
    if let Err(e) = connect(&sock, &addr, timeout, interrupt) {
        let errno = e.raw_os_error().unwrap_or(0);
        let note = (errno == libc::EAGAIN).then(|| {
            format!(
                "the listener's backlog stayed full for {}: it is not accepting connections",
                humantime::format_duration(timeout)
            )
        });
        fail(&mut report, errno, note);
        return report;
    }
    report.connect_time = Some(start.elapsed());
    report.state = State::Open;
    report.reason = Reason::Connected;
    let _ = sock.set_nonblocking(true);
    if let Some(u) = report.unix.as_mut() {
        u.local = sock
            .local_addr()
            .ok()
            .and_then(|a| UnixName::from_sockaddr(&a));
        if !target.dgram {
            u.cred = peer_cred(sock.as_raw_fd()).ok();
        }
    }
    if target.dgram {
        dgram_exchange(&sock, cfg, interrupt, &mut report, end);
    } else {
        let mut sock = sock;
        super::talk(&mut sock, cfg, interrupt, &mut report, end);
    }
    report
}

/// A stream socket, or a datagram socket bound to a name the kernel picks (an empty
/// abstract address: autobind), with SO_PASSCRED to learn who replies.
fn socket(dgram: bool) -> io::Result<Socket> {
    if !dgram {
        return Socket::new(Domain::UNIX, Type::STREAM, None);
    }
    let s = Socket::new(Domain::UNIX, Type::DGRAM, None)?;
    s.bind(&SockAddr::unix("")?)?;
    set_passcred(s.as_raw_fd())?;
    Ok(s)
}

/// A UNIX connect never waits for the peer (no handshake), except when a stream listener's
/// backlog is full: a non-blocking connect then fails at once (EAGAIN) with no event to wait
/// for. So the connect blocks, bounded by SO_SNDTIMEO (the kernel's own wait for room in
/// the backlog), in slices short enough to see Ctrl-C; EAGAIN once `timeout` has passed.
fn connect(
    sock: &Socket,
    addr: &SockAddr,
    timeout: Duration,
    interrupt: &Interrupt,
) -> io::Result<()> {
    let until = deadline_after(Instant::now(), timeout);
    loop {
        let left = until.saturating_duration_since(Instant::now());
        // SO_SNDTIMEO of zero means no timeout: at least a millisecond.
        sock.set_write_timeout(Some(left.clamp(Duration::from_millis(1), SLICE)))?;
        match sock.connect(addr) {
            Ok(()) => {
                sock.set_write_timeout(None)?;
                return Ok(());
            }
            Err(e) if matches!(e.raw_os_error(), Some(libc::EAGAIN | libc::EINTR)) => {
                if interrupt.raised() {
                    return Err(io::Error::from_raw_os_error(libc::EINTR));
                }
                if Instant::now() >= until {
                    return Err(io::Error::from_raw_os_error(libc::EAGAIN));
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// The state, reason and a line of explanation for a failed UNIX connect.
fn classify(errno: i32, target: &UnixTarget) -> (State, Reason, Option<String>) {
    let name = &target.name;
    match errno {
        libc::ENOENT | libc::ENOTDIR => (
            State::Closed,
            Reason::NoSocketFile,
            Some(format!("no such file: {name}")),
        ),
        libc::ECONNREFUSED => match name.as_path().map(std::fs::metadata) {
            None => (
                State::Closed,
                Reason::ConnRefused,
                Some(format!("nothing is bound to the abstract name {name}")),
            ),
            Some(Ok(m)) if !m.file_type().is_socket() => (
                State::Closed,
                Reason::NotASocket,
                Some(format!("{name} is {}, not a socket", file_kind(&m))),
            ),
            Some(Err(e)) if e.kind() == io::ErrorKind::NotFound => (
                State::Closed,
                Reason::NoSocketFile,
                Some(format!("no such file: {name}")),
            ),
            Some(_) => (
                State::Closed,
                Reason::ConnRefused,
                Some(format!(
                    "nobody listens on {name}: a stale socket file (its server is gone), or a \
                     server not listening yet"
                )),
            ),
        },
        libc::EPROTOTYPE => {
            let (other, use_) = if target.dgram {
                ("a stream", "unix")
            } else {
                ("a datagram", "unixgram")
            };
            (
                State::Error,
                Reason::WrongType,
                Some(format!(
                    "{name} is {other} socket: connect with {use_}:{name}"
                )),
            )
        }
        libc::EACCES | libc::EPERM => {
            let uid = rustix::process::geteuid().as_raw();
            let file = name
                .as_path()
                .and_then(|p| std::fs::metadata(p).ok())
                .map(|m| {
                    format!(
                        " ({name}: mode {:04o}, owner uid {} gid {})",
                        m.mode() & 0o7777,
                        m.uid(),
                        m.gid()
                    )
                })
                .unwrap_or_default();
            (
                State::Filtered,
                Reason::PermissionDenied,
                Some(format!(
                    "permission denied to uid {uid}{file}: connecting needs write permission \
                     on the socket file and search permission on each directory on the way"
                )),
            )
        }
        libc::EAGAIN => (State::Filtered, Reason::BacklogFull, None),
        e => (
            State::Error,
            Reason::Local(e),
            Some(format!(
                "connect: {}",
                errno_text(&io::Error::from_raw_os_error(e))
            )),
        ),
    }
}

fn file_kind(m: &std::fs::Metadata) -> &'static str {
    let t = m.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_file() {
        "a regular file"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else {
        "not a socket"
    }
}

/// One datagram out (empty without data to send), and the reply: the first datagram that
/// comes back within the timeout, with its sender's credentials.
fn dgram_exchange(
    sock: &Socket,
    cfg: &Config,
    interrupt: &Interrupt,
    report: &mut Report,
    end: Option<Instant>,
) {
    let fd = sock.as_raw_fd();
    let started = Instant::now();
    // A full receive queue at the receiver: wait (POLLOUT) for room, within the timeout.
    loop {
        match sock.send(&cfg.send) {
            Ok(n) => {
                report.sent = n as u64;
                break;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                let until = sooner(deadline_after(started, cfg.timeout), end);
                match wait(sock.as_fd(), libc::POLLOUT, until, interrupt) {
                    Ok(Waited::Ready) => {}
                    Ok(Waited::Timeout) => {
                        report.error = Some(
                            "sending: the receiver's queue stayed full for the timeout".into(),
                        );
                        return;
                    }
                    Ok(Waited::Interrupted) => {
                        report.read_end = Some(ReadEnd::Interrupted);
                        return;
                    }
                    Err(e) => {
                        report.error = Some(format!("sending: {}", errno_text(&e)));
                        return;
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                let errno = e.raw_os_error().unwrap_or(0);
                if errno == libc::ECONNREFUSED {
                    // The receiver closed between the connect and the send.
                    report.state = State::Closed;
                    report.reason = Reason::ConnRefused;
                    report.errno = Some(errno);
                }
                report.error = Some(format!("sending: {}", errno_text(&e)));
                return;
            }
        }
    }
    let sent_at = Instant::now();
    let mut buf = vec![0u8; 65536];
    loop {
        let until = sooner(deadline_after(sent_at, cfg.timeout), end);
        match wait(sock.as_fd(), libc::POLLIN, until, interrupt) {
            Ok(Waited::Ready) => {}
            Ok(Waited::Timeout) => {
                report.read_end = Some(if past(end) {
                    ReadEnd::MaxTime
                } else {
                    ReadEnd::Timeout
                });
                return;
            }
            Ok(Waited::Interrupted) => {
                report.read_end = Some(ReadEnd::Interrupted);
                return;
            }
            Err(e) => {
                report.read_end = Some(ReadEnd::Error);
                report.error = Some(format!("receiving: {}", errno_text(&e)));
                return;
            }
        }
        match recv_with_cred(fd, &mut buf) {
            Ok((n, _, cred)) => {
                report.first_byte = Some(sent_at.elapsed());
                push_data(report, &buf[..n]);
                report.read_end = Some(ReadEnd::Quiet);
                if let Some(u) = report.unix.as_mut() {
                    u.cred = cred;
                }
                return;
            }
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock
                    || e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                report.read_end = Some(ReadEnd::Error);
                report.error = Some(format!("receiving: {}", errno_text(&e)));
                return;
            }
        }
    }
}
