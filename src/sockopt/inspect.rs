//! Reading a socket's options back, one record per option, each with its explanation.
use super::*;

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

pub use crate::net::attempt::new_socket;

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
            Err(e) => notes.push(format!(
                "could not be read: {}",
                crate::net::errno::errno_text(e)
            )),
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

pub(super) fn applies_to(sp: &Spec) -> String {
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

/// The error shown for a value the kernel refused.
pub(super) fn refusal(sp: &Spec, requested: Value, e: &io::Error) -> String {
    let mut s = format!(
        "the kernel refused {requested}: {}",
        crate::net::errno::errno_text(e)
    );
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
