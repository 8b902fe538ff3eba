
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
            cand --timeout 'Deadline of each try'
            cand --retries 'Further tries for a port that gave no response'
            cand --concurrency 'Most probes in flight [default: from the open-files limit, at most 8192]'
            cand --rate 'Most new probes per second'
            cand --source 'Local address to probe from, ADDR or ADDR:PORT ([V6]:PORT)'
            cand --interface 'Send through this interface only (SO_BINDTODEVICE)'
            cand --count 'Probe each port N times and show connect-time statistics (min/avg/max/mdev/p95, loss)'
            cand --interval 'Pause between rounds of --count and --wait'
            cand --wait 'Keep probing until every port is open (exit 0) or this expires (exit 1)'
            cand --payload 'UDP payload to send [default: a unique token per probe]'
            cand --format 'Output format [default: table on a terminal, plain otherwise]'
            cand --color 'When to colour the table (NO_COLOR turns auto off)'
            cand --first-addr 'Probe only the first address a name resolves to'
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
        &'sockdiag;help'= {
            cand resolve 'Resolve names: every address, the canonical name, reverse names, timing, and why a lookup failed'
            cand probe 'Probe ports: open, closed, filtered or unreachable, and why (TCP connect, or UDP with --udp)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockdiag;help;resolve'= {
        }
        &'sockdiag;help;probe'= {
        }
        &'sockdiag;help;help'= {
        }
    ]
    $completions[$command]
}
