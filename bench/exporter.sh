#!/usr/bin/env bash
# sockdiag exporter vs prometheus-blackbox-exporter: probes per second, p99 scrape latency and
# peak RSS, for CONCURRENCY (default 200) concurrent tcp_connect scrapes of lab targets (an
# open and a closed port on a namespace address), same run. All traffic stays inside a
# namespace this script makes (removed on exit, also on failure).
#
#   sudo bench/exporter.sh             # TOTAL=20000 CONCURRENCY=200 REPS=3
#
# The load generator (bench/scrape_load.py, asyncio) makes one connection per scrape, as
# Prometheus does per target; it shares the machine's cores with the exporter measured.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
TOTAL=${TOTAL:-20000}
CONCURRENCY=${CONCURRENCY:-200}
REPS=${REPS:-3}
die() { echo "bench: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for t in ip python3 timeout prometheus-blackbox-exporter; do
    command -v "$t" >/dev/null || die "\`$t\` not found"
done
if [ -z "${SOCKDIAG:-}" ]; then
    (cd "$repo" && cargo build --release -q)
    SOCKDIAG=$repo/target/release/sockdiag
fi
work=$(mktemp -d /tmp/sdbench-exp.XXXXXX)
ns="${SOCKDIAG_LAB_PREFIX:-sdlab-bench}-exp-$$"
pids=()
cleanup() {
    [ -s "$work/listener.pid" ] && kill "$(cat "$work/listener.pid")" 2>/dev/null || true
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$ns"
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link set lo up
in_ns ip addr add 192.0.2.2/32 dev lo
# The open port: accepts and closes (a full backlog would drop SYNs).
ip netns exec "$ns" python3 -c '
import os, socket, sys
open(sys.argv[1], "w").write(str(os.getpid()))
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.2", 2001)); s.listen(4096)
while True: s.accept()[0].close()' "$work/listener.pid" &
pids+=($!)
printf 'modules:\n  tcp_connect:\n    prober: tcp\n' > "$work/blackbox.yml"
targets=192.0.2.2:2001,192.0.2.2:2002

wait_up() {
    for _ in $(seq 100); do
        in_ns python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 1)" 2>/dev/null && return
        sleep 0.1
    done
    die "port $1 did not come up"
}

run_one() { # name port cmd...
    local name=$1 port=$2; shift 2
    ip netns exec "$ns" "$@" >/dev/null 2>&1 &
    local pid=$!
    pids+=($pid)
    wait_up "$port"
    # `ip netns exec` execs the server: $pid is the server itself.
    for r in $(seq "$REPS"); do
        local out
        out=$(in_ns timeout 300 python3 "$here/scrape_load.py" "127.0.0.1:$port" "$TOTAL" "$CONCURRENCY" tcp_connect "$targets")
        local rss
        rss=$(awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$pid/status")
        echo "$name $r $out rss_mib=$rss"
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "TOTAL=$TOTAL CONCURRENCY=$CONCURRENCY REPS=$REPS (peak RSS is the process's high-water mark so far)"
run_one sockdiag 9115 "$SOCKDIAG" exporter --listen 127.0.0.1:9115 --max-concurrent "$CONCURRENCY"
run_one blackbox 9116 prometheus-blackbox-exporter --config.file="$work/blackbox.yml" \
    --web.listen-address=127.0.0.1:9116 --log.level=warn
