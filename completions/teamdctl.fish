# fish completion for teamdctl (swift-team): options, the teams of running teamds (their control
# sockets in /var/run/teamd), commands, a team's ports and network interfaces, state item paths.

# The words after the options: the team, then the command words.
function __teamdctl_words
    set -l words (commandline -opc)[2..-1]
    set -l skip 0
    for w in $words
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case -Z --force-zmq
                set skip 1
            case '-*'
            case '*'
                echo $w
        end
    end
end

function __teamdctl_teams
    set -l dir /var/run/teamd
    set -q TEAMDCTL_RUN_DIR; and set dir $TEAMDCTL_RUN_DIR
    for s in $dir/*.sock
        test -S $s; and basename $s .sock
    end
end

function __teamdctl_ports
    set -l sys /sys
    set -q TEAMDCTL_SYSFS; and set sys $TEAMDCTL_SYSFS
    for l in $sys/class/net/$argv[1]/lower_*
        string replace -r '.*/lower_' '' -- $l
    end
end

function __teamdctl_state_paths
    teamdctl $argv[1] state dump 2>/dev/null | awk '
        function key(line) { sub(/^[ \t]*"/, "", line); sub(/".*/, "", line); return line }
        function path(k,   p, i) { p = ""; for (i = 1; i <= n; i++) p = p stack[i] "."; return p k }
        skip > 0 { t = $0; skip += gsub(/\[/, "", t); t = $0; skip -= gsub(/\]/, "", t); next }
        /^[ \t]*"[^"]*": *\{[ \t]*$/ { stack[++n] = key($0); next }
        /^[ \t]*"[^"]*": *\[/ { print path(key($0)); t = $0; skip = gsub(/\[/, "", t); t = $0; skip -= gsub(/\]/, "", t); next }
        /^[ \t]*"[^"]*":/ { print path(key($0)); next }
        /^[ \t]*\}/ { if (n > 0) n-- }'
end

# What may come next, given the words so far.
function __teamdctl_next
    set -l w (__teamdctl_words)
    if test (count $w) -eq 0
        __teamdctl_teams
        return
    end
    set -l team $w[1]
    switch "$w[2..-1]"
        case ''
            printf '%s\n' config state port monitor
        case config
            echo dump
        case 'config dump'
            printf '%s\n' noports actual
        case state
            printf '%s\n' dump view item
        case 'state item'
            printf '%s\n' get set
        case 'state item get' 'state item set'
            __teamdctl_state_paths $team
        case port
            printf '%s\n' add remove present config
        case 'port config'
            printf '%s\n' update dump
        case 'port add'
            __fish_print_interfaces
        case 'port remove' 'port present' 'port config update' 'port config dump'
            __teamdctl_ports $team
    end
end

complete -c teamdctl -f -a '(__teamdctl_next)'
complete -c teamdctl -s h -l help -d 'Show help'
complete -c teamdctl -s v -l verbose -d 'Increase output verbosity'
complete -c teamdctl -s o -l oneline -d 'Force output to one line'
complete -c teamdctl -s D -l force-dbus -d 'Use D-Bus'
complete -c teamdctl -s Z -l force-zmq -r -d 'Use ZeroMQ at ADDRESS'
complete -c teamdctl -s U -l force-usock -d 'Use the UNIX socket'
