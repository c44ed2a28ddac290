#!/bin/bash
# The demo on a kernel without the team driver (issue 13): team.ko made unloadable (modprobe.d
# `install team /bin/false` in the guest's tmpfs /etc), so our teamd runs the same activebackup team on the
# bonding driver; pings every 10 ms cross it, the active port's peer is cut, `teamdctl team0 state view`
# and /proc/net/bonding/team0 before and after. Run: lab/run lab/demo-bonding.sh
. "$(dirname "$0")/lib.sh"
printf 'install team /bin/false\n' > /etc/modprobe.d/swift-team-demo-block.conf
modprobe veth
modprobe bonding max_bonds=0
partner_switch 2

log "starting $BIN/teamd (activebackup, ethtool link watch, tp0 prio 10) with team.ko blocked"
"$BIN/teamd" -d -t team0 -c '{"runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"},
    "ports":{"tp0":{"prio":10},"tp1":{}}}'
wait_until 10 test -S /var/run/teamd/team0.sock
ip addr add 192.0.2.1/24 dev team0
ip link set team0 up
wait_until 10 sh -c "$C_TEAMDCTL team0 state item get runner.active_port | grep -q tp0"
wait_until 10 ping -c1 -W1 192.0.2.2
log "teamdctl team0 state view (before):"
$C_TEAMDCTL team0 state view
grep -E "Bonding Mode|Currently Active Slave|MII Polling" /proc/net/bonding/team0

ping -i 0.01 -c 300 -W 1 192.0.2.2 > /tmp/ping.log 2>&1 &
pinger=$!
sleep 1
log "cutting the active port's peer: ip -n sw link set tp0p down"
ip -n sw link set tp0p down
wait_until 5 sh -c "$C_TEAMDCTL team0 state item get runner.active_port | grep -q tp1"
wait $pinger || true
read -r sent got < <(ping_stats /tmp/ping.log)
log "teamdctl team0 state view (after):"
$C_TEAMDCTL team0 state view
grep -E "Currently Active Slave" /proc/net/bonding/team0
log "pings every 10 ms across the failover: $sent sent, $got received, $((sent - got)) lost"
(( got > 0 && sent - got <= 25 )) || fail "traffic did not survive the failover ($sent sent, $got received)"
"$BIN/teamd" -k -t team0
wait_until 10 sh -c '! ip link show team0'
log "teamd stopped, team0 removed"
