#!/bin/bash
# Our teamd's control transports under abuse: a 1 MiB request, an unknown method, a bad escape, a
# half-closed connection, garbage, a silent client, on the UNIX socket; a 1 MiB message and an unknown
# method on ZeroMQ; a 1 MiB argument, an unknown method and wrong arguments on D-Bus. Each gets an error
# reply or a clean close, and the daemon keeps serving everyone else (checked after each).
# lab-timeout: 480
. "$(dirname "$0")/../lib.sh"
[ -x "$BIN/teamd" ] || fail "no teamd in $BIN (build it first)"
lab_modules
start_system_bus
abuse() { python3 "$LAB_REPO/lab/tools/control-abuse.py" "$@"; }
veth_pair tp0 tq0
SOCK=/var/run/teamd/team0.sock ZMQ=ipc:///run/teamd/team0.zmq
start_teamd ours team0 '{"runner":{"name":"activebackup"},"ports":{"tp0":{}}}' -D -Z "$ZMQ"
wait_until 10 has_bus_name org.libteam.teamd.team0
pid=$(cat /var/run/teamd/team0.pid)

checks=0
# still_serving: the daemon is alive and answers on all three transports.
still_serving() {
    kill -0 "$pid" || fail "teamd died"
    for flag in -U -D "-Z $ZMQ"; do
        # shellcheck disable=SC2086
        expect_eq "after abuse, teamdctl $flag" activebackup "$("$BIN/teamdctl" $flag team0 state item get setup.runner_name)"
    done
}
# expect_reply WHAT EXPECTED-PREFIX OUTPUT
expect_reply() {
    [[ "$3" == "$2"* ]] || fail "$1: expected a reply starting [$2], got [$3]"
    checks=$((checks + 1))
    log "$1: $(printf '%s' "$3" | head -c 120 | tr '\n' '|')"
    still_serving
}

# UNIX socket.
expect_reply "usock 1 MiB request" $'REPLY_ERROR\nInvalidRequest' "$(abuse usock-big "$SOCK" 1048576)"
expect_reply "usock unknown method" $'REPLY_ERROR\nUnknownMethod' "$(abuse usock "$SOCK" 'REQUEST\nNoSuchMethod\n')"
expect_reply "usock bad escape" $'REPLY_ERROR\nInvalidArgs' "$(abuse usock "$SOCK" 'REQUEST\nPortAdd\nab\\qc\n')"
expect_reply "usock trailing backslash" $'REPLY_ERROR\nInvalidArgs' "$(abuse usock "$SOCK" 'REQUEST\nPortAdd\nab\\\n')"
expect_reply "usock not a request" $'REPLY_ERROR\nInvalidRequest' "$(abuse usock "$SOCK" 'HELLO\n')"
expect_reply "usock empty lines only" $'REPLY_ERROR\nInvalidRequest' "$(abuse usock "$SOCK" '\n\n\n')"
expect_reply "usock NUL byte" $'REPLY_ERROR\nInvalidRequest' "$(abuse usock "$SOCK" 'REQUEST\nStateDump\x00\n')"
expect_reply "usock missing argument" $'REPLY_ERROR\nInvalidArgs' "$(abuse usock "$SOCK" 'REQUEST\nPortAdd\n')"
expect_reply "usock 200 KiB port name" $'REPLY_ERROR\nNoSuchDev' "$(abuse usock-big "$SOCK" 204800)"
half=$(abuse usock-halfclose "$SOCK")
expect_reply "usock half-closed connection" $'REPLY_SUCCESS\nactivebackup\nEOF' "$half"
# A client that connects and says nothing does not block the others.
abuse usock-hold "$SOCK" 3 >/dev/null &
holder=$!
sleep 0.5
expect_reply "usock silent client held open" "activebackup" "$("$BIN/teamdctl" -U team0 state item get setup.runner_name)"
wait $holder

# ZeroMQ: libzmq drops a peer that sends more than a request may be; everything else is answered.
expect_reply "zmq 1 MiB message" "TIMEOUT" "$(abuse zmq-big "$ZMQ" 1048576)"
expect_reply "zmq unknown method" $'REPLY_ERROR\nUnknownMethod' "$(abuse zmq "$ZMQ" 'REQUEST\nNoSuchMethod\n')"
expect_reply "zmq garbage" $'REPLY_ERROR\nInvalidRequest' "$(abuse zmq "$ZMQ" 'garbage')"
expect_reply "zmq backslash kept as is" $'REPLY_ERROR\nPathDoesNotExist' "$(abuse zmq "$ZMQ" 'REQUEST\nStateItemValueGet\na\\qb\n')"

# D-Bus.
expect_reply "dbus 1 MiB argument" "ERROR org.libteam.teamd.NoSuchDev" "$(abuse dbus team0 PortAdd @1048576)"
expect_reply "dbus unknown method" "ERROR org.freedesktop.DBus.Error.UnknownMethod" "$(abuse dbus team0 NoSuchMethod)"
expect_reply "dbus missing argument" "ERROR org.libteam.teamd.InvalidArgs" "$(abuse dbus team0 PortAdd)"
expect_reply "dbus extra argument" "ERROR org.libteam.teamd.InvalidArgs" "$(abuse dbus team0 ConfigDump x)"
expect_reply "dbus 1 MiB state path" "ERROR org.libteam.teamd.PathDoesNotExist" "$(abuse dbus team0 StateItemValueGet @1048576)"

# The bus goes away: teamd goes on without D-Bus, on the other transports.
pkill -x dbus-daemon
sleep 1
kill -0 "$pid" || fail "teamd died with the bus"
expect_eq "after the bus went, usock" activebackup "$("$BIN/teamdctl" -U team0 state item get setup.runner_name)"
expect_eq "after the bus went, zmq" activebackup "$("$BIN/teamdctl" -Z "$ZMQ" team0 state item get setup.runner_name)"
log "bus daemon stopped: teamd still serves the UNIX socket and ZeroMQ"

# A transport that cannot be set up stops teamd at start with a message saying why, and nothing is left.
refused() {
    local what=$1 needle=$2; shift 2
    local rc=0
    "$BIN/teamd" -t team1 -c '{"runner":{"name":"roundrobin"}}' "$@" 2>/tmp/refused.err || rc=$?
    expect_eq "$what: exit status" 1 "$rc"
    grep -q "$needle" /tmp/refused.err || fail "$what: no clear message: $(cat /tmp/refused.err)"
    ! ip link show team1 >/dev/null 2>&1 || fail "$what: team1 left behind"
    log "$what: refused: $(grep -m1 "$needle" /tmp/refused.err)"
}
refused "teamd -D without a bus" "Could not acquire the system bus" -D
refused "teamd -Z with a bad address" "zmq_bind" -Z nonsense://x
stop_teamd ours team0
[ ! -e "${ZMQ#ipc://}" ] || fail "the ZeroMQ socket file is left behind"
log "PASS: $checks abuses answered, teamd kept serving"
