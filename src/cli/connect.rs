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
  sockdiag connect --tls localhost 8443 --cacert ca.pem --send $'GET / HTTP/1.0\\r\\n\\r\\n'
  sockdiag connect --tls 127.0.0.1 443 --sni www.example.test --alpn h2,http/1.1 --json
  sockdiag connect --tls -i localhost 8443 --cacert ca.pem   (a TLS session by hand)

Interactive session (-i; the default when stdin is a terminal and no --send, --send-file,
--read, --until-close, --banner or --hex is given): stdin goes to the peer and the peer's bytes
to stdout as they come, unchanged. The end of stdin (Ctrl-D) half-closes the connection
(--no-shutdown: not) and the session ends when the peer closes too; Ctrl-C ends it (exit 130).
stdout carries only the peer's bytes: the report goes to stderr (table, plain or, with --json,
one JSON line), -q leaves it out. How it ended (read end): eof (stdin ended, then the peer
closed), peer-closed (the peer closed first), reset, timeout (--idle-timeout), max-time,
interrupted, stdout-closed, unreachable (UDP: an ICMP error such as port unreachable).
UDP: each line of stdin is one datagram (its newline included), each reply is written out.
  sockdiag connect 127.0.0.1 7000                   (on a terminal: type, read the replies)
  sockdiag connect -i --crlf 127.0.0.1 25           (SMTP by hand: lines end in CRLF)
  sockdiag connect -i 127.0.0.1 7000 < big.bin > back.bin   (a stream both ways)
  sockdiag connect -i --idle-timeout 30s 127.0.0.1 7000
  sockdiag connect --udp -i 127.0.0.1 5353          (one datagram per line)

UNIX sockets:
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

    #[command(flatten)]
    pub tls: Box<TlsArgs>,

    /// Deadline of each connect, of the UDP reply, and of each wait for data
    #[arg(long, default_value = "5s", value_parser = crate::input::duration::clap_positive_duration, value_name = "DURATION")]
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
    #[arg(long, value_parser = crate::input::duration::clap_positive_duration, value_name = "DURATION")]
    pub max_time: Option<Duration>,

    /// Show received data as a hex dump
    #[arg(long)]
    pub hex: bool,

    /// Local address to connect from, ADDR or ADDR:PORT ([V6]:PORT)
    #[arg(long, value_name = "ADDR[:PORT]")]
    pub source: Option<String>,

    /// Interactive session: stdin to the peer and the peer to stdout, both at once, until
    /// both sides close (the default when stdin is a terminal and no one-shot mode is asked)
    #[arg(short = 'i', long, conflicts_with_all = ["send", "send_file", "read", "until_close", "banner", "hex", "no_stdin"])]
    pub interactive: bool,

    /// Send each LF as CRLF (an existing CRLF stays as it is): the session's input, or --send
    #[arg(long)]
    pub crlf: bool,

    /// Session: keep the write side open at the end of stdin (no half-close) and read on
    /// until the peer closes, --idle-timeout or --max-time
    #[arg(long, conflicts_with = "shutdown")]
    pub no_shutdown: bool,

    /// Session: end it once no byte has moved either way for this long (UDP: also how long
    /// to wait for replies after the end of stdin; else --timeout)
    #[arg(long, value_parser = crate::input::duration::clap_positive_duration, value_name = "DURATION")]
    pub idle_timeout: Option<Duration>,

    /// Connect through this interface only (SO_BINDTODEVICE)
    #[arg(long, value_name = "NAME")]
    pub interface: Option<String>,

    #[command(flatten)]
    pub set: SockOptArgs,
}

/// `connect --tls` and its options (boxed in ConnectArgs: the subcommand enum stays small).
#[derive(Debug, Args)]
pub struct TlsArgs {
    /// TLS over the connection (rustls), the handshake within --timeout: the certificate is
    /// checked against the Mozilla roots (or --cacert) and HOST (or --sni); then the exchange
    /// runs inside it
    #[arg(long, conflicts_with = "udp")]
    pub tls: bool,

    /// With --tls: trust the CA certificates in this PEM file instead of the Mozilla roots
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub cacert: Option<PathBuf>,

    /// With --tls: go on without verifying the certificate (a note on stderr says so; the
    /// report says verified: false, and what the check would have said)
    #[arg(long, requires = "tls")]
    pub insecure: bool,

    /// With --tls: the server name sent (SNI) and checked against the certificate [default:
    /// HOST when it is a name; for an address none is sent and the certificate must name it]
    #[arg(long, value_name = "NAME", requires = "tls")]
    pub sni: Option<String>,

    /// With --tls: ALPN protocols to offer, in order, e.g. h2,http/1.1
    #[arg(long, value_name = "LIST", requires = "tls")]
    pub alpn: Option<String>,
}
