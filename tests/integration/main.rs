//! The integration tests: one crate (one link, one binary), a module per former test file.
//! Each spawns the sockdiag binary through `util` (a scrubbed environment) or, inside
//! network namespaces the test makes, through `lab` (skipped with a line on stderr without
//! root and the lab's tools, unless SOCKDIAG_LAB=required).
mod lab;
mod util;

mod cli;
mod closed_stdout_lab;
mod connect_session;
mod connect_tls;
mod discovery_lab;
mod explain_lab;
mod exporter_lab;
mod generated;
mod hostile_probe_lab;
mod http;
mod http_lab;
mod https;
mod icmp_ratelimit_lab;
mod json_schema;
mod no_panic;
mod opts_connect;
mod opts_connect_lab;
mod probe_count_lab;
mod probe_lab;
mod resolve_diff_lab;
mod resolve_lab;
mod serve;
mod serve_lab;
mod service_lab;
mod shard_lab;
mod signals;
mod silence_lab;
mod sockets_cli;
mod sockets_lab;
mod trace;
mod trace_lab;
mod udp_probe_lab;
mod unix_sockets;
mod wait_cmd;
mod wait_cmd_lab;
mod wan_probe_lab;
mod why_lab;
mod zone_lab;
