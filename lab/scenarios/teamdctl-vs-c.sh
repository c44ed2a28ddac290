#!/bin/bash
# Our teamdctl against the C teamd, next to the C teamdctl: for several runners (activebackup with
# ethtool, roundrobin, loadbalance, lacp with a C teamd partner; arp_ping/nsna_ping watchers), every
# read command must print byte for byte what the C teamdctl prints (stdout, stderr, exit status), and
# the changes our teamdctl makes (port add/remove, item set, port config update) must be what the C
# teamdctl then sees.
# Usage: lab/run lab/scenarios/teamdctl-vs-c.sh [BINDIR [RECORDDIR]]
#   BINDIR: where our teamdctl is (default $BIN of lab/lib.sh);
#   RECORDDIR: if given, the C teamd's state dumps are saved there (fixtures for the unit tests).
. "$(dirname "$0")/../lib.sh"
OURS_DIR=${1:-$BIN}
RECORD=${2:-}
[ -x "$OURS_DIR/teamdctl" ] || fail "no teamdctl in $OURS_DIR (build it first)"
# Both tools are called through PATH, so that argv[0] (in the help and getopt's messages) is the same.
mkdir -p /tmp/c-bin /tmp/our-bin
ln -sf "$C_TEAMDCTL" /tmp/c-bin/teamdctl
ln -sf "$OURS_DIR/teamdctl" /tmp/our-bin/teamdctl
c_ctl() { PATH=/tmp/c-bin:$PATH teamdctl "$@"; }
our_ctl() { PATH=/tmp/our-bin:$PATH teamdctl "$@"; }
[ -n "$RECORD" ] && mkdir -p "$RECORD"

checks=0
mask_missed() { sed -E 's/("missed": |missed: |missed packets: )[0-9]+/\1N/'; }

# same ARGS...: both tools print the same and exit the same. The daemon's state may move between the
# two calls (a link watch counter, an LACP transition), so a difference is retried a few times.
same() {
    local try
    for try in 1 2 3 4 5 6 7 8 9 10; do
        local rc=0
        c_ctl "$@" > /tmp/c.out 2> /tmp/c.err || rc=$?
        echo $rc > /tmp/c.rc
        rc=0
        our_ctl "$@" > /tmp/o.out 2> /tmp/o.err || rc=$?
        echo $rc > /tmp/o.rc
        if cmp -s /tmp/c.out /tmp/o.out && cmp -s /tmp/c.err /tmp/o.err && cmp -s /tmp/c.rc /tmp/o.rc; then
            checks=$((checks + 1)); return 0
        fi
        # A watcher's `missed` counter grows every probe interval (200 ms for nsna_ping here) while its
        # target stays silent; on a loaded host the two calls are further apart than that. Everything
        # else must still be identical.
        if [ "$try" -ge 3 ] && cmp -s /tmp/c.err /tmp/o.err && cmp -s /tmp/c.rc /tmp/o.rc &&
            cmp -s <(mask_missed < /tmp/c.out) <(mask_missed < /tmp/o.out); then
            checks=$((checks + 1)); return 0
        fi
        sleep 0.5
    done
    diff -u /tmp/c.out /tmp/o.out | head -40 >&2
    diff -u /tmp/c.err /tmp/o.err >&2
    fail "teamdctl $*: differs from C (status C $(cat /tmp/c.rc), ours $(cat /tmp/o.rc))"
}

# The read commands, on a team with ports tp0 and tp1.
compare_reads() {
    local cmd
    while IFS= read -r cmd; do
        [ -n "$cmd" ] || continue
        eval "same $cmd"
    done <<'EOF'
team0 state dump
team0 state
team0 state view
-v team0 state view
team0 -vv state
team0 s v
-o team0 state dump
team0 config dump
team0 config dump noports
team0 config dump actual
team0 -o config dump
team0 c d a
team0 port present tp0
team0 port present tp1
team0 port present nope
team0 state item get setup.runner_name
team0 state item get setup.kernel_team_mode_name
team0 state item get ports.tp0.ifinfo.ifname
team0 state item get ports.tp0.link.up
team0 state item get team_device.ifinfo.dev_addr
team0 state item get nope.nope
team0 state item set setup.pid 1
team0 port config dump tp0
team0 port config dump nope
team0 port config dump abcdefghijklmnopq
team0 port add nosuchdev
team0 port remove nosuchdev
-U team0 state item get setup.daemonized
team0 state view extra
team0 port
-x team0 state
-h
EOF
}

record() {
    [ -n "$RECORD" ] || return 0
    c_ctl team0 state dump > "$RECORD/$1.json"
    printf '%s\n' "$2" > "$RECORD/$1.config.txt"
}

start_team() {  # NAME CONFIG
    log "C teamd: $1"
    $C_TEAMD -d -t team0 -c "$2" || fail "C teamd did not start for $1"
    wait_until 10 test -S /var/run/teamd/team0.sock
    ip link set team0 up
}

stop_team() {
    $C_TEAMD -k -t team0
    wait_until 10 sh -c '! ip link show team0'
}

lab_modules
netns_add sw
veth_pair tp0 tp0p sw
veth_pair tp1 tp1p sw
switch_ns sw tp0p tp1p
ip -n sw addr add 192.0.2.2/24 dev br0
ip -n sw addr add 2001:db8::2/64 dev br0 nodad

# Errors before any teamd runs. Not running: ours adds one line after the C ones.
same nosuchdev0 state
same tp0
same tp0 port config update
for args in "tp0 state" "-U tp0 state"; do
    c_ctl $args > /dev/null 2> /tmp/c.err && fail "C teamdctl $args succeeded"
    our_ctl $args > /dev/null 2> /tmp/o.err && fail "our teamdctl $args succeeded"
    cmp -s /tmp/c.err <(head -n "$(wc -l < /tmp/c.err)" /tmp/o.err) || fail "teamdctl $args: C's lines differ"
    expect_contains "hint for $args" "teamd is not running for \"tp0\"" "$(tail -n 1 /tmp/o.err)"
    checks=$((checks + 1))
done

cfg='{"runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"},"ports":{"tp0":{"prio":10},"tp1":{}}}'
start_team activebackup "$cfg"
wait_until 10 sh -c "$C_TEAMDCTL team0 state item get runner.active_port | grep -q tp0"
record activebackup "$cfg"
compare_reads
same team0 state item get runner.active_port

# Changes made with our teamdctl, seen by the C one.
our_ctl team0 state item set runner.active_port tp1 || fail "our item set runner.active_port"
wait_until 5 sh -c "$C_TEAMDCTL team0 state item get runner.active_port | grep -qx tp1"
same team0 state
our_ctl team0 port remove tp1 || fail "our port remove"
c_ctl team0 port present tp1 2> /dev/null && fail "C teamdctl still sees tp1 after our port remove"
ip -d link show tp1 | grep -q 'master team0' && fail "tp1 still enslaved"
same team0 config dump actual
same team0 state
our_ctl team0 port add tp1 || fail "our port add"
c_ctl team0 port present tp1 || fail "C teamdctl does not see tp1 after our port add"
our_ctl team0 port config update tp1 '{"prio": 7}' || fail "our port config update"
expect_eq "prio after our update" '7' "$(c_ctl -o team0 port config dump tp1 | sed 's/.*"prio": \([0-9]*\).*/\1/')"
same team0 port config dump tp1
our_ctl team0 state item set setup.debug_level 1 || fail "our item set debug_level"
expect_eq "debug_level" 1 "$(c_ctl team0 state item get setup.debug_level)"
# And the other way round: the C teamdctl's changes, seen by ours.
c_ctl team0 port remove tp0
our_ctl team0 port present tp0 2> /dev/null && fail "our teamdctl still sees tp0"
c_ctl team0 port add tp0
our_ctl team0 port present tp0 || fail "our teamdctl does not see tp0"
stop_team

cfg='{"runner":{"name":"roundrobin"},"ports":{"tp0":{},"tp1":{}}}'
start_team roundrobin "$cfg"
sleep 1
record roundrobin "$cfg"
compare_reads
stop_team

cfg='{"runner":{"name":"loadbalance","tx_hash":["eth","ipv4","ipv6"],"tx_balancer":{"name":"basic"}},"ports":{"tp0":{},"tp1":{}}}'
start_team loadbalance "$cfg"
sleep 1
record loadbalance "$cfg"
compare_reads
stop_team

cfg='{"runner":{"name":"activebackup","hwaddr_policy":"only_active"},"link_watch":[{"name":"ethtool","delay_up":100,"delay_down":200},{"name":"arp_ping","interval":100,"missed_max":5,"source_host":"192.0.2.1","target_host":"192.0.2.2","validate_active":true}],"ports":{"tp0":{"prio":10,"link_watch":{"name":"nsna_ping","interval":200,"target_host":"2001:db8::2"}},"tp1":{"sticky":true}}}'
start_team watchers "$cfg"
ip addr add 192.0.2.1/24 dev team0
sleep 2
record watchers "$cfg"
compare_reads
stop_team

# lacp: two ports to a partner namespace running another C teamd in lacp mode. The kernel refuses to
# enslave a port that is up, and the C lacp runner sends nothing while its team is down.
ip -n sw link set tp0p nomaster
ip -n sw link set tp1p nomaster
ip -n sw link set tp0p down
ip -n sw link set tp1p down
ip netns exec sw $C_TEAMD -d -t pteam0 \
    -c '{"runner":{"name":"lacp","active":true,"fast_rate":true},"ports":{"tp0p":{},"tp1p":{}}}' \
    || fail "partner teamd did not start"
ip -n sw link set pteam0 up
cfg='{"runner":{"name":"lacp","active":true,"fast_rate":true},"link_watch":{"name":"ethtool"},"ports":{"tp0":{"lacp_prio":10},"tp1":{}}}'
start_team lacp "$cfg"
wait_until 20 sh -c "$C_TEAMDCTL team0 state view | grep -q 'state: current'"
sleep 2
record lacp "$cfg"
compare_reads
same team0 state item get ports.tp0.runner.selected
same team0 state item get ports.tp0.runner.aggregator.selected
stop_team
ip netns exec sw $C_TEAMD -k -t pteam0

log "$checks comparisons identical"
