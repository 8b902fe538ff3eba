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
/// Built in one string: `sockets` writes tens of thousands of lines.
pub fn line(cells: &[Cell]) -> String {
    let mut out = String::with_capacity(cells.iter().map(|c| c.text.len() + 1).sum());
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        push_field(&mut out, &c.text);
    }
    out
}

/// [`field`], appended to `out`.
fn push_field(out: &mut String, text: &str) {
    if text.is_empty() {
        out.push('-');
        return;
    }
    for ch in text.chars() {
        out.push(match ch {
            '\n' => ',',
            '\t' => ' ',
            c => c,
        });
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_is_the_fields_joined() {
        let cells = [
            Cell::new("a\tb"),
            Cell::new(""),
            Cell::new("x\ny\nz"),
            Cell::new("-"),
        ];
        let want: Vec<String> = cells.iter().map(|c| field(&c.text)).collect();
        assert_eq!(line(&cells), want.join("\t"));
        assert_eq!(line(&cells), "a b\t-\tx,y,z\t-");
        assert_eq!(line(&[]), "");
    }
}
