//! The interactive session (`connect -i`, and the default when stdin is a terminal): stdin to
//! the peer and the peer to stdout at the same time, on one readiness loop (poll(2) over
//! stdin, stdout and the stream), ncat style. Each way has a bounded buffer: stdin is not read
//! while the peer cannot take more, the peer is not read while stdout cannot take more (a slow
//! pipe). Bytes pass through unchanged, both ways (`--crlf` aside).
//!
//! A stream ([`stream::pump`], any [`Duplex`](super::Duplex): TCP, TLS, a UNIX stream) ends
//! when the peer closes (`peer-closed`; `eof` when our stdin had ended first and we had
//! half-closed), on a reset, after `--idle-timeout` without a byte either way, at
//! `--max-time`, or on Ctrl-C. A connected UDP socket ([`udp::lines`]) sends each stdin line
//! as one datagram and prints each reply as it comes.
//!
//! The engine does not print: it copies bytes between the descriptors it is given (stdin and
//! stdout in `connect::run`, pipes in the tests) and returns what the report needs.
mod stream;
mod udp;

pub use stream::pump;
pub use udp::lines;

use super::{ReadEnd, Report};
use rustix::fs::OFlags;
use serde::Serialize;
use std::io;
use std::os::fd::BorrowedFd;
use std::time::{Duration, Instant};

/// The size of each way's buffer: what may be in flight between a reader and a writer.
const CAP: usize = 64 * 1024;

/// How the session behaves (the `connect` flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Session {
    /// A lone LF becomes CRLF on the way out (an existing CRLF stays as it is).
    pub crlf: bool,
    /// At the end of stdin, keep the write side open (no SHUT_WR) and read on until the peer
    /// closes, the idle timeout or `--max-time`.
    pub no_shutdown: bool,
    /// End the session once no byte has moved either way for this long.
    pub idle_timeout: Option<Duration>,
}

/// The two local ends of a session: where the bytes to send come from, where the received
/// ones go.
#[derive(Debug, Clone, Copy)]
pub struct Ends<'a> {
    pub input: BorrowedFd<'a>,
    pub output: BorrowedFd<'a>,
}

impl Ends<'static> {
    /// The process's stdin and stdout.
    pub const STDIO: Ends<'static> = Ends {
        input: rustix::stdio::stdin(),
        output: rustix::stdio::stdout(),
    };
}

/// What the report keeps of a session, besides the bytes each way, the time to the first
/// byte and how it ended (`Report::read_end`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SessionReport {
    /// From the start of the session (the connect) to its end.
    #[serde(rename = "duration_ms", serialize_with = "crate::units::ser_ms")]
    pub duration: Duration,
    /// When stdin ended, from the start (None: it had not when the session ended).
    #[serde(rename = "stdin_end_ms", serialize_with = "ser_opt_ms")]
    pub stdin_end: Option<Duration>,
    /// We half-closed (SHUT_WR) after the end of stdin.
    pub half_closed: bool,
    /// UDP: datagrams sent.
    pub datagrams_sent: Option<u64>,
    /// UDP: datagrams received.
    pub datagrams_received: Option<u64>,
}

fn ser_opt_ms<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => crate::units::ser_ms(d, s),
        None => s.serialize_none(),
    }
}

/// What a session did: what the report takes ([`Outcome::record`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub sent: u64,
    pub received: u64,
    /// From the start (UDP: from the first datagram sent) to the first byte received.
    pub first_byte: Option<Duration>,
    pub ended: ReadEnd,
    pub error: Option<String>,
    pub session: SessionReport,
}

impl Default for Outcome {
    fn default() -> Outcome {
        Outcome {
            sent: 0,
            received: 0,
            first_byte: None,
            ended: ReadEnd::Error,
            error: None,
            session: SessionReport {
                duration: Duration::ZERO,
                stdin_end: None,
                half_closed: false,
                datagrams_sent: None,
                datagrams_received: None,
            },
        }
    }
}

impl Outcome {
    /// Into the connection's report: bytes each way, the first byte, how it ended.
    pub fn record(self, r: &mut Report) {
        r.sent = self.sent;
        r.received = self.received;
        r.first_byte = self.first_byte;
        r.read_end = Some(self.ended);
        r.error = self.error;
        r.session = Some(self.session);
    }
}

/// LF to CRLF, over a stream cut anywhere: a CR at the end of one piece and the LF at the
/// start of the next stay one CRLF.
#[derive(Debug, Clone, Copy, Default)]
pub struct Crlf {
    last_cr: bool,
}

impl Crlf {
    /// Appends `input` to `out`, each LF not already after a CR as CRLF.
    pub fn convert(&mut self, input: &[u8], out: &mut Vec<u8>) {
        for &b in input {
            if b == b'\n' && !self.last_cr {
                out.push(b'\r');
            }
            out.push(b);
            self.last_cr = b == b'\r';
        }
    }

    /// One whole text converted (`--send TEXT --crlf`).
    pub fn all(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(input.len() + input.len() / 16);
        Crlf::default().convert(input, &mut out);
        out
    }
}

/// A bounded byte queue: filled at the end, drained from the front.
struct Buf {
    data: Vec<u8>,
    start: usize,
    cap: usize,
}

impl Buf {
    fn new(cap: usize) -> Buf {
        Buf {
            data: Vec::with_capacity(cap),
            start: 0,
            cap,
        }
    }

    fn is_empty(&self) -> bool {
        self.start == self.data.len()
    }

    /// Bytes that may still be added.
    fn space(&self) -> usize {
        self.cap - (self.data.len() - self.start)
    }

    fn pending(&self) -> &[u8] {
        &self.data[self.start..]
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.data.len() {
            self.data.clear();
            self.start = 0;
        }
    }

    fn extend(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.data.len() + bytes.len() > self.cap {
            self.data.drain(..self.start);
            self.start = 0;
        }
        self.data.extend_from_slice(bytes);
    }
}

/// read(2) on a descriptor of ours (not owned: stdin, a pipe in the tests).
fn read_fd(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<usize> {
    Ok(rustix::io::read(fd, buf)?)
}

/// write(2) on a descriptor of ours.
fn write_fd(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<usize> {
    Ok(rustix::io::write(fd, buf)?)
}

/// O_NONBLOCK on a descriptor for as long as this lives, then its flags as they were. The
/// flag belongs to the open file, which a terminal's stdin, stdout and stderr share with the
/// shell: it must not outlive the session.
struct NonBlocking<'a> {
    fd: BorrowedFd<'a>,
    old: Option<OFlags>,
}

impl<'a> NonBlocking<'a> {
    fn set(fd: BorrowedFd<'a>) -> NonBlocking<'a> {
        // Left blocking when it cannot be set: each write then waits, which is slower, not
        // wrong (a write follows poll's POLLOUT).
        let old = rustix::fs::fcntl_getfl(fd)
            .ok()
            .filter(|old| !old.contains(OFlags::NONBLOCK))
            .filter(|old| rustix::fs::fcntl_setfl(fd, *old | OFlags::NONBLOCK).is_ok());
        NonBlocking { fd, old }
    }
}

impl Drop for NonBlocking<'_> {
    fn drop(&mut self) {
        if let Some(old) = self.old {
            let _ = rustix::fs::fcntl_setfl(self.fd, old);
        }
    }
}

/// Waits for at most `left` (at least 1 ms unless 0) on the entries that ask for events, and
/// returns each entry's revents. An entry asking for none is left out (its revents 0), so
/// that a hang-up nobody asked about does not wake the loop again and again. EINTR (Ctrl-C)
/// returns early, with no events.
fn poll<const N: usize>(
    entries: [(BorrowedFd<'_>, i16); N],
    left: Duration,
) -> io::Result<[i16; N]> {
    use rustix::event::{PollFd, PollFlags, Timespec};
    let mut fds = Vec::with_capacity(N);
    let mut at = Vec::with_capacity(N);
    for (i, (fd, events)) in entries.iter().enumerate() {
        if *events != 0 {
            fds.push(PollFd::from_borrowed_fd(
                *fd,
                PollFlags::from_bits_retain(*events as u16),
            ));
            at.push(i);
        }
    }
    let left = if left.is_zero() {
        left
    } else {
        left.max(Duration::from_millis(1))
    };
    let timeout = Timespec {
        tv_sec: left.as_secs().min(i32::MAX as u64) as _,
        tv_nsec: left.subsec_nanos() as _,
    };
    let mut revents = [0i16; N];
    match rustix::event::poll(&mut fds, Some(&timeout)) {
        Ok(_) => {
            for (fd, i) in fds.iter().zip(at) {
                revents[i] = fd.revents().bits() as i16;
            }
        }
        Err(rustix::io::Errno::INTR) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(revents)
}

/// The nearest of the deadlines that are set, and now + the interrupt check's tick.
fn wait_left(deadlines: &[Option<Instant>]) -> Duration {
    let now = Instant::now();
    deadlines
        .iter()
        .flatten()
        .map(|d| d.saturating_duration_since(now))
        .fold(crate::net::attempt::TICK, Duration::min)
}

/// Received bytes on their way to the output: a bounded buffer and a non-blocking descriptor.
struct Output<'a> {
    fd: BorrowedFd<'a>,
    buf: Buf,
    _nonblocking: NonBlocking<'a>,
}

/// How writing to the output went.
enum Wrote {
    /// Some or none (it is full): go on.
    Fine(usize),
    /// The reader has gone (EPIPE).
    Closed,
    /// Another error.
    Failed(io::Error),
}

impl<'a> Output<'a> {
    fn new(fd: BorrowedFd<'a>, cap: usize) -> Output<'a> {
        Output {
            fd,
            buf: Buf::new(cap),
            _nonblocking: NonBlocking::set(fd),
        }
    }

    /// Writes what it can of the buffer without waiting.
    fn write_some(&mut self) -> Wrote {
        let mut total = 0;
        while !self.buf.is_empty() {
            match write_fd(self.fd, self.buf.pending()) {
                Ok(0) => break,
                Ok(n) => {
                    self.buf.consume(n);
                    total += n;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Wrote::Closed,
                Err(e) => return Wrote::Failed(e),
            }
        }
        Wrote::Fine(total)
    }
}

#[cfg(test)]
mod tests;
