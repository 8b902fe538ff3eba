//! Setting a plan of options on a socket, and reading one back.
use super::*;

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
