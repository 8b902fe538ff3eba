
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
        &'sockdiag;help'= {
            cand resolve 'Resolve names: every address, the canonical name, reverse names, timing, and why a lookup failed'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sockdiag;help;resolve'= {
        }
        &'sockdiag;help;help'= {
        }
    ]
    $completions[$command]
}
