//! The hosts of a run: the ring they take turns on when their windows are full, and what
//! each teaches about its path (round trips, loss), which sets its timeouts, its window and
//! the tries its silent ports get (see [`crate::probe::adapt`]).
use super::*;

/// One target address: where its ports stand, and what was learnt about its path.
pub(super) struct Host {
    /// Index of the next port never tried.
    pub(super) next_port: u32,
    /// Ports to try again, before new ones.
    pub(super) retry: VecDeque<Pending>,
    pub(super) inflight: u32,
    /// On the ring of hosts taking turns.
    pub(super) on_ring: bool,
    /// A port that drew an ICMP error from the host itself (the canary port).
    pub(super) unreach_port: Option<u16>,
    /// The kinds of ICMP reject the host sent (port-unreach, host-unreach, ...), in order.
    pub(super) icmp_kinds: Vec<Reason>,
    /// The batch suspects are being added to, if it has no canary yet.
    pub(super) open_batch: Option<u32>,
    pub(super) window: Window,
    pub(super) rtt: Rtt,
    pub(super) loss: Loss,
    /// Tries a silent port gets now.
    pub(super) tries: u32,
    /// Ports silent after every try (port, tries), held back while more tries may be due.
    pub(super) silent: Vec<(u16, u32)>,
    /// Tries beyond each port's first.
    pub(super) retries: u64,
    /// Tries in flight that count against the host's window (see `AGE_OUT`).
    pub(super) young: u32,
    /// Timing pings for a round-trip sample when no port gives one.
    pub(super) timing: Timing,
    /// Something of the host's own answered: a port, a ping, the timing datagram.
    pub(super) heard: bool,
    /// The deadline tries in flight were last given (see `deadlines_from_rtt`).
    pub(super) pushed_timeout: Duration,
    /// Ports found `icmp-rate-limited`, to ask again.
    pub(super) reask: super::reask::Reask,
    /// Ports whose results were known before the run (`run_known`): not probed.
    pub(super) known: Vec<u16>,
}

/// Moves a host's next port past the ports whose results are known.
fn skip_known(host: &mut Host, ports: &[u16]) {
    while !host.known.is_empty()
        && (host.next_port as usize) < ports.len()
        && host.known.contains(&ports[host.next_port as usize])
    {
        host.next_port += 1;
    }
}

impl Engine<'_> {
    /// Results known before the run: handed on as they are, their ports not probed again,
    /// their round trips the hosts' first samples.
    pub(super) fn reuse(&mut self, known: &[ProbeResult], sink: &mut dyn Sink) {
        if known.is_empty() {
            return;
        }
        let mut wanted = vec![false; 65536];
        for &p in self.ports {
            wanted[p as usize] = true;
        }
        for r in known {
            if r.target >= self.hosts.len() || !wanted[r.port as usize] || r.proto != self.cfg.proto
            {
                continue;
            }
            let host = &mut self.hosts[r.target];
            if host.known.contains(&r.port) {
                continue;
            }
            host.known.push(r.port);
            if let (Some(rtt), true) = (r.rtt, self.adapt) {
                if host.rtt.samples == 0 {
                    host.timing.via = Some("port");
                }
                host.rtt.sample(rtt);
                host.heard = true;
            }
            sink.result(r);
        }
        for host in &mut self.hosts {
            skip_known(host, self.ports);
        }
    }

    /// Most probes in flight now: the scan's window under the ceiling.
    pub(super) fn limit(&self) -> usize {
        self.window.min(self.group.limit()).max(1)
    }

    /// Room for another probe: under the ceiling (every socket open), and under the scan's
    /// congestion window (the tries that count against it).
    pub(super) fn room(&self) -> bool {
        self.inflight < self.window && self.young < self.limit()
    }

    /// Nothing of host `h` is left to start or in flight.
    pub(super) fn host_done(&self, h: usize) -> bool {
        let host = &self.hosts[h];
        host.inflight == 0 && host.retry.is_empty() && host.next_port as usize >= self.ports.len()
    }

    pub(super) fn next_aging(&self) -> Option<Instant> {
        self.aging.peek().map(|Reverse((t, _, _))| *t)
    }

    /// Tries to hosts with no sample that have been out [`AGE_OUT`]: no longer counted
    /// against the windows, which open as an answer would open them (silence is no evidence
    /// of congestion).
    pub(super) fn age(&mut self, now: Instant) {
        while let Some(&Reverse((t, idx, gen))) = self.aging.peek() {
            if t > now {
                break;
            }
            self.aging.pop();
            let s = &mut self.slots[idx];
            if s.gen != gen || s.sock.is_none() || !s.young {
                continue;
            }
            s.young = false;
            let h = s.p.target as usize;
            self.young -= 1;
            self.hosts[h].young -= 1;
            self.silence_opens(h);
        }
    }

    /// A silent try opens the windows in slow start, as an answer would.
    pub(super) fn silence_opens(&mut self, h: usize) {
        if !self.adapt {
            return;
        }
        if self.hosts[h].window.in_slow_start() {
            self.hosts[h].window.grow();
        }
        if self.group.in_slow_start() {
            self.group.grow();
        }
    }

    pub(super) fn work_left(&mut self) -> bool {
        let n = self.ports.len() as u32;
        (self.next_host as usize) < self.hosts.len()
            || !self.reasking.is_empty()
            || self.ring.iter().any(|&h| {
                let h = &self.hosts[h as usize];
                !h.retry.is_empty() || h.next_port < n
            })
    }

    /// Puts a port back to be tried again (first, or after the host's other retries).
    pub(super) fn requeue(&mut self, p: Pending, front: bool) {
        let h = &mut self.hosts[p.target as usize];
        if front {
            h.retry.push_front(p);
        } else {
            h.retry.push_back(p);
        }
        if !h.on_ring {
            h.on_ring = true;
            self.ring.push_back(p.target);
        }
    }

    /// Takes the next host (in order) onto the ring, first in line.
    pub(super) fn admit(&mut self) -> bool {
        let h = self.next_host;
        if h as usize >= self.hosts.len() {
            return false;
        }
        self.next_host += 1;
        if !self.hosts[h as usize].on_ring {
            self.hosts[h as usize].on_ring = true;
            self.ring.push_front(h);
        }
        self.timing_round(h, Instant::now());
        true
    }

    /// The next port to try: the first host on the ring whose window has room gives its next
    /// retry, or else its next new port. Hosts stay first while they have room, so without
    /// congestion the order is host by host; when every host on the ring waits for its
    /// window, the next host joins.
    pub(super) fn next_pending(&mut self) -> Option<Pending> {
        let n = self.ports.len() as u32;
        let mut blocked = 0;
        loop {
            let Some(&h) = self.ring.front() else {
                if !self.admit() {
                    return None;
                }
                continue;
            };
            let host = &mut self.hosts[h as usize];
            if host.retry.is_empty() && host.next_port >= n {
                host.on_ring = false;
                self.ring.pop_front();
                continue;
            }
            if host.young as usize >= host.window.limit().max(1) {
                blocked += 1;
                if blocked >= self.ring.len() {
                    if self.ring.len() >= MAX_ACTIVE_HOSTS || !self.admit() {
                        return None;
                    }
                    blocked = 0;
                } else {
                    self.ring.rotate_left(1);
                }
                continue;
            }
            if let Some(p) = host.retry.pop_front() {
                return Some(p);
            }
            let port = self.ports[host.next_port as usize];
            host.next_port += 1;
            skip_known(host, self.ports);
            return Some(Pending {
                target: h,
                port,
                tries_done: 0,
                extra: 0,
                kind: Kind::Normal,
                rechecked: false,
                sent: (0, 0),
                lost_at: (0, 0),
            });
        }
    }

    /// What a probe answered teaches about its host: the round-trip time, and whether tries
    /// are being lost (a port that answered only on a later try).
    pub(super) fn learn(&mut self, p: &Pending, rtt: Duration) {
        if p.kind == Kind::Reask {
            // A reject the limiter let through at last: no news about the path.
            self.reask_answered(p.target);
            return;
        }
        if !self.adapt || matches!(p.kind, Kind::Canary(_)) {
            return;
        }
        let h = p.target as usize;
        let host = &mut self.hosts[h];
        host.heard = true;
        if host.timing.via.is_none() && host.rtt.samples == 0 {
            host.timing.via = Some("port");
        }
        host.rtt.sample(rtt);
        self.deadlines_from_rtt(h);
        let host = &mut self.hosts[h];
        let congested = host.loss.answered(p.tries_done);
        if p.tries_done == 0 {
            host.window.grow();
            self.group.grow();
            return;
        }
        if congested {
            host.window.cut(p.lost_at.0);
            self.group.cut(p.lost_at.1);
        }
        let tries = host
            .loss
            .tries(self.cfg.retries.saturating_add(1), self.ports.len());
        self.raise_tries(h, tries);
    }

    /// Host `h`'s silent ports get `tries` from now on, if that is more; ports already silent
    /// after the old number get the new ones.
    pub(super) fn raise_tries(&mut self, h: usize, tries: u32) {
        let host = &mut self.hosts[h];
        if tries > host.tries {
            host.tries = tries;
            let held = std::mem::take(&mut host.silent);
            for (port, done) in held {
                if done < tries {
                    self.requeue(
                        Pending {
                            target: h as u32,
                            port,
                            tries_done: done,
                            extra: 0,
                            kind: Kind::Normal,
                            rechecked: true,
                            sent: (0, 0),
                            lost_at: (u16::MAX, u16::MAX),
                        },
                        false,
                    );
                } else {
                    self.hosts[h].silent.push((port, done));
                }
            }
        }
    }

    /// A port silent after its tries: held back while its host may yet show loss (adaptive
    /// TCP), reported at once otherwise.
    pub(super) fn silent_or_emit(&mut self, r: ProbeResult, sink: &mut dyn Sink) {
        if self.adapt && r.state == State::Filtered && r.reason == Reason::NoResponse {
            self.hosts[r.target].silent.push((r.port, r.tries));
        } else if r.reason == Reason::IcmpRateLimited {
            self.limited(r, 0, sink);
        } else {
            sink.result(&r);
        }
    }

    /// Reports a host's held-back silent ports once nothing of it is left to try.
    pub(super) fn settle(&mut self, h: usize, sink: &mut dyn Sink) {
        let host = &self.hosts[h];
        if host.silent.is_empty()
            || host.inflight > 0
            || !host.retry.is_empty()
            || (host.next_port as usize) < self.ports.len()
        {
            return;
        }
        self.report_silent(h, sink);
    }

    pub(super) fn report_silent(&mut self, h: usize, sink: &mut dyn Sink) {
        let held = std::mem::take(&mut self.hosts[h].silent);
        for (port, tries) in held {
            let p = Pending {
                target: h as u32,
                port,
                tries_done: tries - 1,
                extra: 0,
                kind: Kind::Normal,
                rechecked: false,
                sent: (0, 0),
                lost_at: (0, 0),
            };
            let r = self.result(
                p,
                State::Filtered,
                Reason::NoResponse,
                None,
                None,
                None,
                None,
            );
            sink.result(&r);
        }
    }

    /// What the run learnt about each host that answered or lost tries, for the summary.
    pub(super) fn learnt(&mut self) {
        if !self.adapt {
            return;
        }
        for (i, h) in self.hosts.iter().enumerate() {
            if h.rtt.samples == 0 && h.loss.lost == 0 && h.retries == 0 && h.timing.rounds == 0 {
                continue;
            }
            self.summary.hosts.push(HostLearnt {
                target: i,
                addr: self.addrs[i].ip(),
                srtt: h.rtt.srtt,
                rttvar: h.rtt.rttvar,
                timeout: h.rtt.timeout(self.cfg.timeout),
                window: h.window.max as usize,
                cuts: h.window.cuts,
                lost: h.loss.lost,
                tries: h.tries,
                retries: h.retries,
                rtt_via: h.timing.via,
            });
        }
        self.summary.window_reached = self.group.max as usize;
        self.summary.adaptive = true;
    }

    /// Hosts that answered nothing at all (timing pings sent, every port silent), for the
    /// summary.
    pub(super) fn answered_nothing(&mut self) {
        if self.summary.interrupted {
            return;
        }
        for (i, h) in self.hosts.iter().enumerate() {
            if !h.heard && h.timing.rounds > 0 {
                self.summary.answered_nothing.push(self.addrs[i].ip());
            }
        }
    }
}

impl Engine<'_> {
    pub(super) fn expire(&mut self, now: Instant, sink: &mut dyn Sink) {
        while let Some(&Reverse((d, idx, gen))) = self.deadlines.peek() {
            if d > now {
                break;
            }
            self.deadlines.pop();
            if self.slots[idx].gen != gen || self.slots[idx].sock.is_none() {
                continue;
            }
            let young = self.slots[idx].young;
            let Some((sock, p, _, _)) = self.release(idx) else {
                continue;
            };
            drop(sock);
            let h = p.target as usize;
            let done = p.tries_done + 1;
            if young {
                // Silence is no evidence of congestion: while none was seen, it opens the
                // windows as an answer would (a host that only drops must not crawl). A try
                // that aged out has opened them already.
                self.silence_opens(h);
            }
            match p.kind {
                Kind::Canary(b) => {
                    self.set_verdict(b, Verdict::Silent, sink);
                    continue;
                }
                Kind::Reask => {
                    self.reask_silent(p, sink);
                    continue;
                }
                _ if done < self.hosts[h].tries => {
                    self.requeue(
                        Pending {
                            tries_done: done,
                            kind: Kind::Normal,
                            lost_at: p.sent,
                            ..p
                        },
                        false,
                    );
                    continue;
                }
                // Silent, but its target answered another port with an ICMP error while this
                // try was out (or since): the silence may be a rate-limited reply.
                // Once more, now as a suspect with a canary behind it.
                // With one try (`--retries 0`) there is no once more: the silence joins a
                // batch of suspects, whose canary says whether it means anything.
                Kind::Normal
                    if self.cfg.proto == Proto::Tcp
                        && !p.rechecked
                        && self.cfg.retries == 0
                        && self.hosts[h].unreach_port.is_some() =>
                {
                    let b = self.suspect_batch(p.target).expect("a canary port");
                    let r = self.result(
                        p,
                        State::Filtered,
                        Reason::NoResponse,
                        None,
                        None,
                        None,
                        None,
                    );
                    self.parked.push((b, r));
                    continue;
                }
                Kind::Normal
                    if self.cfg.proto == Proto::Tcp
                        && !p.rechecked
                        && self.hosts[h].unreach_port.is_some() =>
                {
                    self.requeue(
                        Pending {
                            extra: p.extra.saturating_add(1),
                            rechecked: true,
                            ..p
                        },
                        false,
                    );
                    continue;
                }
                _ => {}
            }
            let state = match self.cfg.proto {
                Proto::Tcp => State::Filtered,
                Proto::Udp => State::OpenFiltered,
            };
            let mut r = self.result(
                Pending {
                    tries_done: done - 1,
                    ..p
                },
                state,
                Reason::NoResponse,
                None,
                None,
                None,
                None,
            );
            if let Kind::Suspect(b) = p.kind {
                match self.verdicts[b as usize] {
                    Verdict::Waiting => {
                        self.parked.push((b, r));
                        continue;
                    }
                    v => self.apply_verdict(&mut r, v),
                }
            }
            self.silent_or_emit(r, sink);
            self.settle(h, sink);
        }
    }
}
