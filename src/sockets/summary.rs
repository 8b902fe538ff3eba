//! `--summary`: counts per protocol, family and state, like `ss -s`, and the processes that
//! hold the most sockets. A socket counts once in the totals, and once for each process that
//! holds it (a listener shared by a parent and three forked children counts for all four). Counting keeps one number per (protocol, family, state) and per
//! process: the dump itself is never held.
use super::record::{Family, Proto, SocketRecord, State};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// How many sockets of one protocol, family and state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub proto: Proto,
    pub family: Family,
    pub state: State,
    pub count: u64,
}

/// A process and how many of the counted sockets it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcessCount {
    pub pid: u32,
    pub command: String,
    pub sockets: u64,
}

/// The finished summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub total: u64,
    pub counts: Vec<Count>,
    /// The processes holding the most sockets, most first (ties by pid).
    pub top_processes: Vec<ProcessCount>,
}

/// The running counts.
#[derive(Debug, Default)]
pub struct Counter {
    total: u64,
    counts: BTreeMap<(Proto, Family, State), u64>,
    procs: HashMap<u32, (String, u64)>,
}

impl Counter {
    pub fn add(&mut self, r: &SocketRecord) {
        self.total += 1;
        *self.counts.entry((r.proto, r.family, r.state)).or_default() += 1;
        if r.holders.is_empty() {
            if let (Some(pid), Some(cmd)) = (r.pid, &r.command) {
                self.procs.entry(pid).or_insert_with(|| (cmd.clone(), 0)).1 += 1;
            }
        }
        for h in &r.holders {
            self.procs
                .entry(h.pid)
                .or_insert_with(|| (h.command.clone(), 0))
                .1 += 1;
        }
    }

    /// The summary, with the `top` processes holding the most sockets.
    pub fn finish(self, top: usize) -> Summary {
        let mut procs: Vec<ProcessCount> = self
            .procs
            .into_iter()
            .map(|(pid, (command, sockets))| ProcessCount {
                pid,
                command,
                sockets,
            })
            .collect();
        procs.sort_by(|a, b| b.sockets.cmp(&a.sockets).then(a.pid.cmp(&b.pid)));
        procs.truncate(top);
        Summary {
            total: self.total,
            counts: self
                .counts
                .into_iter()
                .map(|((proto, family, state), count)| Count {
                    proto,
                    family,
                    state,
                    count,
                })
                .collect(),
            top_processes: procs,
        }
    }
}
