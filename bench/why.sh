#!/usr/bin/env bash
# sockdiag why benchmark: wall time of one `sockdiag why` against the commands a person runs
# one after another to answer the same question (getent ahosts, nc -vz -w 1 (or ncat; bash's
# /dev/tcp under `timeout 1` where neither is installed), traceroute -T -w 1 -q 3, curl -w),
# through a chain client -> r1 -> r2 -> r3 -> server, for two targets:
#   reachable  web.sockdiag.test:80, an HTTP server (why --http; the person: getent, nc,
#              traceroute, curl)
#   dropped    web.sockdiag.test:81, dropped where r3 forwards it, behind three hops (why;
#              the person: getent, nc, traceroute)
# The name is in the client namespace's own hosts file (nsswitch `files` only) and its own
# resolv.conf names a dnsmasq (--no-resolv) on the namespace's loopback: the host's
# resolver is never asked. All traffic stays inside the namespaces this script makes
# (removed on exit, also on failure).
#
#   sudo bench/why.sh
#   REPS=3 SOCKDIAG=target/debug/sockdiag bench/why.sh
#
# Environment:
#   REPS      runs per sequence; the median is shown (default 5)
#   SOCKDIAG  a sockdiag binary to use instead of building the release one
#   SOCKDIAG_LAB_PREFIX  the namespaces' name prefix (default sdlab-bench)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
REPS=${REPS:-5}
P="${SOCKDIAG_LAB_PREFIX:-sdlab-bench}-$$"
LIMIT=60 # seconds any one command may take

die() { echo "bench: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, nft)"
for t in ip nft python3 timeout getent traceroute curl dnsmasq; do
    command -v "$t" >/dev/null || die "\`$t\` not found"
done
case "$REPS" in '' | *[!0-9]*) die "REPS must be a count: '$REPS'" ;; esac
[ "$REPS" -ge 1 ] && [ "$REPS" -le 50 ] || die "REPS must be 1..50: '$REPS'"

work=$(mktemp -d /tmp/sdwhy.XXXXXX)
cleanup() {
    for p in server dns; do
        [ -s "$work/$p.pid" ] && kill "$(cat "$work/$p.pid")" 2>/dev/null || true
    done
    for n in c r1 r2 r3 s; do ip netns del "$P-$n" 2>/dev/null || true; done
    rm -rf "/etc/netns/$P-c" "$work"
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
    ip link add "wb$$a$i" netns "$P-$1" type veth peer name "wb$$b$i" netns "$P-$2"
    ip -n "$P-$1" link set "wb$$a$i" up; ip -n "$P-$1" addr add "10.1.$3.1/24" dev "wb$$a$i"
    ip -n "$P-$2" link set "wb$$b$i" up; ip -n "$P-$2" addr add "10.1.$3.2/24" dev "wb$$b$i"
}
link r1 c 1; link r1 r2 2; link r2 r3 3; link r3 s 4
ip -n "$P-c" route add default via 10.1.1.1
ip -n "$P-r1" route add default via 10.1.2.2
ip -n "$P-r2" route add 10.1.4.0/24 via 10.1.3.2
ip -n "$P-r2" route add 10.1.1.0/24 via 10.1.2.1
ip -n "$P-r3" route add default via 10.1.3.1
ip -n "$P-s" route add default via 10.1.4.1
for n in r1 r2 r3 s; do
    ip netns exec "$P-$n" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0 \
        net.ipv4.icmp_msgs_per_sec=100000 net.ipv4.icmp_msgs_burst=100000
done
ip netns exec "$P-r3" nft -f - <<'NFT'
table inet t {
  chain f {
    type filter hook forward priority 0;
    tcp dport 81 drop
  }
}
NFT
mkdir -p "/etc/netns/$P-c"
echo "10.1.4.2 web.sockdiag.test" >"/etc/netns/$P-c/hosts"
echo "hosts: files" >"/etc/netns/$P-c/nsswitch.conf"
# why's name layer also asks the servers of resolv.conf (do they agree with the hosts
# file?): the namespace's own, a dnsmasq on its loopback that knows the name and asks no one.
echo "nameserver 127.0.0.1" >"/etc/netns/$P-c/resolv.conf"
ip netns exec "$P-c" timeout 600 dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll \
    --conf-file=/dev/null --listen-address=127.0.0.1 --bind-interfaces --port=53 --pid-file= \
    --host-record=web.sockdiag.test,10.1.4.2 &
echo $! >"$work/dns.pid"
# The server: a small HTTP/1.1 answer to every connection on port 80, for 10 minutes at most.
ip netns exec "$P-s" timeout 600 python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 80)); s.listen(128)
body = b"ok\n"
while True:
    c, _ = s.accept(); c.settimeout(2)
    try:
        c.recv(4096)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\n" + body)
    except OSError:
        pass
    c.close()
' &
echo $! >"$work/server.pid"
for _ in $(seq 50); do
    ip netns exec "$P-c" timeout 1 bash -c 'exec 3<>/dev/tcp/10.1.4.2/80' 2>/dev/null && break
    sleep 0.1
done

# --- the runs --------------------------------------------------------------------------------
inc() { timeout "$LIMIT" ip netns exec "$P-c" "$@" >/dev/null 2>&1 || true; }
if command -v nc >/dev/null; then NC="nc -vz -w 1"; elif command -v ncat >/dev/null; then
    NC="ncat -z -w 1"; else NC=""; fi
connect() { # ADDR PORT
    if [ -n "$NC" ]; then inc $NC "$1" "$2"; else
        inc timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2"; fi
}
person() { # PORT HTTP?
    inc getent ahosts web.sockdiag.test
    connect 10.1.4.2 "$1"
    inc traceroute -n -T -w 1 -q 3 -p "$1" 10.1.4.2
    [ "$2" = http ] && inc curl -sS -o /dev/null --connect-timeout 1 -m 5 \
        -w '%{http_code} %{time_connect} %{time_total}\n' "http://web.sockdiag.test:$1/"
    return 0
}
why() { # PORT HTTP?
    if [ "$2" = http ]; then inc "$SOCKDIAG" why --http web.sockdiag.test "$1"
    else inc "$SOCKDIAG" why web.sockdiag.test "$1"; fi
}
now() { date +%s%N; }
median_ms() { # FN ARGS...: the median wall time of REPS runs, in ms
    local t=()
    for _ in $(seq "$REPS"); do
        local a; a=$(now); "$@"; t+=($(( ($(now) - a) / 1000000 )))
    done
    printf '%s\n' "${t[@]}" | sort -n | sed -n "$(( (REPS + 1) / 2 ))p"
}
verdict() { ip netns exec "$P-c" "$SOCKDIAG" why --format plain "$@" 2>&1 | head -1 || true; }

echo "# sockdiag why vs the manual sequence, median of $REPS runs (ms); connect: ${NC:-bash /dev/tcp}"
printf '%-10s %10s %10s %8s  %s\n' target why_ms manual_ms ratio "why's verdict"
for row in "reachable 80 http" "dropped 81 -"; do
    set -- $row
    w=$(median_ms why "$2" "$3"); m=$(median_ms person "$2" "$3")
    if [ "$3" = http ]; then v=$(verdict --http web.sockdiag.test "$2"); else
        v=$(verdict web.sockdiag.test "$2"); fi
    printf '%-10s %10s %10s %8s  %s\n' "$1" "$w" "$m" \
        "$(python3 -c "print(f'{$m/max($w,1):.2f}x')")" "$v"
done
