//! From an errno and the ICMP message behind it to a state and a reason (the states table of
//! `sockdiag probe --help`).
use super::{Icmp, Proto, Reason, State};
use std::net::IpAddr;

/// ICMPv4 destination unreachable, time exceeded, parameter problem.
const ICMP4_UNREACH: u8 = 3;
const ICMP4_TIME_EXCEEDED: u8 = 11;
const ICMP4_PARAMPROB: u8 = 12;
/// ICMPv6 destination unreachable, time exceeded, parameter problem.
const ICMP6_UNREACH: u8 = 1;
const ICMP6_TIME_EXCEEDED: u8 = 3;
const ICMP6_PARAMPROB: u8 = 4;

/// State and reason of a try to `target` from the ICMP message when there is one (it says
/// more than the errno: IPv4 admin-prohibited arrives as EHOSTUNREACH), else from the errno.
/// A port unreachable is `closed` only when the target itself sent it: from a router on the
/// way it says the target never saw the packet (`filtered`, as nmap has it).
pub fn classify_to(
    target: IpAddr,
    errno: i32,
    icmp: Option<&Icmp>,
    proto: Proto,
) -> (State, Reason) {
    decide(errno, icmp, Some(target), proto)
}

/// [`classify_to`] for a caller that does not pass the target: every ICMP error is taken as
/// the target's own. `_v6` (the socket's family) no longer matters: the ICMP message carries
/// its own version.
pub fn classify(errno: i32, icmp: Option<&Icmp>, _v6: bool, proto: Proto) -> (State, Reason) {
    decide(errno, icmp, None, proto)
}

fn decide(
    errno: i32,
    icmp: Option<&Icmp>,
    target: Option<IpAddr>,
    proto: Proto,
) -> (State, Reason) {
    if let Some(i) = icmp {
        let by_target = !matches!(target, Some(t) if i.from_other_than(t).is_some());
        if let Some(sr) = from_icmp(i, by_target) {
            return sr;
        }
    }
    from_errno(errno, proto)
}

fn from_icmp(i: &Icmp, by_target: bool) -> Option<(State, Reason)> {
    use Reason::*;
    use State::*;
    let port_unreach = if by_target {
        (Closed, PortUnreach)
    } else {
        (Filtered, PortUnreach)
    };
    Some(match (i.v6, i.kind, i.code) {
        (false, ICMP4_UNREACH, 3) => port_unreach,
        (false, ICMP4_UNREACH, 2) => (Filtered, ProtoUnreach),
        (false, ICMP4_UNREACH, 9 | 10 | 13) => (Filtered, AdminProhibited),
        (false, ICMP4_UNREACH, 0 | 6 | 11) => (Unreachable, NetUnreach),
        (false, ICMP4_UNREACH, _) => (Unreachable, HostUnreach),
        (false, ICMP4_TIME_EXCEEDED, _) => (Unreachable, TimeExceeded),
        (false, ICMP4_PARAMPROB, _) => (Filtered, ParamProblem),
        (true, ICMP6_UNREACH, 4) => port_unreach,
        (true, ICMP6_UNREACH, 1 | 5 | 6) => (Filtered, AdminProhibited),
        (true, ICMP6_UNREACH, 0) => (Unreachable, NetUnreach),
        (true, ICMP6_UNREACH, _) => (Unreachable, HostUnreach),
        (true, ICMP6_TIME_EXCEEDED, _) => (Unreachable, TimeExceeded),
        // Unrecognised next header: IPv6's protocol unreachable.
        (true, ICMP6_PARAMPROB, 1) => (Filtered, ProtoUnreach),
        (true, ICMP6_PARAMPROB, _) => (Filtered, ParamProblem),
        _ => return None,
    })
}

fn from_errno(errno: i32, proto: Proto) -> (State, Reason) {
    use Reason::*;
    use State::*;
    match errno {
        libc::ECONNREFUSED if proto == Proto::Udp => (Closed, PortUnreach),
        libc::ECONNREFUSED => (Closed, ConnRefused),
        // A reset in SYN_SENT is ECONNREFUSED; these come only from a connection that was
        // established (the handshake completed) and then reset (after a FIN: EPIPE). A
        // server that accepts and resets at once is listening: open.
        libc::ECONNRESET | libc::EPIPE if proto == Proto::Tcp => (Open, SynAck),
        libc::ENOPROTOOPT => (Filtered, ProtoUnreach),
        // IPv6 admin-prohibited, and a `prohibit` route on this host.
        libc::EACCES => (Filtered, AdminProhibited),
        libc::EHOSTUNREACH | libc::EHOSTDOWN => (Unreachable, HostUnreach),
        libc::ENETUNREACH => (Unreachable, NetUnreach),
        // ICMP parameter problem (v4 and v6), its message not read.
        libc::EPROTO => (Filtered, ParamProblem),
        libc::ETIMEDOUT => (Filtered, NoResponse),
        e => (Error, Local(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_table() {
        use Reason::*;
        use State::*;
        let t = Proto::Tcp;
        // errno, ICMP type and code, ICMPv6, state, reason.
        type Row = (i32, Option<(u8, u8)>, bool, State, Reason);
        let rows: &[Row] = &[
            (libc::ECONNREFUSED, None, false, Closed, ConnRefused),
            (libc::ECONNREFUSED, Some((3, 3)), false, Closed, PortUnreach),
            (libc::ECONNREFUSED, Some((1, 4)), true, Closed, PortUnreach),
            (
                libc::EHOSTUNREACH,
                Some((3, 13)),
                false,
                Filtered,
                AdminProhibited,
            ),
            (
                libc::EHOSTUNREACH,
                Some((3, 10)),
                false,
                Filtered,
                AdminProhibited,
            ),
            (libc::EACCES, Some((1, 1)), true, Filtered, AdminProhibited),
            (libc::EACCES, None, true, Filtered, AdminProhibited),
            (
                libc::ENOPROTOOPT,
                Some((3, 2)),
                false,
                Filtered,
                ProtoUnreach,
            ),
            (libc::EPROTO, Some((4, 1)), true, Filtered, ProtoUnreach),
            (
                libc::EHOSTUNREACH,
                Some((3, 1)),
                false,
                Unreachable,
                HostUnreach,
            ),
            (
                libc::EHOSTUNREACH,
                Some((1, 3)),
                true,
                Unreachable,
                HostUnreach,
            ),
            (libc::EHOSTUNREACH, None, false, Unreachable, HostUnreach),
            (
                libc::ENETUNREACH,
                Some((3, 0)),
                false,
                Unreachable,
                NetUnreach,
            ),
            (
                libc::ENETUNREACH,
                Some((1, 0)),
                true,
                Unreachable,
                NetUnreach,
            ),
            (libc::ENETUNREACH, None, true, Unreachable, NetUnreach),
            (
                libc::EHOSTUNREACH,
                Some((11, 0)),
                false,
                Unreachable,
                TimeExceeded,
            ),
            (
                libc::EHOSTUNREACH,
                Some((3, 0)),
                true,
                Unreachable,
                TimeExceeded,
            ),
            (libc::EPROTO, Some((12, 0)), false, Filtered, ParamProblem),
            (libc::EPROTO, Some((12, 2)), false, Filtered, ParamProblem),
            (libc::EPROTO, Some((4, 0)), true, Filtered, ParamProblem),
            (libc::EPROTO, None, false, Filtered, ParamProblem),
            (libc::ECONNRESET, None, false, Open, SynAck),
            (libc::EPIPE, None, true, Open, SynAck),
            (libc::EINVAL, None, false, Error, Local(libc::EINVAL)),
        ];
        for &(errno, tc, v6, st, re) in rows {
            let i = tc.map(|(kind, code)| Icmp {
                kind,
                code,
                from: None,
                v6,
            });
            assert_eq!(
                classify(errno, i.as_ref(), v6, t),
                (st, re),
                "{errno} {i:?}"
            );
        }
        assert_eq!(
            classify(libc::ECONNREFUSED, None, false, Proto::Udp),
            (Closed, PortUnreach)
        );
        assert_eq!(
            classify(libc::ECONNRESET, None, false, Proto::Udp),
            (Error, Local(libc::ECONNRESET))
        );
        assert_eq!(Local(libc::EMFILE).token(), "local:EMFILE");
    }

    #[test]
    fn icmp_version_comes_from_the_message_not_the_socket() {
        // A v4-mapped target: ICMPv4 admin-prohibited on an IPv6 socket.
        let i = Icmp {
            kind: 3,
            code: 13,
            from: Some("192.0.2.2".parse().unwrap()),
            v6: false,
        };
        let mapped: IpAddr = "::ffff:192.0.2.2".parse().unwrap();
        assert_eq!(
            classify_to(mapped, libc::EHOSTUNREACH, Some(&i), Proto::Tcp),
            (State::Filtered, Reason::AdminProhibited)
        );
        let pu = Icmp { code: 3, ..i };
        assert_eq!(
            classify_to(mapped, libc::ECONNREFUSED, Some(&pu), Proto::Tcp),
            (State::Closed, Reason::PortUnreach)
        );
    }

    #[test]
    fn port_unreach_is_closed_only_from_the_target() {
        let target: IpAddr = "10.2.0.2".parse().unwrap();
        let from = |a: &str, v6| Icmp {
            kind: if v6 { 1 } else { 3 },
            code: if v6 { 4 } else { 3 },
            from: Some(a.parse().unwrap()),
            v6,
        };
        let c = |i: Icmp, target, proto| classify_to(target, libc::ECONNREFUSED, Some(&i), proto);
        for proto in [Proto::Tcp, Proto::Udp] {
            assert_eq!(
                c(from("10.2.0.2", false), target, proto),
                (State::Closed, Reason::PortUnreach)
            );
            assert_eq!(
                c(from("10.1.0.2", false), target, proto),
                (State::Filtered, Reason::PortUnreach)
            );
            let t6: IpAddr = "fd00:2::2".parse().unwrap();
            assert_eq!(
                c(from("fd00:2::2", true), t6, proto),
                (State::Closed, Reason::PortUnreach)
            );
            assert_eq!(
                c(from("fd00:1::2", true), t6, proto),
                (State::Filtered, Reason::PortUnreach)
            );
        }
        // Sender unknown: the target's own.
        let anon = Icmp {
            from: None,
            ..from("10.1.0.2", false)
        };
        assert_eq!(
            c(anon, target, Proto::Tcp),
            (State::Closed, Reason::PortUnreach)
        );
    }
}
