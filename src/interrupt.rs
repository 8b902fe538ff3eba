//! Ctrl-C and SIGTERM as a flag the engines poll: they stop starting new work, and the
//! command prints every finished result before it exits 130.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A flag raised by SIGINT or SIGTERM once [`install`] has run.
#[derive(Clone, Debug, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// A flag that no signal raises (tests, library use).
    pub fn never() -> Interrupt {
        Interrupt::default()
    }

    /// Registers SIGINT and SIGTERM to raise the flag instead of killing the process.
    pub fn install() -> std::io::Result<Interrupt> {
        let flag = Arc::new(AtomicBool::new(false));
        signal_hook::flag::register(signal_hook::consts::SIGINT, Arc::clone(&flag))?;
        signal_hook::flag::register(signal_hook::consts::SIGTERM, Arc::clone(&flag))?;
        Ok(Interrupt(flag))
    }

    pub fn raised(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    pub fn raise(&self) {
        self.0.store(true, Ordering::Relaxed)
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
    }
}
