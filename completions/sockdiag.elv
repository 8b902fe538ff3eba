
use builtin;
use str;

set edit:completion:arg-completer[sockdiag] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sockdiag'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sockdiag'= {
            cand --format 'Output format [default: table on a terminal, plain otherwise]'
            cand --color 'When to colour the table (NO_COLOR turns auto off)'
            cand --generate 'Print a completion script or a man page and exit: bash, zsh, fish, elvish, powershell, man, or man-SUBCOMMAND'
            cand --json 'Shorthand for --format json (JSON lines: one object per record)'
            cand -4 'IPv4 only'
            cand -6 'IPv6 only'
            cand -v 'More detail (repeat for more)'
            cand --verbose 'More detail (repeat for more)'
            cand -q 'No progress, no notes on stderr: only results and errors'
            cand --quiet 'No progress, no notes on stderr: only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand resolve 'Resolve names: every address, the canonical name, reverse names, timing, and why a lookup failed'
            cand probe 'Probe ports: open, closed, filtered or unreachable, and why (TCP connect, or UDP with --udp)'
            cand connect 'Connect once and report: peer, local address, connect time, TCP_INFO (rtt, mss, cwnd, retransmits), and the data exchanged'
            cand opts 'Show a socket''s options as the kernel really applies them: requested, effective, default, and why they differ'
            cand serve 'Run test servers: TCP echo, discard, banner or HTTP, and UDP echo; logs every client'
            cand http 'HTTP/1.1 check over a plain TCP socket (or TLS): status, headers, body size, timing breakdown'
            cand exporter 'Serve Prometheus probes (blackbox_exporter''s /probe contract) with sockdiag''s reasons'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockdiag;resolve'= {
            cand --file 'Read names from a file, one per line (`#` starts a comment)'
            cand --jobs 'How many names to resolve at once'
            cand --format 'Output format [default: table on a terminal, plain otherwise]'
            cand --color 'When to colour the table (NO_COLOR turns auto off)'
            cand --no-reverse 'Do not look up reverse names'
            cand --json 'Shorthand for --format json (JSON lines: one object per record)'
            cand -4 'IPv4 only'
            cand -6 'IPv6 only'
            cand -v 'More detail (repeat for more)'
            cand --verbose 'More detail (repeat for more)'
            cand -q 'No progress, no notes on stderr: only results and errors'
            cand --quiet 'No progress, no notes on stderr: only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sockdiag;probe'= {
            cand --targets-file 'Read more targets from a file, one list per line (`#` starts a comment); with it, every positional argument is a port'
            cand --exclude-ports 'Ports not to probe (same forms as PORTS)'
            cand --timeout 'Deadline of each try; once a host answers, tries end sooner: after its round-trip time plus four times its variation (at least 100ms), unless --no-adapt'
            cand --retries 'Further tries for a port that gave no response (at least: more when the host is seen to lose tries, up to 10, unless --no-adapt)'
            cand --concurrency 'Most probes in flight [default: from the open-files limit, at most 8192]; the engine opens its window up to it as answers come, unless --no-adapt'
            cand --rate 'Most new probes per second (0.001 to 10000000)'
            cand --source 'Local address to probe from, ADDR or ADDR:PORT ([V6]:PORT)'
            cand --interface 'Send through this interface only (SO_BINDTODEVICE)'
            cand --count 'Probe each port N times and show connect-time statistics (min/avg/max/mdev/p95, loss)'
            cand --interval 'Pause between rounds of --count and --wait'
            cand --wait 'Keep probing until every port is open (exit 0) or this expires (exit 1)'
            cand --payload 'UDP payload to send [default: a unique token per probe]'
            cand --shard 'Probe only part K of N of the (address, port) pairs (K from 0, as a Kubernetes JOB_COMPLETION_INDEX): N copies with K = 0..N-1 cover the scan exactly, no pair twice, parts within one probe of each other; JSON records carry "shard":"K/N"'
            cand --seed 'Seed of the order that --shard deals the targets in; every shard must share it'
            cand --format 'Output format [default: table on a terminal, plain otherwise]'
            cand --color 'When to colour the table (NO_COLOR turns auto off)'
            cand --first-addr 'Probe only the first address a name resolves to'
            cand --no-adapt 'TCP: no congestion control, no timeouts from measured round trips, no extra tries when tries are lost: --timeout, --retries and --concurrency exactly as given'
            cand --all 'List every port, not only the open ones, when more than 25 were probed'
            cand --udp 'UDP: send a datagram and wait for a reply'
            cand --json 'Shorthand for --format json (JSON lines: one object per record)'
            cand -4 'IPv4 only'
            cand -6 'IPv6 only'
            cand -v 'More detail (repeat for more)'
            cand --verbose 'More detail (repeat for more)'
            cand -q 'No progress, no notes on stderr: only results and errors'
            cand --quiet 'No progress, no notes on stderr: only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sockdiag;connect'= {
            cand --timeout 'Deadline of each connect, of the UDP reply, and of each wait for data'
            cand --send 'Send this text (then read the reply unless --read/--until-close say otherwise)'
            cand --send-file 'Send the contents of this file (`-` for stdin)'
            cand --read 'Read up to N bytes (or until the close or the timeout)'
            cand --max-time 'Bound the whole run: connects, sending and reading (a stream that never pauses ends here, with read end `max-time`), as curl''s --max-time'
            cand --source 'Local address to connect from, ADDR or ADDR:PORT ([V6]:PORT)'
            cand --interface 'Connect through this interface only (SO_BINDTODEVICE)'
            cand --keepidle 'TCP_KEEPIDLE: idle time before the first keepalive probe (whole seconds)'
            cand --keepintvl 'TCP_KEEPINTVL: time between keepalive probes (whole seconds)'
            cand --keepcnt 'TCP_KEEPCNT: unanswered probes before the connection is dropped'
            cand --sndbuf 'SO_SNDBUF: send buffer size: bytes, or 64KiB, 4MiB'
            cand --rcvbuf 'SO_RCVBUF: receive buffer size: bytes, or 64KiB, 4MiB'
            cand --linger 'SO_LINGER: how long close() waits for unsent data (whole seconds; 0s resets), or off'
            cand --ttl 'IP_TTL (IPV6_UNICAST_HOPS on IPv6): hops a packet may take'
            cand --tos 'IP_TOS (IPV6_TCLASS on IPv6): the TOS / traffic class byte, e.g. 0x10'
            cand --user-timeout 'TCP_USER_TIMEOUT: drop the connection when sent data stays unacknowledged this long'
            cand --syncnt 'TCP_SYNCNT: SYN retransmissions before connect gives up'
            cand --format 'Output format [default: table on a terminal, plain otherwise]'
            cand --color 'When to colour the table (NO_COLOR turns auto off)'
            cand --udp 'A connected UDP socket: send, then wait for the reply within --timeout'
            cand --no-stdin 'Do not send stdin even when it is not a terminal'
            cand --shutdown 'Half-close after sending (shutdown SHUT_WR), so the server sees the end of input'
            cand --until-close 'Read until the server closes (or nothing arrives for --timeout, or --max-time)'
            cand --banner 'Read what the server sends first: wait up to --timeout, stop when it pauses'
            cand --hex 'Show received data as a hex dump'
            cand --reuseaddr 'SO_REUSEADDR: bind over a TIME_WAIT connection on the same port'
            cand --reuseport 'SO_REUSEPORT: share the port with other sockets that set it too'
            cand --keepalive 'SO_KEEPALIVE: probe an idle connection'
            cand --nodelay 'TCP_NODELAY: send small segments at once (no Nagle)'
            cand --v6only 'IPV6_V6ONLY: an IPv6 socket that does not take IPv4 (IPv6 sockets only)'
            cand --broadcast 'SO_BROADCAST: allow sending to a broadcast address (UDP)'
            cand --json 'Shorthand for --format json (JSON lines: one object per record)'
            cand -4 'IPv4 only'
            cand -6 'IPv6 only'
            cand -v 'More detail (repeat for more)'
            cand --verbose 'More detail (repeat for more)'
            cand -q 'No progress, no notes on stderr: only results and errors'
            cand --quiet 'No progress, no notes on stderr: only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sockdiag;opts'= {
            cand --bind 'Bind first (ADDR:PORT, [V6]:PORT) and show the local address; a port in use is explained, with who holds it where that can be known'
            cand --connect 'Connect (HOST:PORT, [V6]:PORT) and read the options on the connected socket'
            cand --timeout 'Deadline of --connect'
            cand --keepidle 'TCP_KEEPIDLE: idle time before the first keepalive probe (whole seconds)'
            cand --keepintvl 'TCP_KEEPINTVL: time between keepalive probes (whole seconds)'
            cand --keepcnt 'TCP_KEEPCNT: unanswered probes before the connection is dropped'
            cand --sndbuf 'SO_SNDBUF: send buffer size: bytes, or 64KiB, 4MiB'
            cand --rcvbuf 'SO_RCVBUF: receive buffer size: bytes, or 64KiB, 4MiB'
            cand --linger 'SO_LINGER: how long close() waits for unsent data (whole seconds; 0s resets), or off'
            cand --ttl 'IP_TTL (IPV6_UNICAST_HOPS on IPv6): hops a packet may take'
            cand --tos 'IP_TOS (IPV6_TCLASS on IPv6): the TOS / traffic class byte, e.g. 0x10'
            cand --user-timeout 'TCP_USER_TIMEOUT: drop the connection when sent data stays unacknowledged this long'
            cand --syncnt 'TCP_SYNCNT: SYN retransmissions before connect gives up'
            cand --format 'Output format [default: table on a terminal, plain otherwise]'
            cand --color 'When to colour the table (NO_COLOR turns auto off)'
            cand --udp 'A UDP socket (SO_BROADCAST and the UDP options) instead of TCP'
            cand --listen 'Also listen (TCP; on an ephemeral port without --bind)'
            cand --reuseaddr 'SO_REUSEADDR: bind over a TIME_WAIT connection on the same port'
            cand --reuseport 'SO_REUSEPORT: share the port with other sockets that set it too'
            cand --keepalive 'SO_KEEPALIVE: probe an idle connection'
            cand --nodelay 'TCP_NODELAY: send small segments at once (no Nagle)'
            cand --v6only 'IPV6_V6ONLY: an IPv6 socket that does not take IPv4 (IPv6 sockets only)'
            cand --broadcast 'SO_BROADCAST: allow sending to a broadcast address (UDP)'
            cand --json 'Shorthand for --format json (JSON lines: one object per record)'
            cand -4 'IPv4 only'
            cand -6 'IPv6 only'
            cand -v 'More detail (repeat for more)'
            cand --verbose 'More detail (repeat for more)'
            cand -q 'No progress, no notes on stderr: only results and errors'
            cand --quiet 'No progress, no notes on stderr: only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sockdiag;serve'= {
            cand --banner 'Write TEXT (and CRLF unless it ends with a newline) to each client, then close (UDP: reply TEXT to each datagram)'
            cand --max-clients 'Most TCP clients at once; more are accepted and reset at once, and logged'
            cand --idle-timeout 'Close a connection after this long with no traffic either way'
            cand --max-bytes 'Close a connection once the client has sent this many bytes (1000, 64k = 64KiB, 64kB = 64000, 10M)'
            cand --duration 'Stop after this long'
            cand --format 'Output format [default: table on a terminal, plain otherwise]'
            cand --color 'When to colour the table (NO_COLOR turns auto off)'
            cand --echo 'Send every byte back (the default)'
            cand --discard 'Read and drop everything (UDP: no reply)'
            cand --http 'Answer every HTTP/1.x request with 200 and a small body (keep-alive as asked)'
            cand --udp 'Serve UDP (datagram echo) instead of TCP'
            cand --tcp 'With --udp: serve TCP as well, on the same addresses'
            cand --once 'Serve one client (or one datagram, when only UDP is served), then stop'
            cand --json 'Shorthand for --format json (JSON lines: one object per record)'
            cand -4 'IPv4 only'
            cand -6 'IPv6 only'
            cand -v 'More detail (repeat for more)'
            cand --verbose 'More detail (repeat for more)'
            cand -q 'No progress, no notes on stderr: only results and errors'
            cand --quiet 'No progress, no notes on stderr: only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sockdiag;http'= {
            cand -H 'Add a request header NAME:VALUE (repeatable; replaces a default of the same name)'
            cand --header 'Add a request header NAME:VALUE (repeatable; replaces a default of the same name)'
            cand --timeout 'Deadline for each whole exchange: connects, TLS, request, response (every step)'
            cand --count 'Make N requests (a new connection each) and show min/avg/max per phase'
            cand --cacert 'https: trust the CA certificates in this PEM file instead of the built-in Mozilla roots'
            cand --interval 'Pause between the requests of --count'
            cand --format 'Output format [default: table on a terminal, plain otherwise]'
            cand --color 'When to colour the table (NO_COLOR turns auto off)'
            cand --head 'Send HEAD instead of GET (no body is read)'
            cand --json 'Shorthand for --format json (JSON lines: one object per record)'
            cand -4 'IPv4 only'
            cand -6 'IPv6 only'
            cand -v 'More detail (repeat for more)'
            cand --verbose 'More detail (repeat for more)'
            cand -q 'No progress, no notes on stderr: only results and errors'
            cand --quiet 'No progress, no notes on stderr: only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sockdiag;exporter'= {
            cand --listen 'Where to listen, ADDR:PORT or [V6]:PORT (port 0 picks a free port; the first line printed says which)'
            cand --config 'A TOML file of modules ([modules.NAME] prober = "tcp"|"http"|"udp"|"dns", timeout, [modules.NAME.tcp] send/expect, [modules.NAME.http] valid_status_codes, method, headers, tls, ca_file); they add to the defaults, and replace one of the same name'
            cand --allow-targets 'Only these targets may be probed: comma-separated blocks, addresses and names (10.0.0.0/8,192.0.2.7,db.example.test,*.lab.example.test); others get 403. A name not listed is allowed when every address it has is [default: any target]'
            cand --max-concurrent 'Most probes at once; more get 503 at once'
            cand --format 'Output format [default: table on a terminal, plain otherwise]'
            cand --color 'When to colour the table (NO_COLOR turns auto off)'
            cand --json 'Shorthand for --format json (JSON lines: one object per record)'
            cand -4 'IPv4 only'
            cand -6 'IPv6 only'
            cand -v 'More detail (repeat for more)'
            cand --verbose 'More detail (repeat for more)'
            cand -q 'No progress, no notes on stderr: only results and errors'
            cand --quiet 'No progress, no notes on stderr: only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sockdiag;help'= {
            cand resolve 'Resolve names: every address, the canonical name, reverse names, timing, and why a lookup failed'
            cand probe 'Probe ports: open, closed, filtered or unreachable, and why (TCP connect, or UDP with --udp)'
            cand connect 'Connect once and report: peer, local address, connect time, TCP_INFO (rtt, mss, cwnd, retransmits), and the data exchanged'
            cand opts 'Show a socket''s options as the kernel really applies them: requested, effective, default, and why they differ'
            cand serve 'Run test servers: TCP echo, discard, banner or HTTP, and UDP echo; logs every client'
            cand http 'HTTP/1.1 check over a plain TCP socket (or TLS): status, headers, body size, timing breakdown'
            cand exporter 'Serve Prometheus probes (blackbox_exporter''s /probe contract) with sockdiag''s reasons'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockdiag;help;resolve'= {
        }
        &'sockdiag;help;probe'= {
        }
        &'sockdiag;help;connect'= {
        }
        &'sockdiag;help;opts'= {
        }
        &'sockdiag;help;serve'= {
        }
        &'sockdiag;help;http'= {
        }
        &'sockdiag;help;exporter'= {
        }
        &'sockdiag;help;help'= {
        }
    ]
    $completions[$command]
}
