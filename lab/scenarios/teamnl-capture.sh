#!/bin/bash
# Records real netlink traffic for the byte-vector tests: an nlmon device sees every netlink message in
# the guest, tcpdump writes it to lab/captures/teamnl.pcap on the repo share, and
# lab/tools/pcap-to-swift.py turns chosen messages into Tests/TeamWireTests/CapturedVectors.swift.
# What is recorded, in order: the C teamnl (libnl) and ours resolving "team", dumping ports and options
# of an activebackup and a loadbalance team, setting options (u32, s32 per port, bool per port, string,
# binary, array entry), change_event multicasts, rtnetlink create/get/enslave/release/delete, and
# refusals with extended ack.
. "$(dirname "$0")/../lib.sh"
lab_modules
modprobe nlmon || fail "the guest kernel has no nlmon"
out=$LAB_REPO/lab/captures
mkdir -p "$out"
ip link add nlmon0 type nlmon
ip link set nlmon0 up
tcpdump -i nlmon0 -s 0 -U -w /tmp/teamnl.pcap >/tmp/tcpdump.log 2>&1 & tpid=$!
sleep 2
TEAMNL=$BIN/teamnl
veth_pair tp0 tp0p
veth_pair tp1 tp1p
ip link add name team0 address 02:00:00:00:00:10 type team
$C_TEAMNL team0 monitor > /tmp/mon.log & mpid=$!
sleep 2
$C_TEAMNL team0 setoption mode activebackup
ip link set tp0 master team0
ip link set tp1 master team0
$C_TEAMNL team0 ports > /dev/null
"$TEAMNL" team0 ports > /dev/null
$C_TEAMNL team0 options > /dev/null
"$TEAMNL" -p tp0 team0 setoption priority -- -5
$C_TEAMNL -p tp1 team0 setoption enabled false
"$TEAMNL" team0 setoption activeport "$(cat /sys/class/net/tp1/ifindex)"
ip link set tp0p down
sleep 1
"$TEAMNL" team0 setoption mode roundrobin || true        # EBUSY
ip link set tp1p up
ip link set tp0 nomaster
ip link set tp1 nomaster
ip link set tp0 up
ip link set tp0 master team0 || true                     # EBUSY with an extended-ack message
ip link set tp0 down
kill -INT $mpid; wait $mpid || true
ip link del team0
ip link add name team1 type team
"$TEAMNL" team1 setoption mode loadbalance
ip link set tp0 master team1
"$TEAMNL" team1 setoption bpf_hash_func '\20\00\00\00\00\00\00\00\16\00\00\00\00\00\00\00'
"$TEAMNL" -a 7 team1 setoption lb_tx_hash_to_port_mapping "$(cat /sys/class/net/tp0/ifindex)"
"$TEAMNL" team1 setoption lb_tx_method hash_to_port_mapping
"$TEAMNL" team1 getoption bpf_hash_func > /dev/null
ip link del team1
sleep 1
kill -INT $tpid; wait $tpid || true
cat /tmp/tcpdump.log
cp /tmp/teamnl.pcap "$out/teamnl.pcap"
log "captured $(stat -c %s "$out/teamnl.pcap") bytes into lab/captures/teamnl.pcap"
