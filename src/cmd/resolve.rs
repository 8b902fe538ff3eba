//! `sockdiag resolve`: the plan, the engine call, the presentation of a resolve record.
use crate::cli::ResolveArgs;
use crate::exit::Exit;
use crate::output::{self, Cell, OutputOpts, Record, Tone};
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
    let mut names = Vec::new();
    for n in &args.names {
        if n == "-" {
            names.extend(super::read_list(Path::new("-"))?);
        } else {
            names.push(n.clone());
        }
    }
    if let Some(f) = &args.file {
        names.extend(super::read_list(f)?);
    }
    if names.is_empty() {
        anyhow::bail!(crate::error::InputError::new(
            "arguments",
            "",
            "no names given: pass NAME..., --file F, or - for stdin"
        ));
    }
    for n in &names {
        resolve::validate(n)?;
    }
    Ok(Plan {
        names,
        family,
        reverse: !args.no_reverse,
        jobs: args.jobs as usize,
    })
}

pub fn run(plan: &Plan, out: &OutputOpts, w: &mut impl std::io::Write) -> Result<Exit> {
    let records = resolve::resolve_all(&plan.names, plan.family, plan.reverse, plan.jobs);
    output::render(w, out, &records)?;
    Ok(Exit::from_all_ok(records.iter().all(ResolveRecord::ok)))
}

impl Record for ResolveRecord {
    const TYPE: &'static str = "resolve";

    fn headers(verbose: u8) -> Vec<&'static str> {
        let mut h = vec![
            "NAME",
            "STATUS",
            "ADDRESS",
            "FAMILY",
            "REVERSE",
            "CANONICAL",
            "TIME",
        ];
        if verbose > 0 {
            h.push("NOTE");
        }
        h
    }

    fn cells(&self, verbose: u8) -> Vec<Cell> {
        let lines = |f: &dyn Fn(&resolve::ResolvedAddr) -> String| {
            Cell::new(self.addrs.iter().map(f).collect::<Vec<_>>().join("\n"))
        };
        let status = match &self.error {
            None => Cell::toned("ok", Tone::Good),
            Some(e) => Cell::toned(format!("{}: {}", token(e.kind), e.message), Tone::Bad),
        };
        let mut c = vec![
            Cell::new(self.name.clone()),
            status,
            lines(&|a| a.addr.to_string()),
            lines(&|a| a.family.to_string()),
            lines(&|a| a.reverse.clone().unwrap_or_else(|| "-".into())),
            Cell::opt(self.canonical.as_ref()),
            Cell::toned(
                format!("{:.1}ms", crate::duration::ms(self.elapsed)),
                Tone::Dim,
            ),
        ];
        if verbose > 0 {
            c.push(Cell::opt(self.note.as_ref()));
        }
        c
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
