_sockdiag() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="sockdiag"
                ;;
            sockdiag,connect)
                cmd="sockdiag__subcmd__connect"
                ;;
            sockdiag,exporter)
                cmd="sockdiag__subcmd__exporter"
                ;;
            sockdiag,help)
                cmd="sockdiag__subcmd__help"
                ;;
            sockdiag,http)
                cmd="sockdiag__subcmd__http"
                ;;
            sockdiag,opts)
                cmd="sockdiag__subcmd__opts"
                ;;
            sockdiag,probe)
                cmd="sockdiag__subcmd__probe"
                ;;
            sockdiag,resolve)
                cmd="sockdiag__subcmd__resolve"
                ;;
            sockdiag,serve)
                cmd="sockdiag__subcmd__serve"
                ;;
            sockdiag,sockets)
                cmd="sockdiag__subcmd__sockets"
                ;;
            sockdiag,ss)
                cmd="sockdiag__subcmd__sockets"
                ;;
            sockdiag,trace)
                cmd="sockdiag__subcmd__trace"
                ;;
            sockdiag,why)
                cmd="sockdiag__subcmd__why"
                ;;
            sockdiag__subcmd__help,connect)
                cmd="sockdiag__subcmd__help__subcmd__connect"
                ;;
            sockdiag__subcmd__help,exporter)
                cmd="sockdiag__subcmd__help__subcmd__exporter"
                ;;
            sockdiag__subcmd__help,help)
                cmd="sockdiag__subcmd__help__subcmd__help"
                ;;
            sockdiag__subcmd__help,http)
                cmd="sockdiag__subcmd__help__subcmd__http"
                ;;
            sockdiag__subcmd__help,opts)
                cmd="sockdiag__subcmd__help__subcmd__opts"
                ;;
            sockdiag__subcmd__help,probe)
                cmd="sockdiag__subcmd__help__subcmd__probe"
                ;;
            sockdiag__subcmd__help,resolve)
                cmd="sockdiag__subcmd__help__subcmd__resolve"
                ;;
            sockdiag__subcmd__help,serve)
                cmd="sockdiag__subcmd__help__subcmd__serve"
                ;;
            sockdiag__subcmd__help,sockets)
                cmd="sockdiag__subcmd__help__subcmd__sockets"
                ;;
            sockdiag__subcmd__help,trace)
                cmd="sockdiag__subcmd__help__subcmd__trace"
                ;;
            sockdiag__subcmd__help,why)
                cmd="sockdiag__subcmd__help__subcmd__why"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        sockdiag)
            opts="-4 -6 -v -q -h -V --format --json --color --verbose --quiet --generate --help --version resolve probe connect opts serve http trace sockets ss exporter why help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --format)
                    COMPREPLY=($(compgen -W "table plain json" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                --generate)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__connect)
            opts="-i -4 -6 -v -q -h --udp --tls --cacert --insecure --sni --alpn --timeout --send --send-file --no-stdin --shutdown --read --until-close --banner --max-time --hex --source --interactive --crlf --no-shutdown --idle-timeout --interface --reuseaddr --reuseport --keepalive --keepidle --keepintvl --keepcnt --sndbuf --rcvbuf --nodelay --linger --ttl --tos --v6only --broadcast --user-timeout --syncnt --format --json --color --verbose --quiet --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --cacert)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --sni)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --alpn)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --timeout)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --send)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --send-file)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --read)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --max-time)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --source)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --idle-timeout)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --interface)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --keepidle)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --keepintvl)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --keepcnt)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --sndbuf)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --rcvbuf)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --linger)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --ttl)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --tos)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --user-timeout)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --syncnt)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "table plain json" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__exporter)
            opts="-4 -6 -v -q -h --listen --config --allow-targets --max-concurrent --max-connections --format --json --color --verbose --quiet --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --listen)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --config)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --allow-targets)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --max-concurrent)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --max-connections)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "table plain json" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__help)
            opts="resolve probe connect opts serve http trace sockets exporter why help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__help__subcmd__connect)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__help__subcmd__exporter)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__help__subcmd__http)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__help__subcmd__opts)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__help__subcmd__probe)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__help__subcmd__resolve)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__help__subcmd__serve)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__help__subcmd__sockets)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__help__subcmd__trace)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__help__subcmd__why)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__http)
            opts="-H -4 -6 -v -q -h --head --header --timeout --count --cacert --interval --format --json --color --verbose --quiet --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --header)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                -H)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --timeout)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --count)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --cacert)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --interval)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "table plain json" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__opts)
            opts="-4 -6 -v -q -h --udp --bind --listen --connect --timeout --reuseaddr --reuseport --keepalive --keepidle --keepintvl --keepcnt --sndbuf --rcvbuf --nodelay --linger --ttl --tos --v6only --broadcast --user-timeout --syncnt --format --json --color --verbose --quiet --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --bind)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --connect)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --timeout)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --keepidle)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --keepintvl)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --keepcnt)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --sndbuf)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --rcvbuf)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --linger)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --ttl)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --tos)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --user-timeout)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --syncnt)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "table plain json" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__probe)
            opts="-V -n -P -4 -6 -v -q -h --top --service --service-timeout --service-concurrency --no-names --up --no-discovery --targets-file --exclude-ports --first-addr --timeout --retries --concurrency --max-reask-time --no-adapt --rate --source --interface --all --count --interval --wait --run-anyway --udp --payload --shard --seed --format --json --color --verbose --quiet --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --top)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --service-timeout)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --service-concurrency)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                -P)
                    COMPREPLY=($(compgen -W "n" -- "${cur}"))
                    return 0
                    ;;
                --targets-file)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --exclude-ports)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --timeout)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --retries)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --concurrency)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --max-reask-time)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --rate)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --source)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --interface)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --count)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --interval)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --wait)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --payload)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --shard)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --seed)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "table plain json" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__resolve)
            opts="-x -4 -6 -v -q -h --file --no-reverse --jobs --explain --server --type --tcp --format --json --color --verbose --quiet --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --file)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --jobs)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --server)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --type)
                    COMPREPLY=($(compgen -W "A AAAA CNAME MX TXT SRV NS SOA PTR CAA" -- "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "table plain json" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__serve)
            opts="-4 -6 -v -q -h --echo --discard --banner --http --udp --tcp --max-clients --idle-timeout --max-bytes --once --duration --socket-mode --format --json --color --verbose --quiet --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --banner)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --max-clients)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --idle-timeout)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --max-bytes)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --duration)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --socket-mode)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "table plain json" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__sockets)
            opts="-l -4 -6 -v -q -h --tcp --udp --unix --listening --state --port --local --peer --pid --process --uid --no-process --summary --sort --top --watch --count --format --json --color --verbose --quiet --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --state)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --port)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --local)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --peer)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --pid)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --process)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --uid)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --sort)
                    COMPREPLY=($(compgen -W "rtt send-q recv-q retrans age port" -- "${cur}"))
                    return 0
                    ;;
                --top)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --watch)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --count)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "table plain json" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__trace)
            opts="-n -4 -6 -v -q -h --udp --max-hops --first-hop --queries --timeout --numeric --pmtu --first-addr --source --interface --format --json --color --verbose --quiet --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --max-hops)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --first-hop)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --queries)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --timeout)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --source)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --interface)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "table plain json" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sockdiag__subcmd__why)
            opts="-4 -6 -v -q -h --targets-file --tls --cacert --http --expect --timeout --no-trace --queries --max-hops --format --json --color --verbose --quiet --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --targets-file)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --cacert)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --http)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --expect)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --timeout)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --queries)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --max-hops)
                    compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "table plain json" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
    esac
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _sockdiag -o nosort -o bashdefault -o default sockdiag
else
    complete -F _sockdiag -o bashdefault -o default sockdiag
fi
