//! `sockdiag sockets` against sockets made inside a namespace of the test's own (listeners v4,
//! v6 and dual-stack, established pairs, a TIME_WAIT, a CLOSE_WAIT, UDP sockets, UNIX stream
//! and datagram sockets), so every expected set is exact and never depends on the host's
//! sockets; the same namespace's `ss` is the reference.
use crate::lab;
use lab::{json_lines, stdout, Ns};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{UnixDatagram, UnixListener, UnixStream};
use std::time::{Duration, Instant};

/// Every kind of socket the issue names, made inside the namespace by this process. Fields
/// not read are held: each socket lives as long as the zoo.
#[allow(dead_code)]
struct Zoo {
    v4: TcpListener,
    v6: TcpListener,
    dual: TcpListener,
    /// Client, server: 100 bytes sent by the client and not read by the server.
    est4: (TcpStream, TcpStream),
    est6: (TcpStream, TcpStream),
    /// An IPv4 client of the dual-stack listener, and the listener's side.
    mapped: (TcpStream, TcpStream),
    /// The local address of a client that closed first: it is in TIME_WAIT.
    tw_local: SocketAddr,
    /// The server side of a connection whose client closed: it is in CLOSE_WAIT.
    close_wait: TcpStream,
    cw_client: SocketAddr,
    udp: UdpSocket,
    udp_conn: UdpSocket,
    ux_listener: UnixListener,
    ux_pair: (UnixStream, UnixStream),
    ux_dgram: UnixDatagram,
    ux_abstract: UnixListener,
    abstract_name: String,
    dir: tempfile::TempDir,
}

fn pair(l: &TcpListener, to: SocketAddr) -> (TcpStream, TcpStream) {
    let c = TcpStream::connect_timeout(&to, Duration::from_secs(5)).expect("connect");
    let (s, _) = l.accept().expect("accept");
    (c, s)
}

impl Zoo {
    fn new(ns: &Ns) -> Zoo {
        ns.enter(|| {
            let v4 = TcpListener::bind("127.0.0.1:0").unwrap();
            let v6 = TcpListener::bind("[::1]:0").unwrap();
            // net.ipv6.bindv6only is 0 in a fresh namespace: [::] takes IPv4 too.
            let dual = TcpListener::bind("[::]:0").unwrap();
            let a4 = v4.local_addr().unwrap();
            let est4 = pair(&v4, a4);
            (&est4.0).write_all(&[7u8; 100]).unwrap();
            let est6 = pair(&v6, v6.local_addr().unwrap());
            let mapped = pair(
                &dual,
                SocketAddr::new(
                    "127.0.0.1".parse().unwrap(),
                    dual.local_addr().unwrap().port(),
                ),
            );
            // TIME_WAIT: the client closes first, then the server once it has read the end.
            let (c, mut s) = pair(&v4, a4);
            let tw_local = c.local_addr().unwrap();
            drop(c);
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut buf = [0u8; 8];
            assert_eq!(s.read(&mut buf).unwrap(), 0);
            drop(s);
            // CLOSE_WAIT: the client closes, the server never does.
            let (c, close_wait) = pair(&v4, a4);
            let cw_client = c.local_addr().unwrap();
            c.shutdown(Shutdown::Both).unwrap();
            drop(c);
            let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
            let udp_conn = UdpSocket::bind("127.0.0.1:0").unwrap();
            udp_conn.connect(udp.local_addr().unwrap()).unwrap();
            let dir = tempfile::tempdir().unwrap();
            let ux_listener = UnixListener::bind(dir.path().join("s.sock")).unwrap();
            let client = UnixStream::connect(dir.path().join("s.sock")).unwrap();
            let (server, _) = ux_listener.accept().unwrap();
            let ux_dgram = UnixDatagram::bind(dir.path().join("d.sock")).unwrap();
            let abstract_name = format!("sdlab-{}-{}", std::process::id(), tempfile_tag(&dir));
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(&abstract_name).unwrap();
            let ux_abstract = UnixListener::bind_addr(&addr).unwrap();
            Zoo {
                v4,
                v6,
                dual,
                est4,
                est6,
                mapped,
                tw_local,
                close_wait,
                cw_client,
                udp,
                udp_conn,
                ux_listener,
                ux_pair: (client, server),
                ux_dgram,
                ux_abstract,
                abstract_name,
                dir,
            }
        })
    }

    fn port4(&self) -> u16 {
        self.v4.local_addr().unwrap().port()
    }
}

/// A unique tag from a temporary directory's name (several zoos live in one process).
fn tempfile_tag(dir: &tempfile::TempDir) -> String {
    dir.path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// `sockdiag sockets --json ARGS` in `ns`: the exit code and the records.
fn sockets(ns: &Ns, args: &[&str]) -> (i32, Vec<Value>) {
    let mut all = vec!["sockets", "--json"];
    all.extend_from_slice(args);
    let out = ns.sockdiag(&all);
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "{args:?}: exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code, json_lines(&out))
}

/// Waits (bounded) until the TIME_WAIT and CLOSE_WAIT sockets are there; the records then.
fn settled(ns: &Ns) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, recs) = sockets(ns, &["--unix"]);
        let has = |s: &str| recs.iter().any(|r| r["state"] == s);
        if has("time-wait") && has("close-wait") && has("fin-wait-2") {
            return recs;
        }
        assert!(Instant::now() < deadline, "states never settled: {recs:#?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn my_comm() -> String {
    std::fs::read_to_string("/proc/self/comm")
        .unwrap()
        .trim_end()
        .to_string()
}

fn find(recs: &[Value], f: impl Fn(&Value) -> bool) -> &Value {
    let hits: Vec<&Value> = recs.iter().filter(|r| f(r)).collect();
    assert_eq!(hits.len(), 1, "one record expected: {hits:#?}");
    hits[0]
}

/// (proto, state, local, peer, recv-q, send-q, pid) of the TCP and UDP records.
type Row = (String, String, String, String, u64, u64, Option<u64>);

fn rows(recs: &[Value]) -> BTreeSet<Row> {
    recs.iter()
        .filter(|r| r["proto"] != "unix")
        .map(|r| {
            (
                r["proto"].as_str().unwrap().to_string(),
                r["state"].as_str().unwrap().to_string(),
                r["local"].as_str().unwrap().to_string(),
                r["peer"].as_str().unwrap_or("-").to_string(),
                r["recv_q"].as_u64().unwrap(),
                r["send_q"].as_u64().unwrap(),
                r["pid"].as_u64(),
            )
        })
        .collect()
}

/// The same rows from `ss -tuanpH` in the namespace, in sockdiag's names.
fn ss_rows(ns: &Ns) -> BTreeSet<Row> {
    let out = stdout(&ns.sh("ss -tuanpH 2>/dev/null"));
    out.lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let state = match f[1] {
                "ESTAB" => "established",
                "LISTEN" => "listen",
                "TIME-WAIT" => "time-wait",
                "CLOSE-WAIT" => "close-wait",
                "FIN-WAIT-1" => "fin-wait-1",
                "FIN-WAIT-2" => "fin-wait-2",
                "UNCONN" => "unconnected",
                "SYN-SENT" => "syn-sent",
                "SYN-RECV" => "syn-recv",
                "LAST-ACK" => "last-ack",
                "CLOSING" => "closing",
                other => panic!("ss state {other}"),
            };
            // ss writes a dual-stack wildcard as `*` and an unconnected peer's port as `*`.
            let local = match f[4].strip_prefix("*:") {
                Some(port) => format!("[::]:{port}"),
                None => f[4].to_string(),
            };
            let peer = if f[5].ends_with(":*") {
                "-".to_string()
            } else {
                f[5].to_string()
            };
            let pid = f.get(6).and_then(|users| {
                users
                    .split("pid=")
                    .skip(1)
                    .filter_map(|s| s.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
                    .min()
            });
            (
                f[0].to_string(),
                state.to_string(),
                local,
                peer,
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                pid,
            )
        })
        .collect()
}

#[test]
fn every_kind_of_socket_is_listed_as_ss_sees_it() {
    let Some(ns) = Ns::new("ss-kinds") else {
        return;
    };
    let zoo = Zoo::new(&ns);
    let recs = settled(&ns);
    let me = u64::from(std::process::id());
    let comm = my_comm();
    let local = |r: &Value, a: SocketAddr| r["local"] == a.to_string();

    let l4 = find(&recs, |r| {
        r["state"] == "listen" && local(r, zoo.v4.local_addr().unwrap())
    });
    assert_eq!(
        (l4["proto"].as_str(), l4["family"].as_str()),
        (Some("tcp"), Some("inet"))
    );
    assert_eq!(l4["peer"], Value::Null);
    assert_eq!(
        (l4["pid"].as_u64(), l4["command"].as_str()),
        (Some(me), Some(comm.as_str()))
    );
    assert_eq!(l4["uid"], 0);
    let l6 = find(&recs, |r| {
        r["state"] == "listen" && local(r, zoo.v6.local_addr().unwrap())
    });
    assert_eq!(l6["family"], "inet6");
    find(&recs, |r| {
        r["state"] == "listen" && local(r, zoo.dual.local_addr().unwrap())
    });

    // The server side of est4 holds the client's 100 unread bytes.
    let s4 = find(&recs, |r| {
        local(r, zoo.est4.1.local_addr().unwrap())
            && r["peer"] == zoo.est4.0.local_addr().unwrap().to_string()
    });
    assert_eq!(
        (s4["state"].as_str(), s4["recv_q"].as_u64()),
        (Some("established"), Some(100))
    );
    assert_eq!(s4["pid"].as_u64(), Some(me));
    let c6 = find(&recs, |r| local(r, zoo.est6.0.local_addr().unwrap()));
    assert_eq!(
        (c6["state"].as_str(), c6["peer"].as_str()),
        (
            Some("established"),
            Some(zoo.est6.1.local_addr().unwrap().to_string().as_str())
        )
    );
    // The dual-stack listener's side shows its IPv4 peer as a mapped address.
    let m = find(&recs, |r| {
        local(r, zoo.mapped.1.local_addr().unwrap()) && r["state"] == "established"
    });
    assert!(
        m["local"]
            .as_str()
            .unwrap()
            .starts_with("[::ffff:127.0.0.1]:"),
        "{m}"
    );
    assert_eq!(
        m["peer"].as_str(),
        Some(
            format!(
                "[::ffff:127.0.0.1]:{}",
                zoo.mapped.0.local_addr().unwrap().port()
            )
            .as_str()
        )
    );

    let tw = find(&recs, |r| r["state"] == "time-wait");
    assert_eq!(
        tw["local"].as_str(),
        Some(zoo.tw_local.to_string().as_str())
    );
    assert_eq!(
        tw["peer"].as_str(),
        Some(zoo.v4.local_addr().unwrap().to_string().as_str())
    );
    assert_eq!(
        (&tw["pid"], &tw["uid"], &tw["inode"]),
        (&Value::Null, &Value::Null, &Value::from(0))
    );
    assert_eq!(tw["timer"]["kind"], "time-wait");
    let left = tw["timer"]["left_ms"].as_u64().unwrap();
    assert!(left > 0 && left <= 60_000, "{tw}");
    let cw = find(&recs, |r| r["state"] == "close-wait");
    assert_eq!(
        cw["local"].as_str(),
        Some(zoo.close_wait.local_addr().unwrap().to_string().as_str())
    );
    assert_eq!(
        cw["peer"].as_str(),
        Some(zoo.cw_client.to_string().as_str())
    );
    assert_eq!(cw["pid"].as_u64(), Some(me));
    let fw = find(&recs, |r| r["state"] == "fin-wait-2");
    assert_eq!(
        fw["local"].as_str(),
        Some(zoo.cw_client.to_string().as_str())
    );

    let u = find(&recs, |r| {
        r["proto"] == "udp" && local(r, zoo.udp.local_addr().unwrap())
    });
    assert_eq!(
        (u["state"].as_str(), &u["peer"]),
        (Some("unconnected"), &Value::Null)
    );
    let uc = find(&recs, |r| {
        r["proto"] == "udp" && local(r, zoo.udp_conn.local_addr().unwrap())
    });
    assert_eq!(uc["state"], "established");
    assert_eq!(
        uc["peer"].as_str(),
        Some(zoo.udp.local_addr().unwrap().to_string().as_str())
    );

    // UNIX: the listener, both ends of the pair (each the other's peer), datagram, abstract.
    let path = |f: &str| zoo.dir.path().join(f).to_string_lossy().into_owned();
    let ul = find(&recs, |r| {
        r["state"] == "listen" && r["local"] == path("s.sock")
    });
    assert_eq!(
        (ul["socket_type"].as_str(), ul["pid"].as_u64()),
        (Some("stream"), Some(me))
    );
    let ends: Vec<&Value> = recs
        .iter()
        .filter(|r| r["proto"] == "unix" && r["state"] == "established")
        .collect();
    assert_eq!(ends.len(), 2, "{ends:#?}");
    assert_eq!(ends[0]["peer_inode"], ends[1]["inode"]);
    assert_eq!(ends[1]["peer_inode"], ends[0]["inode"]);
    let ud = find(&recs, |r| r["local"] == path("d.sock"));
    assert_eq!(
        (ud["socket_type"].as_str(), ud["state"].as_str()),
        (Some("dgram"), Some("unconnected"))
    );
    let abs = format!("@{}", zoo.abstract_name);
    find(&recs, |r| {
        r["local"] == abs.as_str() && r["state"] == "listen"
    });
    assert_eq!(
        recs.iter().filter(|r| r["proto"] == "unix").count(),
        5,
        "{recs:#?}"
    );

    // Field by field, the same set as ss in the same namespace.
    let (_, now) = sockets(&ns, &[]);
    assert_eq!(rows(&now), ss_rows(&ns));
    // And the UNIX sockets: type, state, name, inode, peer inode.
    let ss_unix: BTreeSet<(String, String, String, u64, u64)> = stdout(&ns.sh("ss -xanH"))
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let ty = if f[0] == "u_str" { "stream" } else { "dgram" };
            let st = match f[1] {
                "ESTAB" => "established",
                "LISTEN" => "listen",
                _ => "unconnected",
            };
            (
                ty.into(),
                st.into(),
                f[4].into(),
                f[5].parse().unwrap(),
                f[7].parse().unwrap(),
            )
        })
        .collect();
    let ours_unix: BTreeSet<(String, String, String, u64, u64)> = recs
        .iter()
        .filter(|r| r["proto"] == "unix")
        .map(|r| {
            (
                r["socket_type"].as_str().unwrap().into(),
                r["state"].as_str().unwrap().into(),
                r["local"].as_str().unwrap_or("*").into(),
                r["inode"].as_u64().unwrap(),
                r["peer_inode"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(ours_unix, ss_unix);
    drop(zoo);
}

/// A record's identity for set comparisons.
fn key(r: &Value) -> String {
    format!(
        "{} {} {} {} {}",
        r["proto"], r["state"], r["local"], r["peer"], r["inode"]
    )
}

fn keys<'a>(recs: impl IntoIterator<Item = &'a Value>) -> BTreeSet<String> {
    recs.into_iter().map(key).collect()
}

fn port_of(v: &Value) -> Option<u16> {
    v.as_str()?.rsplit(':').next()?.parse().ok()
}

fn ip_of(v: &Value) -> Option<String> {
    let s = v.as_str()?;
    let (ip, _) = s.rsplit_once(':')?;
    Some(ip.trim_start_matches('[').trim_end_matches(']').to_string())
}

/// Every filter alone and combined: the kernel-side ones (states, families, port bytecode)
/// and the program-side ones, each against the set computed here from the full list.
#[test]
fn filters_alone_and_combined() {
    let Some(ns) = Ns::new("ss-filters") else {
        return;
    };
    let zoo = Zoo::new(&ns);
    let all = settled(&ns);
    let me = std::process::id();
    let meu = u64::from(me);
    let p4 = zoo.port4();
    let p6 = zoo.v6.local_addr().unwrap().port();
    let comm = my_comm();
    let (ps4, pid, sme) = (p4.to_string(), me.to_string(), format!("127.0.0.1:{p4}"));
    let (both, peer4) = (format!("{p4},{p6}"), format!(":{p4}"));
    let port_in =
        |r: &Value, p: u16| port_of(&r["local"]) == Some(p) || port_of(&r["peer"]) == Some(p);
    let inet = |r: &Value| r["proto"] != "unix";
    type Want = Box<dyn Fn(&Value) -> bool>;
    let cases: Vec<(Vec<&str>, Want)> = vec![
        (vec![], Box::new(inet)),
        (vec!["--unix"], Box::new(|_| true)),
        (vec!["--tcp"], Box::new(|r| r["proto"] == "tcp")),
        (vec!["--udp"], Box::new(|r| r["proto"] == "udp")),
        (vec!["--tcp", "--udp", "--unix"], Box::new(|_| true)),
        (vec!["-4"], Box::new(|r| r["family"] == "inet")),
        (vec!["-6", "--unix"], Box::new(|r| r["family"] != "inet")),
        (
            vec!["--listening"],
            Box::new(move |r| inet(r) && (r["state"] == "listen" || r["state"] == "unconnected")),
        ),
        (
            vec!["--state", "established"],
            Box::new(move |r| inet(r) && r["state"] == "established"),
        ),
        (
            vec!["--state", "TIME_WAIT,close-wait"],
            Box::new(|r| r["state"] == "time-wait" || r["state"] == "close-wait"),
        ),
        (
            vec!["--state", "connected", "--unix"],
            Box::new(|r| {
                !["listen", "unconnected", "time-wait"].contains(&r["state"].as_str().unwrap())
            }),
        ),
        (vec!["--port", &ps4], Box::new(move |r| port_in(r, p4))),
        (
            vec!["--port", &ps4, "--unix"],
            Box::new(move |r| port_in(r, p4)),
        ),
        (
            vec!["--port", &ps4, "--state", "established"],
            Box::new(move |r| port_in(r, p4) && r["state"] == "established"),
        ),
        (
            vec!["--port", &both, "-6"],
            Box::new(move |r| r["family"] == "inet6" && (port_in(r, p4) || port_in(r, p6))),
        ),
        (
            vec!["--local", &sme],
            Box::new(move |r| r["local"] == format!("127.0.0.1:{p4}")),
        ),
        (
            vec!["--local", "[::1]"],
            Box::new(|r| ip_of(&r["local"]).as_deref() == Some("::1")),
        ),
        (
            vec!["--peer", "127.0.0.0/8"],
            Box::new(|r| {
                ip_of(&r["peer"])
                    .is_some_and(|ip| ip.starts_with("127.") || ip.starts_with("::ffff:127."))
            }),
        ),
        (
            vec!["--peer", &peer4],
            Box::new(move |r| port_of(&r["peer"]) == Some(p4)),
        ),
        (
            vec!["--peer", "::1/128", "--tcp"],
            Box::new(|r| r["proto"] == "tcp" && ip_of(&r["peer"]).as_deref() == Some("::1")),
        ),
        (
            vec!["--pid", &pid, "--unix"],
            Box::new(move |r| r["pid"].as_u64() == Some(meu)),
        ),
        (
            vec!["--process", &comm, "--state", "listen", "--unix"],
            Box::new(move |r| r["pid"].as_u64() == Some(meu) && r["state"] == "listen"),
        ),
        (vec!["--pid", "1"], Box::new(|_| false)),
        (vec!["--process", "no-such-comm"], Box::new(|_| false)),
        (vec!["--uid", "0", "--unix"], Box::new(|r| r["uid"] == 0)),
        (vec!["--uid", "12345"], Box::new(|_| false)),
        (
            vec![
                "--peer",
                "127.0.0.1",
                "--port",
                &ps4,
                "--state",
                "established",
                "--pid",
                &pid,
            ],
            Box::new(move |r| {
                ip_of(&r["peer"]).as_deref() == Some("127.0.0.1")
                    && port_in(r, p4)
                    && r["state"] == "established"
                    && r["pid"].as_u64() == Some(meu)
            }),
        ),
        (
            vec!["--no-process", "--state", "listen", "-6"],
            Box::new(|r| r["state"] == "listen" && r["family"] == "inet6"),
        ),
    ];
    for (args, want) in &cases {
        let expected = keys(all.iter().filter(|r| want(r)));
        let (code, got) = sockets(&ns, args);
        assert_eq!(keys(&got), expected, "{args:?}");
        assert_eq!(code, if expected.is_empty() { 1 } else { 0 }, "{args:?}");
        if args.contains(&"--no-process") {
            assert!(got.iter().all(|r| r["pid"].is_null()), "{args:?}");
        } else if !args.contains(&"--pid") && !args.contains(&"--process") {
            // The owners are the same whichever filter picked the sockets.
            for r in &got {
                let full = all.iter().find(|a| key(a) == key(r)).unwrap();
                assert_eq!(r["pid"], full["pid"], "{args:?}: {r}");
            }
        }
    }

    // --top, --sort: the first N in that order.
    let (_, top) = sockets(&ns, &["--top", "2"]);
    assert_eq!(top.len(), 2);
    let (_, sorted) = sockets(&ns, &["--sort", "port", "--tcp"]);
    let ports: Vec<Option<u16>> = sorted.iter().map(|r| port_of(&r["local"])).collect();
    assert!(ports.windows(2).all(|w| w[0] <= w[1]), "{ports:?}");
    assert_eq!(
        sorted.len(),
        all.iter().filter(|r| r["proto"] == "tcp").count()
    );
    let (_, by_recvq) = sockets(&ns, &["--sort", "recv-q", "--top", "1", "--tcp"]);
    // The 100 unread bytes; a listener's backlog (128) is its send-q.
    assert_eq!(by_recvq[0]["recv_q"], 100, "{by_recvq:?}");
    let (_, by_rtt) = sockets(
        &ns,
        &["--sort", "rtt", "--state", "established", "--top", "3"],
    );
    assert_eq!(by_rtt.len(), 3);
    let rtts: Vec<f64> = by_rtt
        .iter()
        .map(|r| r["tcp_info"]["rtt_ms"].as_f64().unwrap())
        .collect();
    assert!(rtts.windows(2).all(|w| w[0] >= w[1]), "{rtts:?}");

    // --summary: the counts of the full list, and this process as the top holder.
    let (code, s) = sockets(&ns, &["--summary", "--unix"]);
    assert_eq!((code, s.len()), (0, 1));
    let s = &s[0];
    assert_eq!(s["type"], "socket-summary");
    assert_eq!(s["total"].as_u64(), Some(all.len() as u64));
    for c in s["counts"].as_array().unwrap() {
        let n = all
            .iter()
            .filter(|r| {
                r["proto"] == c["proto"] && r["family"] == c["family"] && r["state"] == c["state"]
            })
            .count();
        assert_eq!(c["count"].as_u64(), Some(n as u64), "{c}");
    }
    let mine = all
        .iter()
        .filter(|r| r["pid"].as_u64() == Some(meu))
        .count();
    assert_eq!(s["top_processes"][0]["pid"].as_u64(), Some(meu));
    assert_eq!(s["top_processes"][0]["sockets"].as_u64(), Some(mine as u64));
    drop(zoo);
}

/// A peer that never reads: the writer's send queue grows, which `--watch` reports as a
/// changed socket (with what it was), next to new and gone ones; Ctrl-C ends a watch with
/// exit 130.
#[test]
fn a_growing_send_queue_is_a_changed_event_in_watch() {
    use std::io::BufRead;
    use std::process::Stdio;
    let Some(ns) = Ns::new("ss-watch") else {
        return;
    };
    let (l, (c, s), (c2, s2)) = ns.enter(|| {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let a = l.local_addr().unwrap();
        let p1 = pair(&l, a);
        let p2 = pair(&l, a);
        (l, p1, p2)
    });
    let port = l.local_addr().unwrap().port().to_string();
    let mut child = ns
        .cmd(lab::sockdiag_bin())
        .args([
            "ss", "--json", "--watch", "200ms", "--count", "10", "--tcp", "--port", &port,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    // The first round: every socket is new (the listener and both pairs).
    let first: Vec<Value> = (0..5)
        .map(|_| serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap())
        .collect();
    assert!(
        first
            .iter()
            .all(|e| e["type"] == "socket-event" && e["event"] == "new"),
        "{first:#?}"
    );
    // Fill the send queue: the server never reads.
    c.set_nonblocking(true).unwrap();
    let chunk = vec![0u8; 65536];
    for _ in 0..1000 {
        match (&c).write(&chunk) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("write: {e}"),
        }
    }
    // One pair goes away: the server side is gone, the client side changes state.
    // The client closes first and the server once it has read the end, so the server side
    // ends (LAST_ACK, then nothing) and the client waits in TIME_WAIT.
    let (c2_local, s2_local) = (c2.local_addr().unwrap(), s2.local_addr().unwrap());
    drop(c2);
    let mut s2 = s2;
    s2.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(s2.read(&mut [0u8; 8]).unwrap(), 0);
    drop(s2);
    let rest: Vec<Value> = lines
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let changed = rest
        .iter()
        .find(|e| {
            e["event"] == "changed"
                && e["local"] == c.local_addr().unwrap().to_string()
                && e["send_q"].as_u64() > Some(0)
        })
        .unwrap_or_else(|| panic!("no changed event for the writer: {rest:#?}"));
    assert!(
        changed["send_q"].as_u64() > changed["was"]["send_q"].as_u64(),
        "{changed}"
    );
    assert_eq!(changed["state"], "established");
    assert!(
        rest.iter().any(|e| e["event"] == "changed"
            && e["local"] == s.local_addr().unwrap().to_string()
            && e["recv_q"].as_u64() > Some(0)),
        "the reader's receive queue grew: {rest:#?}"
    );
    assert!(
        rest.iter().any(|e| e["event"] == "gone"
            && e["local"] == s2_local.to_string()
            && e["peer"] == c2_local.to_string()),
        "the closed server side is gone: {rest:#?}"
    );
    assert!(
        rest.iter().any(|e| e["event"] == "changed"
            && e["local"] == c2_local.to_string()
            && e["was"]["state"] == "established"),
        "the closing client changed state: {rest:#?}"
    );
    assert!(!rest.iter().any(|e| e["event"] == "new"), "{rest:#?}");

    // Without --count the watch goes on until Ctrl-C: exit 130.
    let mut child = ns
        .cmd(lab::sockdiag_bin())
        .args(["ss", "--watch", "100ms", "--port", &port])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.next().unwrap().unwrap().starts_with("new\t"));
    // SAFETY: our own child's pid (`timeout`, which passes the signal on).
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let t = Instant::now();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    drop((l, s));
}

/// Holds N established loopback connections in one process (a listener, N clients and the N
/// accepted ends), writes "ready" to a file, and sleeps until killed.
const HOLDER: &str = r#"
import resource, socket, sys, time
n, ready = int(sys.argv[1]), sys.argv[2]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(4096)
keep = []
for i in range(n):
    c = socket.create_connection(l.getsockname())
    s, _ = l.accept()
    keep += [c, s]
open(ready, "w").write("ready")
time.sleep(120)
"#;

/// 20,000 established loopback connections (40,000 sockets, in four processes under the
/// per-process fd limit): every one listed exactly once, with its owner.
#[test]
fn twenty_thousand_connections_are_listed_once() {
    let Some(ns) = Ns::new("ss-20k") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let per = 5000;
    let mut pids = Vec::new();
    for i in 0..4 {
        let ready = dir.path().join(format!("ready{i}"));
        pids.push(ns.spawn(&[
            "python3",
            "-c",
            HOLDER,
            &per.to_string(),
            ready.to_str().unwrap(),
        ]));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while (0..4).any(|i| !dir.path().join(format!("ready{i}")).exists()) {
        assert!(Instant::now() < deadline, "the holders did not get ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    let t = Instant::now();
    let out = ns.sockdiag(&["ss", "--json", "--tcp", "--state", "established"]);
    let took = t.elapsed();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = json_lines(&out);
    assert_eq!(recs.len(), 4 * per * 2, "every socket once");
    let tuples: BTreeSet<(String, String)> = recs
        .iter()
        .map(|r| {
            (
                r["local"].as_str().unwrap().to_string(),
                r["peer"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(tuples.len(), recs.len(), "no socket twice");
    // Each connection's two ends are both there.
    for (l, p) in &tuples {
        assert!(tuples.contains(&(p.clone(), l.clone())), "{l} {p}");
    }
    // Owners: the holders' pids (python may run under a wrapper that execs: the pid stays).
    let owners: BTreeSet<u64> = recs.iter().filter_map(|r| r["pid"].as_u64()).collect();
    assert_eq!(recs.iter().filter(|r| r["pid"].is_null()).count(), 0);
    assert_eq!(owners.len(), 4, "{owners:?} vs {pids:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    // The same count without the process pass, and from ss.
    let out = ns.sockdiag(&["ss", "--no-process", "--tcp", "--state", "established"]);
    assert_eq!(stdout(&out).lines().count(), 4 * per * 2);
    let ss = stdout(&ns.sh("ss -tanH state established | wc -l"));
    assert_eq!(ss.trim(), (4 * per * 2).to_string());
}

/// A listener opened by a parent that then forks three children, all of them holding its
/// descriptor; writes the four pids to a file and sleeps (the children die with the parent,
/// and sleep 60 s at most).
const FORKED: &str = r#"
import ctypes, os, socket, sys, time
ready = sys.argv[1]
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(16)
pids = [os.getpid()]
for i in range(3):
    pid = os.fork()
    if pid == 0:
        ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
        time.sleep(60)
        os._exit(0)
    pids.append(pid)
port = l.getsockname()[1]
open(ready + ".tmp", "w").write(" ".join(map(str, [port] + pids)))
os.rename(ready + ".tmp", ready)
time.sleep(60)
"#;

/// Issue 22: a socket shared by processes after fork was credited to one (the lowest pid):
/// `--summary` said one process holds it where `ss -p` lists every holder. Every holder is
/// listed (JSON `holders`, the PROCESS field), `pid` is the first, and the summary counts the
/// listener once for each of the four processes.
#[test]
fn a_socket_shared_after_fork_lists_every_holder() {
    let Some(ns) = Ns::new("ss-fork") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready");
    ns.spawn(&["python3", "-c", FORKED, ready.to_str().unwrap()]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready.exists() {
        assert!(
            Instant::now() < deadline,
            "the forked holders did not get ready"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let nums: Vec<u64> = std::fs::read_to_string(&ready)
        .unwrap()
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    let (port, mut pids) = (nums[0], nums[1..].to_vec());
    pids.sort_unstable();
    assert_eq!(pids.len(), 4);
    let local = format!("127.0.0.1:{port}");
    let (_, recs) = sockets(&ns, &["--tcp", "--local", &local]);
    let r = find(&recs, |r| r["local"] == local.as_str());
    let holders: Vec<u64> = r["holders"]
        .as_array()
        .unwrap_or_else(|| panic!("no holders: {r}"))
        .iter()
        .map(|h| h["pid"].as_u64().unwrap())
        .collect();
    assert_eq!(holders, pids, "{r}");
    assert_eq!(r["pid"].as_u64(), Some(pids[0]));
    // Plain: the PROCESS field names all four.
    let out = ns.sockdiag(&["sockets", "--format", "plain", "--tcp", "--local", &local]);
    let text = stdout(&out);
    let process = text.lines().next().unwrap().split('\t').nth(6).unwrap();
    for p in &pids {
        assert!(process.contains(&p.to_string()), "{p} not in {process:?}");
    }
    // --summary: the listener once in the total, once for each holder.
    let (_, s) = sockets(&ns, &["--summary", "--tcp", "--state", "listen"]);
    let s = &s[0];
    assert_eq!(s["total"].as_u64(), Some(1), "{s}");
    let mut counted: Vec<(u64, u64)> = s["top_processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["pid"].as_u64().unwrap(), p["sockets"].as_u64().unwrap()))
        .collect();
    counted.sort_unstable();
    let want: Vec<(u64, u64)> = pids.iter().map(|&p| (p, 1)).collect();
    assert_eq!(counted, want, "{s}");
}
