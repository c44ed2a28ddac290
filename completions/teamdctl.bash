# bash completion for teamdctl (swift-team): options, the teams of running teamds (their control
# sockets in /var/run/teamd), commands, a team's ports and network interfaces, state item paths.

# The teams with a running teamd.
_teamdctl_teams() {
    local sock
    for sock in "${TEAMDCTL_RUN_DIR:-/var/run/teamd}"/*.sock; do
        [ -S "$sock" ] || continue
        sock=${sock##*/}
        printf '%s\n' "${sock%.sock}"
    done
}

# The ports of team $1 (the kernel's lower_* links of the team device).
_teamdctl_ports() {
    local link
    for link in "${TEAMDCTL_SYSFS:-/sys}/class/net/$1"/lower_*; do
        [ -e "$link" ] || continue
        printf '%s\n' "${link##*/lower_}"
    done
}

# Every leaf of team $1's state dump as a dotted path (runner.active_port, ports.eth1.link.up, ...),
# read from teamdctl's indented JSON; arrays are leaves.
_teamdctl_state_paths() {
    teamdctl "$1" state dump 2>/dev/null | awk '
        function key(line) { sub(/^[ \t]*"/, "", line); sub(/".*/, "", line); return line }
        function path(k,   p, i) { p = ""; for (i = 1; i <= n; i++) p = p stack[i] "."; return p k }
        skip > 0 { t = $0; skip += gsub(/\[/, "", t); t = $0; skip -= gsub(/\]/, "", t); next }
        /^[ \t]*"[^"]*": *\{[ \t]*$/ { stack[++n] = key($0); next }
        /^[ \t]*"[^"]*": *\[/ { print path(key($0)); t = $0; skip = gsub(/\[/, "", t); t = $0; skip -= gsub(/\]/, "", t); next }
        /^[ \t]*"[^"]*":/ { print path(key($0)); next }
        /^[ \t]*\}/ { if (n > 0) n-- }'
}

_teamdctl() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local i word team="" words=()
    COMPREPLY=()
    if [ "$prev" = -Z ] || [ "$prev" = --force-zmq ]; then
        return 0  # a ZeroMQ address: nothing to offer
    fi
    # The words before the cursor after the options: the team, then the command words.
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        case $word in
        -Z|--force-zmq) i=$((i + 1)) ;;
        -*) ;;
        *) if [ -z "$team" ]; then team=$word; else words+=("$word"); fi ;;
        esac
    done
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "-h --help -v --verbose -o --oneline -D --force-dbus -Z --force-zmq= -U --force-usock" -- "$cur"))
        return 0
    fi
    if [ -z "$team" ]; then
        COMPREPLY=($(compgen -W "$(_teamdctl_teams)" -- "$cur"))
        return 0
    fi
    local choices=""
    case "${words[*]}" in
    "") choices="config state port monitor" ;;
    config) choices="dump" ;;
    "config dump") choices="noports actual" ;;
    state) choices="dump view item" ;;
    "state item") choices="get set" ;;
    "state item get"|"state item set") choices=$(_teamdctl_state_paths "$team") ;;
    port) choices="add remove present config" ;;
    "port config") choices="update dump" ;;
    "port add") choices=$(ls "${TEAMDCTL_SYSFS:-/sys}/class/net" 2>/dev/null) ;;
    "port remove"|"port present"|"port config update"|"port config dump") choices=$(_teamdctl_ports "$team") ;;
    esac
    COMPREPLY=($(compgen -W "$choices" -- "$cur"))
    return 0
}
complete -F _teamdctl teamdctl
