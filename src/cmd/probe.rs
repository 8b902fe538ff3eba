//! `sockdiag probe`: the plan (targets, ports, timing), the engine runs (once, `--count`
//! rounds, or until `--wait` expires), and the presentation: JSON lines as results arrive,
//! table and plain sorted at the end with long scans summarised.
use crate::cli::ProbeArgs;
use crate::error::InputError;
use crate::exit::Exit;
use crate::interrupt::Interrupt;
use crate::output::{self, json, reader, Cell, Format, OutputOpts, Record, Tone};
use crate::ports::{self, Transport};
use crate::probe::{self, Config, Icmp, ProbeResult, Proto, Reason, Sink, State, Summary};
use crate::resolve::Family;
use crate::targets::{self, ShownAddr, Target, ZonedIp};
use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// Beyond this many results, table and plain list the open ports and sum the rest.
pub const LIST_ALL_UP_TO: usize = 25;

/// What to repeat: once, N rounds with statistics, or until all are open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    Once,
    Count(u32),
    Wait(Duration),
}

pub struct Plan {
    pub targets: Vec<Target>,
    pub unresolved: Vec<targets::Unresolved>,
    pub ports: Vec<u16>,
    pub config: Config,
    pub all: bool,
    pub mode: Mode,
    pub interval: Duration,
}

pub fn plan(args: &ProbeArgs, family: Family) -> Result<Plan> {
    let transport = if args.udp {
        Transport::Udp
    } else {
        Transport::Tcp
    };
    let mut target_lists = Vec::new();
    let mut port_specs = args.ports.clone();
    if let Some(f) = &args.targets_file {
        // With a file of targets every positional argument is a port.
        port_specs.insert(0, args.targets.clone());
        target_lists.extend(super::read_list(f)?);
    } else {
        target_lists.push(args.targets.clone());
    }
    if port_specs.is_empty() {
        return Err(InputError::new(
            "arguments",
            "",
            "no ports given: e.g. `sockdiag probe HOST 22 80 443` or `-` for every port",
        )
        .into());
    }
    let mut specs = Vec::new();
    for l in &target_lists {
        specs.extend(targets::parse_targets(l)?);
    }
    let mut set = ports::parse_ports(&port_specs, transport)?;
    if !args.exclude_ports.is_empty() {
        let ex = ports::parse_ports(&args.exclude_ports, transport)?;
        for p in ex.iter() {
            set.remove(p);
        }
    }
    if set.is_empty() {
        return Err(InputError::new(
            "ports",
            port_specs.join(" "),
            "--exclude-ports leaves nothing to probe",
        )
        .into());
    }
    let source = args
        .source
        .as_deref()
        .map(targets::parse_source)
        .transpose()?;
    if let Some(dev) = &args.interface {
        targets::check_interface(dev)?;
    }
    if let Some(r) = args.rate {
        // clap's parser bounds it; a plan built another way is checked the same way.
        crate::duration::parse_rate(&r.to_string())?;
    }
    if args.timeout.is_zero() {
        return Err(InputError::new("timeout", "0", "must be more than zero").into());
    }
    let (targets, unresolved) = targets::resolve_targets(&specs, family, args.first_addr);
    let mode = match (args.count, args.wait) {
        (Some(n), _) => Mode::Count(n),
        (_, Some(d)) => Mode::Wait(d),
        _ => Mode::Once,
    };
    Ok(Plan {
        targets,
        unresolved,
        ports: set.to_vec(),
        config: Config {
            proto: if args.udp { Proto::Udp } else { Proto::Tcp },
            timeout: args.timeout,
            retries: args.retries,
            concurrency: args.concurrency.map(|c| c as usize),
            rate: args.rate,
            source,
            interface: args.interface.clone(),
            payload: args.payload.as_ref().map(|p| p.as_bytes().to_vec()),
            adapt: !args.no_adapt,
        },
        all: args.all,
        mode,
        interval: args.interval,
    })
}

/// One probe result as the renderers show it.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeRecord {
    pub target: String,
    /// With its zone for a link-local IPv6 address: `fe80::1%eth0`.
    pub addr: ZonedIp,
    pub port: u16,
    pub proto: &'static str,
    pub state: State,
    pub reason: Reason,
    pub errno: Option<String>,
    pub icmp: Option<Icmp>,
    pub rtt_ms: Option<f64>,
    pub tries: u32,
    pub local: Option<ShownAddr>,
    /// UDP replies only: whether the reply was the datagram sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub echo: Option<bool>,
    // Boxed: most records never have statistics, and a long scan keeps many records.
    #[serde(skip_serializing_if = "Option::is_none", flatten)]
    pub stats: Option<Box<Stats>>,
    #[serde(skip)]
    order: usize,
}

impl ProbeRecord {
    fn new(r: &ProbeResult, targets: &[Target]) -> ProbeRecord {
        ProbeRecord {
            target: targets[r.target].name.clone(),
            addr: ZonedIp {
                ip: r.addr,
                zone: targets[r.target].zone.as_ref().map(|z| z.text.clone()),
            },
            port: r.port,
            proto: r.proto.as_str(),
            state: r.state,
            reason: r.reason,
            errno: r.errno.map(probe::errno::name),
            icmp: r.icmp,
            rtt_ms: r.rtt.map(crate::duration::ms),
            tries: r.tries,
            local: r.local.map(ShownAddr),
            echo: r.echo,
            stats: None,
            order: r.target,
        }
    }
}

pub use crate::stats::Stats;

impl Record for ProbeRecord {
    const TYPE: &'static str = "probe";

    fn headers(verbose: u8) -> Vec<&'static str> {
        let mut h = vec![
            "TARGET", "ADDRESS", "PORT", "PROTO", "STATE", "REASON", "RTT",
        ];
        if verbose > 0 {
            h.extend(["LOCAL", "TRIES", "ERRNO", "ICMP", "REPLY"]);
        }
        h
    }

    fn cells(&self, verbose: u8) -> Vec<Cell> {
        let tone = match self.state {
            State::Open => Tone::Good,
            State::Closed => Tone::Bad,
            State::Error => Tone::Bad,
            _ => Tone::Warn,
        };
        let mut c = vec![
            Cell::new(self.target.clone()),
            Cell::new(self.addr.to_string()),
            Cell::new(self.port.to_string()),
            Cell::new(self.proto),
            Cell::toned(self.state.as_str(), tone),
            Cell::new(self.reason.token()),
            Cell::toned(
                self.rtt_ms
                    .map(|m| format!("{m:.3}ms"))
                    .unwrap_or_else(|| "-".into()),
                Tone::Dim,
            ),
        ];
        if verbose > 0 {
            c.push(Cell::opt(self.local));
            c.push(Cell::new(self.tries.to_string()));
            c.push(Cell::opt(self.errno.as_ref()));
            c.push(Cell::opt(self.icmp.map(|i| match i.from {
                Some(f) => format!("type {} code {} from {f}", i.kind, i.code),
                None => format!("type {} code {}", i.kind, i.code),
            })));
            // UDP: whether the reply was our datagram back (an echo) or something else.
            c.push(Cell::opt(
                self.echo.map(|e| if e { "echo" } else { "other" }),
            ));
        }
        c
    }
}

/// Per-port statistics as a table row.
struct StatsRow<'a>(&'a ProbeRecord);

/// The end-of-run summary as a JSON record.
#[derive(Serialize)]
struct RunSummary {
    probed: usize,
    counts: Vec<Count>,
    icmp_rate_limited: Vec<IpAddr>,
    interrupted: bool,
    elapsed_ms: f64,
    /// Adaptive runs: the largest the scan's congestion window grew, and per host what the
    /// engine learnt (round-trip time, timeout, window, loss, tries).
    #[serde(skip_serializing_if = "Option::is_none")]
    window: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hosts: Option<Vec<probe::HostLearnt>>,
}

#[derive(Serialize)]
struct Count {
    state: State,
    reason: Reason,
    count: usize,
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

/// Which results a run keeps for the end (JSON streams every one as it arrives).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    All,
    /// Table and plain of a long scan list only the open ports; the rest are counted.
    Open,
}

/// How many results had each state and reason (`sorted()`: in the order of the states table).
#[derive(Debug, Default, Clone)]
struct Counts(Vec<((State, Reason), usize)>);

impl Counts {
    fn add(&mut self, key: (State, Reason)) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => self.0.push((key, 1)),
        }
    }
    fn of(records: &[ProbeRecord]) -> Counts {
        let mut c = Counts::default();
        for r in records {
            c.add((r.state, r.reason));
        }
        c
    }
    fn total(&self) -> usize {
        self.0.iter().map(|(_, n)| n).sum()
    }
    fn sorted(&self) -> Vec<((State, Reason), usize)> {
        let mut v = self.0.clone();
        v.sort();
        v
    }
    fn only(&self, st: State) -> bool {
        self.0.iter().all(|((s, _), _)| *s == st)
    }
}

/// JSON lines buffered between engine idles: one write per batch, not per line.
const JSON_BUF: usize = 64 * 1024;

/// Streams JSON lines, feeds the progress bar, counts every result and keeps those the end
/// needs. A failed write stops the run (a closed stdout: the reader has left).
struct Collector<'a, W: Write> {
    w: &'a mut W,
    interrupt: &'a Interrupt,
    json: bool,
    keep: Keep,
    targets: &'a [Target],
    records: Vec<ProbeRecord>,
    counts: Counts,
    bar: &'a Progress,
    err: Option<std::io::Error>,
    buf: Vec<u8>,
    /// The first port found filtered for want of any answer: the one `-v` suggests tracing.
    silent: Option<(String, u16)>,
}

impl<W: Write> Collector<'_, W> {
    fn write_buf(&mut self, flush: bool) {
        if self.err.is_none() && !self.buf.is_empty() {
            if let Err(e) = self.w.write_all(&self.buf) {
                self.failed(e);
            }
        }
        self.buf.clear();
        if flush && self.json && self.err.is_none() {
            if let Err(e) = self.w.flush() {
                self.failed(e);
            }
        }
    }

    fn failed(&mut self, e: std::io::Error) {
        reader::write_failed(&e, self.interrupt);
        self.err = Some(e);
    }
}

impl<W: Write> Sink for Collector<'_, W> {
    fn result(&mut self, r: &ProbeResult) {
        self.counts.add((r.state, r.reason));
        if self.silent.is_none() && r.state == State::Filtered && r.reason == Reason::NoResponse {
            self.silent = Some((self.targets[r.target].name.clone(), r.port));
        }
        let keep = self.keep == Keep::All || r.state == State::Open;
        if keep || (self.json && self.err.is_none()) {
            let rec = ProbeRecord::new(r, self.targets);
            if self.json && self.err.is_none() {
                if let Err(e) = json::write(&mut self.buf, &rec) {
                    self.failed(e);
                }
                if self.buf.len() >= JSON_BUF {
                    self.write_buf(false);
                }
            }
            if keep {
                self.records.push(rec);
            }
        }
        self.bar.inc();
    }
    fn idle(&mut self) {
        self.write_buf(true);
        self.bar.tick();
    }
}

/// A progress bar on stderr, for terminals only, shown once a scan takes more than a moment.
struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
    shown: std::cell::Cell<bool>,
}

impl Progress {
    fn new(total: u64, out: &OutputOpts) -> Progress {
        let bar = (!out.quiet && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
            b.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} ports  {rate}  ETA {eta}")
                    .map(|s| {
                        s.with_key(
                            "rate",
                            |st: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                                let _ = write!(w, "{:.0}/s", st.per_sec());
                            },
                        )
                    })
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        });
        Progress {
            bar,
            start: Instant::now(),
            shown: std::cell::Cell::new(false),
        }
    }
    fn inc(&self) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }
    fn tick(&self) {
        if let Some(b) = &self.bar {
            if !self.shown.get() && self.start.elapsed() > Duration::from_millis(500) {
                self.shown.set(true);
                b.set_draw_target(ProgressDrawTarget::stderr());
                b.enable_steady_tick(Duration::from_millis(200));
            }
        }
    }
    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

pub fn run(plan: &Plan, out: &OutputOpts, w: &mut impl Write) -> Result<Exit> {
    for u in &plan.unresolved {
        if !out.quiet {
            eprintln!("sockdiag: {}: {}", u.name, u.error.message);
        }
    }
    if plan.targets.is_empty() {
        // Names that failed were each reported above; otherwise -4/-6 left nothing.
        let why = if plan.unresolved.is_empty() {
            "no target has an address of the family asked for"
        } else {
            "no target resolved to an address"
        };
        eprintln!("sockdiag: nothing to probe: {why}");
        return Ok(Exit::Local);
    }
    let interrupt =
        Interrupt::install().map_err(crate::app::local("installing the Ctrl-C handler"))?;
    reader::watch_stdout(&interrupt);
    if !out.quiet && plan.config.interface.is_none() {
        if let Some(t) = plan.targets.iter().find(|t| t.needs_zone()) {
            eprintln!("sockdiag: {}", zone_hint(t.addr));
        }
    }
    let addrs: Vec<SocketAddr> = plan.targets.iter().map(|t| t.sockaddr()).collect();
    let started = Instant::now();
    let expected = plan.targets.len() * plan.ports.len();
    let o = match plan.mode {
        Mode::Once => {
            // Beyond the listing limit, table and plain need only the open ports.
            // JSON has streamed every record already.
            let keep = if out.format == Format::Json || (!plan.all && expected > LIST_ALL_UP_TO) {
                Keep::Open
            } else {
                Keep::All
            };
            once(
                plan,
                &addrs,
                &plan.ports,
                &plan.config,
                out,
                w,
                &interrupt,
                keep,
            )?
        }
        Mode::Count(n) => return counted(plan, &addrs, n, out, w, &interrupt),
        Mode::Wait(d) => waited(plan, &addrs, d, out, w, &interrupt)?,
    };
    if reader::gone() {
        // Nobody reads what is left to write.
        return Ok(Exit::Ok);
    }
    if out.verbose > 0 && !out.quiet {
        if let Some((host, port)) = &o.silent {
            eprintln!("sockdiag: {}", trace_hint(host, *port));
        }
    }
    let json = out.format == Format::Json;
    let exit = exit_for(plan, &o.summary, &o.counts, expected);
    finish(plan, o, started, out, w, !json)?;
    Ok(exit)
}

/// The line on stderr after a port ended `filtered no-response` (`probe -v`, `connect`):
/// where the SYN dies is what `trace` finds.
pub fn trace_hint(host: &str, port: u16) -> String {
    format!(
        "{host} port {port} is filtered with no response: to see where on the path the SYN dies, run `sockdiag trace {host} {port}`"
    )
}

/// The line on stderr before probing a link-local address without a zone, which the kernel
/// refuses (the result: error local:EINVAL) unless `--interface` names the link.
pub fn zone_hint(ip: IpAddr) -> String {
    format!(
        "{ip} is link-local: name its interface, e.g. {ip}%eth0 (or --interface IFACE); without one the connect fails with EINVAL"
    )
}

fn exit_for(plan: &Plan, s: &Summary, counts: &Counts, expected: usize) -> Exit {
    if s.interrupted {
        return Exit::Interrupted;
    }
    let total = counts.total();
    if total > 0 && counts.only(State::Error) {
        return Exit::Local;
    }
    let all_open = total == expected && counts.only(State::Open);
    Exit::from_all_ok(all_open && plan.unresolved.is_empty())
}

/// What one run (or a series of rounds) leaves for the end.
struct Outcome {
    /// The records kept (all, or the open ones: see [`Keep`]).
    records: Vec<ProbeRecord>,
    counts: Counts,
    summary: Summary,
    silent: Option<(String, u16)>,
}

#[allow(clippy::too_many_arguments)]
fn once(
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
        silent: None,
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
        silent: c.silent,
    })
}

/// `--wait`: rounds over the ports not yet open until all are, or time runs out.
fn waited(
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
        silent: None,
    })
}

/// `--count N`: N rounds, results streamed in JSON, statistics per port at the end.
fn counted(
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
    fn headers() -> Vec<&'static str> {
        vec![
            "TARGET", "ADDRESS", "PORT", "SENT", "OPEN", "LOSS", "MIN", "AVG", "MAX", "MDEV", "P95",
        ]
    }
    fn cells(&self) -> Vec<Cell> {
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

/// Table and plain: the records sorted, listed whole or summarised; JSON: the summary record.
fn finish(
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
        ..
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
            elapsed_ms: crate::duration::ms(started.elapsed()),
            window: s.adaptive.then_some(s.window_reached),
            hosts: s.adaptive.then(|| s.hosts.clone()),
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
fn learnt_note(h: &probe::HostLearnt) -> String {
    let ms = |d: Duration| format!("{:.1}ms", crate::duration::ms(d));
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

impl ProbeRecord {
    pub fn is_open(&self) -> bool {
        self.state == State::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One record of each kind a scan shows: open, closed by reset, closed by ICMP with its
    /// sender, filtered after every try, a UDP echo, and a local error.
    fn records() -> Vec<ProbeRecord> {
        let rec =
            |port: u16, state, reason, errno: Option<&str>, rtt_ms: Option<f64>| ProbeRecord {
                target: "db.example.test".into(),
                addr: "192.0.2.10".parse::<IpAddr>().unwrap().into(),
                port,
                proto: "tcp",
                state,
                reason,
                errno: errno.map(String::from),
                icmp: None,
                rtt_ms,
                tries: 1,
                local: None,
                echo: None,
                stats: None,
                order: 0,
            };
        let mut open = rec(22, State::Open, Reason::SynAck, None, Some(0.412));
        open.local = Some(ShownAddr("192.0.2.1:41234".parse().unwrap()));
        let refused = rec(
            80,
            State::Closed,
            Reason::ConnRefused,
            Some("ECONNREFUSED"),
            Some(0.05),
        );
        let mut unreach = rec(
            443,
            State::Closed,
            Reason::PortUnreach,
            Some("ECONNREFUSED"),
            Some(0.3),
        );
        unreach.icmp = Some(Icmp {
            kind: 3,
            code: 3,
            from: Some("192.0.2.1".parse().unwrap()),
        });
        let mut dropped = rec(5432, State::Filtered, Reason::NoResponse, None, None);
        dropped.tries = 2;
        let mut udp = rec(53, State::Open, Reason::UdpResponse, None, Some(0.2));
        udp.proto = "udp";
        udp.echo = Some(true);
        let error = rec(
            6379,
            State::Error,
            Reason::Local(libc::EMFILE),
            Some("EMFILE"),
            None,
        );
        vec![open, refused, unreach, dropped, udp, error]
    }

    fn rendered(format: Format, verbose: u8) -> String {
        output::rendered_with(format, verbose, |w, o| output::render(w, o, &records()))
    }

    #[test]
    fn table_snapshot() {
        insta::assert_snapshot!(rendered(Format::Table, 0));
    }

    #[test]
    fn table_verbose_snapshot() {
        insta::assert_snapshot!(rendered(Format::Table, 1));
    }

    #[test]
    fn plain_verbose_snapshot() {
        insta::assert_snapshot!(rendered(Format::Plain, 1));
    }

    #[test]
    fn json_snapshot() {
        insta::assert_snapshot!(rendered(Format::Json, 0));
    }

    #[test]
    fn stats_like_ping() {
        let mut v = vec![3.0, 1.0, 2.0, 4.0];
        let s = Stats::from_rtts(&mut v, 5);
        assert_eq!(s.min_ms, Some(1.0));
        assert_eq!(s.max_ms, Some(4.0));
        assert_eq!(s.avg_ms, Some(2.5));
        assert_eq!(s.mdev_ms, Some(1.118));
        assert_eq!(s.p95_ms, Some(4.0));
        assert_eq!(s.loss_pct, 20.0);
        let s = Stats::from_rtts(&mut [], 3);
        assert_eq!((s.open, s.loss_pct, s.avg_ms), (0, 100.0, None));
    }
}
