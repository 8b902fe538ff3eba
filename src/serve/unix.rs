//! Serving on a UNIX socket: the socket file is made (with the umask's mode, or `--mode`),
//! a stale one left by a server that died is replaced, a live one is refused, and the file is
//! removed when the server stops, as most servers do.
use super::ServeError;
use crate::net::unix::{peer_cred, set_passcred, UnixTarget};
use socket2::{Domain, Socket, Type};
use std::fs;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// A socket file this server made: removed when dropped, if it is still the same file (not
/// one another server has put there since).
pub(crate) struct SocketFile {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

impl SocketFile {
    fn new(path: &Path) -> io::Result<SocketFile> {
        let m = fs::symlink_metadata(path)?;
        Ok(SocketFile {
            path: path.to_path_buf(),
            dev: m.dev(),
            ino: m.ino(),
        })
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        if let Ok(m) = fs::symlink_metadata(&self.path) {
            if m.dev() == self.dev && m.ino() == self.ino {
                let _ = fs::remove_file(&self.path);
            }
        }
    }
}

/// A bound UNIX socket (listening, for a stream), non-blocking.
pub(crate) struct Bound {
    pub sock: Socket,
    pub file: Option<SocketFile>,
    /// Said to the user: a stale file was replaced.
    pub note: Option<String>,
}

fn sock_type(t: &UnixTarget) -> Type {
    if t.dgram {
        Type::DGRAM
    } else {
        Type::STREAM
    }
}

pub(crate) fn bind(t: &UnixTarget, backlog: i32, mode: Option<u32>) -> Result<Bound, ServeError> {
    let fail = |doing: &str, e: io::Error| {
        let hint = match e.raw_os_error() {
            Some(libc::EADDRINUSE) if t.name.as_path().is_none() => {
                ": another socket has this abstract name"
            }
            Some(libc::EADDRINUSE) => ": the file appeared meanwhile",
            Some(libc::ENOENT) => ": its directory does not exist",
            Some(libc::EACCES) => ": no permission to create a file in its directory",
            _ => "",
        };
        ServeError::Unix(format!(
            "serving {t}: {doing}: {}{hint}",
            crate::net::errno::errno_text(&e)
        ))
    };
    let note = match t.name.as_path() {
        Some(p) => clear_stale(p, t)?,
        None => None,
    };
    let sock = Socket::new(Domain::UNIX, sock_type(t), None).map_err(|e| fail("socket", e))?;
    let addr = t.name.sockaddr().map_err(|e| fail("the name", e))?;
    sock.bind(&addr).map_err(|e| fail("bind", e))?;
    // From here on the file is ours: any failure below removes it again.
    let file = match t.name.as_path() {
        Some(p) => Some(SocketFile::new(p).map_err(|e| fail("stat after bind", e))?),
        None => None,
    };
    if let (Some(p), Some(m)) = (t.name.as_path(), mode) {
        // Before listen(): no client can connect while the umask's mode is still on it.
        fs::set_permissions(p, fs::Permissions::from_mode(m))
            .map_err(|e| fail(&format!("chmod {m:04o}"), e))?;
    }
    if t.dgram {
        set_passcred(sock.as_raw_fd()).map_err(|e| fail("SO_PASSCRED", e))?;
    } else {
        sock.listen(backlog).map_err(|e| fail("listen", e))?;
    }
    sock.set_nonblocking(true)
        .map_err(|e| fail("O_NONBLOCK", e))?;
    Ok(Bound { sock, file, note })
}

/// A file already at the path: a socket nobody listens on (connect() is refused) is a
/// leftover of a server that died, and is removed; anything else is refused, untouched.
fn clear_stale(p: &Path, t: &UnixTarget) -> Result<Option<String>, ServeError> {
    let refuse = |why: String| Err(ServeError::Unix(format!("serving {t}: {why}")));
    let m = match fs::symlink_metadata(p) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return refuse(format!("cannot look at {}: {e}", p.display())),
    };
    if !m.file_type().is_socket() {
        return refuse(format!(
            "{} exists and is not a socket: not replacing it (remove it, or choose another path)",
            p.display()
        ));
    }
    let probe = Socket::new(Domain::UNIX, sock_type(t), None)
        .and_then(|s| s.set_nonblocking(true).map(|()| s));
    let probe = match probe {
        Ok(s) => s,
        Err(e) => return refuse(format!("a socket to check {}: {e}", p.display())),
    };
    let live = |who: String| {
        refuse(format!(
            "a server is listening on {}{who}: stop it, or choose another path",
            p.display()
        ))
    };
    match t.name.sockaddr().and_then(|a| probe.connect(&a)) {
        Ok(()) => {
            let who = if t.dgram {
                String::new()
            } else {
                peer_cred(probe.as_raw_fd())
                    .map(|c| match c.comm {
                        Some(n) => format!(" (pid {} {n})", c.pid),
                        None => format!(" (pid {})", c.pid),
                    })
                    .unwrap_or_default()
            };
            live(who)
        }
        Err(e) => match e.raw_os_error() {
            // Its backlog is full: very much alive.
            Some(libc::EAGAIN) => live(" (its backlog is full)".into()),
            Some(libc::EPROTOTYPE) => refuse(format!(
                "a {} socket is served on {}: stop it, or choose another path",
                if t.dgram { "stream" } else { "datagram" },
                p.display()
            )),
            Some(libc::ECONNREFUSED) => match fs::remove_file(p) {
                Ok(()) => Ok(Some(format!(
                    "{}: replaced a stale socket file (nobody was listening on it)",
                    p.display()
                ))),
                Err(e) => refuse(format!(
                    "{} is a stale socket file (nobody listens on it) and cannot be removed: {e}",
                    p.display()
                )),
            },
            _ => refuse(format!(
                "{} exists and could not be checked (connect: {}): not replacing it",
                p.display(),
                crate::net::errno::errno_text(&e)
            )),
        },
    }
}
