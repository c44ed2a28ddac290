#!/bin/bash
# The lab itself: a team device made with `ip link add type team`, two veth ports, every mode set with
# the C teamnl and read back; the ports enslaved show in `teamnl ports`.
. "$(dirname "$0")/../lib.sh"
lab_modules
veth_pair tp0 tp0p
veth_pair tp1 tp1p
for mode in broadcast roundrobin random activebackup loadbalance; do
    ip link add name team0 type team
    expect_eq "fresh mode" "*NOMODE*" "$($C_TEAMNL team0 getoption mode)"
    # The kernel allows a mode change only while the team has no ports.
    $C_TEAMNL team0 setoption mode "$mode"
    ip link set tp0 master team0
    ip link set tp1 master team0
    expect_eq "mode" "$mode" "$($C_TEAMNL team0 getoption mode)"
    ports=$($C_TEAMNL team0 ports)
    expect_contains "ports" "tp0" "$ports"
    expect_contains "ports" "tp1" "$ports"
    ip -d link show team0 | grep -q 'team ' || fail "ip -d link does not show a team device"
    ip link del team0
    log "mode $mode set and read back"
done
