#!/bin/sh
# dist/install.sh install|uninstall|list: the one list of what `make install` puts where, used by
# make install, make uninstall and make deb. The Makefile passes:
#   PREFIX (default /usr/local), DESTDIR (a staging root, default none), EXEDIR (the built executables).
# Executables go to $PREFIX/bin, man pages (gzipped) to $PREFIX/share/man, completions to bash's,
# zsh's and fish's directories under $PREFIX/share, the systemd units to $PREFIX/lib/systemd/system
# (with ExecStart pointing at $PREFIX/bin), the D-Bus policy to $PREFIX/share/dbus-1/system.d when
# PREFIX is /usr (where the bus reads it) and /etc/dbus-1/system.d otherwise.
# uninstall removes exactly the files of this list and nothing else.
set -eu
action=${1:?usage: dist/install.sh install|uninstall|list}
repo=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
EXEDIR=${EXEDIR:-$repo/.build/release}
bindir=$PREFIX/bin
mandir=$PREFIX/share/man
if [ "$PREFIX" = /usr ]; then
    dbusdir=/usr/share/dbus-1/system.d zshdir=/usr/share/zsh/vendor-completions
else
    dbusdir=/etc/dbus-1/system.d zshdir=$PREFIX/share/zsh/site-functions
fi

# The manifest: "MODE SOURCE TARGET" (SOURCE relative to the repo unless absolute; "man:" sources are
# gzipped, "unit:" sources get their ExecStart rewritten for $bindir).
manifest() {
    for exe in teamd teamdctl teamnl teamd-exporter bond2team team2bond; do
        echo "0755 $EXEDIR/$exe $bindir/$exe"
    done
    for page in man/*.[0-9]; do
        section=${page##*.}
        echo "0644 man:$page $mandir/man$section/$(basename "$page").gz"
    done
    echo "0644 completions/teamdctl.bash $PREFIX/share/bash-completion/completions/teamdctl"
    echo "0644 completions/_teamdctl $zshdir/_teamdctl"
    echo "0644 completions/teamdctl.fish $PREFIX/share/fish/vendor_completions.d/teamdctl.fish"
    for unit in dist/systemd/*.service; do
        echo "0644 unit:$unit $PREFIX/lib/systemd/system/$(basename "$unit")"
    done
    echo "0644 dist/dbus/org.libteam.teamd.conf $dbusdir/org.libteam.teamd.conf"
}

cd "$repo"
case $action in
list)
    manifest | while read -r _ _ target; do echo "$target"; done ;;
install)
    manifest | while read -r mode source target; do
        dest=$DESTDIR$target
        mkdir -p "$(dirname "$dest")"
        case $source in
        man:*) gzip -9n < "${source#man:}" > "$dest"; chmod "$mode" "$dest" ;;
        unit:*) sed "s|^ExecStart=/usr/bin/|ExecStart=$bindir/|" "${source#unit:}" > "$dest"; chmod "$mode" "$dest" ;;
        *) [ -f "$source" ] || { echo "dist/install.sh: missing $source (build it first)" >&2; exit 1; }
           install -m "$mode" "$source" "$dest" ;;
        esac
    done ;;
uninstall)
    manifest | while read -r _ _ target; do rm -f "$DESTDIR$target"; done ;;
*) echo "usage: dist/install.sh install|uninstall|list" >&2; exit 2 ;;
esac
