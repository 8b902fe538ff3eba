//! The probe record: one port of one address as every renderer shows it.
use super::*;
use crate::output::layout::Fit;
use crate::service::Service;

/// One probe result as the renderers show it.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeRecord {
    pub target: String,
    /// With its zone for a link-local IPv6 address: `fe80::1%eth0`.
    pub addr: ZonedIp,
    pub port: u16,
    pub proto: &'static str,
    pub state: State,
    pub reason: Reason,
    pub errno: Option<String>,
    pub icmp: Option<Icmp>,
    pub rtt_ms: Option<f64>,
    pub tries: u32,
    pub local: Option<ShownAddr>,
    /// UDP replies only: whether the reply was the datagram sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub echo: Option<bool>,
    // Boxed: most records never have statistics, and a long scan keeps many records.
    #[serde(skip_serializing_if = "Option::is_none", flatten)]
    pub stats: Option<Box<Stats>>,
    /// The reverse name of an address target (null with `-n`, for a name target, and for an
    /// address without one): in every record, streamed or not.
    pub name: Option<String>,
    /// What answers (`--service`, open ports), else the /etc/services name as a guess.
    pub service: Option<Service>,
    /// `--shard K/N`: which part of a split scan probed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    #[serde(skip)]
    pub(super) order: usize,
}

impl ProbeRecord {
    pub(super) fn new(r: &ProbeResult, targets: &[Target], guess: Option<&String>) -> ProbeRecord {
        ProbeRecord {
            target: targets[r.target].name.clone(),
            addr: ZonedIp {
                ip: r.addr,
                zone: targets[r.target].zone.as_ref().map(|z| z.text.clone()),
            },
            port: r.port,
            proto: r.proto.as_str(),
            state: r.state,
            reason: r.reason,
            errno: r.errno.map(crate::net::errno::name),
            icmp: r.icmp,
            rtt_ms: r.rtt.map(crate::units::ms),
            tries: r.tries,
            local: r.local.map(ShownAddr),
            echo: r.echo,
            stats: None,
            name: None,
            service: guess.map(|g| Service::guess(g)),
            shard: None,
            order: r.target,
        }
    }
}

impl Record for ProbeRecord {
    const TYPE: &'static str = "probe";

    fn headers(verbose: u8) -> Vec<&'static str> {
        let mut h = vec![
            "TARGET", "ADDRESS", "PORT", "PROTO", "STATE", "REASON", "RTT", "SERVICE", "NAME",
        ];
        if verbose > 0 {
            h.extend(["LOCAL", "TRIES", "ERRNO", "ICMP", "REPLY"]);
        }
        h
    }

    /// At 80 columns the address, port, state and reason are never cut: the verbose
    /// columns, the protocol and the reverse name, then the target name give way; a reason
    /// naming a router, and a service, wrap at their spaces.
    fn fits(verbose: u8) -> Vec<Fit> {
        let mut f = vec![
            Fit::Drop(2),
            Fit::Keep,
            Fit::Keep,
            Fit::Drop(1),
            Fit::Keep,
            Fit::Wrap,
            Fit::Keep,
            // SERVICE wraps at its spaces (`ssh (OpenSSH_9.6p1)`), and with -v gives way to
            // the ICMP column; NAME gives way with PROTO.
            if verbose > 0 { Fit::Drop(1) } else { Fit::Wrap },
            Fit::Drop(1),
        ];
        if verbose > 0 {
            f.extend([
                Fit::Drop(0),
                Fit::Drop(0),
                Fit::Drop(0),
                Fit::Wrap,
                Fit::Drop(0),
            ]);
        }
        f
    }

    fn cells(&self, verbose: u8) -> Vec<Cell> {
        let tone = state_tone(self.state);
        let mut c = vec![
            Cell::new(self.target.clone()),
            Cell::new(self.addr.to_string()),
            Cell::new(self.port.to_string()),
            Cell::new(self.proto),
            Cell::toned(self.state.as_str(), tone),
            Cell::new(self.reason_text()),
            Cell::toned(
                self.rtt_ms
                    .map(|m| format!("{m:.3}ms"))
                    .unwrap_or_else(|| "-".into()),
                Tone::Dim,
            ),
            Cell::opt(self.service.as_ref().map(Service::label)),
            // The reverse name of a target given as an address.
            Cell::opt(self.name.as_ref()),
        ];
        if verbose > 0 {
            c.push(Cell::opt(self.local));
            c.push(Cell::new(self.tries.to_string()));
            c.push(Cell::opt(self.errno.as_ref()));
            c.push(Cell::opt(self.icmp.map(|i| match i.from {
                Some(f) => format!("type {} code {} from {f}", i.kind, i.code),
                None => format!("type {} code {}", i.kind, i.code),
            })));
            // UDP: whether the reply was our datagram back (an echo) or something else.
            c.push(Cell::opt(
                self.echo.map(|e| if e { "echo" } else { "other" }),
            ));
        }
        c
    }
}

/// How a state is coloured in a table.
pub(super) fn state_tone(state: State) -> Tone {
    match state {
        State::Open => Tone::Good,
        State::Closed | State::Error => Tone::Bad,
        _ => Tone::Warn,
    }
}

impl ProbeRecord {
    pub fn is_open(&self) -> bool {
        self.state == State::Open
    }

    /// The reason, with the sender of the ICMP error behind it when that is not the target
    /// (`port-unreach from 10.1.0.2`: a router answered, the target never did).
    pub(super) fn reason_text(&self) -> String {
        match self.icmp.and_then(|i| i.from_other_than(self.addr.ip)) {
            Some(f) => format!("{} from {f}", self.reason.token()),
            None => self.reason.token(),
        }
    }
}
