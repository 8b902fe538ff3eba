//! UNIX-domain sockets as connect and serve share them: a socket's name (a path, or a Linux
//! abstract name, shown `@name` as ss shows it), the peer's credentials (SO_PEERCRED on a
//! stream; SCM_CREDENTIALS with each datagram), and the receive that carries them.
use serde::Serialize;
use socket2::SockAddr;
use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::RawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Bytes a name may hold: sun_path is 108 bytes, and a path needs its closing NUL (an
/// abstract name its leading one).
pub const MAX_NAME: usize = 107;

/// A socket's name: the bytes of sun_path, a path, or a NUL and then an abstract name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnixName(Vec<u8>);

impl UnixName {
    pub fn path(p: &Path) -> UnixName {
        UnixName(p.as_os_str().as_bytes().to_vec())
    }

    pub fn abstract_name(name: &[u8]) -> UnixName {
        let mut b = vec![0];
        b.extend_from_slice(name);
        UnixName(b)
    }

    /// The name of an address; `None` for an unnamed socket (or not a UNIX address).
    pub fn from_sockaddr(a: &SockAddr) -> Option<UnixName> {
        if let Some(p) = a.as_pathname() {
            return Some(UnixName::path(p));
        }
        a.as_abstract_namespace().map(UnixName::abstract_name)
    }

    pub fn sockaddr(&self) -> io::Result<SockAddr> {
        // socket2 takes a leading NUL for an abstract name.
        SockAddr::unix(OsStr::from_bytes(&self.0))
    }

    /// The file, for a path name (an abstract name has none).
    pub fn as_path(&self) -> Option<&Path> {
        (self.0.first() != Some(&0)).then(|| Path::new(OsStr::from_bytes(&self.0)))
    }
}

impl fmt::Display for UnixName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&shown_name(&self.0).unwrap_or_default())
    }
}

impl Serialize for UnixName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A socket name as ss shows it: a path, or an abstract name (a leading NUL) as `@name` with
/// any further NULs as `@`. `None` for an empty (unnamed) one.
pub fn shown_name(b: &[u8]) -> Option<String> {
    match b.split_first() {
        None => None,
        Some((0, rest)) => {
            let shown: Vec<u8> = rest
                .iter()
                .map(|&c| if c == 0 { b'@' } else { c })
                .collect();
            Some(format!("@{}", String::from_utf8_lossy(&shown)))
        }
        Some(_) => {
            let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
            Some(String::from_utf8_lossy(&b[..end]).into_owned())
        }
    }
}

/// A UNIX socket to connect to or to serve on: `unix:NAME` (stream), `unixgram:NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnixTarget {
    pub name: UnixName,
    pub dgram: bool,
}

impl UnixTarget {
    pub fn kind(&self) -> &'static str {
        if self.dgram {
            "unixgram"
        } else {
            "unix"
        }
    }
}

impl fmt::Display for UnixTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind(), self.name)
    }
}

/// Who is at the other end: the process that connected or bound (at that moment), and its
/// command name when /proc still shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerCred {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
    pub comm: Option<String>,
}

impl PeerCred {
    fn from_ucred(c: libc::ucred) -> PeerCred {
        PeerCred {
            pid: c.pid,
            uid: c.uid,
            gid: c.gid,
            comm: comm(c.pid),
        }
    }
}

/// The command name of `pid` (/proc/PID/comm), when it still runs and may be read.
pub fn comm(pid: i32) -> Option<String> {
    if pid <= 0 {
        return None;
    }
    let s = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(s.trim_end_matches('\n').to_string()).filter(|s| !s.is_empty())
}

/// SO_PEERCRED of a connected stream: the peer process as it was at connect() (for the
/// client) or listen() (for the server).
pub fn peer_cred(fd: RawFd) -> io::Result<PeerCred> {
    let mut c = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `c` is writable and `len` bytes long. Not rustix's socket_peercred: its UCred
    // holds the pid as a non-zero Pid, and the kernel gives 0 for a peer outside our pid
    // namespace (a container's client), which would be an invalid value there.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            &mut c as *mut libc::ucred as *mut _,
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(PeerCred::from_ucred(c))
}

/// SO_PASSCRED: every datagram received carries its sender's credentials. (An unbound
/// socket that sets it is given an abstract name at its first send or connect.)
pub fn set_passcred(fd: RawFd) -> io::Result<()> {
    super::sys::set_int(fd, libc::SOL_SOCKET, libc::SO_PASSCRED, 1)
}

/// Room for the ancillary data one receive may bring: the credentials, and a few
/// descriptors a peer might send (closed at once, never kept).
const CONTROL: usize = 128;

/// One datagram (or a stream's bytes) with its sender's address and, when SO_PASSCRED is on,
/// its credentials. Descriptors a peer passes (SCM_RIGHTS) are closed.
pub fn recv_with_cred(
    fd: RawFd,
    buf: &mut [u8],
) -> io::Result<(usize, SockAddr, Option<PeerCred>)> {
    // u64 alignment is what cmsghdr needs.
    let mut control = [0u64; CONTROL / 8];
    let mut cred = None;
    // SAFETY: every pointer handed to recvmsg is to memory of the length given with it;
    // try_init gives zeroed storage and takes the length recvmsg writes back.
    let (n, from) = unsafe {
        SockAddr::try_init(|storage, len| {
            let mut iov = libc::iovec {
                iov_base: buf.as_mut_ptr().cast(),
                iov_len: buf.len(),
            };
            let mut msg: libc::msghdr = zeroed();
            msg.msg_name = storage.cast();
            msg.msg_namelen = *len;
            msg.msg_iov = &mut iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control.as_mut_ptr().cast();
            msg.msg_controllen = CONTROL as _;
            let n = libc::recvmsg(fd, &mut msg, libc::MSG_CMSG_CLOEXEC);
            if n < 0 {
                return Err(io::Error::last_os_error());
            }
            *len = msg.msg_namelen;
            let mut c = libc::CMSG_FIRSTHDR(&msg);
            while !c.is_null() {
                let data = libc::CMSG_DATA(c);
                let bytes = ((*c).cmsg_len as usize).saturating_sub(data as usize - c as usize);
                if (*c).cmsg_level == libc::SOL_SOCKET {
                    if (*c).cmsg_type == libc::SCM_CREDENTIALS && bytes >= size_of::<libc::ucred>()
                    {
                        cred = Some(std::ptr::read_unaligned(data as *const libc::ucred));
                    } else if (*c).cmsg_type == libc::SCM_RIGHTS {
                        for i in 0..bytes / size_of::<RawFd>() {
                            let passed = std::ptr::read_unaligned((data as *const RawFd).add(i));
                            libc::close(passed);
                        }
                    }
                }
                c = libc::CMSG_NXTHDR(&msg, c);
            }
            Ok(n as usize)
        })
    }?;
    Ok((n, from, cred.map(PeerCred::from_ucred)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use socket2::{Domain, Socket, Type};

    #[test]
    fn names_show_as_ss_shows_them() {
        assert_eq!(shown_name(b"\0sd\0x"), Some("@sd@x".into()));
        assert_eq!(shown_name(b""), None);
        assert_eq!(
            UnixName::path(Path::new("/run/x.sock")).to_string(),
            "/run/x.sock"
        );
        let a = UnixName::abstract_name(b"sd-test");
        assert_eq!(a.to_string(), "@sd-test");
        assert_eq!(a.as_path(), None);
        let back = UnixName::from_sockaddr(&a.sockaddr().unwrap()).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn a_datagram_carries_its_senders_credentials() {
        let (a, b) = Socket::pair(Domain::UNIX, Type::DGRAM, None).unwrap();
        set_passcred(b.as_raw_fd()).unwrap();
        a.send(b"hi").unwrap();
        let mut buf = [0u8; 16];
        let (n, _, cred) = recv_with_cred(b.as_raw_fd(), &mut buf).unwrap();
        assert_eq!(&buf[..n], b"hi");
        let cred = cred.expect("SCM_CREDENTIALS");
        assert_eq!(cred.pid, std::process::id() as i32);
        // SAFETY: getuid has no preconditions.
        assert_eq!(cred.uid, rustix::process::getuid().as_raw());
        let s = peer_cred(a.as_raw_fd()).unwrap();
        assert_eq!(s.pid, std::process::id() as i32);
    }

    use std::os::fd::AsRawFd;
}
