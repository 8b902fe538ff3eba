#!/usr/bin/env bash
# sockdiag probe --service benchmark: a /24 block with 10 live hosts and 246 silent addresses,
# each live host running a few real services; `sockdiag probe -n --service BLOCK` (its 1,000
# default ports) against `nmap -sT -sV --version-light` (its top 1,000 ports) on the same
# targets in the same run: wall time (median), peak RSS (max), and whether both found the
# same open ports and named the same services. All traffic stays inside two network
# namespaces this script makes (and removes on exit, also on Ctrl-C or failure).
#
#   sudo bench/service.sh             # 3 runs per tool, medians
#   REPS=1 TOOLS="sockdiag nmap" bench/service.sh
#
# The lab:
#   $ns-c (the scanner, 10.92.0.1) --veth-- $ns-b (10.92.0.2, the block): every address of
#   10.93.0.0/24 is local to $ns-b (route local on lo) and routed to it from $ns-c, so the
#   scanner reaches the block through a router hop, as across a real network (no ARP to the
#   targets, so nmap's host discovery cannot use ARP ping). An nft rule in $ns-b drops every
#   packet to the 246 addresses that are not live (SYN, ICMP echo, all): they are silent, as
#   the unused addresses of a real block behind a firewall are. The 10 live hosts answer:
#   their services accept, their closed ports reset, they answer ping.
#   Each live host has 3 or 4 of: SSH-like banner on 22 and SMTP-like banner on 25 (a small
#   Python server that keeps the connection open), HTTP on 80 (python3 -m http.server) or
#   8080 (sockdiag serve --http), HTTPS on 443 (openssl s_server -www with a self-signed
#   certificate this script makes), and a silent server on 9999 (accepts, never speaks).
#   Every one of those ports is in both tools' default lists.
#
# The runs (nmap's where it is installed):
#   sockdiag       sockdiag probe -n --service 10.93.0.0/24: its host discovery first (TCP
#                  connect to 80, 443, 22, 113), then every default port of the hosts that
#                  answered
#   nmap           nmap -n -sT -sV --version-light -T4 10.93.0.0/24: nmap's default host
#                  discovery first (as root: ICMP echo, TCP SYN to 443, TCP ACK to 80, ICMP
#                  timestamp; across the router hop no ARP), then only the ports of the 10
#                  hosts that answered: what an nmap user types
#   sockdiag-Pn    sockdiag with -Pn: every port of every address, and
#   nmap-Pn        nmap with -Pn: the like-for-like pair without discovery (nmap's takes
#                  minutes)
#   sockdiag-live  sockdiag on the 10 live addresses only, and
#   nmap-live      nmap -Pn on them: both tools' port scan and service detection without the
#                  silent addresses (the pair that compares service detection itself)
#   -T4 gives nmap its faster standard timing (bench/run.sh uses it too).
#
# Environment:
#   REPS       runs per tool; the median wall is shown (default 3)
#   NMAP_REPS  runs of nmap-Pn, which takes minutes per run (default 1)
#   TOOLS      which runs (default "sockdiag nmap nmap-Pn sockdiag-live nmap-live"; also
#              sockdiag-Pn)
#   SOCKDIAG   a sockdiag binary to use instead of building the release one
#   SD_ARGS    extra arguments for sockdiag (e.g. "--service-timeout 1s")
#   KEEP=1     keep the outputs (their directory is printed)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
REPS=${REPS:-3}
NMAP_REPS=${NMAP_REPS:-1}
TOOLS=${TOOLS:-"sockdiag nmap nmap-Pn sockdiag-live nmap-live"}
SD_ARGS=${SD_ARGS:-}
LIMIT=1800 # seconds any one tool run may take
BLOCK=10.93.0.0/24
# The live hosts: scattered over the block, as in a real one.
LIVE="10.93.0.2 10.93.0.7 10.93.0.19 10.93.0.33 10.93.0.50 10.93.0.64 10.93.0.101 10.93.0.128 10.93.0.200 10.93.0.254"

die() { echo "bench: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, nft)"
for t in ip nft python3 openssl /usr/bin/time timeout; do
    command -v "$t" >/dev/null || die "\`$t\` not found"
done

work=$(mktemp -d /tmp/sdsvc.XXXXXX)
ns="sdbench-svc-$$-$RANDOM"
cleanup() {
    # Every server was started by this script and wrote its pid (or its process group's).
    for f in "$work"/*.pid; do
        [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
    done
    for n in "$ns-c" "$ns-b"; do ip netns del "$n" 2>/dev/null || true; done
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
have() {
    case $1 in
        sockdiag | sockdiag-Pn | sockdiag-live) return 0 ;;
        nmap | nmap-Pn | nmap-live) command -v nmap >/dev/null ;;
    esac
}

# --- the namespaces --------------------------------------------------------------------------
ip netns add "$ns-c"
ip netns add "$ns-b"
ip -n "$ns-c" link set lo up
ip -n "$ns-b" link set lo up
ip link add eth0 netns "$ns-c" type veth peer name eth0 netns "$ns-b"
ip -n "$ns-c" addr add 10.92.0.1/30 dev eth0
ip -n "$ns-b" addr add 10.92.0.2/30 dev eth0
ip -n "$ns-c" link set eth0 up
ip -n "$ns-b" link set eth0 up
ip -n "$ns-c" route add "$BLOCK" via 10.92.0.2
ip -n "$ns-b" route add local "$BLOCK" dev lo
# The scanner's own resolver: nothing (both tools run with -n anyway).
bx() { ip netns exec "$ns-b" "$@"; }
live_set=$(echo "$LIVE" | tr ' ' ',')
bx nft -f - <<EOF
table inet bench {
    chain in {
        type filter hook input priority 0; policy accept;
        ip daddr $BLOCK ip daddr != { $live_set } drop
    }
}
EOF

# --- the services ----------------------------------------------------------------------------
# Host k (0..9) of LIVE: 22 ssh always; 25 smtp when k is even; 80 python http.server when
# k % 3 == 0, 8080 sockdiag serve --http when k % 3 == 1; 443 https when k is odd; 9999
# silent when k % 4 == 0.
EXPECT=$work/expected # "addr port service" lines
: >"$EXPECT"
banner_specs=()
http_py=()
http_sd=()
https=()
k=0
for a in $LIVE; do
    banner_specs+=("$a:22:ssh")
    echo "$a 22 ssh" >>"$EXPECT"
    if [ $((k % 2)) = 0 ]; then banner_specs+=("$a:25:smtp"); echo "$a 25 smtp" >>"$EXPECT"; fi
    case $((k % 3)) in
        0) http_py+=("$a"); echo "$a 80 http" >>"$EXPECT" ;;
        1) http_sd+=("$a:8080"); echo "$a 8080 http" >>"$EXPECT" ;;
    esac
    if [ $((k % 2)) = 1 ]; then https+=("$a"); echo "$a 443 https" >>"$EXPECT"; fi
    if [ $((k % 4)) = 0 ]; then banner_specs+=("$a:9999:silent"); echo "$a 9999 silent" >>"$EXPECT"; fi
    k=$((k + 1))
done

# SSH-like and SMTP-like banners, and the silent server, in one small Python process: each
# client gets its banner at once (none for silent), and the connection stays open until the
# client closes it (or 30 s), as a real daemon waits for the client's next line.
bx python3 - "$work/banners.pid" "${banner_specs[@]}" <<'EOF' >"$work/banners.log" 2>&1 &
import os, selectors, socket, sys, time
pidfile, specs = sys.argv[1], sys.argv[2:]
BANNERS = {
    "ssh": b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5\r\n",
    "smtp": b"220 mail.lab.test ESMTP Postfix (Ubuntu)\r\n",
    "silent": b"",
}
sel = selectors.DefaultSelector()
for spec in specs:
    addr, port, kind = spec.split(":")
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(1024)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, ("listen", kind))
with open(pidfile + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(pidfile + ".tmp", pidfile)
parent, end, opened = os.getppid(), time.time() + 7200, {}
while time.time() < end and os.getppid() == parent:
    for key, _ in sel.select(0.5):
        what, kind = key.data
        if what == "listen":
            try:
                c, _ = key.fileobj.accept()
            except OSError:
                continue
            try:
                c.sendall(BANNERS[kind])
            except OSError:
                c.close()
                continue
            c.setblocking(False)
            sel.register(c, selectors.EVENT_READ, ("conn", kind))
            opened[c] = time.time()
        else:
            c = key.fileobj
            try:
                data = c.recv(4096)
            except OSError:
                data = b""
            if not data:
                sel.unregister(c)
                opened.pop(c, None)
                c.close()
    now = time.time()
    for c, t in list(opened.items()):
        if now - t > 30:
            sel.unregister(c)
            opened.pop(c)
            c.close()
EOF

# HTTPS: one self-signed certificate, openssl s_server -www per address.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
    -subj "/CN=www.lab.test" -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1 ||
    die "openssl could not make a certificate"
for a in "${https[@]}"; do
    bx sh -c 'echo $$ > "$1"; exec openssl s_server -quiet -www -accept "$2:443" -cert "$3" -key "$4" </dev/null' \
        sh "$work/https-$a.pid" "$a" "$work/cert.pem" "$work/key.pem" >/dev/null 2>&1 &
done
for a in "${http_py[@]}"; do
    bx sh -c 'echo $$ > "$1"; cd "$2" && exec python3 -m http.server 80 --bind "$3"' \
        sh "$work/http-$a.pid" "$work" "$a" >/dev/null 2>&1 &
done
if [ ${#http_sd[@]} -gt 0 ]; then
    bx sh -c 'echo $$ > "$1"; shift; exec "$@"' sh "$work/http-sd.pid" \
        "$sockdiag" serve --http --quiet "${http_sd[@]}" >/dev/null 2>&1 &
fi
want=$(wc -l <"$EXPECT")
for _ in $(seq 100); do
    [ "$(bx ss -Hltn | grep -c '10\.93\.0\.')" -ge "$want" ] && break
    sleep 0.1
done
[ "$(bx ss -Hltn | grep -c '10\.93\.0\.')" -ge "$want" ] || {
    bx ss -Hltn >&2
    die "the services did not all start ($want expected)"
}

# --- one run: wall seconds, peak RSS KiB, agreement ------------------------------------------
cmdline() { # tool -> command (run in the scanner's namespace)
    case $1 in
        # shellcheck disable=SC2086
        sockdiag) echo "$sockdiag probe -n --service --json $SD_ARGS $BLOCK" ;;
        # shellcheck disable=SC2086
        sockdiag-Pn) echo "$sockdiag probe -n -Pn --service --json $SD_ARGS $BLOCK" ;;
        nmap) echo "nmap -n -sT -sV --version-light -T4 -oX - $BLOCK" ;;
        nmap-Pn) echo "nmap -n -sT -sV --version-light -T4 -Pn -oX - $BLOCK" ;;
        sockdiag-live) echo "$sockdiag probe -n --service --json $SD_ARGS $(echo "$LIVE" | tr ' ' ',')" ;;
        nmap-live) echo "nmap -n -sT -sV --version-light -T4 -Pn -oX - $LIVE" ;;
    esac
}

# What a run found, as "addr port service" lines: sockdiag's JSON records, nmap's XML.
# Service names are brought to one vocabulary: nmap's `ssl/http` and `https` are https; a
# silent server is nmap's `tcpwrapped`-less guess or sockdiag's `unknown`: both `silent`
# when the tool says it could not tell.
found() {
    python3 - "$1" "$work/out" <<'EOF'
import json, sys
import xml.etree.ElementTree as ET
tool, out = sys.argv[1], sys.argv[2]
rows = []
def norm(name, tunnel=None, guessed=False):
    name = (name or "").lower()
    if tunnel == "ssl" and name in ("http", "https", "http-alt", "http-proxy"):
        return "https"
    if name in ("http-alt", "http-proxy"):
        return "http"
    if name in ("unknown", "tcpwrapped", "") or guessed:
        return "silent"
    return name
if tool.startswith("sockdiag"):
    for l in open(out, errors="replace"):
        try:
            v = json.loads(l)
        except ValueError:
            continue
        if v.get("type") != "probe" or v.get("state") != "open":
            continue
        s = v.get("service") or {}
        rows.append((v["addr"], v["port"], norm(s.get("name"), guessed=s.get("guess", True))))
else:
    try:
        root = ET.parse(out).getroot()
    except ET.ParseError:
        root = None
    for h in (root.findall("host") if root is not None else []):
        a = h.find("address").get("addr")
        for p in h.findall("ports/port"):
            if p.find("state").get("state") != "open":
                continue
            s = p.find("service")
            name = s.get("name") if s is not None else None
            # method="table": nmap only looked the port up in its services file.
            guessed = s is None or s.get("method") == "table"
            rows.append((a, int(p.get("portid")), norm(name, s.get("tunnel") if s is not None else None, guessed)))
for r in sorted(rows, key=lambda r: (tuple(int(x) for x in r[0].split(".")), r[1])):
    print(*r)
EOF
}

run_once() { # tool -> "wall_ms rss_kib"; the findings go to $work/found.$tool
    local tool=$1 cmd t0 t1
    cmd=$(cmdline "$tool")
    t0=$(date +%s%N)
    ip netns exec "$ns-c" timeout $LIMIT /usr/bin/time -f "%M" -o "$work/rss" sh -c "exec $cmd" \
        >"$work/out" 2>"$work/err" || true
    t1=$(date +%s%N)
    found "$tool" >"$work/found.$tool"
    [ -n "${KEEP:-}" ] && cp "$work/out" "$work/out.$tool.$(date +%s%N)"
    echo "$(((t1 - t0) / 1000000)) $(tail -1 "$work/rss")"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Agreement with what the script started: "ports services" right of the expected.
agree() { # file
    python3 - "$EXPECT" "$1" <<'EOF'
import sys
want = {tuple(l.split()[:2]): l.split()[2] for l in open(sys.argv[1]) if l.strip()}
got = {tuple(l.split()[:2]): l.split()[2] for l in open(sys.argv[2]) if l.strip()}
ports = len(set(want) & set(got))
extra = len(set(got) - set(want))
svc = sum(1 for k, v in want.items() if got.get(k) == v)
print(f"{ports}/{len(want)}{'+' + str(extra) if extra else ''} {svc}/{len(want)}")
EOF
}

echo "lab: $BLOCK, $(echo "$LIVE" | wc -w) live hosts, $want open ports ($(cut -d' ' -f3 "$EXPECT" | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep=", "}'))"
declare -A W=() R=() A=() N=()
for tool in $TOOLS; do
    have "$tool" || { W[$tool]=""; continue; }
    reps=$REPS
    [ "$tool" = nmap-Pn ] && reps=$NMAP_REPS
    : >"$work/runs"
    for i in $(seq "$reps"); do
        r=$(run_once "$tool")
        echo "$r $(agree "$work/found.$tool")" >>"$work/runs"
        echo "bench: $tool run $i: $(tail -1 "$work/runs")" >&2
        cp "$work/found.$tool" "$work/found.$tool.last"
    done
    W[$tool]=$(cut -d' ' -f1 "$work/runs" | median)
    R[$tool]=$(cut -d' ' -f2 "$work/runs" | sort -n | tail -1)
    # The worst run's agreement.
    A[$tool]=$(awk '{print $3, $4}' "$work/runs" | sort -t/ -k1,1n | head -1)
    N[$tool]=$reps
done

printf '%-14s %-16s %9s %9s %11s %9s %s\n' run targets wall_s rss_MiB open_ports services runs
for tool in $TOOLS; do
    case $tool in
        nmap | sockdiag) what="/24, discovery" ;;
        *-live) what="10 live hosts" ;;
        *) what="/24, all" ;;
    esac
    [ -n "${W[$tool]:-}" ] || { printf '%-14s %s\n' "$tool" "not installed"; continue; }
    read -r ports svcs <<<"${A[$tool]}"
    awk -v t="$tool" -v what="$what" -v w="${W[$tool]}" -v r="${R[$tool]}" -v p="$ports" \
        -v s="$svcs" -v n="${N[$tool]}" 'BEGIN {
        printf "%-14s %-16s %9.2f %9.1f %11s %9s %s\n", t, what, w/1000, r/1024, p, s, n }'
done
ratio() { # a b why
    [ -n "${W[$1]:-}" ] && [ -n "${W[$2]:-}" ] || return 0
    awk -v a="$1" -v b="$2" -v wa="${W[$1]}" -v wb="${W[$2]}" -v ra="${R[$1]}" -v rb="${R[$2]}" \
        -v why="$3" 'BEGIN { printf "%-14s / %-10s wall %6.3fx  rss %5.2fx  %s\n", a, b, wa/wb, ra/rb, why }'
}
echo
ratio sockdiag nmap "both probe only the hosts their discovery found"
ratio sockdiag-Pn nmap-Pn "like for like: every port of every address"
ratio sockdiag-live nmap-live "the same 10 live hosts: scan and service detection"
echo
# Where the two tools differ, port by port.
for pair in "sockdiag nmap" "sockdiag-Pn nmap-Pn" "sockdiag-live nmap-live"; do
    read -r a b <<<"$pair"
    [ -f "$work/found.$a.last" ] && [ -f "$work/found.$b.last" ] || continue
    d=$(diff "$work/found.$a.last" "$work/found.$b.last" | grep '^[<>]' || true)
    if [ -z "$d" ]; then
        echo "$a and $b: the same open ports and services"
    else
        echo "$a (<) and $b (>) differ:"
        echo "$d" | sed 's/^/  /'
    fi
done
echo "wall: median of runs (sockdiag's target: <= 0.2x nmap's); rss: the largest run's peak;"
echo "open_ports: expected open ports found (+ any not started), services: named as started"
echo "(worst run); nmap names normalised: ssl/http is https, unknown/tcpwrapped/guessed is silent."
