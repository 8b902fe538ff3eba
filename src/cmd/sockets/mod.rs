//! `sockdiag sockets` (alias `ss`): the plan (what to ask the kernel, what to filter here,
//! whose processes to read) and the engine's stream through the renderers, listed, summed up
//! or watched; how each record looks is in [`present`].
use crate::cli::{SocketsArgs, SortArg};
use crate::error::InputError;
use crate::exit::Exit;
use crate::input::ports;
use crate::interrupt::Interrupt;
use crate::net::Proto;
use crate::output::{self, json, plain, reader, Format, OutputOpts, Record};
use crate::resolve::Family as IpFamily;
use crate::sockets::filter::{self, Filter};
use crate::sockets::order::{SortKey, Sorter};
use crate::sockets::summary::Counter;
use crate::sockets::watch::{Event, EventKind, Watcher};
use crate::sockets::{self, Query, SocketRecord, Which};
use anyhow::Result;
use std::io::{BufWriter, IsTerminal, Write};
use std::time::Duration;

mod present;
use present::write_summary;

/// Processes listed by `--summary` unless `--top` says otherwise.
const SUMMARY_TOP: usize = 10;

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    List {
        sort: Option<SortKey>,
        top: Option<usize>,
    },
    Summary {
        top: usize,
    },
    Watch {
        every: Duration,
        count: Option<u32>,
    },
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub query: Query,
    pub filter: Filter,
    /// Whose sockets to look for in /proc; `None`: no process column.
    pub owners: Option<Which>,
    pub mode: Mode,
}

pub fn plan(a: &SocketsArgs, family: IpFamily) -> Result<Plan> {
    let states = match (&a.state, a.listening) {
        (Some(s), _) => Some(filter::parse_states(s)?),
        (None, true) => Some(filter::listening_states()),
        (None, false) => None,
    };
    let ports = match &a.port {
        Some(p) => Some(ports::parse_ports(std::slice::from_ref(p), Proto::Tcp)?),
        None => None,
    };
    let local = a
        .local
        .as_deref()
        .map(|s| filter::parse_addr_match("local", s))
        .transpose()?;
    let peer = a
        .peer
        .as_deref()
        .map(|s| filter::parse_addr_match("peer", s))
        .transpose()?;
    if let Some(name) = &a.process {
        if name.is_empty() || name.contains('/') {
            return Err(InputError::new(
                "process",
                name.as_str(),
                "a command name as ps -o comm shows it (no path), e.g. nginx",
            )
            .into());
        }
    }
    let owner_filter = match (&a.pid[..], &a.process) {
        ([], None) => None,
        (pids, None) => Some(Which::Pids(pids.to_vec())),
        (_, Some(name)) => Some(Which::Command(name.clone())),
    };
    let sort = a.sort.map(|s| match s {
        SortArg::Rtt => SortKey::Rtt,
        SortArg::SendQ => SortKey::SendQ,
        SortArg::RecvQ => SortKey::RecvQ,
        SortArg::Retrans => SortKey::Retrans,
        SortArg::Age => SortKey::Age,
        SortArg::Port => SortKey::Port,
    });
    let filter = Filter {
        states,
        ports: ports.clone(),
        local,
        peer,
        uids: a.uid.clone(),
        owners: owner_filter.clone(),
    };
    let (tcp, udp) = match (a.tcp, a.udp) {
        (false, false) => (true, true),
        both => both,
    };
    let query = Query {
        tcp,
        udp,
        unix: a.unix && filter.admits_unix(),
        v4: family != IpFamily::V6,
        v6: family != IpFamily::V4,
        states: states.unwrap_or(filter::ALL_STATES),
        info: sort.is_some_and(SortKey::needs_info),
        port_ranges: ports.as_ref().map(filter::ranges).unwrap_or_default(),
    };
    let owners = match owner_filter {
        Some(w) => Some(w),
        None if a.no_process => None,
        None => Some(Which::All),
    };
    let mode = if a.summary {
        Mode::Summary {
            top: a.top.map_or(SUMMARY_TOP, |n| n as usize),
        }
    } else if let Some(every) = a.watch {
        if every.is_zero() {
            return Err(InputError::new(
                "watch",
                "0s",
                "the pause between rounds must be more than 0s",
            )
            .into());
        }
        Mode::Watch {
            every,
            count: a.count,
        }
    } else {
        Mode::List {
            sort,
            top: a.top.map(|n| n as usize),
        }
    };
    Ok(Plan {
        query,
        filter,
        owners,
        mode,
    })
}

pub fn run(plan: &Plan, out: &OutputOpts, w: &mut impl Write) -> Result<Exit> {
    let interrupt =
        Interrupt::install().map_err(crate::error::local("installing the Ctrl-C handler"))?;
    reader::watch_stdout(&interrupt);
    let mut plan = plan.clone();
    // -v shows TCP_INFO and the socket memory: ask the kernel for them.
    plan.query.info |= out.verbose > 0;
    let mut w = BufWriter::with_capacity(64 * 1024, w);
    let exit = match plan.mode {
        Mode::List { sort, top } => list(&plan, sort, top, out, &mut w, &interrupt),
        Mode::Summary { top } => summary(&plan, top, out, &mut w, &interrupt),
        Mode::Watch { every, count } => watch(&plan, every, count, out, &mut w, &interrupt),
    };
    match exit {
        Ok(e) => {
            w.flush()?;
            if reader::gone() {
                return Ok(Exit::Ok);
            }
            Ok(e)
        }
        Err(e) => {
            // What was listed before the failure is still shown.
            let _ = w.flush();
            Err(e)
        }
    }
}

fn stream(plan: &Plan) -> sockets::Sockets {
    sockets::list(&plan.query, plan.filter.clone(), plan.owners.clone())
}

/// Plain and JSON stream each socket as it comes; the table and `--sort` wait for all.
fn list(
    plan: &Plan,
    sort: Option<SortKey>,
    top: Option<usize>,
    out: &OutputOpts,
    w: &mut impl Write,
    interrupt: &Interrupt,
) -> Result<Exit> {
    let limit = top.unwrap_or(usize::MAX);
    let mut shown = 0usize;
    let mut held: Vec<SocketRecord> = Vec::new();
    let mut sorter = sort.map(|k| Sorter::new(k, top));
    for rec in stream(plan) {
        let rec = rec?;
        if interrupt.raised() {
            break;
        }
        if let Some(s) = sorter.as_mut() {
            s.push(rec);
            continue;
        }
        if shown >= limit {
            break;
        }
        shown += 1;
        if out.format == Format::Table {
            held.push(rec);
        } else {
            write_one(w, out, &rec)?;
        }
    }
    if let Some(s) = sorter {
        held = s.finish();
        shown = held.len();
        if out.format != Format::Table {
            for r in &held {
                write_one(w, out, r)?;
            }
            held.clear();
        }
    }
    if out.format == Format::Table && !held.is_empty() {
        output::render(w, out, &held)?;
    }
    if interrupt.raised() && !reader::gone() {
        return Ok(Exit::Interrupted);
    }
    Ok(Exit::from_all_ok(shown > 0))
}

/// One record, plain or JSON, into the buffered writer.
fn write_one<R: Record>(w: &mut impl Write, out: &OutputOpts, r: &R) -> std::io::Result<()> {
    match out.format {
        Format::Json => json::write_unflushed(w, r),
        _ => writeln!(w, "{}", plain::line(&r.cells(out.verbose))),
    }
}

fn summary(
    plan: &Plan,
    top: usize,
    out: &OutputOpts,
    w: &mut impl Write,
    interrupt: &Interrupt,
) -> Result<Exit> {
    let mut counter = Counter::default();
    for rec in stream(plan) {
        counter.add(&rec?);
        if interrupt.raised() {
            break;
        }
    }
    let s = counter.finish(top);
    write_summary(w, out, &s)?;
    if interrupt.raised() && !reader::gone() {
        return Ok(Exit::Interrupted);
    }
    Ok(Exit::from_all_ok(s.total > 0))
}

fn watch(
    plan: &Plan,
    every: Duration,
    count: Option<u32>,
    out: &OutputOpts,
    w: &mut impl Write,
    interrupt: &Interrupt,
) -> Result<Exit> {
    let mut watcher = Watcher::default();
    let table = out.format == Format::Table;
    let clear = table && std::io::stdout().is_terminal();
    let start = std::time::Instant::now();
    let mut rounds = 0u32;
    let mut matched = false;
    loop {
        let mut failed = None;
        let mut current = 0usize;
        let mut err: Option<std::io::Error> = None;
        let mut events: Vec<Event> = Vec::new();
        let recs = stream(plan).map_while(|r| match r {
            Ok(r) => {
                current += 1;
                Some(r)
            }
            Err(e) => {
                failed = Some(e);
                None
            }
        });
        watcher.round(recs, table, &mut |e| {
            if table {
                events.push(e);
            } else if err.is_none() {
                if let Err(x) = write_one(w, out, &e).and_then(|_| w.flush()) {
                    err = Some(x);
                }
            }
        })?;
        if let Some(e) = failed {
            return Err(e.into());
        }
        if let Some(e) = err {
            return Err(e.into());
        }
        matched |= current > 0;
        if table {
            if clear {
                write!(w, "\x1b[H\x1b[2J")?;
            }
            let n = |k| events.iter().filter(|e| e.event == k).count();
            writeln!(
                w,
                "round {} at {:.1}s: {current} sockets, {} new, {} gone, {} changed",
                rounds + 1,
                start.elapsed().as_secs_f64(),
                n(EventKind::New),
                n(EventKind::Gone),
                n(EventKind::Changed),
            )?;
            if !events.is_empty() {
                output::render(w, out, &events)?;
            }
            w.flush()?;
        }
        rounds += 1;
        if count.is_some_and(|c| rounds >= c) || interrupt.raised() {
            break;
        }
        interrupt.sleep(every);
        if interrupt.raised() {
            break;
        }
    }
    if interrupt.raised() && !reader::gone() {
        return Ok(Exit::Interrupted);
    }
    Ok(Exit::from_all_ok(matched))
}
