//! Who holds a local port: the kernel's socket tables in /proc/net (tcp, tcp6, udp, udp6) and,
//! where this process may look, the process owning each socket (/proc/PID/fd). Used to explain
//! an EADDRINUSE.
use serde::Serialize;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The most /proc/PID directories looked at for owners: a bound on the scan.
const MAX_PIDS: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holder {
    pub local: SocketAddr,
    pub state: &'static str,
    pub uid: u32,
    pub pid: Option<u32>,
    pub command: Option<String>,
    #[serde(skip)]
    pub inode: u64,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.local, self.state)?;
        match (self.pid, &self.command) {
            (Some(p), Some(c)) => write!(f, " (pid {p} {c})"),
            (Some(p), None) => write!(f, " (pid {p})"),
            _ if self.inode == 0 => Ok(()),
            _ => write!(f, " (uid {}, owner not visible)", self.uid),
        }
    }
}

fn tcp_state(code: u8) -> &'static str {
    match code {
        0x01 => "ESTABLISHED",
        0x02 => "SYN_SENT",
        0x03 => "SYN_RECV",
        0x04 => "FIN_WAIT1",
        0x05 => "FIN_WAIT2",
        0x06 => "TIME_WAIT",
        0x07 => "CLOSE",
        0x08 => "CLOSE_WAIT",
        0x09 => "LAST_ACK",
        0x0A => "LISTEN",
        0x0B => "CLOSING",
        _ => "UNKNOWN",
    }
}

/// Sockets of `udp` or TCP bound to local port `port`.
pub fn holders(port: u16, udp: bool) -> Vec<Holder> {
    let files: [&str; 2] = if udp {
        ["/proc/net/udp", "/proc/net/udp6"]
    } else {
        ["/proc/net/tcp", "/proc/net/tcp6"]
    };
    let mut out = Vec::new();
    for f in files {
        if let Ok(text) = std::fs::read_to_string(f) {
            out.extend(parse_table(&text, port, udp));
        }
    }
    let wanted: Vec<u64> = out.iter().map(|h| h.inode).filter(|i| *i != 0).collect();
    if !wanted.is_empty() {
        let owners = owners(&wanted);
        for h in &mut out {
            if let Some((pid, cmd)) = owners.get(&h.inode) {
                h.pid = Some(*pid);
                h.command = cmd.clone();
            }
        }
    }
    out
}

/// The rows of one /proc/net table whose local port is `port`.
pub fn parse_table(text: &str, port: u16, udp: bool) -> Vec<Holder> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 10 {
            continue;
        }
        let Some(local) = parse_addr(f[1]) else {
            continue;
        };
        if local.port() != port {
            continue;
        }
        let code = u8::from_str_radix(f[3], 16).unwrap_or(0);
        let state = if udp {
            if code == 0x01 {
                "CONNECTED"
            } else {
                "BOUND"
            }
        } else {
            tcp_state(code)
        };
        out.push(Holder {
            local,
            state,
            uid: f[7].parse().unwrap_or(0),
            pid: None,
            command: None,
            inode: f[9].parse().unwrap_or(0),
        });
    }
    out
}

/// `0100007F:1F90` (IPv4) or 32 hex digits and a port (IPv6), in the kernel's byte order.
fn parse_addr(s: &str) -> Option<SocketAddr> {
    let (a, p) = s.split_once(':')?;
    let port = u16::from_str_radix(p, 16).ok()?;
    let ip = match a.len() {
        // The kernel prints the address's memory as a host-order number.
        8 => IpAddr::V4(Ipv4Addr::from(
            u32::from_str_radix(a, 16).ok()?.to_ne_bytes(),
        )),
        32 => {
            let mut b = [0u8; 16];
            for (i, w) in b.chunks_mut(4).enumerate() {
                let word = u32::from_str_radix(&a[i * 8..i * 8 + 8], 16).ok()?;
                // Each 32-bit word is printed as a host-order number.
                w.copy_from_slice(&word.to_ne_bytes());
            }
            IpAddr::V6(Ipv6Addr::from(b))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// inode -> (pid, command) for the socket inodes wanted, as far as /proc lets us see.
fn owners(inodes: &[u64]) -> HashMap<u64, (u32, Option<String>)> {
    let mut found = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return found;
    };
    for ent in dir.flatten().take(MAX_PIDS) {
        let Some(pid) = ent.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(ent.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            let Ok(target) = std::fs::read_link(fd.path()) else {
                continue;
            };
            let t = target.to_string_lossy();
            let Some(ino) = t
                .strip_prefix("socket:[")
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            if inodes.contains(&ino) && !found.contains_key(&ino) {
                let comm = std::fs::read_to_string(ent.path().join("comm"))
                    .ok()
                    .map(|c| c.trim().to_string());
                found.insert(ino, (pid, comm));
            }
        }
        if found.len() == inodes.len() {
            break;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_net_rows() {
        let v4 = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0 100 0 0 10 0\n\
   1: 0100007F:1F90 0100007F:D2F0 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0\n\
   2: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 999 1\n";
        let h = parse_table(v4, 8080, false);
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].local, "127.0.0.1:8080".parse().unwrap());
        assert_eq!((h[0].state, h[0].inode), ("LISTEN", 12345));
        assert_eq!(h[1].state, "TIME_WAIT");
        let v6 = "  sl  local_address                         remote_address                        st\n\
   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 777 1\n";
        let h = parse_table(v6, 8080, false);
        assert_eq!(h[0].local, "[::1]:8080".parse().unwrap());
        assert_eq!(h[0].uid, 1000);
    }
}
