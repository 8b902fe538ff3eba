//! `sockdiag why` in the lab: a chain of namespaces client -> r1 -> r2 -> r3 -> server (IPv4
//! and IPv6, dnsmasq in the client for names), one failure per layer, each case asserting the
//! verdict's kind, layer, address and hop; and TLS and HTTP servers in a namespace of their
//! own for the upper layers.
use crate::lab;

use lab::{json_lines, stdout, Ns};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// The kernel's ICMP rate limit is shared by every namespace: one chain at a time.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    ONE.lock().unwrap_or_else(|e| e.into_inner())
}

const SERVER4: &str = "10.1.4.2";
const SERVER6: &str = "2001:db8:4::2";
/// Each router as it answers the client.
const R1: &str = "10.1.1.1";
const R2: &str = "10.1.2.2";
const R3: &str = "10.1.3.2";
const R3_6: &str = "2001:db8:3::2";

/// The server: accepts (and closes) every connection on TCP port 80, both families.
const SERVER: &str = r#"
import socket, time
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", 80)); s.listen(512)
end = time.time() + 300
while time.time() < end:
    c, _ = s.accept(); c.close()
"#;

/// Names the client's dnsmasq knows: a dual-stack one and an IPv4-only one.
const NAMES: &[&str] = &[
    "--host-record=srv.sockdiag.test,10.1.4.2,2001:db8:4::2",
    "--host-record=v4.sockdiag.test,10.1.4.2",
    "--host-record=split.sockdiag.test,10.9.9.9",
];

struct Chain {
    c: Ns,
    r1: Ns,
    r2: Ns,
    r3: Ns,
    _s: Ns,
}

impl Chain {
    fn new(tag: &str) -> Option<Chain> {
        let c = Ns::new(&format!("{tag}c"))?;
        let r1 = Ns::new(&format!("{tag}r1"))?;
        let r2 = Ns::new(&format!("{tag}r2"))?;
        let r3 = Ns::new(&format!("{tag}r3"))?;
        let s = Ns::new(&format!("{tag}s"))?;
        let pair = |a: &Ns, b: &Ns, n: u8| {
            a.link(
                b,
                &[&format!("10.1.{n}.1/24"), &format!("2001:db8:{n}::1/64")],
                &[&format!("10.1.{n}.2/24"), &format!("2001:db8:{n}::2/64")],
            )
        };
        let (_, cdev) = r1.link(
            &c,
            &["10.1.1.1/24", "2001:db8:1::1/64"],
            &["10.1.1.2/24", "2001:db8:1::2/64"],
        );
        // A neighbour that does not answer fails after one solicitation of 100 ms, not 3 s.
        c.sysctl(&[
            &format!("net.ipv4.neigh.{cdev}.mcast_solicit=1"),
            &format!("net.ipv4.neigh.{cdev}.retrans_time_ms=100"),
            &format!("net.ipv6.neigh.{cdev}.mcast_solicit=1"),
            &format!("net.ipv6.neigh.{cdev}.retrans_time_ms=100"),
        ]);
        pair(&r1, &r2, 2);
        pair(&r2, &r3, 3);
        pair(&r3, &s, 4);
        c.sh("ip route add default via 10.1.1.1 && ip -6 route add default via 2001:db8:1::1");
        r1.sh("ip route add default via 10.1.2.2 && ip -6 route add default via 2001:db8:2::2");
        r2.sh(
            "ip route add 10.1.4.0/24 via 10.1.3.2 && ip route add 10.1.1.0/24 via 10.1.2.1 && \
             ip -6 route add 2001:db8:4::/64 via 2001:db8:3::2 && \
             ip -6 route add 2001:db8:1::/64 via 2001:db8:2::1",
        );
        r3.sh("ip route add default via 10.1.3.1 && ip -6 route add default via 2001:db8:3::1");
        s.sh("ip route add default via 10.1.4.1 && ip -6 route add default via 2001:db8:4::1");
        for r in [&r1, &r2, &r3, &s] {
            r.sysctl(&[
                "net.ipv4.ip_forward=1",
                "net.ipv6.conf.all.forwarding=1",
                "net.ipv4.conf.all.rp_filter=0",
                "net.ipv4.conf.default.rp_filter=0",
                // Every case draws ICMP errors from the probe and then from the trace.
                "net.ipv4.icmp_ratelimit=0",
                "net.ipv6.icmp.ratelimit=0",
                "net.ipv4.icmp_msgs_per_sec=100000",
                "net.ipv4.icmp_msgs_burst=100000",
            ]);
        }
        c.write_etc("nsswitch.conf", "hosts: files dns\n");
        c.dnsmasq(NAMES);
        s.spawn(&["python3", "-c", SERVER]);
        let chain = Chain {
            c,
            r1,
            r2,
            r3,
            _s: s,
        };
        chain.wait_for_server();
        Some(chain)
    }

    /// Until the server listens and every link has its neighbours resolved.
    fn wait_for_server(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let probe = |a: &str| {
                stdout(&self.c.sockdiag(&[
                    "probe",
                    "--format",
                    "plain",
                    "--timeout",
                    "500ms",
                    "--retries",
                    "0",
                    a,
                    "80",
                ]))
            };
            if probe(SERVER4).contains("open") && probe(&format!("[{SERVER6}]")).contains("open") {
                return;
            }
            assert!(Instant::now() < deadline, "the lab server did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// `sockdiag why --json ARGS` in `ns`: the layer records, the verdict record, the exit code.
fn why(ns: &Ns, args: &[&str]) -> (Vec<Value>, Value, i32) {
    let mut a = vec!["why", "--json"];
    a.extend_from_slice(args);
    let o = ns.sockdiag(&a);
    let lines = json_lines(&o);
    let layers: Vec<Value> = lines
        .iter()
        .filter(|v| v["type"] == "why-layer")
        .cloned()
        .collect();
    let v = lines
        .iter()
        .find(|v| v["type"] == "why")
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "no why record: {} {}",
                stdout(&o),
                String::from_utf8_lossy(&o.stderr)
            )
        });
    (layers, v, o.status.code().unwrap_or(-1))
}

/// The verdict's kind, layer, address and hop.
fn kla(v: &Value) -> (String, Value, Value, Value) {
    (
        v["kind"].as_str().unwrap_or("?").to_string(),
        v["layer"].clone(),
        v["addr"].clone(),
        v["hop"].clone(),
    )
}

fn layer<'a>(layers: &'a [Value], name: &str, addr: &str) -> &'a Value {
    layers
        .iter()
        .find(|l| l["layer"] == name && l["addr"] == addr)
        .unwrap_or_else(|| panic!("no {name} layer for {addr}: {layers:?}"))
}

#[test]
fn an_open_port_is_reachable_with_its_figures() {
    let _one = serial();
    let Some(ch) = Chain::new("why-open") else {
        return;
    };
    let (layers, v, code) = why(&ch.c, &["v4.sockdiag.test", "80"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        kla(&v),
        ("reachable".into(), Value::Null, SERVER4.into(), Value::Null),
        "{v}"
    );
    assert!(v["connect_ms"].as_f64().unwrap() > 0.0, "{v}");
    assert!(v["rtt_ms"].as_f64().unwrap() > 0.0, "{v}");
    let names: Vec<&str> = layers
        .iter()
        .map(|l| l["layer"].as_str().unwrap())
        .collect();
    // No path layer for an open port.
    assert_eq!(names, ["name", "route", "reach", "transport"], "{layers:?}");
    let name = &layers[0];
    assert_eq!(name["data"]["source"], "dns", "{name}");
    assert_eq!(name["data"]["server"], "127.0.0.1", "{name}");
    let route = layer(&layers, "route", SERVER4);
    assert_eq!(route["data"]["gateway"], R1, "{route}");
    assert_eq!(route["data"]["src"], "10.1.1.2", "{route}");
    assert_eq!(route["status"], "ok");
    assert_eq!(layer(&layers, "reach", SERVER4)["data"]["state"], "open");
    assert!(
        layer(&layers, "transport", SERVER4)["data"]["tcp_info"]["mss"]
            .as_u64()
            .unwrap()
            > 0
    );
    // The table: the verdict line first, then the layers.
    let o = ch.c.sockdiag(&["why", "--format", "table", SERVER4, "80"]);
    let text = stdout(&o);
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("{SERVER4}:80 reachable over {SERVER4}: connect ")),
        "{text}"
    );
    assert!(text.contains("transport"), "{text}");
}

#[test]
fn a_closed_port_is_refused_by_the_host_at_hop_4() {
    let _one = serial();
    let Some(ch) = Chain::new("why-closed") else {
        return;
    };
    let (layers, v, code) = why(&ch.c, &[&format!("{SERVER4}:81")]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        kla(&v),
        ("refused".into(), "reach".into(), SERVER4.into(), 4.into()),
        "{v}"
    );
    assert_eq!(
        layer(&layers, "reach", SERVER4)["data"]["reason"],
        "conn-refused"
    );
    assert_eq!(
        layer(&layers, "path", SERVER4)["data"]["verdict"]["kind"],
        "reached"
    );
    assert!(v["fix"].as_str().unwrap().contains("port 81"), "{v}");
}

#[test]
fn nxdomain_is_name_failed() {
    let _one = serial();
    let Some(ch) = Chain::new("why-nx") else {
        return;
    };
    let (layers, v, code) = why(&ch.c, &["nx.sockdiag.test", "80"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        kla(&v),
        (
            "name-failed".into(),
            "name".into(),
            Value::Null,
            Value::Null
        ),
        "{v}"
    );
    assert_eq!(layers.len(), 1, "no layer past the name: {layers:?}");
    let ev = v["evidence"].as_str().unwrap();
    assert!(ev.contains("no such name"), "{ev}");
    let name = &layers[0];
    assert!(
        name["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().contains("NXDOMAIN")),
        "{name}"
    );
}

#[test]
fn no_route_at_the_client_is_no_route_at_the_route_layer() {
    let _one = serial();
    let Some(ch) = Chain::new("why-noroute") else {
        return;
    };
    ch.c.sh("ip route del default");
    let (layers, v, code) = why(&ch.c, &[SERVER4, "80"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        kla(&v),
        (
            "no-route".into(),
            "route".into(),
            SERVER4.into(),
            Value::Null
        ),
        "{v}"
    );
    assert_eq!(
        layers.len(),
        1,
        "nothing is sent without a route: {layers:?}"
    );
    assert_eq!(layers[0]["data"]["no_route"], "none");
    // A blackhole route is a route to nowhere, said so.
    ch.c.sh("ip route add blackhole 10.1.4.0/24");
    let (_, v, _) = why(&ch.c, &[SERVER4, "80"]);
    assert_eq!(
        kla(&v),
        (
            "no-route".into(),
            "route".into(),
            SERVER4.into(),
            Value::Null
        ),
        "{v}"
    );
    assert!(v["evidence"].as_str().unwrap().contains("blackhole"), "{v}");
}

#[test]
fn a_neighbour_that_never_answers_is_neighbour_failed() {
    let _one = serial();
    let Some(ch) = Chain::new("why-neigh") else {
        return;
    };
    // On the client's link, and nobody has it.
    let (layers, v, code) = why(&ch.c, &["10.1.1.99", "80"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        kla(&v),
        (
            "neighbour-failed".into(),
            "route".into(),
            "10.1.1.99".into(),
            Value::Null
        ),
        "{v}"
    );
    assert_eq!(v["hop_addr"], "10.1.1.99", "{v}");
    assert!(
        layers.iter().all(|l| l["layer"] != "path"),
        "nothing to trace: {layers:?}"
    );
    // A gateway that is not there.
    ch.c.sh("ip route replace default via 10.1.1.77");
    let (_, v, code) = why(&ch.c, &[SERVER4, "80"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        kla(&v),
        (
            "neighbour-failed".into(),
            "route".into(),
            SERVER4.into(),
            Value::Null
        ),
        "{v}"
    );
    assert_eq!(v["hop_addr"], "10.1.1.77", "{v}");
    assert!(
        v["fix"]
            .as_str()
            .unwrap()
            .contains("ip neigh show 10.1.1.77"),
        "{v}"
    );
}

#[test]
fn an_unreachable_route_at_r1_is_no_route_at_hop_1() {
    let _one = serial();
    let Some(ch) = Chain::new("why-unr") else {
        return;
    };
    ch.r1.sh("ip route add unreachable 10.1.4.0/24");
    let (layers, v, code) = why(&ch.c, &[SERVER4, "80"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        kla(&v),
        ("no-route".into(), "path".into(), SERVER4.into(), 1.into()),
        "{v}"
    );
    assert_eq!(v["hop_addr"], R1, "{v}");
    let reach = layer(&layers, "reach", SERVER4);
    assert_eq!(reach["data"]["reason"], "host-unreach", "{reach}");
    assert_eq!(reach["data"]["icmp"]["from"], R1, "{reach}");
}

#[test]
fn a_drop_at_r3_is_filtered_at_hop_3() {
    let _one = serial();
    let Some(ch) = Chain::new("why-drop") else {
        return;
    };
    ch.r3.nft(
        "table inet t {\n chain f {\n  type filter hook forward priority 0;\n  tcp dport 80 drop\n }\n}\n",
    );
    for (dest, r3) in [(SERVER4, R3), (SERVER6, R3_6)] {
        let (layers, v, code) = why(&ch.c, &["--timeout", "500ms", dest, "80"]);
        assert_eq!(code, 1, "{v}");
        assert_eq!(
            kla(&v),
            (
                "filtered-at-hop".into(),
                "path".into(),
                dest.into(),
                3.into()
            ),
            "{v}"
        );
        assert_eq!(v["hop_addr"], r3, "{v}");
        assert_eq!(
            layer(&layers, "reach", dest)["data"]["reason"],
            "no-response"
        );
        assert!(
            v["fix"]
                .as_str()
                .unwrap()
                .contains(&format!("hop 3 ({r3})")),
            "{v}"
        );
    }
}

#[test]
fn an_admin_prohibited_reject_at_r2_is_rejected_at_hop_2() {
    let _one = serial();
    let Some(ch) = Chain::new("why-rej") else {
        return;
    };
    ch.r2.nft(
        "table inet t {\n chain f {\n  type filter hook forward priority 0;\n  tcp dport 80 reject with icmpx type admin-prohibited\n }\n}\n",
    );
    let (layers, v, code) = why(&ch.c, &[SERVER4, "80"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        kla(&v),
        (
            "rejected-at-hop".into(),
            "path".into(),
            SERVER4.into(),
            2.into()
        ),
        "{v}"
    );
    assert_eq!(v["hop_addr"], R2, "{v}");
    let reach = layer(&layers, "reach", SERVER4);
    assert_eq!(reach["data"]["reason"], "admin-prohibited", "{reach}");
    assert_eq!(reach["data"]["icmp"]["from"], R2, "{reach}");
    // Without the trace the probe's ICMP sender still names the router, not the hop.
    let (_, v, _) = why(&ch.c, &["--no-trace", SERVER4, "80"]);
    assert_eq!(
        kla(&v),
        (
            "rejected-at-hop".into(),
            "reach".into(),
            SERVER4.into(),
            Value::Null
        ),
        "{v}"
    );
    assert_eq!(v["hop_addr"], R2, "{v}");
}

/// A listener on r2:3128, the transparent proxy: accepts (and closes) every connection.
const PROXY: &str = r#"
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 3128)); s.listen(512)
end = time.time() + 300
while time.time() < end:
    c, _ = s.accept(); c.close()
"#;

#[test]
fn a_transparent_proxy_at_r2_is_intercepted_at_hop_2() {
    let _one = serial();
    let Some(ch) = Chain::new("why-tp") else {
        return;
    };
    ch.r2.spawn(&["python3", "-c", PROXY]);
    ch.r2.nft(
        "table ip t {\n chain p {\n  type nat hook prerouting priority -100;\n  tcp dport 80 redirect to :3128\n }\n}\n",
    );
    // Until the proxy listens: the port then looks open, as it does to every client.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !stdout(&ch.r2.sh("ss -ltnH 'sport = :3128'")).contains("3128") {
        assert!(Instant::now() < deadline, "the proxy did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (layers, v, code) = why(&ch.c, &[SERVER4, "80"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        kla(&v),
        (
            "intercepted".into(),
            "path".into(),
            SERVER4.into(),
            2.into()
        ),
        "{v}"
    );
    assert_eq!(v["hop_addr"], R2, "{v}");
    assert!(v["evidence"].as_str().unwrap_or("").contains(R2), "{v}");
    assert_eq!(layer(&layers, "reach", SERVER4)["data"]["state"], "open");
    assert_eq!(layer(&layers, "path", SERVER4)["status"], "failed");
    // Nothing past the proxy is described as if it were the host.
    assert!(
        !layers.iter().any(|l| l["layer"] == "transport"),
        "{layers:?}"
    );
}

#[test]
fn a_router_that_drops_large_packets_silently_is_an_mtu_black_hole_at_hop_2() {
    let _one = serial();
    let Some(ch) = Chain::new("why-mtu") else {
        return;
    };
    // r2 forwards nothing over 1280 bytes to r3, and says nothing about it.
    ch.r2.nft(
        "table ip t {\n chain f {\n  type filter hook forward priority 0;\n  ip daddr 10.1.4.0/24 ip length > 1280 drop\n }\n}\n",
    );
    let (layers, v, code) = why(&ch.c, &[SERVER4, "80"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        kla(&v),
        (
            "mtu-black-hole".into(),
            "path".into(),
            SERVER4.into(),
            2.into()
        ),
        "{v}"
    );
    assert_eq!(v["hop_addr"], R2, "{v}");
    // The handshake itself passes: the port is open.
    assert_eq!(layer(&layers, "reach", SERVER4)["data"]["state"], "open");
    assert_eq!(
        layer(&layers, "path", SERVER4)["data"]["verdict"]["kind"],
        "mtu-black-hole"
    );
}

#[test]
fn a_dual_stack_name_with_its_aaaa_path_dropped_is_reachable_over_ipv4() {
    let _one = serial();
    let Some(ch) = Chain::new("why-dual") else {
        return;
    };
    ch.r3.nft(
        "table inet t {\n chain f {\n  type filter hook forward priority 0;\n  ip6 daddr 2001:db8:4::2 tcp dport 80 drop\n }\n}\n",
    );
    let (layers, v, code) = why(&ch.c, &["--timeout", "500ms", "srv.sockdiag.test", "80"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        kla(&v),
        ("reachable".into(), Value::Null, SERVER4.into(), Value::Null),
        "{v}"
    );
    // The IPv6 address was tried first (Happy Eyeballs order), and its cost is told.
    let reach: Vec<&Value> = layers.iter().filter(|l| l["layer"] == "reach").collect();
    assert_eq!(reach[0]["addr"], SERVER6, "{layers:?}");
    assert_eq!(layer(&layers, "path", SERVER6)["status"], "failed");
    let also = v["also"].as_array().unwrap();
    assert_eq!(also.len(), 1, "{v}");
    let a = also[0].as_str().unwrap();
    assert!(
        a.starts_with(&format!("{SERVER6} filtered-at-hop at hop 3 ({R3_6})")),
        "{a}"
    );
    assert!(a.contains("Happy Eyeballs client 250 ms"), "{a}");
    // One deadline of the probe (no retry: the trace follows), told as the cost.
    assert!(a.contains("no answer in 500 ms"), "{a}");
}

#[test]
fn servers_that_disagree_and_a_hosts_override_are_name_disagrees() {
    let _one = serial();
    let Some(ch) = Chain::new("why-split") else {
        return;
    };
    // A second server, asked after the first, that has the address that works.
    ch.c.spawn(&[
        "dnsmasq",
        "--keep-in-foreground",
        "--no-resolv",
        "--no-hosts",
        "--no-poll",
        "--conf-file=/dev/null",
        "--listen-address=127.0.0.2",
        "--bind-interfaces",
        "--port=53",
        "--pid-file=",
        "--user=root",
        "--local=/sockdiag.test/",
        "--host-record=split.sockdiag.test,10.1.4.2",
    ]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while ch.c.sh("ss -Hlun 'src 127.0.0.2:53'").stdout.is_empty() {
        assert!(
            Instant::now() < deadline,
            "the second dnsmasq did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    ch.c.write_etc(
        "resolv.conf",
        "nameserver 127.0.0.1\nnameserver 127.0.0.2\noptions timeout:1 attempts:1\n",
    );
    let (layers, v, code) = why(&ch.c, &["split.sockdiag.test", "80"]);
    assert_eq!(code, 1, "{v}");
    // The first server's answer is taken, and r2 has no route to it.
    assert_eq!(
        kla(&v),
        (
            "name-disagrees".into(),
            "name".into(),
            "10.9.9.9".into(),
            2.into()
        ),
        "{v}"
    );
    assert_eq!(layers[0]["status"], "warn", "{layers:?}");
    assert!(v["evidence"].as_str().unwrap().contains("10.1.4.2"), "{v}");
    // /etc/hosts says otherwise than DNS, and its address (r3's, where nothing listens) is
    // the one that fails.
    ch.c.write_etc(
        "hosts",
        &format!("127.0.0.1 localhost\n::1 localhost\n{R3} v4.sockdiag.test\n"),
    );
    let (layers, v, code) = why(&ch.c, &["v4.sockdiag.test", "80"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        kla(&v),
        ("name-disagrees".into(), "name".into(), R3.into(), 3.into()),
        "{v}"
    );
    assert_eq!(layers[0]["data"]["source"], "hosts", "{layers:?}");
    assert!(v["fix"].as_str().unwrap().contains("/etc/hosts"), "{v}");
}

#[test]
fn a_targets_file_is_diagnosed_target_by_target_in_its_order() {
    let _one = serial();
    let Some(ch) = Chain::new("why-file") else {
        return;
    };
    let mut f = tempfile::NamedTempFile::new().unwrap();
    writeln!(
        f,
        "# services\nv4.sockdiag.test 80\n\n{SERVER4}:81\nnx.sockdiag.test 80  # gone\n"
    )
    .unwrap();
    let path = f.path().to_str().unwrap().to_string();
    let o = ch.c.sockdiag(&["why", "--json", "--targets-file", &path]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let verdicts: Vec<(String, String)> = json_lines(&o)
        .iter()
        .filter(|v| v["type"] == "why")
        .map(|v| {
            (
                v["target"].as_str().unwrap().to_string(),
                v["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("v4.sockdiag.test:80".to_string(), "reachable".to_string()),
            (format!("{SERVER4}:81"), "refused".to_string()),
            ("nx.sockdiag.test:80".to_string(), "name-failed".to_string()),
        ]
    );
    // A bad line stops the run before anything is sent, and says which line.
    let mut bad = tempfile::NamedTempFile::new().unwrap();
    writeln!(bad, "v4.sockdiag.test 80\nv4.sockdiag.test 80 81").unwrap();
    let bad_path = bad.path().to_str().unwrap().to_string();
    let o = ch.c.sockdiag(&["why", "--targets-file", &bad_path]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("'81'") && err.contains("line 2"), "{err}");
    assert!(o.stdout.is_empty());
}

// --- TLS and HTTP: servers in a namespace of their own, names from its dnsmasq. ---

/// A namespace with dnsmasq knowing `good.sockdiag.test` and `other.sockdiag.test` as
/// 127.0.0.1.
fn local_lab(tag: &str) -> Option<Ns> {
    let ns = Ns::new(tag)?;
    ns.write_etc("nsswitch.conf", "hosts: files dns\n");
    ns.dnsmasq(&[
        "--host-record=good.sockdiag.test,127.0.0.1",
        "--host-record=other.sockdiag.test,127.0.0.1",
    ]);
    Some(ns)
}

/// Serves every connection to `l` with `serve` on a thread of its own, for up to a minute.
fn serve_all(l: TcpListener, serve: fn(std::net::TcpStream)) {
    l.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let end = Instant::now() + Duration::from_secs(60);
        while Instant::now() < end {
            match l.accept() {
                Ok((s, _)) => {
                    s.set_nonblocking(false).unwrap();
                    std::thread::spawn(move || serve(s));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    });
}

fn http_503(mut s: std::net::TcpStream) {
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut b) {
            Ok(1) => head.push(b[0]),
            _ => return,
        }
    }
    let text = String::from_utf8_lossy(&head);
    let reply: &[u8] = if text.starts_with("GET /ok ") {
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    } else {
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    };
    let _ = s.write_all(reply);
}

#[test]
fn http_503_is_app_failed() {
    let Some(ns) = local_lab("why-http") else {
        return;
    };
    let l = ns.listen("127.0.0.1".parse().unwrap(), &[8080]).remove(0);
    serve_all(l, http_503);
    let (layers, v, code) = why(&ns, &["--http=/health", "good.sockdiag.test", "8080"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        kla(&v),
        (
            "app-failed".into(),
            "app".into(),
            "127.0.0.1".into(),
            Value::Null
        ),
        "{v}"
    );
    assert_eq!(layer(&layers, "app", "127.0.0.1")["data"]["status"], 503);
    assert!(v["fix"].as_str().unwrap().contains("HTTP 503"), "{v}");
    // A URL says the path; a 200 is reachable, with the status among the figures.
    let (_, v, code) = why(&ns, &["http://good.sockdiag.test:8080/ok"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["kind"], "reachable");
    assert_eq!(v["http_status"], 200);
}

fn ssh_banner(mut s: std::net::TcpStream) {
    let _ = s.write_all(b"SSH-2.0-whylab\r\n");
    std::thread::sleep(Duration::from_secs(2));
}

#[test]
fn expect_matches_the_banner_or_fails_the_app_layer() {
    let Some(ns) = local_lab("why-expect") else {
        return;
    };
    let l = ns.listen("127.0.0.1".parse().unwrap(), &[2222]).remove(0);
    serve_all(l, ssh_banner);
    let (layers, v, code) = why(&ns, &["--expect", "^SSH-2\\.0", "127.0.0.1:2222"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["kind"], "reachable", "{v}");
    assert_eq!(layer(&layers, "app", "127.0.0.1")["status"], "ok");
    let (layers, v, code) = why(&ns, &["--expect", "^220 ", "127.0.0.1", "2222"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        kla(&v),
        (
            "app-failed".into(),
            "app".into(),
            "127.0.0.1".into(),
            Value::Null
        ),
        "{v}"
    );
    let app = layer(&layers, "app", "127.0.0.1");
    assert!(
        app["summary"].as_str().unwrap().contains("SSH-2.0-whylab"),
        "{app}"
    );
}

mod pki {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    use std::io::Write;
    use std::sync::Arc;

    pub struct Pki {
        pub ca_file: tempfile::NamedTempFile,
        pub config: Arc<rustls::ServerConfig>,
    }

    /// A root CA and a server certificate for `names` signed by it.
    pub fn pki(names: &[&str], expired: bool) -> Pki {
        let dn = |cn: &str| {
            let mut d = rcgen::DistinguishedName::new();
            d.push(DnType::CommonName, cn);
            d
        };
        let root_key = KeyPair::generate().unwrap();
        let mut root = CertificateParams::new(Vec::<String>::new()).unwrap();
        root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        root.distinguished_name = dn("why lab root");
        let root_cert = root.self_signed(&root_key).unwrap();
        let root = Issuer::new(root, root_key);
        let key = KeyPair::generate().unwrap();
        let mut leaf =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        leaf.distinguished_name = dn(names[0]);
        if expired {
            leaf.not_before = rcgen::date_time_ymd(2020, 1, 1);
            leaf.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        let cert = leaf.signed_by(&key, &root).unwrap();
        let mut ca_file = tempfile::NamedTempFile::new().unwrap();
        ca_file.write_all(root_cert.pem().as_bytes()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![
                    cert.der().clone(),
                    CertificateDer::from(root_cert.der().to_vec()),
                ],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .unwrap();
        Pki {
            ca_file,
            config: Arc::new(config),
        }
    }
}

/// A TLS server with `cfg` on `l`: every connection gets a handshake, then a 200.
fn tls_serve(l: TcpListener, cfg: std::sync::Arc<rustls::ServerConfig>) {
    l.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let end = Instant::now() + Duration::from_secs(60);
        while Instant::now() < end {
            let Ok((s, _)) = l.accept() else {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            let cfg = cfg.clone();
            std::thread::spawn(move || {
                s.set_nonblocking(false).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let conn = rustls::ServerConnection::new(cfg).unwrap();
                let mut t = rustls::StreamOwned::new(conn, s);
                let mut buf = [0u8; 1024];
                if let Ok(n) = t.read(&mut buf) {
                    if n > 0 {
                        let _ = t.write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        );
                        t.conn.send_close_notify();
                        let _ = t.flush();
                    }
                }
            });
        }
    });
}

#[test]
fn tls_wrong_name_untrusted_and_expired_are_tls_failed() {
    let Some(ns) = local_lab("why-tls") else {
        return;
    };
    let p = pki::pki(&["good.sockdiag.test"], false);
    let l = ns.listen("127.0.0.1".parse().unwrap(), &[8443]).remove(0);
    tls_serve(l, p.config.clone());
    let ca = p.ca_file.path().to_str().unwrap().to_string();
    // Trusted and for the name: reachable, with the days left.
    let (_, v, code) = why(
        &ns,
        &["--tls", "--cacert", &ca, "good.sockdiag.test", "8443"],
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["kind"], "reachable", "{v}");
    assert!(v["tls_days_left"].as_i64().unwrap() > 0, "{v}");
    // Another name for the same server: the wrong name.
    let (layers, v, code) = why(
        &ns,
        &["--tls", "--cacert", &ca, "other.sockdiag.test", "8443"],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        kla(&v),
        (
            "tls-failed".into(),
            "tls".into(),
            "127.0.0.1".into(),
            Value::Null
        ),
        "{v}"
    );
    let tls = layer(&layers, "tls", "127.0.0.1");
    assert!(
        tls["summary"].as_str().unwrap().contains("name mismatch"),
        "{tls}"
    );
    assert!(
        v["fix"].as_str().unwrap().contains("other.sockdiag.test"),
        "{v}"
    );
    // Not among the trusted roots (the Mozilla ones, without --cacert): unknown issuer.
    let (_, v, code) = why(&ns, &["https://good.sockdiag.test:8443/"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        kla(&v),
        (
            "tls-failed".into(),
            "tls".into(),
            "127.0.0.1".into(),
            Value::Null
        ),
        "{v}"
    );
    assert!(
        v["evidence"].as_str().unwrap().contains("not trusted"),
        "{v}"
    );
    assert!(v["fix"].as_str().unwrap().contains("--cacert"), "{v}");
    // Trusted, for the name, and expired.
    let old = pki::pki(&["good.sockdiag.test"], true);
    let l = ns.listen("127.0.0.1".parse().unwrap(), &[8444]).remove(0);
    tls_serve(l, old.config.clone());
    let ca = old.ca_file.path().to_str().unwrap().to_string();
    let (_, v, code) = why(
        &ns,
        &["--tls", "--cacert", &ca, "good.sockdiag.test", "8444"],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        kla(&v),
        (
            "tls-failed".into(),
            "tls".into(),
            "127.0.0.1".into(),
            Value::Null
        ),
        "{v}"
    );
    assert!(
        v["evidence"]
            .as_str()
            .unwrap()
            .contains("certificate expired"),
        "{v}"
    );
    assert!(v["fix"].as_str().unwrap().contains("renew"), "{v}");
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let Some(ns) = Ns::new("why-bad") else {
        return;
    };
    for (args, quoted) in [
        (vec!["why", "db.sockdiag.test"], "'db.sockdiag.test'"),
        (vec!["why", "127.0.0.1", "99999"], "99999"),
        (vec!["why", "127.0.0.1", "80", "--expect", "("], "'('"),
        (vec!["why", "https://a.sockdiag.test/", "80"], "'80'"),
        (
            vec!["why", "127.0.0.1,127.0.0.2", "80"],
            "127.0.0.1,127.0.0.2",
        ),
    ] {
        let o = ns.sockdiag(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(quoted), "{args:?}: {err}");
        assert!(o.stdout.is_empty());
    }
}
