//! Timing pings: a round-trip sample for a host none of whose ports answers (every probed
//! port dropped), as nmap's timing pings give one. Beside the scan of each host (adaptive TCP
//! runs), an ICMP echo goes out (a ping socket where `net.ipv4.ping_group_range` admits us, a
//! raw socket as root); when it stays unanswered, the next rounds add a UDP datagram to a high
//! port, whose port unreachable is an answer too (sent late, because the host's ICMP errors
//! share one rate limit with the rejects of its ports). The first answer sets the host's
//! deadline (srtt + 4·rttvar, floor as for ports), and tries already in flight are given it.
//! A host that never answers a ping, a datagram or a port "answered nothing".
use super::*;
use socket2::Protocol;

/// Poller keys of timing sockets: above every slot index; host `h` has `TIMING_KEY + 2h`
/// (echo) and `TIMING_KEY + 2h + 1` (UDP).
pub(super) const TIMING_KEY: usize = 1 << 40;
/// The UDP port of the timing datagram: high and seldom served (nmap's UDP ping port).
pub(super) const TIMING_UDP_PORT: u16 = 40125;
/// Rounds of timing pings per host, and the time between them.
const ROUNDS: u8 = 4;
const INTERVAL: Duration = Duration::from_millis(250);
const PAYLOAD: &[u8] = b"sockdiag timing";

/// How echo requests can be sent here, found once per family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EchoVia {
    /// An unprivileged ping socket: the kernel fills in the id and checksum, and hands us
    /// only the replies to our id.
    Ping,
    /// A raw ICMP socket (root): every ICMP message from the host arrives, ours is told by
    /// its id.
    Raw,
    /// Neither: UDP only.
    None,
}

/// A host's timing pings.
#[derive(Default)]
pub(super) struct Timing {
    pub(super) echo: Option<(Socket, Instant)>,
    pub(super) udp: Option<(Socket, Instant)>,
    pub(super) rounds: u8,
    /// What gave the host's first round-trip sample.
    pub(super) via: Option<&'static str>,
}

impl Engine<'_> {
    /// Whether timing pings run: adaptive TCP, where a sample sets the deadlines.
    pub(super) fn timing_on(&self) -> bool {
        self.adapt
    }

    /// One round of timing pings to host `h`, if it still has no sample and ports to decide.
    pub(super) fn timing_round(&mut self, h: u32, now: Instant) {
        let host = &self.hosts[h as usize];
        if !self.timing_on() || host.rtt.samples > 0 || host.timing.rounds >= ROUNDS {
            return;
        }
        let round = host.timing.rounds;
        self.hosts[h as usize].timing.rounds += 1;
        let dest = self.addrs[h as usize];
        let echo = self.open_echo(dest, h, round);
        let udp = if round > 0 { self.open_udp(dest) } else { None };
        let key = TIMING_KEY + 2 * h as usize;
        for (k, s) in [(key, echo), (key + 1, udp)] {
            let Some(sock) = s else { continue };
            // The socket leaves epoll when it is closed (dropped) below or on a later round.
            let ev = Event::readable(k);
            if crate::net::poll::register(&self.poller, &sock, ev, polling::PollMode::Oneshot)
                .is_err()
            {
                continue;
            }
            let t = &mut self.hosts[h as usize].timing;
            // A later round replaces the earlier socket (closed, so it leaves epoll).
            if k == key {
                t.echo = Some((sock, now));
            } else {
                t.udp = Some((sock, now));
            }
        }
        // The last round's answer is waited for a deadline, then its sockets close.
        let next = if self.hosts[h as usize].timing.rounds < ROUNDS {
            INTERVAL
        } else {
            self.cfg.timeout
        };
        self.timing_due.push(Reverse((now + next, h)));
    }

    /// Rounds due now, for hosts that still have work and no sample.
    pub(super) fn timing_rounds_due(&mut self, now: Instant) {
        while let Some(&Reverse((t, h))) = self.timing_due.peek() {
            if t > now {
                break;
            }
            self.timing_due.pop();
            let host = &self.hosts[h as usize];
            if self.host_done(h as usize) || host.rtt.samples > 0 || host.timing.rounds >= ROUNDS {
                self.timing_close(h as usize);
            } else {
                self.timing_round(h, now);
            }
        }
    }

    pub(super) fn next_timing_round(&self) -> Option<Instant> {
        self.timing_due.peek().map(|Reverse((t, _))| *t)
    }

    pub(super) fn timing_close(&mut self, h: usize) {
        let t = &mut self.hosts[h].timing;
        t.echo = None;
        t.udp = None;
    }

    fn open_echo(&mut self, dest: SocketAddr, h: u32, round: u8) -> Option<Socket> {
        let v6 = dest.is_ipv6();
        let fam = usize::from(v6);
        let (domain, proto) = if v6 {
            (Domain::IPV6, Protocol::ICMPV6)
        } else {
            (Domain::IPV4, Protocol::ICMPV4)
        };
        let try_open = |ty: Type| Socket::new(domain, ty.nonblocking(), Some(proto));
        let (sock, via) = match self.echo_via[fam] {
            Some(EchoVia::None) => return None,
            Some(EchoVia::Ping) => (try_open(Type::DGRAM).ok()?, EchoVia::Ping),
            Some(EchoVia::Raw) => (try_open(Type::RAW).ok()?, EchoVia::Raw),
            None => match try_open(Type::DGRAM) {
                Ok(s) => (s, EchoVia::Ping),
                Err(_) => match try_open(Type::RAW) {
                    Ok(s) => (s, EchoVia::Raw),
                    Err(_) => {
                        self.echo_via[fam] = Some(EchoVia::None);
                        return None;
                    }
                },
            },
        };
        self.echo_via[fam] = Some(via);
        crate::net::bind::bind_local(&sock, v6, self.cfg.source, self.cfg.interface.as_deref())
            .ok()?;
        let mut to = dest;
        to.set_port(0);
        sock.connect(&SockAddr::from(to)).ok()?;
        let mut msg = vec![if v6 { 128 } else { 8 }, 0, 0, 0];
        msg.extend_from_slice(&echo_id(h).to_be_bytes());
        msg.extend_from_slice(&u16::from(round).to_be_bytes());
        msg.extend_from_slice(PAYLOAD);
        if via == EchoVia::Raw && !v6 {
            // The kernel computes ICMPv6's checksum, not ICMPv4's.
            let c = checksum(&msg);
            msg[2..4].copy_from_slice(&c.to_be_bytes());
        }
        sock.send(&msg).ok()?;
        Some(sock)
    }

    fn open_udp(&self, dest: SocketAddr) -> Option<Socket> {
        let v6 = dest.is_ipv6();
        let sock = Socket::new(Domain::for_address(dest), Type::DGRAM.nonblocking(), None).ok()?;
        recverr::enable(sock.as_raw_fd(), v6).ok()?;
        crate::net::bind::bind_local(&sock, v6, self.cfg.source, self.cfg.interface.as_deref())
            .ok()?;
        let mut to = dest;
        to.set_port(TIMING_UDP_PORT);
        sock.connect(&SockAddr::from(to)).ok()?;
        sock.send(PAYLOAD).ok()?;
        Some(sock)
    }

    /// A timing socket is readable: an echo reply (or another ICMP message, on a raw
    /// socket), a UDP reply, or an error.
    pub(super) fn timing_event(&mut self, key: usize, now: Instant) {
        let h = (key - TIMING_KEY) / 2;
        let is_echo = (key - TIMING_KEY) % 2 == 0;
        let Some(host) = self.hosts.get_mut(h) else {
            return;
        };
        let taken = if is_echo {
            host.timing.echo.take()
        } else {
            host.timing.udp.take()
        };
        let Some((sock, sent)) = taken else { return };
        let target = self.addrs[h].ip();
        let mut buf = [0u8; 512];
        let answered = match io::Read::read(&mut &sock, &mut buf) {
            Ok(n) if is_echo => self.is_echo_reply(&buf[..n], h as u32, target.is_ipv6()),
            Ok(_) => true,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => false,
            Err(e) => {
                // Port unreachable from the host itself is its answer; a router's error is not.
                let icmp = recverr::read_icmp(sock.as_raw_fd());
                !is_echo
                    && e.raw_os_error() == Some(libc::ECONNREFUSED)
                    && icmp.is_some_and(|i| i.from_other_than(target).is_none())
            }
        };
        if !answered {
            // Not ours (a raw socket sees every ICMP message from the host), or an error
            // from a router: keep waiting for the host's own answer.
            let _ = self.poller.modify(&sock, Event::readable(key));
            let t = &mut self.hosts[h].timing;
            if is_echo {
                t.echo = Some((sock, sent));
            } else {
                t.udp = Some((sock, sent));
            }
            return;
        }
        drop(sock);
        let host = &mut self.hosts[h];
        host.heard = true;
        if host.timing.via.is_none() && host.rtt.samples == 0 {
            host.timing.via = Some(if is_echo { "echo" } else { "udp" });
        }
        host.rtt.sample(now - sent);
        let ping_only = host.timing.via != Some("port");
        self.timing_close(h);
        self.deadlines_from_rtt(h);
        // A try that ends after a ping's round trip holds one SYN, where a try of a second
        // or more holds the kernel's retransmission too: while no port has answered, silent
        // ports get one try more, so two SYNs lost in a row (a SYN quota, a burst of loss)
        // do not make an open port filtered. One try (`--retries 0`) stays one.
        if ping_only
            && self.cfg.retries > 0
            && self.hosts[h].rtt.timeout(self.cfg.timeout) < adapt::KERNEL_SYN_RTO
        {
            self.raise_tries(h, self.cfg.retries.saturating_add(2));
        }
    }

    fn is_echo_reply(&self, msg: &[u8], h: u32, v6: bool) -> bool {
        let fam = usize::from(v6);
        let icmp = match self.echo_via[fam] {
            // IPv4 raw sockets hand over the IP header too.
            Some(EchoVia::Raw) if !v6 => {
                let Some(&b) = msg.first() else { return false };
                let ihl = usize::from(b & 0x0f) * 4;
                msg.get(ihl..).unwrap_or(&[])
            }
            _ => msg,
        };
        let reply = if v6 { 129 } else { 0 };
        if icmp.len() < 8 || icmp[0] != reply {
            return false;
        }
        // A ping socket's id is the kernel's, and only our replies reach it.
        self.echo_via[fam] == Some(EchoVia::Ping) || icmp[4..6] == echo_id(h).to_be_bytes()
    }

    /// The host's deadline shrank (a first sample): tries in flight get it, counted from their
    /// start (a later deadline of theirs finds them gone, by the generation).
    pub(super) fn deadlines_from_rtt(&mut self, h: usize) {
        let t = self.hosts[h].rtt.timeout(self.cfg.timeout);
        if t * 2 > self.hosts[h].pushed_timeout {
            return;
        }
        self.hosts[h].pushed_timeout = t;
        for (i, s) in self.slots.iter().enumerate() {
            if s.sock.is_some() && s.p.target as usize == h && !matches!(s.p.kind, Kind::Canary(_))
            {
                self.deadlines.push(Reverse((s.started + t, i, s.gen)));
            }
        }
    }
}

/// The echo id of host `h`'s requests on a raw socket: ours by the process id.
fn echo_id(h: u32) -> u16 {
    (std::process::id() as u16)
        .wrapping_mul(31)
        .wrapping_add(h as u16)
}

/// The Internet checksum (RFC 1071).
fn checksum(b: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for c in b.chunks(2) {
        let w = if c.len() == 2 {
            u32::from(u16::from_be_bytes([c[0], c[1]]))
        } else {
            u32::from(c[0]) << 8
        };
        sum += w;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc1071_checksum() {
        // An echo request with id 1, seq 1 and no data: 0xf7fd.
        assert_eq!(super::checksum(&[8, 0, 0, 0, 0, 1, 0, 1]), 0xf7fd);
        // Odd length: the last byte is the high half of a word.
        assert_eq!(super::checksum(&[0xff]), 0x00ff);
    }
}
