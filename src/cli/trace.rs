use clap::Args;
use std::time::Duration;

const TRACE_EXAMPLES: &str = "\
Each hop: the addresses that answered (with their share when several did: load balancing),
their names, round-trip time min/avg/max, loss, and the ICMP message (time-exceeded, or the
unreachable a router sent instead); `*`: no answer at that TTL. The destination's hop shows
its state and reason as `probe` does (open syn-ack, closed conn-refused, closed port-unreach,
open udp-response). Unprivileged: normal sockets with a low TTL, and the router's ICMP read
from the socket's error queue (IP_RECVERR). TTL by TTL, the next once the last answered,
never past the host's distance: at most --queries connections reach the host, each reset at
once. RTTs are the kernel's timestamps.

Verdicts:
  reached          the destination answered (open, or closed: reset / port unreachable)
  silent-after     nothing answered past a hop; whether the host answers other probes
                   (ICMP echo or UDP) tells a dropped port from a path that goes quiet
  rejected         a router (or the host) sent an ICMP admin-prohibited or the like
  no-route         ICMP net- or host-unreachable, or no route on this host
  middlebox-reset  a reset came from a lower TTL than the host's distance
  intercepted      a SYN-ACK (or reply) in the host's name from a lower TTL than its
                   distance: a transparent proxy or NAT answers for it
  not-reached      the last TTL asked for (--max-hops) is still a router
  mtu-black-hole   --pmtu: large DF packets vanish without a frag-needed

Examples:
  sockdiag trace host.example.test 443
  sockdiag trace -n 192.0.2.10 22                  (no reverse names)
  sockdiag trace --udp 192.0.2.53 53
  sockdiag trace --pmtu --json host.example.test 443
  sockdiag trace -6 --queries 5 --max-hops 20 host.example.test";

/// Trace the path to a port: where on the way a connection dies (TCP, or UDP with --udp),
/// every hop at once, unprivileged; --pmtu adds the path MTU.
#[derive(Debug, Args)]
#[command(after_long_help = TRACE_EXAMPLES)]
pub struct TraceArgs {
    /// Name or address ([::1] too); every address of a name is traced unless --first-addr
    #[arg(value_name = "HOST")]
    pub host: String,

    /// Port number or service name [default: 80, or 33434 with --udp]
    #[arg(value_name = "PORT")]
    pub port: Option<String>,

    /// UDP datagrams to PORT instead of TCP connects
    #[arg(long)]
    pub udp: bool,

    /// The largest TTL (hop limit) probed
    #[arg(long, default_value_t = 30, value_name = "N",
          value_parser = clap::value_parser!(u8).range(1..=255))]
    pub max_hops: u8,

    /// The TTL to start from
    #[arg(long, default_value_t = 1, value_name = "N",
          value_parser = clap::value_parser!(u8).range(1..=255))]
    pub first_hop: u8,

    /// Probes per hop
    #[arg(long, default_value_t = 3, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=10))]
    pub queries: u32,

    /// Deadline of each probe
    #[arg(long, default_value = "1s", value_parser = crate::input::duration::clap_positive_duration, value_name = "DURATION")]
    pub timeout: Duration,

    /// No reverse names for the hops
    #[arg(short = 'n', long = "numeric")]
    pub numeric: bool,

    /// Also find the path MTU: DF-set probes, the MTU each router reports, black holes
    #[arg(long)]
    pub pmtu: bool,

    /// Trace only the first address a name resolves to
    #[arg(long)]
    pub first_addr: bool,

    /// Local address to send from (an address: each probe has its own port)
    #[arg(long, value_name = "ADDR")]
    pub source: Option<String>,

    /// Send through this interface only (SO_BINDTODEVICE)
    #[arg(long, value_name = "NAME")]
    pub interface: Option<String>,
}
