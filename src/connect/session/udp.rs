//! The session over a connected UDP socket: each line of stdin is one datagram (with its
//! newline, as ncat and nc send what a terminal gives them; `--crlf` makes it CRLF), each
//! reply is written out as it comes. After the end of stdin it waits for the last replies:
//! until nothing has arrived for `--idle-timeout` (else `--timeout`), or a short pause
//! ([`QUIET`]) once there are as many replies as datagrams sent.
use super::{poll, read_fd, wait_left, Crlf, Ends, Outcome, Output, Session, SessionReport, Wrote};
use crate::connect::exchange::{past, recv_into, udp_error};
use crate::connect::{ReadEnd, QUIET};
use crate::interrupt::Interrupt;
use crate::net::attempt::{deadline_after, Attempt};
use crate::net::errno::errno_text;
use crate::net::{Reason, State};
use socket2::Socket;
use std::collections::VecDeque;
use std::io;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

/// The largest UDP payload over IPv4 (65535 - 20 - 8); a longer line goes in pieces.
const MAX_DATAGRAM: usize = 65507;
/// Datagrams read from stdin and not yet sent: stdin waits beyond this.
const QUEUE: usize = 64;
/// A reply is only read when the output has room for the largest one.
const REPLY_ROOM: usize = 64 * 1024;

/// Sends stdin's lines over `sock` and writes the replies to `ends.output` until the session
/// ends. The first reply makes the attempt `open` (udp-response); an ICMP error (port
/// unreachable: ECONNREFUSED) decides it as the one-shot exchange does and ends the session
/// (`unreachable`).
pub fn lines(
    sock: &Socket,
    ends: Ends,
    s: &Session,
    timeout: Duration,
    interrupt: &Interrupt,
    attempt: &mut Attempt,
    end: Option<Instant>,
) -> Outcome {
    let start = Instant::now();
    let mut o = Outcome::default();
    let mut out = Output::new(ends.output, 2 * REPLY_ROOM);
    let mut scratch = vec![0u8; REPLY_ROOM];
    let mut line: Vec<u8> = Vec::new();
    let mut queue: VecDeque<Vec<u8>> = VecDeque::new();
    let mut crlf = Crlf::default();
    let mut stdin_end: Option<Duration> = None;
    let mut first_sent: Option<Instant> = None;
    let (mut sent, mut received) = (0u64, 0u64);
    let mut last = start;
    let mut over: Option<ReadEnd> = None;
    let grace = s.idle_timeout.unwrap_or(timeout);
    // With --crlf a line's LF may gain a CR: one byte of room for it.
    let piece = if s.crlf {
        MAX_DATAGRAM - 1
    } else {
        MAX_DATAGRAM
    };
    let mut datagram = |bytes: &[u8], queue: &mut VecDeque<Vec<u8>>| {
        let mut d = Vec::with_capacity(bytes.len() + 1);
        if s.crlf {
            crlf.convert(bytes, &mut d);
        } else {
            d.extend_from_slice(bytes);
        }
        queue.push_back(d);
    };
    let failed = |o: &mut Outcome, attempt: &mut Attempt, what: &str, e: io::Error| {
        let errno = e.raw_os_error().unwrap_or(0);
        udp_error(sock, attempt, errno);
        if attempt.state == State::Error {
            o.error = Some(format!("{what}: {}", errno_text(&e)));
            ReadEnd::Error
        } else {
            // The network answered (port unreachable, ...): the state and reason say it.
            ReadEnd::Unreachable
        }
    };
    let ended = loop {
        let now = Instant::now();
        if interrupt.raised() {
            break ReadEnd::Interrupted;
        }
        if past(end) {
            break ReadEnd::MaxTime;
        }
        if let Some(e) = over {
            if out.buf.is_empty() {
                break e;
            }
        }
        // While stdin is open, --idle-timeout; after it, the wait for the last replies.
        let quiet_end = match stdin_end {
            _ if over.is_some() => None,
            None => s.idle_timeout.map(|i| deadline_after(last, i)),
            Some(_) if queue.is_empty() => Some(deadline_after(
                last,
                if received >= sent {
                    QUIET.min(grace)
                } else {
                    grace
                },
            )),
            Some(_) => None,
        };
        if quiet_end.is_some_and(|t| now >= t) {
            if stdin_end.is_none() {
                break ReadEnd::Timeout;
            }
            // Over; the replies received still go out.
            over = Some(ReadEnd::Eof);
            continue;
        }

        let open = over.is_none();
        let want_in = open && stdin_end.is_none() && queue.len() < QUEUE;
        let want_read = open && out.buf.space() >= REPLY_ROOM;
        let want_write = open && !queue.is_empty();
        let mut sock_events = 0;
        if want_read {
            sock_events |= libc::POLLIN;
        }
        if want_write {
            sock_events |= libc::POLLOUT;
        }
        let entries = [
            (ends.input, if want_in { libc::POLLIN } else { 0 }),
            (
                ends.output,
                if out.buf.is_empty() { 0 } else { libc::POLLOUT },
            ),
            (sock.as_fd(), sock_events),
        ];
        let revents = match poll(entries, wait_left(&[end, quiet_end])) {
            Ok(r) => r,
            Err(e) => {
                o.error = Some(format!("waiting: {}", errno_text(&e)));
                break ReadEnd::Error;
            }
        };
        let now = Instant::now();

        // stdin → lines → datagrams.
        if revents[0] != 0 {
            match read_fd(ends.input, &mut scratch) {
                Ok(0) => {
                    stdin_end = Some(now - start);
                    if !line.is_empty() {
                        datagram(&line, &mut queue);
                        line.clear();
                    }
                }
                Ok(n) => {
                    let mut rest = &scratch[..n];
                    while !rest.is_empty() {
                        let to_newline = rest
                            .iter()
                            .position(|&b| b == b'\n')
                            .map_or(rest.len(), |i| i + 1);
                        let take = to_newline.min(piece - line.len());
                        line.extend_from_slice(&rest[..take]);
                        rest = &rest[take..];
                        if line.ends_with(b"\n") || line.len() == piece {
                            datagram(&line, &mut queue);
                            line.clear();
                        }
                    }
                    last = now;
                }
                Err(e)
                    if e.kind() == io::ErrorKind::WouldBlock
                        || e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => stdin_end = Some(now - start),
            }
        }

        // Datagrams → the peer.
        while over.is_none() {
            let Some(d) = queue.front() else { break };
            match sock.send(d) {
                Ok(n) => {
                    o.sent += n as u64;
                    sent += 1;
                    first_sent.get_or_insert(now);
                    queue.pop_front();
                    last = now;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => over = Some(failed(&mut o, attempt, "sending", e)),
            }
        }

        // Replies → the output.
        while over.is_none() && out.buf.space() >= REPLY_ROOM && revents[2] != 0 {
            match recv_into(sock, &mut scratch) {
                Ok(n) => {
                    let since = first_sent.unwrap_or(start);
                    if received == 0 {
                        o.first_byte = Some(now - since);
                    }
                    if attempt.state != State::Open {
                        attempt.state = State::Open;
                        attempt.reason = Reason::UdpResponse;
                        attempt.elapsed += now - since;
                    }
                    o.received += n as u64;
                    received += 1;
                    out.buf.extend(&scratch[..n]);
                    last = now;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => over = Some(failed(&mut o, attempt, "receiving", e)),
            }
        }

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
        half_closed: false,
        datagrams_sent: Some(sent),
        datagrams_received: Some(received),
    };
    o
}
