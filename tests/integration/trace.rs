//! `sockdiag trace` on loopback, no lab needed: the host is hop 1, open or closed, on both
//! families; the chain of routers is in tests/trace_lab.rs.
use crate::util;
use std::net::TcpListener;
use util::run;

fn json(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

#[test]
fn loopback_is_reached_at_hop_1() {
    for host in ["127.0.0.1", "::1"] {
        let l = TcpListener::bind((host, 0)).expect("listen");
        let port = l.local_addr().unwrap().port().to_string();
        let (code, out, err) = run(&["trace", "-n", "--json", host, &port]);
        assert_eq!(code, 0, "{err}");
        let v = json(&out);
        assert_eq!(v.len(), 2, "{out}");
        assert_eq!(v[0]["type"], "hop");
        assert_eq!(v[0]["ttl"], 1);
        assert_eq!(v[0]["state"], "open");
        assert_eq!(v[0]["responders"][0]["addr"], host);
        assert_eq!(v[1]["type"], "trace");
        assert_eq!(v[1]["verdict"]["kind"], "reached");
        assert_eq!(v[1]["hops"], 1);
        assert!(v[1]["elapsed_ms"].as_f64().unwrap() < 900.0, "{out}");
        drop(l);
        // The same port, closed now: a reset at hop 1, exit 1.
        let (code, out, _) = run(&["trace", "-n", "--format", "plain", host, &port]);
        assert_eq!(code, 1);
        assert!(out.contains("\tclosed conn-refused"), "{out}");
        assert!(
            out.contains(&format!(
                "# verdict reached: closed (conn-refused) at hop 1 ({host})"
            )),
            "{out}"
        );
    }
}

#[test]
fn udp_to_a_closed_loopback_port_is_port_unreach() {
    let (code, out, err) = run(&["trace", "-n", "--udp", "--json", "127.0.0.1", "9"]);
    assert_eq!(code, 1, "{err}");
    let v = json(&out);
    let t = v.last().unwrap();
    assert_eq!(t["proto"], "udp");
    assert_eq!(t["state"], "closed");
    assert_eq!(t["reason"], "port-unreach");
}
