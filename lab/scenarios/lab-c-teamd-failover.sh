#!/bin/bash
# The lab itself: Debian's C teamd (activebackup, ethtool watcher) over two veth ports into a partner
# namespace; pings cross it, and keep crossing when the active port's peer goes down.
. "$(dirname "$0")/../lib.sh"
lab_modules
netns_add sw
veth_pair tp0 tp0p sw
veth_pair tp1 tp1p sw
switch_ns sw tp0p tp1p
ip -n sw addr add 192.0.2.2/24 dev br0

$C_TEAMD -d -t team0 -c '{"runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"},
    "ports":{"tp0":{"prio":10},"tp1":{}}}'
wait_until 10 test -S /var/run/teamd/team0.sock
ip addr add 192.0.2.1/24 dev team0
ip link set team0 up
wait_until 10 sh -c "$C_TEAMDCTL team0 state item get runner.active_port | grep -q tp0"
wait_until 10 ping -c1 -W1 192.0.2.2

ping -i 0.02 -w 4 192.0.2.2 > /tmp/ping.log 2>&1 &
pinger=$!
sleep 1
log "cutting tp0's peer"
ip -n sw link set tp0p down
wait_until 5 sh -c "$C_TEAMDCTL team0 state item get runner.active_port | grep -q tp1"
wait $pinger || true
read -r sent got < <(ping_stats /tmp/ping.log)
log "pings: $sent sent, $got received"
(( got > 0 && sent - got <= 25 )) || fail "traffic did not survive the failover ($sent sent, $got received)"
ping -c3 -i 0.2 -W1 192.0.2.2 >/dev/null || fail "no pings over the backup port"
$C_TEAMD -k -t team0
wait_until 10 sh -c '! ip link show team0'
