//! The HTTP check behind `sockdiag http`: HTTP/1.1 written by hand over a plain TCP socket,
//! as the seeds do, with a timing breakdown. The addresses of a name are tried in order, each
//! with its share of the time left; a failed connection is classified with the probe's
//! states and reasons. `--timeout` bounds the whole exchange: every read, write and
//! handshake step goes through [`Timed`]. The name is looked up once: a [`Check`] sees the
//! addresses found, and only those are connected to, so an answer that changes between the
//! check and the connection (DNS rebinding) cannot lead elsewhere. Returns data, never prints.
pub mod redirect;
pub mod response;
pub mod tls;
pub mod url;

pub use response::{Framing, Response};
pub use url::Url;

use crate::interrupt::Interrupt;
use crate::net::attempt::Attempt;
use crate::probe::{Icmp, Reason, State};
use crate::resolve::Family;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One request to make: plain values, no clap.
#[derive(Debug, Clone)]
pub struct Request {
    pub url: Url,
    /// `GET` or `HEAD`.
    pub method: &'static str,
    /// Extra headers; one with the name of a default (Host, User-Agent, Accept, Connection)
    /// replaces it.
    pub headers: Vec<(String, String)>,
    /// Deadline for the whole exchange: connect, write, and the response to its last byte.
    pub timeout: Duration,
    pub family: Family,
    /// For `https://`: the TLS client configuration (roots chosen at the edge).
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

/// When each phase ended, counted from the start (as curl's `time_*` are).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timing {
    pub resolve: Option<Duration>,
    pub connect: Option<Duration>,
    /// The TLS handshake finished (https only).
    pub tls: Option<Duration>,
    pub written: Option<Duration>,
    pub first_byte: Option<Duration>,
    pub total: Duration,
}

/// Where and why an exchange failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The name did not resolve (or had no address of the family asked for), and why.
    Resolve(String, crate::resolve::FailKind),
    /// No address took the connection: the probe's state and reason for the last one tried
    /// (each address's own are in [`Exchange::attempts`]).
    Connect {
        state: State,
        reason: Reason,
        errno: Option<i32>,
        icmp: Option<Icmp>,
    },
    /// The TLS handshake failed (certificate not trusted, expired, wrong name, ...).
    Tls(String),
    /// Writing the request failed.
    Write(String),
    /// No complete response before the deadline.
    Timeout(String),
    /// The response could not be read or is not HTTP; the message shows what came.
    Response(String),
    /// The [`Check`] refused the host or its addresses: nothing was sent to it.
    Refused(String),
}

/// Whether a URL's host, with the addresses its lookup found (none when it failed), may be
/// connected to: `Err` says why not. The engine connects only to the addresses it passed.
pub type Check<'a> = &'a dyn Fn(&Url, &[IpAddr]) -> Result<(), String>;

impl Failure {
    pub fn stage(&self) -> &'static str {
        match self {
            Failure::Resolve(..) => "resolve",
            Failure::Connect { .. } => "connect",
            Failure::Tls(_) => "tls",
            Failure::Write(_) => "write",
            Failure::Timeout(_) | Failure::Response(_) => "response",
            Failure::Refused(_) => "refused",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Failure::Resolve(m, _)
            | Failure::Tls(m)
            | Failure::Write(m)
            | Failure::Timeout(m)
            | Failure::Response(m)
            | Failure::Refused(m) => m.clone(),
            Failure::Connect {
                state,
                reason,
                errno,
                ..
            } => outcome(*state, *reason, *errno),
        }
    }
}

/// `closed conn-refused (ECONNREFUSED)`.
fn outcome(state: State, reason: Reason, errno: Option<i32>) -> String {
    let e = errno.map(|e| format!(" ({})", crate::net::errno::name(e)));
    format!(
        "{} {}{}",
        state.as_str(),
        reason.token(),
        e.unwrap_or_default()
    )
}

/// Each address tried and how it fared: `[2001:db8::2]:80 filtered no-response; ...`.
pub fn attempts_text(attempts: &[Attempt]) -> String {
    attempts
        .iter()
        .map(|a| {
            format!(
                "{} {}",
                crate::input::targets::ShownAddr(a.addr),
                outcome(a.state, a.reason, a.errno)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// One exchange: the addresses tried, the response (whole, or as far as it came) and why it
/// failed, and the timing.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The address connected to, or the last one tried.
    pub addr: Option<SocketAddr>,
    /// Each address tried, in order, with how it fared.
    pub attempts: Vec<Attempt>,
    /// The request head as written.
    pub request_head: String,
    /// The response: whole when `failure` is `None`, else what arrived before the failure
    /// (a head came whole: its status, headers and the body bytes counted).
    pub response: Option<Response>,
    pub failure: Option<Failure>,
    pub timing: Timing,
    /// https: what the handshake settled.
    pub tls: Option<tls::TlsInfo>,
}

impl Exchange {
    /// A whole response with a 2xx or 3xx status.
    pub fn is_ok(&self) -> bool {
        self.failure.is_none()
            && matches!(&self.response, Some(r) if (200..400).contains(&r.status))
    }
}

/// The request head: the defaults, with `-H` headers replacing same-named ones.
pub fn request_head(req: &Request) -> String {
    let defaults = [
        ("Host", req.url.host_header()),
        (
            "User-Agent",
            format!("sockdiag/{}", env!("CARGO_PKG_VERSION")),
        ),
        ("Accept", "*/*".to_string()),
        ("Connection", "close".to_string()),
    ];
    let mut head = format!("{} {} HTTP/1.1\r\n", req.method, req.url.target);
    for (n, v) in &defaults {
        if !req.headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(n)) {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
    }
    for (n, v) in &req.headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    head
}

/// Longest one blocking read, write or handshake step lasts before the interrupt flag is
/// looked at again.
const TICK: Duration = Duration::from_millis(50);

/// Makes one request on a new connection. Ctrl-C (`interrupt`) cuts the exchange short
/// within [`TICK`]: the result is then a failure the caller should not report as an answer.
pub fn fetch(req: &Request, interrupt: &Interrupt) -> Exchange {
    fetch_checked(req, &|_, _| Ok(()), interrupt)
}

/// [`fetch`], with the addresses of the host passed through `check` before any connection:
/// the engine connects only to addresses `check` saw.
pub fn fetch_checked(req: &Request, check: Check, interrupt: &Interrupt) -> Exchange {
    let start = Instant::now();
    let deadline = crate::net::attempt::deadline_after(start, req.timeout);
    let head = request_head(req);
    let mut ex = Exchange {
        addr: None,
        attempts: Vec::new(),
        request_head: head.clone(),
        response: None,
        failure: None,
        timing: Timing::default(),
        tls: None,
    };
    let done = |mut ex: Exchange, f: Option<Failure>| {
        ex.failure = f;
        ex.timing.total = start.elapsed();
        ex
    };
    let within = || humantime::format_duration(req.timeout).to_string();
    // As `sockdiag resolve` does it: a literal of the family, a legacy numeric form, or
    // getaddrinfo.
    let found = crate::resolve::resolve_one(&req.url.host, req.family, false);
    ex.timing.resolve = Some(start.elapsed());
    let ips: Vec<IpAddr> = found.addrs.into_iter().map(|a| a.addr).collect();
    if let Err(m) = check(&req.url, &ips) {
        return done(ex, Some(Failure::Refused(m)));
    }
    if let Some(e) = found.error {
        // A literal's message names it already; a lookup's does not.
        let host = &req.url.host;
        let m = if e.message.starts_with(host.as_str()) {
            e.message
        } else {
            format!("{host}: {}", e.message)
        };
        return done(ex, Some(Failure::Resolve(m, e.kind)));
    }
    let tcp = match connect_any(&ips, req.url.port, deadline, interrupt, &mut ex) {
        Ok(tcp) => tcp,
        Err(f) => return done(ex, Some(f)),
    };
    ex.timing.connect = Some(start.elapsed());
    let tcp = match tcp {
        Connected::Stream(s) => s,
        Connected::Reset(errno) => {
            let m = format!(
                "the server reset the connection right after accepting it ({}): \
                 the port is open, but nothing could be sent",
                crate::net::errno::name(errno)
            );
            let f = if req.tls.is_some() {
                Failure::Tls(m)
            } else {
                Failure::Write(m)
            };
            return done(ex, Some(f));
        }
    };
    let sock = Timed {
        tcp,
        deadline,
        interrupt: interrupt.clone(),
    };
    let mut stream = match &req.tls {
        None => Stream::Plain(sock),
        Some(cfg) => match tls::handshake(sock, &req.url.host, cfg) {
            Ok((s, info)) => {
                ex.timing.tls = Some(start.elapsed());
                ex.tls = Some(info);
                Stream::Tls(Box::new(s))
            }
            Err(m) => return done(ex, Some(Failure::Tls(m))),
        },
    };
    if let Err(e) = stream.send(head.as_bytes()) {
        let f = match e.kind() {
            io::ErrorKind::TimedOut => Failure::Timeout(format!(
                "no complete response within {}: the request could not be written",
                within()
            )),
            _ => Failure::Write(format!("writing the request: {}", io_text(&e))),
        };
        return done(ex, Some(f));
    }
    ex.timing.written = Some(start.elapsed());
    let mut first = None;
    let r = response::read(&mut Reader(&mut stream), req.method == "HEAD", &mut || {
        first = Some(start.elapsed())
    });
    ex.timing.first_byte = first;
    let cut = match r {
        Ok(resp) => {
            ex.response = Some(resp);
            return done(ex, None);
        }
        Err(cut) => cut,
    };
    let progress = cut.progress();
    let f = match &cut.error {
        response::ReadError::Io(io) if io.kind() == io::ErrorKind::TimedOut => {
            let got = match &progress {
                Some(p) => format!(": the head and {p} arrived"),
                None if first.is_some() => ": the head did not arrive whole".into(),
                None => ": nothing arrived".into(),
            };
            Failure::Timeout(format!("no complete response within {}{got}", within()))
        }
        response::ReadError::Io(io) => {
            let when = match &progress {
                Some(p) => format!("after {p}"),
                None if first.is_some() => "inside the response head".into(),
                None => "before any response".into(),
            };
            match io.raw_os_error() {
                Some(e @ (libc::ECONNRESET | libc::EPIPE)) => Failure::Response(format!(
                    "the server reset the connection ({}) {when}",
                    crate::net::errno::name(e)
                )),
                _ => Failure::Response(format!("reading the response {when}: {}", io_text(io))),
            }
        }
        other => Failure::Response(other.to_string()),
    };
    ex.response = cut.partial.map(|r| *r);
    done(ex, Some(f))
}

/// An I/O error as people read it: `ECONNRESET (Connection reset by peer)`.
fn io_text(e: &io::Error) -> String {
    crate::net::errno::errno_text(e)
}

/// What connecting gave.
enum Connected {
    Stream(TcpStream),
    /// The handshake completed and the server reset the connection at once (the errno).
    Reset(i32),
}

/// Tries each address in order until one connects, as `sockdiag connect` does; each gets an
/// equal share of the time left (the last one all of it, as curl shares it), so an address
/// that drops the SYN cannot use up the time of the next. Every attempt goes into
/// `ex.attempts`, and `ex.addr` is the last address tried.
fn connect_any(
    ips: &[IpAddr],
    port: u16,
    deadline: Instant,
    interrupt: &Interrupt,
    ex: &mut Exchange,
) -> Result<Connected, Failure> {
    for (i, &ip) in ips.iter().enumerate() {
        if interrupt.raised() {
            break;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let share = left / (ips.len() - i) as u32;
        let addr = SocketAddr::new(ip, port);
        ex.addr = Some(addr);
        let tried = crate::net::attempt::connect_one(
            addr,
            crate::net::Proto::Tcp,
            share,
            interrupt,
            &mut |_| Ok(()),
        );
        ex.attempts.push(tried.attempt.clone());
        if let Some(errno) = tried.reset {
            return Ok(Connected::Reset(errno));
        }
        let Some(sock) = tried.sock else {
            continue;
        };
        if let Err(e) = sock.set_nonblocking(false) {
            let errno = e.raw_os_error().unwrap_or(0);
            return Err(Failure::Connect {
                state: State::Error,
                reason: Reason::Local(errno),
                errno: Some(errno),
                icmp: None,
            });
        }
        let _ = sock.set_nodelay(true);
        return Ok(Connected::Stream(sock.into()));
    }
    Err(match ex.attempts.last() {
        Some(a) => Failure::Connect {
            state: a.state,
            reason: a.reason,
            errno: a.errno,
            icmp: a.icmp,
        },
        None if interrupt.raised() => Failure::Timeout("interrupted".into()),
        None if ips.is_empty() => {
            Failure::Resolve("no address".into(), crate::resolve::FailKind::NoData)
        }
        None => Failure::Timeout("no time left to connect after resolving the name".into()),
    })
}

/// The connection under the exchange: every read and write waits at most until the
/// deadline (then fails with `TimedOut`), in steps of at most [`TICK`] so that Ctrl-C is
/// seen. TLS runs over it too, so a server that trickles a record byte by byte cannot keep
/// a handshake or a read going past the deadline.
pub struct Timed {
    pub tcp: TcpStream,
    deadline: Instant,
    interrupt: Interrupt,
}

impl Timed {
    /// The time left for one step, or the error that ends the exchange.
    fn step(&self) -> io::Result<Duration> {
        if self.interrupt.raised() {
            // Not ErrorKind::Interrupted: readers retry that one.
            return Err(io::Error::other("interrupted"));
        }
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        Ok(left.min(TICK))
    }

    /// Ctrl-C was pressed.
    pub fn interrupted(&self) -> bool {
        self.interrupt.raised()
    }
}

/// An error that only says one step ran out (or a signal came): the deadline decides.
fn step_ended(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let d = self.step()?;
            self.tcp.set_read_timeout(Some(d))?;
            match self.tcp.read(buf) {
                Err(e) if step_ended(&e) => {}
                r => return r,
            }
        }
    }
}

impl Write for Timed {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        loop {
            let d = self.step()?;
            self.tcp.set_write_timeout(Some(d))?;
            match self.tcp.write(buf) {
                Err(e) if step_ended(&e) => {}
                r => return r,
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

/// The connection: plain, or TLS over it.
enum Stream {
    Plain(Timed),
    Tls(Box<tls::TlsStream>),
}

impl Stream {
    fn send(&mut self, b: &[u8]) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.write_all(b),
            Stream::Tls(s) => {
                s.write_all(b)?;
                s.flush()
            }
        }
    }
}

/// The response side of the stream.
struct Reader<'a>(&'a mut Stream);

impl Read for Reader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.0 {
            Stream::Plain(s) => s.read(buf),
            // A server that closes without close_notify: taken as the end of the stream.
            // Content-Length and chunked bodies still show a truncation as an error.
            Stream::Tls(s) => match s.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
                r => r,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_headers_replace_defaults() {
        let req = Request {
            url: url::parse("http://127.0.0.1:8080/x").unwrap(),
            method: "GET",
            headers: vec![
                ("host".into(), "example.test".into()),
                ("X-Test".into(), "1".into()),
            ],
            timeout: Duration::from_secs(1),
            family: Family::Any,
            tls: None,
        };
        let h = request_head(&req);
        assert!(h.starts_with("GET /x HTTP/1.1\r\n"), "{h}");
        assert!(!h.contains("Host: 127.0.0.1"), "{h}");
        assert!(h.contains("host: example.test\r\n") && h.contains("X-Test: 1\r\n"));
        assert!(h.contains("Connection: close\r\n") && h.ends_with("\r\n\r\n"));
    }

    #[test]
    fn refused_is_classified_like_probe() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let req = Request {
            url: url::parse(&format!("http://127.0.0.1:{port}/")).unwrap(),
            method: "GET",
            headers: vec![],
            timeout: Duration::from_secs(2),
            family: Family::Any,
            tls: None,
        };
        let ex = fetch(&req, &Interrupt::never());
        assert!(ex.response.is_none());
        assert_eq!(ex.attempts.len(), 1);
        match ex.failure {
            Some(Failure::Connect { state, reason, .. }) => {
                assert_eq!((state, reason), (State::Closed, Reason::ConnRefused))
            }
            other => panic!("{other:?}"),
        }
        assert!(ex.timing.connect.is_none() && ex.timing.resolve.is_some());
    }
}
