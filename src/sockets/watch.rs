//! `--watch`: the same listing round after round, and what changed between two rounds: a
//! socket that appeared, one that is gone, one whose state changed or whose queue grew.
//! Between rounds only the previous round's sockets are kept, at most [`MAX_WATCHED`], so
//! memory follows the number of sockets, never the time watched.
use super::record::{Proto, SocketRecord, State};
use serde::Serialize;
use std::collections::HashMap;

/// The most sockets one round may keep for the next.
pub const MAX_WATCHED: usize = 200_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    New,
    Gone,
    Changed,
    /// Still there and not changed (given only to a caller that wants every socket).
    Same,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::New => "new",
            EventKind::Gone => "gone",
            EventKind::Changed => "changed",
            EventKind::Same => "same",
        }
    }
}

/// What a changed socket was in the round before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Was {
    pub state: State,
    pub recv_q: u32,
    pub send_q: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub event: EventKind,
    #[serde(flatten)]
    pub socket: SocketRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub was: Option<Was>,
}

/// Too many sockets to keep between rounds.
#[derive(Debug, thiserror::Error)]
#[error("more than {MAX_WATCHED} sockets match: too many to watch; narrow them with filters")]
pub struct TooMany;

#[derive(Default)]
pub struct Watcher {
    prev: HashMap<(Proto, u64), SocketRecord>,
}

impl Watcher {
    /// Compares one round with the previous and hands each event to `emit` (`same` too when
    /// `every` is set): the round's sockets in order, then the ones gone. The first round's
    /// sockets are all new.
    pub fn round(
        &mut self,
        records: impl IntoIterator<Item = SocketRecord>,
        every: bool,
        emit: &mut dyn FnMut(Event),
    ) -> Result<(), TooMany> {
        let mut now = HashMap::with_capacity(self.prev.len());
        for r in records {
            let key = (r.proto, r.cookie);
            let (event, was) = match self.prev.remove(&key) {
                None => (EventKind::New, None),
                Some(p) => {
                    let grew = r.send_q > p.send_q || r.recv_q > p.recv_q;
                    let was = Was {
                        state: p.state,
                        recv_q: p.recv_q,
                        send_q: p.send_q,
                    };
                    if p.state != r.state || grew {
                        (EventKind::Changed, Some(was))
                    } else {
                        (EventKind::Same, None)
                    }
                }
            };
            if event != EventKind::Same || every {
                emit(Event {
                    event,
                    socket: r.clone(),
                    was,
                });
            }
            if now.len() >= MAX_WATCHED {
                return Err(TooMany);
            }
            now.insert(key, r);
        }
        let mut gone: Vec<SocketRecord> = std::mem::take(&mut self.prev).into_values().collect();
        gone.sort_by_key(|r| (r.proto, r.local_port(), r.peer_port(), r.cookie));
        for r in gone {
            emit(Event {
                event: EventKind::Gone,
                socket: r,
                was: None,
            });
        }
        self.prev = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sockets::{Endpoint, Family};

    fn rec(cookie: u64, state: u8, send_q: u32) -> SocketRecord {
        SocketRecord {
            proto: Proto::Tcp,
            family: Family::Inet,
            unix_type: None,
            state: State(state),
            local: Some(Endpoint::Inet(
                format!("127.0.0.1:{}", 1000 + cookie).parse().unwrap(),
            )),
            peer: None,
            peer_inode: None,
            v6only: None,
            recv_q: 0,
            send_q,
            inode: cookie as u32,
            uid: Some(0),
            pid: None,
            command: None,
            holders: Vec::new(),
            tcp_info: None,
            mem: None,
            timer: None,
            cookie,
        }
    }

    fn events(w: &mut Watcher, recs: Vec<SocketRecord>) -> Vec<(EventKind, u64)> {
        let mut out = Vec::new();
        w.round(recs, false, &mut |e| out.push((e.event, e.socket.cookie)))
            .unwrap();
        out
    }

    #[test]
    fn new_gone_changed() {
        let mut w = Watcher::default();
        let first = events(&mut w, vec![rec(1, 10, 0), rec(2, 1, 0), rec(3, 1, 100)]);
        assert_eq!(first.iter().filter(|e| e.0 == EventKind::New).count(), 3);
        // 1 unchanged, 2 became time-wait, 3's send queue grew, 4 is new; then 5 gone.
        let second = events(
            &mut w,
            vec![rec(1, 10, 0), rec(2, 6, 0), rec(3, 1, 500), rec(4, 1, 0)],
        );
        assert_eq!(
            second,
            vec![
                (EventKind::Changed, 2),
                (EventKind::Changed, 3),
                (EventKind::New, 4)
            ]
        );
        // A queue that shrinks is not a change; sockets not seen again are gone.
        let third = events(&mut w, vec![rec(3, 1, 10)]);
        assert_eq!(
            third,
            vec![
                (EventKind::Gone, 1),
                (EventKind::Gone, 2),
                (EventKind::Gone, 4)
            ]
        );
    }
}
