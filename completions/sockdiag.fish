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
complete -c sockdiag -n "__fish_sockdiag_needs_command" -f -a "serve" -d 'Run test servers: TCP echo, discard, banner or HTTP, and UDP echo; logs every client'
complete -c sockdiag -n "__fish_sockdiag_needs_command" -f -a "http" -d 'HTTP/1.1 check over a plain TCP socket (or TLS): status, headers, body size, timing breakdown'
complete -c sockdiag -n "__fish_sockdiag_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -l file -d 'Read names from a file, one per line (`#` starts a comment)' -r -F
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -l jobs -d 'How many names to resolve at once' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Aligned table for people'
plain\t'Tab-separated, one line per record, for grep, awk and cut'
json\t'JSON lines, one object per record'"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -l color -d 'When to colour the table (NO_COLOR turns auto off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -l no-reverse -d 'Do not look up reverse names'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -l json -d 'Shorthand for --format json (JSON lines: one object per record)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -s 4 -d 'IPv4 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -s 6 -d 'IPv6 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -s v -l verbose -d 'More detail (repeat for more)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -s q -l quiet -d 'No progress, no notes on stderr: only results and errors'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand resolve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l targets-file -d 'Read more targets from a file, one list per line (`#` starts a comment); with it, every positional argument is a port' -r -F
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l exclude-ports -d 'Ports not to probe (same forms as PORTS)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l timeout -d 'Deadline of each try' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l retries -d 'Further tries for a port that gave no response' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l concurrency -d 'Most probes in flight [default: from the open-files limit, at most 8192]' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l rate -d 'Most new probes per second' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l source -d 'Local address to probe from, ADDR or ADDR:PORT ([V6]:PORT)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l interface -d 'Send through this interface only (SO_BINDTODEVICE)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l count -d 'Probe each port N times and show connect-time statistics (min/avg/max/mdev/p95, loss)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l interval -d 'Pause between rounds of --count and --wait' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l wait -d 'Keep probing until every port is open (exit 0) or this expires (exit 1)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l payload -d 'UDP payload to send [default: a unique token per probe]' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l format -d 'Output format [default: table on a terminal, plain otherwise]' -r -f -a "table\t'Aligned table for people'
plain\t'Tab-separated, one line per record, for grep, awk and cut'
json\t'JSON lines, one object per record'"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l color -d 'When to colour the table (NO_COLOR turns auto off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l first-addr -d 'Probe only the first address a name resolves to'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l all -d 'List every port, not only the open ones, when more than 25 were probed'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l udp -d 'UDP: send a datagram and wait for a reply'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -l json -d 'Shorthand for --format json (JSON lines: one object per record)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -s 4 -d 'IPv4 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -s 6 -d 'IPv6 only'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -s v -l verbose -d 'More detail (repeat for more)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -s q -l quiet -d 'No progress, no notes on stderr: only results and errors'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand probe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -l banner -d 'Write TEXT (and CRLF unless it ends with a newline) to each client, then close (UDP: reply TEXT to each datagram)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -l max-clients -d 'Most TCP clients at once; more are accepted and reset at once, and logged' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -l idle-timeout -d 'Close a connection after this long with no traffic either way' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -l max-bytes -d 'Close a connection once the client has sent this many bytes (e.g. 1000, 64k, 10m)' -r
complete -c sockdiag -n "__fish_sockdiag_using_subcommand serve" -l duration -d 'Stop after this long' -r
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
complete -c sockdiag -n "__fish_sockdiag_using_subcommand http" -l timeout -d 'Deadline for each whole exchange: connect, request, response' -r
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
complete -c sockdiag -n "__fish_sockdiag_using_subcommand help; and not __fish_seen_subcommand_from resolve probe serve http help" -f -a "resolve" -d 'Resolve names: every address, the canonical name, reverse names, timing, and why a lookup failed'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand help; and not __fish_seen_subcommand_from resolve probe serve http help" -f -a "probe" -d 'Probe ports: open, closed, filtered or unreachable, and why (TCP connect, or UDP with --udp)'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand help; and not __fish_seen_subcommand_from resolve probe serve http help" -f -a "serve" -d 'Run test servers: TCP echo, discard, banner or HTTP, and UDP echo; logs every client'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand help; and not __fish_seen_subcommand_from resolve probe serve http help" -f -a "http" -d 'HTTP/1.1 check over a plain TCP socket (or TLS): status, headers, body size, timing breakdown'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand help; and not __fish_seen_subcommand_from resolve probe serve http help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
