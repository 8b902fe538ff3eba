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
for t in ip ss python3 /usr/bin/time timeout bc; do
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

# One run: "wall_s rss_kib cpu_s lines" of a command inside the namespace, output to a file
# (cpu: user + system time; on a shared machine it moves less than the wall time).
# GNU time's %e has 10 ms steps: the wall time comes from date's nanoseconds instead.
measure() {
    local t0 t1
    t0=$(date +%s%N)
    /usr/bin/time -f "%M %U %S" -o "$work/time" \
        timeout "$LIMIT" ip netns exec "$ns" "$@" >"$work/out" 2>"$work/err" || true
    t1=$(date +%s%N)
    read -r rss user sys < <(tail -1 "$work/time")
    echo "$(echo "($t1 - $t0) / 1000000000" | bc -l) $rss $(echo "$user + $sys" | bc -l) $(wc -l <"$work/out")"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# name|reference row (for the ratio)|command...
rows=(
    "ss -tanH||ss -tanH"
    "sockdiag ss --tcp --no-process|ss -tanH|$bin ss --tcp --no-process"
    "sockdiag ss --tcp --no-process --json|ss -tanH|$bin ss --tcp --no-process --json"
    "ss -taniH||ss -taniH"
    "sockdiag ss --tcp --no-process -v|ss -taniH|$bin ss --tcp --no-process -v"
    "sockdiag ss --tcp --no-process -v --json|ss -taniH|$bin ss --tcp --no-process -v --json"
    "ss -tanpH||ss -tanpH"
    "sockdiag ss --tcp|ss -tanpH|$bin ss --tcp"
    "sockdiag ss --tcp --json|ss -tanpH|$bin ss --tcp --json"
)
if command -v netstat >/dev/null; then
    rows+=("netstat -tanp|ss -tanpH|netstat -tanp")
fi

# The runs go round-robin (every command once, then again), so a load that comes and goes
# on a shared machine weighs on every command alike.
for rep in $(seq 1 "$REPS"); do
    for i in "${!rows[@]}"; do
        IFS='|' read -r name ref cmd <<<"${rows[$i]}"
        # shellcheck disable=SC2086 # the command's words
        read -r wall rss cpu lines < <(measure $cmd)
        echo "$wall" >>"$work/wall.$i"
        echo "$cpu" >>"$work/cpu.$i"
        echo "$rss" >>"$work/rss.$i"
        echo "$lines" >"$work/lines.$i"
    done
done

printf "%-42s %7s %6s %6s %6s %8s %7s\n" "command" "wall_s" "ratio" "cpu_s" "ratio" "rss_MiB" "lines"
declare -A wall_of cpu_of
for i in "${!rows[@]}"; do
    IFS='|' read -r name ref cmd <<<"${rows[$i]}"
    w=$(median <"$work/wall.$i")
    c=$(median <"$work/cpu.$i")
    wall_of[$name]=$w
    cpu_of[$name]=$c
    wr="-" cr="-"
    if [ -n "$ref" ]; then
        wr=$(printf "%.2fx" "$(echo "$w / ${wall_of[$ref]}" | bc -l)")
        cr=$(printf "%.2fx" "$(echo "$c / ${cpu_of[$ref]}" | bc -l)")
    fi
    printf "%-42s %7.3f %6s %6.2f %6s %8.1f %7s\n" "$name" "$w" "$wr" "$c" "$cr" \
        "$(echo "$(median <"$work/rss.$i") / 1024" | bc -l)" "$(cat "$work/lines.$i")"
done
