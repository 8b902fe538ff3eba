//! The readiness loop. Level-triggered epoll through `polling`; one slot per connection,
//! reused; interest follows the buffers: a connection is read only while its outgoing buffer
//! has room (backpressure), and written only while that buffer holds something.
use super::httpd::{self, Parsed};
use super::listen::{Listener, Server, Sock};
use super::{Client, Config, End, Endpoint, Event, Mode, Proto, ServeError, Sink, Stop, Totals};
use crate::interrupt::Interrupt;
use crate::net::unix::{peer_cred, recv_with_cred, UnixName};
use polling::{Event as Interest, Events, PollMode, Poller};
use socket2::Socket;
use std::io::{self, Read, Write};
use std::net::{Shutdown, UdpSocket};
use std::num::NonZeroUsize;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// Longest the loop sleeps before it looks at the interrupt flag and the clock again.
const TICK: Duration = Duration::from_millis(50);
/// Most bytes owed to one connection: past it, the connection is not read until the peer
/// has taken some (backpressure), so a flood costs at most this much memory per client.
pub const OUT_CAP: usize = 16 * 1024;
/// One read at most (the scratch buffer is shared by every connection).
const SCRATCH: usize = 64 * 1024;
/// Reads, accepts or datagrams per readiness event before others get a turn.
const BATCH: usize = 32;
/// How long accept() rests after running out of descriptors.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

struct Conn {
    /// A TCP or UNIX stream.
    sock: Socket,
    client: Client,
    started: Instant,
    last: Instant,
    out: Vec<u8>,
    out_pos: usize,
    /// HTTP: bytes of request heads not yet answered.
    inbuf: Vec<u8>,
    /// HTTP: request body bytes still to drop.
    skip: u64,
    /// Nothing more is read: the peer closed, the cap was reached, or the answer is final.
    read_done: bool,
    /// Close with this once everything owed has been written.
    close_after_flush: Option<End>,
    interest: (bool, bool),
}

impl Conn {
    fn pending(&self) -> usize {
        self.out.len() - self.out_pos
    }
}

impl Server {
    /// Each bound socket: protocol and the address getsockname() gives (or its UNIX name).
    pub fn addrs(&self) -> Vec<(Proto, Endpoint)> {
        self.listeners
            .iter()
            .map(|l| (l.proto(), l.addr.clone()))
            .collect()
    }

    /// What binding did besides, for the user: a stale socket file replaced.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Serves until interrupted, `--duration` or `--once` says stop. Reports
    /// [`Event::Listening`] for every socket first and [`Event::Stopped`] last.
    pub fn run(self, interrupt: &Interrupt, sink: &mut dyn Sink) -> Result<Totals, ServeError> {
        let Server {
            cfg,
            poller,
            listeners,
            notes: _,
        } = self;
        let mut lp = Loop {
            started: Instant::now(),
            cfg: &cfg,
            poller: &poller,
            listeners: &listeners,
            conns: Vec::new(),
            free: Vec::new(),
            active: 0,
            next_id: 0,
            totals: Totals::default(),
            scratch: vec![0u8; SCRATCH],
            accept_paused: None,
            once_taken: false,
            once_done: false,
        };
        for l in &listeners {
            let proto = l.proto();
            let mode = match (proto, &cfg.mode) {
                (Proto::Udp | Proto::UnixGram, Mode::Discard) => "discard",
                (Proto::Udp | Proto::UnixGram, Mode::Banner(_)) => "banner",
                (Proto::Udp | Proto::UnixGram, _) => "echo",
                (Proto::Tcp | Proto::Unix, m) => m.name(),
            };
            sink.event(&Event::Listening {
                proto,
                addr: l.addr.clone(),
                mode,
            });
        }
        let stop = lp.serve(interrupt, sink);
        // Whatever the reason, every client still connected is closed and logged.
        let now = Instant::now();
        for i in 0..lp.conns.len() {
            if lp.conns[i].is_some() {
                lp.close(i, End::ServerStop, None, now, sink);
            }
        }
        let stop = stop?;
        let totals = lp.totals.clone();
        sink.event(&Event::Stopped {
            stop,
            elapsed: lp.started.elapsed(),
            totals: totals.clone(),
        });
        drop(lp);
        drop(poller);
        Ok(totals)
    }
}

struct Loop<'a> {
    started: Instant,
    cfg: &'a Config,
    poller: &'a Poller,
    listeners: &'a [Listener],
    conns: Vec<Option<Conn>>,
    free: Vec<usize>,
    active: usize,
    next_id: u64,
    totals: Totals,
    scratch: Vec<u8>,
    accept_paused: Option<Instant>,
    once_taken: bool,
    once_done: bool,
}

impl Loop<'_> {
    fn serve(&mut self, interrupt: &Interrupt, sink: &mut dyn Sink) -> Result<Stop, ServeError> {
        let mut events = Events::with_capacity(NonZeroUsize::new(1024).expect("non-zero"));
        let end = self.cfg.duration.map(|d| self.started + d);
        let mut next_idle_scan = Instant::now();
        let listeners = self.listeners;
        loop {
            if interrupt.raised() {
                return Ok(if interrupt.terminated() {
                    Stop::Terminated
                } else {
                    Stop::Interrupt
                });
            }
            if self.once_done {
                return Ok(Stop::Once);
            }
            let now = Instant::now();
            if end.is_some_and(|e| now >= e) {
                return Ok(Stop::Duration);
            }
            if self.accept_paused.is_some_and(|t| now >= t) {
                self.accept_paused = None;
                self.set_listeners(true)?;
            }
            let mut wait = TICK;
            if let Some(e) = end {
                wait = wait.min(e.saturating_duration_since(now));
            }
            if let Some(t) = self.accept_paused {
                wait = wait.min(t.saturating_duration_since(now));
            }
            if self.cfg.idle_timeout.is_some() {
                wait = wait.min(next_idle_scan.saturating_duration_since(now));
            }
            events.clear();
            match self.poller.wait(&mut events, Some(wait)) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ServeError::Wait(e)),
            }
            let now = Instant::now();
            for ev in events.iter() {
                if ev.key < listeners.len() {
                    let l = &listeners[ev.key];
                    match &l.sock {
                        Sock::Tcp(_) | Sock::Unix(_) => self.accept(l, now, sink)?,
                        Sock::Udp(u) => self.datagrams(u, &l.addr, sink),
                        Sock::UnixGram(u) => self.unix_datagrams(u, &l.addr, sink),
                    }
                } else {
                    self.service(ev.key - self.listeners.len(), now, sink);
                }
                if self.once_done {
                    break;
                }
            }
            if let Some(idle) = self.cfg.idle_timeout {
                if now >= next_idle_scan {
                    next_idle_scan = self.idle_scan(idle, now, sink);
                }
            }
        }
    }

    fn set_listeners(&self, on: bool) -> Result<(), ServeError> {
        for (i, l) in self.listeners.iter().enumerate() {
            let ev = if on {
                Interest::readable(i)
            } else {
                Interest::none(i)
            };
            match &l.sock {
                Sock::Tcp(s) => self.poller.modify_with_mode(s, ev, PollMode::Level),
                Sock::Unix(s) => self.poller.modify_with_mode(s, ev, PollMode::Level),
                Sock::Udp(_) | Sock::UnixGram(_) => Ok(()),
            }
            .map_err(ServeError::Register)?;
        }
        Ok(())
    }

    fn accept(
        &mut self,
        l: &Listener,
        now: Instant,
        sink: &mut dyn Sink,
    ) -> Result<(), ServeError> {
        for _ in 0..BATCH {
            let (sock, local, peer) = match accept_one(l) {
                Ok(x) => x,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) => {
                    match e.raw_os_error() {
                        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM) => {
                            // The connection waits in the backlog; stop asking for a moment
                            // instead of spinning on a listener that stays readable.
                            self.totals.accept_errors += 1;
                            self.accept_paused = Some(now + ACCEPT_PAUSE);
                            self.set_listeners(false)?;
                            return Ok(());
                        }
                        // The peer gave up before we got to it, and the like: next one.
                        _ => continue,
                    }
                }
            };
            self.next_id += 1;
            let client = Client {
                id: self.next_id,
                local,
                peer,
                bytes_in: 0,
                bytes_out: 0,
                duration: Duration::ZERO,
                requests: (self.cfg.mode == Mode::Http).then_some(0),
                end: None,
                errno: None,
            };
            if self.active >= self.cfg.max_clients || (self.cfg.once && self.once_taken) {
                // Reset at once, so the client sees a refusal rather than a silent server (a
                // UNIX client sees its connection closed).
                let _ = sock.set_linger(Some(Duration::ZERO));
                drop(sock);
                self.totals.refused += 1;
                *self.totals.ends.entry(End::Refused).or_default() += 1;
                sink.event(&Event::Refused {
                    client: Client {
                        end: Some(End::Refused),
                        ..client
                    },
                });
                continue;
            }
            self.once_taken = true;
            let _ = sock.set_nonblocking(true);
            if matches!(l.sock, Sock::Tcp(_)) {
                let _ = sock.set_nodelay(true);
            }
            let idx = self.free.pop().unwrap_or_else(|| {
                self.conns.push(None);
                self.conns.len() - 1
            });
            let key = idx + self.listeners.len();
            // The stream is deleted from the poller in `close` before it is dropped.
            let added = crate::net::poll::register(
                self.poller,
                &sock,
                Interest::readable(key),
                PollMode::Level,
            );
            if added.is_err() {
                self.free.push(idx);
                continue;
            }
            self.active += 1;
            self.totals.accepted += 1;
            self.totals.peak_clients = self.totals.peak_clients.max(self.active);
            sink.event(&Event::Accepted {
                client: client.clone(),
                active: self.active,
            });
            let mut c = Conn {
                sock,
                client,
                started: now,
                last: now,
                out: Vec::new(),
                out_pos: 0,
                inbuf: Vec::new(),
                skip: 0,
                read_done: false,
                close_after_flush: None,
                interest: (true, false),
            };
            if let Mode::Banner(text) = &self.cfg.mode {
                c.out.extend_from_slice(text);
                c.read_done = true;
                c.close_after_flush = Some(End::Served);
            }
            self.conns[idx] = Some(c);
            // A banner is written at once; the rest wait for readiness.
            if matches!(self.cfg.mode, Mode::Banner(_)) {
                self.service(idx, now, sink);
            }
        }
        Ok(())
    }

    fn datagrams(&mut self, u: &UdpSocket, local: &Endpoint, sink: &mut dyn Sink) {
        for _ in 0..BATCH {
            let (n, peer) = match u.recv_from(&mut self.scratch) {
                Ok(x) => x,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                // An ICMP error for an earlier reply (ECONNREFUSED) and the like: not ours
                // to fail on.
                Err(_) => continue,
            };
            let reply: Option<&[u8]> = match &self.cfg.mode {
                Mode::Discard => None,
                Mode::Banner(text) => Some(text),
                _ => Some(&self.scratch[..n]),
            };
            let mut sent = 0;
            if let Some(r) = reply {
                match u.send_to(r, peer) {
                    Ok(k) => sent = k,
                    Err(_) => self.totals.dropped_replies += 1,
                }
            }
            if self.datagram_done(local, Endpoint::Inet(peer), n, sent, sink) {
                return;
            }
        }
    }

    /// UNIX datagrams: as UDP, the sender known by its credentials. A sender that did not
    /// bind a name gets no reply: there is no address to send it to.
    fn unix_datagrams(&mut self, u: &Socket, local: &Endpoint, sink: &mut dyn Sink) {
        for _ in 0..BATCH {
            let (n, from, cred) = match recv_with_cred(u.as_raw_fd(), &mut self.scratch) {
                Ok(x) => x,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(_) => continue,
            };
            let name = UnixName::from_sockaddr(&from);
            let reply: Option<&[u8]> = match &self.cfg.mode {
                Mode::Discard => None,
                Mode::Banner(text) => Some(text),
                _ => Some(&self.scratch[..n]),
            };
            let mut sent = 0;
            if let (Some(r), Some(_)) = (reply, &name) {
                match u.send_to(r, &from) {
                    Ok(k) => sent = k,
                    // Its queue is full (EAGAIN), or it is gone (ECONNREFUSED).
                    Err(_) => self.totals.dropped_replies += 1,
                }
            }
            let peer = Endpoint::Unix { name, cred };
            if self.datagram_done(local, peer, n, sent, sink) {
                return;
            }
        }
    }

    /// Counts and logs one datagram; true when `--once` says stop.
    fn datagram_done(
        &mut self,
        local: &Endpoint,
        peer: Endpoint,
        n: usize,
        sent: usize,
        sink: &mut dyn Sink,
    ) -> bool {
        self.totals.datagrams += 1;
        self.totals.bytes_in += n as u64;
        self.totals.bytes_out += sent as u64;
        sink.event(&Event::Datagram {
            local: local.clone(),
            peer,
            bytes_in: n as u64,
            bytes_out: sent as u64,
        });
        if self.cfg.once {
            self.once_done = true;
        }
        self.once_done
    }

    /// Reads and writes what readiness allows, then closes or re-arms the connection.
    fn service(&mut self, idx: usize, now: Instant, sink: &mut dyn Sink) {
        let Some(c) = self.conns.get_mut(idx).and_then(Option::as_mut) else {
            return;
        };
        let cfg = self.cfg;
        let mode = &cfg.mode;
        if let Err(e) = flush(c, now) {
            return self.fail(idx, e, now, sink);
        }
        let mut reads = 0;
        while reads < BATCH && wants_read(c, mode) {
            reads += 1;
            let mut room = match mode {
                Mode::Echo => OUT_CAP - c.pending(),
                _ => SCRATCH,
            }
            .min(SCRATCH);
            if let Some(cap) = self.cfg.max_bytes {
                room = room.min(cap.saturating_sub(c.client.bytes_in) as usize);
            }
            match c.sock.read(&mut self.scratch[..room.max(1)]) {
                Ok(0) => {
                    c.read_done = true;
                    c.close_after_flush.get_or_insert(End::PeerClosed);
                }
                Ok(n) => {
                    c.client.bytes_in += n as u64;
                    self.totals.bytes_in += n as u64;
                    c.last = now;
                    let data = &self.scratch[..n];
                    match mode {
                        Mode::Echo => c.out.extend_from_slice(data),
                        Mode::Http => take_http(c, data),
                        Mode::Discard | Mode::Banner(_) => {}
                    }
                    if self
                        .cfg
                        .max_bytes
                        .is_some_and(|cap| c.client.bytes_in >= cap)
                    {
                        c.read_done = true;
                        c.close_after_flush.get_or_insert(End::ByteCap);
                    }
                    if let Err(e) = flush(c, now) {
                        return self.fail(idx, e, now, sink);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return self.fail(idx, e, now, sink),
            }
        }
        // Pipelined requests wait in `inbuf` while the answers fill the outgoing buffer: answer
        // and write in turns until the socket takes no more (a writable event brings us back)
        // or nothing answerable is left. No read event would come for requests already read.
        let mut more = false;
        if *mode == Mode::Http {
            for _ in 0..BATCH {
                more = answer_http(c);
                if let Err(e) = flush(c, now) {
                    return self.fail(idx, e, now, sink);
                }
                if !more || c.pending() > 0 {
                    break;
                }
            }
        }
        if c.pending() == 0 {
            if let Some(end) = c.close_after_flush {
                return self.close(idx, end, None, now, sink);
            }
        }
        // Still answerable after a batch with the buffer drained: ask for a writable event
        // (at once, the socket has room) to come back after the other connections' turn.
        let want = (wants_read(c, mode), c.pending() > 0 || more);
        if want != c.interest {
            c.interest = want;
            let key = idx + self.listeners.len();
            let _ = self.poller.modify_with_mode(
                &c.sock,
                Interest::new(key, want.0, want.1),
                PollMode::Level,
            );
        }
    }

    fn fail(&mut self, idx: usize, e: io::Error, now: Instant, sink: &mut dyn Sink) {
        let errno = e.raw_os_error();
        let end = match errno {
            Some(libc::ECONNRESET | libc::EPIPE | libc::ECONNABORTED) => End::Reset,
            _ => End::Error,
        };
        self.close(idx, end, errno, now, sink);
    }

    fn close(
        &mut self,
        idx: usize,
        end: End,
        errno: Option<i32>,
        now: Instant,
        sink: &mut dyn Sink,
    ) {
        let Some(mut c) = self.conns.get_mut(idx).and_then(Option::take) else {
            return;
        };
        let _ = self.poller.delete(&c.sock);
        if matches!(end, End::PeerClosed | End::Served | End::ByteCap) {
            let _ = c.sock.shutdown(Shutdown::Write);
        }
        drop(c.sock);
        self.free.push(idx);
        self.active -= 1;
        c.client.duration = now.saturating_duration_since(c.started);
        c.client.end = Some(end);
        c.client.errno = errno;
        self.totals.bytes_out += c.client.bytes_out;
        *self.totals.ends.entry(end).or_default() += 1;
        if self.cfg.once && end != End::ServerStop {
            self.once_done = true;
        }
        sink.event(&Event::Closed { client: c.client });
    }

    /// Closes connections idle for too long; returns when to look again.
    fn idle_scan(&mut self, idle: Duration, now: Instant, sink: &mut dyn Sink) -> Instant {
        let mut next = now + idle;
        for i in 0..self.conns.len() {
            let Some(c) = &self.conns[i] else { continue };
            let due = c.last + idle;
            if due <= now {
                self.close(i, End::IdleTimeout, None, now, sink);
            } else {
                next = next.min(due);
            }
        }
        // Not more often than every few milliseconds, however the deadlines fall.
        next.max(now + Duration::from_millis(5))
    }
}

/// One connection from a TCP or UNIX listener: the stream, our end and the peer (a UNIX
/// peer by its credentials, SO_PEERCRED).
fn accept_one(l: &Listener) -> io::Result<(Socket, Endpoint, Endpoint)> {
    match &l.sock {
        Sock::Tcp(t) => {
            let (s, peer) = t.accept()?;
            let local = s.local_addr().unwrap_or(peer);
            Ok((s.into(), Endpoint::Inet(local), Endpoint::Inet(peer)))
        }
        Sock::Unix(u) => {
            let (s, from) = u.accept()?;
            let peer = Endpoint::Unix {
                name: UnixName::from_sockaddr(&from),
                cred: peer_cred(s.as_raw_fd()).ok(),
            };
            Ok((s, l.addr.clone(), peer))
        }
        Sock::Udp(_) | Sock::UnixGram(_) => Err(io::Error::from_raw_os_error(libc::EOPNOTSUPP)),
    }
}

fn wants_read(c: &Conn, mode: &Mode) -> bool {
    if c.read_done {
        return false;
    }
    match mode {
        Mode::Echo => c.pending() < OUT_CAP,
        Mode::Http => c.pending() < OUT_CAP && c.inbuf.len() <= httpd::MAX_HEAD,
        Mode::Discard => true,
        Mode::Banner(_) => false,
    }
}

/// Writes what the socket takes; the buffer is compacted, and released once drained.
fn flush(c: &mut Conn, now: Instant) -> io::Result<()> {
    while c.pending() > 0 {
        match c.sock.write(&c.out[c.out_pos..]) {
            Ok(0) => return Err(io::Error::from_raw_os_error(libc::EPIPE)),
            Ok(n) => {
                c.out_pos += n;
                c.client.bytes_out += n as u64;
                c.last = now;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if c.pending() == 0 {
        c.out_pos = 0;
        c.out.clear();
        if c.out.capacity() > 4096 {
            c.out = Vec::new();
        }
    } else if c.out_pos > OUT_CAP / 2 {
        c.out.drain(..c.out_pos);
        c.out_pos = 0;
    }
    Ok(())
}

/// HTTP: request bytes in; body bytes of earlier requests are dropped, heads kept.
fn take_http(c: &mut Conn, mut data: &[u8]) {
    if c.skip > 0 {
        let k = (c.skip as usize).min(data.len());
        c.skip -= k as u64;
        data = &data[k..];
    }
    c.inbuf.extend_from_slice(data);
}

/// HTTP: answers every complete request head buffered, while the outgoing buffer has room.
/// True when it stopped for want of room with requests still buffered.
fn answer_http(c: &mut Conn) -> bool {
    // Requests buffered before the peer closed are still answered.
    while matches!(c.close_after_flush, None | Some(End::PeerClosed))
        && c.pending() < OUT_CAP
        && c.skip == 0
    {
        match httpd::parse(&c.inbuf) {
            Parsed::Incomplete => {
                if c.read_done && !c.inbuf.is_empty() {
                    // The peer closed in the middle of a head: nothing to answer.
                    c.inbuf = Vec::new();
                }
                break;
            }
            Parsed::Bad(status, reason) => {
                c.out.extend(httpd::error_response(status, reason));
                c.inbuf = Vec::new();
                c.read_done = true;
                c.close_after_flush = Some(End::Served);
                break;
            }
            Parsed::Request(r) => {
                let n = c.client.requests.unwrap_or(0) + 1;
                c.client.requests = Some(n);
                c.out.extend(httpd::response(&r, c.client.id, n));
                c.inbuf.drain(..r.head_len);
                let body_here = (r.body_len as usize).min(c.inbuf.len());
                c.inbuf.drain(..body_here);
                c.skip = r.body_len - body_here as u64;
                if !r.keep_alive {
                    c.inbuf = Vec::new();
                    c.read_done = true;
                    c.close_after_flush = Some(End::Served);
                    break;
                }
            }
        }
    }
    if c.inbuf.is_empty() && c.inbuf.capacity() > 4096 {
        c.inbuf = Vec::new();
    }
    c.pending() >= OUT_CAP
        && c.skip == 0
        && !c.inbuf.is_empty()
        && matches!(c.close_after_flush, None | Some(End::PeerClosed))
}
