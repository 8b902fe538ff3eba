//! The socket options catalog: each option's name, level and kind, which sockets it applies
//! to, when it must be set to take effect; setting a plan of options on a socket, reading
//! them back, and explaining every difference between what was asked for and what the kernel
//! applied, from the live system (/proc/sys) and the kernel's measured behaviour.
//! Returns records; never prints.
pub mod examine;
pub mod holders;
pub mod parse;
pub mod sys;

use crate::probe::errno;
use serde::Serialize;
use std::collections::HashMap;
use std::io;
use std::os::fd::RawFd;

/// An option sockdiag knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Opt {
    ReuseAddr,
    ReusePort,
    Broadcast,
    KeepAlive,
    SndBuf,
    RcvBuf,
    Linger,
    RcvTimeo,
    SndTimeo,
    NoDelay,
    KeepIdle,
    KeepIntvl,
    KeepCnt,
    SynCnt,
    UserTimeout,
    Ttl,
    Tos,
    Hops,
    TClass,
    V6Only,
}

/// The shape of an option's value, and the unit the kernel keeps it in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Flag,
    /// Bytes.
    Size,
    Count,
    /// A duration the kernel keeps in whole seconds (an int).
    Secs,
    /// A duration the kernel keeps in milliseconds (an int).
    Millis,
    /// A duration in a `struct timeval`.
    Timeval,
    /// `struct linger`: off, or on with a time in seconds.
    Linger,
}

/// Which sockets an option applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fam {
    Any,
    V4,
    V6,
}

pub use crate::net::Proto;

/// Where the socket is in its life when the options are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    #[default]
    Fresh,
    Bound,
    Listening,
    Connected,
}

pub struct Spec {
    pub opt: Opt,
    pub name: &'static str,
    pub level: &'static str,
    level_c: i32,
    name_c: i32,
    pub kind: Kind,
    pub tcp: bool,
    pub udp: bool,
    pub fam: Fam,
    /// When it must be set to take effect, if that matters.
    pub when: Option<&'static str>,
    /// What the kernel accepts, said when it refuses a value.
    pub accepts: Option<&'static str>,
}

impl Spec {
    pub fn applies(&self, proto: Proto, v6: bool) -> bool {
        let p = match proto {
            Proto::Tcp => self.tcp,
            Proto::Udp => self.udp,
        };
        let f = match self.fam {
            Fam::Any => true,
            Fam::V4 => !v6,
            Fam::V6 => v6,
        };
        p && f
    }
}

macro_rules! spec {
    ($opt:ident, $name:literal, $lvl:ident, $optname:ident, $kind:ident, tcp=$t:literal, udp=$u:literal, $fam:ident, $when:expr, $acc:expr) => {
        Spec {
            opt: Opt::$opt,
            name: $name,
            level: stringify!($lvl),
            level_c: libc::$lvl,
            name_c: libc::$optname,
            kind: Kind::$kind,
            tcp: $t,
            udp: $u,
            fam: Fam::$fam,
            when: $when,
            accepts: $acc,
        }
    };
}

const BEFORE_BIND: Option<&str> =
    Some("takes effect at bind: set it before bind, listen or connect");

/// Every option, in the order tables list them.
pub static CATALOG: &[Spec] = &[
    spec!(
        ReuseAddr,
        "SO_REUSEADDR",
        SOL_SOCKET,
        SO_REUSEADDR,
        Flag,
        tcp = true,
        udp = true,
        Any,
        BEFORE_BIND,
        None
    ),
    spec!(
        ReusePort,
        "SO_REUSEPORT",
        SOL_SOCKET,
        SO_REUSEPORT,
        Flag,
        tcp = true,
        udp = true,
        Any,
        BEFORE_BIND,
        None
    ),
    spec!(
        Broadcast,
        "SO_BROADCAST",
        SOL_SOCKET,
        SO_BROADCAST,
        Flag,
        tcp = false,
        udp = true,
        Any,
        None,
        None
    ),
    spec!(
        KeepAlive,
        "SO_KEEPALIVE",
        SOL_SOCKET,
        SO_KEEPALIVE,
        Flag,
        tcp = true,
        udp = false,
        Any,
        None,
        None
    ),
    spec!(
        SndBuf,
        "SO_SNDBUF",
        SOL_SOCKET,
        SO_SNDBUF,
        Size,
        tcp = true,
        udp = true,
        Any,
        None,
        None
    ),
    spec!(
        RcvBuf,
        "SO_RCVBUF",
        SOL_SOCKET,
        SO_RCVBUF,
        Size,
        tcp = true,
        udp = true,
        Any,
        Some("set it before connect or listen: the TCP window scale is fixed in the SYN"),
        None
    ),
    spec!(
        Linger,
        "SO_LINGER",
        SOL_SOCKET,
        SO_LINGER,
        Linger,
        tcp = true,
        udp = false,
        Any,
        None,
        None
    ),
    spec!(
        RcvTimeo,
        "SO_RCVTIMEO",
        SOL_SOCKET,
        SO_RCVTIMEO,
        Timeval,
        tcp = true,
        udp = true,
        Any,
        None,
        None
    ),
    spec!(
        SndTimeo,
        "SO_SNDTIMEO",
        SOL_SOCKET,
        SO_SNDTIMEO,
        Timeval,
        tcp = true,
        udp = true,
        Any,
        None,
        None
    ),
    spec!(
        NoDelay,
        "TCP_NODELAY",
        IPPROTO_TCP,
        TCP_NODELAY,
        Flag,
        tcp = true,
        udp = false,
        Any,
        None,
        None
    ),
    spec!(
        KeepIdle,
        "TCP_KEEPIDLE",
        IPPROTO_TCP,
        TCP_KEEPIDLE,
        Secs,
        tcp = true,
        udp = false,
        Any,
        None,
        Some("1-32767 seconds")
    ),
    spec!(
        KeepIntvl,
        "TCP_KEEPINTVL",
        IPPROTO_TCP,
        TCP_KEEPINTVL,
        Secs,
        tcp = true,
        udp = false,
        Any,
        None,
        Some("1-32767 seconds")
    ),
    spec!(
        KeepCnt,
        "TCP_KEEPCNT",
        IPPROTO_TCP,
        TCP_KEEPCNT,
        Count,
        tcp = true,
        udp = false,
        Any,
        None,
        Some("1-127")
    ),
    spec!(
        SynCnt,
        "TCP_SYNCNT",
        IPPROTO_TCP,
        TCP_SYNCNT,
        Count,
        tcp = true,
        udp = false,
        Any,
        Some("used while connecting: set it before connect"),
        Some("1-127")
    ),
    spec!(
        UserTimeout,
        "TCP_USER_TIMEOUT",
        IPPROTO_TCP,
        TCP_USER_TIMEOUT,
        Millis,
        tcp = true,
        udp = false,
        Any,
        None,
        Some("0 (off) or more milliseconds")
    ),
    spec!(
        Ttl,
        "IP_TTL",
        IPPROTO_IP,
        IP_TTL,
        Count,
        tcp = true,
        udp = true,
        V4,
        None,
        Some("1-255, or -1 for the system default")
    ),
    spec!(
        Tos,
        "IP_TOS",
        IPPROTO_IP,
        IP_TOS,
        Count,
        tcp = true,
        udp = true,
        V4,
        None,
        None
    ),
    spec!(
        Hops,
        "IPV6_UNICAST_HOPS",
        IPPROTO_IPV6,
        IPV6_UNICAST_HOPS,
        Count,
        tcp = true,
        udp = true,
        V6,
        None,
        Some("0-255, or -1 for the system default")
    ),
    spec!(
        TClass,
        "IPV6_TCLASS",
        IPPROTO_IPV6,
        IPV6_TCLASS,
        Count,
        tcp = true,
        udp = true,
        V6,
        None,
        Some("-1-255")
    ),
    spec!(
        V6Only,
        "IPV6_V6ONLY",
        IPPROTO_IPV6,
        IPV6_V6ONLY,
        Flag,
        tcp = true,
        udp = true,
        V6,
        BEFORE_BIND,
        None
    ),
];

pub fn spec(opt: Opt) -> &'static Spec {
    CATALOG
        .iter()
        .find(|s| s.opt == opt)
        .expect("every option is in the catalog")
}

/// An option's value. Durations are kept in milliseconds whatever the kernel's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    Flag(bool),
    /// A size in bytes or a count.
    Int(i64),
    Millis(u64),
    /// Off, or on with a time in seconds.
    Linger(Option<u64>),
}

impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Value::Flag(b) => s.serialize_bool(b),
            Value::Int(i) => s.serialize_i64(i),
            Value::Millis(m) => s.serialize_u64(m),
            Value::Linger(None) => s.serialize_bool(false),
            Value::Linger(Some(secs)) => s.serialize_u64(secs * 1000),
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Value::Flag(b) => f.write_str(if b { "on" } else { "off" }),
            Value::Int(i) => write!(f, "{i}"),
            Value::Millis(m) => f.write_str(&fmt_ms(m)),
            Value::Linger(None) => f.write_str("off"),
            Value::Linger(Some(s)) => write!(f, "on, {s}s"),
        }
    }
}

/// `7200s`, `1500ms`, `0`.
pub fn fmt_ms(m: u64) -> String {
    match m {
        0 => "0".into(),
        m if m % 1000 == 0 => format!("{}s", m / 1000),
        m => format!("{m}ms"),
    }
}

/// Options to set, in the catalog's order. `Ttl` and `Tos` stand for their IPv6 equivalents
/// on an IPv6 socket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub sets: Vec<(Opt, Value)>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }
    pub fn get(&self, opt: Opt) -> Option<Value> {
        self.sets.iter().find(|(o, _)| *o == opt).map(|(_, v)| *v)
    }
}

/// The option an item of a plan means on a socket of this family.
pub fn for_family(opt: Opt, v6: bool) -> Opt {
    match (opt, v6) {
        (Opt::Ttl, true) => Opt::Hops,
        (Opt::Tos, true) => Opt::TClass,
        (o, _) => o,
    }
}

/// One option on one socket: what the renderers show and JSON carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptionRecord {
    pub name: &'static str,
    pub level: &'static str,
    pub default: Option<Value>,
    pub requested: Option<Value>,
    pub effective: Option<Value>,
    pub note: Option<String>,
    pub error: Option<String>,
}

/// The result of setting one option of a plan.
#[derive(Debug)]
pub struct Applied {
    pub opt: Opt,
    pub requested: Value,
    /// The kernel refused it (or the platform lacks it).
    pub error: Option<io::Error>,
    /// Not for this kind of socket (IPV6_V6ONLY on an IPv4 socket, say): not attempted.
    pub not_applicable: bool,
}

/// Sets every option of the plan that applies; a refusal is that option's error and the
/// others are still set.
pub fn apply(fd: RawFd, proto: Proto, v6: bool, plan: &Plan) -> Vec<Applied> {
    plan.sets
        .iter()
        .map(|&(o, v)| {
            let opt = for_family(o, v6);
            let sp = spec(opt);
            if !sp.applies(proto, v6) {
                return Applied {
                    opt,
                    requested: v,
                    error: None,
                    not_applicable: true,
                };
            }
            Applied {
                opt,
                requested: v,
                error: set(fd, sp, v).err(),
                not_applicable: false,
            }
        })
        .collect()
}

pub fn set(fd: RawFd, sp: &Spec, v: Value) -> io::Result<()> {
    let clamp = |x: u64| x.min(i32::MAX as u64) as i32;
    match (sp.kind, v) {
        (Kind::Flag, Value::Flag(b)) => sys::set_int(fd, sp.level_c, sp.name_c, b as i32),
        (Kind::Size | Kind::Count, Value::Int(i)) => {
            let i = i32::try_from(i).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
            sys::set_int(fd, sp.level_c, sp.name_c, i)
        }
        (Kind::Secs, Value::Millis(m)) => sys::set_int(fd, sp.level_c, sp.name_c, clamp(m / 1000)),
        (Kind::Millis, Value::Millis(m)) => sys::set_int(fd, sp.level_c, sp.name_c, clamp(m)),
        (Kind::Timeval, Value::Millis(m)) => sys::set_timeval_ms(fd, sp.name_c, m),
        (Kind::Linger, Value::Linger(l)) => {
            sys::set_linger(fd, l.map(|s| s.min(i32::MAX as u64) as u32))
        }
        _ => Err(io::Error::from_raw_os_error(libc::EINVAL)),
    }
}

pub fn get(fd: RawFd, sp: &Spec) -> io::Result<Value> {
    Ok(match sp.kind {
        Kind::Flag => Value::Flag(sys::get_int(fd, sp.level_c, sp.name_c)? != 0),
        Kind::Size | Kind::Count => Value::Int(sys::get_int(fd, sp.level_c, sp.name_c)? as i64),
        Kind::Secs => Value::Millis(sys::get_int(fd, sp.level_c, sp.name_c)?.max(0) as u64 * 1000),
        Kind::Millis => Value::Millis(sys::get_int(fd, sp.level_c, sp.name_c)?.max(0) as u64),
        Kind::Timeval => Value::Millis(sys::get_timeval_ms(fd, sp.name_c)?),
        Kind::Linger => Value::Linger(sys::get_linger(fd)?.map(u64::from)),
    })
}

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

fn sysctl(name: &str) -> Option<String> {
    let path = format!("/proc/sys/{}", name.replace('.', "/"));
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn sysctl_int(name: &str) -> Option<i64> {
    sysctl(name)?.parse().ok()
}

fn sysctl_triple(name: &str) -> Option<[i64; 3]> {
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
fn measure_minimums() -> (Option<i64>, Option<i64>) {
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

/// The options of a fresh socket of this kind: the defaults the table compares with.
pub fn defaults(proto: Proto, v6: bool) -> io::Result<HashMap<Opt, io::Result<Value>>> {
    use std::os::fd::AsRawFd;
    let s = new_socket(proto, v6)?;
    Ok(CATALOG
        .iter()
        .filter(|sp| sp.applies(proto, v6))
        .map(|sp| (sp.opt, get(s.as_raw_fd(), sp)))
        .collect())
}

pub fn new_socket(proto: Proto, v6: bool) -> io::Result<socket2::Socket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let d = if v6 { Domain::IPV6 } else { Domain::IPV4 };
    match proto {
        Proto::Tcp => Socket::new(d, Type::STREAM, Some(Protocol::TCP)),
        Proto::Udp => Socket::new(d, Type::DGRAM, Some(Protocol::UDP)),
    }
}

/// What [`inspect`] needs to know besides the socket.
pub struct Inspect<'a> {
    pub proto: Proto,
    pub v6: bool,
    pub phase: Phase,
    pub applied: &'a [Applied],
    /// Every option that applies (`opts`), or only those of the plan (`connect`).
    pub all: bool,
    pub limits: &'a Limits,
    pub defaults: &'a HashMap<Opt, io::Result<Value>>,
}

/// Reads the options back and explains each: one record per option.
pub fn inspect(fd: RawFd, i: &Inspect) -> Vec<OptionRecord> {
    let keepalive_on = matches!(get(fd, spec(Opt::KeepAlive)), Ok(Value::Flag(true)));
    let mut out = Vec::new();
    for sp in CATALOG {
        let applied = i.applied.iter().find(|a| a.opt == sp.opt);
        if !(applied.is_some() || (i.all && sp.applies(i.proto, i.v6))) {
            continue;
        }
        let default = i
            .defaults
            .get(&sp.opt)
            .and_then(|r| r.as_ref().ok().copied());
        let mut rec = OptionRecord {
            name: sp.name,
            level: sp.level,
            default,
            requested: applied.map(|a| a.requested),
            effective: None,
            note: None,
            error: None,
        };
        if applied.is_some_and(|a| a.not_applicable) {
            rec.note = Some(format!(
                "not for this socket: {} applies to {} sockets",
                sp.name,
                applies_to(sp)
            ));
            out.push(rec);
            continue;
        }
        let got = get(fd, sp);
        let mut notes: Vec<String> = Vec::new();
        match &got {
            Ok(v) => rec.effective = Some(*v),
            Err(e) if e.raw_os_error() == Some(libc::ENOPROTOOPT) => {
                notes.push("not available on this kernel (ENOPROTOOPT)".into())
            }
            Err(e) => notes.push(format!("could not be read: {}", errno_text(e))),
        }
        if let Some(a) = applied {
            if let Some(e) = &a.error {
                rec.error = Some(refusal(sp, a.requested, e));
            }
        }
        let ctx = NoteCtx {
            sp,
            requested: applied.filter(|a| a.error.is_none()).map(|a| a.requested),
            effective: rec.effective,
            default,
            proto: i.proto,
            phase: i.phase,
            limits: i.limits,
            keepalive_on,
            refused: applied.is_some_and(|a| a.error.is_some()),
        };
        notes.extend(explain(&ctx));
        rec.note = (!notes.is_empty()).then(|| notes.join("; "));
        out.push(rec);
    }
    out
}

fn applies_to(sp: &Spec) -> String {
    let proto = match (sp.tcp, sp.udp) {
        (true, true) => "TCP and UDP",
        (true, false) => "TCP",
        _ => "UDP",
    };
    match sp.fam {
        Fam::Any => proto.to_string(),
        Fam::V4 => format!("IPv4 {proto}"),
        Fam::V6 => format!("IPv6 {proto}"),
    }
}

pub fn errno_text(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => {
            let full = io::Error::from_raw_os_error(n).to_string();
            let msg = full.split(" (os error").next().unwrap_or(&full).to_string();
            format!("{} ({msg})", errno::name(n))
        }
        None => e.to_string(),
    }
}

/// The error shown for a value the kernel refused.
fn refusal(sp: &Spec, requested: Value, e: &io::Error) -> String {
    let mut s = format!("the kernel refused {requested}: {}", errno_text(e));
    if e.raw_os_error() == Some(libc::EINVAL) {
        if let Some(acc) = sp.accepts {
            s.push_str(&format!("; {} takes {acc}", sp.name));
        }
    }
    if e.raw_os_error() == Some(libc::ENOPROTOOPT) {
        s = format!("{} is not available on this kernel (ENOPROTOOPT)", sp.name);
    }
    s
}

struct NoteCtx<'a> {
    sp: &'a Spec,
    requested: Option<Value>,
    effective: Option<Value>,
    default: Option<Value>,
    proto: Proto,
    phase: Phase,
    limits: &'a Limits,
    keepalive_on: bool,
    /// The kernel refused the value asked for (the error says it all).
    refused: bool,
}

/// Why the effective value is what it is.
fn explain(c: &NoteCtx) -> Vec<String> {
    let mut n = Vec::new();
    let sp = c.sp;
    match (sp.opt, c.requested, c.effective) {
        (Opt::SndBuf | Opt::RcvBuf, Some(Value::Int(r)), Some(Value::Int(e))) => {
            n.push(buffer_note(c, r, e));
            if sp.opt == Opt::SndBuf && c.proto == Proto::Tcp {
                n.push("setting it turns off send-buffer autotuning".into());
            }
            if let (Opt::RcvBuf, Proto::Tcp) = (sp.opt, c.proto) {
                n.push("must be set before connect or listen: the window scale is fixed in the SYN (sockdiag does)".into());
            }
        }
        (Opt::SndBuf | Opt::RcvBuf, None, Some(Value::Int(e))) => {
            if let Some(s) = buffer_default_note(c, e) {
                n.push(s);
            }
        }
        (Opt::KeepIdle | Opt::KeepIntvl | Opt::KeepCnt, Some(_), _) if !c.keepalive_on => {
            n.push("no effect until SO_KEEPALIVE is on (--keepalive)".into())
        }
        (Opt::Tos, Some(Value::Int(r)), Some(Value::Int(e))) if !(0..=255).contains(&r) => {
            // The kernel stores the int it is given in a u8: only the low byte survives.
            let low = r & 0xff;
            let mut s = format!(
                "the TOS is one byte (0-255): the kernel kept the low byte of {r}, {low:#04x} = {low}"
            );
            if c.proto == Proto::Tcp && e != low && e == low & !3 {
                s.push_str(", and TCP keeps the two ECN bits (0x03) of it for itself");
            }
            n.push(s)
        }
        (Opt::Tos, Some(Value::Int(r)), Some(Value::Int(e)))
            if c.proto == Proto::Tcp && e != r && e == r & !3 =>
        {
            n.push("TCP keeps the two ECN bits (0x03) of the TOS byte for itself".into())
        }
        (Opt::Linger, Some(Value::Linger(Some(0))), _) => {
            n.push("0s: close() resets the connection and leaves no TIME_WAIT".into())
        }
        (Opt::Ttl | Opt::Hops, Some(Value::Int(-1)), Some(e)) => {
            n.push(format!("-1 asks for the system default: {e}"))
        }
        (_, None, Some(e)) if !c.refused => {
            if let Some((name, v)) = c.limits.sysctls.get(&sp.opt) {
                let what = match sp.opt {
                    Opt::UserTimeout if e == Value::Millis(0) => {
                        format!("0: off; retransmissions end after {name} = {v} tries")
                    }
                    Opt::KeepIdle | Opt::KeepIntvl => {
                        format!("default from {name} = {v} (seconds)")
                    }
                    _ => format!("default from {name} = {v}"),
                };
                n.push(what);
            }
        }
        _ => {}
    }
    // Anything else the kernel changed.
    if let (Some(r), Some(e)) = (c.requested, c.effective) {
        let explained = matches!(
            sp.opt,
            Opt::SndBuf | Opt::RcvBuf | Opt::Tos | Opt::Ttl | Opt::Hops
        ) && !n.is_empty();
        if r != e && !explained {
            n.push(format!("the kernel kept {e}, not the {r} asked for"));
        }
    }
    if c.requested.is_some() {
        if let Some(w) = sp.when {
            if !matches!(sp.opt, Opt::RcvBuf) {
                n.push(w.to_string());
            }
        }
    }
    n
}

fn buffer_names(c: &NoteCtx) -> (&'static str, Option<i64>, Option<i64>, &'static str) {
    if c.sp.opt == Opt::SndBuf {
        (
            "net.core.wmem_max",
            c.limits.wmem_max,
            c.limits.min_sndbuf,
            "SOCK_MIN_SNDBUF",
        )
    } else {
        (
            "net.core.rmem_max",
            c.limits.rmem_max,
            c.limits.min_rcvbuf,
            "SOCK_MIN_RCVBUF",
        )
    }
}

/// SO_SNDBUF / SO_RCVBUF: Linux keeps max(min(requested, *mem_max) * 2, minimum).
fn buffer_note(c: &NoteCtx, r: i64, e: i64) -> String {
    let (max_name, max, min, min_name) = buffer_names(c);
    let path = format!("/proc/sys/{}", max_name.replace('.', "/"));
    if let Some(m) = max {
        if r > m && e == m * 2 {
            return format!(
                "clamped: more than {max_name} = {m} (read from {path}), so the kernel took {m} and doubled it to {e}"
            );
        }
    }
    if let Some(min) = min {
        if e == min && r.saturating_mul(2) < min {
            return format!(
                "raised to the minimum: the kernel keeps at least {min} bytes ({min_name}), more than twice the {r} asked for"
            );
        }
    }
    if e == r.saturating_mul(2) {
        return "doubled: Linux doubles the requested size for its own bookkeeping (sk_buff overhead); about half is for data".into();
    }
    let lim = max
        .map(|m| format!(" ({max_name} = {m})"))
        .unwrap_or_default();
    format!("the kernel keeps {e}, not twice the {r} asked for{lim}")
}

fn buffer_default_note(c: &NoteCtx, e: i64) -> Option<String> {
    let snd = c.sp.opt == Opt::SndBuf;
    match c.proto {
        Proto::Tcp => {
            let (name, t) = if snd {
                ("net.ipv4.tcp_wmem", c.limits.tcp_wmem)
            } else {
                ("net.ipv4.tcp_rmem", c.limits.tcp_rmem)
            };
            let [lo, def, hi] = t?;
            let tuned = if c.phase == Phase::Connected && Some(Value::Int(e)) != c.default {
                format!("autotuned since the socket was made (default {def}); ")
            } else {
                String::new()
            };
            Some(format!(
                "{tuned}default from {name} = {lo} {def} {hi}; the kernel autotunes it up to {hi} while it is not set"
            ))
        }
        Proto::Udp => {
            let (name, v) = if snd {
                ("net.core.wmem_default", c.limits.wmem_default)
            } else {
                ("net.core.rmem_default", c.limits.rmem_default)
            };
            Some(format!("default from {name} = {}", v?))
        }
    }
}

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
