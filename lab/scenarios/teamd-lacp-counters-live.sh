#!/bin/bash
# Our lacp runner's counters and settings changed at run time, against the bonding driver (802.3ad) on two
# veth ports:
# (a) ports.tp0.runner.statistics: cleared by `state item set ports.tp0.runner.statistics.clear true`
#     (zeroes), then the LACPDUs received and sent over a whole session of the link (up, converge, down: a
#     quiet wire at both ends) equal what tcpdump counted on the port in each direction; the last times are
#     dates; `state view -v` shows the counters;
# (b) runner.fast_rate changed at run time from false to true: the partner's LACPDUs, every 30 s before,
#     come within one fast period (1 s) of the change and then every second (tcpdump timestamps), with no
#     port leaving CURRENT and both ports enabled; back to false: nothing expires either.
# lab-timeout: 600
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lacp-switch.inc"
two_links
# Our LACPDUs leave from the port's own MAC (the one it had before it joined the team); bonding's from
# its slave's.
port_mac=$(cat /sys/class/net/tp0/address)
bond_partner
start_fg team0 '{"runner":{"name":"lacp","fast_rate":true},"ports":{"tp0":{},"tp1":{}}}'
ip link set team0 up
wait_until 30 in_lacp team0 tp0
wait_until 30 in_lacp team0 tp1

# (a) Counters against tcpdump.
(( $(stat team0 tp0 lacpdu_rx_stats) > 0 && $(stat team0 tp0 lacpdu_tx_stats) > 0 )) || fail "no LACPDUs counted"
ip -n sw link set tp0p down
wait_until 10 port_is team0 tp0 '.state == "disabled"'
$C_TEAMDCTL team0 state item set ports.tp0.runner.statistics.clear true || fail "clear failed"
expect_eq "cleared" "0 0 0 N/A" "$(stat team0 tp0 lacpdu_rx_stats) $(stat team0 tp0 lacpdu_tx_stats) $(stat team0 tp0 lacpdu_illegal_pkts) $(stat team0 tp0 last_lacpdu_rx_time)"
capture tp0 /tmp/tp0.pcap
ip -n sw link set tp0p up
wait_until 30 in_lacp team0 tp0
sleep 4
ip -n sw link set tp0p down
wait_until 10 port_is team0 tp0 '.state == "disabled"'
sleep 1
stop_capture /tmp/tp0.pcap
sent=$(count /tmp/tp0.pcap "ether src $port_mac")
received=$(count /tmp/tp0.pcap "not ether src $port_mac")
log "(a) tcpdump on tp0 over one session: $received LACPDUs in, $sent out"
(( received >= 3 && sent >= 3 )) || fail "too few LACPDUs captured"
expect_eq "lacpdu_rx_stats = tcpdump's inbound count" "$received" "$(stat team0 tp0 lacpdu_rx_stats)"
expect_eq "lacpdu_tx_stats = tcpdump's outbound count" "$sent" "$(stat team0 tp0 lacpdu_tx_stats)"
expect_eq "lacpdu_illegal_pkts" 0 "$(stat team0 tp0 lacpdu_illegal_pkts)"
[[ "$(stat team0 tp0 last_lacpdu_rx_time)" =~ ^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-9:]{8}\.[0-9]{9}Z$ ]] \
    || fail "last_lacpdu_rx_time is not a date: $(stat team0 tp0 last_lacpdu_rx_time)"
expect_contains "state view -v" "LACPDUs received: $received" "$($BIN/teamdctl -v team0 state view)"
ip -n sw link set tp0p up
wait_until 30 in_lacp team0 tp0
log "(a) counters equal tcpdump's; clearing works; state view -v shows them"
stop_fg team0

# (b) fast_rate at run time. Bonding sends every 30 s to an actor that asks for the long timeout.
start_fg team0 '{"runner":{"name":"lacp","fast_rate":false},"ports":{"tp0":{},"tp1":{}}}'
ip link set team0 up
wait_until 60 in_lacp team0 tp0
wait_until 60 in_lacp team0 tp1
sleep 2
capture tp0 /tmp/rate.pcap
sleep 3
t0=$(date +%s.%N)
$C_TEAMDCTL team0 state item set runner.fast_rate true || fail "state item set runner.fast_rate failed"
sleep 5
stop_capture /tmp/rate.pcap
# The partner's LACPDUs (not ours: ours leave from our port's MAC) with their times.
tcpdump -n -tt -r /tmp/rate.pcap "not ether src $port_mac" \
    2>/dev/null | awk '{print $1}' > /tmp/rate.times
before=$(awk -v t="$t0" '$1 < t' /tmp/rate.times | wc -l)
after=$(awk -v t="$t0" '$1 >= t' /tmp/rate.times | wc -l)
first=$(awk -v t="$t0" '$1 >= t {printf "%.3f\n", $1 - t; exit}' /tmp/rate.times)
log "(b) partner LACPDUs on tp0: $before in the 3 s before the change, $after in the 5 s after, the first after ${first}s"
(( before <= 1 )) || fail "the partner was not at the slow rate before ($before in 3 s)"
(( after >= 4 )) || fail "the partner did not switch to the fast rate ($after in 5 s)"
awk -v f="$first" 'BEGIN {exit !(f <= 1.5)}' || fail "the first fast LACPDU came ${first}s after the change"
expect_eq "expirations" 0 "$(expirations team0)"
in_lacp team0 tp0 && in_lacp team0 tp1 || fail "a port left the aggregate"
expect_eq "runner.fast_rate" true "$($C_TEAMDCTL team0 state item get runner.fast_rate)"
$C_TEAMDCTL team0 state item set runner.fast_rate false || fail "back to slow failed"
sleep 5
expect_eq "expirations after slowing down" 0 "$(expirations team0)"
in_lacp team0 tp0 && in_lacp team0 tp1 || fail "a port left the aggregate after slowing down"
log "(b) fast_rate false -> true: the partner's interval switched within one period, no flap; back: no flap"
stop_fg team0
log "ok"
