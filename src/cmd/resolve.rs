//! `sockdiag resolve`: the plan, the engine call, the presentation of a resolve record.
use crate::cli::ResolveArgs;
use crate::exit::Exit;
use crate::interrupt::Interrupt;
use crate::output::layout::Fit;
use crate::output::{self, reader, Cell, Format, OutputOpts, Record, Tone};
use crate::resolve::{self, Family, ResolveRecord};
use anyhow::Result;
use std::path::Path;

pub struct Plan {
    pub names: Vec<String>,
    pub family: Family,
    pub reverse: bool,
    pub jobs: usize,
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
    Ok(Plan {
        names: names.into_iter().map(|(n, _)| n).collect(),
        family,
        reverse: !args.no_reverse,
        jobs: args.jobs as usize,
    })
}

/// Plain and JSON stream the records in input order, each as soon as it and every name
/// before it are resolved (a long list shows progress, and `| head -1` stops the lookups
/// after the first); the table waits for the end.
pub fn run(plan: &Plan, out: &OutputOpts, w: &mut impl std::io::Write) -> Result<Exit> {
    let interrupt =
        Interrupt::install().map_err(crate::error::local("installing the Ctrl-C handler"))?;
    reader::watch_stdout(&interrupt);
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
mod tests {
    use super::*;
    use crate::output::Format;
    use crate::resolve::{FailKind, ResolveError, ResolvedAddr};
    use std::time::Duration;

    fn records() -> Vec<ResolveRecord> {
        vec![
            ResolveRecord {
                name: "multi.sockdiag.test".into(),
                canonical: Some("multi.sockdiag.test".into()),
                addrs: vec![
                    ResolvedAddr {
                        addr: "192.0.2.10".parse().unwrap(),
                        family: "inet",
                        reverse: Some("multi.sockdiag.test".into()),
                    },
                    ResolvedAddr {
                        addr: "2001:db8::10".parse().unwrap(),
                        family: "inet6",
                        reverse: None,
                    },
                    ResolvedAddr {
                        addr: "2001:db8:4f3a:1200:8a2e:370:7334:10".parse().unwrap(),
                        family: "inet6",
                        reverse: Some("host-1200.region.multi.sockdiag.test".into()),
                    },
                ],
                elapsed: Duration::from_micros(1234),
                note: None,
                idn: None,
                error: None,
            },
            ResolveRecord {
                name: "127.1".into(),
                canonical: None,
                addrs: vec![ResolvedAddr {
                    addr: "127.0.0.1".parse().unwrap(),
                    family: "inet",
                    reverse: Some("localhost".into()),
                }],
                elapsed: Duration::from_micros(80),
                note: Some("a legacy numeric form: means 127.0.0.1".into()),
                idn: None,
                error: None,
            },
            ResolveRecord {
                name: "bücher.sockdiag.test".into(),
                canonical: Some("xn--bcher-kva.sockdiag.test".into()),
                addrs: vec![ResolvedAddr {
                    addr: "192.0.2.80".parse().unwrap(),
                    family: "inet",
                    reverse: None,
                }],
                elapsed: Duration::from_micros(950),
                note: Some("international name: looked up as xn--bcher-kva.sockdiag.test".into()),
                idn: Some(crate::resolve::Idn {
                    unicode: "bücher.sockdiag.test".into(),
                    ascii: "xn--bcher-kva.sockdiag.test".into(),
                }),
                error: None,
            },
            ResolveRecord {
                name: "nosuch.sockdiag.test".into(),
                canonical: None,
                addrs: vec![],
                elapsed: Duration::from_millis(3),
                note: None,
                idn: None,
                error: Some(ResolveError {
                    kind: FailKind::NoName,
                    message: "no such name".into(),
                }),
            },
        ]
    }

    fn rendered(format: Format, verbose: u8, color: bool) -> String {
        let opts = OutputOpts {
            format,
            color,
            verbose,
            quiet: false,
            width: None,
        };
        let mut buf = Vec::new();
        output::render(&mut buf, &opts, &records()).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn table_snapshot() {
        insta::assert_snapshot!(rendered(Format::Table, 0, false));
    }

    fn table_at(width: u16) -> String {
        crate::output::rendered_at(Format::Table, 0, Some(width), |w, o| {
            output::render(w, o, &records())
        })
    }

    /// Issue 10: at 80 columns no address, name or reverse name is cut in two, every line
    /// fits, and the addresses keep their family and reverse name beside them.
    #[test]
    fn table_at_80_columns_snapshot() {
        let t = table_at(80);
        crate::output::layout::assert_fits(&t, 80);
        for token in [
            "192.0.2.10",
            "2001:db8::10",
            "multi.sockdiag.test",
            "bücher.sockdiag.test",
            "nosuch.sockdiag.test",
            "no-name:",
        ] {
            assert!(t.contains(token), "{token} broken in\n{t}");
        }
        insta::assert_snapshot!(t);
    }

    #[test]
    fn table_at_120_columns_snapshot() {
        let t = table_at(120);
        crate::output::layout::assert_fits(&t, 120);
        insta::assert_snapshot!(t);
    }

    #[test]
    fn table_colour_only_when_asked() {
        assert!(!rendered(Format::Table, 0, false).contains('\x1b'));
        assert!(rendered(Format::Table, 0, true).contains("\x1b["));
    }

    #[test]
    fn plain_snapshot() {
        insta::assert_snapshot!(rendered(Format::Plain, 0, false));
    }

    #[test]
    fn json_snapshot() {
        insta::assert_snapshot!(rendered(Format::Json, 0, false));
    }
}
