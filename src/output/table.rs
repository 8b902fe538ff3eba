//! Tables for people: comfy-table, as wide as the terminal allows, colour only when asked for.
use super::{Cell, OutputOpts, Record, Tone};
use comfy_table::{modifiers, presets, Attribute, Color, ContentArrangement, Table};
use std::io::{self, Write};
use std::sync::OnceLock;

/// The terminal's width, set once at the edge when stdout is a terminal. comfy-table cannot
/// see it itself once told there is no tty (which keeps colour off), and renderers under test
/// never set it, so their output does not depend on where the tests run.
pub static TERMINAL_WIDTH: OnceLock<u16> = OnceLock::new();

/// The width of the terminal on stdout, if stdout is one.
pub fn stdout_width() -> Option<u16> {
    terminal_size::terminal_size_of(std::io::stdout())
        .map(|(w, _)| w.0)
        .filter(|&w| w > 0)
}

pub fn write<W: Write, R: Record>(w: &mut W, opts: &OutputOpts, records: &[R]) -> io::Result<()> {
    let headers = R::headers(opts.verbose);
    let rows: Vec<Vec<Cell>> = records.iter().map(|r| r.cells(opts.verbose)).collect();
    write_rows(w, opts, &headers, &rows)
}

/// A table from headers and rows of cells: for records, and for summaries a command builds.
pub fn write_rows<W: Write>(
    w: &mut W,
    opts: &OutputOpts,
    headers: &[&str],
    rows: &[Vec<Cell>],
) -> io::Result<()> {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .apply_modifier(modifiers::UTF8_ROUND_CORNERS)
        .set_content_arrangement(ContentArrangement::Dynamic);
    // Never let comfy-table ask the terminal itself: a pty that reports a width of 0 would
    // squeeze every column to one character. The width comes from TERMINAL_WIDTH alone, and
    // colour from the options (styling is enforced, so it survives the "no tty").
    t.force_no_tty();
    if opts.color {
        t.enforce_styling();
    }
    if let Some(w) = TERMINAL_WIDTH.get() {
        t.set_width(*w);
    }
    t.set_header(headers.iter().map(|h| {
        let c = comfy_table::Cell::new(h);
        if opts.color {
            c.add_attribute(Attribute::Bold)
        } else {
            c
        }
    }));
    for row in rows {
        t.add_row(row.iter().map(|c| styled(c, opts.color)));
    }
    writeln!(w, "{t}")?;
    w.flush()
}

fn styled(c: &Cell, color: bool) -> comfy_table::Cell {
    let text = if c.text.is_empty() { "-" } else { &c.text };
    let cell = comfy_table::Cell::new(text);
    if !color {
        return cell;
    }
    match c.tone {
        Tone::Normal => cell,
        Tone::Good => cell.fg(Color::Green),
        Tone::Bad => cell.fg(Color::Red),
        Tone::Warn => cell.fg(Color::Yellow),
        Tone::Dim => cell.add_attribute(Attribute::Dim),
    }
}
