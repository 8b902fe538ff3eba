//! From an errno and the ICMP message behind it to a state and a reason (the states table of
//! `sockdiag probe --help`).
use super::{Icmp, Proto, Reason, State};

/// ICMPv4 destination unreachable and ICMPv6 destination unreachable / parameter problem.
const ICMP4_UNREACH: u8 = 3;
const ICMP6_UNREACH: u8 = 1;
const ICMP6_PARAMPROB: u8 = 4;

/// State and reason from the ICMP message when there is one (it says more than the errno:
/// IPv4 admin-prohibited arrives as EHOSTUNREACH), else from the errno.
pub fn classify(errno: i32, icmp: Option<&Icmp>, v6: bool, proto: Proto) -> (State, Reason) {
    if let Some(i) = icmp {
        if let Some(sr) = from_icmp(i, v6) {
            return sr;
        }
    }
    from_errno(errno, proto)
}

fn from_icmp(i: &Icmp, v6: bool) -> Option<(State, Reason)> {
    use Reason::*;
    use State::*;
    Some(match (v6, i.kind, i.code) {
        (false, ICMP4_UNREACH, 3) => (Closed, PortUnreach),
        (false, ICMP4_UNREACH, 2) => (Filtered, ProtoUnreach),
        (false, ICMP4_UNREACH, 9 | 10 | 13) => (Filtered, AdminProhibited),
        (false, ICMP4_UNREACH, 0 | 6 | 11) => (Unreachable, NetUnreach),
        (false, ICMP4_UNREACH, _) => (Unreachable, HostUnreach),
        (true, ICMP6_UNREACH, 4) => (Closed, PortUnreach),
        (true, ICMP6_UNREACH, 1 | 5 | 6) => (Filtered, AdminProhibited),
        (true, ICMP6_UNREACH, 0) => (Unreachable, NetUnreach),
        (true, ICMP6_UNREACH, _) => (Unreachable, HostUnreach),
        (true, ICMP6_PARAMPROB, 1) => (Filtered, ProtoUnreach),
        _ => return None,
    })
}

fn from_errno(errno: i32, proto: Proto) -> (State, Reason) {
    use Reason::*;
    use State::*;
    match errno {
        libc::ECONNREFUSED if proto == Proto::Udp => (Closed, PortUnreach),
        libc::ECONNREFUSED => (Closed, ConnRefused),
        libc::ENOPROTOOPT => (Filtered, ProtoUnreach),
        // IPv6 admin-prohibited, and a `prohibit` route on this host.
        libc::EACCES => (Filtered, AdminProhibited),
        libc::EHOSTUNREACH | libc::EHOSTDOWN => (Unreachable, HostUnreach),
        libc::ENETUNREACH => (Unreachable, NetUnreach),
        libc::ETIMEDOUT => (Filtered, NoResponse),
        e => (Error, Local(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn icmp(kind: u8, code: u8) -> Icmp {
        Icmp {
            kind,
            code,
            from: None,
        }
    }

    #[test]
    fn states_table() {
        use Reason::*;
        use State::*;
        let t = Proto::Tcp;
        let rows: &[(i32, Option<Icmp>, bool, State, Reason)] = &[
            (libc::ECONNREFUSED, None, false, Closed, ConnRefused),
            (
                libc::ECONNREFUSED,
                Some(icmp(3, 3)),
                false,
                Closed,
                PortUnreach,
            ),
            (
                libc::ECONNREFUSED,
                Some(icmp(1, 4)),
                true,
                Closed,
                PortUnreach,
            ),
            (
                libc::EHOSTUNREACH,
                Some(icmp(3, 13)),
                false,
                Filtered,
                AdminProhibited,
            ),
            (
                libc::EHOSTUNREACH,
                Some(icmp(3, 10)),
                false,
                Filtered,
                AdminProhibited,
            ),
            (
                libc::EACCES,
                Some(icmp(1, 1)),
                true,
                Filtered,
                AdminProhibited,
            ),
            (libc::EACCES, None, true, Filtered, AdminProhibited),
            (
                libc::ENOPROTOOPT,
                Some(icmp(3, 2)),
                false,
                Filtered,
                ProtoUnreach,
            ),
            (
                libc::EHOSTUNREACH,
                Some(icmp(3, 1)),
                false,
                Unreachable,
                HostUnreach,
            ),
            (
                libc::EHOSTUNREACH,
                Some(icmp(1, 3)),
                true,
                Unreachable,
                HostUnreach,
            ),
            (libc::EHOSTUNREACH, None, false, Unreachable, HostUnreach),
            (
                libc::ENETUNREACH,
                Some(icmp(3, 0)),
                false,
                Unreachable,
                NetUnreach,
            ),
            (
                libc::ENETUNREACH,
                Some(icmp(1, 0)),
                true,
                Unreachable,
                NetUnreach,
            ),
            (libc::ENETUNREACH, None, true, Unreachable, NetUnreach),
            (libc::EINVAL, None, false, Error, Local(libc::EINVAL)),
        ];
        for (errno, i, v6, st, re) in rows {
            assert_eq!(
                classify(*errno, i.as_ref(), *v6, t),
                (*st, *re),
                "{errno} {i:?}"
            );
        }
        assert_eq!(
            classify(libc::ECONNREFUSED, None, false, Proto::Udp),
            (Closed, PortUnreach)
        );
        assert_eq!(Local(libc::EMFILE).token(), "local:EMFILE");
    }
}
