//! Whether anyone still reads stdout. A closed stdout (`sockdiag ... | head -1`) is not an
//! error: sockdiag stops the work at once and exits 0 without a word (the README's exit-code
//! section). Two signs that the reader has left:
//! - a write fails with EPIPE: the command's sink calls [`left`];
//! - nothing is being written (table and plain hold results for the end, `--count` and
//!   `--wait` pause between rounds), yet the kernel knows: poll(2) on the write end of a pipe
//!   reports POLLERR once no reader is left (POLLHUP for a socket). [`watch_stdout`] waits
//!   for that on a thread of its own, blocked in poll, costing nothing meanwhile.
//!
//! Either way the interrupt flag is raised (the engines stop as on Ctrl-C) and [`gone`]
//! says why, so the command exits 0 instead of 130 and writes nothing more.
use crate::interrupt::Interrupt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

static GONE: AtomicBool = AtomicBool::new(false);

/// True once the reader of stdout has left.
pub fn gone() -> bool {
    GONE.load(Ordering::Relaxed)
}

/// The reader has left: stop the work.
pub fn left(interrupt: &Interrupt) {
    GONE.store(true, Ordering::Relaxed);
    interrupt.raise();
}

/// After a write error: a closed pipe means the reader has left ([`left`]); any other error
/// stops the work too (nothing more can be shown), and is the command's to report.
pub fn write_failed(e: &std::io::Error, interrupt: &Interrupt) {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        left(interrupt);
    } else {
        interrupt.raise();
    }
}

/// Watches stdout when it is a pipe or a socket (a terminal or a file has no reader to
/// lose) and calls [`left`] when its reader goes. Once per process.
pub fn watch_stdout(interrupt: &Interrupt) {
    static STARTED: Once = Once::new();
    let interrupt = interrupt.clone();
    STARTED.call_once(move || {
        if !stdout_is_pipe_or_socket() {
            return;
        }
        let _ = std::thread::Builder::new()
            .name("stdout-watch".into())
            .spawn(move || {
                if wait_for_no_reader(std::os::fd::AsFd::as_fd(&std::io::stdout())) {
                    left(&interrupt);
                }
            });
    });
}

/// Whether stdout is a pipe or a socket: the type of a duplicate of its fd.
fn stdout_is_pipe_or_socket() -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::FileTypeExt;
    let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() else {
        return false;
    };
    std::fs::File::from(fd)
        .metadata()
        .map(|m| m.file_type().is_fifo() || m.file_type().is_socket())
        .unwrap_or(false)
}

/// Blocks until `fd` reports POLLERR or POLLHUP (no events asked for: those two are always
/// reported, and nothing else wakes the poll). False if poll itself fails.
fn wait_for_no_reader(fd: std::os::fd::BorrowedFd<'_>) -> bool {
    use rustix::event::{poll, PollFd, PollFlags};
    let mut p = [PollFd::new(&fd, PollFlags::empty())];
    loop {
        match poll(&mut p, None) {
            Ok(n) if n > 0 => {
                return p[0].revents().intersects(PollFlags::ERR | PollFlags::HUP);
            }
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(_) => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn a_pipe_without_reader_is_seen_at_once() {
        let (reader, writer) = std::io::pipe().unwrap();
        let w = writer.try_clone().unwrap();
        let t = std::time::Instant::now();
        let h = std::thread::spawn(move || wait_for_no_reader(w.as_fd()));
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!h.is_finished(), "a pipe with its reader is not reported");
        drop(reader);
        assert!(h.join().unwrap());
        assert!(t.elapsed() < std::time::Duration::from_secs(2));
        drop(writer);
    }
}
