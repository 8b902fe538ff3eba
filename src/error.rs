//! Errors that the edge turns into one line on stderr and an exit code.
use std::fmt;
use std::io;

/// Bad input from the user: exit code 2. The message quotes the bad part and says what would
/// be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub what: &'static str,
    pub input: String,
    pub why: String,
    /// Where the input came from when it was read from a file: `targets.txt line 3`.
    pub at: Option<String>,
}

impl InputError {
    pub fn new(what: &'static str, input: impl Into<String>, why: impl Into<String>) -> Self {
        InputError {
            what,
            input: input.into(),
            why: why.into(),
            at: None,
        }
    }

    /// The same error, located at line `line` of `file`.
    pub fn at_line(mut self, file: &std::path::Path, line: usize) -> Self {
        let file = if file.as_os_str() == "-" {
            "stdin".to_string()
        } else {
            file.display().to_string()
        };
        self.at = Some(format!("{file} line {line}"));
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Something missing rather than something wrong: there is nothing to quote.
        if self.input.is_empty() && self.what == "arguments" {
            return write!(f, "{}", self.why);
        }
        let at = self
            .at
            .as_ref()
            .map(|a| format!(" ({a})"))
            .unwrap_or_default();
        write!(
            f,
            "invalid {} '{}'{at}: {}",
            self.what,
            self.input.escape_debug(),
            self.why
        )
    }
}

impl std::error::Error for InputError {}

/// A local failure that kept the job from running: exit code 3. Its line says the OS error
/// itself, so it is not also a `source` (the edge's `{:#}` would print it twice).
#[derive(Debug, thiserror::Error)]
#[error("{context}: {error}")]
pub struct LocalError {
    pub context: String,
    pub error: std::io::Error,
}

impl LocalError {
    pub fn new(context: impl Into<String>, error: std::io::Error) -> Self {
        LocalError {
            context: context.into(),
            error,
        }
    }
}

/// Turns an io::Error from setting up local resources into an exit-3 error with context.
pub fn local(context: impl Into<String>) -> impl FnOnce(io::Error) -> LocalError {
    let c = context.into();
    move |e| LocalError::new(c, e)
}
