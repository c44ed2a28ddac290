#!/bin/bash
# Our teamd's arp_ping and nsna_ping link watchers against a partner namespace that answers ARP and
# Neighbour Solicitations: activebackup fails over when the active port's answers stop while its carrier
# stays up (a tc rule on the partner's side drops them), after missed_max intervals, and comes back when
# they return; and the C teamdctl's state dump and view of the watchers equal the C teamd's for the same
# configs.
# lab-timeout: 600
. "$(dirname "$0")/../lib.sh"
lab_modules
partner_switch 2
ip -n sw addr add 2001:db8::2/64 dev br0 nodad
ip -n sw link add link br0 name br0.100 type vlan id 100
ip -n sw link set br0.100 up
ip -n sw addr add 198.51.100.2/24 dev br0.100

# cut PEER: the partner stops sending anything out of PEER (ARP, IPv6, tagged or not); the carrier stays.
cut() {
    ip netns exec sw tc qdisc add dev "$1" root handle 1: prio
    ip netns exec sw tc filter add dev "$1" parent 1: protocol all prio 1 matchall action drop
}
uncut() { ip netns exec sw tc qdisc del dev "$1" root; }
watch_item() { $C_TEAMDCTL team0 state item get "ports.$1.link_watches.list.link_watch_0.$2"; }
is_up() { [ "$(watch_item "$1" up)" = true ]; }
ports_up() { is_up tp0 && is_up tp1; }

failover() { # NAME CONFIG
    local name=$1 config=$2
    start_teamd ours team0 "$config"
    ip link set team0 up
    wait_until 30 ports_up
    wait_until 30 is_active team0 tp0
    expect_eq "$name: user_linkup_enabled on tp0" true "$($C_TEAMNL -p tp0 team0 getoption user_linkup_enabled)"
    log "$name: both ports up, tp0 (prio 10) active"
    local t0=$(date +%s%N)
    cut tp0p
    wait_until 30 is_active team0 tp1
    local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    # interval 200 ms, missed_max 2: down at the third round without an answer, 400 to 600 ms after the cut.
    (( ms >= 400 )) || fail "$name: failover after $ms ms, before missed_max intervals"
    expect_eq "$name: tp0 watcher down" false "$(watch_item tp0 up)"
    expect_eq "$name: tp0 down_count" 1 "$(watch_item tp0 down_count)"
    (( $(watch_item tp0 missed) >= 3 )) || fail "$name: missed $(watch_item tp0 missed) < 3"
    expect_contains "$name: tp0 carrier stays" LOWER_UP "$(ip link show tp0)"
    expect_eq "$name: kernel sees tp0 down (user_linkup)" "false" "$($C_TEAMNL -p tp0 team0 getoption user_linkup)"
    log "$name: answers cut on tp0, carrier up: tp1 active after $ms ms, tp0 missed $(watch_item tp0 missed)"
    uncut tp0p
    wait_until 30 is_active team0 tp0
    expect_eq "$name: tp0 watcher up again" true "$(watch_item tp0 up)"
    # Up means fewer than missed_max rounds without an answer; under load a round can pass between the
    # answer and this read, so 0 is not guaranteed, only "not past missed_max".
    (( $(watch_item tp0 missed) <= 2 )) || fail "$name: tp0 up again but missed $(watch_item tp0 missed) > missed_max"
    log "$name: answers back: tp0 up and active again"
    # Both cut: no port answers, so every port keeps probing (forced_send) and the first to hear back wins.
    cut tp0p; cut tp1p
    wait_until 30 sh -c "! $C_TEAMDCTL team0 state item get ports.tp1.link_watches.up | grep -q true"
    wait_until 30 sh -c "! $C_TEAMDCTL team0 state item get ports.tp0.link_watches.up | grep -q true"
    uncut tp1p
    wait_until 30 is_up tp1
    wait_until 30 is_active team0 tp1
    uncut tp0p
    wait_until 30 is_active team0 tp0
    log "$name: no port answering, then tp1 first: tp1 active; tp0 back: tp0 active"
    stop_teamd ours team0
}

failover arp_ping '{"runner":{"name":"activebackup"},"ports":{"tp0":{"prio":10},"tp1":{}},
  "link_watch":{"name":"arp_ping","target_host":"192.0.2.2","interval":200,"missed_max":2}}'
failover "arp_ping validated" '{"runner":{"name":"activebackup"},"ports":{"tp0":{"prio":10},"tp1":{}},
  "link_watch":{"name":"arp_ping","source_host":"192.0.2.1","target_host":"192.0.2.2","interval":200,"missed_max":2,
  "validate_active":true,"validate_inactive":true,"send_always":true}}'
failover "arp_ping vlan" '{"runner":{"name":"activebackup"},"ports":{"tp0":{"prio":10},"tp1":{}},
  "link_watch":{"name":"arp_ping","target_host":"198.51.100.2","vlanid":100,"interval":200,"missed_max":2}}'
failover nsna_ping '{"runner":{"name":"activebackup"},"ports":{"tp0":{"prio":10},"tp1":{}},
  "link_watch":{"name":"nsna_ping","target_host":"2001:db8::2","interval":200,"missed_max":2}}'

# The partner absent when teamd starts (libteam issue 8): no port answers, none is enabled, so every port
# keeps probing; when the partner appears the ports come up and one becomes active. Checked for ours; the
# C teamd's outcome is logged.
for which in ours c; do
    cut tp0p; cut tp1p
    start_teamd $which team0 '{"runner":{"name":"activebackup"},"ports":{"tp0":{"prio":10},"tp1":{}},
      "link_watch":{"name":"arp_ping","target_host":"192.0.2.2","interval":200,"missed_max":2}}'
    ip link set team0 up
    sleep 2
    ! is_up tp0 && ! is_up tp1 || fail "$which: a port is up with no partner"
    uncut tp0p; uncut tp1p
    if [ $which = ours ]; then
        wait_until 30 ports_up
        wait_until 30 is_active team0 tp0
        log "partner absent at start: ours brings both ports up when it appears, tp0 active"
    else
        sleep 3
        log "partner absent at start: the C teamd has tp0 $(watch_item tp0 up), tp1 $(watch_item tp1 up), active '$(active_port team0)'"
    fi
    stop_teamd $which team0
done

# The same configs under the C teamd and ours: state dump, state view and view -v are the same.
compare() { # NAME CONFIG
    local name=$1 config=$2 which
    for which in c ours; do
        start_teamd $which team0 "$config"
        ip link set team0 up
        wait_until 30 sh -c "$C_TEAMDCTL team0 state dump | jq -e '[.ports[].link_watches.up] == [true, true]'"
        wait_until 30 is_active team0 tp0
        # Every watcher of its own up too. The C teamd's nsna_ping does not always get there in this lab
        # (it waits for the port's link-local address; seen failing for a whole run under load): then the
        # comparison of that config is skipped, and said so; ours was checked above.
        local tries=0
        until $C_TEAMDCTL team0 state dump | jq -e '[.ports[].link_watches.list[].up] | all' >/dev/null 2>&1; do
            (( tries++ < 300 )) || break
            sleep 0.1
        done
        if ! $C_TEAMDCTL team0 state dump | jq -e '[.ports[].link_watches.list[].up] | all' >/dev/null 2>&1; then
            [ $which = c ] || fail "$name: our watchers did not all come up"
            log "$name: SKIPPED: the C teamd's watchers did not all come up in 30 s; no comparison"
            stop_teamd c team0
            return 0
        fi
        # `missed` is 0 in a steady state, but a reply late under load makes it 1 for a round: it differs
        # by nature, so it is left out (the unit tests pin it down).
        normalized_state team0 | jq -S 'del(.ports[].link_watches.list[].missed)' > /tmp/state-$which.json
        $C_TEAMDCTL team0 state view > /tmp/view-$which.txt
        $C_TEAMDCTL -v team0 state view | grep -v '^  PID: ' | sed 's|missed packets: [0-9]*/|missed packets: N/|' \
            > /tmp/viewv-$which.txt
        if [ $which = ours ]; then
            "$BIN/teamdctl" -v team0 state view | grep -v '^  PID: ' | sed 's|missed packets: [0-9]*/|missed packets: N/|' \
                > /tmp/viewv-ourctl.txt
            diff -u /tmp/viewv-ours.txt /tmp/viewv-ourctl.txt || fail "$name: our teamdctl's view -v differs from the C teamdctl's"
        fi
        stop_teamd $which team0
    done
    diff -u /tmp/state-c.json /tmp/state-ours.json || fail "$name: state dump differs from the C teamd's"
    diff -u /tmp/view-c.txt /tmp/view-ours.txt || fail "$name: state view differs"
    diff -u /tmp/viewv-c.txt /tmp/viewv-ours.txt || fail "$name: state view -v differs"
    log "$name: state dump and view (-v) identical to the C teamd's"
}
compare arp_ping '{"runner":{"name":"activebackup"},"ports":{"tp0":{"prio":10},"tp1":{}},
  "link_watch":{"name":"arp_ping","target_host":"192.0.2.2","interval":250,"missed_max":4}}'
compare "arp_ping all options" '{"runner":{"name":"activebackup"},"ports":{"tp0":{"prio":10},"tp1":{}},
  "link_watch":{"name":"arp_ping","source_host":"192.0.2.1","target_host":"192.0.2.2","interval":250,"init_wait":100,
  "validate_active":true,"validate_inactive":true,"send_always":true}}'
compare "arp_ping vlan" '{"runner":{"name":"activebackup"},"ports":{"tp0":{"prio":10},"tp1":{}},
  "link_watch":{"name":"arp_ping","target_host":"198.51.100.2","vlanid":100,"interval":250}}'
compare "nsna_ping and ethtool" '{"runner":{"name":"activebackup"},"ports":{"tp0":{"prio":10},"tp1":{}},
  "link_watch":[{"name":"nsna_ping","target_host":"2001:db8::2","interval":250},{"name":"ethtool"}]}'
