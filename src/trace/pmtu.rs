//! `--pmtu`: the path MTU, tracepath's way, after the trace. DF-set probes of the interface's
//! MTU go to the hop the trace reached; a router that cannot forward them answers
//! frag-needed (packet-too-big) with its next hop's MTU (ee_info), and the next round uses
//! it, until a probe gets through. A probe that vanishes without a word is a black hole:
//! one more round finds the last hop the large probes reach and the largest size that
//! still passes.
use super::engine::batch;
use super::names::Names;
use super::sock;
use super::{AnswerKind, BlackHole, Config, Gathered, Outcome, PmtuRun, Series, TraceError, Via};
use crate::interrupt::Interrupt;
use std::net::{IpAddr, SocketAddr};

/// Most rounds: each drop on the path takes one.
const MAX_ROUNDS: usize = 8;
/// Sizes tried once large probes vanish (common link MTUs: PPPoE, tunnels, IPv6's minimum,
/// IPv4's smallest every host takes).
const CANDIDATES: &[u32] = &[1492, 1480, 1460, 1400, 1280, 1006, 576];

/// Searches the path MTU to the hop the trace reached (see [`target_ttl`]). The second value:
/// interrupted.
pub fn search(
    dest: SocketAddr,
    cfg: &Config,
    g: &Gathered,
    interrupt: &Interrupt,
    mut names: Option<&mut Names>,
) -> Result<(PmtuRun, bool), TraceError> {
    let v6 = dest.is_ipv6();
    let floor = if v6 { 1280 } else { 576 };
    let via = g.via.unwrap_or(Via::Udp);
    let mut run = PmtuRun {
        local: sock::local_mtu(dest, cfg),
        ..PmtuRun::default()
    };
    let Some(ttl) = target_ttl(&g.outcomes, dest.ip()) else {
        return Ok((run, false));
    };
    run.ttl = ttl;
    let mut size = run.local.unwrap_or(1500).max(floor);
    for _ in 0..MAX_ROUNDS {
        let spec = [(ttl, Series::Pmtu { size, via })];
        let (o, stopped) = batch(
            dest,
            cfg,
            &spec,
            interrupt,
            names.as_deref_mut(),
            &mut |_| false,
        )?;
        if stopped {
            return Ok((run, true));
        }
        match o[0].answer.map(|a| (a.from, a.kind)) {
            Some((from, AnswerKind::Icmp { info, .. })) if too_big(&o[0]) => {
                if info == 0 || info >= size {
                    break;
                }
                if let Some(f) = from {
                    run.drops.push((f, info));
                }
                size = info;
            }
            Some((_, AnswerKind::Local { errno, info, .. })) if errno == libc::EMSGSIZE => {
                if info == 0 || info >= size {
                    break;
                }
                size = info;
            }
            Some(_) if got_there(&o[0], ttl, dest.ip()) => {
                run.mtu = Some(size);
                break;
            }
            Some(_) => break,
            None => {
                let (bh, stopped) = black_hole(
                    dest,
                    cfg,
                    ttl,
                    size,
                    floor,
                    via,
                    interrupt,
                    names.as_deref_mut(),
                )?;
                if stopped {
                    return Ok((run, true));
                }
                match bh {
                    // A lost probe, not a hole: the large size got there this time.
                    Check::Passed => run.mtu = Some(size),
                    Check::Hole(h) => {
                        run.mtu = h.pass;
                        run.black_hole = Some(h);
                    }
                    Check::Silent => {}
                }
                break;
            }
        }
    }
    Ok((run, false))
}

enum Check {
    Passed,
    Hole(BlackHole),
    /// Nothing got there, not even small probes: the host stopped answering.
    Silent,
}

/// Large probes vanished at `ttl`: sends them again at every TTL up to it (the last that
/// draws a time-exceeded is where they still go), and smaller ones at `ttl`.
#[allow(clippy::too_many_arguments)]
fn black_hole(
    dest: SocketAddr,
    cfg: &Config,
    ttl: u8,
    size: u32,
    floor: u32,
    via: Via,
    interrupt: &Interrupt,
    names: Option<&mut Names>,
) -> Result<(Check, bool), TraceError> {
    let mut specs: Vec<(u8, Series)> = (cfg.first_hop..=ttl)
        .map(|t| (t, Series::Pmtu { size, via }))
        .collect();
    let mut sizes: Vec<u32> = CANDIDATES
        .iter()
        .copied()
        .filter(|&c| c < size && c >= floor)
        .collect();
    if sizes.last() != Some(&floor) && floor < size {
        sizes.push(floor);
    }
    // Largest first: when the host's ICMP replies are rate-limited, the ones it does send
    // go to the sizes that matter.
    specs.extend(sizes.iter().map(|&s| (ttl, Series::Pmtu { size: s, via })));
    let (o, stopped) = batch(dest, cfg, &specs, interrupt, names, &mut |_| false)?;
    if stopped {
        return Ok((Check::Silent, true));
    }
    let big = |x: &&Outcome| matches!(x.series, Series::Pmtu { size: s, .. } if s == size);
    if o.iter()
        .filter(big)
        .any(|x| x.ttl == ttl && got_there(x, ttl, dest.ip()))
    {
        return Ok((Check::Passed, false));
    }
    let after_hop = o
        .iter()
        .filter(big)
        .filter(|x| {
            matches!(
                x.answer.map(|a| a.kind),
                Some(AnswerKind::TimeExceeded { .. })
            )
        })
        .map(|x| x.ttl)
        .max();
    let pass = o
        .iter()
        .filter(|x| !big(x) && got_there(x, ttl, dest.ip()))
        .filter_map(|x| match x.series {
            Series::Pmtu { size, .. } => Some(size),
            _ => None,
        })
        .max();
    Ok((
        match pass {
            Some(_) => Check::Hole(BlackHole {
                vanish: size,
                pass,
                after_hop,
            }),
            None => Check::Silent,
        },
        false,
    ))
}

/// A frag-needed (ICMP type 3 code 4) or packet-too-big (ICMPv6 type 2).
fn too_big(o: &Outcome) -> bool {
    let v6 = o.answer.and_then(|a| a.from).is_some_and(|f| f.is_ipv6());
    matches!(o.answer.map(|a| a.kind), Some(AnswerKind::Icmp { kind, code, .. })
        if (!v6 && kind == 3 && code == 4) || (v6 && kind == 2))
}

/// The probe reached `ttl`: the destination answered it, or the router at `ttl` did.
fn got_there(o: &Outcome, ttl: u8, dest: IpAddr) -> bool {
    match o.answer {
        Some(a) if a.from == Some(dest) => !too_big(o),
        Some(a) => o.ttl == ttl && matches!(a.kind, AnswerKind::TimeExceeded { .. }),
        None => false,
    }
}

/// The hop to search the path MTU to: the destination's (by the trace, or by the distance
/// series), else the last hop that answered; `None` when nothing answered.
pub fn target_ttl(o: &[Outcome], dest: IpAddr) -> Option<u8> {
    let min_ttl = |f: &dyn Fn(&Outcome) -> bool| o.iter().filter(|x| f(x)).map(|x| x.ttl).min();
    let from_dest = |x: &Outcome| x.answer.is_some_and(|a| a.from == Some(dest));
    let main = |x: &Outcome| x.series == Series::Main;
    // A reset may come from a middlebox before the host: the distance series knows better.
    let reset = |x: &Outcome| {
        matches!(x.answer.map(|a| a.kind), Some(AnswerKind::Host { reason, .. })
            if reason == crate::probe::Reason::ConnRefused)
    };
    min_ttl(&|x| main(x) && from_dest(x) && !reset(x))
        .or_else(|| min_ttl(&|x| matches!(x.series, Series::Distance(_)) && from_dest(x)))
        .or_else(|| min_ttl(&|x| main(x) && from_dest(x)))
        .or_else(|| {
            o.iter()
                .filter(|x| main(x))
                .filter(|x| {
                    matches!(
                        x.answer.map(|a| a.kind),
                        Some(AnswerKind::TimeExceeded { .. })
                    )
                })
                .map(|x| x.ttl)
                .max()
        })
}
