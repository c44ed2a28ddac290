#!/bin/bash
# Our teamd's lacp runner on two veth ports, against (a) the C teamd's lacp runner and (b) the kernel's
# bonding driver in 802.3ad mode, each in the partner namespace "sw": both ports end up selected, current
# and enabled on both sides; pings flow; a port whose link goes down is deselected while the other keeps
# the traffic, and rejoins when its link returns. (c) Our state dump has the C teamd's lacp keys, plus
# only what SONiC's teamd adds (runner.fallback, enable_retry_count_feature, retry_count, min_ports;
# ports.X.runner.partner_retry_count and statistics) and our member gate (ports.X.runner.gate).
# lab-timeout: 600
. "$(dirname "$0")/../lib.sh"
lab_modules
netns_add sw
veth_pair tp0 tp0p sw
veth_pair tp1 tp1p sw
CFG='{"runner":{"name":"lacp","active":true,"fast_rate":true,"tx_hash":["l4"]},"ports":{"tp0":{"lacp_prio":10},"tp1":{}}}'

# keys DEVICE: the sorted key paths of a state dump (values left out; pid, ifindex and MACs differ by nature).
keys() { $C_TEAMDCTL "$1" state dump | jq -r '[paths | map(tostring) | join(".")] | sort | .[]'; }
# SONIC: the paths SONiC's teamd and ours (gate, draining, coupled_control) add to the C teamd's dump
# (docs/differences.md).
SONIC='^runner\.(fallback|enable_retry_count_feature|retry_count|min_ports|coupled_control)$|^ports\.[^.]*\.runner\.(partner_retry_count|statistics|gate|draining)'
C_RUNNER='del(.fallback, .enable_retry_count_feature, .retry_count, .min_ports, .coupled_control)'
# lacp_port DEVICE PORT JQ-EXPR: whether the expression holds for the port's runner state (for wait_until).
lacp_port() { $C_TEAMDCTL "$1" state dump | jq -e ".ports.\"$2\".runner | $3" >/dev/null; }
# in_lacp DEVICE PORT: selected, current, in the selected aggregator and enabled in the kernel.
in_lacp() {
    lacp_port "$1" "$2" '.selected and .state == "current" and .aggregator.selected' \
        && [ "$($C_TEAMNL "$1" getoption -p "$2" enabled 2>/dev/null || $C_TEAMNL -p "$2" "$1" getoption enabled)" = true ]
}
out_of_lacp() { lacp_port "$1" "$2" '(.selected | not) and .state == "disabled"' \
    && [ "$($C_TEAMNL -p "$2" "$1" getoption enabled)" = false ]; }
sw_in_lacp() { ip netns exec sw $C_TEAMDCTL "$1" state dump | jq -e ".ports.\"$2\".runner | .selected and .state == \"current\"" >/dev/null \
    && [ "$(ip netns exec sw $C_TEAMNL -p "$2" "$1" getoption enabled)" = true ]; }

# The C partner. The kernel refuses to enslave a port that is up; the C lacp runner sends nothing while
# its team is down.
ip -n sw link set tp0p down
ip -n sw link set tp1p down
ip netns exec sw $C_TEAMD -d -t pteam0 \
    -c '{"runner":{"name":"lacp","active":true,"fast_rate":true},"ports":{"tp0p":{},"tp1p":{}}}' 2>/dev/null \
    || fail "partner teamd did not start"
ip -n sw link set pteam0 up
ip -n sw addr add 192.0.2.2/24 dev pteam0

# (c, first half) The C teamd's lacp state, for its keys.
start_teamd c team0 "$CFG"
ip link set team0 up
wait_until 20 in_lacp team0 tp0
wait_until 20 in_lacp team0 tp1
keys team0 > /tmp/c.keys
c_state=$($C_TEAMDCTL team0 state dump)
stop_teamd c team0
sleep 1

# (a) Ours against the C teamd.
start_teamd ours team0 "$CFG"
expect_eq "carrier while the team is down" 0 "$(cat /sys/class/net/team0/carrier 2>/dev/null || echo 0)"
ip addr add 192.0.2.1/24 dev team0
ip link set team0 up
wait_until 20 in_lacp team0 tp0
wait_until 20 in_lacp team0 tp1
wait_until 10 sw_in_lacp pteam0 tp0p
wait_until 10 sw_in_lacp pteam0 tp1p
log "(a) both ports selected, current and enabled on both sides"
team_mac=$(mac_of team0)
state=$($C_TEAMDCTL team0 state dump)
expect_eq "actor system is the team MAC" "$team_mac" "$(jq -r '.ports.tp0.runner.actor_lacpdu_info.system' <<<"$state")"
expect_eq "actor state (activity, timeout, aggregation, sync, collecting, distributing)" 63 \
    "$(jq '.ports.tp0.runner.actor_lacpdu_info.state' <<<"$state")"
expect_eq "partner state" 63 "$(jq '.ports.tp1.runner.partner_lacpdu_info.state' <<<"$state")"
expect_eq "partner sees our system" "$team_mac" \
    "$(ip netns exec sw $C_TEAMDCTL pteam0 state dump | jq -r '.ports.tp0p.runner.partner_lacpdu_info.system')"
expect_eq "one aggregator" 1 "$(jq '[.ports[].runner.aggregator.id] | unique | length' <<<"$state")"
expect_eq "runner state" '{"active":true,"coupled_control":true,"enable_retry_count_feature":true,"fallback":false,"fast_rate":true,"min_ports":1,"retry_count":3,"select_policy":"lacp_prio","sys_prio":65535}' \
    "$(jq -cS .runner <<<"$state")"
expect_eq "carrier with both ports enabled" 1 "$(cat /sys/class/net/team0/carrier)"
wait_until 10 ping -c1 -W1 192.0.2.2
expect_eq "our teamdctl state view" "$($C_TEAMDCTL team0 state view | grep -c 'state: current')" 2

# (a) The tx_hash program spreads UDP flows that differ in their ports over both ports.
dumpers=()
for p in tp0p tp1p; do
    ip netns exec sw tcpdump -l -n -i $p 'udp and dst host 192.0.2.2' > /tmp/$p.txt 2>/tmp/$p.err &
    dumpers+=($!)
    wait_until 30 grep -q 'listening on' /tmp/$p.err
done
for ((p = 0; p < 48; p++)); do echo x > /dev/udp/192.0.2.2/$((20000 + p * 7)); done
sleep 1
kill "${dumpers[@]}" 2>/dev/null || true
wait "${dumpers[@]}" 2>/dev/null || true
a=$(grep -c UDP /tmp/tp0p.txt || true) b=$(grep -c UDP /tmp/tp1p.txt || true)
log "(a) 48 UDP flows: tp0 carried $a, tp1 carried $b"
(( a > 0 && b > 0 )) || fail "lacp with tx_hash l4 should use both ports"

# (c) Our key set is the C teamd's.
keys team0 | grep -Ev "$SONIC" > /tmp/ours.keys
diff -u /tmp/c.keys /tmp/ours.keys >&2 || fail "state dump keys differ from the C teamd's (beyond SONiC's)"
expect_eq "the C teamd's runner state" "$(jq -cS .runner <<<"$c_state")" "$(jq -cS ".runner | $C_RUNNER" <<<"$state")"
for q in '.ports.tp0.runner.actor_lacpdu_info.state' '.ports.tp1.runner.partner_lacpdu_info.state' \
         '.ports.tp0.runner.prio' '.ports.tp1.runner.prio' '.ports.tp0.runner.state' '.ports.tp1.runner.selected' \
         '.setup.kernel_team_mode_name' '.ports.tp0.runner.aggregator.selected'; do
    expect_eq "state $q as the C teamd's" "$(jq -cS "$q" <<<"$c_state")" "$(jq -cS "$q" <<<"$state")"
done
log "(c) state dump keys identical to the C teamd's ($(wc -l < /tmp/ours.keys) paths)"

# (a) Link down and back, with pings every 20 ms.
ping -i 0.02 -c 400 -W 1 192.0.2.2 > /tmp/ping.log 2>&1 &
pinger=$!
sleep 1
ip -n sw link set tp0p down
wait_until 10 out_of_lacp team0 tp0
in_lacp team0 tp1 || fail "tp1 left the aggregate when tp0 went down"
sleep 2
ip -n sw link set tp0p up
wait_until 20 in_lacp team0 tp0
wait_until 10 sw_in_lacp pteam0 tp0p
wait $pinger || true
read -r sent got < <(ping_stats /tmp/ping.log)
log "(a) tp0 down and up under pings every 20 ms: $sent sent, $got received"
(( got > 0 && sent - got <= 60 )) || fail "pings did not survive tp0 going down"
ping -c3 -i 0.2 -W1 192.0.2.2 >/dev/null || fail "no traffic after tp0 rejoined"
log "(a) tp0 deselected while down, tp1 kept the traffic, tp0 rejoined"
# The other port, which now may carry the traffic.
ip -n sw link set tp1p down
wait_until 10 out_of_lacp team0 tp1
ping -c3 -i 0.2 -W1 192.0.2.2 >/dev/null || fail "no traffic over tp0 alone"
ip -n sw link set tp1p up
wait_until 20 in_lacp team0 tp1
stop_teamd ours team0
ip netns exec sw $C_TEAMD -k -t pteam0
wait_until 10 sh -c "! ip -n sw link show pteam0"

# (b) Ours against the bonding driver in 802.3ad mode.
ip -n sw link set tp0p down
ip -n sw link set tp1p down
ip -n sw link add bond0 type bond mode 802.3ad lacp_rate fast miimon 100
ip -n sw link set tp0p master bond0
ip -n sw link set tp1p master bond0
ip -n sw link set bond0 up
ip -n sw addr add 192.0.2.2/24 dev bond0
start_teamd ours team0 "$CFG"
ip addr add 192.0.2.1/24 dev team0
ip link set team0 up
wait_until 30 in_lacp team0 tp0
wait_until 30 in_lacp team0 tp1
team_mac=$(mac_of team0)
bond_in_lacp() {
    local info; info=$(ip netns exec sw cat /proc/net/bonding/bond0)
    grep -q "Number of ports: 2" <<<"$info" && grep -qi "Partner Mac Address: $team_mac" <<<"$info"
}
wait_until 20 bond_in_lacp
info=$(ip netns exec sw cat /proc/net/bonding/bond0)
ids=$(awk '/^Slave Interface/ {s=1} s && /Aggregator ID:/ {print $3}' <<<"$info" | sort -u)
expect_eq "both bonding slaves in one aggregator" 1 "$(wc -l <<<"$ids")"
expect_contains "the active aggregator is theirs" "Aggregator ID: $ids" "$(sed -n '/Active Aggregator Info/,/Partner Mac/p' <<<"$info")"
wait_until 10 ping -c1 -W1 192.0.2.2
ping -c10 -i 0.1 -W1 192.0.2.2 >/dev/null || fail "no traffic to bonding"
log "(b) bonding: both slaves in aggregator $ids with partner $team_mac, pings flow"
stop_teamd ours team0
log "ok"
