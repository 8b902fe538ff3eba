//! The edge: parse the command line, build the output options, dispatch, and turn any error
//! into one line on stderr and an exit code.
use crate::cli::{Cli, ColorArg, Command, FormatArg, GlobalArgs};
use crate::error::InputError;
use crate::exit::Exit;
use crate::output::{Format, OutputOpts};
use crate::resolve::Family;
use clap::Parser;
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

pub fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            if let Some(msg) = negative_value(&e, &args) {
                let _ = writeln!(io::stderr(), "sockdiag: {msg}");
                return Exit::Usage.into();
            }
            return clap_error(e).into();
        }
    };
    if let Some(msg) = nothing_after_separator(&cli, &args) {
        let _ = writeln!(io::stderr(), "sockdiag: {msg}");
        return Exit::Usage.into();
    }
    match run(cli) {
        // Every subcommand's "interrupted" is Ctrl-C's 130 or, when SIGTERM stopped it, 143.
        Ok(Exit::Interrupted) if crate::interrupt::received_sigterm() => Exit::Terminated.into(),
        Ok(exit) => exit.into(),
        Err(e) => report(&e).into(),
    }
}

/// Help and version go to stdout with exit 0; a usage error becomes one line, exit 2.
fn clap_error(e: clap::Error) -> Exit {
    use clap::error::ErrorKind::*;
    match e.kind() {
        DisplayHelp | DisplayVersion | DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            if e.kind() == DisplayHelpOnMissingArgumentOrSubcommand {
                Exit::Usage
            } else {
                Exit::Ok
            }
        }
        _ => {
            let msg = whole_number(&e).unwrap_or_else(|| one_line(&e.render().to_string()));
            let _ = writeln!(io::stderr(), "sockdiag: {msg}");
            Exit::Usage
        }
    }
}

/// A value that is not a whole number where one goes (`--count 99999999999999999999`,
/// `--pid abc`): Rust's parse message ("number too large to fit in target type") says
/// nothing of what would do, so the line says the range instead, as an out-of-range one does.
fn whole_number(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    use std::error::Error as _;
    if e.kind() != ErrorKind::ValueValidation {
        return None;
    }
    e.source()?.downcast_ref::<std::num::ParseIntError>()?;
    let (Some(ContextValue::String(flag)), Some(ContextValue::String(value))) = (
        e.get(ContextKind::InvalidArg),
        e.get(ContextKind::InvalidValue),
    ) else {
        return None;
    };
    let long = flag.strip_prefix("--")?.split([' ', '=']).next()?;
    let arg = find_long(&crate::cli::command(), long)?;
    // The parser's own range, as it states it for a number beyond it ("... is not in 1..=N").
    let probe = clap::Command::new("sockdiag").no_binary_name(true).arg(
        clap::Arg::new("v")
            .long(long.to_string())
            .value_parser(arg.get_value_parser().clone()),
    );
    // The parser's own range, as it states it for a number beyond it ("... is not in 1..=N");
    // one that takes both probes is a u64's.
    let range = [i64::MAX.to_string(), u64::MAX.to_string()]
        .into_iter()
        .find_map(|big| {
            let t = probe
                .clone()
                .try_get_matches_from(["--".to_string() + long, big])
                .err()?
                .to_string();
            let (lo, hi) = t.split(" is not in ").nth(1)?.trim().split_once("..=")?;
            let hi = hi.split_whitespace().next()?.to_string();
            Some(format!("from {lo} to {hi}"))
        })
        .unwrap_or_else(|| format!("from 0 to {}", u64::MAX));
    Some(format!(
        "invalid value '{value}' for '{flag}': not a whole number {range}"
    ))
}

/// `probe ... --` with nothing after it: clap sees no command at all, and the probe would
/// run as if `--` were not there; it is a usage error, as a missing command is.
fn nothing_after_separator(cli: &Cli, args: &[std::ffi::OsString]) -> Option<String> {
    let Some(Command::Probe(p)) = &cli.command else {
        return None;
    };
    (p.command.is_empty() && args.last().is_some_and(|a| a == "--")).then(|| {
        "invalid argument '--': nothing after it; give the command to run once every port is \
         open (probe --wait D HOST PORTS -- CMD)"
            .to_string()
    })
}

/// A negative number where a value goes (`--timeout -1s`, `--retries -1`, port `-5`): clap
/// takes it for a flag and advises `-- -1`, which is wrong for an option. Says instead that
/// the value cannot be negative, naming the option.
fn negative_value(e: &clap::Error, args: &[std::ffi::OsString]) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    let Some(ContextValue::String(flag)) = e.get(ContextKind::InvalidArg) else {
        return None;
    };
    let negative = |t: &str| {
        t.strip_prefix('-')
            .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit() || c == '.'))
    };
    if !negative(flag) {
        return None;
    }
    // The word on the command line it came from (`-1s` for clap's `-1`), and the one before.
    let words: Vec<String> = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let at = words.iter().position(|w| w.starts_with(flag.as_str()))?;
    let value = &words[at];
    if let Some(option) = at.checked_sub(1).map(|i| &words[i]) {
        if let Some(arg) = option
            .strip_prefix("--")
            .and_then(|long| find_long(&crate::cli::command(), long))
        {
            if arg.get_action().takes_values() {
                let name = arg
                    .get_value_names()
                    .and_then(|v| v.first())
                    .map(|v| format!(" <{v}>"))
                    .unwrap_or_default();
                return Some(format!(
                    "invalid value '{value}' for '{option}{name}': cannot be negative"
                ));
            }
        }
    }
    Some(format!(
        "invalid argument '{value}': cannot be negative (ports go from 1 to 65535)"
    ))
}

/// The argument `--long` of this command or of any of its subcommands.
fn find_long(cmd: &clap::Command, long: &str) -> Option<clap::Arg> {
    cmd.get_arguments()
        .find(|a| a.get_long() == Some(long))
        .cloned()
        .or_else(|| cmd.get_subcommands().find_map(|c| find_long(c, long)))
}

/// clap's message without its usage and hint sections, on one line.
pub fn one_line(msg: &str) -> String {
    let mut parts = Vec::new();
    for line in msg.lines() {
        let l = line.trim();
        if l.starts_with("Usage:") || l.starts_with("For more information") {
            break;
        }
        if !l.is_empty() {
            parts.push(l.trim_start_matches("error: ").to_string());
        }
    }
    parts.join(" ")
}

/// The one place an error becomes a line on stderr and an exit code.
fn report(e: &anyhow::Error) -> Exit {
    if let Some(io) = e.downcast_ref::<io::Error>() {
        if io.kind() == io::ErrorKind::BrokenPipe {
            // `sockdiag ... | head -1`: the reader has what it wanted.
            return Exit::Ok;
        }
    }
    // Input errors are the user's to fix (2); everything else kept the job from running (3).
    let exit = if e.downcast_ref::<InputError>().is_some() {
        Exit::Usage
    } else {
        Exit::Local
    };
    let _ = writeln!(io::stderr(), "sockdiag: {e:#}");
    exit
}

/// Output options from the global flags and whether stdout is a terminal.
pub fn output_opts(g: &GlobalArgs) -> OutputOpts {
    let tty = io::stdout().is_terminal();
    let format = match (g.json, g.format) {
        (true, _) | (_, Some(FormatArg::Json)) => Format::Json,
        (_, Some(FormatArg::Table)) => Format::Table,
        (_, Some(FormatArg::Plain)) => Format::Plain,
        (false, None) if tty => Format::Table,
        (false, None) => Format::Plain,
    };
    let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = match g.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            tty && !no_color_env && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    };
    OutputOpts {
        format,
        color,
        verbose: g.verbose,
        quiet: g.quiet,
        width: crate::output::table::stdout_width().filter(|_| tty),
    }
}

pub fn family(g: &GlobalArgs) -> Family {
    match (g.ipv4, g.ipv6) {
        (true, _) => Family::V4,
        (_, true) => Family::V6,
        _ => Family::Any,
    }
}

pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    let mut stdout = io::stdout().lock();
    if let Some(kind) = &cli.generate {
        let text = crate::generate::generate(kind)?;
        stdout.write_all(text.as_bytes())?;
        return Ok(Exit::Ok);
    }
    let out = output_opts(&cli.global);
    let family = family(&cli.global);
    let Some(command) = cli.command else {
        return Err(
            InputError::new("arguments", "", "a subcommand is required; see --help").into(),
        );
    };
    match command {
        Command::Resolve(a) => {
            let plan = crate::cmd::resolve::plan(&a, family)?;
            crate::cmd::resolve::run(&plan, &out, &mut stdout)
        }
        Command::Probe(a) => {
            let plan = crate::cmd::probe::plan(&a, family)?;
            crate::cmd::probe::run(&plan, &out, &mut stdout)
        }
        Command::Serve(a) => {
            let plan = crate::cmd::serve::plan(&a)?;
            // The log has a writer thread of its own (a stdout nobody reads must not stall
            // the server): it takes stdout, so this thread lets go of it.
            drop(stdout);
            crate::cmd::serve::run(&plan, &out, io::stdout())
        }
        Command::Http(a) => {
            let plan = crate::cmd::http::plan(&a, family)?;
            crate::cmd::http::run(&plan, &out, &mut stdout)
        }
        Command::Opts(a) => {
            let plan = crate::cmd::opts::plan(&a, family)?;
            crate::cmd::opts::run(&plan, &out, &mut stdout)
        }
        Command::Trace(a) => {
            let plan = crate::cmd::trace::plan(&a, family)?;
            crate::cmd::trace::run(&plan, &out, &mut stdout)
        }
        Command::Sockets(a) => {
            let plan = crate::cmd::sockets::plan(&a, family)?;
            crate::cmd::sockets::run(&plan, &out, &mut stdout)
        }
        Command::Exporter(a) => {
            let plan = crate::cmd::exporter::plan(&a)?;
            crate::cmd::exporter::run(&plan, &out, &mut stdout)
        }
        Command::Why(a) => {
            let plan = crate::cmd::why::plan(&a, family)?;
            crate::cmd::why::run(&plan, &out, &mut stdout)
        }
        Command::Connect(a) => {
            let plan = crate::cmd::connect::plan(&a, family)?;
            crate::cmd::connect::run(&plan, &out, &mut stdout)
        }
    }
}
