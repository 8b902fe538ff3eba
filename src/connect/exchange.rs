//! The one-shot exchanges over a connection: send what the plan has, half-close if asked, then
//! read as the read mode says (TCP, UNIX streams and TLS through [`Duplex`]); a connected UDP
//! socket's datagram and reply.
use super::duplex::{await_io, Duplex};
use super::{Config, ReadEnd, ReadMode, Report, KEEP, QUIET};
use crate::interrupt::Interrupt;
use crate::net::attempt::{deadline_after, wait, Attempt, Waited};
use crate::net::classify::classify;
use crate::net::{recverr, Reason, State};
use crate::probe;
use socket2::Socket;
use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::time::{Duration, Instant};

/// The wait that ends first: `until` or the whole run's end.
pub(crate) fn sooner(until: Instant, end: Option<Instant>) -> Instant {
    end.map_or(until, |e| e.min(until))
}

/// The whole run's end has come.
pub(crate) fn past(end: Option<Instant>) -> bool {
    end.is_some_and(|e| Instant::now() >= e)
}

pub(crate) fn push_data(report: &mut Report, chunk: &[u8]) {
    report.received += chunk.len() as u64;
    let room = KEEP.saturating_sub(report.data.len());
    report
        .data
        .extend_from_slice(&chunk[..chunk.len().min(room)]);
}

/// Sends everything (and flushes what the stream holds), each wait for room bounded by the
/// timeout, all of it by `end`.
pub(crate) fn send_all(
    d: &mut dyn Duplex,
    buf: &[u8],
    timeout: Duration,
    interrupt: &Interrupt,
    end: Option<Instant>,
) -> Result<u64, (u64, String)> {
    let mut off = 0;
    loop {
        let step = if off < buf.len() {
            d.write(&buf[off..]).map(|n| off += n)
        } else {
            match d.flush() {
                Ok(()) => return Ok(off as u64),
                Err(e) => Err(e),
            }
        };
        match step {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                let until = sooner(deadline_after(Instant::now(), timeout), end);
                match await_io(&*d, false, true, until, interrupt) {
                    Ok(Waited::Ready) => {}
                    Ok(Waited::Timeout) if past(end) => {
                        return Err((off as u64, "sending: --max-time ran out".into()))
                    }
                    Ok(Waited::Timeout) => {
                        return Err((
                            off as u64,
                            "sending: no room in the send buffer for the timeout".into(),
                        ))
                    }
                    Ok(Waited::Interrupted) => return Err((off as u64, "interrupted".into())),
                    Err(e) => {
                        return Err((
                            off as u64,
                            format!("sending: {}", crate::net::errno::errno_text(&e)),
                        ))
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err((
                    off as u64,
                    format!("sending: {}", crate::net::errno::errno_text(&e)),
                ))
            }
        }
    }
}

pub(crate) fn recv_into(mut sock: &Socket, buf: &mut [u8]) -> io::Result<usize> {
    // socket2's `Read for &Socket` is recv(2) into initialised bytes.
    io::Read::read(&mut sock, buf)
}

/// Sends the plan's data, half-closes if asked, and reads as the read mode says.
pub(crate) fn stream_exchange(
    d: &mut dyn Duplex,
    cfg: &Config,
    interrupt: &Interrupt,
    report: &mut Report,
    end: Option<Instant>,
) {
    let mut since = Instant::now();
    if !cfg.send.is_empty() {
        match send_all(d, &cfg.send, cfg.timeout, interrupt, end) {
            Ok(n) => report.sent = n,
            Err((n, e)) => {
                report.sent = n;
                report.error = Some(e);
                return;
            }
        }
        since = Instant::now();
    }
    if cfg.shutdown {
        let _ = d.shutdown_write();
    }
    let mode = match cfg.read {
        ReadMode::None if !cfg.send.is_empty() => ReadMode::Banner,
        m => m,
    };
    if mode == ReadMode::None {
        return;
    }
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        // A stream that never pauses never lets a wait time out: --max-time ends it here.
        if past(end) {
            report.read_end = Some(ReadEnd::MaxTime);
            return;
        }
        let want = match mode {
            ReadMode::Bytes(n) => {
                let left = n.saturating_sub(report.received);
                if left == 0 {
                    report.read_end = Some(ReadEnd::Limit);
                    return;
                }
                left.min(buf.len() as u64) as usize
            }
            _ => buf.len(),
        };
        // A banner counts as complete once it pauses; anything else waits the timeout.
        let (limit, idle_end) = if mode == ReadMode::Banner && report.received > 0 {
            (QUIET.min(cfg.timeout), ReadEnd::Quiet)
        } else {
            (cfg.timeout, ReadEnd::Timeout)
        };
        let until = sooner(deadline_after(Instant::now(), limit), end);
        match await_io(&*d, true, false, until, interrupt) {
            Ok(Waited::Ready) => {}
            Ok(Waited::Timeout) => {
                report.read_end = Some(if past(end) {
                    ReadEnd::MaxTime
                } else {
                    idle_end
                });
                return;
            }
            Ok(Waited::Interrupted) => {
                report.read_end = Some(ReadEnd::Interrupted);
                return;
            }
            Err(e) => {
                report.read_end = Some(ReadEnd::Error);
                report.error = Some(format!("receiving: {}", crate::net::errno::errno_text(&e)));
                return;
            }
        }
        match d.read(&mut buf[..want]) {
            Ok(0) => {
                report.read_end = Some(ReadEnd::Eof);
                return;
            }
            Ok(n) => {
                if report.first_byte.is_none() {
                    report.first_byte = Some(since.elapsed());
                }
                push_data(report, &buf[..n]);
            }
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock
                    || e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.raw_os_error() == Some(libc::ECONNRESET) => {
                report.read_end = Some(ReadEnd::Reset);
                report.error = Some(format!("receiving: {}", crate::net::errno::errno_text(&e)));
                return;
            }
            Err(e) => {
                report.read_end = Some(ReadEnd::Error);
                report.error = Some(format!("receiving: {}", crate::net::errno::errno_text(&e)));
                return;
            }
        }
    }
}

/// An error on a connected UDP socket (an ICMP error answering a datagram, read from the
/// error queue) decides the attempt, as in `probe`.
pub(crate) fn udp_error(sock: &Socket, attempt: &mut Attempt, errno: i32) {
    let icmp = recverr::read_icmp(sock.as_raw_fd());
    let v6 = attempt.addr.is_ipv6();
    let (state, reason) = classify(errno, icmp.as_ref(), v6, probe::Proto::Udp);
    attempt.state = state;
    attempt.reason = reason;
    attempt.errno = Some(errno);
    attempt.icmp = icmp;
}

/// A connected UDP socket: send the datagram, wait for the reply; the reply or the ICMP
/// error decides the attempt.
pub(crate) fn udp_exchange(
    sock: &Socket,
    cfg: &Config,
    interrupt: &Interrupt,
    report: &mut Report,
    attempt: &mut Attempt,
    end: Option<Instant>,
) {
    let start = Instant::now();
    let fail = |attempt: &mut Attempt, errno: i32| {
        udp_error(sock, attempt, errno);
        attempt.elapsed += start.elapsed();
    };
    match sock.send(&cfg.send) {
        Ok(n) => report.sent = n as u64,
        Err(e) => {
            fail(attempt, e.raw_os_error().unwrap_or(0));
            return;
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
                attempt.elapsed += start.elapsed();
                return;
            }
            Ok(Waited::Interrupted) => {
                report.read_end = Some(ReadEnd::Interrupted);
                return;
            }
            Err(e) => {
                fail(attempt, e.raw_os_error().unwrap_or(0));
                return;
            }
        }
        match recv_into(sock, &mut buf) {
            Ok(n) => {
                report.first_byte = Some(sent_at.elapsed());
                push_data(report, &buf[..n]);
                report.read_end = Some(ReadEnd::Quiet);
                attempt.state = State::Open;
                attempt.reason = Reason::UdpResponse;
                attempt.elapsed += start.elapsed();
                return;
            }
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock
                    || e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                fail(attempt, e.raw_os_error().unwrap_or(0));
                return;
            }
        }
    }
}
