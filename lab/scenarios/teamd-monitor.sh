#!/bin/bash
# The event stream: `teamdctl team0 monitor` against our teamd (activebackup over tp0 prio 10 and tp1,
# peers in a namespace; tp2 spare) shows a scripted sequence: tp0's link cut (its watcher, its link, the
# active port moves to tp1), restored (back to tp0), tp2 added and removed, the active port set to tp1 by
# hand; each event once, in order, each link and port event within 50 ms of the kernel's (`ip -ts monitor
# link` timestamps). The same events arrive as the D-Bus signal org.libteam.teamd.Event (dbus-monitor).
# When teamd stops, the stream ends with teamd_stop and teamdctl exits 0.
. "$(dirname "$0")/../lib.sh"
lab_modules
start_system_bus
netns_add peer
for i in 0 1 2; do veth_pair "tp$i" "tp${i}p" peer; done
start_teamd ours team0 '{"runner":{"name":"activebackup"},"ports":{"tp0":{"prio":10},"tp1":{}}}' -D
ip link set team0 up
wait_until 10 is_active team0 tp0
wait_until 10 has_bus_name org.libteam.teamd.team0

dbus-monitor --system "type='signal',interface='org.libteam.teamd',member='Event'" > /tmp/dbus.log 2>&1 &
dbusmon=$!
ip -ts -o monitor link > /tmp/ip.log 2>&1 &
ipmon=$!
"$BIN/teamdctl" team0 monitor > /tmp/events.jsonl 2>/tmp/monitor.err &
monitor=$!
# On failure, the events as they came.
trap 'status=$?; kill $dbusmon $ipmon 2>/dev/null || true; [ $status = 0 ] || { echo "events:"; cat /tmp/events.jsonl; } >&2' EXIT
# The subscription is in place once a harmless config update (tp1's own default prio) shows up.
subscribed() { $C_TEAMDCTL team0 port config update tp1 '{"prio": 0}' && grep -q config_update /tmp/events.jsonl; }
wait_until 10 subscribed
wait_until 10 grep -q config_update /tmp/dbus.log
log "teamdctl monitor subscribed; dbus-monitor sees the Event signal"
start=$(wc -l < /tmp/events.jsonl)
# events: the events after the barrier, one "event port [up]" per line. A port the team opens gets its
# carrier a moment later (the kernel's linkwatch runs apart), so tp2 may join down and go up just after:
# that is folded into one "port_added tp2 true".
events() {
    tail -n +$((start + 1)) /tmp/events.jsonl | jq -r '[.event, (.port // "-"), (if has("up") then (.up | tostring) else "" end)] | join(" ")' |
        awk '$0 == "port_added tp2 false" { late = 1; next }
             late && $0 == "link_watch tp2 true" { next }
             late && $0 == "port_link tp2 true" { print "port_added tp2 true"; late = 0; next }
             { print }'
}
seen() { events | grep -qx "$1"; }
ip -n peer link set tp0p down
wait_until 10 seen "active_port tp1 "
ip -n peer link set tp0p up
wait_until 10 seen "active_port tp0 "
$C_TEAMDCTL team0 port add tp2
wait_until 10 seen "port_added tp2 true"
$C_TEAMDCTL team0 port remove tp2
wait_until 10 seen "port_removed tp2 "
$C_TEAMDCTL team0 state item set runner.active_port tp1
wait_until 10 sh -c "[ \"\$(tail -n 1 /tmp/events.jsonl | jq -r .event)\" = active_port ]"
expected="link_watch tp0 false
port_link tp0 false
active_port tp1 
link_watch tp0 true
port_link tp0 true
active_port tp0 
port_added tp2 true
port_removed tp2 
active_port tp1 "
expect_eq "the events, in order, each once" "$expected" "$(events)"
log "cut, restore, port add/remove, active port set: $(events | wc -l) events in order, each once"

# Latency: each event's time against the kernel's message in `ip -ts monitor link` (the guest's clock
# is UTC): tp0's carrier lost and back, tp2 enslaved to team0 and released.
python3 - /tmp/events.jsonl /tmp/ip.log "$start" <<'PY' || fail "latency: see above"
import json, re, sys
from datetime import datetime, timezone
events = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()[int(sys.argv[3]):]]
ip = []
for line in open(sys.argv[2]):
    m = re.match(r'\[(\S+)\]\s*\d+: (\S+?)(@\S+)?: <([^>]*)>(.*)', line)
    if m:
        t = datetime.fromisoformat(m.group(1)).replace(tzinfo=timezone.utc).timestamp()
        ip.append((t, m.group(2), m.group(4).split(','), m.group(5)))
def when(e):
    return datetime.fromisoformat(e['time'][:26]).replace(tzinfo=timezone.utc).timestamp()
def event(name, port, up, after):
    for e in events:
        if e['event'] == name and e.get('port') == port and (up is None or e.get('up') == up) and when(e) >= after - 0.05:
            return e
def kernel(dev, test, after):
    for t, d, flags, rest in ip:
        if d == dev and t >= after and test(flags, rest):
            return t
checks = [
    ('link_watch', 'tp0', False, lambda f, r: 'NO-CARRIER' in f),
    ('port_link', 'tp0', False, lambda f, r: 'NO-CARRIER' in f),
    ('link_watch', 'tp0', True, lambda f, r: 'LOWER_UP' in f),
    ('port_link', 'tp0', True, lambda f, r: 'LOWER_UP' in f),
    ('port_added', 'tp2', None, lambda f, r: 'master team0' in r),
    ('port_removed', 'tp2', None, lambda f, r: 'master team0' not in r),
]
previous, worst = 0, 0
for name, dev, up, test in checks:
    k = kernel(dev, test, previous)
    e = event(name, dev, up, previous)
    if k is None or e is None:
        print(f"{name} {dev}: kernel message {k}, event {e}"); sys.exit(1)
    delta = (when(e) - k) * 1000
    print(f"{name} {dev}: {delta:+.1f} ms after the kernel's message")
    worst = max(worst, abs(delta))
    if abs(delta) > 50:
        print(f"{name} {dev} is {delta:.1f} ms off the kernel's message"); sys.exit(1)
    previous = k
print(f"worst {worst:.1f} ms")
PY

# The D-Bus signal carried the same events.
expect_eq "D-Bus Event signals for tp0's port_link" 2 "$(grep port_link /tmp/dbus.log | grep -c tp0 || true)"

stop_teamd ours team0
wait_until 10 sh -c "! kill -0 $monitor"
set +e
wait "$monitor"; status=$?
set -e
expect_eq "teamdctl monitor's exit status after teamd stopped" 0 "$status"
expect_eq "the last event" teamd_stop "$(tail -n 1 /tmp/events.jsonl | jq -r .event)"
log "teamd stopped: the stream ended with teamd_stop, teamdctl monitor exited 0"
