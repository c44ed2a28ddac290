#!/bin/bash
# Regenerates Cli/case-N.{out,err,rc}: what the real C teamdctl (Debian 1.31) prints for
# each line of Cli/cases.txt (arguments after "teamdctl", shell-quoted), against the fake
# teamd of tools/faketeamd.py for device "lo" (state: StateView/c-activebackup.json,
# config: Cli/config.json, actual config: Cli/actual.json). Needs root.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p /var/run/teamd
rm -f /tmp/faketeamd.$$
python3 "$here/tools/faketeamd.py" lo "$here/StateView/c-activebackup.json" "$here/Cli/config.json" \
    "$here/Cli/actual.json" > /tmp/faketeamd.$$ &
fake=$!
until grep -q ready /tmp/faketeamd.$$ 2>/dev/null; do sleep 0.05; done
cd "$here/Cli"
rm -f case-*
n=0
while IFS= read -r line; do
    n=$((n + 1))
    # Run through PATH so that argv[0] is "teamdctl", as the tests pass it.
    eval "PATH=/usr/bin teamdctl $line" > "case-$n.out" 2> "case-$n.err"
    echo $? > "case-$n.rc"
done < cases.txt
kill $fake; wait $fake 2>/dev/null
rm -f /tmp/faketeamd.$$ /var/run/teamd/lo.sock
