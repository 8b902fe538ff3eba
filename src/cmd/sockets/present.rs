//! How a socket, a watch event and a summary look: the `Record` implementations the
//! renderers take, and the -v cells.
use crate::output::layout::Fit;
use crate::output::{self, json, plain, Cell, Format, OutputOpts, Record, Tone};
use crate::sockets::summary::Summary;
use crate::sockets::watch::{Event, EventKind};
use crate::sockets::{self, SocketRecord, TimerKind};
use std::io::Write;

pub fn write_summary(w: &mut impl Write, out: &OutputOpts, s: &Summary) -> std::io::Result<()> {
    let counts = |c: &sockets::summary::Count| {
        vec![
            Cell::new(c.proto.as_str()),
            Cell::new(c.family.as_str()),
            Cell::new(c.state.name()),
            Cell::new(c.count.to_string()),
        ]
    };
    let procs = |p: &sockets::summary::ProcessCount| {
        vec![
            Cell::new(p.pid.to_string()),
            Cell::new(shown(&p.command)),
            Cell::new(p.sockets.to_string()),
        ]
    };
    match out.format {
        Format::Json => json::write_unflushed(w, s),
        Format::Plain => {
            for c in &s.counts {
                writeln!(w, "count\t{}", plain::line(&counts(c)))?;
            }
            writeln!(w, "total\t{}", s.total)?;
            for p in &s.top_processes {
                writeln!(w, "process\t{}", plain::line(&procs(p)))?;
            }
            Ok(())
        }
        Format::Table => {
            let mut rows: Vec<Vec<Cell>> = s.counts.iter().map(counts).collect();
            rows.push(vec![
                Cell::toned("total", Tone::Dim),
                Cell::new(""),
                Cell::new(""),
                Cell::new(s.total.to_string()),
            ]);
            output::table::write_rows(w, out, &["PROTO", "FAMILY", "STATE", "COUNT"], &rows)?;
            if !s.top_processes.is_empty() {
                let rows: Vec<Vec<Cell>> = s.top_processes.iter().map(procs).collect();
                output::table::write_rows(w, out, &["PID", "COMMAND", "SOCKETS"], &rows)?;
            }
            Ok(())
        }
    }
}

impl Record for Summary {
    const TYPE: &'static str = "socket-summary";

    fn headers(_verbose: u8) -> Vec<&'static str> {
        vec!["TOTAL"]
    }

    fn cells(&self, _verbose: u8) -> Vec<Cell> {
        vec![Cell::new(self.total.to_string())]
    }
}

impl Record for Event {
    const TYPE: &'static str = "socket-event";

    fn headers(verbose: u8) -> Vec<&'static str> {
        let mut h = vec!["EVENT", "CHANGE"];
        h.extend(SocketRecord::headers(verbose));
        h
    }

    /// The event never gives way, the change wraps, the socket's columns as a socket's.
    fn fits(verbose: u8) -> Vec<Fit> {
        let mut f = vec![Fit::Keep, Fit::Wrap];
        f.extend(SocketRecord::fits(verbose));
        f
    }

    fn cells(&self, verbose: u8) -> Vec<Cell> {
        let tone = match self.event {
            EventKind::New => Tone::Good,
            EventKind::Gone => Tone::Bad,
            EventKind::Changed => Tone::Warn,
            EventKind::Same => Tone::Dim,
        };
        let event = if self.event == EventKind::Same {
            Cell::new("-")
        } else {
            Cell::toned(self.event.as_str(), tone)
        };
        let change = match &self.was {
            None => Cell::new("-"),
            Some(was) => {
                let s = &self.socket;
                let mut parts = Vec::new();
                if was.state != s.state {
                    parts.push(format!("state {} -> {}", was.state, s.state));
                }
                if s.send_q > was.send_q {
                    parts.push(format!("send-q +{}", s.send_q - was.send_q));
                }
                if s.recv_q > was.recv_q {
                    parts.push(format!("recv-q +{}", s.recv_q - was.recv_q));
                }
                Cell::new(parts.join("\n"))
            }
        };
        let mut cells = vec![event, change];
        cells.extend(self.socket.cells(verbose));
        cells
    }
}

impl SocketRecord {
    /// The local end as ss shows it: `*:PORT` for a dual-stack `[::]` socket (IPV6_V6ONLY
    /// off: it takes IPv4 too), which `[::]:PORT` would pass off as IPv6-only.
    fn shown_local(&self, l: &sockets::Endpoint) -> String {
        match l.inet() {
            Some(a) if a.is_ipv6() && a.ip().is_unspecified() && self.v6only == Some(false) => {
                format!("*:{}", a.port())
            }
            _ => shown(&l.to_string()),
        }
    }
}

impl SocketRecord {
    /// Who holds the socket, compact: `812/nginx` for one process, `nginx (812,813,814)` for
    /// several of one command (a parent and its forked children), `812/nginx,900/sshd` when
    /// their commands differ; `-` for none known.
    fn shown_holders(&self) -> String {
        match &self.holders[..] {
            [] | [_] => match (self.pid, &self.command) {
                (Some(p), Some(c)) => format!("{p}/{}", shown(c)),
                (Some(p), None) => p.to_string(),
                _ => "-".into(),
            },
            [first, rest @ ..] => {
                if rest.iter().all(|h| h.command == first.command) {
                    let pids: Vec<String> =
                        self.holders.iter().map(|h| h.pid.to_string()).collect();
                    format!("{} ({})", shown(&first.command), pids.join(","))
                } else {
                    let each: Vec<String> = self
                        .holders
                        .iter()
                        .map(|h| format!("{}/{}", h.pid, shown(&h.command)))
                        .collect();
                    each.join(",")
                }
            }
        }
    }
}

impl Record for SocketRecord {
    const TYPE: &'static str = "socket";

    fn headers(verbose: u8) -> Vec<&'static str> {
        let mut h = vec![
            "PROTO", "STATE", "LOCAL", "PEER", "RECV-Q", "SEND-Q", "PROCESS", "UID",
        ];
        if verbose > 0 {
            h.extend([
                "RTT", "CWND", "RETRANS", "BYTES", "RATE", "LAST", "MEM", "TIMER",
            ]);
        }
        h
    }

    /// At 80 columns the socket itself matters most: its protocol, state and two ends are
    /// never left out. The -v figures give way first (the rightmost first), then the owner's
    /// uid, the queues (send, then receive), and last the process; the timer and memory
    /// cells would wrap at spaces, but they go before anything wraps (one line a socket).
    fn fits(verbose: u8) -> Vec<Fit> {
        let mut f = vec![
            Fit::Keep,
            Fit::Keep,
            Fit::Keep,
            Fit::Keep,
            Fit::Drop(3),
            Fit::Drop(2),
            Fit::Drop(4),
            Fit::Drop(1),
        ];
        if verbose > 0 {
            f.extend([Fit::Drop(0); 8]);
        }
        f
    }

    fn cells(&self, verbose: u8) -> Vec<Cell> {
        let proto = match self.unix_type {
            Some(t) => format!("unix-{t}"),
            None => self.proto.as_str().to_string(),
        };
        let state_tone = match self.state.name() {
            "listen" => Tone::Good,
            "close-wait" | "fin-wait-1" | "last-ack" | "closing" => Tone::Warn,
            "time-wait" | "unconnected" => Tone::Dim,
            _ => Tone::Normal,
        };
        let peer = match (&self.peer, self.peer_inode) {
            (Some(p), _) => Cell::new(shown(&p.to_string())),
            (None, Some(ino)) => Cell::new(format!("inode {ino}")),
            (None, None) => Cell::new("-"),
        };
        let queue = |q: u32| {
            if q > 0 && self.state.name() != "listen" {
                Cell::toned(q.to_string(), Tone::Warn)
            } else {
                Cell::new(q.to_string())
            }
        };
        let process = Cell::new(self.shown_holders());
        let mut cells = vec![
            Cell::new(proto),
            Cell::toned(self.state.name(), state_tone),
            self.local
                .as_ref()
                .map_or_else(|| Cell::new("-"), |l| Cell::new(self.shown_local(l))),
            peer,
            queue(self.recv_q),
            queue(self.send_q),
            process,
            Cell::opt(self.uid),
        ];
        if verbose > 0 {
            cells.extend(verbose_cells(self));
        }
        cells
    }
}

/// A process name or a UNIX path as it may be written (anything but NUL and `/` in a path,
/// anything in a name): a tab, a newline or another control character escaped (`\t`, `\n`,
/// `\xNN`, and `\\` for a backslash) so plain output keeps one field per column and one
/// line per socket, as connect's quotes do. JSON keeps the raw text (it escapes its own).
fn shown(text: &str) -> String {
    if !text.chars().any(|c| c.is_control() || c == '\\') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let mut b = [0u8; 4];
                for byte in c.encode_utf8(&mut b).bytes() {
                    out.push_str(&format!("\\x{byte:02x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// The -v columns: TCP_INFO, memory, timer.
fn verbose_cells(r: &SocketRecord) -> Vec<Cell> {
    let dash = || Cell::new("-");
    let mut cells = match &r.tcp_info {
        None => vec![dash(), dash(), dash(), dash(), dash(), dash()],
        Some(t) => {
            let opt = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
            let retrans = format!("{}/{}", t.retransmits, t.total_retrans);
            vec![
                Cell::new(format!("{}/{}ms", ms(t.rtt_ms), ms(t.rttvar_ms))),
                Cell::new(format!(
                    "{}/{}",
                    t.cwnd,
                    t.ssthresh.map_or("-".to_string(), |s| s.to_string())
                )),
                if t.total_retrans > 0 {
                    Cell::toned(retrans, Tone::Warn)
                } else {
                    Cell::new(retrans)
                },
                Cell::new(format!("{}/{}", opt(t.bytes_acked), opt(t.bytes_received))),
                Cell::new(format!("{}/{}", rate(t.delivery_rate), rate(t.pacing_rate))),
                Cell::new(format!("{}ms/{}ms", t.last_send_ms, t.last_recv_ms)),
            ]
        }
    };
    cells.push(match &r.mem {
        None => dash(),
        Some(m) => Cell::new(format!(
            "r{}/{} w{}/{} q{}",
            m.rmem_alloc, m.rcvbuf, m.wmem_alloc, m.sndbuf, m.wmem_queued
        )),
    });
    cells.push(match &r.timer {
        None => dash(),
        Some(t) => {
            let left = format!("{:.1}s", f64::from(t.left_ms) / 1000.0);
            match t.kind {
                TimerKind::Retransmit | TimerKind::ZeroWindowProbe if t.count > 0 => {
                    Cell::new(format!("{} {left} ({})", t.kind.as_str(), t.count))
                }
                k => Cell::new(format!("{} {left}", k.as_str())),
            }
        }
    });
    cells
}

/// Milliseconds with three decimals at most, trailing zeros dropped.
fn ms(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Bytes per second as bits per second, in the units ss uses.
fn rate(v: Option<u64>) -> String {
    let Some(bytes) = v else {
        return "-".into();
    };
    let bits = bytes as f64 * 8.0;
    for (unit, div) in [("Gbps", 1e9), ("Mbps", 1e6), ("Kbps", 1e3)] {
        if bits >= div {
            return format!("{:.1}{unit}", bits / div);
        }
    }
    format!("{bits:.0}bps")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::rendered_with;
    use crate::sockets::summary::Counter;
    use crate::sockets::{Endpoint, Family, MemInfo, Proto, State, TcpInfo, Timer};

    fn rec(proto: Proto, state: u8, local: &str, peer: Option<&str>) -> SocketRecord {
        let inet = |s: &str| Endpoint::Inet(s.parse().unwrap());
        SocketRecord {
            proto,
            family: if local.starts_with('[') {
                Family::Inet6
            } else {
                Family::Inet
            },
            unix_type: None,
            state: State(state),
            local: Some(inet(local)),
            peer: peer.map(inet),
            peer_inode: None,
            v6only: None,
            recv_q: 0,
            send_q: 0,
            inode: 4242,
            uid: Some(0),
            pid: Some(812),
            command: Some("nginx".into()),
            holders: vec![],
            tcp_info: None,
            mem: None,
            timer: None,
            cookie: 1,
        }
    }

    /// Issue 22: a tab or a newline in a process name or a path became a space or the list
    /// separator in plain output; escaped, each socket stays one line of eight fields.
    #[test]
    fn tabs_and_newlines_in_names_and_paths_are_escaped() {
        let mut r = rec(Proto::Tcp, 1, "127.0.0.1:80", Some("127.0.0.1:5000"));
        r.command = Some("a\tb\nc\\d".into());
        let mut u = rec(Proto::Unix, 1, "127.0.0.1:1", None);
        u.local = Some(Endpoint::Unix("/tmp/x\ty\nz".into()));
        u.command = Some("plain".into());
        let recs = [r, u];
        let out = rendered_with(Format::Plain, 0, |w, o| output::render(w, o, &recs));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out:?}");
        for l in &lines {
            assert_eq!(l.split('\t').count(), 8, "{l:?}");
        }
        assert!(lines[0].contains("812/a\\tb\\nc\\\\d"), "{out:?}");
        assert!(lines[1].contains("/tmp/x\\ty\\nz"), "{out:?}");
        let one = [rec(Proto::Tcp, 1, "127.0.0.1:80", None)];
        let json = rendered_with(Format::Json, 0, |w, o| output::render(w, o, &one));
        assert!(json.contains("\"nginx\""), "{json}");
    }

    /// Issue 22: a dual-stack `[::]` listener looked like a v6-only one; ss shows `*:7003`.
    #[test]
    fn a_dual_stack_listener_is_star_port() {
        let mut dual = rec(Proto::Tcp, 10, "[::]:7003", None);
        dual.v6only = Some(false);
        let mut only = rec(Proto::Tcp, 10, "[::]:7004", None);
        only.v6only = Some(true);
        let unknown = rec(Proto::Tcp, 10, "[::]:7005", None);
        let recs = [dual, only, unknown];
        let out = rendered_with(Format::Plain, 0, |w, o| output::render(w, o, &recs));
        let locals: Vec<&str> = out.lines().map(|l| l.split('\t').nth(2).unwrap()).collect();
        assert_eq!(locals, ["*:7003", "[::]:7004", "[::]:7005"], "{out}");
        let json = rendered_with(Format::Json, 0, |w, o| output::render(w, o, &recs[..1]));
        assert!(
            json.contains("\"local\":\"[::]:7003\"") && json.contains("\"v6only\":false"),
            "{json}"
        );
    }

    /// Issue 22: a socket shared by processes after fork was credited to one (the lowest
    /// pid): the table and plain output listed one process, `--summary` counted it for one.
    /// Every holder is listed, and the summary counts the socket once for each of them.
    #[test]
    fn every_holder_of_a_shared_socket_is_listed_and_counted() {
        use crate::sockets::Holder;
        let h = |pid: u32, c: &str| Holder {
            pid,
            command: c.into(),
        };
        let mut forked = rec(Proto::Tcp, 10, "0.0.0.0:8080", None);
        forked.holders = vec![h(812, "nginx"), h(813, "nginx"), h(814, "nginx")];
        let mut mixed = rec(Proto::Tcp, 10, "0.0.0.0:8081", None);
        mixed.holders = vec![h(812, "nginx"), h(900, "a\tb")];
        let recs = [forked, mixed];
        let out = rendered_with(Format::Plain, 0, |w, o| output::render(w, o, &recs));
        let procs: Vec<&str> = out.lines().map(|l| l.split('\t').nth(6).unwrap()).collect();
        assert_eq!(
            procs,
            ["nginx (812,813,814)", "812/nginx,900/a\\tb"],
            "{out}"
        );
        let json = rendered_with(Format::Json, 0, |w, o| output::render(w, o, &recs[..1]));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            (v["pid"].as_u64(), v["command"].as_str()),
            (Some(812), Some("nginx"))
        );
        let pids: Vec<u64> = v["holders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["pid"].as_u64().unwrap())
            .collect();
        assert_eq!(pids, [812, 813, 814]);
        let mut c = Counter::default();
        recs.iter().for_each(|r| c.add(r));
        let s = c.finish(10);
        assert_eq!(s.total, 2);
        let counts: Vec<(u32, u64)> = s.top_processes.iter().map(|p| (p.pid, p.sockets)).collect();
        assert_eq!(counts, [(812, 2), (813, 1), (814, 1), (900, 1)]);
    }

    fn records() -> Vec<SocketRecord> {
        let mut listen = rec(Proto::Tcp, 10, "0.0.0.0:443", None);
        listen.send_q = 511;
        let mut est = rec(Proto::Tcp, 1, "10.0.0.2:443", Some("10.0.0.9:51234"));
        est.send_q = 2896;
        est.tcp_info = Some(TcpInfo {
            rtt_ms: 1.25,
            rttvar_ms: 0.5,
            min_rtt_ms: Some(0.9),
            rto_ms: 204.0,
            cwnd: 10,
            ssthresh: None,
            mss: 1448,
            rcv_mss: 536,
            retransmits: 0,
            total_retrans: 3,
            unacked: 2,
            lost: 0,
            bytes_sent: Some(120_000),
            bytes_acked: Some(117_104),
            bytes_received: Some(812),
            bytes_retrans: Some(4344),
            segs_out: Some(90),
            segs_in: Some(60),
            notsent_bytes: Some(0),
            delivery_rate: Some(12_500_000),
            pacing_rate: None,
            last_send_ms: 4,
            last_recv_ms: 120,
            last_ack_recv_ms: 4,
            snd_wscale: 7,
            rcv_wscale: 7,
            snd_wnd: Some(65_535),
            rcv_space: 14_600,
            congestion: Some("cubic".into()),
        });
        est.mem = Some(MemInfo {
            rmem_alloc: 0,
            rcvbuf: 131_072,
            wmem_alloc: 0,
            sndbuf: 87_040,
            fwd_alloc: 0,
            wmem_queued: 4480,
            optmem: 0,
            backlog: 0,
            drops: 0,
        });
        est.timer = Some(Timer {
            kind: TimerKind::Retransmit,
            left_ms: 204,
            count: 1,
        });
        let mut tw = rec(
            Proto::Tcp,
            6,
            "[2001:db8::2]:40022",
            Some("[2001:db8::1]:22"),
        );
        (tw.uid, tw.pid, tw.command, tw.inode) = (None, None, None, 0);
        tw.timer = Some(Timer {
            kind: TimerKind::TimeWait,
            left_ms: 59_100,
            count: 0,
        });
        let udp = rec(Proto::Udp, 7, "127.0.0.1:53", None);
        let mut ux = rec(Proto::Unix, 1, "0.0.0.0:0", None);
        (ux.family, ux.unix_type, ux.local, ux.peer_inode) = (
            Family::Unix,
            Some("stream"),
            Some(Endpoint::Unix("/run/app.sock".into())),
            Some(4243),
        );
        vec![listen, est, tw, udp, ux]
    }

    fn render(format: Format, verbose: u8) -> String {
        rendered_with(format, verbose, |w, o| output::render(w, o, &records()))
    }

    #[test]
    fn table_snapshot() {
        insta::assert_snapshot!(render(Format::Table, 0));
    }

    /// Issue 22: the table ignored the terminal's width: at 80 columns every row wrapped, and
    /// `-v` took three lines a socket. Laid out as probe's and resolve's are: every line fits,
    /// no address, name or value is cut in two, and the columns left out are named.
    #[test]
    fn table_at_80_columns_snapshots() {
        for verbose in [0, 1] {
            let t = crate::output::rendered_at(Format::Table, verbose, Some(80), |w, o| {
                output::render(w, o, &records())
            });
            crate::output::layout::assert_fits(&t, 80);
            // One line a socket: 5 sockets, 3 borders, the header.
            let rows = t.lines().filter(|l| l.starts_with('│')).count();
            assert_eq!(rows, 6, "verbose {verbose}:\n{t}");
            for token in [
                "[2001:db8::2]:40022",
                "[2001:db8::1]:22",
                "10.0.0.9:51234",
                "/run/app.sock",
                "established",
            ] {
                assert!(t.contains(token), "{token} broken in\n{t}");
            }
            assert!(t.contains("(not shown at 80 columns: "), "{t}");
            insta::assert_snapshot!(format!("table_at_80_v{verbose}"), t);
        }
    }

    #[test]
    fn plain_snapshots() {
        insta::assert_snapshot!(render(Format::Plain, 0));
        insta::assert_snapshot!(render(Format::Plain, 1));
    }

    #[test]
    fn json_snapshot() {
        insta::assert_snapshot!(render(Format::Json, 1));
    }

    #[test]
    fn watch_event_and_summary() {
        let mut r = records().remove(1);
        r.send_q = 9000;
        let e = Event {
            event: EventKind::Changed,
            socket: r,
            was: Some(crate::sockets::watch::Was {
                state: State(1),
                recv_q: 0,
                send_q: 2896,
            }),
        };
        let plain = rendered_with(Format::Plain, 0, |w, o| {
            output::render(w, o, std::slice::from_ref(&e))
        });
        assert!(
            plain.starts_with("changed\tsend-q +6104\ttcp\testablished\t"),
            "{plain}"
        );
        let json = rendered_with(Format::Json, 0, |w, o| output::render(w, o, &[e]));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            (v["type"].as_str(), v["event"].as_str()),
            (Some("socket-event"), Some("changed"))
        );
        assert_eq!(
            (v["send_q"].as_u64(), v["was"]["send_q"].as_u64()),
            (Some(9000), Some(2896))
        );
        let mut c = Counter::default();
        records().iter().for_each(|r| c.add(r));
        let s = c.finish(10);
        let plain = rendered_with(Format::Plain, 0, |w, o| write_summary(w, o, &s));
        insta::assert_snapshot!(plain);
    }
}
