//! The test lab: network namespaces made and removed by the test itself, with their own
//! resolver (dnsmasq), hosts file, firewall (nft) and veth links.
//!
//! Lab tests need root, `ip`, `nft` and `dnsmasq`. Without them a test skips with a message on
//! stderr, unless `SOCKDIAG_LAB=required`, where a missing lab fails the run (CI sets it).
//! Everything a lab makes is undone in `Drop`, which also runs when the test panics.
#![allow(dead_code)]

pub mod schema;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Prefix of every namespace the lab makes, so a CI trap can find leftovers of killed runs.
/// `SOCKDIAG_LAB_PREFIX` (which must start with this) narrows it to one run, so a cleanup
/// removes only that run's leftovers and never another run's live namespaces.
pub const PREFIX: &str = "sdlab";

fn prefix() -> String {
    match std::env::var("SOCKDIAG_LAB_PREFIX") {
        Ok(p)
            if p.starts_with(PREFIX)
                && p.len() <= 16
                && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
        {
            p
        }
        _ => PREFIX.to_string(),
    }
}

/// A bound on any one command the lab runs inside a namespace.
pub const COMMAND_LIMIT: Duration = Duration::from_secs(300);

static SEQ: AtomicUsize = AtomicUsize::new(0);

pub fn sockdiag_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_sockdiag"))
}

/// Why the lab cannot run here, or `None` when it can.
fn missing() -> Option<String> {
    if unsafe { libc::geteuid() } != 0 {
        return Some("not root".into());
    }
    for tool in ["ip", "nft", "dnsmasq", "timeout"] {
        let found = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
            .unwrap_or(false)
            || Path::new("/usr/sbin").join(tool).is_file()
            || Path::new("/sbin").join(tool).is_file();
        if !found {
            return Some(format!("`{tool}` not found"));
        }
    }
    None
}

/// A network namespace owned by one test.
pub struct Ns {
    pub name: String,
    children: RefCell<Vec<Child>>,
    _turn: Turn,
}

/// The lab's turn for one test file's tests. The integration tests are one binary, but the
/// lab tests of different files must not run at the same time, as they did not when each
/// file was a binary of its own: routers' ICMP errors share one rate limit across every
/// namespace (the kernel's global ICMP budget), and a test that counts them (trace, why,
/// rate limits, rejects) must not have another file's scan spend it. Tests of the same file
/// still run side by side, as before (they were written for that). The file is the part of
/// the test thread's name before `::` (libtest names each test's thread after the test).
struct Turn {
    key: Option<String>,
}

static TURN: std::sync::Mutex<(Option<String>, usize)> = std::sync::Mutex::new((None, 0));
static TURN_FREE: std::sync::Condvar = std::sync::Condvar::new();

impl Turn {
    /// Waits (at most 20 minutes) until no other file's lab test holds the lab.
    fn take() -> Turn {
        let key = std::thread::current()
            .name()
            .and_then(|n| n.split_once("::"))
            .map(|(file, _)| file.to_string());
        let Some(k) = key.clone() else {
            // Not a test's own thread (a helper thread, or tests run on the main thread one
            // at a time): nothing runs beside it that it could wait for.
            return Turn { key: None };
        };
        let mut held = TURN.lock().unwrap_or_else(|e| e.into_inner());
        let until = Instant::now() + Duration::from_secs(1200);
        while held.0.as_ref().is_some_and(|other| *other != k) {
            let left = until.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "the lab stayed busy for 20 minutes");
            held = TURN_FREE
                .wait_timeout(held, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        held.0 = Some(k);
        held.1 += 1;
        Turn { key }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if self.key.is_none() {
            return;
        }
        let mut held = TURN.lock().unwrap_or_else(|e| e.into_inner());
        held.1 -= 1;
        if held.1 == 0 {
            held.0 = None;
            TURN_FREE.notify_all();
        }
    }
}

impl Ns {
    /// A fresh namespace with loopback up; `None` (after a visible skip message) when the lab
    /// is missing and not required.
    pub fn new(tag: &str) -> Option<Ns> {
        if let Some(why) = missing() {
            if std::env::var("SOCKDIAG_LAB").as_deref() == Ok("required") {
                panic!("SOCKDIAG_LAB=required but the lab cannot run: {why}");
            }
            eprintln!(
                "SKIPPED lab test '{tag}': {why} (set SOCKDIAG_LAB=required to fail instead)"
            );
            return None;
        }
        Some(Ns::create(tag))
    }

    fn create(tag: &str) -> Ns {
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let tag: String = tag
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(24)
            .collect();
        let name = format!("{}-{}-{n}-{tag}", prefix(), std::process::id());
        let turn = Turn::take();
        run(Command::new("ip").args(["netns", "add", &name]));
        let ns = Ns {
            name,
            children: RefCell::new(Vec::new()),
            _turn: turn,
        };
        ns.sh("ip link set lo up");
        // Every lookup made inside stays inside: a resolver on the namespace's own loopback
        // (none listens until a test starts dnsmasq, so a lookup fails at once), never the
        // host's, which `ip netns exec` would otherwise hand over.
        ns.write_etc(
            "resolv.conf",
            "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
        );
        ns.write_etc("hosts", "127.0.0.1 localhost\n::1 localhost\n");
        ns
    }

    /// `program` run inside the namespace (through `ip netns exec`, so /etc/netns/NAME/*
    /// replaces the matching files in /etc), bounded by `timeout`.
    pub fn cmd(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("timeout");
        c.args(["--kill-after=5", &COMMAND_LIMIT.as_secs().to_string()])
            .args(["ip", "netns", "exec", &self.name])
            .arg(program)
            .env_remove("SOCKDIAG_LAB")
            .env_remove("SOCKDIAG_LAB_PREFIX")
            .env("NO_COLOR", "1");
        c
    }

    /// A shell script run inside the namespace; panics with its stderr when it fails.
    pub fn sh(&self, script: &str) -> Output {
        let out = self
            .cmd("sh")
            .args(["-c", script])
            .output()
            .expect("run sh");
        assert!(
            out.status.success(),
            "in {}: `{script}` failed: {}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// The sockdiag binary run inside the namespace with these arguments.
    pub fn sockdiag(&self, args: &[&str]) -> Output {
        self.cmd(sockdiag_bin())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run sockdiag")
    }

    /// A background process inside the namespace, killed when the namespace is dropped.
    pub fn spawn(&self, args: &[&str]) -> u32 {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name]).args(args);
        c.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let child = c.spawn().unwrap_or_else(|e| panic!("spawn {args:?}: {e}"));
        let pid = child.id();
        self.children.borrow_mut().push(child);
        pid
    }

    /// Runs `f` on a thread that has joined the namespace: sockets it creates live there
    /// (and stay there after `f` returns).
    pub fn enter<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        let path = format!("/var/run/netns/{}", self.name);
        std::thread::spawn(move || {
            let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("open {path}: {e}"));
            use std::os::fd::AsRawFd;
            let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns {path}: {}", std::io::Error::last_os_error());
            f()
        })
        .join()
        .expect("lab thread panicked")
    }

    /// Writes /etc/netns/NAME/FILE, which `ip netns exec` puts in place of /etc/FILE.
    pub fn write_etc(&self, file: &str, content: &str) {
        let dir = Path::new("/etc/netns").join(&self.name);
        std::fs::create_dir_all(&dir).expect("mkdir /etc/netns/NAME");
        std::fs::write(dir.join(file), content).expect("write /etc/netns file");
    }

    /// Starts dnsmasq on 127.0.0.1:53 inside the namespace, answering only from `records`
    /// (dnsmasq options such as `--host-record=...`), and points the namespace's resolv.conf
    /// at it. Names under `sockdiag.test` and the 192.0.2.0/24 and 2001:db8::/32 reverse
    /// zones are local: unknown ones get NXDOMAIN, never a forward anywhere. Returns its pid
    /// (SIGHUP makes it read an `--addn-hosts` file again).
    pub fn dnsmasq(&self, records: &[&str]) -> u32 {
        self.write_etc(
            "resolv.conf",
            "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
        );
        if !Path::new("/etc/netns")
            .join(&self.name)
            .join("hosts")
            .exists()
        {
            self.write_etc("hosts", "127.0.0.1 localhost\n::1 localhost\n");
        }
        let mut args = vec![
            "dnsmasq",
            "--keep-in-foreground",
            "--no-resolv",
            "--no-hosts",
            "--no-poll",
            "--conf-file=/dev/null",
            "--listen-address=127.0.0.1",
            "--bind-interfaces",
            "--port=53",
            "--pid-file=",
            "--user=root",
            "--local=/sockdiag.test/",
            "--local=/2.0.192.in-addr.arpa/",
            "--local=/8.b.d.0.1.0.0.2.ip6.arpa/",
        ];
        args.extend_from_slice(records);
        let pid = self.spawn(&args);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let out = self
                .cmd("ss")
                .args(["-Hlun", "sport = :53"])
                .output()
                .expect("ss");
            if !out.stdout.is_empty() {
                return pid;
            }
            assert!(
                Instant::now() < deadline,
                "dnsmasq did not start in {}",
                self.name
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A second namespace joined to this one by a veth pair: this one has 192.0.2.1/24 and
    /// 2001:db8::1/64, the peer 192.0.2.2/24 and 2001:db8::2/64 (no DAD, so usable at once).
    pub fn peer(&self) -> Ns {
        let peer = Ns::create(&format!("{}p", self.name.rsplit('-').next().unwrap_or("")));
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let (a, b) = (
            format!("sdv{}a{n}", std::process::id() % 100_000),
            format!("sdv{}b{n}", std::process::id() % 100_000),
        );
        run(Command::new("ip").args([
            "link", "add", &a, "netns", &self.name, "type", "veth", "peer", "name", &b, "netns",
            &peer.name,
        ]));
        self.sh(&format!(
            "ip link set {a} up && ip addr add 192.0.2.1/24 dev {a} && \
             ip -6 addr add 2001:db8::1/64 dev {a} nodad"
        ));
        peer.sh(&format!(
            "ip link set {b} up && ip addr add 192.0.2.2/24 dev {b} && \
             ip -6 addr add 2001:db8::2/64 dev {b} nodad"
        ));
        peer
    }

    /// A veth link from this namespace to `other`, with the given addresses (CIDR, v4 or v6,
    /// added without DAD) on each end; returns the two interface names.
    pub fn link(&self, other: &Ns, mine: &[&str], theirs: &[&str]) -> (String, String) {
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let (a, b) = (
            format!("sdl{}a{n}", std::process::id() % 100_000),
            format!("sdl{}b{n}", std::process::id() % 100_000),
        );
        run(Command::new("ip").args([
            "link",
            "add",
            &a,
            "netns",
            &self.name,
            "type",
            "veth",
            "peer",
            "name",
            &b,
            "netns",
            &other.name,
        ]));
        for (ns, dev, addrs) in [(self, &a, mine), (other, &b, theirs)] {
            let mut script = format!("ip link set {dev} up");
            for ad in addrs {
                let extra = if ad.contains(':') { " nodad" } else { "" };
                script.push_str(&format!(" && ip addr add {ad} dev {dev}{extra}"));
            }
            ns.sh(&script);
        }
        (a, b)
    }

    /// TCP listeners on `addr` at each of `ports` (0: any free port), made inside the
    /// namespace; they listen as long as the returned sockets live.
    pub fn listen(&self, addr: std::net::IpAddr, ports: &[u16]) -> Vec<std::net::TcpListener> {
        let ports = ports.to_vec();
        self.enter(move || {
            ports
                .iter()
                .map(|&p| {
                    std::net::TcpListener::bind((addr, p))
                        .unwrap_or_else(|e| panic!("listen on {addr} port {p}: {e}"))
                })
                .collect()
        })
    }

    /// Loads an nft ruleset (the text of an `nft -f` file) into the namespace.
    pub fn nft(&self, ruleset: &str) {
        use std::io::Write;
        let mut child = self
            .cmd("nft")
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn nft");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(ruleset.as_bytes())
            .expect("write ruleset");
        let out = child.wait_with_output().expect("nft");
        assert!(
            out.status.success(),
            "in {}: nft -f failed: {}\n{ruleset}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Sets sysctls (`key=value`) inside the namespace.
    pub fn sysctl(&self, settings: &[&str]) {
        for s in settings {
            self.sh(&format!("sysctl -q -w '{s}'"));
        }
    }

    /// The veth interface of this namespace (the one `peer()` made), if any.
    pub fn veth(&self) -> Option<String> {
        let out = self.sh("ip -o link show type veth");
        let s = String::from_utf8_lossy(&out.stdout);
        s.split(':')
            .nth(1)
            .map(|n| n.trim().split('@').next().unwrap_or("").to_string())
    }
}

impl Drop for Ns {
    fn drop(&mut self) {
        for mut child in self.children.borrow_mut().drain(..) {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(Path::new("/etc/netns").join(&self.name));
    }
}

fn run(c: &mut Command) {
    let out = c.output().unwrap_or_else(|e| panic!("{c:?}: {e}"));
    assert!(
        out.status.success(),
        "{c:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Stdout of a finished command, as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The JSON lines of a finished command, each checked against the JSON contract.
pub fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v = serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}"));
            schema::check(&v);
            v
        })
        .collect()
}

/// A wide-area path: a client namespace and a server namespace joined through a third that
/// delays every packet (tests/integration/lab/delayline.py, the stand-in for tc netem), with optional
/// loss. Client 10.91.1.2/24, server 10.91.2.2/24; the line's namespace routes between them.
pub struct Wan {
    pub client: Ns,
    pub line: Ns,
    pub server: Ns,
}

impl Wan {
    pub const SERVER: &'static str = "10.91.2.2";

    /// `delay` one way (`10ms`), `loss` per packet (0.0 to 1.0); `None` when the lab is
    /// missing and not required.
    pub fn new(tag: &str, delay: &str, loss: f64) -> Option<Wan> {
        let client = Ns::new(&format!("{tag}c"))?;
        let line = Ns::new(&format!("{tag}w"))?;
        let server = Ns::new(&format!("{tag}s"))?;
        let (wc, _) = line.link(&client, &["10.91.1.1/24"], &["10.91.1.2/24"]);
        let (ws, _) = line.link(&server, &["10.91.2.1/24"], &["10.91.2.2/24"]);
        client.sh("ip route add default via 10.91.1.1");
        server.sh("ip route add default via 10.91.2.1");
        line.sysctl(&[
            "net.ipv4.ip_forward=1",
            "net.ipv4.conf.all.rp_filter=0",
            "net.ipv4.conf.default.rp_filter=0",
        ]);
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration/lab/delayline.py");
        let loss = loss.to_string();
        line.spawn(&[
            "python3",
            script.to_str().expect("utf-8 path"),
            "--a",
            "dlA",
            "--b",
            "dlB",
            "--delay",
            delay,
            "--loss",
            &loss,
            "--seconds",
            "600",
        ]);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !line
            .cmd("ip")
            .args(["link", "show", "dlB", "up"])
            .output()
            .map(|o| !o.stdout.is_empty())
            .unwrap_or(false)
        {
            assert!(Instant::now() < deadline, "the delay line did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        line.sysctl(&[
            "net.ipv4.conf.dlA.rp_filter=0",
            "net.ipv4.conf.dlB.rp_filter=0",
        ]);
        line.sh(&format!(
            "ip rule add iif {wc} lookup 100 && ip route add 10.91.2.0/24 dev dlA table 100 && \
             ip rule add iif {ws} lookup 101 && ip route add 10.91.1.0/24 dev dlB table 101"
        ));
        Some(Wan {
            client,
            line,
            server,
        })
    }
}
