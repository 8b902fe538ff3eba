//! One open port examined without ever blocking: a state machine the detector's readiness
//! loop (in driver.rs) advances whenever its socket is ready or its time is up.
//!
//! connect → wait for a banner (ports where the server speaks first) → else send the probe
//! (an HTTP `HEAD`) → read the reply (at most [`READ_CAP`] bytes; once bytes came, a pause of
//! [`PAUSE`] ends it) → classify. On TLS ports a ClientHello comes first (rustls, driven with
//! `read_tls`/`write_tls` over the non-blocking socket), and an HTTP `HEAD` inside the
//! session when it is HTTPS; plain bytes that turn out to be TLS get a second connection for
//! the handshake. Everything within the job's deadline; every socket closed with a reset.
use super::{http_port, recognise, tls, tls_port, Config, Job, Service, HTTP_PROBE, READ_CAP};
use rustls::{ClientConfig, ClientConnection};
use socket2::{Domain, SockAddr, Socket, Type};
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Once something came, this much silence ends a read: servers send a greeting in one go.
pub(super) const PAUSE: Duration = Duration::from_millis(100);

/// What the machine waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Want {
    Read,
    Write,
}

pub(super) enum Status {
    /// Waiting for its socket (or its time).
    Wait(Want),
    Done(Box<Service>),
    /// No socket could be made (the open-files limit): try again when another port is done.
    NoFd,
}

/// What a new connection is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Then {
    /// Read what the server says first, then the probe if it said nothing.
    Banner,
    /// Send the probe at once (HTTP ports, and TLS ports whose handshake failed).
    Probe,
    /// A TLS handshake.
    Tls,
}

enum Phase {
    Start,
    Connecting(Then),
    /// Reading what the server says first, until `until` (half the time).
    Banner {
        until: Instant,
    },
    /// Writing the probe: `sent` bytes of it so far.
    Probe {
        sent: usize,
    },
    Reply,
    Handshake,
    /// Inside the TLS session: the `HEAD` written, its reply read.
    TlsReply,
}

/// One step's outcome inside [`Machine::advance`].
enum Step {
    Again,
    Wait(Want),
    Done(Box<Service>),
    NoFd,
}

pub(super) struct Machine {
    pub(super) job: Job,
    cfg: Arc<Config>,
    tls_cfg: Arc<ClientConfig>,
    start: Instant,
    deadline: Instant,
    phase: Phase,
    sock: Option<Socket>,
    /// Bumped with each new connection: the loop registers each connection once.
    pub(super) conn: u32,
    /// Sockets done with, for the loop to take out of its poller before they close.
    retired: Vec<(u32, Socket)>,
    /// The plain bytes read (banner or reply), or inside TLS the reply to the `HEAD`.
    got: Vec<u8>,
    last_read: Option<Instant>,
    /// The probe was sent: `got` is its reply, not a banner.
    probed: bool,
    /// A plain exchange is over (its bytes said TLS, or a handshake failed before it).
    plain_done: bool,
    tls_tried: bool,
    tls: Option<ClientConnection>,
    seen: Option<tls::TlsSeen>,
}

impl Machine {
    pub(super) fn new(
        job: Job,
        cfg: Arc<Config>,
        tls_cfg: Arc<ClientConfig>,
        now: Instant,
    ) -> Machine {
        let deadline = crate::net::attempt::deadline_after(now, cfg.timeout);
        Machine {
            job,
            cfg,
            tls_cfg,
            start: now,
            deadline,
            phase: Phase::Start,
            sock: None,
            conn: 0,
            retired: Vec::new(),
            got: Vec::new(),
            last_read: None,
            probed: false,
            plain_done: false,
            tls_tried: false,
            tls: None,
            seen: None,
        }
    }

    /// The socket now in use.
    pub(super) fn sock(&self) -> Option<&Socket> {
        self.sock.as_ref()
    }

    /// Sockets to take out of the poller, then close.
    pub(super) fn take_retired(&mut self) -> Vec<(u32, Socket)> {
        std::mem::take(&mut self.retired)
    }

    /// When the machine must be advanced even if its socket stays quiet. A pause ends what
    /// came only once it holds a whole line: a first line cut in two (`SSH-2.0-Open`, then
    /// `SSH_9.6p1`) waits for its end until the phase's own, however late the rest comes on
    /// a loaded machine.
    pub(super) fn wake_at(&self) -> Instant {
        let paused = |until: Instant| match (self.got.contains(&b'\n'), self.last_read) {
            (true, Some(t)) => until.min(t + PAUSE),
            _ => until,
        };
        match self.phase {
            Phase::Banner { until } => paused(until),
            Phase::Reply => paused(self.deadline),
            _ => self.deadline,
        }
    }

    /// Does all the work that can be done now without blocking. Safe to call at any time
    /// (a spurious wake-up only finds nothing to read).
    pub(super) fn advance(&mut self, now: Instant) -> Status {
        loop {
            let step = match self.phase {
                Phase::Start => {
                    let then = if tls_port(self.job.addr.port()) {
                        Then::Tls
                    } else if http_port(self.job.addr.port()) {
                        Then::Probe
                    } else {
                        Then::Banner
                    };
                    self.connect(then, now)
                }
                Phase::Connecting(then) => self.connecting(then, now),
                Phase::Banner { .. } => self.read_plain(now),
                Phase::Probe { sent } => self.write_probe(sent, now),
                Phase::Reply => self.read_plain(now),
                Phase::Handshake => self.handshake(now),
                Phase::TlsReply => self.tls_reply(now),
            };
            match step {
                Step::Again => continue,
                Step::Wait(w) => return Status::Wait(w),
                Step::NoFd => return Status::NoFd,
                Step::Done(s) => {
                    self.retire();
                    return Status::Done(s);
                }
            }
        }
    }

    fn retire(&mut self) {
        if let Some(s) = self.sock.take() {
            self.retired.push((self.conn, s));
        }
        self.tls = None;
    }

    /// A new non-blocking connection (closing it sends a reset: SO_LINGER 0).
    fn connect(&mut self, then: Then, now: Instant) -> Step {
        self.retire();
        if now >= self.deadline {
            return self.connect_failed(then);
        }
        let dest = self.job.addr;
        let sock = match Socket::new(Domain::for_address(dest), Type::STREAM.nonblocking(), None) {
            Ok(s) => s,
            Err(e) => {
                return match e.raw_os_error() {
                    Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM) => Step::NoFd,
                    _ => self.connect_failed(then),
                }
            }
        };
        let _ = sock.set_linger(Some(Duration::ZERO));
        let src = self
            .cfg
            .source
            .map(|s| std::net::SocketAddr::new(s.ip(), 0));
        if crate::net::bind::bind_local(&sock, dest.is_ipv6(), src, self.cfg.interface.as_deref())
            .is_err()
        {
            return self.connect_failed(then);
        }
        self.conn = self.conn.wrapping_add(1);
        let res = sock.connect(&SockAddr::from(dest));
        self.sock = Some(sock);
        match res {
            Ok(()) => self.connected(then),
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {
                self.phase = Phase::Connecting(then);
                Step::Wait(Want::Write)
            }
            Err(_) => self.connect_failed(then),
        }
    }

    fn connecting(&mut self, then: Then, now: Instant) -> Step {
        let Some(sock) = &self.sock else {
            return self.connect_failed(then);
        };
        match sock.take_error() {
            Ok(None) => {}
            Ok(Some(_)) | Err(_) => return self.connect_failed(then),
        }
        match sock.peer_addr() {
            Ok(_) => self.connected(then),
            Err(e) if e.raw_os_error() == Some(libc::ENOTCONN) => {
                if now >= self.deadline {
                    self.connect_failed(then)
                } else {
                    Step::Wait(Want::Write)
                }
            }
            Err(_) => self.connect_failed(then),
        }
    }

    fn connected(&mut self, then: Then) -> Step {
        let sock = self.sock.as_ref().expect("connected socket");
        // Our own socket at the other end (the port stopped listening since the scan and the
        // kernel picked it as our source): no server.
        let local = sock.local_addr().ok().and_then(|a| a.as_socket());
        if local == Some(self.job.addr) {
            return self.connect_failed(then);
        }
        self.last_read = None;
        match then {
            Then::Banner => {
                // Half the time for a banner, the rest for the probe and its reply.
                let half = crate::net::attempt::deadline_after(self.start, self.cfg.timeout / 2);
                self.phase = Phase::Banner {
                    until: half.min(self.deadline),
                };
            }
            Then::Probe => self.phase = Phase::Probe { sent: 0 },
            Then::Tls => {
                self.tls_tried = true;
                match tls::client(&self.job.host, &self.tls_cfg) {
                    Ok(c) => {
                        self.tls = Some(c);
                        self.phase = Phase::Handshake;
                    }
                    Err(_) => return self.tls_failed(),
                }
            }
        }
        Step::Again
    }

    /// The service went away since the scan (or time ran out): a TLS try falls back to the
    /// plain exchange as a failed handshake does.
    fn connect_failed(&mut self, then: Then) -> Step {
        match then {
            Then::Tls => self.tls_failed(),
            _ => Step::Done(Box::new(Service::named("unknown"))),
        }
    }

    /// Reads plain bytes until the cap, the end of the stream, or the phase's time (its end,
    /// or a pause after the first bytes: [`Machine::wake_at`]); then the banner (or the
    /// reply) is over.
    fn read_plain(&mut self, now: Instant) -> Step {
        let Some(sock) = self.sock.as_ref() else {
            return self.plain_over();
        };
        let mut buf = [0u8; READ_CAP];
        while self.got.len() < READ_CAP {
            let room = READ_CAP - self.got.len();
            match (&*sock).read(&mut buf[..room]) {
                Ok(0) => return self.plain_over(),
                Ok(n) => {
                    self.got.extend_from_slice(&buf[..n]);
                    self.last_read = Some(now);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return if now >= self.wake_at() {
                        self.plain_over()
                    } else {
                        Step::Wait(Want::Read)
                    };
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return self.plain_over(),
            }
        }
        self.plain_over()
    }

    /// A read is over: a silent banner wait goes on to the probe; anything else is classified.
    fn plain_over(&mut self) -> Step {
        if matches!(self.phase, Phase::Banner { .. }) && self.got.is_empty() {
            self.phase = Phase::Probe { sent: 0 };
            return Step::Again;
        }
        self.classify_plain()
    }

    fn write_probe(&mut self, sent: usize, now: Instant) -> Step {
        let Some(sock) = self.sock.as_ref() else {
            return self.classify_plain();
        };
        let mut sent = sent;
        while sent < HTTP_PROBE.len() {
            match (&*sock).write(&HTTP_PROBE[sent..]) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if now >= self.deadline {
                        return self.classify_plain();
                    }
                    self.phase = Phase::Probe { sent };
                    return Step::Wait(Want::Write);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return self.classify_plain(),
            }
        }
        self.probed = true;
        self.last_read = None;
        self.phase = Phase::Reply;
        Step::Again
    }

    /// Names the service from the plain bytes; bytes that are TLS get a handshake.
    fn classify_plain(&mut self) -> Step {
        self.retire();
        self.plain_done = true;
        let port = self.job.addr.port();
        match recognise::recognise(&self.got, port) {
            Some(s) if s.name == "tls" => {
                if self.tls_tried {
                    return Step::Done(Box::new(Service::named("tls")));
                }
                // TLS where a text reply was expected: a ClientHello learns the rest.
                self.got.clear();
                self.connect(Then::Tls, Instant::now())
            }
            Some(s) => Step::Done(Box::new(Service {
                name: s.name.to_string(),
                product: s.product,
                version: s.version,
                tls: None,
                banner: banner_text(&self.got, self.probed),
                guess: false,
                detail: s.detail,
            })),
            None => Step::Done(Box::new(Service {
                banner: (!self.got.is_empty()).then(|| recognise::escape(&self.got, 64)),
                ..Service::named("unknown")
            })),
        }
    }

    /// No TLS session: after a plain exchange it is only `tls`; before one (a TLS port), the
    /// plain exchange is tried.
    fn tls_failed(&mut self) -> Step {
        self.retire();
        if self.plain_done {
            return Step::Done(Box::new(Service::named("tls")));
        }
        self.got.clear();
        self.probed = false;
        self.connect(Then::Probe, Instant::now())
    }

    /// Writes what rustls has to send: `Ok(None)` when all went, `Ok(Some(Write))` when the
    /// socket is full, `Err` when it is broken.
    fn flush_tls(&mut self) -> Result<Option<Want>, ()> {
        let (Some(sock), Some(conn)) = (self.sock.as_ref(), self.tls.as_mut()) else {
            return Err(());
        };
        let mut s = sock;
        while conn.wants_write() {
            match conn.write_tls(&mut s) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Some(Want::Write)),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Err(()),
            }
        }
        Ok(None)
    }

    fn handshake(&mut self, now: Instant) -> Step {
        loop {
            match self.flush_tls() {
                Ok(None) => {}
                Ok(Some(w)) if now < self.deadline => return Step::Wait(w),
                _ => return self.tls_failed(),
            }
            let (Some(sock), Some(conn)) = (self.sock.as_ref(), self.tls.as_mut()) else {
                return self.tls_failed();
            };
            if !conn.is_handshaking() {
                return self.handshake_done();
            }
            let mut s = sock;
            match conn.read_tls(&mut s) {
                Ok(0) => return self.tls_failed(),
                Ok(_) => {
                    if conn.process_new_packets().is_err() {
                        return self.tls_failed();
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return if now >= self.deadline {
                        self.tls_failed()
                    } else {
                        Step::Wait(Want::Read)
                    };
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return self.tls_failed(),
            }
        }
    }

    /// The session is up: HTTPS gets a `HEAD` inside it (unless it picked h2), anything else
    /// is named now.
    fn handshake_done(&mut self) -> Step {
        let Some(conn) = self.tls.as_mut() else {
            return self.tls_failed();
        };
        let seen = tls::seen(conn);
        let https = match seen.alpn.as_deref() {
            Some("h2") | Some("http/1.1") => true,
            Some(_) => false,
            None => matches!(
                self.job.addr.port(),
                443 | 4433 | 4443 | 7443 | 8443 | 9443 | 10443
            ),
        };
        let h2 = seen.alpn.as_deref() == Some("h2");
        self.seen = Some(seen);
        if !https || h2 || conn.writer().write_all(HTTP_PROBE).is_err() {
            return Step::Done(Box::new(self.tls_service(https)));
        }
        self.got.clear();
        self.phase = Phase::TlsReply;
        Step::Again
    }

    fn tls_service(&mut self, https: bool) -> Service {
        Service {
            tls: self.seen.take(),
            ..Service::named(if https { "https" } else { "tls" })
        }
    }

    /// The reply to the `HEAD` inside TLS: up to the end of its headers, the cap, the end of
    /// the session or the deadline.
    fn tls_reply(&mut self, now: Instant) -> Step {
        loop {
            match self.flush_tls() {
                Ok(None) => {}
                Ok(Some(w)) if now < self.deadline => return Step::Wait(w),
                _ => return self.tls_reply_over(),
            }
            let (Some(sock), Some(conn)) = (self.sock.as_ref(), self.tls.as_mut()) else {
                return self.tls_reply_over();
            };
            let mut buf = [0u8; 1024];
            loop {
                match conn.reader().read(&mut buf) {
                    Ok(0) => return self.tls_reply_over(),
                    Ok(n) => {
                        let room = READ_CAP - self.got.len();
                        self.got.extend_from_slice(&buf[..n.min(room)]);
                        if self.got.len() >= READ_CAP
                            || self.got.windows(4).any(|w| w == b"\r\n\r\n")
                        {
                            return self.tls_reply_over();
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(_) => return self.tls_reply_over(),
                }
            }
            let mut s = sock;
            match conn.read_tls(&mut s) {
                Ok(0) => {
                    // The end of the stream: what was decrypted is all there is.
                    let _ = conn.process_new_packets();
                    if let Ok(n) = conn.reader().read(&mut buf) {
                        let room = READ_CAP - self.got.len();
                        self.got.extend_from_slice(&buf[..n.min(room)]);
                    }
                    return self.tls_reply_over();
                }
                Ok(_) => {
                    if conn.process_new_packets().is_err() {
                        return self.tls_reply_over();
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return if now >= self.deadline {
                        self.tls_reply_over()
                    } else {
                        Step::Wait(Want::Read)
                    };
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return self.tls_reply_over(),
            }
        }
    }

    fn tls_reply_over(&mut self) -> Step {
        let mut s = self.tls_service(true);
        if let Some(h) =
            recognise::recognise(&self.got, self.job.addr.port()).filter(|h| h.name == "http")
        {
            s.product = h.product;
            s.version = h.version;
            s.detail = h.detail;
        }
        Step::Done(Box::new(s))
    }
}

/// The banner as JSON carries it: the server's own first line (not a reply to our probe,
/// whose status line the product and version already say).
fn banner_text(got: &[u8], probed: bool) -> Option<String> {
    if probed || got.is_empty() {
        return None;
    }
    let end = got.iter().position(|&c| c == b'\n').unwrap_or(got.len());
    let line = &got[..end];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some(recognise::escape(line, 256))
}
