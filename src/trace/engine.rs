//! The readiness loop. A batch of probes goes out at once, one non-blocking socket each,
//! registered (oneshot) with epoll; the first event of a probe decides it: a TCP connect's
//! `take_error()` (none: the SYN-ACK), a datagram's reply or error, and behind every error
//! the ICMP message on the error queue. A batch ends when every probe is decided or when the
//! caller's `enough` says what is left cannot change the answer (the trace stops at the
//! destination).
use super::names::Names;
use super::sock::{self, Kind};
use super::{pmtu, Answer, AnswerKind, Config, Gathered, Outcome, Series, TraceError, Via};
use crate::interrupt::Interrupt;
use crate::net::classify::classify;
use crate::net::{limits, recverr, Proto, Reason, State};
use polling::{Event, Events, Poller};
use socket2::Socket;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroUsize;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// Longest the loop sleeps before it looks at the interrupt flag again.
const TICK: Duration = Duration::from_millis(50);

/// Traces `dest` (its port is ignored: `cfg.port` is the one probed).
pub fn run(dest: SocketAddr, cfg: &Config, interrupt: &Interrupt) -> Result<Gathered, TraceError> {
    let started = Instant::now();
    let v6 = dest.is_ipv6();
    let hops = (cfg.first_hop..=cfg.max_hops).count() as u64;
    let need = hops * (cfg.queries as u64 + 1) + limits::RESERVED_FDS;
    let limit = limits::raise_nofile();
    if need > limit {
        return Err(TraceError::Files { need, limit });
    }
    let mut names = cfg.names.then(Names::new);
    // The host's distance by another kind of packet: a reset carries no TTL, and a silent
    // port does not say whether the path goes on.
    let via = if sock::ping_allowed(v6) {
        Via::Echo
    } else {
        Via::Udp
    };
    let mut specs = Vec::new();
    for ttl in cfg.first_hop..=cfg.max_hops {
        // TTL by TTL, the distance probe after the trace's own: the host's ICMP rate limit
        // (a burst of 6) goes to the lowest TTLs that reach it.
        for _ in 0..cfg.queries {
            specs.push((ttl, Series::Main));
        }
        specs.push((ttl, Series::Distance(via)));
    }
    let dest_ip = dest.ip();
    let (outcomes, interrupted) = batch(
        dest,
        cfg,
        &specs,
        interrupt,
        names.as_mut(),
        &mut |o: &[Outcome]| enough(o, dest_ip, cfg.max_hops),
    )?;
    let mut g = Gathered {
        dest: Some(dest),
        outcomes,
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

/// Whether the trace has what it needs: every probe up to the TTL that ended the path
/// decided, and, when the path's end does not say how far the host is (a reset, or
/// silence), the distance series up to the host decided too.
fn enough(o: &[Outcome], dest: IpAddr, max: u8) -> bool {
    let stop_at = |f: &dyn Fn(&Outcome) -> bool| {
        o.iter()
            .filter(|x| f(x) && x.answer.is_some_and(|a| a.kind.terminal()))
            .map(|x| x.ttl)
            .min()
    };
    let main = |x: &Outcome| x.series == Series::Main;
    let stop = stop_at(&main);
    let lim = stop.unwrap_or(max);
    if o.iter().any(|x| main(x) && x.ttl <= lim && !x.decided) {
        return false;
    }
    let end = stop.and_then(|t| {
        o.iter()
            .filter(|x| main(x) && x.ttl == t)
            .find_map(|x| x.answer)
    });
    let need_distance = match end {
        None => true,
        Some(a) => matches!(
            a.kind,
            AnswerKind::Host {
                reason: Reason::ConnRefused,
                ..
            }
        ),
    };
    if !need_distance {
        return true;
    }
    let dist = |x: &Outcome| matches!(x.series, Series::Distance(_));
    let host = |x: &Outcome| dist(x) && x.answer.is_some_and(|a| a.from == Some(dest));
    let dlim = stop_at(&host).or(stop_at(&dist)).unwrap_or(max);
    !o.iter().any(|x| dist(x) && x.ttl <= dlim && !x.decided)
}

/// A probe in flight.
struct Live {
    sock: Socket,
    kind: Kind,
    sent: Instant,
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
    let poller = Poller::new().map_err(TraceError::Poller)?;
    let mut out: Vec<Outcome> = specs
        .iter()
        .map(|&(ttl, series)| Outcome {
            ttl,
            series,
            answer: None,
            decided: false,
        })
        .collect();
    let mut live: Vec<Option<Live>> = Vec::with_capacity(specs.len());
    for (i, &(ttl, series)) in specs.iter().enumerate() {
        let sent = Instant::now();
        match sock::start(dest, series, ttl, cfg) {
            Ok((s, kind)) => {
                let ev = match kind {
                    Kind::Stream => Event::writable(i),
                    _ => Event::readable(i),
                };
                // SAFETY: the socket is removed from epoll by close() when `live` drops it,
                // before the fd can be reused.
                unsafe { poller.add(&s, ev) }.map_err(|e| TraceError::Register(e, dest))?;
                live.push(Some(Live {
                    sock: s,
                    kind,
                    sent,
                }));
            }
            Err(e) => {
                out[i].answer = Some(local(&e, None, sent, dest.is_ipv6(), cfg.proto, series));
                out[i].decided = true;
                live.push(None);
            }
        }
    }
    let mut events = Events::with_capacity(NonZeroUsize::new(256).expect("non-zero"));
    let mut interrupted = false;
    loop {
        if live.iter().all(Option::is_none) || enough(&out) {
            break;
        }
        if interrupt.raised() {
            interrupted = true;
            break;
        }
        let now = Instant::now();
        let next = live
            .iter()
            .flatten()
            .map(|l| l.sent + cfg.timeout)
            .min()
            .unwrap_or(now);
        let wait = next.saturating_duration_since(now).min(TICK);
        events.clear();
        match poller.wait(&mut events, Some(wait)) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(TraceError::Wait(e)),
        }
        let now = Instant::now();
        for ev in events.iter() {
            let i = ev.key;
            let Some(l) = live[i].as_ref() else { continue };
            match decide(l, dest, cfg.proto, out[i].series, now) {
                Some(a) => {
                    if let (Some(n), Some(from)) = (names.as_deref_mut(), a.from) {
                        n.lookup(from);
                    }
                    out[i].answer = Some(a);
                    out[i].decided = true;
                    close(live[i].take());
                }
                None => {
                    let ev = match l.kind {
                        Kind::Stream => Event::writable(i),
                        _ => Event::readable(i),
                    };
                    let _ = poller.modify(&l.sock, ev);
                }
            }
        }
        for (i, slot) in live.iter_mut().enumerate() {
            if slot.as_ref().is_some_and(|l| now >= l.sent + cfg.timeout) {
                out[i].decided = true;
                close(slot.take());
            }
        }
    }
    live.into_iter().for_each(close);
    Ok((out, interrupted))
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
    let rtt = now - l.sent;
    let v6 = dest.is_ipv6();
    let fd = l.sock.as_raw_fd();
    let errno = match l.kind {
        Kind::Stream => match l.sock.take_error() {
            Ok(Some(e)) => e.raw_os_error().unwrap_or(0),
            Ok(None) => {
                // Connected: the destination's SYN-ACK.
                l.sock.peer_addr().ok()?;
                return Some(Answer {
                    from: Some(dest.ip()),
                    rtt,
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
            // SAFETY: u8 and MaybeUninit<u8> have the same layout; recv only writes.
            let ubuf =
                unsafe { &mut *(&mut buf[..] as *mut [u8] as *mut [std::mem::MaybeUninit<u8>]) };
            match l.sock.recv(ubuf) {
                Ok(n) => {
                    let reply = if v6 { 129 } else { 0 };
                    if l.kind == Kind::Ping && (n == 0 || buf[0] != reply) {
                        return None;
                    }
                    return Some(Answer {
                        from: Some(dest.ip()),
                        rtt,
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
        Series::Main => proto,
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
                rtt,
                kind,
            }
        }
        Some(e) => {
            let io = io::Error::from_raw_os_error(errno);
            local(&io, Some(e.info), l.sent, v6, proto, series)
        }
        None if errno == libc::ECONNREFUSED && proto == Proto::Tcp => Answer {
            // A reset: from the host, or from a middlebox in its name.
            from: Some(dest.ip()),
            rtt,
            kind: AnswerKind::Host {
                state: State::Closed,
                reason: Reason::ConnRefused,
            },
        },
        None => {
            let io = io::Error::from_raw_os_error(errno);
            local(&io, None, l.sent, v6, proto, series)
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
        Series::Main => proto,
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
