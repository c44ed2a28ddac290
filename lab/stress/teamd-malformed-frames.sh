#!/bin/bash
# Malformed frames on the wire: lab/tools/frame-flood.py, in the partner namespace, sends 1,000 frames a
# second for 30 s (FLOOD_SECONDS) of truncated, oversized and field-mangled LACPDUs to our lacp team's
# ports, and of such ARP replies and Neighbour Advertisements (plus well-formed ones that answer nothing
# of ours) to our activebackup team's ports, which run arp_ping and nsna_ping. Throughout: both daemons
# keep running and answering; the lacp ports stay selected and current with the bonding partner as
# partner; the watchers of the port whose partner answers stay up and those of the port whose partner is
# silent stay down (only valid answers count: arp_ping validates, since without validation any ARP
# packet seen on a port counts, as in the C teamd). Each daemon's CPU time over the flood (/proc/PID/stat)
# stays under half of one core above its baseline (the same checks, as long, without the flood).
# lab-timeout: 600
. "$(dirname "$0")/../lib.sh"
SECONDS_FLOOD=${FLOOD_SECONDS:-30}
lab_modules
netns_add sw
veth_pair tp0 tp0p sw
veth_pair tp1 tp1p sw
veth_pair wp0 wp0p sw
veth_pair wp1 wp1p sw
# The lacp partner: bonding in 802.3ad mode, slow rate on both sides (a partner's LACPDU every 30 s, 90 s
# to expire): a slow guest must not time out a partner, and a junk frame taken for a LACPDU would stay
# visible (a random partner system) until the next valid one.
ip -n sw link set tp0p down
ip -n sw link set tp1p down
ip -n sw link add bond0 type bond mode 802.3ad lacp_rate slow miimon 50
ip -n sw link set tp0p master bond0
ip -n sw link set tp1p master bond0
ip -n sw link set bond0 up
ip -n sw link set tp0p up
ip -n sw link set tp1p up
# The ping partner answers behind wp0p only; wp1p stays alone and silent.
switch_ns sw wp0p
ip -n sw addr add 192.0.2.2/24 dev br0
ip -n sw addr add 2001:db8::2/64 dev br0 nodad

start_teamd ours teamlc '{"runner":{"name":"lacp","active":true,"fast_rate":false},"ports":{"tp0":{},"tp1":{}}}'
start_teamd ours teamw '{"runner":{"name":"activebackup"},"ports":{"wp0":{},"wp1":{}},
  "link_watch":[{"name":"arp_ping","source_host":"192.0.2.1","target_host":"192.0.2.2","interval":200,"missed_max":10,
                 "validate_active":true,"validate_inactive":true},
                {"name":"nsna_ping","target_host":"2001:db8::2","interval":200,"missed_max":10}]}'
ip link set teamlc up
ip link set teamw up
bond_mac=$(mac_of bond0 sw)

# lacp_right: both lacp ports selected, current, enabled, with the bond as partner.
# The last state each read is kept in $seen for the failure message; a generous missed_max (2 s) keeps
# a loaded guest's late answer from counting as a lost one.
lacp_right() {
    local state p enabled
    seen="teamdctl teamlc state dump failed"
    state=$($C_TEAMDCTL teamlc state dump) || return 1
    seen=$(jq -c '[.ports[].runner | {selected, state, p: .partner_lacpdu_info.system}]' <<<"$state")
    for p in tp0 tp1; do
        jq -e --arg mac "$bond_mac" ".ports.$p.runner | .selected and .state == \"current\"
            and .partner_lacpdu_info.system == \$mac" <<<"$state" >/dev/null || return 1
        enabled=$($C_TEAMNL -p $p teamlc getoption enabled 2>&1) || true
        [ "$enabled" = true ] || { seen+=" $p enabled: $enabled"; return 1; }
    done
}
# watchers_right: wp0's two watchers up, wp1's two down, wp0 the active port.
watchers_right() {
    local state
    seen="teamdctl teamw state dump failed"
    state=$($C_TEAMDCTL teamw state dump) || return 1
    seen=$(jq -c '{a: .runner.active_port, w: [.ports[] | [.link_watches.list[] | {up, missed}]]}' <<<"$state")
    jq -e '[.ports.wp0.link_watches.list[].up] == [true, true]
        and [.ports.wp1.link_watches.list[].up] == [false, false]
        and .runner.active_port == "wp0"' <<<"$state" >/dev/null
}
wait_until 120 lacp_right
wait_until 60 watchers_right
log "before: lacp ports current with partner $bond_mac; wp0 watchers up, wp1 watchers down"

# cpu_ticks PID: user + system time in clock ticks.
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
pid_lc=$(cat /var/run/teamd/teamlc.pid) pid_w=$(cat /var/run/teamd/teamw.pid)
hz=$(getconf CLK_TCK)
# check_while PID: checks the state over and over while PID runs (a frame taken for a valid one would
# show: a random partner system, a port deselected, a silent port's watcher up); counts in $checks.
check_while() {
    checks=0
    while kill -0 "$1" 2>/dev/null; do
        lacp_right || fail "lacp state wrong ($2): $seen"
        watchers_right || fail "watcher state wrong ($2): $seen"
        checks=$((checks + 1))
    done
}
# The same checks for the same time without the flood: the daemons' CPU time then is the baseline (the
# checks' state dumps, the watchers' probes, LACP), so that what is judged is what the frames cost.
lc0=$(cpu_ticks $pid_lc) w0=$(cpu_ticks $pid_w) t0=$(date +%s%N)
sleep "$SECONDS_FLOOD" &
check_while $! "without the flood"
lc_idle=$(( $(cpu_ticks $pid_lc) - lc0 )) w_idle=$(( $(cpu_ticks $pid_w) - w0 )) idle_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
log "baseline: $checks checks in $idle_ms ms; CPU teamlc $(( lc_idle * 1000 / hz )) ms, teamw $(( w_idle * 1000 / hz )) ms"

lc0=$(cpu_ticks $pid_lc) w0=$(cpu_ticks $pid_w) t0=$(date +%s%N)
ip netns exec sw python3 "$LAB_REPO/lab/tools/frame-flood.py" --seconds "$SECONDS_FLOOD" --rate 1000 \
    --lacp tp0p,tp1p --ping wp0p,wp1p --dst "$(mac_of teamw)" --target-ip 192.0.2.2 --target-ip6 2001:db8::2 \
    > /tmp/flood.out 2>/tmp/flood.err &
flooder=$!
check_while $flooder "during the flood"
wait $flooder || fail "frame-flood failed: $(cat /tmp/flood.err)"
lc1=$(cpu_ticks $pid_lc) w1=$(cpu_ticks $pid_w) t1=$(date +%s%N)
log "flood: $(cat /tmp/flood.out); the state was right at each of $checks checks during it"
sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' /tmp/flood.out)
(( sent >= SECONDS_FLOOD * 900 )) || fail "only $sent frames sent in ${SECONDS_FLOOD}s"
kill -0 $pid_lc && kill -0 $pid_w || fail "a teamd died during the flood"
lacp_right || fail "lacp state wrong after the flood: $seen"
watchers_right || fail "watcher state wrong after the flood: $seen"
elapsed_ms=$(( (t1 - t0) / 1000000 ))
for team in lc w; do
    eval "ticks=\$(( ${team}1 - ${team}0 )) idle=\$${team}_idle"
    # The frames' cost: the flood's CPU time less the baseline's, scaled to the same duration.
    extra_ms=$(( ticks * 1000 / hz - idle * 1000 / hz * elapsed_ms / idle_ms ))
    percent=$(( extra_ms * 100 / elapsed_ms ))
    log "team$team CPU over the flood: $(( ticks * 1000 / hz )) ms in $elapsed_ms ms; above the baseline: $extra_ms ms ($percent% of one core)"
    (( percent < 50 )) || fail "team$team used $percent% of one core for the flood's frames"
done
stop_teamd ours teamlc
stop_teamd ours teamw
log "ok"
