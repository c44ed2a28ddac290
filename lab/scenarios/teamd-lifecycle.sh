#!/bin/bash
# Our teamd's life: SIGTERM releases the ports with their original MACs and deletes the device; -N keeps
# both; -o takes over a device left by -N while pings run and loses none; -k and -e work; a second
# teamd for the same device is refused; -r recreates an existing device; NetworkManager's command line works on a device made by ip.
. "$(dirname "$0")/../lib.sh"
lab_modules
partner_switch 2
mac0=$(mac_of tp0) mac1=$(mac_of tp1)
config='{"runner":{"name":"activebackup"},"ports":{"tp0":{"prio":10},"tp1":{}}}'
TEAMD=$BIN/teamd

# -e says whether it runs; -k stops it.
! $TEAMD -e -t team0 || fail "-e says running before start"
start_teamd ours team0 "$config"
$TEAMD -e -t team0 || fail "-e says not running"
set +e; out=$($TEAMD -d -t team0 -c "$config" 2>&1); rc=$?; set -e
[ "$rc" = 1 ] || fail "a second teamd for team0 started (exit $rc)"
expect_contains "second instance" "already running" "$out"
pid=$(cat /var/run/teamd/team0.pid)
kill -TERM "$pid"
wait_until 10 sh -c "! kill -0 $pid 2>/dev/null"
! ip link show team0 2>/dev/null || fail "SIGTERM left team0"
expect_eq "tp0 MAC restored" "$mac0" "$(mac_of tp0)"
expect_eq "tp1 MAC restored" "$mac1" "$(mac_of tp1)"
[ -z "$(ip -o link show tp1 | grep -o 'master [a-z0-9]*')" ] || fail "tp1 still enslaved"
[ ! -e /var/run/teamd/team0.pid ] && [ ! -e /var/run/teamd/team0.sock ] || fail "pid file or socket left"
log "SIGTERM: ports released with their own MACs, team0 deleted, pid file and socket removed"

# -N keeps device and ports; -o takes them over without a lost ping.
start_teamd ours team0 "$config" -N
ip addr add 192.0.2.1/24 dev team0
ip link set team0 up
wait_until 10 is_active team0 tp0
wait_until 10 ping -c1 -W1 192.0.2.2
$TEAMD -k -t team0
ip link show team0 >/dev/null || fail "-N: team0 was deleted"
expect_eq "-N: tp0 still in team0" team0 "$(ip -o link show tp0 | grep -o 'master [a-z0-9]*' | cut -d' ' -f2)"
log "-N: teamd gone, team0 and its ports kept"
ping -i 0.01 -c 300 -W 1 192.0.2.2 > /tmp/ping.log 2>&1 &
pinger=$!
sleep 0.5
start_teamd ours team0 "$config" -o
wait_until 10 is_active team0 tp0
wait $pinger || true
read -r sent got < <(ping_stats /tmp/ping.log)
log "-o take-over during pings every 10 ms: $sent sent, $got received"
(( got == sent )) || fail "take-over lost $((sent - got)) pings"
stop_teamd ours team0
! ip link show team0 2>/dev/null || fail "teamd -k after take-over left team0"

# A device that exists is refused without -o or -r; -r deletes and recreates it.
ip link add team0 type team
old_index=$(cat /sys/class/net/team0/ifindex)
set +e; out=$($TEAMD -t team0 -c "$config" 2>&1); rc=$?; set -e
[ "$rc" = 1 ] || fail "an existing team0 was not refused (exit $rc)"
expect_eq "refused start keeps the device" "$old_index" "$(cat /sys/class/net/team0/ifindex)"
start_teamd ours team0 "$config" -r
[ "$(cat /sys/class/net/team0/ifindex)" != "$old_index" ] || fail "-r did not recreate team0"
wait_until 10 is_active team0 tp0
stop_teamd ours team0
! ip link show team0 2>/dev/null || fail "teamd -k after -r left team0"
log "an existing device is refused, and -r recreates it"

# NetworkManager's way: it makes the device, starts teamd -o -n -U -N, and attaches ports itself.
ip link add team0 type team
printf '%s' '{"runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"}}' > /tmp/nm.conf
$TEAMD -o -n -U -N -t team0 -f /tmp/nm.conf -d
wait_until 10 test -S /var/run/teamd/team0.sock
ip link set tp0 master team0
ip link set tp1 master team0
wait_until 10 sh -c "$C_TEAMDCTL team0 state dump | jq -e '.ports | length == 2'"
wait_until 10 sh -c "[ -n \"\$($C_TEAMDCTL team0 state item get runner.active_port)\" ]"
expect_eq "NM-style mode" activebackup "$($C_TEAMNL team0 getoption mode)"
ip link set tp1 nomaster
wait_until 10 sh -c "$C_TEAMDCTL team0 state dump | jq -e '.ports | length == 1'"
log "NetworkManager's command line: device made by ip, ports attached and released by ip, all followed"
$TEAMD -k -t team0
ip link show team0 >/dev/null || fail "-N: NM's device must stay"

# The pid file (issue 15 item 6): exclusive and locked for the daemon's life. Two teamds started together
# for team0, PIDFILE_ROUNDS rounds (5 here, 100 in make soak): exactly one survives, its pid in the file, the
# loser leaving that file alone.
ROUNDS=${PIDFILE_ROUNDS:-5}
ip link del team0
ip link add team0 type team
t0=$(date +%s%N)
for round in $(seq 1 "$ROUNDS"); do
    $TEAMD -d -o -N -t team0 2>/tmp/race-a.err & a=$!
    $TEAMD -d -o -N -t team0 2>/tmp/race-b.err & b=$!
    ra=0 rb=0
    wait $a || ra=$?
    wait $b || rb=$?
    (( ra + rb == 1 )) || fail "round $round: exits $ra and $rb, one must start and one be refused: $(cat /tmp/race-a.err /tmp/race-b.err)"
    # The loser says why on stderr when refused before its fork; after it, its reason goes to syslog.
    [[ "$(cat /tmp/race-a.err /tmp/race-b.err)" =~ "already running"|"Daemon process failed" ]] \
        || fail "round $round: the loser's reason: $(cat /tmp/race-a.err /tmp/race-b.err)"
    pid=$(cat /var/run/teamd/team0.pid) || fail "round $round: the winner's pid file is gone"
    expect_eq "round $round: the pid file names a live teamd" teamd "$(cat /proc/$pid/comm 2>/dev/null)"
    wait_until 5 sh -c '[ "$(pgrep -c -x teamd)" = 1 ]'  # the loser, refused after its fork, is on its way out
    $TEAMD -k -t team0 || fail "round $round: -k failed"
    [ ! -e /var/run/teamd/team0.pid ] || fail "round $round: the pid file outlived its teamd"
    (( round % 10 )) || log "round $round: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
done
log "$ROUNDS rounds of two simultaneous teamd -d -o -N: one survivor each, its pid in the file ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"

# A stale pid file naming a live process that is no teamd (a reused pid): -e and -k ignore it (the
# process is not signalled), and teamd starts over it.
sleep 1000 & sleeper=$!
echo "$sleeper" > /var/run/teamd/team0.pid
! $TEAMD -e -t team0 || fail "-e takes a sleep for the daemon"
! $TEAMD -k -t team0 2>/dev/null || fail "-k says it stopped a daemon"
kill -0 "$sleeper" || fail "-k signalled the sleep named by a stale pid file"
$TEAMD -d -o -N -t team0 2>/tmp/stale.err || fail "a stale pid file blocked the start: $(cat /tmp/stale.err)"
pid=$(cat /var/run/teamd/team0.pid)
[ "$pid" != "$sleeper" ] && expect_eq "the new pid file names teamd" teamd "$(cat /proc/$pid/comm)"
$TEAMD -k -t team0 || fail "-k of the teamd that replaced the stale file failed"
kill -0 "$sleeper" || fail "the sleep died"
kill "$sleeper"
log "a stale pid file naming a sleep: -e and -k leave it alone, teamd starts over it"
