#!/bin/bash
# The control transports, every way round: {our teamdctl, C teamdctl} × {our teamd, C teamd} × {UNIX socket,
# D-Bus, ZeroMQ}, for state dump/view, config dump, port add/remove/present and state item get/set.
#  - against one daemon over one transport, both teamdctls print the same bytes and exit the same;
#  - for one teamdctl and one daemon, every transport gives the same stdout and exit status;
#  - for one teamdctl and one transport, our teamd and the C teamd give the same results once the parts
#    that differ by nature are normalized (pid, the team's ifindex, zmq_enabled) and the one documented
#    difference (D-Bus error names: ours org.libteam.teamd.Code, C's org.libteam.teamdCode).
# Debian's libteam-utils is built without ZeroMQ (`teamd -Z` and `teamdctl -Z` say "ZeroMQ support is not
# compiled-in"): those cells are checked to say so and are otherwise skipped, with a log line.
# Some 170 teamdctl runs at about 1.5 s each under TCG:
# lab-timeout: 720
. "$(dirname "$0")/../lib.sh"
[ -x "$BIN/teamdctl" ] || fail "no teamdctl in $BIN (build it first)"
lab_modules
start_system_bus
mkdir -p /tmp/c-bin /tmp/ours-bin
ln -sf "$C_TEAMDCTL" /tmp/c-bin/teamdctl
ln -sf "$BIN/teamdctl" /tmp/ours-bin/teamdctl
ctl() { local which=$1; shift; PATH=/tmp/$which-bin:$PATH teamdctl "$@"; }
for which in ours c; do
    found=$(PATH=/tmp/$which-bin:$PATH command -v teamdctl)
    [ "$found" = "/tmp/$which-bin/teamdctl" ] || fail "teamdctl for $which resolves to $found"
done

veth_pair tp0 tq0
veth_pair tp1 tq1
veth_pair tp2 tq2
ZMQ=ipc:///run/teamd/team0.zmq
config='{"runner":{"name":"activebackup"},"link_watch":{"name":"ethtool"},"ports":{"tp0":{"prio":10},"tp1":{}}}'

# The C tools lack ZeroMQ in Debian's build: make sure, and say so.
rc=0; $C_TEAMD -Z "$ZMQ" -t team9 -c '{}' >/tmp/cz.out 2>&1 || rc=$?
[ $rc -ne 0 ] && grep -q "ZeroMQ support is not compiled-in" /tmp/cz.out \
    || fail "Debian's C teamd accepts -Z now: enable the C ZeroMQ cells ($(cat /tmp/cz.out))"
rc=0; ctl c -Z "$ZMQ" team0 state >/tmp/cz.out 2>&1 || rc=$?
[ $rc -ne 0 ] && grep -q "ZeroMQ support is not compiled-in" /tmp/cz.out \
    || fail "Debian's C teamdctl accepts -Z now: enable the C ZeroMQ cells"
log "Debian's C teamd and teamdctl have no ZeroMQ (\"ZeroMQ support is not compiled-in\"): C×ZeroMQ cells skipped"

# The commands, in order; the mutating ones leave the daemon as they found it.
# (Each call costs the guest about a second under TCG, and a scenario has 300 s: the list is what the
# issue names, each with an error case; teamdctl-vs-c.sh covers every command over the UNIX socket.)
commands=(
    "state dump" "state view" "-v state view" "config dump" "config dump actual"
    "port present tp0" "port present nope"
    "state item get runner.active_port" "state item get nope.nope"
    "state item set setup.debug_level 1" "state item set setup.debug_level 0" "state item set setup.pid 1"
    "port add nosuchdev" "port add tp2" "port present tp2" "port remove tp2" "port config dump tp0"
)
# index COMMAND: the position of a command in the list.
index() { local i; for i in "${!commands[@]}"; do [ "${commands[$i]}" = "$1" ] && { echo "$i"; return; }; done; fail "no command $1"; }

cells=0
# run_cell DAEMON TRANSPORT CTL: every command through one teamdctl over one transport; outputs in
# /tmp/m/DAEMON/TRANSPORT/CTL/N.{out,err,rc}.
run_cell() {
    local daemon=$1 transport=$2 which=$3 flag dir i
    case $transport in usock) flag=(-U) ;; dbus) flag=(-D) ;; zmq) flag=(-Z "$ZMQ") ;; esac
    dir=/tmp/m/$daemon/$transport/$which; mkdir -p "$dir"
    for i in "${!commands[@]}"; do
        local rc=0
        # shellcheck disable=SC2086
        ctl "$which" "${flag[@]}" team0 ${commands[$i]} >"$dir/$i.out" 2>"$dir/$i.err" || rc=$?
        echo $rc >"$dir/$i.rc"
    done
    # Sanity: the reads worked at all.
    grep -q '"runner_name": "activebackup"' "$dir/0.out" || fail "$daemon/$transport/$which: state dump failed: $(cat "$dir/0.err")"
    expect_eq "$daemon/$transport/$which port add tp2" 0 "$(cat "$dir/$(index "port add tp2").rc")"
    expect_eq "$daemon/$transport/$which port present tp2 after add" 0 "$(cat "$dir/$(index "port present tp2").rc")"
    expect_eq "$daemon/$transport/$which port remove tp2" 0 "$(cat "$dir/$(index "port remove tp2").rc")"
    expect_eq "$daemon/$transport/$which port add nosuchdev" 1 "$(cat "$dir/$(index "port add nosuchdev").rc")"
    cells=$((cells + 1))
    log "$daemon teamd × $transport × $which teamdctl: ${#commands[@]} commands"
}

# same_files A B WHAT [EXT...]: the files of two cells are equal.
same_files() {
    local a=$1 b=$2 what=$3; shift 3
    local i ext
    for i in "${!commands[@]}"; do
        for ext in "$@"; do
            cmp -s "$a/$i.$ext" "$b/$i.$ext" || {
                diff -u "$a/$i.$ext" "$b/$i.$ext" | head -30 >&2
                fail "$what: \"${commands[$i]}\" .$ext differs"
            }
        done
    done
}

# The pid, the team's ifindex and zmq_enabled differ between two daemons by nature; the D-Bus error
# name's dot is our documented difference.
normalize() {
    if [[ "$1" == */0.out ]]; then jq -S 'del(.team_device.ifinfo.ifindex, .setup.pid, .setup.zmq_enabled)' "$1"
    else cat "$1"; fi |
        sed -E -e 's/(PID: )[0-9]+/\1PID/' -e 's/(ZeroMQ enabled: )(yes|no)/\1X/' \
            -e 's/org\.libteam\.teamd\.?([A-Z][A-Za-z]*")/org.libteam.teamd.\1/'
}

for daemon in ours c; do
    transports=(usock dbus)
    flags=(-D)
    if [ "$daemon" = ours ]; then transports+=(zmq); flags+=(-Z "$ZMQ"); fi
    start_teamd "$daemon" team0 "$config" "${flags[@]}"
    wait_until 10 has_bus_name org.libteam.teamd.team0
    wait_until 10 is_active team0 tp0
    for transport in "${transports[@]}"; do
        for which in ours c; do
            if [ "$which" = c ] && [ "$transport" = zmq ]; then
                log "$daemon teamd × zmq × C teamdctl: skipped (Debian's C teamdctl has no ZeroMQ)"
                continue
            fi
            run_cell "$daemon" "$transport" "$which"
        done
        if [ -d "/tmp/m/$daemon/$transport/c" ]; then
            same_files "/tmp/m/$daemon/$transport/c" "/tmp/m/$daemon/$transport/ours" \
                "$daemon teamd over $transport: our teamdctl vs C teamdctl" out err rc
        fi
    done
    [ "$daemon" = c ] && log "C teamd × zmq: skipped (Debian's C teamd has no ZeroMQ)"
    for transport in "${transports[@]}"; do
        [ "$transport" = usock ] && continue
        same_files "/tmp/m/$daemon/usock/ours" "/tmp/m/$daemon/$transport/ours" \
            "$daemon teamd, our teamdctl: usock vs $transport" out rc
    done
    stop_teamd "$daemon" team0
    wait_until 10 sh -c "! has_bus_name org.libteam.teamd.team0"
done

# Across daemons: ours and C give the same answers, normalized.
for transport in usock dbus; do
    for which in ours c; do
        for i in "${!commands[@]}"; do
            for ext in out err rc; do
                a=/tmp/m/c/$transport/$which/$i.$ext b=/tmp/m/ours/$transport/$which/$i.$ext
                if ! cmp -s <(normalize "$a") <(normalize "$b"); then
                    diff -u <(normalize "$a") <(normalize "$b") | head -30 >&2
                    fail "$which teamdctl over $transport: C teamd vs our teamd: \"${commands[$i]}\" .$ext differs"
                fi
            done
        done
    done
done
log "C teamd vs our teamd: same answers over usock and dbus (normalized: pid, team ifindex, zmq_enabled, D-Bus error name dot)"
log "PASS: $cells cells × ${#commands[@]} commands"
