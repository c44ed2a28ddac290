#!/bin/bash
# Our teamd's loadbalance runner: the tx_hash program reaches the kernel (bpf_hash_func) and spreads UDP
# flows that differ only in their ports over both ports (tx_hash ["l4"]), each datagram once; with
# tx_hash ["eth"] all of them take one port; a port whose link goes down is disabled and the rest go on.
. "$(dirname "$0")/../lib.sh"
lab_modules
partner_switch 2
N=48

# spread: sends N UDP datagrams to distinct ports and prints "tp0-count tp1-count" as the switch saw them
# (tcpdump on the switch's side of each veth that is up, started before anything is sent).
spread() {
    local p dumpers=()
    for p in tp0p tp1p; do
        : > /tmp/$p.txt
        ip -n sw link show $p | grep -q 'state UP' || continue
        ip netns exec sw tcpdump -l -n -i $p 'udp and dst host 192.0.2.2' > /tmp/$p.txt 2>/tmp/$p.err &
        dumpers+=($!)
        wait_until 30 grep -q 'listening on' /tmp/$p.err
    done
    for ((p = 0; p < N; p++)); do echo x > /dev/udp/192.0.2.2/$((20000 + p * 7)); done
    sleep 1
    kill "${dumpers[@]}" 2>/dev/null || true
    wait "${dumpers[@]}" 2>/dev/null || true
    echo "$(grep -c UDP /tmp/tp0p.txt || true) $(grep -c UDP /tmp/tp1p.txt || true)"
}

start_teamd ours team0 '{"runner":{"name":"loadbalance","tx_hash":["l4"]},"ports":{"tp0":{},"tp1":{}}}'
ip addr add 192.0.2.1/24 dev team0
ip link set team0 up
wait_until 10 sh -c "$C_TEAMDCTL team0 state dump | jq -e '[.ports[].link_watches.up] == [true, true]'"
wait_until 10 ping -c1 -W1 192.0.2.2
hash=$($C_TEAMNL team0 getoption bpf_hash_func)
[ -n "$hash" ] || fail "no bpf_hash_func in the kernel"
expect_eq "kernel mode" loadbalance "$($C_TEAMNL team0 getoption mode)"
expect_eq "tp1 has the team MAC" "$(mac_of team0)" "$(mac_of tp1)"
read -r a b < <(spread)
log "tx_hash l4: $N flows; tp0 carried $a, tp1 carried $b"
(( a > 0 && b > 0 && a + b <= N && a + b >= N * 3 / 4 )) || fail "l4 hashing should use both ports, each datagram once"
ip -n sw link set tp1p down
wait_until 10 sh -c "[ \"\$($C_TEAMNL -p tp1 team0 getoption enabled)\" = false ]"
read -r a b < <(spread)
log "tp1 down: tp0 carried $a, tp1 carried $b"
(( a >= N * 3 / 4 && b == 0 )) || fail "with tp1 down every datagram should take tp0"
ip -n sw link set tp1p up
wait_until 10 sh -c "[ \"\$($C_TEAMNL -p tp1 team0 getoption enabled)\" = true ]"
stop_teamd ours team0

start_teamd ours team0 '{"runner":{"name":"loadbalance","tx_hash":["eth"]},"ports":{"tp0":{},"tp1":{}}}'
ip addr add 192.0.2.1/24 dev team0
ip link set team0 up
wait_until 10 sh -c "$C_TEAMDCTL team0 state dump | jq -e '[.ports[].link_watches.up] == [true, true]'"
wait_until 10 ping -c1 -W1 192.0.2.2
read -r a b < <(spread)
log "tx_hash eth: tp0 carried $a, tp1 carried $b"
(( (a >= N * 3 / 4 && b == 0) || (a == 0 && b >= N * 3 / 4) )) || fail "one MAC pair should take one port"
[ "$($C_TEAMNL team0 getoption bpf_hash_func)" != "$hash" ] || fail "eth and l4 gave the same program"
stop_teamd ours team0
log ok
