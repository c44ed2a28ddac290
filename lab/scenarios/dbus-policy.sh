#!/bin/bash
# The D-Bus policy file (dist/dbus/org.libteam.teamd.conf) on a real dbus-daemon: who may own teamd's
# names and send to it, as root and as nobody, with teamd's interface, with none, and with
# Introspectable, to our teamd and to another service on the bus. Towards teamd the answers are
# libteam's policy (plus root's Introspectable, our documented extra); towards another service the file
# changes nothing. The same matrix on libteam's form of the file (its deny not scoped to teamd's names,
# made here from ours) shows what that form did: interface-less calls to every service denied.
. "$(dirname "$0")/../lib.sh"
[ -x "$BIN/teamd" ] || fail "no teamd in $BIN (build it first)"
lab_modules
start_system_bus
probe() { python3 "$LAB_REPO/lab/tools/dbus-probe.py" "$@"; }
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
OTHER=org.example.Other TEAMD=org.libteam.teamd.team0 IFACE=org.libteam.teamd

# Another service anyone may call, as a real service's policy says it.
cat > /etc/dbus-1/system.d/org.example.Other.conf <<'XML'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
	"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
	<policy user="root"><allow own="org.example.Other"/></policy>
	<policy context="default"><allow send_destination="org.example.Other"/></policy>
</busconfig>
XML
reload() {
    dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.ReloadConfig >/dev/null || fail "ReloadConfig failed"
}
reload
coproc OTHER_SERVICE { exec python3 "$LAB_REPO/lab/tools/dbus-probe.py" serve "$OTHER"; }
read -r -t 10 line <&"${OTHER_SERVICE[0]}" || fail "the other service did not start"
expect_eq "other service" ready "$line"
"$BIN/teamd" -d -D -t team0 -c '{"runner": {"name": "roundrobin"}}' 2>/tmp/teamd.err \
    || fail "teamd did not start: $(cat /tmp/teamd.err)"
wait_until 10 has_bus_name "$TEAMD"

# matrix: one line per case, "who interface destination -> verdict".
matrix() {
    local who iface dest run member
    for who in root nobody; do
        run=(); [ "$who" = nobody ] && run=(nobody)
        for dest in teamd other; do
            for iface in "$IFACE" - org.freedesktop.DBus.Introspectable; do
                if [ "$dest" = teamd ]; then d=$TEAMD; member=ConfigDump; else d=$OTHER; member=Ping; fi
                [ "$iface" = org.freedesktop.DBus.Introspectable ] && member=Introspect
                printf '%s %s %s -> %s\n' "$who" "$iface" "$dest" \
                    "$("${run[@]}" python3 "$LAB_REPO/lab/tools/dbus-probe.py" call "$d" /org/libteam/teamd "$iface" "$member")"
            done
        done
        printf '%s own org.libteam.teamd.x -> %s\n' "$who" "$("${run[@]}" python3 "$LAB_REPO/lab/tools/dbus-probe.py" own org.libteam.teamd.x)"
    done
}

ours=$(matrix)
log "our policy:"; printf '%s\n' "$ours"
expected="root $IFACE teamd -> allowed
root - teamd -> denied
root org.freedesktop.DBus.Introspectable teamd -> allowed
root $IFACE other -> allowed
root - other -> allowed
root org.freedesktop.DBus.Introspectable other -> allowed
root own org.libteam.teamd.x -> owned
nobody $IFACE teamd -> denied
nobody - teamd -> denied
nobody org.freedesktop.DBus.Introspectable teamd -> denied
nobody $IFACE other -> allowed
nobody - other -> allowed
nobody org.freedesktop.DBus.Introspectable other -> allowed
nobody own org.libteam.teamd.x -> denied"
expect_eq "the matrix with our policy" "$expected" "$ours"

# libteam's form: the same rules without the destination (and without our Introspectable/Peer).
sed -e 's/ send_destination_prefix="org.libteam.teamd" send_interface="org.libteam.teamd"/ send_interface="org.libteam.teamd"/' \
    -e '/DBus.Introspectable\|DBus.Peer/d' "$LAB_REPO/dist/dbus/org.libteam.teamd.conf" \
    > /etc/dbus-1/system.d/org.libteam.teamd.conf
grep -q '<deny send_interface="org.libteam.teamd"/>' /etc/dbus-1/system.d/org.libteam.teamd.conf \
    || fail "could not make libteam's form of the policy"
reload
upstream=$(matrix)
log "libteam's form:"; printf '%s\n' "$upstream"
# Towards teamd both agree (but for our Introspectable extra); towards the other service libteam's form
# denies what has no interface, and what names teamd's interface for non-root.
expected_upstream="root $IFACE teamd -> allowed
root - teamd -> denied
root org.freedesktop.DBus.Introspectable teamd -> denied
root $IFACE other -> allowed
root - other -> denied
root org.freedesktop.DBus.Introspectable other -> allowed
root own org.libteam.teamd.x -> owned
nobody $IFACE teamd -> denied
nobody - teamd -> denied
nobody org.freedesktop.DBus.Introspectable teamd -> denied
nobody $IFACE other -> denied
nobody - other -> denied
nobody org.freedesktop.DBus.Introspectable other -> allowed
nobody own org.libteam.teamd.x -> denied"
expect_eq "the matrix with libteam's form" "$expected_upstream" "$upstream"
"$BIN/teamd" -k -t team0
log "PASS: 14 cases with our policy, 14 with libteam's form"
