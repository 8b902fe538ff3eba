//! Who holds a local port, to explain an EADDRINUSE: the sockets on that port from the
//! kernel's sock_diag dump ([`crate::sockets`], the one place that reads the host's sockets)
//! and, where this process may look, the process owning each.
use crate::sockets::filter::{self, AddrMatch, Filter};
use crate::sockets::{self, Endpoint, Query, SocketRecord, Which};
use serde::Serialize;
use std::net::SocketAddr;

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

/// The state as the "held by" note names it (the kernel's TCP state names).
fn state_name(udp: bool, state: sockets::State) -> &'static str {
    if udp {
        return if state == sockets::State::ESTABLISHED {
            "CONNECTED"
        } else {
            "BOUND"
        };
    }
    match state.0 {
        1 => "ESTABLISHED",
        2 => "SYN_SENT",
        3 | 12 => "SYN_RECV",
        4 => "FIN_WAIT1",
        5 => "FIN_WAIT2",
        6 => "TIME_WAIT",
        7 => "CLOSE",
        8 => "CLOSE_WAIT",
        9 => "LAST_ACK",
        10 => "LISTEN",
        11 => "CLOSING",
        _ => "UNKNOWN",
    }
}

/// Sockets of `udp` or TCP bound to local port `port` (none when the dump fails: the note
/// then says no socket was found).
pub fn holders(port: u16, udp: bool) -> Vec<Holder> {
    let query = Query {
        tcp: !udp,
        udp,
        unix: false,
        v4: true,
        v6: true,
        states: filter::ALL_STATES,
        info: false,
        port_ranges: vec![(port, port)],
    };
    let only_local = Filter {
        local: Some(AddrMatch {
            net: None,
            port: Some(port),
        }),
        ..Filter::default()
    };
    sockets::list(&query, only_local, Some(Which::All))
        .map_while(Result::ok)
        .filter_map(|r| holder(&r, udp))
        .collect()
}

fn holder(r: &SocketRecord, udp: bool) -> Option<Holder> {
    let Some(Endpoint::Inet(local)) = r.local else {
        return None;
    };
    Some(Holder {
        local,
        state: state_name(udp, r.state),
        uid: r.uid.unwrap_or(0),
        pid: r.pid,
        command: r.command.clone(),
        inode: u64::from(r.inode),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listener of this process holds its port: found, with this process as the owner;
    /// a connection to it shows on the peer's side only, not as a holder of the port.
    #[test]
    fn a_listener_of_ours_holds_its_port() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let _c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let (_s, _) = l.accept().unwrap();
        let h = holders(port, false);
        let listen: Vec<&Holder> = h.iter().filter(|h| h.state == "LISTEN").collect();
        assert_eq!(listen.len(), 1, "{h:?}");
        assert_eq!(listen[0].local, l.local_addr().unwrap());
        assert_eq!(listen[0].pid, Some(std::process::id()));
        // The accepted socket is on the port too; the client's is not (its local port differs).
        assert_eq!(h.len(), 2, "{h:?}");
        assert!(h.iter().all(|x| x.local.port() == port));
        let text = listen[0].to_string();
        assert!(
            text.starts_with(&format!("127.0.0.1:{port} LISTEN (pid ")),
            "{text}"
        );
    }
}
