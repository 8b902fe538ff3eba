//! Fitting a table into the terminal's width without ever breaking a token.
//!
//! An address, a reason, an option name cut in two (`port-unreac/h`, `192.0.2 / .2`) reads as
//! something else, so no cell is ever broken inside a word. When the table is wider than the
//! terminal, in this order:
//! 1. long notes move under the table as numbered footnotes (`[1]`), short ones stay inline;
//! 2. low-value columns are left out, lowest rank first, until the rest can fit;
//! 3. prose columns wrap at spaces, the widest first, never narrower than their longest word.
//!
//! A table that cannot fit even so is drawn at its narrowest and overflows: a long line the
//! terminal folds is still readable, a token cut in two is not.
use unicode_width::UnicodeWidthStr;

/// How a column gives way when the table is wider than the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Prose or a list of values: wraps at spaces, never inside a word; always shown.
    Wrap,
    /// Tokens (an address, a name, a state): never wrapped, always shown.
    Keep,
    /// Tokens of less value (a family, a time): never wrapped; left out when the table does
    /// not fit, the lowest rank first (on a tie, the rightmost).
    Drop(u8),
    /// Long text: inline when it fits on one line of the column, else a numbered footnote.
    Note,
}

/// A table laid out for a width: the columns kept, each cell's text wrapped, the footnotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Laid {
    /// The indices of the columns kept, in order.
    pub columns: Vec<usize>,
    /// One row per input row, one text per kept column (lines joined by `\n`).
    pub rows: Vec<Vec<String>>,
    /// The footnotes' texts: `notes[0]` is `[1]`.
    pub notes: Vec<String>,
    /// The headers of the columns left out.
    pub dropped: Vec<String>,
}

/// Display width of one line, in terminal columns.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

fn widest_line(s: &str) -> usize {
    s.split('\n').map(width).max().unwrap_or(0)
}

fn longest_word(s: &str) -> usize {
    s.split(['\n', ' ']).map(width).max().unwrap_or(0)
}

/// Borders and padding of a table of `k` columns: `│ a ┆ b │` is 3 per column and 1.
fn overhead(k: usize) -> usize {
    3 * k + 1
}

/// A note that needs no footnote: empty or `-`.
fn trivial(s: &str) -> bool {
    s.is_empty() || s == "-"
}

/// Lays out `rows` under `headers` for `max` terminal columns (`None`: as wide as they
/// are). `fits` gives each column's [`Fit`]; a column without one wraps.
pub fn lay_out(headers: &[&str], fits: &[Fit], rows: &[Vec<String>], max: Option<usize>) -> Laid {
    let n = headers.len();
    let fit = |i: usize| fits.get(i).copied().unwrap_or(Fit::Wrap);
    let cell = |r: &Vec<String>, i: usize| r.get(i).cloned().unwrap_or_default();
    let natural: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .map(|r| widest_line(&cell(r, i)))
                .chain([width(headers[i])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let as_is = Laid {
        columns: (0..n).collect(),
        rows: rows
            .iter()
            .map(|r| (0..n).map(|i| cell(r, i)).collect())
            .collect(),
        notes: Vec::new(),
        dropped: Vec::new(),
    };
    let Some(max) = max else { return as_is };
    if natural.iter().sum::<usize>() + overhead(n) <= max {
        return as_is;
    }

    // The narrowest each column can be: a note as its marker, prose as its longest word.
    let long_notes = rows
        .iter()
        .flat_map(|r| (0..n).filter(|&i| fit(i) == Fit::Note).map(move |i| (r, i)))
        .filter(|(r, i)| !trivial(&cell(r, *i)))
        .count();
    let marker = width(&format!("[{long_notes}]"));
    let min: Vec<usize> = (0..n)
        .map(|i| {
            let h = width(headers[i]);
            match fit(i) {
                Fit::Keep | Fit::Drop(_) => natural[i],
                Fit::Wrap => rows
                    .iter()
                    .map(|r| longest_word(&cell(r, i)))
                    .chain([h])
                    .max()
                    .unwrap_or(h),
                Fit::Note => h.max(marker).min(natural[i]),
            }
        })
        .collect();

    // Leave out low-value columns until the rest fits at its narrowest: first those that
    // hold nothing (every cell `-`), then by rank.
    let empty = |i: usize| rows.iter().all(|r| trivial(&cell(r, i)));
    let mut kept: Vec<usize> = (0..n).collect();
    let narrowest =
        |kept: &[usize]| kept.iter().map(|&i| min[i]).sum::<usize>() + overhead(kept.len());
    while narrowest(&kept) > max {
        let victim = kept
            .iter()
            .enumerate()
            .filter_map(|(k, &i)| match fit(i) {
                Fit::Drop(rank) => Some((!empty(i), rank, std::cmp::Reverse(k))),
                _ => None,
            })
            .min();
        let Some((_, _, std::cmp::Reverse(k))) = victim else {
            break;
        };
        kept.remove(k);
    }
    let budget = max.saturating_sub(overhead(kept.len()));

    // Widths: everything as wide as it is, then the widest prose column gives way, one
    // column of the terminal at a time, until the notes' markers fit beside it.
    let mut w: Vec<usize> = natural.clone();
    let notes_min: usize = kept
        .iter()
        .filter(|&&i| fit(i) == Fit::Note)
        .map(|&i| min[i])
        .sum();
    let others = |w: &[usize]| -> usize {
        kept.iter()
            .filter(|&&i| fit(i) != Fit::Note)
            .map(|&i| w[i])
            .sum()
    };
    while others(&w) + notes_min > budget {
        let Some(&i) = kept
            .iter()
            .filter(|&&i| fit(i) == Fit::Wrap && w[i] > min[i])
            .max_by_key(|&&i| (w[i] - min[i], std::cmp::Reverse(i)))
        else {
            break;
        };
        w[i] -= 1;
    }
    // What is left goes to the notes, shared out from the left: a note that fits on one line
    // of its share stays inline.
    let mut left = budget.saturating_sub(others(&w));
    let note_cols: Vec<usize> = kept
        .iter()
        .copied()
        .filter(|&i| fit(i) == Fit::Note)
        .collect();
    for (k, &i) in note_cols.iter().enumerate() {
        let share = left / (note_cols.len() - k);
        let inline = rows
            .iter()
            .map(|r| widest_line(&cell(r, i)))
            .filter(|&x| x <= share)
            .max()
            .unwrap_or(0);
        w[i] = min[i].max(inline);
        left = left.saturating_sub(w[i]);
    }

    let mut notes: Vec<String> = Vec::new();
    let laid_rows = rows
        .iter()
        .map(|r| {
            let mut texts: Vec<Vec<Vec<String>>> = kept
                .iter()
                .map(|&i| {
                    let text = cell(r, i);
                    match fit(i) {
                        Fit::Wrap => text.split('\n').map(|l| wrap(l, w[i])).collect(),
                        Fit::Note if !trivial(&text) && widest_line(&text) > w[i] => {
                            let n = match notes.iter().position(|t| *t == text) {
                                Some(p) => p + 1,
                                None => {
                                    notes.push(text);
                                    notes.len()
                                }
                            };
                            vec![vec![format!("[{n}]")]]
                        }
                        _ => text.split('\n').map(|l| vec![l.to_string()]).collect(),
                    }
                })
                .collect();
            align(&mut texts);
            texts.into_iter().map(|c| c.concat().join("\n")).collect()
        })
        .collect();
    Laid {
        // A column of nothing but `-` is no loss to mention.
        dropped: (0..n)
            .filter(|&i| !kept.contains(&i) && !empty(i))
            .map(|i| headers[i].to_string())
            .collect(),
        columns: kept,
        rows: laid_rows,
        notes,
    }
}

/// Cells holding one value per line (an address, its family, its reverse name) keep their
/// lines side by side when one of them wraps: every such cell's line `j` gets as many lines
/// as the tallest line `j` among them.
fn align(cells: &mut [Vec<Vec<String>>]) {
    let lists: Vec<usize> = (0..cells.len()).filter(|&c| cells[c].len() > 1).collect();
    let longest = lists.iter().map(|&c| cells[c].len()).max().unwrap_or(0);
    for j in 0..longest {
        let h = lists
            .iter()
            .filter_map(|&c| cells[c].get(j).map(Vec::len))
            .max()
            .unwrap_or(1);
        for &c in &lists {
            if let Some(lines) = cells[c].get_mut(j) {
                lines.resize(h, String::new());
            }
        }
    }
}

/// Breaks `text` into lines of at most `max` columns at spaces; a word longer than that
/// stands alone on its line, whole.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !line.is_empty() && width(&line) + 1 + width(word) > max {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The footnotes under a table, `[n] text`, each wrapped to `max` columns with the text
/// of its following lines under the text of its first.
pub fn footnotes(notes: &[String], max: Option<usize>) -> Vec<String> {
    let mut out = Vec::new();
    for (k, note) in notes.iter().enumerate() {
        let marker = format!("[{}] ", k + 1);
        let indent = width(&marker);
        let room = max.map_or(usize::MAX, |m| m.saturating_sub(indent).max(20));
        let mut first = true;
        for part in note.split('\n') {
            for line in wrap(part, room) {
                if first {
                    out.push(format!("{marker}{line}"));
                    first = false;
                } else {
                    out.push(format!("{}{line}", " ".repeat(indent)));
                }
            }
        }
    }
    out
}

/// For renderer tests: every line of `text` fits in `max` terminal columns.
#[cfg(test)]
pub fn assert_fits(text: &str, max: usize) {
    for line in text.lines() {
        assert!(width(line) <= max, "wider than {max}: {line}\n{text}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(r: &[&[&str]]) -> Vec<Vec<String>> {
        r.iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn wrapping_breaks_only_at_spaces() {
        assert_eq!(
            wrap("no-name: no such name", 8),
            ["no-name:", "no such", "name"]
        );
        assert_eq!(wrap("port-unreach", 5), ["port-unreach"]);
        assert_eq!(wrap("", 5), [""]);
        assert_eq!(wrap("a  b", 10), ["a b"]);
    }

    #[test]
    fn a_table_that_fits_is_left_as_it_is() {
        let r = rows(&[&["a", "b"]]);
        let l = lay_out(&["X", "Y"], &[], &r, Some(80));
        assert_eq!(l.rows, r);
        assert!(l.notes.is_empty() && l.dropped.is_empty());
        assert_eq!(lay_out(&["X", "Y"], &[], &r, None).rows, r);
    }

    #[test]
    fn notes_go_under_low_value_columns_go_then_prose_wraps() {
        let r = rows(&[
            &["192.0.2.10\n2001:db8::10", "inet\ninet6", "ok", "-"],
            &[
                "x",
                "inet",
                "no-name: no such name",
                "a long note that cannot stay",
            ],
        ]);
        let fits = [Fit::Keep, Fit::Drop(0), Fit::Wrap, Fit::Note];
        let h = ["ADDRESS", "FAMILY", "STATUS", "NOTE"];
        // 12 + 6 + 21 + 28 + 13 = 80: fits as it is.
        assert_eq!(lay_out(&h, &fits, &r, Some(80)).notes, Vec::<String>::new());
        // The note goes first.
        let l = lay_out(&h, &fits, &r, Some(60));
        assert_eq!(l.notes, ["a long note that cannot stay"]);
        assert_eq!(l.rows[1][3], "[1]");
        assert_eq!(l.rows[0][3], "-");
        assert!(l.dropped.is_empty());
        // Prose wraps at spaces before a column is left out...
        let l = lay_out(&h, &fits, &r, Some(44));
        assert!(l.dropped.is_empty());
        assert_eq!(l.rows[1][2], "no-name:\nno such\nname");
        // ...and FAMILY goes when it has to.
        let l = lay_out(&h, &fits, &r, Some(40));
        assert_eq!(l.dropped, ["FAMILY"]);
        assert_eq!(l.columns, [0, 2, 3]);
        assert_eq!(l.rows[1][1], "no-name: no\nsuch name");
        // Too narrow for anything: drawn at its narrowest, tokens whole.
        let l = lay_out(&h, &fits, &r, Some(30));
        assert_eq!(l.rows[1][1], "no-name:\nno such\nname");
        assert_eq!(l.rows[0][0], "192.0.2.10\n2001:db8::10");
    }

    #[test]
    fn an_empty_column_goes_first_and_unmentioned() {
        let r = rows(&[&["a", "1.0ms", "-"], &["b", "2.0ms", "-"]]);
        let h = ["K", "TIME", "CERT EXPIRES"];
        let l = lay_out(&h, &[Fit::Keep, Fit::Drop(0), Fit::Drop(1)], &r, Some(16));
        assert_eq!(l.columns, [0, 1]);
        assert!(l.dropped.is_empty());
    }

    #[test]
    fn lines_of_a_list_stay_side_by_side_when_one_wraps() {
        let r = rows(&[&["a\nb", "one two three\nfour"]]);
        let l = lay_out(&["K", "VALUES"], &[Fit::Keep, Fit::Wrap], &r, Some(18));
        assert_eq!(l.rows[0][1], "one two\nthree\nfour");
        assert_eq!(l.rows[0][0], "a\n\nb");
    }

    #[test]
    fn identical_notes_share_a_footnote() {
        let r = rows(&[&["a", "the same long note"], &["b", "the same long note"]]);
        let l = lay_out(&["K", "NOTE"], &[Fit::Keep, Fit::Note], &r, Some(12));
        assert_eq!(l.notes.len(), 1);
        assert_eq!(
            (l.rows[0][1].as_str(), l.rows[1][1].as_str()),
            ("[1]", "[1]")
        );
    }

    #[test]
    fn footnotes_wrap_under_their_text() {
        let f = footnotes(&["one two three four five six seven".into()], Some(24));
        assert_eq!(f, ["[1] one two three four", "    five six seven"]);
    }
}
