//! The one table of exit codes. The README and the man page document the same table
//! (`EXIT_CODES_HELP` is shown in `--help`).

/// How a run of sockdiag ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything asked for succeeded.
    Ok,
    /// It ran, but some results are negative (a name did not resolve, a port is not open, ...).
    Negative,
    /// Usage or input error: nothing was attempted.
    Usage,
    /// A local failure kept the job from running (resources, permissions, ...).
    Local,
    /// Interrupted by Ctrl-C (SIGINT); finished results were printed.
    Interrupted,
    /// Stopped by SIGTERM (`kill`, a service manager); finished results were printed. 143,
    /// 128 + 15, as a shell reports a job ended by SIGTERM.
    Terminated,
    /// `probe --wait ... -- CMD`: CMD exists but could not be run (not executable), as a
    /// shell says it.
    CannotRun,
    /// `probe --wait ... -- CMD`: no such command, as a shell says it.
    NotFound,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Negative => 1,
            Exit::Usage => 2,
            Exit::Local => 3,
            Exit::Interrupted => 130,
            Exit::Terminated => 143,
            Exit::CannotRun => 126,
            Exit::NotFound => 127,
        }
    }

    /// `Ok` when every result was positive, `Negative` otherwise.
    pub fn from_all_ok(all_ok: bool) -> Exit {
        if all_ok {
            Exit::Ok
        } else {
            Exit::Negative
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e.code())
    }
}

pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0    everything asked for succeeded
  1    it ran, but some results are negative (a name did not resolve, a port not open)
  2    usage or input error (nothing was attempted)
  3    a local failure kept the job from running
  126  probe --wait ... -- CMD: CMD could not be run (not executable)
  127  probe --wait ... -- CMD: CMD not found
       (once CMD runs, the exit code is CMD's own)
  130  interrupted (Ctrl-C); finished results were printed
  143  stopped by SIGTERM; finished results were printed";
