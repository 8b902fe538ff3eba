//! The end of a run: counts per state and reason, the JSON summary record, and the notes
//! table and plain print under a long scan.
use super::*;

/// The end-of-run summary as a JSON record.
#[derive(Serialize)]
pub(super) struct RunSummary {
    pub(super) probed: usize,
    pub(super) counts: Vec<Count>,
    pub(super) icmp_rate_limited: Vec<probe::RateLimited>,
    /// Adaptive runs: the hosts that answered nothing (no port, no ping, no UDP error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) answered_nothing: Option<Vec<IpAddr>>,
    pub(super) interrupted: bool,
    pub(super) elapsed_ms: f64,
    /// Adaptive runs: the largest the scan's congestion window grew, and per host what the
    /// engine learnt (round-trip time, timeout, window, loss, tries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) window: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) hosts: Option<Vec<probe::HostLearnt>>,
    /// `--up`: the addresses that answered, and how many did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) hosts_up: Option<Vec<IpAddr>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) hosts_no_answer: Option<usize>,
    /// Host discovery: its ports, the hosts up (scanned) and those that gave no answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) discovery: Option<discover::Discovered>,
    /// `--shard K/N`: the part of a split scan this run probed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) shard: Option<String>,
}

#[derive(Serialize)]
pub(super) struct Count {
    pub(super) state: State,
    pub(super) reason: Reason,
    pub(super) count: usize,
}

impl Record for RunSummary {
    const TYPE: &'static str = "probe-summary";
    fn headers(_: u8) -> Vec<&'static str> {
        vec![]
    }
    fn cells(&self, _: u8) -> Vec<Cell> {
        vec![]
    }
}

/// How many results had each state and reason (`sorted()`: in the order of the states table).
#[derive(Debug, Default, Clone)]
pub(super) struct Counts(Vec<((State, Reason), usize)>);

impl Counts {
    pub(super) fn add(&mut self, key: (State, Reason)) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => self.0.push((key, 1)),
        }
    }
    pub(super) fn merge(&mut self, other: &Counts) {
        for &(key, n) in &other.0 {
            match self.0.iter_mut().find(|(k, _)| *k == key) {
                Some((_, m)) => *m += n,
                None => self.0.push((key, n)),
            }
        }
    }
    pub(super) fn of(records: &[ProbeRecord]) -> Counts {
        let mut c = Counts::default();
        for r in records {
            c.add((r.state, r.reason));
        }
        c
    }
    pub(super) fn total(&self) -> usize {
        self.0.iter().map(|(_, n)| n).sum()
    }
    pub(super) fn sorted(&self) -> Vec<((State, Reason), usize)> {
        let mut v = self.0.clone();
        v.sort();
        v
    }
    pub(super) fn only(&self, st: State) -> bool {
        self.0.iter().all(|((s, _), _)| *s == st)
    }
}

/// Table and plain: the records sorted, listed whole or summarised; JSON: the summary record.
pub(super) fn finish(
    plan: &Plan,
    o: Outcome,
    started: Instant,
    out: &OutputOpts,
    w: &mut impl Write,
    print_records: bool,
) -> Result<()> {
    let Outcome {
        mut records,
        counts,
        summary: s,
        answered,
        named,
        ..
    } = o;
    let s = &s;
    // After discovery every host scanned answered it.
    let answered = match plan.discovered {
        Some(_) => vec![true; plan.targets.len()],
        None => answered,
    };
    let is_up = |r: &ProbeRecord| answered.get(r.order).copied().unwrap_or(false);
    if plan.up {
        records.retain(is_up);
    }
    let up_addrs: Vec<IpAddr> = plan
        .targets
        .iter()
        .zip(&answered)
        .filter(|(_, a)| **a)
        .map(|(t, _)| t.addr)
        .collect();
    let no_answer =
        plan.targets.len() - up_addrs.len() + plan.discovered.as_ref().map_or(0, |d| d.no_answer);
    if plan.names && !named {
        add_names(plan, &mut records);
    }
    records.sort_by_key(|r| (r.order, r.port));
    let counts = counts.sorted();
    let probed = counts.iter().map(|(_, n)| n).sum::<usize>();
    // Summarise a long scan, and any run that kept only its open ports (an interrupted one).
    let summarise = !plan.all && (probed > LIST_ALL_UP_TO || records.len() < probed || plan.up);
    if out.format == Format::Json {
        if !matches!(plan.mode, Mode::Once) || plan.up {
            for r in &records {
                json::write(w, r)?;
            }
        }
        let rs = RunSummary {
            probed,
            counts: counts
                .iter()
                .map(|&((state, reason), count)| Count {
                    state,
                    reason,
                    count,
                })
                .collect(),
            icmp_rate_limited: s.icmp_rate_limited.clone(),
            answered_nothing: s.adaptive.then(|| s.answered_nothing.clone()),
            interrupted: s.interrupted,
            elapsed_ms: crate::units::ms(started.elapsed()),
            window: s.adaptive.then_some(s.window_reached),
            hosts: s.adaptive.then(|| s.hosts.clone()),
            hosts_up: plan.up.then(|| up_addrs.clone()),
            hosts_no_answer: plan.up.then_some(no_answer),
            discovery: plan.discovered.clone(),
            shard: plan.shard.map(|s| s.to_string()),
        };
        json::write(w, &rs)?;
        return Ok(());
    }
    if !print_records {
        return Ok(());
    }
    let listed: Vec<ProbeRecord> = if summarise {
        records.into_iter().filter(|r| r.is_open()).collect()
    } else {
        records
    };
    if !listed.is_empty() {
        output::render(w, out, &listed)?;
    }
    let mut notes: Vec<String> = Vec::new();
    if summarise {
        for ((state, reason), n) in &counts {
            if *state != State::Open {
                notes.push(format!("{n} {} ({})", state.as_str(), reason.token()));
            }
        }
        if listed.is_empty() {
            notes.insert(0, "no open ports".into());
        }
    }
    let shown = if !plan.up || up_addrs.is_empty() || up_addrs.len() > 32 {
        String::new()
    } else {
        let a: Vec<String> = up_addrs.iter().map(|a| a.to_string()).collect();
        format!(" ({})", a.join(", "))
    };
    if let Some(d) = &plan.discovered {
        notes.push(d.note(&shown));
    } else if plan.up {
        notes.push(format!(
            "hosts: {} up{shown}, {no_answer} no answer",
            up_addrs.len()
        ));
    }
    notes.extend(s.answered_nothing.iter().map(|a| {
        format!("{a} answered nothing: not a ping, not a port; host down or filtered entirely")
    }));
    notes.extend(rate_limit_notes(&s.icmp_rate_limited));
    if s.interrupted {
        notes.push("interrupted: only finished ports are shown".into());
    }
    if out.verbose > 0 && s.adaptive {
        notes.extend(s.hosts.iter().map(learnt_note));
    }
    match out.format {
        Format::Table if !notes.is_empty() => {
            let rows: Vec<Vec<Cell>> = notes.iter().map(|n| vec![Cell::new(n.clone())]).collect();
            output::table::write_rows(w, out, &["SUMMARY"], &rows)?;
        }
        _ => {
            for n in &notes {
                writeln!(w, "# {n}")?;
            }
            w.flush()?;
        }
    }
    Ok(())
}

/// One note per set of ICMP reject kinds: which replies were held back, by whom, what it
/// means for the ports shown `icmp-rate-limited`, and what helps.
pub(super) fn rate_limit_notes(limited: &[probe::RateLimited]) -> Vec<String> {
    // Hosts with ports left rate-limited, by kinds; and those whose re-asks answered all:
    // (kinds, any left, who, ports left, ports re-asked).
    type Group<'a> = (&'a [Reason], bool, Vec<String>, u64, u64);
    let mut groups: Vec<Group> = Vec::new();
    for l in limited {
        let left = l.left > 0;
        match groups
            .iter_mut()
            .find(|(k, lf, ..)| *k == l.icmp.as_slice() && *lf == left)
        {
            Some((_, _, who, n, re)) => {
                who.push(l.addr.to_string());
                *n += l.left;
                *re += l.reasked;
            }
            None => groups.push((&l.icmp, left, vec![l.addr.to_string()], l.left, l.reasked)),
        }
    }
    groups
        .into_iter()
        .map(|(kinds, left, who, n, reasked)| {
            let kinds: Vec<&str> = kinds.iter().map(|&k| icmp_words(k)).collect();
            let head = format!(
                "ICMP {} replies from {} were rate-limited by the sender",
                kinds.join(" and "),
                who.join(", ")
            );
            let again = match reasked {
                0 => String::new(),
                1 => "; 1 port answered when asked again at its pace".into(),
                n => format!("; {n} ports answered when asked again at its pace"),
            };
            if !left {
                return format!("{head}{again}");
            }
            format!(
                "{head}{again}: {n} shown icmp-rate-limited gave no answer while a port known to \
                 draw one was silent too. Probe them again in a few seconds, give \
                 --max-reask-time more, or go slower: --rate 1 stays under Linux's default \
                 limit (one ICMP error a second to each destination, after a burst of 6)"
            )
        })
        .collect()
}

/// An ICMP reject kind as people name it.
fn icmp_words(kind: Reason) -> &'static str {
    match kind {
        Reason::PortUnreach => "port-unreachable",
        Reason::HostUnreach => "host-unreachable",
        Reason::NetUnreach => "net-unreachable",
        Reason::ProtoUnreach => "protocol-unreachable",
        Reason::AdminProhibited => "admin-prohibited",
        Reason::ParamProblem => "parameter-problem",
        Reason::TimeExceeded => "time-exceeded",
        _ => "error",
    }
}

/// The reverse names of the records' addresses, for targets given as addresses (a name
/// given is its own name); looked up concurrently.
fn add_names(plan: &Plan, records: &mut [ProbeRecord]) {
    let by_addr = |r: &ProbeRecord| {
        plan.targets
            .get(r.order)
            .is_some_and(|t| t.name.parse::<IpAddr>().is_ok())
    };
    let mut ips: Vec<IpAddr> = records
        .iter()
        .filter(|r| by_addr(r))
        .map(|r| r.addr.ip)
        .collect();
    ips.sort();
    ips.dedup();
    if ips.is_empty() {
        return;
    }
    let names = crate::resolve::reverse_names(&ips, 32);
    for r in records.iter_mut().filter(|r| by_addr(r)) {
        r.name = names.get(&r.addr.ip).cloned();
    }
}

/// `-v`: what the engine learnt about one host's path, in one line.
pub(super) fn learnt_note(h: &probe::HostLearnt) -> String {
    let ms = |d: Duration| format!("{:.1}ms", crate::units::ms(d));
    let via = match h.rtt_via {
        Some("echo") => " (first from an ICMP echo)",
        Some("udp") => " (first from a UDP port unreachable)",
        _ => "",
    };
    let rtt = match h.srtt {
        Some(s) => format!("srtt {} rttvar {}{via}", ms(s), ms(h.rttvar)),
        None => "no round trip measured".into(),
    };
    format!(
        "path to {}: {rtt}, try timeout {}, window up to {}{}, {} tries lost, {} tries per silent port, {} retries",
        h.addr,
        ms(h.timeout),
        h.window,
        match h.cuts {
            0 => String::new(),
            1 => " (cut once)".into(),
            n => format!(" (cut {n} times)"),
        },
        h.lost,
        h.tries,
        h.retries
    )
}
