//! Plain text: one line per record, tab-separated, no header, columns in the documented
//! order, `-` for an absent value. Made for grep, awk and cut.
use super::{Cell, OutputOpts, Record};
use std::io::{self, Write};

pub fn write<W: Write, R: Record>(w: &mut W, opts: &OutputOpts, records: &[R]) -> io::Result<()> {
    for r in records {
        writeln!(w, "{}", line(&r.cells(opts.verbose)))?;
    }
    w.flush()
}

/// One plain line: the cells as fields, tab-separated (records and the `# ...` side lines).
pub fn line(cells: &[Cell]) -> String {
    cells
        .iter()
        .map(|c| field(&c.text))
        .collect::<Vec<_>>()
        .join("\t")
}

/// A field never contains a tab or a newline: several lines become a comma list.
pub fn field(text: &str) -> String {
    if text.is_empty() {
        return "-".into();
    }
    text.split('\n')
        .collect::<Vec<_>>()
        .join(",")
        .replace('\t', " ")
}
