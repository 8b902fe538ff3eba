//! IPv6 link-local targets with a zone (`fe80::2%veth`, `[fe80::2%3]`) for probe and
//! connect, across a veth pair of the test's own namespaces; and what a link-local address
//! without one says.
use crate::lab;
use lab::{json_lines, sockdiag_bin, stdout, Ns};
use std::net::{Ipv6Addr, SocketAddr, SocketAddrV6, TcpListener};

const MINE: &str = "fe80::5d:1";
const PEERS: &str = "fe80::5d:2";

/// Two namespaces joined by a veth, each end with a link-local address added without DAD
/// (the kernel's own is tentative for a second or two); returns them and the interface names.
fn linked(tag: &str) -> Option<(Ns, Ns, String, String)> {
    let a = Ns::new(tag)?;
    let b = a.peer();
    let (va, vb) = (a.veth().expect("veth"), b.veth().expect("peer veth"));
    a.sh(&format!("ip -6 addr add {MINE}/64 dev {va} nodad"));
    b.sh(&format!("ip -6 addr add {PEERS}/64 dev {vb} nodad"));
    // The peer's link-local address as the kernel lists it.
    let shown = stdout(&b.sh(&format!("ip -6 -o addr show dev {vb} scope link")));
    assert!(shown.contains(&format!("{PEERS}/64")), "{shown}");
    Some((a, b, va, vb))
}

/// A listener on the peer's link-local address (bound with the veth's scope id), and a port
/// nothing listens on; returns the listener, its port, the closed port and the peer's index.
fn listener(b: &Ns, vb: &str) -> (TcpListener, u16, u16, u32) {
    let vb = vb.to_string();
    b.enter(move || {
        let c = std::ffi::CString::new(vb).unwrap();
        let index = unsafe { libc::if_nametoindex(c.as_ptr()) };
        assert_ne!(index, 0);
        let ip: Ipv6Addr = PEERS.parse().unwrap();
        let bind = |port| TcpListener::bind(SocketAddr::V6(SocketAddrV6::new(ip, port, 0, index)));
        let l = bind(0).expect("listen on the link-local address");
        let closed = bind(0).expect("a second port").local_addr().unwrap().port();
        let port = l.local_addr().unwrap().port();
        (l, port, closed, index)
    })
}

#[test]
fn probe_and_connect_reach_a_link_local_address_by_its_zone() {
    let Some((a, b, va, vb)) = linked("zone") else {
        return;
    };
    let (_l, open, closed, _) = listener(&b, &vb);
    let (open_s, closed_s) = (open.to_string(), closed.to_string());
    let target = format!("{PEERS}%{va}");

    let o = a.sockdiag(&["probe", "--format", "json", &target, &open_s, &closed_s]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let recs = json_lines(&o);
    let rec = |port: u16| {
        recs.iter()
            .find(|r| r["type"] == "probe" && r["port"] == port)
            .unwrap_or_else(|| panic!("no record for {port}: {recs:?}"))
    };
    assert_eq!(rec(open)["state"], "open", "{recs:?}");
    assert_eq!(rec(open)["addr"], target.as_str());
    assert_eq!(rec(open)["target"], target.as_str());
    assert_eq!(rec(closed)["state"], "closed", "{recs:?}");
    assert_eq!(rec(closed)["reason"], "conn-refused");
    assert_eq!(rec(closed)["addr"], target.as_str());

    // Bracketed, with the interface's index for a zone; the table shows it as given.
    let idx = stdout(&a.sh(&format!("cat /sys/class/net/{va}/ifindex")))
        .trim()
        .to_string();
    let bracketed = format!("[{PEERS}%{idx}]");
    let o = a.sockdiag(&["probe", "--format", "plain", &bracketed, &open_s]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let text = stdout(&o);
    assert!(text.contains(&format!("{PEERS}%{idx}")), "{text}");
    assert!(text.contains("open"), "{text}");
    let o = a.sockdiag(&["probe", &target, &open_s]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(stdout(&o).contains(&target), "{}", stdout(&o));

    // connect: peer and local with the zone's interface name.
    let o = a.sockdiag(&["connect", "--format", "json", &target, &open_s]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let r = &json_lines(&o)[0];
    assert_eq!(r["state"], "open", "{r}");
    assert_eq!(r["peer"], format!("[{PEERS}%{va}]:{open}").as_str(), "{r}");
    let local = r["local"].as_str().expect("local");
    assert!(
        local.starts_with("[fe80::") && local.contains(&format!("%{va}]:")),
        "{r}"
    );
    let o = a.sockdiag(&["connect", "--format", "json", &target, &closed_s]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let r = &json_lines(&o)[0];
    assert_eq!(
        (&r["state"], &r["reason"]),
        (&"closed".into(), &"conn-refused".into()),
        "{r}"
    );
}

#[test]
fn a_link_local_address_without_a_zone_gets_a_hint() {
    let Some((a, b, va, vb)) = linked("nozone") else {
        return;
    };
    let (_l, open, _, _) = listener(&b, &vb);
    let open_s = open.to_string();
    let o = a.sockdiag(&["probe", "--format", "json", PEERS, &open_s]);
    // Every result an error: a local failure.
    assert_eq!(o.status.code(), Some(3), "{o:?}");
    let r = &json_lines(&o)[0];
    assert_eq!(
        (&r["state"], &r["reason"]),
        (&"error".into(), &"local:EINVAL".into()),
        "{r}"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("{PEERS} is link-local")) && err.contains("%eth0"),
        "{err}"
    );
    let o = a.sockdiag(&["connect", PEERS, &open_s]);
    assert_ne!(o.status.code(), Some(0), "{o:?}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is link-local"),
        "{o:?}"
    );
    // --interface names the link instead: no hint, and it connects.
    let o = a.sockdiag(&["probe", "--interface", &va, PEERS, &open_s]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(o.stderr.is_empty(), "{o:?}");
}

#[test]
fn bad_zones_are_usage_errors_quoting_the_target() {
    for (args, quoted, why) in [
        (
            &["probe", "fe80::1%sdnosuchif9", "22"][..],
            "fe80::1%sdnosuchif9",
            "no network interface 'sdnosuchif9'",
        ),
        (
            &["connect", "[fe80::1%sdnosuchif9]", "22"][..],
            "[fe80::1%sdnosuchif9]",
            "no network interface",
        ),
        (&["probe", "127.0.0.1%lo", "22"][..], "127.0.0.1%lo", "IPv4"),
        (&["probe", "::1%lo", "22"][..], "::1%lo", "link-local"),
        (
            &["connect", "2001:db8::1%lo", "22"][..],
            "2001:db8::1%lo",
            "fe80::/10",
        ),
    ] {
        let o = std::process::Command::new(sockdiag_bin())
            .args(args)
            .output()
            .expect("run sockdiag");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(quoted) && err.contains(why), "{args:?}: {err}");
    }
}
