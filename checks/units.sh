#!/usr/bin/env bash
# The systemd units verify cleanly (systemd-analyze verify, against an instance for the template), and
# teamd@.service's exposure (systemd-analyze security, offline) stays at or below 2.5.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# The units name /usr/bin/...: point them at executables that exist, so that verify checks the rest.
mkdir -p "$work/bin"
for exe in teamd teamd-exporter; do printf '#!/bin/sh\n' > "$work/bin/$exe"; chmod +x "$work/bin/$exe"; done
for unit in "$repo"/dist/systemd/*.service; do
    sed "s|^ExecStart=/usr/bin/|ExecStart=$work/bin/|" "$unit" > "$work/$(basename "$unit")"
done
cd "$work"
out=$(systemd-analyze verify teamd@team0.service teamd-exporter.service 2>&1) || true
if [ -n "$out" ]; then echo "FAIL: systemd-analyze verify:"; printf '%s\n' "$out"; exit 1; fi
score=$(systemd-analyze security --offline=true --no-pager teamd@.service 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
echo "units: verify clean; teamd@.service exposure $score"
awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.5) }' || { echo "FAIL: exposure $score above 2.5"; exit 1; }
