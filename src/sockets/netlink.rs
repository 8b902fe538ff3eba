//! The NETLINK_SOCK_DIAG conversation: one dump request, then the kernel's multipart replies,
//! read batch by batch into one reused buffer and handed out message by message until
//! NLMSG_DONE. Nothing is held but the batch being read (at most 32 KiB: the kernel fills no
//! more per read), so a dump of any size streams.
use netlink_sys::{protocols::NETLINK_SOCK_DIAG, Socket};
use std::io;

/// `SOCK_DIAG_BY_FAMILY`: the request and reply type of every sock_diag dump.
pub const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLMSG_HDRLEN: usize = 16;
/// The kernel puts at most 32 KiB of messages in one read (netlink_recvmsg caps its
/// allocation there); a little more room costs nothing.
const RECV_BUF: usize = 64 * 1024;

/// Rounds up to the 4-byte alignment of netlink messages and attributes.
pub fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// One dump in progress.
pub struct Dump {
    sock: Socket,
    buf: Vec<u8>,
    pos: usize,
    seq: u32,
    done: bool,
}

impl Dump {
    /// Sends a dump request whose payload is `req` (the family's request struct and any
    /// attributes after it).
    pub fn start(req: &[u8]) -> io::Result<Dump> {
        let mut sock = Socket::new(NETLINK_SOCK_DIAG)?;
        sock.bind_auto()?;
        let seq: u32 = 1;
        let len = NLMSG_HDRLEN + req.len();
        let mut msg = Vec::with_capacity(len);
        msg.extend_from_slice(&(len as u32).to_ne_bytes());
        msg.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
        msg.extend_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
        msg.extend_from_slice(&seq.to_ne_bytes());
        msg.extend_from_slice(&0u32.to_ne_bytes());
        msg.extend_from_slice(req);
        let kernel = netlink_sys::SocketAddr::new(0, 0);
        sock.send_to(&msg, &kernel, 0)?;
        Ok(Dump {
            sock,
            buf: Vec::with_capacity(RECV_BUF),
            pos: 0,
            seq,
            done: false,
        })
    }

    /// The payload of the next reply message, or `None` once the dump is done. An error
    /// reported by the kernel (NLMSG_ERROR, or a negative NLMSG_DONE) comes as its errno.
    pub fn next_msg(&mut self) -> Option<io::Result<&[u8]>> {
        loop {
            if self.done {
                return None;
            }
            if self.pos >= self.buf.len() {
                if let Err(e) = self.fill() {
                    self.done = true;
                    return Some(Err(e));
                }
                continue;
            }
            let (next, step) = step(&self.buf, self.pos, self.seq);
            self.pos = next;
            match step {
                Step::Skip => continue,
                Step::Msg(a, b) => return Some(Ok(&self.buf[a..b])),
                Step::Done => {
                    self.done = true;
                    return None;
                }
                Step::Failed(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }

    /// Reads the next batch of messages into the buffer.
    fn fill(&mut self) -> io::Result<()> {
        self.buf.clear();
        self.pos = 0;
        loop {
            match self.sock.recv(&mut self.buf, 0) {
                Ok(0) => return Err(truncated()),
                Ok(n) if n > self.buf.len() => {
                    // MSG_TRUNC-style: the message did not fit (cannot happen at 64 KiB).
                    return Err(io::Error::from_raw_os_error(libc::EMSGSIZE));
                }
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

/// What the message at `pos` of a batch is.
#[derive(Debug)]
enum Step {
    /// A reply: its payload's range in the batch.
    Msg(usize, usize),
    /// Not ours, or not a reply: skipped.
    Skip,
    Done,
    Failed(io::Error),
}

/// Reads the message at `pos`: where the next one starts, and what this one is.
fn step(buf: &[u8], pos: usize, seq: u32) -> (usize, Step) {
    let rest = &buf[pos..];
    if rest.len() < NLMSG_HDRLEN {
        return (buf.len(), Step::Failed(truncated()));
    }
    let len = u32::from_ne_bytes(rest[0..4].try_into().expect("4 bytes")) as usize;
    let kind = u16::from_ne_bytes(rest[4..6].try_into().expect("2 bytes"));
    let msg_seq = u32::from_ne_bytes(rest[8..12].try_into().expect("4 bytes"));
    if len < NLMSG_HDRLEN || len > rest.len() {
        return (buf.len(), Step::Failed(truncated()));
    }
    let next = pos + align4(len).min(rest.len());
    let body = &rest[NLMSG_HDRLEN..len];
    // The status of NLMSG_DONE and NLMSG_ERROR: 0, or a negative errno.
    let status = || {
        body.get(0..4)
            .map(|b| i32::from_ne_bytes(b.try_into().expect("4 bytes")))
    };
    let step = match kind {
        // Not ours (cannot happen on a socket of our own; skipped all the same).
        _ if msg_seq != seq => Step::Skip,
        NLMSG_DONE => match status() {
            Some(rc) if rc < 0 => Step::Failed(io::Error::from_raw_os_error(-rc)),
            _ => Step::Done,
        },
        NLMSG_ERROR => match status().unwrap_or(-libc::EPROTO) {
            0 => Step::Done,
            rc => Step::Failed(io::Error::from_raw_os_error(rc.abs())),
        },
        SOCK_DIAG_BY_FAMILY => Step::Msg(pos + NLMSG_HDRLEN, pos + len),
        _ => Step::Skip,
    };
    (next, step)
}

fn truncated() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "truncated netlink message")
}

/// The attributes after a fixed-size header: (type, payload) pairs, bounded by the message.
pub struct Attrs<'a> {
    rest: &'a [u8],
}

impl<'a> Attrs<'a> {
    pub fn new(rest: &'a [u8]) -> Attrs<'a> {
        Attrs { rest }
    }
}

impl<'a> Iterator for Attrs<'a> {
    type Item = (u16, &'a [u8]);

    fn next(&mut self) -> Option<(u16, &'a [u8])> {
        if self.rest.len() < 4 {
            return None;
        }
        let len = u16::from_ne_bytes([self.rest[0], self.rest[1]]) as usize;
        // The top bits of the type are flags (nested, byte order).
        let kind = u16::from_ne_bytes([self.rest[2], self.rest[3]]) & 0x3fff;
        if len < 4 || len > self.rest.len() {
            self.rest = &[];
            return None;
        }
        let value = &self.rest[4..len];
        self.rest = &self.rest[align4(len).min(self.rest.len())..];
        Some((kind, value))
    }
}

/// A native-endian u32 at `off`, if the slice is long enough.
pub fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    b.get(off..off + 4)
        .map(|s| u32::from_ne_bytes(s.try_into().expect("4 bytes")))
}

/// A native-endian u64 at `off`, if the slice is long enough.
pub fn u64_at(b: &[u8], off: usize) -> Option<u64> {
    b.get(off..off + 8)
        .map(|s| u64::from_ne_bytes(s.try_into().expect("8 bytes")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(kind: u16, seq: u32, body: &[u8]) -> Vec<u8> {
        let mut m = ((NLMSG_HDRLEN + body.len()) as u32).to_ne_bytes().to_vec();
        m.extend_from_slice(&kind.to_ne_bytes());
        m.extend_from_slice(&[0, 0]);
        m.extend_from_slice(&seq.to_ne_bytes());
        m.extend_from_slice(&[0; 4]);
        m.extend_from_slice(body);
        m
    }

    /// A batch: a reply (3 bytes, padded), one of another sequence, then NLMSG_DONE; a failed
    /// dump's NLMSG_ERROR and negative NLMSG_DONE come back as their errno (exit 3 above).
    #[test]
    fn replies_done_and_errors() {
        let mut b = msg(SOCK_DIAG_BY_FAMILY, 1, &[1, 2, 3]);
        b.push(0);
        b.extend(msg(SOCK_DIAG_BY_FAMILY, 9, &[]));
        b.extend(msg(NLMSG_DONE, 1, &0i32.to_ne_bytes()));
        let (next, s) = step(&b, 0, 1);
        assert!(matches!(s, Step::Msg(16, 19)), "{s:?}");
        assert_eq!(next, 20);
        let (next, s) = step(&b, next, 1);
        assert!(matches!(s, Step::Skip));
        assert!(matches!(step(&b, next, 1).1, Step::Done));
        let err = msg(NLMSG_ERROR, 1, &(-libc::EPERM).to_ne_bytes());
        match step(&err, 0, 1).1 {
            Step::Failed(e) => assert_eq!(e.raw_os_error(), Some(libc::EPERM)),
            s => panic!("{s:?}"),
        }
        let done = msg(NLMSG_DONE, 1, &(-libc::ENOBUFS).to_ne_bytes());
        match step(&done, 0, 1).1 {
            Step::Failed(e) => assert_eq!(e.raw_os_error(), Some(libc::ENOBUFS)),
            s => panic!("{s:?}"),
        }
        // A length beyond the batch is a truncated message, not a read past the end.
        let mut bad = msg(SOCK_DIAG_BY_FAMILY, 1, &[0; 8]);
        bad[0] = 200;
        assert!(matches!(step(&bad, 0, 1).1, Step::Failed(_)));
        assert!(matches!(step(&bad[..10], 0, 1).1, Step::Failed(_)));
    }

    #[test]
    fn attributes_are_walked_and_bounded() {
        // Two attributes (a 1-byte one padded to 8, a 4-byte one), then a bogus length.
        let mut b = vec![5, 0, 8, 0, 7, 0, 0, 0];
        b.extend_from_slice(&[8, 0, 2, 0, 1, 2, 3, 4]);
        b.extend_from_slice(&[200, 0, 3, 0]);
        let got: Vec<_> = Attrs::new(&b).collect();
        assert_eq!(got, vec![(8, &[7u8][..]), (2, &[1, 2, 3, 4][..])]);
        assert_eq!(u32_at(&[1, 0, 0, 0, 9], 0), Some(1));
        assert_eq!(u32_at(&[1, 0, 0], 0), None);
        assert_eq!(u64_at(&[0; 8], 1), None);
    }
}
