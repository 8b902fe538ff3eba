//! `sockdiag connect HOST PORT`: the plan (addresses, options, data to send, what to read),
//! the engine run, and the presentation of the connect record.
use crate::cli::ConnectArgs;
use crate::connect::{
    self, Config, Crlf, ReadEnd, ReadMode, Report, Session, SessionReport, TcpInfo,
};
use crate::error::InputError;
use crate::exit::Exit;
use crate::input::targets::{self, ShownAddr};
use crate::interrupt::Interrupt;
use crate::net::attempt::Attempt;
use crate::net::unix::{PeerCred, UnixTarget};
use crate::net::{errno, Icmp, Reason, State};
use crate::output::{self, json, Cell, Format, OutputOpts, Record, Tone};
use crate::resolve::{family_name, Family};
use crate::sockopt::OptionRecord;
use anyhow::Result;
use serde::Serialize;
use std::io::{IsTerminal, Read, Write};
use std::net::SocketAddr;
use std::time::SystemTime;

#[path = "connect_tls.rs"]
mod tls;
#[path = "connect_unix.rs"]
mod unix;
pub use tls::{CertRecord, TlsRecord};
use unix::check_unix;

/// The most stdin or a file may hold to be sent: the data is read before connecting.
pub const MAX_SEND: u64 = 64 << 20;

pub struct Plan {
    pub target: String,
    /// The name's addresses in order, or why it has none.
    /// Port 0; a link-local IPv6 address with a zone carries its scope id.
    pub addrs: Result<Vec<SocketAddr>, String>,
    pub port: u16,
    pub config: Config,
    pub hex: bool,
}

fn read_all(what: &'static str, label: &str, r: impl Read) -> Result<Vec<u8>, InputError> {
    let mut buf = Vec::new();
    r.take(MAX_SEND + 1)
        .read_to_end(&mut buf)
        .map_err(|e| InputError::new(what, label, e.to_string()))?;
    if buf.len() as u64 > MAX_SEND {
        return Err(InputError::new(what, label, "more than 64 MiB to send"));
    }
    Ok(buf)
}

/// HOST and PORT: as given, or from `HOST:PORT` / `[V6]:PORT` when no PORT follows.
fn host_and_port(args: &ConnectArgs) -> Result<(String, String), InputError> {
    if let Some(p) = &args.port {
        return Ok((args.host.clone(), p.clone()));
    }
    targets::split_host_port(&args.host).map_err(|_| {
        InputError::new(
            "arguments",
            "",
            format!(
                "no PORT after '{}': give HOST PORT, or HOST:PORT / [V6]:PORT, e.g. \
                 `sockdiag connect 127.0.0.1 80` or `sockdiag connect [::1]:80`",
                args.host
            ),
        )
    })
}

/// An interactive session: asked for (-i), or stdin is a terminal and no one-shot mode
/// (--send, --send-file, --read, --until-close, --banner, --hex) nor --no-stdin was given.
fn interactive(args: &ConnectArgs) -> bool {
    let one_shot = args.send.is_some()
        || args.send_file.is_some()
        || args.read.is_some()
        || args.until_close
        || args.banner
        || args.hex
        || args.no_stdin;
    args.interactive || (!one_shot && std::io::stdin().is_terminal())
}

pub fn plan(args: &ConnectArgs, family: Family) -> Result<Plan> {
    let unix = crate::input::unix::parse(&args.host)?;
    if let Some(u) = &unix {
        check_unix(args, family, u)?;
    }
    let (host, port) = match unix {
        Some(_) => (args.host.clone(), "0".to_string()),
        None => host_and_port(args)?,
    };
    let port = match unix {
        Some(_) => 0,
        None => targets::parse_port(&port, args.udp)?,
    };
    let opts = args.set.plan(args.udp)?;
    if args.timeout.is_zero() {
        return Err(InputError::new("timeout", "0", "must be more than zero").into());
    }
    if args.max_time.is_some_and(|d| d.is_zero()) {
        return Err(InputError::new("max-time", "0", "must be more than zero").into());
    }
    let source = args
        .source
        .as_deref()
        .map(targets::parse_source)
        .transpose()?;
    if let Some(dev) = &args.interface {
        targets::check_interface(dev)?;
    }
    let read = match (&args.read, args.until_close, args.banner) {
        (Some(n), _, _) => {
            let n: u64 = n.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                InputError::new("read", n.as_str(), "a number of bytes, 1 or more")
            })?;
            ReadMode::Bytes(n)
        }
        (_, true, _) => ReadMode::UntilClose,
        (_, _, true) => ReadMode::Banner,
        _ => ReadMode::None,
    };
    let unix_dgram = unix.as_ref().is_some_and(|u| u.dgram);
    if unix_dgram && args.interactive {
        return Err(InputError::new(
            "option",
            "-i",
            "an interactive session runs over TCP, UDP and unix: streams; for unixgram: use --send",
        )
        .into());
    }
    let session = interactive(args) && !unix_dgram;
    if !session {
        let flag = match (args.no_shutdown, args.idle_timeout) {
            (true, _) => Some("--no-shutdown"),
            (_, Some(_)) => Some("--idle-timeout"),
            _ => None,
        };
        if let Some(flag) = flag {
            return Err(InputError::new(
                "option",
                flag,
                "belongs to the interactive session: add -i (without it there is a session \
                 only when stdin is a terminal and no one-shot mode is asked)",
            )
            .into());
        }
    }
    if let Some(d) = args.idle_timeout.filter(|d| d.is_zero()) {
        return Err(InputError::new(
            "idle-timeout",
            humantime::format_duration(d).to_string(),
            "must be more than zero",
        )
        .into());
    }
    if args.udp && args.no_shutdown {
        return Err(InputError::new(
            "option",
            "--no-shutdown",
            "UDP has no half-close: a UDP session ends at the end of stdin (after the last replies), or --idle-timeout",
        )
        .into());
    }
    if args.udp && (args.until_close || args.banner || args.read.is_some() || args.shutdown) {
        return Err(InputError::new(
            "option",
            "--udp",
            "a UDP connect sends one datagram and shows the reply: no --read, --until-close, --banner or --shutdown",
        )
        .into());
    }
    let send = if let Some(t) = &args.send {
        t.as_bytes().to_vec()
    } else if let Some(f) = &args.send_file {
        let label = f.display().to_string();
        if f.as_os_str() == "-" {
            read_all("send file", &label, std::io::stdin().lock())?
        } else {
            let file = std::fs::File::open(f)
                .map_err(|e| InputError::new("send file", label.as_str(), e.to_string()))?;
            read_all("send file", &label, file)?
        }
    } else if !session && !args.no_stdin && !std::io::stdin().is_terminal() {
        read_all("stdin", "-", std::io::stdin().lock())?
    } else {
        Vec::new()
    };
    let tls = if args.tls.tls {
        Some(tls::setup(&args.tls, &host)?)
    } else {
        None
    };
    let send = if args.crlf { Crlf::all(&send) } else { send };
    let addrs = match unix {
        Some(_) => Ok(Vec::new()),
        None => targets::resolve_host(&host, family)?,
    };
    Ok(Plan {
        target: host,
        addrs,
        port,
        config: Config {
            udp: args.udp,
            timeout: args.timeout,
            opts,
            send,
            read,
            shutdown: args.shutdown,
            source,
            interface: args.interface.clone(),
            max_time: args.max_time,
            tls,
            session: session.then_some(Session {
                crlf: args.crlf,
                no_shutdown: args.no_shutdown,
                idle_timeout: args.idle_timeout,
            }),
            unix,
        },
        hex: args.hex,
    })
}

pub fn run(plan: &Plan, out: &OutputOpts, w: &mut impl Write) -> Result<Exit> {
    let addrs = match &plan.addrs {
        Ok(a) => a,
        Err(why) => {
            eprintln!("sockdiag: {why}");
            return Ok(Exit::Negative);
        }
    };
    if !out.quiet && plan.config.interface.is_none() {
        let unzoned = |a: &&SocketAddr| {
            matches!(a, SocketAddr::V6(v) if v.scope_id() == 0) && targets::is_link_local(a.ip())
        };
        if let Some(a) = addrs.iter().find(unzoned) {
            eprintln!("sockdiag: {}", targets::zone_hint(a.ip()));
        }
    }
    let interrupt =
        Interrupt::install().map_err(crate::error::local("installing the Ctrl-C handler"))?;
    let report = match &plan.config.unix {
        Some(u) => connect::unix::run(&plan.target, u, &plan.config, &interrupt),
        None => connect::run(&plan.target, addrs, plan.port, &plan.config, &interrupt),
    };
    let rec = ConnectRecord::new(&report, plan.hex);
    if plan.config.session.is_some() {
        // stdout carried the peer's bytes: the report goes to stderr (-q: none).
        if !out.quiet {
            render(&mut std::io::stderr().lock(), out, &rec)?;
        }
    } else {
        render(w, out, &rec)?;
    }
    if !out.quiet && report.state == State::Filtered && report.reason == Reason::NoResponse {
        eprintln!("sockdiag: {}", targets::trace_hint(&plan.target, plan.port));
    }
    if let Some(t) = report
        .tls
        .as_ref()
        .filter(|t| t.version.is_some() && !t.verified)
    {
        // Never quiet: the data went to a peer nobody checked.
        eprintln!(
            "sockdiag: WARNING: the peer was NOT verified: {}",
            t.not_verified.as_deref().unwrap_or("--insecure")
        );
    }
    if interrupt.raised() {
        return Ok(Exit::Interrupted);
    }
    // A session cut by a reset or an error may have lost bytes either way.
    let broken = report.session.is_some()
        && matches!(report.read_end, Some(ReadEnd::Reset | ReadEnd::Error));
    Ok(Exit::from_all_ok(
        report.connected() && !report.option_errors() && !report.tls_failed() && !broken,
    ))
}

/// The connect record: what JSON carries and the renderers show.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectRecord {
    pub target: String,
    /// `null` for a UNIX socket.
    pub port: Option<u16>,
    /// `tcp`, `udp`, `unix` (a UNIX stream) or `unixgram`.
    pub proto: &'static str,
    /// With the zone's interface name for a link-local IPv6 address.
    pub peer: Option<ShownAddr>,
    pub local: Option<ShownAddr>,
    pub family: Option<&'static str>,
    pub connect_ms: Option<f64>,
    pub tcp_info: Option<TcpInfo>,
    pub sent: u64,
    pub received: u64,
    pub first_byte_ms: Option<f64>,
    /// Received bytes: printable text as is, other bytes as \xNN (the first 1 MiB).
    pub data: Option<String>,
    pub read_end: Option<ReadEnd>,
    pub state: State,
    pub reason: Reason,
    pub errno: Option<String>,
    pub icmp: Option<Icmp>,
    pub error: Option<String>,
    /// The interactive session: its length, when stdin ended, the half-close, UDP datagrams.
    pub session: Option<SessionReport>,
    pub attempts: Vec<Attempt>,
    pub options: Vec<OptionRecord>,
    /// `--tls`: the session (or why there is none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsRecord>,
    /// UNIX: the socket connected to (a path, or `@name` for an abstract name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_unix: Option<String>,
    /// UNIX: our socket's name (none for a stream client, which stays unnamed; an abstract
    /// name the kernel picked for a datagram client).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_unix: Option<String>,
    /// UNIX: the peer process: SO_PEERCRED (stream) or the reply's SCM_CREDENTIALS (datagrams).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_cred: Option<PeerCred>,
    #[serde(skip)]
    pub raw: Vec<u8>,
    #[serde(skip)]
    pub hex: bool,
}

impl ConnectRecord {
    pub fn new(r: &Report, hex: bool) -> ConnectRecord {
        let unix = r.unix.as_ref();
        let reached = unix.filter(|_| r.connected());
        ConnectRecord {
            target: r.target.clone(),
            port: unix.is_none().then_some(r.port),
            proto: match unix {
                Some(u) if u.dgram => "unixgram",
                Some(_) => "unix",
                None if r.udp => "udp",
                None => "tcp",
            },
            peer: r.peer.map(ShownAddr),
            local: r.local.map(ShownAddr),
            family: match unix {
                Some(_) => Some("unix"),
                None => r.attempts.last().map(|a| family_name(&a.addr.ip())),
            },
            connect_ms: r.connect_time.map(crate::units::ms),
            tcp_info: r.tcp_info,
            sent: r.sent,
            received: r.received,
            first_byte_ms: r.first_byte.map(crate::units::ms),
            // A session's bytes went to stdout as they came; none are kept.
            data: (r.received > 0 && r.session.is_none()).then(|| connect::escape(&r.data)),
            read_end: r.read_end,
            state: r.state,
            reason: r.reason,
            errno: r.errno.map(errno::name),
            icmp: r.icmp,
            error: r.error.clone(),
            session: r.session,
            attempts: r.attempts.clone(),
            options: r.options.clone(),
            tls: r.tls.as_ref().map(|t| TlsRecord::new(t, SystemTime::now())),
            peer_unix: reached.map(|u| u.path.to_string()),
            local_unix: reached
                .and_then(|u| u.local.as_ref())
                .map(|n| n.to_string()),
            peer_cred: reached.and_then(|u| u.cred.clone()),
            raw: r.data.clone(),
            hex,
        }
    }

    fn state_tone(&self) -> Tone {
        match self.state {
            State::Open => Tone::Good,
            State::Closed | State::Error => Tone::Bad,
            _ => Tone::Warn,
        }
    }

    /// Received data to show: a session's went to stdout as it came.
    fn shows_data(&self) -> bool {
        self.received > 0 && self.session.is_none()
    }

    /// The data as shown to people: escaped text, or a hex dump.
    pub fn shown_data(&self) -> String {
        if self.hex {
            connect::hexdump(&self.raw)
        } else {
            connect::escape(&self.raw)
        }
    }

    /// FIELD / VALUE rows of the table.
    fn rows(&self, verbose: u8) -> Vec<Vec<Cell>> {
        let ms = |v: Option<f64>| v.map(|m| format!("{m:.3}ms"));
        let target = match self.port {
            Some(port) => format!("{} port {port} ({})", self.target, self.proto),
            // unix:PATH says it all.
            None => self.target.clone(),
        };
        let mut rows: Vec<(&str, Cell)> = vec![
            ("target", Cell::new(target)),
            (
                "state",
                Cell::toned(
                    format!("{} ({})", self.state.as_str(), self.reason.token()),
                    self.state_tone(),
                ),
            ),
            ("peer", self.peer_cell()),
            ("local", self.local_cell()),
            ("family", Cell::opt(self.family)),
            ("connect time", Cell::opt(ms(self.connect_ms))),
        ];
        if let Some(c) = &self.peer_cred {
            rows.push(("peer process", Cell::new(cred_text(c))));
        }
        if let Some(e) = &self.errno {
            rows.push(("errno", Cell::new(e.clone())));
        }
        if let Some(i) = &self.icmp {
            rows.push(("icmp", Cell::new(icmp_text(i))));
        }
        if let Some(t) = &self.tcp_info {
            rows.push((
                "tcp_info",
                Cell::new(format!(
                    "rtt {:.3}ms rttvar {:.3}ms mss {} cwnd {} retransmits {}",
                    t.rtt_ms, t.rttvar_ms, t.mss, t.cwnd, t.retransmits
                )),
            ));
            if verbose > 0 {
                rows.push((
                    "tcp_info more",
                    Cell::new(format!(
                        "state {} min_rtt {:.3}ms rcv_mss {} advmss {} pmtu {} ssthresh {} wscale {}/{}",
                        t.state, t.min_rtt_ms, t.rcv_mss, t.advmss, t.pmtu, t.ssthresh, t.snd_wscale, t.rcv_wscale
                    )),
                ));
            }
        }
        if let Some(t) = &self.tls {
            rows.extend(t.rows());
        }
        if self.peer.is_some() || self.peer_unix.is_some() || self.sent > 0 {
            rows.push(("sent", Cell::new(format!("{} bytes", self.sent))));
            let ended = if self.session.is_some() {
                "session ended"
            } else {
                "read ended"
            };
            rows.push((
                "received",
                Cell::new(match self.read_end {
                    Some(e) => format!("{} bytes ({ended}: {})", self.received, e.as_str()),
                    None => format!("{} bytes", self.received),
                }),
            ));
            rows.push(("first byte", Cell::opt(ms(self.first_byte_ms))));
        }
        if let Some(s) = &self.session {
            rows.push(("session", Cell::new(session_text(s))));
        }
        if let Some(e) = &self.error {
            rows.push(("error", Cell::toned(e.clone(), Tone::Bad)));
        }
        if verbose > 0 || self.attempts.len() > 1 && self.state != State::Open {
            for a in &self.attempts {
                rows.push(("attempt", Cell::new(attempt_text(a))));
            }
        }
        rows.into_iter()
            .map(|(k, v)| vec![Cell::toned(k, Tone::Dim), v])
            .collect()
    }
}

/// The session row: its length, when stdin ended and whether we half-closed, datagrams.
fn session_text(s: &SessionReport) -> String {
    let mut t = format!("{:.3}s", s.duration.as_secs_f64());
    match s.stdin_end {
        Some(d) if s.half_closed => t.push_str(&format!(
            ", stdin ended at {:.3}s (half-closed)",
            d.as_secs_f64()
        )),
        Some(d) => t.push_str(&format!(", stdin ended at {:.3}s", d.as_secs_f64())),
        None => t.push_str(", stdin still open"),
    }
    if let (Some(out), Some(back)) = (s.datagrams_sent, s.datagrams_received) {
        t.push_str(&format!(", {out} datagrams sent, {back} received"));
    }
    t
}

impl ConnectRecord {
    /// The peer: an IP address and port, or the UNIX socket reached.
    fn peer_cell(&self) -> Cell {
        match &self.peer_unix {
            Some(p) => Cell::new(p.clone()),
            None => Cell::opt(self.peer),
        }
    }

    /// Our end: an IP address and port, or a UNIX name (a stream client has none).
    fn local_cell(&self) -> Cell {
        match (&self.local_unix, &self.peer_unix) {
            (Some(l), _) => Cell::new(l.clone()),
            (None, Some(_)) => Cell::new("unnamed"),
            (None, None) => Cell::opt(self.local),
        }
    }
}

fn cred_text(c: &PeerCred) -> String {
    let comm = c
        .comm
        .as_ref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    format!("pid {}{comm} uid {} gid {}", c.pid, c.uid, c.gid)
}

fn icmp_text(i: &Icmp) -> String {
    match i.from {
        Some(f) => format!("type {} code {} from {f}", i.kind, i.code),
        None => format!("type {} code {}", i.kind, i.code),
    }
}

fn attempt_text(a: &Attempt) -> String {
    format!(
        "{} {} {} {:.3}ms",
        ShownAddr(a.addr),
        a.state.as_str(),
        a.reason.token(),
        crate::units::ms(a.elapsed)
    )
}

/// Plain: one line per connect (the attempts, with -v, as `# attempt` lines before it).
impl Record for ConnectRecord {
    const TYPE: &'static str = "connect";

    fn headers(_verbose: u8) -> Vec<&'static str> {
        vec![
            "TARGET",
            "PORT",
            "PROTO",
            "STATE",
            "REASON",
            "PEER",
            "LOCAL",
            "FAMILY",
            "CONNECT",
            "RTT",
            "SENT",
            "RECEIVED",
            "FIRST-BYTE",
            "DATA",
        ]
    }

    fn cells(&self, _verbose: u8) -> Vec<Cell> {
        let ms = |v: Option<f64>| Cell::opt(v.map(|m| format!("{m:.3}ms")));
        let data = if !self.shows_data() {
            "-".to_string()
        } else if self.hex {
            self.raw.iter().map(|b| format!("{b:02x}")).collect()
        } else {
            // One field: the line breaks and tabs of the data escaped too.
            self.shown_data().replace('\n', "\\n").replace('\t', "\\t")
        };
        vec![
            Cell::new(self.target.clone()),
            Cell::opt(self.port),
            Cell::new(self.proto),
            Cell::toned(self.state.as_str(), self.state_tone()),
            Cell::new(self.reason.token()),
            self.peer_cell(),
            self.local_cell(),
            Cell::opt(self.family),
            ms(self.connect_ms),
            ms(self.tcp_info.map(|t| t.rtt_ms)),
            Cell::new(self.sent.to_string()),
            Cell::new(self.received.to_string()),
            ms(self.first_byte_ms),
            Cell::new(data),
        ]
    }
}

pub fn render(w: &mut impl Write, out: &OutputOpts, rec: &ConnectRecord) -> Result<()> {
    match out.format {
        Format::Json => json::write(w, rec)?,
        Format::Plain => {
            if out.verbose > 0 {
                for a in &rec.attempts {
                    writeln!(
                        w,
                        "# attempt\t{}\t{}\t{}\t{:.3}ms",
                        ShownAddr(a.addr),
                        a.state.as_str(),
                        a.reason.token(),
                        crate::units::ms(a.elapsed)
                    )?;
                }
            }
            output::plain::write(w, out, std::slice::from_ref(rec))?;
            if let Some(s) = &rec.session {
                // how it ended, length, stdin's end, half-closed, datagrams out and in
                let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
                writeln!(
                    w,
                    "# session\t{}\t{:.3}ms\t{}\t{}\t{}\t{}",
                    rec.read_end.map_or("-", |e| e.as_str()),
                    crate::units::ms(s.duration),
                    opt(s.stdin_end.map(|d| format!("{:.3}ms", crate::units::ms(d)))),
                    if s.half_closed { "half-closed" } else { "-" },
                    opt(s.datagrams_sent.map(|n| n.to_string())),
                    opt(s.datagrams_received.map(|n| n.to_string())),
                )?;
            }
            if let Some(c) = &rec.peer_cred {
                let comm = c.comm.as_deref().unwrap_or("-");
                writeln!(w, "# peer-cred\t{}\t{}\t{}\t{comm}", c.pid, c.uid, c.gid)?;
            }
            if !rec.options.is_empty() {
                for o in &rec.options {
                    writeln!(w, "# option\t{}", output::plain::line(&o.cells(0)))?;
                }
            }
            if let Some(t) = &rec.tls {
                t.plain(w)?;
            }
        }
        Format::Table => {
            output::table::write_rows(w, out, &["CONNECT", "VALUE"], &rec.rows(out.verbose))?;
            if !rec.options.is_empty() {
                crate::output::options::option_table(w, out, &rec.options)?;
            }
            if rec.shows_data() {
                let shown = rec.shown_data();
                let kept = rec.raw.len() as u64;
                if kept < rec.received {
                    writeln!(w, "data (the first {kept} of {} bytes):", rec.received)?;
                } else {
                    writeln!(w, "data ({} bytes):", rec.received)?;
                }
                w.write_all(shown.as_bytes())?;
                if !shown.ends_with('\n') {
                    writeln!(w)?;
                }
            }
        }
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
#[path = "connect_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "connect_unix_tests.rs"]
mod unix_tests;
