//! `sockdiag opts`: the options plan (shared with `connect`), the socket's context (bind,
//! listen, connect), and the presentation of option and socket records.
use crate::cli::OptsArgs;
use crate::error::InputError;
use crate::exit::Exit;
use crate::interrupt::Interrupt;
use crate::output::layout::Fit;
use crate::output::{self, json, Cell, Format, OutputOpts, Record, Tone};
use crate::resolve::Family;
use crate::sockopt::examine::{self, Context, Request, SocketRecord};
use crate::sockopt::{OptionRecord, Proto};
use anyhow::Result;
use std::io::Write;
use std::net::SocketAddr;

pub struct Plan {
    pub request: Request,
}

/// `ADDR:PORT` or `[V6]:PORT` (a numeric address: a bind is local).
fn parse_bind(s: &str) -> Result<SocketAddr, InputError> {
    s.parse::<SocketAddr>().map_err(|_| {
        InputError::new(
            "bind address",
            s,
            "give ADDR:PORT or [V6]:PORT with a numeric address, e.g. 127.0.0.1:8080 or [::1]:0",
        )
    })
}

pub fn plan(args: &OptsArgs, family: Family) -> Result<Plan> {
    let proto = if args.udp { Proto::Udp } else { Proto::Tcp };
    let set = args.set.plan(args.udp)?;
    if args.listen && args.udp {
        return Err(InputError::new("option", "--listen", "UDP sockets do not listen").into());
    }
    let mut v6 = family == Family::V6;
    let context = if let Some(b) = &args.bind {
        let addr = parse_bind(b)?;
        if !family.admits(&addr.ip()) {
            return Err(
                InputError::new("bind address", b, "not of the family asked for (-4/-6)").into(),
            );
        }
        v6 = addr.is_ipv6();
        Context::Bind {
            addr,
            listen: args.listen,
        }
    } else if args.listen {
        Context::Listen
    } else if let Some(c) = &args.connect {
        let (host, port) = crate::input::targets::split_host_port(c)?;
        let port = crate::input::targets::parse_port(&port, args.udp)?;
        // Every usage error before the lookup: no DNS traffic for a command that fails.
        if args.timeout.is_zero() {
            return Err(InputError::new("timeout", "0", "must be more than zero").into());
        }
        let (ips, unresolved) = match crate::input::targets::resolve_host(&host, family)? {
            Ok(ips) => (ips, None),
            Err(why) => (Vec::new(), Some(why)),
        };
        Context::Connect {
            target: host,
            addrs: ips
                .into_iter()
                .map(|mut a| {
                    a.set_port(port);
                    a
                })
                .collect(),
            timeout: args.timeout,
            unresolved,
        }
    } else {
        Context::None
    };
    if args.set.v6only && !v6 && !matches!(context, Context::Connect { .. }) {
        return Err(InputError::new(
            "option",
            "--v6only",
            "IPV6_V6ONLY is for IPv6 sockets: add -6 or bind an IPv6 address",
        )
        .into());
    }
    Ok(Plan {
        request: Request {
            proto,
            v6,
            context,
            plan: set,
        },
    })
}

pub fn run(plan: &Plan, out: &OutputOpts, w: &mut impl Write) -> Result<Exit> {
    let interrupt =
        Interrupt::install().map_err(crate::error::local("installing the Ctrl-C handler"))?;
    let ex = examine::examine(&plan.request, &interrupt)
        .map_err(crate::error::local("creating a socket"))?;
    render(w, out, &ex.options, ex.socket.as_ref())?;
    if interrupt.raised() {
        return Ok(Exit::Interrupted);
    }
    let bad = ex.options.iter().any(|o| o.error.is_some())
        || ex.socket.as_ref().is_some_and(SocketRecord::failed);
    Ok(Exit::from_all_ok(!bad))
}

/// Option records, then the socket's context when there is one.
pub fn render(
    w: &mut impl Write,
    out: &OutputOpts,
    options: &[OptionRecord],
    socket: Option<&SocketRecord>,
) -> Result<()> {
    if out.format == Format::Table {
        crate::output::options::option_table(w, out, options)?;
    } else {
        output::render(w, out, options)?;
    }
    let Some(s) = socket else { return Ok(()) };
    match out.format {
        Format::Json => json::write(w, s)?,
        Format::Table => output::table::write_fitted(
            w,
            out,
            &SocketRecord::headers(out.verbose),
            &SocketRecord::fits(out.verbose),
            &[s.cells(out.verbose)],
        )?,
        Format::Plain => writeln!(
            w,
            "# socket\t{}",
            output::plain::line(&s.cells(out.verbose))
        )?,
    }
    w.flush()?;
    Ok(())
}

impl Record for SocketRecord {
    const TYPE: &'static str = "opts-socket";

    fn headers(_verbose: u8) -> Vec<&'static str> {
        vec![
            "SOCKET", "FAMILY", "PHASE", "LOCAL", "PEER", "ERROR", "NOTE",
        ]
    }

    /// One row: the error and the note wrap at spaces (a footnote would only move them).
    fn fits(_verbose: u8) -> Vec<Fit> {
        vec![
            Fit::Keep,
            Fit::Drop(0),
            Fit::Keep,
            Fit::Keep,
            Fit::Keep,
            Fit::Wrap,
            Fit::Wrap,
        ]
    }

    fn cells(&self, verbose: u8) -> Vec<Cell> {
        let mut note: Vec<String> = self.note.iter().cloned().collect();
        if verbose > 0 || self.phase == "failed" {
            for a in &self.attempts {
                note.push(format!(
                    "tried {}: {} {}",
                    a.addr,
                    a.state.as_str(),
                    a.reason.token()
                ));
            }
        }
        vec![
            Cell::new(self.proto),
            Cell::new(self.family),
            Cell::toned(
                self.phase,
                if self.phase == "failed" {
                    Tone::Bad
                } else {
                    Tone::Good
                },
            ),
            Cell::opt(self.local),
            Cell::opt(self.peer),
            Cell::toned(self.error.clone().unwrap_or_else(|| "-".into()), Tone::Bad),
            Cell::new(if note.is_empty() {
                "-".into()
            } else {
                note.join("\n")
            }),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sockopt::Value;

    fn records() -> Vec<OptionRecord> {
        vec![
            OptionRecord {
                name: "SO_SNDBUF",
                level: "SOL_SOCKET",
                default: Some(Value::Int(16384)),
                requested: Some(Value::Int(65536)),
                effective: Some(Value::Int(131072)),
                note: Some("doubled: Linux doubles the requested size for its own bookkeeping".into()),
                error: None,
            },
            OptionRecord {
                name: "SO_LINGER",
                level: "SOL_SOCKET",
                default: Some(Value::Linger(None)),
                requested: Some(Value::Linger(Some(5))),
                effective: Some(Value::Linger(Some(5))),
                note: None,
                error: None,
            },
            OptionRecord {
                name: "TCP_KEEPIDLE",
                level: "IPPROTO_TCP",
                default: Some(Value::Millis(7_200_000)),
                requested: None,
                effective: Some(Value::Millis(7_200_000)),
                note: Some("default from net.ipv4.tcp_keepalive_time = 7200 (seconds)".into()),
                error: None,
            },
            OptionRecord {
                name: "IP_TTL",
                level: "IPPROTO_IP",
                default: Some(Value::Int(64)),
                requested: Some(Value::Int(0)),
                effective: Some(Value::Int(64)),
                note: None,
                error: Some("the kernel refused 0: EINVAL (Invalid argument); IP_TTL takes 1-255, or -1 for the system default".into()),
            },
            OptionRecord {
                name: "TCP_NODELAY",
                level: "IPPROTO_TCP",
                default: Some(Value::Flag(false)),
                requested: Some(Value::Flag(true)),
                effective: Some(Value::Flag(true)),
                note: None,
                error: None,
            },
        ]
    }

    fn socket() -> SocketRecord {
        SocketRecord {
            proto: "tcp",
            family: "inet",
            phase: "failed",
            local: Some("0.0.0.0:0".parse().unwrap()),
            peer: None,
            error: Some("bind 127.0.0.1:8080: EADDRINUSE (Address in use)".into()),
            note: Some("held by 127.0.0.1:8080 LISTEN (pid 42 nginx)".into()),
            holders: vec![],
            attempts: vec![],
        }
    }

    fn rendered(format: Format, verbose: u8) -> String {
        crate::output::rendered_with(format, verbose, |w, o| {
            render(w, o, &records(), Some(&socket()))
        })
    }

    #[test]
    fn table_snapshot() {
        insta::assert_snapshot!(rendered(Format::Table, 0));
    }

    /// Issue 10: at 80 columns option names are whole, every line fits, and the long
    /// error and notes are numbered footnotes instead of a 12-column NOTE.
    #[test]
    fn table_at_80_columns_snapshot() {
        let t = crate::output::rendered_at(Format::Table, 1, Some(80), |w, o| {
            render(w, o, &records(), Some(&socket()))
        });
        crate::output::layout::assert_fits(&t, 80);
        for token in [
            "SO_SNDBUF",
            "TCP_KEEPIDLE",
            "TCP_NODELAY",
            "EADDRINUSE",
            "127.0.0.1:8080",
        ] {
            assert!(t.contains(token), "{token} broken in\n{t}");
        }
        assert!(t.contains("\n[1] doubled: Linux doubles"), "{t}");
        insta::assert_snapshot!(t);
    }

    #[test]
    fn table_at_120_columns_snapshot() {
        let t = crate::output::rendered_at(Format::Table, 1, Some(120), |w, o| {
            render(w, o, &records(), Some(&socket()))
        });
        crate::output::layout::assert_fits(&t, 120);
        insta::assert_snapshot!(t);
    }

    #[test]
    fn plain_snapshot() {
        insta::assert_snapshot!(rendered(Format::Plain, 1));
    }

    #[test]
    fn json_snapshot() {
        insta::assert_snapshot!(rendered(Format::Json, 0));
    }
}
