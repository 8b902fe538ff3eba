#!/usr/bin/env bash
# sockdiag sockets benchmark: wall time and peak RSS of listing 48,000 TCP sockets, side by
# side with ss and netstat, all in a network namespace this script makes (and removes on
# exit, also on Ctrl-C or failure). Three holder processes each keep PAIRS connected loopback
# pairs (the hard fd limit is 20,000 per process here), so the namespace has 6 x PAIRS
# established sockets plus three listeners.
#
#   sudo bench/sockets.sh                 # 5 runs per tool, medians
#   REPS=3 PAIRS=2000 bench/sockets.sh
#
# Environment:
#   REPS      runs per tool; the median is shown (default 5)
#   PAIRS     connected pairs per holder process (default 8000: 48,000 sockets)
#   SOCKDIAG  a sockdiag binary to use instead of building the release one
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
REPS=${REPS:-5}
PAIRS=${PAIRS:-8000}
LIMIT=120 # seconds any one run may take

die() { echo "bench: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for t in ip ss python3 /usr/bin/time timeout; do
    command -v "$t" >/dev/null || die "\`$t\` not found"
done

work=$(mktemp -d /tmp/sdbench-sockets.XXXXXX)
ns="sdbench-$$-$RANDOM"
cleanup() {
    for f in "$work"/*.pid; do
        [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
    done
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${SOCKDIAG:-}" ]; then
    bin=$SOCKDIAG
else
    (cd "$repo" && cargo build --release --quiet) || die "cargo build failed"
    bin=$repo/target/release/sockdiag
fi

ip netns add "$ns"
ip netns exec "$ns" ip link set lo up

# A holder: a listener and PAIRS connected pairs, kept until killed.
cat >"$work/holder.py" <<'PY'
import os, resource, socket, sys, time
n, ready, pidfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
open(pidfile, "w").write(str(os.getpid()))
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(4096)
keep = []
for i in range(n):
    c = socket.create_connection(l.getsockname())
    s, _ = l.accept()
    keep += [c, s]
open(ready, "w").write("ready")
time.sleep(3600)
PY
for i in 1 2 3; do
    ip netns exec "$ns" python3 "$work/holder.py" "$PAIRS" "$work/ready$i" "$work/holder$i.pid" &
done
for _ in $(seq 1 600); do
    [ -e "$work/ready1" ] && [ -e "$work/ready2" ] && [ -e "$work/ready3" ] && break
    sleep 0.1
done
[ -e "$work/ready1" ] && [ -e "$work/ready2" ] && [ -e "$work/ready3" ] || die "holders not ready"
total=$(ip netns exec "$ns" ss -tanH | wc -l)
echo "bench: $total TCP sockets in $ns ($(nproc) cores, kernel $(uname -r))"

# One run: "wall_s rss_kib lines" of a command inside the namespace, output to a file.
measure() {
    /usr/bin/time -f "%e %M" -o "$work/time" \
        timeout "$LIMIT" ip netns exec "$ns" "$@" >"$work/out" 2>"$work/err" || true
    echo "$(cat "$work/time" | tail -1) $(wc -l <"$work/out")"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

row() {
    local name=$1; shift
    : >"$work/walls"; : >"$work/rsss"; local lines=0
    for _ in $(seq 1 "$REPS"); do
        read -r wall rss lines < <(measure "$@")
        echo "$wall" >>"$work/walls"
        echo "$rss" >>"$work/rsss"
    done
    printf "%-34s %8.3f %9.1f %8s\n" "$name" "$(median <"$work/walls")" \
        "$(echo "$(median <"$work/rsss") / 1024" | bc -l)" "$lines"
}

printf "%-34s %8s %9s %8s\n" "command" "wall_s" "rss_MiB" "lines"
row "ss -tanH" ss -tanH
row "sockdiag ss --tcp --no-process" "$bin" ss --tcp --no-process
row "sockdiag ss --tcp --no-process --json" "$bin" ss --tcp --no-process --json
row "ss -taniH" ss -taniH
row "sockdiag ss --tcp --no-process -v" "$bin" ss --tcp --no-process -v
row "sockdiag ss --tcp --no-process -v --json" "$bin" ss --tcp --no-process -v --json
row "ss -tanpH" ss -tanpH
row "sockdiag ss --tcp" "$bin" ss --tcp
row "sockdiag ss --tcp --json" "$bin" ss --tcp --json
if command -v netstat >/dev/null; then
    row "netstat -tanp" netstat -tanp
fi
