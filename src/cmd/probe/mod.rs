//! `sockdiag probe`: the plan (targets, ports, timing), the engine runs (once, `--count`
//! rounds, or until `--wait` expires), and the presentation: JSON lines as results arrive,
//! table and plain sorted at the end with long scans summarised.
use crate::cli::ProbeArgs;
use crate::error::InputError;
use crate::exit::Exit;
use crate::input::ports;
use crate::input::shard::{self, Shard};
use crate::input::targets::{self, ShownAddr, Target, ZonedIp};
use crate::interrupt::Interrupt;
use crate::output::{self, json, reader, Cell, Format, OutputOpts, Record, Tone};
use crate::probe::{self, Config, Icmp, ProbeResult, Proto, Reason, Sink, State, Summary};
use crate::resolve::Family;
use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

mod collect;
mod record;
mod rounds;
mod sharded;
mod summary;

use collect::*;
pub use record::ProbeRecord;
use rounds::*;
use summary::*;

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
    /// `--shard K/N`: probe only that part of the scan.
    pub shard: Option<Shard>,
}

pub fn plan(args: &ProbeArgs, family: Family) -> Result<Plan> {
    let transport = if args.udp { Proto::Udp } else { Proto::Tcp };
    let mut target_lists = Vec::new();
    let mut port_specs = args.ports.clone();
    if let Some(f) = &args.targets_file {
        // With a file of targets every positional argument is a port.
        port_specs.insert(0, args.targets.clone());
        target_lists.extend(crate::input::lists::read_list(f)?);
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
        shard,
    })
}

pub use crate::stats::Stats;

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
        Interrupt::install().map_err(crate::error::local("installing the Ctrl-C handler"))?;
    reader::watch_stdout(&interrupt);
    if !out.quiet && plan.config.interface.is_none() {
        if let Some(t) = plan.targets.iter().find(|t| t.needs_zone()) {
            eprintln!("sockdiag: {}", targets::zone_hint(t.addr));
        }
    }
    let addrs: Vec<SocketAddr> = plan.targets.iter().map(|t| t.sockaddr()).collect();
    let started = Instant::now();
    let groups = plan
        .shard
        .map(|s| s.split(plan.targets.len(), plan.ports.len()));
    let expected = match &groups {
        Some(g) => Shard::size(g),
        None => plan.targets.len() * plan.ports.len(),
    };
    let o = match plan.mode {
        Mode::Once => {
            // Beyond the listing limit, table and plain need only the open ports.
            // JSON has streamed every record already.
            let keep = if out.format == Format::Json || (!plan.all && expected > LIST_ALL_UP_TO) {
                Keep::Open
            } else {
                Keep::All
            };
            match &groups {
                Some(g) => sharded::run(plan, g, out, w, &interrupt, keep)?,
                None => once(
                    plan,
                    &addrs,
                    &plan.ports,
                    &plan.config,
                    out,
                    w,
                    &interrupt,
                    keep,
                )?,
            }
        }
        Mode::Count(n) => return counted(plan, &addrs, n, out, w, &interrupt),
        Mode::Wait(d) => waited(plan, &addrs, d, out, w, &interrupt)?,
    };
    if reader::gone() {
        // Nobody reads what is left to write.
        return Ok(Exit::Ok);
    }
    let json = out.format == Format::Json;
    let exit = exit_for(plan, &o.summary, &o.counts, expected);
    finish(plan, o, started, out, w, !json)?;
    Ok(exit)
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
}

#[cfg(test)]
mod tests;
