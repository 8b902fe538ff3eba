//! The readiness loop. One socket per probe try, non-blocking, registered once (oneshot) with
//! epoll; the first event of any kind decides the try from `take_error()`. A try whose
//! connect() has already failed when it returns (loopback: the reset is handled inside the
//! call) is decided from that same `take_error()` without going through epoll, which is what
//! keeps a full-range loopback scan at the cost of the bare syscalls. Slots are preallocated
//! and reused, deadlines sit in a heap (each host has its own timeout, learnt as it answers):
//! no per-probe allocation, no scans.
//!
//! Congestion control and adaptive timing (TCP, unless `Config::adapt` is off; see
//! [`super::adapt`]): each host has a window of probes in flight, and the whole scan another;
//! both open in slow start as probes are answered and halve when a burst of tries is lost.
//! Hosts take turns on a ring when their windows are full. A try's deadline is the host's
//! srtt + 4·rttvar once it has answered, `--timeout` before. A port silent after its tries is
//! held back, not reported, while the host may still show loss: loss raises the host's tries,
//! and held ports get the new ones; they are reported `filtered` once the host is done.
//!
//! ICMP rate limiting: a host limits its ICMP errors, every kind of reject together (Linux: a
//! burst of 6 and one a second per destination, 1000/s per namespace), so silence from a host
//! that rejects by ICMP may be a reply that was never sent. Last tries on such a host are
//! suspects, and a canary (a port known to draw an ICMP error) is probed right after each
//! batch of them: if the canary is silent too, the silent suspects are `icmp-rate-limited`
//! instead of `filtered no-response` (`closed|filtered` when port unreachable is among the
//! host's kinds of reject, `filtered` otherwise). A port whose last try was already out when the host's first reply
//! arrived is tried once more, as a suspect. When a host's limit is spent before a run starts
//! and no reply at all arrives during it, silence is all there is: those ports are `filtered`.
use super::adapt::{self, Loss, Rtt, Window};
use super::{
    Config, EngineError, HostLearnt, Icmp, ProbeResult, Proto, Reason, Sink, State, Summary,
};
use crate::interrupt::Interrupt;
use crate::net::classify::classify_to;
use crate::net::{limits, recverr};
use polling::{Event, Events, Poller};
use socket2::{Domain, SockAddr, Socket, Type};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

mod hosts;
mod ratelimit;
mod reask;
mod timing;
mod udp;

use hosts::Host;
use ratelimit::Verdict;
use timing::{EchoVia, Timing, TIMING_KEY};

/// Longest the loop sleeps before it looks at the interrupt flag again.
const TICK: Duration = Duration::from_millis(50);
/// How often one port may come back to us as our own connection (or find no free local
/// port) before it is reported as an error instead of tried again.
const MAX_EXTRA: u16 = 64;
/// How many times in a row socket() may fail with nothing in flight before giving up.
const MAX_FD_STARVED: u32 = 100;
/// Most probes started in one turn of the loop: between turns the loop looks at the
/// interrupt flag, hands finished output on and reaps events, even when every probe is
/// decided the moment it starts (loopback).
const START_BATCH: u32 = 1024;
/// Most hosts taking turns at once when their windows are full.
const MAX_ACTIVE_HOSTS: usize = 4096;
/// A try to a host with no round-trip sample yet stops counting against the congestion
/// windows after this long (it keeps its socket and its deadline): silence is no evidence of
/// congestion, and a window that only opened as tries expire would take several deadlines to
/// open on a host that drops every port.
const AGE_OUT: Duration = adapt::MIN_TIMEOUT;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Normal,
    /// The last try of a port on an address that has rejected other ports by ICMP: if it
    /// stays silent, the canary of its batch says whether that silence means anything.
    Suspect(u32),
    /// A port known to draw an ICMP error, probed right after a batch of suspects.
    Canary(u32),
    /// A port found `icmp-rate-limited`, asked again at the host's ICMP limiter's pace.
    Reask,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    target: u32,
    port: u16,
    /// Tries already made (counted: ones that got no response).
    tries_done: u32,
    /// Tries that did not count: self-connects, no free local port, a recheck.
    extra: u16,
    kind: Kind,
    /// Tried once more, with a canary, because its target began to answer with ICMP port
    /// unreachable only while this port's last try was in flight.
    rechecked: bool,
    /// Window epochs (host, scan) when this try started, and when the last try that went
    /// unanswered started: an answer now proves that one lost, and it cuts the windows it was
    /// sent under, unless they were cut since.
    sent: (u16, u16),
    lost_at: (u16, u16),
}

struct Slot {
    sock: Option<Socket>,
    p: Pending,
    started: Instant,
    gen: u32,
    dest: SocketAddr,
    /// Counts against the congestion windows (see [`AGE_OUT`]).
    young: bool,
}

enum Start {
    Started,
    Decided,
    FdExhausted(i32),
    AddrNotAvail,
}

struct Engine<'a> {
    /// Port 0; a link-local IPv6 address carries its scope id.
    addrs: &'a [SocketAddr],
    ports: &'a [u16],
    cfg: &'a Config,
    poller: Poller,
    slots: Vec<Slot>,
    free: Vec<usize>,
    deadlines: BinaryHeap<Reverse<(Instant, usize, u32)>>,
    /// When tries to hosts with no sample stop counting against the windows.
    aging: BinaryHeap<Reverse<(Instant, usize, u32)>>,
    /// Tries in flight that count against the congestion windows.
    young: usize,
    /// Timing ping rounds due, by host.
    timing_due: BinaryHeap<Reverse<(Instant, u32)>>,
    /// How echo requests go out here (IPv4, IPv6), once known.
    echo_via: [Option<EchoVia>; 2],
    /// Hosts with ports to ask again (see `reask`).
    reasking: Vec<u32>,
    hosts: Vec<Host>,
    /// Hosts with ports to start, taking turns when their windows are full.
    ring: VecDeque<u32>,
    /// The next host not yet on the ring.
    next_host: u32,
    inflight: usize,
    /// The ceiling: the concurrency asked for, or what the fd limit allows.
    window: usize,
    /// The whole scan's congestion window, under the ceiling.
    group: Window,
    /// Congestion control, adaptive timeouts and retries from evidence (TCP).
    adapt: bool,
    /// In-flight TCP probes by destination port (slot + 1; 0: none), to recognise two of our
    /// own sockets connected to each other (A's local address is B's destination and the
    /// other way round). A hint: with several targets a port may be in flight to more than
    /// one, and then the slots are searched.
    by_port: Vec<u32>,
    verdicts: Vec<Verdict>,
    /// Silent suspects waiting for their batch's canary.
    parked: Vec<(u32, ProbeResult)>,
    canaries_due: Vec<u32>,
    pause_until: Option<Instant>,
    backoff: Duration,
    fd_starved: u32,
    summary: Summary,
}

/// Probes every port of every address; hands each result to `sink` as it is decided.
/// `addrs` are destinations without their port (0): a `SocketAddr` so that a link-local
/// IPv6 address keeps its scope id (`Target::sockaddr`).
pub fn run(
    addrs: &[SocketAddr],
    ports: &[u16],
    cfg: &Config,
    interrupt: &Interrupt,
    sink: &mut dyn Sink,
) -> Result<Summary, EngineError> {
    run_known(addrs, ports, cfg, &[], interrupt, sink)
}

/// [`run`], with results already known (a host discovery's, numbered as `addrs`): each is
/// handed to `sink` as it is and its port not probed again on its host; its round trip
/// counts as a sample of the host's.
pub fn run_known(
    addrs: &[SocketAddr],
    ports: &[u16],
    cfg: &Config,
    known: &[ProbeResult],
    interrupt: &Interrupt,
    sink: &mut dyn Sink,
) -> Result<Summary, EngineError> {
    let nofile = limits::raise_nofile();
    let adapt = cfg.adapt && cfg.proto == Proto::Tcp;
    // Adaptive: the window opens as far as the fd limit allows, when nothing is lost.
    let window = cfg
        .concurrency
        .unwrap_or_else(|| {
            if adapt {
                limits::adaptive_window_for(nofile)
            } else {
                limits::window_for(nofile)
            }
        })
        .max(1);
    let total = addrs.len() as u64 * ports.len() as u64;
    let slots_needed = window.min(total as usize).max(1);
    let new_window = |init: f64| {
        if adapt {
            Window::new(init, window)
        } else {
            Window::fixed(window)
        }
    };
    let mut e = Engine {
        addrs,
        ports,
        cfg,
        poller: Poller::new().map_err(EngineError::Poller)?,
        slots: Vec::with_capacity(slots_needed),
        free: Vec::with_capacity(slots_needed),
        deadlines: BinaryHeap::with_capacity(slots_needed),
        aging: BinaryHeap::new(),
        young: 0,
        timing_due: BinaryHeap::new(),
        echo_via: [None; 2],
        reasking: Vec::new(),
        hosts: (0..addrs.len())
            .map(|_| Host {
                next_port: 0,
                retry: VecDeque::new(),
                inflight: 0,
                on_ring: false,
                unreach_port: None,
                icmp_kinds: Vec::new(),
                open_batch: None,
                window: new_window(adapt::HOST_INIT),
                rtt: Rtt::default(),
                loss: Loss::default(),
                tries: cfg.retries.saturating_add(1),
                silent: Vec::new(),
                retries: 0,
                young: 0,
                timing: Timing::default(),
                heard: false,
                pushed_timeout: cfg.timeout,
                reask: reask::Reask::default(),
                known: Vec::new(),
            })
            .collect(),
        ring: VecDeque::new(),
        next_host: 0,
        inflight: 0,
        window,
        group: new_window(adapt::GROUP_INIT),
        adapt,
        by_port: if cfg.proto == Proto::Tcp {
            vec![0; 65536]
        } else {
            Vec::new()
        },
        verdicts: Vec::new(),
        parked: Vec::new(),
        canaries_due: Vec::new(),
        pause_until: None,
        backoff: Duration::from_millis(1),
        fd_starved: 0,
        summary: Summary {
            window,
            min_window: window,
            ..Summary::default()
        },
    };
    e.reuse(known, sink);
    e.run_loop(interrupt, sink)?;
    e.learnt();
    e.answered_nothing();
    e.rate_limited_kinds();
    Ok(e.summary)
}

impl Engine<'_> {
    fn run_loop(&mut self, interrupt: &Interrupt, sink: &mut dyn Sink) -> Result<(), EngineError> {
        let mut events = Events::with_capacity(NonZeroUsize::new(1024).expect("non-zero"));
        let interval = self.cfg.rate.map(|r| Duration::from_secs_f64(1.0 / r));
        let mut next_token = Instant::now();
        loop {
            if interrupt.raised() {
                self.summary.interrupted = true;
                break;
            }
            let mut now = Instant::now();
            if self.pause_until.is_some_and(|t| now >= t) {
                self.pause_until = None;
            }
            // Start probes while the window, the pause and the rate allow.
            let mut batch = 0;
            self.timing_rounds_due(now);
            while self.room() && self.pause_until.is_none() {
                batch += 1;
                if batch > START_BATCH {
                    break;
                }
                if let Some(iv) = interval {
                    if now < next_token {
                        break;
                    }
                    // No bursts after an idle spell: at most one token banked.
                    next_token = next_token.max(now - iv) + iv;
                }
                let Some(p) = self.next_pending() else { break };
                match self.start(p, now, sink)? {
                    Start::Started | Start::Decided => {}
                    Start::FdExhausted(errno) => {
                        self.summary.fd_exhausted += 1;
                        if self.inflight == 0 {
                            self.fd_starved += 1;
                            if self.fd_starved >= MAX_FD_STARVED {
                                self.emit_error(p, errno, sink);
                                self.fd_starved = 0;
                                continue;
                            }
                            self.pause_until = Some(now + Duration::from_millis(10));
                        }
                        // Fewer at once from now on: as many as did fit.
                        self.window = self.inflight.max(1);
                        self.group.set_ceiling(self.window);
                        self.summary.min_window = self.summary.min_window.min(self.window);
                        self.requeue(p, true);
                        break;
                    }
                    Start::AddrNotAvail => {
                        self.summary.addr_not_avail += 1;
                        if p.extra >= MAX_EXTRA {
                            self.emit_error(p, libc::EADDRNOTAVAIL, sink);
                            continue;
                        }
                        self.requeue(
                            Pending {
                                extra: p.extra + 1,
                                ..p
                            },
                            true,
                        );
                        // Local ports free up as probes in flight finish: wait a little,
                        // longer each time in a row.
                        self.pause_until = Some(now + self.backoff);
                        self.backoff = (self.backoff * 2).min(Duration::from_millis(100));
                        break;
                    }
                }
                now = Instant::now();
            }
            self.launch_canaries(now, sink)?;
            self.reask_step(now, sink)?;
            if self.inflight == 0 && self.pause_until.is_none() && !self.work_left() {
                break;
            }
            sink.idle();
            // More to start at once: only reap what is ready.
            let mut wait = if batch > START_BATCH {
                Duration::ZERO
            } else {
                TICK
            };
            if let Some(Reverse((d, _, _))) = self.deadlines.peek() {
                wait = wait.min(d.saturating_duration_since(now));
            }
            if let Some(t) = self.pause_until {
                wait = wait.min(t.saturating_duration_since(now));
            }
            for t in [
                self.next_timing_round(),
                self.next_aging(),
                self.next_reask(),
            ]
            .into_iter()
            .flatten()
            {
                wait = wait.min(t.saturating_duration_since(now));
            }
            if interval.is_some() && self.room() {
                wait = wait.min(next_token.saturating_duration_since(now));
            }
            events.clear();
            self.poller
                .wait(&mut events, Some(wait))
                .map_err(EngineError::Wait)?;
            let now = Instant::now();
            for ev in events.iter() {
                if ev.key >= TIMING_KEY {
                    self.timing_event(ev.key, now);
                } else {
                    self.decide(ev.key, now, sink);
                }
            }
            self.age(now);
            self.expire(now, sink);
        }
        // Interrupted: close what is in flight; those ports have no result. Ports found silent
        // after their tries are finished results.
        for s in &mut self.slots {
            s.sock = None;
        }
        for h in 0..self.hosts.len() {
            self.report_silent(h, sink);
        }
        // Ports waiting to be asked again stay as they were found.
        self.reask_step(Instant::now(), sink)?;
        Ok(())
    }

    fn last_try(&self, p: &Pending) -> bool {
        p.tries_done + 1 >= self.hosts[p.target as usize].tries
    }

    fn start(
        &mut self,
        mut p: Pending,
        now: Instant,
        sink: &mut dyn Sink,
    ) -> Result<Start, EngineError> {
        let mut dest = self.addrs[p.target as usize];
        dest.set_port(p.port);
        let v6 = dest.is_ipv6();
        let ty = match self.cfg.proto {
            Proto::Tcp => Type::STREAM,
            Proto::Udp => Type::DGRAM,
        };
        let sock = match Socket::new(Domain::for_address(dest), ty.nonblocking(), None) {
            Ok(s) => s,
            Err(e) => {
                let errno = e.raw_os_error().unwrap_or(0);
                return Ok(match errno {
                    libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM => {
                        Start::FdExhausted(errno)
                    }
                    _ => {
                        self.emit_error(p, errno, sink);
                        Start::Decided
                    }
                });
            }
        };
        self.fd_starved = 0;
        // Without it the ICMP type, code and sender are lost; the errno still decides.
        let _ = recverr::enable(sock.as_raw_fd(), v6);
        if let Err(e) =
            crate::net::bind::bind_local(&sock, v6, self.cfg.source, self.cfg.interface.as_deref())
        {
            self.emit_error(p, e.raw_os_error().unwrap_or(0), sink);
            return Ok(Start::Decided);
        }
        if matches!(p.kind, Kind::Normal) && self.cfg.proto == Proto::Tcp && self.last_try(&p) {
            if let Some(b) = self.suspect_batch(p.target) {
                p.kind = Kind::Suspect(b);
            }
        }
        p.sent = (
            self.hosts[p.target as usize].window.epoch(),
            self.group.epoch(),
        );
        let res = sock.connect(&SockAddr::from(dest));
        let in_progress = match &res {
            Ok(()) => false,
            Err(e) => match e.raw_os_error() {
                Some(libc::EINPROGRESS) => true,
                Some(libc::EADDRNOTAVAIL) | Some(libc::EAGAIN) => return Ok(Start::AddrNotAvail),
                Some(errno) => {
                    self.finish_error(p, &sock, errno, now, now, sink);
                    return Ok(Start::Decided);
                }
                None => {
                    self.emit_error(p, 0, sink);
                    return Ok(Start::Decided);
                }
            },
        };
        self.backoff = Duration::from_millis(1);
        if in_progress && self.cfg.proto == Proto::Tcp {
            // Often decided already: on loopback the reset (or ICMP error) is handled before
            // connect() returns. Then that first error decides the try, as an event would,
            // without the cost of registering the socket and reaping the event.
            if let Ok(Some(e)) = sock.take_error() {
                let errno = e.raw_os_error().unwrap_or(0);
                self.summary.started += 1;
                self.finish_error(p, &sock, errno, now, Instant::now(), sink);
                return Ok(Start::Decided);
            }
        }
        let readable = if self.cfg.proto == Proto::Udp {
            if let Err(e) = self.send_payload(&sock, &p) {
                let errno = e.raw_os_error().unwrap_or(0);
                if errno == libc::EAGAIN || errno == libc::ENOBUFS {
                    self.requeue(p, false);
                    return Ok(Start::Decided);
                }
                self.finish_error(p, &sock, errno, now, now, sink);
                return Ok(Start::Decided);
            }
            true
        } else {
            false
        };
        let idx = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push(Slot {
                    sock: None,
                    p,
                    started: now,
                    gen: 0,
                    dest,
                    young: false,
                });
                self.slots.len() - 1
            }
        };
        if !in_progress && self.cfg.proto == Proto::Tcp {
            // Connected at once (possible on loopback): decide now, through the same path.
            let s = &mut self.slots[idx];
            s.sock = Some(sock);
            s.p = p;
            s.started = now;
            s.dest = dest;
            s.young = false;
            self.inflight += 1;
            self.hosts[p.target as usize].inflight += 1;
            self.by_port[dest.port() as usize] = idx as u32 + 1;
            self.decide(idx, now, sink);
            return Ok(Start::Decided);
        }
        // The socket leaves epoll by close() when its slot drops it.
        let ev = if readable {
            Event::readable(idx)
        } else {
            Event::writable(idx)
        };
        crate::net::poll::register(&self.poller, &sock, ev, polling::PollMode::Oneshot)
            .map_err(|e| EngineError::Register(e, dest))?;
        let s = &mut self.slots[idx];
        s.sock = Some(sock);
        s.p = p;
        s.started = now;
        s.dest = dest;
        s.young = true;
        let gen = s.gen;
        let host = &mut self.hosts[p.target as usize];
        host.inflight += 1;
        host.young += 1;
        self.young += 1;
        if self.adapt && host.rtt.samples == 0 {
            self.aging.push(Reverse((now + AGE_OUT, idx, gen)));
        }
        let host = &mut self.hosts[p.target as usize];
        if p.tries_done > 0 {
            host.retries += 1;
        }
        let timeout = if self.adapt {
            host.rtt.timeout(self.cfg.timeout)
        } else {
            self.cfg.timeout
        };
        self.deadlines.push(Reverse((now + timeout, idx, gen)));
        self.inflight += 1;
        self.summary.started += 1;
        if self.cfg.proto == Proto::Tcp {
            self.by_port[dest.port() as usize] = idx as u32 + 1;
        }
        Ok(Start::Started)
    }

    /// Frees a slot: the socket is closed (and so leaves epoll), stale deadlines are skipped
    /// by the generation.
    fn release(&mut self, idx: usize) -> Option<(Socket, Pending, Instant, SocketAddr)> {
        let s = &mut self.slots[idx];
        let sock = s.sock.take()?;
        s.gen = s.gen.wrapping_add(1);
        let out = (sock, s.p, s.started, s.dest);
        let young = std::mem::take(&mut s.young);
        self.free.push(idx);
        self.inflight -= 1;
        self.hosts[out.1.target as usize].inflight -= 1;
        if young {
            self.young -= 1;
            self.hosts[out.1.target as usize].young -= 1;
        }
        if out.1.kind == Kind::Reask {
            self.hosts[out.1.target as usize].reask.inflight = false;
        }
        if self.cfg.proto == Proto::Tcp && self.by_port[out.3.port() as usize] == idx as u32 + 1 {
            self.by_port[out.3.port() as usize] = 0;
        }
        Some(out)
    }

    fn decide(&mut self, idx: usize, now: Instant, sink: &mut dyn Sink) {
        let Some(s) = self.slots.get(idx) else { return };
        let Some(sock) = s.sock.as_ref() else { return };
        match sock.take_error() {
            Ok(None) if self.cfg.proto == Proto::Tcp => self.connected(idx, now, sink),
            Ok(None) => self.udp_readable(idx, now, sink),
            Ok(Some(e)) | Err(e) => {
                let errno = e.raw_os_error().unwrap_or(0);
                let Some((sock, p, started, _)) = self.release(idx) else {
                    return;
                };
                self.finish_error(p, &sock, errno, started, now, sink);
            }
        }
    }

    fn connected(&mut self, idx: usize, now: Instant, sink: &mut dyn Sink) {
        let s = &self.slots[idx];
        let sock = s.sock.as_ref().expect("occupied");
        let dest = s.dest;
        let local = sock.local_addr().ok().and_then(|a| a.as_socket());
        // Our own socket at the other end: connect() to a local port that the kernel also
        // picked as our source port (self-connect), or two of our probes that met each other.
        let mut own = local == Some(dest);
        if let (false, Some(l)) = (own, local) {
            if l.ip() == dest.ip() {
                if let Some(other) = self.in_flight_to(l) {
                    let o = &self.slots[other];
                    let o_local = o
                        .sock
                        .as_ref()
                        .and_then(|s| s.local_addr().ok())
                        .and_then(|a| a.as_socket());
                    if other != idx && o_local == Some(dest) {
                        own = true;
                        if let Some((osock, op, _, _)) = self.release(other) {
                            let _ = osock.set_linger(Some(Duration::ZERO));
                            self.requeue_own(op, sink);
                        }
                    }
                }
            }
        }
        let (sock, p, started, _) = self.release(idx).expect("occupied");
        // RTT: the handshake's, as the kernel measured it (the loop may see the SYN-ACK late).
        let handshake = crate::net::sys::handshake_rtt(sock.as_raw_fd());
        // RST on close: a scan leaves no TIME_WAIT behind.
        let _ = sock.set_linger(Some(Duration::ZERO));
        drop(sock);
        if own {
            self.requeue_own(p, sink);
            return;
        }
        if let Kind::Canary(b) = p.kind {
            self.set_verdict(b, Verdict::Silent, sink);
            return;
        }
        self.learn(&p, now - started);
        let r = self.result(
            p,
            State::Open,
            Reason::SynAck,
            None,
            None,
            Some(handshake.map_or(now - started, |h| h.min(now - started))),
            local,
        );
        sink.result(&r);
        self.settle(p.target as usize, sink);
    }

    /// The slot of the TCP probe in flight to `dest`, if any.
    fn in_flight_to(&self, dest: SocketAddr) -> Option<usize> {
        let is = |i: usize| self.slots[i].sock.is_some() && self.slots[i].dest == dest;
        match self.by_port[dest.port() as usize] {
            0 => None,
            h if is(h as usize - 1) => Some(h as usize - 1),
            // The hint names a probe to the same port of another target.
            _ => (0..self.slots.len()).find(|&i| is(i)),
        }
    }

    fn requeue_own(&mut self, p: Pending, sink: &mut dyn Sink) {
        self.summary.self_connects += 1;
        if p.extra >= MAX_EXTRA {
            let r = self.result(p, State::Error, Reason::SelfConnect, None, None, None, None);
            sink.result(&r);
            return;
        }
        self.requeue(
            Pending {
                extra: p.extra + 1,
                ..p
            },
            false,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn finish_error(
        &mut self,
        p: Pending,
        sock: &Socket,
        errno: i32,
        started: Instant,
        now: Instant,
        sink: &mut dyn Sink,
    ) {
        let icmp = recverr::read_icmp(sock.as_raw_fd());
        let target = self.addrs[p.target as usize].ip();
        let (state, reason) = classify_to(target, errno, icmp.as_ref(), self.cfg.proto);
        // Any ICMP reject by the target itself: its errors share one rate limit. (A router's
        // have their own.)
        let reject = ratelimit::icmp_reject(target, icmp.as_ref(), reason);
        if let Some(kind) = reject {
            let ts = &mut self.hosts[p.target as usize];
            if ts.unreach_port.is_none() {
                ts.unreach_port = Some(p.port);
            }
            if !ts.icmp_kinds.contains(&kind) {
                ts.icmp_kinds.push(kind);
            }
        }
        if let Kind::Canary(b) = p.kind {
            let v = if reject.is_some() {
                Verdict::Answered
            } else {
                Verdict::Silent
            };
            self.set_verdict(b, v, sink);
            return;
        }
        let rtt = (state != State::Error).then(|| now - started);
        if let Some(t) = rtt {
            // An answer from the path (a reset, an ICMP error): the probe was not lost.
            self.learn(&p, t);
        }
        // Open: the handshake completed before the reset that ended it.
        let local = (state == State::Open)
            .then(|| sock.local_addr().ok().and_then(|a| a.as_socket()))
            .flatten();
        let r = self.result(p, state, reason, Some(errno), icmp, rtt, local);
        sink.result(&r);
        self.settle(p.target as usize, sink);
    }

    fn emit_error(&mut self, p: Pending, errno: i32, sink: &mut dyn Sink) {
        if let Kind::Canary(b) = p.kind {
            self.set_verdict(b, Verdict::Silent, sink);
            return;
        }
        let r = self.result(
            p,
            State::Error,
            Reason::Local(errno),
            Some(errno),
            None,
            None,
            None,
        );
        sink.result(&r);
    }

    #[allow(clippy::too_many_arguments)]
    fn result(
        &self,
        p: Pending,
        state: State,
        reason: Reason,
        errno: Option<i32>,
        icmp: Option<Icmp>,
        rtt: Option<Duration>,
        local: Option<SocketAddr>,
    ) -> ProbeResult {
        ProbeResult {
            target: p.target as usize,
            addr: self.addrs[p.target as usize].ip(),
            port: p.port,
            proto: self.cfg.proto,
            state,
            reason,
            errno,
            icmp,
            rtt,
            tries: p.tries_done + 1,
            local,
            echo: None,
        }
    }
}

#[cfg(test)]
mod tests;
