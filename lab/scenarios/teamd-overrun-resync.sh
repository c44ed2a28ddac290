#!/bin/bash
# Issue 15 item 3: lost rtnetlink events are refetched. libteam's reproducer (its commit 046fb6b): team0
# with 150 VLANs, up, taken over by `teamd -o -N` whose event sockets have a 32 KiB receive buffer
# (TEAM_EVENT_BUFSIZE=32768, libteam's variable; ours asks 4 MiB by default). Each of OVERRUN_RUNS runs
# (3 here, about 6 s each on a loaded host; make soak: 50) starts teamd with the ports free, so enslaving
# them brings the 150 VLANs' carriers up in one burst; once it runs, teamd is stopped (SIGSTOP) while 60
# VLANs go down, team0's MAC changes and the VLANs come up again in one `ip -batch` (about 180 link
# events), then continued: the MAC change is lost, and without the refetch the ports would keep the old
# MAC (hwaddr_policy same_all). After each run the state must be complete: both ports in teamd's state
# with their link up and the team's MAC, runner.active_port set and equal to the kernel's activeport, the
# state's team MAC the kernel's. teamd's log says in which runs events were lost ("link events lost"); the
# scenario fails unless every run lost some. With the refetch taken out it fails (the ports' MAC).
# lab-timeout: 300
. "$(dirname "$0")/../lib.sh"
RUNS=${OVERRUN_RUNS:-3}
run=setup
VLANS=150
lab_modules
modprobe 8021q
netns_add peer
veth_pair tp0 tp0p peer
veth_pair tp1 tp1p peer
ip link add team0 type team
for ((i = 1; i <= VLANS; i++)); do echo "link add link team0 name team0.$i type vlan id $i"; done > /tmp/vlans-add
# The burst while teamd is stopped: 60 VLANs down before the MAC change, well over the 64 KiB the kernel
# makes of 32 KiB (a link message takes 2 KiB or more of it).
for ((i = 1; i <= 60; i++)); do echo "link set team0.$i down"; done > /tmp/vlans-down
for ((i = 1; i <= 60; i++)); do echo "link set team0.$i up"; done > /tmp/vlans-flapped-up
for ((i = 1; i <= VLANS; i++)); do echo "link set team0.$i up"; done > /tmp/vlans-up
ip -batch /tmp/vlans-add
ip link set team0 up
ip -batch /tmp/vlans-up
CFG='{"device":"team0","runner":{"name":"activebackup"},"ports":{"tp0":{},"tp1":{}}}'

# state_complete MAC: teamd's state is whole and agrees with the kernel (for wait_until). Three processes
# a check (the C teamdctl and teamnl start fastest): each process start costs tens of ms in the guest.
state_complete() {
    local mac=$1 names up0 up1 index0 index1 teammac active
    read -r names up0 up1 index0 index1 teammac active < <($C_TEAMDCTL team0 state dump | jq -r '[
        (.ports | keys | join(",")), .ports.tp0.link.up, .ports.tp1.link.up, .ports.tp0.ifinfo.ifindex,
        .ports.tp1.ifinfo.ifindex, .team_device.ifinfo.dev_addr, .runner.active_port] | map(tostring) | join(" ")')
    [ "$names $up0 $up1" = "tp0,tp1 true true" ] || return 1
    [ "$index0 $index1" = "$(</sys/class/net/tp0/ifindex) $(</sys/class/net/tp1/ifindex)" ] || return 1
    [ "$teammac $(</sys/class/net/tp0/address) $(</sys/class/net/tp1/address)" = "$mac $mac $mac" ] || return 1
    [ -n "$active" ] && [ -e "/sys/class/net/$active/ifindex" ] || return 1
    [ "$($C_TEAMNL team0 getoption activeport)" = "$(<"/sys/class/net/$active/ifindex")" ]
}
diagnose() {
    echo "--- run $run: teamd log" >&2; tail -30 "/tmp/teamd.$run.log" >&2 2>/dev/null
    echo "--- state dump" >&2; "$BIN/teamdctl" team0 state dump 2>&1 | jq -c -M '{ports, runner, team_device}' >&2 || true
    echo "--- kernel: activeport $("$C_TEAMNL" team0 getoption activeport 2>&1), team0 $(mac_of team0)" >&2
    ip -br link show | grep -E '^(tp[01]@|team0 )' >&2
}
trap 'rc=$?; ((rc)) && diagnose; exit $rc' EXIT

overran=0 team_overran=0 refetches=0
start=$(date +%s)
for ((run = 1; run <= RUNS; run++)); do
    mac=$(printf '02:5e:00:00:%02x:%02x' $((run / 256)) $((run % 256)))
    TEAM_EVENT_BUFSIZE=32768 "$BIN/teamd" -o -N -t team0 -c "$CFG" -l stderr 2>"/tmp/teamd.$run.log" &
    pid=$!
    wait_until 30 test -S /var/run/teamd/team0.sock
    # Stopped, teamd reads nothing: the buffer fills within the first few dozen events, so the MAC change
    # after the 150 VLANs' is lost for certain (running, teamd sometimes read fast enough to see it).
    kill -STOP "$pid"
    { cat /tmp/vlans-down; echo "link set team0 address $mac"; cat /tmp/vlans-flapped-up; } | ip -batch -
    kill -CONT "$pid"
    wait_until 30 state_complete "$mac"
    kill -0 "$pid" || fail "run $run: teamd exited"
    kill -TERM "$pid"
    wait "$pid" || fail "run $run: teamd exited with $?"
    # -N keeps the ports: free them for the next run's burst.
    ip link set tp0 nomaster
    ip link set tp1 nomaster
    lost=$(grep -c "link events lost" "/tmp/teamd.$run.log" || true)
    ((lost == 0)) || overran=$((overran + 1)) refetches=$((refetches + lost))
    if grep -q "team events lost" "/tmp/teamd.$run.log"; then team_overran=$((team_overran + 1)); fi
done
run=done
log "$RUNS of $RUNS runs ended complete with an active port; link events lost in $overran runs ($refetches refetches), team events in $team_overran; $(( $(date +%s) - start )) s"
((overran == RUNS)) || fail "link events were lost in only $overran of $RUNS runs: a run without a loss proves nothing"
