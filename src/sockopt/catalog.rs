//! The catalog: every option sockdiag knows, its level and kind, the sockets it applies to
//! and when it must be set; values as the kernel takes them.
use super::*;

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
    pub(super) level_c: i32,
    pub(super) name_c: i32,
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

pub(super) const BEFORE_BIND: Option<&str> =
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
