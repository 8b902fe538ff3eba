//! The probing loop. Probes go out on one readiness loop, one non-blocking socket each,
//! registered (oneshot) with epoll; the first event of a probe decides it: a TCP connect's
//! `take_error()` (none: the SYN-ACK), a datagram's reply or error, and behind every error
//! the ICMP message on the error queue. RTTs are the kernel's: the receive timestamp of the
//! ICMP or the reply (SO_TIMESTAMPING) against the time taken right before the probe left,
//! and a SYN-ACK's the handshake RTT TCP_INFO measured.
//!
//! What a trace costs the host: the distance series (ICMP echo or UDP to a closed port, every
//! TTL at once) goes first; the trace's own probes climb one TTL at a time, the next TTL sent
//! once the last one answered (or stayed silent for a few RTTs), never past the host's
//! distance once it is known, and never past the first TTL the host (or anything else)
//! ended the path at. So at most `--queries` connections reach the host, and each is reset
//! at once (SO_LINGER 0). A router's ICMP budget (a burst of about 6, then one a second) is
//! spent on the hops in order, and before a hop is called silent the TTL that would carry a
//! reject is asked again once the budget has refilled, beside one plain connect.
use super::names::Names;
use super::sock::{self, Kind, Sent};
use super::{pmtu, Answer, AnswerKind, Config, Gathered, Outcome, Series, TraceError, Via};
use crate::interrupt::Interrupt;
use crate::net::classify::classify;
use crate::net::{limits, recverr, sys, Proto, Reason, State};
use polling::{Event, Events, Poller};
use socket2::Socket;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroUsize;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant, SystemTime};

/// Longest the loop sleeps before it looks at the interrupt flag again.
const TICK: Duration = Duration::from_millis(50);
/// The least time a silent TTL is given before the next one goes out (on top of three times
/// the slowest RTT seen): a SYN-ACK from the host comes well within it.
const STEP_FLOOR: Duration = Duration::from_millis(25);
/// A Linux router's ICMP budget per destination refills at one message a second: a re-ask
/// goes out that long after the probes it follows.
const ICMP_REFILL: Duration = Duration::from_secs(1);
/// Most re-asks before a hop is called silent (each one may move the answer one hop on).
const SETTLE_ROUNDS: usize = 3;

/// Traces `dest` (its port is ignored: `cfg.port` is the one probed).
pub fn run(dest: SocketAddr, cfg: &Config, interrupt: &Interrupt) -> Result<Gathered, TraceError> {
    let started = Instant::now();
    let v6 = dest.is_ipv6();
    let need = cfg.max_hops as u64 * (cfg.queries as u64 + 1) + 2 + limits::RESERVED_FDS;
    let limit = limits::raise_nofile();
    if need > limit {
        return Err(TraceError::Files { need, limit });
    }
    let mut names = cfg.names.then(Names::new);
    let _stamps = sock::stamps_keeper();
    // The host's distance by another kind of packet: a reset carries no TTL, a silent port
    // does not say whether the path goes on, and a SYN-ACK from nearer than the host is an
    // interceptor's.
    let via = if sock::ping_allowed(v6) {
        Via::Echo
    } else {
        Via::Udp
    };
    let mut p = Prober::new(dest, cfg)?;
    let dest_ip = dest.ip();
    let (mut interrupted, last) = ladder(&mut p, cfg, dest_ip, via, interrupt, names.as_mut())?;
    if !interrupted {
        interrupted = settle(&mut p, cfg, dest_ip, last, interrupt, names.as_mut())?;
    }
    p.close_all();
    let mut g = Gathered {
        dest: Some(dest),
        outcomes: std::mem::take(&mut p.out),
        via: Some(via),
        interrupted,
        ..Gathered::default()
    };
    if cfg.pmtu && !interrupted {
        let (p, stopped) = pmtu::search(dest, cfg, &g, interrupt, names.as_mut())?;
        g.pmtu = Some(p);
        g.interrupted |= stopped;
    }
    if let Some(n) = names {
        let wait = if g.interrupted {
            Duration::ZERO
        } else {
            super::names::WAIT
        };
        g.names = n.finish(wait, interrupt);
    }
    g.elapsed = started.elapsed();
    Ok(g)
}

/// The lowest TTL of the trace's own probes that ended the path.
fn main_stop(o: &[Outcome]) -> Option<u8> {
    o.iter()
        .filter(|x| x.series == Series::Main && x.answer.is_some_and(|a| a.kind.terminal()))
        .map(|x| x.ttl)
        .min()
}

/// The lowest TTL the distance series got an answer from the host at.
fn host_distance(o: &[Outcome], dest: IpAddr) -> Option<u8> {
    o.iter()
        .filter(|x| matches!(x.series, Series::Distance(_)))
        .filter(|x| x.answer.is_some_and(|a| a.from == Some(dest)))
        .map(|x| x.ttl)
        .min()
}

/// The highest TTL whose own probes got any answer.
fn last_answered(o: &[Outcome]) -> Option<u8> {
    o.iter()
        .filter(|x| x.series == Series::Main && x.answer.is_some())
        .map(|x| x.ttl)
        .max()
}

/// How long a silent TTL waits before the next goes out: three times the slowest RTT seen,
/// plus [`STEP_FLOOR`], at most the timeout.
fn step(o: &[Outcome], cfg: &Config) -> Duration {
    let slowest = o
        .iter()
        .filter_map(|x| x.answer)
        .filter(|a| !matches!(a.kind, AnswerKind::Local { .. }))
        .map(|a| a.rtt)
        .max()
        .unwrap_or(Duration::ZERO);
    (slowest * 3 + STEP_FLOOR).min(cfg.timeout)
}

/// One series climbing the TTLs: the next TTL goes out once the last one got an answer, or
/// stayed silent for [`step`].
struct Climb {
    series: Series,
    per_ttl: u32,
    next: u16,
    last: Option<Instant>,
}

impl Climb {
    /// The highest TTL this series may go to now.
    fn limit(&self, o: &[Outcome], dest: IpAddr, cfg: &Config) -> u16 {
        let stop = o
            .iter()
            .filter(|x| x.series == self.series && x.answer.is_some_and(|a| a.kind.terminal()))
            .map(|x| x.ttl)
            .min();
        let mut lim = match (self.series, stop, host_distance(o, dest)) {
            (_, Some(s), _) => s,
            // Probes past the host's distance would only open more connections on it.
            (Series::Main, None, Some(d)) => d.max(cfg.first_hop),
            _ => cfg.max_hops,
        };
        if let (Series::Distance(_), Some(t)) = (self.series, main_stop(o)) {
            // The trace ended at TTL t: the distance series goes past it only while a router
            // answers there (then the host is farther, and what ended the trace was not it).
            let router = o.iter().any(|x| {
                x.series == self.series
                    && x.ttl == t
                    && x.answer
                        .is_some_and(|a| matches!(a.kind, AnswerKind::TimeExceeded { .. }))
            });
            if !router {
                lim = lim.min(t);
            }
        }
        lim.min(cfg.max_hops) as u16
    }

    /// Sends the next TTL when it is due; otherwise returns when it will be (`None`: never).
    fn advance(
        &mut self,
        p: &mut Prober,
        dest: IpAddr,
        cfg: &Config,
    ) -> Result<Option<Instant>, TraceError> {
        let o = &p.out;
        if self.next > self.limit(o, dest, cfg) {
            return Ok(None);
        }
        if let Some(at) = self.last {
            let prev = (self.next - 1) as u8;
            let answered = o
                .iter()
                .any(|x| x.series == self.series && x.ttl == prev && x.answer.is_some());
            let due = at + step(o, cfg);
            if !answered && Instant::now() < due {
                return Ok(Some(due));
            }
        }
        for _ in 0..self.per_ttl {
            p.send(self.next as u8, self.series)?;
        }
        self.last = Some(Instant::now());
        self.next += 1;
        Ok(Some(Instant::now()))
    }

    /// Gone as far as it may, and every probe up to there decided.
    fn finished(&self, o: &[Outcome], dest: IpAddr, cfg: &Config) -> bool {
        let lim = self.limit(o, dest, cfg);
        self.next > lim
            && !o
                .iter()
                .any(|x| x.series == self.series && (x.ttl as u16) <= lim && !x.decided)
    }
}

/// The trace's own probes and the distance series, each climbing TTL by TTL (see the
/// module's notes). Returns whether it was interrupted, and when the last probes left.
fn ladder(
    p: &mut Prober,
    cfg: &Config,
    dest: IpAddr,
    via: Via,
    interrupt: &Interrupt,
    mut names: Option<&mut Names>,
) -> Result<(bool, Instant), TraceError> {
    // The trace's own first, so that a router that answers every TTL (no route, a reject)
    // spends its ICMP budget on them.
    let mut climbs = [
        Climb {
            series: Series::Main,
            per_ttl: cfg.queries,
            next: cfg.first_hop as u16,
            last: None,
        },
        // From TTL 1 whatever --first-hop says: the hop numbers are the path's.
        Climb {
            series: Series::Distance(via),
            per_ttl: 1,
            next: 1,
            last: None,
        },
    ];
    loop {
        if interrupt.raised() {
            return Ok((true, climbs[0].last.unwrap_or_else(Instant::now)));
        }
        let mut wake: Option<Instant> = None;
        let mut sent = false;
        for c in &mut climbs {
            let before = c.next;
            if let Some(at) = c.advance(p, dest, cfg)? {
                wake = Some(wake.map_or(at, |w| w.min(at)));
            }
            sent |= c.next != before;
        }
        if sent {
            continue;
        }
        if climbs.iter().all(|c| c.finished(&p.out, dest, cfg)) {
            return Ok((false, climbs[0].last.unwrap_or_else(Instant::now)));
        }
        p.poll(wake, names.as_deref_mut())?;
    }
}

/// Before a hop is called silent: asks again, once the routers' ICMP budget has refilled,
/// the first TTL that got no answer (where a reject would come from), and sends one plain
/// connect beside it; an answer one hop on asks the next. Returns whether interrupted.
fn settle(
    p: &mut Prober,
    cfg: &Config,
    dest: IpAddr,
    mut last: Instant,
    interrupt: &Interrupt,
    mut names: Option<&mut Names>,
) -> Result<bool, TraceError> {
    let mut plain = false;
    for _ in 0..SETTLE_ROUNDS {
        let o = &p.out;
        if main_stop(o).is_some() {
            break;
        }
        let silent = last_answered(o).map_or(cfg.first_hop, |h| h.saturating_add(1));
        let lim = host_distance(o, dest)
            .map_or(cfg.max_hops, |d| d.max(cfg.first_hop))
            .min(cfg.max_hops);
        if silent > lim {
            break;
        }
        let at = last + ICMP_REFILL;
        while Instant::now() < at {
            if interrupt.raised() {
                return Ok(true);
            }
            p.poll(Some(at), names.as_deref_mut())?;
        }
        let again = p.send(silent, Series::Main)?;
        let connect = (!plain).then(|| p.send(0, Series::Plain)).transpose()?;
        plain = true;
        last = Instant::now();
        while !p.out[again].decided || connect.is_some_and(|c| !p.out[c].decided) {
            if interrupt.raised() {
                return Ok(true);
            }
            p.poll(None, names.as_deref_mut())?;
        }
        let end = |i: usize| p.out[i].answer.is_some_and(|a| a.kind.terminal());
        if end(again) || connect.is_some_and(end) || p.out[again].answer.is_none() {
            break;
        }
    }
    Ok(false)
}

/// A probe in flight.
struct Live {
    sock: Socket,
    kind: Kind,
    sent: Sent,
}

/// The probes of one trace (or one path-MTU round) and the loop that decides them.
pub(super) struct Prober<'a> {
    dest: SocketAddr,
    cfg: &'a Config,
    poller: Poller,
    events: Events,
    /// What each probe got, in the order they were sent.
    pub out: Vec<Outcome>,
    live: Vec<Option<Live>>,
}

impl<'a> Prober<'a> {
    pub fn new(dest: SocketAddr, cfg: &'a Config) -> Result<Prober<'a>, TraceError> {
        Ok(Prober {
            dest,
            cfg,
            poller: Poller::new().map_err(TraceError::Poller)?,
            events: Events::with_capacity(NonZeroUsize::new(256).expect("non-zero")),
            out: Vec::new(),
            live: Vec::new(),
        })
    }

    /// Sends one probe; returns its index in `out`.
    pub fn send(&mut self, ttl: u8, series: Series) -> Result<usize, TraceError> {
        let i = self.out.len();
        self.out.push(Outcome {
            ttl,
            series,
            answer: None,
            decided: false,
        });
        match sock::start(self.dest, series, ttl, self.cfg) {
            Ok((s, kind, sent)) => {
                let ev = match kind {
                    Kind::Stream => Event::writable(i),
                    _ => Event::readable(i),
                };
                // The socket leaves epoll by close() when `live` drops it.
                crate::net::poll::register(&self.poller, &s, ev, polling::PollMode::Oneshot)
                    .map_err(|e| TraceError::Register(e, self.dest))?;
                self.live.push(Some(Live {
                    sock: s,
                    kind,
                    sent,
                }));
            }
            Err((e, sent)) => {
                let v6 = self.dest.is_ipv6();
                self.out[i].answer = Some(local(&e, None, sent.at, v6, self.cfg.proto, series));
                self.out[i].decided = true;
                self.live.push(None);
            }
        }
        Ok(i)
    }

    fn pending(&self) -> bool {
        self.live.iter().any(Option::is_some)
    }

    /// Waits for answers until `wake` (or the next probe's deadline, or a tick), decides the
    /// probes that got one and expires those past their timeout.
    pub fn poll(
        &mut self,
        wake: Option<Instant>,
        mut names: Option<&mut Names>,
    ) -> Result<(), TraceError> {
        let now = Instant::now();
        let next = self
            .live
            .iter()
            .flatten()
            .map(|l| l.sent.at + self.cfg.timeout)
            .chain(wake)
            .min()
            .unwrap_or(now + TICK);
        let wait = next.saturating_duration_since(now).min(TICK);
        self.events.clear();
        match self.poller.wait(&mut self.events, Some(wait)) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(TraceError::Wait(e)),
        }
        let now = Instant::now();
        let keys: Vec<usize> = self.events.iter().map(|e| e.key).collect();
        for i in keys {
            let Some(l) = self.live[i].as_ref() else {
                continue;
            };
            match decide(l, self.dest, self.cfg.proto, self.out[i].series, now) {
                Some(a) => {
                    if let (Some(n), Some(from)) = (names.as_deref_mut(), a.from) {
                        n.lookup(from);
                    }
                    self.out[i].answer = Some(a);
                    self.out[i].decided = true;
                    close(self.live[i].take());
                }
                None => {
                    let ev = match l.kind {
                        Kind::Stream => Event::writable(i),
                        _ => Event::readable(i),
                    };
                    let _ = self.poller.modify(&l.sock, ev);
                }
            }
        }
        for (i, slot) in self.live.iter_mut().enumerate() {
            if slot
                .as_ref()
                .is_some_and(|l| now >= l.sent.at + self.cfg.timeout)
            {
                self.out[i].decided = true;
                close(slot.take());
            }
        }
        Ok(())
    }

    /// Resets every connection still open and closes every socket.
    pub fn close_all(&mut self) {
        self.live.iter_mut().for_each(|l| close(l.take()));
    }
}

/// Sends every probe of `specs` at once and waits for their answers, until each is decided
/// or `enough` is satisfied, or Ctrl-C (the second value: interrupted).
pub(super) fn batch(
    dest: SocketAddr,
    cfg: &Config,
    specs: &[(u8, Series)],
    interrupt: &Interrupt,
    mut names: Option<&mut Names>,
    enough: &mut dyn FnMut(&[Outcome]) -> bool,
) -> Result<(Vec<Outcome>, bool), TraceError> {
    let mut p = Prober::new(dest, cfg)?;
    for &(ttl, series) in specs {
        p.send(ttl, series)?;
    }
    let mut interrupted = false;
    loop {
        if !p.pending() || enough(&p.out) {
            break;
        }
        if interrupt.raised() {
            interrupted = true;
            break;
        }
        p.poll(None, names.as_deref_mut())?;
    }
    p.close_all();
    Ok((p.out, interrupted))
}

/// The time from `sent` to a kernel receive timestamp, when there is one that makes sense;
/// else to `now`, when the loop saw the answer.
fn rtt(sent: &Sent, stamp: Option<SystemTime>, now: Instant) -> Duration {
    let seen = now.saturating_duration_since(sent.at);
    match stamp.and_then(|s| s.duration_since(sent.wall).ok()) {
        // The wall clock may have been stepped meanwhile: then the loop's figure.
        Some(d) if d <= seen + Duration::from_millis(1) => d,
        _ => seen,
    }
}

/// A connection that got through is reset, not closed: no TIME_WAIT left behind, and the
/// server's accept queue is not left holding it.
fn close(l: Option<Live>) {
    if let Some(l) = l {
        if l.kind == Kind::Stream {
            let _ = l.sock.set_linger(Some(Duration::ZERO));
        }
    }
}

/// What an event on a probe's socket says; `None`: nothing yet (a spurious wake-up).
fn decide(
    l: &Live,
    dest: SocketAddr,
    proto: Proto,
    series: Series,
    now: Instant,
) -> Option<Answer> {
    let v6 = dest.is_ipv6();
    let fd = l.sock.as_raw_fd();
    let errno = match l.kind {
        Kind::Stream => match l.sock.take_error() {
            Ok(Some(e)) => e.raw_os_error().unwrap_or(0),
            Ok(None) => {
                // Connected: the destination's SYN-ACK, timed by the kernel.
                l.sock.peer_addr().ok()?;
                return Some(Answer {
                    from: Some(dest.ip()),
                    rtt: sys::handshake_rtt(fd).unwrap_or_else(|| rtt(&l.sent, None, now)),
                    kind: AnswerKind::Host {
                        state: State::Open,
                        reason: Reason::SynAck,
                    },
                });
            }
            Err(e) => e.raw_os_error().unwrap_or(0),
        },
        Kind::Datagram | Kind::Ping => {
            let mut buf = [0u8; 2048];
            match recverr::recv_stamped(fd, &mut buf) {
                Ok((n, stamp)) => {
                    let reply = if v6 { 129 } else { 0 };
                    if l.kind == Kind::Ping && (n == 0 || buf[0] != reply) {
                        return None;
                    }
                    return Some(Answer {
                        from: Some(dest.ip()),
                        rtt: rtt(&l.sent, stamp, now),
                        kind: AnswerKind::Host {
                            state: State::Open,
                            reason: Reason::UdpResponse,
                        },
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    // An error may sit on the queue without a pending errno.
                    0
                }
                Err(e) => e.raw_os_error().unwrap_or(0),
            }
        }
    };
    let entry =
        recverr::read_entry(fd).filter(|e| e.is_icmp() || e.origin == recverr::ORIGIN_LOCAL);
    if errno == 0 && entry.is_none() {
        return None;
    }
    let errno = if errno == 0 {
        entry.map_or(0, |e| e.errno as i32)
    } else {
        errno
    };
    let proto = match series {
        Series::Main | Series::Plain => proto,
        _ => Proto::Udp,
    };
    Some(match entry {
        Some(e) if e.is_icmp() => {
            let i = e.icmp;
            let exceeded = if v6 { i.kind == 3 } else { i.kind == 11 };
            let kind = if exceeded {
                AnswerKind::TimeExceeded {
                    kind: i.kind,
                    code: i.code,
                }
            } else {
                let (state, reason) = classify(errno, Some(&i), v6, proto);
                AnswerKind::Icmp {
                    kind: i.kind,
                    code: i.code,
                    info: e.info,
                    state,
                    reason,
                }
            };
            Answer {
                from: i.from,
                rtt: rtt(&l.sent, e.stamp, now),
                kind,
            }
        }
        Some(e) => {
            let io = io::Error::from_raw_os_error(errno);
            local(&io, Some(e.info), l.sent.at, v6, proto, series)
        }
        None if errno == libc::ECONNREFUSED && proto == Proto::Tcp => Answer {
            // A reset: from the host, or from a middlebox in its name (no timestamp: the
            // loop's time).
            from: Some(dest.ip()),
            rtt: rtt(&l.sent, None, now),
            kind: AnswerKind::Host {
                state: State::Closed,
                reason: Reason::ConnRefused,
            },
        },
        None => {
            let io = io::Error::from_raw_os_error(errno);
            local(&io, None, l.sent.at, v6, proto, series)
        }
    })
}

/// A probe refused on this host: no route, no files, a local MTU.
fn local(
    e: &io::Error,
    info: Option<u32>,
    sent: Instant,
    v6: bool,
    proto: Proto,
    series: Series,
) -> Answer {
    let errno = e.raw_os_error().unwrap_or(0);
    let proto = match series {
        Series::Main | Series::Plain => proto,
        _ => Proto::Udp,
    };
    let (state, reason) = classify(errno, None, v6, proto);
    Answer {
        from: None,
        rtt: sent.elapsed(),
        kind: AnswerKind::Local {
            errno,
            info: info.unwrap_or(0),
            state,
            reason,
        },
    }
}
