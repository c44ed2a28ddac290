# bench/guest-bonding.sh: cases 9 and 10 of bench/guest.sh (sourced by it, inside the guest): our
# teamd's failover against the bonding driver's active-backup, which is what users who leave teaming
# pick (issue 17). Measured the same way for both: cut the active port's path under a 1 kHz UDP stream,
# time to the stream's first packet on the new port (labtool failover --new-peer), packets lost.
#   9: the peer goes down (carrier loss): ours with the ethtool watcher against miimon 10 and 100.
#  10: the peer leaves the bridge (carrier stays; only a path monitor notices): ours with arp_ping
#      against arp_interval with arp_validate all, both every 100 ms, 2 missed probes to go down.
# The same ports tp0/tp1 and partner bridge sw as case 2; tp1 is the active (primary) port.
S9a="failover vs bonding miimon 10: peer down to the stream on the new port (ours: ethtool)"
S9b="failover vs bonding miimon 10: UDP packets lost of a 1 kHz stream"
S9c="failover vs bonding miimon 100: peer down to the stream on the new port (ours: ethtool)"
S9d="failover vs bonding miimon 100: UDP packets lost of a 1 kHz stream"
S10a="failover vs bonding arp_interval 100 + arp_validate all: path cut to the stream on the new port (ours: arp_ping 100 ms)"
S10b="failover vs bonding arp_interval 100 + arp_validate all: UDP packets lost of a 1 kHz stream"
ARP100='{"runner":{"name":"activebackup"},"link_watch":{"name":"arp_ping","interval":100,"missed_max":2,"source_host":"192.0.2.1","target_host":"192.0.2.2","validate_active":true,"validate_inactive":true},"ports":{"tp0":{},"tp1":{"prio":10}}}'

# A peer taken out of the bridge is a plain interface of sw, and sw's kernel would answer ARP for its
# 192.0.2.2 there too (arp_ignore 0): never on tp0p/tp1p (as bridge ports they do no IP at all).
ip netns exec sw sysctl -qw net.ipv4.conf.tp0p.arp_ignore=8 net.ipv4.conf.tp1p.arp_ignore=8

bond_ready() {
    [ "$(cat /sys/class/net/bond0/bonding/active_slave 2>/dev/null)" = tp1 ] &&
        [ "$(cat /sys/class/net/tp0/bonding_slave/mii_status 2>/dev/null)" = up ]
}
# bond_up OPTIONS...: bond0 in active-backup with tp1 primary, 192.0.2.1, ready (both slaves up).
bond_up() {
    ip link add bond0 type bond mode active-backup "$@" || return 1
    for p in tp0 tp1; do ip link set $p down; ip link set $p master bond0; done
    ip link set bond0 type bond primary tp1
    ip addr add 192.0.2.1/24 dev bond0 && ip link set bond0 up
    ( wait_until 20 bond_ready )  # a subshell: lib.sh's fail ends only it, and this case is skipped
}
bond_down() { ip link del bond0 2>/dev/null; ip link set tp0 up; ip link set tp1 up; }
# team_active_tp1 CONFIG WHICH: a team of tp0/tp1 with tp1 active, 192.0.2.1, up.
team_up() {
    start_team "$2" "$1" 1 yes || return 1
    ip addr add 192.0.2.1/24 dev team0 && ip link set team0 up
}
# failover_case CASE METRIC_MS METRIC_LOST IMPL REP TIMELINE_NAME LABTOOL_ARGS...
failover_case() {
    local c=$1 m1=$2 m2=$3 impl=$4 rep=$5 name=$6; shift 6
    unset traffic_ms lost sent
    out=$($LT failover --port tp1 --peer tp1p --new-peer tp0p --ns sw --dst 192.0.2.2 $(timeline_arg $rep $name) "$@") &&
        eval "$out" && { rec $c "$m1" ms lower $impl $rep "$traffic_ms"; rec $c "$m2" packets lower $impl $rep "$lost"; }
    log "rep $rep $name: stream on the new port after ${traffic_ms:-?} ms, lost ${lost:-?} of ${sent:-?}"
}

for rep in $(want bonding && seq 1 "$REPS"); do
    # Ours once per repetition for both miimon rows (one measurement, paired with each).
    if team_up "$AB2" ours; then
        failover_case 9 "$S9a" "$S9b" ours $rep ours-ethtool --dev team0
        [ -n "${traffic_ms:-}" ] && { rec 9 "$S9c" ms lower ours $rep "$traffic_ms"; rec 9 "$S9d" packets lower ours $rep "$lost"; }
        stop_team
    fi
    for mii in 10 100; do
        if bond_up miimon $mii; then
            [ $mii = 10 ] && failover_case 9 "$S9a" "$S9b" bonding $rep bonding-miimon10 --dev bond0 --bond yes
            [ $mii = 100 ] && failover_case 9 "$S9c" "$S9d" bonding $rep bonding-miimon100 --dev bond0 --bond yes
        else
            log "rep $rep: bond with miimon $mii not ready"
        fi
        bond_down
    done
    if team_up "$ARP100" ours; then
        ( wait_until 20 is_active team0 tp1 ) &&
            failover_case 10 "$S10a" "$S10b" ours $rep ours-arp_ping --dev team0 --cut unbridge
        stop_team
    fi
    if bond_up arp_interval 100 arp_ip_target 192.0.2.2 arp_validate all arp_missed_max 2; then
        failover_case 10 "$S10a" "$S10b" bonding $rep bonding-arp --dev bond0 --bond yes --cut unbridge
    else
        log "rep $rep: bond with arp_interval not ready"
    fi
    bond_down
done
