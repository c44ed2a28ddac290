#!/bin/bash
# bench/profile-guest.sh: the guest side of bench/profile. Profiles where ours spends what bench/compare
# found it behind on, with the same setups: perf record (software cpu-clock sampling: TCG has no PMU),
# perf stat (page faults; system calls counted by tracepoint), strace -r (teamdctl only), and
# /proc/PID/smaps. Everything lands in $BENCH_PROFILE (bench/results/profile by default).
. "$(dirname "$0")/../lab/lib.sh"
set +eu
LT=$BIN/labtool
OUT=${BENCH_PROFILE:?}
mkdir -p "$OUT"
ctl_bin() { case "$1" in c) echo "$C_TEAMDCTL" ;; ours) echo "$BIN/teamdctl" ;; esac; }
ports_json() { local p; for p in "$@"; do printf '"%s":{},' "$p"; done | sed 's/,$//'; }
lab_modules
mkdir -p /var/run/teamd
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
netns_add sw
veth_pair tp0 tp0p sw
veth_pair tp1 tp1p sw
for i in $(seq 0 31); do echo "link add mp$i type veth peer name mp${i}p netns sw"; done | ip -batch -
for i in $(seq 0 31); do echo "link set mp${i}p up"; done | ip -n sw -batch -
for i in $(seq 0 15); do echo "link add dm$i type dummy"; done | ip -batch -
AB2='{"runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"},"ports":{"tp0":{},"tp1":{"prio":10}}}'
AB32='{"runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"},"ports":{'$(ports_json $(printf 'mp%d ' $(seq 0 31)))'}}'
RR16='{"runner":{"name":"roundrobin"},"link_watch":{"name":"ethtool"},"ports":{'$(ports_json $(printf 'dm%d ' $(seq 0 15)))'}}'
ST_PORTS=$(printf 'dm%d,' $(seq 0 15) | sed 's/,$//')
# perf samples only a process it started (cpu-clock with -p or -a gets almost no samples under TCG), so
# every profiled daemon runs in the foreground under perf, and is stopped with SIGTERM.
SYSCALLS=syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,syscalls:sys_enter_recvfrom,syscalls:sys_enter_recvmsg,syscalls:sys_enter_poll,syscalls:sys_enter_pselect6,syscalls:sys_enter_read
PERF="perf record -e cpu-clock -F 2000 -g -q"
report() {
    local opts="-i $1 --stdio -g none --comm teamd"
    echo "### by object (self)"; perf report $opts --no-children --sort dso 2>/dev/null | grep -vE '^$|^#' | head -12
    echo "### by symbol (self, >= 0.7%)"; perf report $opts --no-children --sort dso,sym --percent-limit 0.7 2>/dev/null | grep -vE '^$|^#' | cut -c1-200 | head -${2:-50}
    echo "### by symbol (inclusive of callees, >= 4%)"; perf report $opts --children --sort sym --percent-limit 4 2>/dev/null | grep -vE '^$|^#' | cut -c1-200 | head -${2:-50}
}
# run_foreground CMD...: runs a daemon in the foreground, returns when its control socket is up.
run_foreground() {
    "$@" 2>/dev/null &
    for _ in $(seq 400); do [ -S /var/run/teamd/team0.sock ] && break; sleep 0.05; done
}

for which in c ours; do
    T=$(teamd_bin $which) CTL=$(ctl_bin $which)
    log "== $which"
    # teamdctl: counters, and where a run's time goes (strace -r: time between syscalls).
    $LT start --teamd $T --dev team0 --config "$AB2" --enabled 1 --activebackup yes >/dev/null
    $CTL team0 state dump >/dev/null
    perf stat -r 10 -e task-clock,page-faults,major-faults,context-switches $CTL team0 state dump 2>&1 >/dev/null \
        | grep -vE '^\s*$' > "$OUT/teamdctl-perfstat-$which.txt"
    strace -f -r -o "$OUT/teamdctl-strace-$which.txt" $CTL team0 state dump >/dev/null
    for variant in ${BENCH_TEAMDCTL_VARIANTS:-}; do   # NAME=PATH: other builds of our teamdctl
        [ $which = ours ] || continue
        name=${variant%%=*} alt=${variant#*=}
        perf stat -r 10 -e task-clock,page-faults $alt team0 state dump 2>&1 >/dev/null | grep -vE '^\s*$' \
            > "$OUT/teamdctl-perfstat-variant-$name.txt"
        $LT spawn --warmup 1 --count 9 -- $alt team0 state dump > "$OUT/teamdctl-spawn-variant-$name.txt"
    done
    $LT spawn --warmup 1 --count 9 -- $CTL team0 state dump > "$OUT/teamdctl-spawn-$which.txt"
    # memory: smaps of the steady 2-port daemon.
    sleep 1
    pid=$(cat /var/run/teamd/team0.pid)
    cp /proc/$pid/smaps "$OUT/smaps-$which-2ports.txt"
    $LT stop --dev team0 >/dev/null
    # control: a profile of 3000 StateDumps.
    run_foreground $PERF -o /tmp/control-$which.data -- $T -t team0 -c "$AB2"
    sleep 2
    $LT control --dev team0 --count 3000 > "$OUT/control-$which.txt"
    $LT stop --dev team0 >/dev/null; wait
    report /tmp/control-$which.data > "$OUT/control-perf-$which.txt"

    # start with 32 ports: the daemon in the foreground (strace/perf must not follow a daemon that
    # outlives them), stopped 3 s after its control socket appears.
    run_for_start() { run_foreground "$@"; sleep 3; $LT stop --dev team0 >/dev/null; wait; }
    # (strace -f would hang here: a traced C teamd never finishes its SIGTERM; perf stat counts calls.)
    run_for_start perf stat -o "$OUT/start32-syscalls-$which.txt" -e $SYSCALLS -- $T -t team0 -c "$AB32"
    run_for_start $PERF -o /tmp/start-$which.data -- $T -t team0 -c "$AB32"
    report /tmp/start-$which.data > "$OUT/start32-perf-$which.txt"

    # event storm: a profile of the daemon through one storm.
    run_foreground $PERF -o /tmp/storm-$which.data -- $T -t team0 -c "$RR16"
    sleep 2
    $LT storm --dev team0 --ports "$ST_PORTS" --flaps 500 > "$OUT/storm-$which.txt"
    $LT stop --dev team0 >/dev/null; wait
    report /tmp/storm-$which.data 60 > "$OUT/storm-perf-$which.txt"
    # and the system calls of another storm
    run_foreground perf stat -o "$OUT/storm-syscalls-$which.txt" -e $SYSCALLS -- $T -t team0 -c "$RR16"
    sleep 2
    $LT storm --dev team0 --ports "$ST_PORTS" --flaps 500 >> "$OUT/storm-$which.txt"
    $LT stop --dev team0 >/dev/null; wait
    $LT stop --dev team0 >/dev/null
done
# memory: each build of our teamd (and C's) with the kernel's fault-around (mapping up to 64 KiB of
# cached file pages around each page fault) as shipped, and with it off (4096), which leaves only the
# pages really touched.
mount -t debugfs none /sys/kernel/debug 2>/dev/null
default_around=$(cat /sys/kernel/debug/fault_around_bytes)
for around in $default_around 4096; do
    echo $around > /sys/kernel/debug/fault_around_bytes
    for variant in c=$C_TEAMD ours=$BIN/teamd ${BENCH_TEAMD_VARIANTS:-}; do
        name=${variant%%=*} bin=${variant#*=}
        $LT start --teamd $bin --dev team0 --config "$AB2" --enabled 1 --activebackup yes >/dev/null || continue
        sleep 1
        pid=$(cat /var/run/teamd/team0.pid)
        printf '%-16s fault_around %5s  %s\n' "$name" "$around" \
            "$(grep -E '^(Rss|Pss|Private_Dirty|Private_Clean|Shared_Clean|Anonymous):' /proc/$pid/smaps_rollup | awk '{printf "%s %s  ", $1, $2}')" \
            >> "$OUT/memory-variants.txt"
        [ $around = 4096 ] && cp /proc/$pid/smaps "$OUT/smaps-$name-2ports-noaround.txt"
        $LT stop --dev team0 >/dev/null
    done
done
echo $default_around > /sys/kernel/debug/fault_around_bytes
log "profiles in $OUT"
