//! The one record model every renderer takes, and the renderers: table (comfy-table),
//! plain (tab-separated, one line per record) and JSON lines (one object per record, each
//! with a `"type"` field). Renderers write to any `io::Write` and do no network work.
pub mod json;
pub mod layout;
pub mod live;
pub mod lossy;
pub mod options;
pub mod plain;
pub mod reader;
pub mod table;

use serde::Serialize;
use std::io::{self, Write};

/// Output format chosen by `--format` / `--json`, or by whether stdout is a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Plain,
    Json,
}

/// How records are rendered: decided once at the edge from the global flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputOpts {
    pub format: Format,
    pub color: bool,
    pub verbose: u8,
    pub quiet: bool,
    /// The terminal's width, for tables: set at the edge when stdout is a terminal, given
    /// explicitly in tests; `None` draws tables as wide as their contents.
    pub width: Option<u16>,
}

impl Default for OutputOpts {
    fn default() -> Self {
        OutputOpts {
            format: Format::Plain,
            color: false,
            verbose: 0,
            quiet: false,
            width: None,
        }
    }
}

/// What a cell means, so the table can colour it; plain and JSON ignore it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    #[default]
    Normal,
    Good,
    Bad,
    Warn,
    Dim,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub tone: Tone,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            tone: Tone::Normal,
        }
    }
    pub fn toned(text: impl Into<String>, tone: Tone) -> Cell {
        Cell {
            text: text.into(),
            tone,
        }
    }
    /// `-` for an absent value, as every renderer shows it.
    pub fn opt(v: Option<impl ToString>) -> Cell {
        Cell::new(v.map(|v| v.to_string()).unwrap_or_else(|| "-".into()))
    }
}

impl<T: Into<String>> From<T> for Cell {
    fn from(t: T) -> Cell {
        Cell::new(t)
    }
}

/// One result: a name resolved, a port probed, an option read. Every subcommand's records
/// implement this, and every renderer takes it.
pub trait Record: Serialize {
    /// The `"type"` field of the JSON object.
    const TYPE: &'static str;
    /// Column headers for table and plain; `verbose` may add columns.
    fn headers(verbose: u8) -> Vec<&'static str>;
    /// One cell per header. A cell may hold several lines (several addresses, say): the
    /// table shows them stacked, plain joins them with commas.
    fn cells(&self, verbose: u8) -> Vec<Cell>;
    /// How each column gives way in a table wider than the terminal (see `layout`); a
    /// column without one wraps at spaces.
    fn fits(_verbose: u8) -> Vec<layout::Fit> {
        Vec::new()
    }
}

/// Renders a finished set of records in the chosen format.
pub fn render<W: Write, R: Record>(w: &mut W, opts: &OutputOpts, records: &[R]) -> io::Result<()> {
    match opts.format {
        Format::Table => table::write(w, opts, records),
        Format::Plain => plain::write(w, opts, records),
        Format::Json => records.iter().try_for_each(|r| json::write(w, r)),
    }
}

/// For renderer tests: what `write` renders in this format and verbosity, without colour, as
/// text.
#[cfg(test)]
pub fn rendered_with<E: std::fmt::Debug>(
    format: Format,
    verbose: u8,
    write: impl FnOnce(&mut Vec<u8>, &OutputOpts) -> Result<(), E>,
) -> String {
    rendered_at(format, verbose, None, write)
}

/// For renderer tests: as [`rendered_with`], for a terminal `width` columns wide.
#[cfg(test)]
pub fn rendered_at<E: std::fmt::Debug>(
    format: Format,
    verbose: u8,
    width: Option<u16>,
    write: impl FnOnce(&mut Vec<u8>, &OutputOpts) -> Result<(), E>,
) -> String {
    let opts = OutputOpts {
        format,
        verbose,
        width,
        ..OutputOpts::default()
    };
    let mut buf = Vec::new();
    write(&mut buf, &opts).expect("rendering to memory");
    String::from_utf8(buf).expect("renderers write UTF-8")
}
