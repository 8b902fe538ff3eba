//! Reverse names of the routers, looked up while the trace runs: one thread per address as
//! soon as it answers, so a slow resolver costs one lookup's time, not one per hop.
use crate::interrupt::Interrupt;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::time::{Duration, Instant};

/// How long the end of a trace waits for lookups still running.
pub const WAIT: Duration = Duration::from_secs(3);
/// Most lookups one trace starts (a path of 255 hops with a few balancers each).
const MAX_LOOKUPS: usize = 1024;

pub struct Names {
    tx: Sender<(IpAddr, Option<String>)>,
    rx: Receiver<(IpAddr, Option<String>)>,
    asked: HashSet<IpAddr>,
}

impl Default for Names {
    fn default() -> Self {
        Names::new()
    }
}

impl Names {
    pub fn new() -> Names {
        let (tx, rx) = channel();
        Names {
            tx,
            rx,
            asked: HashSet::new(),
        }
    }

    /// Starts the lookup of `ip` unless it is under way or done.
    pub fn lookup(&mut self, ip: IpAddr) {
        if self.asked.len() >= MAX_LOOKUPS || !self.asked.insert(ip) {
            return;
        }
        let tx = self.tx.clone();
        let spawned = std::thread::Builder::new()
            .name("trace-names".into())
            .spawn(move || {
                let _ = tx.send((ip, crate::resolve::reverse_name(ip)));
            });
        if spawned.is_err() {
            // No thread: no name, as when the lookup fails.
            let _ = self.tx.send((ip, None));
        }
    }

    /// The names found, waiting at most `wait` for lookups still running (Ctrl-C ends the
    /// wait); an address whose lookup did not finish has `None`.
    pub fn finish(self, wait: Duration, interrupt: &Interrupt) -> HashMap<IpAddr, Option<String>> {
        let deadline = Instant::now() + wait;
        let mut got: HashMap<IpAddr, Option<String>> = HashMap::new();
        while got.len() < self.asked.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || interrupt.raised() {
                break;
            }
            match self.rx.recv_timeout(left.min(Duration::from_millis(50))) {
                Ok((ip, n)) => {
                    got.insert(ip, n);
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(_) => break,
            }
        }
        while let Ok((ip, n)) = self.rx.try_recv() {
            got.insert(ip, n);
        }
        for ip in &self.asked {
            got.entry(*ip).or_insert(None);
        }
        got
    }
}
