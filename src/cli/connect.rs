use super::SockOptArgs;
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

const CONNECT_EXAMPLES: &str = "\
A failed connect has the same states and reasons as `sockdiag probe` (see its --help): e.g.
closed/conn-refused, filtered/no-response, unreachable/host-unreach; exit 1.

Examples:
  sockdiag connect 127.0.0.1 22 --banner
  sockdiag connect -v localhost 8080                (every address tried)
  sockdiag connect 127.0.0.1 80 --send $'GET / HTTP/1.0\\r\\n\\r\\n' --until-close
  sockdiag connect 127.0.0.1 9000 --until-close --max-time 10s   (a stream that never ends)
  printf 'PING\\r\\n' | sockdiag connect [::1] 6379 --read 7
  sockdiag connect fe80::2%eth0 22 --banner         (link-local: with its interface)
  sockdiag connect --json 127.0.0.1 443 --nodelay --sndbuf 64KiB
  sockdiag connect --udp 127.0.0.1 53 --send-file query.bin --hex
  sockdiag connect --source 127.0.0.2:40000 127.0.0.1 8080   (from this address and port)
  sockdiag connect unix:/run/app.sock --send $'PING\r\n'   (UNIX stream: peer pid/uid too)
  sockdiag connect unixgram:/run/app-dgram.sock --send ping
  sockdiag connect unix:@app-abstract --banner       (an abstract name, as ss shows it)

UNIX sockets fail as: closed/no-socket-file, closed/conn-refused (a stale socket file),
closed/not-a-socket, error/wrong-type (unix: against unixgram: or back),
filtered/permission-denied, filtered/backlog-full.";

/// Connect once and report: peer, local address, connect time, TCP_INFO (rtt, mss, cwnd,
/// retransmits), and the data exchanged; or a UNIX socket's peer process (SO_PEERCRED).
#[derive(Debug, Args)]
#[command(after_long_help = CONNECT_EXAMPLES)]
pub struct ConnectArgs {
    /// Name or address ([::1], fe80::1%eth0 too); each of its addresses is tried in order.
    /// Without PORT: HOST:PORT or [V6]:PORT, as ncat takes them. Or a UNIX socket:
    /// unix:PATH (stream), unixgram:PATH (one datagram and its reply), unix:@NAME (abstract)
    #[arg(value_name = "HOST")]
    pub host: String,

    /// Port number or service name
    #[arg(value_name = "PORT")]
    pub port: Option<String>,

    /// A connected UDP socket: send, then wait for the reply within --timeout
    #[arg(long)]
    pub udp: bool,

    /// Deadline of each connect, of the UDP reply, and of each wait for data
    #[arg(long, default_value = "5s", value_parser = crate::input::duration::clap_duration, value_name = "DURATION")]
    pub timeout: Duration,

    /// Send this text (then read the reply unless --read/--until-close say otherwise)
    #[arg(long, value_name = "TEXT", conflicts_with = "send_file")]
    pub send: Option<String>,

    /// Send the contents of this file (`-` for stdin)
    #[arg(long, value_name = "FILE")]
    pub send_file: Option<PathBuf>,

    /// Do not send stdin even when it is not a terminal
    #[arg(long)]
    pub no_stdin: bool,

    /// Half-close after sending (shutdown SHUT_WR), so the server sees the end of input
    #[arg(long)]
    pub shutdown: bool,

    /// Read up to N bytes (or until the close or the timeout)
    #[arg(long, value_name = "N", conflicts_with_all = ["until_close", "banner"])]
    pub read: Option<String>,

    /// Read until the server closes (or nothing arrives for --timeout, or --max-time)
    #[arg(long, conflicts_with = "banner")]
    pub until_close: bool,

    /// Read what the server sends first: wait up to --timeout, stop when it pauses
    #[arg(long)]
    pub banner: bool,

    /// Bound the whole run: connects, sending and reading (a stream that never pauses ends
    /// here, with read end `max-time`), as curl's --max-time
    #[arg(long, value_parser = crate::input::duration::clap_duration, value_name = "DURATION")]
    pub max_time: Option<Duration>,

    /// Show received data as a hex dump
    #[arg(long)]
    pub hex: bool,

    /// Local address to connect from, ADDR or ADDR:PORT ([V6]:PORT)
    #[arg(long, value_name = "ADDR[:PORT]")]
    pub source: Option<String>,

    /// Connect through this interface only (SO_BINDTODEVICE)
    #[arg(long, value_name = "NAME")]
    pub interface: Option<String>,

    #[command(flatten)]
    pub set: SockOptArgs,
}
