#!/bin/bash
# Issue 3, done-when 4: creating, enslaving, releasing (original MAC restored) and deleting through
# TeamKit, each step read back with `ip -d link`; plus TeamDevice's change events on a peer going down and
# its resync after ENOBUFS, against the real driver. The steps are TeamKitTests/LabTests, run from the
# test bundle built on the host (swift build --build-tests).
. "$(dirname "$0")/../lib.sh"
lab_modules
TESTS=$BIN/swift-teamPackageTests.xctest
[ -x "$TESTS" ] || fail "no test bundle at $TESTS: build on the host first (swift build --build-tests)"
step() {
    log "step $1"
    TEAMKIT_LAB=1 TEAMKIT_LAB_STEP=$1 "$TESTS" --testing-library swift-testing --filter LabTests > /tmp/step.log 2>&1 \
        || { cat /tmp/step.log; fail "TeamKit step $1 failed"; }
    grep -q "Test [A-Za-z]*() passed" /tmp/step.log || { cat /tmp/step.log; fail "TeamKit step $1 ran no test"; }
}
veth_pair tp0 tp0p
veth_pair tp1 tp1p
veth_pair tp2 tp2p
orig_tp2=$(mac_of tp2)

step create
link=$(ip -d link show tk0)
echo "$link"
expect_contains "team kind" "team " "$link"
expect_contains "team MAC" "link/ether 02:00:00:aa:bb:01" "$link"
expect_eq "mode" activebackup "$($C_TEAMNL tk0 getoption mode)"

step enslave
for p in tp0 tp1; do
    link=$(ip -d link show "$p"); echo "$link"
    expect_contains "$p enslaved" "master tk0" "$link"
    expect_contains "$p is a team port" "team_slave" "$link"
done
expect_contains "C sees the ports" "tp1: up" "$($C_TEAMNL tk0 ports)"

step events
step overrun
step carrier

step release
link=$(ip -d link show tp2); echo "$link"
[[ "$link" == *"master tk0"* ]] && fail "tp2 still enslaved"
expect_eq "tp2 MAC restored" "$orig_tp2" "$(mac_of tp2)"
[[ "$(ip -d link show tp1)" == *"master tk0"* ]] && fail "tp1 still enslaved"

step delete
ip link show tk0 2>/dev/null && fail "tk0 still exists"
log "create, enslave, events, overrun resync, carrier, release with MAC restored, delete: all through TeamKit"
