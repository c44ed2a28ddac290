#!/usr/bin/env bash
# The shell completions of teamdctl. The bash one of teamdctl (completions/teamdctl.bash), driven as bash drives it: COMP_WORDS and
# COMP_CWORD set, _teamdctl called, COMPREPLY compared. Teams come from a fake run directory, ports
# from a fake sysfs, the state dump from a captured `teamdctl team0 state dump` of the C tools.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export TEAMDCTL_RUN_DIR=$work/run TEAMDCTL_SYSFS=$work/sys
mkdir -p "$TEAMDCTL_RUN_DIR" "$TEAMDCTL_SYSFS/class/net/team0" "$TEAMDCTL_SYSFS/class/net/tp0" \
    "$TEAMDCTL_SYSFS/class/net/tp1" "$TEAMDCTL_SYSFS/class/net/eth9"
python3 -c 'import socket,sys; [socket.socket(socket.AF_UNIX).bind(p) for p in sys.argv[1:]]' \
    "$TEAMDCTL_RUN_DIR/team0.sock" "$TEAMDCTL_RUN_DIR/lag1.sock"
touch "$TEAMDCTL_RUN_DIR/team9.pid"   # not a socket: no team
ln -s ../tp0 "$TEAMDCTL_SYSFS/class/net/team0/lower_tp0"
ln -s ../tp1 "$TEAMDCTL_SYSFS/class/net/team0/lower_tp1"
dump=$repo/Tests/TeamdControlTests/Fixtures/StateView/c-activebackup.dump.out
# teamdctl itself is replaced by a function answering from the captured dump.
teamdctl() { [ "$1 $2 $3" = "team0 state dump" ] && cat "$dump"; }
# shellcheck source=../completions/teamdctl.bash
. "$repo/completions/teamdctl.bash"

checks=0 failures=0
# expect "WORDS (the last one is completed)" "EXPECTED, sorted, space-separated"
expect() {
    read -r -a COMP_WORDS <<< "$1"
    [[ $1 == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    _teamdctl || true
    local got
    got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
    checks=$((checks + 1))
    if [ "$got" != "$2" ]; then
        echo "FAIL: [$1] expected [$2], got [$got]" >&2; failures=$((failures + 1))
    fi
}
expect "teamdctl " "lag1 team0"
expect "teamdctl t" "team0"
expect "teamdctl --" "--force-dbus --force-usock --force-zmq= --help --oneline --verbose"
expect "teamdctl -o team0 " "config monitor port state"
expect "teamdctl team0 st" "state"
expect "teamdctl team0 config dump " "actual noports"
expect "teamdctl team0 state " "dump item view"
expect "teamdctl team0 state item " "get set"
expect "teamdctl team0 port " "add config present remove"
expect "teamdctl team0 port config " "dump update"
expect "teamdctl team0 port remove " "tp0 tp1"
expect "teamdctl team0 port config update t" "tp0 tp1"
expect "teamdctl team0 port add e" "eth9"
expect "teamdctl -Z tcp://127.0.0.1:5555 team0 port present " "tp0 tp1"
expect "teamdctl -Z " ""
expect "teamdctl team0 state item get runner." "runner.active_port"
expect "teamdctl team0 state item get setup.r" "setup.runner_name"
expect "teamdctl team0 state item set ports.tp1.link." "ports.tp1.link.duplex ports.tp1.link.speed ports.tp1.link.up"
expect "teamdctl team0 state item get ports.tp0.link_watches.list.link_watch_0.n" "ports.tp0.link_watches.list.link_watch_0.name"
expect "teamdctl team0 state item get team_device.ifinfo.dev_addr" "team_device.ifinfo.dev_addr team_device.ifinfo.dev_addr_len"
expect "teamdctl team0 state dump " ""
# fish: the same tree through fish's own completion machinery; zsh: the file parses.
fish_expect() {
    local got
    got=$(fish -c "function teamdctl; test \"\$argv[1..3]\" = 'team0 state dump'; and cat $dump; end
                   source $repo/completions/teamdctl.fish; complete -C '$1'" | cut -f1 | sort | tr '\n' ' ' | sed 's/ $//')
    checks=$((checks + 1))
    if [ "$got" != "$2" ]; then echo "FAIL: fish [$1] expected [$2], got [$got]" >&2; failures=$((failures + 1)); fi
}
fish -n "$repo/completions/teamdctl.fish" || { echo "FAIL: fish -n" >&2; failures=$((failures + 1)); }
fish_expect "teamdctl " "lag1 team0"
fish_expect "teamdctl team0 state " "dump item view"
fish_expect "teamdctl -Z tcp://127.0.0.1:5555 team0 port remove " "tp0 tp1"
fish_expect "teamdctl team0 state item get runner." "runner.active_port"
zsh -n "$repo/completions/_teamdctl" || { echo "FAIL: zsh -n" >&2; failures=$((failures + 1)); }
checks=$((checks + 2))
echo "completions: $checks checks, $failures failed"
((failures == 0))
