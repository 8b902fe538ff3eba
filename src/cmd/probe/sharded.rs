//! `--shard K/N` once: the shard's groups (targets that share a port list, see
//! [`crate::input::shard`]) each run as one scan, their outcomes merged as if one.
use super::*;
use crate::input::shard::Group;

pub(super) fn run(
    plan: &Plan,
    groups: &[Group],
    out: &OutputOpts,
    w: &mut impl Write,
    interrupt: &Interrupt,
    keep: Keep,
    names: &mut Names,
) -> Result<Outcome> {
    let mut all = Outcome {
        records: Vec::new(),
        counts: Counts::default(),
        summary: Summary::default(),
        silent: None,
        answered: vec![false; plan.targets.len()],
        named: names.on(),
    };
    for (n, g) in groups.iter().enumerate() {
        let sub = Plan {
            targets: g.targets.iter().map(|&t| plan.targets[t].clone()).collect(),
            unresolved: Vec::new(),
            specs: Vec::new(),
            family: plan.family,
            first_addr: plan.first_addr,
            began: plan.began,
            ports: g.ports.iter().map(|&p| plan.ports[p]).collect(),
            config: plan.config.clone(),
            all: plan.all,
            mode: Mode::Once,
            interval: plan.interval,
            shard: plan.shard,
            service: plan.service.clone(),
            port_names: plan.port_names.clone(),
            names: plan.names,
            up: plan.up,
            discover: false,
            discovered: plan.discovered.clone(),
            then: None,
        };
        let addrs: Vec<SocketAddr> = sub.targets.iter().map(|t| t.sockaddr()).collect();
        let o = once(
            &sub,
            &addrs,
            &sub.ports,
            &plan.config,
            out,
            w,
            interrupt,
            keep,
            names,
            &[],
        )?;
        // Back to the plan's numbering, so the end sorts as an unsharded scan would.
        all.records.extend(o.records.into_iter().map(|mut r| {
            r.order = g.targets[r.order];
            r
        }));
        all.counts.merge(&o.counts);
        if all.silent.is_none() {
            all.silent = o.silent;
        }
        for (i, a) in o.answered.iter().enumerate() {
            if *a {
                all.answered[g.targets[i]] = true;
            }
        }
        merge(&mut all.summary, o.summary, &g.targets, n == 0);
        if all.summary.interrupted || reader::gone() {
            break;
        }
    }
    Ok(all)
}

/// Adds one group's summary to the shard's.
fn merge(into: &mut Summary, s: Summary, targets: &[usize], first: bool) {
    into.interrupted |= s.interrupted;
    into.window = into.window.max(s.window);
    into.min_window = if first {
        s.min_window
    } else {
        into.min_window.min(s.min_window)
    };
    into.fd_exhausted += s.fd_exhausted;
    into.addr_not_avail += s.addr_not_avail;
    into.self_connects += s.self_connects;
    into.icmp_rate_limited.extend(s.icmp_rate_limited);
    into.started += s.started;
    into.adaptive |= s.adaptive;
    into.window_reached = into.window_reached.max(s.window_reached);
    into.hosts.extend(s.hosts.into_iter().map(|mut h| {
        h.target = targets[h.target];
        h
    }));
}
