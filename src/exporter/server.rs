//! The HTTP side: one listening socket, a thread per connection up to a bound (answers are
//! one request each, `Connection: close`), heads parsed by httparse (as `serve --http` and
//! the http engine do) with a 16 KiB limit. No HTTP crate: the exporter answers GETs with a
//! body it has whole, which is a head parser, a few limits and one write.
use super::{Answer, Exporter};
use crate::interrupt::Interrupt;
use socket2::{Domain, Socket, Type};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest request head read; a longer one (a 10 MB query string) gets 431.
pub const MAX_HEAD: usize = 16 * 1024;
/// How long a client has to send its head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// After answering, what is read (and dropped) of a request still arriving.
const DRAIN_BYTES: usize = 32 << 20;
const DRAIN_TIME: Duration = Duration::from_secs(2);
/// How often the accept loop looks at the interrupt flag.
const TICK: Duration = Duration::from_millis(200);
/// Connections beyond the probes in flight, so /metrics and health answer during a storm.
const SPARE_CONNECTIONS: usize = 32;
/// Stack of a connection thread (a probe needs little; thousands of default 8 MiB stacks
/// would not be bounded memory).
const STACK: usize = 512 * 1024;

pub struct Server {
    listener: TcpListener,
}

/// Listens on `addr` (port 0: a free port).
pub fn bind(addr: SocketAddr) -> io::Result<Server> {
    let s = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    s.set_reuse_address(true)?;
    if addr.is_ipv6() {
        s.set_only_v6(true)?;
    }
    s.bind(&addr.into())?;
    s.listen(1024)?;
    // accept() gives up after this (SO_RCVTIMEO), so the loop sees Ctrl-C.
    s.set_read_timeout(Some(TICK))?;
    Ok(Server { listener: s.into() })
}

impl Server {
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `interrupt` is raised; then waits (briefly) for answers in progress.
    pub fn run(self, exporter: Arc<Exporter>, interrupt: &Interrupt) -> io::Result<()> {
        let live = Arc::new(AtomicUsize::new(0));
        let bound = exporter.config.max_concurrent + SPARE_CONNECTIONS;
        while !interrupt.raised() {
            let (stream, _) = match self.listener.accept() {
                Ok(c) => c,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                            | io::ErrorKind::ConnectionAborted
                    ) =>
                {
                    continue
                }
                // Out of fds: wait for connections to finish rather than spin.
                Err(e) if matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)) => {
                    interrupt.sleep(TICK);
                    continue;
                }
                Err(e) => return Err(e),
            };
            if live.load(Ordering::SeqCst) >= bound {
                exporter.count_refused("busy");
                refuse(stream);
                continue;
            }
            live.fetch_add(1, Ordering::SeqCst);
            let (ex, lv) = (Arc::clone(&exporter), Arc::clone(&live));
            let spawned = std::thread::Builder::new()
                .name("exporter-conn".into())
                .stack_size(STACK)
                .spawn(move || {
                    serve(stream, &ex);
                    lv.fetch_sub(1, Ordering::SeqCst);
                });
            if spawned.is_err() {
                live.fetch_sub(1, Ordering::SeqCst);
                exporter.count_refused("busy");
            }
        }
        let end = Instant::now() + Duration::from_secs(2);
        while live.load(Ordering::SeqCst) > 0 && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }
}

/// 503 from the accept loop itself: what the client sent so far is read first (closing
/// with unread data would reset the connection and lose the answer).
fn refuse(mut s: TcpStream) {
    let _ = s.set_nonblocking(true);
    let mut buf = [0u8; 4096];
    for _ in 0..4 {
        if !matches!(s.read(&mut buf), Ok(n) if n > 0) {
            break;
        }
    }
    let _ = s.write_all(&head(503, "text/plain; charset=utf-8", 5));
    let _ = s.write_all(b"busy\n");
    let _ = s.shutdown(std::net::Shutdown::Write);
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

fn head(status: u16, content_type: &str, len: usize) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n",
        reason(status)
    )
    .into_bytes()
}

/// What a request head says, or the error status to answer.
enum Head {
    Request {
        method: String,
        target: String,
        scrape_timeout: Option<String>,
    },
    Error(u16, &'static str),
}

/// Parses a complete head (`None`: read more).
fn parse(buf: &[u8]) -> Option<Head> {
    let mut fields = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut fields);
    match req.parse(buf) {
        Ok(httparse::Status::Partial) => None,
        Ok(httparse::Status::Complete(_)) => {
            let scrape_timeout = req
                .headers
                .iter()
                .find(|h| {
                    h.name
                        .eq_ignore_ascii_case("X-Prometheus-Scrape-Timeout-Seconds")
                })
                .map(|h| String::from_utf8_lossy(h.value).into_owned());
            Some(Head::Request {
                method: req.method.unwrap_or("").to_string(),
                target: req.path.unwrap_or("/").to_string(),
                scrape_timeout,
            })
        }
        Err(httparse::Error::TooManyHeaders) => Some(Head::Error(431, "too many header lines\n")),
        Err(_) => Some(Head::Error(400, "not an HTTP/1.x request\n")),
    }
}

fn serve(mut s: TcpStream, ex: &Exporter) {
    let _ = s.set_nodelay(true);
    let start = Instant::now();
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let head_result = loop {
        if let Some(h) = parse(&buf) {
            break h;
        }
        if buf.len() > MAX_HEAD {
            ex.count_refused("too_large");
            break Head::Error(431, "request head over 16 KiB\n");
        }
        let left = HEAD_TIMEOUT.saturating_sub(start.elapsed());
        if left.is_zero() {
            break Head::Error(408, "no complete request head in 10s\n");
        }
        let _ = s.set_read_timeout(Some(left));
        match s.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break Head::Error(408, "no complete request head in 10s\n"),
        }
    };
    let read_whole = matches!(head_result, Head::Request { .. });
    let (answer, head_only) = match head_result {
        Head::Request {
            method,
            target,
            scrape_timeout,
        } => (
            ex.handle(&method, &target, scrape_timeout.as_deref()),
            method == "HEAD",
        ),
        Head::Error(status, msg) => {
            if status != 431 {
                ex.count_refused("bad_request");
            }
            (
                Answer {
                    status,
                    content_type: "text/plain; charset=utf-8",
                    body: msg.into(),
                },
                false,
            )
        }
    };
    let mut out = head(answer.status, answer.content_type, answer.body.len());
    if !head_only {
        out.extend_from_slice(answer.body.as_bytes());
    }
    let _ = s.set_write_timeout(Some(Duration::from_secs(10)));
    let _ = s.write_all(&out);
    if read_whole {
        // The request was read whole: nothing unread, so closing is a plain FIN, and the
        // connection no longer counts against the bound while the client closes its end.
        return;
    }
    // Unread request bytes (a huge head) would turn the close into a reset that can destroy
    // the answer before the client reads it: stop sending, drain (bounded), then close.
    let _ = s.shutdown(std::net::Shutdown::Write);
    let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
    let (mut drained, end) = (0, Instant::now() + DRAIN_TIME);
    while drained < DRAIN_BYTES && Instant::now() < end {
        match s.read(&mut chunk) {
            Ok(n) if n > 0 => drained += n,
            _ => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exporter::{config, Config};

    /// Clients that read their answer but close late must not hold the connection bound:
    /// 40 answered connections left open, bound 1 + 32, every request answered 200.
    #[test]
    fn answered_connections_left_open_do_not_count() {
        let server = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = server.local_addr().unwrap();
        let interrupt = Interrupt::never();
        let ex = Arc::new(Exporter::new(
            Config {
                modules: config::default_modules(),
                allow: None,
                max_concurrent: 1,
            },
            interrupt.clone(),
        ));
        let stop = interrupt.clone();
        let t = std::thread::spawn(move || server.run(ex, &stop));
        let mut open = Vec::new();
        for i in 0..40 {
            let mut s = TcpStream::connect(addr).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            s.write_all(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap();
            let mut buf = [0u8; 12];
            s.read_exact(&mut buf).unwrap();
            assert_eq!(&buf[9..12], b"200", "request {i}");
            open.push(s);
        }
        interrupt.raise();
        t.join().unwrap().unwrap();
    }
}
