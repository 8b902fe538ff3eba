use clap::{ArgAction, Args, ValueEnum};
use std::time::Duration;

const SOCKETS_EXAMPLES: &str = "\
Columns: PROTO, STATE, LOCAL, PEER, RECV-Q, SEND-Q, PROCESS (pid/command, `-` where this user
may not see it), UID; with -v also RTT (rtt/rttvar), CWND (cwnd/ssthresh), RETRANS (now/total),
BYTES (acked/received), RATE (delivery/pacing), LAST (since last send/receive), MEM (r: read
queue/rcvbuf, w: write queue/sndbuf, q: unacknowledged) and TIMER (kind, time left).
For a listener, RECV-Q is the connections waiting for accept() and SEND-Q the backlog.

Examples:
  sockdiag sockets                              (every TCP and UDP socket, v4 and v6)
  sockdiag ss --listening                       (who listens on what)
  sockdiag ss --port 8080                       (either end on 8080)
  sockdiag ss --state time-wait,close-wait --summary
  sockdiag ss --peer 10.0.0.0/8:443 --process nginx
  sockdiag ss -v --sort rtt --top 10            (slowest connections, with TCP_INFO)
  sockdiag ss --unix --pid 1234                 (UNIX sockets too, one process)
  sockdiag ss --json --local 127.0.0.1 | jq .
  sockdiag ss --watch 1s --port 5432            (new, gone and changed sockets every second)";

/// This host's sockets, like ss: TCP, UDP, UNIX; queues, processes, TCP_INFO (from the
/// kernel's NETLINK_SOCK_DIAG)
#[derive(Debug, Args)]
#[command(visible_alias = "ss", after_long_help = SOCKETS_EXAMPLES)]
pub struct SocketsArgs {
    /// TCP sockets (with --udp: both; neither: both)
    #[arg(long)]
    pub tcp: bool,

    /// UDP sockets (with --tcp: both; neither: both)
    #[arg(long)]
    pub udp: bool,

    /// Add UNIX sockets: path (@ for an abstract name), type, peer inode
    #[arg(long)]
    pub unix: bool,

    /// Listening sockets only: TCP and UNIX listeners, unconnected UDP and datagram sockets
    #[arg(short, long, conflicts_with = "state")]
    pub listening: bool,

    /// Only these states, comma-separated: established, syn-sent, syn-recv, fin-wait-1,
    /// fin-wait-2, time-wait, close-wait, last-ack, listen, closing, unconnected, or the
    /// groups connected and all
    #[arg(long, value_name = "STATES")]
    pub state: Option<String>,

    /// Either end on these ports: 443, 8000-8100, 22,80, service names (https)
    #[arg(long, value_name = "PORTS")]
    pub port: Option<String>,

    /// Local end: ADDR, ADDR:PORT, [V6]:PORT, a CIDR block, or :PORT
    #[arg(long, value_name = "ADDR[:PORT]")]
    pub local: Option<String>,

    /// Peer end: ADDR, a CIDR block (10.0.0.0/8), with :PORT, or :PORT alone
    #[arg(long, value_name = "ADDR|CIDR[:PORT]")]
    pub peer: Option<String>,

    /// Sockets this process holds (repeat for more)
    #[arg(long, value_name = "PID", action = ArgAction::Append,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub pid: Vec<u32>,

    /// Sockets held by processes with this command name (as ps -o comm shows it)
    #[arg(long, value_name = "NAME", conflicts_with = "pid")]
    pub process: Option<String>,

    /// Sockets owned by this user id (repeat for more)
    #[arg(long, value_name = "UID", action = ArgAction::Append)]
    pub uid: Vec<u32>,

    /// Do not look for the processes holding the sockets (no pass over /proc)
    #[arg(long, conflicts_with_all = ["pid", "process"])]
    pub no_process: bool,

    /// Counts per protocol, family and state, and the processes holding the most sockets
    #[arg(long, conflicts_with_all = ["sort", "watch"])]
    pub summary: bool,

    /// Order of the list (rtt, retrans and age read TCP_INFO)
    #[arg(long, value_enum, value_name = "KEY")]
    pub sort: Option<SortArg>,

    /// Show at most N sockets (with --sort: the first N in that order; with --summary: the
    /// top N processes, default 10)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub top: Option<u32>,

    /// List again every DURATION and show what changed: new, gone, changed (state, or a
    /// queue that grew); Ctrl-C ends it
    #[arg(long, value_name = "DURATION", value_parser = watch_interval, conflicts_with = "sort")]
    pub watch: Option<Duration>,

    /// With --watch: stop after N rounds
    #[arg(long, value_name = "N", requires = "watch",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub count: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    /// Highest round-trip time first
    Rtt,
    /// Largest send queue first
    SendQ,
    /// Largest receive queue first
    RecvQ,
    /// Most retransmitted segments first
    Retrans,
    /// Longest since data last went either way first
    Age,
    /// Local port, then peer port
    Port,
}

/// `--watch`: a pause of 10ms to 24h (a shorter one would only spin).
fn watch_interval(s: &str) -> Result<Duration, String> {
    let d = crate::input::duration::clap_duration(s)?;
    if d < Duration::from_millis(10) {
        return Err("too short: the pause between rounds goes from 10ms to 24h".into());
    }
    Ok(d)
}
