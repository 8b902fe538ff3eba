//! `sockdiag probe --udp` in a namespace of the test's own: `sockdiag serve --udp` as the
//! echo (and a banner as a service that answers something else), a port nothing is bound to,
//! and one whose datagrams nft drops.
use crate::lab;
use lab::{json_lines, Ns};
use std::time::{Duration, Instant};

const ECHO: u16 = 40007;
const CLOSED: u16 = 40008;
const DROPPED: u16 = 40009;
const OTHER: u16 = 40010;

fn wait_bound(ns: &Ns, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = ns.sh(&format!("ss -Hlun 'sport = :{port}'"));
        if !out.stdout.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "serve --udp did not bind {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn udp_probe_states() {
    let Some(ns) = Ns::new("udp-probe") else {
        return;
    };
    let bin = lab::sockdiag_bin();
    let bin = bin.to_str().unwrap();
    ns.spawn(&[bin, "serve", "--udp", &format!("127.0.0.1:{ECHO}")]);
    ns.spawn(&[
        bin,
        "serve",
        "--udp",
        "--banner",
        "not an echo",
        &format!("127.0.0.1:{OTHER}"),
    ]);
    ns.sh(&format!(
        "nft add table inet sdt && \
         nft add chain inet sdt in '{{ type filter hook input priority 0; }}' && \
         nft add rule inet sdt in udp dport {DROPPED} drop"
    ));
    wait_bound(&ns, ECHO);
    wait_bound(&ns, OTHER);
    let out = ns.sockdiag(&[
        "probe",
        "--udp",
        "--json",
        "--timeout",
        "500ms",
        "--retries",
        "1",
        "127.0.0.1",
        &format!("{ECHO}-{OTHER}"),
    ]);
    let recs: Vec<_> = json_lines(&out)
        .into_iter()
        .filter(|v| v["type"] == "probe")
        .collect();
    assert_eq!(recs.len(), 4, "{}", lab::stdout(&out));
    let by_port = |p: u16| {
        recs.iter()
            .find(|v| v["port"] == p)
            .unwrap_or_else(|| panic!("port {p}"))
    };
    let echo = by_port(ECHO);
    assert_eq!(
        (echo["state"].as_str(), echo["reason"].as_str()),
        (Some("open"), Some("udp-response")),
        "{echo}"
    );
    assert_eq!(echo["echo"], true, "{echo}");
    let other = by_port(OTHER);
    assert_eq!(
        (other["state"].as_str(), other["reason"].as_str()),
        (Some("open"), Some("udp-response")),
        "{other}"
    );
    assert_eq!(
        other["echo"], false,
        "a reply that differs is still open, and says so: {other}"
    );
    let closed = by_port(CLOSED);
    assert_eq!(
        (closed["state"].as_str(), closed["reason"].as_str()),
        (Some("closed"), Some("port-unreach")),
        "{closed}"
    );
    assert_eq!(
        (
            closed["icmp"]["type"].as_u64(),
            closed["icmp"]["code"].as_u64()
        ),
        (Some(3), Some(3)),
        "{closed}"
    );
    assert!(closed.get("echo").is_none(), "{closed}");
    let dropped = by_port(DROPPED);
    assert_eq!(
        (dropped["state"].as_str(), dropped["reason"].as_str()),
        (Some("open|filtered"), Some("no-response")),
        "{dropped}"
    );
    assert_eq!(dropped["tries"], 2, "{dropped}");
    // Exit 1: not every port is open.
    assert_eq!(out.status.code(), Some(1));

    // Plain with -v: the last column says whether the reply was an echo.
    let out = ns.sockdiag(&[
        "probe",
        "--udp",
        "--format",
        "plain",
        "-v",
        "--timeout",
        "500ms",
        "--retries",
        "0",
        "127.0.0.1",
        &format!("{ECHO},{OTHER},{CLOSED}"),
    ]);
    let text = lab::stdout(&out);
    let reply = |p: u16| -> String {
        text.lines()
            .map(|l| l.split('\t').collect::<Vec<_>>())
            .find(|f| f[2] == p.to_string())
            .map(|f| f.last().unwrap().to_string())
            .unwrap_or_else(|| panic!("no line for port {p}: {text}"))
    };
    assert_eq!(
        (reply(ECHO), reply(OTHER), reply(CLOSED)),
        ("echo".into(), "other".into(), "-".into()),
        "{text}"
    );
}
