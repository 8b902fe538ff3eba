//! Lists read from a file or stdin (`--file`, `--targets-file`, `-`).
use crate::error::InputError;
use std::io::BufRead;
use std::path::Path;

/// Reads a list (names, targets) from a file or `-` for stdin: one item per line, blank lines
/// and `#` comments skipped.
pub fn read_list(path: &Path) -> Result<Vec<String>, anyhow::Error> {
    Ok(read_numbered(path)?.into_iter().map(|(_, l)| l).collect())
}

/// As [`read_list`], each item with its line number (from 1), for errors that point at it
/// ([`InputError::at_line`]).
pub fn read_numbered(path: &Path) -> Result<Vec<(usize, String)>, anyhow::Error> {
    let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let f = std::fs::File::open(path)
            .map_err(|e| InputError::new("file", path.display().to_string(), e.to_string()))?;
        Box::new(std::io::BufReader::new(f))
    };
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line =
            line.map_err(|e| InputError::new("file", path.display().to_string(), e.to_string()))?;
        let item = line.split('#').next().unwrap_or("").trim();
        if !item.is_empty() {
            out.push((i + 1, item.to_string()));
        }
    }
    Ok(out)
}
