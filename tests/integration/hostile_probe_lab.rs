//! `sockdiag probe` against hostile peers and odd paths (issue 18), each inside namespaces the
//! test makes: a server that accepts and resets at once, v4-mapped targets behind ICMPv4
//! rejects, ICMP parameter problems crafted by a raw-socket responder, routers that reject or
//! loop, and UDP echoes longer than a page.
use crate::lab;
use lab::{json_lines, stdout, Ns};
use serde_json::Value;
use socket2::{Domain, Protocol, SockAddr, SockRef, Socket, Type};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, UdpSocket};
use std::os::fd::AsRawFd;
use std::process::Output;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The probe records of a JSON run, by (address, port); panics on a port reported twice.
fn records(o: &Output) -> BTreeMap<(String, u16), Value> {
    let mut m = BTreeMap::new();
    for v in json_lines(o) {
        if v["type"] != "probe" {
            continue;
        }
        let key = (
            v["addr"].as_str().expect("addr").to_string(),
            v["port"].as_u64().expect("port") as u16,
        );
        if let Some(old) = m.insert(key.clone(), v.clone()) {
            panic!("{key:?} reported twice: {old} and {v}");
        }
    }
    m
}

fn state(v: &Value) -> (&str, &str) {
    (
        v["state"].as_str().unwrap_or("?"),
        v["reason"].as_str().unwrap_or("?"),
    )
}

fn icmp(v: &Value) -> (u64, u64, &str) {
    (
        v["icmp"]["type"].as_u64().unwrap_or(999),
        v["icmp"]["code"].as_u64().unwrap_or(999),
        v["icmp"]["from"].as_str().unwrap_or("?"),
    )
}

fn get<'a>(recs: &'a BTreeMap<(String, u16), Value>, addr: &str, port: u16) -> &'a Value {
    recs.get(&(addr.to_string(), port))
        .unwrap_or_else(|| panic!("no result for {addr} port {port} in {recs:?}"))
}

/// A thread serving a hostile peer until the value is dropped (or a bound of 30 s).
struct Background {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Background {
    fn spawn(f: impl FnOnce(&AtomicBool) + Send + 'static) -> Background {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        Background {
            stop,
            handle: Some(std::thread::spawn(move || f(&s))),
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Waits up to 100 ms for `fd` to be readable.
fn readable(fd: i32) -> bool {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    unsafe { libc::poll(&mut p, 1, 100) > 0 }
}

/// The loop of a background responder: `step` runs each time `fd` is readable, until told to
/// stop or 30 s have passed.
fn serve_loop(stop: &AtomicBool, fd: i32, mut step: impl FnMut()) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
        if readable(fd) {
            step();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bug 1: a server that accepts and resets at once is open
// ---------------------------------------------------------------------------------------------

/// Accepts every connection and closes it with SO_LINGER {1, 0}: a reset right after the
/// handshake. Counts the connections it reset.
fn reset_server(l: TcpListener, count: Arc<AtomicUsize>) -> Background {
    l.set_nonblocking(true).unwrap();
    Background::spawn(move |stop| {
        serve_loop(stop, l.as_raw_fd(), || {
            while let Ok((c, _)) = l.accept() {
                SockRef::from(&c)
                    .set_linger(Some(Duration::ZERO))
                    .expect("linger");
                drop(c);
                count.fetch_add(1, Ordering::Relaxed);
            }
        })
    })
}

#[test]
fn accept_then_reset_is_open_syn_ack_every_time_v4_and_v6() {
    let Some(ns) = Ns::new("hp-reset") else {
        return;
    };
    let l4 = ns.listen("127.0.0.1".parse().unwrap(), &[0]).remove(0);
    let port = l4.local_addr().unwrap().port();
    let l6 = ns.listen("::1".parse().unwrap(), &[port]).remove(0);
    let resets = Arc::new(AtomicUsize::new(0));
    let _s4 = reset_server(l4, resets.clone());
    let _s6 = reset_server(l6, resets.clone());
    let o = ns.sockdiag(&[
        "probe",
        "--json",
        "--count",
        "30",
        "--interval",
        "5ms",
        "127.0.0.1,[::1]",
        &port.to_string(),
    ]);
    let lines = json_lines(&o);
    let probes: Vec<&Value> = lines.iter().filter(|v| v["type"] == "probe").collect();
    assert_eq!(probes.len(), 60, "{}", stdout(&o));
    let not_open: Vec<&&Value> = probes
        .iter()
        .filter(|v| state(v) != ("open", "syn-ack"))
        .collect();
    assert!(
        not_open.is_empty(),
        "{} of 60 not open: {not_open:?}",
        not_open.len()
    );
    for s in lines.iter().filter(|v| v["type"] == "probe-stats") {
        assert_eq!(
            (s["count"].as_u64(), s["open"].as_u64()),
            (Some(30), Some(30)),
            "{s}"
        );
    }
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(
        resets.load(Ordering::Relaxed) > 0,
        "the server reset nothing"
    );
    eprintln!(
        "accept-then-reset: the server reset {} of 60 probes' connections",
        resets.load(Ordering::Relaxed)
    );
}

// ---------------------------------------------------------------------------------------------
// Bug 6: v4-mapped targets read ICMPv4 errors as ICMPv4
// ---------------------------------------------------------------------------------------------

/// A client namespace and its veth peer (192.0.2.1 / .2), the peer answering every reject at
/// once (its ICMP rate limit off).
fn pair(tag: &str) -> Option<(Ns, Ns)> {
    let a = Ns::new(tag)?;
    let b = a.peer();
    b.sysctl(&["net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0"]);
    Some((a, b))
}

const NFT_V4_REJECTS: &str = r#"
table ip t {
    chain in {
        type filter hook input priority 0; policy accept;
        tcp dport 1003 reject with icmp type port-unreachable
        tcp dport 1004 reject with icmp type admin-prohibited
        udp dport 1004 reject with icmp type admin-prohibited
    }
}
"#;

#[test]
fn v4_mapped_target_decodes_icmpv4_errors_as_icmpv4() {
    let Some((a, b)) = pair("hp-mapped") else {
        return;
    };
    b.nft(NFT_V4_REJECTS);
    let _l = b.listen("192.0.2.2".parse().unwrap(), &[1000]);
    let mapped = "::ffff:192.0.2.2";
    let o = a.sockdiag(&[
        "probe",
        "--json",
        "--timeout",
        "2s",
        "--retries",
        "0",
        &format!("[{mapped}]"),
        "1000,1003,1004",
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let recs = records(&o);
    assert_eq!(recs.len(), 3, "{recs:?}");
    let v = get(&recs, mapped, 1000);
    assert_eq!(state(v), ("open", "syn-ack"), "{v}");
    let v = get(&recs, mapped, 1003);
    assert_eq!(state(v), ("closed", "port-unreach"), "{v}");
    assert_eq!(icmp(v), (3, 3, "192.0.2.2"), "{v}");
    let v = get(&recs, mapped, 1004);
    assert_eq!(state(v), ("filtered", "admin-prohibited"), "{v}");
    assert_eq!(icmp(v), (3, 13, "192.0.2.2"), "{v}");

    // UDP: the kernel's own port unreachable, and an nft admin-prohibited.
    let o = a.sockdiag(&[
        "probe",
        "--udp",
        "--json",
        "--timeout",
        "2s",
        "--retries",
        "0",
        &format!("[{mapped}]"),
        "1003,1004",
    ]);
    let recs = records(&o);
    let v = get(&recs, mapped, 1003);
    assert_eq!(state(v), ("closed", "port-unreach"), "{v}");
    assert_eq!(icmp(v), (3, 3, "192.0.2.2"), "{v}");
    let v = get(&recs, mapped, 1004);
    assert_eq!(state(v), ("filtered", "admin-prohibited"), "{v}");
    assert_eq!(icmp(v), (3, 13, "192.0.2.2"), "{v}");
}

// ---------------------------------------------------------------------------------------------
// Routers between client and target: rejects, parameter problems, a routing loop
// ---------------------------------------------------------------------------------------------

/// client — r1 — target, and r1 — r2, with 10.9.0.0/24 and fd00:9::/64 looping between r1
/// and r2. Routers forward and answer every error at once (ICMP rate limits off).
struct Routed {
    client: Ns,
    r1: Ns,
    /// Kept for the loop: removed with the lab.
    _r2: Ns,
    target: Ns,
}

const R1: &str = "10.1.0.2";
const R1_6: &str = "fd00:1::2";
const TARGET: &str = "10.2.0.2";
const TARGET_6: &str = "fd00:2::2";
const R2: &str = "10.3.0.2";
const R2_6: &str = "fd00:3::2";
const LOOP: &str = "10.9.0.9";
const LOOP_6: &str = "fd00:9::9";

fn routed(tag: &str) -> Option<Routed> {
    let client = Ns::new(tag)?;
    let r1 = Ns::new(&format!("{tag}-r1")).expect("lab");
    let r2 = Ns::new(&format!("{tag}-r2")).expect("lab");
    let target = Ns::new(&format!("{tag}-t")).expect("lab");
    // No DAD on any address, link-local ones included: a router resolves its next hop from
    // its link-local address, which would otherwise stay tentative for a second or two.
    for n in [&client, &r1, &r2, &target] {
        n.sysctl(&[
            "net.ipv6.conf.all.accept_dad=0",
            "net.ipv6.conf.default.accept_dad=0",
        ]);
    }
    client.link(
        &r1,
        &["10.1.0.1/24", "fd00:1::1/64"],
        &["10.1.0.2/24", "fd00:1::2/64"],
    );
    r1.link(
        &target,
        &["10.2.0.1/24", "fd00:2::1/64"],
        &["10.2.0.2/24", "fd00:2::2/64"],
    );
    r1.link(
        &r2,
        &["10.3.0.1/24", "fd00:3::1/64"],
        &["10.3.0.2/24", "fd00:3::2/64"],
    );
    client.sh("ip route add default via 10.1.0.2 && ip -6 route add default via fd00:1::2");
    target.sh("ip route add default via 10.2.0.1 && ip -6 route add default via fd00:2::1");
    r1.sh("ip route add 10.9.0.0/24 via 10.3.0.2 && ip -6 route add fd00:9::/64 via fd00:3::2");
    r2.sh(
        "ip route add default via 10.3.0.1 && ip -6 route add default via fd00:3::1 && \
         ip route add 10.9.0.0/24 via 10.3.0.1 && ip -6 route add fd00:9::/64 via fd00:3::1",
    );
    for r in [&r1, &r2, &target] {
        r.sysctl(&[
            "net.ipv4.ip_forward=1",
            "net.ipv6.conf.all.forwarding=1",
            "net.ipv4.icmp_ratelimit=0",
            "net.ipv6.icmp.ratelimit=0",
        ]);
    }
    Some(Routed {
        client,
        r1,
        _r2: r2,
        target,
    })
}

/// On r1, for the target only: port 1003 rejected with port unreachable on its way through
/// (TCP and UDP), 1010 dropped on its way through (the param-problem responder answers it
/// instead).
const NFT_ROUTER: &str = r#"
table inet t {
    chain through {
        type filter hook forward priority 0; policy accept;
        ip daddr 10.2.0.2 meta l4proto { tcp, udp } th dport 1003 reject with icmp type port-unreachable
        ip6 daddr fd00:2::2 meta l4proto { tcp, udp } th dport 1003 reject with icmpv6 type port-unreachable
        ip daddr 10.2.0.2 tcp dport 1010 drop
        ip6 daddr fd00:2::2 tcp dport 1010 drop
    }
}
"#;

/// On the target itself: 1004 rejected with port unreachable.
const NFT_TARGET: &str = r#"
table inet t {
    chain in {
        type filter hook input priority 0; policy accept;
        meta nfproto ipv4 tcp dport 1004 reject with icmp type port-unreachable
        meta nfproto ipv6 tcp dport 1004 reject with icmpv6 type port-unreachable
    }
}
"#;

/// The Internet checksum (RFC 1071).
fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for c in data.chunks(2) {
        let w = if c.len() == 2 {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], 0])
        };
        sum += w as u32;
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// A TCP SYN (without ACK) to `port` in an IPv4 or IPv6 packet: its source and destination.
fn syn_to(pkt: &[u8], port: u16) -> Option<(IpAddr, IpAddr)> {
    let (src, dst, l4) = match pkt.first()? >> 4 {
        4 => {
            let ihl = (pkt[0] & 0x0f) as usize * 4;
            if pkt.len() < ihl + 14 || pkt[9] != 6 {
                return None;
            }
            let s: [u8; 4] = pkt[12..16].try_into().ok()?;
            let d: [u8; 4] = pkt[16..20].try_into().ok()?;
            (
                Ipv4Addr::from(s).into(),
                Ipv4Addr::from(d).into(),
                &pkt[ihl..],
            )
        }
        6 => {
            if pkt.len() < 40 + 14 || pkt[6] != 6 {
                return None;
            }
            let s: [u8; 16] = pkt[8..24].try_into().ok()?;
            let d: [u8; 16] = pkt[24..40].try_into().ok()?;
            (
                Ipv6Addr::from(s).into(),
                Ipv6Addr::from(d).into(),
                &pkt[40..],
            )
        }
        _ => return None,
    };
    let dport = u16::from_be_bytes([l4[2], l4[3]]);
    let flags = l4[13];
    (dport == port && flags & 0x02 != 0 && flags & 0x10 == 0).then_some((src, dst))
}

/// A responder in `ns` that sees every SYN to `port` of the `to` addresses (an AF_PACKET
/// socket sees it before the firewall drops it) and answers its sender with an ICMP parameter problem (v4 type 12 code
/// 0, v6 type 4 code 0) quoting the SYN, sent from `ns` through the kernel: the client's
/// kernel matches it to the connecting socket as it would any router's. Counts its answers.
fn param_problem_responder(
    ns: &Ns,
    to: [IpAddr; 2],
    port: u16,
    sent: Arc<AtomicUsize>,
) -> Background {
    let (sniff, raw4, raw6) = ns.enter(|| {
        let eth_p_all = (libc::ETH_P_ALL as u16).to_be() as i32;
        (
            Socket::new(Domain::PACKET, Type::DGRAM, Some(Protocol::from(eth_p_all)))
                .expect("AF_PACKET socket"),
            Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4)).expect("raw icmp"),
            Socket::new(Domain::IPV6, Type::RAW, Some(Protocol::ICMPV6)).expect("raw icmpv6"),
        )
    });
    Background::spawn(move |stop| {
        let mut buf = vec![0u8; 65536];
        serve_loop(stop, sniff.as_raw_fd(), || {
            // SAFETY: a plain recvfrom into our buffer, with room for a sockaddr_ll.
            let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
            let mut len = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
            let n = unsafe {
                libc::recvfrom(
                    sniff.as_raw_fd(),
                    buf.as_mut_ptr() as *mut libc::c_void,
                    buf.len(),
                    libc::MSG_DONTWAIT,
                    &mut sll as *mut _ as *mut libc::sockaddr,
                    &mut len,
                )
            };
            if n <= 0 || sll.sll_pkttype == libc::PACKET_OUTGOING {
                return;
            }
            let pkt = &buf[..n as usize];
            let Some((src, dst)) = syn_to(pkt, port) else {
                return;
            };
            if !to.contains(&dst) {
                return;
            }
            let to = SockAddr::from(SocketAddr::new(src, 0));
            let res = match src {
                IpAddr::V4(_) => {
                    // Type 12 code 0, the pointer at the TTL octet, then the SYN quoted.
                    let mut m = vec![12, 0, 0, 0, 8, 0, 0, 0];
                    m.extend_from_slice(pkt);
                    let c = checksum(&m);
                    m[2..4].copy_from_slice(&c.to_be_bytes());
                    raw4.send_to(&m, &to)
                }
                IpAddr::V6(_) => {
                    // Type 4 code 0 (erroneous header field), the pointer at the hop limit;
                    // the kernel fills in the ICMPv6 checksum.
                    let mut m = vec![4, 0, 0, 0, 0, 0, 0, 7];
                    m.extend_from_slice(pkt);
                    raw6.send_to(&m, &to)
                }
            };
            res.expect("send the parameter problem");
            sent.fetch_add(1, Ordering::Relaxed);
        })
    })
}

#[test]
fn errors_from_a_router_say_the_target_did_not_answer_and_name_the_sender() {
    let Some(lab) = routed("hp-router") else {
        return;
    };
    lab.r1.nft(NFT_ROUTER);
    lab.target.nft(NFT_TARGET);
    let _l = lab.target.listen("::".parse().unwrap(), &[1000]);
    let sent = Arc::new(AtomicUsize::new(0));
    let to = [TARGET.parse().unwrap(), TARGET_6.parse().unwrap()];
    let _pp = param_problem_responder(&lab.r1, to, 1010, sent.clone());
    // Few ports: a router's ICMP errors are rate-limited per destination in the wild.
    let targets = format!("{TARGET},[{TARGET_6}],{LOOP},[{LOOP_6}]");
    let args = [
        "probe",
        "--json",
        // -Pn: the looping addresses never answer host discovery; their reasons are the point.
        "-Pn",
        "--timeout",
        "2s",
        "--retries",
        "0",
        &targets,
        "1000,1003,1004,1010",
    ];
    let o = lab.client.sockdiag(&args);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let recs = records(&o);
    assert_eq!(recs.len(), 16, "{recs:?}");
    for (t, r) in [(TARGET, R1), (TARGET_6, R1_6)] {
        let v = get(&recs, t, 1000);
        assert_eq!(state(v), ("open", "syn-ack"), "{v}");
        // A router's port unreachable: the target never saw the SYN (nmap: filtered).
        let v = get(&recs, t, 1003);
        assert_eq!(state(v), ("filtered", "port-unreach"), "{v}");
        assert_eq!(icmp(v).2, r, "{v}");
        // The target's own port unreachable: closed.
        let v = get(&recs, t, 1004);
        assert_eq!(state(v), ("closed", "port-unreach"), "{v}");
        assert_eq!(icmp(v).2, t, "{v}");
        // A parameter problem is a remote answer, not a local error.
        let v = get(&recs, t, 1010);
        assert_eq!(state(v), ("filtered", "param-problem"), "{v}");
        let want = if t == TARGET { (12, 0, r) } else { (4, 0, r) };
        assert_eq!(icmp(v), want, "{v}");
        assert_eq!(v["errno"], "EPROTO", "{v}");
    }
    assert!(sent.load(Ordering::Relaxed) >= 2);
    // The loop: the hop limit runs out between r1 and r2, whichever sends the error.
    for (t, routers) in [(LOOP, [R1, R2]), (LOOP_6, [R1_6, R2_6])] {
        for p in [1000, 1003, 1004, 1010] {
            let v = get(&recs, t, p);
            assert_eq!(state(v), ("unreachable", "time-exceeded"), "{v}");
            let (ty, code, from) = icmp(v);
            assert_eq!((ty, code), if t == LOOP { (11, 0) } else { (3, 0) }, "{v}");
            assert!(routers.contains(&from), "{v}");
            assert_eq!(v["errno"], "EHOSTUNREACH", "{v}");
        }
    }

    // The default output names the sender when it is not the target, and only then.
    let o = lab.client.sockdiag(&[
        "probe",
        "--format",
        "plain",
        "-Pn",
        "--timeout",
        "2s",
        "--retries",
        "0",
        &format!("{TARGET},{LOOP}"),
        "1003,1004,1010",
    ]);
    let text = stdout(&o);
    let line = |addr: &str, port: u16| {
        text.lines()
            .find(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                f.len() > 5 && f[1] == addr && f[2] == port.to_string()
            })
            .unwrap_or_else(|| panic!("no line for {addr} {port}: {text}"))
            .split('\t')
            .skip(4)
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        line(TARGET, 1003),
        format!("filtered port-unreach from {R1}")
    );
    assert_eq!(line(TARGET, 1004), "closed port-unreach");
    assert_eq!(
        line(TARGET, 1010),
        format!("filtered param-problem from {R1}")
    );
    let l = line(LOOP, 1003);
    assert!(
        l == format!("unreachable time-exceeded from {R1}")
            || l == format!("unreachable time-exceeded from {R2}"),
        "{l}"
    );

    // UDP through the router: its port unreachable is not the target's.
    let o = lab.client.sockdiag(&[
        "probe",
        "--udp",
        "--json",
        "--timeout",
        "2s",
        "--retries",
        "0",
        TARGET,
        "1003",
    ]);
    let recs = records(&o);
    let v = get(&recs, TARGET, 1003);
    assert_eq!(state(v), ("filtered", "port-unreach"), "{v}");
    assert_eq!(icmp(v), (3, 3, R1), "{v}");
}

// ---------------------------------------------------------------------------------------------
// A silent on-link host, as the README's states table has it
// ---------------------------------------------------------------------------------------------

#[test]
fn a_silent_on_link_host_is_filtered_by_default_and_host_unreach_from_here_once_arp_gives_up() {
    let Some((a, _b)) = pair("hp-silent") else {
        return;
    };
    // Default timing (1 s, one retry) ends before ARP gives up (three solicitations, 1 s
    // apart): nothing has answered yet, as with a host that drops the probe.
    let o = a.sockdiag(&["probe", "--json", "192.0.2.77", "80"]);
    let recs = records(&o);
    let v = get(&recs, "192.0.2.77", 80);
    assert_eq!(state(v), ("filtered", "no-response"), "{v}");
    // ARP that gives up after 100 ms: the kernel's own host unreachable, sent by this host,
    // which the default output names.
    let dev = a.veth().expect("veth");
    a.sysctl(&[
        &format!("net.ipv4.neigh.{dev}.mcast_solicit=1"),
        &format!("net.ipv4.neigh.{dev}.retrans_time_ms=100"),
    ]);
    let o = a.sockdiag(&[
        "probe",
        "--format",
        "plain",
        "--timeout",
        "2s",
        "192.0.2.78",
        "80",
    ]);
    let text = stdout(&o);
    let f: Vec<&str> = text.trim_end().split('\t').collect();
    assert_eq!(
        f.get(4..6),
        Some(&["unreachable", "host-unreach from 192.0.2.1"][..]),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// Bug 12: UDP echoes longer than 2,048 bytes
// ---------------------------------------------------------------------------------------------

/// A UDP server in `ns` on 127.0.0.1: each datagram sent back as is, or with one byte more
/// (`extra`). Returns its port.
fn udp_echo(ns: &Ns, extra: bool) -> (u16, Background) {
    let s: UdpSocket = ns.enter(|| UdpSocket::bind("127.0.0.1:0").expect("bind udp"));
    let port = s.local_addr().unwrap().port();
    s.set_nonblocking(true).unwrap();
    let bg = Background::spawn(move |stop| {
        let mut buf = vec![0u8; 65536];
        serve_loop(stop, s.as_raw_fd(), || {
            while let Ok((n, from)) = s.recv_from(&mut buf) {
                let len = if extra { n + 1 } else { n };
                let _ = s.send_to(&buf[..len], from);
            }
        })
    });
    (port, bg)
}

#[test]
fn udp_echo_of_a_payload_over_2048_bytes_is_an_echo() {
    let Some(ns) = Ns::new("hp-udp-big") else {
        return;
    };
    let (echo, _e) = udp_echo(&ns, false);
    let (longer, _l) = udp_echo(&ns, true);
    // 65,507: the largest UDP payload over IPv4 (no room for one byte more in the reply).
    for size in [2049usize, 3000, 65_506, 65_507] {
        let payload: String = (0..size).map(|i| (b'a' + (i % 26) as u8) as char).collect();
        let also_longer = size < 65_507;
        let ports = if also_longer {
            format!("{echo},{longer}")
        } else {
            echo.to_string()
        };
        let o = ns.sockdiag(&[
            "probe",
            "--udp",
            "--json",
            "--timeout",
            "2s",
            "--payload",
            &payload,
            "127.0.0.1",
            &ports,
        ]);
        let recs = records(&o);
        let v = get(&recs, "127.0.0.1", echo);
        assert_eq!(state(v), ("open", "udp-response"), "{size}: {v}");
        assert_eq!(v["echo"], true, "{size} bytes echoed whole: {v}");
        if also_longer {
            let v = get(&recs, "127.0.0.1", longer);
            assert_eq!(state(v), ("open", "udp-response"), "{size}: {v}");
            assert_eq!(v["echo"], false, "{size} bytes and one more: {v}");
        }
    }
}
