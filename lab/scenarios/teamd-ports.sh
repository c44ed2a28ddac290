#!/bin/bash
# Ports coming and going: enslaved behind teamd's back they appear in the state and follow the runner;
# released with nomaster they disappear; port add/remove/present and config dumps through the C teamdctl
# behave as with the C teamd.
. "$(dirname "$0")/../lib.sh"
lab_modules
partner_switch 3

for which in c ours; do
    start_teamd $which team0 '{"runner":{"name":"roundrobin"},"ports":{"tp0":{},"tp1":{"prio":3}}}'
    wait_until 10 sh -c "$C_TEAMDCTL team0 state dump | jq -e '.ports | length == 2'"
    # Behind its back.
    ip link set tp2 master team0
    wait_until 10 sh -c "$C_TEAMDCTL team0 state dump | jq -e '.ports.tp2.link_watches.up == true'"
    wait_until 5 sh -c "$C_TEAMNL team0 getoption enabled -p tp2 | grep -q true"
    ip link set tp2 nomaster
    wait_until 10 sh -c "$C_TEAMDCTL team0 state dump | jq -e '.ports | has(\"tp2\") | not'"
    # Through the control socket.
    $C_TEAMDCTL team0 port remove tp1
    ! $C_TEAMDCTL team0 port present tp1 >/dev/null 2>&1 || fail "$which: tp1 still present"
    $C_TEAMDCTL team0 port add tp2
    $C_TEAMDCTL team0 port present tp2 >/dev/null || fail "$which: tp2 not present"
    $C_TEAMDCTL team0 port config update tp2 '{"prio": 7}'
    expect_eq "$which: priority from port config update" 7 "$($C_TEAMNL -p tp2 team0 getoption priority)"
    $C_TEAMDCTL team0 config dump > /tmp/cfg-$which.json
    $C_TEAMDCTL team0 config dump actual > /tmp/actual-$which.json
    $C_TEAMDCTL team0 config dump noports > /tmp/noports-$which.json
    set +e
    $C_TEAMDCTL team0 port add nosuch0 > /tmp/add-err-$which.txt 2>&1; echo "rc=$?" >> /tmp/add-err-$which.txt
    $C_TEAMDCTL team0 port remove tp1 > /tmp/rm-err-$which.txt 2>&1; echo "rc=$?" >> /tmp/rm-err-$which.txt
    set -e
    stop_teamd $which team0
done
for f in cfg actual noports add-err; do
    diff -u /tmp/$f-c.* /tmp/$f-ours.* || fail "$f differs from the C teamd's"
done
log "foreign enslave/release followed; port add/remove/present, config update and dumps as the C teamd"
