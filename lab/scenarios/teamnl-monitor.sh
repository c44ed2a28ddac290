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

run_monitors() {  # STYLE...
    "$C_TEAMNL" team0 monitor "$@" > /tmp/c.mon 2>&1 & cpid=$!
    "$TEAMNL" team0 monitor "$@" > /tmp/our.mon 2>&1 & opid=$!
    sleep 3   # both subscribed (process start is slow under TCG)
    ip link set tp0p down
    sleep 1
    $C_TEAMNL team0 setoption activeport "$tp1"
    sleep 1
    ip link set tp0p up
    sleep 1
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
