use clap::Args;
use std::time::Duration;

const HTTP_EXAMPLES: &str = "\
Timing (milliseconds, each counted from the start, as curl's time_* are):
  resolve      the name resolved
  connect      TCP connected
  tls          the TLS handshake finished (https only)
  written      the request written
  first_byte   the first byte of the response arrived
  total        the last byte of the body arrived

The addresses of a name are tried in order, each with an equal share of the time left (the
last one all of it); -v and JSON `attempts` show how each fared.
Limits, so that no server can grow memory: a head of 64 KiB and 1000 header lines, 64 interim
(1xx) responses, chunk-size lines of 4 KiB, trailers of 64 KiB and 1000 lines; the body is
counted, never kept. A response cut short after its head keeps its status, headers and body
bytes, with the error.

Examples:
  sockdiag http http://127.0.0.1:8080/
  sockdiag http -v --head http://localhost:8080/health
  sockdiag http -H 'Accept: text/plain' -H 'X-Trace: 1' http://[::1]:8080/x
  sockdiag http --count 10 --interval 200ms http://127.0.0.1:8080/
  sockdiag http --json http://127.0.0.1:8080/ | jq .timing_ms
  sockdiag http https://host.example.test/        (TLS version, cipher, certificate expiry)
  sockdiag http --cacert ca.pem https://10.0.0.5:8443/
Exit 0 on a 2xx or 3xx status (every one, with --count), 1 otherwise.";

/// HTTP/1.1 check over a plain TCP socket (or TLS): status, headers, body size, timing breakdown.
#[derive(Debug, Args)]
#[command(after_long_help = HTTP_EXAMPLES)]
pub struct HttpArgs {
    /// The URL: http(s)://HOST[:PORT][/PATH] (`http://` may be left out)
    #[arg(value_name = "URL")]
    pub url: String,

    /// Send HEAD instead of GET (no body is read)
    #[arg(long)]
    pub head: bool,

    /// Add a request header NAME:VALUE (repeatable; replaces a default of the same name)
    #[arg(short = 'H', long = "header", value_name = "NAME:VALUE")]
    pub headers: Vec<String>,

    /// Deadline for each whole exchange: connects, TLS, request, response (every step)
    #[arg(long, default_value = "10s", value_parser = crate::input::duration::clap_positive_duration, value_name = "DURATION")]
    pub timeout: Duration,

    /// Make N requests (a new connection each) and show min/avg/max per phase
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub count: Option<u32>,

    /// https: trust the CA certificates in this PEM file instead of the built-in Mozilla roots
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<std::path::PathBuf>,

    /// Pause between the requests of --count
    #[arg(long, default_value = "1s", value_parser = crate::input::duration::clap_duration, value_name = "DURATION")]
    pub interval: Duration,
}
