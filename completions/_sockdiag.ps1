
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sockdiag' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sockdiag'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'sockdiag' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table on a terminal, plain otherwise]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the table (NO_COLOR turns auto off)')
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Print a completion script or a man page and exit: bash, zsh, fish, elvish, powershell, man, or man-SUBCOMMAND')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json (JSON lines: one object per record)')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'IPv4 only')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'IPv6 only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'Resolve names: every address, the canonical name, reverse names, timing, and why a lookup failed')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Probe ports: open, closed, filtered or unreachable, and why (TCP connect, or UDP with --udp)')
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Connect once and report: peer, local address, connect time, TCP_INFO (rtt, mss, cwnd, retransmits), and the data exchanged; or a UNIX socket''s peer process (SO_PEERCRED)')
            [CompletionResult]::new('opts', 'opts', [CompletionResultType]::ParameterValue, 'Show a socket''s options as the kernel really applies them: requested, effective, default, and why they differ')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run test servers: TCP echo, discard, banner or HTTP, and UDP echo; logs every client')
            [CompletionResult]::new('http', 'http', [CompletionResultType]::ParameterValue, 'HTTP/1.1 check over a plain TCP socket (or TLS): status, headers, body size, timing breakdown')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Trace the path to a port: where on the way a connection dies (TCP, or UDP with --udp), every hop at once, unprivileged; --pmtu adds the path MTU')
            [CompletionResult]::new('sockets', 'sockets', [CompletionResultType]::ParameterValue, 'This host''s sockets, like ss: TCP, UDP, UNIX; queues, processes, TCP_INFO (from the kernel''s NETLINK_SOCK_DIAG)')
            [CompletionResult]::new('ss', 'ss', [CompletionResultType]::ParameterValue, 'This host''s sockets, like ss: TCP, UDP, UNIX; queues, processes, TCP_INFO (from the kernel''s NETLINK_SOCK_DIAG)')
            [CompletionResult]::new('exporter', 'exporter', [CompletionResultType]::ParameterValue, 'Serve Prometheus probes (blackbox_exporter''s /probe contract) with sockdiag''s reasons')
            [CompletionResult]::new('why', 'why', [CompletionResultType]::ParameterValue, 'Why can''t I reach it: name, route, reach, path, transport, TLS and application, layer by layer for every address, and the first layer that fails with its evidence and a fix')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sockdiag;resolve' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Read names from a file, one per line (`#` starts a comment)')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'How many names to resolve at once')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Ask this server directly instead of resolv.conf''s: ADDR or ADDR:PORT, [V6]:PORT (repeatable; implies --explain)')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Ask for this record type instead of A and AAAA, as `dig -t` (implies --explain)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table on a terminal, plain otherwise]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the table (NO_COLOR turns auto off)')
            [CompletionResult]::new('--no-reverse', '--no-reverse', [CompletionResultType]::ParameterName, 'Do not look up reverse names')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Explain each answer: nsswitch.conf''s hosts line, /etc/hosts, resolv.conf and the names glibc tries, each nameserver asked directly, and where the answer came from')
            [CompletionResult]::new('--explain', '--explain', [CompletionResultType]::ParameterName, 'Explain each answer: nsswitch.conf''s hosts line, /etc/hosts, resolv.conf and the names glibc tries, each nameserver asked directly, and where the answer came from')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'Ask the servers over TCP (implies --explain)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json (JSON lines: one object per record)')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'IPv4 only')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'IPv6 only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sockdiag;probe' {
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'Without PORTS: probe only the first N of the default list (most commonly open first)')
            [CompletionResult]::new('--service-timeout', '--service-timeout', [CompletionResultType]::ParameterName, 'Time for each open port''s service detection (connect, banner, probe, reply)')
            [CompletionResult]::new('--service-concurrency', '--service-concurrency', [CompletionResultType]::ParameterName, 'Most open ports examined at once by --service')
            [CompletionResult]::new('-P', '-P ', [CompletionResultType]::ParameterName, '`-Pn`: the same as --no-discovery (nmap''s spelling; `n` is the only value)')
            [CompletionResult]::new('--targets-file', '--targets-file', [CompletionResultType]::ParameterName, 'Read more targets from a file, one list per line (`#` starts a comment); with it, every positional argument is a port')
            [CompletionResult]::new('--exclude-ports', '--exclude-ports', [CompletionResultType]::ParameterName, 'Ports not to probe (same forms as PORTS)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline of each try; once a host answers, tries end sooner: after its round-trip time plus four times its variation (at least 100ms), unless --no-adapt')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Further tries for a port that gave no response (at least: more when the host is seen to lose tries, up to 10, unless --no-adapt)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Most probes in flight [default: from the open-files limit, at most 65536; 8192 with --no-adapt]; the engine opens its window up to it while no try is lost')
            [CompletionResult]::new('--max-reask-time', '--max-reask-time', [CompletionResultType]::ParameterName, 'Most time spent asking ports found icmp-rate-limited again, one a second as the sender''s limiter allows (not with --retries 0); what it leaves stays icmp-rate-limited')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Most new probes per second (0.001 to 10000000)')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Local address to probe from, ADDR or ADDR:PORT ([V6]:PORT)')
            [CompletionResult]::new('--interface', '--interface', [CompletionResultType]::ParameterName, 'Send through this interface only (SO_BINDTODEVICE)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Probe each port N times and show connect-time statistics (min/avg/max/mdev/p95, loss)')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Pause between rounds of --count and --wait')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Keep probing until every port is open (exit 0, or run the command after --) or this expires (exit 1); a name that does not resolve yet is looked up again each round')
            [CompletionResult]::new('--payload', '--payload', [CompletionResultType]::ParameterName, 'UDP payload to send [default: a unique token per probe]')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Probe only part K of N of the (address, port) pairs (K from 0, as a Kubernetes JOB_COMPLETION_INDEX): N copies with K = 0..N-1 cover the scan exactly, no pair twice, parts within one probe of each other; JSON records carry "shard":"K/N"')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed of the order that --shard deals the targets in; every shard must share it')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table on a terminal, plain otherwise]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the table (NO_COLOR turns auto off)')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'What answers on each open port: its banner, else one safe probe (HTTP HEAD, or a TLS ClientHello with no certificate check) named in the SERVICE column')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'What answers on each open port: its banner, else one safe probe (HTTP HEAD, or a TLS ClientHello with no certificate check) named in the SERVICE column')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'No reverse lookups of probed addresses (the NAME of targets given as addresses)')
            [CompletionResult]::new('--no-names', '--no-names', [CompletionResultType]::ParameterName, 'No reverse lookups of probed addresses (the NAME of targets given as addresses)')
            [CompletionResult]::new('--up', '--up', [CompletionResultType]::ParameterName, 'List only the hosts that answered (open, closed, or an ICMP error from the host itself), and count the hosts up and down')
            [CompletionResult]::new('--no-discovery', '--no-discovery', [CompletionResultType]::ParameterName, 'No host discovery: probe every address of a multi-host scan, also those that gave no answer on the discovery ports (80, 443, 22, 113); `-Pn` and `--Pn` as nmap spells it')
            [CompletionResult]::new('--first-addr', '--first-addr', [CompletionResultType]::ParameterName, 'Probe only the first address a name resolves to')
            [CompletionResult]::new('--no-adapt', '--no-adapt', [CompletionResultType]::ParameterName, 'TCP: no congestion control, no timeouts from measured round trips, no extra tries when tries are lost: --timeout, --retries and --concurrency exactly as given')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'List every port, not only the open ones, when more than 25 were probed')
            [CompletionResult]::new('--run-anyway', '--run-anyway', [CompletionResultType]::ParameterName, 'With --wait and a command: run it even when the wait times out (its exit code is returned either way)')
            [CompletionResult]::new('--udp', '--udp', [CompletionResultType]::ParameterName, 'UDP: send a datagram and wait for a reply')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json (JSON lines: one object per record)')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'IPv4 only')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'IPv6 only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sockdiag;connect' {
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'With --tls: trust the CA certificates in this PEM file instead of the Mozilla roots')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'With --tls: the server name sent (SNI) and checked against the certificate [default: HOST when it is a name; for an address none is sent and the certificate must name it]')
            [CompletionResult]::new('--alpn', '--alpn', [CompletionResultType]::ParameterName, 'With --tls: ALPN protocols to offer, in order, e.g. h2,http/1.1')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline of each connect, of the UDP reply, and of each wait for data')
            [CompletionResult]::new('--send', '--send', [CompletionResultType]::ParameterName, 'Send this text (then read the reply unless --read/--until-close say otherwise)')
            [CompletionResult]::new('--send-file', '--send-file', [CompletionResultType]::ParameterName, 'Send the contents of this file (`-` for stdin)')
            [CompletionResult]::new('--read', '--read', [CompletionResultType]::ParameterName, 'Read up to N bytes (or until the close or the timeout)')
            [CompletionResult]::new('--max-time', '--max-time', [CompletionResultType]::ParameterName, 'Bound the whole run: connects, sending and reading (a stream that never pauses ends here, with read end `max-time`), as curl''s --max-time')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Local address to connect from, ADDR or ADDR:PORT ([V6]:PORT)')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Session: end it once no byte has moved either way for this long (UDP: also how long to wait for replies after the end of stdin; else --timeout)')
            [CompletionResult]::new('--interface', '--interface', [CompletionResultType]::ParameterName, 'Connect through this interface only (SO_BINDTODEVICE)')
            [CompletionResult]::new('--keepidle', '--keepidle', [CompletionResultType]::ParameterName, 'TCP_KEEPIDLE: idle time before the first keepalive probe (whole seconds)')
            [CompletionResult]::new('--keepintvl', '--keepintvl', [CompletionResultType]::ParameterName, 'TCP_KEEPINTVL: time between keepalive probes (whole seconds)')
            [CompletionResult]::new('--keepcnt', '--keepcnt', [CompletionResultType]::ParameterName, 'TCP_KEEPCNT: unanswered probes before the connection is dropped')
            [CompletionResult]::new('--sndbuf', '--sndbuf', [CompletionResultType]::ParameterName, 'SO_SNDBUF: send buffer size: bytes, or 64KiB, 4MiB')
            [CompletionResult]::new('--rcvbuf', '--rcvbuf', [CompletionResultType]::ParameterName, 'SO_RCVBUF: receive buffer size: bytes, or 64KiB, 4MiB')
            [CompletionResult]::new('--linger', '--linger', [CompletionResultType]::ParameterName, 'SO_LINGER: how long close() waits for unsent data (whole seconds; 0s resets), or off')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'IP_TTL (IPV6_UNICAST_HOPS on IPv6): hops a packet may take')
            [CompletionResult]::new('--tos', '--tos', [CompletionResultType]::ParameterName, 'IP_TOS (IPV6_TCLASS on IPv6): the TOS / traffic class byte, e.g. 0x10')
            [CompletionResult]::new('--user-timeout', '--user-timeout', [CompletionResultType]::ParameterName, 'TCP_USER_TIMEOUT: drop the connection when sent data stays unacknowledged this long')
            [CompletionResult]::new('--syncnt', '--syncnt', [CompletionResultType]::ParameterName, 'TCP_SYNCNT: SYN retransmissions before connect gives up')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table on a terminal, plain otherwise]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the table (NO_COLOR turns auto off)')
            [CompletionResult]::new('--udp', '--udp', [CompletionResultType]::ParameterName, 'A connected UDP socket: send, then wait for the reply within --timeout')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'TLS over the connection (rustls), the handshake within --timeout: the certificate is checked against the Mozilla roots (or --cacert) and HOST (or --sni); then the exchange runs inside it')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'With --tls: go on without verifying the certificate (a note on stderr says so; the report says verified: false, and what the check would have said)')
            [CompletionResult]::new('--no-stdin', '--no-stdin', [CompletionResultType]::ParameterName, 'Do not send stdin even when it is not a terminal')
            [CompletionResult]::new('--shutdown', '--shutdown', [CompletionResultType]::ParameterName, 'Half-close after sending (shutdown SHUT_WR), so the server sees the end of input')
            [CompletionResult]::new('--until-close', '--until-close', [CompletionResultType]::ParameterName, 'Read until the server closes (or nothing arrives for --timeout, or --max-time)')
            [CompletionResult]::new('--banner', '--banner', [CompletionResultType]::ParameterName, 'Read what the server sends first: wait up to --timeout, stop when it pauses')
            [CompletionResult]::new('--hex', '--hex', [CompletionResultType]::ParameterName, 'Show received data as a hex dump')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Interactive session: stdin to the peer and the peer to stdout, both at once, until both sides close (the default when stdin is a terminal and no one-shot mode is asked)')
            [CompletionResult]::new('--interactive', '--interactive', [CompletionResultType]::ParameterName, 'Interactive session: stdin to the peer and the peer to stdout, both at once, until both sides close (the default when stdin is a terminal and no one-shot mode is asked)')
            [CompletionResult]::new('--crlf', '--crlf', [CompletionResultType]::ParameterName, 'Send each LF as CRLF (an existing CRLF stays as it is): the session''s input, or --send')
            [CompletionResult]::new('--no-shutdown', '--no-shutdown', [CompletionResultType]::ParameterName, 'Session: keep the write side open at the end of stdin (no half-close) and read on until the peer closes, --idle-timeout or --max-time')
            [CompletionResult]::new('--reuseaddr', '--reuseaddr', [CompletionResultType]::ParameterName, 'SO_REUSEADDR: bind over a TIME_WAIT connection on the same port')
            [CompletionResult]::new('--reuseport', '--reuseport', [CompletionResultType]::ParameterName, 'SO_REUSEPORT: share the port with other sockets that set it too')
            [CompletionResult]::new('--keepalive', '--keepalive', [CompletionResultType]::ParameterName, 'SO_KEEPALIVE: probe an idle connection')
            [CompletionResult]::new('--nodelay', '--nodelay', [CompletionResultType]::ParameterName, 'TCP_NODELAY: send small segments at once (no Nagle)')
            [CompletionResult]::new('--v6only', '--v6only', [CompletionResultType]::ParameterName, 'IPV6_V6ONLY: an IPv6 socket that does not take IPv4 (IPv6 sockets only)')
            [CompletionResult]::new('--broadcast', '--broadcast', [CompletionResultType]::ParameterName, 'SO_BROADCAST: allow sending to a broadcast address (UDP)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json (JSON lines: one object per record)')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'IPv4 only')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'IPv6 only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sockdiag;opts' {
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Bind first (ADDR:PORT, [V6]:PORT) and show the local address; a port in use is explained, with who holds it where that can be known')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Connect (HOST:PORT, [V6]:PORT) and read the options on the connected socket')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline of --connect')
            [CompletionResult]::new('--keepidle', '--keepidle', [CompletionResultType]::ParameterName, 'TCP_KEEPIDLE: idle time before the first keepalive probe (whole seconds)')
            [CompletionResult]::new('--keepintvl', '--keepintvl', [CompletionResultType]::ParameterName, 'TCP_KEEPINTVL: time between keepalive probes (whole seconds)')
            [CompletionResult]::new('--keepcnt', '--keepcnt', [CompletionResultType]::ParameterName, 'TCP_KEEPCNT: unanswered probes before the connection is dropped')
            [CompletionResult]::new('--sndbuf', '--sndbuf', [CompletionResultType]::ParameterName, 'SO_SNDBUF: send buffer size: bytes, or 64KiB, 4MiB')
            [CompletionResult]::new('--rcvbuf', '--rcvbuf', [CompletionResultType]::ParameterName, 'SO_RCVBUF: receive buffer size: bytes, or 64KiB, 4MiB')
            [CompletionResult]::new('--linger', '--linger', [CompletionResultType]::ParameterName, 'SO_LINGER: how long close() waits for unsent data (whole seconds; 0s resets), or off')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'IP_TTL (IPV6_UNICAST_HOPS on IPv6): hops a packet may take')
            [CompletionResult]::new('--tos', '--tos', [CompletionResultType]::ParameterName, 'IP_TOS (IPV6_TCLASS on IPv6): the TOS / traffic class byte, e.g. 0x10')
            [CompletionResult]::new('--user-timeout', '--user-timeout', [CompletionResultType]::ParameterName, 'TCP_USER_TIMEOUT: drop the connection when sent data stays unacknowledged this long')
            [CompletionResult]::new('--syncnt', '--syncnt', [CompletionResultType]::ParameterName, 'TCP_SYNCNT: SYN retransmissions before connect gives up')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table on a terminal, plain otherwise]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the table (NO_COLOR turns auto off)')
            [CompletionResult]::new('--udp', '--udp', [CompletionResultType]::ParameterName, 'A UDP socket (SO_BROADCAST and the UDP options) instead of TCP')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Also listen (TCP; on an ephemeral port without --bind)')
            [CompletionResult]::new('--reuseaddr', '--reuseaddr', [CompletionResultType]::ParameterName, 'SO_REUSEADDR: bind over a TIME_WAIT connection on the same port')
            [CompletionResult]::new('--reuseport', '--reuseport', [CompletionResultType]::ParameterName, 'SO_REUSEPORT: share the port with other sockets that set it too')
            [CompletionResult]::new('--keepalive', '--keepalive', [CompletionResultType]::ParameterName, 'SO_KEEPALIVE: probe an idle connection')
            [CompletionResult]::new('--nodelay', '--nodelay', [CompletionResultType]::ParameterName, 'TCP_NODELAY: send small segments at once (no Nagle)')
            [CompletionResult]::new('--v6only', '--v6only', [CompletionResultType]::ParameterName, 'IPV6_V6ONLY: an IPv6 socket that does not take IPv4 (IPv6 sockets only)')
            [CompletionResult]::new('--broadcast', '--broadcast', [CompletionResultType]::ParameterName, 'SO_BROADCAST: allow sending to a broadcast address (UDP)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json (JSON lines: one object per record)')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'IPv4 only')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'IPv6 only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sockdiag;serve' {
            [CompletionResult]::new('--banner', '--banner', [CompletionResultType]::ParameterName, 'Write TEXT (and CRLF unless it ends with a newline) to each client, then close (UDP: reply TEXT to each datagram)')
            [CompletionResult]::new('--max-clients', '--max-clients', [CompletionResultType]::ParameterName, 'Most TCP clients at once; more are accepted and reset at once, and logged')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Close a connection after this long with no traffic either way')
            [CompletionResult]::new('--max-bytes', '--max-bytes', [CompletionResultType]::ParameterName, 'Close a connection once the client has sent this many bytes (1000, 64k = 64KiB, 64kB = 64000, 10M)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Stop after this long')
            [CompletionResult]::new('--socket-mode', '--socket-mode', [CompletionResultType]::ParameterName, 'The permission bits of each UNIX socket file (octal, e.g. 0660; connecting needs write permission); without it the umask decides')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table on a terminal, plain otherwise]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the table (NO_COLOR turns auto off)')
            [CompletionResult]::new('--echo', '--echo', [CompletionResultType]::ParameterName, 'Send every byte back (the default)')
            [CompletionResult]::new('--discard', '--discard', [CompletionResultType]::ParameterName, 'Read and drop everything (UDP: no reply)')
            [CompletionResult]::new('--http', '--http', [CompletionResultType]::ParameterName, 'Answer every HTTP/1.x request with 200 and a small body (keep-alive as asked)')
            [CompletionResult]::new('--udp', '--udp', [CompletionResultType]::ParameterName, 'Serve UDP (datagram echo) instead of TCP')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'With --udp: serve TCP as well, on the same addresses')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'Serve one client (or one datagram, when only UDP is served), then stop')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json (JSON lines: one object per record)')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'IPv4 only')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'IPv6 only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sockdiag;http' {
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Add a request header NAME:VALUE (repeatable; replaces a default of the same name)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Add a request header NAME:VALUE (repeatable; replaces a default of the same name)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline for each whole exchange: connects, TLS, request, response (every step)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Make N requests (a new connection each) and show min/avg/max per phase')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'https: trust the CA certificates in this PEM file instead of the built-in Mozilla roots')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Pause between the requests of --count')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table on a terminal, plain otherwise]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the table (NO_COLOR turns auto off)')
            [CompletionResult]::new('--head', '--head', [CompletionResultType]::ParameterName, 'Send HEAD instead of GET (no body is read)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json (JSON lines: one object per record)')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'IPv4 only')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'IPv6 only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sockdiag;trace' {
            [CompletionResult]::new('--max-hops', '--max-hops', [CompletionResultType]::ParameterName, 'The largest TTL (hop limit) probed')
            [CompletionResult]::new('--first-hop', '--first-hop', [CompletionResultType]::ParameterName, 'The TTL to start from')
            [CompletionResult]::new('--queries', '--queries', [CompletionResultType]::ParameterName, 'Probes per hop')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline of each probe')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Local address to send from (an address: each probe has its own port)')
            [CompletionResult]::new('--interface', '--interface', [CompletionResultType]::ParameterName, 'Send through this interface only (SO_BINDTODEVICE)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table on a terminal, plain otherwise]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the table (NO_COLOR turns auto off)')
            [CompletionResult]::new('--udp', '--udp', [CompletionResultType]::ParameterName, 'UDP datagrams to PORT instead of TCP connects')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'No reverse names for the hops')
            [CompletionResult]::new('--numeric', '--numeric', [CompletionResultType]::ParameterName, 'No reverse names for the hops')
            [CompletionResult]::new('--pmtu', '--pmtu', [CompletionResultType]::ParameterName, 'Also find the path MTU: DF-set probes, the MTU each router reports, black holes')
            [CompletionResult]::new('--first-addr', '--first-addr', [CompletionResultType]::ParameterName, 'Trace only the first address a name resolves to')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json (JSON lines: one object per record)')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'IPv4 only')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'IPv6 only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sockdiag;sockets' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'Only these states, comma-separated: established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, close-wait, last-ack, listen, closing, unconnected, or the groups connected and all')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Either end on these ports: 443, 8000-8100, 22,80, service names (https)')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Local end: ADDR, ADDR:PORT, [V6]:PORT, a CIDR block, or :PORT')
            [CompletionResult]::new('--peer', '--peer', [CompletionResultType]::ParameterName, 'Peer end: ADDR, a CIDR block (10.0.0.0/8), with :PORT, or :PORT alone')
            [CompletionResult]::new('--pid', '--pid', [CompletionResultType]::ParameterName, 'Sockets this process holds (repeat for more)')
            [CompletionResult]::new('--process', '--process', [CompletionResultType]::ParameterName, 'Sockets held by processes with this command name (as ps -o comm shows it)')
            [CompletionResult]::new('--uid', '--uid', [CompletionResultType]::ParameterName, 'Sockets owned by this user id (repeat for more)')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order of the list (rtt, retrans and age read TCP_INFO)')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'Show at most N sockets (with --sort: the first N in that order; with --summary: the top N processes, default 10)')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'List again every DURATION and show what changed: new, gone, changed (state, or a queue that grew); Ctrl-C ends it')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'With --watch: stop after N rounds')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table on a terminal, plain otherwise]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the table (NO_COLOR turns auto off)')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'TCP sockets (with --udp: both; neither: both)')
            [CompletionResult]::new('--udp', '--udp', [CompletionResultType]::ParameterName, 'UDP sockets (with --tcp: both; neither: both)')
            [CompletionResult]::new('--unix', '--unix', [CompletionResultType]::ParameterName, 'Add UNIX sockets: path (@ for an abstract name), type, peer inode')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Listening sockets only: TCP and UNIX listeners, unconnected UDP and datagram sockets')
            [CompletionResult]::new('--listening', '--listening', [CompletionResultType]::ParameterName, 'Listening sockets only: TCP and UNIX listeners, unconnected UDP and datagram sockets')
            [CompletionResult]::new('--no-process', '--no-process', [CompletionResultType]::ParameterName, 'Do not look for the processes holding the sockets (no pass over /proc)')
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'Counts per protocol, family and state, and the processes holding the most sockets')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json (JSON lines: one object per record)')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'IPv4 only')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'IPv6 only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sockdiag;ss' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'Only these states, comma-separated: established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, close-wait, last-ack, listen, closing, unconnected, or the groups connected and all')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Either end on these ports: 443, 8000-8100, 22,80, service names (https)')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Local end: ADDR, ADDR:PORT, [V6]:PORT, a CIDR block, or :PORT')
            [CompletionResult]::new('--peer', '--peer', [CompletionResultType]::ParameterName, 'Peer end: ADDR, a CIDR block (10.0.0.0/8), with :PORT, or :PORT alone')
            [CompletionResult]::new('--pid', '--pid', [CompletionResultType]::ParameterName, 'Sockets this process holds (repeat for more)')
            [CompletionResult]::new('--process', '--process', [CompletionResultType]::ParameterName, 'Sockets held by processes with this command name (as ps -o comm shows it)')
            [CompletionResult]::new('--uid', '--uid', [CompletionResultType]::ParameterName, 'Sockets owned by this user id (repeat for more)')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order of the list (rtt, retrans and age read TCP_INFO)')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'Show at most N sockets (with --sort: the first N in that order; with --summary: the top N processes, default 10)')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'List again every DURATION and show what changed: new, gone, changed (state, or a queue that grew); Ctrl-C ends it')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'With --watch: stop after N rounds')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table on a terminal, plain otherwise]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the table (NO_COLOR turns auto off)')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'TCP sockets (with --udp: both; neither: both)')
            [CompletionResult]::new('--udp', '--udp', [CompletionResultType]::ParameterName, 'UDP sockets (with --tcp: both; neither: both)')
            [CompletionResult]::new('--unix', '--unix', [CompletionResultType]::ParameterName, 'Add UNIX sockets: path (@ for an abstract name), type, peer inode')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Listening sockets only: TCP and UNIX listeners, unconnected UDP and datagram sockets')
            [CompletionResult]::new('--listening', '--listening', [CompletionResultType]::ParameterName, 'Listening sockets only: TCP and UNIX listeners, unconnected UDP and datagram sockets')
            [CompletionResult]::new('--no-process', '--no-process', [CompletionResultType]::ParameterName, 'Do not look for the processes holding the sockets (no pass over /proc)')
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'Counts per protocol, family and state, and the processes holding the most sockets')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json (JSON lines: one object per record)')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'IPv4 only')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'IPv6 only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sockdiag;exporter' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Where to listen, ADDR:PORT or [V6]:PORT (port 0 picks a free port; the first line printed says which)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'A TOML file of modules ([modules.NAME] prober = "tcp"|"http"|"udp"|"dns", timeout, [modules.NAME.tcp] send/expect, [modules.NAME.http] valid_status_codes, method, headers, tls, ca_file, follow_redirects); they add to the defaults, and replace one of the same name')
            [CompletionResult]::new('--allow-targets', '--allow-targets', [CompletionResultType]::ParameterName, 'Only these targets may be probed: comma-separated blocks, addresses and names (10.0.0.0/8,192.0.2.7,db.example.test,*.lab.example.test); others get 403. A name not listed is allowed when every address it has is; a name under a wildcard is not when it has a loopback or link-local address that is not listed. Checked on every redirect hop, and only the checked addresses are connected to [default: any target]')
            [CompletionResult]::new('--max-concurrent', '--max-concurrent', [CompletionResultType]::ParameterName, 'Most probes at once; more get 503 at once')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Most connections open at once, apart from the probes in flight (a client slow to send its request holds one for at most 3s); when full, the one that has waited longest for its request head is shed with 503')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table on a terminal, plain otherwise]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the table (NO_COLOR turns auto off)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json (JSON lines: one object per record)')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'IPv4 only')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'IPv6 only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sockdiag;why' {
            [CompletionResult]::new('--targets-file', '--targets-file', [CompletionResultType]::ParameterName, 'Diagnose every target of this file (`-`: stdin) concurrently: one per line, as TARGET [PORT] are given; blank lines and # comments skipped')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file instead of the Mozilla roots')
            [CompletionResult]::new('--http', '--http', [CompletionResultType]::ParameterName, 'GET this path (default /) and judge the HTTP status (4xx and 5xx fail)')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'The banner (or, with --http, the response head) must match this regular expression')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Deadline of each probe try and trace probe (a TLS handshake and an HTTP exchange get five times as long, at least 2s)')
            [CompletionResult]::new('--queries', '--queries', [CompletionResultType]::ParameterName, 'Trace probes per hop')
            [CompletionResult]::new('--max-hops', '--max-hops', [CompletionResultType]::ParameterName, 'The largest TTL (hop limit) the trace probes')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table on a terminal, plain otherwise]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the table (NO_COLOR turns auto off)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'TLS over the connection (implied by ports 443, 465, 636, 853, 993, 995 and https://)')
            [CompletionResult]::new('--no-trace', '--no-trace', [CompletionResultType]::ParameterName, 'Do not trace the path of an address whose port is not open')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Shorthand for --format json (JSON lines: one object per record)')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'IPv4 only')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'IPv6 only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail (repeat for more)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress, no notes on stderr: only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sockdiag;help' {
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'Resolve names: every address, the canonical name, reverse names, timing, and why a lookup failed')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Probe ports: open, closed, filtered or unreachable, and why (TCP connect, or UDP with --udp)')
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Connect once and report: peer, local address, connect time, TCP_INFO (rtt, mss, cwnd, retransmits), and the data exchanged; or a UNIX socket''s peer process (SO_PEERCRED)')
            [CompletionResult]::new('opts', 'opts', [CompletionResultType]::ParameterValue, 'Show a socket''s options as the kernel really applies them: requested, effective, default, and why they differ')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run test servers: TCP echo, discard, banner or HTTP, and UDP echo; logs every client')
            [CompletionResult]::new('http', 'http', [CompletionResultType]::ParameterValue, 'HTTP/1.1 check over a plain TCP socket (or TLS): status, headers, body size, timing breakdown')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Trace the path to a port: where on the way a connection dies (TCP, or UDP with --udp), every hop at once, unprivileged; --pmtu adds the path MTU')
            [CompletionResult]::new('sockets', 'sockets', [CompletionResultType]::ParameterValue, 'This host''s sockets, like ss: TCP, UDP, UNIX; queues, processes, TCP_INFO (from the kernel''s NETLINK_SOCK_DIAG)')
            [CompletionResult]::new('exporter', 'exporter', [CompletionResultType]::ParameterValue, 'Serve Prometheus probes (blackbox_exporter''s /probe contract) with sockdiag''s reasons')
            [CompletionResult]::new('why', 'why', [CompletionResultType]::ParameterValue, 'Why can''t I reach it: name, route, reach, path, transport, TLS and application, layer by layer for every address, and the first layer that fails with its evidence and a fix')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sockdiag;help;resolve' {
            break
        }
        'sockdiag;help;probe' {
            break
        }
        'sockdiag;help;connect' {
            break
        }
        'sockdiag;help;opts' {
            break
        }
        'sockdiag;help;serve' {
            break
        }
        'sockdiag;help;http' {
            break
        }
        'sockdiag;help;trace' {
            break
        }
        'sockdiag;help;sockets' {
            break
        }
        'sockdiag;help;exporter' {
            break
        }
        'sockdiag;help;why' {
            break
        }
        'sockdiag;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
