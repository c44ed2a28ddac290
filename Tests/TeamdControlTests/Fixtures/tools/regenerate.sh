#!/bin/bash
# Regenerates the expected outputs of the StateView fixtures with the real C teamdctl
# (Debian libteam-utils 1.31): each StateView/*.json is served as the StateDump of a fake
# teamd for device "lo" (tools/faketeamd.py), and teamdctl's stdout and stderr are kept:
#   NAME.view.out/.err     teamdctl lo state view
#   NAME.view-v.out/.err   teamdctl -v lo state view
#   NAME.dump.out          teamdctl lo state dump       (c-* only)
#   NAME.dump-o.out        teamdctl -o lo state dump    (c-* only)
# Needs root (the socket lives in /var/run/teamd) and /usr/bin/teamdctl.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p /var/run/teamd
cd "$here/StateView"
for json in *.json; do
    name=${json%.json}
    rm -f /tmp/faketeamd.$$
    python3 "$here/tools/faketeamd.py" lo "$json" > /tmp/faketeamd.$$ &
    fake=$!
    until grep -q ready /tmp/faketeamd.$$ 2>/dev/null; do sleep 0.05; done
    /usr/bin/teamdctl lo state view > "$name.view.out" 2> "$name.view.err" || true
    /usr/bin/teamdctl -v lo state view > "$name.view-v.out" 2> "$name.view-v.err" || true
    if [[ $name == c-* ]]; then
        /usr/bin/teamdctl lo state dump > "$name.dump.out"
        /usr/bin/teamdctl -o lo state dump > "$name.dump-o.out"
    fi
    kill $fake; wait $fake 2>/dev/null || true
done
rm -f /tmp/faketeamd.$$ /var/run/teamd/lo.sock
