//! The command line, as clap sees it. Nothing past `app` and `cmd` imports this module's
//! types: they are validated into plans there.
mod connect;
mod exporter;
mod http;
mod opts;
mod probe;
mod resolve;
mod serve;
mod sockets;
mod trace;
mod why;

pub use connect::{ConnectArgs, TlsArgs};
pub use exporter::ExporterArgs;
pub use http::HttpArgs;
pub use opts::{OptsArgs, SockOptArgs};
pub use probe::ProbeArgs;
pub use resolve::ResolveArgs;
pub use serve::ServeArgs;
pub use sockets::{SocketsArgs, SortArg};
pub use trace::TraceArgs;
pub use why::WhyArgs;

use clap::{ArgAction, Args, CommandFactory, Parser, Subcommand, ValueEnum};

const ABOUT: &str = "Socket diagnostics and port probing: resolve names, probe ports and say why \
each is in its state, connect once and show what the kernel saw, read and set socket options, \
serve test servers, time HTTP requests, trace where on the path a connection dies, list this \
host's sockets, say layer by layer why a port cannot be reached, export probes to Prometheus; \
tables, plain lines or JSON.";

#[derive(Debug, Parser)]
#[command(
    name = "sockdiag",
    version,
    about = ABOUT,
    after_help = crate::exit::EXIT_CODES_HELP,
    arg_required_else_help = true,
    subcommand_required = false
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    /// Print a completion script or a man page and exit: bash, zsh, fish, elvish, powershell,
    /// man, or man-SUBCOMMAND.
    #[arg(long, hide = true, value_name = "KIND")]
    pub generate: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags that every subcommand takes, before or after its name. In each subcommand's help
/// they come under their own heading, after the subcommand's options.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Output format [default: table on a terminal, plain otherwise]
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub format: Option<FormatArg>,

    /// Shorthand for --format json (JSON lines: one object per record)
    #[arg(long, global = true, conflicts_with = "format")]
    pub json: bool,

    /// When to colour the table (NO_COLOR turns auto off)
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    pub color: ColorArg,

    /// IPv4 only
    #[arg(short = '4', global = true, conflicts_with = "ipv6")]
    pub ipv4: bool,

    /// IPv6 only
    #[arg(short = '6', global = true)]
    pub ipv6: bool,

    /// More detail (repeat for more)
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    /// No progress, no notes on stderr: only results and errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Aligned table for people
    Table,
    /// Tab-separated, one line per record, for grep, awk and cut
    Plain,
    /// JSON lines, one object per record
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Resolve(ResolveArgs),
    Probe(ProbeArgs),
    Connect(ConnectArgs),
    Opts(OptsArgs),
    Serve(ServeArgs),
    Http(HttpArgs),
    Trace(TraceArgs),
    Sockets(SocketsArgs),
    Exporter(ExporterArgs),
    Why(WhyArgs),
}

/// The clap command: the one source for parsing, help, completions and man pages.
pub fn command() -> clap::Command {
    Cli::command()
}

#[cfg(test)]
mod tests {
    #[test]
    fn clap_definition_is_consistent() {
        super::command().debug_assert();
    }
}
