# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sockdiag_global_optspecs
    string join \n format= json color= 4 6 v/verbose q/quiet generate= h/help V/version
end

function __fish_sockdiag_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sockdiag_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sockdiag_using_subcommand
    set -l cmd (__fish_sockdiag_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sockdiag -n "__fish_sockdiag_needs_command" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Aligned table for people'
plain\t'Tab-separated, one line per record, for grep, awk and cut'
json\t'JSON lines, one object per record'"
complete -c sockdiag -n "__fish_sockdiag_needs_command" -l color -d 'When to colour the table (NO_COLOR turns auto off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c sockdiag -n "__fish_sockdiag_needs_command" -l generate -d 'Print a completion script or a man page and exit: bash, zsh, fish, elvish, powershell, man, or man-SUBCOMMAND' -r
complete -c sockdiag -n "__fish_sockdiag_needs_command" -l json -d 'Shorthand for --format json (JSON lines: one object per record)'
complete -c sockdiag -n "__fish_sockdiag_needs_command" -s 4 -d 'IPv4 only'
complete -c sockdiag -n "__fish_sockdiag_needs_command" -s 6 -d 'IPv6 only'
complete -c sockdiag -n "__fish_sockdiag_needs_command" -s v -l verbose -d 'More detail (repeat for more)'
complete -c sockdiag -n "__fish_sockdiag_needs_command" -s q -l quiet -d 'No progress, no notes on stderr: only results and errors'
complete -c sockdiag -n "__fish_sockdiag_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockdiag -n "__fish_sockdiag_needs_command" -s V -l version -d 'Print version'
complete -c sockdiag -n "__fish_sockdiag_needs_command" -f -a "resolve" -d 'Resolve names: every address, the canonical name, reverse names, timing, and why a lookup failed'
complete -c sockdiag -n "__fish_sockdiag_needs_command" -f -a "probe" -d 'Probe ports: open, closed, filtered or unreachable, and why (TCP connect, or UDP with --udp)'
complete -c sockdiag -n "__fish_sockdiag_needs_command" -f -a "connect" -d 'Connect once and report: peer, local address, connect time, TCP_INFO (rtt, mss, cwnd, retransmits), and the data exchanged; or a UNIX socket\'s peer process (SO_PEERCRED)'
complete -c sockdiag -n "__fish_sockdiag_needs_command" -f -a "opts" -d 'Show a socket\'s options as the kernel really applies them: requested, effective, default, and why they differ'
complete -c sockdiag -n "__fish_sockdiag_needs_command" -f -a "serve" -d 'Run test servers: TCP echo, discard, banner or HTTP, and UDP echo; logs every client'
complete -c sockdiag -n "__fish_sockdiag_needs_command" -f -a "http" -d 'HTTP/1.1 check over a plain TCP socket (or TLS): status, headers, body size, timing breakdown'
complete -c sockdiag -n "__fish_sockdiag_needs_command" -f -a "trace" -d 'Trace the path to a port: where on the way a connection dies (TCP, or UDP with --udp), every hop at once, unprivileged; --pmtu adds the path MTU'
complete -c sockdiag -n "__fish_sockdiag_needs_command" -f -a "sockets" -d 'This host\'s sockets, like ss: TCP, UDP, UNIX; queues, processes, TCP_INFO (from the kernel\'s NETLINK_SOCK_DIAG)'
complete -c sockdiag -n "__fish_sockdiag_needs_command" -f -a "ss" -d 'This host\'s sockets, like ss: TCP, UDP, UNIX; queues, processes, TCP_INFO (from the kernel\'s NETLINK_SOCK_DIAG)'
complete -c sockdiag -n "__fish_sockdiag_needs_command" -f -a "exporter" -d 'Serve Prometheus probes (blackbox_exporter\'s /probe contract) with sockdiag\'s reasons'
complete -c sockdiag -n "__fish_sockdiag_needs_command" -f -a "why" -d 'Why can\'t I reach it: name, route, reach, path, transport, TLS and application, layer by layer for every address, and the first layer that fails with its evidence and a fix'
complete -c sockdiag -n "__fish_sockdiag_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -l file -d 'Read names from a file, one per line (`#` starts a comment)' -r -F
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -l jobs -d 'How many names to resolve at once' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -l server -d 'Ask this server directly instead of resolv.conf\'s: ADDR or ADDR:PORT, [V6]:PORT (repeatable; implies --explain)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -l type -d 'Ask for this record type instead of A and AAAA, as `dig -t` (implies --explain)' -r -f -a "A\t''
AAAA\t''
CNAME\t''
MX\t''
TXT\t''
SRV\t''
NS\t''
SOA\t''
PTR\t''
CAA\t''"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Aligned table for people'
plain\t'Tab-separated, one line per record, for grep, awk and cut'
json\t'JSON lines, one object per record'"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -l color -d 'When to colour the table (NO_COLOR turns auto off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -l no-reverse -d 'Do not look up reverse names'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -s x -l explain -d 'Explain each answer: nsswitch.conf\'s hosts line, /etc/hosts, resolv.conf and the names glibc tries, each nameserver asked directly, and where the answer came from'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -l tcp -d 'Ask the servers over TCP (implies --explain)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -l json -d 'Shorthand for --format json (JSON lines: one object per record)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -s 4 -d 'IPv4 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -s 6 -d 'IPv6 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -s v -l verbose -d 'More detail (repeat for more)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -s q -l quiet -d 'No progress, no notes on stderr: only results and errors'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l top -d 'Without PORTS: probe only the first N of the default list (most commonly open first)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l service-timeout -d 'Time for each open port\'s service detection (connect, banner, probe, reply)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l service-concurrency -d 'Most open ports examined at once by --service' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -s P -d '`-Pn`: the same as --no-discovery (nmap\'s spelling; `n` is the only value)' -r -f -a "n\t''"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l targets-file -d 'Read more targets from a file, one list per line (`#` starts a comment); with it, every positional argument is a port' -r -F
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l exclude-ports -d 'Ports not to probe (same forms as PORTS)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l timeout -d 'Deadline of each try; once a host answers, tries end sooner: after its round-trip time plus four times its variation (at least 100ms), unless --no-adapt' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l retries -d 'Further tries for a port that gave no response (at least: more when the host is seen to lose tries, up to 10, unless --no-adapt)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l concurrency -d 'Most probes in flight [default: from the open-files limit, at most 65536; 8192 with --no-adapt]; the engine opens its window up to it while no try is lost' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l max-reask-time -d 'Most time spent asking ports found icmp-rate-limited again, one a second as the sender\'s limiter allows (not with --retries 0); what it leaves stays icmp-rate-limited' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l rate -d 'Most new probes per second (0.001 to 10000000)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l source -d 'Local address to probe from, ADDR or ADDR:PORT ([V6]:PORT)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l interface -d 'Send through this interface only (SO_BINDTODEVICE)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l count -d 'Probe each port N times and show connect-time statistics (min/avg/max/mdev/p95, loss)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l interval -d 'Pause between rounds of --count and --wait' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l wait -d 'Keep probing until every port is open (exit 0, or run the command after --) or this expires (exit 1); a name that does not resolve yet is looked up again each round' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l payload -d 'UDP payload to send [default: a unique token per probe]' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l shard -d 'Probe only part K of N of the (address, port) pairs (K from 0, as a Kubernetes JOB_COMPLETION_INDEX): N copies with K = 0..N-1 cover the scan exactly, no pair twice, parts within one probe of each other; JSON records carry "shard":"K/N"' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l seed -d 'Seed of the order that --shard deals the targets in; every shard must share it' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Aligned table for people'
plain\t'Tab-separated, one line per record, for grep, awk and cut'
json\t'JSON lines, one object per record'"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l color -d 'When to colour the table (NO_COLOR turns auto off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -s V -l service -d 'What answers on each open port: its banner, else one safe probe (HTTP HEAD, or a TLS ClientHello with no certificate check) named in the SERVICE column'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -s n -l no-names -d 'No reverse lookups of probed addresses (the NAME of targets given as addresses)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l up -d 'List only the hosts that answered (open, closed, or an ICMP error from the host itself), and count the hosts up and down'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l no-discovery -d 'No host discovery: probe every address of a multi-host scan, also those that gave no answer on the discovery ports (80, 443, 22, 113); `-Pn` and `--Pn` as nmap spells it'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l first-addr -d 'Probe only the first address a name resolves to'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l no-adapt -d 'TCP: no congestion control, no timeouts from measured round trips, no extra tries when tries are lost: --timeout, --retries and --concurrency exactly as given'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l all -d 'List every port, not only the open ones, when more than 25 were probed'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l run-anyway -d 'With --wait and a command: run it even when the wait times out (its exit code is returned either way)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l udp -d 'UDP: send a datagram and wait for a reply'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l json -d 'Shorthand for --format json (JSON lines: one object per record)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -s 4 -d 'IPv4 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -s 6 -d 'IPv6 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -s v -l verbose -d 'More detail (repeat for more)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -s q -l quiet -d 'No progress, no notes on stderr: only results and errors'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l cacert -d 'With --tls: trust the CA certificates in this PEM file instead of the Mozilla roots' -r -F
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l sni -d 'With --tls: the server name sent (SNI) and checked against the certificate [default: HOST when it is a name; for an address none is sent and the certificate must name it]' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l alpn -d 'With --tls: ALPN protocols to offer, in order, e.g. h2,http/1.1' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l timeout -d 'Deadline of each connect, of the UDP reply, and of each wait for data' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l send -d 'Send this text (then read the reply unless --read/--until-close say otherwise)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l send-file -d 'Send the contents of this file (`-` for stdin)' -r -F
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l read -d 'Read up to N bytes (or until the close or the timeout)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l max-time -d 'Bound the whole run: connects, sending and reading (a stream that never pauses ends here, with read end `max-time`), as curl\'s --max-time' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l source -d 'Local address to connect from, ADDR or ADDR:PORT ([V6]:PORT)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l idle-timeout -d 'Session: end it once no byte has moved either way for this long (UDP: also how long to wait for replies after the end of stdin; else --timeout)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l interface -d 'Connect through this interface only (SO_BINDTODEVICE)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l keepidle -d 'TCP_KEEPIDLE: idle time before the first keepalive probe (whole seconds)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l keepintvl -d 'TCP_KEEPINTVL: time between keepalive probes (whole seconds)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l keepcnt -d 'TCP_KEEPCNT: unanswered probes before the connection is dropped' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l sndbuf -d 'SO_SNDBUF: send buffer size: bytes, or 64KiB, 4MiB' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l rcvbuf -d 'SO_RCVBUF: receive buffer size: bytes, or 64KiB, 4MiB' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l linger -d 'SO_LINGER: how long close() waits for unsent data (whole seconds; 0s resets), or off' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l ttl -d 'IP_TTL (IPV6_UNICAST_HOPS on IPv6): hops a packet may take' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l tos -d 'IP_TOS (IPV6_TCLASS on IPv6): the TOS / traffic class byte, e.g. 0x10' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l user-timeout -d 'TCP_USER_TIMEOUT: drop the connection when sent data stays unacknowledged this long' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l syncnt -d 'TCP_SYNCNT: SYN retransmissions before connect gives up' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Aligned table for people'
plain\t'Tab-separated, one line per record, for grep, awk and cut'
json\t'JSON lines, one object per record'"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l color -d 'When to colour the table (NO_COLOR turns auto off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l udp -d 'A connected UDP socket: send, then wait for the reply within --timeout'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l tls -d 'TLS over the connection (rustls), the handshake within --timeout: the certificate is checked against the Mozilla roots (or --cacert) and HOST (or --sni); then the exchange runs inside it'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l insecure -d 'With --tls: go on without verifying the certificate (a note on stderr says so; the report says verified: false, and what the check would have said)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l no-stdin -d 'Do not send stdin even when it is not a terminal'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l shutdown -d 'Half-close after sending (shutdown SHUT_WR), so the server sees the end of input'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l until-close -d 'Read until the server closes (or nothing arrives for --timeout, or --max-time)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l banner -d 'Read what the server sends first: wait up to --timeout, stop when it pauses'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l hex -d 'Show received data as a hex dump'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -s i -l interactive -d 'Interactive session: stdin to the peer and the peer to stdout, both at once, until both sides close (the default when stdin is a terminal and no one-shot mode is asked)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l crlf -d 'Send each LF as CRLF (an existing CRLF stays as it is): the session\'s input, or --send'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l no-shutdown -d 'Session: keep the write side open at the end of stdin (no half-close) and read on until the peer closes, --idle-timeout or --max-time'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l reuseaddr -d 'SO_REUSEADDR: bind over a TIME_WAIT connection on the same port'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l reuseport -d 'SO_REUSEPORT: share the port with other sockets that set it too'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l keepalive -d 'SO_KEEPALIVE: probe an idle connection'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l nodelay -d 'TCP_NODELAY: send small segments at once (no Nagle)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l v6only -d 'IPV6_V6ONLY: an IPv6 socket that does not take IPv4 (IPv6 sockets only)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l broadcast -d 'SO_BROADCAST: allow sending to a broadcast address (UDP)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -l json -d 'Shorthand for --format json (JSON lines: one object per record)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -s 4 -d 'IPv4 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -s 6 -d 'IPv6 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -s v -l verbose -d 'More detail (repeat for more)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -s q -l quiet -d 'No progress, no notes on stderr: only results and errors'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand connect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l bind -d 'Bind first (ADDR:PORT, [V6]:PORT) and show the local address; a port in use is explained, with who holds it where that can be known' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l connect -d 'Connect (HOST:PORT, [V6]:PORT) and read the options on the connected socket' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l timeout -d 'Deadline of --connect' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l keepidle -d 'TCP_KEEPIDLE: idle time before the first keepalive probe (whole seconds)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l keepintvl -d 'TCP_KEEPINTVL: time between keepalive probes (whole seconds)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l keepcnt -d 'TCP_KEEPCNT: unanswered probes before the connection is dropped' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l sndbuf -d 'SO_SNDBUF: send buffer size: bytes, or 64KiB, 4MiB' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l rcvbuf -d 'SO_RCVBUF: receive buffer size: bytes, or 64KiB, 4MiB' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l linger -d 'SO_LINGER: how long close() waits for unsent data (whole seconds; 0s resets), or off' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l ttl -d 'IP_TTL (IPV6_UNICAST_HOPS on IPv6): hops a packet may take' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l tos -d 'IP_TOS (IPV6_TCLASS on IPv6): the TOS / traffic class byte, e.g. 0x10' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l user-timeout -d 'TCP_USER_TIMEOUT: drop the connection when sent data stays unacknowledged this long' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l syncnt -d 'TCP_SYNCNT: SYN retransmissions before connect gives up' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Aligned table for people'
plain\t'Tab-separated, one line per record, for grep, awk and cut'
json\t'JSON lines, one object per record'"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l color -d 'When to colour the table (NO_COLOR turns auto off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l udp -d 'A UDP socket (SO_BROADCAST and the UDP options) instead of TCP'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l listen -d 'Also listen (TCP; on an ephemeral port without --bind)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l reuseaddr -d 'SO_REUSEADDR: bind over a TIME_WAIT connection on the same port'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l reuseport -d 'SO_REUSEPORT: share the port with other sockets that set it too'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l keepalive -d 'SO_KEEPALIVE: probe an idle connection'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l nodelay -d 'TCP_NODELAY: send small segments at once (no Nagle)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l v6only -d 'IPV6_V6ONLY: an IPv6 socket that does not take IPv4 (IPv6 sockets only)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l broadcast -d 'SO_BROADCAST: allow sending to a broadcast address (UDP)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -l json -d 'Shorthand for --format json (JSON lines: one object per record)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -s 4 -d 'IPv4 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -s 6 -d 'IPv6 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -s v -l verbose -d 'More detail (repeat for more)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -s q -l quiet -d 'No progress, no notes on stderr: only results and errors'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand opts" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -l banner -d 'Write TEXT (and CRLF unless it ends with a newline) to each client, then close (UDP: reply TEXT to each datagram)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -l max-clients -d 'Most TCP clients at once; more are accepted and reset at once, and logged' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -l idle-timeout -d 'Close a connection after this long with no traffic either way' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -l max-bytes -d 'Close a connection once the client has sent this many bytes (1000, 64k = 64KiB, 64kB = 64000, 10M)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -l duration -d 'Stop after this long' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -l socket-mode -d 'The permission bits of each UNIX socket file (octal, e.g. 0660; connecting needs write permission); without it the umask decides' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Aligned table for people'
plain\t'Tab-separated, one line per record, for grep, awk and cut'
json\t'JSON lines, one object per record'"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -l color -d 'When to colour the table (NO_COLOR turns auto off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -l echo -d 'Send every byte back (the default)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -l discard -d 'Read and drop everything (UDP: no reply)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -l http -d 'Answer every HTTP/1.x request with 200 and a small body (keep-alive as asked)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -l udp -d 'Serve UDP (datagram echo) instead of TCP'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -l tcp -d 'With --udp: serve TCP as well, on the same addresses'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -l once -d 'Serve one client (or one datagram, when only UDP is served), then stop'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -l json -d 'Shorthand for --format json (JSON lines: one object per record)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -s 4 -d 'IPv4 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -s 6 -d 'IPv6 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -s v -l verbose -d 'More detail (repeat for more)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -s q -l quiet -d 'No progress, no notes on stderr: only results and errors'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand http" -s H -l header -d 'Add a request header NAME:VALUE (repeatable; replaces a default of the same name)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand http" -l timeout -d 'Deadline for each whole exchange: connects, TLS, request, response (every step)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand http" -l count -d 'Make N requests (a new connection each) and show min/avg/max per phase' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand http" -l cacert -d 'https: trust the CA certificates in this PEM file instead of the built-in Mozilla roots' -r -F
complete -c sockdiag -n "__fish_sockdiag_using_subcommand http" -l interval -d 'Pause between the requests of --count' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand http" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Aligned table for people'
plain\t'Tab-separated, one line per record, for grep, awk and cut'
json\t'JSON lines, one object per record'"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand http" -l color -d 'When to colour the table (NO_COLOR turns auto off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand http" -l head -d 'Send HEAD instead of GET (no body is read)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand http" -l json -d 'Shorthand for --format json (JSON lines: one object per record)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand http" -s 4 -d 'IPv4 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand http" -s 6 -d 'IPv6 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand http" -s v -l verbose -d 'More detail (repeat for more)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand http" -s q -l quiet -d 'No progress, no notes on stderr: only results and errors'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand http" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand trace" -l max-hops -d 'The largest TTL (hop limit) probed' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand trace" -l first-hop -d 'The TTL to start from' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand trace" -l queries -d 'Probes per hop' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand trace" -l timeout -d 'Deadline of each probe' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand trace" -l source -d 'Local address to send from (an address: each probe has its own port)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand trace" -l interface -d 'Send through this interface only (SO_BINDTODEVICE)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand trace" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Aligned table for people'
plain\t'Tab-separated, one line per record, for grep, awk and cut'
json\t'JSON lines, one object per record'"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand trace" -l color -d 'When to colour the table (NO_COLOR turns auto off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand trace" -l udp -d 'UDP datagrams to PORT instead of TCP connects'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand trace" -s n -l numeric -d 'No reverse names for the hops'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand trace" -l pmtu -d 'Also find the path MTU: DF-set probes, the MTU each router reports, black holes'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand trace" -l first-addr -d 'Trace only the first address a name resolves to'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand trace" -l json -d 'Shorthand for --format json (JSON lines: one object per record)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand trace" -s 4 -d 'IPv4 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand trace" -s 6 -d 'IPv6 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand trace" -s v -l verbose -d 'More detail (repeat for more)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand trace" -s q -l quiet -d 'No progress, no notes on stderr: only results and errors'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand trace" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -l state -d 'Only these states, comma-separated: established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, close-wait, last-ack, listen, closing, unconnected, or the groups connected and all' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -l port -d 'Either end on these ports: 443, 8000-8100, 22,80, service names (https)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -l local -d 'Local end: ADDR, ADDR:PORT, [V6]:PORT, a CIDR block, or :PORT' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -l peer -d 'Peer end: ADDR, a CIDR block (10.0.0.0/8), with :PORT, or :PORT alone' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -l pid -d 'Sockets this process holds (repeat for more)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -l process -d 'Sockets held by processes with this command name (as ps -o comm shows it)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -l uid -d 'Sockets owned by this user id (repeat for more)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -l sort -d 'Order of the list (rtt, retrans and age read TCP_INFO)' -r -f -a "rtt\t'Highest round-trip time first'
send-q\t'Largest send queue first'
recv-q\t'Largest receive queue first'
retrans\t'Most retransmitted segments first'
age\t'Longest since data last went either way first'
port\t'Local port, then peer port'"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -l top -d 'Show at most N sockets (with --sort: the first N in that order; with --summary: the top N processes, default 10)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -l watch -d 'List again every DURATION and show what changed: new, gone, changed (state, or a queue that grew); Ctrl-C ends it' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -l count -d 'With --watch: stop after N rounds' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Aligned table for people'
plain\t'Tab-separated, one line per record, for grep, awk and cut'
json\t'JSON lines, one object per record'"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -l color -d 'When to colour the table (NO_COLOR turns auto off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -l tcp -d 'TCP sockets (with --udp: both; neither: both)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -l udp -d 'UDP sockets (with --tcp: both; neither: both)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -l unix -d 'Add UNIX sockets: path (@ for an abstract name), type, peer inode'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -s l -l listening -d 'Listening sockets only: TCP and UNIX listeners, unconnected UDP and datagram sockets'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -l no-process -d 'Do not look for the processes holding the sockets (no pass over /proc)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -l summary -d 'Counts per protocol, family and state, and the processes holding the most sockets'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -l json -d 'Shorthand for --format json (JSON lines: one object per record)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -s 4 -d 'IPv4 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -s 6 -d 'IPv6 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -s v -l verbose -d 'More detail (repeat for more)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -s q -l quiet -d 'No progress, no notes on stderr: only results and errors'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand sockets" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -l state -d 'Only these states, comma-separated: established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, close-wait, last-ack, listen, closing, unconnected, or the groups connected and all' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -l port -d 'Either end on these ports: 443, 8000-8100, 22,80, service names (https)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -l local -d 'Local end: ADDR, ADDR:PORT, [V6]:PORT, a CIDR block, or :PORT' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -l peer -d 'Peer end: ADDR, a CIDR block (10.0.0.0/8), with :PORT, or :PORT alone' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -l pid -d 'Sockets this process holds (repeat for more)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -l process -d 'Sockets held by processes with this command name (as ps -o comm shows it)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -l uid -d 'Sockets owned by this user id (repeat for more)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -l sort -d 'Order of the list (rtt, retrans and age read TCP_INFO)' -r -f -a "rtt\t'Highest round-trip time first'
send-q\t'Largest send queue first'
recv-q\t'Largest receive queue first'
retrans\t'Most retransmitted segments first'
age\t'Longest since data last went either way first'
port\t'Local port, then peer port'"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -l top -d 'Show at most N sockets (with --sort: the first N in that order; with --summary: the top N processes, default 10)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -l watch -d 'List again every DURATION and show what changed: new, gone, changed (state, or a queue that grew); Ctrl-C ends it' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -l count -d 'With --watch: stop after N rounds' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Aligned table for people'
plain\t'Tab-separated, one line per record, for grep, awk and cut'
json\t'JSON lines, one object per record'"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -l color -d 'When to colour the table (NO_COLOR turns auto off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -l tcp -d 'TCP sockets (with --udp: both; neither: both)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -l udp -d 'UDP sockets (with --tcp: both; neither: both)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -l unix -d 'Add UNIX sockets: path (@ for an abstract name), type, peer inode'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -s l -l listening -d 'Listening sockets only: TCP and UNIX listeners, unconnected UDP and datagram sockets'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -l no-process -d 'Do not look for the processes holding the sockets (no pass over /proc)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -l summary -d 'Counts per protocol, family and state, and the processes holding the most sockets'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -l json -d 'Shorthand for --format json (JSON lines: one object per record)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -s 4 -d 'IPv4 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -s 6 -d 'IPv6 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -s v -l verbose -d 'More detail (repeat for more)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -s q -l quiet -d 'No progress, no notes on stderr: only results and errors'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand ss" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand exporter" -l listen -d 'Where to listen, ADDR:PORT or [V6]:PORT (port 0 picks a free port; the first line printed says which)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand exporter" -l config -d 'A TOML file of modules ([modules.NAME] prober = "tcp"|"http"|"udp"|"dns", timeout, [modules.NAME.tcp] send/expect, [modules.NAME.http] valid_status_codes, method, headers, tls, ca_file, follow_redirects); they add to the defaults, and replace one of the same name' -r -F
complete -c sockdiag -n "__fish_sockdiag_using_subcommand exporter" -l allow-targets -d 'Only these targets may be probed: comma-separated blocks, addresses and names (10.0.0.0/8,192.0.2.7,db.example.test,*.lab.example.test); others get 403. A name not listed is allowed when every address it has is; a name under a wildcard is not when it has a loopback or link-local address that is not listed. Checked on every redirect hop, and only the checked addresses are connected to [default: any target]' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand exporter" -l max-concurrent -d 'Most probes at once; more get 503 at once' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand exporter" -l max-connections -d 'Most connections open at once, apart from the probes in flight (a client slow to send its request holds one for at most 3s); when full, the one that has waited longest for its request head is shed with 503' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand exporter" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Aligned table for people'
plain\t'Tab-separated, one line per record, for grep, awk and cut'
json\t'JSON lines, one object per record'"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand exporter" -l color -d 'When to colour the table (NO_COLOR turns auto off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand exporter" -l json -d 'Shorthand for --format json (JSON lines: one object per record)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand exporter" -s 4 -d 'IPv4 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand exporter" -s 6 -d 'IPv6 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand exporter" -s v -l verbose -d 'More detail (repeat for more)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand exporter" -s q -l quiet -d 'No progress, no notes on stderr: only results and errors'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand exporter" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand why" -l targets-file -d 'Diagnose every target of this file (`-`: stdin) concurrently: one per line, as TARGET [PORT] are given; blank lines and # comments skipped' -r -F
complete -c sockdiag -n "__fish_sockdiag_using_subcommand why" -l cacert -d 'Trust the CA certificates in this PEM file instead of the Mozilla roots' -r -F
complete -c sockdiag -n "__fish_sockdiag_using_subcommand why" -l http -d 'GET this path (default /) and judge the HTTP status (4xx and 5xx fail)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand why" -l expect -d 'The banner (or, with --http, the response head) must match this regular expression' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand why" -l timeout -d 'Deadline of each probe try and trace probe (a TLS handshake and an HTTP exchange get five times as long, at least 2s)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand why" -l queries -d 'Trace probes per hop' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand why" -l max-hops -d 'The largest TTL (hop limit) the trace probes' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand why" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Aligned table for people'
plain\t'Tab-separated, one line per record, for grep, awk and cut'
json\t'JSON lines, one object per record'"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand why" -l color -d 'When to colour the table (NO_COLOR turns auto off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand why" -l tls -d 'TLS over the connection (implied by ports 443, 465, 636, 853, 993, 995 and https://)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand why" -l no-trace -d 'Do not trace the path of an address whose port is not open'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand why" -l json -d 'Shorthand for --format json (JSON lines: one object per record)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand why" -s 4 -d 'IPv4 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand why" -s 6 -d 'IPv6 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand why" -s v -l verbose -d 'More detail (repeat for more)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand why" -s q -l quiet -d 'No progress, no notes on stderr: only results and errors'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand why" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand help; and not __fish_seen_subcommand_from resolve probe connect opts serve http trace sockets exporter why help" -f -a "resolve" -d 'Resolve names: every address, the canonical name, reverse names, timing, and why a lookup failed'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand help; and not __fish_seen_subcommand_from resolve probe connect opts serve http trace sockets exporter why help" -f -a "probe" -d 'Probe ports: open, closed, filtered or unreachable, and why (TCP connect, or UDP with --udp)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand help; and not __fish_seen_subcommand_from resolve probe connect opts serve http trace sockets exporter why help" -f -a "connect" -d 'Connect once and report: peer, local address, connect time, TCP_INFO (rtt, mss, cwnd, retransmits), and the data exchanged; or a UNIX socket\'s peer process (SO_PEERCRED)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand help; and not __fish_seen_subcommand_from resolve probe connect opts serve http trace sockets exporter why help" -f -a "opts" -d 'Show a socket\'s options as the kernel really applies them: requested, effective, default, and why they differ'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand help; and not __fish_seen_subcommand_from resolve probe connect opts serve http trace sockets exporter why help" -f -a "serve" -d 'Run test servers: TCP echo, discard, banner or HTTP, and UDP echo; logs every client'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand help; and not __fish_seen_subcommand_from resolve probe connect opts serve http trace sockets exporter why help" -f -a "http" -d 'HTTP/1.1 check over a plain TCP socket (or TLS): status, headers, body size, timing breakdown'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand help; and not __fish_seen_subcommand_from resolve probe connect opts serve http trace sockets exporter why help" -f -a "trace" -d 'Trace the path to a port: where on the way a connection dies (TCP, or UDP with --udp), every hop at once, unprivileged; --pmtu adds the path MTU'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand help; and not __fish_seen_subcommand_from resolve probe connect opts serve http trace sockets exporter why help" -f -a "sockets" -d 'This host\'s sockets, like ss: TCP, UDP, UNIX; queues, processes, TCP_INFO (from the kernel\'s NETLINK_SOCK_DIAG)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand help; and not __fish_seen_subcommand_from resolve probe connect opts serve http trace sockets exporter why help" -f -a "exporter" -d 'Serve Prometheus probes (blackbox_exporter\'s /probe contract) with sockdiag\'s reasons'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand help; and not __fish_seen_subcommand_from resolve probe connect opts serve http trace sockets exporter why help" -f -a "why" -d 'Why can\'t I reach it: name, route, reach, path, transport, TLS and application, layer by layer for every address, and the first layer that fails with its evidence and a fix'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand help; and not __fish_seen_subcommand_from resolve probe connect opts serve http trace sockets exporter why help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
