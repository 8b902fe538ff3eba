//! The socket options catalog: each option's name, level and kind, which sockets it applies
//! to, when it must be set to take effect; setting a plan of options on a socket, reading
//! them back, and explaining every difference between what was asked for and what the kernel
//! applied, from the live system (/proc/sys) and the kernel's measured behaviour.
//! Returns records; never prints.
mod apply;
mod catalog;
mod connected;
pub mod examine;
mod explain;
pub mod holders;
mod inspect;
pub mod parse;

mod sysctl;

use crate::net::sys;
pub use apply::*;
pub use catalog::*;
pub use connected::*;
use explain::*;
pub use inspect::*;
pub use sysctl::*;

use serde::Serialize;
use std::collections::HashMap;
use std::io;
use std::os::fd::RawFd;

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            wmem_max: Some(1_000_000),
            rmem_max: Some(600_000),
            min_sndbuf: Some(4608),
            min_rcvbuf: Some(2304),
            ..Limits::default()
        }
    }

    fn note(opt: Opt, r: Value, e: Value, proto: Proto, l: &Limits) -> String {
        explain(&NoteCtx {
            sp: spec(opt),
            requested: Some(r),
            effective: Some(e),
            default: None,
            proto,
            phase: Phase::Fresh,
            limits: l,
            keepalive_on: false,
            refused: false,
        })
        .join("; ")
    }

    #[test]
    fn buffer_notes_follow_the_kernels_rule() {
        let l = limits();
        let i = Value::Int;
        let n = note(Opt::SndBuf, i(65536), i(131072), Proto::Udp, &l);
        assert!(n.starts_with("doubled:"), "{n}");
        let n = note(Opt::SndBuf, i(4_000_000), i(2_000_000), Proto::Udp, &l);
        assert!(
            n.contains("net.core.wmem_max = 1000000") && n.contains("/proc/sys/net/core/wmem_max"),
            "{n}"
        );
        let n = note(Opt::RcvBuf, i(4_000_000), i(1_200_000), Proto::Tcp, &l);
        assert!(
            n.contains("net.core.rmem_max = 600000") && n.contains("before connect or listen"),
            "{n}"
        );
        let n = note(Opt::RcvBuf, i(1), i(2304), Proto::Udp, &l);
        assert!(n.contains("at least 2304 bytes (SOCK_MIN_RCVBUF)"), "{n}");
        // Something the rule does not explain is said as it is.
        let n = note(Opt::SndBuf, i(65536), i(99999), Proto::Udp, &l);
        assert!(n.contains("keeps 99999, not twice the 65536"), "{n}");
    }

    #[test]
    fn other_notes() {
        let l = limits();
        let n = note(Opt::Tos, Value::Int(0x13), Value::Int(0x10), Proto::Tcp, &l);
        assert!(n.contains("ECN"), "{n}");
        // Beyond a byte the kernel keeps the low byte (999 = 0x3e7 -> 0xe7), less ECN for TCP.
        let n = note(Opt::Tos, Value::Int(999), Value::Int(228), Proto::Tcp, &l);
        assert!(
            n.contains("one byte (0-255)") && n.contains("0xe7 = 231"),
            "{n}"
        );
        assert!(
            n.contains("ECN") && !n.contains("the kernel kept 228"),
            "{n}"
        );
        let n = note(Opt::Tos, Value::Int(256), Value::Int(0), Proto::Udp, &l);
        assert!(
            n.contains("low byte of 256, 0x00 = 0") && !n.contains("ECN"),
            "{n}"
        );
        let n = note(
            Opt::KeepIdle,
            Value::Millis(60_000),
            Value::Millis(60_000),
            Proto::Tcp,
            &l,
        );
        assert!(n.contains("SO_KEEPALIVE"), "{n}");
        let n = note(
            Opt::ReuseAddr,
            Value::Flag(true),
            Value::Flag(true),
            Proto::Tcp,
            &l,
        );
        assert!(n.contains("before bind"), "{n}");
        let n = note(Opt::KeepCnt, Value::Int(5), Value::Int(4), Proto::Tcp, &l);
        assert!(n.contains("the kernel kept 4, not the 5 asked for"), "{n}");
        assert_eq!(
            note(
                Opt::NoDelay,
                Value::Flag(true),
                Value::Flag(true),
                Proto::Tcp,
                &l
            ),
            ""
        );
    }

    #[test]
    fn values_serialize_and_display_by_kind() {
        let j = |v: Value| serde_json::to_string(&v).unwrap();
        assert_eq!(j(Value::Flag(true)), "true");
        assert_eq!(j(Value::Int(131072)), "131072");
        assert_eq!(j(Value::Millis(7_200_000)), "7200000");
        assert_eq!(j(Value::Linger(None)), "false");
        assert_eq!(j(Value::Linger(Some(5))), "5000");
        assert_eq!(Value::Millis(1500).to_string(), "1500ms");
        assert_eq!(Value::Millis(60_000).to_string(), "60s");
        assert_eq!(Value::Linger(Some(0)).to_string(), "on, 0s");
    }

    #[test]
    fn every_option_round_trips_on_a_real_socket() {
        use std::os::fd::AsRawFd;
        for (proto, v6) in [
            (Proto::Tcp, false),
            (Proto::Tcp, true),
            (Proto::Udp, false),
            (Proto::Udp, true),
        ] {
            let s = new_socket(proto, v6).unwrap();
            for sp in CATALOG.iter().filter(|sp| sp.applies(proto, v6)) {
                let v = get(s.as_raw_fd(), sp).unwrap_or_else(|e| panic!("{}: {e}", sp.name));
                // Writing back what was read is accepted and changes nothing, but for the
                // buffer sizes, which the kernel doubles again.
                set(s.as_raw_fd(), sp, v).unwrap_or_else(|e| panic!("{} = {v}: {e}", sp.name));
                let want = match (sp.opt, v) {
                    (Opt::SndBuf | Opt::RcvBuf, Value::Int(n)) => Value::Int(n * 2),
                    _ => v,
                };
                assert_eq!(get(s.as_raw_fd(), sp).unwrap(), want, "{}", sp.name);
            }
        }
    }
}
