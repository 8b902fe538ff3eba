//! The end of a run: counts per state and reason, the JSON summary record, and the notes
//! table and plain print under a long scan.
use super::*;

/// The end-of-run summary as a JSON record.
#[derive(Serialize)]
pub(super) struct RunSummary {
    pub(super) probed: usize,
    pub(super) counts: Vec<Count>,
    pub(super) icmp_rate_limited: Vec<IpAddr>,
    pub(super) interrupted: bool,
    pub(super) elapsed_ms: f64,
    /// Adaptive runs: the largest the scan's congestion window grew, and per host what the
    /// engine learnt (round-trip time, timeout, window, loss, tries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) window: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) hosts: Option<Vec<probe::HostLearnt>>,
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
    } = o;
    let s = &s;
    records.sort_by_key(|r| (r.order, r.port));
    let counts = counts.sorted();
    let probed = counts.iter().map(|(_, n)| n).sum::<usize>();
    // Summarise a long scan, and any run that kept only its open ports (an interrupted one).
    let summarise = !plan.all && (probed > LIST_ALL_UP_TO || records.len() < probed);
    if out.format == Format::Json {
        if !matches!(plan.mode, Mode::Once) {
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
            interrupted: s.interrupted,
            elapsed_ms: crate::units::ms(started.elapsed()),
            window: s.adaptive.then_some(s.window_reached),
            hosts: s.adaptive.then(|| s.hosts.clone()),
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
    if !s.icmp_rate_limited.is_empty() {
        let who: Vec<String> = s.icmp_rate_limited.iter().map(|a| a.to_string()).collect();
        notes.push(format!(
            "ICMP port-unreachable replies from {} were rate-limited by the sender: ports \
             shown closed|filtered gave no answer while a known-closed port was silent too",
            who.join(", ")
        ));
    }
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

/// `-v`: what the engine learnt about one host's path, in one line.
pub(super) fn learnt_note(h: &probe::HostLearnt) -> String {
    let ms = |d: Duration| format!("{:.1}ms", crate::units::ms(d));
    let rtt = match h.srtt {
        Some(s) => format!("srtt {} rttvar {}", ms(s), ms(h.rttvar)),
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
