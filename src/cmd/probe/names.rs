//! Reverse names for records streamed as JSON: looked up beside the scan (from its start, in
//! target order, a few at a time), so each record can carry its `name` as it is written.
//! Table and plain look names up at the end instead, for the records they list
//! ([`super::summary`]).
use super::*;
use std::collections::VecDeque;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, TryRecvError};

/// Lookups at once.
const IN_FLIGHT: usize = 32;

pub(super) struct Names {
    rx: Option<Receiver<(IpAddr, Option<String>)>>,
    /// Each address looked up, with its name if it has one.
    known: HashMap<IpAddr, Option<String>>,
    /// Addresses asked for and not answered yet.
    left: usize,
    /// Records waiting for their name, in the order they came.
    held: VecDeque<ProbeRecord>,
}

impl Names {
    /// No lookups (`-n`, or output that looks names up at the end).
    pub(super) fn off() -> Names {
        Names {
            rx: None,
            known: HashMap::new(),
            left: 0,
            held: VecDeque::new(),
        }
    }

    /// Starts looking up the targets given as addresses (a name given is its own name).
    pub(super) fn start(targets: &[Target]) -> Names {
        let mut ips: Vec<IpAddr> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for t in targets {
            if t.name.parse::<IpAddr>().is_ok() && seen.insert(t.addr) {
                ips.push(t.addr);
            }
        }
        let mut n = Names::off();
        if ips.is_empty() {
            return n;
        }
        n.left = ips.len();
        let (tx, rx) = channel();
        let spawned = std::thread::Builder::new()
            .name("names".into())
            .spawn(move || {
                let next = std::sync::atomic::AtomicUsize::new(0);
                std::thread::scope(|s| {
                    for _ in 0..IN_FLIGHT.min(ips.len()) {
                        let tx = tx.clone();
                        let (ips, next) = (&ips, &next);
                        s.spawn(move || loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(&ip) = ips.get(i) else { return };
                            // The reader has gone (the run ended): stop looking.
                            if tx.send((ip, crate::resolve::reverse_name(ip))).is_err() {
                                return;
                            }
                        });
                    }
                });
            });
        match spawned {
            Ok(_) => n.rx = Some(rx),
            // No thread: the records go without names (the field is there, null).
            Err(_) => n.left = 0,
        }
        n
    }

    /// Whether records wait for names at all.
    pub(super) fn on(&self) -> bool {
        self.rx.is_some()
    }

    /// Takes in the names found so far.
    fn poll(&mut self) {
        let Some(rx) = &self.rx else { return };
        loop {
            match rx.try_recv() {
                Ok((ip, name)) => {
                    self.known.insert(ip, name);
                    self.left = self.left.saturating_sub(1);
                }
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => {
                    self.left = 0;
                    return;
                }
            }
        }
    }

    /// Waits until every name is found, or Ctrl-C: the records then go without the rest.
    pub(super) fn wait(&mut self, interrupt: &Interrupt) {
        while self.left > 0 {
            if interrupt.raised() {
                self.left = 0;
                return;
            }
            let Some(rx) = &self.rx else { return };
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok((ip, name)) => {
                    self.known.insert(ip, name);
                    self.left -= 1;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => self.left = 0,
            }
        }
    }

    /// Fills in a record's name; false while its address is still being looked up.
    pub(super) fn fill(&self, r: &mut ProbeRecord) -> bool {
        fill(self.on(), &self.known, self.left, r)
    }

    /// Queues a record to be written once its name (and every earlier record's) is known.
    pub(super) fn hold(&mut self, r: ProbeRecord) {
        self.held.push_back(r);
    }

    /// The records at the head of the queue whose names are now known, in order.
    pub(super) fn ready(&mut self) -> Vec<ProbeRecord> {
        self.poll();
        let mut out = Vec::new();
        while let Some(r) = self.held.front_mut() {
            if !fill(self.rx.is_some(), &self.known, self.left, r) {
                break;
            }
            out.extend(self.held.pop_front());
        }
        out
    }

    /// Whether records are waiting.
    pub(super) fn holding(&self) -> bool {
        !self.held.is_empty()
    }
}

/// A record's name from those known; false while it is still being looked up. A record of
/// a target given by name never waits (its name is the one given).
fn fill(
    on: bool,
    known: &HashMap<IpAddr, Option<String>>,
    left: usize,
    r: &mut ProbeRecord,
) -> bool {
    if !on || r.target.parse::<IpAddr>().is_err() {
        return true;
    }
    match known.get(&r.addr.ip) {
        Some(n) => {
            r.name.clone_from(n);
            true
        }
        // The lookups ended (or were given up) without it: no name.
        None => left == 0,
    }
}
