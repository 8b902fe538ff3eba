//! `sockdiag exporter` scraped by a real Prometheus with blackbox-style relabelling, inside
//! lab namespaces: an open, a closed, a dropped and an ICMP-rejected port and an http target,
//! checked through Prometheus's HTTP API (probe_success, sockdiag_probe_state); the same
//! targets through prometheus-blackbox-exporter give the same probe_success. And the bad
//! requests: missing target, unknown module, a target outside --allow-targets, a 10 MB query
//! string, 1,000 concurrent scrapes.
use crate::lab;
use lab::{sockdiag_bin, Ns};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

const EXPORTER: &str = "127.0.0.1:9115";
const BLACKBOX: &str = "127.0.0.1:9116";
const PROMETHEUS: &str = "127.0.0.1:9090";

/// One GET from inside `ns`: the status and the body (`None`: no answer).
fn get(ns: &Ns, addr: &str, path: &str) -> Option<(u16, String)> {
    let (addr, path) = (addr.to_string(), path.to_string());
    ns.enter(move || {
        let a: SocketAddr = addr.parse().unwrap();
        let mut s = TcpStream::connect_timeout(&a, Duration::from_secs(2)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
        // A refused huge request may fail to be written whole: the answer is still read.
        let _ = write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n");
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).ok()?;
        let text = String::from_utf8_lossy(&buf).into_owned();
        let status = text.get(9..12)?.parse().ok()?;
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string())?;
        Some((status, body))
    })
}

/// Waits (bounded) until `addr` answers a GET of `path`.
fn wait_up(ns: &Ns, addr: &str, path: &str) {
    let end = Instant::now() + Duration::from_secs(15);
    while Instant::now() < end {
        if get(ns, addr, path).is_some_and(|(s, _)| s == 200) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{addr}{path} did not come up");
}

fn tool(name: &str) -> Option<String> {
    ["/usr/bin", "/usr/sbin", "/usr/local/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
        .map(|p| p.display().to_string())
}

/// The lab: `a` scrapes, `b` (192.0.2.2) holds the targets: 2001 open, 2002 closed, 2003
/// dropped, 2004 rejected with ICMP admin-prohibited, 8080 HTTP.
fn lab() -> Option<(Ns, Ns)> {
    let a = Ns::new("exporter")?;
    let b = a.peer();
    for l in b.listen("192.0.2.2".parse().unwrap(), &[2001]) {
        std::thread::spawn(move || l.incoming().take(10_000).for_each(drop));
    }
    b.nft(
        "table inet t {\n chain in {\n type filter hook input priority 0; policy accept;\n \
         tcp dport 2003 drop\n \
         tcp dport 2004 reject with icmp type admin-prohibited\n }\n}\n",
    );
    let bin = sockdiag_bin().display().to_string();
    b.spawn(&[&bin, "serve", "--http", "192.0.2.2:8080"]);
    a.spawn(&[
        &bin,
        "exporter",
        "--listen",
        EXPORTER,
        "--allow-targets",
        "192.0.2.0/24",
        "--max-concurrent",
        "8",
    ]);
    wait_up(&a, EXPORTER, "/-/healthy");
    Some((a, b))
}

const TCP_TARGETS: [&str; 4] = [
    "192.0.2.2:2001",
    "192.0.2.2:2002",
    "192.0.2.2:2003",
    "192.0.2.2:2004",
];
const HTTP_TARGET: &str = "http://192.0.2.2:8080/";

fn job(name: &str, module: &str, targets: &[&str], exporter: &str) -> String {
    let t: Vec<String> = targets.iter().map(|t| format!("'{t}'")).collect();
    format!(
        "  - job_name: {name}\n    metrics_path: /probe\n    params:\n      module: [{module}]\n    \
         static_configs:\n      - targets: [{}]\n    relabel_configs:\n      \
         - source_labels: [__address__]\n        target_label: __param_target\n      \
         - source_labels: [__param_target]\n        target_label: instance\n      \
         - target_label: __address__\n        replacement: {exporter}\n",
        t.join(", ")
    )
}

/// `query` through Prometheus's API: (labels, value) per series.
fn query(ns: &Ns, q: &str) -> Vec<(serde_json::Value, f64)> {
    let path = format!("/api/v1/query?query={}", q.replace(' ', "%20"));
    let Some((200, body)) = get(ns, PROMETHEUS, &path) else {
        return Vec::new();
    };
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["data"]["result"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| {
                    let val = r["value"][1].as_str().unwrap().parse().unwrap();
                    (r["metric"].clone(), val)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn prometheus_scrapes_the_exporter_like_blackbox() {
    let (Some(prom), Some(bbx)) = (tool("prometheus"), tool("prometheus-blackbox-exporter")) else {
        if std::env::var("SOCKDIAG_LAB").as_deref() == Ok("required") {
            panic!(
                "SOCKDIAG_LAB=required but prometheus or prometheus-blackbox-exporter is missing"
            );
        }
        eprintln!("SKIPPED: prometheus or prometheus-blackbox-exporter not installed");
        return;
    };
    // Made before the lab, so it is removed after the lab's drop has stopped Prometheus.
    let dir = tempfile::tempdir().unwrap();
    let Some((a, b)) = lab() else { return };
    let d = dir.path();
    std::fs::write(
        d.join("blackbox.yml"),
        "modules:\n  tcp_connect:\n    prober: tcp\n    tcp:\n      preferred_ip_protocol: ip4\n  \
         http_2xx:\n    prober: http\n    http:\n      preferred_ip_protocol: ip4\n",
    )
    .unwrap();
    let mut cfg =
        String::from("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n");
    cfg += &job("sockdiag_tcp", "tcp_connect", &TCP_TARGETS, EXPORTER);
    cfg += &job("sockdiag_http", "http_2xx", &[HTTP_TARGET], EXPORTER);
    cfg += &job("blackbox_tcp", "tcp_connect", &TCP_TARGETS, BLACKBOX);
    cfg += &job("blackbox_http", "http_2xx", &[HTTP_TARGET], BLACKBOX);
    std::fs::write(d.join("prometheus.yml"), cfg).unwrap();
    let p = |f: &str| d.join(f).display().to_string();
    a.spawn(&[
        &bbx,
        &format!("--config.file={}", p("blackbox.yml")),
        &format!("--web.listen-address={BLACKBOX}"),
        "--log.level=warn",
    ]);
    a.spawn(&[
        &prom,
        &format!("--config.file={}", p("prometheus.yml")),
        &format!("--storage.tsdb.path={}", p("data")),
        &format!("--web.listen-address={PROMETHEUS}"),
        "--log.level=warn",
    ]);
    wait_up(&a, PROMETHEUS, "/-/ready");

    // Every job has a probe_success for each target (bounded wait).
    let end = Instant::now() + Duration::from_secs(15);
    let mut success = Vec::new();
    while Instant::now() < end {
        success = query(&a, "probe_success");
        if success.len() == 10 && query(&a, "sockdiag_probe_state").len() == 5 {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let value = |job: &str, inst: &str| {
        success
            .iter()
            .find(|(m, _)| m["job"] == job && m["instance"] == inst)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("no probe_success for {job} {inst}: {success:?}"))
    };
    let expected = [
        ("192.0.2.2:2001", 1.0, "open", "syn-ack"),
        ("192.0.2.2:2002", 0.0, "closed", "conn-refused"),
        ("192.0.2.2:2003", 0.0, "filtered", "no-response"),
        ("192.0.2.2:2004", 0.0, "filtered", "admin-prohibited"),
        (HTTP_TARGET, 1.0, "open", "syn-ack"),
    ];
    let states = query(&a, "sockdiag_probe_state");
    for (inst, ok, state, reason) in expected {
        let kind = if inst.starts_with("http") {
            "http"
        } else {
            "tcp"
        };
        let ours = value(&format!("sockdiag_{kind}"), inst);
        let theirs = value(&format!("blackbox_{kind}"), inst);
        assert_eq!(ours, ok, "sockdiag probe_success for {inst}");
        assert_eq!(theirs, ok, "blackbox probe_success for {inst}");
        let st = states
            .iter()
            .find(|(m, _)| m["instance"] == inst)
            .unwrap_or_else(|| panic!("no sockdiag_probe_state for {inst}: {states:?}"));
        assert_eq!(
            (st.0["state"].as_str(), st.0["reason"].as_str(), st.1),
            (Some(state), Some(reason), 1.0),
            "{inst}"
        );
    }
    // The ICMP error behind the reject, with its sender.
    let icmp = query(&a, "sockdiag_probe_icmp");
    let (m, _) = icmp
        .iter()
        .find(|(m, _)| m["instance"] == "192.0.2.2:2004")
        .unwrap_or_else(|| panic!("no sockdiag_probe_icmp: {icmp:?}"));
    assert_eq!(
        (m["type"].as_str(), m["code"].as_str()),
        (Some("3"), Some("13"))
    );
    let data = d.join("data");
    assert!(data.is_dir());
    drop((a, b));
    drop(dir);
    assert!(!data.exists());
}

#[test]
fn bad_requests_get_clear_4xx_and_503() {
    let Some((a, _b)) = lab() else { return };
    let status = |path: &str| get(&a, EXPORTER, path).map(|(s, _)| s);
    assert_eq!(status("/probe?module=tcp_connect"), Some(400));
    let (s, body) = get(&a, EXPORTER, "/probe?target=192.0.2.2:2001&module=nope").unwrap();
    assert_eq!((s, body.as_str()), (400, "Unknown module \"nope\"\n"));
    let (s, body) = get(&a, EXPORTER, "/probe?target=10.0.0.1:22&module=tcp_connect").unwrap();
    assert_eq!(s, 403);
    assert!(body.contains("'10.0.0.1'"), "{body}");
    assert_eq!(
        status("/probe?target=192.0.2.2:2001&module=tcp_connect"),
        Some(200)
    );
    // A 10 MB query string: 431 once the head passes 16 KiB, and the exporter lives on.
    let big = format!(
        "/probe?target={}&module=tcp_connect",
        "x".repeat(10_000_000)
    );
    assert_eq!(status(&big), Some(431));
    // 1,000 scrapes at once of a dropped port (each takes its whole timeout): at most
    // --max-concurrent (8) probe, the rest get 503 at once; none is left unanswered.
    let codes = a.enter(|| {
        let threads: Vec<_> = (0..1000)
            .map(|_| {
                std::thread::spawn(|| {
                    let mut s = TcpStream::connect(EXPORTER).ok()?;
                    s.set_read_timeout(Some(Duration::from_secs(15))).ok()?;
                    s.write_all(
                        b"GET /probe?target=192.0.2.2:2003&module=tcp_connect HTTP/1.0\r\n\
                          X-Prometheus-Scrape-Timeout-Seconds: 1.5\r\n\r\n",
                    )
                    .ok()?;
                    let mut buf = Vec::new();
                    s.read_to_end(&mut buf).ok()?;
                    String::from_utf8_lossy(&buf)
                        .get(9..12)?
                        .parse::<u16>()
                        .ok()
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect::<Vec<_>>()
    });
    let n = |c: u16| codes.iter().filter(|x| **x == Some(c)).count();
    assert_eq!(n(200) + n(503), 1000, "{:?}", &codes[..20]);
    assert!(
        n(200) >= 8 && n(503) > 500,
        "200: {} 503: {}",
        n(200),
        n(503)
    );
    let (_, m) = get(&a, EXPORTER, "/metrics").unwrap();
    assert!(
        m.contains("sockdiag_exporter_requests_refused_total{reason=\"forbidden\"} 1"),
        "{m}"
    );
    assert_eq!(status("/-/healthy"), Some(200));
}

// ---- issue 27: the exporter must refuse what it was told to refuse, and stay up ----

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// An HTTP server on `addr:port` inside `ns` that counts the connections it accepts (each one
/// is a request that reached it) and answers each with `answer(path)`: (status line, extra
/// head lines).
fn http_server(
    ns: &Ns,
    addr: &str,
    port: u16,
    answer: fn(&str) -> (&'static str, String),
) -> Arc<AtomicUsize> {
    let l = ns
        .listen(addr.parse().unwrap(), &[port])
        .pop()
        .expect("listener");
    let n = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&n);
    std::thread::spawn(move || {
        for s in l.incoming().take(10_000) {
            let Ok(mut s) = s else { continue };
            count.fetch_add(1, Ordering::SeqCst);
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = Vec::new();
            let mut chunk = [0u8; 2048];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 65536 {
                match s.read(&mut chunk) {
                    Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                    _ => break,
                }
            }
            let text = String::from_utf8_lossy(&buf);
            let path = text.split(' ').nth(1).unwrap_or("/").to_string();
            let (status, extra) = answer(&path);
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\n{extra}Content-Length: 3\r\nConnection: close\r\n\r\nok\n"
            );
        }
    });
    n
}

fn ok_page(_: &str) -> (&'static str, String) {
    ("200 OK", String::new())
}

/// tests/integration/lab/fakedns.py inside `ns` on 127.0.0.3:53 (the namespace's resolver from now on):
/// `rebind.sockdiag.test` and every other A query get 192.0.2.2 and 127.0.0.1 in turn, TTL 0.
fn rebinding_dns(ns: &Ns) {
    ns.write_etc(
        "resolv.conf",
        "nameserver 127.0.0.3\noptions timeout:1 attempts:1\n",
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration/lab/fakedns.py");
    ns.spawn(&[
        "python3",
        script.to_str().expect("utf-8 path"),
        "--addr",
        "127.0.0.3",
        "--mode",
        "alternate",
        "--a",
        "192.0.2.2,127.0.0.1",
        "--ttl",
        "0",
        "--seconds",
        "120",
    ]);
    let end = Instant::now() + Duration::from_secs(10);
    while ns.sh("ss -Hlun 'sport = :53'").stdout.is_empty() {
        assert!(Instant::now() < end, "fakedns did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn sample(body: &str, name: &str) -> Option<f64> {
    body.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l[name.len()..].trim().parse().ok())
}

/// Issue 27 item 6: a name that answers an allowed address and then 127.0.0.1 (TTL 0) must
/// not lead any module to 127.0.0.1: the exporter connects to the addresses it checked.
#[test]
fn dns_rebinding_never_reaches_a_forbidden_address() {
    let Some((a, b)) = lab() else { return };
    rebinding_dns(&a);
    // The forbidden server, on the exporter's own loopback; the allowed one on b.
    let forbidden = http_server(&a, "127.0.0.1", 8081, ok_page);
    let allowed = http_server(&b, "192.0.2.2", 8081, ok_page);
    let (mut ok, mut refused) = (0, 0);
    for i in 0..8 {
        // Four scrapes per module in a row, so each meets both halves of the alternation.
        let (module, target) = if i < 4 {
            ("http_2xx", "http://rebind.sockdiag.test:8081/")
        } else {
            ("tcp_connect", "rebind.sockdiag.test:8081")
        };
        let path = format!("/probe?module={module}&target={target}");
        match get(&a, EXPORTER, &path) {
            Some((200, body)) => {
                assert_eq!(sample(&body, "probe_success"), Some(1.0), "{body}");
                ok += 1;
            }
            Some((403, _)) => refused += 1,
            other => panic!("{path}: {other:?}"),
        }
    }
    let reached = forbidden.load(Ordering::SeqCst);
    eprintln!(
        "rebinding: {ok} probed the allowed address, {refused} refused, {reached} reached 127.0.0.1, {} reached 192.0.2.2",
        allowed.load(Ordering::SeqCst)
    );
    assert_eq!(reached, 0, "requests that reached the forbidden server");
    // The alternation happened: some lookups gave the allowed address, some the forbidden.
    assert!(ok >= 2 && refused >= 2, "ok {ok} refused {refused}");
}

fn redirector(path: &str) -> (&'static str, String) {
    let to = |l: &str| format!("Location: {l}\r\n");
    match path {
        "/ok" => ("302 Found", to("/final")),
        "/chain" => ("302 Found", to("http://192.0.2.2:8082/two")),
        "/two" => ("302 Found", to("http://127.0.0.1:8083/")),
        "/rebind" => (
            "301 Moved Permanently",
            to("http://rebind.sockdiag.test:8083/"),
        ),
        "/loop" => ("302 Found", to("/loop")),
        _ => ("200 OK", String::new()),
    }
}

/// Issue 27 item 8: redirects are followed as blackbox follows them (a 302 succeeds,
/// `probe_http_redirects`, at most 10, `follow_redirects = false` per module), and no hop
/// reaches an address outside --allow-targets, by its address or by a rebinding name.
#[test]
fn redirects_are_followed_and_every_hop_is_checked() {
    let Some((a, b)) = lab() else { return };
    rebinding_dns(&a);
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("modules.toml");
    std::fs::write(
        &cfg,
        "[modules.http_noredir]\nprober = \"http\"\n[modules.http_noredir.http]\nfollow_redirects = false\n",
    )
    .unwrap();
    let bin = sockdiag_bin().display().to_string();
    let exporter = "127.0.0.1:9117";
    a.spawn(&[
        &bin,
        "exporter",
        "--listen",
        exporter,
        "--allow-targets",
        "192.0.2.0/24",
        "--config",
        cfg.to_str().unwrap(),
    ]);
    wait_up(&a, exporter, "/-/healthy");
    let hops = http_server(&b, "192.0.2.2", 8082, redirector);
    let _allowed = http_server(&b, "192.0.2.2", 8083, ok_page);
    let forbidden = http_server(&a, "127.0.0.1", 8083, ok_page);
    let probe = |module: &str, path: &str| {
        let (s, body) = get(
            &a,
            exporter,
            &format!("/probe?module={module}&target=http://192.0.2.2:8082{path}"),
        )
        .unwrap_or_else(|| panic!("no answer for {path}"));
        assert_eq!(s, 200, "{path}: {body}");
        let v = |n: &str| sample(&body, n).unwrap_or_else(|| panic!("{path}: no {n}: {body}"));
        (
            v("probe_success"),
            v("probe_http_redirects"),
            v("probe_http_status_code"),
        )
    };
    assert_eq!(
        probe("http_2xx", "/ok"),
        (1.0, 1.0, 200.0),
        "a 302 then 200"
    );
    assert_eq!(
        probe("http_noredir", "/ok"),
        (0.0, 1.0, 302.0),
        "not followed"
    );
    assert_eq!(
        probe("http_2xx", "/chain"),
        (0.0, 2.0, 0.0),
        "a forbidden hop"
    );
    // The name answers 192.0.2.2 and 127.0.0.1 in turn: each hop gets one of them.
    let rebound: Vec<f64> = (0..4).map(|_| probe("http_2xx", "/rebind").0).collect();
    assert!(
        rebound.contains(&1.0) && rebound.contains(&0.0),
        "{rebound:?}"
    );
    let before = hops.load(Ordering::SeqCst);
    assert_eq!(
        probe("http_2xx", "/loop"),
        (0.0, 11.0, 302.0),
        "past the limit"
    );
    assert_eq!(
        hops.load(Ordering::SeqCst) - before,
        11,
        "requests of the loop"
    );
    assert_eq!(
        forbidden.load(Ordering::SeqCst),
        0,
        "requests that reached the forbidden server"
    );
    drop((a, b));
}

/// A client that sends a request head one header line a second and never ends it; when the
/// exporter drops it, it connects again. Runs until `until`.
fn slow_client(addr: &str, until: Instant) {
    while Instant::now() < until {
        let Ok(mut s) = TcpStream::connect_timeout(&addr.parse().unwrap(), Duration::from_secs(1))
        else {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        };
        let _ = s.set_nonblocking(true);
        let mut line = 0;
        let mut buf = [0u8; 512];
        if s.write_all(b"GET /probe?target=192.0.2.2:2001&module=tcp_connect HTTP/1.1\r\n")
            .is_err()
        {
            continue;
        }
        while Instant::now() < until {
            std::thread::sleep(Duration::from_secs(1));
            // An answer or a close from the exporter: this connection is over.
            match s.read(&mut buf) {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                _ => break,
            }
            line += 1;
            if write!(s, "X-Slow-{line}: x\r\n").is_err() {
                break;
            }
        }
    }
}

/// 100 slow clients against the exporter on `exporter` (started with `extra` flags) while
/// 50 real scrapes and 10 `/-/healthy` are made: the statuses of each, and its /metrics.
fn slow_clients_against(
    a: &Ns,
    exporter: &'static str,
    extra: &[&str],
) -> (Vec<Option<u16>>, Vec<Option<u16>>, String) {
    let bin = sockdiag_bin().display().to_string();
    let mut args = vec![
        bin.as_str(),
        "exporter",
        "--listen",
        exporter,
        "--allow-targets",
        "192.0.2.0/24",
    ];
    args.extend_from_slice(extra);
    a.spawn(&args);
    wait_up(a, exporter, "/-/healthy");
    let (scrapes, health) = a.enter(move || {
        let until = Instant::now() + Duration::from_secs(16);
        let slow: Vec<_> = (0..100)
            .map(|_| std::thread::spawn(move || slow_client(exporter, until)))
            .collect();
        // The slow clients are connected and sending before the real scrapes start.
        std::thread::sleep(Duration::from_secs(3));
        let status = |path: &str| {
            let mut s =
                TcpStream::connect_timeout(&exporter.parse().unwrap(), Duration::from_secs(5))
                    .ok()?;
            s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
            write!(
                s,
                "GET {path} HTTP/1.1\r\nHost: x\r\nX-Prometheus-Scrape-Timeout-Seconds: 5\r\n\r\n"
            )
            .ok()?;
            let mut buf = Vec::new();
            let _ = s.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf)
                .get(9..12)?
                .parse::<u16>()
                .ok()
        };
        let (mut scrapes, mut health) = (Vec::new(), Vec::new());
        for i in 0..50 {
            scrapes.push(status("/probe?target=192.0.2.2:2001&module=tcp_connect"));
            if i % 5 == 0 {
                health.push(status("/-/healthy"));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        for t in slow {
            let _ = t.join();
        }
        (scrapes, health)
    });
    let (_, m) = get(a, exporter, "/metrics").unwrap();
    (scrapes, health, m)
}

/// Issue 27 item 7: 100 slow clients beside 50 real scrapes (and health checks): the
/// scrapes are answered (>= 99%), `/-/healthy` always, and what was shed is counted; with
/// the defaults, and with fewer connection slots than slow clients.
#[test]
fn slow_clients_do_not_make_it_unavailable() {
    let Some((a, b)) = lab() else { return };
    // The defaults, as the run had them; then 20 connection slots for 100 clients.
    for (exporter, extra) in [
        ("127.0.0.1:9118", &[][..]),
        ("127.0.0.1:9120", &["--max-connections", "20"][..]),
    ] {
        let (scrapes, health, m) = slow_clients_against(&a, exporter, extra);
        let ok = scrapes.iter().filter(|s| **s == Some(200)).count();
        let healthy = health.iter().filter(|s| **s == Some(200)).count();
        let shed: Vec<&str> = m
            .lines()
            .filter(|l| l.starts_with("sockdiag_exporter_requests_refused_total"))
            .collect();
        eprintln!(
            "slow clients {extra:?}: {ok} of {} scrapes answered 200, /-/healthy {healthy} of {}; {shed:?}",
            scrapes.len(),
            health.len()
        );
        assert!(
            ok >= 50 * 99 / 100,
            "{extra:?}: {ok} of 50 scrapes answered: {scrapes:?}"
        );
        assert_eq!(healthy, health.len(), "{extra:?}: {health:?}");
        let count = |r: &str| {
            sample(
                &m,
                &format!("sockdiag_exporter_requests_refused_total{{reason=\"{r}\"}}"),
            )
            .unwrap_or(0.0)
        };
        if extra.is_empty() {
            assert!(count("head_timeout") >= 100.0, "{shed:?}");
        } else {
            assert!(count("connections") >= 100.0, "{shed:?}");
        }
    }
    drop((a, b));
}

/// Issue 27 item 9: a name under an --allow-targets wildcard that resolves to loopback is
/// refused (nothing reaches the loopback server); reason labels are short fixed tokens; a
/// scrape timeout of 0 or -1 probes with the default timeout instead of a 400.
#[test]
fn wildcards_keep_off_loopback_and_labels_are_tokens() {
    let Some((a, b)) = lab() else { return };
    // No nameserver answers in `a`: other names fail with EAI_AGAIN.
    a.write_etc(
        "hosts",
        "127.0.0.1 localhost lo.sockdiag.test\n::1 localhost\n",
    );
    let forbidden = http_server(&a, "127.0.0.1", 8084, ok_page);
    let bin = sockdiag_bin().display().to_string();
    let exporter = "127.0.0.1:9119";
    a.spawn(&[
        &bin,
        "exporter",
        "--listen",
        exporter,
        "--allow-targets",
        "*.sockdiag.test,192.0.2.0/24",
    ]);
    wait_up(&a, exporter, "/-/healthy");
    for (module, target) in [
        ("tcp_connect", "lo.sockdiag.test:8084"),
        ("http_2xx", "http://lo.sockdiag.test:8084/"),
    ] {
        let (s, body) = get(
            &a,
            exporter,
            &format!("/probe?module={module}&target={target}"),
        )
        .unwrap();
        assert_eq!(s, 403, "{module} {target}: {body}");
        assert!(body.contains("127.0.0.1 (loopback)"), "{body}");
    }
    assert_eq!(
        forbidden.load(Ordering::SeqCst),
        0,
        "requests that reached loopback"
    );
    for (module, target) in [
        ("tcp_connect", "nosuch.sockdiag.test:1"),
        ("http_2xx", "http://nosuch.sockdiag.test:1/"),
    ] {
        let (s, body) = get(
            &a,
            exporter,
            &format!("/probe?module={module}&target={target}"),
        )
        .unwrap();
        assert_eq!(s, 200, "{body}");
        assert!(
            body.contains("sockdiag_probe_state{state=\"unresolved\",reason=\"resolve-again\"} 1"),
            "{module}: {body}"
        );
    }
    for t in ["0", "-1"] {
        let (addr, t) = (exporter.to_string(), t.to_string());
        let answer = a.enter(move || {
            let mut s = TcpStream::connect(addr.as_str()).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
            write!(
                s,
                "GET /probe?module=tcp_connect&target=192.0.2.2:2001 HTTP/1.1\r\nHost: x\r\n\
                 X-Prometheus-Scrape-Timeout-Seconds: {t}\r\n\r\n"
            )
            .unwrap();
            let mut buf = Vec::new();
            let _ = s.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        });
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert_eq!(sample(&answer, "probe_success"), Some(1.0), "{answer}");
    }
    drop((a, b));
}
