//! Where results go while the engine runs: streamed JSON, the kept records, the counts, and
//! the progress bar on a terminal.
use super::*;

/// Which results a run keeps for the end (JSON streams every one as it arrives).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Keep {
    All,
    /// Table and plain of a long scan list only the open ports; the rest are counted.
    Open,
}

/// JSON lines buffered between engine idles: one write per batch, not per line.
pub(super) const JSON_BUF: usize = 64 * 1024;

/// Streams JSON lines, feeds the progress bar, counts every result and keeps those the end
/// needs. A failed write stops the run (a closed stdout: the reader has left).
pub(super) struct Collector<'a, W: Write> {
    pub(super) w: &'a mut W,
    pub(super) interrupt: &'a Interrupt,
    pub(super) json: bool,
    pub(super) keep: Keep,
    pub(super) targets: &'a [Target],
    pub(super) records: Vec<ProbeRecord>,
    pub(super) counts: Counts,
    pub(super) bar: &'a Progress,
    pub(super) err: Option<std::io::Error>,
    pub(super) buf: Vec<u8>,
    /// The first port found filtered for want of any answer: the one `-v` suggests tracing.
    pub(super) silent: Option<(String, u16)>,
    /// The SERVICE guess of each port.
    pub(super) port_names: &'a HashMap<u16, String>,
    /// `--service`: open ports go to it as they are found; their records wait for it.
    pub(super) detector: Option<crate::service::Detector>,
    /// Per target: whether the host answered anything (see [`answered`]).
    pub(super) answered: Vec<bool>,
    /// JSON streams records as they come; `--up` writes them at the end, once it is known
    /// which hosts answered.
    pub(super) stream: bool,
    /// `--shard K/N`, for the records.
    pub(super) shard: Option<String>,
    /// Reverse names for the streamed records (see [`Names`]).
    pub(super) names: &'a mut Names,
}

/// A host answered: a port open or closed, or an ICMP error sent by the host itself.
pub(super) fn answered(state: State, addr: IpAddr, icmp: Option<&Icmp>) -> bool {
    matches!(state, State::Open | State::Closed) || icmp.is_some_and(|i| i.from == Some(addr))
}

/// Which targets answered, from the records of a run.
pub(super) fn answered_of(records: &[ProbeRecord], targets: usize) -> Vec<bool> {
    let mut v = vec![false; targets];
    for r in records {
        if answered(r.state, r.addr.ip, r.icmp.as_ref()) {
            if let Some(a) = v.get_mut(r.order) {
                *a = true;
            }
        }
    }
    v
}

impl<W: Write> Collector<'_, W> {
    pub(super) fn write_buf(&mut self, flush: bool) {
        if self.err.is_none() && !self.buf.is_empty() {
            if let Err(e) = self.w.write_all(&self.buf) {
                self.failed(e);
            }
        }
        self.buf.clear();
        if flush && self.json && self.err.is_none() {
            if let Err(e) = self.w.flush() {
                self.failed(e);
            }
        }
    }

    /// One JSON line into the buffer, written out when the buffer is full.
    pub(super) fn write_json(&mut self, rec: &ProbeRecord) {
        if self.err.is_some() {
            return;
        }
        if let Err(e) = json::write(&mut self.buf, rec) {
            self.failed(e);
        }
        if self.buf.len() >= JSON_BUF {
            self.write_buf(false);
        }
    }

    /// The held records whose names have come.
    pub(super) fn write_named(&mut self) {
        if self.names.holding() {
            for r in self.names.ready() {
                self.write_json(&r);
            }
        }
    }

    pub(super) fn failed(&mut self, e: std::io::Error) {
        reader::write_failed(&e, self.interrupt);
        self.err = Some(e);
    }
}

impl<W: Write> Sink for Collector<'_, W> {
    fn result(&mut self, r: &ProbeResult) {
        self.counts.add((r.state, r.reason));
        if self.silent.is_none() && r.state == State::Filtered && r.reason == Reason::NoResponse {
            self.silent = Some((self.targets[r.target].name.clone(), r.port));
        }
        if answered(r.state, r.addr, r.icmp.as_ref()) {
            if let Some(a) = self.answered.get_mut(r.target) {
                *a = true;
            }
        }
        let keep = self.keep == Keep::All || r.state == State::Open;
        if keep || (self.json && self.err.is_none()) {
            let mut rec = ProbeRecord::new(r, self.targets, self.port_names.get(&r.port));
            rec.shard.clone_from(&self.shard);
            let waits = r.state == State::Open && self.detector.is_some();
            if let (true, Some(d)) = (waits, self.detector.as_mut()) {
                d.submit(crate::service::Job {
                    key: self.records.len(),
                    addr: SocketAddr::new(r.addr, r.port),
                    host: self.targets[r.target].name.clone(),
                });
            }
            if self.json && self.stream && self.err.is_none() && !waits {
                // In order: after any record still waiting for its name.
                if self.names.holding() || !self.names.fill(&mut rec) {
                    if !keep {
                        self.names.hold(rec);
                        self.bar.inc();
                        return;
                    }
                    self.names.hold(rec.clone());
                } else {
                    self.write_json(&rec);
                }
            }
            if keep {
                self.records.push(rec);
            }
        }
        self.bar.inc();
    }
    fn idle(&mut self) {
        self.write_named();
        self.write_buf(true);
        self.bar.tick();
    }
}

/// A progress bar on stderr, for terminals only, shown once a scan takes more than a moment.
/// While nothing has come back for a second (every port left waiting out its timeout) it
/// says so instead of a meaningless ETA.
pub(super) struct Progress {
    pub(super) bar: Option<ProgressBar>,
    pub(super) start: Instant,
    pub(super) shown: std::cell::Cell<bool>,
    /// The deadline of a try, for the waiting message.
    timeout: Duration,
    /// The position at the last change, and when it changed.
    moved: std::cell::Cell<(u64, Instant)>,
}

impl Progress {
    pub(super) fn new(total: u64, out: &OutputOpts, timeout: Duration) -> Progress {
        let bar = (!out.quiet && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
            b.set_style(
                ProgressStyle::with_template("{wide_bar} {pos}/{len} ports  {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        });
        Progress {
            bar,
            start: Instant::now(),
            shown: std::cell::Cell::new(false),
            timeout,
            moved: std::cell::Cell::new((0, Instant::now())),
        }
    }
    pub(super) fn inc(&self) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }
    pub(super) fn tick(&self) {
        let Some(b) = &self.bar else { return };
        let now = Instant::now();
        if !self.shown.get() && self.start.elapsed() > Duration::from_millis(500) {
            self.shown.set(true);
            b.set_draw_target(ProgressDrawTarget::term_like(Box::new(ShortLines)));
            b.enable_steady_tick(Duration::from_millis(200));
        }
        let (pos, len) = (b.position(), b.length().unwrap_or(0));
        let (last, since) = self.moved.get();
        if pos != last {
            self.moved.set((pos, now));
        }
        let msg = if pos == last && now - since >= Duration::from_secs(1) {
            format!(
                "waiting for {} ports (timeout {})",
                crate::units::thousands(len.saturating_sub(pos)),
                humantime::format_duration(self.timeout)
            )
        } else if pos == 0 || b.eta().as_secs() == 0 {
            // No rate to judge by yet, or done in a moment: no ETA to make up.
            format!("{:.0}/s", b.per_sec())
        } else {
            format!(
                "{:.0}/s  ETA {}",
                b.per_sec(),
                humantime::format_duration(Duration::from_secs(b.eta().as_secs()))
            )
        };
        b.set_message(msg);
    }
    pub(super) fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// Stderr for the bar, three columns narrower than the terminal. indicatif pads the bar's line
/// to the full width; Ctrl-C's `^C`, echoed after a full line, wraps it, and the bar's last
/// clear then erases the new line and leaves the bar on screen.
#[derive(Debug)]
struct ShortLines;

impl ShortLines {
    fn out(&self, s: &str) -> std::io::Result<()> {
        std::io::stderr().write_all(s.as_bytes())
    }
}

impl indicatif::TermLike for ShortLines {
    fn width(&self) -> u16 {
        let w = terminal_size::terminal_size_of(std::io::stderr()).map_or(80, |(w, _)| w.0);
        w.saturating_sub(3).max(20)
    }
    fn height(&self) -> u16 {
        terminal_size::terminal_size_of(std::io::stderr()).map_or(24, |(_, h)| h.0)
    }
    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.out(&format!("\x1b[{n}A"))
    }
    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.out(&format!("\x1b[{n}B"))
    }
    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.out(&format!("\x1b[{n}C"))
    }
    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.out(&format!("\x1b[{n}D"))
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.out(&format!("{s}\n"))
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.out(s)
    }
    fn clear_line(&self) -> std::io::Result<()> {
        self.out("\r\x1b[2K")
    }
    fn flush(&self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
