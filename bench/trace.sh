#!/usr/bin/env bash
# sockdiag trace benchmark: wall time and peak RSS of one trace through a chain of namespaces
# client -> r1 -> r2 -> r3 -> server where r2 sends no time-exceeded (a silent hop) and r3
# drops TCP port 80 (the SYN dies there), side by side with traceroute -T, tcptraceroute and
# mtr --tcp (each where installed), 3 queries per hop and a 1 s timeout each. All traffic
# stays inside the namespaces this script makes (and removes on exit, also on failure).
#
#   sudo bench/trace.sh               # 5 runs per tool, medians
#   REPS=3 TOOLS="sockdiag traceroute" bench/trace.sh
#
# Environment:
#   REPS      runs per tool; the median is shown (default 5)
#   TOOLS     which tools (default "sockdiag traceroute tcptraceroute mtr"; missing ones skipped)
#   SOCKDIAG  a sockdiag binary to use instead of building the release one
#   SOCKDIAG_LAB_PREFIX  the namespaces' name prefix (default sdlab-bench)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
REPS=${REPS:-5}
TOOLS=${TOOLS:-"sockdiag traceroute tcptraceroute mtr"}
P="${SOCKDIAG_LAB_PREFIX:-sdlab-bench}-$$"
LIMIT=120 # seconds any one run may take

die() { echo "bench: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, nft)"
for t in ip nft python3 /usr/bin/time timeout; do
    command -v "$t" >/dev/null || die "\`$t\` not found"
done

work=$(mktemp -d /tmp/sdtrace.XXXXXX)
cleanup() {
    [ -s "$work/server.pid" ] && kill "$(cat "$work/server.pid")" 2>/dev/null || true
    for n in c r1 r2 r3 s; do ip netns del "$P-$n" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${SOCKDIAG:-}" ]; then
    (cd "$repo" && cargo build --release -q)
    SOCKDIAG=$repo/target/release/sockdiag
fi

# --- the chain -------------------------------------------------------------------------------
for n in c r1 r2 r3 s; do ip netns add "$P-$n"; ip -n "$P-$n" link set lo up; done
i=0
link() { # NS1 NS2 N: 10.1.N.1 on NS1, 10.1.N.2 on NS2
    i=$((i + 1))
    ip link add "tb$$a$i" netns "$P-$1" type veth peer name "tb$$b$i" netns "$P-$2"
    ip -n "$P-$1" link set "tb$$a$i" up; ip -n "$P-$1" addr add "10.1.$3.1/24" dev "tb$$a$i"
    ip -n "$P-$2" link set "tb$$b$i" up; ip -n "$P-$2" addr add "10.1.$3.2/24" dev "tb$$b$i"
}
link r1 c 1; link r1 r2 2; link r2 r3 3; link r3 s 4
ip -n "$P-c" route add default via 10.1.1.1
ip -n "$P-r1" route add default via 10.1.2.2
ip -n "$P-r2" route add 10.1.4.0/24 via 10.1.3.2
ip -n "$P-r2" route add 10.1.1.0/24 via 10.1.2.1
ip -n "$P-r3" route add default via 10.1.3.1
ip -n "$P-s" route add default via 10.1.4.1
for n in r1 r2 r3 s; do
    # Many runs in a row: the routers' ICMP rate limits would otherwise decide the figures.
    ip netns exec "$P-$n" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0 \
        net.ipv4.icmp_msgs_per_sec=100000 net.ipv4.icmp_msgs_burst=100000
done
# r2: a silent hop; r3: the SYN to port 80 dies where it forwards it.
ip netns exec "$P-r2" nft -f - <<'EOF'
table inet t {
  chain o {
    type filter hook output priority 0;
    icmp type time-exceeded drop
  }
}
EOF
ip netns exec "$P-r3" nft -f - <<'EOF'
table inet t {
  chain f {
    type filter hook forward priority 0;
    tcp dport 80 drop
  }
}
EOF
ip netns exec "$P-s" python3 -c '
import os, socket, sys, time
open(sys.argv[1], "w").write(str(os.getpid()))
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 80)); s.listen(512)
time.sleep(3600)' "$work/server.pid" &
sleep 0.5
# Neighbours resolved before the first figure.
ip netns exec "$P-c" ping -c 1 -W 1 10.1.4.2 >/dev/null 2>&1 || true

# --- runs ------------------------------------------------------------------------------------
S=10.1.4.2
cmd_for() {
    case $1 in
        sockdiag) echo "$SOCKDIAG trace -n --format plain --queries 3 --timeout 1s $S 80" ;;
        traceroute) echo "traceroute -T -n -q 3 -w 1 -p 80 $S" ;;
        tcptraceroute) echo "tcptraceroute -n -q 3 -w 1 $S 80" ;;
        mtr) echo "mtr --tcp -r -n -c 3 -P 80 $S" ;;
    esac
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-14s %10s %10s   %s\n' TOOL "WALL (s)" "RSS (MiB)" "COMMAND"
for tool in $TOOLS; do
    bin=$(cmd_for "$tool" | awk '{print $1}')
    if ! command -v "$bin" >/dev/null; then
        printf '%-14s %10s %10s   %s\n' "$tool" - - "(not installed)"
        continue
    fi
    : >"$work/$tool.times"
    for _ in $(seq "$REPS"); do
        timeout "$LIMIT" ip netns exec "$P-c" /usr/bin/time -f '%e %M' -o "$work/t" \
            $(cmd_for "$tool") >"$work/$tool.out" 2>/dev/null || true
        tail -n 1 "$work/t" >>"$work/$tool.times"
        sleep 0.2
    done
    wall=$(awk '{print $1}' "$work/$tool.times" | median)
    rss=$(awk '{print $2}' "$work/$tool.times" | median)
    printf '%-14s %10s %10.1f   %s\n' "$tool" "$wall" "$(echo "$rss / 1024" | bc -l)" "$(cmd_for "$tool")"
    [ -n "${SHOW:-}" ] && sed 's/^/    /' "$work/$tool.out"
done
