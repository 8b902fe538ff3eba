//! Ctrl-C and SIGTERM as a flag the engines poll: they stop starting new work, and the
//! command prints every finished result before it exits 130.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
        let flag = Arc::new(AtomicUsize::new(0));
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            signal_hook::flag::register_usize(sig, Arc::clone(&flag), sig as usize)?;
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
