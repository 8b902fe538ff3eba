//! Host discovery before a multi-host scan, as nmap does it: every address is first probed on
//! a few ports ([`PORTS`]) through the same engine, and only the hosts that answered (a port
//! open or closed, or an ICMP error sent by the host itself, not by a router) get the full
//! scan. `-Pn` / `--no-discovery` skips it. A single host (one name, or one address) is never
//! discovered first: scanning it is the point. Neither `--count`, `--wait` nor `--udp` runs
//! it (ports of a known host; UDP has no answer to count on).
use super::*;
use crate::input::shard::Group;

/// The discovery ports: web (80, 443) and SSH (22), the most commonly open; and ident (113),
/// which hosts most often reset rather than drop.
pub(super) const PORTS: [u16; 4] = [80, 443, 22, 113];

/// What discovery found, for the summary.
#[derive(Debug, Clone, Serialize)]
pub struct Discovered {
    pub ports: Vec<u16>,
    /// Hosts that answered (each then scanned).
    pub up: usize,
    /// Hosts that did not (not scanned).
    pub no_answer: usize,
    /// What discovery found on the hosts up, numbered as the narrowed plan's targets: the
    /// scan reuses them (see `probe::run_known`).
    #[serde(skip)]
    pub results: Vec<ProbeResult>,
}

impl Discovered {
    /// `hosts: 10 up, 246 no answer (not scanned: ...)` without its list of hosts.
    pub(super) fn note(&self, shown: &str) -> String {
        let ports: Vec<String> = self.ports.iter().map(|p| p.to_string()).collect();
        format!(
            "hosts: {} up{shown}, {} no answer (not scanned: no answer to discovery on {}; \
             -Pn scans them anyway)",
            self.up,
            self.no_answer,
            ports.join(",")
        )
    }
}

/// Whether this run discovers hosts first: asked for (not `-Pn`), TCP, once, and more than one
/// host (addresses of one name are one host).
pub(super) fn wanted(plan: &Plan) -> bool {
    plan.discover
        && plan.mode == Mode::Once
        && plan.config.proto == Proto::Tcp
        && plan.discovered.is_none()
        && plan.targets.iter().any(|t| t.name != plan.targets[0].name)
}

/// Probes the targets `which` (indices into `plan.targets`) on [`PORTS`], then narrows the
/// plan to those that answered, and the shard's groups with it (`None`: not sharded).
pub(super) fn narrow(
    plan: &Plan,
    groups: Option<Vec<Group>>,
    interrupt: &Interrupt,
) -> Result<(Plan, Option<Vec<Group>>)> {
    let which: Vec<usize> = match &groups {
        Some(gs) => {
            let mut v: Vec<usize> = gs.iter().flat_map(|g| g.targets.iter().copied()).collect();
            v.sort_unstable();
            v.dedup();
            v
        }
        None => (0..plan.targets.len()).collect(),
    };
    let sharded = groups.is_some();
    let addrs: Vec<SocketAddr> = which.iter().map(|&i| plan.targets[i].sockaddr()).collect();
    let mut up = vec![false; plan.targets.len()];
    let mut found = Vec::new();
    let mut sink = |r: &ProbeResult| {
        if answered(r.state, r.addr, r.icmp.as_ref()) {
            up[which[r.target]] = true;
        }
        found.push(r.clone());
    };
    probe::run(&addrs, &PORTS, &plan.config, interrupt, &mut sink)?;
    // Old index -> new index of the hosts kept.
    let mut new_index = vec![None; plan.targets.len()];
    let mut targets = Vec::new();
    for (i, t) in plan.targets.iter().enumerate() {
        if up[i] {
            new_index[i] = Some(targets.len());
            targets.push(t.clone());
        }
    }
    let groups = groups.map(|gs| {
        gs.into_iter()
            .filter_map(|g| {
                let targets: Vec<usize> = g.targets.iter().filter_map(|&t| new_index[t]).collect();
                (!targets.is_empty()).then_some(Group {
                    targets,
                    ports: g.ports,
                })
            })
            .collect()
    });
    let n_up = targets.len();
    // Not reused by a sharded scan, whose groups number their targets their own way.
    let results = match sharded {
        true => Vec::new(),
        false => found
            .into_iter()
            .filter_map(|mut r| {
                r.target = new_index[which[r.target]]?;
                Some(r)
            })
            .collect(),
    };
    let narrowed = Plan {
        targets,
        discovered: Some(Discovered {
            ports: PORTS.to_vec(),
            up: n_up,
            no_answer: which.len() - n_up,
            results,
        }),
        ..plan.clone()
    };
    Ok((narrowed, groups))
}
