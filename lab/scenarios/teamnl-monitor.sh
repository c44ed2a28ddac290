#!/bin/bash
# Issue 3, done-when 3: `teamnl DEV monitor` prints the port change when a port's peer goes down and the
# option change when an option is set from elsewhere, as the C teamnl monitor prints them (both run side
# by side on the same events; `changed` style, then `all`).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/teamnl-common.inc"
lab_modules
veth_pair tp0 tp0p
veth_pair tp1 tp1p
team_with_ports team0 activebackup tp0 tp1
tp0=$(cat /sys/class/net/tp0/ifindex) tp1=$(cat /sys/class/net/tp1/ifindex)
wait_until 5 sh -c "$C_TEAMNL team0 ports | grep -q 'tp0: up'"

# in_monitor_loop PID: the process sits in poll/select now and still 0.2 s later, i.e. in its monitor
# loop, which both teamnls enter only once subscribed to the team's and the links' events (a request's
# short wait for its answer during start-up does not last).
in_monitor_loop() {
    local a b
    read -r a _ < "/proc/$1/syscall" || return 1
    sleep 0.2
    read -r b _ < "/proc/$1/syscall" || return 1
    [[ $a == "$b" && $a =~ ^(7|23|270|271)$ ]]   # poll, select, pselect6, ppoll
}
# grown PATTERN C-COUNT OUR-COUNT: both outputs hold more lines with PATTERN than they did.
grown() {
    (( $(grep -c -- "$1" /tmp/c.mon) > $2 && $(grep -c -- "$1" /tmp/our.mon) > $3 ))
}
# event PATTERN COMMAND...: runs the command, then waits until both monitors have printed its line.
event() {
    local pattern=$1; shift
    local c o
    c=$(grep -c -- "$pattern" /tmp/c.mon || true) o=$(grep -c -- "$pattern" /tmp/our.mon || true)
    "$@"
    wait_until 20 grown "$pattern" "$c" "$o"
}

run_monitors() {  # STYLE...
    # The C teamnl's stdout line-buffered (stdbuf) so that what it printed can be waited for; ours
    # writes after each batch of events. The bytes are the same either way.
    stdbuf -oL "$C_TEAMNL" team0 monitor "$@" > /tmp/c.mon 2>&1 & cpid=$!
    "$TEAMNL" team0 monitor "$@" > /tmp/our.mon 2>&1 & opid=$!
    wait_until 30 in_monitor_loop "$cpid"
    wait_until 30 in_monitor_loop "$opid"
    event "tp0: down" ip link set tp0p down
    event "activeport $tp1 changed" $C_TEAMNL team0 setoption activeport "$tp1"
    event "tp0: up 10000Mbit" ip link set tp0p up
    kill -INT "$cpid" "$opid"
    wait "$cpid" || fail "C monitor exit status $?"
    wait "$opid" || fail "our monitor exit status $?"
    echo "--- C teamnl monitor $*"; cat /tmp/c.mon
    echo "--- our teamnl monitor $*"; cat /tmp/our.mon
}

run_monitors
ours=$(cat /tmp/our.mon)
expect_contains "peer down" "ports:"$'\n'"  *$tp0: tp0: down 0Mbit HD " "$ours"
expect_contains "option set elsewhere" "options:"$'\n'"  *activeport $tp1 changed" "$ours"
expect_contains "peer up" "  *$tp0: tp0: up 10000Mbit FD " "$ours"
cmp -s /tmp/c.mon /tmp/our.mon || fail "monitor output differs from the C teamnl's"
log "monitor (changed) identical to C"

run_monitors all
cmp -s /tmp/c.mon /tmp/our.mon || fail "monitor all output differs from the C teamnl's"
expect_contains "all style lists unchanged options too" " mode activebackup" "$(cat /tmp/our.mon)"
log "monitor all identical to C"
