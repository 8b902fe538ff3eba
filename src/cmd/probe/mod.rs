//! `sockdiag probe`: the plan (targets, ports, timing), the engine runs (once, `--count`
//! rounds, or until `--wait` expires), and the presentation: JSON lines as results arrive,
//! table and plain sorted at the end with long scans summarised.
use crate::cli::ProbeArgs;
use crate::error::InputError;
use crate::exit::Exit;
use crate::input::ports;
use crate::input::shard::{self, Shard};
use crate::input::targets::{self, ShownAddr, Target, TargetSpec, Unresolved, ZonedIp};
use crate::interrupt::Interrupt;
use crate::output::{self, json, reader, Cell, Format, OutputOpts, Record, Tone};
use crate::probe::{self, Config, Icmp, ProbeResult, Proto, Reason, Sink, State, Summary};
use crate::resolve::Family;
use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Write};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

mod collect;
mod discover;
mod names;
mod record;
mod rounds;
mod sharded;
mod summary;
mod then;

use collect::*;
use names::Names;
pub use record::ProbeRecord;
use rounds::*;
use summary::*;
pub use then::Then;

/// Beyond this many results, table and plain list the open ports and sum the rest.
pub const LIST_ALL_UP_TO: usize = 25;

/// What to repeat: once, N rounds with statistics, or until all are open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    Once,
    Count(u32),
    Wait(Duration),
}

#[derive(Clone)]
pub struct Plan {
    pub targets: Vec<Target>,
    pub unresolved: Vec<Unresolved>,
    /// The targets as given, and how their names were looked up: `--wait` looks up again,
    /// each round, a name that did not resolve yet.
    pub specs: Vec<TargetSpec>,
    pub family: Family,
    pub first_addr: bool,
    /// When planning began: a `--wait` counts from here, its first lookups included.
    pub began: Instant,
    pub ports: Vec<u16>,
    pub config: Config,
    pub all: bool,
    pub mode: Mode,
    pub interval: Duration,
    /// `--service`: what answers on each open port.
    pub service: Option<crate::service::Config>,
    /// The /etc/services name of each probed port that has one (the SERVICE guess).
    pub port_names: HashMap<u16, String>,
    /// Reverse names of targets given as addresses (not with `-n`).
    pub names: bool,
    /// `--up`: only the hosts that answered, and the hosts counted.
    pub up: bool,
    /// Host discovery first, where it applies (not `-Pn`; see [`discover::wanted`]).
    pub discover: bool,
    /// After discovery: what it found; the targets are the hosts that answered.
    pub discovered: Option<discover::Discovered>,
    /// `--shard K/N`: probe only that part of the scan.
    pub shard: Option<Shard>,
    /// `--wait D -- CMD`: the command to run in sockdiag's place once every port is open.
    pub then: Option<Then>,
}

pub fn plan(args: &ProbeArgs, family: Family) -> Result<Plan> {
    let began = Instant::now();
    let transport = if args.udp { Proto::Udp } else { Proto::Tcp };
    // Each list of targets with the file and line it came from, if it came from a file.
    let mut target_lists: Vec<(String, Option<usize>)> = Vec::new();
    let mut port_specs = args.ports.clone();
    if let Some(f) = &args.targets_file {
        // With a file of targets every positional argument is a port.
        if let Some(first) = &args.targets {
            port_specs.insert(0, first.clone());
        }
        let lines = crate::input::lists::read_numbered(f)?;
        if lines.is_empty() {
            return Err(InputError::new(
                "targets file",
                f.display().to_string(),
                "has no targets (only blank lines and # comments): one or more per line, comma-separated",
            )
            .into());
        }
        target_lists.extend(lines.into_iter().map(|(n, l)| (l, Some(n))));
    } else {
        target_lists.push((args.targets.clone().unwrap_or_default(), None));
    }
    if let (Some(n), false) = (args.top, port_specs.is_empty()) {
        return Err(InputError::new(
            "--top",
            n.to_string(),
            format!(
                "takes the first N default ports, so it goes without PORTS (given: {})",
                port_specs.join(" ")
            ),
        )
        .into());
    }
    if args.service && (args.count.is_some() || args.wait.is_some()) {
        return Err(InputError::new(
            "--service",
            if args.count.is_some() {
                "--count"
            } else {
                "--wait"
            },
            "looks at what answers once: run it without --count and --wait",
        )
        .into());
    }
    let listed = crate::input::top_ports::top(args.udp, usize::MAX).len();
    if let Some(n) = args.top.filter(|&n| n as usize > listed) {
        return Err(InputError::new(
            "--top",
            n.to_string(),
            format!(
                "the default {} list has {listed} ports: give at most {listed}, or the ports (1-65535)",
                if args.udp { "UDP" } else { "TCP" }
            ),
        )
        .into());
    }
    let then = Then::plan(&args.command, args.run_anyway, args.wait)?;
    let mut specs = Vec::new();
    for (l, line) in &target_lists {
        let parsed = targets::parse_targets(l).map_err(|e| match (line, &args.targets_file) {
            (Some(n), Some(f)) => e.at_line(f, *n),
            _ => e,
        })?;
        specs.extend(parsed);
    }
    // Without PORTS: the default list, most commonly open first (`--top N`: its first N).
    let default_ports = port_specs.is_empty().then(|| {
        let n = args.top.map_or(usize::MAX, |n| n as usize);
        crate::input::top_ports::top(args.udp, n).to_vec()
    });
    let mut set = match &default_ports {
        Some(list) => {
            let mut s = ports::PortSet::default();
            list.iter().for_each(|&p| s.insert(p));
            s
        }
        None => ports::parse_ports(&port_specs, transport)?,
    };
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
        crate::input::duration::parse_rate(&r.to_string())?;
    }
    if args.timeout.is_zero() {
        return Err(InputError::new("timeout", "0", "must be more than zero").into());
    }
    let shard = args
        .shard
        .as_deref()
        .map(|s| shard::parse_shard(s, args.seed))
        .transpose()?;
    let (targets, unresolved) = match args.wait {
        // A silent resolver does not stretch the wait: these lookups are part of it.
        Some(wait) => targets::resolve_targets_with(&specs, family, args.first_addr, |n| {
            let left = wait.saturating_sub(began.elapsed());
            crate::resolve::lookup_within(n, family, left, &Interrupt::never())
                .unwrap_or_else(|| Err(crate::resolve::ResolveError::no_answer_in_time()))
                .map(|(_, ips)| ips)
        }),
        None => targets::resolve_targets(&specs, family, args.first_addr),
    };
    // The ports in the order of the default list (most frequent first), else ascending.
    let port_list: Vec<u16> = match default_ports {
        Some(list) => list.into_iter().filter(|p| set.contains(*p)).collect(),
        None => set.to_vec(),
    };
    // A missing services file only leaves the SERVICE column empty.
    let services = std::fs::read_to_string(ports::SERVICES_PATH)
        .map(|t| ports::Services::parse(&t, transport))
        .unwrap_or_default();
    let port_names = port_list
        .iter()
        .filter_map(|&p| services.name(p).map(|n| (p, n.to_string())))
        .collect();
    let mode = match (args.count, args.wait) {
        (Some(n), _) => Mode::Count(n),
        (_, Some(d)) => Mode::Wait(d),
        _ => Mode::Once,
    };
    Ok(Plan {
        targets,
        unresolved,
        specs,
        family,
        first_addr: args.first_addr,
        began,
        ports: port_list,
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
            max_reask: args.max_reask_time,
        },
        all: args.all,
        mode,
        interval: args.interval,
        service: (args.service && !args.udp).then(|| crate::service::Config {
            timeout: args.service_timeout,
            in_flight: args.service_concurrency as usize,
            source,
            interface: args.interface.clone(),
        }),
        port_names,
        names: !args.no_names,
        up: args.up,
        discover: !args.no_discovery && args.pn.is_none(),
        discovered: None,
        shard,
        then,
    })
}

pub use crate::stats::Stats;

pub fn run(plan: &Plan, out: &OutputOpts, w: &mut impl Write) -> Result<Exit> {
    let interrupt =
        Interrupt::install().map_err(crate::error::local("installing the Ctrl-C handler"))?;
    match &plan.then {
        Some(then) => then.run(plan, out, w, &interrupt),
        None => probe_and_show(plan, out, w, &interrupt).map(|r| r.exit),
    }
}

/// What a run ends with: the exit code, and the names that never resolved.
struct Ran {
    exit: Exit,
    unresolved: Vec<Unresolved>,
}

/// The probe itself in every mode, its results written to `w`, and the exit code they give.
fn probe_and_show(
    plan: &Plan,
    out: &OutputOpts,
    w: &mut impl Write,
    interrupt: &Interrupt,
) -> Result<Ran> {
    // `--wait`: a name that may resolve later is waited for (the rounds say so), not failed.
    let waits_for = |u: &Unresolved| matches!(plan.mode, Mode::Wait(_)) && u.error.kind.may_pass();
    for u in &plan.unresolved {
        if !out.quiet && !waits_for(u) {
            eprintln!("sockdiag: {}: {}", u.name, u.error.message);
        }
    }
    if plan.targets.is_empty() && !plan.unresolved.iter().any(waits_for) {
        // Names that failed were each reported above; otherwise -4/-6 left nothing.
        let why = if plan.unresolved.is_empty() {
            "no target has an address of the family asked for"
        } else {
            "no target resolved to an address"
        };
        // Exit 3 through the one report(): nothing could be run.
        anyhow::bail!("nothing to probe: {why}");
    }
    reader::watch_stdout(interrupt);
    let mut hinted = false;
    if !out.quiet && plan.config.interface.is_none() {
        if let Some(t) = plan.targets.iter().find(|t| t.needs_zone()) {
            eprintln!("sockdiag: {}", targets::zone_hint(t.addr));
            hinted = true;
        }
    }
    let started = Instant::now();
    let mut groups = plan
        .shard
        .map(|s| s.split(plan.targets.len(), plan.ports.len()));
    // A multi-host scan: only the hosts that answer discovery are scanned.
    let discovered: Plan;
    let mut plan = plan;
    if discover::wanted(plan) {
        let (p, g) = discover::narrow(plan, groups, interrupt)?;
        discovered = p;
        plan = &discovered;
        groups = g;
    }
    let addrs: Vec<SocketAddr> = plan.targets.iter().map(|t| t.sockaddr()).collect();
    let mut expected = match &groups {
        Some(g) => Shard::size(g),
        None => plan.targets.len() * plan.ports.len(),
    };
    // `--wait`: the plan with the names that resolved meanwhile.
    let grown: Plan;
    let o = match plan.mode {
        Mode::Once => {
            // Beyond the listing limit, table and plain need only the open ports.
            // JSON has streamed every record already.
            let keep = if plan.up && out.format == Format::Json {
                // Written at the end, only for the hosts that answered.
                Keep::All
            } else if out.format == Format::Json || (!plan.all && expected > LIST_ALL_UP_TO) {
                Keep::Open
            } else {
                Keep::All
            };
            // Streamed JSON records carry their names: looked up beside the scan. (With
            // --up, and for table and plain, the records kept get theirs at the end.)
            let mut names = if plan.names && out.format == Format::Json && !plan.up {
                Names::start(&plan.targets)
            } else {
                Names::off()
            };
            match &groups {
                Some(g) => sharded::run(plan, g, out, w, interrupt, keep, &mut names)?,
                None => once(
                    plan,
                    &addrs,
                    &plan.ports,
                    &plan.config,
                    out,
                    w,
                    interrupt,
                    keep,
                    &mut names,
                    // Discovery's answers are the scan's for those ports: not asked twice.
                    plan.discovered.as_ref().map_or(&[], |d| &d.results),
                )?,
            }
        }
        Mode::Count(n) => {
            return counted(plan, &addrs, n, out, w, interrupt).map(|exit| Ran {
                exit,
                unresolved: plan.unresolved.clone(),
            })
        }
        Mode::Wait(d) => {
            let waited = waited(plan, d, out, interrupt)?;
            grown = Plan {
                targets: waited.targets,
                unresolved: waited.unresolved,
                ..plan.clone()
            };
            plan = &grown;
            expected = plan.targets.len() * plan.ports.len();
            if !out.quiet && plan.then.is_none() && !waited.outcome.summary.interrupted {
                for u in plan.unresolved.iter().filter(|u| u.error.kind.may_pass()) {
                    eprintln!("sockdiag: {}", never_resolved(&[u], d));
                }
            }
            waited.outcome
        }
    };
    let done_ran = |exit| Ran {
        exit,
        unresolved: plan.unresolved.clone(),
    };
    if reader::gone() {
        // Nobody reads what is left to write.
        return Ok(done_ran(Exit::Ok));
    }
    if out.verbose > 0 && !out.quiet {
        if let Some((host, port)) = &o.silent {
            eprintln!("sockdiag: {}", targets::trace_hint(host, *port));
        }
    }
    let json = out.format == Format::Json;
    let exit = exit_for(plan, &o.summary, &o.counts, expected);
    let done = o.counts.total();
    if exit == Exit::Local && !hinted {
        // Exit 3 never goes without a word (the zone hint above is one): every probe failed
        // here, and why.
        let why: Vec<String> = o
            .counts
            .sorted()
            .iter()
            .map(|((_, reason), _)| reason.token())
            .collect();
        eprintln!(
            "sockdiag: nothing could be probed: every probe failed on this host ({})",
            why.join(", ")
        );
    }
    finish(plan, o, started, out, w, !json)?;
    if matches!(plan.mode, Mode::Once) && !out.quiet && std::io::stderr().is_terminal() {
        eprintln!(
            "{}",
            scanned_line(done, expected, plan.targets.len(), started.elapsed())
        );
    }
    Ok(done_ran(exit))
}

/// `db never resolved in 30s (no such name)`: the names a wait ended without, and why.
fn never_resolved(names: &[&Unresolved], wait: Duration) -> String {
    let wait = humantime::format_duration(wait);
    match names {
        [u] => format!("{} never resolved in {wait} ({})", u.name, u.error.message),
        _ => format!(
            "{} never resolved in {wait}",
            names
                .iter()
                .map(|u| format!("{} ({})", u.name, u.error.message))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The last line for people, as nmap ends: `scanned 65,535 ports on 1 host in 1.6 s`.
fn scanned_line(done: usize, expected: usize, hosts: usize, took: Duration) -> String {
    let n = |k: usize, what: &str| {
        let s = if k == 1 { "" } else { "s" };
        format!("{} {what}{s}", crate::units::thousands(k as u64))
    };
    let ports = if done == expected {
        n(done, "port")
    } else {
        format!(
            "{} of {}",
            crate::units::thousands(done as u64),
            n(expected, "port")
        )
    };
    let took = if took < Duration::from_secs(1) {
        format!("{} ms", took.as_millis())
    } else {
        format!("{:.1} s", took.as_secs_f64())
    };
    format!("scanned {ports} on {} in {took}", n(hosts, "host"))
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
    // Hosts that did not answer discovery are not all open either.
    let all_up = plan.discovered.as_ref().map_or(true, |d| d.no_answer == 0);
    Exit::from_all_ok(all_open && all_up && plan.unresolved.is_empty())
}

/// What one run (or a series of rounds) leaves for the end.
struct Outcome {
    /// The records kept (all, or the open ones: see [`Keep`]).
    records: Vec<ProbeRecord>,
    counts: Counts,
    summary: Summary,
    silent: Option<(String, u16)>,
    /// Per target: whether the host answered (`--up`).
    answered: Vec<bool>,
    /// The records' names are in already (looked up beside the scan).
    named: bool,
}

#[cfg(test)]
mod tests;
