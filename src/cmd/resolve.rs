//! `sockdiag resolve`: the plan, the engine call, the presentation of a resolve record.
use crate::cli::ResolveArgs;
use crate::error::InputError;
use crate::exit::Exit;
use crate::interrupt::Interrupt;
use crate::output::layout::Fit;
use crate::output::{self, reader, Cell, Format, OutputOpts, Record, Tone};
use crate::resolve::explain::{self, Exchange, Explain};
use crate::resolve::{self, Family, ResolveRecord};
use anyhow::Result;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;

pub struct Plan {
    pub names: Vec<String>,
    pub family: Family,
    pub reverse: bool,
    pub jobs: usize,
    /// `--explain` (or one of the flags that imply it).
    pub explain: Option<explain::Config>,
}

pub fn plan(args: &ResolveArgs, family: Family) -> Result<Plan> {
    // Each name with where it came from, so that a bad one read from a file is pointed at.
    let mut names: Vec<(String, Option<(&Path, usize)>)> = Vec::new();
    for n in &args.names {
        if n == "-" {
            let from = Path::new("-");
            names.extend(
                crate::input::lists::read_numbered(from)?
                    .into_iter()
                    .map(|(i, l)| (l, Some((from, i)))),
            );
        } else {
            names.push((n.clone(), None));
        }
    }
    if let Some(f) = &args.file {
        names.extend(
            crate::input::lists::read_numbered(f)?
                .into_iter()
                .map(|(i, l)| (l, Some((f.as_path(), i)))),
        );
    }
    if names.is_empty() {
        // Say where the names were looked for: a `-` or a file that held none is not the
        // same mistake as giving nothing.
        let mut read = Vec::new();
        if args.names.iter().any(|n| n == "-") {
            read.push("stdin (-)".to_string());
        }
        if let Some(f) = &args.file {
            read.push(format!("'{}'", f.display()));
        }
        let why = if read.is_empty() {
            "no names given: pass NAME..., --file F, or - for stdin".to_string()
        } else {
            format!(
                "no names in {}: only blank lines and # comments, or nothing",
                read.join(" or ")
            )
        };
        anyhow::bail!(crate::error::InputError::new("arguments", "", why));
    }
    for (n, from) in &names {
        resolve::validate(n).map_err(|e| match from {
            Some((file, line)) => e.at_line(file, *line),
            None => e,
        })?;
    }
    let wants = args.explain || !args.servers.is_empty() || args.qtype.is_some() || args.tcp;
    let explain = if wants {
        Some(explain::Config {
            servers: if args.servers.is_empty() {
                None
            } else {
                Some(
                    args.servers
                        .iter()
                        .map(|s| server(s))
                        .collect::<Result<_, _>>()?,
                )
            },
            qtype: match &args.qtype {
                None => None,
                Some(t) => Some(explain::record_type(t).ok_or_else(|| {
                    InputError::new(
                        "type",
                        t.as_str(),
                        format!("give one of {}", explain::TYPES.join(", ")),
                    )
                })?),
            },
            tcp: args.tcp,
            family,
        })
    } else {
        None
    };
    Ok(Plan {
        names: names.into_iter().map(|(n, _)| n).collect(),
        family,
        reverse: !args.no_reverse,
        jobs: args.jobs as usize,
        explain,
    })
}

/// A server to ask (`--server`): `ADDR`, `ADDR:PORT` or `[V6]:PORT`; port 53 when none.
fn server(s: &str) -> Result<SocketAddr, InputError> {
    let bad = || {
        InputError::new(
            "server",
            s,
            "give an address, ADDR:PORT or [V6]:PORT, e.g. 127.0.0.1, 127.0.0.1:5353 or [::1]:53",
        )
    };
    let a = match s.parse::<SocketAddr>() {
        Ok(a) => a,
        Err(_) => {
            let bare = s
                .strip_prefix('[')
                .and_then(|x| x.strip_suffix(']'))
                .unwrap_or(s);
            SocketAddr::new(bare.parse::<IpAddr>().map_err(|_| bad())?, 53)
        }
    };
    if a.port() == 0 {
        return Err(bad());
    }
    Ok(a)
}

/// Plain and JSON stream the records in input order, each as soon as it and every name
/// before it are resolved (a long list shows progress, and `| head -1` stops the lookups
/// after the first); the table waits for the end.
pub fn run(plan: &Plan, out: &OutputOpts, w: &mut impl std::io::Write) -> Result<Exit> {
    let interrupt =
        Interrupt::install().map_err(crate::error::local("installing the Ctrl-C handler"))?;
    reader::watch_stdout(&interrupt);
    if let Some(cfg) = &plan.explain {
        return run_explain(plan, cfg, out, w, &interrupt);
    }
    let stream = out.format != Format::Table;
    let mut done: std::collections::BTreeMap<usize, ResolveRecord> = Default::default();
    let mut next = 0;
    let mut err: Option<std::io::Error> = None;
    let results = resolve::resolve_all(
        &plan.names,
        plan.family,
        plan.reverse,
        plan.jobs,
        &interrupt,
        &mut |i, rec| {
            if !stream || err.is_some() {
                return;
            }
            done.insert(i, rec.clone());
            while let Some(r) = done.remove(&next) {
                next += 1;
                if let Err(e) = output::render(w, out, std::slice::from_ref(&r)) {
                    reader::write_failed(&e, &interrupt);
                    err = Some(e);
                    return;
                }
            }
        },
    );
    if let Some(e) = err {
        // A closed pipe is exit 0 (app::report), anything else an error.
        return Err(e.into());
    }
    if reader::gone() {
        return Ok(Exit::Ok);
    }
    let complete = results.iter().all(Option::is_some);
    // Interrupted: every lookup that finished is printed, in input order. Streamed, those
    // are the ones still waiting behind a name that did not finish.
    let records: Vec<ResolveRecord> = results.into_iter().flatten().collect();
    if stream {
        let rest: Vec<ResolveRecord> = done.into_values().collect();
        output::render(w, out, &rest)?;
    } else {
        output::render(w, out, &records)?;
    }
    if interrupt.raised() && !complete {
        return Ok(Exit::Interrupted);
    }
    Ok(Exit::from_all_ok(records.iter().all(ResolveRecord::ok)))
}

/// `--explain`: the names one after the other, each shown as soon as it is explained (the
/// servers of one name are asked at once).
fn run_explain(
    plan: &Plan,
    cfg: &explain::Config,
    out: &OutputOpts,
    w: &mut impl Write,
    interrupt: &Interrupt,
) -> Result<Exit> {
    let sys = explain::System::read();
    let mut all_ok = true;
    for name in &plan.names {
        if interrupt.raised() {
            break;
        }
        let rec = resolve::resolve_one(name, plan.family, plan.reverse);
        let ex = explain::explain(name, cfg, &sys, &rec, interrupt);
        all_ok &= rec.ok();
        if let Err(e) = render_explained(w, out, &rec, &ex) {
            reader::write_failed(&e, interrupt);
            if reader::gone() {
                return Ok(Exit::Ok);
            }
            return Err(e.into());
        }
    }
    if reader::gone() {
        return Ok(Exit::Ok);
    }
    if interrupt.raised() {
        return Ok(Exit::Interrupted);
    }
    Ok(Exit::from_all_ok(all_ok))
}

/// The JSON record of an explained name: the resolve record with its `explain` object.
#[derive(serde::Serialize)]
struct Explained<'a> {
    #[serde(flatten)]
    rec: &'a ResolveRecord,
    explain: &'a Explain,
}

impl Record for Explained<'_> {
    const TYPE: &'static str = ResolveRecord::TYPE;
    fn headers(verbose: u8) -> Vec<&'static str> {
        ResolveRecord::headers(verbose)
    }
    fn cells(&self, verbose: u8) -> Vec<Cell> {
        self.rec.cells(verbose)
    }
}

/// One explained name. JSON: the resolve record with its `explain`. Plain: the record's line,
/// then `# step` lines. Table: the record, the path, the queries, the verdict.
pub fn render_explained(
    w: &mut impl Write,
    out: &OutputOpts,
    rec: &ResolveRecord,
    ex: &Explain,
) -> std::io::Result<()> {
    match out.format {
        Format::Json => output::json::write(w, &Explained { rec, explain: ex }),
        Format::Plain => {
            output::render(w, out, std::slice::from_ref(rec))?;
            // Each line of a finding is a field of its own.
            for (step, finding) in path_rows(ex) {
                let fields: Vec<Cell> = finding.split('\n').map(Cell::new).collect();
                writeln!(w, "# {step}\t{}", output::plain::line(&fields))?;
            }
            for q in &ex.queries {
                writeln!(w, "# query\t{}", output::plain::line(&q.cells(out.verbose)))?;
            }
            for (what, key, text) in verdict_rows(ex) {
                let fields = [Cell::new(key), Cell::new(text)];
                writeln!(w, "# {what}\t{}", output::plain::line(&fields))?;
            }
            w.flush()
        }
        Format::Table => {
            output::render(w, out, std::slice::from_ref(rec))?;
            let rows = |v: Vec<(&str, String)>| -> Vec<Vec<Cell>> {
                v.into_iter()
                    .map(|(a, b)| vec![Cell::new(a), Cell::new(b)])
                    .collect()
            };
            output::table::write_rows(w, out, &["STEP", "FINDING"], &rows(path_rows(ex)))?;
            if !ex.queries.is_empty() {
                output::table::write(w, out, &ex.queries)?;
            }
            let verdict: Vec<(&str, String)> = verdict_rows(ex)
                .into_iter()
                .map(|(what, key, text)| (what, format!("{key}: {text}")))
                .collect();
            output::table::write_rows(w, out, &["VERDICT", "WHY"], &rows(verdict))
        }
    }
}

fn yes(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

/// Steps 1 to 3: nsswitch.conf, /etc/hosts, resolv.conf and the candidates.
fn path_rows(ex: &Explain) -> Vec<(&'static str, String)> {
    let mut rows = Vec::new();
    if let Some(l) = &ex.literal {
        rows.push(("literal", l.clone()));
        return rows;
    }
    let sources: Vec<String> = ex
        .nsswitch
        .iter()
        .map(|s| {
            let mut t = s.name.clone();
            if let Some(a) = &s.actions {
                t.push(' ');
                t.push_str(a);
            }
            format!(
                "{t}: {} ({})",
                s.about,
                if s.followed { "followed" } else { "named only" }
            )
        })
        .collect();
    let whence = match ex.nsswitch_line {
        Some(l) => format!("hosts line {l}"),
        None => "no hosts line: glibc's default".into(),
    };
    rows.push(("nsswitch.conf", format!("{whence}\n{}", sources.join("\n"))));
    let files_first = ex
        .nsswitch
        .iter()
        .position(|s| s.name == "files")
        .is_some_and(|f| {
            ex.nsswitch
                .iter()
                .position(|s| s.name == "dns")
                .map_or(true, |d| f < d)
        });
    rows.push((
        "/etc/hosts",
        match &ex.hosts_file {
            None => "no entry for this name".into(),
            Some(h) => {
                let addrs: Vec<String> = h.addrs.iter().map(|a| a.to_string()).collect();
                let lines: Vec<String> = h.lines.iter().map(|l| l.to_string()).collect();
                format!(
                    "line {}: {}{}",
                    lines.join(", "),
                    addrs.join(", "),
                    if files_first {
                        " (wins: files comes before dns)"
                    } else {
                        " (dns comes first)"
                    }
                )
            }
        },
    ));
    let rc = &ex.resolv_conf;
    let servers: Vec<String> = rc
        .nameservers
        .iter()
        .map(|s| explain::server_name(*s))
        .collect();
    let mut conf = vec![
        format!("nameserver {}", servers.join(" ")),
        format!(
            "search {} (from {})",
            if rc.search.is_empty() {
                "-".to_string()
            } else {
                rc.search.join(" ")
            },
            rc.search_from
        ),
        format!(
            "ndots:{} timeout:{} attempts:{}",
            rc.ndots, rc.timeout, rc.attempts
        ),
        format!(
            "rotate {}, edns0 {}, trust-ad {}",
            yes(rc.rotate),
            yes(rc.edns0),
            yes(rc.trust_ad)
        ),
    ];
    conf.extend(rc.notes.iter().cloned());
    if ex.servers_from == "--server" {
        conf.push("asked instead: the servers of --server".into());
    }
    rows.push(("resolv.conf", conf.join("\n")));
    let cands: Vec<String> = ex
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{}. {c}", i + 1))
        .collect();
    rows.push(("candidates", cands.join("\n")));
    rows
}

/// Step 5: the verdict (its source and why) and each disagreement (its kind and text).
fn verdict_rows(ex: &Explain) -> Vec<(&'static str, &str, &str)> {
    let v = &ex.verdict;
    let mut rows = vec![("verdict", v.source, v.text.as_str())];
    for d in &v.disagreements {
        rows.push(("disagreement", d.kind, d.text.as_str()));
    }
    rows
}

/// One query of `--explain`: a row of its own table (and a `# query` line in plain).
impl Record for Exchange {
    const TYPE: &'static str = "dns-query";

    fn headers(_verbose: u8) -> Vec<&'static str> {
        vec![
            "SERVER", "NAME", "TYPE", "STATUS", "ANSWERS", "FLAGS", "TIME",
        ]
    }

    /// At 80 columns the question and its answer matter most: the server, the name and the
    /// type are never cut or left out, the status and the answers wrap at spaces; the time
    /// gives way first, then the flags.
    fn fits(_verbose: u8) -> Vec<Fit> {
        vec![
            Fit::Keep,
            Fit::Keep,
            Fit::Keep,
            Fit::Wrap,
            Fit::Wrap,
            Fit::Drop(1),
            Fit::Drop(0),
        ]
    }

    fn cells(&self, _verbose: u8) -> Vec<Cell> {
        use explain::Outcome;
        let status = match self.outcome {
            Outcome::Answer => Cell::toned(self.rcode.clone().unwrap_or_default(), Tone::Good),
            Outcome::NoData | Outcome::NxDomain => Cell::toned(self.outcome.token(), Tone::Warn),
            Outcome::OtherRcode => Cell::toned(self.rcode.clone().unwrap_or_default(), Tone::Bad),
            Outcome::Timeout => Cell::toned("timeout", Tone::Bad),
            Outcome::Error => Cell::toned(
                format!(
                    "{}: {}",
                    self.outcome.token(),
                    self.error.as_deref().unwrap_or("-")
                ),
                Tone::Bad,
            ),
            o => Cell::toned(o.token(), Tone::Bad),
        };
        let mut answers: Vec<String> = Vec::new();
        if !self.chain.is_empty() {
            answers.push(format!("chain {}", self.chain.join(" > ")));
        }
        answers.extend(
            self.answers
                .iter()
                .map(|a| format!("{} {} {} {}", a.name, a.ttl, a.rtype, a.data)),
        );
        let mut flags = Vec::new();
        if self.ad {
            flags.push("ad");
        }
        if self.truncated {
            flags.push("tc, retried over tcp");
        } else if self.tcp {
            flags.push("tcp");
        }
        vec![
            Cell::new(explain::server_name(self.server)),
            Cell::new(self.name.clone()),
            Cell::new(self.qtype.clone()),
            status,
            Cell::new(if answers.is_empty() {
                "-".to_string()
            } else {
                answers.join("\n")
            }),
            Cell::new(if flags.is_empty() {
                "-".to_string()
            } else {
                flags.join(", ")
            }),
            Cell::toned(
                format!("{:.1}ms", crate::units::ms(self.elapsed)),
                Tone::Dim,
            ),
        ]
    }
}

impl Record for ResolveRecord {
    const TYPE: &'static str = "resolve";

    fn headers(_verbose: u8) -> Vec<&'static str> {
        vec![
            "NAME",
            "STATUS",
            "ADDRESS",
            "FAMILY",
            "REVERSE",
            "CANONICAL",
            "TIME",
            "NOTE",
        ]
    }

    /// At 80 columns the addresses and their reverse names matter most: the family (the
    /// address shows it), the time and the canonical name give way first, the reverse
    /// names last; the status wraps at spaces; notes become footnotes.
    fn fits(_verbose: u8) -> Vec<Fit> {
        vec![
            Fit::Keep,
            Fit::Wrap,
            Fit::Keep,
            Fit::Drop(0),
            Fit::Drop(3),
            Fit::Drop(2),
            Fit::Drop(1),
            Fit::Note,
        ]
    }

    fn cells(&self, _verbose: u8) -> Vec<Cell> {
        let lines = |f: &dyn Fn(&resolve::ResolvedAddr) -> String| {
            Cell::new(self.addrs.iter().map(f).collect::<Vec<_>>().join("\n"))
        };
        let status = match &self.error {
            None => Cell::toned("ok", Tone::Good),
            Some(e) => Cell::toned(format!("{}: {}", token(e.kind), e.message), Tone::Bad),
        };
        vec![
            Cell::new(self.name.clone()),
            status,
            lines(&|a| a.addr.to_string()),
            lines(&|a| a.family.to_string()),
            lines(&|a| a.reverse.clone().unwrap_or_else(|| "-".into())),
            Cell::opt(self.canonical.as_ref()),
            Cell::toned(
                format!("{:.1}ms", crate::units::ms(self.elapsed)),
                Tone::Dim,
            ),
            Cell::opt(self.note.as_ref()),
        ]
    }
}

fn token(k: resolve::FailKind) -> &'static str {
    match k {
        resolve::FailKind::NoName => "no-name",
        resolve::FailKind::NoData => "no-data",
        resolve::FailKind::Again => "again",
        resolve::FailKind::Fail => "fail",
        resolve::FailKind::Other => "other",
    }
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
