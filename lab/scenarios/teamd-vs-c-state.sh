#!/bin/bash
# For each runner ours supports, the C teamdctl's `state dump` of our teamd has the same keys and values
# as the C teamd's for the same config on the same VM (pid and the team's ifindex aside), and
# `state view` (plain and -v, less the PID line) prints the same text.
. "$(dirname "$0")/../lib.sh"
lab_modules
partner_switch 2

for runner in broadcast roundrobin random activebackup loadbalance; do
    config='{"runner":{"name":"'$runner'"},"link_watch":{"name":"ethtool"},"ports":{"tp0":{"prio":10},"tp1":{}}}'
    for which in c ours; do
        start_teamd $which team0 "$config"
        # Both ports up and (activebackup) an active port chosen: a steady state to compare.
        wait_until 10 sh -c "$C_TEAMDCTL team0 state dump | jq -e '[.ports[].link_watches.up] == [true, true]'"
        [ $runner = activebackup ] && wait_until 10 sh -c "[ \"\$($C_TEAMDCTL team0 state item get runner.active_port)\" = tp0 ]"
        normalized_state team0 > /tmp/state-$which.json
        $C_TEAMDCTL team0 state view > /tmp/view-$which.txt
        $C_TEAMDCTL -v team0 state view | grep -v '^  PID: ' > /tmp/viewv-$which.txt
        $C_TEAMDCTL team0 config dump > /tmp/config-$which.json
        stop_teamd $which team0
        ! ip link show team0 2>/dev/null || fail "$which teamd left team0 behind"
    done
    diff -u /tmp/state-c.json /tmp/state-ours.json || fail "$runner: state dump differs from the C teamd's"
    diff -u /tmp/view-c.txt /tmp/view-ours.txt || fail "$runner: state view differs"
    diff -u /tmp/viewv-c.txt /tmp/viewv-ours.txt || fail "$runner: state view -v differs"
    diff -u /tmp/config-c.json /tmp/config-ours.json || fail "$runner: config dump differs"
    log "$runner: state dump, state view (-v) and config dump identical to the C teamd's"
done
