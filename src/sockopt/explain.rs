//! Why the kernel's value is what it is: the notes beside each option.
use super::*;

pub(super) struct NoteCtx<'a> {
    pub(super) sp: &'a Spec,
    pub(super) requested: Option<Value>,
    pub(super) effective: Option<Value>,
    pub(super) default: Option<Value>,
    pub(super) proto: Proto,
    pub(super) phase: Phase,
    pub(super) limits: &'a Limits,
    pub(super) keepalive_on: bool,
    /// The kernel refused the value asked for (the error says it all).
    pub(super) refused: bool,
}

/// Why the effective value is what it is.
pub(super) fn explain(c: &NoteCtx) -> Vec<String> {
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

pub(super) fn buffer_names(c: &NoteCtx) -> (&'static str, Option<i64>, Option<i64>, &'static str) {
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
pub(super) fn buffer_note(c: &NoteCtx, r: i64, e: i64) -> String {
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

pub(super) fn buffer_default_note(c: &NoteCtx, e: i64) -> Option<String> {
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
