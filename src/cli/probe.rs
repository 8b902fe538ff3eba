use clap::Args;
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

const PROBE_EXAMPLES: &str = "\
States and reasons:
  open             syn-ack            connected (and not to ourselves), even if reset at once
  closed           conn-refused       TCP reset
  closed           port-unreach       ICMP port unreachable from the target
  filtered         port-unreach       ICMP port unreachable from a router on the way
  filtered         no-response        no answer after every try
  filtered         admin-prohibited   ICMP admin/host prohibited (v4), EACCES (v6)
  filtered         proto-unreach      ICMP protocol unreachable
  filtered         param-problem      ICMP parameter problem
  unreachable      host-unreach       EHOSTUNREACH (no ARP/NDP answer: only with --timeout over ~3s)
  unreachable      net-unreach        ENETUNREACH
  unreachable      time-exceeded      ICMP time exceeded (a routing loop)
  closed|filtered  icmp-rate-limited  silent while the host's ICMP errors were rate-limited
  filtered         icmp-rate-limited  the same, where the host never rejects with port-unreach
  open|filtered    no-response        UDP: no reply and no ICMP error
  error            local:ERRNO        local resource or invalid target
An ICMP error sent by a host other than the target names it: `port-unreach from 10.1.0.2`.

Examples:
  sockdiag probe host.example.test 25 80 443
  sockdiag probe 127.0.0.1 1-65535
  sockdiag probe db1,db2,192.0.2.0/30 5432,6379 http
  sockdiag probe --json [::1] ssh
  sockdiag probe fe80::2%eth0 22              (link-local: name the interface, or its index %3)
  sockdiag probe --count 5 --interval 200ms 127.0.0.1 80
  sockdiag probe --wait 30s 127.0.0.1 5432      (exit 0 once it is open)
  sockdiag probe --wait 30s -q db 5432 -- ./migrate --up
                                  (then run it, as wait-for-it: its exit code is sockdiag's)
  sockdiag probe --udp 127.0.0.1 53,123
  sockdiag probe 127.0.0.1                      (the 1,000 most commonly open TCP ports)
  sockdiag probe --top 100 -V 127.0.0.1         (and what answers on each open one)
  sockdiag probe --up 192.0.2.0/24 22,80,443    (only the hosts that answered)
  sockdiag probe -Pn 192.0.2.0/28 8080          (every address, even those silent to discovery)

  sockdiag probe --json --shard 2/8 10.0.0.0/16 1-1024   (the third of 8 exact parts of the scan)";

/// Probe ports: open, closed, filtered or unreachable, and why (TCP connect, or UDP with --udp).
#[derive(Debug, Args)]
#[command(
    after_long_help = PROBE_EXAMPLES,
    override_usage = "sockdiag probe [OPTIONS] <TARGETS> <PORTS>...\n       \
                      sockdiag probe [OPTIONS] --targets-file <FILE> <PORTS>...\n       \
                      sockdiag probe --wait <DURATION> [OPTIONS] <TARGETS> <PORTS>... -- <CMD>..."
)]
pub struct ProbeArgs {
    /// Targets: comma-separated names, addresses ([::1], fe80::1%eth0 too), CIDR blocks, ranges (192.0.2.1-20)
    #[arg(value_name = "TARGETS", required_unless_present = "targets_file")]
    pub targets: Option<String>,

    /// Ports: 80, 1-1024, 22,80, service names (http), `-` for 1-65535 [default: the 1,000
    /// most commonly open TCP ports, or the UDP list with --udp; see --top]
    #[arg(value_name = "PORTS")]
    pub ports: Vec<String>,

    /// Without PORTS: probe only the first N of the default list (most commonly open first)
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=65535))]
    pub top: Option<u32>,

    /// What answers on each open port: its banner, else one safe probe (HTTP HEAD, or a TLS
    /// ClientHello with no certificate check) named in the SERVICE column
    #[arg(short = 'V', long)]
    pub service: bool,

    /// Time for each open port's service detection (connect, banner, probe, reply)
    #[arg(long, default_value = "2s", value_parser = crate::input::duration::clap_duration,
          value_name = "DURATION", requires = "service")]
    pub service_timeout: Duration,

    /// Most open ports examined at once by --service
    #[arg(long, default_value_t = 64, value_name = "N", requires = "service",
          value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub service_concurrency: u32,

    /// No reverse lookups of probed addresses (the NAME of targets given as addresses)
    #[arg(short = 'n', long)]
    pub no_names: bool,

    /// List only the hosts that answered (open, closed, or an ICMP error from the host
    /// itself), and count the hosts up and down
    #[arg(long)]
    pub up: bool,

    /// No host discovery: probe every address of a multi-host scan, also those that gave no
    /// answer on the discovery ports (80, 443, 22, 113); `-Pn` and `--Pn` as nmap spells it
    #[arg(long, alias = "Pn")]
    pub no_discovery: bool,

    /// `-Pn`: the same as --no-discovery (nmap's spelling; `n` is the only value)
    #[arg(short = 'P', value_name = "n", value_parser = ["n"], hide_short_help = true)]
    pub pn: Option<String>,

    /// Read more targets from a file, one list per line (`#` starts a comment); with it, every
    /// positional argument is a port
    #[arg(long, value_name = "FILE")]
    pub targets_file: Option<PathBuf>,

    /// Ports not to probe (same forms as PORTS)
    #[arg(long, value_name = "PORTS")]
    pub exclude_ports: Vec<String>,

    /// Probe only the first address a name resolves to
    #[arg(long)]
    pub first_addr: bool,

    /// Deadline of each try; once a host answers, tries end sooner: after its round-trip
    /// time plus four times its variation (at least 100ms), unless --no-adapt
    #[arg(long, default_value = "1s", value_parser = crate::input::duration::clap_positive_duration, value_name = "DURATION")]
    pub timeout: Duration,

    /// Further tries for a port that gave no response (at least: more when the host is seen
    /// to lose tries, up to 10, unless --no-adapt)
    #[arg(long, default_value_t = 1, value_name = "N",
          value_parser = clap::value_parser!(u32).range(0..=20))]
    pub retries: u32,

    /// Most probes in flight [default: from the open-files limit, at most 65536; 8192 with
    /// --no-adapt]; the engine opens its window up to it while no try is lost
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub concurrency: Option<u32>,

    /// Most time spent asking ports found icmp-rate-limited again, one a second as the
    /// sender's limiter allows (not with --retries 0); what it leaves stays icmp-rate-limited
    #[arg(long, default_value = "5s", value_parser = crate::input::duration::clap_duration, value_name = "DURATION")]
    pub max_reask_time: Duration,

    /// TCP: no congestion control, no timeouts from measured round trips, no extra tries
    /// when tries are lost: --timeout, --retries and --concurrency exactly as given
    #[arg(long)]
    pub no_adapt: bool,

    /// Most new probes per second (0.001 to 10000000)
    #[arg(long, value_name = "N", value_parser = crate::input::duration::clap_rate)]
    pub rate: Option<f64>,

    /// Local address to probe from, ADDR or ADDR:PORT ([V6]:PORT)
    #[arg(long, value_name = "ADDR[:PORT]")]
    pub source: Option<String>,

    /// Send through this interface only (SO_BINDTODEVICE)
    #[arg(long, value_name = "NAME")]
    pub interface: Option<String>,

    /// List every port, not only the open ones, when more than 25 were probed
    #[arg(long)]
    pub all: bool,

    /// Probe each port N times and show connect-time statistics (min/avg/max/mdev/p95, loss)
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub count: Option<u32>,

    /// Pause between rounds of --count and --wait
    #[arg(long, default_value = "1s", value_parser = crate::input::duration::clap_duration, value_name = "DURATION")]
    pub interval: Duration,

    /// Keep probing until every port is open (exit 0, or run the command after --) or this
    /// expires (exit 1); a name that does not resolve yet is looked up again each round
    #[arg(long, value_parser = crate::input::duration::clap_duration, value_name = "DURATION",
          conflicts_with = "count")]
    pub wait: Option<Duration>,

    /// With --wait and a command: run it even when the wait times out (its exit code is
    /// returned either way)
    #[arg(long)]
    pub run_anyway: bool,

    /// With --wait: once every port is open, run this command in sockdiag's place (exec, as
    /// wait-for-it does), so its exit code is returned; on timeout exit 1 without running it.
    /// Stdout is the command's: sockdiag's results go to stderr (-q: only when not all open)
    #[arg(last = true, value_name = "CMD", value_parser = clap::value_parser!(OsString))]
    pub command: Vec<OsString>,

    /// UDP: send a datagram and wait for a reply
    #[arg(long)]
    pub udp: bool,

    /// UDP payload to send [default: a unique token per probe]
    #[arg(long, value_name = "TEXT", requires = "udp")]
    pub payload: Option<String>,

    /// Probe only part K of N of the (address, port) pairs (K from 0, as a Kubernetes
    /// JOB_COMPLETION_INDEX): N copies with K = 0..N-1 cover the scan exactly, no pair twice,
    /// parts within one probe of each other; JSON records carry "shard":"K/N"
    #[arg(long, value_name = "K/N", conflicts_with_all = ["count", "wait"])]
    pub shard: Option<String>,

    /// Seed of the order that --shard deals the targets in; every shard must share it
    #[arg(long, default_value_t = 0, value_name = "N", requires = "shard")]
    pub seed: u64,
}
