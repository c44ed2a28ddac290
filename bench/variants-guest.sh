#!/bin/bash
# bench/variants-guest.sh: the guest side of bench/variants. Runs the start (2 and 32 ports) and event
# storm cases for several builds of teamd (BENCH_VARIANTS: NAME=PATH words; "c" is Debian's), rotating
# the order each repetition, and prints one `name case value` line per measurement.
. "$(dirname "$0")/../lab/lib.sh"
set +eu
LT=$BIN/labtool
REPS=${BENCH_REPS:-5}
ports_json() { local p; for p in "$@"; do printf '"%s":{},' "$p"; done | sed 's/,$//'; }
lab_modules
mkdir -p /var/run/teamd
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
variants=(${BENCH_VARIANTS:?})
for v in "${variants[@]}"; do   # warm-up
    bin=${v#*=}; [ "$bin" = c ] && bin=$C_TEAMD
    $LT start --teamd $bin --dev team0 --config "$AB2" --enabled 1 --activebackup yes >/dev/null && $LT stop --dev team0 >/dev/null
done
for rep in $(seq 1 $REPS); do
    n=${#variants[@]}
    for k in $(seq 0 $((n - 1))); do
        v=${variants[$(( (k + rep) % n ))]}
        name=${v%%=*} bin=${v#*=}; [ "$bin" = c ] && bin=$C_TEAMD
        eval "$($LT start --teamd $bin --dev team0 --config "$AB2" --enabled 1 --activebackup yes)" && echo "$name start2_ms $start_ms"
        sleep 1; eval "$($LT memory --dev team0)" && echo "$name rss2_kib $rss_kib"; echo "$name private_dirty2_kib $private_dirty_kib"
        eval "$($LT control --dev team0 --count ${BENCH_CONTROL_COUNT:-3000} --seconds 25)" && echo "$name control_rps $rps"
        ctl=$(dirname "$bin")/teamdctl; [ "${v#*=}" = c ] && ctl=$C_TEAMDCTL
        eval "$($LT spawn --warmup 1 --count 3 -- $ctl team0 state dump)" && echo "$name teamdctl_ms $ms"
        eval "$($LT memory --dev team0)" && echo "$name rss2_after_control_kib $rss_kib"
        $LT stop --dev team0 >/dev/null
        eval "$($LT start --teamd $bin --dev team0 --config "$AB32" --enabled 1 --activebackup yes)" && echo "$name start32_ms $start_ms"
        $LT stop --dev team0 >/dev/null
        $LT start --teamd $bin --dev team0 --config "$RR16" --enabled 16 >/dev/null
        eval "$($LT storm --dev team0 --ports "$ST_PORTS" --flaps 500 2>/dev/null)" && {
            echo "$name storm_settle_ms $settle_ms"; echo "$name storm_cpu_ms $teamd_cpu_ms"; echo "$name storm_total_ms $total_ms"; }
        $LT stop --dev team0 >/dev/null
    done
done
