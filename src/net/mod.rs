//! What every engine shares, and nothing else: the transport, errno names, the socket error
//! queue (ICMP errors), the fd limit, binding to a source, the non-blocking connect
//! attempt, UNIX socket names and peer credentials. It imports nothing from the engines, the
//! subcommands or the output above it.
pub mod attempt;
pub mod bind;
pub mod classify;
pub mod errno;
pub mod limits;
pub mod outcome;
pub mod poll;
pub mod recverr;
pub mod sys;
pub mod tls;
pub mod unix;
pub mod zone;

pub use outcome::{Icmp, Reason, State};

use serde::Serialize;

/// TCP or UDP: the one transport type every engine, parser and record uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    #[default]
    Tcp,
    Udp,
}

impl Proto {
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}
