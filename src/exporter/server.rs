//! The HTTP side: one listening socket and one event loop that reads every request head
//! (non-blocking, each within [`HEAD_TIMEOUT`], at most [`MAX_HEAD`]) and answers every
//! request but a probe at once: a slow client costs a connection slot and a buffer, never a
//! thread or a probe slot, so `/-/healthy` and `/metrics` answer whatever the probe load. A
//! probe runs on a thread of its own (at most `--max-concurrent`, more get 503) that writes
//! its answer. Answers are one request each, `Connection: close`; heads are parsed by
//! httparse (as `serve --http` and the http engine do). No HTTP crate: the exporter answers
//! GETs with a body it has whole, which is a head parser, a few limits and one write.
use super::{Answer, Exporter, Step};
use crate::interrupt::Interrupt;
use polling::{Event as Interest, Events, PollMode, Poller};
use socket2::{Domain, Socket, Type};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest request head read; a longer one (a 10 MB query string) gets 431.
pub const MAX_HEAD: usize = 16 * 1024;
/// How long a client has to send its whole head (Prometheus sends it in one write).
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(3);
/// How long an answer may take to be written (a client that does not read).
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// After answering, what is read (and dropped) of a request still arriving.
const DRAIN_BYTES: usize = 32 << 20;
const DRAIN_TIME: Duration = Duration::from_secs(2);
/// How often the loop looks at the interrupt flag and the deadlines.
const TICK: Duration = Duration::from_millis(100);
/// Connections taken from the backlog in one turn of the loop.
const ACCEPT_BATCH: usize = 256;
/// The listener's key in the poller; connections have their slot's index.
const LISTENER: usize = usize::MAX - 1;
/// Stack of a probe thread (a probe needs little; many default 8 MiB stacks would not be
/// bounded memory).
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
    s.set_nonblocking(true)?;
    Ok(Server { listener: s.into() })
}

/// Where a connection is.
enum Phase {
    /// Reading the request head, until its deadline.
    Head,
    /// Writing an answer; then close (`drain`: after reading what is left of the request).
    Write {
        out: Vec<u8>,
        sent: usize,
        drain: bool,
    },
    /// Answer sent, write side shut: reading what the client still sends, then close.
    Drain { drained: usize },
}

struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    phase: Phase,
    /// The end of the current phase.
    deadline: Instant,
}

/// What one turn of a connection asks of the loop.
enum Next {
    Keep,
    Close,
    /// A probe to run on a thread: the connection leaves the loop.
    /// (`head_only`: a HEAD; `drain`: request bytes follow the head.)
    Probe(super::Prepared, bool, bool),
}

impl Server {
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `interrupt` is raised; then waits (briefly) for probes in progress.
    pub fn run(self, exporter: Arc<Exporter>, interrupt: &Interrupt) -> io::Result<()> {
        // Each connection is a descriptor, each probe one or two more.
        crate::net::limits::raise_nofile();
        let poller = Poller::new()?;
        // The listener outlives its registration (deleted below before it drops).
        crate::net::poll::register(
            &poller,
            &self.listener,
            Interest::readable(LISTENER),
            PollMode::Level,
        )?;
        let mut lp = Loop {
            poller,
            ex: exporter,
            slots: Vec::new(),
            free: Vec::new(),
            accept_paused: None,
        };
        let r = lp.serve(&self.listener, interrupt);
        let _ = lp.poller.delete(&self.listener);
        for c in lp.slots.iter().flatten() {
            let _ = lp.poller.delete(&c.stream);
        }
        let end = Instant::now() + Duration::from_secs(2);
        while lp.ex.in_flight.load(Ordering::SeqCst) > 0 && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(20));
        }
        r
    }
}

struct Loop {
    poller: Poller,
    ex: Arc<Exporter>,
    slots: Vec<Option<Conn>>,
    free: Vec<usize>,
    /// Accepting stopped until then (out of descriptors).
    accept_paused: Option<Instant>,
}

impl Loop {
    fn serve(&mut self, listener: &TcpListener, interrupt: &Interrupt) -> io::Result<()> {
        let mut events = Events::new();
        while !interrupt.raised() {
            events.clear();
            match self.poller.wait(&mut events, Some(TICK)) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            let now = Instant::now();
            if self.accept_paused.is_some_and(|t| now >= t) {
                self.accept_paused = None;
                self.poller.modify_with_mode(
                    listener,
                    Interest::readable(LISTENER),
                    PollMode::Level,
                )?;
            }
            // Connections first, so the heads that arrived are read before new connections
            // may make one give way.
            let mut accept = false;
            for ev in events.iter() {
                if ev.key == LISTENER {
                    accept = true;
                } else {
                    self.turn(ev.key, now);
                }
            }
            if accept {
                self.accept(listener, now)?;
            }
            self.expire(Instant::now());
        }
        Ok(())
    }

    fn open(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    fn accept(&mut self, listener: &TcpListener, now: Instant) -> io::Result<()> {
        for _ in 0..ACCEPT_BATCH {
            let stream = match listener.accept() {
                Ok((s, _)) => s,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e)
                    if matches!(
                        e.raw_os_error(),
                        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
                    ) =>
                {
                    // The connection waits in the backlog; stop asking for a moment instead
                    // of spinning on a listener that stays readable.
                    self.accept_paused = Some(now + TICK);
                    self.poller.modify_with_mode(
                        listener,
                        Interest::none(LISTENER),
                        PollMode::Level,
                    )?;
                    return Ok(());
                }
                // The peer gave up before we got to it, and the like: next one.
                Err(_) => continue,
            };
            if self.open() >= self.ex.config.max_connections {
                // Full: the connection that has waited longest for its head gives way (a
                // scrape sends its head in one write, so that one is a slow client); only
                // when none has been sending a head for a while is the new one shed.
                self.ex.count_refused("connections");
                match self.oldest_head(now) {
                    Some(key) => {
                        if let Some(c) = self.remove(key) {
                            refuse(c.stream);
                        }
                    }
                    None => {
                        refuse(stream);
                        continue;
                    }
                }
            }
            let _ = stream.set_nonblocking(true);
            let _ = stream.set_nodelay(true);
            let key = self.free.pop().unwrap_or_else(|| {
                self.slots.push(None);
                self.slots.len() - 1
            });
            // The stream is in slot `key` until it is deleted from the poller.
            let ev = Interest::readable(key);
            if crate::net::poll::register(&self.poller, &stream, ev, PollMode::Level).is_err() {
                self.free.push(key);
                self.ex.count_refused("connections");
                continue;
            }
            self.slots[key] = Some(Conn {
                stream,
                buf: Vec::with_capacity(1024),
                phase: Phase::Head,
                deadline: now + HEAD_TIMEOUT,
            });
            self.ex.connections.store(self.open(), Ordering::Relaxed);
        }
        Ok(())
    }

    /// A connection is ready: reads, writes, and what follows.
    fn turn(&mut self, key: usize, now: Instant) {
        let Some(c) = self.slots.get_mut(key).and_then(Option::as_mut) else {
            return;
        };
        let next = match c.phase {
            Phase::Head => read_head(c, &self.ex, now),
            Phase::Write { .. } => write_out(c, now),
            Phase::Drain { .. } => drain(c),
        };
        self.after(key, next);
    }

    fn after(&mut self, key: usize, next: Next) {
        match next {
            Next::Keep => {
                let Some(c) = self.slots[key].as_ref() else {
                    return;
                };
                let want = match c.phase {
                    Phase::Write { .. } => Interest::writable(key),
                    _ => Interest::readable(key),
                };
                let _ = self
                    .poller
                    .modify_with_mode(&c.stream, want, PollMode::Level);
            }
            Next::Close => {
                self.remove(key);
            }
            Next::Probe(p, head_only, then_drain) => {
                let Some(c) = self.remove(key) else { return };
                let ex = Arc::clone(&self.ex);
                let spawned = std::thread::Builder::new()
                    .name("exporter-probe".into())
                    .stack_size(STACK)
                    .spawn(move || {
                        let answer = ex.finish(p);
                        let mut s = c.stream;
                        let _ = s.set_nonblocking(false);
                        let _ = s.set_write_timeout(Some(WRITE_TIMEOUT));
                        let _ = s.write_all(&bytes(&answer, head_only));
                        if then_drain {
                            drain_blocking(s);
                        }
                    });
                if spawned.is_err() {
                    // The probe (and its slot) went with the closure; the client sees a close.
                    self.ex.count_refused("busy");
                }
            }
        }
        self.ex.connections.store(self.open(), Ordering::Relaxed);
    }

    /// The connection still sending its head that came first, if it came before this turn
    /// of the loop (the heads that had arrived were read first: a burst of new connections
    /// must not shed one whose head is on its way). One with bytes waiting unread is not a
    /// candidate: a scrape's head sent in one write, which a loaded loop has not read yet,
    /// while a slow client's dribble is read as it comes.
    fn oldest_head(&self, now: Instant) -> Option<usize> {
        let before = now + HEAD_TIMEOUT;
        let waiting = |c: &Conn| matches!(c.stream.peek(&mut [0u8; 1]), Ok(n) if n > 0);
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(k, c)| c.as_ref().map(|c| (k, c)))
            .filter(|(_, c)| matches!(c.phase, Phase::Head) && c.deadline < before)
            .filter(|(_, c)| !waiting(c))
            .min_by_key(|(_, c)| c.deadline)
            .map(|(k, _)| k)
    }

    fn remove(&mut self, key: usize) -> Option<Conn> {
        let c = self.slots.get_mut(key)?.take()?;
        let _ = self.poller.delete(&c.stream);
        self.free.push(key);
        Some(c)
    }

    /// Heads not whole in time get 408; answers not taken in time and drains end.
    fn expire(&mut self, now: Instant) {
        for key in 0..self.slots.len() {
            let Some(c) = self.slots[key].as_mut() else {
                continue;
            };
            if now < c.deadline {
                continue;
            }
            let next = match c.phase {
                Phase::Head => {
                    self.ex.count_refused("head_timeout");
                    let msg = format!("no complete request head in {}s\n", HEAD_TIMEOUT.as_secs());
                    answer(c, &Answer::plain(408, msg), false, true, now)
                }
                Phase::Write { .. } | Phase::Drain { .. } => Next::Close,
            };
            self.after(key, next);
        }
    }
}

/// Reads what the client sent; once the head is whole (or cannot be), the answer or the
/// probe.
fn read_head(c: &mut Conn, ex: &Exporter, now: Instant) -> Next {
    let mut chunk = [0u8; 4096];
    loop {
        // One byte past the limit is enough to know the head is over it.
        let room = (MAX_HEAD + 1).saturating_sub(c.buf.len()).min(chunk.len());
        if room == 0 {
            break;
        }
        match c.stream.read(&mut chunk[..room]) {
            Ok(0) => return Next::Close,
            Ok(n) => c.buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Next::Close,
        }
    }
    let (status, msg) = match parse(&c.buf) {
        Parsed::Partial if c.buf.len() > MAX_HEAD => (431, "request head over 16 KiB\n"),
        Parsed::Partial => return Next::Keep,
        Parsed::Complete { len, .. } if len > MAX_HEAD => (431, "request head over 16 KiB\n"),
        Parsed::Complete {
            len,
            method,
            target,
            scrape_timeout,
        } => {
            // Anything after the head (a body) is read and dropped after the answer.
            let drain = len < c.buf.len();
            let head_only = method == "HEAD";
            return match ex.begin(&method, &target, scrape_timeout.as_deref()) {
                Step::Answer(a) => answer(c, &a, head_only, drain, now),
                Step::Probe(p) => Next::Probe(p, head_only, drain),
            };
        }
        Parsed::Error(status, msg) => (status, msg),
    };
    if status == 431 {
        ex.count_refused("too_large");
    } else {
        ex.count_refused("bad_request");
    }
    answer(c, &Answer::plain(status, msg.to_string()), false, true, now)
}

/// Starts writing `a`: as much as the socket takes now, the rest when it is writable.
fn answer(c: &mut Conn, a: &Answer, head_only: bool, drain: bool, now: Instant) -> Next {
    c.phase = Phase::Write {
        out: bytes(a, head_only),
        sent: 0,
        drain,
    };
    c.deadline = now + WRITE_TIMEOUT;
    write_out(c, now)
}

fn write_out(c: &mut Conn, now: Instant) -> Next {
    let Phase::Write {
        out,
        sent,
        drain: then_drain,
    } = &mut c.phase
    else {
        return Next::Close;
    };
    while *sent < out.len() {
        match c.stream.write(&out[*sent..]) {
            Ok(0) => return Next::Close,
            Ok(n) => *sent += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Next::Keep,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Next::Close,
        }
    }
    if !*then_drain {
        // The request was read whole: nothing unread, so closing is a plain FIN.
        return Next::Close;
    }
    // Unread request bytes (a huge head) would turn the close into a reset that can destroy
    // the answer before the client reads it: stop sending, drain (bounded), then close.
    let _ = c.stream.shutdown(std::net::Shutdown::Write);
    c.phase = Phase::Drain { drained: 0 };
    c.deadline = now + DRAIN_TIME;
    c.buf = Vec::new();
    drain(c)
}

fn drain(c: &mut Conn) -> Next {
    let Phase::Drain { drained } = &mut c.phase else {
        return Next::Close;
    };
    let mut chunk = [0u8; 16384];
    loop {
        match c.stream.read(&mut chunk) {
            Ok(0) => return Next::Close,
            Ok(n) => {
                *drained += n;
                if *drained >= DRAIN_BYTES {
                    return Next::Close;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Next::Keep,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Next::Close,
        }
    }
}

/// [`drain`] on a probe's thread.
fn drain_blocking(mut s: TcpStream) {
    let _ = s.shutdown(std::net::Shutdown::Write);
    let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
    let mut chunk = [0u8; 16384];
    let (mut drained, end) = (0, Instant::now() + DRAIN_TIME);
    while drained < DRAIN_BYTES && Instant::now() < end {
        match s.read(&mut chunk) {
            Ok(n) if n > 0 => drained += n,
            _ => break,
        }
    }
}

/// 503 at --max-connections, to a new connection or to the one that gave way: what the
/// client sent so far is read first (closing with unread data would reset the connection and
/// lose the answer).
fn refuse(mut s: TcpStream) {
    let _ = s.set_nonblocking(true);
    let mut buf = [0u8; 4096];
    for _ in 0..4 {
        if !matches!(s.read(&mut buf), Ok(n) if n > 0) {
            break;
        }
    }
    let a = Answer::plain(
        503,
        "busy: too many connections (--max-connections)\n".into(),
    );
    let _ = s.write_all(&bytes(&a, false));
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

/// The answer as written: the head, and the body unless the request was a HEAD.
fn bytes(a: &Answer, head_only: bool) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        a.status,
        reason(a.status),
        a.content_type,
        a.body.len()
    )
    .into_bytes();
    if !head_only {
        out.extend_from_slice(a.body.as_bytes());
    }
    out
}

/// What a request head says, so far.
enum Parsed {
    Partial,
    Complete {
        /// The head's length in bytes.
        len: usize,
        method: String,
        target: String,
        scrape_timeout: Option<String>,
    },
    Error(u16, &'static str),
}

fn parse(buf: &[u8]) -> Parsed {
    let mut fields = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut fields);
    match req.parse(buf) {
        Ok(httparse::Status::Partial) => Parsed::Partial,
        Ok(httparse::Status::Complete(len)) => {
            let scrape_timeout = req
                .headers
                .iter()
                .find(|h| {
                    h.name
                        .eq_ignore_ascii_case("X-Prometheus-Scrape-Timeout-Seconds")
                })
                .map(|h| String::from_utf8_lossy(h.value).into_owned());
            Parsed::Complete {
                len,
                method: req.method.unwrap_or("").to_string(),
                target: req.path.unwrap_or("/").to_string(),
                scrape_timeout,
            }
        }
        Err(httparse::Error::TooManyHeaders) => Parsed::Error(431, "too many header lines\n"),
        Err(_) => Parsed::Error(400, "not an HTTP/1.x request\n"),
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
                max_connections: 33,
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

    /// Issue 27 item 9: 431 starts where the documented limit is: a whole head of 16 KiB is
    /// answered, one byte more (or the 20,095 bytes that got 200) is 431.
    #[test]
    fn the_head_limit_is_16_kib() {
        let server = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = server.local_addr().unwrap();
        let interrupt = Interrupt::never();
        let ex = Arc::new(Exporter::new(
            Config {
                modules: config::default_modules(),
                allow: None,
                max_concurrent: 1,
                max_connections: 8,
            },
            interrupt.clone(),
        ));
        let stop = interrupt.clone();
        let t = std::thread::spawn(move || server.run(ex, &stop));
        let status = |head_len: usize| {
            let start = "GET /-/healthy?x=";
            let end = " HTTP/1.1\r\nHost: x\r\n\r\n";
            let head = format!(
                "{start}{}{end}",
                "a".repeat(head_len - start.len() - end.len())
            );
            assert_eq!(head.len(), head_len);
            let mut s = TcpStream::connect(addr).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            s.write_all(head.as_bytes()).unwrap();
            let mut buf = Vec::new();
            let _ = s.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf[..12.min(buf.len())]).into_owned()
        };
        assert_eq!(status(MAX_HEAD - 1000), "HTTP/1.1 200");
        assert_eq!(status(MAX_HEAD), "HTTP/1.1 200");
        assert_eq!(status(MAX_HEAD + 1), "HTTP/1.1 431");
        assert_eq!(status(20_095), "HTTP/1.1 431");
        interrupt.raise();
        t.join().unwrap().unwrap();
    }

    /// `/-/healthy` and `/metrics` answer while every probe slot is taken; a probe over
    /// the bound gets 503 at once.
    #[test]
    fn health_and_metrics_answer_whatever_the_probe_load() {
        // A server that takes the connection and never answers: the probe holds its slot.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = silent.local_addr().unwrap().port();
        let toml = "[modules.hang]\nprober = \"tcp\"\ntimeout = \"3s\"\n[modules.hang.tcp]\nexpect = \"never\"\n";
        let server = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = server.local_addr().unwrap();
        let interrupt = Interrupt::never();
        let ex = Arc::new(Exporter::new(
            Config {
                modules: config::modules_from_toml(toml, "t").unwrap(),
                allow: None,
                max_concurrent: 1,
                max_connections: 8,
            },
            interrupt.clone(),
        ));
        let stop = interrupt.clone();
        let served = Arc::clone(&ex);
        let t = std::thread::spawn(move || server.run(served, &stop));
        let get = move |path: String| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            let mut buf = Vec::new();
            let _ = s.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        };
        let probe = format!("/probe?module=hang&target=127.0.0.1:{port}");
        let held = {
            let p = probe.clone();
            std::thread::spawn(move || get(p))
        };
        let end = Instant::now() + Duration::from_secs(5);
        while ex.in_flight.load(Ordering::SeqCst) == 0 && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(ex.in_flight.load(Ordering::SeqCst), 1);
        assert!(get("/-/healthy".into()).starts_with("HTTP/1.1 200"));
        let m = get("/metrics".into());
        assert!(m.starts_with("HTTP/1.1 200"), "{m}");
        assert!(m.contains("sockdiag_exporter_probes_in_flight 1\n"), "{m}");
        assert!(get(probe).starts_with("HTTP/1.1 503"));
        let first = held.join().unwrap();
        assert!(first.contains("probe_success 0\n"), "{first}");
        drop(silent);
        interrupt.raise();
        t.join().unwrap().unwrap();
    }
}
