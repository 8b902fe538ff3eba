#!/usr/bin/env bash
# sockdiag probe benchmark: wall time, peak RSS and wrong states, side by side, for sockdiag
# (release build), connect_floor (a minimal C epoll connect scanner: the floor), nmap -sT and
# RustScan (each where installed). All traffic stays inside a network namespace this script
# makes (and removes on exit, also on Ctrl-C or failure).
#
#   sudo bench/run.sh                 # all five scenarios, 5 runs each, medians
#   REPS=3 SCENARIOS="1 2" bench/run.sh
#
# Scenarios:
#   1  full range 1-65535 on the namespace's loopback, 5 listeners
#   2  1,000 ports silently dropped by nft, --timeout 1s --retries 0
#   3  a /24 of namespace addresses (all local to the namespace) x 3 ports, one listening
#   4  a wide-area path: full range 1-65535 to a server namespace 10 ms away each way (through
#      tests/integration/lab/delayline.py in a third namespace), 5 listeners, 1,000 ports dropped by nft
#   5  the same path with 1% packet loss each way (delayline --loss 0.01)
#   6  scenario 2 with default flags (no --timeout, no --retries): the host answers ping
#   7  full range 1-65535, every port dropped by nft (the host answers ping), default flags
#   8  1,000 ports of a host that answers nothing at all (every packet to it dropped: no
#      port, no ping, no UDP error), default flags
#
# Environment:
#   REPS            runs per tool and scenario; the median is shown (default 5)
#   SLOW_REPS       runs of nmap in scenarios 2, 5, 6, 7 and 8, which take minutes per run
#                   (default 1)
#   SCENARIOS       which scenarios (default "1 2 3 4 5 6 7 8")
#   TOOLS           which tools (default "sockdiag floor nmap rustscan"; missing ones skipped)
#   CONNECT_FLOOR_C the floor's source (default bench/floor.c, our own minimal epoll connect scanner)
#   FLOOR_WINDOW    the floor's connects in flight (default 8192, sockdiag's default window)
#   SOCKDIAG        a sockdiag binary to use instead of building the release one
#   DELAYLINE       the delay line (default tests/integration/lab/delayline.py, the one the lab tests use)
#   BENCH_NS_PREFIX the namespaces' name prefix (default sdbench), so that runs beside each
#                   other never share or remove one another's
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
REPS=${REPS:-5}
SLOW_REPS=${SLOW_REPS:-1}
SCENARIOS=${SCENARIOS:-"1 2 3 4 5 6 7 8"}
TOOLS=${TOOLS:-"sockdiag floor nmap rustscan"}
CONNECT_FLOOR_C=${CONNECT_FLOOR_C:-$repo/bench/floor.c}
DELAYLINE=${DELAYLINE:-$repo/tests/integration/lab/delayline.py}
FLOOR_WINDOW=${FLOOR_WINDOW:-8192}
LIMIT=600 # seconds any one tool run may take

die() { echo "bench: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, nft)"
for t in ip nft python3 cc /usr/bin/time timeout; do
    command -v "$t" >/dev/null || die "\`$t\` not found"
done
[ -f "$CONNECT_FLOOR_C" ] || die "connect_floor source not found at $CONNECT_FLOOR_C (set CONNECT_FLOOR_C)"

work=$(mktemp -d /tmp/sdbench.XXXXXX)
ns="${BENCH_NS_PREFIX:-sdbench}-$$-$RANDOM"
cleanup() {
    # Listeners and the delay line write their own pids: `python3` may be a wrapper that forks.
    for f in "$work"/*.pid; do
        [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
    done
    for n in "$ns" "$ns-c" "$ns-w" "$ns-s"; do ip netns del "$n" 2>/dev/null || true; done
    if [ -n "${KEEP:-}" ]; then echo "bench: outputs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools -----------------------------------------------------------------------------------
if [ -n "${SOCKDIAG:-}" ]; then
    sockdiag=$SOCKDIAG
else
    (cd "$repo" && cargo build --release --quiet) || die "cargo build --release failed"
    sockdiag=$repo/target/release/sockdiag
fi
cc -O2 -o "$work/connect_floor" "$CONNECT_FLOOR_C" || die "cannot compile $CONNECT_FLOOR_C"
floor=$work/connect_floor
have() {
    case $1 in
        sockdiag | floor) return 0 ;;
        nmap) command -v nmap >/dev/null ;;
        rustscan) command -v rustscan >/dev/null ;;
    esac
}

# --- the namespace ---------------------------------------------------------------------------
ip netns add "$ns"
nsx() { ip netns exec "$ns" "$@"; }
nsx ip link set lo up
# Scenario 3: every address of 198.18.0.0/24 is local to the namespace.
nsx ip route add local 198.18.0.0/24 dev lo
# Scenarios 2 and 6: ports 20000-20999 of 127.0.0.2 are dropped without a word; scenario 7:
# every TCP port of 127.0.0.3; scenario 8: everything sent to 127.0.0.4.
nsx nft -f - <<'EOF'
table inet bench {
    chain in {
        type filter hook input priority 0; policy accept;
        ip daddr 127.0.0.2 tcp dport 20000-20999 drop
        ip daddr 127.0.0.3 tcp dport 1-65535 drop
        ip daddr 127.0.0.4 drop
    }
}
EOF
LISTEN="22 80 443 8080 50000"
listeners() { # namespace pidfile
ip netns exec "$1" python3 - "$2" $LISTEN <<'EOF' >/dev/null 2>&1 &
import os, socket, sys, time
socks = []
pidfile, ports = sys.argv[1], sys.argv[2:]
for p in ports:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(p)))
    s.listen(4096)
    socks.append(s)
with open(pidfile + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(pidfile + ".tmp", pidfile)
# Accept and close, so backlogs never fill over many runs; bounded in time, and gone with the
# script that started it.
for s in socks:
    s.setblocking(False)
parent = os.getppid()
end = time.time() + 3600
while time.time() < end and os.getppid() == parent:
    for s in socks:
        try:
            while True:
                c, _ = s.accept()
                c.close()
        except BlockingIOError:
            pass
    time.sleep(0.01)
EOF
for _ in $(seq 100); do
    [ "$(ip netns exec "$1" ss -Hltn | wc -l)" -ge 5 ] && break
    sleep 0.05
done
[ "$(ip netns exec "$1" ss -Hltn | wc -l)" -ge 5 ] && [ -s "$2" ] || die "listeners did not start"
}
listeners "$ns" "$work/listener.pid"

# Scenarios 4 and 5: client $ns-c (10.90.1.2) -- $ns-w (the delay line) -- server $ns-s
# (10.90.2.2), routed as delayline.py's docstring shows. The line restarts per scenario with
# its loss rate.
wan_setup() {
    for n in c w s; do ip netns add "$ns-$n"; ip -n "$ns-$n" link set lo up; done
    ip link add wc netns "$ns-w" type veth peer name eth0 netns "$ns-c"
    ip link add ws netns "$ns-w" type veth peer name eth0 netns "$ns-s"
    ip -n "$ns-c" addr add 10.90.1.2/24 dev eth0
    ip -n "$ns-s" addr add 10.90.2.2/24 dev eth0
    ip -n "$ns-w" addr add 10.90.1.1/24 dev wc
    ip -n "$ns-w" addr add 10.90.2.1/24 dev ws
    for n in c s; do ip -n "$ns-$n" link set eth0 up; done
    ip -n "$ns-w" link set wc up
    ip -n "$ns-w" link set ws up
    ip -n "$ns-c" route add default via 10.90.1.1
    ip -n "$ns-s" route add default via 10.90.2.1
    ip netns exec "$ns-w" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
        net.ipv4.conf.default.rp_filter=0
    printf 'table inet bench {\n chain input {\n  type filter hook input priority 0; policy accept;\n  tcp dport 30000-30999 drop\n }\n}\n' |
        ip netns exec "$ns-s" nft -f -
    listeners "$ns-s" "$work/wan-listener.pid"
}
wan_line() { # loss
    if [ -s "$work/line.pid" ]; then kill "$(cat "$work/line.pid")" 2>/dev/null || true; sleep 0.5; fi
    ip -n "$ns-w" rule del iif wc lookup 100 2>/dev/null || true
    ip -n "$ns-w" rule del iif ws lookup 101 2>/dev/null || true
    : >"$work/line.out"
    ip netns exec "$ns-w" sh -c 'echo $$ > "$1"; exec python3 "$2" --a dlA --b dlB --delay 10ms --loss "$3" --seconds 3600' \
        sh "$work/line.pid" "$DELAYLINE" "$1" >"$work/line.out" 2>&1 &
    for _ in $(seq 100); do grep -q ready "$work/line.out" 2>/dev/null && break; sleep 0.05; done
    grep -q ready "$work/line.out" || die "the delay line did not start"
    ip netns exec "$ns-w" sysctl -qw net.ipv4.conf.dlA.rp_filter=0 net.ipv4.conf.dlB.rp_filter=0
    ip -n "$ns-w" rule add iif wc lookup 100
    ip -n "$ns-w" route replace 10.90.2.0/24 dev dlA table 100
    ip -n "$ns-w" rule add iif ws lookup 101
    ip -n "$ns-w" route replace 10.90.1.0/24 dev dlB table 101
}
case " $SCENARIOS " in
    *" 4 "* | *" 5 "*)
        [ -f "$DELAYLINE" ] || die "delayline.py not found at $DELAYLINE (set DELAYLINE)"
        [ -e /dev/net/tun ] || die "/dev/net/tun is missing (the delay line needs it)"
        wan_setup
        ;;
esac

# --- one run: wall seconds, peak RSS KiB, wrong states ----------------------------------------
# Each tool's output goes to $work/out, stderr to $work/err; `wrong` reads them.
# Expected states: scenario 1 the 5 listeners open, the rest closed; scenario 2 every port
# filtered; scenario 3 port 80 open on all 256 addresses, 79 and 81 closed; scenarios 4 and 5
# the 5 listeners open, 30000-30999 filtered, the rest closed.
cmdline() { # tool scenario -> command (run inside the namespace)
    local tool=$1 sc=$2
    case $tool/$sc in
        sockdiag/1) echo "$sockdiag probe -n --format plain 127.0.0.1 1-65535" ;;
        sockdiag/2) echo "$sockdiag probe -n --format plain --timeout 1s --retries 0 127.0.0.2 20000-20999" ;;
        sockdiag/6) echo "$sockdiag probe -n --format plain 127.0.0.2 20000-20999" ;;
        sockdiag/7) echo "$sockdiag probe -n --format plain 127.0.0.3 1-65535" ;;
        sockdiag/8) echo "$sockdiag probe -n --format plain 127.0.0.4 20000-20999" ;;
        sockdiag/3) echo "$sockdiag probe -n --format plain 198.18.0.0/24 79-81" ;;
        sockdiag/4 | sockdiag/5) echo "$sockdiag probe -n --format plain 10.90.2.2 1-65535" ;;
        floor/1) echo "$floor 127.0.0.1 1 65535 $FLOOR_WINDOW 1000" ;;
        floor/2) echo "$floor 127.0.0.2 20000 20999 $FLOOR_WINDOW 1000" ;;
        # The floor takes one address: one run per address.
        floor/6) echo "$floor 127.0.0.2 20000 20999 $FLOOR_WINDOW 1000" ;;
        floor/7) echo "$floor 127.0.0.3 1 65535 $FLOOR_WINDOW 1000" ;;
        floor/8) echo "$floor 127.0.0.4 20000 20999 $FLOOR_WINDOW 1000" ;;
        floor/3) echo "sh -c 'for i in \$(seq 0 255); do echo \"# 198.18.0.\$i\" >&2; \"$floor\" 198.18.0.\$i 79 81 $FLOOR_WINDOW 1000; done'" ;;
        floor/4 | floor/5) echo "$floor 10.90.2.2 1 65535 $FLOOR_WINDOW 1000" ;;
        nmap/1) echo "nmap -sT -T4 -n -Pn -p 1-65535 -oG - 127.0.0.1" ;;
        nmap/2) echo "nmap -sT -T4 -n -Pn --max-retries 0 --max-rtt-timeout 1s -p 20000-20999 -oG - 127.0.0.2" ;;
        nmap/6) echo "nmap -sT -T4 -n -Pn -p 20000-20999 -oG - 127.0.0.2" ;;
        nmap/7) echo "nmap -sT -T4 -n -Pn -p 1-65535 -oG - 127.0.0.3" ;;
        nmap/8) echo "nmap -sT -T4 -n -Pn -p 20000-20999 -oG - 127.0.0.4" ;;
        nmap/3) echo "nmap -sT -T4 -n -Pn -p 79-81 -oG - 198.18.0.0/24" ;;
        # Normal output: with two large groups (closed and filtered) -oG lists neither.
        nmap/4 | nmap/5) echo "nmap -sT -T4 -n -Pn -p 1-65535 -oN - 10.90.2.2" ;;
        rustscan/1) echo "rustscan -n --no-banner -g -a 127.0.0.1 -r 1-65535" ;;
        rustscan/2) echo "rustscan -n --no-banner -g -t 1000 --tries 1 -a 127.0.0.2 -r 20000-20999" ;;
        rustscan/6 | rustscan/8) echo "rustscan -n --no-banner -g -a 127.0.0.$((sc == 6 ? 2 : 4)) -r 20000-20999" ;;
        rustscan/7) echo "rustscan -n --no-banner -g -a 127.0.0.3 -r 1-65535" ;;
        rustscan/3) echo "rustscan -n --no-banner -g -a 198.18.0.0/24 -r 79-81" ;;
        rustscan/4 | rustscan/5) echo "rustscan -n --no-banner -g -a 10.90.2.2 -r 1-65535" ;;
    esac
}

# Prints the number of ports not reported in their expected state.
wrong() {
    local tool=$1 sc=$2
    python3 - "$tool" "$sc" "$work/out" "$work/err" "$LISTEN" <<'EOF'
import re, sys
from collections import Counter
tool, sc, out, err, listen = sys.argv[1:6]
out = open(out, errors="replace").read()
err = open(err, errors="replace").read()
listen = {int(p) for p in listen.split()}
# What should be seen: the open (address, port) pairs, and how many closed and filtered.
if sc == "1":
    total, want_open, expect = 65535, {("127.0.0.1", p) for p in listen}, {"closed": 65530}
elif sc in ("2", "6", "8"):
    total, want_open, expect = 1000, set(), {"filtered": 1000}
elif sc == "7":
    total, want_open, expect = 65535, set(), {"filtered": 65535}
elif sc == "3":
    addrs = [f"198.18.0.{i}" for i in range(256)]
    total, want_open, expect = 768, {(a, 80) for a in addrs}, {"closed": 512}
else:
    total, want_open, expect = 65535, {("10.90.2.2", p) for p in listen}, {"closed": 64530, "filtered": 1000}
opened, seen = set(), Counter()
if tool == "sockdiag":
    for l in out.splitlines():
        f = l.split("\t")
        if len(f) >= 6 and f[4] == "open":
            opened.add((f[1], int(f[2])))
        elif len(f) >= 6:
            seen[f[4]] += 1
        m = re.match(r"# (\d+) (\S+) \(", l)
        if m:
            seen[m.group(2)] += int(m.group(1))
elif tool == "floor":
    addr = "127.0.0.1"
    for l in err.splitlines():
        if l.startswith("# "):
            addr = l[2:].strip()
        m = re.match(r"open (\d+) ", l)
        if m:
            opened.add((addr, int(m.group(1))))
    seen["closed"] = sum(int(x) for x in re.findall(r"closed=(\d+)", out))
    seen["filtered"] = sum(int(x) for x in re.findall(r"other=(\d+)", out))
elif tool == "nmap":
    for l in out.splitlines():
        m = re.match(r"Host: (\S+)", l)
        if not m:
            continue
        host = m.group(1)
        for p, st in re.findall(r"(\d+)/([a-z|]+)/tcp", l):
            if st == "open":
                opened.add((host, int(p)))
            else:
                seen[st] += 1
        m = re.search(r"Ignored State: (\S+) \((\d+)\)", l)
        if m:
            seen[m.group(1)] += int(m.group(2))
    # -oN: "Not shown: 64530 closed tcp ports (conn-refused), 1000 filtered tcp ports (...)"
    # and "22/tcp open ssh" lines.
    host = "10.90.2.2"
    for l in out.splitlines():
        if l.startswith("Not shown:"):
            for n, st in re.findall(r"(\d+) ([a-z|]+) tcp ports", l):
                seen[st] += int(n)
        m = re.match(r"(\d+)/tcp\s+(\S+)", l)
        if m:
            if m.group(2) == "open":
                opened.add((host, int(m.group(1))))
            else:
                seen[m.group(2)] += 1
elif tool == "rustscan":
    # Lists open ports only: a port it does not list counts as rightly not open.
    for l in out.splitlines():
        m = re.match(r"(\S+) -> \[(.*)\]", l)
        if m:
            for p in m.group(2).split(","):
                if p.strip():
                    opened.add((m.group(1), int(p)))
    seen = Counter(expect)
    seen[max(expect, key=expect.get)] -= len(opened - want_open)
right = len(opened & want_open) + sum(min(seen[k], n) for k, n in expect.items())
print(total - right)
EOF
}

run_once() { # tool scenario -> "wall rss wrong"
    local tool=$1 sc=$2 cmd t0 t1 rss
    cmd=$(cmdline "$tool" "$sc")
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    local where=$ns
    case $sc in 4 | 5) where=$ns-c ;; esac
    ip netns exec "$where" timeout $LIMIT /usr/bin/time -f "%M" -o "$work/rss" sh -c "exec $cmd" >"$work/out" 2>"$work/err" || true
    t1=$(date +%s%N)
    rss=$(tail -1 "$work/rss")
    [ -n "${KEEP:-}" ] && cp "$work/out" "$work/out.$tool.$sc" && cp "$work/err" "$work/err.$tool.$sc"
    echo "$(( (t1 - t0) / 1000000 )) $rss $(wrong "$tool" "$sc")"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-10s %-10s %10s %8s %10s %7s %8s %s\n' scenario tool wall_s ratio rss_MiB rss_x wrong runs
for sc in $SCENARIOS; do
    case $sc in 4) wan_line 0 ;; 5) wan_line 0.01 ;; esac
    declare -A W=() R=() X=() N=()
    for tool in $TOOLS; do
        have "$tool" || { W[$tool]=""; continue; }
        reps=$REPS
        case $tool/$sc in nmap/2 | nmap/5 | nmap/6 | nmap/7 | nmap/8) reps=$SLOW_REPS ;; esac
        : >"$work/runs"
        for _ in $(seq "$reps"); do run_once "$tool" "$sc" >>"$work/runs"; done
        W[$tool]=$(cut -d' ' -f1 "$work/runs" | median)
        R[$tool]=$(cut -d' ' -f2 "$work/runs" | median)
        # Wrong states: the worst run, and in how many runs any were wrong.
        X[$tool]="$(cut -d' ' -f3 "$work/runs" | sort -n | tail -1) ($(awk '$3>0' "$work/runs" | wc -l)/$reps runs)"
        N[$tool]=$reps
    done
    fw=${W[floor]:-} fr=${R[floor]:-}
    for tool in $TOOLS; do
        [ -n "${W[$tool]:-}" ] || { printf '%-10s %-10s %s\n' "$sc" "$tool" "not installed"; continue; }
        awk -v sc="$sc" -v t="$tool" -v w="${W[$tool]}" -v fw="$fw" -v r="${R[$tool]}" -v fr="$fr" \
            -v x="${X[$tool]}" -v n="${N[$tool]}" 'BEGIN {
            printf "%-10s %-10s %10.3f %7.2fx %10.1f %6.1fx %8s %s\n", sc, t, w/1000, (fw ? w/fw : 0),
                r/1024, (fr ? r/fr : 0), x, n }'
    done
    unset W R X N
done
echo "wall: median of runs; ratio and rss_x: against connect_floor; wrong: ports not reported in"
echo "their true state (worst run, runs with any); rustscan lists open ports only."
