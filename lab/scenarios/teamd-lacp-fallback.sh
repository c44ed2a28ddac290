#!/bin/bash
# SONiC's LACP fallback (libteam patches 0003/0020) in our lacp runner, with two veth ports:
# (a) the partner speaks no LACP (a bridge: plain ports): after the defaulted timeout exactly one port is
#     enabled, the one with the better lacp_prio (tp1: 100 against tp0's 200), its state "fallback"; pings
#     cross; (b) the partner becomes a bonding 802.3ad bond: the first LACPDU ends fallback, both ports are
#     selected, current and enabled; pings cross; (c) fallback_method "static": both ports in fallback.
# lab-timeout: 600
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lacp-switch.inc"
lab_modules
partner_switch 2
CFG='{"runner":{"name":"lacp","fast_rate":true,"fallback":true},"ports":{"tp0":{"lacp_prio":200},"tp1":{"lacp_prio":100}}}'

# (a) No LACP on the other side.
start_teamd ours team0 "$CFG"
ip addr add 192.0.2.1/24 dev team0
ip link set team0 up
wait_until 20 port_is team0 tp1 '.state == "fallback" and .selected'
wait_until 5 sh -c "[ \"\$($C_TEAMNL -p tp1 team0 getoption enabled)\" = true ]"
expect_eq "tp0 is defaulted, not in fallback" '"defaulted"' "$($C_TEAMDCTL team0 state dump | jq '.ports.tp0.runner.state')"
expect_eq "tp0 disabled" false "$(enabled team0 tp0)"
expect_eq "runner.fallback" true "$($C_TEAMDCTL team0 state item get runner.fallback)"
expect_eq "carrier with the fallback port" 1 "$(cat /sys/class/net/team0/carrier)"
wait_until 10 ping -c1 -W1 192.0.2.2
ping -c5 -i 0.2 -W1 192.0.2.2 >/dev/null || fail "no pings over the fallback port"
sleep 2
expect_eq "still exactly one port enabled" "false true" "$(enabled team0 tp0) $(enabled team0 tp1)"
log "(a) no LACP partner: tp1 (lacp_prio 100) alone in fallback and enabled, pings cross"

# (b) The partner starts LACP: a bond in 802.3ad mode over the same links.
ip -n sw link del br0
bond_partner
wait_until 30 in_lacp team0 tp0
wait_until 30 in_lacp team0 tp1
! port_is team0 tp1 '.state == "fallback"' || fail "fallback did not end"
wait_until 10 ping -c1 -W1 192.0.2.2
ping -c5 -i 0.2 -W1 192.0.2.2 >/dev/null || fail "no pings over the 802.3ad aggregate"
log "(b) partner speaks 802.3ad: fallback ended, both ports selected, current and enabled; pings cross"
stop_teamd ours team0

# (c) static: every defaulted port.
ip -n sw link del bond0
switch_ns sw tp0p tp1p
ip -n sw link set tp0p up
ip -n sw link set tp1p up
ip -n sw addr add 192.0.2.2/24 dev br0
start_teamd ours team0 "$(jq -c '.runner.fallback_method = "static"' <<<"$CFG")"
ip addr add 192.0.2.1/24 dev team0
ip link set team0 up
wait_until 20 port_is team0 tp0 '.state == "fallback"'
wait_until 20 port_is team0 tp1 '.state == "fallback"'
wait_until 5 sh -c "[ \"\$($C_TEAMNL -p tp0 team0 getoption enabled) \$($C_TEAMNL -p tp1 team0 getoption enabled)\" = 'true true' ]"
wait_until 10 ping -c1 -W1 192.0.2.2
log "(c) fallback_method static: both ports in fallback and enabled; pings cross"
stop_teamd ours team0
log "ok"
