//! Statistics over a series of times in milliseconds, as ping prints them (min, avg, max,
//! mdev, p95, loss): probe's `--count` rounds and http's `--count` phases share them.
use serde::Serialize;

/// Round-trip statistics over `--count` rounds (milliseconds; answered rounds only).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stats {
    pub count: u32,
    /// Rounds the port was open (probe; set by the caller, else as `answered`).
    pub open: u32,
    /// Rounds answered: an open port's SYN-ACK, a closed one's reset (as tcping counts).
    pub answered: u32,
    /// Rounds not answered.
    pub loss_pct: f64,
    pub min_ms: Option<f64>,
    pub avg_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub mdev_ms: Option<f64>,
    pub p95_ms: Option<f64>,
}

impl Stats {
    /// `rtts`: round-trip times of the answered rounds; `count`: rounds made.
    pub fn from_rtts(rtts: &mut [f64], count: u32) -> Stats {
        rtts.sort_by(|a, b| a.total_cmp(b));
        let n = rtts.len();
        let open = n as u32;
        let answered = open;
        let loss_pct = if count == 0 {
            0.0
        } else {
            ((count - open) as f64 * 1000.0 / count as f64).round() / 10.0
        };
        if n == 0 {
            return Stats {
                count,
                open,
                answered,
                loss_pct,
                min_ms: None,
                avg_ms: None,
                max_ms: None,
                mdev_ms: None,
                p95_ms: None,
            };
        }
        let avg = rtts.iter().sum::<f64>() / n as f64;
        // mdev as ping prints it: the standard deviation.
        let var = rtts.iter().map(|x| (x - avg).powi(2)).sum::<f64>() / n as f64;
        // Nearest rank.
        let rank = ((0.95 * n as f64).ceil() as usize).clamp(1, n);
        let r3 = |x: f64| (x * 1000.0).round() / 1000.0;
        Stats {
            count,
            open,
            answered,
            loss_pct,
            min_ms: Some(r3(rtts[0])),
            avg_ms: Some(r3(avg)),
            max_ms: Some(r3(rtts[n - 1])),
            mdev_ms: Some(r3(var.sqrt())),
            p95_ms: Some(r3(rtts[rank - 1])),
        }
    }
}
