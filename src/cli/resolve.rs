use clap::Args;
use std::path::PathBuf;

const RESOLVE_EXAMPLES: &str = "\
Examples:
  sockdiag resolve localhost
  sockdiag resolve -4 db1.example.test db2.example.test
  sockdiag resolve --json 127.1 ::1
  sockdiag resolve --file names.txt      (one name per line, # comments)
  printf 'a.test\\nb.test\\n' | sockdiag resolve -";

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
}
