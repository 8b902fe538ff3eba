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
complete -c sockdiag -n "__fish_sockdiag_using_subcommand help; and not __fish_seen_subcommand_from resolve help" -f -a "resolve" -d 'Resolve names: every address, the canonical name, reverse names, timing, and why a lookup failed'
complete -c sockdiag -n "__fish_sockdiag_using_subcommand help; and not __fish_seen_subcommand_from resolve help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
