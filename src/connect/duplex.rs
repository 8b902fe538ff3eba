//! A connected byte stream, as the exchanges and the interactive session drive it: a plain
//! socket (TCP, or a UNIX stream), or TLS over one. Everything is non-blocking: a call that
//! cannot go on returns `WouldBlock`, and [`await_io`] waits for the events the stream says it
//! needs (a TLS stream may need to write while its user only wants to read).
use crate::interrupt::Interrupt;
use crate::net::attempt::{wait, Waited};
use socket2::Socket;
use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, BorrowedFd};
use std::time::Instant;

/// A non-blocking, connected, two-way byte stream.
pub trait Duplex {
    /// The descriptor to wait on.
    fn fd(&self) -> BorrowedFd<'_>;

    /// The poll(2) events to wait for when its user wants to read and/or to write.
    fn interest(&self, read: bool, write: bool) -> i16 {
        let mut ev = 0;
        if read {
            ev |= libc::POLLIN;
        }
        if write {
            ev |= libc::POLLOUT;
        }
        ev
    }

    /// Bytes can be read now without waiting on the descriptor (plaintext a TLS stream has
    /// already decrypted).
    fn readable_now(&self) -> bool {
        false
    }

    /// Reads what has arrived: 0 at the end of the peer's data, `WouldBlock` when none yet.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize>;

    /// Writes some of `buf`: the count taken, or `WouldBlock` when there is no room.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize>;

    /// Pushes out what the stream holds (TLS records): `WouldBlock` while some remain.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Ends this direction, so that the peer sees the end of our data (TLS: close_notify,
    /// then the socket's SHUT_WR).
    fn shutdown_write(&mut self) -> io::Result<()>;
}

/// A plain socket: TCP, a UNIX stream.
impl Duplex for Socket {
    fn fd(&self) -> BorrowedFd<'_> {
        self.as_fd()
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // socket2's `Read for &Socket` is recv(2) into initialised bytes.
        io::Read::read(&mut &*self, buf)
    }

    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.send(buf)
    }

    fn shutdown_write(&mut self) -> io::Result<()> {
        shut_write(self)
    }
}

/// SHUT_WR on `sock`. ENOTCONN is not a failure: the peer has gone already (its reset, to
/// what we sent after it closed, can arrive before our shutdown), so nothing more can be
/// written either way, and reading says how the peer ended.
pub(crate) fn shut_write(sock: &Socket) -> io::Result<()> {
    match sock.shutdown(Shutdown::Write) {
        Err(e) if e.raw_os_error() == Some(libc::ENOTCONN) => Ok(()),
        r => r,
    }
}

/// Waits, until `deadline`, for `d` to be ready to read (`read`) and/or write (`write`).
/// Ready at once when a read is wanted and the stream holds readable bytes.
pub fn await_io(
    d: &dyn Duplex,
    read: bool,
    write: bool,
    deadline: Instant,
    interrupt: &Interrupt,
) -> io::Result<Waited> {
    if read && d.readable_now() {
        return Ok(Waited::Ready);
    }
    wait(d.fd(), d.interest(read, write), deadline, interrupt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_socket_pair_carries_bytes_and_the_half_close() {
        let (mut a, mut b) =
            Socket::pair(socket2::Domain::UNIX, socket2::Type::STREAM, None).expect("socketpair");
        a.set_nonblocking(true).unwrap();
        b.set_nonblocking(true).unwrap();
        let irq = Interrupt::never();
        let mut buf = [0u8; 16];
        assert_eq!(
            b.read(&mut buf).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
        assert_eq!(a.write(b"hello").unwrap(), 5);
        let soon = Instant::now() + Duration::from_secs(2);
        assert!(matches!(
            await_io(&b, true, false, soon, &irq).unwrap(),
            Waited::Ready
        ));
        assert_eq!(b.read(&mut buf).unwrap(), 5);
        assert_eq!(&buf[..5], b"hello");
        a.shutdown_write().unwrap();
        assert!(matches!(
            await_io(&b, true, false, soon, &irq).unwrap(),
            Waited::Ready
        ));
        assert_eq!(
            b.read(&mut buf).unwrap(),
            0,
            "the half-close reads as the end"
        );
        // The other direction still works.
        assert_eq!(b.write(b"back").unwrap(), 4);
        assert_eq!(a.read(&mut buf).unwrap(), 4);
    }
}
