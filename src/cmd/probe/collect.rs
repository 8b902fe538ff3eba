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
    /// `--shard K/N`, for the records.
    pub(super) shard: Option<String>,
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

    pub(super) fn failed(&mut self, e: std::io::Error) {
        reader::write_failed(&e, self.interrupt);
        self.err = Some(e);
    }
}

impl<W: Write> Sink for Collector<'_, W> {
    fn result(&mut self, r: &ProbeResult) {
        self.counts.add((r.state, r.reason));
        let keep = self.keep == Keep::All || r.state == State::Open;
        if keep || (self.json && self.err.is_none()) {
            let mut rec = ProbeRecord::new(r, self.targets);
            rec.shard.clone_from(&self.shard);
            if self.json && self.err.is_none() {
                if let Err(e) = json::write(&mut self.buf, &rec) {
                    self.failed(e);
                }
                if self.buf.len() >= JSON_BUF {
                    self.write_buf(false);
                }
            }
            if keep {
                self.records.push(rec);
            }
        }
        self.bar.inc();
    }
    fn idle(&mut self) {
        self.write_buf(true);
        self.bar.tick();
    }
}

/// A progress bar on stderr, for terminals only, shown once a scan takes more than a moment.
pub(super) struct Progress {
    pub(super) bar: Option<ProgressBar>,
    pub(super) start: Instant,
    pub(super) shown: std::cell::Cell<bool>,
}

impl Progress {
    pub(super) fn new(total: u64, out: &OutputOpts) -> Progress {
        let bar = (!out.quiet && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
            b.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} ports  {rate}  ETA {eta}")
                    .map(|s| {
                        s.with_key(
                            "rate",
                            |st: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                                let _ = write!(w, "{:.0}/s", st.per_sec());
                            },
                        )
                    })
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        });
        Progress {
            bar,
            start: Instant::now(),
            shown: std::cell::Cell::new(false),
        }
    }
    pub(super) fn inc(&self) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }
    pub(super) fn tick(&self) {
        if let Some(b) = &self.bar {
            if !self.shown.get() && self.start.elapsed() > Duration::from_millis(500) {
                self.shown.set(true);
                b.set_draw_target(ProgressDrawTarget::stderr());
                b.enable_steady_tick(Duration::from_millis(200));
            }
        }
    }
    pub(super) fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
