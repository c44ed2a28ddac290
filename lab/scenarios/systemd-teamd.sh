#!/bin/bash
# lab-init: systemd
# teamd under systemd as PID 1, installed as a Debian package: dist/deb.sh packs $BIN's executables
# (the debug build by default: the guest shares the host's root, so its Swift runtime is there, and
# make test needs no release build; uncompressed, xz is slow under TCG); dpkg replaces libteam-utils.
# `systemctl start teamd@team0` runs the team from /etc/teamd/team0.conf as Type=notify (start returns
# once teamd sent READY=1), inside the unit's sandbox (capability bounding set), with WATCHDOG=1
# arriving; `systemctl stop` removes the device; systemd-analyze verify is clean.
# lab/guest-run boots systemd with only journald and the D-Bus socket (the rest of sysinit.target masked).
. "$(dirname "$0")/../lib.sh"
[ -x "$BIN/teamd" ] || fail "no teamd in $BIN (build it first)"
[ "$(cat /proc/1/comm)" = systemd ] || fail "PID 1 is $(cat /proc/1/comm), not systemd"
lab_modules

deb=$(DEB_COMPRESSION=none "$LAB_REPO/dist/deb.sh" "$BIN" /tmp/deb) || fail "dist/deb.sh failed"
log "built ${deb##*/}"
# man-db's dpkg trigger rebuilds the whole man database (minutes under TCG over 9p): off in the guest.
rm -f /var/lib/man-db/auto-update
dpkg -i "$deb" >/tmp/dpkg.log 2>&1 || fail "dpkg -i: $(cat /tmp/dpkg.log)"
log "installed: $(grep -c . /tmp/dpkg.log) lines from dpkg"
expect_eq "libteam-utils after install" "" \
    "$(dpkg-query -W -f='${Status}' libteam-utils 2>/dev/null | grep ' installed' || true)"
expect_eq "teamd from the package" "teamd 1.32" "$(/usr/bin/teamd -v)"
unit=$(systemctl show -p FragmentPath --value teamd@team0)
expect_eq "unit file" /usr/lib/systemd/system/teamd@.service "$(readlink -f "$unit")"
# libteam-utils' conffile stays after a remove (README): its unscoped deny would still apply.
rm -f /etc/dbus-1/system.d/teamd.conf
systemctl daemon-reload

veth_pair tp0 tq0
veth_pair tp1 tq1
mkdir -p /etc/teamd
echo '{"device": "team0", "runner": {"name": "activebackup"}, "ports": {"tp0": {"prio": 10}, "tp1": {}}}' \
    > /etc/teamd/team0.conf
# Type=notify: start returns once teamd has sent READY=1 (a start that never reaches it fails).
systemctl start teamd@team0 || fail "systemctl start: $(journalctl -u teamd@team0 --no-pager | tail -20)"
expect_eq "is-active" active "$(systemctl is-active teamd@team0)"
expect_eq "Type" notify "$(systemctl show -p Type --value teamd@team0)"
status=$(systemctl status teamd@team0 --no-pager 2>&1) || true
expect_contains "systemctl status" "active (running)" "$status"
log "$(printf '%s\n' "$status" | head -4)"
ip link show team0 >/dev/null || fail "no team0 after start"
wait_until 10 is_active team0 tp0
expect_eq "runner" activebackup "$(/usr/bin/teamdctl team0 state item get setup.runner_name)"
pid=$(systemctl show -p MainPID --value teamd@team0)
# CAP_NET_BIND_SERVICE (10), CAP_NET_ADMIN (12), CAP_NET_RAW (13) and nothing else.
expect_eq "bounding set" 0000000000003400 "$(awk '/^CapBnd/ {print $2}' "/proc/$pid/status")"
expect_eq "watchdog" 20s "$(systemctl show -p WatchdogUSec --value teamd@team0)"
# Verified while the first WATCHDOG=1 (10 s after start) is on its way: the installed unit, as a user
# of the package has it.
out=$(systemd-analyze verify teamd@team0.service 2>&1) || true
expect_eq "systemd-analyze verify" "" "$out"
t0=$(systemctl show -p WatchdogTimestampMonotonic --value teamd@team0)
watchdog_moved() { [ "$(systemctl show -p WatchdogTimestampMonotonic --value teamd@team0)" -gt "$t0" ]; }
wait_until 15 watchdog_moved
log "a WATCHDOG=1 arrived (timestamp $t0 -> $(systemctl show -p WatchdogTimestampMonotonic --value teamd@team0))"

systemctl stop teamd@team0
expect_eq "is-active after stop" inactive "$(systemctl is-active teamd@team0 || true)"
team_gone() { ! ip link show team0 >/dev/null 2>&1; }
wait_until 10 team_gone
log "PASS: installed, started, notified, sandboxed, watchdog, stopped, device gone"
