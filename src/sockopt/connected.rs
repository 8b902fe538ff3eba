//! Connect with options, then read them back: what `opts --connect` and `connect` both do.
use super::*;
use crate::interrupt::Interrupt;
use crate::net::attempt::{connect_one, Tried};
use socket2::Socket;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::time::Duration;

/// One address tried with the plan's options set before connect(), and the options as the
/// connected socket has them.
pub struct Connected {
    pub tried: Tried,
    /// What setting each option of the plan gave (a refusal is that option's error).
    pub applied: Vec<Applied>,
    /// Read back from the connected socket; empty when it did not connect.
    pub options: Vec<OptionRecord>,
}

/// Connects to `dest` with the plan's options set first (and `bind` run after them: a source
/// address, a device), then reads the options back: every option with `all`, else the ones
/// the plan names; with `limits` `None` nothing is read back.
#[allow(clippy::too_many_arguments)]
pub fn connect_and_inspect(
    dest: SocketAddr,
    proto: Proto,
    plan: &Plan,
    limits: Option<&Limits>,
    all: bool,
    timeout: Duration,
    interrupt: &Interrupt,
    bind: &mut dyn FnMut(&Socket) -> io::Result<()>,
) -> Connected {
    let v6 = dest.is_ipv6();
    let mut applied = Vec::new();
    let tried = connect_one(dest, proto, timeout, interrupt, &mut |s: &Socket| {
        applied = apply(s.as_raw_fd(), proto, v6, plan);
        bind(s)
    });
    let options = match (&tried.sock, limits) {
        (Some(s), Some(limits)) => {
            let defaults = defaults(proto, v6).unwrap_or_default();
            inspect(
                s.as_raw_fd(),
                &Inspect {
                    proto,
                    v6,
                    phase: Phase::Connected,
                    applied: &applied,
                    all,
                    limits,
                    defaults: &defaults,
                },
            )
        }
        _ => Vec::new(),
    };
    Connected {
        tried,
        applied,
        options,
    }
}
