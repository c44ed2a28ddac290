#!/bin/bash
# teamd on the system bus as generic D-Bus tools see it: `busctl` and `dbus-send` calls give the same
# answers as teamdctl and as the UNIX socket (byte for byte), for our teamd and the C teamd; changes made
# through busctl are what teamdctl then sees; errors carry teamd's messages; introspection lists the
# methods.
. "$(dirname "$0")/../lib.sh"
[ -x "$BIN/teamd" ] || fail "no teamd in $BIN (build it first)"
lab_modules
start_system_bus
abuse() { python3 "$LAB_REPO/lab/tools/control-abuse.py" "$@"; }
veth_pair tp0 tq0
veth_pair tp1 tq1
veth_pair tp2 tq2
SOCK=/var/run/teamd/team0.sock
DEST=org.libteam.teamd.team0 OBJ=/org/libteam/teamd IFACE=org.libteam.teamd
# bus_string METHOD [ARGS...]: the string a method returns, through busctl's JSON output.
bus_string() {
    local method=$1; shift
    local sig=""; local a; for a in "$@"; do sig+=s; done
    busctl --system --json=short call "$DEST" "$OBJ" "$IFACE" "$method" ${sig:+"$sig"} "$@" | jq -j '.data[0]'
}
# usock_string METHOD [ARG]: the payload of the UNIX socket's reply, through a raw datagram.
usock_string() {
    local request="REQUEST\\n$1\\n"; [ $# -gt 1 ] && request+="$2\\n"
    abuse usock "$SOCK" "$request" | sed '1d' | head -c -1
}
checks=0
same() { [ "$2" = "$3" ] || fail "$1: [$2] vs [$3]"; checks=$((checks + 1)); }

for daemon in ours c; do
    start_teamd "$daemon" team0 '{"runner":{"name":"activebackup"},"ports":{"tp0":{"prio":5},"tp1":{}}}' -D
    wait_until 10 has_bus_name "$DEST"
    wait_until 10 is_active team0 tp0
    expect_eq "$daemon: bus name owner is teamd" "$(cat /var/run/teamd/team0.pid)" "$(bus_name_owner "$DEST")"

    # The same bytes on the bus and on the UNIX socket.
    for method in ConfigDump ConfigDumpActual; do
        same "$daemon $method: busctl vs UNIX socket" "$(usock_string $method)" "$(bus_string $method)"
    done
    same "$daemon PortConfigDump tp0: busctl vs UNIX socket" "$(usock_string PortConfigDump tp0)" "$(bus_string PortConfigDump tp0)"
    same "$daemon StateDump: busctl vs UNIX socket" \
        "$(usock_string StateDump | jq -S 'del(.ports[].link_watches)')" "$(bus_string StateDump | jq -S 'del(.ports[].link_watches)')"
    # And what teamdctl prints.
    same "$daemon config dump: teamdctl vs busctl" "$("$BIN/teamdctl" -D team0 config dump)" "$(bus_string ConfigDump)"
    same "$daemon active port: teamdctl vs busctl" "$("$BIN/teamdctl" team0 state item get runner.active_port)" \
        "$(bus_string StateItemValueGet runner.active_port)"
    literal=$(dbus-send --system --print-reply=literal --dest="$DEST" "$OBJ" "$IFACE.StateItemValueGet" string:setup.runner_name)
    same "$daemon runner name: dbus-send vs teamdctl" "$("$C_TEAMDCTL" team0 state item get setup.runner_name)" "${literal#"${literal%%[! ]*}"}"

    # Changes through busctl, seen by teamdctl.
    busctl --system call "$DEST" "$OBJ" "$IFACE" PortAdd s tp2 >/dev/null
    "$C_TEAMDCTL" team0 port present tp2 || fail "$daemon: port added by busctl not present"
    busctl --system call "$DEST" "$OBJ" "$IFACE" StateItemValueSet ss runner.active_port tp1 >/dev/null
    wait_until 5 is_active team0 tp1
    busctl --system call "$DEST" "$OBJ" "$IFACE" PortConfigUpdate ss tp2 '{"prio": 7}' >/dev/null
    expect_eq "$daemon: prio set by busctl" 7 "$("$BIN/teamdctl" team0 port config dump tp2 | jq .prio)"
    busctl --system call "$DEST" "$OBJ" "$IFACE" PortRemove s tp2 >/dev/null
    ! "$C_TEAMDCTL" team0 port present tp2 2>/dev/null || fail "$daemon: port removed by busctl still present"
    checks=$((checks + 4))

    # Errors: teamd's message, as teamdctl shows it.
    bus_err=$(busctl --system call "$DEST" "$OBJ" "$IFACE" PortAdd s nosuchdev 2>&1 || true)
    ctl_err=$("$C_TEAMDCTL" -D team0 port add nosuchdev 2>&1 || true)
    same "$daemon PortAdd error: busctl" "Call failed: No such device." "$bus_err"
    expect_contains "$daemon PortAdd error: teamdctl" 'Error message content: "No such device."' "$ctl_err"
    bus_err=$(busctl --system call "$DEST" "$OBJ" "$IFACE" StateItemValueGet s nope.nope 2>&1 || true)
    same "$daemon StateItemValueGet error: busctl" "Call failed: Item path does not exist." "$bus_err"

    # Introspection lists every method with its arguments.
    methods=$(busctl --system introspect "$DEST" "$OBJ" "$IFACE" | awk '$2 == "method" {print $1, $3}' | sort | tr '\n' ' ')
    same "$daemon introspected methods" ".ConfigDump - .ConfigDumpActual - .PortAdd s .PortConfigDump s .PortConfigUpdate ss .PortRemove s .StateDump - .StateItemValueGet s .StateItemValueSet ss " "$methods"
    if [ "$daemon" = ours ]; then
        results=$(busctl --system introspect "$DEST" "$OBJ" "$IFACE" | awk '$2 == "method" && $4 == "s" {print $1}' | sort | tr '\n' ' ')
        same "our introspected results" ".ConfigDump .ConfigDumpActual .PortConfigDump .StateDump .StateItemValueGet " "$results"
    fi
    log "$daemon teamd: busctl and dbus-send agree with teamdctl and the UNIX socket"
    stop_teamd "$daemon" team0
    wait_until 10 sh -c "! has_bus_name $DEST"
done
# teamdctl -D when no teamd owns the name, then when there is no bus at all: the same messages as the C
# teamdctl (a bare team device, so that both get past the device check).
ip link add team0 type team
mkdir -p /tmp/c-bin /tmp/ours-bin
ln -sf "$C_TEAMDCTL" /tmp/c-bin/teamdctl
ln -sf "$BIN/teamdctl" /tmp/ours-bin/teamdctl
both_say() {
    local what=$1 c ours
    c=$(PATH=/tmp/c-bin:$PATH teamdctl -D team0 state 2>&1; echo "rc=$?")
    ours=$(PATH=/tmp/ours-bin:$PATH teamdctl -D team0 state 2>&1; echo "rc=$?")
    same "teamdctl -D, $what: ours vs C" "$c" "$ours"
    log "teamdctl -D, $what: $(printf '%s' "$c" | head -n1)"
}
both_say "no teamd on the bus"
pkill -x dbus-daemon
wait_until 10 sh -c '! pgrep -x dbus-daemon'
rm -f /run/dbus/system_bus_socket
both_say "no bus"
log "PASS: $checks checks"
