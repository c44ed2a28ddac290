#!/bin/bash
# Issue 3, done-when 2: a value set with our `teamnl setoption` (u32, s32, bool, string, per-port
# `enabled` and `priority`, an array entry) is read back by the C teamnl, and the other way round; and
# refused sets fail with the C tool's messages and exit status.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/teamnl-common.inc"
lab_modules
veth_pair tp0 tp0p
veth_pair tp1 tp1p
ifindex() { cat "/sys/class/net/$1/ifindex"; }

# string: the mode of a team without ports, both ways
ip link add name team0 type team
"$TEAMNL" team0 setoption mode activebackup
expect_eq "mode set by ours, read by C" activebackup "$($C_TEAMNL team0 getoption mode)"
ip link add name team1 type team
$C_TEAMNL team1 setoption mode loadbalance
expect_eq "mode set by C, read by ours" loadbalance "$("$TEAMNL" team1 getoption mode)"
for p in tp0 tp1; do ip link set "$p" master team0; done

# ours -> C
"$TEAMNL" team0 setoption notify_peers_count 5
expect_eq "u32 notify_peers_count" 5 "$($C_TEAMNL team0 getoption notify_peers_count)"
"$TEAMNL" team0 setoption activeport "$(ifindex tp1)"
expect_eq "u32 activeport" "$(ifindex tp1)" "$($C_TEAMNL team0 getoption activeport)"
"$TEAMNL" -p tp0 team0 setoption -- priority -7   # "--": GNU getopt would take -7 for an option
expect_eq "s32 per-port priority" -7 "$($C_TEAMNL -p tp0 team0 getoption priority)"
"$TEAMNL" team0 -p tp1 setoption enabled false
expect_eq "bool per-port enabled" false "$($C_TEAMNL -p tp1 team0 getoption enabled)"
"$TEAMNL" team0 --port_name=tp0 setoption user_linkup_enabled true
expect_eq "bool per-port user_linkup_enabled" true "$($C_TEAMNL -p tp0 team0 getoption user_linkup_enabled)"
"$TEAMNL" team0 s -p tp0 queue_id 3
expect_eq "u32 per-port queue_id (prefix command)" 3 "$($C_TEAMNL -p tp0 team0 getoption queue_id)"

# C -> ours
$C_TEAMNL team0 setoption mcast_rejoin_count 4
expect_eq "u32 mcast_rejoin_count" 4 "$("$TEAMNL" team0 getoption mcast_rejoin_count)"
$C_TEAMNL -p tp1 team0 setoption priority 12
expect_eq "s32 per-port priority" 12 "$("$TEAMNL" -p tp1 team0 getoption priority)"
$C_TEAMNL -p tp1 team0 setoption enabled true
expect_eq "bool per-port enabled" true "$("$TEAMNL" -p tp1 team0 getoption enabled)"
$C_TEAMNL team0 setoption activeport "$(ifindex tp0)"
expect_eq "u32 activeport" "$(ifindex tp0)" "$("$TEAMNL" team0 getoption activeport)"

# loadbalance: string lb_tx_method and an array entry, both ways
for p in tp0 tp1; do ip link set "$p" nomaster; done
for p in tp0 tp1; do ip link set "$p" master team1; done
"$TEAMNL" team1 setoption lb_tx_method hash_to_port_mapping
expect_eq "string lb_tx_method" hash_to_port_mapping "$($C_TEAMNL team1 getoption lb_tx_method)"
"$TEAMNL" -a 5 team1 setoption lb_tx_hash_to_port_mapping "$(ifindex tp1)"
expect_eq "array entry 5" "$(ifindex tp1)" "$($C_TEAMNL -a 5 team1 getoption lb_tx_hash_to_port_mapping)"
$C_TEAMNL -a 200 team1 setoption lb_tx_hash_to_port_mapping "$(ifindex tp0)"
expect_eq "array entry 200" "$(ifindex tp0)" "$("$TEAMNL" --array_index 200 team1 getoption lb_tx_hash_to_port_mapping)"
$C_TEAMNL team1 setoption lb_tx_method hash
expect_eq "string lb_tx_method" hash "$("$TEAMNL" team1 getoption lb_tx_method)"
same team1 options

# Refusals: same message, same exit status.
same team1 setoption mode roundrobin                 # ports present: EBUSY
same team1 setoption no_such_option 1                # ENOENT
same team1 setoption lb_tx_method nonsense           # EINVAL from the kernel
same team1 setoption lb_stats_refresh_interval abc   # EINVAL from parsing
same team1 setoption lb_stats_refresh_interval 4294967296
same team1 -p tp0 setoption enabled yes
same team1 -a 256 setoption lb_tx_hash_to_port_mapping 1
same team1 -a x getoption lb_tx_hash_to_port_mapping
same team1 -a 99999999999 getoption lb_tx_hash_to_port_mapping
same team1 -p nosuchport getoption enabled
same team1 -p lo getoption enabled
same team1 setoption
same team1 setoption mode
same team1 getoption
same team1 -p tp0 setoption lb_port_stats '\00'      # read-only: EOPNOTSUPP
log "$compared refusals identical"
