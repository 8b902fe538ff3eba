//! From what each probe got to hops and a verdict: pure, so every verdict is tested on
//! made-up outcomes as well as in the lab.
use super::{AnswerKind, Config, Gathered, Outcome, PmtuRun, Series, Via};
use crate::net::{errno, Proto, Reason, State};
use serde::Serialize;
use std::net::IpAddr;
use std::time::Duration;

/// An address that answered at a TTL, and how many of the TTL's probes it answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Responder {
    pub addr: IpAddr,
    pub name: Option<String>,
    pub count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rtt {
    pub min: Duration,
    pub avg: Duration,
    pub max: Duration,
}

/// One TTL of the trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Hop {
    pub ttl: u8,
    /// Most answers first; more than one: load balancing (or a change of route).
    pub responders: Vec<Responder>,
    pub sent: u32,
    pub lost: u32,
    pub rtt: Option<Rtt>,
    /// The ICMP message (type, code) most answers were.
    pub icmp: Option<(u8, u8)>,
    /// The hop ended the path: the destination's answer, or a router's reject.
    pub state: Option<State>,
    pub reason: Option<Reason>,
    /// `--pmtu`: a router of this hop said the next link takes at most this MTU.
    pub mtu: Option<u32>,
}

impl Hop {
    /// The address most answers came from.
    pub fn addr(&self) -> Option<IpAddr> {
        self.responders.first().map(|r| r.addr)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerdictKind {
    Reached,
    SilentAfter,
    Rejected,
    NoRoute,
    MiddleboxReset,
    /// Something nearer than the host answered in its name (a transparent proxy, a NAT).
    Intercepted,
    /// The last TTL probed still drew a router's time-exceeded.
    NotReached,
    MtuBlackHole,
}

/// The line a person can act on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub kind: VerdictKind,
    pub hop: Option<u8>,
    pub addr: Option<IpAddr>,
    pub text: String,
}

/// One trace to one address, analysed.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub dest: IpAddr,
    pub port: u16,
    pub proto: Proto,
    pub hops: Vec<Hop>,
    /// The destination itself answered (open or not).
    pub reached: bool,
    /// The destination's state and reason, as `probe` would show them.
    pub state: Option<State>,
    pub reason: Option<Reason>,
    pub verdict: Verdict,
    /// The host's hop by the distance series, and the kind of packet that found it.
    pub distance: Option<(u8, Via)>,
    pub pmtu: Option<PmtuRun>,
    pub interrupted: bool,
    pub elapsed: Duration,
}

impl Trace {
    pub fn open(&self) -> bool {
        self.reached && self.state == Some(State::Open)
    }
}

/// The hops and the verdict of one trace.
pub fn analyse(g: &Gathered, cfg: &Config, dest: IpAddr) -> Trace {
    let main: Vec<&Outcome> = g
        .outcomes
        .iter()
        .filter(|o| o.series == Series::Main)
        .collect();
    let terminal = |o: &&&Outcome| o.answer.is_some_and(|a| a.kind.terminal());
    let stop = main.iter().filter(terminal).map(|o| o.ttl).min();
    let last_answer = main
        .iter()
        .filter(|o| o.answer.is_some())
        .map(|o| o.ttl)
        .max();
    let mut end = stop.unwrap_or_else(|| {
        last_answer.map_or(cfg.first_hop, |t| t.saturating_add(1).min(cfg.max_hops))
    });
    if g.interrupted {
        // Only finished hops: up to the first with a probe still out.
        if let Some(t) = main.iter().filter(|o| !o.decided).map(|o| o.ttl).min() {
            end = end.min(t.saturating_sub(1));
        }
    }
    let mut hops: Vec<Hop> = (cfg.first_hop..=end)
        .filter(|t| *t >= cfg.first_hop)
        .map(|t| hop(t, &main))
        .collect();
    if let Some(p) = &g.pmtu {
        for (addr, mtu) in &p.drops {
            if let Some(h) = hops
                .iter_mut()
                .find(|h| h.responders.iter().any(|r| r.addr == *addr))
            {
                h.mtu = Some(*mtu);
            }
        }
    }
    let from_dest = |o: &&Outcome| o.answer.is_some_and(|a| a.from == Some(dest));
    let distance = g
        .outcomes
        .iter()
        .filter(|o| matches!(o.series, Series::Distance(_)))
        .filter(from_dest)
        .map(|o| o.ttl)
        .min()
        .zip(g.via);
    let dist_last_router = g
        .outcomes
        .iter()
        .filter(|o| matches!(o.series, Series::Distance(_)))
        .filter(|o| {
            matches!(
                o.answer.map(|a| a.kind),
                Some(AnswerKind::TimeExceeded { .. })
            )
        })
        .map(|o| o.ttl)
        .max();
    let end_answer = stop.and_then(|t| {
        main.iter()
            .filter(|o| o.ttl == t)
            .find_map(|o| o.answer.filter(|a| a.kind.terminal()))
    });
    // Every router's time-exceeded, whichever series drew it: where each router is.
    let routers: Vec<(u8, IpAddr)> = g
        .outcomes
        .iter()
        .filter(|o| o.series != Series::Plain)
        .filter_map(|o| match o.answer {
            Some(a) if matches!(a.kind, AnswerKind::TimeExceeded { .. }) => {
                a.from.map(|f| (o.ttl, f))
            }
            _ => None,
        })
        .collect();
    // The plain connect sent before a hop was called silent, when it got an answer.
    let plain = g
        .outcomes
        .iter()
        .filter(|o| o.series == Series::Plain)
        .find_map(|o| o.answer.filter(|a| a.kind.terminal()));
    let ctx = Ctx {
        cfg,
        dest,
        hops: &hops,
        routers: &routers,
        last_answer,
        distance,
        dist_last_router,
    };
    let mut verdict = match (stop, end_answer) {
        (Some(t), Some(a)) => ctx.ended(t, a.from, a.kind),
        _ => match plain {
            Some(a) if a.from != Some(dest) && !matches!(a.kind, AnswerKind::Local { .. }) => {
                ctx.plain(a.from, a.kind)
            }
            _ => ctx.silent(),
        },
    };
    let (reached, state, reason) = match end_answer {
        // An answer in the host's name from nearer than the host is not the host's.
        Some(a)
            if a.from == Some(dest)
                && !matches!(
                    verdict.kind,
                    VerdictKind::Intercepted | VerdictKind::MiddleboxReset
                ) =>
        {
            match a.kind {
                AnswerKind::Host { state, reason } | AnswerKind::Icmp { state, reason, .. } => {
                    (true, Some(state), Some(reason))
                }
                _ => (false, None, None),
            }
        }
        _ => (false, None, None),
    };
    if let Some(bh) = g.pmtu.as_ref().and_then(|p| p.black_hole) {
        let at = bh.after_hop.map_or(String::new(), |h| {
            let a = hops
                .iter()
                .find(|x| x.ttl == h)
                .and_then(Hop::addr)
                .map_or(String::new(), |a| format!(" ({a})"));
            format!(" after hop {h}{a}")
        });
        let pass = bh.pass.map_or("no smaller size passes either".into(), |p| {
            format!("{p} pass")
        });
        verdict = Verdict {
            kind: VerdictKind::MtuBlackHole,
            hop: bh.after_hop,
            addr: bh
                .after_hop
                .and_then(|h| hops.iter().find(|x| x.ttl == h).and_then(Hop::addr)),
            text: format!(
                "path MTU black hole{at}: {}-byte packets vanish, {pass} (no frag-needed comes back); {}",
                bh.vanish, verdict.text
            ),
        };
    }
    // Names of the addresses shown.
    for h in &mut hops {
        for r in &mut h.responders {
            r.name = g.names.get(&r.addr).cloned().flatten();
        }
    }
    Trace {
        dest,
        port: cfg.port,
        proto: cfg.proto,
        hops,
        reached,
        state,
        reason,
        verdict,
        distance,
        pmtu: g.pmtu.clone(),
        interrupted: g.interrupted,
        elapsed: g.elapsed,
    }
}

fn hop(ttl: u8, main: &[&Outcome]) -> Hop {
    let probes: Vec<&&Outcome> = main.iter().filter(|o| o.ttl == ttl).collect();
    let answers: Vec<_> = probes.iter().filter_map(|o| o.answer).collect();
    let mut responders: Vec<Responder> = Vec::new();
    for a in &answers {
        if let Some(f) = a.from {
            match responders.iter_mut().find(|r| r.addr == f) {
                Some(r) => r.count += 1,
                None => responders.push(Responder {
                    addr: f,
                    name: None,
                    count: 1,
                }),
            }
        }
    }
    // Stable: first seen first among equals.
    responders.sort_by_key(|r| std::cmp::Reverse(r.count));
    let rtts: Vec<Duration> = answers
        .iter()
        .filter(|a| !matches!(a.kind, AnswerKind::Local { .. }))
        .map(|a| a.rtt)
        .collect();
    let rtt = (!rtts.is_empty()).then(|| Rtt {
        min: *rtts.iter().min().expect("not empty"),
        max: *rtts.iter().max().expect("not empty"),
        avg: rtts.iter().sum::<Duration>() / rtts.len() as u32,
    });
    let mut icmps: Vec<((u8, u8), u32)> = Vec::new();
    for a in &answers {
        let k = match a.kind {
            AnswerKind::TimeExceeded { kind, code } | AnswerKind::Icmp { kind, code, .. } => {
                (kind, code)
            }
            _ => continue,
        };
        match icmps.iter_mut().find(|(x, _)| *x == k) {
            Some((_, n)) => *n += 1,
            None => icmps.push((k, 1)),
        }
    }
    icmps.sort_by_key(|x| std::cmp::Reverse(x.1));
    let end = answers.iter().find_map(|a| match a.kind {
        AnswerKind::Host { state, reason }
        | AnswerKind::Icmp { state, reason, .. }
        | AnswerKind::Local { state, reason, .. } => Some((state, reason)),
        AnswerKind::TimeExceeded { .. } => None,
    });
    Hop {
        ttl,
        responders,
        sent: probes.len() as u32,
        lost: (probes.len() - answers.len()) as u32,
        rtt,
        icmp: icmps.first().map(|(k, _)| *k),
        state: end.map(|e| e.0),
        reason: end.map(|e| e.1),
        mtu: None,
    }
}

/// What the verdict is made from.
struct Ctx<'a> {
    cfg: &'a Config,
    dest: IpAddr,
    hops: &'a [Hop],
    /// (TTL, router) of every time-exceeded, in any series.
    routers: &'a [(u8, IpAddr)],
    last_answer: Option<u8>,
    distance: Option<(u8, Via)>,
    dist_last_router: Option<u8>,
}

impl Ctx<'_> {
    fn addr_of(&self, ttl: u8) -> Option<IpAddr> {
        self.hops.iter().find(|h| h.ttl == ttl).and_then(Hop::addr)
    }

    /// The hop of a router by its address: the lowest TTL it sent a time-exceeded from, in
    /// any series (a filter rejects what the router forwards, one TTL after the hop it
    /// answers at); `None` when it sent none below `at`.
    fn router_hop(&self, addr: IpAddr, at: u8) -> Option<u8> {
        self.routers
            .iter()
            .filter(|(t, a)| *t < at && *a == addr)
            .map(|(t, _)| *t)
            .min()
    }

    fn hop_of(&self, addr: IpAddr, at: u8) -> u8 {
        self.router_hop(addr, at).unwrap_or(at)
    }

    /// The router that answers TTL `t` for any series.
    fn router_at(&self, t: u8) -> Option<IpAddr> {
        self.routers.iter().find(|(x, _)| *x == t).map(|(_, a)| *a)
    }

    /// A plain connect got what no probe with a TTL did (their ICMP spent by the routers'
    /// rate limits): a router's reject or unreachable.
    fn plain(&self, from: Option<IpAddr>, kind: AnswerKind) -> Verdict {
        let AnswerKind::Icmp {
            kind: ty,
            code,
            reason,
            ..
        } = kind
        else {
            return self.silent();
        };
        let hop = from.and_then(|f| self.router_hop(f, u8::MAX));
        let who = from.map_or(String::new(), |f| format!(" ({f})"));
        let at = hop.map_or(
            format!("by a router{who} that sent no time-exceeded"),
            |h| format!("at hop {h}{who}"),
        );
        let (vk, what) = match reason {
            Reason::NetUnreach => (VerdictKind::NoRoute, "net-unreachable".to_string()),
            Reason::HostUnreach => (VerdictKind::NoRoute, "host-unreachable".to_string()),
            r => (VerdictKind::Rejected, r.token().to_string()),
        };
        let head = match vk {
            VerdictKind::NoRoute => format!(
                "no route: ICMP {what} (type {ty} code {code}) from {}",
                hop.map_or(format!("a router{who}"), |h| format!("hop {h}{who}"))
            ),
            _ => format!("rejected {at}: ICMP {what} (type {ty} code {code})"),
        };
        Verdict {
            kind: vk,
            hop,
            addr: from,
            text: format!(
                "{head}, the answer to a connect with the system's TTL; the probes with a TTL got none (the router's ICMP rate limit)"
            ),
        }
    }

    fn what(&self) -> &'static str {
        match self.cfg.proto {
            Proto::Tcp => "SYN",
            Proto::Udp => "datagram",
        }
    }

    /// The path ended at TTL `t` with `kind` from `from`.
    fn ended(&self, t: u8, from: Option<IpAddr>, kind: AnswerKind) -> Verdict {
        let v = |kind, hop: Option<u8>, addr: Option<IpAddr>, text: String| Verdict {
            kind,
            hop,
            addr,
            text,
        };
        match kind {
            AnswerKind::Host { state, reason } => {
                if reason == Reason::ConnRefused {
                    if let Some((d, via)) = self.distance.filter(|(d, _)| *d > t) {
                        // A reset before the host: the router that forwarded the SYN last.
                        let m = t.saturating_sub(1).max(self.cfg.first_hop);
                        let (m, addr) = if t > self.cfg.first_hop {
                            (Some(m), self.addr_of(m))
                        } else {
                            (None, None)
                        };
                        let at = match (m, addr) {
                            (Some(m), Some(a)) => format!("at hop {m} ({a})"),
                            (Some(m), None) => format!("at hop {m}"),
                            _ => "before the first hop".into(),
                        };
                        let before = d - m.unwrap_or(0);
                        return v(
                            VerdictKind::MiddleboxReset,
                            m,
                            addr,
                            format!(
                                "reset by a middlebox {at}, {before} hop{} before the host: SYNs with TTL >= {t} were reset, while the host answers {} at hop {d}",
                                if before == 1 { "" } else { "s" },
                                via.as_str()
                            ),
                        );
                    }
                }
                if let Some(v) = self.intercepted(t, kind) {
                    return v;
                }
                self.reached(state, reason, t, from)
            }
            AnswerKind::Icmp {
                kind: ty,
                code,
                state,
                reason,
                ..
            } => {
                let icmp = format!("ICMP {} (type {ty} code {code})", reason.token());
                if from == Some(self.dest) {
                    if let Some(v) = self.intercepted(t, kind) {
                        return v;
                    }
                    if state == State::Closed {
                        return self.reached(state, reason, t, from);
                    }
                    return v(
                        VerdictKind::Rejected,
                        Some(t),
                        from,
                        format!(
                            "rejected at hop {t} ({}) by the host itself: {icmp}",
                            self.dest
                        ),
                    );
                }
                let hop = from.map_or(t, |f| self.hop_of(f, t));
                let who = from.map_or(String::new(), |f| format!(" ({f})"));
                if matches!(reason, Reason::NetUnreach | Reason::HostUnreach) {
                    let what = match reason {
                        Reason::NetUnreach => "net-unreachable",
                        _ => "host-unreachable",
                    };
                    v(
                        VerdictKind::NoRoute,
                        Some(hop),
                        from,
                        format!(
                            "no route: ICMP {what} (type {ty} code {code}) from hop {hop}{who}"
                        ),
                    )
                } else {
                    v(
                        VerdictKind::Rejected,
                        Some(hop),
                        from,
                        format!("rejected at hop {hop}{who}: {icmp}"),
                    )
                }
            }
            AnswerKind::Local {
                errno: e, reason, ..
            } => {
                let name = errno::name(e);
                match reason {
                    Reason::NetUnreach | Reason::HostUnreach => v(
                        VerdictKind::NoRoute,
                        None,
                        None,
                        format!("no route: this host has none to {} ({name})", self.dest),
                    ),
                    _ if e == libc::EACCES || e == libc::EPERM => v(
                        VerdictKind::Rejected,
                        None,
                        None,
                        format!("rejected on this host before sending ({name}: a local firewall or a prohibit route)"),
                    ),
                    _ => v(
                        VerdictKind::NoRoute,
                        None,
                        None,
                        format!("the probes could not be sent: {name}"),
                    ),
                }
            }
            AnswerKind::TimeExceeded { .. } => self.silent(),
        }
    }

    /// An answer in the host's name at TTL `t`, nearer than the host answers other probes:
    /// whatever sits at hop `t` answers for it (a transparent proxy, a NAT).
    fn intercepted(&self, t: u8, kind: AnswerKind) -> Option<Verdict> {
        let (d, via) = self.distance.filter(|(d, _)| *d > t)?;
        let what = match kind {
            AnswerKind::Host {
                reason: Reason::SynAck,
                ..
            } => "a SYN-ACK".to_string(),
            AnswerKind::Host {
                reason: Reason::UdpResponse,
                ..
            } => "a reply".to_string(),
            AnswerKind::Icmp { kind, code, .. } => format!("ICMP type {kind} code {code}"),
            _ => "an answer".to_string(),
        };
        let addr = self.router_at(t);
        let at = addr.map_or(format!("hop {t}"), |a| format!("hop {t} ({a})"));
        let before = d - t;
        Some(Verdict {
            kind: VerdictKind::Intercepted,
            hop: Some(t),
            addr,
            text: format!(
                "intercepted at {at}, {before} hop{} before the host: {what} in the name of {} came from TTL {t}, while the host answers {} at hop {d} (a transparent proxy or a NAT answers for it)",
                if before == 1 { "" } else { "s" },
                self.dest,
                via.as_str()
            ),
        })
    }

    /// The host answered at TTL `t`.
    fn reached(&self, state: State, reason: Reason, t: u8, from: Option<IpAddr>) -> Verdict {
        let first = self.cfg.first_hop;
        let (hop, note) = match self.distance {
            // Started past the host: its hop is the distance series' (which starts at 1).
            Some((d, via)) if t == first && d < t => (
                d,
                format!(
                    "; the count started at TTL {first}, past the host (at hop {d} by {})",
                    via.as_str()
                ),
            ),
            Some(_) => (t, String::new()),
            None if t == first && first > 1 => (
                t,
                format!("; the count started at TTL {first}: the host may be nearer"),
            ),
            None => (t, String::new()),
        };
        Verdict {
            kind: VerdictKind::Reached,
            hop: Some(hop),
            addr: from,
            text: format!("{}{note}", reached_text(state, reason, hop, from)),
        }
    }

    /// Nothing ended the path: where it went quiet, and whether it goes on.
    fn silent(&self) -> Verdict {
        let max = self.cfg.max_hops;
        if self.last_answer == Some(max) {
            // Every TTL asked for drew a router: the path goes on past --max-hops.
            let at = self
                .addr_of(max)
                .map_or(format!("hop {max}"), |a| format!("hop {max} ({a})"));
            return Verdict {
                kind: VerdictKind::NotReached,
                hop: Some(max),
                addr: self.addr_of(max),
                text: format!(
                    "not reached within {max} hop{}: {at} is still a router on the way (raise --max-hops)",
                    if max == 1 { "" } else { "s" }
                ),
            };
        }
        let Some(h) = self.last_answer else {
            let more = match self.distance {
                Some((d, via)) => format!(
                    "; the host answers {} at hop {d}: only these {}s are dropped",
                    via.as_str(),
                    self.what()
                ),
                None => String::new(),
            };
            return Verdict {
                kind: VerdictKind::SilentAfter,
                hop: None,
                addr: None,
                text: format!(
                    "silent from hop {}: no probe got an answer, not even a time-exceeded{more}",
                    self.cfg.first_hop
                ),
            };
        };
        let addr = self.addr_of(h);
        let at = addr.map_or(format!("hop {h}"), |a| format!("hop {h} ({a})"));
        let router = addr.map_or(format!("hop {h}"), |a| a.to_string());
        let next = h.saturating_add(1);
        let port = self.cfg.port;
        let what = self.what();
        let tail = match (self.distance, self.dist_last_router) {
            (Some((d, via)), _) if self.cfg.proto == Proto::Udp => format!(
                "; the host answers {} at hop {d}, so the path goes on: UDP port {port} gave no reply and no ICMP error there (open|filtered), or {router} or a later hop drops the datagrams",
                via.as_str()
            ),
            (Some((d, via)), _) => format!(
                "; the host answers {} at hop {d}, so the path goes on: the {what}s to port {port} are dropped where {router} forwards them, or beyond",
                via.as_str()
            ),
            (None, Some(k)) if k > h => format!(
                "; routers answer other probes up to hop {k}, so the path goes on: the {what}s to port {port} are dropped where {router} forwards them, or beyond (the host did not answer)"
            ),
            _ => format!(
                "; other probes stop there too: the routers after {router} do not answer, or the path ends there (the host down, or a route to nowhere)"
            ),
        };
        Verdict {
            kind: VerdictKind::SilentAfter,
            hop: Some(h),
            addr,
            text: format!("silent after {at}: probes with TTL >= {next} got no answer{tail}"),
        }
    }
}

fn reached_text(state: State, reason: Reason, t: u8, from: Option<IpAddr>) -> String {
    let what = if state == State::Open && reason == Reason::SynAck {
        "open".to_string()
    } else {
        format!("{} ({})", state.as_str(), reason.token())
    };
    match from {
        Some(a) => format!("reached: {what} at hop {t} ({a})"),
        None => format!("reached: {what} at hop {t}"),
    }
}

#[cfg(test)]
mod tests;
