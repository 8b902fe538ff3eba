//! `probe --wait D TARGETS PORTS... -- CMD ARGS...`, as wait-for-it: once every port is open,
//! CMD runs in sockdiag's place (exec: the same process, so the exit code the caller sees is
//! CMD's own, and signals go straight to it); when the wait times out, exit 1 without running
//! it, unless `--run-anyway`. Ctrl-C during the wait never runs it (exit 130).
//!
//! Stdout is CMD's: `probe --wait 30s db 5432 -- pg_dump app > app.sql` must leave the dump
//! alone, so sockdiag's own results go to stderr, where wait-for-it and dockerize write
//! theirs. They are held until the wait ends, so that `-q` can drop them when every port
//! opened and still show them, as the reason, when not.
use super::*;
use std::ffi::OsString;
use std::os::unix::process::CommandExt;

/// The command that follows `--`, and what to do when the wait times out.
#[derive(Debug, Clone, PartialEq)]
pub struct Then {
    pub command: Vec<OsString>,
    /// `--run-anyway`: run it after a timeout too.
    pub run_anyway: bool,
    /// The `--wait` it follows (for the messages).
    pub wait: Duration,
}

impl Then {
    /// The command after `--`, if any; it needs `--wait` (without it, there is nothing to
    /// wait for and running CMD at once would hide that the ports were never checked).
    pub(super) fn plan(
        command: &[OsString],
        run_anyway: bool,
        wait: Option<Duration>,
    ) -> Result<Option<Then>, InputError> {
        if command.is_empty() {
            if run_anyway {
                return Err(InputError::new(
                    "arguments",
                    "",
                    "--run-anyway runs the command after -- when the wait times out: \
                     give one (sockdiag probe --wait 30s --run-anyway HOST PORT -- CMD)",
                ));
            }
            return Ok(None);
        }
        let Some(wait) = wait else {
            return Err(InputError::new(
                "arguments",
                "",
                format!(
                    "the command after -- ({}) runs once every port is open, so it needs \
                     --wait DURATION (sockdiag probe --wait 30s HOST PORT -- CMD)",
                    shown(command)
                ),
            ));
        };
        Ok(Some(Then {
            command: command.to_vec(),
            run_anyway,
            wait,
        }))
    }

    /// Waits (the `--wait` rounds), shows the results on stderr, then runs the command or
    /// says why not. Returns only when the command does not run, or cannot be run.
    pub(super) fn run(
        &self,
        plan: &Plan,
        out: &OutputOpts,
        w: &mut impl Write,
        interrupt: &Interrupt,
    ) -> Result<Exit> {
        let mut results = Vec::new();
        let Ran { exit, unresolved } = probe_and_show(plan, out, &mut results, interrupt)?;
        if reader::gone() {
            // Nobody reads stdout any more: the command would write into a closed pipe.
            return Ok(Exit::Ok);
        }
        let mut err = std::io::stderr().lock();
        if !(out.quiet && exit == Exit::Ok) {
            let _ = err.write_all(&results);
        }
        let why = match exit {
            Exit::Ok => None,
            // Ctrl-C: what finished is shown above; the command never runs.
            Exit::Interrupted => return Ok(exit),
            Exit::Local => Some("nothing could be probed".to_string()),
            _ if !unresolved.is_empty() => Some(never_resolved(
                &unresolved.iter().collect::<Vec<_>>(),
                self.wait,
            )),
            _ => Some(format!(
                "not every port is open after {}",
                humantime::format_duration(self.wait)
            )),
        };
        let cmd = shown(&self.command);
        if let Some(why) = why {
            if !self.run_anyway {
                let _ = writeln!(err, "sockdiag: {why}: not running {cmd}");
                return Ok(exit);
            }
            if !out.quiet {
                let _ = writeln!(err, "sockdiag: {why}: running {cmd} anyway");
            }
        }
        drop(err);
        // Anything of ours still buffered for stdout goes before the command's own output.
        w.flush()?;
        Ok(self.exec(interrupt))
    }

    /// Replaces sockdiag with the command; returns only if that fails, with a shell's exit
    /// code for it: 127 not found, 126 found but not runnable; or when Ctrl-C came after
    /// the last round, with 130 (the command never runs after a Ctrl-C).
    fn exec(&self, interrupt: &Interrupt) -> Exit {
        let program = &self.command[0];
        let mut command = std::process::Command::new(program);
        command.args(&self.command[1..]);
        // std resets what sockdiag changed for itself before it execs (SIGPIPE ignored, the
        // signal mask), and every socket sockdiag opened is close-on-exec.
        let flag = interrupt.clone();
        // SAFETY: exec, not spawn: the closure runs in this process, after std's reset and
        // just before the execve.
        unsafe {
            command.pre_exec(move || {
                // SIGINT and SIGTERM as sockdiag was given them: from here on a Ctrl-C ends
                // sockdiag as it would end the command, so none is lost between the look at
                // the flag and the execve. One that came before raised the flag.
                crate::interrupt::restore_inherited()?;
                if flag.raised() {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::Interrupted,
                        "interrupted before the command ran",
                    ));
                }
                Ok(())
            })
        };
        let e = command.exec();
        if interrupt.raised() {
            // The closure above refused: the command did not run.
            return if reader::gone() {
                Exit::Ok
            } else {
                Exit::Interrupted
            };
        }
        let name = program.to_string_lossy();
        let (exit, why) = match e.raw_os_error() {
            Some(libc::ENOENT) if !name.contains('/') => {
                (Exit::NotFound, "command not found (PATH)".to_string())
            }
            Some(libc::ENOENT) => (Exit::NotFound, "no such file".to_string()),
            Some(libc::EACCES) => (
                Exit::CannotRun,
                "permission denied (not executable, or a directory)".to_string(),
            ),
            _ => (Exit::CannotRun, e.to_string()),
        };
        eprintln!("sockdiag: cannot run '{}': {why}", name.escape_debug());
        exit
    }
}

/// The command as one line for messages, as a shell would take it back: a word with
/// anything but `A-Za-z0-9_@%+=:,./-` in it is single-quoted (`sh -c 'exit 7'`); control
/// characters are escaped (`\t`), so the message stays one line.
fn shown(command: &[OsString]) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    command
        .iter()
        .map(|w| {
            let w = w.to_string_lossy();
            if !w.is_empty() && w.chars().all(plain) {
                return w.into_owned();
            }
            let mut q = String::from("'");
            for c in w.chars() {
                match c {
                    '\'' => q.push_str(r"'\''"),
                    c if c.is_control() => q.extend(c.escape_default()),
                    c => q.push(c),
                }
            }
            q.push('\'');
            q
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<OsString> {
        w.iter().map(OsString::from).collect()
    }

    #[test]
    fn no_command_is_no_then_and_run_anyway_needs_one() {
        assert_eq!(Then::plan(&[], false, None).unwrap(), None);
        let e = Then::plan(&[], true, Some(Duration::from_secs(1))).unwrap_err();
        assert!(e.to_string().starts_with("--run-anyway"), "{e}");
    }

    #[test]
    fn a_command_needs_wait_and_the_message_quotes_it() {
        let e = Then::plan(&words(&["sh", "-c", "exit 7"]), false, None).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("(sh -c 'exit 7')"), "{msg}");
        assert!(msg.contains("--wait"), "{msg}");
        let t = Then::plan(&words(&["true"]), true, Some(Duration::from_secs(3)))
            .unwrap()
            .unwrap();
        assert_eq!(t.command, words(&["true"]));
        assert!(t.run_anyway);
    }

    /// Set in the child process of the test below: the marker file its command would write.
    const CHILD: &str = "SOCKDIAG_TEST_CTRL_C_BEFORE_EXEC";

    /// A Ctrl-C that comes after the last round, before the exec: the command never runs,
    /// and the exit is 130. The exec happens in a child process (this test binary run again
    /// for this one test), which it would replace if the command ran.
    #[test]
    fn a_ctrl_c_after_the_last_round_stops_the_exec() {
        if let Some(marker) = std::env::var_os(CHILD) {
            let interrupt = Interrupt::install().unwrap();
            // The Ctrl-C, through the handler: raise() returns once it has run.
            signal_hook::low_level::raise(libc::SIGINT).unwrap();
            assert!(interrupt.raised());
            let then = Then {
                command: words(&["sh", "-c", r#"echo ran > "$0""#])
                    .into_iter()
                    .chain([marker])
                    .collect(),
                run_anyway: false,
                wait: Duration::from_secs(1),
            };
            std::process::exit(i32::from(then.exec(&interrupt).code()));
        }
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("ran");
        let name = module_path!()
            .split_once("::")
            .map_or("", |(_, m)| m)
            .to_string()
            + "::a_ctrl_c_after_the_last_round_stops_the_exec";
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", &name, "--test-threads=1", "--nocapture"])
            .env(CHILD, &marker)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(!marker.exists(), "the command ran after Ctrl-C: {out:?}");
        assert_eq!(out.status.code(), Some(130), "{out:?}");
    }

    #[test]
    fn the_command_is_shown_as_a_shell_would_take_it_back() {
        assert_eq!(
            shown(&words(&["sh", "-c", "echo it's; exit 7", "", "a/b.c"])),
            r"sh -c 'echo it'\''s; exit 7' '' a/b.c"
        );
        assert_eq!(shown(&words(&["x\ty"])), r"'x\ty'");
    }
}
