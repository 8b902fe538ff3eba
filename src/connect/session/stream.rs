//! The session over a stream: any [`Duplex`] (TCP, TLS, a UNIX stream).
use super::{
    poll, read_fd, wait_left, Buf, Crlf, Ends, Outcome, Output, Session, SessionReport, Wrote, CAP,
};
use crate::connect::exchange::past;
use crate::connect::{Duplex, ReadEnd};
use crate::interrupt::Interrupt;
use crate::net::attempt::deadline_after;
use crate::net::errno::errno_text;
use std::io;
use std::time::{Duration, Instant};

/// Where the half-close stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shut {
    /// Not yet (stdin has not ended, or its bytes are still going out).
    No,
    /// Asked for; the stream could not do it yet (TLS: close_notify waits for room).
    Pending,
    Done,
}

/// Copies `ends.input` to `d` and `d` to `ends.output` until the session ends (see the
/// module's doc): the bytes each way, the first byte's time from the start, how it ended.
pub fn pump(
    d: &mut dyn Duplex,
    ends: Ends,
    s: &Session,
    interrupt: &Interrupt,
    end: Option<Instant>,
) -> Outcome {
    let start = Instant::now();
    let mut o = Outcome::default();
    let mut out = Output::new(ends.output, CAP);
    let mut to_peer = Buf::new(CAP);
    let mut crlf = Crlf::default();
    let mut scratch = vec![0u8; CAP];
    let mut converted = Vec::with_capacity(CAP);
    let mut stdin_end: Option<Duration> = None;
    let mut shut = Shut::No;
    let mut half_closed = false;
    // Bytes the stream took that it may still hold (TLS records): flush before SHUT_WR.
    let mut unflushed = false;
    // The stream is over, for this reason; the session ends once the output has its bytes.
    let mut over: Option<ReadEnd> = None;
    let mut last = start;
    let fail = |o: &mut Outcome, what: &str, e: &io::Error| {
        o.error = Some(format!("{what}: {}", errno_text(e)));
        if matches!(e.raw_os_error(), Some(libc::ECONNRESET) | Some(libc::EPIPE)) {
            ReadEnd::Reset
        } else {
            ReadEnd::Error
        }
    };
    let ended = loop {
        if interrupt.raised() {
            break ReadEnd::Interrupted;
        }
        if past(end) {
            break ReadEnd::MaxTime;
        }
        let idle_end = s.idle_timeout.map(|i| deadline_after(last, i));
        if idle_end.is_some_and(|t| Instant::now() >= t) {
            break ReadEnd::Timeout;
        }
        if let Some(e) = over {
            if out.buf.is_empty() {
                break e;
            }
        }
        if stdin_end.is_some()
            && to_peer.is_empty()
            && !unflushed
            && shut == Shut::No
            && !s.no_shutdown
        {
            shut = Shut::Pending;
        }
        if shut == Shut::Pending && over.is_none() {
            match d.shutdown_write() {
                Ok(()) => {
                    shut = Shut::Done;
                    half_closed = true;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                // ENOTCONN after a reset: reading says what happened.
                Err(_) => shut = Shut::Done,
            }
        }

        let open = over.is_none();
        // With --crlf each byte may become two.
        let want_in = open && stdin_end.is_none() && to_peer.space() >= 2;
        let want_read = open && out.buf.space() > 0;
        let want_write = open && (!to_peer.is_empty() || unflushed || shut == Shut::Pending);
        let ready_now = want_read && d.readable_now();
        let left = if ready_now {
            Duration::ZERO
        } else {
            wait_left(&[end, idle_end])
        };
        let entries = [
            (ends.input, if want_in { libc::POLLIN } else { 0 }),
            (
                ends.output,
                if out.buf.is_empty() { 0 } else { libc::POLLOUT },
            ),
            (d.fd(), d.interest(want_read, want_write)),
        ];
        let revents = match poll(entries, left) {
            Ok(r) => r,
            Err(e) => {
                o.error = Some(format!("waiting: {}", errno_text(&e)));
                break ReadEnd::Error;
            }
        };
        let now = Instant::now();

        // stdin → the buffer to the peer. Read only when poll said so: stdin may block.
        if revents[0] != 0 {
            let room = if s.crlf {
                to_peer.space() / 2
            } else {
                to_peer.space()
            };
            match read_fd(ends.input, &mut scratch[..room]) {
                Ok(0) => stdin_end = Some(now - start),
                Ok(n) => {
                    if s.crlf {
                        converted.clear();
                        crlf.convert(&scratch[..n], &mut converted);
                        to_peer.extend(&converted);
                    } else {
                        to_peer.extend(&scratch[..n]);
                    }
                    last = now;
                }
                Err(e)
                    if e.kind() == io::ErrorKind::WouldBlock
                        || e.kind() == io::ErrorKind::Interrupted => {}
                // EIO: the terminal went away. Either way nothing more comes.
                Err(_) => stdin_end = Some(now - start),
            }
        }

        // The peer → the buffer to the output.
        if want_read && (revents[2] != 0 || ready_now) {
            let room = out.buf.space();
            match d.read(&mut scratch[..room]) {
                Ok(0) => {
                    over = Some(if stdin_end.is_some() {
                        ReadEnd::Eof
                    } else {
                        ReadEnd::PeerClosed
                    })
                }
                Ok(n) => {
                    if o.first_byte.is_none() {
                        o.first_byte = Some(now - start);
                    }
                    o.received += n as u64;
                    out.buf.extend(&scratch[..n]);
                    last = now;
                }
                Err(e)
                    if e.kind() == io::ErrorKind::WouldBlock
                        || e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => over = Some(fail(&mut o, "receiving", &e)),
            }
        }

        // The buffer → the peer: tried at once (a write that cannot go on says so).
        while over.is_none() && !to_peer.is_empty() {
            match d.write(to_peer.pending()) {
                Ok(0) => break,
                Ok(n) => {
                    to_peer.consume(n);
                    o.sent += n as u64;
                    unflushed = true;
                    last = now;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => over = Some(fail(&mut o, "sending", &e)),
            }
        }
        if over.is_none() && (unflushed || revents[2] & libc::POLLOUT != 0) {
            match d.flush() {
                Ok(()) => unflushed = false,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => unflushed = true,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => over = Some(fail(&mut o, "sending", &e)),
            }
        }

        // The buffer → the output.
        match out.write_some() {
            Wrote::Fine(0) => {}
            Wrote::Fine(_) => last = now,
            Wrote::Closed => break ReadEnd::StdoutClosed,
            Wrote::Failed(e) => {
                o.error = Some(format!("writing the output: {}", errno_text(&e)));
                break ReadEnd::Error;
            }
        }
    };
    o.ended = ended;
    o.session = SessionReport {
        duration: start.elapsed(),
        stdin_end,
        half_closed,
        datagrams_sent: None,
        datagrams_received: None,
    };
    o
}
