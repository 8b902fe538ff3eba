//! unix_diag: the dump request for UNIX sockets and the parsing of its replies
//! (`struct unix_diag_msg` and its attributes: name, peer, queue lengths, memory, owner),
//! by the layouts of linux/unix_diag.h.
use super::inet::meminfo;
use super::netlink::{u32_at, Attrs};
use super::record::{Endpoint, Family, Proto, SocketRecord, State};
// A socket name as ss shows it (shared with connect and serve).
use crate::net::unix::shown_name as name;

/// `sizeof(struct unix_diag_msg)`.
const MSG_LEN: usize = 16;
const UNIX_DIAG_NAME: u16 = 0;
const UNIX_DIAG_PEER: u16 = 2;
const UNIX_DIAG_RQLEN: u16 = 4;
const UNIX_DIAG_MEMINFO: u16 = 5;
const UNIX_DIAG_UID: u16 = 7;
const UDIAG_SHOW_NAME: u32 = 0x01;
const UDIAG_SHOW_PEER: u32 = 0x04;
const UDIAG_SHOW_RQLEN: u32 = 0x10;
const UDIAG_SHOW_MEMINFO: u32 = 0x20;
const UDIAG_SHOW_UID: u32 = 0x40;

/// `struct unix_diag_req` for a dump of every UNIX socket in `states`; the memory with
/// `info`.
pub fn request(states: u32, info: bool) -> Vec<u8> {
    let mut show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID;
    if info {
        show |= UDIAG_SHOW_MEMINFO;
    }
    let mut r = Vec::with_capacity(24);
    r.push(libc::AF_UNIX as u8);
    r.extend_from_slice(&[0, 0, 0]);
    r.extend_from_slice(&states.to_ne_bytes());
    r.extend_from_slice(&0u32.to_ne_bytes());
    r.extend_from_slice(&show.to_ne_bytes());
    r.extend_from_slice(&[0xff; 8]);
    r
}

/// One reply of the UNIX dump, as a record (no owner yet).
pub fn parse(msg: &[u8]) -> Option<SocketRecord> {
    if msg.len() < MSG_LEN || msg[0] as i32 != libc::AF_UNIX {
        return None;
    }
    let unix_type = match msg[1] as i32 {
        libc::SOCK_STREAM => "stream",
        libc::SOCK_DGRAM => "dgram",
        libc::SOCK_SEQPACKET => "seqpacket",
        _ => "other",
    };
    let cookie = u64::from(u32_at(msg, 8)?) | u64::from(u32_at(msg, 12)?) << 32;
    let mut rec = SocketRecord {
        proto: Proto::Unix,
        family: Family::Unix,
        unix_type: Some(unix_type),
        state: State(msg[2]),
        local: None,
        peer: None,
        peer_inode: None,
        v6only: None,
        recv_q: 0,
        send_q: 0,
        inode: u32_at(msg, 4)?,
        uid: None,
        pid: None,
        command: None,
        holders: Vec::new(),
        tcp_info: None,
        mem: None,
        timer: None,
        cookie,
    };
    for (kind, value) in Attrs::new(&msg[MSG_LEN..]) {
        match kind {
            UNIX_DIAG_NAME => rec.local = name(value).map(Endpoint::Unix),
            UNIX_DIAG_PEER => rec.peer_inode = u32_at(value, 0).filter(|&i| i != 0),
            UNIX_DIAG_RQLEN => {
                rec.recv_q = u32_at(value, 0).unwrap_or(0);
                rec.send_q = u32_at(value, 4).unwrap_or(0);
            }
            UNIX_DIAG_MEMINFO => rec.mem = meminfo(value),
            UNIX_DIAG_UID => rec.uid = u32_at(value, 0),
            _ => {}
        }
    }
    Some(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unix_message_becomes_a_record() {
        let mut m = vec![libc::AF_UNIX as u8, libc::SOCK_STREAM as u8, 10, 0];
        m.extend_from_slice(&555u32.to_ne_bytes());
        m.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0]);
        // name "/run/x.sock\0" (12 bytes + 4 header = 16)
        m.extend_from_slice(&[16, 0, 0, 0]);
        m.extend_from_slice(b"/run/x.sock\0");
        // rqlen 2 pending, backlog 128
        m.extend_from_slice(&[12, 0, 4, 0]);
        m.extend_from_slice(&2u32.to_ne_bytes());
        m.extend_from_slice(&128u32.to_ne_bytes());
        m.extend_from_slice(&[8, 0, 7, 0]);
        m.extend_from_slice(&1000u32.to_ne_bytes());
        let r = parse(&m).unwrap();
        assert_eq!(r.unix_type, Some("stream"));
        assert_eq!(r.state.name(), "listen");
        assert_eq!(r.local.unwrap().to_string(), "/run/x.sock");
        assert_eq!(
            (r.recv_q, r.send_q, r.inode, r.uid),
            (2, 128, 555, Some(1000))
        );
        assert_eq!(name(b"\0sd\0x"), Some("@sd@x".into()));
        assert_eq!(name(b""), None);
    }
}
