//! Who holds a socket: socket inodes mapped to processes in one pass over /proc/PID/fd
//! (readlinkat on each descriptor, `socket:[INODE]`). The pass reads only the processes asked
//! for, and finds every process holding a socket (a listener shared by a parent and the
//! children it forked has several holders, as `ss -p` lists them). Processes this user may
//! not look into are skipped: their sockets keep no owner (`-`).
//!
//! The kernel's readlink of a /proc fd costs some microseconds, so a full pass over a busy
//! host (tens of thousands of descriptors) is split: the descriptors are listed first
//! (getdents, cheap), then read in chunks by one thread per core.
use std::collections::{HashMap, HashSet};
use std::ffi::CStr;
use std::sync::Arc;

/// The most /proc entries looked at: a bound on the scan.
const MAX_PIDS: usize = 1_000_000;

/// Which processes to look into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Which {
    All,
    /// These process ids only.
    Pids(Vec<u32>),
    /// Processes whose command (`/proc/PID/comm`) is this name. The kernel keeps 15 bytes of
    /// it, so a longer name matches a command that is its first 15 bytes.
    Command(String),
}

/// A process holding a socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub pid: u32,
    pub command: Arc<str>,
}

/// Socket inode -> every process holding it, lowest pid first, each once.
#[derive(Debug, Default)]
pub struct Owners {
    map: HashMap<u32, Vec<Owner>>,
}

impl Owners {
    /// The first holder (lowest pid).
    pub fn get(&self, inode: u32) -> Option<&Owner> {
        self.map.get(&inode).and_then(|v| v.first())
    }

    /// Every holder, lowest pid first (empty when none was found).
    pub fn holders(&self, inode: u32) -> &[Owner] {
        self.map.get(&inode).map_or(&[], Vec::as_slice)
    }

    fn insert(&mut self, inode: u32, o: Owner) {
        add(self.map.entry(inode).or_default(), o);
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// A holder into a list kept sorted by pid, each pid once (a process may hold a socket on
/// several descriptors).
fn add(list: &mut Vec<Owner>, o: Owner) {
    if let Err(at) = list.binary_search_by_key(&o.pid, |e| e.pid) {
        list.insert(at, o);
    }
}

/// Scans the processes `which` names; with `wanted`, records only those inodes. Every process
/// is looked into (a socket found once may have other holders).
pub fn scan(which: &Which, wanted: Option<&HashSet<u32>>) -> Owners {
    let mut owners = Owners::default();
    if wanted.is_some_and(|w| w.is_empty()) {
        return owners;
    }
    if wanted.is_none() {
        return scan_parallel(which);
    }
    let pids: Box<dyn Iterator<Item = u32>> = match which {
        Which::Pids(p) => Box::new(p.clone().into_iter()),
        _ => match std::fs::read_dir("/proc") {
            Ok(dir) => Box::new(
                dir.flatten()
                    .take(MAX_PIDS)
                    .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse().ok())),
            ),
            Err(_) => return owners,
        },
    };
    for pid in pids {
        let mut command: Option<Arc<str>> = None;
        if let Which::Command(name) = which {
            match comm(pid) {
                Some(c) if same_command(&c, name) => command = Some(c),
                _ => continue,
            }
        }
        for_each_socket(pid, |inode| {
            if wanted.is_some_and(|w| !w.contains(&inode)) {
                return true;
            }
            let command = command
                .get_or_insert_with(|| comm(pid).unwrap_or_else(|| Arc::from("?")))
                .clone();
            owners.insert(inode, Owner { pid, command });
            true
        });
    }
    owners
}

/// The processes `which` names.
fn pids(which: &Which) -> Vec<u32> {
    match which {
        Which::Pids(p) => p.clone(),
        _ => match std::fs::read_dir("/proc") {
            Ok(dir) => dir
                .flatten()
                .take(MAX_PIDS)
                .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse().ok()))
                .collect(),
            Err(_) => Vec::new(),
        },
    }
}

/// Descriptors read by one thread at a time.
const CHUNK: usize = 1024;

/// The full pass (no wanted set): every socket of every process `which` names, on one
/// thread per core (at most 4).
fn scan_parallel(which: &Which) -> Owners {
    // Each process and its descriptor numbers (listed, not yet read).
    let mut fds: Vec<(u32, Vec<u32>)> = Vec::new();
    for pid in pids(which) {
        if let Which::Command(name) = which {
            if !comm(pid).is_some_and(|c| same_command(&c, name)) {
                continue;
            }
        }
        let list = fd_numbers(pid);
        if !list.is_empty() {
            fds.push((pid, list));
        }
    }
    let chunks: Vec<(u32, &[u32])> = fds
        .iter()
        .flat_map(|(pid, list)| list.chunks(CHUNK).map(move |c| (*pid, c)))
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
        .min(chunks.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut found: HashMap<u32, Vec<Owner>> = HashMap::new();
        let mut command: Option<(u32, Arc<str>)> = None;
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&(pid, list)) = chunks.get(i) else {
                break;
            };
            read_links(pid, list, |inode| {
                let c = match &command {
                    Some((p, c)) if *p == pid => c.clone(),
                    _ => {
                        let c = comm(pid).unwrap_or_else(|| Arc::from("?"));
                        command = Some((pid, c.clone()));
                        c
                    }
                };
                add(found.entry(inode).or_default(), Owner { pid, command: c });
            });
        }
        found
    };
    let mut owners = Owners::default();
    let parts: Vec<HashMap<u32, Vec<Owner>>> = if threads == 1 {
        vec![work()]
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads).map(|_| s.spawn(work)).collect();
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        })
    };
    for part in parts {
        if owners.map.is_empty() {
            owners.map = part;
            continue;
        }
        for (inode, list) in part {
            for o in list {
                owners.insert(inode, o);
            }
        }
    }
    owners
}

/// The descriptor numbers of `pid` (empty when it cannot be looked into).
fn fd_numbers(pid: u32) -> Vec<u32> {
    match std::fs::read_dir(format!("/proc/{pid}/fd")) {
        Ok(dir) => dir
            .flatten()
            .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse().ok()))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// /proc/PID/fd, opened once so each link is read relative to it (no path per descriptor).
fn fd_dir(pid: u32) -> Option<rustix::fd::OwnedFd> {
    use rustix::fs::{open, Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    open(format!("/proc/{pid}/fd"), flags, Mode::empty()).ok()
}

/// The inode of the socket that descriptor `name` of an open /proc/PID/fd is, if it is one.
fn link_inode(dir: &rustix::fd::OwnedFd, name: &CStr, buf: &mut [u8; 64]) -> Option<u32> {
    let n = rustix::fs::readlinkat_raw(dir, name, &mut buf[..]).ok()?;
    socket_inode(&buf[..n])
}

/// Calls `f` with the inode of each of `fds` of `pid` that is a socket.
fn read_links(pid: u32, fds: &[u32], mut f: impl FnMut(u32)) {
    let Some(dir) = fd_dir(pid) else {
        return;
    };
    let mut buf = [0u8; 64];
    let mut name = [0u8; 16];
    for fd in fds {
        let len = decimal(*fd, &mut name);
        let Ok(name) = CStr::from_bytes_with_nul(&name[..=len]) else {
            continue;
        };
        if let Some(inode) = link_inode(&dir, name, &mut buf) {
            f(inode);
        }
    }
}

/// `n` in decimal, NUL-terminated, at the start of `out` (a name for readlinkat without an
/// allocation per descriptor); returns the number of digits.
fn decimal(mut n: u32, out: &mut [u8; 16]) -> usize {
    let mut digits = [0u8; 10];
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for i in 0..len {
        out[i] = digits[len - 1 - i];
    }
    out[len] = 0;
    len
}

/// A process's command name, as /proc/PID/comm has it.
fn comm(pid: u32) -> Option<Arc<str>> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(Arc::from(s.trim_end_matches('\n')))
}

/// `comm` is the name, or (the kernel keeping 15 bytes) the start of a longer one.
pub fn same_command(comm: &str, name: &str) -> bool {
    comm == name
        || (comm.len() == 15 && name.len() > 15 && name.as_bytes().starts_with(comm.as_bytes()))
}

/// Calls `f` with the inode of each socket descriptor of `pid`, while it returns true.
fn for_each_socket(pid: u32, mut f: impl FnMut(u32) -> bool) {
    let Some(dir) = fd_dir(pid) else {
        return;
    };
    let Ok(entries) = rustix::fs::Dir::read_from(&dir) else {
        return;
    };
    let mut buf = [0u8; 64];
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name.to_bytes().first() == Some(&b'.') {
            continue;
        }
        if let Some(inode) = link_inode(&dir, name, &mut buf) {
            if !f(inode) {
                break;
            }
        }
    }
}

/// The inode of a `socket:[12345]` link.
fn socket_inode(link: &[u8]) -> Option<u32> {
    let digits = link.strip_prefix(b"socket:[")?.strip_suffix(b"]")?;
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn links_and_names() {
        assert_eq!(socket_inode(b"socket:[4242]"), Some(4242));
        assert_eq!(socket_inode(b"pipe:[4242]"), None);
        assert_eq!(socket_inode(b"socket:[x]"), None);
        assert!(same_command("nginx", "nginx"));
        assert!(!same_command("nginx", "ngin"));
        assert!(same_command("averyveryverylo", "averyveryverylongname"));
        for n in [0u32, 7, 10, 4_294_967_295] {
            let mut out = [0xffu8; 16];
            decimal(n, &mut out);
            let end = out.iter().position(|&b| b == 0).unwrap();
            assert_eq!(std::str::from_utf8(&out[..end]).unwrap(), n.to_string());
        }
    }

    /// This process's own socket is found, with this process as its owner, and the pass over
    /// one pid and over every process agree.
    #[test]
    fn finds_our_own_socket() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&l);
        let ino = std::fs::metadata(format!("/proc/self/fd/{fd}"))
            .unwrap()
            .ino() as u32;
        let me = std::process::id();
        let wanted: HashSet<u32> = [ino].into();
        for which in [Which::All, Which::Pids(vec![me])] {
            let o = scan(&which, Some(&wanted));
            assert_eq!(o.get(ino).map(|o| o.pid), Some(me), "{which:?}");
            assert_eq!(o.len(), 1);
        }
        let o = scan(&Which::Pids(vec![me]), None);
        assert_eq!(o.get(ino).map(|o| o.pid), Some(me));
        let comm = comm(me).unwrap();
        let o = scan(&Which::Command(comm.to_string()), Some(&wanted));
        assert_eq!(o.get(ino).map(|o| o.pid), Some(me));
        let o = scan(&Which::Command("no-such-command".into()), Some(&wanted));
        assert!(o.is_empty());
    }
}
