#!/usr/bin/env bash
# make install DESTDIR=... lays out every file where it belongs (executables, man pages that man finds,
# completions, units with ExecStart in PREFIX, the D-Bus policy), for PREFIX=/usr/local and /usr;
# make uninstall then leaves no file behind. It installs the debug build (EXEDIR=.build/debug): what
# is checked is the layout, which is the same for the static release executables make install takes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
exedir=${EXEDIR:-$repo/.build/debug}
failures=0 checks=0
check() { checks=$((checks + 1)); if ! eval "$2"; then echo "FAIL: $1 ($2)"; failures=$((failures + 1)); fi; }
for prefix in /usr/local /usr; do
    dest=$(mktemp -d)
    make -s -C "$repo" install-files PREFIX="$prefix" DESTDIR="$dest" EXEDIR="$exedir" >/dev/null
    for exe in teamd teamdctl teamnl teamd-exporter bond2team team2bond; do
        check "$prefix: $exe executable" "[ -x '$dest$prefix/bin/$exe' ]"
    done
    check "$prefix: teamd runs" "'$dest$prefix/bin/teamd' -v | grep -q '^teamd '"
    for page in man8/teamd.8 man5/teamd.conf.5 man8/teamdctl.8 man8/teamnl.8 man8/teamd-exporter.8 man1/bond2team.1 man1/team2bond.1; do
        check "$prefix: $page" "[ -f '$dest$prefix/share/man/$page.gz' ]"
    done
    check "$prefix: man finds teamd.conf(5)" \
        "MANPATH='$dest$prefix/share/man' man -w 5 teamd.conf | grep -q '$dest$prefix/share/man/man5/teamd.conf.5.gz'"
    check "$prefix: bash completion" "[ -f '$dest$prefix/share/bash-completion/completions/teamdctl' ]"
    check "$prefix: fish completion" "[ -f '$dest$prefix/share/fish/vendor_completions.d/teamdctl.fish' ]"
    if [ "$prefix" = /usr ]; then zsh=/usr/share/zsh/vendor-completions dbus=/usr/share/dbus-1/system.d
    else zsh=$prefix/share/zsh/site-functions dbus=/etc/dbus-1/system.d; fi
    check "$prefix: zsh completion" "[ -f '$dest$zsh/_teamdctl' ]"
    check "$prefix: D-Bus policy" "cmp -s '$dest$dbus/org.libteam.teamd.conf' '$repo/dist/dbus/org.libteam.teamd.conf'"
    check "$prefix: teamd@.service runs $prefix/bin/teamd" \
        "grep -qx 'ExecStart=$prefix/bin/teamd -U -D -w -L /run/teamd/warm-%i -t %i -f /etc/teamd/%i.conf' '$dest$prefix/lib/systemd/system/teamd@.service'"
    listed=$(make -s -C "$repo" install-list PREFIX="$prefix" | sort)
    found=$(cd "$dest" && find . -type f | sed 's|^\.||' | sort)
    check "$prefix: exactly the listed files" "[ \"\$listed\" = \"\$found\" ]"
    make -s -C "$repo" uninstall PREFIX="$prefix" DESTDIR="$dest" >/dev/null
    check "$prefix: uninstall leaves no file" "[ -z \"\$(find '$dest' -type f)\" ]"
    rm -rf "$dest"
done
echo "install: $checks checks, $failures failed"
((failures == 0))
