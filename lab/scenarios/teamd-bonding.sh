#!/bin/bash
# Our teamd on a kernel whose team module cannot load (modprobe.d `install team /bin/false` in the guest's
# tmpfs /etc): it says so once and runs the bonding driver instead (issue 13). One boot, several cases:
# - neither module loadable: one line naming both, exit 1, nothing made; `--backend team` likewise;
# - activebackup with ethtool and validated arp_ping (link_watch_policy all): a link cut and an ARP path
#   failure with the carrier up both move the bond's active slave; prio picks the first, sticky holds;
#   pings every 10 ms across the link cut;
# - roundrobin with arp_ping: a port whose answers stop is taken out of the bond (released, kept up) and
#   comes back; broadcast and loadbalance pass traffic and survive a port's link cut;
# - lacp against a bonding partner: the 802.3ad aggregate forms, min_ports holds the bond down;
# - the C and our teamdctl: state dump/view, port remove/add, config dump on the bond.
. "$(dirname "$0")/../lib.sh"
block() { printf 'install %s /bin/false\n' "$@" > /etc/modprobe.d/swift-team-lab-block.conf; }
block team bonding
modprobe veth
! modprobe team 2>/dev/null || fail "the team module still loads"
partner_switch 2

log "neither team.ko nor bonding.ko loadable"
out=$("$BIN/teamd" -t team0 -c '{"runner":{"name":"roundrobin"}}' 2>&1) && fail "teamd started without drivers"
expect_contains "the error names both modules" "modules team and bonding missing" "$out"
(( $(grep -c 'Failed to create' <<<"$out") == 1 )) || fail "not one line: $out"
! ip link show team0 2>/dev/null || fail "team0 left behind"
block team
modprobe bonding max_bonds=0
out=$("$BIN/teamd" --backend team -t team0 -c '{"runner":{"name":"roundrobin"}}' 2>&1) && fail "--backend team started"
expect_contains "--backend team names team" "module team missing" "$out"
out=$("$BIN/teamd" -t team0 -c '{"runner":{"name":"random"}}' 2>&1) && fail "random started on bonding"
expect_contains "random names roundrobin" 'use "roundrobin"' "$out"
! ip link show team0 2>/dev/null || fail "team0 left behind"

# cut PEER / uncut PEER: the partner stops sending out of PEER; the carrier stays (as teamd-ping-watchers).
cut() {
    ip netns exec sw tc qdisc add dev "$1" root handle 1: prio
    ip netns exec sw tc filter add dev "$1" parent 1: protocol all prio 1 matchall action drop
}
uncut() { ip netns exec sw tc qdisc del dev "$1" root; }
bond_active() { grep -q "Currently Active Slave: $1" /proc/net/bonding/team0 && is_active team0 "$1"; }
watch_up() { [ "$($C_TEAMDCTL team0 state item get "ports.$1.link_watches.up")" = true ]; }
in_bond() { ip -br link show master team0 | grep -q "^$1[@ ]"; }
arp='{"name":"arp_ping","source_host":"192.0.2.1","target_host":"192.0.2.2","interval":100,"missed_max":2,
      "validate_active":true,"validate_inactive":true,"send_always":true}'

log "activebackup: ethtool and arp_ping, tp0 prio 10, tp1 sticky"
# tp1's peer stays down until tp0 is active: a sticky tp1 whose watches came up first would rightly keep
# the active slave from tp0 (prio only picks among ports that are up at the moment of the choice).
ip -n sw link set tp1p down
start_teamd ours team0 '{"runner":{"name":"activebackup"},"link_watch_policy":"all",
  "link_watch":[{"name":"ethtool"},'"$arp"'],"ports":{"tp0":{"prio":10},"tp1":{"sticky":true}}}' -l stderr
ip addr add 192.0.2.1/24 dev team0
ip link set team0 up
grep -q "Bonding Mode: fault-tolerance (active-backup)" /proc/net/bonding/team0 || fail "not active-backup"
grep -q "MII Polling Interval (ms): 0" /proc/net/bonding/team0 || fail "the bond's miimon is on"
expect_eq "kernel_team_mode_name" active-backup "$($C_TEAMDCTL team0 state item get setup.kernel_team_mode_name)"
wait_until 15 bond_active tp0
ip -n sw link set tp1p up
wait_until 15 watch_up tp1
bond_active tp0 || fail "tp1 took the active slave from tp0 (prio 10) on coming up"
wait_until 10 ping -c1 -W1 192.0.2.2
ping -i 0.01 -c 300 -W 1 192.0.2.2 > /tmp/ping.log 2>&1 &
pinger=$!
sleep 0.5
ip -n sw link set tp0p down
wait_until 10 bond_active tp1
wait $pinger || true
read -r sent got < <(ping_stats /tmp/ping.log)
log "link cut on tp0: tp1 active; pings every 10 ms: $sent sent, $((sent - got)) lost"
(( got > 0 && sent - got <= 25 )) || fail "traffic did not survive the link cut ($sent sent, $got received)"
ip -n sw link set tp0p up
wait_until 15 watch_up tp0
sleep 0.3
bond_active tp1 || fail "sticky tp1 lost the active slave to tp0 (prio 10)"
log "tp0 back: sticky tp1 stays active"
cut tp1p
wait_until 10 bond_active tp0
expect_contains "tp1's carrier stays while its answers are cut" LOWER_UP "$(ip link show tp1)"
log "ARP answers cut on tp1, carrier up: tp0 active"
uncut tp1p
wait_until 15 watch_up tp1
ping -c3 -i 0.2 -W1 192.0.2.2 >/dev/null || fail "no pings after the failovers"

log "control on the bond: state view, port remove/add, config dump"
$C_TEAMDCTL team0 state view | grep -q "active port: tp0" || fail "C teamdctl state view: $($C_TEAMDCTL team0 state view)"
"$BIN/teamdctl" team0 state dump | jq -e '.setup.kernel_team_mode_name == "active-backup"' >/dev/null \
    || fail "our teamdctl state dump"
"$BIN/teamdctl" team0 config dump | jq -e '.runner.name == "activebackup"' >/dev/null || fail "config dump"
out=$($C_TEAMDCTL team0 port remove tp1 2>&1) || fail "port remove: $out"
wait_until 5 sh -c '! ip -br link show master team0 | grep -q "^tp1[@ ]"'
out=$($C_TEAMDCTL team0 port add tp1 2>&1) || fail "port add: $out; $(tail -5 /tmp/teamd-ours-team0.err)"
in_bond tp1 || fail "tp1 not in the bond after port add: $(ip -br link show master team0); $(tail -5 /tmp/teamd-ours-team0.err)"
stop_teamd ours team0
! ip link show team0 2>/dev/null || fail "team0 left after teamd -k"

log "roundrobin with arp_ping: a port whose answers stop leaves the bond, up, and comes back"
start_teamd ours team0 '{"runner":{"name":"roundrobin"},"link_watch":'"$arp"',"ports":{"tp0":{},"tp1":{}}}'
ip addr add 192.0.2.1/24 dev team0
ip link set team0 up
grep -q "load balancing (round-robin)" /proc/net/bonding/team0 || fail "not balance-rr"
rr_ready() { in_bond tp0 && in_bond tp1 && watch_up tp0; }
wait_until 15 rr_ready
cut tp0p
wait_until 10 sh -c '! ip -br link show master team0 | grep -q "^tp0[@ ]"'
expect_contains "parked tp0 stays up" "UP" "$(ip -br link show tp0)"
ping -c5 -i 0.1 -W1 192.0.2.2 >/dev/null || fail "no traffic over tp1 alone"
uncut tp0p
wait_until 10 in_bond tp0
log "tp0 released while its answers were cut, enslaved again when they came back"
stop_teamd ours team0

for mode in broadcast loadbalance; do
    ip link set tp0 down; ip link set tp1 down
    start_teamd ours team0 '{"runner":{"name":"'$mode'"},"link_watch":{"name":"ethtool"},"ports":{"tp0":{},"tp1":{}}}'
    ip addr add 192.0.2.1/24 dev team0
    ip link set team0 up
    wait_until 10 ping -c1 -W1 192.0.2.2
    ip -n sw link set tp1p down
    ping -c5 -i 0.1 -W1 192.0.2.2 >/dev/null || fail "$mode: no traffic after tp1's link cut"
    ip -n sw link set tp1p up
    log "$mode ($(sed -n 's/^Bonding Mode: //p' /proc/net/bonding/team0)): traffic, and after a link cut"
    stop_teamd ours team0
done

log "lacp against a bonding partner (802.3ad, lacp_rate fast)"
netns_add lp
veth_pair tl0 tl0p lp; veth_pair tl1 tl1p lp
ip -n lp link add pbond type bond mode 802.3ad lacp_rate fast miimon 50
for p in tl0p tl1p; do ip -n lp link set $p down; ip -n lp link set $p master pbond; done
ip -n lp link set pbond up
ip -n lp addr add 198.51.100.2/24 dev pbond
start_teamd ours team1 '{"runner":{"name":"lacp","fast_rate":true,"min_ports":2},"link_watch":{"name":"ethtool"},
  "ports":{"tl0":{},"tl1":{}}}'
ip addr add 198.51.100.1/24 dev team1
ip link set team1 up
grep -q "Bonding Mode: IEEE 802.3ad" /proc/net/bonding/team1 || fail "not 802.3ad"
partner_mac=$(mac_of pbond lp)
wait_until 20 sh -c "grep -q 'Partner Mac Address: $partner_mac' /proc/net/bonding/team1"
wait_until 10 ping -c1 -W1 198.51.100.2
log "aggregate formed with the partner $partner_mac"
ip -n lp link set tl1p down
wait_until 10 sh -c '! ping -c1 -W1 198.51.100.2'
log "min_ports 2: one port cut, the bond holds the traffic down"
stop_teamd ours team1
rm /etc/modprobe.d/swift-team-lab-block.conf
