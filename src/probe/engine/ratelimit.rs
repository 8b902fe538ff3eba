//! ICMP rate limiting: silence from a host that rejects by ICMP may be a reply it was not
//! allowed to send. The last tries on such a host are suspects, and a canary (a port known to
//! draw an ICMP error) probed after each batch says whether that silence means anything.
use super::*;
use std::net::IpAddr;

/// What a canary found for its batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    Waiting,
    /// The known-rejecting port answered: ICMP was flowing, silence is real.
    Answered,
    /// The known-rejecting port was silent too: ICMP is rate-limited.
    Silent,
}

impl Engine<'_> {
    /// The batch a suspect on this target joins, if the target has a canary port.
    pub(super) fn suspect_batch(&mut self, target: u32) -> Option<u32> {
        let ts = &mut self.hosts[target as usize];
        ts.unreach_port?;
        if let Some(b) = ts.open_batch {
            return Some(b);
        }
        let b = self.verdicts.len() as u32;
        self.verdicts.push(Verdict::Waiting);
        ts.open_batch = Some(b);
        self.canaries_due.push(target);
        Some(b)
    }

    /// Starts one canary per open batch, after the batch's suspects: it closes the batch.
    pub(super) fn launch_canaries(
        &mut self,
        now: Instant,
        sink: &mut dyn Sink,
    ) -> Result<(), EngineError> {
        while let Some(t) = self.canaries_due.pop() {
            let ts = &mut self.hosts[t as usize];
            let (Some(port), Some(b)) = (ts.unreach_port, ts.open_batch.take()) else {
                continue;
            };
            let p = Pending {
                target: t,
                port,
                tries_done: self.hosts[t as usize].tries - 1,
                extra: 0,
                kind: Kind::Canary(b),
                rechecked: false,
                sent: (0, 0),
                lost_at: (0, 0),
            };
            match self.start(p, now, sink)? {
                Start::Started | Start::Decided => {}
                // No socket for the canary: the batch cannot be vouched for.
                Start::FdExhausted(_) | Start::AddrNotAvail => {
                    self.set_verdict(b, Verdict::Silent, sink)
                }
            }
        }
        Ok(())
    }

    pub(super) fn set_verdict(&mut self, batch: u32, v: Verdict, sink: &mut dyn Sink) {
        let b = batch as usize;
        if self.verdicts[b] != Verdict::Waiting {
            return;
        }
        self.verdicts[b] = v;
        let mut i = 0;
        while i < self.parked.len() {
            if self.parked[i].0 == batch {
                let (_, mut r) = self.parked.swap_remove(i);
                self.apply_verdict(&mut r, v);
                self.silent_or_emit(r, sink);
            } else {
                i += 1;
            }
        }
    }

    /// A silent suspect whose canary was silent too: its silence says nothing. It may have
    /// been dropped, or rejected with any kind the host sends: closed or filtered when port
    /// unreachable (a closed port's reject) is among them, filtered otherwise.
    pub(super) fn apply_verdict(&mut self, r: &mut ProbeResult, v: Verdict) {
        if v == Verdict::Silent {
            let kinds = &self.hosts[r.target].icmp_kinds;
            r.state = if kinds.contains(&Reason::PortUnreach) {
                State::ClosedFiltered
            } else {
                State::Filtered
            };
            r.reason = Reason::IcmpRateLimited;
            if !self
                .summary
                .icmp_rate_limited
                .iter()
                .any(|l| l.addr == r.addr)
            {
                self.summary
                    .icmp_rate_limited
                    .push(crate::probe::RateLimited {
                        addr: r.addr,
                        icmp: kinds.clone(),
                        left: 0,
                        reasked: 0,
                    });
            }
        }
    }

    /// At the end: each rate-limited host with every kind of reject it sent in the run.
    pub(super) fn rate_limited_kinds(&mut self) {
        for l in &mut self.summary.icmp_rate_limited {
            if let Some(h) = self.addrs.iter().position(|a| a.ip() == l.addr) {
                l.icmp = self.hosts[h].icmp_kinds.clone();
            }
        }
    }
}

/// The kind of ICMP error `reason` is, when the target itself sent it: the errors a host's
/// ICMP rate limit holds back (a router's errors count against the router's limit).
pub(super) fn icmp_reject(target: IpAddr, icmp: Option<&Icmp>, reason: Reason) -> Option<Reason> {
    let i = icmp?;
    if i.from_other_than(target).is_some() {
        return None;
    }
    matches!(
        reason,
        Reason::PortUnreach
            | Reason::HostUnreach
            | Reason::NetUnreach
            | Reason::AdminProhibited
            | Reason::ProtoUnreach
            | Reason::ParamProblem
            | Reason::TimeExceeded
    )
    .then_some(reason)
}
