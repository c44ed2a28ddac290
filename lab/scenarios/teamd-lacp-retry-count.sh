#!/bin/bash
# SONiC's retry count (libteam patches 0015/0016, HLD "Increasing LACP PDU timeout during warm-reboot") in
# our lacp runner, on two veth ports:
# (a) against the bonding driver (802.3ad), with runner.retry_count 5 in our config: only version 1
#     LACPDUs on the wire (tcpdump), since bonding never speaks 0xf1;
# (b) ours against ours (team ta here, tb in namespace sw, both fast_rate and retry_count 5): first, before
#     either side has spoken 0xf1, the standard count holds and tb stopped (SIGSTOP) for 3.5 s makes ta's
#     ports expire (the test can fail); then `state item set runner.retry_count 5` on ta: 0xf1 LACPDUs on
#     the wire, both sides hold the other's count 5, and the same 3.5 s stop passes without any port
#     leaving CURRENT (no expiry in either log, both ports enabled throughout).
#     The issue asks for 100 s at slow rate (more than 3 × 30 s, less than 5 × 30 s); at fast rate the
#     same bounds are 3 s and 5 s. The last LACPDU before the stop can be up to one period (1 s) old, so
#     the partner's deadline is 4 s to 5 s after the stop begins: 3.5 s stays below it.
# lab-timeout: 600
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lacp-switch.inc"
two_links
CFG='{"runner":{"name":"lacp","fast_rate":true,"retry_count":5},"ports":{"tp0":{},"tp1":{}}}'

# (a) Bonding.
bond_partner
capture tp0p /tmp/bond.pcap sw
start_teamd ours team0 "$CFG"
ip link set team0 up
wait_until 30 in_lacp team0 tp0
wait_until 30 in_lacp team0 tp1
sleep 3
stop_capture /tmp/bond.pcap
v1=$(count /tmp/bond.pcap 'ether[15] == 1') other=$(count /tmp/bond.pcap 'ether[15] != 1')
log "(a) against bonding with retry_count 5: $v1 version 1 LACPDUs, $other of another version"
(( v1 >= 6 )) || fail "too few LACPDUs captured ($v1)"
expect_eq "LACPDUs of a version other than 1" 0 "$other"
expect_eq "our retry count" 5 "$($C_TEAMDCTL team0 state item get runner.retry_count)"
expect_eq "bonding's count, as we hold it" 3 "$($C_TEAMDCTL team0 state item get ports.tp0.runner.partner_retry_count)"
stop_teamd ours team0
ip -n sw link del bond0

# (b) Ours against ours.
ip -n sw link set tp0p down
ip -n sw link set tp1p down
start_fg tb "$(jq -c '.ports = {"tp0p": {}, "tp1p": {}}' <<<"$CFG")" sw
ip -n sw link set tb up
start_fg ta "$CFG"
ip link set ta up
wait_until 30 in_lacp ta tp0
wait_until 30 in_lacp ta tp1
wait_until 30 in_lacp tb tp0p
wait_until 30 in_lacp tb tp1p

# stop_tb: tb frozen for 3.5 s, then going on.
stop_tb() { kill -STOP "$(cat /tmp/tb.pid)"; sleep 3.5; kill -CONT "$(cat /tmp/tb.pid)"; }

before=$(expirations ta)
stop_tb
wait_until 10 sh -c "[ \$(grep -c 'receive machine: current -> expired' /tmp/ta.log) -gt $before ]"
log "(b) control: with the standard count, tb frozen 3.5 s made ta's ports expire"
wait_until 30 in_lacp ta tp0
wait_until 30 in_lacp ta tp1
wait_until 30 in_lacp tb tp0p
wait_until 30 in_lacp tb tp1p

capture tp0 /tmp/ours.pcap
$C_TEAMDCTL ta state item set runner.retry_count 5 || fail "state item set runner.retry_count failed"
wait_until 10 sh -c "[ \$($C_TEAMDCTL ta state item get ports.tp0.runner.partner_retry_count) = 5 ]"
wait_until 10 sh -c "[ \$($C_TEAMDCTL ta state item get ports.tp1.runner.partner_retry_count) = 5 ]"
wait_until 10 sh -c "[ \$(ip netns exec sw $C_TEAMDCTL tb state item get ports.tp0p.runner.partner_retry_count) = 5 ]"
wait_until 10 sh -c "[ \$(ip netns exec sw $C_TEAMDCTL tb state item get ports.tp1p.runner.partner_retry_count) = 5 ]"
sleep 1
stop_capture /tmp/ours.pcap
f1=$(count /tmp/ours.pcap 'ether[15] == 0xf1')
log "(b) after state item set runner.retry_count 5: $f1 version 0xf1 LACPDUs on tp0, both sides hold 5"
(( f1 >= 2 )) || fail "no 0xf1 LACPDUs on the wire"

ta_before=$(expirations ta) tb_before=$(expirations tb)
stop_tb
sleep 2
expect_eq "ta's ports that expired" "$ta_before" "$(expirations ta)"
expect_eq "tb's ports that expired" "$tb_before" "$(expirations tb)"
for p in tp0 tp1; do in_lacp ta $p || fail "ta $p left the aggregate"; done
for p in tp0p tp1p; do in_lacp tb $p || fail "tb $p left the aggregate"; done
expect_eq "ta's carrier" 1 "$(cat /sys/class/net/ta/carrier)"
log "(b) with count 5 on both sides, tb frozen 3.5 s: no expiry, no churn, the aggregate stayed"
stop_fg ta
stop_fg tb
log "ok"
