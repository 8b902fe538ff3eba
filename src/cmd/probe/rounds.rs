//! The run modes: once, `--wait` (rounds until every port is open) and `--count` (N rounds
//! with statistics).
use super::*;
use crate::output::layout::Fit;

/// Per-port statistics as a table row.
pub(super) struct StatsRow<'a>(pub(super) &'a ProbeRecord);

#[allow(clippy::too_many_arguments)]
pub(super) fn once(
    plan: &Plan,
    addrs: &[SocketAddr],
    ports: &[u16],
    config: &Config,
    out: &OutputOpts,
    w: &mut impl Write,
    interrupt: &Interrupt,
    keep: Keep,
    names: &mut Names,
    known: &[ProbeResult],
) -> Result<Outcome> {
    let bar = Progress::new((addrs.len() * ports.len()) as u64, out, config.timeout);
    let json = out.format == Format::Json;
    let mut c = Collector {
        w,
        interrupt,
        json,
        keep,
        targets: &plan.targets,
        records: Vec::with_capacity(match keep {
            Keep::All => addrs.len() * ports.len(),
            Keep::Open => 0,
        }),
        counts: Counts::default(),
        bar: &bar,
        err: None,
        buf: Vec::with_capacity(if json { JSON_BUF + 1024 } else { 0 }),
        silent: None,
        port_names: &plan.port_names,
        detector: plan
            .service
            .clone()
            .map(|s| crate::service::Detector::new(s, interrupt)),
        answered: vec![false; addrs.len()],
        stream: !plan.up,
        shard: plan.shard.map(|s| s.to_string()),
        names,
    };
    let summary = probe::run_known(addrs, ports, config, known, interrupt, &mut c)?;
    // The records still waiting for their names, once every name is in.
    let named = c.names.on();
    if named {
        c.names.wait(interrupt);
        c.write_named();
        for r in c.records.iter_mut() {
            c.names.fill(r);
        }
    }
    if let Some(d) = c.detector.take() {
        // Open records waited for their service; JSON writes them now.
        for (k, s) in d.finish() {
            if let Some(r) = c.records.get_mut(k) {
                r.service = Some(s);
            }
        }
        if json && c.stream {
            for i in 0..c.records.len() {
                if c.records[i].is_open() {
                    let r = c.records[i].clone();
                    c.write_json(&r);
                }
            }
        }
    }
    c.write_buf(true);
    bar.finish();
    if let Some(e) = c.err {
        return Err(e.into());
    }
    c.w.flush()?;
    Ok(Outcome {
        records: c.records,
        counts: c.counts,
        summary,
        silent: c.silent,
        answered: c.answered,
        named,
    })
}

/// What a `--wait` ends with: the last result of each port, and the targets as they stand
/// (the names that resolved during the wait among them, in the order given).
pub(super) struct Waited {
    pub(super) outcome: Outcome,
    pub(super) targets: Vec<Target>,
    pub(super) unresolved: Vec<Unresolved>,
}

/// `--wait`: rounds over the ports not yet open until all are, or time runs out. A name that
/// did not resolve, in a way that may pass ([`FailKind::may_pass`]), is looked up again
/// before each round, as wait-for-it's loop of `nc -z` does; it is said once that the wait
/// is for it.
///
/// [`FailKind::may_pass`]: crate::resolve::FailKind::may_pass
pub(super) fn waited(
    plan: &Plan,
    limit: Duration,
    out: &OutputOpts,
    interrupt: &Interrupt,
) -> Result<Waited> {
    let started = plan.began;
    let deadline = started + limit;
    let mut targets = plan.targets.clone();
    let mut unresolved = plan.unresolved.clone();
    if !out.quiet {
        for u in unresolved.iter().filter(|u| u.error.kind.may_pass()) {
            eprintln!(
                "sockdiag: waiting for {} to resolve ({})",
                u.name, u.error.message
            );
        }
    }
    let mut last: BTreeMap<(usize, u16), ProbeRecord> = BTreeMap::new();
    let mut summary = Summary::default();
    let quiet = OutputOpts {
        format: Format::Plain,
        quiet: true,
        ..*out
    };
    let mut sink = std::io::sink();
    let mut round = 0;
    loop {
        if round > 0 {
            let found = look_up_again(plan, &mut unresolved, deadline, interrupt);
            if !found.is_empty() {
                if out.verbose > 0 && !out.quiet {
                    for (name, ips) in &found {
                        let ips: Vec<String> = ips.iter().map(|ip| ip.to_string()).collect();
                        eprintln!(
                            "sockdiag: {name} resolved after {:.1}s: {}",
                            started.elapsed().as_secs_f64(),
                            ips.join(", ")
                        );
                    }
                }
                let (grown, left) =
                    targets::resolve_targets_with(&plan.specs, plan.family, plan.first_addr, |n| {
                        if let Some(ips) = found.get(n) {
                            return Ok(ips.clone());
                        }
                        if let Some(u) = unresolved.iter().find(|u| u.name == n) {
                            return Err(u.error.clone());
                        }
                        // Found before: the same addresses as then.
                        Ok(targets
                            .iter()
                            .filter(|t| t.name == n)
                            .map(|t| t.addr)
                            .collect())
                    });
                last = renumbered(last, &targets, &grown);
                targets = grown;
                unresolved = left;
            }
        }
        round += 1;
        // One address at a time keeps the bookkeeping simple: waits are for a few ports.
        let mut pending = unresolved.iter().any(|u| u.error.kind.may_pass());
        for (i, t) in targets.iter().enumerate() {
            let ports: Vec<u16> = plan
                .ports
                .iter()
                .copied()
                .filter(|p| !last.get(&(i, *p)).is_some_and(|r| r.state == State::Open))
                .collect();
            if ports.is_empty() || interrupt.raised() {
                continue;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let cfg = Config {
                timeout: plan.config.timeout.min(left.max(Duration::from_millis(1))),
                retries: 0,
                ..plan.config.clone()
            };
            let sub = Plan {
                targets: vec![t.clone()],
                unresolved: Vec::new(),
                specs: Vec::new(),
                family: plan.family,
                first_addr: plan.first_addr,
                began: plan.began,
                ports: ports.clone(),
                config: cfg.clone(),
                all: plan.all,
                mode: Mode::Once,
                interval: plan.interval,
                service: None,
                port_names: plan.port_names.clone(),
                names: false,
                up: false,
                discover: false,
                discovered: None,
                shard: None,
                then: None,
            };
            let o = once(
                &sub,
                &[t.sockaddr()],
                &ports,
                &cfg,
                &quiet,
                &mut sink,
                interrupt,
                Keep::All,
                &mut Names::off(),
                &[],
            )?;
            summary.interrupted |= o.summary.interrupted;
            for mut r in o.records {
                r.order = i;
                if r.state != State::Open {
                    pending = true;
                }
                last.insert((i, r.port), r);
            }
        }
        summary.interrupted |= interrupt.raised();
        if summary.interrupted || !pending || Instant::now() >= deadline {
            break;
        }
        let pause = plan
            .interval
            .min(deadline.saturating_duration_since(Instant::now()));
        interrupt.sleep(pause);
        if interrupt.raised() {
            summary.interrupted = true;
            break;
        }
    }
    let records: Vec<ProbeRecord> = last.into_values().collect();
    Ok(Waited {
        outcome: Outcome {
            counts: Counts::of(&records),
            answered: answered_of(&records, targets.len()),
            records,
            summary,
            silent: None,
            named: false,
        },
        targets,
        unresolved,
    })
}

/// Looks up again each name that may resolve by now (within the wait): the ones that did,
/// with their addresses; the others keep their latest failure.
fn look_up_again(
    plan: &Plan,
    unresolved: &mut [Unresolved],
    deadline: Instant,
    interrupt: &Interrupt,
) -> HashMap<String, Vec<IpAddr>> {
    let mut found = HashMap::new();
    for u in unresolved.iter_mut().filter(|u| u.error.kind.may_pass()) {
        let left = deadline.saturating_duration_since(Instant::now());
        match crate::resolve::lookup_within(&u.name, plan.family, left, interrupt) {
            // Out of time, or Ctrl-C: the round ends the wait.
            None => break,
            Some(Ok((_, ips))) => {
                found.insert(u.name.clone(), ips);
            }
            Some(Err(e)) => u.error = e,
        }
    }
    found
}

/// The last results keyed by the targets' new places, after names that resolved joined the
/// list (a target keeps its name and address, so it is found by them).
fn renumbered(
    last: BTreeMap<(usize, u16), ProbeRecord>,
    old: &[Target],
    new: &[Target],
) -> BTreeMap<(usize, u16), ProbeRecord> {
    let at: HashMap<(&str, IpAddr), usize> = new
        .iter()
        .enumerate()
        .map(|(i, t)| ((t.name.as_str(), t.addr), i))
        .collect();
    last.into_iter()
        .filter_map(|((i, port), mut r)| {
            let t = &old[i];
            let j = *at.get(&(t.name.as_str(), t.addr))?;
            r.order = j;
            Some(((j, port), r))
        })
        .collect()
}

/// `--count N`: N rounds, each shown as it completes (JSON and plain: its lines; table: a
/// live line on the terminal), then statistics per port.
pub(super) fn counted(
    plan: &Plan,
    addrs: &[SocketAddr],
    n: u32,
    out: &OutputOpts,
    w: &mut impl Write,
    interrupt: &Interrupt,
) -> Result<Exit> {
    let mut rtts: BTreeMap<(usize, u16), Vec<f64>> = BTreeMap::new();
    let mut opens: BTreeMap<(usize, u16), u32> = BTreeMap::new();
    let mut last: BTreeMap<(usize, u16), ProbeRecord> = BTreeMap::new();
    let mut rounds = 0;
    let mut interrupted = false;
    let stream = OutputOpts {
        quiet: true,
        ..*out
    };
    let mut live = crate::output::live::LiveLine::stderr(out.format == Format::Table && !out.quiet);
    // JSON streams each round's records: their names are looked up once, for every round.
    let mut names = if plan.names && out.format == Format::Json {
        Names::start(&plan.targets)
    } else {
        Names::off()
    };
    for round in 0..n {
        if round > 0 {
            interrupt.sleep(plan.interval);
        }
        if interrupt.raised() {
            interrupted = true;
            break;
        }
        let o = once(
            plan,
            addrs,
            &plan.ports,
            &plan.config,
            &stream,
            w,
            interrupt,
            Keep::All,
            &mut names,
            &[],
        )?;
        if o.summary.interrupted {
            interrupted = true;
            break;
        }
        rounds += 1;
        let mut records = o.records;
        records.sort_by_key(|r| (r.order, r.port));
        if out.format == Format::Plain {
            output::plain::write(w, out, &records)?;
        }
        live.show(&round_line(rounds, n, &records));
        for r in records {
            let key = (r.order, r.port);
            let e = rtts.entry(key).or_default();
            // An answer: the SYN-ACK of an open port, the reset (or the target's own reject)
            // of a closed one. Silence and errors on the way are loss.
            if matches!(r.state, State::Open | State::Closed) {
                e.extend(r.rtt_ms);
            }
            *opens.entry(key).or_default() += u32::from(r.state == State::Open);
            last.insert(key, r);
        }
    }
    live.clear();
    if reader::gone() {
        return Ok(Exit::Ok);
    }
    let mut records: Vec<ProbeRecord> = last
        .into_iter()
        .map(|(k, mut r)| {
            let v = rtts
                .get_mut(&k)
                .map(|v| v.as_mut_slice())
                .unwrap_or(&mut []);
            let mut s = Stats::from_rtts(v, rounds);
            s.open = opens.get(&k).copied().unwrap_or(0);
            r.stats = Some(Box::new(s));
            r
        })
        .collect();
    records.sort_by_key(|r| (r.order, r.port));
    match out.format {
        Format::Json => {
            for r in &records {
                let mut v = json::to_value(r);
                v["type"] = "probe-stats".into();
                serde_json::to_writer(&mut *w, &v)?;
                w.write_all(b"\n")?;
            }
            w.flush()?;
        }
        Format::Table => {
            let rows: Vec<Vec<Cell>> = records.iter().map(|r| StatsRow(r).cells()).collect();
            output::table::write_fitted(w, out, &StatsRow::headers(), &StatsRow::fits(), &rows)?;
        }
        Format::Plain => {
            // After the rounds' own lines: `stats` first, as http's statistics.
            for r in &records {
                writeln!(w, "stats\t{}", output::plain::line(&StatsRow(r).cells()))?;
            }
            w.flush()?;
        }
    }
    if interrupted {
        return Ok(Exit::Interrupted);
    }
    let all_open = records.iter().all(|r| {
        r.stats
            .as_ref()
            .is_some_and(|s| s.open == s.count && s.count > 0)
    });
    Ok(Exit::from_all_ok(all_open && plan.unresolved.is_empty()))
}

/// The live line after round `i` of `n`: the port, or the ports by state.
pub(super) fn round_line(i: u32, n: u32, records: &[ProbeRecord]) -> String {
    let what = match records {
        [r] => format!(
            "{} port {} {} ({}){}",
            r.addr,
            r.port,
            r.state.as_str(),
            r.reason.token(),
            r.rtt_ms
                .map(|m| format!(" in {m:.3}ms"))
                .unwrap_or_default()
        ),
        _ => {
            let mut by_state: Vec<(State, usize)> = Vec::new();
            for r in records {
                match by_state.iter_mut().find(|(s, _)| *s == r.state) {
                    Some((_, c)) => *c += 1,
                    None => by_state.push((r.state, 1)),
                }
            }
            by_state.sort();
            by_state
                .iter()
                .map(|(s, c)| format!("{c} {}", s.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    format!("round {i} of {n}: {what}")
}

impl StatsRow<'_> {
    pub(super) fn headers() -> Vec<&'static str> {
        vec![
            "TARGET", "ADDRESS", "PORT", "STATE", "REASON", "SENT", "OPEN", "LOSS", "MIN", "AVG",
            "MAX", "MDEV", "P95",
        ]
    }
    /// At 80 columns: the port, its last state and reason, the loss and the average stay;
    /// the spread and then the name give way.
    pub(super) fn fits() -> Vec<Fit> {
        vec![
            Fit::Drop(2),
            Fit::Keep,
            Fit::Keep,
            Fit::Keep,
            Fit::Keep,
            Fit::Drop(6),
            Fit::Drop(5),
            Fit::Keep,
            Fit::Drop(3),
            Fit::Keep,
            Fit::Drop(4),
            Fit::Drop(0),
            Fit::Drop(1),
        ]
    }
    /// The last round's state and reason, then the statistics: loss is rounds with no
    /// answer (a reset answers), the times are the answered rounds'.
    pub(super) fn cells(&self) -> Vec<Cell> {
        let r = self.0;
        let s = r.stats.as_ref().expect("stats row");
        let ms = |v: Option<f64>| Cell::new(v.map_or("-".into(), |m| format!("{m:.3}ms")));
        vec![
            Cell::new(r.target.clone()),
            Cell::new(r.addr.to_string()),
            Cell::new(r.port.to_string()),
            Cell::toned(r.state.as_str(), record::state_tone(r.state)),
            Cell::new(r.reason_text()),
            Cell::new(s.count.to_string()),
            Cell::new(s.open.to_string()),
            Cell::toned(
                format!("{}%", s.loss_pct),
                if s.loss_pct > 0.0 {
                    Tone::Bad
                } else {
                    Tone::Good
                },
            ),
            ms(s.min_ms),
            ms(s.avg_ms),
            ms(s.max_ms),
            ms(s.mdev_ms),
            ms(s.p95_ms),
        ]
    }
}
