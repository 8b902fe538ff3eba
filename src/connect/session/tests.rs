//! The session engine over socket pairs and pipes: both ways, each way's end, a stream that
//! buffers like TLS, UDP lines.
use super::*;
use crate::connect::Duplex;
use crate::interrupt::Interrupt;
use crate::net::attempt::Attempt;
use crate::net::{Reason, State};
use socket2::{Domain, Socket, Type};
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::thread;

#[test]
fn crlf_turns_each_lone_lf_into_crlf_even_across_pieces() {
    assert_eq!(Crlf::all(b"a\nb\r\nc\n\n"), b"a\r\nb\r\nc\r\n\r\n");
    assert_eq!(Crlf::all(b"no newline"), b"no newline");
    let mut c = Crlf::default();
    let mut out = Vec::new();
    // A CR ending one read and the LF starting the next: still one CRLF.
    c.convert(b"x\r", &mut out);
    c.convert(b"\ny\n", &mut out);
    assert_eq!(out, b"x\r\ny\r\n");
}

#[test]
fn a_buffer_drains_from_the_front_within_its_capacity() {
    let mut b = Buf::new(8);
    b.extend(b"abcdef");
    assert_eq!(b.space(), 2);
    b.consume(4);
    assert_eq!(b.pending(), b"ef");
    assert_eq!(b.space(), 6);
    b.extend(b"ghijkl");
    assert_eq!(b.pending(), b"efghijkl");
    assert!(b.data.capacity() <= 16, "grew: {}", b.data.capacity());
    b.consume(8);
    assert!(b.is_empty());
}

/// stdin (a pipe fed by a thread; kept open while `keep_open`), stdout (a pipe read by a
/// thread), and the pump over `d`. Returns what it did and what came out.
fn run_pump(
    d: &mut dyn Duplex,
    input: &[u8],
    keep_open: bool,
    s: Session,
    irq: &Interrupt,
) -> (Outcome, Vec<u8>) {
    let (in_r, mut in_w) = std::io::pipe().unwrap();
    let (mut out_r, out_w) = std::io::pipe().unwrap();
    let input = input.to_vec();
    // Held open (returned, dropped once the session is over) or closed when written.
    let feeder = thread::spawn(move || {
        in_w.write_all(&input).unwrap();
        keep_open.then_some(in_w)
    });
    let reader = thread::spawn(move || {
        let mut v = Vec::new();
        out_r.read_to_end(&mut v).unwrap();
        v
    });
    let ends = Ends {
        input: in_r.as_fd(),
        output: out_w.as_fd(),
    };
    let o = pump(d, ends, &s, irq, None);
    drop(out_w);
    drop(feeder.join().unwrap());
    (o, reader.join().unwrap())
}

/// Ours (non-blocking, a `Duplex`) and the peer's (blocking).
fn pair() -> (Socket, UnixStream) {
    let (a, b) = Socket::pair(Domain::UNIX, Type::STREAM, None).unwrap();
    a.set_nonblocking(true).unwrap();
    (a, UnixStream::from(std::os::fd::OwnedFd::from(b)))
}

/// The peer: echoes everything until our half-close, then closes.
fn echo(mut b: UnixStream) -> thread::JoinHandle<u64> {
    thread::spawn(move || {
        let mut buf = [0u8; 8192];
        let mut n = 0;
        loop {
            match b.read(&mut buf) {
                Ok(0) | Err(_) => return n,
                Ok(k) => {
                    b.write_all(&buf[..k]).unwrap();
                    n += k as u64;
                }
            }
        }
    })
}

#[test]
fn both_ways_then_the_half_close_and_the_peers_close_end_it_as_eof() {
    let (mut a, b) = pair();
    let peer = echo(b);
    let input: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let (o, out) = run_pump(
        &mut a,
        &input,
        false,
        Session::default(),
        &Interrupt::never(),
    );
    assert_eq!(peer.join().unwrap(), input.len() as u64);
    assert!(out == input, "{} bytes back of {}", out.len(), input.len());
    assert_eq!(o.ended, ReadEnd::Eof, "{o:?}");
    assert_eq!((o.sent, o.received), (300_000, 300_000));
    assert!(o.session.half_closed && o.session.stdin_end.is_some());
    assert!(o.first_byte.is_some() && o.error.is_none());
}

#[test]
fn the_peer_closing_first_ends_it_as_peer_closed_with_its_bytes_out() {
    let (mut a, mut b) = pair();
    let peer = thread::spawn(move || {
        b.write_all(b"bye\n").unwrap();
    });
    let (o, out) = run_pump(&mut a, b"", true, Session::default(), &Interrupt::never());
    peer.join().unwrap();
    assert_eq!(o.ended, ReadEnd::PeerClosed);
    assert_eq!(out, b"bye\n");
    assert_eq!(o.session.stdin_end, None);
}

#[test]
fn no_shutdown_keeps_our_side_open_until_the_peer_closes() {
    let (mut a, mut b) = pair();
    let peer = thread::spawn(move || {
        let mut buf = [0u8; 16];
        b.read_exact(&mut buf[..4]).unwrap();
        // No half-close comes: the read times out instead of returning 0.
        b.set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let r = b.read(&mut buf);
        assert!(r.is_err(), "the peer saw {r:?}, not silence");
        b.write_all(b"late").unwrap();
    });
    let s = Session {
        no_shutdown: true,
        ..Session::default()
    };
    let (o, out) = run_pump(&mut a, b"ping", false, s, &Interrupt::never());
    peer.join().unwrap();
    assert_eq!(out, b"late");
    assert_eq!(o.ended, ReadEnd::Eof);
    assert!(!o.session.half_closed);
}

#[test]
fn a_quiet_session_ends_at_the_idle_timeout_and_ctrl_c_ends_one_at_once() {
    let (mut a, _b) = pair();
    let s = Session {
        idle_timeout: Some(Duration::from_millis(300)),
        ..Session::default()
    };
    let t = Instant::now();
    let (o, _) = run_pump(&mut a, b"", true, s, &Interrupt::never());
    assert_eq!(o.ended, ReadEnd::Timeout);
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());

    let irq = Interrupt::never();
    let raiser = irq.clone();
    let r = thread::spawn(move || {
        thread::sleep(Duration::from_millis(200));
        raiser.raise();
    });
    let t = Instant::now();
    let (o, _) = run_pump(&mut a, b"", true, Session::default(), &irq);
    r.join().unwrap();
    assert_eq!(o.ended, ReadEnd::Interrupted);
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
}

#[test]
fn crlf_applies_on_the_way_out_only() {
    let (mut a, mut b) = pair();
    let peer = thread::spawn(move || {
        let mut got = Vec::new();
        b.read_to_end(&mut got).unwrap();
        b.write_all(b"back\n").unwrap();
        got
    });
    let s = Session {
        crlf: true,
        ..Session::default()
    };
    let (o, out) = run_pump(&mut a, b"HELO x\nQUIT\r\n", false, s, &Interrupt::never());
    assert_eq!(peer.join().unwrap(), b"HELO x\r\nQUIT\r\n");
    assert_eq!(out, b"back\n", "received bytes are not changed");
    assert_eq!(o.sent, 14);
}

/// A stream like TLS over a socket: it reads ahead (bytes wait in it, not in the socket, so
/// only `readable_now` says so), hands them out a few at a time, holds what it is given
/// until `flush`, needs POLLOUT while it holds some, and cannot half-close before.
struct Buffered {
    sock: Socket,
    ahead: Vec<u8>,
    held: Vec<u8>,
    eof: bool,
}

impl Buffered {
    fn push(&mut self) -> std::io::Result<()> {
        while !self.held.is_empty() {
            let n = self.sock.send(&self.held)?;
            self.held.drain(..n);
        }
        Ok(())
    }
}

impl Duplex for Buffered {
    fn fd(&self) -> std::os::fd::BorrowedFd<'_> {
        std::os::fd::AsFd::as_fd(&self.sock)
    }
    fn interest(&self, read: bool, write: bool) -> i16 {
        let mut ev = 0;
        if read {
            ev |= libc::POLLIN;
        }
        if write || !self.held.is_empty() {
            ev |= libc::POLLOUT;
        }
        ev
    }
    fn readable_now(&self) -> bool {
        !self.ahead.is_empty()
    }
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.ahead.is_empty() && !self.eof {
            let mut chunk = vec![0u8; 65536];
            let n = Duplex::read(&mut self.sock, &mut chunk)?;
            self.eof = n == 0;
            self.ahead.extend_from_slice(&chunk[..n]);
        }
        let n = self.ahead.len().min(buf.len()).min(7);
        buf[..n].copy_from_slice(&self.ahead[..n]);
        self.ahead.drain(..n);
        Ok(n)
    }
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.held.len() >= 4096 {
            return Err(std::io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(4096 - self.held.len());
        self.held.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.push()
    }
    fn shutdown_write(&mut self) -> std::io::Result<()> {
        self.push()?;
        Duplex::shutdown_write(&mut self.sock)
    }
}

#[test]
fn a_stream_that_reads_ahead_and_holds_writes_is_pumped_to_the_end() {
    let (a, b) = pair();
    let peer = echo(b);
    let mut d = Buffered {
        sock: a,
        ahead: Vec::new(),
        held: Vec::new(),
        eof: false,
    };
    let input: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
    let (o, out) = run_pump(
        &mut d,
        &input,
        false,
        Session::default(),
        &Interrupt::never(),
    );
    assert_eq!(peer.join().unwrap(), input.len() as u64);
    assert!(out == input, "{} bytes back of {}", out.len(), input.len());
    assert_eq!(o.ended, ReadEnd::Eof, "{o:?}");
}

/// Two UDP sockets on 127.0.0.1: ours (connected, non-blocking) and the peer's.
fn udp_pair() -> (Socket, std::net::UdpSocket) {
    let peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let ours = Socket::new(Domain::IPV4, Type::DGRAM, None).unwrap();
    ours.bind(
        &"127.0.0.1:0"
            .parse::<std::net::SocketAddr>()
            .unwrap()
            .into(),
    )
    .unwrap();
    ours.connect(&peer.local_addr().unwrap().into()).unwrap();
    ours.set_nonblocking(true).unwrap();
    peer.connect(ours.local_addr().unwrap().as_socket().unwrap())
        .unwrap();
    (ours, peer)
}

fn attempt(addr: std::net::SocketAddr) -> Attempt {
    Attempt {
        addr,
        state: State::OpenFiltered,
        reason: Reason::NoResponse,
        errno: None,
        icmp: None,
        elapsed: Duration::ZERO,
    }
}

fn run_lines(sock: &Socket, input: &[u8], s: Session, a: &mut Attempt) -> (Outcome, Vec<u8>) {
    let (in_r, mut in_w) = std::io::pipe().unwrap();
    let (mut out_r, out_w) = std::io::pipe().unwrap();
    in_w.write_all(input).unwrap();
    drop(in_w);
    let reader = thread::spawn(move || {
        let mut v = Vec::new();
        out_r.read_to_end(&mut v).unwrap();
        v
    });
    let ends = Ends {
        input: in_r.as_fd(),
        output: out_w.as_fd(),
    };
    let timeout = Duration::from_secs(2);
    let o = lines(sock, ends, &s, timeout, &Interrupt::never(), a, None);
    drop(out_w);
    (o, reader.join().unwrap())
}

#[test]
fn each_line_is_a_datagram_and_each_reply_is_written_out() {
    let (ours, peer) = udp_pair();
    let to = peer.local_addr().unwrap();
    let echo = thread::spawn(move || {
        let mut got = Vec::new();
        let mut buf = [0u8; 2048];
        for _ in 0..3 {
            let n = peer.recv(&mut buf).unwrap();
            got.push(buf[..n].to_vec());
            let reply: Vec<u8> = buf[..n].to_ascii_uppercase();
            peer.send(&reply).unwrap();
        }
        got
    });
    let mut a = attempt(to);
    let s = Session {
        crlf: true,
        ..Session::default()
    };
    let t = Instant::now();
    let (o, out) = run_lines(&ours, b"one\ntwo\nthree", s, &mut a);
    let got = echo.join().unwrap();
    assert_eq!(got, [&b"one\r\n"[..], b"two\r\n", b"three"]);
    assert_eq!(out, b"ONE\r\nTWO\r\nTHREE");
    assert_eq!(o.ended, ReadEnd::Eof);
    assert_eq!(
        (o.session.datagrams_sent, o.session.datagrams_received),
        (Some(3), Some(3))
    );
    assert_eq!((a.state, a.reason), (State::Open, Reason::UdpResponse));
    // Every datagram answered: it ends after a short pause, not after --timeout.
    assert!(
        t.elapsed() < Duration::from_millis(1800),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn a_port_unreachable_ends_it_as_closed() {
    let (ours, peer) = udp_pair();
    let to = peer.local_addr().unwrap();
    drop(peer);
    let mut a = attempt(to);
    let (o, out) = run_lines(&ours, b"hello?\nagain\n", Session::default(), &mut a);
    assert_eq!(o.ended, ReadEnd::Unreachable, "{o:?}");
    assert!(out.is_empty());
    assert_eq!((a.state, a.reason), (State::Closed, Reason::PortUnreach));
    assert_eq!(a.errno, Some(libc::ECONNREFUSED));
}

/// Bytes a stream has read ahead are no event on its descriptor: only `readable_now` tells.
#[test]
fn bytes_held_in_the_stream_go_out_without_an_event_on_its_descriptor() {
    let (a, mut b) = pair();
    b.write_all(&[b'x'; 100]).unwrap();
    let mut d = Buffered {
        sock: a,
        ahead: Vec::new(),
        held: Vec::new(),
        eof: false,
    };
    let s = Session {
        idle_timeout: Some(Duration::from_millis(300)),
        ..Session::default()
    };
    let (o, out) = run_pump(&mut d, b"", true, s, &Interrupt::never());
    assert_eq!(o.ended, ReadEnd::Timeout);
    assert_eq!(
        out.len(),
        100,
        "held back in the stream: {}",
        100 - out.len()
    );
    drop(b);
}
