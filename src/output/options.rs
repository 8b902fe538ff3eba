//! The options table: the record of one socket option as every renderer shows it, shared by
//! `opts` and `connect`.
use super::layout::Fit;
use super::{table, Cell, OutputOpts, Record, Tone};
use crate::sockopt::OptionRecord;
use std::io::{self, Write};

/// The options table, without the ERROR column when no option has an error.
pub fn option_table(
    w: &mut impl Write,
    out: &OutputOpts,
    options: &[OptionRecord],
) -> io::Result<()> {
    let mut headers = OptionRecord::headers(out.verbose);
    let mut fits = OptionRecord::fits(out.verbose);
    let mut rows: Vec<Vec<Cell>> = options.iter().map(|o| o.cells(out.verbose)).collect();
    if options.iter().all(|o| o.error.is_none()) {
        if let Some(i) = headers.iter().position(|h| *h == "ERROR") {
            headers.remove(i);
            fits.remove(i);
            for r in &mut rows {
                r.remove(i);
            }
        }
    }
    table::write_fitted(w, out, &headers, &fits, &rows)?;
    Ok(())
}

impl Record for OptionRecord {
    const TYPE: &'static str = "option";

    fn headers(verbose: u8) -> Vec<&'static str> {
        let mut h = vec!["OPTION"];
        if verbose > 0 {
            h.push("LEVEL");
        }
        h.extend(["REQUESTED", "EFFECTIVE", "DEFAULT", "ERROR", "NOTE"]);
        h
    }

    /// Option names and values are never cut; the level and then the default give way;
    /// errors and notes too long for their column become footnotes.
    fn fits(verbose: u8) -> Vec<Fit> {
        let mut f = vec![Fit::Keep];
        if verbose > 0 {
            f.push(Fit::Drop(0));
        }
        f.extend([Fit::Keep, Fit::Keep, Fit::Drop(1), Fit::Note, Fit::Note]);
        f
    }

    fn cells(&self, verbose: u8) -> Vec<Cell> {
        let changed = self.requested.is_some() && self.requested != self.effective;
        let mut c = vec![Cell::new(self.name)];
        if verbose > 0 {
            c.push(Cell::toned(self.level, Tone::Dim));
        }
        c.push(Cell::opt(self.requested));
        c.push(Cell::toned(
            self.effective
                .map(|v| v.to_string())
                .unwrap_or_else(|| "-".into()),
            if self.error.is_some() {
                Tone::Bad
            } else if changed {
                Tone::Warn
            } else if self.requested.is_some() {
                Tone::Good
            } else {
                Tone::Normal
            },
        ));
        c.push(Cell::toned(
            self.default
                .map(|v| v.to_string())
                .unwrap_or_else(|| "-".into()),
            Tone::Dim,
        ));
        c.push(Cell::toned(
            self.error.clone().unwrap_or_else(|| "-".into()),
            Tone::Bad,
        ));
        c.push(Cell::opt(self.note.as_ref()));
        c
    }
}
