//! Rate-limited ICMP rejects, asked again at the limiter's pace. A port found
//! `icmp-rate-limited` (its reject was held back by the host's ICMP rate limit: Linux sends a
//! burst of 6, then one a second per destination) is not reported yet: once the host has
//! nothing else to probe, such ports are probed again one at a time, a little slower than
//! the limiter refills, so that each reject is sent. Within `Config::max_reask`: what the
//! budget leaves stays `icmp-rate-limited`, counted in the summary (`RateLimited::left`).
//! Not with one try (`--retries 0`): that is exactly one try per port.
use super::*;

/// Time between two re-asks of one host: Linux refills one ICMP error a second per
/// destination (net.ipv4.icmp_ratelimit), with a margin for timers.
pub(super) const PACE: Duration = Duration::from_millis(1100);
/// Times one port is asked again while it stays silent (a reject the limiter still held
/// back, or a port that drops among ports that reject).
const ASKS: u8 = 2;

/// A host's ports waiting to be asked again, and the pace.
#[derive(Default)]
pub(super) struct Reask {
    pub(super) queue: VecDeque<(ProbeResult, u8)>,
    /// The next re-ask may start then; the budget ends then (both set when the host's
    /// re-asking begins).
    pub(super) at: Option<Instant>,
    pub(super) until: Option<Instant>,
    pub(super) inflight: bool,
}

impl Engine<'_> {
    fn reask_on(&self) -> bool {
        self.cfg.proto == Proto::Tcp && self.cfg.retries > 0 && !self.cfg.max_reask.is_zero()
    }

    /// A result `icmp-rate-limited`: held to be asked again, or reported.
    pub(super) fn limited(&mut self, r: ProbeResult, asks: u8, sink: &mut dyn Sink) {
        if self.reask_on() && asks < ASKS && !self.summary.interrupted {
            let h = r.target;
            if self.hosts[h].reask.queue.is_empty() && !self.reasking.contains(&(h as u32)) {
                self.reasking.push(h as u32);
            }
            self.hosts[h].reask.queue.push_back((r, asks));
            return;
        }
        if let Some(l) = self
            .summary
            .icmp_rate_limited
            .iter_mut()
            .find(|l| l.addr == r.addr)
        {
            l.left += 1;
        }
        sink.result(&r);
    }

    /// An answer to a re-ask.
    pub(super) fn reask_answered(&mut self, target: u32) {
        let addr = self.addrs[target as usize].ip();
        if let Some(l) = self
            .summary
            .icmp_rate_limited
            .iter_mut()
            .find(|l| l.addr == addr)
        {
            l.reasked += 1;
        }
    }

    /// A re-ask that stayed silent: rate-limited still, asked again while it may be.
    pub(super) fn reask_silent(&mut self, p: Pending, sink: &mut dyn Sink) {
        let mut r = self.result(
            Pending {
                tries_done: p.tries_done,
                ..p
            },
            State::Filtered,
            Reason::NoResponse,
            None,
            None,
            None,
            None,
        );
        self.apply_verdict(&mut r, Verdict::Silent);
        let asks = p.extra as u8;
        self.limited(r, asks, sink);
    }

    /// Starts the re-asks due now: one per host at a time, at [`PACE`], once the host has
    /// nothing else to probe; reports what is left when a host's budget is spent.
    pub(super) fn reask_step(
        &mut self,
        now: Instant,
        sink: &mut dyn Sink,
    ) -> Result<(), EngineError> {
        let mut i = 0;
        while i < self.reasking.len() {
            let h = self.reasking[i] as usize;
            let budget = self.cfg.max_reask;
            let host = &mut self.hosts[h];
            let busy = host.inflight > 0
                || !host.retry.is_empty()
                || (host.next_port as usize) < self.ports.len();
            if busy || host.reask.inflight {
                i += 1;
                continue;
            }
            // The limiter was just emptied by the host's last rejects: one refill first.
            let until = *host.reask.until.get_or_insert(now + budget);
            let at = *host.reask.at.get_or_insert(now + PACE);
            if now >= until || host.reask.queue.is_empty() || self.summary.interrupted {
                let left = std::mem::take(&mut host.reask.queue);
                self.reasking.swap_remove(i);
                for (r, _) in left {
                    self.limited(r, ASKS, sink);
                }
                continue;
            }
            if now < at {
                i += 1;
                continue;
            }
            let (r, asks) = host.reask.queue.pop_front().expect("not empty");
            host.reask.at = Some(now + PACE);
            host.reask.inflight = true;
            let p = Pending {
                target: h as u32,
                port: r.port,
                tries_done: r.tries,
                extra: u16::from(asks) + 1,
                kind: Kind::Reask,
                rechecked: true,
                sent: (0, 0),
                lost_at: (0, 0),
            };
            match self.start(p, now, sink)? {
                Start::Started => {}
                Start::Decided => self.hosts[h].reask.inflight = false,
                Start::FdExhausted(_) | Start::AddrNotAvail => {
                    let host = &mut self.hosts[h];
                    host.reask.inflight = false;
                    host.reask.queue.push_front((r, asks));
                }
            }
            i += 1;
        }
        Ok(())
    }

    /// When the loop must look at the re-asks again.
    pub(super) fn next_reask(&self) -> Option<Instant> {
        self.reasking
            .iter()
            .filter_map(|&h| {
                let r = &self.hosts[h as usize].reask;
                match (r.at, r.until) {
                    (Some(a), Some(u)) => Some(a.min(u)),
                    _ => None,
                }
            })
            .min()
    }
}
