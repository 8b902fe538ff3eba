//! `sockdiag serve`: the plan (addresses, mode, limits), the engine, and the log. A server
//! runs for a long time, so nothing waits for the end: every event is one line (plain, or a
//! table row under a header printed once) or one JSON object, written and flushed as it
//! happens, so a script reading stdout sees the listening address at once. The log never
//! holds the server up: it goes through a bounded queue to a writer thread, and lines a
//! slow reader cannot take are dropped and counted (see [`crate::output::lossy`]).
use crate::cli::ServeArgs;
use crate::error::InputError;
use crate::exit::Exit;
use crate::input::listen::Listen;
use crate::interrupt::Interrupt;
use crate::net::unix::PeerCred;
use crate::output::lossy::Lossy;
use crate::output::{json, plain, Cell, Format, OutputOpts, Record, Tone};
use crate::serve::{self, Client, Config, End, Endpoint, Event, Mode, Stop, Totals};
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::time::Duration;

pub struct Plan {
    pub config: Config,
}

pub fn plan(args: &ServeArgs) -> Result<Plan> {
    let mut addrs = Vec::new();
    let mut unix = Vec::new();
    for s in &args.listen {
        match crate::input::listen::parse_serve_listen(s)? {
            // The same port twice is one socket; port 0 twice is two free ports.
            Listen::Inet(a) if a.port() == 0 || !addrs.contains(&a) => addrs.push(a),
            Listen::Inet(_) => {}
            Listen::Unix(t) if !unix.contains(&t) => unix.push(t),
            Listen::Unix(_) => {}
        }
    }
    if addrs.is_empty() && (args.udp || args.tcp) {
        return Err(InputError::new(
            "option",
            if args.udp { "--udp" } else { "--tcp" },
            "--udp and --tcp choose the protocol of [ADDR:]PORT addresses; a UNIX socket's \
             is in its name: unix:PATH (stream) or unixgram:PATH (datagrams)",
        )
        .into());
    }
    let file_mode = args.socket_mode.as_deref().map(parse_mode).transpose()?;
    if let Some(m) = &args.socket_mode {
        if !unix.iter().any(|t| t.name.as_path().is_some()) {
            return Err(InputError::new(
                "socket mode",
                m.as_str(),
                "--socket-mode is the mode of a UNIX socket file: serve on unix:PATH or \
                 unixgram:PATH (an abstract name @NAME has no file)",
            )
            .into());
        }
    }
    if args.http && addrs.is_empty() && unix.iter().all(|t| t.dgram) {
        return Err(InputError::new(
            "mode",
            "--http",
            "HTTP is served over streams only: unix:PATH, not unixgram:PATH",
        )
        .into());
    }
    let mode = if args.discard {
        Mode::Discard
    } else if let Some(t) = &args.banner {
        let mut b = t.as_bytes().to_vec();
        if !b.ends_with(b"\n") {
            b.extend_from_slice(b"\r\n");
        }
        Mode::Banner(b)
    } else if args.http {
        Mode::Http
    } else {
        Mode::Echo
    };
    if args.http && args.udp && !args.tcp {
        // With --tcp as well, TCP speaks HTTP and UDP echoes.
        return Err(InputError::new(
            "mode",
            "--http --udp",
            "HTTP is served over TCP only: drop --udp, or add --tcp to serve UDP echo beside it",
        )
        .into());
    }
    let max_bytes = args.max_bytes.as_deref().map(parse_bytes).transpose()?;
    if args.duration.is_some_and(|d| d.is_zero()) {
        return Err(InputError::new("duration", "0", "must be more than zero").into());
    }
    if args.idle_timeout.is_some_and(|d| d.is_zero()) {
        return Err(InputError::new("idle timeout", "0", "must be more than zero").into());
    }
    let tcp = if !args.udp || args.tcp {
        addrs.clone()
    } else {
        vec![]
    };
    let udp = if args.udp { addrs } else { vec![] };
    Ok(Plan {
        config: Config {
            tcp,
            udp,
            unix,
            file_mode,
            mode,
            max_clients: args.max_clients as usize,
            idle_timeout: args.idle_timeout,
            max_bytes,
            once: args.once,
            duration: args.duration,
        },
    })
}

/// A positive byte count in the one size syntax (`crate::input::size`): `1000`, `64k`, `10M`, `1GB`.
pub fn parse_bytes(s: &str) -> Result<u64, InputError> {
    match crate::input::size::parse_size("byte count", s, u64::MAX)? {
        0 => Err(InputError::new(
            "byte count",
            s,
            "a positive number of bytes, e.g. 1000, 64k or 10M",
        )),
        v => Ok(v),
    }
}

/// `--socket-mode`: the octal permission bits of a socket file: `660`, `0660`, `0o660`.
pub fn parse_mode(s: &str) -> Result<u32, InputError> {
    let t = s.trim();
    let digits = t.strip_prefix("0o").unwrap_or(t);
    u32::from_str_radix(digits, 8)
        .ok()
        .filter(|m| *m <= 0o7777 && !digits.is_empty() && !digits.starts_with('+'))
        .ok_or_else(|| {
            InputError::new(
                "socket mode",
                s,
                "octal permission bits 0-7777, e.g. 0660 or 600",
            )
        })
}

/// The columns of every plain line and table row, whatever the event.
pub const COLUMNS: [&str; 9] = [
    "EVENT", "ID", "PROTO", "LOCAL", "PEER", "IN", "OUT", "TIME", "INFO",
];

/// `{"type":"listening"}`: a socket is ready.
#[derive(Debug, Clone, Serialize)]
pub struct ListeningRecord {
    pub proto: &'static str,
    /// `ADDR:PORT`, or a UNIX socket's path or `@name`.
    pub addr: Endpoint,
    pub mode: &'static str,
}

/// `{"type":"client"}`: a TCP client accepted, refused or closed.
#[derive(Debug, Clone, Serialize)]
pub struct ClientRecord {
    /// `accepted`, `refused` or `closed`.
    pub event: &'static str,
    pub id: u64,
    /// `tcp` or `unix`.
    pub proto: &'static str,
    pub local: Endpoint,
    /// `ADDR:PORT`; a UNIX client as its process, `pid=N,uid=N` (else its name, or `unnamed`).
    pub peer: Endpoint,
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// How long it was connected (closed only).
    pub duration_ms: Option<f64>,
    /// How it ended (refused and closed).
    pub end: Option<End>,
    pub errno: Option<String>,
    /// HTTP mode: requests answered.
    pub requests: Option<u64>,
    /// Accepted: clients connected now, this one included.
    pub active: Option<usize>,
    /// UNIX: the client process (SO_PEERCRED: as it was at connect()).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_cred: Option<PeerCred>,
}

/// `{"type":"datagram"}`: one UDP datagram and its answer.
#[derive(Debug, Clone, Serialize)]
pub struct DatagramRecord {
    /// `udp` or `unixgram`.
    pub proto: &'static str,
    pub local: Endpoint,
    pub peer: Endpoint,
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// UNIX: the sender (SCM_CREDENTIALS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_cred: Option<PeerCred>,
}

/// `{"type":"serve-summary"}`: the last record.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryRecord {
    pub stopped_by: Stop,
    pub elapsed_ms: f64,
    pub clients: u64,
    pub refused: u64,
    pub datagrams: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub peak_clients: usize,
    /// Ended connections by how they ended (refused ones included).
    pub ends: BTreeMap<&'static str, u64>,
    pub accept_errors: u64,
    pub dropped_replies: u64,
    /// Log lines dropped because stdout was not read fast enough.
    pub dropped_log_lines: u64,
}

impl ClientRecord {
    fn new(event: &'static str, c: &Client, active: Option<usize>) -> ClientRecord {
        let closed = event == "closed";
        ClientRecord {
            event,
            id: c.id,
            proto: if c.local.is_unix() { "unix" } else { "tcp" },
            local: c.local.clone(),
            peer: c.peer.clone(),
            bytes_in: c.bytes_in,
            bytes_out: c.bytes_out,
            duration_ms: closed.then(|| crate::units::ms(c.duration)),
            end: c.end,
            errno: c.errno.map(crate::net::errno::name),
            requests: c.requests,
            active,
            peer_cred: c.peer.cred().cloned(),
        }
    }
}

impl SummaryRecord {
    fn new(stop: Stop, elapsed: Duration, t: &Totals, dropped_log_lines: u64) -> SummaryRecord {
        SummaryRecord {
            stopped_by: stop,
            elapsed_ms: crate::units::ms(elapsed),
            clients: t.accepted,
            refused: t.refused,
            datagrams: t.datagrams,
            bytes_in: t.bytes_in,
            bytes_out: t.bytes_out,
            peak_clients: t.peak_clients,
            ends: t.ends.iter().map(|(e, n)| (e.as_str(), *n)).collect(),
            accept_errors: t.accept_errors,
            dropped_replies: t.dropped_replies,
            dropped_log_lines,
        }
    }
}

/// A time as the log shows it: milliseconds below a second, seconds above.
pub fn human_ms(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.3}ms")
    } else {
        format!("{:.3}s", ms / 1000.0)
    }
}

fn dash() -> Cell {
    Cell::new("-")
}

impl Record for ListeningRecord {
    const TYPE: &'static str = "listening";
    fn headers(_: u8) -> Vec<&'static str> {
        COLUMNS.to_vec()
    }
    fn cells(&self, _: u8) -> Vec<Cell> {
        vec![
            Cell::toned("listening", Tone::Good),
            dash(),
            Cell::new(self.proto),
            Cell::new(self.addr.to_string()),
            dash(),
            dash(),
            dash(),
            dash(),
            Cell::new(self.mode),
        ]
    }
}

impl Record for ClientRecord {
    const TYPE: &'static str = "client";
    fn headers(_: u8) -> Vec<&'static str> {
        COLUMNS.to_vec()
    }
    fn cells(&self, _: u8) -> Vec<Cell> {
        let accepted = self.event == "accepted";
        let info = match (self.active, self.end) {
            (Some(n), _) if accepted => Cell::new(format!("active={n}")),
            (_, Some(e)) => {
                let tone = match e {
                    End::PeerClosed | End::Served => Tone::Good,
                    End::Reset | End::Refused | End::Error => Tone::Bad,
                    _ => Tone::Warn,
                };
                let text = match &self.errno {
                    Some(errno) if e == End::Error => format!("{}:{errno}", e.as_str()),
                    _ => e.as_str().to_string(),
                };
                Cell::toned(text, tone)
            }
            _ => dash(),
        };
        let bytes = |n: u64| {
            if accepted {
                dash()
            } else {
                Cell::new(n.to_string())
            }
        };
        vec![
            Cell::new(self.event),
            Cell::new(self.id.to_string()),
            Cell::new(self.proto),
            Cell::new(self.local.to_string()),
            Cell::new(self.peer.to_string()),
            bytes(self.bytes_in),
            bytes(self.bytes_out),
            self.duration_ms
                .map_or_else(dash, |m| Cell::toned(human_ms(m), Tone::Dim)),
            info,
        ]
    }
}

impl Record for DatagramRecord {
    const TYPE: &'static str = "datagram";
    fn headers(_: u8) -> Vec<&'static str> {
        COLUMNS.to_vec()
    }
    fn cells(&self, _: u8) -> Vec<Cell> {
        vec![
            Cell::new("datagram"),
            dash(),
            Cell::new(self.proto),
            Cell::new(self.local.to_string()),
            Cell::new(self.peer.to_string()),
            Cell::new(self.bytes_in.to_string()),
            Cell::new(self.bytes_out.to_string()),
            dash(),
            dash(),
        ]
    }
}

impl Record for SummaryRecord {
    const TYPE: &'static str = "serve-summary";
    fn headers(_: u8) -> Vec<&'static str> {
        COLUMNS.to_vec()
    }
    fn cells(&self, _: u8) -> Vec<Cell> {
        let stop = match self.stopped_by {
            Stop::Interrupt => "interrupt",
            Stop::Terminated => "terminated",
            Stop::Duration => "duration",
            Stop::Once => "once",
        };
        let mut info = vec![
            format!("stopped-by={stop}"),
            format!("refused={}", self.refused),
            format!("datagrams={}", self.datagrams),
            format!("peak={}", self.peak_clients),
        ];
        for (e, n) in &self.ends {
            if *e != "refused" {
                info.push(format!("{e}={n}"));
            }
        }
        if self.dropped_log_lines > 0 {
            info.push(format!("log-dropped={}", self.dropped_log_lines));
        }
        vec![
            Cell::new("summary"),
            Cell::new(self.clients.to_string()),
            dash(),
            dash(),
            dash(),
            Cell::new(self.bytes_in.to_string()),
            Cell::new(self.bytes_out.to_string()),
            Cell::new(human_ms(self.elapsed_ms)),
            Cell::new(info.join(",")),
        ]
    }
}

/// Widths of the table columns: addresses get room for most IPv6 forms.
const WIDTHS: [usize; 9] = [9, 5, 8, 22, 22, 9, 9, 10, 0];

/// Where the log's text goes, one event at a time (one line; the table's first also has the
/// header).
pub trait LogOut {
    fn put(&mut self, text: Vec<u8>) -> io::Result<()>;
    /// Lines dropped so far because the reader was too slow.
    fn dropped(&self) -> u64 {
        0
    }
}

/// Written and flushed at once (tests, and any writer that never blocks).
pub struct Direct<W: Write>(pub W);

impl<W: Write> LogOut for Direct<W> {
    fn put(&mut self, text: Vec<u8>) -> io::Result<()> {
        self.0.write_all(&text)?;
        self.0.flush()
    }
}

/// Through the bounded queue: never blocks, drops when full.
impl LogOut for Lossy {
    fn put(&mut self, text: Vec<u8>) -> io::Result<()> {
        Lossy::put(self, text)
    }
    fn dropped(&self) -> u64 {
        Lossy::dropped(self)
    }
}

/// Writes each event as it comes: JSON lines, plain lines, or table rows under one header.
/// A write error (say, a closed pipe) stops the log, not the server.
pub struct EventLog<O: LogOut> {
    out: O,
    opts: OutputOpts,
    header_done: bool,
    pub err: Option<io::Error>,
}

impl<O: LogOut> EventLog<O> {
    pub fn new(out: O, opts: OutputOpts) -> Self {
        EventLog {
            out,
            opts,
            header_done: false,
            err: None,
        }
    }

    pub fn into_inner(self) -> O {
        self.out
    }

    fn write<R: Record>(&mut self, r: &R) {
        if self.err.is_some() {
            return;
        }
        if let Err(e) = self.try_write(r) {
            self.err = Some(e);
        }
    }

    fn try_write<R: Record>(&mut self, r: &R) -> io::Result<()> {
        // One event's text whole, so a full queue drops whole lines.
        let mut text = Vec::with_capacity(256);
        match self.opts.format {
            Format::Json => json::write(&mut text, r)?,
            Format::Plain => writeln!(text, "{}", plain::line(&r.cells(self.opts.verbose)))?,
            Format::Table => {
                if !self.header_done {
                    self.header_done = true;
                    let h: Vec<Cell> = COLUMNS.iter().map(|c| Cell::new(*c)).collect();
                    let line = self.table_line(&h, true);
                    writeln!(text, "{line}")?;
                }
                let line = self.table_line(&r.cells(self.opts.verbose), false);
                writeln!(text, "{line}")?;
            }
        }
        self.out.put(text)
    }

    fn table_line(&self, cells: &[Cell], header: bool) -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let text = if c.text.is_empty() { "-" } else { &c.text };
            let width = WIDTHS.get(i).copied().unwrap_or(0);
            let padded = if i + 1 < cells.len() {
                format!("{text:<width$} ")
            } else {
                text.to_string()
            };
            s.push_str(&paint(
                &padded,
                if header { None } else { Some(c.tone) },
                self.opts.color,
            ));
        }
        s.trim_end().to_string()
    }

    pub fn event(&mut self, e: &Event) {
        match e {
            Event::Listening { proto, addr, mode } => self.write(&ListeningRecord {
                proto: proto.as_str(),
                addr: addr.clone(),
                mode,
            }),
            Event::Accepted { client, active } => {
                self.write(&ClientRecord::new("accepted", client, Some(*active)))
            }
            Event::Refused { client } => self.write(&ClientRecord::new("refused", client, None)),
            Event::Closed { client } => self.write(&ClientRecord::new("closed", client, None)),
            Event::Datagram {
                local,
                peer,
                bytes_in,
                bytes_out,
            } => self.write(&DatagramRecord {
                proto: if local.is_unix() { "unixgram" } else { "udp" },
                local: local.clone(),
                peer: peer.clone(),
                bytes_in: *bytes_in,
                bytes_out: *bytes_out,
                peer_cred: peer.cred().cloned(),
            }),
            Event::Stopped {
                stop,
                elapsed,
                totals,
            } => {
                let dropped = self.out.dropped();
                self.write(&SummaryRecord::new(*stop, *elapsed, totals, dropped))
            }
        }
    }
}

/// ANSI colour for a table cell, only when asked for; `None` is the bold header.
fn paint(text: &str, tone: Option<Tone>, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let code = match tone {
        None => "1",
        Some(Tone::Good) => "32",
        Some(Tone::Bad) => "31",
        Some(Tone::Warn) => "33",
        Some(Tone::Dim) => "2",
        Some(Tone::Normal) => return text.to_string(),
    };
    // Colour the text, not the padding after it.
    let trimmed = text.trim_end();
    let pad = &text[trimmed.len()..];
    format!("\x1b[{code}m{trimmed}\x1b[0m{pad}")
}

/// Serves until stopped, logging to `w` from a thread of its own (see [`Lossy`]): a stdout
/// nobody reads costs log lines, never service.
pub fn run(plan: &Plan, out: &OutputOpts, w: impl Write + Send + 'static) -> Result<Exit> {
    let interrupt =
        Interrupt::install().map_err(crate::error::local("installing the Ctrl-C handler"))?;
    let server = serve::bind(&plan.config)?;
    if !out.quiet {
        for n in server.notes() {
            eprintln!("sockdiag: {n}");
        }
    }
    let mut log = EventLog::new(Lossy::spawn(w), *out);
    let mut stop = None;
    let served = server.run(&interrupt, &mut |e: &Event| {
        if let Event::Stopped { stop: s, .. } = e {
            stop = Some(*s);
        }
        log.event(e)
    });
    let end = log.into_inner().finish();
    // On stderr, as the summary itself may be among the lines lost.
    let mut lost = Vec::new();
    if end.dropped > 0 {
        lost.push(format!(
            "{} log lines dropped: stdout was not read fast enough",
            end.dropped
        ));
    }
    if end.unwritten > 0 && end.error.is_none() {
        lost.push(format!(
            "{} log lines not written: stdout was not being read when the server stopped",
            end.unwritten
        ));
    }
    if !lost.is_empty() {
        eprintln!("sockdiag: {}", lost.join("; "));
    }
    served?;
    if let Some(e) = end.error {
        if e.kind() != io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
    }
    Ok(match stop {
        Some(Stop::Interrupt | Stop::Terminated) => Exit::Interrupted,
        _ => Exit::Ok,
    })
}

#[cfg(test)]
#[path = "serve_tests.rs"]
mod tests;
