#!/bin/bash
# Many teams in one process (issue 14): `teamd -d --config-dir DIR -D` runs a team for every DIR/*.conf.
# - one process; each team has its pid file (that process's pid), its control socket and its D-Bus name;
#   the C teamdctl and ours see ordinary teams;
# - a file with a bad config is logged with its path and the JSON path of the error; the others run;
# - a failover in one team leaves the other alone; a team whose device is deleted ends alone (its socket
#   and pid file go), the other keeps answering;
# - SIGTERM ends the process: the remaining team's device is deleted, its pid file removed.
. "$(dirname "$0")/../lib.sh"
lab_modules
start_system_bus
netns_add sw
for i in 0 1 2 3; do veth_pair tp$i tp${i}p sw; done
mkdir -p /tmp/teams
# gone PID: the process has exited (a zombie counts: kill -0 succeeds on one).
gone() { ! [ -e "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }
echo '{"device":"team0","runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"},
       "ports":{"tp0":{"prio":10},"tp1":{}}}' > /tmp/teams/a.conf
echo '{"runner":{"name":"roundrobin"},"ports":{"tp2":{},"tp3":{}}}' > /tmp/teams/team1.conf
echo '{"device":"team2","runner":{"name":"activebackup","hwaddr_policy":"nonsense"}}' > /tmp/teams/bad.conf

"$BIN/teamd" -d --config-dir /tmp/teams -D -l stderr 2>/tmp/multi.err || fail "teamd --config-dir: $(cat /tmp/multi.err)"
wait_until 10 test -S /var/run/teamd/team0.sock
wait_until 10 test -S /var/run/teamd/team1.sock
pid=$(cat /var/run/teamd/team0.pid)
expect_eq "one process for both teams" "$pid" "$(cat /var/run/teamd/team1.pid)"
expect_eq "teamd processes" 1 "$(pgrep -c -x teamd)"
grep -q '/tmp/teams/bad.conf: Failed to load config' /tmp/multi.err || fail "bad.conf not named: $(cat /tmp/multi.err)"
grep -q 'runner.hwaddr_policy' /tmp/multi.err || fail "the bad field not named: $(cat /tmp/multi.err)"
! ip link show team2 2>/dev/null || fail "team2 made from the bad config"
ls /var/run/teamd/team2.* 2>/dev/null && fail "team2 left files"
log "one process ($pid) runs team0 and team1; bad.conf refused: $(grep -o 'bad.conf: .*' /tmp/multi.err | head -1)"

wait_until 10 has_bus_name org.libteam.teamd.team0
wait_until 10 has_bus_name org.libteam.teamd.team1
expect_eq "team0's D-Bus name owner" "$pid" "$(bus_name_owner org.libteam.teamd.team0)"
expect_eq "team1's D-Bus name owner" "$pid" "$(bus_name_owner org.libteam.teamd.team1)"
expect_eq "team0's runner (C teamdctl)" activebackup "$($C_TEAMDCTL team0 state item get setup.runner_name)"
expect_eq "team1's runner (our teamdctl)" roundrobin "$("$BIN/teamdctl" team1 state item get setup.runner_name)"
expect_eq "team1's runner over D-Bus" roundrobin "$($C_TEAMDCTL -D team1 state item get setup.runner_name)"
for p in tp0 tp1; do ip -o link show $p | grep -q "master team0" || fail "$p not in team0"; done
for p in tp2 tp3; do ip -o link show $p | grep -q "master team1" || fail "$p not in team1"; done
log "team0 and team1 answer on their own sockets and D-Bus names; ports in place"

wait_until 10 is_active team0 tp0
ip -n sw link set tp0p down
wait_until 10 is_active team0 tp1
expect_eq "team1's ports after team0's failover" "true true" \
    "$("$BIN/teamdctl" team1 state dump | jq -r '[.ports.tp2.link.up, .ports.tp3.link.up] | map(tostring) | join(" ")')"
log "team0 failed over to tp1; team1 untouched"

ip link del team1
wait_until 10 sh -c '! test -e /var/run/teamd/team1.sock && ! test -e /var/run/teamd/team1.pid'
wait_until 10 sh -c '! busctl --system status org.libteam.teamd.team1 >/dev/null 2>&1'
gone "$pid" && fail "the process ended with team1"
expect_eq "team0 still answers" tp1 "$(active_port team0)"
log "team1's device deleted: team1 ended alone (socket, pid file, bus name gone); team0 runs on"

kill -TERM "$pid"
wait_until 10 gone "$pid"
! ip link show team0 2>/dev/null || fail "team0 left after SIGTERM"
! test -e /var/run/teamd/team0.pid || fail "team0's pid file left"
log "SIGTERM: team0 deleted, pid file removed, process gone"
