//! `sockdiag trace HOST [PORT]`: the plan (the host's addresses, the port, hops, queries),
//! one trace per address, and the records: one per hop and one per trace with the verdict.
use crate::cli::TraceArgs;
use crate::error::InputError;
use crate::exit::Exit;
use crate::input::ports;
use crate::input::targets::{self, Target, TargetSpec, ZonedIp};
use crate::interrupt::Interrupt;
use crate::output::{self, json, plain, reader, Cell, Format, OutputOpts, Record, Tone};
use crate::probe::{Proto, Reason, State};
use crate::resolve::Family;
use crate::trace::{self, Config, Hop, Responder, Trace, Verdict, Via};
use anyhow::Result;
use serde::Serialize;
use std::io::Write;
use std::net::IpAddr;

pub struct Plan {
    pub host: String,
    pub targets: Vec<Target>,
    /// Why the name has no address, when it has none.
    pub unresolved: Option<String>,
    pub config: Config,
}

pub fn plan(args: &TraceArgs, family: Family) -> Result<Plan> {
    let transport = if args.udp { Proto::Udp } else { Proto::Tcp };
    let port = match &args.port {
        None if args.udp => trace::UDP_BASE_PORT,
        None => 80,
        Some(p) => {
            let set = ports::parse_ports(std::slice::from_ref(p), transport)?;
            if set.len() != 1 {
                return Err(InputError::new("port", p.as_str(), "trace takes one port").into());
            }
            let p = set.iter().next().expect("one port");
            p
        }
    };
    if args.first_hop > args.max_hops {
        return Err(InputError::new(
            "first hop",
            args.first_hop.to_string(),
            format!("more than --max-hops ({})", args.max_hops),
        )
        .into());
    }
    if args.timeout.is_zero() {
        return Err(InputError::new("timeout", "0", "must be more than zero").into());
    }
    let source = args
        .source
        .as_deref()
        .map(|s| {
            let bare = s
                .strip_prefix('[')
                .and_then(|x| x.strip_suffix(']'))
                .unwrap_or(s);
            bare.parse::<IpAddr>().map_err(|_| {
                InputError::new(
                    "source",
                    s,
                    "give a local address only (each probe has its own port), e.g. 192.0.2.1 or ::1",
                )
            })
        })
        .transpose()?;
    if let Some(dev) = &args.interface {
        targets::check_interface(dev)?;
    }
    let specs = targets::parse_targets(&args.host)?;
    let one = matches!(
        specs.as_slice(),
        [TargetSpec::Name(_)] | [TargetSpec::Zoned(..)]
    ) || matches!(specs.as_slice(), [TargetSpec::Addrs(a)] if a.len() == 1);
    if !one {
        return Err(InputError::new(
            "host",
            args.host.as_str(),
            "trace takes one name or address (no lists, blocks or ranges)",
        )
        .into());
    }
    let (found, failed) = targets::resolve_targets(&specs, family, args.first_addr);
    let unresolved = match (failed.first(), found.is_empty()) {
        (Some(u), _) => Some(format!("{}: {}", u.name, u.error.message)),
        (None, true) => Some(format!(
            "{}: not an address of the family asked for",
            args.host
        )),
        _ => None,
    };
    Ok(Plan {
        host: args.host.clone(),
        targets: found,
        unresolved,
        config: Config {
            proto: if args.udp { Proto::Udp } else { Proto::Tcp },
            port,
            first_hop: args.first_hop,
            max_hops: args.max_hops,
            queries: args.queries,
            timeout: args.timeout,
            source,
            interface: args.interface.clone(),
            pmtu: args.pmtu,
            names: !args.numeric,
        },
    })
}

pub fn run(plan: &Plan, out: &OutputOpts, w: &mut impl Write) -> Result<Exit> {
    if let Some(why) = &plan.unresolved {
        eprintln!("sockdiag: {why}");
        return Ok(Exit::Negative);
    }
    let interrupt =
        Interrupt::install().map_err(crate::error::local("installing the Ctrl-C handler"))?;
    reader::watch_stdout(&interrupt);
    let mut all_open = true;
    for t in &plan.targets {
        if interrupt.raised() {
            break;
        }
        let g = trace::run(t.sockaddr(), &plan.config, &interrupt)?;
        let tr = trace::analyse::analyse(&g, &plan.config, t.addr);
        all_open &= tr.open();
        write_trace(w, out, &plan.config, t, &tr)?;
        if tr.interrupted {
            break;
        }
    }
    if reader::gone() {
        return Ok(Exit::Ok);
    }
    if interrupt.raised() {
        return Ok(Exit::Interrupted);
    }
    Ok(Exit::from_all_ok(all_open))
}

/// One trace in the chosen format: its hops, then the verdict.
fn write_trace(
    w: &mut impl Write,
    out: &OutputOpts,
    cfg: &Config,
    t: &Target,
    tr: &Trace,
) -> Result<()> {
    let addr = t.shown();
    let hops: Vec<HopRecord> = tr
        .hops
        .iter()
        .map(|h| HopRecord::new(&t.name, &addr, h, tr))
        .collect();
    let rec = TraceRecord::new(&t.name, &addr, tr);
    let heading = format!(
        "trace to {}{}, {} port {}, {} hops max, {} per hop",
        t.name,
        if t.name == addr.to_string() {
            String::new()
        } else {
            format!(" ({addr})")
        },
        tr.proto.as_str(),
        tr.port,
        cfg.max_hops,
        cfg.queries
    );
    // (label, text): `verdict: ...` under the table, `# verdict ...` in plain.
    let mut notes = vec![("verdict", tr.verdict.text.clone())];
    if let Some(p) = &rec.pmtu_text {
        notes.push(("pmtu", p.clone()));
    }
    if tr.interrupted {
        notes.push(("interrupted", "only finished hops are shown".into()));
    }
    match out.format {
        Format::Json => {
            for h in &hops {
                json::write(w, h)?;
            }
            json::write(w, &rec)?;
        }
        Format::Table => {
            writeln!(w, "{heading}")?;
            output::render(w, out, &hops)?;
            for (label, text) in &notes {
                writeln!(w, "{label}: {text}")?;
            }
        }
        Format::Plain => {
            writeln!(w, "# {heading}")?;
            output::render(w, out, &hops)?;
            for (label, text) in &notes {
                writeln!(w, "# {label} {}", plain::field(text))?;
            }
        }
    }
    w.flush()?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct RttMs {
    pub min: f64,
    pub avg: f64,
    pub max: f64,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct IcmpMsg {
    #[serde(rename = "type")]
    pub kind: u8,
    pub code: u8,
}

/// One hop as the renderers show it.
#[derive(Debug, Clone, Serialize)]
pub struct HopRecord {
    pub target: String,
    pub addr: ZonedIp,
    pub ttl: u8,
    pub responders: Vec<Responder>,
    pub rtt_ms: Option<RttMs>,
    pub sent: u32,
    pub lost: u32,
    pub icmp: Option<IcmpMsg>,
    pub state: Option<State>,
    pub reason: Option<Reason>,
    /// `--pmtu`: the MTU a router of this hop reported for its next link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtu: Option<u32>,
    #[serde(skip)]
    v6: bool,
}

impl HopRecord {
    pub fn new(target: &str, addr: &ZonedIp, h: &Hop, tr: &Trace) -> HopRecord {
        HopRecord {
            target: target.to_string(),
            addr: addr.clone(),
            ttl: h.ttl,
            responders: h.responders.clone(),
            rtt_ms: h.rtt.map(|r| RttMs {
                min: crate::units::ms(r.min),
                avg: crate::units::ms(r.avg),
                max: crate::units::ms(r.max),
            }),
            sent: h.sent,
            lost: h.lost,
            icmp: h.icmp.map(|(kind, code)| IcmpMsg { kind, code }),
            state: h.state,
            reason: h.reason,
            mtu: h.mtu,
            v6: tr.dest.is_ipv6(),
        }
    }

    /// The ICMP column: the message's name, or the state the hop ended the path with.
    fn answer(&self) -> String {
        let exceeded = self
            .icmp
            .is_some_and(|i| i.kind == if self.v6 { 3 } else { 11 });
        let mut s = match (self.state, self.reason, self.icmp) {
            (Some(st), Some(re), Some(i)) if !exceeded => format!(
                "{} {} (type {} code {})",
                st.as_str(),
                re.token(),
                i.kind,
                i.code
            ),
            (Some(st), Some(re), _) => format!("{} {}", st.as_str(), re.token()),
            (_, _, Some(_)) if exceeded => "time-exceeded".into(),
            (_, _, Some(i)) => format!("type {} code {}", i.kind, i.code),
            _ => String::new(),
        };
        if let Some(m) = self.mtu {
            if !s.is_empty() {
                s.push_str(", ");
            }
            s.push_str(&format!("next link mtu {m}"));
        }
        s
    }
}

impl Record for HopRecord {
    const TYPE: &'static str = "hop";

    fn headers(_: u8) -> Vec<&'static str> {
        vec!["TTL", "ADDRESS", "NAME", "RTT MIN/AVG/MAX", "LOSS", "ICMP"]
    }

    fn cells(&self, _: u8) -> Vec<Cell> {
        let several = self.responders.len() > 1;
        let answered: u32 = self.responders.iter().map(|r| r.count).sum();
        let addrs = if self.responders.is_empty() {
            "*".to_string()
        } else {
            self.responders
                .iter()
                .map(|r| {
                    if several {
                        let share = (r.count * 100 + answered / 2) / answered.max(1);
                        format!("{} ({share}%)", r.addr)
                    } else {
                        r.addr.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let names = self
            .responders
            .iter()
            .map(|r| r.name.clone().unwrap_or_else(|| "-".into()))
            .collect::<Vec<_>>()
            .join("\n");
        let rtt = self.rtt_ms.as_ref().map_or("-".into(), |r| {
            format!("{:.3}/{:.3}/{:.3}ms", r.min, r.avg, r.max)
        });
        let loss = (self.lost * 100).checked_div(self.sent).unwrap_or(0);
        let tone = match self.state {
            Some(State::Open) => Tone::Good,
            Some(_) => Tone::Bad,
            None => Tone::Normal,
        };
        vec![
            Cell::new(self.ttl.to_string()),
            Cell::toned(
                addrs,
                if self.responders.is_empty() {
                    Tone::Dim
                } else {
                    Tone::Normal
                },
            ),
            Cell::new(names),
            Cell::toned(rtt, Tone::Dim),
            Cell::toned(
                format!("{loss}%"),
                if self.lost > 0 {
                    Tone::Warn
                } else {
                    Tone::Normal
                },
            ),
            Cell::toned(self.answer(), tone),
        ]
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Distance {
    pub hop: u8,
    pub via: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct MtuDrop {
    pub hop: Option<u8>,
    pub addr: IpAddr,
    pub mtu: u32,
}

/// The end of one trace: the verdict and the path MTU.
#[derive(Debug, Clone, Serialize)]
pub struct TraceRecord {
    pub target: String,
    pub addr: ZonedIp,
    pub port: u16,
    pub proto: &'static str,
    pub reached: bool,
    pub state: Option<State>,
    pub reason: Option<Reason>,
    pub hops: usize,
    pub verdict: Verdict,
    /// The host's hop by ICMP echo or UDP probes to a closed port.
    pub distance: Option<Distance>,
    pub pmtu: Option<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mtu_drops: Vec<MtuDrop>,
    pub interrupted: bool,
    pub elapsed_ms: f64,
    #[serde(skip)]
    pub pmtu_text: Option<String>,
}

impl TraceRecord {
    pub fn new(target: &str, addr: &ZonedIp, tr: &Trace) -> TraceRecord {
        let hop_of = |a: IpAddr| {
            tr.hops
                .iter()
                .find(|h| h.responders.iter().any(|r| r.addr == a))
                .map(|h| h.ttl)
        };
        let mtu_drops: Vec<MtuDrop> = tr.pmtu.as_ref().map_or(Vec::new(), |p| {
            p.drops
                .iter()
                .map(|&(addr, mtu)| MtuDrop {
                    hop: hop_of(addr),
                    addr,
                    mtu,
                })
                .collect()
        });
        let pmtu_text = tr.pmtu.as_ref().map(|p| {
            let mut s = match p.mtu {
                Some(m) => format!("{m} to hop {}", p.ttl),
                None if p.ttl == 0 => "unknown: no hop answered".into(),
                None => format!(
                    "unknown: nothing got to hop {} (its ICMP replies may be rate-limited)",
                    p.ttl
                ),
            };
            if let Some(l) = p.local {
                s.push_str(&format!("; {l} on the local link"));
            }
            for d in &mtu_drops {
                let at = d.hop.map_or(String::new(), |h| format!(" at hop {h}"));
                s.push_str(&format!("; {}{at} reports {}", d.addr, d.mtu));
            }
            if let Some(b) = p.black_hole {
                s.push_str(&format!("; {}-byte packets vanish", b.vanish));
            }
            s
        });
        TraceRecord {
            target: target.to_string(),
            addr: addr.clone(),
            port: tr.port,
            proto: tr.proto.as_str(),
            reached: tr.reached,
            state: tr.state,
            reason: tr.reason,
            hops: tr.hops.len(),
            verdict: tr.verdict.clone(),
            distance: tr.distance.map(|(hop, via)| Distance {
                hop,
                via: match via {
                    Via::Echo => "icmp-echo",
                    Via::Udp => "udp",
                },
            }),
            pmtu: tr.pmtu.as_ref().and_then(|p| p.mtu),
            mtu_drops,
            interrupted: tr.interrupted,
            elapsed_ms: crate::units::ms(tr.elapsed),
            pmtu_text,
        }
    }
}

impl Record for TraceRecord {
    const TYPE: &'static str = "trace";
    fn headers(_: u8) -> Vec<&'static str> {
        vec![]
    }
    fn cells(&self, _: u8) -> Vec<Cell> {
        vec![]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{PmtuRun, Rtt, VerdictKind};
    use std::time::Duration;

    /// A trace with every kind of hop: answered, load-balanced with names, silent, and the
    /// destination's.
    fn sample() -> Trace {
        let ms = |m: u64| Duration::from_micros(m);
        let r = |a: &str, name: Option<&str>, count| Responder {
            addr: a.parse().unwrap(),
            name: name.map(String::from),
            count,
        };
        let hop = |ttl, responders: Vec<Responder>, lost, icmp, end: Option<(State, Reason)>| Hop {
            ttl,
            sent: 3,
            lost,
            rtt: (!responders.is_empty()).then(|| Rtt {
                min: ms(410),
                avg: ms(520),
                max: ms(700),
            }),
            responders,
            icmp,
            state: end.map(|e| e.0),
            reason: end.map(|e| e.1),
            mtu: None,
        };
        let mut h2 = hop(
            2,
            vec![
                r("10.0.2.2", Some("r2a.example.test"), 2),
                r("10.0.5.2", None, 1),
            ],
            0,
            Some((11, 0)),
            None,
        );
        h2.mtu = Some(1400);
        Trace {
            dest: "10.0.4.2".parse().unwrap(),
            port: 443,
            proto: Proto::Tcp,
            hops: vec![
                hop(
                    1,
                    vec![r("10.0.1.1", Some("gw.example.test"), 3)],
                    0,
                    Some((11, 0)),
                    None,
                ),
                h2,
                hop(3, vec![], 3, None, None),
                hop(
                    4,
                    vec![r("10.0.4.2", Some("www.example.test"), 2)],
                    1,
                    None,
                    Some((State::Open, Reason::SynAck)),
                ),
            ],
            reached: true,
            state: Some(State::Open),
            reason: Some(Reason::SynAck),
            verdict: Verdict {
                kind: VerdictKind::Reached,
                hop: Some(4),
                addr: Some("10.0.4.2".parse().unwrap()),
                text: "reached: open at hop 4 (10.0.4.2)".into(),
            },
            distance: None,
            pmtu: Some(PmtuRun {
                local: Some(1500),
                drops: vec![("10.0.2.2".parse().unwrap(), 1400)],
                mtu: Some(1400),
                ttl: 4,
                black_hole: None,
            }),
            interrupted: false,
            elapsed: Duration::from_millis(1004),
        }
    }

    fn rendered(format: Format) -> String {
        let t = Target {
            name: "www.example.test".into(),
            addr: "10.0.4.2".parse().unwrap(),
            zone: None,
        };
        let cfg = Config::default();
        output::rendered_with(format, 0, |w, o| write_trace(w, o, &cfg, &t, &sample()))
    }

    #[test]
    fn table_snapshot() {
        insta::assert_snapshot!(rendered(Format::Table));
    }

    #[test]
    fn plain_snapshot() {
        insta::assert_snapshot!(rendered(Format::Plain));
    }

    #[test]
    fn json_snapshot() {
        insta::assert_snapshot!(rendered(Format::Json));
    }
}
