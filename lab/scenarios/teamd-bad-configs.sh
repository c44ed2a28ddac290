#!/bin/bash
# teamd refuses broken configs: each exits 1 with one message naming the JSON path (or the JSON error's
# position), before any device is touched, so no team device is left behind.
. "$(dirname "$0")/../lib.sh"
lab_modules
veth_pair tp0 tp0p
veth_pair tp1 tp1p

# Each line: the config, then after a TAB what the message must contain.
cases=$(cat <<'TABLE'
{"runner":	line 1
{"runner":{"name":"nosuch"}}	$.runner.name
{"runner":{"name":7}}	$.runner.name
{"runner":"activebackup"}	$.runner
{"device":"this-name-is-far-too-long"}	$.device
{"device":42}	$.device
{"hwaddr":"zz:00:00:00:00:01"}	$.hwaddr
{"hwaddr":"01:00:00:00:00:01"}	$.hwaddr
{"debug_level":"x"}	$.debug_level
{"link_watch_policy":"some"}	$.link_watch_policy
{"link_watch":{"name":"carrier"}}	$.link_watch.name
{"link_watch":{"name":"arp_ping","interval":100}}	$.link_watch.target_host
{"link_watch":{"name":"arp_ping","target_host":"192.0.2.1","vlanid":5000}}	$.link_watch.vlanid
{"link_watch":{"name":"arp_ping","target_host":"192.0.2.1","interval":-5}}	$.link_watch.interval
{"link_watch":{"name":"arp_ping","target_host":"192.0.2.1","send_always":"yes"}}	$.link_watch.send_always
{"link_watch":{"name":"nsna_ping"}}	$.link_watch.target_host
{"link_watch":{"name":"ethtool","delay_up":"soon"}}	$.link_watch.delay_up
{"link_watch":[{"name":"ethtool"},{"name":"bogus"}]}	$.link_watch[1].name
{"link_watch":{"name":"tipc"}}	$.link_watch.tipc_bearer
{"ports":{"tp0":{"prio":"high"}}}	$.ports.tp0.prio
{"ports":{"tp0":{"prio":1.5}}}	$.ports.tp0.prio
{"ports":{"tp0":{"sticky":1}}}	$.ports.tp0.sticky
{"ports":{"tp0":{"queue_id":-1}}}	$.ports.tp0.queue_id
{"ports":{"tp0":{"link_watch":{"name":"nope"}}}}	$.ports.tp0.link_watch.name
{"ports":["tp0"]}	$.ports
{"ports":{"tp0":{},"tp0":{}}}	$.ports.tp0
{"runner":{"name":"activebackup","hwaddr_policy":"random"}}	$.runner.hwaddr_policy
{"runner":{"name":"lacp","sys_prio":70000}}	$.runner.sys_prio
{"runner":{"name":"lacp","min_ports":0}}	$.runner.min_ports
{"runner":{"name":"lacp","agg_select_policy":"best"}}	$.runner.agg_select_policy
{"runner":{"name":"lacp","fast_rate":"yes"}}	$.runner.fast_rate
{"runner":{"name":"loadbalance","tx_hash":["eth","l7"]}}	$.runner.tx_hash[1]
{"runner":{"name":"loadbalance","tx_balancer":{"name":"smart"}}}	$.runner.tx_balancer.name
{"notify_peers":{"count":-1}}	$.notify_peers.count
{"mcast_rejoin":{"interval":"1s"}}	$.mcast_rejoin.interval
[1,2,3]	$
TABLE
)
n=0
while IFS=$'\t' read -r config want; do
    n=$((n + 1))
    set +e
    msg=$("$BIN/teamd" -t team0 -c "$config" 2>&1)
    rc=$?
    set -e
    [ "$rc" = 1 ] || fail "case $n ($config): exit $rc, expected 1; output: $msg"
    expect_contains "case $n ($config) message" "$want" "$msg"
    # Shell builtins and sysfs only: a process start costs tens of ms in the guest.
    mapfile -t lines <<< "$msg"
    [ "${#lines[@]}" -le 2 ] || fail "case $n: more than one message: $msg"
    [ ! -e /sys/class/net/team0 ] || fail "case $n ($config) left team0 behind"
    [ ! -e /sys/class/net/tp0/master ] && [ ! -e /sys/class/net/tp1/master ] || fail "case $n left ports enslaved"
done <<< "$cases"
log "$n broken configs refused with exit 1, each naming its path; no device left"
# A config naming a port that does not exist fails at start (exit 1) and also leaves nothing behind.
set +e; msg=$("$BIN/teamd" -t team0 -c '{"ports":{"tp0":{},"nosuch0":{}}}' 2>&1); rc=$?; set -e
[ "$rc" = 1 ] || fail "missing port: exit $rc: $msg"
expect_contains "missing port" "nosuch0" "$msg"
! ip link show team0 >/dev/null 2>&1 || fail "missing port left team0 behind"
[ -z "$(ip -o link show tp0 | grep master)" ] || fail "missing port left tp0 enslaved"
log "a missing port fails the start and leaves no device and no enslaved port"
