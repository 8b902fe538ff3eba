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
}

impl InputError {
    pub fn new(what: &'static str, input: impl Into<String>, why: impl Into<String>) -> Self {
        InputError {
            what,
            input: input.into(),
            why: why.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} '{}': {}",
            self.what,
            self.input.escape_debug(),
            self.why
        )
    }
}

impl std::error::Error for InputError {}

/// A local failure that kept the job from running: exit code 3.
#[derive(Debug, thiserror::Error)]
#[error("{context}: {source}")]
pub struct LocalError {
    pub context: String,
    #[source]
    pub source: std::io::Error,
}

impl LocalError {
    pub fn new(context: impl Into<String>, source: std::io::Error) -> Self {
        LocalError {
            context: context.into(),
            source,
        }
    }
}

/// Turns an io::Error from setting up local resources into an exit-3 error with context.
pub fn local(context: impl Into<String>) -> impl FnOnce(io::Error) -> LocalError {
    let c = context.into();
    move |e| LocalError::new(c, e)
}
