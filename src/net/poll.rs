//! The one place a socket joins an epoll set (the polling crate).
use polling::{AsRawSource, Event, PollMode, Poller};
use std::io;

/// Adds `source` to `poller` for `interest` (`PollMode::Oneshot` is polling's default).
///
/// polling marks registration unsafe because, on some systems (kqueue, IOCP), a source closed
/// while still registered is undefined behaviour. sockdiag runs on Linux only, where a
/// descriptor leaves every epoll set by itself when its last reference is closed, and its
/// engines never duplicate a registered socket: one left registered can neither fault nor
/// deliver an event under a reused number. The engines still delete what they close when
/// they keep the poller (so a slot's key is never reported twice).
pub fn register(
    poller: &Poller,
    source: impl AsRawSource,
    interest: Event,
    mode: PollMode,
) -> io::Result<()> {
    // SAFETY: see above: on Linux, epoll drops a closed descriptor from its sets itself, and
    // no registered socket is ever duplicated.
    unsafe { poller.add_with_mode(source, interest, mode) }
}
