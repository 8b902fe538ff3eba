//! The one-shot connection: try each address of a name in order until one connects (TCP), or
//! answers (a connected UDP socket), with the options of a plan set first; then exchange data
//! and read the kernel's view of the connection (TCP_INFO). A failure gets the same state and
//! reason as `probe` gives it (the same classifier and ICMP error queue). Returns a report;
//! never prints.
pub mod duplex;
mod exchange;
pub mod session;
mod text;
pub mod tls;
pub mod unix;

pub use duplex::{await_io, Duplex};
pub use session::{Crlf, Session, SessionReport};
pub use text::{escape, hexdump};

use crate::interrupt::Interrupt;
use crate::net::attempt::{deadline_after, Attempt};
use crate::net::{Icmp, Proto, Reason, State};
use crate::sockopt::{self, OptionRecord};
use serde::Serialize;
use socket2::Socket;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

/// How long a banner or reply may pause before it counts as complete.
pub const QUIET: Duration = Duration::from_millis(200);
/// The most received bytes kept to show; all are counted.
pub const KEEP: usize = 1 << 20;

/// What to read after connecting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadMode {
    /// Nothing to read (nothing was sent and nothing asked for).
    #[default]
    None,
    /// What the server sends first: wait up to the timeout for it, then until it pauses.
    Banner,
    /// Up to this many bytes (or the close, or the timeout).
    Bytes(u64),
    /// Until the peer closes (or nothing arrives for the timeout).
    UntilClose,
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub udp: bool,
    /// Deadline of the connect, of the UDP reply, and of each wait for data.
    pub timeout: Duration,
    pub opts: sockopt::Plan,
    pub send: Vec<u8>,
    pub read: ReadMode,
    /// Half-close (SHUT_WR) after sending, so the peer sees the end of input.
    pub shutdown: bool,
    /// Local address (and port, if not 0) to connect from.
    pub source: Option<SocketAddr>,
    /// SO_BINDTODEVICE.
    pub interface: Option<String>,
    /// Bound on the whole run: the connects, sending and reading (`--max-time`).
    pub max_time: Option<Duration>,
    /// `--tls`: a TLS client over the connection.
    pub tls: Option<tls::Setup>,
    /// An interactive session with stdin and stdout instead of the one-shot exchange.
    pub session: Option<Session>,
    /// A UNIX socket instead of an IP address and port (see [`unix::run`]).
    pub unix: Option<crate::net::unix::UnixTarget>,
}

/// Why reading stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadEnd {
    /// The peer closed its side (a session: after the end of our stdin).
    Eof,
    /// A session: the peer closed while our stdin was still open.
    PeerClosed,
    /// `--read N` bytes arrived.
    Limit,
    /// The banner or reply paused: taken as complete.
    Quiet,
    /// Nothing arrived for the timeout.
    Timeout,
    /// The peer reset the connection.
    Reset,
    /// Ctrl-C.
    Interrupted,
    /// `--max-time` ran out.
    MaxTime,
    /// A UDP session: an ICMP error (port unreachable, ...) ended it; the state and the
    /// reason say which.
    Unreachable,
    /// A session: the reader of our stdout went away.
    StdoutClosed,
    /// Another error (in `error`).
    Error,
}

impl ReadEnd {
    pub fn as_str(self) -> &'static str {
        match self {
            ReadEnd::Eof => "eof",
            ReadEnd::Limit => "limit",
            ReadEnd::Quiet => "quiet",
            ReadEnd::Timeout => "timeout",
            ReadEnd::Reset => "reset",
            ReadEnd::Interrupted => "interrupted",
            ReadEnd::MaxTime => "max-time",
            ReadEnd::PeerClosed => "peer-closed",
            ReadEnd::Unreachable => "unreachable",
            ReadEnd::StdoutClosed => "stdout-closed",
            ReadEnd::Error => "error",
        }
    }
}

/// The kernel's view of a TCP connection (TCP_INFO), times in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TcpInfo {
    pub state: &'static str,
    pub rtt_ms: f64,
    pub rttvar_ms: f64,
    pub min_rtt_ms: f64,
    /// Sending MSS.
    pub mss: u32,
    pub rcv_mss: u32,
    pub advmss: u32,
    pub pmtu: u32,
    pub cwnd: u32,
    pub ssthresh: u32,
    /// Segments retransmitted over the connection's life.
    pub retransmits: u32,
    pub snd_wscale: u8,
    pub rcv_wscale: u8,
}

impl TcpInfo {
    pub fn read(fd: RawFd) -> io::Result<TcpInfo> {
        let t = crate::net::sys::tcp_info(fd)?;
        let us = |v: u32| (v as f64) / 1000.0;
        Ok(TcpInfo {
            state: tcp_state(t.tcpi_state),
            rtt_ms: us(t.tcpi_rtt),
            rttvar_ms: us(t.tcpi_rttvar),
            min_rtt_ms: us(t.tcpi_min_rtt),
            mss: t.tcpi_snd_mss,
            rcv_mss: t.tcpi_rcv_mss,
            advmss: t.tcpi_advmss,
            pmtu: t.tcpi_pmtu,
            cwnd: t.tcpi_snd_cwnd,
            // "Infinite" until the first loss.
            ssthresh: t.tcpi_snd_ssthresh,
            retransmits: t.tcpi_total_retrans,
            snd_wscale: t.tcpi_snd_rcv_wscale & 0x0f,
            rcv_wscale: t.tcpi_snd_rcv_wscale >> 4,
        })
    }
}

fn tcp_state(s: u8) -> &'static str {
    match s {
        1 => "established",
        2 => "syn-sent",
        3 => "syn-recv",
        4 => "fin-wait1",
        5 => "fin-wait2",
        6 => "time-wait",
        7 => "close",
        8 => "close-wait",
        9 => "last-ack",
        10 => "listen",
        11 => "closing",
        _ => "unknown",
    }
}

/// Everything about one connection, or why there was none.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub target: String,
    pub port: u16,
    pub udp: bool,
    pub attempts: Vec<Attempt>,
    pub peer: Option<SocketAddr>,
    pub local: Option<SocketAddr>,
    pub connect_time: Option<Duration>,
    pub tcp_info: Option<TcpInfo>,
    pub options: Vec<OptionRecord>,
    pub sent: u64,
    pub received: u64,
    /// From the end of sending (or the connect, when nothing was sent) to the first byte.
    pub first_byte: Option<Duration>,
    /// The first [`KEEP`] bytes received.
    pub data: Vec<u8>,
    pub read_end: Option<ReadEnd>,
    /// An error while exchanging data (the connection itself succeeded).
    pub error: Option<String>,
    /// The interactive session, when there was one.
    pub session: Option<SessionReport>,
    pub state: State,
    pub reason: Reason,
    pub errno: Option<i32>,
    pub icmp: Option<Icmp>,
    /// `--tls`: the handshake and the session (or why there was none).
    pub tls: Option<tls::TlsReport>,
    /// A UNIX socket's connect: its names and peer (`None` for TCP and UDP).
    pub unix: Option<unix::UnixEnds>,
}

impl Report {
    pub fn connected(&self) -> bool {
        self.state == State::Open
    }
    pub fn option_errors(&self) -> bool {
        self.options.iter().any(|o| o.error.is_some())
    }
    /// `--tls` was asked and no TLS session came of it.
    pub fn tls_failed(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| t.error.is_some())
    }
}

/// Connects to the first address of `addrs` that accepts (or answers, for UDP), exchanges
/// the data of `cfg`, and reports. `addrs` is the name's addresses in order, port 0 (a
/// link-local IPv6 address with its scope id).
pub fn run(
    target: &str,
    addrs: &[SocketAddr],
    port: u16,
    cfg: &Config,
    interrupt: &Interrupt,
) -> Report {
    let limits = (!cfg.opts.is_empty()).then(sockopt::Limits::read);
    let mut report = Report {
        target: target.to_string(),
        port,
        udp: cfg.udp,
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
        session: None,
        state: State::Error,
        reason: Reason::Local(libc::EDESTADDRREQ),
        errno: None,
        icmp: None,
        tls: None,
        unix: None,
    };
    let proto = if cfg.udp { Proto::Udp } else { Proto::Tcp };
    let end = cfg.max_time.map(|d| deadline_after(Instant::now(), d));
    for &a in addrs {
        if interrupt.raised() {
            break;
        }
        // Each connect within --timeout, and all of them within --max-time.
        let timeout = match end {
            Some(end) => {
                let left = end.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                cfg.timeout.min(left)
            }
            None => cfg.timeout,
        };
        // Each address starts clean; the last one tried keeps what it sent and received
        // (a datagram that left counts as sent, reply or not).
        report.peer = None;
        report.connect_time = None;
        report.sent = 0;
        report.received = 0;
        report.first_byte = None;
        report.data.clear();
        report.read_end = None;
        report.error = None;
        report.tls = None;
        let mut dest = a;
        dest.set_port(port);
        let c = sockopt::connect_and_inspect(
            dest,
            proto,
            &cfg.opts,
            limits.as_ref(),
            false,
            timeout,
            interrupt,
            &mut |s: &Socket| {
                crate::net::bind::bind_local(
                    s,
                    dest.is_ipv6(),
                    cfg.source,
                    cfg.interface.as_deref(),
                )
            },
        );
        let (mut tried, applied) = (c.tried, c.applied);
        let mut options = c.options;
        if limits.is_some() && tried.sock.is_none() {
            // No socket left to read: show what was asked and what the kernel refused.
            options = applied
                .iter()
                .map(|a| {
                    let sp = sockopt::spec(a.opt);
                    OptionRecord {
                        name: sp.name,
                        level: sp.level,
                        default: None,
                        requested: Some(a.requested),
                        effective: None,
                        note: None,
                        error: a.error.as_ref().map(|e| {
                            format!(
                                "the kernel refused {}: {}",
                                a.requested,
                                crate::net::errno::errno_text(e)
                            )
                        }),
                    }
                })
                .collect();
        }
        report.options = options;
        report.local = tried.local;
        if let Some(mut sock) = tried.sock.take() {
            report.peer = sock.peer_addr().ok().and_then(|a| a.as_socket());
            report.connect_time = Some(tried.attempt.elapsed);
            if let Some(errno) = tried.reset {
                // Open (the handshake completed), and over before anything was exchanged.
                report.peer = Some(dest);
                report.read_end = Some(ReadEnd::Reset);
                report.error = Some(format!(
                    "the peer reset the connection right after the handshake ({})",
                    crate::net::errno::name(errno)
                ));
            } else if cfg.udp {
                if let Some(s) = &cfg.session {
                    let ends = session::Ends::STDIO;
                    let a = &mut tried.attempt;
                    session::lines(&sock, ends, s, cfg.timeout, interrupt, a, end)
                        .record(&mut report);
                } else {
                    exchange::udp_exchange(
                        &sock,
                        cfg,
                        interrupt,
                        &mut report,
                        &mut tried.attempt,
                        end,
                    );
                }
            } else if let Some(setup) = &cfg.tls {
                // TLS over the socket, then the same session or exchange through its Duplex.
                let (stream, tls) =
                    tls::handshake(&sock, dest.ip(), setup, cfg.timeout, interrupt, end);
                report.tls = Some(tls);
                if let Some(mut stream) = stream {
                    talk(&mut stream, cfg, interrupt, &mut report, end);
                    stream.close();
                    if let Some(t) = report.tls.as_mut() {
                        t.peer_close = stream.peer_close();
                    }
                } else if let Some(why) = report.tls.as_ref().and_then(|t| t.error.as_ref()) {
                    report.error = Some(format!("tls: {why}"));
                }
                report.tcp_info = TcpInfo::read(sock.as_raw_fd()).ok();
            } else {
                talk(&mut sock, cfg, interrupt, &mut report, end);
                report.tcp_info = TcpInfo::read(sock.as_raw_fd()).ok();
            }
            report.local = sock
                .local_addr()
                .ok()
                .and_then(|a| a.as_socket())
                .or(report.local);
        }
        let a = tried.attempt;
        report.state = a.state;
        report.reason = a.reason;
        report.errno = a.errno;
        report.icmp = a.icmp;
        report.attempts.push(a);
        // A session has taken stdin: no other address gets it.
        if report.state == State::Open || report.session.is_some() {
            break;
        }
    }
    if let (Some(end), Some(d)) = (end, cfg.max_time) {
        if report.state != State::Open && Instant::now() >= end {
            report.error = Some(format!(
                "--max-time {} ran out before a connection",
                humantime::format_duration(d)
            ));
        }
    }
    report
}

/// Over a connected stream (plain, TLS, UNIX): the interactive session, or the one-shot
/// exchange.
pub(crate) fn talk(
    d: &mut dyn Duplex,
    cfg: &Config,
    interrupt: &Interrupt,
    report: &mut Report,
    end: Option<Instant>,
) {
    match &cfg.session {
        Some(s) => session::pump(d, session::Ends::STDIO, s, interrupt, end).record(report),
        None => exchange::stream_exchange(d, cfg, interrupt, report, end),
    }
}
