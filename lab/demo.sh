#!/bin/bash
# The demo: an activebackup team between two namespaces (the host's side and a partner switch), pings
# across it, the active port's peer cut, `teamdctl team0 state view` before and after.
# Also run by lab/test as scenarios demo-ours and lab-c-teamd-failover (with the C teamd).
# DEMO_TEAMD picks the daemon: "ours" (the default) or "c" (Debian's libteam, for comparison).
# DEMO_BACKEND=bonding (lab/demo-bonding.sh) makes team.ko unloadable first, so that our teamd runs the
# same team on the bonding driver, and shows /proc/net/bonding/team0 too.
. "$(dirname "$0")/lib.sh"
case "${DEMO_TEAMD:-ours}" in
    ours) TEAMD=$BIN/teamd ;;
    c) TEAMD=$C_TEAMD ;;
    *) fail "DEMO_TEAMD must be ours or c" ;;
esac
bonding_lines() { [ "${DEMO_BACKEND:-}" = bonding ] && grep -E "$1" /proc/net/bonding/team0 || true; }
if [ "${DEMO_BACKEND:-}" = bonding ]; then
    printf 'install team /bin/false\n' > /etc/modprobe.d/swift-team-demo-block.conf
    modprobe veth
    modprobe bonding max_bonds=0
else
    lab_modules
fi
partner_switch 2

log "starting $TEAMD (activebackup, ethtool link watch, tp0 prio 10)${DEMO_BACKEND:+ with team.ko blocked}"
"$TEAMD" -d -t team0 -c '{"runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"},
    "ports":{"tp0":{"prio":10},"tp1":{}}}'
wait_until 10 test -S /var/run/teamd/team0.sock
ip addr add 192.0.2.1/24 dev team0
ip link set team0 up
wait_until 10 sh -c "$C_TEAMDCTL team0 state item get runner.active_port | grep -q tp0"
wait_until 10 ping -c1 -W1 192.0.2.2
log "teamdctl team0 state view (before):"
$C_TEAMDCTL team0 state view
bonding_lines "Bonding Mode|Currently Active Slave|MII Polling"

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
bonding_lines "Currently Active Slave"
log "pings every 10 ms across the failover: $sent sent, $got received, $((sent - got)) lost"
(( got > 0 && sent - got <= 25 )) || fail "traffic did not survive the failover ($sent sent, $got received)"
ping -c3 -i 0.2 -W1 192.0.2.2 >/dev/null || fail "no pings over the backup port"
"$TEAMD" -k -t team0
wait_until 10 sh -c '! ip link show team0'
log "teamd stopped, team0 removed"
