//! The HTTP check behind `sockdiag http`: HTTP/1.1 written by hand over a plain TCP socket,
//! as the seeds do, with a timing breakdown. A failed connection is classified with the
//! probe's states and reasons. Returns data, never prints.
pub mod response;
pub mod tls;
pub mod url;

pub use response::{Framing, Response};
pub use url::Url;

use crate::interrupt::Interrupt;
use crate::probe::{Icmp, Reason, State};
use crate::resolve::Family;
use std::io::{self, Write};
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
    /// The name did not resolve (or had no address of the family asked for).
    Resolve(String),
    /// No address took the connection: the probe's state and reason for the last one tried.
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
}

impl Failure {
    pub fn stage(&self) -> &'static str {
        match self {
            Failure::Resolve(_) => "resolve",
            Failure::Connect { .. } => "connect",
            Failure::Tls(_) => "tls",
            Failure::Write(_) => "write",
            Failure::Timeout(_) | Failure::Response(_) => "response",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Failure::Resolve(m)
            | Failure::Tls(m)
            | Failure::Write(m)
            | Failure::Timeout(m)
            | Failure::Response(m) => m.clone(),
            Failure::Connect {
                state,
                reason,
                errno,
                ..
            } => {
                let e = errno.map(|e| format!(" ({})", crate::probe::errno::name(e)));
                format!(
                    "{} {}{}",
                    state.as_str(),
                    reason.token(),
                    e.unwrap_or_default()
                )
            }
        }
    }
}

/// One exchange: the address used, the response or why there was none, and the timing.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub addr: Option<SocketAddr>,
    /// The request head as written.
    pub request_head: String,
    pub result: Result<Response, Failure>,
    pub timing: Timing,
    /// https: what the handshake settled.
    pub tls: Option<tls::TlsInfo>,
}

impl Exchange {
    /// A 2xx or 3xx status.
    pub fn is_ok(&self) -> bool {
        matches!(&self.result, Ok(r) if (200..400).contains(&r.status))
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
    let start = Instant::now();
    let deadline = start + req.timeout;
    let head = request_head(req);
    let mut ex = Exchange {
        addr: None,
        request_head: head.clone(),
        result: Err(Failure::Resolve(String::new())),
        timing: Timing::default(),
        tls: None,
    };
    let done = |mut ex: Exchange, r: Result<Response, Failure>| {
        ex.result = r;
        ex.timing.total = start.elapsed();
        ex
    };
    // As `sockdiag resolve` does it: a literal of the family, a legacy numeric form, or
    // getaddrinfo.
    let found = crate::resolve::resolve_one(&req.url.host, req.family, false);
    ex.timing.resolve = Some(start.elapsed());
    if let Some(e) = found.error {
        // A literal's message names it already; a lookup's does not.
        let host = &req.url.host;
        let m = if e.message.starts_with(host.as_str()) {
            e.message
        } else {
            format!("{host}: {}", e.message)
        };
        return done(ex, Err(Failure::Resolve(m)));
    }
    let ips: Vec<IpAddr> = found.addrs.into_iter().map(|a| a.addr).collect();
    let mut last = None;
    let mut stream = None;
    for ip in ips {
        let addr = SocketAddr::new(ip, req.url.port);
        ex.addr = Some(addr);
        if interrupt.raised() {
            break;
        }
        match connect(addr, deadline, interrupt) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(f) => last = Some(f),
        }
    }
    let Some(tcp) = stream else {
        let f = last.unwrap_or(Failure::Resolve("no address".into()));
        return done(ex, Err(f));
    };
    ex.timing.connect = Some(start.elapsed());
    let mut stream = match &req.tls {
        None => Stream::Plain(tcp),
        Some(cfg) => match tls::handshake(tcp, &req.url.host, cfg, deadline, interrupt) {
            Ok((s, info)) => {
                ex.timing.tls = Some(start.elapsed());
                ex.tls = Some(info);
                Stream::Tls(Box::new(s))
            }
            Err(m) => return done(ex, Err(Failure::Tls(m))),
        },
    };
    let left = deadline.saturating_duration_since(Instant::now());
    let _ = stream
        .tcp()
        .set_write_timeout(Some(left.max(Duration::from_millis(1))));
    if let Err(e) = stream.send(head.as_bytes()) {
        return done(ex, Err(Failure::Write(format!("writing the request: {e}"))));
    }
    ex.timing.written = Some(start.elapsed());
    let mut first = None;
    let mut reader = Deadlined {
        s: &mut stream,
        deadline,
        interrupt,
    };
    let r = response::read(&mut reader, req.method == "HEAD", &mut || {
        first = Some(start.elapsed())
    });
    ex.timing.first_byte = first;
    let r = r.map_err(|e| match e {
        response::ReadError::Io(io) if io.kind() == io::ErrorKind::TimedOut => {
            Failure::Timeout(format!(
                "no complete response within {}",
                humantime::format_duration(req.timeout)
            ))
        }
        response::ReadError::Io(io) => Failure::Response(format!("reading the response: {io}")),
        other => Failure::Response(other.to_string()),
    });
    done(ex, r)
}

/// The connection: plain, or TLS over it.
enum Stream {
    Plain(TcpStream),
    Tls(Box<tls::TlsStream>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => &s.sock,
        }
    }

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

/// Reads with whatever is left of the deadline, in steps of at most [`TICK`] so that
/// Ctrl-C is seen.
struct Deadlined<'a> {
    s: &'a mut Stream,
    deadline: Instant,
    interrupt: &'a Interrupt,
}

impl io::Read for Deadlined<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.interrupt.raised() {
                // Not ErrorKind::Interrupted: readers retry that one.
                return Err(io::Error::other("interrupted"));
            }
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::ErrorKind::TimedOut.into());
            }
            self.s.tcp().set_read_timeout(Some(left.min(TICK)))?;
            let r = match self.s {
                Stream::Plain(s) => s.read(buf),
                // A server that closes without close_notify: taken as the end of the stream.
                // Content-Length and chunked bodies still show a truncation as an error.
                Stream::Tls(s) => match s.read(buf) {
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
                    r => r,
                },
            };
            match r {
                // This step's timeout: look at the flag and the deadline again.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                r => return r,
            }
        }
    }
}

/// Connects with the deadline through the connect engine's `connect_one` (the same
/// non-blocking connect, self-connect check and probe classification as `sockdiag
/// connect`), then hands over a blocking stream for the exchange.
fn connect(
    addr: SocketAddr,
    deadline: Instant,
    interrupt: &Interrupt,
) -> Result<TcpStream, Failure> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(no_response());
    }
    let tried = crate::connect::connect_one(addr, false, left, interrupt, &mut |_| Ok(()));
    let Some(sock) = tried.sock else {
        let a = tried.attempt;
        return Err(Failure::Connect {
            state: a.state,
            reason: a.reason,
            errno: a.errno,
            icmp: a.icmp,
        });
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
    Ok(sock.into())
}

fn no_response() -> Failure {
    Failure::Connect {
        state: State::Filtered,
        reason: Reason::NoResponse,
        errno: None,
        icmp: None,
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
        match ex.result {
            Err(Failure::Connect { state, reason, .. }) => {
                assert_eq!((state, reason), (State::Closed, Reason::ConnRefused))
            }
            other => panic!("{other:?}"),
        }
        assert!(ex.timing.connect.is_none() && ex.timing.resolve.is_some());
    }
}
