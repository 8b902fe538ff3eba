use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

const WHY_EXAMPLES: &str = "\
The walk, each layer only as far as it is needed, every address of the name:
  name       resolve --explain: which source answered, every server's answer, disagreements
  route      the route the kernel picks (RTM_GETROUTE, as `ip route get`): interface, source,
             gateway, MTU; or no route / an unreachable, prohibit or blackhole route;
             a gateway (or on-link address) that never answers ARP / NDP
  reach      the probe: open syn-ack, closed conn-refused, filtered admin-prohibited from R,
             filtered no-response (addresses in Happy Eyeballs order, RFC 8305)
  path       only when not open: the trace to that port, where the SYNs stop
  transport  when open: TCP_INFO (RTT, MSS, path MTU, retransmits)
  tls        with --tls, or on port 443, 465, 636, 853, 993, 995: version, chain verified,
             days to expiry; why not, in words (expired, wrong name, unknown issuer)
  app        with --http[=PATH]: the HTTP status; with --expect REGEX: the banner (or the
             response head) must match

The verdict comes first: the first layer that fails, with its evidence and a fix, or
`reachable` with the figures. Kinds: reachable, name-failed, name-disagrees, no-route,
neighbour-failed, refused, filtered-at-hop, rejected-at-hop, intercepted, mtu-black-hole,
tls-failed, app-failed, local-error. Then the layers as a table (-v: every step's evidence).
Exit 0 reachable, 1 a layer failed, 2 bad input, 3 local trouble.

Examples:
  sockdiag why db.example.test 5432
  sockdiag why db.example.test:5432
  sockdiag why https://api.example.test/health     (TLS and GET /health)
  sockdiag why --http=/status -v 192.0.2.10 8080
  sockdiag why --expect '^SSH-2.0' host.example.test 22
  sockdiag why --tls --cacert ca.pem --json host.example.test 8443
  sockdiag why --targets-file services.txt        (each line: HOST PORT, HOST:PORT or a URL)";

/// Why can't I reach it: name, route, reach, path, transport, TLS and application, layer by
/// layer for every address, and the first layer that fails with its evidence and a fix.
#[derive(Debug, Args)]
#[command(after_long_help = WHY_EXAMPLES)]
pub struct WhyArgs {
    /// HOST (name or address), HOST:PORT, [V6]:PORT, or a URL (http:// or https://)
    #[arg(value_name = "TARGET", required_unless_present = "targets_file")]
    pub target: Option<String>,

    /// Port number or service name (unless TARGET has one)
    #[arg(value_name = "PORT")]
    pub port: Option<String>,

    /// Diagnose every target of this file (`-`: stdin) concurrently: one per line, as TARGET
    /// [PORT] are given; blank lines and # comments skipped
    #[arg(long, value_name = "FILE", conflicts_with_all = ["target", "port"])]
    pub targets_file: Option<PathBuf>,

    /// TLS over the connection (implied by ports 443, 465, 636, 853, 993, 995 and https://)
    #[arg(long)]
    pub tls: bool,

    /// Trust the CA certificates in this PEM file instead of the Mozilla roots
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// GET this path (default /) and judge the HTTP status (4xx and 5xx fail)
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = "/",
          require_equals = true)]
    pub http: Option<String>,

    /// The banner (or, with --http, the response head) must match this regular expression
    #[arg(long, value_name = "REGEX")]
    pub expect: Option<String>,

    /// Deadline of each probe try and trace probe (a TLS handshake and an HTTP exchange get
    /// five times as long, at least 2s)
    #[arg(long, default_value = "1s", value_parser = crate::input::duration::clap_duration, value_name = "DURATION")]
    pub timeout: Duration,

    /// Do not trace the path of an address whose port is not open
    #[arg(long)]
    pub no_trace: bool,

    /// Trace probes per hop
    #[arg(long, default_value_t = 3, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=10))]
    pub queries: u32,

    /// The largest TTL (hop limit) the trace probes
    #[arg(long, default_value_t = 30, value_name = "N",
          value_parser = clap::value_parser!(u8).range(1..=255))]
    pub max_hops: u8,
}
