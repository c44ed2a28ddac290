#!/bin/bash
# The basic runners as tcpdump on the partner's side sees them: roundrobin alternates the ports,
# broadcast sends every frame on both, random uses both ports in no fixed order.
. "$(dirname "$0")/../lib.sh"
lab_modules
partner_switch 2
N=40

for runner in roundrobin broadcast random; do
    start_teamd ours team0 '{"runner":{"name":"'$runner'"},"ports":{"tp0":{},"tp1":{}}}'
    ip addr add 192.0.2.1/24 dev team0
    ip link set team0 up
    wait_until 10 sh -c "$C_TEAMDCTL team0 state dump | jq -e '[.ports[].link_watches.up] == [true, true]'"
    wait_until 10 ping -c1 -W1 192.0.2.2
    for p in tp0p tp1p; do
        ip netns exec sw tcpdump -l -n -i $p 'icmp[icmptype] == icmp-echo' > /tmp/$p.txt 2>/tmp/$p.err &
    done
    for p in tp0p tp1p; do wait_until 30 grep -q 'listening on' /tmp/$p.err; done
    ping -q -c $N -i 0.02 192.0.2.2 > /dev/null || true
    # Every request seen once at least (broadcast: on both ports); the last ones may still be in flight.
    wait_until 5 sh -c "[ \$(cat /tmp/tp0p.txt /tmp/tp1p.txt | grep -c ICMP) -ge $N ]"
    [ $runner != broadcast ] || wait_until 5 sh -c "[ \$(grep -c ICMP /tmp/tp0p.txt) -ge $N ] && [ \$(grep -c ICMP /tmp/tp1p.txt) -ge $N ]"
    sleep 0.2   # a frame sent twice (the failure "each frame once" looks for) would follow at once
    kill %?tcpdump 2>/dev/null || pkill tcpdump || true
    wait 2>/dev/null || true
    a=$(grep -c ICMP /tmp/tp0p.txt || true) b=$(grep -c ICMP /tmp/tp1p.txt || true)
    log "$runner: $N echo requests; tp0 carried $a, tp1 carried $b"
    case $runner in
        roundrobin) (( a >= N/2 - 2 && a <= N/2 + 2 && b >= N/2 - 2 && b <= N/2 + 2 )) \
                        || fail "roundrobin should split evenly" ;;
        broadcast) (( a == N && b == N )) || fail "broadcast should send every frame on both ports" ;;
        random) (( a > 0 && b > 0 && a + b == N )) || fail "random should use both ports, each frame once" ;;
    esac
    stop_teamd ours team0
done
