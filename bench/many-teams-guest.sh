#!/bin/bash
# bench/many-teams-guest.sh: the guest side of bench/many-teams (issue 14), run by lab/run. N teams of 2
# ports (BENCH_TEAMS, default 256: 2N veth pairs, peers up in namespace sw), activebackup with the ethtool
# watcher, run first by ONE of our processes (`teamd -d --config-dir`), then by N C teamd processes:
#   time until every port is enslaved and every team has its carrier; total RSS (VmRSS) and open fds of
#   the teamd processes; their CPU over BENCH_IDLE_SECONDS (60) idle and during a flap storm (32 ports'
#   peers down and up BENCH_STORM_ROUNDS times, 10 by default); at the end every team's kernel active
#   port must be one of its ports whose peer is up (teamnl getoption activeport).
# Writes "metric,impl,value" lines to $BENCH_RAW.
. "$(dirname "$0")/../lab/lib.sh"
N=${BENCH_TEAMS:-256}
IDLE=${BENCH_IDLE_SECONDS:-60}
ROUNDS=${BENCH_STORM_ROUNDS:-10}
RAW=${BENCH_RAW:?BENCH_RAW names the results file}
rec() { printf '%s,%s,%s\n' "$1" "$2" "$3" >> "$RAW"; log "$2: $1 = $3"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
lab_modules
netns_add sw
{
    for i in $(seq 0 $((N - 1))); do
        echo "link add a$i type veth peer name a${i}p netns sw"
        echo "link add b$i type veth peer name b${i}p netns sw"
    done
} | ip -batch - || fail "veth pairs"
{ for i in $(seq 0 $((N - 1))); do echo "link set a${i}p up"; echo "link set b${i}p up"; done; } | ip -n sw -batch -
log "$((2 * N)) veth pairs made"
config() { echo "{\"device\":\"team$1\",\"runner\":{\"name\":\"activebackup\"},\"link_watch\":{\"name\":\"ethtool\"},\"ports\":{\"a$1\":{\"prio\":10},\"b$1\":{}}}"; }
pids() { if [ "$1" = ours ]; then pgrep -x teamd; else pgrep -f "^$C_TEAMD "; fi; }
enslaved() { [ "$(ip -o link show | grep -c ' master team')" = $((2 * N)) ]; }
carriers() { [ "$(cat /sys/class/net/team*/carrier 2>/dev/null | grep -c 1)" = "$N" ]; }
teams_up() { { for i in $(seq 0 $((N - 1))); do echo "link set team$i up"; done; } | ip -batch - 2>/dev/null; }
sum_rss() { local p s=0; for p in $(pids "$1"); do s=$(( s + $(awk '/^VmRSS/ {print $2}' /proc/$p/status) )); done; echo $s; }
sum_fds() { local p s=0; for p in $(pids "$1"); do s=$(( s + $(ls /proc/$p/fd | wc -l) )); done; echo $s; }
sum_ticks() { local p s=0; for p in $(pids "$1"); do s=$(( s + $(awk '{print $14 + $15}' /proc/$p/stat) )); done; echo $s; }
cpu_over() {  # cpu_over IMPL COMMAND...: teamd CPU (ms) while COMMAND runs
    local which=$1 t0; shift
    t0=$(sum_ticks "$which"); "$@"
    echo $(( ($(sum_ticks "$which") - t0) * 1000 / $(getconf CLK_TCK) ))
}
# The storm's ports: the a ports of the first S teams and the b ports of the next S (S = 16, or N/2 for
# fewer teams): 2S ports, one per team, so every team keeps one port up.
S=$(( N / 2 < 16 ? N / 2 : 16 ))
quiet() { [ "$(cpu_over "$1" sleep 5)" -lt 250 ]; }
storm() {
    local r i
    for r in $(seq "$ROUNDS"); do
        { for i in $(seq 0 $((S - 1))); do echo "link set a${i}p down"; echo "link set b$((i + S))p down"; done; } | ip -n sw -batch -
        { for i in $(seq 0 $((S - 1))); do echo "link set a${i}p up"; echo "link set b$((i + S))p up"; done; } | ip -n sw -batch -
    done
    sleep 5  # the teams settle after the last flap (part of the measured window)
}
# right: every team's kernel active port is one of its two ports, and up.
right() {
    local i active bad=0
    for i in $(seq 0 $((N - 1))); do
        active=$($C_TEAMNL team$i getoption activeport 2>/dev/null)
        case "$active" in
            "$(cat /sys/class/net/a$i/ifindex)"|"$(cat /sys/class/net/b$i/ifindex)") ;;
            *) bad=$((bad + 1)) ;;
        esac
    done
    echo $bad
}
run() {
    local which=$1 t0 i
    t0=$(now_ms)
    if [ "$which" = ours ]; then
        rm -rf /tmp/teams; mkdir -p /tmp/teams
        for i in $(seq 0 $((N - 1))); do config $i > /tmp/teams/team$i.conf; done
        t0=$(now_ms)
        "$BIN/teamd" -d --config-dir /tmp/teams 2>/tmp/many-ours.err || fail "our teamd: $(tail -3 /tmp/many-ours.err)"
    else
        for i in $(seq 0 $((N - 1))); do "$C_TEAMD" -d -t team$i -c "$(config $i)" 2>>/tmp/many-c.err || fail "C teamd team$i"; done
    fi
    wait_until 900 enslaved
    teams_up
    wait_until 120 carriers
    rec "all $N teams up (ms)" "$which" $(( $(now_ms) - t0 ))
    rec "processes" "$which" "$(pids "$which" | wc -l)"
    rec "RSS total (KiB)" "$which" "$(sum_rss "$which")"
    rec "open fds total" "$which" "$(sum_fds "$which")"
    rec "CPU over the ${IDLE} s after all were up, no traffic (ms)" "$which" "$(cpu_over "$which" sleep "$IDLE")"
    # Then idle for real: once the start's event backlog is read (teamd under 5% of a core over 5 s).
    t0=$(now_ms)
    wait_until 1800 quiet "$which"
    rec "backlog read, after the above (ms)" "$which" $(( $(now_ms) - t0 ))
    rec "CPU over ${IDLE} s idle once quiet (ms)" "$which" "$(cpu_over "$which" sleep "$IDLE")"
    rec "CPU during a $((2 * S))-port flap storm of $ROUNDS rounds (ms)" "$which" "$(cpu_over "$which" storm)"
    local bad; bad=$(right)
    rec "teams whose active port is wrong at the end" "$which" "$bad"
    (( bad == 0 )) || fail "$which: $bad teams with a wrong active port"
    if [ "$which" = ours ]; then
        kill -TERM "$(pids ours)"
    else
        for i in $(seq 0 $((N - 1))); do "$C_TEAMD" -k -t team$i >/dev/null 2>&1 & done; wait
    fi
    wait_until 300 sh -c '! ls /sys/class/net | grep -q "^team"'
}
for which in ${BENCH_IMPLS:-ours c}; do run "$which"; done
log "done"
