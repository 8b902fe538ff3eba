use clap::{ArgGroup, Args};
use std::time::Duration;

const SERVE_EXAMPLES: &str = "\
Output (one line per event, as it happens; JSON: one object per event):
  listening   a socket is ready: its real address (port 0 becomes the port picked)
  accepted    a TCP or UNIX client connected (INFO: clients connected now); a UNIX
              client's PEER is its process: pid=N,uid=N (SO_PEERCRED)
  closed      it ended: bytes in/out, how long, how it ended (INFO)
  refused     over --max-clients (or after the client of --once): reset at once
  datagram    a UDP or UNIX datagram received and answered
  summary     the server stopped: totals (INFO: why it stopped)

How a connection ends:
  peer-closed   the client closed (anything owed to it was written first)
  reset         the client reset the connection
  idle-timeout  nothing moved for --idle-timeout
  byte-cap      the client sent --max-bytes
  served        the server closed after answering (banner, HTTP Connection: close, 400)
  server-stop   the server stopped (Ctrl-C, SIGTERM, --duration, --once)
  error         another socket error (errno in JSON)

Examples:
  sockdiag serve 7000                      (TCP echo on 127.0.0.1:7000)
  sockdiag serve 0                         (echo on a free port; the first line says which)
  sockdiag serve --json 0.0.0.0:7000 [::]:7000   (every interface; [::] IPv6-only beside 0.0.0.0)
  sockdiag serve --http 8080
  sockdiag serve --banner 'SSH-2.0-test' 2222
  sockdiag serve --udp 5353                (UDP datagram echo)
  sockdiag serve --udp --tcp 0             (both; UDP takes the port TCP got)
  sockdiag serve --max-clients 10 --idle-timeout 30s --max-bytes 1000000 7000
  sockdiag serve --once --duration 10s 0   (one client, at most 10 seconds)
  sockdiag serve --http unix:/tmp/web.sock (then: curl --unix-socket /tmp/web.sock http://x/)
  sockdiag serve unixgram:/tmp/dg.sock --socket-mode 0660   (UNIX datagram echo, group-writable)";

/// Run test servers: TCP echo, discard, banner or HTTP, and UDP echo; logs every client.
#[derive(Debug, Args)]
#[command(after_long_help = SERVE_EXAMPLES)]
#[command(group(ArgGroup::new("mode").args(["echo", "discard", "banner", "http"])))]
pub struct ServeArgs {
    /// Where to listen: PORT (on 127.0.0.1), ADDR:PORT or [V6]:PORT; 0.0.0.0 or [::] for
    /// every interface; port 0 picks a free port. Beside an IPv4 address an IPv6 one is
    /// IPv6-only (IPV6_V6ONLY), so 0.0.0.0:7000 [::]:7000 are two sockets; [::] alone takes
    /// IPv4 clients too. Or a UNIX socket: unix:PATH (stream), unixgram:PATH (datagrams),
    /// unix:@NAME (an abstract name); the file is removed at exit, a stale one replaced
    #[arg(value_name = "[ADDR:]PORT", required = true)]
    pub listen: Vec<String>,

    /// Send every byte back (the default)
    #[arg(long)]
    pub echo: bool,

    /// Read and drop everything (UDP: no reply)
    #[arg(long)]
    pub discard: bool,

    /// Write TEXT (and CRLF unless it ends with a newline) to each client, then close
    /// (UDP: reply TEXT to each datagram)
    #[arg(long, value_name = "TEXT")]
    pub banner: Option<String>,

    /// Answer every HTTP/1.x request with 200 and a small body (keep-alive as asked)
    #[arg(long)]
    pub http: bool,

    /// Serve UDP (datagram echo) instead of TCP
    #[arg(long)]
    pub udp: bool,

    /// With --udp: serve TCP as well, on the same addresses
    #[arg(long, requires = "udp")]
    pub tcp: bool,

    /// Most TCP clients at once; more are accepted and reset at once, and logged
    #[arg(long, default_value_t = 1024, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_clients: u32,

    /// Close a connection after this long with no traffic either way
    #[arg(long, value_parser = crate::input::duration::clap_positive_duration, value_name = "DURATION")]
    pub idle_timeout: Option<Duration>,

    /// Close a connection once the client has sent this many bytes (1000, 64k = 64KiB, 64kB = 64000, 10M)
    #[arg(long, value_name = "BYTES")]
    pub max_bytes: Option<String>,

    /// Serve one client (or one datagram, when only UDP is served), then stop
    #[arg(long)]
    pub once: bool,

    /// Stop after this long
    #[arg(long, value_parser = crate::input::duration::clap_positive_duration, value_name = "DURATION")]
    pub duration: Option<Duration>,

    /// The permission bits of each UNIX socket file (octal, e.g. 0660; connecting needs
    /// write permission); without it the umask decides
    #[arg(long, value_name = "OCTAL")]
    pub socket_mode: Option<String>,
}
