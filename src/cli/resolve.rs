use clap::Args;
use std::path::PathBuf;

const RESOLVE_EXAMPLES: &str = "\
Examples:
  sockdiag resolve localhost
  sockdiag resolve -4 db1.example.test db2.example.test
  sockdiag resolve --json 127.1 ::1
  sockdiag resolve --file names.txt      (one name per line, # comments)
  printf 'a.test\\nb.test\\n' | sockdiag resolve -
  sockdiag resolve --explain db          (why this answer: nsswitch, hosts, search list,
                                         each nameserver asked directly)
  sockdiag resolve -x --server 127.0.0.1 --type MX example.test";

/// Resolve names: every address, the canonical name, reverse names, timing, and why a lookup
/// failed.
#[derive(Debug, Args)]
#[command(after_long_help = RESOLVE_EXAMPLES)]
pub struct ResolveArgs {
    /// Names or addresses to resolve; `-` reads names from stdin
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,

    /// Read names from a file, one per line (`#` starts a comment)
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Do not look up reverse names
    #[arg(long = "no-reverse")]
    pub no_reverse: bool,

    /// How many names to resolve at once
    #[arg(long, default_value_t = 16, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,

    /// Explain each answer: nsswitch.conf's hosts line, /etc/hosts, resolv.conf and the names
    /// glibc tries, each nameserver asked directly, and where the answer came from
    #[arg(short = 'x', long)]
    pub explain: bool,

    /// Ask this server directly instead of resolv.conf's: ADDR or ADDR:PORT, [V6]:PORT
    /// (repeatable; implies --explain)
    #[arg(long = "server", value_name = "ADDR[:PORT]")]
    pub servers: Vec<String>,

    /// Ask for this record type instead of A and AAAA, as `dig -t` (implies --explain)
    #[arg(long = "type", value_name = "TYPE", ignore_case = true, value_parser = [
        "A", "AAAA", "CNAME", "MX", "TXT", "SRV", "NS", "SOA", "PTR", "CAA",
    ])]
    pub qtype: Option<String>,

    /// Ask the servers over TCP (implies --explain)
    #[arg(long)]
    pub tcp: bool,
}
