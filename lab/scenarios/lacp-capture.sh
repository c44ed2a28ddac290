#!/bin/bash
# Records real LACPDUs for the Packets byte-vector tests: the C teamd's lacp runner (fast_rate) talking
# to another C teamd, and the bonding driver in 802.3ad mode (lacp_rate fast) talking to a C teamd. It
# passes when both captures hold LACPDUs. The committed fixtures (lab/captures/lacp-*.pcap, from which
# Tests/PacketsTests/CapturedLACPDUs.swift was cut) are rewritten only when asked:
#   LAB_ENV=LACP_CAPTURE_OUT LACP_CAPTURE_OUT=$PWD/lab/captures lab/run lab/scenarios/lacp-capture.sh
. "$(dirname "$0")/../lib.sh"
lab_modules
out=${LACP_CAPTURE_OUT:-/tmp/lacp-captures}
mkdir -p "$out"

# C teamd (team0, here) <-> C teamd (pteam0 in netns sw), 2 ports.
netns_add sw
veth_pair tp0 tp0p sw
veth_pair tp1 tp1p sw
ip -n sw link set tp0p down; ip -n sw link set tp1p down
ip netns exec sw $C_TEAMD -d -t pteam0 \
    -c '{"runner":{"name":"lacp","active":true,"fast_rate":true},"ports":{"tp0p":{},"tp1p":{}}}' \
    || fail "partner teamd did not start"
ip -n sw link set pteam0 up
ip netns exec sw tcpdump -i tp0p -s 0 -U -w /tmp/lacp-teamd.pcap ether proto 0x8809 >/tmp/tcpdump.log 2>&1 & tpid=$!
sleep 1
start_teamd c team0 '{"runner":{"name":"lacp","active":true,"fast_rate":true},"ports":{"tp0":{"lacp_prio":10},"tp1":{}}}'
ip link set team0 up
wait_until 20 sh -c "$C_TEAMDCTL team0 state view | grep -q 'state: current'"
sleep 3
sleep 0.5; kill $tpid 2>/dev/null || true; wait $tpid 2>/dev/null || true; cat /tmp/tcpdump.log
cp /tmp/lacp-teamd.pcap "$out/lacp-c-teamd.pcap"
stop_teamd c team0
ip netns exec sw $C_TEAMD -k -t pteam0 || true
sleep 1

# bonding 802.3ad (bond0 in netns sw) <-> C teamd (team0 here).
ip -n sw link add bond0 type bond mode 802.3ad lacp_rate fast miimon 100
ip -n sw link set tp0p down; ip -n sw link set tp1p down
ip -n sw link set tp0p master bond0; ip -n sw link set tp1p master bond0
ip -n sw link set bond0 up
ip netns exec sw tcpdump -i tp0p -s 0 -U -w /tmp/lacp-bond.pcap ether proto 0x8809 >/tmp/tcpdump.log 2>&1 & tpid=$!
sleep 1
start_teamd c team0 '{"runner":{"name":"lacp","active":true,"fast_rate":true},"ports":{"tp0":{},"tp1":{}}}'
ip link set team0 up
wait_until 30 sh -c "$C_TEAMDCTL team0 state view | grep -q 'state: current'"
sleep 3
ip netns exec sw cat /proc/net/bonding/bond0
sleep 0.5; kill $tpid 2>/dev/null || true; wait $tpid 2>/dev/null || true; cat /tmp/tcpdump.log
cp /tmp/lacp-bond.pcap "$out/lacp-bonding.pcap"
$C_TEAMDCTL team0 state dump > "$out/lacp-c-teamd-vs-bonding.state.json"
stop_teamd c team0
for f in lacp-c-teamd lacp-bonding; do
    n=$(tcpdump -r "$out/$f.pcap" -n 2>/dev/null | grep -c LACP || true)
    log "$f: $n LACPDUs"
    (( n > 0 )) || fail "no LACPDU recorded in $f"
done
