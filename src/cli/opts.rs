use crate::error::InputError;
use crate::sockopt::{parse, spec, Opt, Plan, Value, CATALOG};
use clap::Args;
use std::time::Duration;

const OPTS_EXAMPLES: &str = "\
Columns: REQUESTED is what you asked for, EFFECTIVE what the kernel reads back, DEFAULT a
fresh socket's value; NOTE says why they differ, from this system's /proc/sys values.

Examples:
  sockdiag opts                                  (a fresh TCP socket's options)
  sockdiag opts -6 --udp
  sockdiag opts --sndbuf 64KiB --rcvbuf 16MiB    (doubled; clamped at 2 x net.core.rmem_max)
  sockdiag opts --keepalive --keepidle 60s --keepintvl 10s --keepcnt 5
  sockdiag opts --ttl 0                          (refused by the kernel: exit 1)
  sockdiag opts --bind 127.0.0.1:8080 --reuseaddr --listen
  sockdiag opts --connect 127.0.0.1:22 --nodelay";

/// Socket options to set: shared by `opts` and `connect`. Values the kernel refuses are shown
/// as that option's error; the others are still set.
#[derive(Debug, Args, Default, Clone)]
#[command(next_help_heading = "Socket options")]
pub struct SockOptArgs {
    /// SO_REUSEADDR: bind over a TIME_WAIT connection on the same port
    #[arg(long)]
    pub reuseaddr: bool,

    /// SO_REUSEPORT: share the port with other sockets that set it too
    #[arg(long)]
    pub reuseport: bool,

    /// SO_KEEPALIVE: probe an idle connection
    #[arg(long)]
    pub keepalive: bool,

    /// TCP_KEEPIDLE: idle time before the first keepalive probe (whole seconds)
    #[arg(long, value_name = "DURATION")]
    pub keepidle: Option<String>,

    /// TCP_KEEPINTVL: time between keepalive probes (whole seconds)
    #[arg(long, value_name = "DURATION")]
    pub keepintvl: Option<String>,

    /// TCP_KEEPCNT: unanswered probes before the connection is dropped
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub keepcnt: Option<String>,

    /// SO_SNDBUF: send buffer size: bytes, or 64KiB, 4MiB
    #[arg(long, value_name = "SIZE")]
    pub sndbuf: Option<String>,

    /// SO_RCVBUF: receive buffer size: bytes, or 64KiB, 4MiB
    #[arg(long, value_name = "SIZE")]
    pub rcvbuf: Option<String>,

    /// TCP_NODELAY: send small segments at once (no Nagle)
    #[arg(long)]
    pub nodelay: bool,

    /// SO_LINGER: how long close() waits for unsent data (whole seconds; 0s resets), or off
    #[arg(long, value_name = "DURATION|off")]
    pub linger: Option<String>,

    /// IP_TTL (IPV6_UNICAST_HOPS on IPv6): hops a packet may take
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub ttl: Option<String>,

    /// IP_TOS (IPV6_TCLASS on IPv6): the TOS / traffic class byte, e.g. 0x10
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub tos: Option<String>,

    /// IPV6_V6ONLY: an IPv6 socket that does not take IPv4 (IPv6 sockets only)
    #[arg(long)]
    pub v6only: bool,

    /// SO_BROADCAST: allow sending to a broadcast address (UDP)
    #[arg(long)]
    pub broadcast: bool,

    /// TCP_USER_TIMEOUT: drop the connection when sent data stays unacknowledged this long
    #[arg(long, value_name = "DURATION")]
    pub user_timeout: Option<String>,

    /// TCP_SYNCNT: SYN retransmissions before connect gives up
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub syncnt: Option<String>,
}

/// Show a socket's options as the kernel really applies them: requested, effective, default,
/// and why they differ.
#[derive(Debug, Args)]
#[command(after_long_help = OPTS_EXAMPLES)]
pub struct OptsArgs {
    /// A UDP socket (SO_BROADCAST and the UDP options) instead of TCP
    #[arg(long)]
    pub udp: bool,

    /// Bind first (ADDR:PORT, [V6]:PORT) and show the local address; a port in use is
    /// explained, with who holds it where that can be known
    #[arg(long, value_name = "ADDR:PORT")]
    pub bind: Option<String>,

    /// Also listen (TCP; on an ephemeral port without --bind)
    #[arg(long)]
    pub listen: bool,

    /// Connect (HOST:PORT, [V6]:PORT) and read the options on the connected socket
    #[arg(long, value_name = "HOST:PORT", conflicts_with_all = ["listen", "bind"])]
    pub connect: Option<String>,

    /// Deadline of --connect
    #[arg(long, default_value = "5s", value_parser = crate::input::duration::clap_positive_duration, value_name = "DURATION")]
    pub timeout: Duration,

    #[command(flatten)]
    pub set: SockOptArgs,
}

impl SockOptArgs {
    /// Validates the option flags into the one plan `opts` and `connect` apply.
    pub fn plan(&self, udp: bool) -> Result<Plan, InputError> {
        let a = self;
        let mut sets: Vec<(Opt, Value)> = Vec::new();
        let flag = |on: bool, o: Opt, sets: &mut Vec<(Opt, Value)>| {
            if on {
                sets.push((o, Value::Flag(true)));
            }
        };
        flag(a.reuseaddr, Opt::ReuseAddr, &mut sets);
        flag(a.reuseport, Opt::ReusePort, &mut sets);
        flag(a.broadcast, Opt::Broadcast, &mut sets);
        flag(a.keepalive, Opt::KeepAlive, &mut sets);
        if let Some(s) = &a.sndbuf {
            sets.push((
                Opt::SndBuf,
                Value::Int(parse::parse_size("sndbuf", s)? as i64),
            ));
        }
        if let Some(s) = &a.rcvbuf {
            sets.push((
                Opt::RcvBuf,
                Value::Int(parse::parse_size("rcvbuf", s)? as i64),
            ));
        }
        if let Some(s) = &a.linger {
            sets.push((Opt::Linger, Value::Linger(parse::parse_linger(s)?)));
        }
        flag(a.nodelay, Opt::NoDelay, &mut sets);
        if let Some(s) = &a.keepidle {
            sets.push((
                Opt::KeepIdle,
                Value::Millis(parse::parse_secs("keepidle", s)? * 1000),
            ));
        }
        if let Some(s) = &a.keepintvl {
            sets.push((
                Opt::KeepIntvl,
                Value::Millis(parse::parse_secs("keepintvl", s)? * 1000),
            ));
        }
        if let Some(s) = &a.keepcnt {
            sets.push((
                Opt::KeepCnt,
                Value::Int(parse::parse_int("keepcnt", s)? as i64),
            ));
        }
        if let Some(s) = &a.syncnt {
            sets.push((
                Opt::SynCnt,
                Value::Int(parse::parse_int("syncnt", s)? as i64),
            ));
        }
        if let Some(s) = &a.user_timeout {
            sets.push((
                Opt::UserTimeout,
                Value::Millis(parse::parse_millis("user-timeout", s)?),
            ));
        }
        if let Some(s) = &a.ttl {
            sets.push((Opt::Ttl, Value::Int(parse::parse_int("ttl", s)? as i64)));
        }
        if let Some(s) = &a.tos {
            sets.push((Opt::Tos, Value::Int(parse::parse_int("tos", s)? as i64)));
        }
        flag(a.v6only, Opt::V6Only, &mut sets);
        for (o, _) in &sets {
            let sp = spec(*o);
            let name = flag_name(*o);
            if udp && !sp.udp {
                return Err(InputError::new(
                    "option",
                    name,
                    format!("{} is a TCP option; not with --udp", sp.name),
                ));
            }
            if !udp && !sp.tcp {
                return Err(InputError::new(
                    "option",
                    name,
                    format!("{} is a UDP option: add --udp", sp.name),
                ));
            }
        }
        sets.sort_by_key(|(o, _)| CATALOG.iter().position(|s| s.opt == *o));
        Ok(Plan { sets })
    }
}

impl SockOptArgs {
    /// The option flags given, by name (`--nodelay`), for a socket they do not apply to.
    pub fn given(&self) -> Vec<&'static str> {
        let a = self;
        [
            (a.reuseaddr, "--reuseaddr"),
            (a.reuseport, "--reuseport"),
            (a.keepalive, "--keepalive"),
            (a.keepidle.is_some(), "--keepidle"),
            (a.keepintvl.is_some(), "--keepintvl"),
            (a.keepcnt.is_some(), "--keepcnt"),
            (a.sndbuf.is_some(), "--sndbuf"),
            (a.rcvbuf.is_some(), "--rcvbuf"),
            (a.nodelay, "--nodelay"),
            (a.linger.is_some(), "--linger"),
            (a.ttl.is_some(), "--ttl"),
            (a.tos.is_some(), "--tos"),
            (a.v6only, "--v6only"),
            (a.broadcast, "--broadcast"),
            (a.user_timeout.is_some(), "--user-timeout"),
            (a.syncnt.is_some(), "--syncnt"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }
}

fn flag_name(o: Opt) -> &'static str {
    match o {
        Opt::ReuseAddr => "--reuseaddr",
        Opt::ReusePort => "--reuseport",
        Opt::Broadcast => "--broadcast",
        Opt::KeepAlive => "--keepalive",
        Opt::SndBuf => "--sndbuf",
        Opt::RcvBuf => "--rcvbuf",
        Opt::Linger => "--linger",
        Opt::NoDelay => "--nodelay",
        Opt::KeepIdle => "--keepidle",
        Opt::KeepIntvl => "--keepintvl",
        Opt::KeepCnt => "--keepcnt",
        Opt::SynCnt => "--syncnt",
        Opt::UserTimeout => "--user-timeout",
        Opt::Ttl | Opt::Hops => "--ttl",
        Opt::Tos | Opt::TClass => "--tos",
        Opt::V6Only => "--v6only",
        Opt::RcvTimeo | Opt::SndTimeo => "-",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_refuses_options_of_the_other_protocol() {
        let a = SockOptArgs {
            nodelay: true,
            ..SockOptArgs::default()
        };
        let e = a.plan(true).unwrap_err();
        assert!(e.to_string().contains("'--nodelay'"), "{e}");
        let a = SockOptArgs {
            broadcast: true,
            ..SockOptArgs::default()
        };
        assert!(a.plan(false).unwrap_err().why.contains("--udp"));
        let a = SockOptArgs {
            sndbuf: Some("64KiB".into()),
            ttl: Some("0".into()),
            ..SockOptArgs::default()
        };
        let p = a.plan(false).unwrap();
        assert_eq!(
            p.sets,
            vec![(Opt::SndBuf, Value::Int(65536)), (Opt::Ttl, Value::Int(0))]
        );
    }
}
