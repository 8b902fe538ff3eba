//! The detector's readiness loop: one poller (epoll through `polling`, oneshot), at most
//! `in_flight` machines ([`super::machine`]) at once, fed from a channel as the probe finds
//! open ports; each machine is advanced when its socket is ready or its time is up. It runs
//! on one thread of its own beside the probe's loop (see [`super::Detector`]).
use super::machine::{Machine, Status, Want};
use super::{Config, Job, Service};
use crate::interrupt::Interrupt;
use polling::{Event, Events, Poller};
use rustls::ClientConfig;
use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest the loop sleeps before it looks at the interrupt flag again.
const TICK: Duration = Duration::from_millis(50);

struct Slot {
    m: Machine,
    /// The connection (see [`Machine::conn`]) whose socket is in the poller, if any.
    registered: Option<u32>,
}

/// The event key of a slot's connection: stale events of an earlier connection are told
/// apart by it.
fn key(idx: usize, conn: u32) -> usize {
    (idx & 0xffff_ffff) | ((conn as usize & 0x7fff_ffff) << 32)
}

struct Loop<'a> {
    poller: &'a Poller,
    cfg: Arc<Config>,
    tls: Arc<ClientConfig>,
    slots: Vec<Option<Slot>>,
    free: Vec<usize>,
    active: usize,
    queue: VecDeque<Job>,
    /// No socket could be made: start nothing new until a machine is done.
    starved: bool,
    done: Vec<(usize, Service)>,
}

/// Runs until the channel is closed and every job is done (or Ctrl-C): the services by job key.
pub(super) fn run(
    rx: &Receiver<Job>,
    poller: &Poller,
    cfg: Arc<Config>,
    tls: Arc<ClientConfig>,
    interrupt: &Interrupt,
) -> Vec<(usize, Service)> {
    let mut l = Loop {
        poller,
        cfg,
        tls,
        slots: Vec::new(),
        free: Vec::new(),
        active: 0,
        queue: VecDeque::new(),
        starved: false,
        done: Vec::new(),
    };
    let mut events = Events::new();
    let mut open = true;
    loop {
        if interrupt.raised() {
            break;
        }
        while open {
            match rx.try_recv() {
                Ok(j) => l.queue.push_back(j),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => open = false,
            }
        }
        let now = Instant::now();
        l.start_queued(now);
        if !open && l.active == 0 && l.queue.is_empty() {
            break;
        }
        let next = l
            .slots
            .iter()
            .flatten()
            .map(|s| s.m.wake_at())
            .min()
            .unwrap_or(now + TICK);
        let wait = next.saturating_duration_since(now).min(TICK);
        events.clear();
        if let Err(e) = poller.wait(&mut events, Some(wait)) {
            if e.kind() != std::io::ErrorKind::Interrupted {
                // The loop cannot go on: the ports left keep their guesses.
                break;
            }
        }
        let now = Instant::now();
        for ev in events.iter() {
            let idx = ev.key & 0xffff_ffff;
            let conn = (ev.key >> 32) as u32;
            let current = l
                .slots
                .get(idx)
                .and_then(|s| s.as_ref())
                .is_some_and(|s| s.m.conn & 0x7fff_ffff == conn);
            if current {
                l.advance(idx, now);
            }
        }
        for idx in 0..l.slots.len() {
            let due = l.slots[idx].as_ref().is_some_and(|s| s.m.wake_at() <= now);
            if due {
                l.advance(idx, now);
            }
        }
    }
    l.close_all();
    l.done
}

impl Loop<'_> {
    fn start_queued(&mut self, now: Instant) {
        while self.active < self.cfg.in_flight.max(1) && !self.starved {
            let Some(job) = self.queue.pop_front() else {
                return;
            };
            let m = Machine::new(job, Arc::clone(&self.cfg), Arc::clone(&self.tls), now);
            let idx = match self.free.pop() {
                Some(i) => i,
                None => {
                    self.slots.push(None);
                    self.slots.len() - 1
                }
            };
            self.slots[idx] = Some(Slot {
                m,
                registered: None,
            });
            self.active += 1;
            self.advance(idx, now);
        }
    }

    /// Advances one machine and keeps the poller in step with it.
    fn advance(&mut self, idx: usize, now: Instant) {
        let Some(slot) = self.slots[idx].as_mut() else {
            return;
        };
        let status = slot.m.advance(now);
        for (conn, sock) in slot.m.take_retired() {
            if slot.registered == Some(conn) {
                let _ = self.poller.delete(&sock);
                slot.registered = None;
            }
            drop(sock);
        }
        match status {
            Status::Wait(want) => {
                if !arm(self.poller, idx, slot, want) {
                    self.finish(idx, Service::named("unknown"));
                }
            }
            Status::Done(s) => self.finish(idx, *s),
            Status::NoFd if self.active > 1 => {
                // Another port's socket frees one soon: this one waits in line.
                if let Some(slot) = self.slots[idx].take() {
                    self.queue.push_front(slot.m.job);
                    self.free.push(idx);
                    self.active -= 1;
                    self.starved = true;
                }
            }
            Status::NoFd => self.finish(idx, Service::named("unknown")),
        }
    }

    fn finish(&mut self, idx: usize, s: Service) {
        let Some(slot) = self.slots[idx].take() else {
            return;
        };
        self.done.push((slot.m.job.key, s));
        release(self.poller, slot);
        self.free.push(idx);
        self.active -= 1;
        self.starved = false;
    }

    /// Ctrl-C or the end: every socket out of the poller, then closed (with a reset).
    fn close_all(&mut self) {
        for s in self.slots.iter_mut() {
            if let Some(slot) = s.take() {
                release(self.poller, slot);
            }
        }
        self.active = 0;
    }
}

/// Takes a machine's socket out of the poller; dropping the machine then closes it.
fn release(poller: &Poller, slot: Slot) {
    if slot.registered == Some(slot.m.conn) {
        if let Some(sock) = slot.m.sock() {
            let _ = poller.delete(sock);
        }
    }
}

/// Registers (or re-arms) the machine's socket for what it waits for; false when the poller
/// refuses it.
fn arm(poller: &Poller, idx: usize, slot: &mut Slot, want: Want) -> bool {
    let k = key(idx, slot.m.conn);
    let ev = match want {
        Want::Read => Event::readable(k),
        Want::Write => Event::writable(k),
    };
    let Some(sock) = slot.m.sock() else {
        return false;
    };
    if slot.registered == Some(slot.m.conn) {
        return poller.modify(sock, ev).is_ok();
    }
    // Every socket is deleted from the poller before it is dropped: retired sockets in
    // `Loop::advance`, the rest in `release`.
    let ok = crate::net::poll::register(poller, sock, ev, polling::PollMode::Oneshot).is_ok();
    if ok {
        slot.registered = Some(slot.m.conn);
    }
    ok
}
