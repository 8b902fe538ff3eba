//! This host's sockets, from the kernel's NETLINK_SOCK_DIAG interface: inet_diag for TCP and
//! UDP over IPv4 and IPv6, unix_diag for UNIX sockets, each with its queues, owner uid, timer
//! and, when asked, TCP_INFO and its memory; the holding process from one pass over /proc.
//!
//! [`list`] returns a stream: records come as the kernel's replies are read, and nothing
//! holds the whole dump. With owners wanted, the first [`PROBE`] records wait while /proc is
//! read: when the dump ends before that, the pass looks only for their inodes and stops once
//! it has found them all; a larger dump gets one full pass, and the rest streams past it.
pub mod bytecode;
pub mod filter;
mod inet;
mod netlink;
pub mod order;
pub mod procs;
mod record;
pub mod summary;
mod unix;
pub mod watch;

pub use filter::Filter;
pub use procs::Which;
pub use record::{
    Endpoint, Family, Holder, MemInfo, Proto, SocketRecord, State, TcpInfo, Timer, TimerKind,
};

use std::collections::{HashSet, VecDeque};
use std::io;

/// Records held back while the owner pass is decided (see the module's note).
pub const PROBE: usize = 4096;

/// What to ask the kernel for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub tcp: bool,
    pub udp: bool,
    pub unix: bool,
    pub v4: bool,
    pub v6: bool,
    /// A mask of `1 << state` (the kernel's numbers).
    pub states: u32,
    /// TCP_INFO, the congestion control and the socket memory.
    pub info: bool,
    /// Either end's port in one of these ranges, run by the kernel as bytecode.
    pub port_ranges: Vec<(u16, u16)>,
}

/// A dump that failed: which one, and the errno.
#[derive(Debug, thiserror::Error)]
#[error("netlink sock_diag dump of {what} sockets failed: {} ({source})", crate::net::errno::name(source.raw_os_error().unwrap_or(0)))]
pub struct DumpError {
    pub what: String,
    #[source]
    pub source: io::Error,
}

/// One dump the query needs: UNIX, or inet of a family and protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Inet(Family, Proto),
    Unix,
}

impl Part {
    fn what(self) -> String {
        match self {
            Part::Inet(f, p) => format!("{} {}", p.as_str(), f.as_str()),
            Part::Unix => "unix".into(),
        }
    }
}

/// The states each protocol's sockets can be in: a dump that cannot match is not made.
const UDP_STATES: u32 = 1 << 1 | 1 << 7;
const UNIX_STATES: u32 = 1 << 1 | 1 << 2 | 1 << 7 | 1 << 10;

fn parts(q: &Query) -> VecDeque<Part> {
    let mut v = VecDeque::new();
    for (on, proto, states) in [
        (q.tcp, Proto::Tcp, filter::ALL_STATES),
        (q.udp, Proto::Udp, UDP_STATES),
    ] {
        if !on || q.states & states == 0 {
            continue;
        }
        if q.v4 {
            v.push_back(Part::Inet(Family::Inet, proto));
        }
        if q.v6 {
            v.push_back(Part::Inet(Family::Inet6, proto));
        }
    }
    if q.unix && q.states & UNIX_STATES != 0 {
        v.push_back(Part::Unix);
    }
    v
}

/// The raw dumps of a query, one after the other: every socket the kernel sends, unfiltered
/// beyond what the request itself asks.
pub struct RawDumps {
    parts: VecDeque<Part>,
    current: Option<(Part, netlink::Dump)>,
    states: u32,
    info: bool,
    bytecode: Vec<u8>,
}

impl RawDumps {
    pub fn new(q: &Query) -> RawDumps {
        RawDumps {
            parts: parts(q),
            current: None,
            states: q.states,
            info: q.info,
            bytecode: bytecode::either_port(&q.port_ranges).unwrap_or_default(),
        }
    }
}

impl Iterator for RawDumps {
    type Item = Result<SocketRecord, DumpError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.current.is_none() {
                let part = self.parts.pop_front()?;
                let req = match part {
                    Part::Inet(f, p) => inet::request(f, p, self.states, self.info, &self.bytecode),
                    Part::Unix => unix::request(self.states, self.info),
                };
                match netlink::Dump::start(&req) {
                    Ok(d) => self.current = Some((part, d)),
                    Err(source) => {
                        self.parts.clear();
                        return Some(Err(DumpError {
                            what: part.what(),
                            source,
                        }));
                    }
                }
            }
            let (part, dump) = self.current.as_mut().expect("a dump in progress");
            let part = *part;
            match dump.next_msg() {
                None => self.current = None,
                Some(Err(source)) => {
                    self.current = None;
                    self.parts.clear();
                    return Some(Err(DumpError {
                        what: part.what(),
                        source,
                    }));
                }
                Some(Ok(msg)) => {
                    let rec = match part {
                        Part::Inet(_, proto) => inet::parse(msg, proto),
                        Part::Unix => unix::parse(msg),
                    };
                    if let Some(rec) = rec {
                        return Some(Ok(rec));
                    }
                }
            }
        }
    }
}

/// The sockets a query and a filter select, with their owners when `owners` is given: a
/// stream (see the module's note).
pub struct Sockets {
    raw: RawDumps,
    filter: Filter,
    owners: Option<Which>,
    map: Option<procs::Owners>,
    held: VecDeque<SocketRecord>,
    error: Option<DumpError>,
    started: bool,
}

/// Lists this host's sockets: `query` goes to the kernel, `filter` is checked on each reply,
/// and `owners` (which processes to look into) fills in pid and command.
pub fn list(query: &Query, filter: Filter, owners: Option<Which>) -> Sockets {
    Sockets {
        raw: RawDumps::new(query),
        filter,
        owners,
        map: None,
        held: VecDeque::new(),
        error: None,
        started: false,
    }
}

impl Sockets {
    /// The next record that passes the filter, before its owner is known.
    fn next_matching(&mut self) -> Option<Result<SocketRecord, DumpError>> {
        loop {
            match self.raw.next()? {
                Ok(r) if self.filter.matches(&r) => return Some(Ok(r)),
                Ok(_) => continue,
                Err(e) => return Some(Err(e)),
            }
        }
    }

    /// Holds the first records back, then reads /proc: for their inodes only when the dump
    /// ended among them, for everything otherwise.
    fn start(&mut self) {
        self.started = true;
        let Some(which) = self.owners.clone() else {
            return;
        };
        let mut ended = false;
        while self.held.len() < PROBE {
            match self.next_matching() {
                Some(Ok(r)) => self.held.push_back(r),
                Some(Err(e)) => {
                    self.error = Some(e);
                    ended = true;
                    break;
                }
                None => {
                    ended = true;
                    break;
                }
            }
        }
        let map = if ended {
            let wanted: HashSet<u32> = self
                .held
                .iter()
                .map(|r| r.inode)
                .filter(|&i| i != 0)
                .collect();
            procs::scan(&which, Some(&wanted))
        } else {
            procs::scan(&which, None)
        };
        self.map = Some(map);
    }

    fn own(&self, mut r: SocketRecord) -> SocketRecord {
        if let Some(m) = self.map.as_ref().filter(|_| r.inode != 0) {
            r.holders = m
                .holders(r.inode)
                .iter()
                .map(|o| Holder {
                    pid: o.pid,
                    command: o.command.to_string(),
                })
                .collect();
            if let Some(first) = r.holders.first() {
                r.pid = Some(first.pid);
                r.command = Some(first.command.clone());
            }
        }
        r
    }
}

impl Iterator for Sockets {
    type Item = Result<SocketRecord, DumpError>;

    fn next(&mut self) -> Option<Self::Item> {
        if !self.started {
            self.start();
        }
        loop {
            let r = match self.held.pop_front() {
                Some(r) => r,
                None => {
                    if let Some(e) = self.error.take() {
                        return Some(Err(e));
                    }
                    match self.next_matching()? {
                        Ok(r) => r,
                        Err(e) => return Some(Err(e)),
                    }
                }
            };
            let r = self.own(r);
            if self.filter.matches_owner(&r) {
                return Some(Ok(r));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(port: u16) -> Query {
        Query {
            tcp: true,
            udp: false,
            unix: false,
            v4: true,
            v6: false,
            states: filter::ALL_STATES,
            info: true,
            port_ranges: vec![(port, port)],
        }
    }

    /// Our own listener and connection come back from the kernel (through the port bytecode),
    /// with this process as their owner and TCP_INFO filled in.
    #[test]
    fn our_own_sockets() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let (_s, _) = l.accept().unwrap();
        let recs: Vec<SocketRecord> = list(
            &query(port),
            Filter::default(),
            Some(Which::Pids(vec![std::process::id()])),
        )
        .collect::<Result<_, _>>()
        .unwrap();
        assert_eq!(recs.len(), 3, "{recs:#?}");
        let listen = recs.iter().find(|r| r.state == State::LISTEN).unwrap();
        assert_eq!(listen.local, Some(Endpoint::Inet(l.local_addr().unwrap())));
        assert_eq!(listen.peer, None);
        assert!(recs.iter().all(|r| r.pid == Some(std::process::id())));
        let client = recs
            .iter()
            .find(|r| r.local == Some(Endpoint::Inet(c.local_addr().unwrap())))
            .unwrap();
        assert_eq!(client.state, State::ESTABLISHED);
        let t = client.tcp_info.as_ref().unwrap();
        assert!(t.cwnd > 0 && t.mss > 0, "{t:?}");
        assert!(client.mem.is_some());
    }
}
