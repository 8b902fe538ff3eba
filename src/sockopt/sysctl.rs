//! The system values that explain what the kernel applied: /proc/sys, and minimums
//! measured on a scratch socket.
use super::*;

/// The system values that explain what the kernel did, read live from /proc/sys (this
/// network namespace's) and measured on a scratch socket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Limits {
    pub wmem_max: Option<i64>,
    pub rmem_max: Option<i64>,
    pub wmem_default: Option<i64>,
    pub rmem_default: Option<i64>,
    pub tcp_wmem: Option<[i64; 3]>,
    pub tcp_rmem: Option<[i64; 3]>,
    /// The smallest SO_SNDBUF / SO_RCVBUF the kernel keeps (SOCK_MIN_SNDBUF / RCVBUF),
    /// measured by asking a scratch socket for 0.
    pub min_sndbuf: Option<i64>,
    pub min_rcvbuf: Option<i64>,
    /// Other sysctls named in notes on defaults, by option.
    pub sysctls: HashMap<Opt, (&'static str, String)>,
}

pub(super) fn sysctl(name: &str) -> Option<String> {
    let path = format!("/proc/sys/{}", name.replace('.', "/"));
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
}

pub(super) fn sysctl_int(name: &str) -> Option<i64> {
    sysctl(name)?.parse().ok()
}

pub(super) fn sysctl_triple(name: &str) -> Option<[i64; 3]> {
    let v: Vec<i64> = sysctl(name)?
        .split(' ')
        .filter_map(|x| x.parse().ok())
        .collect();
    (v.len() == 3).then(|| [v[0], v[1], v[2]])
}

impl Limits {
    pub fn read() -> Limits {
        let (min_sndbuf, min_rcvbuf) = measure_minimums();
        let mut sysctls = HashMap::new();
        for (opt, name) in [
            (Opt::Ttl, "net.ipv4.ip_default_ttl"),
            (Opt::Hops, "net.ipv6.conf.all.hop_limit"),
            (Opt::SynCnt, "net.ipv4.tcp_syn_retries"),
            (Opt::KeepIdle, "net.ipv4.tcp_keepalive_time"),
            (Opt::KeepIntvl, "net.ipv4.tcp_keepalive_intvl"),
            (Opt::KeepCnt, "net.ipv4.tcp_keepalive_probes"),
            (Opt::V6Only, "net.ipv6.bindv6only"),
            (Opt::UserTimeout, "net.ipv4.tcp_retries2"),
        ] {
            if let Some(v) = sysctl(name) {
                sysctls.insert(opt, (name, v));
            }
        }
        Limits {
            wmem_max: sysctl_int("net.core.wmem_max"),
            rmem_max: sysctl_int("net.core.rmem_max"),
            wmem_default: sysctl_int("net.core.wmem_default"),
            rmem_default: sysctl_int("net.core.rmem_default"),
            tcp_wmem: sysctl_triple("net.ipv4.tcp_wmem"),
            tcp_rmem: sysctl_triple("net.ipv4.tcp_rmem"),
            min_sndbuf,
            min_rcvbuf,
            sysctls,
        }
    }
}

/// Asks a scratch UDP socket for buffers of 0 bytes: what it gets is the kernel's minimum.
pub(super) fn measure_minimums() -> (Option<i64>, Option<i64>) {
    use std::os::fd::AsRawFd;
    let Ok(s) = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None) else {
        return (None, None);
    };
    let fd = s.as_raw_fd();
    let m = |name| {
        sys::set_int(fd, libc::SOL_SOCKET, name, 0).ok()?;
        sys::get_int(fd, libc::SOL_SOCKET, name).ok().map(i64::from)
    };
    (m(libc::SO_SNDBUF), m(libc::SO_RCVBUF))
}
