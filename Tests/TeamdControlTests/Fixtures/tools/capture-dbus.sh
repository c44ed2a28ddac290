#!/bin/bash
# Records the D-Bus fixtures in Tests/DBusWireTests/Fixtures/DBus with the real tools, inside the lab guest:
#   lab/run Tests/TeamdControlTests/Fixtures/tools/capture-dbus.sh
# A system bus (dbus-daemon 1.16) runs with teamd's policy; `dbus-monitor --system --binary` records every
# message on it, raw and concatenated, while one step runs; each step's messages go to DBus/STEP.bin:
#   c-teamd-start        C teamd -D starting (libdbus): Hello, RequestName, their replies, the bus's signals
#   c-config-dump        C teamdctl -D team0 config dump (libdbus) against the C teamd
#   c-port-add-error     C teamdctl -D team0 port add nosuchdev: the C teamd's error reply
#   c-item-get           C teamdctl -D team0 state item get runner.active_port
#   busctl-item-set      busctl (sd-bus) call ... StateItemValueSet ss runner.active_port tp1
#   busctl-introspect    busctl introspect of the C teamd's object
#   c-no-teamd           C teamdctl -D team0 state with no teamd on the bus: the bus's ServiceUnknown error
set -euo pipefail
. "$(dirname "$0")/../../../../lab/lib.sh"
out=$(cd "$(dirname "$0")/../../../DBusWireTests/Fixtures" && pwd)/DBus
mkdir -p "$out"
lab_modules
start_system_bus
veth_pair tp0 tq0
veth_pair tp1 tq1
DEST=org.libteam.teamd.team0 OBJ=/org/libteam/teamd IFACE=org.libteam.teamd
monitor_pid=
record() { # record NAME COMMAND...: runs COMMAND with the bus recorded into NAME.bin
    local name=$1; shift
    dbus-monitor --system --binary > "$out/$name.bin" &
    monitor_pid=$!
    sleep 1
    "$@" || true
    sleep 1
    kill "$monitor_pid"; wait "$monitor_pid" 2>/dev/null || true
    log "$name: $(stat -c %s "$out/$name.bin") bytes"
}
record c-teamd-start start_teamd c team0 '{"runner":{"name":"activebackup"},"ports":{"tp0":{"prio":5},"tp1":{}}}' -D
wait_until 10 has_bus_name "$DEST"
record c-config-dump "$C_TEAMDCTL" -D team0 config dump
record c-port-add-error "$C_TEAMDCTL" -D team0 port add nosuchdev
record c-item-get "$C_TEAMDCTL" -D team0 state item get runner.active_port
record busctl-item-set busctl --system call "$DEST" "$OBJ" "$IFACE" StateItemValueSet ss runner.active_port tp1
record busctl-introspect busctl --system introspect "$DEST" "$OBJ"
stop_teamd c team0
ip link add team0 type team
record c-no-teamd "$C_TEAMDCTL" -D team0 state
log "recorded into $out"
