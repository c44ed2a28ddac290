#!/usr/bin/env bash
# Every man page in man/ renders without a warning from man and groff (MANWIDTH=80 man --warnings -l).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
failures=0 count=0
for page in "$repo"/man/*.[0-9]; do
    count=$((count + 1))
    warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
    if [ -n "$warnings" ]; then
        echo "FAIL: $page:"; printf '%s\n' "$warnings"; failures=$((failures + 1))
    fi
done
echo "man: $count pages, $failures with warnings"
((count > 0 && failures == 0))
