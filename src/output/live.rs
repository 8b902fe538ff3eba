//! A live line on a terminal: rewritten as a long run goes (each round of `--count`), and
//! cleared before the table that follows it, so the screen ends with the results alone.
use std::io::{self, IsTerminal, Write};

/// Erases the terminal line the cursor is on and returns to its start.
const ERASE: &str = "\r\x1b[2K";

pub struct LiveLine<W: Write> {
    out: Option<W>,
    width: usize,
    shown: bool,
}

impl LiveLine<io::Stderr> {
    /// On stderr when it is a terminal and `wanted` (a table for people, not `--quiet`);
    /// otherwise a line that shows nothing.
    pub fn stderr(wanted: bool) -> LiveLine<io::Stderr> {
        let err = io::stderr();
        let on = wanted && err.is_terminal();
        LiveLine::new(on.then_some(err), stderr_width().unwrap_or(80))
    }
}

impl<W: Write> LiveLine<W> {
    /// A live line on `out` (none: shows nothing), for a terminal `width` columns wide.
    pub fn new(out: Option<W>, width: usize) -> LiveLine<W> {
        LiveLine {
            out,
            width,
            shown: false,
        }
    }

    /// Replaces the line with `text`, cut short of the terminal's width so it never wraps,
    /// not even with a `^C` echoed after it (a wrapped line could not be erased).
    pub fn show(&mut self, text: &str) {
        let Some(out) = self.out.as_mut() else { return };
        let room = self.width.saturating_sub(3);
        let mut line = String::new();
        for c in text.chars() {
            if super::layout::width(&line) + super::layout::width(c.encode_utf8(&mut [0; 4])) > room
            {
                break;
            }
            line.push(c);
        }
        // A terminal that is gone is no reason to stop the work.
        let _ = write!(out, "{ERASE}{line}").and_then(|_| out.flush());
        self.shown = true;
    }

    /// Erases the line, if one is shown.
    pub fn clear(&mut self) {
        if let (true, Some(out)) = (self.shown, self.out.as_mut()) {
            let _ = write!(out, "{ERASE}").and_then(|_| out.flush());
        }
        self.shown = false;
    }

    /// What was written, for tests.
    pub fn into_inner(mut self) -> Option<W> {
        self.out.take()
    }
}

impl<W: Write> Drop for LiveLine<W> {
    fn drop(&mut self) {
        self.clear();
    }
}

/// The width of the terminal on stderr, if it is one.
fn stderr_width() -> Option<usize> {
    terminal_size::terminal_size_of(io::stderr())
        .map(|(w, _)| usize::from(w.0))
        .filter(|&w| w > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_show_replaces_the_line_and_clear_erases_it() {
        let mut l = LiveLine::new(Some(Vec::new()), 20);
        l.show("1/3 200 OK");
        l.show("2/3 200 OK and a tail too long for the line");
        l.clear();
        let out = String::from_utf8(l.into_inner().unwrap()).unwrap();
        assert_eq!(
            out,
            "\r\x1b[2K1/3 200 OK\r\x1b[2K2/3 200 OK and a \r\x1b[2K"
        );
    }

    #[test]
    fn nothing_without_a_terminal() {
        let mut l: LiveLine<Vec<u8>> = LiveLine::new(None, 80);
        l.show("x");
        l.clear();
        assert!(l.into_inner().is_none());
    }
}
