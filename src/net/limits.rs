//! The fd limit: a scan wants as many sockets in flight as the process may open.

/// Descriptors kept back from the window: stdio, the epoll fd and its timer, a file or two.
pub const RESERVED_FDS: u64 = 16;

/// The largest default window: beyond this the kernel's own work per connect dominates and a
/// bigger window only holds more memory.
pub const MAX_DEFAULT_WINDOW: usize = 8192;

/// The largest window of an adaptive run, which opens only as far as no loss is seen: the fd
/// limit, up to a full port range's worth.
pub const MAX_ADAPTIVE_WINDOW: usize = 65536;

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit now in force.
pub fn raise_nofile() -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let rl = getrlimit(Resource::Nofile);
    // `None` is unlimited: not a number of files, so ask for a large one.
    let max = rl.maximum.unwrap_or(1 << 20).min(1 << 20);
    let cur = rl.current.unwrap_or(max);
    if cur < max {
        let want = Rlimit {
            current: Some(max),
            maximum: rl.maximum,
        };
        if setrlimit(Resource::Nofile, want).is_ok() {
            return max;
        }
    }
    cur
}

/// The default window for a soft fd limit.
pub fn window_for(nofile: u64) -> usize {
    (nofile.saturating_sub(RESERVED_FDS) as usize).clamp(1, MAX_DEFAULT_WINDOW)
}

/// The ceiling of an adaptive run's window for a soft fd limit.
pub fn adaptive_window_for(nofile: u64) -> usize {
    (nofile.saturating_sub(RESERVED_FDS) as usize).clamp(1, MAX_ADAPTIVE_WINDOW)
}

#[cfg(test)]
mod tests {
    #[test]
    fn window_from_limit() {
        assert_eq!(super::window_for(64), 48);
        assert_eq!(super::window_for(10), 1);
        assert_eq!(super::window_for(1 << 20), super::MAX_DEFAULT_WINDOW);
        assert_eq!(super::adaptive_window_for(20_000), 19_984);
        assert_eq!(
            super::adaptive_window_for(1 << 20),
            super::MAX_ADAPTIVE_WINDOW
        );
    }
}
