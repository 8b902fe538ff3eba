//! `--sort` and `--top`: which sockets come first. Sorting needs every matching socket (it is
//! the one mode that holds them); with `--top N` only the best N are kept, in a bounded heap.
use super::record::SocketRecord;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Highest round-trip time first.
    Rtt,
    SendQ,
    RecvQ,
    /// Most retransmitted segments first.
    Retrans,
    /// Longest since data was last sent or received first (idlest first).
    Age,
    /// Local port, then peer port, ascending.
    Port,
}

impl SortKey {
    /// Whether the key needs TCP_INFO from the kernel.
    pub fn needs_info(self) -> bool {
        matches!(self, SortKey::Rtt | SortKey::Retrans | SortKey::Age)
    }
}

/// `a` before `b` is `Less`. Sockets without the value (no TCP_INFO) come last.
pub fn compare(key: SortKey, a: &SocketRecord, b: &SocketRecord) -> Ordering {
    let desc = |x: Option<u64>, y: Option<u64>| match (x, y) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    let info = |r: &SocketRecord, f: fn(&super::TcpInfo) -> u64| r.tcp_info.as_ref().map(f);
    let primary = match key {
        SortKey::Rtt => desc(
            info(a, |t| (t.rtt_ms * 1000.0) as u64),
            info(b, |t| (t.rtt_ms * 1000.0) as u64),
        ),
        SortKey::SendQ => b.send_q.cmp(&a.send_q),
        SortKey::RecvQ => b.recv_q.cmp(&a.recv_q),
        SortKey::Retrans => desc(
            info(a, |t| t.total_retrans.into()),
            info(b, |t| t.total_retrans.into()),
        ),
        SortKey::Age => desc(idle(a), idle(b)),
        SortKey::Port => (a.local_port(), a.peer_port()).cmp(&(b.local_port(), b.peer_port())),
    };
    // Ties keep a stable, meaningful order: by local then peer port.
    primary.then_with(|| (a.local_port(), a.peer_port()).cmp(&(b.local_port(), b.peer_port())))
}

/// Milliseconds since data last went either way.
fn idle(r: &SocketRecord) -> Option<u64> {
    r.tcp_info
        .as_ref()
        .map(|t| u64::from(t.last_send_ms.min(t.last_recv_ms)))
}

/// A heap entry ordered by [`compare`]: the heap's top is the worst kept so far.
struct Ranked(SortKey, SocketRecord);

impl PartialEq for Ranked {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Ranked {
    fn cmp(&self, o: &Self) -> Ordering {
        compare(self.0, &self.1, &o.1)
    }
}

/// Collects records in `key` order, keeping at most `top` of them.
pub struct Sorter {
    key: SortKey,
    top: Option<usize>,
    heap: BinaryHeap<Ranked>,
    all: Vec<SocketRecord>,
}

impl Sorter {
    pub fn new(key: SortKey, top: Option<usize>) -> Sorter {
        Sorter {
            key,
            top,
            heap: BinaryHeap::new(),
            all: Vec::new(),
        }
    }

    pub fn push(&mut self, r: SocketRecord) {
        match self.top {
            None => self.all.push(r),
            Some(0) => {}
            Some(n) => {
                self.heap.push(Ranked(self.key, r));
                if self.heap.len() > n {
                    self.heap.pop();
                }
            }
        }
    }

    pub fn finish(self) -> Vec<SocketRecord> {
        let key = self.key;
        let mut v: Vec<SocketRecord> = if self.top.is_some() {
            self.heap.into_iter().map(|r| r.1).collect()
        } else {
            self.all
        };
        v.sort_by(|a, b| compare(key, a, b));
        v
    }
}
