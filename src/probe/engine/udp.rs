//! UDP probes: the datagram sent (a unique token unless --payload), and the reply read back
//! whole to tell an echo from another answer.
use super::*;

impl Engine<'_> {
    pub(super) fn send_payload(&self, sock: &Socket, p: &Pending) -> io::Result<usize> {
        match &self.cfg.payload {
            Some(b) => sock.send(b),
            None => {
                let (buf, n) = token(p);
                sock.send(&buf[..n])
            }
        }
    }

    /// Whether a reply is the datagram this try sent (an echo).
    pub(super) fn is_echo(&self, p: &Pending, reply: &[u8]) -> bool {
        match &self.cfg.payload {
            Some(b) => reply == b.as_slice(),
            None => {
                let (buf, n) = token(p);
                reply == &buf[..n]
            }
        }
    }

    pub(super) fn udp_readable(&mut self, idx: usize, now: Instant, sink: &mut dyn Sink) {
        // Room for the whole datagram sent and one byte more: an echo fits whole, and a
        // longer reply is not mistaken for one.
        let room = self.cfg.payload.as_ref().map_or(0, |b| b.len()) + 1;
        let mut small = [0u8; 2048];
        let mut large = Vec::new();
        let buf: &mut [u8] = if room <= small.len() {
            &mut small
        } else {
            large.resize(room, 0);
            &mut large
        };
        let s = &self.slots[idx];
        let mut sock = s.sock.as_ref().expect("occupied");
        // socket2's `Read for &Socket`: recv(2) into initialised bytes.
        match io::Read::read(&mut sock, buf) {
            Ok(n) => {
                let local = sock.local_addr().ok().and_then(|a| a.as_socket());
                let (_, p, started, _) = self.release(idx).expect("occupied");
                let echo = self.is_echo(&p, &buf[..n.min(buf.len())]);
                let mut r = self.result(
                    p,
                    State::Open,
                    Reason::UdpResponse,
                    None,
                    None,
                    Some(now - started),
                    local,
                );
                r.echo = Some(echo);
                sink.result(&r);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                let key = idx;
                let _ = self.poller.modify(sock, Event::readable(key));
            }
            Err(e) => {
                let errno = e.raw_os_error().unwrap_or(0);
                let (sock, p, started, _) = self.release(idx).expect("occupied");
                self.finish_error(p, &sock, errno, started, now, sink);
            }
        }
    }
}

/// The default UDP payload: unique per port and try.
pub(super) fn token(p: &Pending) -> ([u8; 48], usize) {
    use std::io::Write;
    let mut buf = [0u8; 48];
    let mut c = io::Cursor::new(&mut buf[..]);
    let _ = writeln!(c, "sockdiag-probe {} {}", p.port, p.tries_done + 1);
    let n = c.position() as usize;
    (buf, n)
}
