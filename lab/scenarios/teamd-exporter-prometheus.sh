#!/bin/bash
# teamd-exporter under a real Prometheus (Debian's prometheus package, on the guest's loopback): two
# activebackup teams of our teamd, each with two veth ports into a peer namespace. Prometheus scrapes the
# exporter every second and evaluates node-mixin's NodeBondingDegraded rule unchanged. After one port's
# peer of team1 is cut, node_bonding_active{master="team1"} drops to 1 and the alert's expression is true
# for team1 and not for team0. Then: a teamd restart is counted, --textfile writes the same exposition,
# the LACPDU counters of a lacp team (team2, against the bonding driver's 802.3ad) equal tcpdump's counts
# over one session of a link, and a bad flag is refused. With a directory argument, the state dumps are saved there as the unit tests'
# fixtures (Tests/TeamdExporterTests/Fixtures).
. "$(dirname "$0")/../lib.sh"
RECORD=${1:-}
lab_modules
netns_add peer
for i in 0 1 2 3; do veth_pair "tp$i" "tp${i}p" peer; done
start_teamd ours team0 '{"runner":{"name":"activebackup"},"ports":{"tp0":{},"tp1":{}}}'
start_teamd ours team1 '{"runner":{"name":"activebackup"},"ports":{"tp2":{},"tp3":{"prio":10}}}'
ip link set team0 up
ip link set team1 up
wait_until 10 is_active team1 tp3

# metrics URL: the exporter's answer (python3, so that nothing but the lab's packages is needed).
metrics() { python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' "$1"; }
"$BIN/teamd-exporter" --listen 127.0.0.1:8326 2>/tmp/exporter.err &
exporter=$!
wait_until 20 metrics http://127.0.0.1:8326/metrics
metrics http://127.0.0.1:8326/metrics > /tmp/metrics.txt
promtool check metrics < /tmp/metrics.txt || fail "promtool check metrics: $(promtool check metrics < /tmp/metrics.txt 2>&1)"
grep -q '^node_bonding_slaves{master="team0"} 2' /tmp/metrics.txt || fail "no node_bonding_slaves for team0: $(cat /tmp/metrics.txt)"
log "the exporter serves both teams; promtool check metrics finds nothing to say"

mkdir -p /tmp/prom
cat > /tmp/prom/prometheus.yml <<'EOF'
global:
  # A scrape that outlasts its timeout (the interval) marks every series stale; in a loaded guest the
  # debug exporter's answer can take over a second.
  scrape_interval: 2s
  scrape_timeout: 2s
  evaluation_interval: 2s
rule_files: [rules.yml]
scrape_configs:
  # "node", the job node-mixin's alerts select by default: its rule below applies unchanged.
  - job_name: node
    static_configs: [{targets: ['127.0.0.1:8326']}]
EOF
# node-mixin's NodeBondingDegraded, with its default selector.
cat > /tmp/prom/rules.yml <<'EOF'
groups:
  - name: node-exporter
    rules:
      - alert: NodeBondingDegraded
        expr: (node_bonding_slaves{job="node"} - node_bonding_active{job="node"}) != 0
        for: 5m
        labels: {severity: warning}
EOF
promtool check config /tmp/prom/prometheus.yml >/dev/null || fail "promtool check config: $(promtool check config /tmp/prom/prometheus.yml 2>&1)"
prometheus --config.file=/tmp/prom/prometheus.yml --storage.tsdb.path=/tmp/prom/data \
    --web.listen-address=127.0.0.1:9090 > /tmp/prom/log 2>&1 &
prom=$!
trap 'kill $prom $exporter 2>/dev/null || true' EXIT

# query EXPR: the instant query's result, one "labels => value" line per series (promtool's output).
query() { promtool query instant http://127.0.0.1:9090 "$1"; }
value_of() { query "$1" | sed -n 's/.* => \([^ ]*\) @.*/\1/p'; }
has_value() { [ "$(value_of "$1")" = "$2" ]; }
wait_until 90 has_value 'up{job="node"}' 1
wait_until 40 has_value 'node_bonding_active{master="team0"}' 2
wait_until 40 has_value 'node_bonding_active{master="team1"}' 2
expect_eq "NodeBondingDegraded's expression, all ports up" "" "$(query '(node_bonding_slaves - node_bonding_active) != 0')"
log "Prometheus scrapes the exporter: both teams have 2 slaves, 2 active; the alert's expression is empty"

has_series() { [ -n "$(value_of "$1")" ]; }
wait_until 20 has_series 'teamd_link_watch_down_total{team="team1",port="tp3"}'
downs=$(value_of 'teamd_link_watch_down_total{team="team1",port="tp3"}')
[ -n "$RECORD" ] && $C_TEAMDCTL team1 state dump > "$RECORD/ours-activebackup.json"
ip -n peer link set tp3p down
wait_until 20 has_value 'node_bonding_active{master="team1"}' 1
expect_eq "team1 slaves" 2 "$(value_of 'node_bonding_slaves{master="team1"}')"
expect_eq "team0 active" 2 "$(value_of 'node_bonding_active{master="team0"}')"
degraded=$(query '(node_bonding_slaves - node_bonding_active) != 0')
expect_contains "the expression is true for team1" 'master="team1"' "$degraded"
[[ "$degraded" != *team0* ]] || fail "the expression is true for team0 too: $degraded"
wait_until 20 has_value 'ALERTS{alertname="NodeBondingDegraded",alertstate="pending",master="team1"}' 1
expect_eq "no alert for team0" "" "$(query 'ALERTS{master="team0"}')"
wait_until 10 is_active team1 tp2
wait_until 20 has_value 'teamd_activebackup_active_port{team="team1",port="tp2"}' 1
has_value 'teamd_port_up{team="team1",port="tp3"}' 0 || fail "teamd_port_up of tp3: $(query 'teamd_port_up{port="tp3"}')"
has_value 'teamd_link_watch_down_total{team="team1",port="tp3"}' $((downs + 1)) \
    || fail "down count of tp3, $downs before the cut: $(query 'teamd_link_watch_down_total')"
log "tp3's peer cut: node_bonding_active{team1} 1 of 2, the expression true for team1 only (alert pending), tp2 active"
[ -n "$RECORD" ] && $C_TEAMDCTL team1 state dump > "$RECORD/ours-activebackup-degraded.json"

# A restarted teamd (a new pid behind the same team) is counted once.
stop_teamd ours team0
start_teamd ours team0 '{"runner":{"name":"activebackup"},"ports":{"tp0":{},"tp1":{}}}'
wait_until 20 has_value 'teamd_restarts_total{team="team0"}' 1
has_value 'teamd_restarts_total{team="team1"}' 0 || fail "team1 restarts: $(query 'teamd_restarts_total')"
has_value 'teamd_up{team="team0"}' 1 || fail "team0 not up after its restart"
log "team0's teamd restarted: teamd_restarts_total{team0} 1, team1 0"

# The textfile for node_exporter: the same families, written whole.
mkdir -p /tmp/textfile
"$BIN/teamd-exporter" --textfile /tmp/textfile || fail "teamd-exporter --textfile failed"
promtool check metrics < /tmp/textfile/teamd.prom || fail "the textfile does not pass promtool check metrics"
grep -q '^node_bonding_active{master="team1"} 1' /tmp/textfile/teamd.prom || fail "textfile: $(cat /tmp/textfile/teamd.prom)"
expect_eq "files in the textfile directory" "teamd.prom" "$(ls -A /tmp/textfile)"
log "--textfile wrote teamd.prom with the same metrics, no temporary file left"

# LACPDU counters against tcpdump: team2 runs lacp over tp4 and tp5 against the bonding driver (802.3ad)
# in the peer namespace. tp4's link goes through one session (down, counters cleared, capture, up, converge,
# down: a quiet wire at both ends); the exporter's counters then equal the frames tcpdump saw each way.
for i in 4 5; do veth_pair "tp$i" "tp${i}p" peer; ip -n peer link set "tp${i}p" down; done
ip -n peer link add bond0 type bond mode 802.3ad lacp_rate fast miimon 100
ip -n peer link set tp4p master bond0
ip -n peer link set tp5p master bond0
ip -n peer link set bond0 up
port_mac=$(cat /sys/class/net/tp4/address)
start_teamd ours team2 '{"runner":{"name":"lacp","fast_rate":true},"ports":{"tp4":{},"tp5":{}}}'
ip link set team2 up
# lacp_is PORT JQ-EXPR: whether the expression holds for ports.PORT.runner of team2's state dump.
lacp_is() { $C_TEAMDCTL team2 state dump | jq -e ".ports.\"$1\".runner | $2" >/dev/null; }
# counter NAME: the exporter's sample of NAME for team2's tp4.
counter() { metrics http://127.0.0.1:8326/metrics | sed -n "s/^$1{team=\"team2\",port=\"tp4\"} //p"; }
# frames FILTER: LACPDUs of the capture that match.
frames() { tcpdump -n -r /tmp/tp4.pcap "$1" 2>/dev/null | wc -l; }
wait_until 30 lacp_is tp4 '.selected and .state == "current" and .aggregator.selected'
wait_until 30 lacp_is tp5 '.selected and .state == "current" and .aggregator.selected'
[ -n "$RECORD" ] && $C_TEAMDCTL team2 state dump > "$RECORD/ours-lacp.json"
ip -n peer link set tp4p down
wait_until 10 lacp_is tp4 '.state == "disabled"'
$C_TEAMDCTL team2 state item set ports.tp4.runner.statistics.clear true || fail "clearing tp4's counters failed"
expect_eq "cleared counters in, out, errors" "0 0 0" \
    "$(counter teamd_lacp_in_pkts_total) $(counter teamd_lacp_out_pkts_total) $(counter teamd_lacp_rx_errors_total)"
tcpdump -n -U -i tp4 -w /tmp/tp4.pcap 'ether proto 0x8809' 2>/tmp/tp4.err &
dump=$!
wait_until 30 grep -q 'listening on' /tmp/tp4.err
ip -n peer link set tp4p up
wait_until 30 lacp_is tp4 '.selected and .state == "current" and .aggregator.selected'
# A few fast periods of LACPDUs both ways, then the link goes.
partner_spoke() { (( $(frames "not ether src $port_mac") >= 4 )); }
wait_until 20 partner_spoke
ip -n peer link set tp4p down
wait_until 10 lacp_is tp4 '.state == "disabled"'
# counters_match: the exporter's counters equal the capture's counts (the wire is quiet now; the last
# frames may still be on their way into the pcap).
counters_match() {
    [ "$(counter teamd_lacp_in_pkts_total)" = "$(frames "not ether src $port_mac")" ] &&
        [ "$(counter teamd_lacp_out_pkts_total)" = "$(frames "ether src $port_mac")" ]
}
for _ in $(seq 100); do counters_match && break; sleep 0.05; done
counters_match || fail "exporter in/out $(counter teamd_lacp_in_pkts_total)/$(counter teamd_lacp_out_pkts_total), tcpdump in/out $(frames "not ether src $port_mac")/$(frames "ether src $port_mac")"
kill "$dump"; wait "$dump" 2>/dev/null || true
expect_eq "teamd_lacp_rx_errors_total" 0 "$(counter teamd_lacp_rx_errors_total)"
log "team2 (lacp vs 802.3ad): tp4's LACPDUs in one session, exporter = tcpdump: $(counter teamd_lacp_in_pkts_total) in, $(counter teamd_lacp_out_pkts_total) out, 0 errors"

# Bad flags: exit 1, the flag named.
set +e
"$BIN/teamd-exporter" --listen nowhere 2>/tmp/bad.err; status=$?
set -e
expect_eq "exit status of a bad --listen" 1 "$status"
expect_contains "the error names the flag" '--listen: "nowhere"' "$(cat /tmp/bad.err)"
kill "$exporter"
log "a bad flag: exit 1, $(head -1 /tmp/bad.err)"
