use clap::Args;
use std::path::PathBuf;

const EXPORTER_EXAMPLES: &str = "\
Endpoints (Prometheus blackbox_exporter's contract):
  /probe?target=HOST:PORT&module=NAME   one check, a fresh set of metrics (module default http_2xx)
  /metrics                              the exporter's own metrics
  /                                     modules and the last probes
  /-/healthy                            200 while it runs

Modules without a config file:
  tcp_connect   TCP connect: probe_success, sockdiag_probe_state{state,reason}, ICMP, RTT
  http_2xx      HTTP GET (target http://HOST[:PORT]/PATH or HOST[:PORT]); a 2xx succeeds
  https_2xx     the same over TLS, certificates verified
  udp           a datagram and its answer (as probe --udp)
  dns           the target is a name, looked up through the system resolver

Answers: 400 missing target or bad target, unknown module; 403 a target outside
--allow-targets; 408 no whole request head within 3s; 431 a request head over 16 KiB;
503 over --max-concurrent probes or --max-connections connections.

Examples:
  sockdiag exporter
  sockdiag exporter --listen 0.0.0.0:9115 --allow-targets 10.0.0.0/8,*.internal.example.test
  sockdiag exporter --config modules.toml
  curl 'http://127.0.0.1:9115/probe?target=127.0.0.1:22&module=tcp_connect'";

/// Serve Prometheus probes (blackbox_exporter's /probe contract) with sockdiag's reasons.
#[derive(Debug, Args)]
#[command(after_long_help = EXPORTER_EXAMPLES)]
pub struct ExporterArgs {
    /// Where to listen, ADDR:PORT or [V6]:PORT (port 0 picks a free port; the first line
    /// printed says which)
    #[arg(long, default_value = "127.0.0.1:9115", value_name = "ADDR:PORT")]
    pub listen: String,

    /// A TOML file of modules ([modules.NAME] prober = "tcp"|"http"|"udp"|"dns", timeout,
    /// [modules.NAME.tcp] send/expect, [modules.NAME.http] valid_status_codes, method,
    /// headers, tls, ca_file, follow_redirects); they add to the defaults, and replace one of
    /// the same name
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Only these targets may be probed: comma-separated blocks, addresses and names
    /// (10.0.0.0/8,192.0.2.7,db.example.test,*.lab.example.test); others get 403. A name
    /// not listed is allowed when every address it has is; a name under a wildcard is not
    /// when it has a loopback or link-local address that is not listed. Checked on every
    /// redirect hop, and only the checked addresses are connected to [default: any target]
    #[arg(long, value_name = "LIST")]
    pub allow_targets: Option<String>,

    /// Most probes at once; more get 503 at once
    #[arg(long, default_value_t = 64, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_concurrent: u32,

    /// Most connections open at once, apart from the probes in flight (a client slow to send
    /// its request holds one for at most 3s); when full, the one that has waited longest for
    /// its request head is shed with 503
    #[arg(long, default_value_t = 1024, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_connections: u32,
}
