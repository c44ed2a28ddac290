#!/bin/bash
# bench/guest.sh: the guest side of bench/compare (run by lab/run inside the VM, never by hand).
# For each repetition it runs Debian's C teamd and ours one after the other on the same veth setup,
# alternating which goes first, and appends one line per measurement to $BENCH_RAW:
#   case,metric,unit,better,impl,rep,value     (impl c | ours | n/a)
# Timed intervals are taken inside labtool (Sources/labtool), never around a process start of the shell.
. "$(dirname "$0")/../lab/lib.sh"
set +eu  # a failed repetition is logged and skipped; the others still count
LT=$BIN/labtool
REPS=${BENCH_REPS:-7}
RAW=${BENCH_RAW:?BENCH_RAW names the raw results file}
CONTROL_COUNT=${BENCH_CONTROL_COUNT:-10000}
CONTROL_SECONDS=${BENCH_CONTROL_SECONDS:-15}   # cap per sample (0: none), see bench/README.md
FLAPS=${BENCH_FLAPS:-500}
PROFILE=${BENCH_PROFILE:-}   # a directory: smaps of each daemon are copied there
ctl_bin() { case "$1" in c) echo "$C_TEAMDCTL" ;; ours) echo "$BIN/teamdctl" ;; esac; }

rec() { printf '%s,%s,%s,%s,%s,%s,%s\n' "$@" >> "$RAW"; }
note() { printf '# %s\n' "$*" >> "$RAW"; }
# Alternation: odd repetitions start with C, even ones with ours.
order() { if (( $1 % 2 )); then echo "c ours"; else echo "ours c"; fi; }
# Kills whatever teamd is left after a failed step, so that the next repetition starts clean.
cleanup_team() {
    local pid; pid=$(cat /var/run/teamd/team0.pid 2>/dev/null)
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    for _ in $(seq 50); do ip link show team0 >/dev/null 2>&1 || break; sleep 0.1; done
    ip link del team0 2>/dev/null; rm -f /var/run/teamd/team0.*
}
# start_team WHICH CONFIG ENABLED [ACTIVEBACKUP yes|no [UP yes|no]]: sets start_ms, parent_ms, pid;
# non-zero on failure.
start_team() {
    local out
    out=$($LT start --teamd "$(teamd_bin "$1")" --dev team0 --config "$2" --enabled "$3" --activebackup "${4:-no}" --up "${5:-no}") \
        || { log "$1: start failed"; cleanup_team; return 1; }
    eval "$out"
}
stop_team() { $LT stop --dev team0 >/dev/null || { log "stop failed"; cleanup_team; }; }
# timeline_arg REP NAME: the first repetition's failover writes its packets-per-ms timeline for the plot.
timeline_arg() { [ "$1" = 1 ] && [ -n "$PROFILE" ] && echo "--timeline $PROFILE/timeline-$2.csv"; }
# BENCH_CASES: which groups run (default all): main (cases 1-4, 6, 7), lacp (1, 8), cpu (5), bonding (9, 10).
want() { [[ " ${BENCH_CASES:-main lacp cpu bonding} " == *" $1 "* ]]; }
ports_json() { local p; for p in "$@"; do printf '"%s":{},' "$p"; done | sed 's/,$//'; }

lab_modules
mkdir -p /var/run/teamd
t_begin=$(date +%s)
note "kernel $(uname -r), $(uname -v | grep -o 'Debian [^ ]*'); $(nproc) vCPUs, QEMU TCG"
note "C: $($C_TEAMD -v 2>&1 | head -1) (Debian libteam-utils); ours: $($BIN/teamd -v 2>&1 | head -1), release build, $(readelf -l "$BIN/teamd" 2>/dev/null | grep -q 'program interpreter' && echo 'static Swift stdlib, glibc shared' || echo 'static executable')"
note "$REPS repetitions per implementation, alternating which goes first"

# The 2-port setup: tp0, tp1 into a bridge in namespace sw (the partner switch, 192.0.2.2).
netns_add sw
veth_pair tp0 tp0p sw
veth_pair tp1 tp1p sw
switch_ns sw tp0p tp1p
ip -n sw addr add 192.0.2.2/24 dev br0
# 32 more ports mp0..mp31 with their peers in sw (up, no bridge), for memory at 32 ports.
for i in $(seq 0 31); do echo "link add mp$i type veth peer name mp${i}p netns sw"; done | ip -batch -
for i in $(seq 0 31); do echo "link set mp${i}p up"; done | ip -n sw -batch -
MP32=$(printf 'mp%d ' $(seq 0 31))
# The storm's 16 ports are dummies whose carrier labtool turns off and on (IFLA_CARRIER): a veth peer's
# admin down closes a device in the kernel and under TCG takes ~6 ms, so 500 flaps x 16 ports would take
# ~90 s per run; a carrier flap takes ~0.3 ms, so the daemons, not the kernel, are what is measured.
for i in $(seq 0 15); do echo "link add dm$i type dummy"; done | ip -batch -
DM16=$(printf 'dm%d ' $(seq 0 15)) ST_PORTS=$(printf 'dm%d,' $(seq 0 15) | sed 's/,$//')

AB2='{"runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"},"ports":{"tp0":{},"tp1":{"prio":10}}}'
AB32='{"runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"},"ports":{'$(ports_json $MP32)'}}'
RR16='{"runner":{"name":"roundrobin"},"link_watch":{"name":"ethtool"},"ports":{'$(ports_json $DM16)'}}'

# Warm-up (untimed): both daemons and both teamdctls once, so that every binary is in the page cache.
for which in c ours; do
    start_team $which "$AB2" 1 yes && { $(ctl_bin $which) team0 state dump >/dev/null; stop_team; }
done

S1="start: exec to active port enabled (activebackup; 2 ports)"
S1b="start: exec to 'teamd -d' returning (2 ports)"
S1c="start: exec to active port enabled (activebackup; 32 ports)"
S2="failover: peer down to kernel activeport changed"
S2b="failover: UDP packets lost of a 1 kHz stream"
S2c="failover: peer down to the stream's first packet on the new port"
S3="control: StateDump requests per second over one connection"
S3b="control: teamd CPU per StateDump"
S3c="control: requests made per sample (10000 unless the time cap hit)"
S4a="memory: Rss (smaps_rollup); 2 ports" S4b="memory: VmHWM; 2 ports"
S4c="memory: Rss (smaps_rollup); 32 ports" S4d="memory: VmHWM; 32 ports"
S4e="memory: Private_Dirty (held by teamd alone); 2 ports" S4f="memory: Private_Dirty (held by teamd alone); 32 ports"
S6="event storm: last flap to teamd quiet with its state matching the links"
S6b="event storm: first flap to match (16 ports x 500 flaps)"
S6c="event storm: teamd CPU time; first flap to teamd quiet"
S6d="event storm: runs whose final state matched the links"
S7="teamdctl: 'teamdctl team0 state dump' process exec to exit (median of 3)"

for rep in $(want main && seq 1 "$REPS"); do
    for which in $(order "$rep"); do
        unset start_ms parent_ms rss_kib private_dirty_kib vmrss_kib vmhwm_kib ms rps requests teamd_cpu_us failover_ms lost sent link_ms \
            flap_ms settle_ms total_ms teamd_cpu_ms state_right kernel_user_linkup_agrees
        ctl=$(ctl_bin $which)
        # Cases 1, 4 (2 ports), 7, 3, 2 on one daemon, in that order, so that memory is read before
        # any control traffic.
        start_team $which "$AB2" 1 yes || continue
        rec 1 "$S1" ms lower $which $rep "$start_ms"
        rec 1 "$S1b" ms lower $which $rep "$parent_ms"
        sleep 1
        out=$($LT memory --dev team0 ${PROFILE:+--smaps $PROFILE/smaps-$which-2ports.txt}) && eval "$out" && {
            rec 4 "$S4a" KiB lower $which $rep "$rss_kib"; rec 4 "$S4b" KiB lower $which $rep "$vmhwm_kib"
            rec 4 "$S4e" KiB lower $which $rep "$private_dirty_kib"; }
        out=$($LT spawn --warmup 1 --count 3 -- $ctl team0 state dump) && eval "$out" && rec 7 "$S7" ms lower $which $rep "$ms"
        out=$($LT control --dev team0 --count "$CONTROL_COUNT" --seconds "$CONTROL_SECONDS") && eval "$out" && {
            rec 3 "$S3" req/s higher $which $rep "$rps"; rec 3 "$S3b" us lower $which $rep "$teamd_cpu_us"
            rec 3 "$S3c" requests higher $which $rep "$requests"; }
        ip addr add 192.0.2.1/24 dev team0 && ip link set team0 up
        out=$($LT failover --dev team0 --port tp1 --peer tp1p --new-peer tp0p --ns sw --dst 192.0.2.2 \
            $(timeline_arg $rep $which-ethtool)) && eval "$out" && {
            # link_ms stays in the log: labtool often reads the port-down event and the activeport
            # change in one wake-up, so it is no measure of the kernel's part.
            rec 2 "$S2" ms lower $which $rep "$failover_ms"; rec 2 "$S2b" packets lower $which $rep "$lost"
            rec 2 "$S2c" ms lower $which $rep "$traffic_ms"; }
        stop_team
        log "rep $rep $which: start ${start_ms} ms, rss ${rss_kib} KiB, teamdctl ${ms} ms, ${rps} req/s (${requests} requests), failover ${failover_ms} ms (port-down event seen at ${link_ms} ms) lost ${lost} of ${sent}"

        # Case 4 with 32 ports.
        start_team $which "$AB32" 1 yes || continue
        rec 1 "$S1c" ms lower $which $rep "$start_ms"
        sleep 1
        out=$($LT memory --dev team0 ${PROFILE:+--smaps $PROFILE/smaps-$which-32ports.txt}) && eval "$out" && {
            rec 4 "$S4c" KiB lower $which $rep "$rss_kib"; rec 4 "$S4d" KiB lower $which $rep "$vmhwm_kib"
            rec 4 "$S4f" KiB lower $which $rep "$private_dirty_kib"; }
        stop_team

        # Case 6: 16 dummy ports, roundrobin, each carrier flapped FLAPS times.
        start_team $which "$RR16" 16 || continue
        out=$($LT storm --dev team0 --ports "$ST_PORTS" --flaps "$FLAPS") && eval "$out" && {
            rec 6 "$S6" ms lower $which $rep "$settle_ms"; rec 6 "$S6b" ms lower $which $rep "$total_ms"
            rec 6 "$S6c" ms lower $which $rep "$teamd_cpu_ms"; rec 6 "$S6d" runs higher $which $rep "$state_right"; }
        stop_team
        log "rep $rep $which: 32-port rss ${rss_kib} KiB; storm flap ${flap_ms} ms settle ${settle_ms} ms cpu ${teamd_cpu_ms} ms state right ${state_right} (kernel user_linkup agrees ${kernel_user_linkup_agrees})"
    done
done

# LACP (cases 1 and 8): two ports la0, la1 to the kernel bonding driver in 802.3ad mode (namespace pb),
# two ports lt0, lt1 to a C teamd lacp partner (namespace pt), both partners at the fast rate. Ready
# means both ports enabled in the kernel, which the lacp runner does once a port is distributing.
netns_add pb
veth_pair la0 la0p pb
veth_pair la1 la1p pb
ip -n pb link add bond0 type bond mode 802.3ad lacp_rate fast miimon 100
for p in la0p la1p; do ip -n pb link set $p down; ip -n pb link set $p master bond0; done
ip -n pb link set bond0 up
netns_add pt
veth_pair lt0 lt0p pt
veth_pair lt1 lt1p pt
# The kernel refuses to enslave a port that is up; the C lacp runner sends nothing while its team is down.
ip -n pt link set lt0p down; ip -n pt link set lt1p down
PARTNER='{"runner":{"name":"lacp","active":true,"fast_rate":true},"link_watch":{"name":"ethtool"},"ports":{"lt0p":{},"lt1p":{}}}'
ip netns exec pt $C_TEAMD -d -t teamp -c "$PARTNER" 2>/tmp/bench-partner.err || log "the C lacp partner did not start: $(cat /tmp/bench-partner.err)"
ip -n pt link set teamp up 2>/dev/null
LACP_BOND='{"runner":{"name":"lacp","active":true,"fast_rate":true},"link_watch":{"name":"ethtool"},"ports":{"la0":{},"la1":{}}}'
LACP_TEAM='{"runner":{"name":"lacp","active":true,"fast_rate":true},"link_watch":{"name":"ethtool"},"ports":{"lt0":{},"lt1":{}}}'
S1c="start: lacp against bonding; until both ports distributing"
S8="lacp convergence (fast rate) against a C teamd partner"
for rep in $(want lacp && seq 1 $REPS); do
    for which in $(order "$rep"); do
        unset start_ms
        start_team $which "$LACP_BOND" 2 no yes && { rec 1 "$S1c" ms lower $which $rep "$start_ms"; stop_team; }
        sleep 1   # the partner's ports time out and start over alike for both
        unset start_ms
        start_team $which "$LACP_TEAM" 2 no yes && { rec 8 "$S8" ms lower $which $rep "$start_ms"; stop_team; }
        sleep 1
    done
done
ip netns exec pt $C_TEAMD -k -t teamp 2>/dev/null

# CPU (case 5): 8 ports each, roundrobin, arp_ping every 10 ms to 198.51.100.2, which every peer
# answers (the same address on each peer, so each reply leaves by the port its request came in on).
# Both daemons run side by side in the same 60 s (teamc for C, teamo for ours, 8 ports each), so that
# seven samples of each fit in seven minutes and both see the same machine.
netns_add cs
for i in $(seq 0 7); do
    for w in c o; do
        veth_pair cp$w$i cp$w${i}p cs
        ip -n cs addr add 198.51.100.2/32 dev cp$w${i}p
    done
done
cpu_config() {
    printf '{"runner":{"name":"roundrobin"},"link_watch":{"name":"arp_ping","interval":10,"missed_max":3,"target_host":"198.51.100.2"},"ports":{%s}}' \
        "$(ports_json $(printf "cp$1%d " $(seq 0 7)))"
}
# cpu_ms PID: user + system CPU time so far, in ms.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) * 1000 / hz }' "/proc/$1/stat"; }
S5="cpu: teamd user+system over 60 s; 8 ports arp_ping at 10 ms"
for rep in $(want cpu && seq 1 $REPS); do
    ok=yes pc= po=
    for which in $(order "$rep"); do
        dev=team${which:0:1}
        if $LT start --teamd "$(teamd_bin $which)" --dev $dev --config "$(cpu_config ${which:0:1})" --enabled 8 >/dev/null; then
            [ $which = c ] && pc=$(cat /var/run/teamd/$dev.pid) || po=$(cat /var/run/teamd/$dev.pid)
        else
            log "$which: arp_ping start failed: $(head -3 /tmp/labtool-teamd-$dev.err 2>/dev/null)"; ok=no
        fi
    done
    sleep 2
    c0=$([ -n "$pc" ] && cpu_ms $pc) o0=$([ -n "$po" ] && cpu_ms $po)
    sleep 60
    cc=$([ -n "$c0" ] && awk -v a="$(cpu_ms $pc)" -v b="$c0" 'BEGIN { print a - b }')
    co=$([ -n "$o0" ] && awk -v a="$(cpu_ms $po)" -v b="$o0" 'BEGIN { print a - b }')
    [ -n "$cc" ] && rec 5 "$S5" ms lower c $rep "$cc"
    [ -n "$co" ] && rec 5 "$S5" ms lower ours $rep "$co"
    for dev in teamc teamo; do [ -e /var/run/teamd/$dev.pid ] && $LT stop --dev $dev >/dev/null; done
    log "rep $rep cpu over 60 s: c ${cc:-none} ms, ours ${co:-none} ms (both started: $ok)"
done
. "$(dirname "$0")/guest-bonding.sh"
note "guest time for all cases: $(( $(date +%s) - t_begin )) s"
