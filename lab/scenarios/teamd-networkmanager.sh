#!/bin/bash
# NetworkManager (Debian's 1.42, a real D-Bus client nobody here wrote) drives our teamd: NM runs
# /usr/sbin/teamd (ours, copied there) with `-o -n -U -D -N -t team0 -c CONFIG`, waits for the bus
# name org.libteam.teamd.team0 owned by the process it started, talks to it over D-Bus and enslaves the
# ports itself. The team must activate with the runner and an active port, carry pings, fail over when
# the active port's peer goes down, and `nmcli connection down` must stop teamd cleanly.
# NetworkManager takes its time to start and to activate under TCG:
# lab-timeout: 480
. "$(dirname "$0")/../lib.sh"
[ -x "$BIN/teamd" ] || fail "no teamd in $BIN (build it first)"
lab_modules
start_system_bus

# Ours where NM looks first (the guest's / is a tmpfs overlay: nothing on the host changes).
cp "$BIN/teamd" /usr/sbin/teamd

# The partner: a bridge with an address, in its own namespace. The veths exist before NM starts.
netns_add sw
veth_pair tp0 tq0 sw
veth_pair tp1 tq1 sw
switch_ns sw tq0 tq1
ip -n sw addr add 192.168.77.2/24 dev br0

# NM manages only devices udev has announced.
/lib/systemd/systemd-udevd --daemon 2>/tmp/udevd.log || fail "systemd-udevd did not start: $(cat /tmp/udevd.log)"
udevadm trigger --subsystem-match=net --action=add
udevadm settle -t 10 || true

mkdir -p /etc/NetworkManager/conf.d /var/lib/NetworkManager /run/NetworkManager
cat > /etc/NetworkManager/conf.d/99-lab.conf <<'CONF'
[main]
plugins=keyfile
auth-polkit=false
dns=none
[keyfile]
unmanaged-devices=none
[logging]
level=INFO
CONF
NetworkManager --debug > /tmp/nm.log 2>&1 &
nm_pid=$!
nm_log() { echo "--- NetworkManager log (tail)" >&2; tail -n 60 /tmp/nm.log >&2; }
trap 'rc=$?; [ $rc -ne 0 ] && nm_log; exit $rc' EXIT
wait_until 30 nmcli -t -f RUNNING general
for dev in tp0 tp1; do
    wait_until 20 nmcli device show "$dev"
    nmcli device set "$dev" managed yes
done

config='{"runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"}}'
nmcli connection add type team ifname team0 con-name team0 team.config "$config" \
    connection.autoconnect-slaves yes ipv4.method manual ipv4.addresses 192.168.77.1/24 ipv6.method disabled >/dev/null
nmcli connection add type team-slave ifname tp0 master team0 con-name team0-tp0 >/dev/null
nmcli connection add type team-slave ifname tp1 master team0 con-name team0-tp1 >/dev/null
log "activating team0 through NetworkManager"
nmcli --wait 90 connection up team0 || fail "nmcli connection up team0 failed"
nmcli device status
connected() { nmcli -t -f DEVICE,STATE device | grep -q "^$1:connected\$"; }
wait_until 60 connected tp0
wait_until 60 connected tp1

# The teamd NM runs is ours, with NM's command line, and it owns the bus name itself (NM checks this).
pid=$(pgrep -x teamd) || fail "no teamd running"
[ "$(echo "$pid" | wc -w)" = 1 ] || fail "more than one teamd: $pid"
cmp -s "/proc/$pid/exe" "$BIN/teamd" || fail "the running teamd is not ours: $(readlink /proc/$pid/exe)"
cmdline=$(tr '\0' ' ' < "/proc/$pid/cmdline")
log "NM started: $cmdline"
expect_contains "teamd command line" "-D" "$cmdline"
expect_eq "bus name owner" "$pid" "$(bus_name_owner org.libteam.teamd.team0)"

state=$("$BIN/teamdctl" team0 state)
log "teamdctl team0 state:"; printf '%s\n' "$state"
expect_contains "state view" "runner: activebackup" "$state"
active=$("$BIN/teamdctl" team0 state item get runner.active_port)
[[ "$active" == tp0 || "$active" == tp1 ]] || fail "no active port: [$active]"
expect_contains "state view" "active port: $active" "$state"
expect_eq "C teamdctl state" "$state" "$($C_TEAMDCTL team0 state)"
expect_eq "C teamdctl over D-Bus" "$state" "$($C_TEAMDCTL -D team0 state)"
# NM's view: the team is activated with both ports.
connected team0 || fail "NM does not show team0 connected"

ping -c 3 -i 0.2 -W 2 192.168.77.2 >/tmp/ping1 || fail "no ping across the team: $(cat /tmp/ping1)"
log "ping across team0 through $active: ok"

# Failover: the active port's peer goes down.
other=tp1; [ "$active" = tp1 ] && other=tp0
peer=tq${active#tp}
ip -n sw link set "$peer" down
wait_until 10 is_active team0 "$other"
ping -c 3 -i 0.2 -W 2 192.168.77.2 >/tmp/ping2 || fail "no ping after failover: $(cat /tmp/ping2)"
log "failover $active -> $other, ping ok"
ip -n sw link set "$peer" up

# Down: NM stops teamd with SIGTERM (and kills it after 2 s if it is still there).
nmcli --wait 30 connection down team0 >/dev/null || fail "nmcli connection down failed"
wait_until 10 sh -c "! kill -0 $pid 2>/dev/null"
grep -E "teamd.*(killed|SIGKILL|did not exit)" /tmp/nm.log && fail "NM had to kill teamd"
! has_bus_name org.libteam.teamd.team0 || fail "bus name still owned after down"
log "nmcli connection down: teamd $pid exited, bus name released"
grep -i -E "team" /tmp/nm.log | grep -i -E "warn|error" | head -20 || true
kill "$nm_pid" 2>/dev/null || true
log "PASS"
