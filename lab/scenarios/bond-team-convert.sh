#!/bin/bash
# bond2team and team2bond against the real drivers, in one boot.
# (a) bond2team --from-sysfs: a live 802.3ad bond (against a bonding partner) becomes a teamd.conf that
#     our teamd accepts and runs with the same mode and options: both ports aggregate with the partner.
# (b) team2bond --format iproute2: the commands for several teamd configs build a bond whose
#     /proc/net/bonding/bt0 shows the mode and options expected.
# The nmcli, networkd and ifupdown outputs are checked by the unit tests only so far (NetworkManager 1.42
# takes the bond but did not attach the ports within 30 s in a first try; ifupdown is not installed).
# lab-timeout: 300
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lacp-switch.inc"
for tool in bond2team team2bond teamd; do [ -x "$BIN/$tool" ] || fail "no $tool in $BIN (build it first)"; done
two_links
bond_partner
trap 'rc=$?; if [ $rc -ne 0 ]; then for f in /tmp/team0.log /tmp/bt0.report /tmp/nm.log; do
    [ -f $f ] && { echo "--- $f" >&2; tail -n 30 $f >&2; }; done; fi' EXIT

# (a) The bond, with options that differ from every default.
ip link add bond0 type bond mode 802.3ad lacp_rate fast xmit_hash_policy layer3+4 ad_select count \
    miimon 100 updelay 200 min_links 1 ad_actor_sys_prio 1000
ip link set tp0 master bond0
ip link set tp1 master bond0
ip link set bond0 up
"$BIN/bond2team" --from-sysfs bond0 --rename team0 --json --stdout > /tmp/team0.conf 2>/tmp/bond2team.err \
    || fail "bond2team failed: $(cat /tmp/bond2team.err)"
log "bond2team --from-sysfs bond0: $(jq -c . /tmp/team0.conf)"
[ -s /tmp/bond2team.err ] && log "its messages: $(cat /tmp/bond2team.err)"
expect_eq "converted runner" '{"name":"lacp","fast_rate":true,"sys_prio":1000,"agg_select_policy":"count","tx_hash":["l3","l4"]}' \
    "$(jq -c '.runner | del(.active)' /tmp/team0.conf)"
expect_eq "converted watcher" '{"name":"ethtool","delay_up":200}' "$(jq -c .link_watch /tmp/team0.conf)"
expect_eq "converted ports" '["tp0","tp1"]' "$(jq -c '.ports | keys' /tmp/team0.conf)"
ip link del bond0
"$BIN/teamd" -t team0 -f /tmp/team0.conf -l stderr 2>/tmp/team0.log &
teamd_pid=$!
wait_until 60 test -S /var/run/teamd/team0.sock
ip addr add 192.0.2.1/24 dev team0
ip link set team0 up
wait_until 20 in_lacp team0 tp0
wait_until 20 in_lacp team0 tp1
state=$($C_TEAMDCTL team0 state dump)
expect_eq "runner on our teamd" '{"fast_rate":true,"select_policy":"count","sys_prio":1000}' \
    "$(jq -cS '.runner | {fast_rate, select_policy, sys_prio}' <<<"$state")"
expect_eq "the partner bond's aggregator has both ports" 2 \
    "$(ip netns exec sw grep -A3 'Active Aggregator Info' /proc/net/bonding/bond0 | sed -n 's/.*Number of ports: //p')"
wait_until 10 ping -c1 -W1 192.0.2.2
log "(a) the converted bond runs on our teamd: lacp, fast rate, both ports aggregated with the bonding partner"
kill $teamd_pid
wait_until 20 sh -c "! kill -0 $teamd_pid"

# (b) team2bond's iproute2 commands. bond_check CONFIG EXPECTED...: converts CONFIG (bond bt0 over tp0 and
# tp1), runs the script and finds each EXPECTED line in /proc/net/bonding/bt0 (a line "ip: TEXT" in
# `ip -d link show tp0` instead); the bond is deleted afterwards.
bond_check() {
    local format=$1 config=$2; shift 2
    echo "$config" | "$BIN/team2bond" --format "$format" --name bt0 - > "/tmp/bt0.$format" 2>/tmp/bt0.report \
        || fail "team2bond failed on $config: $(cat /tmp/bt0.report)"
    case $format in
    iproute2) sh -e /tmp/bt0.iproute2 || fail "the iproute2 script failed: $(cat /tmp/bt0.iproute2)" ;;
    nmcli) sed 's/^nmcli connection add type bond .*/& ipv4.method disabled ipv6.method disabled/' /tmp/bt0.nmcli > /tmp/bt0.sh
           sh -e /tmp/bt0.sh >/dev/null || fail "the nmcli script failed: $(cat /tmp/bt0.nmcli)" ;;
    esac
    wait_until 30 grep -q "Slave Interface: tp1" /proc/net/bonding/bt0
    local expected proc
    proc=$(cat /proc/net/bonding/bt0)
    for expected in "$@"; do
        case $expected in
        ip:*) expect_contains "$format: ip -d link show tp0" "${expected#ip: }" "$(ip -d link show tp0)" ;;
        *) expect_contains "$format: /proc/net/bonding/bt0 for $config" "$expected" "$proc" ;;
        esac
    done
    case $format in
    iproute2) ip link del bt0 ;;
    nmcli) nmcli connection delete bt0 bt0-tp0 bt0-tp1 >/dev/null ;;
    esac
    wait_until 10 sh -c '! test -e /sys/class/net/bt0'
}
ab='{"runner":{"name":"activebackup","hwaddr_policy":"only_active"},"ports":{"tp0":{"prio":10},"tp1":{"prio":5}},
     "link_watch":[{"name":"arp_ping","target_host":"192.0.2.2","interval":100,"missed_max":4,"validate_active":true},
                   {"name":"arp_ping","target_host":"192.0.2.3","interval":100,"missed_max":4,"validate_active":true}],
     "link_watch_policy":"all"}'
lacp='{"runner":{"name":"lacp","fast_rate":true,"sys_prio":100,"min_ports":2,"agg_select_policy":"count",
       "tx_hash":["l3","l4"]},"ports":{"tp0":{"lacp_key":7},"tp1":{"lacp_key":7}}}'
for format in iproute2; do
    bond_check $format "$ab" "Bonding Mode: fault-tolerance (active-backup) (fail_over_mac follow)" \
        "Primary Slave: tp0 (primary_reselect always)" "ARP Polling Interval (ms): 100" \
        "$([ $format = iproute2 ] && echo "ARP Missed Max: 4" || echo "ARP Polling")" \
        "ARP IP target/s (n.n.n.n form): 192.0.2.2, 192.0.2.3" "ip: bond_slave state" \
        "$([ $format = iproute2 ] && echo "ip: prio 10" || echo "ip: bond_slave")"
    bond_check $format "$lacp" "Bonding Mode: IEEE 802.3ad Dynamic link aggregation" \
        "Transmit Hash Policy: layer3+4 (1)" "LACP rate: fast" "Min links: 2" \
        "Aggregator selection policy (ad_select): count" "System priority: 100" "MII Polling Interval (ms): 100"
    bond_check $format '{"runner":{"name":"loadbalance","tx_hash":["eth"]},"ports":{"tp0":{},"tp1":{}},
        "link_watch":{"name":"ethtool","delay_up":250,"delay_down":100}}' \
        "Bonding Mode: load balancing (xor)" "Transmit Hash Policy: layer2 (0)" "MII Polling Interval (ms): 50" \
        "Up Delay (ms): 250" "Down Delay (ms): 100"
    bond_check $format '{"runner":{"name":"loadbalance","tx_balancer":{"name":"basic"}},"ports":{"tp0":{},"tp1":{}}}' \
        "Bonding Mode: transmit load balancing"
    # NetworkManager 1.42 has no ns_ip6_target (team2bond reports it): iproute2 only.
    [ $format = iproute2 ] && bond_check $format '{"runner":{"name":"roundrobin"},"ports":{"tp0":{},"tp1":{}},
        "link_watch":{"name":"nsna_ping","target_host":"2001:db8::2","interval":200}}' \
        "Bonding Mode: load balancing (round-robin)" "ARP Polling Interval (ms): 200" \
        "NS IPv6 target/s (xx::xx form): 2001:db8::2"
    bond_check $format '{"runner":{"name":"broadcast"},"ports":{"tp0":{},"tp1":{}}}' \
        "Bonding Mode: fault-tolerance (broadcast)"
    log "($([ $format = iproute2 ] && echo "b) team2bond --format $format: 6" || echo "c) team2bond --format $format: 5") configs give the expected bonds"
done
