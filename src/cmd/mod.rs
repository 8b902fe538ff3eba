//! One module per subcommand: validate the arguments into a plan, run the engine, hand the
//! records to the renderers, decide the exit code.
pub mod connect;
pub mod http;
pub mod opts;
pub mod probe;
pub mod resolve;
pub mod serve;
pub mod sockets;

use crate::error::InputError;
use std::io::BufRead;
use std::path::Path;

/// Reads a list (names, targets) from a file or `-` for stdin: one item per line, blank lines
/// and `#` comments skipped.
pub fn read_list(path: &Path) -> Result<Vec<String>, anyhow::Error> {
    let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let f = std::fs::File::open(path)
            .map_err(|e| InputError::new("file", path.display().to_string(), e.to_string()))?;
        Box::new(std::io::BufReader::new(f))
    };
    let mut out = Vec::new();
    for line in reader.lines() {
        let line =
            line.map_err(|e| InputError::new("file", path.display().to_string(), e.to_string()))?;
        let item = line.split('#').next().unwrap_or("").trim();
        if !item.is_empty() {
            out.push(item.to_string());
        }
    }
    Ok(out)
}
