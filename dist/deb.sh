#!/usr/bin/env bash
# dist/deb.sh EXEDIR OUTDIR: builds swift-team_VERSION_ARCH.deb from the executables in EXEDIR (make deb
# passes the static release build) with dpkg-deb, laid out by dist/install.sh with PREFIX=/usr, and
# prints its path. The package replaces Debian's libteam-utils (Conflicts/Replaces/Provides): its
# teamd, teamdctl, teamnl and bond2team, their man pages and its D-Bus policy.
set -euo pipefail
exedir=$(cd "$1" && pwd); out=$(mkdir -p "$2" && cd "$2" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
# The version: the libteam release we stand in for, plus our commit count.
base=$(sed -n 's/.*static let version = "\(.*\)"/\1/p' "$repo/Sources/TeamdCore/Daemon/TeamdProcess.swift")
count=$(git -C "$repo" rev-list --count HEAD 2>/dev/null || echo 0)
version="$base+swift$count"
arch=$(dpkg --print-architecture)
stage=$(mktemp -d); trap 'rm -rf "$stage"' EXIT
root=$stage/swift-team
PREFIX=/usr DESTDIR=$root EXEDIR=$exedir "$repo/dist/install.sh" install
strip --strip-unneeded "$root"/usr/bin/*
mkdir -p "$root/DEBIAN" "$root/usr/share/doc/swift-team"
gzip -9n < "$repo/docs/differences.md" > "$root/usr/share/doc/swift-team/differences.md.gz"
cat > "$root/usr/share/doc/swift-team/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: swift-team
Comment: the Linux network-teaming userspace in Swift; a replacement for libteam's tools.

Files: *
Copyright: 2025-2026 the swift-team authors
License: LGPL-2.1+
 On Debian systems the full text is in /usr/share/common-licenses/LGPL-2.1.
COPYRIGHT
cat > "$stage/changelog" <<CHANGELOG
swift-team ($version) unstable; urgency=medium

  * Built from the swift-team sources.

 -- swift-team <swift-team@localhost>  $(date -R -d @0)
CHANGELOG
gzip -9n < "$stage/changelog" > "$root/usr/share/doc/swift-team/changelog.gz"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
# Depends: nothing for the static executables but the kernel's team driver (in Debian's kernels).
cat > "$root/DEBIAN/control" <<CONTROL
Package: swift-team
Version: $version
Architecture: $arch
Maintainer: swift-team <swift-team@localhost>
Installed-Size: $size
Section: net
Priority: optional
Provides: libteam-utils
Conflicts: libteam-utils
Replaces: libteam-utils
Recommends: dbus
Homepage: https://github.com/
Description: network teaming daemon and tools (teamd, teamdctl, teamnl, bond2team) in Swift
 A replacement for libteam's teamd, teamdctl and teamnl: the runners (broadcast,
 roundrobin, random, activebackup, loadbalance, lacp), link watchers (ethtool,
 arp_ping, nsna_ping), and the control interfaces (UNIX socket, D-Bus, ZeroMQ)
 of libteam 1.32, as static executables. Includes a systemd unit
 (teamd@.service), a Prometheus exporter (teamd-exporter), and the
 converters between bonding and teamd configs (bond2team, team2bond).
CONTROL
deb=$out/swift-team_${version}_$arch.deb
dpkg-deb --root-owner-group -Z"${DEB_COMPRESSION:-xz}" --build "$root" "$deb" >/dev/null
echo "$deb"
