# lab/lib.sh: helpers for lab scenarios (sourced; runs inside the guest as root).
# A scenario is a bash script in lab/scenarios/ that exits 0 on success; `fail` ends it with a message.
set -euo pipefail

LAB_REPO=${LAB_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# Our binaries: a build directory on the repo share (debug by default; make lab-release uses release).
BIN=${SWIFT_TEAM_BIN:-$LAB_REPO/.build/debug}
# The C reference tools from Debian's libteam-utils, the oracle.
C_TEAMD=/usr/bin/teamd C_TEAMDCTL=/usr/bin/teamdctl C_TEAMNL=/usr/bin/teamnl

SCENARIO=$(basename "$0")
log() { printf '[%s] %s\n' "$SCENARIO" "$*"; }
fail() { printf '[%s] FAIL: %s\n' "$SCENARIO" "$*" >&2; exit 1; }

# Loads the drivers a scenario needs. bonding with max_bonds=0, or it makes a stray bond0.
lab_modules() {
    modprobe -a team team_mode_broadcast team_mode_roundrobin team_mode_random \
        team_mode_activebackup team_mode_loadbalance veth
    modprobe bonding max_bonds=0
}

# netns_add NAME: a network namespace with its loopback up (a host or a switch).
netns_add() { ip netns add "$1"; ip -n "$1" link set lo up; }

# veth_pair A B [NS]: A stays here (down, ready to enslave), B goes to namespace NS (up) if given.
veth_pair() {
    local a=$1 b=$2 ns=${3:-}
    ip link add "$a" type veth peer name "$b"
    if [ -n "$ns" ]; then ip link set "$b" netns "$ns"; ip -n "$ns" link set "$b" up
    else ip link set "$b" up; fi
}

# switch_ns NS IFACE... : a bridge br0 in NS over the given interfaces (the team's partner switch).
switch_ns() {
    local ns=$1; shift
    ip -n "$ns" link add br0 type bridge
    ip -n "$ns" link set br0 type bridge ageing_time 0 2>/dev/null || true
    for i in "$@"; do ip -n "$ns" link set "$i" master br0; done
    ip -n "$ns" link set br0 up
}

# partner_switch N: the team's partner, a namespace "sw" with a bridge over the peers of ports tp0..tpN-1
# (the ports stay here, down, ready to enslave); the switch answers at 192.0.2.2/24.
partner_switch() {
    local i peers=()
    netns_add sw
    for ((i = 0; i < $1; i++)); do veth_pair "tp$i" "tp${i}p" sw; peers+=("tp${i}p"); done
    switch_ns sw "${peers[@]}"
    ip -n sw addr add 192.0.2.2/24 dev br0
}

# wait_until SECONDS CMD...: polls CMD every 50 ms until it succeeds; fails the scenario on timeout.
wait_until() {
    local t=$1; shift
    local deadline=$(( $(date +%s%N) + t * 1000000000 ))
    until "$@" >/dev/null 2>&1; do
        (( $(date +%s%N) < deadline )) || fail "timed out after ${t}s waiting for: $*"
        sleep 0.05
    done
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() { [ "$2" = "$3" ] || fail "$1: expected [$2], got [$3]"; }
# expect_contains WHAT NEEDLE HAYSTACK
expect_contains() { [[ "$3" == *"$2"* ]] || fail "$1: [$2] not in: $3"; }

# mac_of IFACE [NS]
mac_of() { if [ -n "${2:-}" ]; then ip -n "$2" -br link show "$1"; else ip -br link show "$1"; fi | awk '{print $3}'; }

# ping_stats LOGFILE -> "transmitted received"
ping_stats() { awk '/packets transmitted/ {print $1, $4}' "$1"; }

# The two daemons under comparison: "c" is Debian's libteam teamd, "ours" is this project's.
teamd_bin() { case "$1" in c) echo "$C_TEAMD" ;; ours) echo "$BIN/teamd" ;; *) fail "no teamd named $1" ;; esac; }

# start_teamd WHICH DEVICE CONFIG [EXTRA FLAGS...]: starts a daemonized teamd and waits for its socket.
start_teamd() {
    local which=$1 dev=$2 config=$3; shift 3
    "$(teamd_bin "$which")" -d -t "$dev" -c "$config" "$@" 2>/tmp/teamd-$which-$dev.err \
        || fail "$which teamd did not start: $(cat /tmp/teamd-$which-$dev.err)"
    wait_until 10 test -S "/var/run/teamd/$dev.sock"
}

# stop_teamd WHICH DEVICE: teamd -k and wait until the daemon is gone.
stop_teamd() {
    "$(teamd_bin "$1")" -k -t "$2" 2>/dev/null || true
    wait_until 10 sh -c "! test -e /var/run/teamd/$2.pid"
}

# A state dump with what differs between two runs of a daemon taken out (pid, the team's ifindex).
normalized_state() {
    $C_TEAMDCTL "$1" state dump | jq -S 'del(.setup.pid) | del(.team_device.ifinfo.ifindex)'
}

# active_port DEVICE
active_port() { $C_TEAMDCTL "$1" state item get runner.active_port; }
# is_active DEVICE PORT: whether PORT is the activebackup runner's active port (for wait_until).
is_active() { [ "$(active_port "$1")" = "$2" ]; }
# has_mac IFACE MAC (for wait_until)
has_mac() { [ "$(mac_of "$1")" = "$2" ]; }

# start_system_bus: a D-Bus system bus for teamd -D (the guest's /run is a fresh tmpfs, nothing runs it),
# with our policy file (dist/dbus/org.libteam.teamd.conf) in place and Debian libteam's removed, so that
# ours is the one tested.
start_system_bus() {
    mkdir -p /run/dbus
    dbus-uuidgen --ensure
    rm -f /etc/dbus-1/system.d/teamd.conf
    cp "$LAB_REPO/dist/dbus/org.libteam.teamd.conf" /etc/dbus-1/system.d/org.libteam.teamd.conf
    dbus-daemon --system --fork
    wait_until 10 test -S /run/dbus/system_bus_socket
}

# bus_name_owner NAME: the pid owning NAME on the system bus (fails when nobody does).
bus_name_owner() {
    dbus-send --system --print-reply=literal --dest=org.freedesktop.DBus / \
        org.freedesktop.DBus.GetConnectionUnixProcessID "string:$1" | awk '{print $2}'
}

# has_bus_name NAME (for wait_until)
has_bus_name() { busctl --system status "$1" >/dev/null 2>&1 || bus_name_owner "$1" >/dev/null 2>&1; }
