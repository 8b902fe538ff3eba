#!/usr/bin/env bash
# sockdiag resolve benchmark: 10,000 names from a file against dnsmasq in a network namespace
# this script makes (and removes on exit, also on Ctrl-C or failure). Half the names exist
# (dnsmasq --addn-hosts), a quarter get NXDOMAIN, a quarter are in slow.test, which dnsmasq
# forwards to tests/integration/lab/fakedns.py answering after 200 ms. dnsmasq caches nothing, so every
# run asks the same questions.
#
#   sudo bench/resolve.sh            # 3 runs per tool, medians
#   REPS=1 DIG=1 bench/resolve.sh    # also dig -f (serial: about ten minutes)
#
# Tools: sockdiag resolve --file (default --jobs 16, and --jobs 256; --no-reverse, as getent
# does none), xargs -P 16 getent ahosts (the baseline), dig -f (with DIG=1, where installed).
# Each row: median wall time, peak RSS (/usr/bin/time), names answered.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
REPS=${REPS:-3}
N=${N:-10000}
LIMIT=900

die() { echo "bench: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for t in ip dnsmasq python3 /usr/bin/time timeout getent xargs; do
    command -v "$t" >/dev/null || die "\`$t\` not found"
done

work=$(mktemp -d /tmp/sdrbench.XXXXXX)
ns="sdbench-r$$-$RANDOM"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/etc/netns/$ns"
    if [ -n "${KEEP:-}" ]; then echo "bench: outputs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${SOCKDIAG:-}" ]; then
    sockdiag=$SOCKDIAG
else
    (cd "$repo" && cargo build --release --quiet) || die "cargo build --release failed"
    sockdiag=$repo/target/release/sockdiag
fi

# --- the names -------------------------------------------------------------------------------
half=$((N / 2)) quarter=$((N / 4))
: >"$work/hosts"
: >"$work/names"
for i in $(seq 1 "$half"); do
    echo "10.$((i / 250)).$((i % 250)).1 host$i.bench.test" >>"$work/hosts"
    echo "host$i.bench.test" >>"$work/names"
done
for i in $(seq 1 "$quarter"); do echo "nosuch$i.bench.test" >>"$work/names"; done
for i in $(seq 1 "$quarter"); do echo "far$i.slow.test" >>"$work/names"; done
# interleaved, so no tool meets the slow quarter all at once
shuf --random-source=<(yes) "$work/names" >"$work/names.shuf" && mv "$work/names.shuf" "$work/names"

# --- the namespace ---------------------------------------------------------------------------
ip netns add "$ns"
nsx() { ip netns exec "$ns" "$@"; }
nsx ip link set lo up
mkdir -p "/etc/netns/$ns"
printf 'nameserver 127.0.0.1\noptions timeout:2 attempts:2\n' >"/etc/netns/$ns/resolv.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' >"/etc/netns/$ns/hosts"
printf 'hosts: files dns\n' >"/etc/netns/$ns/nsswitch.conf"
# Started by `ip netns exec` directly (no shell function) so that $! is the server itself.
ip netns exec "$ns" python3 "$repo/tests/integration/lab/fakedns.py" --addr 127.0.0.3 --mode answer --a 192.0.2.99 \
    --delay 200 --seconds 3600 >/dev/null 2>&1 &
pids+=($!)
ip netns exec "$ns" dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll --conf-file=/dev/null \
    --listen-address=127.0.0.1 --bind-interfaces --port=53 --pid-file= --user=root \
    --cache-size=0 --dns-forward-max=4096 --local=/bench.test/ \
    --server=/slow.test/127.0.0.3 --addn-hosts="$work/hosts" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
    [ -n "$(nsx ss -Hlun 'sport = :53' | grep 127.0.0.1)" ] && [ -n "$(nsx ss -Hlun 'src 127.0.0.3:53')" ] && break
    sleep 0.1
done
nsx getent ahosts host1.bench.test >/dev/null || die "dnsmasq does not answer"

# --- runs ------------------------------------------------------------------------------------
# run NAME CMD...: REPS runs; prints "median_seconds max_rss_kib" and keeps the last output.
run() {
    local name=$1
    shift
    local times=() rss=0
    for _ in $(seq 1 "$REPS"); do
        /usr/bin/time -f '%e %M' -o "$work/$name.time" \
            timeout "$LIMIT" ip netns exec "$ns" "$@" >"$work/$name.out" 2>/dev/null || true
        # the last line: /usr/bin/time writes "Command exited with ..." before it
        read -r t m < <(tail -1 "$work/$name.time")
        times+=("$t")
        [ "$m" -gt "$rss" ] && rss=$m
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v r="$rss" '{a[NR]=$1} END {print a[int((NR+1)/2)], r}'
}

# Names answered, and a digest of name -> sorted addresses, to compare tools.
answers_sockdiag() { awk -F'\t' '$2=="ok"{gsub(",", " ", $3); print $1, $3}' "$1" | sort; }
answers_getent() {
    # getent ahosts prints "ADDR STREAM name" first for each name, then more lines.
    awk '$2=="STREAM" && NF==3 {print $3, $1}' "$1" | sort
}

printf '%-34s %10s %12s %10s\n' TOOL WALL_S PEAK_RSS_MB ANSWERED
row() {
    local label=$1 out=$2 count=$3
    read -r t m <<<"$out"
    printf '%-34s %10s %12s %10s\n' "$label" "$t" "$(awk -v m="$m" 'BEGIN{printf "%.1f", m/1024}')" "$count"
}

r=$(run sd16 "$sockdiag" resolve --format plain --no-reverse --file "$work/names")
answers_sockdiag "$work/sd16.out" >"$work/sd16.ans"
row "sockdiag resolve --file (jobs 16)" "$r" "$(wc -l <"$work/sd16.ans")"
r=$(run sd256 "$sockdiag" resolve --format plain --no-reverse --jobs 256 --file "$work/names")
answers_sockdiag "$work/sd256.out" >"$work/sd256.ans"
row "sockdiag resolve --file --jobs 256" "$r" "$(wc -l <"$work/sd256.ans")"
r=$(run getent xargs -a "$work/names" -P 16 -n 1 getent ahosts)
answers_getent "$work/getent.out" >"$work/getent.ans"
row "xargs -P 16 getent ahosts" "$r" "$(wc -l <"$work/getent.ans")"
if [ -n "${DIG:-}" ] && command -v dig >/dev/null; then
    REPS=1 r=$(run dig dig +short -f "$work/names")
    row "dig -f (serial, 1 run)" "$r" "$(grep -c . "$work/dig.out" || true)"
fi

for f in sd16 sd256; do
    if cmp -s "$work/$f.ans" "$work/getent.ans"; then
        echo "answers: $f = getent (same names, same addresses)"
    else
        echo "answers: $f differs from getent:"
        diff "$work/$f.ans" "$work/getent.ans" | head -5
    fi
done
