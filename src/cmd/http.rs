//! `sockdiag http`: the plan (URL, method, headers), the exchanges (one, or `--count`), and
//! the records: one per exchange (JSON as it completes; plain lines as they complete; a
//! table at the end), then per-phase statistics with `--count`.
use crate::cli::HttpArgs;
use crate::exit::Exit;
use crate::http::{self, Exchange, Failure, Request};
use crate::interrupt::Interrupt;
use crate::net::attempt::Attempt;
use crate::output::layout::Fit;
use crate::output::{self, json, plain, Cell, Format, OutputOpts, Record, Tone};
use crate::resolve::Family;
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

pub struct Plan {
    pub request: Request,
    pub count: u32,
    pub interval: Duration,
}

pub fn plan(args: &HttpArgs, family: Family) -> Result<Plan> {
    let url = http::url::parse(&args.url)?;
    let headers = args
        .headers
        .iter()
        .map(|h| http::url::parse_header(h))
        .collect::<Result<Vec<_>, _>>()?;
    if args.timeout.is_zero() {
        return Err(crate::error::InputError::new("timeout", "0", "must be more than zero").into());
    }
    if args.cacert.is_some() && !url.tls {
        return Err(
            crate::error::InputError::new("option", "--cacert", "only for https:// URLs").into(),
        );
    }
    let tls = if url.tls {
        let cfg = http::tls::config(args.cacert.as_deref()).map_err(|why| {
            let file = args
                .cacert
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            crate::error::InputError::new("CA file", file, why)
        })?;
        Some(cfg)
    } else {
        None
    };
    Ok(Plan {
        request: Request {
            url,
            method: if args.head { "HEAD" } else { "GET" },
            headers,
            timeout: args.timeout,
            family,
            tls,
        },
        count: args.count.unwrap_or(1),
        interval: args.interval,
    })
}

/// Milliseconds of each phase, counted from the start; `null` for phases not reached.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TimingMs {
    pub resolve: Option<f64>,
    pub connect: Option<f64>,
    /// https only.
    pub tls: Option<f64>,
    pub written: Option<f64>,
    pub first_byte: Option<f64>,
    pub total: f64,
}

/// Why there is no status: the stage, the probe's state and reason for a failed connect.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ErrorRecord {
    pub stage: &'static str,
    pub state: Option<&'static str>,
    pub reason: Option<String>,
    pub errno: Option<String>,
    pub message: String,
}

/// What the TLS handshake settled, and the server certificate's expiry.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TlsRecord {
    pub version: String,
    pub cipher: String,
    pub alpn: Option<String>,
    /// RFC 3339.
    pub cert_not_after: Option<String>,
    /// Whole days until it expires.
    pub cert_days_left: Option<i64>,
}

/// `{"type":"http"}`: one exchange.
#[derive(Debug, Clone, Serialize)]
pub struct HttpRecord {
    pub url: String,
    pub method: &'static str,
    /// The address connected to, or the last one tried.
    pub addr: Option<SocketAddr>,
    /// Each address tried, in order, with how it fared.
    pub attempts: Vec<Attempt>,
    /// Also set when the exchange failed after a whole head (with `error`): what arrived.
    pub status: Option<u16>,
    pub reason: Option<String>,
    pub version: Option<String>,
    /// Names in lower case; repeated headers joined with ", ".
    pub headers: BTreeMap<String, String>,
    pub trailers: BTreeMap<String, String>,
    /// The body bytes received (all of them, or as far as they came before `error`).
    pub body_bytes: Option<u64>,
    /// `content-length`, `chunked`, `close` or `none`.
    pub framing: Option<http::Framing>,
    pub timing_ms: TimingMs,
    /// https only.
    pub tls: Option<TlsRecord>,
    pub error: Option<ErrorRecord>,
    #[serde(skip)]
    pub request_head: String,
    /// The response headers as received (order and case kept), for `-v`.
    #[serde(skip)]
    pub response_head: Vec<(String, String)>,
}

fn header_map(h: &[(String, String)]) -> BTreeMap<String, String> {
    let mut m: BTreeMap<String, String> = BTreeMap::new();
    for (n, v) in h {
        m.entry(n.to_ascii_lowercase())
            .and_modify(|e| {
                e.push_str(", ");
                e.push_str(v);
            })
            .or_insert_with(|| v.clone());
    }
    m
}

impl HttpRecord {
    pub fn new(url: &str, method: &'static str, ex: &Exchange) -> HttpRecord {
        Self::new_at(url, method, ex, std::time::SystemTime::now())
    }

    /// As of `now` (for the certificate's days left).
    pub fn new_at(
        url: &str,
        method: &'static str,
        ex: &Exchange,
        now: std::time::SystemTime,
    ) -> HttpRecord {
        let t = &ex.timing;
        let ms = |d: Option<Duration>| d.map(crate::units::ms);
        let timing_ms = TimingMs {
            resolve: ms(t.resolve),
            connect: ms(t.connect),
            tls: ms(t.tls),
            written: ms(t.written),
            first_byte: ms(t.first_byte),
            total: crate::units::ms(t.total),
        };
        let mut rec = HttpRecord {
            url: url.to_string(),
            method,
            addr: ex.addr,
            attempts: ex.attempts.clone(),
            status: None,
            reason: None,
            version: None,
            headers: BTreeMap::new(),
            trailers: BTreeMap::new(),
            body_bytes: None,
            framing: None,
            timing_ms,
            tls: ex.tls.as_ref().map(|i| TlsRecord {
                version: i.version.clone(),
                cipher: i.cipher.clone(),
                alpn: i.alpn.clone(),
                cert_not_after: i.not_after.map(http::tls::rfc3339),
                cert_days_left: i.days_left(now),
            }),
            error: None,
            request_head: ex.request_head.clone(),
            response_head: Vec::new(),
        };
        if let Some(r) = &ex.response {
            rec.status = Some(r.status);
            rec.reason = Some(r.reason.clone());
            rec.version = Some(r.version.clone());
            rec.headers = header_map(&r.headers);
            rec.trailers = header_map(&r.trailers);
            rec.body_bytes = Some(r.body_bytes);
            rec.framing = Some(r.framing);
            rec.response_head = r.headers.clone();
        }
        if let Some(f) = &ex.failure {
            let (state, reason, errno) = match f {
                Failure::Connect {
                    state,
                    reason,
                    errno,
                    ..
                } => (
                    Some(state.as_str()),
                    Some(reason.token()),
                    errno.map(crate::net::errno::name),
                ),
                _ => (None, None, None),
            };
            // Several addresses failed: each one and how.
            let message = match f {
                Failure::Connect { .. } if ex.attempts.len() > 1 => {
                    http::attempts_text(&ex.attempts)
                }
                _ => f.message(),
            };
            rec.error = Some(ErrorRecord {
                stage: f.stage(),
                state,
                reason,
                errno,
                message,
            });
        }
        rec
    }

    /// A whole response with a 2xx or 3xx status.
    pub fn is_ok(&self) -> bool {
        self.error.is_none() && self.status.is_some_and(|s| (200..400).contains(&s))
    }

    fn status_cell(&self) -> Cell {
        if let Some(s) = self.status {
            let tone = if self.is_ok() { Tone::Good } else { Tone::Bad };
            let mut text = match self.reason.as_deref() {
                Some(r) if !r.is_empty() => format!("{s} {r}"),
                _ => s.to_string(),
            };
            if self.error.is_some() {
                text.push_str(" (incomplete)");
            }
            return Cell::toned(text, tone);
        }
        let e = self.error.as_ref().expect("a status or an error");
        let text = match (e.state, &e.reason) {
            (Some(st), Some(re)) => format!("{st} {re}"),
            _ => match e.stage {
                "resolve" => "no address".to_string(),
                "tls" => "tls failed".to_string(),
                "write" => "write failed".to_string(),
                _ if e.message.starts_with("no complete response") => "timeout".to_string(),
                _ => "bad response".to_string(),
            },
        };
        Cell::toned(text, Tone::Bad)
    }
}

impl HttpRecord {
    /// `2027-01-01 (403d)`: the certificate's expiry date and the days left.
    fn cert_cell(&self) -> Cell {
        let Some(t) = &self.tls else {
            return Cell::new("-");
        };
        match (&t.cert_not_after, t.cert_days_left) {
            (Some(at), Some(days)) => {
                let tone = if days < 14 { Tone::Warn } else { Tone::Normal };
                Cell::toned(format!("{} ({days}d)", &at[..10.min(at.len())]), tone)
            }
            _ => Cell::new("-"),
        }
    }
}

fn ms_cell(v: Option<f64>) -> Cell {
    Cell::toned(v.map_or("-".into(), |m| format!("{m:.3}ms")), Tone::Dim)
}

impl Record for HttpRecord {
    const TYPE: &'static str = "http";
    fn headers(_: u8) -> Vec<&'static str> {
        vec![
            "URL",
            "ADDRESS",
            "STATUS",
            "BODY",
            "RESOLVE",
            "CONNECT",
            "TLS",
            "WRITTEN",
            "FIRST BYTE",
            "TOTAL",
            "CERT EXPIRES",
        ]
    }
    /// The URL, the status and the total stay; the phases give way from the least told
    /// (written, resolve, tls) to the most (connect, first byte), then the body size, the
    /// address and the certificate's expiry.
    fn fits(_: u8) -> Vec<Fit> {
        vec![
            Fit::Keep,
            Fit::Drop(6),
            Fit::Wrap,
            Fit::Drop(5),
            Fit::Drop(1),
            Fit::Drop(3),
            Fit::Drop(2),
            Fit::Drop(0),
            Fit::Drop(4),
            Fit::Keep,
            Fit::Drop(7),
        ]
    }
    fn cells(&self, _: u8) -> Vec<Cell> {
        let t = &self.timing_ms;
        vec![
            Cell::new(self.url.clone()),
            Cell::opt(self.addr),
            self.status_cell(),
            Cell::opt(self.body_bytes),
            ms_cell(t.resolve),
            ms_cell(t.connect),
            ms_cell(t.tls),
            ms_cell(t.written),
            ms_cell(t.first_byte),
            ms_cell(Some(t.total)),
            self.cert_cell(),
        ]
    }
}

/// Min, average and max of one phase.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Spread {
    pub min: f64,
    pub avg: f64,
    pub max: f64,
}

impl Spread {
    /// Through the statistics probe's `--count` uses (the same rounding).
    fn of(mut v: Vec<f64>) -> Option<Spread> {
        let n = v.len() as u32;
        let s = crate::stats::Stats::from_rtts(&mut v, n);
        Some(Spread {
            min: s.min_ms?,
            avg: s.avg_ms?,
            max: s.max_ms?,
        })
    }
}

/// `{"type":"http-stats"}`: `--count` statistics; the timing is over the exchanges that
/// got a whole response.
#[derive(Debug, Clone, Serialize)]
pub struct HttpStats {
    pub url: String,
    pub count: usize,
    /// 2xx and 3xx answers.
    pub ok: usize,
    pub failed: usize,
    /// Answers by status code (whole or not).
    pub statuses: BTreeMap<u16, usize>,
    pub timing_ms: Spreads,
}

/// Per-phase spreads, in the order of the phases.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Spreads {
    pub resolve: Option<Spread>,
    pub connect: Option<Spread>,
    pub tls: Option<Spread>,
    pub written: Option<Spread>,
    pub first_byte: Option<Spread>,
    pub total: Option<Spread>,
}

impl Spreads {
    /// Each phase with its name, in the order of the phases.
    fn named(&self) -> [(&'static str, Option<&Spread>); 6] {
        [
            ("resolve", self.resolve.as_ref()),
            ("connect", self.connect.as_ref()),
            ("tls", self.tls.as_ref()),
            ("written", self.written.as_ref()),
            ("first_byte", self.first_byte.as_ref()),
            ("total", self.total.as_ref()),
        ]
    }
}

impl HttpStats {
    pub fn new(url: &str, recs: &[HttpRecord]) -> HttpStats {
        let mut statuses = BTreeMap::new();
        for s in recs.iter().filter_map(|r| r.status) {
            *statuses.entry(s).or_default() += 1;
        }
        let answered: Vec<&HttpRecord> = recs
            .iter()
            .filter(|r| r.status.is_some() && r.error.is_none())
            .collect();
        let spread = |phase: fn(&TimingMs) -> Option<f64>| {
            Spread::of(
                answered
                    .iter()
                    .filter_map(|r| phase(&r.timing_ms))
                    .collect(),
            )
        };
        let timing_ms = Spreads {
            resolve: spread(|t| t.resolve),
            connect: spread(|t| t.connect),
            tls: spread(|t| t.tls),
            written: spread(|t| t.written),
            first_byte: spread(|t| t.first_byte),
            total: spread(|t| Some(t.total)),
        };
        let ok = recs.iter().filter(|r| r.is_ok()).count();
        HttpStats {
            url: url.to_string(),
            count: recs.len(),
            ok,
            failed: recs.len() - ok,
            statuses,
            timing_ms,
        }
    }

    fn rows(&self) -> Vec<Vec<Cell>> {
        let ms = |v: f64| Cell::new(format!("{v:.3}ms"));
        self.timing_ms
            .named()
            .into_iter()
            .filter_map(|(p, s)| s.map(|s| vec![Cell::new(p), ms(s.min), ms(s.avg), ms(s.max)]))
            .collect()
    }
}

impl Record for HttpStats {
    const TYPE: &'static str = "http-stats";
    fn headers(_: u8) -> Vec<&'static str> {
        vec!["PHASE", "MIN", "AVG", "MAX"]
    }
    fn cells(&self, _: u8) -> Vec<Cell> {
        vec![]
    }
}

/// `-v`: the addresses tried, the request and response heads, curl style (`* ` notes,
/// `> ` sent, `< ` received).
fn write_heads(w: &mut impl Write, r: &HttpRecord) -> std::io::Result<()> {
    for a in &r.attempts {
        writeln!(
            w,
            "* attempt {} {} {} {:.3}ms",
            crate::input::targets::ShownAddr(a.addr),
            a.state.as_str(),
            a.reason.token(),
            crate::units::ms(a.elapsed)
        )?;
    }
    if let Some(t) = &r.tls {
        let alpn = t
            .alpn
            .as_deref()
            .map(|a| format!(", ALPN {a}"))
            .unwrap_or_default();
        writeln!(w, "* {} {}{alpn}", t.version, t.cipher)?;
        if let (Some(at), Some(days)) = (&t.cert_not_after, t.cert_days_left) {
            writeln!(w, "* certificate expires {at} ({days} days)")?;
        }
    }
    for line in r.request_head.split("\r\n").filter(|l| !l.is_empty()) {
        writeln!(w, "> {line}")?;
    }
    if let (Some(version), Some(status), Some(reason)) = (&r.version, r.status, &r.reason) {
        writeln!(w, "< {version} {status} {reason}")?;
    }
    for (n, v) in &r.response_head {
        writeln!(w, "< {n}: {v}")?;
    }
    if !r.trailers.is_empty() {
        for (n, v) in &r.trailers {
            writeln!(w, "< (trailer) {n}: {v}")?;
        }
    }
    Ok(())
}

/// Renders one finished exchange as it completes (JSON and plain); the table waits.
fn stream_one(w: &mut impl Write, out: &OutputOpts, r: &HttpRecord) -> std::io::Result<()> {
    if out.verbose > 0 && out.format != Format::Json {
        write_heads(w, r)?;
    }
    match out.format {
        Format::Json => json::write(w, r),
        Format::Plain => plain::write(w, out, std::slice::from_ref(r)),
        Format::Table => w.flush(),
    }
}

/// The live line after a request of `--count`: how it went, and the totals so far.
fn round_line(recs: &[HttpRecord], count: u32) -> String {
    let Some(last) = recs.last() else {
        return String::new();
    };
    let totals: Vec<f64> = recs
        .iter()
        .filter(|r| r.is_ok())
        .map(|r| r.timing_ms.total)
        .collect();
    let failed = recs.len() - totals.len();
    let spread = match Spread::of(totals) {
        Some(s) => format!(
            "min {:.3} avg {:.3} max {:.3} ms, {failed} failed",
            s.min, s.avg, s.max
        ),
        None => format!("{failed} failed"),
    };
    format!(
        "request {} of {count}: {} in {:.3}ms ({spread})",
        recs.len(),
        last.status_cell().text,
        last.timing_ms.total
    )
}

/// The end: the table of exchanges, and the statistics when there were several.
fn finish(
    w: &mut impl Write,
    out: &OutputOpts,
    recs: &[HttpRecord],
    url: &str,
    count: bool,
) -> std::io::Result<()> {
    if out.format == Format::Table && !recs.is_empty() {
        output::render(w, out, recs)?;
    }
    if !count || recs.is_empty() {
        return Ok(());
    }
    let stats = HttpStats::new(url, recs);
    match out.format {
        Format::Json => json::write(w, &stats),
        Format::Table => {
            let mut rows = stats.rows();
            rows.push(vec![
                Cell::new("answers"),
                Cell::new(format!("{} ok", stats.ok)),
                Cell::new(format!("{} failed", stats.failed)),
                Cell::new(format!("of {}", stats.count)),
            ]);
            output::table::write_rows(w, out, &HttpStats::headers(0), &rows)
        }
        Format::Plain => {
            for row in stats.rows() {
                writeln!(w, "stats\t{}", plain::line(&row))?;
            }
            writeln!(
                w,
                "stats\tanswers\t{}\t{}\t{}",
                stats.ok, stats.failed, stats.count
            )?;
            w.flush()
        }
    }
}

pub fn run(plan: &Plan, out: &OutputOpts, w: &mut impl Write) -> Result<Exit> {
    let interrupt =
        Interrupt::install().map_err(crate::error::local("installing the Ctrl-C handler"))?;
    crate::output::reader::watch_stdout(&interrupt);
    let url = plan.request.url.normal();
    let mut recs: Vec<HttpRecord> = Vec::new();
    let mut interrupted = false;
    // The table waits for the end: on a terminal, each request shows as it completes.
    let mut live = crate::output::live::LiveLine::stderr(
        out.format == Format::Table && plan.count > 1 && !out.quiet,
    );
    for i in 0..plan.count {
        if i > 0 {
            interrupt.sleep(plan.interval);
        }
        if interrupt.raised() {
            interrupted = true;
            break;
        }
        let ex = http::fetch(&plan.request, &interrupt);
        if interrupt.raised() {
            // Cut short: not an answer to show or count.
            interrupted = true;
            break;
        }
        let rec = HttpRecord::new(&url, plan.request.method, &ex);
        if let (Some(e), false) = (&rec.error, out.quiet || out.format == Format::Json) {
            eprintln!("sockdiag: {url}: {}", e.message);
        }
        stream_one(w, out, &rec)?;
        recs.push(rec);
        live.show(&round_line(&recs, plan.count));
    }
    live.clear();
    if crate::output::reader::gone() {
        // stdout's reader has left: stop, as `| head -1` expects (exit 0, nothing more).
        return Ok(Exit::Ok);
    }
    finish(w, out, &recs, &url, plan.count > 1)?;
    if interrupted {
        return Ok(Exit::Interrupted);
    }
    Ok(Exit::from_all_ok(recs.iter().all(HttpRecord::is_ok)))
}

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
