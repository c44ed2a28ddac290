#!/bin/bash
# Our teamd's activebackup runner against the real driver: pings every 10 ms survive the active port's
# peer going down; prio picks the port; sticky keeps it; each hwaddr_policy gives the MACs it promises;
# `state item set runner.active_port` switches the port.
. "$(dirname "$0")/../lib.sh"
lab_modules
partner_switch 2
mac0=$(mac_of tp0) mac1=$(mac_of tp1)

start_teamd ours team0 '{"runner":{"name":"activebackup"},"ports":{"tp0":{"prio":-10},"tp1":{"prio":10}}}'
ip addr add 192.0.2.1/24 dev team0
ip link set team0 up
wait_until 10 is_active team0 tp1
log "prio: tp1 (prio 10) is active over tp0 (prio -10)"
expect_eq "team MAC (first port's)" "$mac0" "$(mac_of team0)"
expect_eq "same_all: tp1 has the team MAC" "$mac0" "$(mac_of tp1)"
expect_eq "kernel activeport" "$(cat /sys/class/net/tp1/ifindex)" "$($C_TEAMNL team0 getoption activeport)"
wait_until 10 ping -c1 -W1 192.0.2.2

ping -i 0.01 -c 300 -W 1 192.0.2.2 > /tmp/ping.log 2>&1 &
pinger=$!
sleep 1
ip -n sw link set tp1p down
wait_until 5 is_active team0 tp0
wait $pinger || true
read -r sent got < <(ping_stats /tmp/ping.log)
log "failover with pings every 10 ms: $sent sent, $got received, $((sent - got)) lost"
(( got > 0 && sent - got <= 20 )) || fail "pings did not survive the failover"
ip -n sw link set tp1p up
wait_until 5 is_active team0 tp1
log "tp1 is back and, with the higher prio, active again"

$C_TEAMDCTL team0 state item set runner.active_port tp0
expect_eq "manual switch" tp0 "$(active_port team0)"
expect_eq "kernel activeport after manual switch" "$(cat /sys/class/net/tp0/ifindex)" "$($C_TEAMNL team0 getoption activeport)"
ping -c2 -i 0.2 -W1 192.0.2.2 >/dev/null || fail "no traffic after the manual switch"
! $C_TEAMDCTL team0 state item set runner.active_port tp9 2>/dev/null || fail "an unknown port was accepted"
stop_teamd ours team0
expect_eq "tp1 MAC restored" "$mac1" "$(mac_of tp1)"

# sticky: the active port stays even when a better one comes up.
ip -n sw link set tp1p down
start_teamd ours team0 '{"runner":{"name":"activebackup"},"ports":{"tp0":{"prio":-10,"sticky":true},"tp1":{"prio":10}}}'
wait_until 10 is_active team0 tp0
ip -n sw link set tp1p up
wait_until 5 sh -c "$C_TEAMDCTL team0 state item get ports.tp1.link_watches.up | grep -q true"
sleep 0.5
expect_eq "sticky tp0 keeps the role" tp0 "$(active_port team0)"
log "sticky: tp0 stays active when tp1 (higher prio) comes up"
ip -n sw link set tp0p down
wait_until 5 is_active team0 tp1
ip -n sw link set tp0p up
stop_teamd ours team0

# by_active: the team takes the active port's MAC; ports keep their own.
start_teamd ours team0 '{"runner":{"name":"activebackup","hwaddr_policy":"by_active"},"ports":{"tp0":{},"tp1":{"prio":10}}}'
wait_until 10 is_active team0 tp1
wait_until 5 has_mac team0 "$mac1"
expect_eq "by_active: tp0 keeps its MAC" "$mac0" "$(mac_of tp0)"
ip -n sw link set tp1p down
wait_until 5 is_active team0 tp0
wait_until 5 has_mac team0 "$mac0"
log "by_active: the team's MAC follows the active port"
ip -n sw link set tp1p up
stop_teamd ours team0

# only_active: only the active port carries the team's MAC.
start_teamd ours team0 '{"runner":{"name":"activebackup","hwaddr_policy":"only_active"},"hwaddr":"02:00:00:00:00:aa","ports":{"tp0":{},"tp1":{"prio":10}}}'
wait_until 10 is_active team0 tp1
expect_eq "only_active: team MAC from config" "02:00:00:00:00:aa" "$(mac_of team0)"
wait_until 5 has_mac tp1 02:00:00:00:00:aa
expect_eq "only_active: the backup keeps its own" "$mac0" "$(mac_of tp0)"
ip -n sw link set tp1p down
wait_until 5 is_active team0 tp0
wait_until 5 has_mac tp0 02:00:00:00:00:aa
expect_eq "only_active: the old active port gets its own back" "$mac1" "$(mac_of tp1)"
log "only_active: the team's MAC moves with the active port"
stop_teamd ours team0
