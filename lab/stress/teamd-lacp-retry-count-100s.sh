#!/bin/bash
# The long form of teamd-lacp-retry-count's (b) (issue 11, "one side SIGSTOPped for 100 s at slow rate, the
# aggregate survives"): ours against ours (ta here, tb in sw) at the slow rate (LACPDUs every 30 s,
# current_while 90 s with the standard count 3), `state item set runner.retry_count 5` on ta, so both sides
# hold 5 (150 s); tb stopped (SIGSTOP) for 100 s, then continued: no port of either side left CURRENT, no
# partner churn counted, ta's carrier stayed up. `make lacp-long`; not in `make test` (it takes 2.5 min).
# lab-timeout: 600
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../scenarios/lacp-switch.inc"
two_links
CFG='{"runner":{"name":"lacp","fast_rate":false,"retry_count":5}}'
ip -n sw link set tp0p down
ip -n sw link set tp1p down
start_fg tb "$(jq -c '.ports = {"tp0p": {}, "tp1p": {}}' <<<"$CFG")" sw
ip -n sw link set tb up
start_fg ta "$(jq -c '.ports = {"tp0": {}, "tp1": {}}' <<<"$CFG")"
ip link set ta up
for p in tp0 tp1; do wait_until 90 in_lacp ta $p; done
for p in tp0p tp1p; do wait_until 90 in_lacp tb $p; done
ctl ta state item set runner.retry_count 5 || fail "state item set runner.retry_count failed"
for p in tp0 tp1; do wait_until 60 sh -c "[ \$($C_TEAMDCTL ta state item get ports.$p.runner.partner_retry_count) = 5 ]"; done
for p in tp0p tp1p; do
    wait_until 60 sh -c "[ \$(ip netns exec sw $C_TEAMDCTL tb state item get ports.$p.runner.partner_retry_count) = 5 ]"
done
log "both sides hold the other's retry count 5 at the slow rate"
kill -STOP "$(cat /tmp/tb.pid)"
stopped=$(date +%s)
# Check ta throughout: its ports must stay CURRENT and enabled, its carrier up.
while (( $(date +%s) - stopped < 100 )); do
    for p in tp0 tp1; do in_lacp ta $p || fail "ta $p left the aggregate $(( $(date +%s) - stopped )) s into the stop"; done
    expect_eq "ta's carrier" 1 "$(cat /sys/class/net/ta/carrier)"
    sleep 5
done
kill -CONT "$(cat /tmp/tb.pid)"
log "tb continued after $(( $(date +%s) - stopped )) s"
sleep 2
expect_eq "ta's ports that expired" 0 "$(expirations ta)"
expect_eq "tb's ports that expired" 0 "$(expirations tb)"
for p in tp0 tp1; do in_lacp ta $p || fail "ta $p left the aggregate"; expect_eq "ta $p churn" 0 "$(stat ta $p partner_churn_count)"; done
for p in tp0p tp1p; do in_lacp tb $p || fail "tb $p left the aggregate"; done
log "tb stopped 100 s at the slow rate with retry count 5: no expiry, no churn, the aggregate stayed"
stop_fg ta
stop_fg tb
log "ok"
