//! What the engine learns about each host while it probes, and the rules it draws from it:
//! the round-trip time (RFC 6298), a congestion window (slow start, then additive increase and
//! multiplicative decrease, as TCP's RFC 5681) and the evidence of loss that decides how many
//! tries a silent port gets before it is called `filtered`.
//!
//! Evidence of loss is a port that answered (SYN-ACK, reset, ICMP) only on a later try: its
//! earlier try was lost on the way, since the port was never silent. A filtered port never
//! answers any try, so filters never pass for loss, and silence never cuts the window.
//!
//! Random loss must not throttle a scan the way TCP's Reno would (at 1% loss Reno's window is
//! about a dozen packets): the window is cut only when the recent share of lost tries is above
//! [`LOSS_CUT`], which bursts that overflow a queue or a SYN limiter cross at once and a line
//! with a percent or two of random loss does not. Random loss is answered with tries instead.
use std::time::Duration;

/// The shortest try once round-trip times are known: a reply later than this on a quiet path
/// is not worth waiting for on the first tries, and later tries get the same chance again.
pub const MIN_TIMEOUT: Duration = Duration::from_millis(100);
/// Most tries a silent port gets when loss is seen (nmap's ceiling: 10 retries).
pub const MAX_TRIES: u32 = 11;
/// The share of lost tries (recent, smoothed) above which the window is cut.
pub const LOSS_CUT: f64 = 0.1;
/// Weight of one try in the smoothed loss share: about the last 64 tries count, so that two
/// or three random losses close together stay under [`LOSS_CUT`].
const LOSS_GAIN: f64 = 1.0 / 64.0;
/// What the retry budget is designed for: the expected number of ports of one host wrongly
/// reported `filtered` because every one of their tries was lost, at the measured loss rate.
pub const WRONG_PER_HOST: f64 = 1e-3;
/// Window a host starts with, and the whole scan.
pub const HOST_INIT: f64 = 64.0;
pub const GROUP_INIT: f64 = 512.0;
/// Growth per answer after a cut, at least: a large window grows by about 3% a round trip
/// (doubling in some twenty round trips) instead of Reno's one probe a round trip, which
/// would take thousands of round trips to refill a window of thousands after a cut.
const CA_GAIN: f64 = 1.0 / 32.0;
/// Smallest window a cut leaves.
pub const MIN_WINDOW: f64 = 2.0;
/// The kernel's first SYN retransmission (TCP_TIMEOUT_INIT); later ones double it.
pub const KERNEL_SYN_RTO: Duration = Duration::from_secs(1);

/// A congestion window: how many probes may be in flight.
#[derive(Debug, Clone)]
pub struct Window {
    cwnd: f64,
    ssthresh: f64,
    ceiling: f64,
    /// Bumped at each cut: a try sent before the last cut cannot cut again (one cut per loss
    /// event, as TCP's fast recovery).
    epoch: u16,
    pub max: f64,
    pub cuts: u32,
}

impl Window {
    pub fn new(init: f64, ceiling: usize) -> Window {
        let ceiling = ceiling.max(1) as f64;
        let cwnd = init.min(ceiling);
        Window {
            cwnd,
            ssthresh: f64::INFINITY,
            ceiling,
            epoch: 0,
            max: cwnd,
            cuts: 0,
        }
    }

    /// A window that never moves: the ceiling (adaptation off).
    pub fn fixed(ceiling: usize) -> Window {
        let mut w = Window::new(f64::INFINITY, ceiling);
        w.ssthresh = 0.0;
        w
    }

    pub fn limit(&self) -> usize {
        self.cwnd as usize
    }

    pub fn epoch(&self) -> u16 {
        self.epoch
    }

    pub fn in_slow_start(&self) -> bool {
        self.cwnd < self.ssthresh
    }

    /// One probe answered without loss.
    pub fn grow(&mut self) {
        if self.cwnd >= self.ceiling {
            return;
        }
        self.cwnd += if self.in_slow_start() {
            1.0
        } else {
            (1.0 / self.cwnd).max(CA_GAIN)
        };
        self.cwnd = self.cwnd.min(self.ceiling);
        self.max = self.max.max(self.cwnd);
    }

    /// Loss of a try sent in `sent_epoch`: halve the window, once per loss event.
    pub fn cut(&mut self, sent_epoch: u16) -> bool {
        if sent_epoch != self.epoch {
            return false;
        }
        self.ssthresh = (self.cwnd / 2.0).max(MIN_WINDOW.min(self.ceiling));
        self.cwnd = self.ssthresh;
        self.epoch = self.epoch.wrapping_add(1);
        self.cuts += 1;
        true
    }

    /// A new ceiling (the fd limit was reached).
    pub fn set_ceiling(&mut self, ceiling: usize) {
        self.ceiling = ceiling.max(1) as f64;
        self.cwnd = self.cwnd.min(self.ceiling);
        self.ssthresh = self.ssthresh.min(self.ceiling);
    }
}

/// Smoothed round-trip time and its variation (RFC 6298).
#[derive(Debug, Clone, Default)]
pub struct Rtt {
    pub srtt: Option<Duration>,
    pub rttvar: Duration,
    pub samples: u32,
}

impl Rtt {
    /// A connect time or reply time. Each try is a socket of its own, so a reply belongs to
    /// the try it came to; Karn's rule still applies within a try, whose SYN the kernel
    /// retransmits after a second: a longer sample may time the retransmission.
    pub fn sample(&mut self, r: Duration) {
        if r >= KERNEL_SYN_RTO {
            return;
        }
        self.samples += 1;
        match self.srtt {
            None => {
                self.srtt = Some(r);
                self.rttvar = r / 2;
            }
            Some(s) => {
                let diff = if s > r { s - r } else { r - s };
                self.rttvar = (self.rttvar * 3 + diff) / 4;
                self.srtt = Some((s * 7 + r) / 8);
            }
        }
    }

    /// The deadline of one try: srtt + 4·rttvar, at least [`MIN_TIMEOUT`] and two round trips,
    /// at most `max`; `max` while nothing has been measured.
    pub fn timeout(&self, max: Duration) -> Duration {
        let t = match self.srtt {
            None => max,
            Some(s) => (s + self.rttvar * 4).max(MIN_TIMEOUT).max(s * 2).min(max),
        };
        clear_of_syn_retransmit(t, self.srtt.map_or(Duration::ZERO, |s| s * 2))
    }
}

/// A try that ends just as the kernel retransmits its SYN (1 s, 3 s, 7 s... after connect)
/// throws that SYN away with no chance of an answer: such a try is stretched past it by a
/// grace of at least 250 ms (or two round trips), so the retransmission counts.
pub fn clear_of_syn_retransmit(t: Duration, two_rtt: Duration) -> Duration {
    let grace = two_rtt.max(Duration::from_millis(250));
    let mut r = KERNEL_SYN_RTO;
    while r <= t {
        if t < r + grace {
            return r + grace;
        }
        r = r * 2 + KERNEL_SYN_RTO;
    }
    t
}

/// Evidence of loss: how many tries were lost before an answer, recently and in all.
#[derive(Debug, Clone, Default)]
pub struct Loss {
    pub answered: u64,
    pub lost: u64,
    /// Smoothed share of lost tries among the recent ones.
    pub recent: f64,
    /// The most tries any port needed before it answered.
    pub most_tries: u32,
}

impl Loss {
    /// A port answered on its try number `lost_before + 1`. True when this is congestion: the
    /// recent share of lost tries is above [`LOSS_CUT`].
    pub fn answered(&mut self, lost_before: u32) -> bool {
        self.answered += 1;
        self.lost += lost_before as u64;
        self.most_tries = self.most_tries.max(lost_before + 1);
        for _ in 0..lost_before.min(64) {
            self.recent += LOSS_GAIN * (1.0 - self.recent);
        }
        self.recent -= LOSS_GAIN * self.recent;
        lost_before > 0 && self.recent > LOSS_CUT
    }

    /// The share of tries lost so far, with a prior of one lost in two, so that a handful of
    /// answers does not pass for a clean path.
    pub fn rate(&self) -> f64 {
        (self.lost as f64 + 1.0) / ((self.lost + self.answered) as f64 + 2.0)
    }

    /// Tries a silent port gets on a host with `ports` ports: the user's (`base`) while no try
    /// was lost; once one was, enough that `ports · rate^tries` stays under
    /// [`WRONG_PER_HOST`], and one more than any port needed, up to [`MAX_TRIES`]. One try
    /// (`--retries 0`) stays one: the user asked for exactly that.
    pub fn tries(&self, base: u32, ports: usize) -> u32 {
        if self.lost == 0 || base <= 1 {
            return base;
        }
        let q = self.rate().min(0.5);
        let need = ((WRONG_PER_HOST / ports.max(1) as f64).ln() / q.ln()).ceil() as u32;
        need.max(self.most_tries + 1).min(MAX_TRIES).max(base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_start_then_halving_once_per_loss_event() {
        let mut w = Window::new(4.0, 100);
        for _ in 0..4 {
            w.grow();
        }
        assert_eq!(w.limit(), 8, "slow start: one more per answer");
        let e = w.epoch();
        assert!(w.cut(e));
        assert_eq!(w.limit(), 4);
        assert!(!w.cut(e), "a try sent before the cut does not cut again");
        for _ in 0..3 {
            w.grow();
        }
        assert_eq!(w.limit(), 4, "after a cut: 1/cwnd per answer");
        w.grow();
        w.grow();
        assert_eq!(w.limit(), 5, "about one more per window of answers");
        let mut big = Window::new(1000.0, 10_000);
        big.cut(big.epoch());
        for _ in 0..500 {
            big.grow();
        }
        assert_eq!(
            big.limit(),
            515,
            "a large window grows by about 3% a round trip"
        );
        let mut full = Window::new(64.0, 10);
        full.grow();
        assert_eq!(full.limit(), 10, "never past the ceiling");
    }

    #[test]
    fn rfc6298_estimates_and_the_timeout_bounds() {
        let mut r = Rtt::default();
        assert_eq!(r.timeout(Duration::from_secs(2)), Duration::from_secs(2));
        r.sample(Duration::from_millis(20));
        assert_eq!(r.srtt, Some(Duration::from_millis(20)));
        assert_eq!(r.rttvar, Duration::from_millis(10));
        r.sample(Duration::from_millis(28));
        assert_eq!(r.srtt, Some(Duration::from_millis(21)));
        assert_eq!(r.rttvar, Duration::from_micros(9_500));
        assert_eq!(r.timeout(Duration::from_secs(1)), MIN_TIMEOUT);
        r.sample(Duration::from_secs(3));
        assert_eq!(
            r.samples, 2,
            "Karn: a sample past the kernel's SYN retransmission"
        );
        let mut far = Rtt::default();
        far.sample(Duration::from_millis(300));
        assert_eq!(
            far.timeout(Duration::from_secs(5)),
            Duration::from_millis(900)
        );
        assert_eq!(
            far.timeout(Duration::from_millis(500)),
            Duration::from_millis(500)
        );
    }

    #[test]
    fn a_try_never_ends_as_the_kernel_retransmits() {
        let z = Duration::ZERO;
        let ms = Duration::from_millis;
        assert_eq!(clear_of_syn_retransmit(ms(999), z), ms(999));
        assert_eq!(clear_of_syn_retransmit(ms(1000), z), ms(1250));
        assert_eq!(clear_of_syn_retransmit(ms(1200), z), ms(1250));
        assert_eq!(clear_of_syn_retransmit(ms(1250), z), ms(1250));
        assert_eq!(clear_of_syn_retransmit(ms(2000), z), ms(2000));
        assert_eq!(clear_of_syn_retransmit(ms(3100), z), ms(3250));
        assert_eq!(clear_of_syn_retransmit(ms(7000), ms(400)), ms(7400));
    }

    #[test]
    fn loss_evidence_raises_tries_and_only_bursts_cut() {
        let mut l = Loss::default();
        for _ in 0..1000 {
            assert!(!l.answered(0));
        }
        assert_eq!(l.tries(2, 65535), 2, "no loss seen: the user's tries");
        // One lost try in fifty (about 1% loss each way): no cut, more tries.
        // (A few random losses close together do not cut either.)
        let mut cuts = 0;
        for i in 0..5000 {
            cuts += l.answered(u32::from(i % 50 == 0)) as u32;
        }
        assert_eq!(cuts, 0, "random loss of 2% does not cut");
        let t = l.tries(2, 65535);
        assert!((5..=6).contains(&t), "{t} tries at {:.3}", l.rate());
        // A burst: ten answers in a row that each lost a try.
        let burst: u32 = (0..10).map(|_| l.answered(1) as u32).sum();
        assert!(burst > 0, "a burst of loss is congestion");
        let mut heavy = Loss::default();
        heavy.answered(9);
        assert_eq!(heavy.tries(2, 10), MAX_TRIES);
        assert_eq!(
            heavy.tries(1, 10),
            1,
            "--retries 0 is one try, whatever is lost"
        );
        assert_eq!(
            heavy.tries(15, 10),
            15,
            "never fewer than the user asked for"
        );
    }
}
