//! Ctrl-C and SIGTERM as a flag the engines poll: they stop starting new work, and the
//! command prints every finished result before it exits 130.
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

/// The signals that raise the flag.
const SIGNALS: [libc::c_int; 2] = [libc::SIGINT, libc::SIGTERM];

/// Whether each of [`SIGNALS`] was ignored when sockdiag started (a parent's `SIG_IGN`, as
/// a non-interactive shell gives a job it puts in the background), before the handler
/// replaced it.
static INHERITED_IGNORED: [AtomicBool; 2] = [AtomicBool::new(false), AtomicBool::new(false)];

/// Notes [`INHERITED_IGNORED`], once, before any handler is installed.
fn note_inherited() {
    static NOTED: Once = Once::new();
    NOTED.call_once(|| {
        for (sig, ignored) in SIGNALS.iter().zip(&INHERITED_IGNORED) {
            // SAFETY: a query only (no new action); `old` is a valid sigaction to fill.
            let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
            if unsafe { libc::sigaction(*sig, std::ptr::null(), &mut old) } == 0 {
                ignored.store(old.sa_sigaction == libc::SIG_IGN, Ordering::Relaxed);
            }
        }
    });
}

/// Just before an exec (`probe --wait ... -- CMD`): SIGINT and SIGTERM as sockdiag was
/// given them, default or ignored, so the program that takes its place gets them as if
/// sockdiag had never run. (An exec would make the caught ones default anyway, and so lose
/// an inherited `SIG_IGN`.) From here on these signals no longer raise the flag: a Ctrl-C
/// after this call does to sockdiag what it would do to the program (ends it, by default).
pub fn restore_inherited() -> std::io::Result<()> {
    note_inherited();
    for (sig, ignored) in SIGNALS.iter().zip(&INHERITED_IGNORED) {
        let action = if ignored.load(Ordering::Relaxed) {
            libc::SIG_IGN
        } else {
            libc::SIG_DFL
        };
        // SAFETY: sets a plain disposition; signal-hook's handler, left behind, is never
        // called again.
        if unsafe { libc::signal(*sig, action) } == libc::SIG_ERR {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The last of [`SIGNALS`] this process received since a handler was installed (0: none),
/// whichever flag it raised: the edge turns an interrupted run's exit code into 143 when it
/// was SIGTERM.
static RECEIVED: std::sync::LazyLock<Arc<AtomicUsize>> =
    std::sync::LazyLock::new(|| Arc::new(AtomicUsize::new(0)));

/// Whether SIGTERM (not Ctrl-C) was the last signal that stopped this process's work.
pub fn received_sigterm() -> bool {
    RECEIVED.load(Ordering::Relaxed) == libc::SIGTERM as usize
}

/// A flag raised by SIGINT or SIGTERM once [`install`] has run; it keeps which signal it
/// was (0: not raised), so a log can tell Ctrl-C from a service manager's stop.
#[derive(Clone, Debug, Default)]
pub struct Interrupt(Arc<AtomicUsize>);

impl Interrupt {
    /// A flag that no signal raises (tests, library use).
    pub fn never() -> Interrupt {
        Interrupt::default()
    }

    /// Registers SIGINT and SIGTERM to raise the flag instead of killing the process.
    pub fn install() -> std::io::Result<Interrupt> {
        note_inherited();
        let flag = Arc::new(AtomicUsize::new(0));
        for sig in SIGNALS {
            signal_hook::flag::register_usize(sig, Arc::clone(&flag), sig as usize)?;
            signal_hook::flag::register_usize(sig, Arc::clone(&RECEIVED), sig as usize)?;
        }
        Ok(Interrupt(flag))
    }

    pub fn raised(&self) -> bool {
        self.0.load(Ordering::Relaxed) != 0
    }

    /// Raises the flag from within (a reader that went away), as Ctrl-C would.
    pub fn raise(&self) {
        let _ = self.0.compare_exchange(
            0,
            libc::SIGINT as usize,
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
    }

    /// The flag was raised by SIGTERM (`kill`, a service manager), not by Ctrl-C.
    pub fn terminated(&self) -> bool {
        self.0.load(Ordering::Relaxed) == libc::SIGTERM as usize
    }

    /// Sleeps for `d`, or until the flag is raised (looked at every 50ms).
    pub fn sleep(&self, d: Duration) {
        let end = Instant::now() + d;
        while !self.raised() {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            std::thread::sleep(left.min(Duration::from_millis(50)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleep_ends_early_once_raised() {
        let i = Interrupt::never();
        let t = Instant::now();
        i.sleep(Duration::from_millis(120));
        assert!(t.elapsed() >= Duration::from_millis(120));
        let raiser = i.clone();
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            raiser.raise();
        });
        let t = Instant::now();
        i.sleep(Duration::from_secs(30));
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        h.join().unwrap();
        assert!(!i.terminated());
    }
}
