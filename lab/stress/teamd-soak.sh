#!/bin/bash
# Soak: our teamd runs an activebackup team and a lacp team (against the bonding driver in 802.3ad
# mode), 8 veth ports each, while `labtool flap` flaps the ports' peers (admin down, then up), one port
# of each team per step, SOAK_FLAPS steps (default 1,000; `make soak` runs 10,000), and `labtool
# soak-control` sends control requests to both daemons without pause. Then: every request was answered;
# each daemon's state equals the links (a final pattern leaves some peers down); each daemon has no more
# open fds, and its RSS is within 1 MiB, at the end as after the first 1,000 steps (or the first half,
# for shorter runs). How long the slowest request waited is printed, not judged.
# lab-timeout: 900
. "$(dirname "$0")/../lib.sh"
FLAPS=${SOAK_FLAPS:-1000}
RATE=${SOAK_RATE:-0}
CHECKPOINT=$(( FLAPS >= 2000 ? 1000 : FLAPS / 2 ))
lab_modules
netns_add sw
ab_ports=() lc_ports=() ab_peers=() lc_peers=()
for i in 0 1 2 3 4 5 6 7; do
    veth_pair ab$i ab${i}p sw
    veth_pair lc$i lc${i}p sw
    ab_ports+=(ab$i) lc_ports+=(lc$i) ab_peers+=(ab${i}p) lc_peers+=(lc${i}p)
done
# The lacp team's partner: bonding in 802.3ad mode over the lc peers (a slave must be down to enslave).
ip -n sw link add bond0 type bond mode 802.3ad lacp_rate fast miimon 50
for p in "${lc_peers[@]}"; do ip -n sw link set "$p" down; ip -n sw link set "$p" master bond0; done
ip -n sw link set bond0 up
for p in "${lc_peers[@]}"; do ip -n sw link set "$p" up; done

ports_json() { local p out=""; for p in "$@"; do out+="\"$p\":{},"; done; echo "{${out%,}}"; }
start_teamd ours teamab "{\"runner\":{\"name\":\"activebackup\"},\"link_watch\":{\"name\":\"ethtool\"},\"ports\":$(ports_json "${ab_ports[@]}")}"
start_teamd ours teamlc "{\"runner\":{\"name\":\"lacp\",\"active\":true,\"fast_rate\":true},\"link_watch\":{\"name\":\"ethtool\"},\"ports\":$(ports_json "${lc_ports[@]}")}"
ip link set teamab up
ip link set teamlc up

# The final pattern: these peers stay down, the others up.
final_down=(ab1p ab2p ab6p lc0p lc3p lc4p)
is_final_down() { [[ " ${final_down[*]} " == *" $1 "* ]]; }

# lacp_matches DOWN...: every lc port whose peer is up is selected, current and enabled in the kernel;
# every other one is neither.
lacp_matches() {
    local state i up enabled
    state=$($C_TEAMDCTL teamlc state dump) || return 1
    for i in 0 1 2 3 4 5 6 7; do
        up=true; for d in "$@"; do [ "$d" = lc${i}p ] && up=false; done
        enabled=$($C_TEAMNL -p lc$i teamlc getoption enabled) || return 1
        if $up; then
            jq -e ".ports.lc$i | .link.up and .runner.selected and .runner.state == \"current\"" <<<"$state" >/dev/null \
                && [ "$enabled" = true ] || return 1
        else
            jq -e ".ports.lc$i | (.link.up | not) and (.runner.selected | not)" <<<"$state" >/dev/null \
                && [ "$enabled" = false ] || return 1
        fi
    done
}
# ab_matches DOWN...: each ab port's link and watcher state is its peer's, and the active port is up.
ab_matches() {
    local state i up active
    state=$($C_TEAMDCTL teamab state dump) || return 1
    for i in 0 1 2 3 4 5 6 7; do
        up=true; for d in "$@"; do [ "$d" = ab${i}p ] && up=false; done
        jq -e ".ports.ab$i | .link.up == $up and .link_watches.up == $up" <<<"$state" >/dev/null || return 1
    done
    active=$(jq -r '.runner.active_port' <<<"$state")
    [ -n "$active" ] && jq -e ".ports.\"$active\".link.up" <<<"$state" >/dev/null
}
wait_until 60 lacp_matches
wait_until 30 ab_matches
log "both teams up: 8 ports each, all lacp ports selected against bonding"

rm -f /tmp/soak.stop
$BIN/labtool soak-control --devs teamab,teamlc --stop-file /tmp/soak.stop > /tmp/control.out 2>/tmp/control.err &
controller=$!
ab_list=$(IFS=,; echo "${ab_peers[*]}") lc_list=$(IFS=,; echo "${lc_peers[*]}") down_list=$(IFS=,; echo "${final_down[*]}")
flap_out=$($BIN/labtool flap --ns sw --peers "$ab_list|$lc_list" --flaps "$FLAPS" --checkpoint "$CHECKPOINT" --rate "$RATE" \
    --final-down "$down_list" --teams teamab,teamlc) || { kill $controller; fail "labtool flap failed"; }
log "flapping: $flap_out" | tr '\n' ' '; echo
value() { grep -o "\b$1=[0-9.e+-]*" <<<"$flap_out" | cut -d= -f2; }

wait_until 120 ab_matches "${final_down[@]}"
wait_until 120 lacp_matches "${final_down[@]}"
touch /tmp/soak.stop
wait $controller || fail "control requests failed: $(cat /tmp/control.err)"
control=$(cat /tmp/control.out)
log "control: $control"
(( $(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$control") > 0 )) || fail "no control request was made"
log "state equals the links: ab ports down ${final_down[*]:0:3}, lacp ports down ${final_down[*]:3}"

for team in teamab teamlc; do
    pid=$(cat /var/run/teamd/$team.pid)
    rss_end=$(awk '/^VmRSS:/ {print $2}' /proc/$pid/status)
    fds_end=$(ls /proc/$pid/fd | wc -l)
    rss_cp=$(value ${team}_rss_kb_checkpoint) fds_cp=$(value ${team}_fds_checkpoint)
    rss_cp=${rss_cp%.*} fds_cp=${fds_cp%.*}
    log "$team: after $CHECKPOINT steps RSS ${rss_cp} KiB, $fds_cp fds; after $FLAPS: RSS $rss_end KiB, $fds_end fds"
    (( fds_end <= fds_cp )) || fail "$team has $fds_end open fds at the end, $fds_cp after $CHECKPOINT steps"
    (( rss_end - rss_cp <= 1024 && rss_cp - rss_end <= 1024 )) ||
        fail "$team RSS moved by $(( rss_end - rss_cp )) KiB (more than 1 MiB)"
done
stop_teamd ours teamab
stop_teamd ours teamlc
log "ok"
