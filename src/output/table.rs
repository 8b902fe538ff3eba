//! Tables for people: laid out for the terminal's width (`layout`: no token is ever broken),
//! drawn by comfy-table, colour only when asked for.
use super::layout::{self, Fit};
use super::{Cell, OutputOpts, Record, Tone};
use comfy_table::{modifiers, presets, Attribute, Color, ContentArrangement, Table};
use std::io::{self, Write};

/// The width of the terminal on stdout, if stdout is one.
pub fn stdout_width() -> Option<u16> {
    terminal_size::terminal_size_of(std::io::stdout())
        .map(|(w, _)| w.0)
        .filter(|&w| w > 0)
}

pub fn write<W: Write, R: Record>(w: &mut W, opts: &OutputOpts, records: &[R]) -> io::Result<()> {
    let headers = R::headers(opts.verbose);
    let rows: Vec<Vec<Cell>> = records.iter().map(|r| r.cells(opts.verbose)).collect();
    write_fitted(w, opts, &headers, &R::fits(opts.verbose), &rows)
}

/// A table from headers and rows of cells: for records, and for summaries a command builds.
/// Every column wraps at spaces only.
pub fn write_rows<W: Write>(
    w: &mut W,
    opts: &OutputOpts,
    headers: &[&str],
    rows: &[Vec<Cell>],
) -> io::Result<()> {
    write_fitted(w, opts, headers, &[], rows)
}

/// A table whose columns give way as `fits` says (a column without one wraps) when it is
/// wider than `opts.width`; footnotes and the names of columns left out follow it.
pub fn write_fitted<W: Write>(
    w: &mut W,
    opts: &OutputOpts,
    headers: &[&str],
    fits: &[Fit],
    rows: &[Vec<Cell>],
) -> io::Result<()> {
    let texts: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| {
                    if c.text.is_empty() {
                        "-".to_string()
                    } else {
                        c.text.clone()
                    }
                })
                .collect()
        })
        .collect();
    let width = opts.width.map(usize::from);
    let laid = layout::lay_out(headers, fits, &texts, width);
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .apply_modifier(modifiers::UTF8_ROUND_CORNERS)
        // The layout decided every line break; comfy-table draws.
        .set_content_arrangement(ContentArrangement::Disabled);
    // Never let comfy-table ask the terminal itself (a pty that reports a width of 0 would
    // squeeze every column), and keep colour to what the options say (styling is enforced,
    // so it survives the "no tty").
    t.force_no_tty();
    if opts.color {
        t.enforce_styling();
    }
    t.set_header(laid.columns.iter().map(|&i| {
        let c = comfy_table::Cell::new(headers[i]);
        if opts.color {
            c.add_attribute(Attribute::Bold)
        } else {
            c
        }
    }));
    for (row, texts) in rows.iter().zip(&laid.rows) {
        t.add_row(laid.columns.iter().zip(texts).map(|(&i, text)| {
            let tone = row.get(i).map_or(Tone::Normal, |c| c.tone);
            styled(text, tone, opts.color)
        }));
    }
    writeln!(w, "{t}")?;
    for line in layout::footnotes(&laid.notes, width) {
        writeln!(w, "{line}")?;
    }
    if !laid.dropped.is_empty() {
        // Say what is missing, so nobody takes a narrow terminal for missing data.
        let text = format!(
            "(not shown at {} columns: {}; --json has them)",
            width.unwrap_or_default(),
            laid.dropped.join(", "),
        );
        for line in layout::wrap(&text, width.unwrap_or(usize::MAX)) {
            if opts.color {
                writeln!(w, "\x1b[2m{line}\x1b[0m")?;
            } else {
                writeln!(w, "{line}")?;
            }
        }
    }
    w.flush()
}

fn styled(text: &str, tone: Tone, color: bool) -> comfy_table::Cell {
    let cell = comfy_table::Cell::new(text);
    if !color {
        return cell;
    }
    match tone {
        Tone::Normal => cell,
        Tone::Good => cell.fg(Color::Green),
        Tone::Bad => cell.fg(Color::Red),
        Tone::Warn => cell.fg(Color::Yellow),
        Tone::Dim => cell.add_attribute(Attribute::Dim),
    }
}
