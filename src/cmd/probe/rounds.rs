//! The run modes: once, `--wait` (rounds until every port is open) and `--count` (N rounds
//! with statistics).
use super::*;

/// Per-port statistics as a table row.
pub(super) struct StatsRow<'a>(&'a ProbeRecord);

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
) -> Result<Outcome> {
    let bar = Progress::new((addrs.len() * ports.len()) as u64, out);
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
        shard: plan.shard.map(|s| s.to_string()),
    };
    let summary = probe::run(addrs, ports, config, interrupt, &mut c)?;
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
    })
}

/// `--wait`: rounds over the ports not yet open until all are, or time runs out.
pub(super) fn waited(
    plan: &Plan,
    addrs: &[SocketAddr],
    limit: Duration,
    out: &OutputOpts,
    _w: &mut impl Write,
    interrupt: &Interrupt,
) -> Result<Outcome> {
    let deadline = Instant::now() + limit;
    let mut last: BTreeMap<(usize, u16), ProbeRecord> = BTreeMap::new();
    let mut summary = Summary::default();
    let quiet = OutputOpts {
        format: Format::Plain,
        quiet: true,
        ..*out
    };
    let mut sink = std::io::sink();
    loop {
        // One address at a time keeps the bookkeeping simple: waits are for a few ports.
        let mut pending = false;
        for (i, &a) in addrs.iter().enumerate() {
            let ports: Vec<u16> = plan
                .ports
                .iter()
                .copied()
                .filter(|p| !last.get(&(i, *p)).is_some_and(|r| r.state == State::Open))
                .collect();
            if ports.is_empty() {
                continue;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let cfg = Config {
                timeout: plan.config.timeout.min(left.max(Duration::from_millis(1))),
                retries: 0,
                ..plan.config.clone()
            };
            let sub = Plan {
                targets: vec![plan.targets[i].clone()],
                unresolved: Vec::new(),
                ports: ports.clone(),
                config: cfg.clone(),
                all: plan.all,
                mode: Mode::Once,
                interval: plan.interval,
                shard: None,
            };
            let o = once(
                &sub,
                &[a],
                &ports,
                &cfg,
                &quiet,
                &mut sink,
                interrupt,
                Keep::All,
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
    Ok(Outcome {
        counts: Counts::of(&records),
        records,
        summary,
    })
}

/// `--count N`: N rounds, results streamed in JSON, statistics per port at the end.
pub(super) fn counted(
    plan: &Plan,
    addrs: &[SocketAddr],
    n: u32,
    out: &OutputOpts,
    w: &mut impl Write,
    interrupt: &Interrupt,
) -> Result<Exit> {
    let mut rtts: BTreeMap<(usize, u16), Vec<f64>> = BTreeMap::new();
    let mut last: BTreeMap<(usize, u16), ProbeRecord> = BTreeMap::new();
    let mut rounds = 0;
    let mut interrupted = false;
    let stream = OutputOpts {
        quiet: true,
        ..*out
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
        )?;
        if o.summary.interrupted {
            interrupted = true;
            break;
        }
        rounds += 1;
        for r in o.records {
            let key = (r.order, r.port);
            let e = rtts.entry(key).or_default();
            if r.state == State::Open {
                e.extend(r.rtt_ms);
            }
            last.insert(key, r);
        }
    }
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
            r.stats = Some(Box::new(Stats::from_rtts(v, rounds)));
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
        _ => {
            let rows: Vec<Vec<Cell>> = records.iter().map(|r| StatsRow(r).cells()).collect();
            let headers = StatsRow::headers();
            match out.format {
                Format::Table => output::table::write_rows(w, out, &headers, &rows)?,
                _ => {
                    for row in rows {
                        writeln!(w, "{}", output::plain::line(&row))?;
                    }
                    w.flush()?;
                }
            }
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

impl StatsRow<'_> {
    pub(super) fn headers() -> Vec<&'static str> {
        vec![
            "TARGET", "ADDRESS", "PORT", "SENT", "OPEN", "LOSS", "MIN", "AVG", "MAX", "MDEV", "P95",
        ]
    }
    pub(super) fn cells(&self) -> Vec<Cell> {
        let r = self.0;
        let s = r.stats.as_ref().expect("stats row");
        let ms = |v: Option<f64>| Cell::new(v.map_or("-".into(), |m| format!("{m:.3}ms")));
        vec![
            Cell::new(r.target.clone()),
            Cell::new(r.addr.to_string()),
            Cell::new(r.port.to_string()),
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
