#!/usr/bin/env bash
# The layering of ../shared/ARCHITECTURE.md, checked on the sources (make check-dist, so make test):
# - the pure codecs (NetlinkCodec, TeamWire, Packets, TeamJSON, DBusWire, ZMTP) and Getopt import nothing but each
#   other and the C library, and make no system call that opens, binds, connects, reads or writes a
#   socket or file descriptor;
# - TeamdCore opens no kernel socket of its own: netlink and packet sockets come from TeamKit's
#   KernelAccess, which the executable supplies (FakeKernel in the tests); sd_notify lives in SystemSupport.
# A violation prints file:line and fails.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
pure="NetlinkCodec TeamWire Packets TeamJSON DBusWire ZMTP Getopt"
failures=0
# A free call (not a method: no '.' before the name) of a descriptor-level system call.
syscalls='(^|[^.A-Za-z0-9_])(Glibc\.)?(socket|socketpair|bind|connect|listen|accept|accept4|recv|recvfrom|recvmsg|send|sendto|sendmsg|poll|epoll_wait|select|ioctl|fcntl|open|openat|close|pipe|setsockopt|getsockopt)\('
for target in $pure; do
    allowed="^(Glibc|Darwin|$(echo "$pure" | tr ' ' '|'))$"
    while IFS=: read -r file line module; do
        if ! [[ $module =~ $allowed ]]; then
            echo "FAIL: $file:$line: pure target $target imports $module"; failures=$((failures + 1))
        fi
    done < <(grep -rnoE '^(@testable )?import [A-Za-z]+' "Sources/$target" | sed -E 's/(@testable )?import //')
    if hits=$(grep -rnE "$syscalls" "Sources/$target" | grep -vE '^\S+:[0-9]+:\s*//|func [a-z0-9_]+\('); then
        printf 'FAIL: pure target %s makes system calls:\n%s\n' "$target" "$hits"; failures=$((failures + 1))
    fi
done
# TeamdCore: no kernel socket of its own.
if hits=$(grep -rnE '(^|[^.A-Za-z0-9_])(Glibc\.)?socket\(|NetlinkSocket\(|PacketSocket\(' Sources/TeamdCore \
          | grep -vE '^\S+:[0-9]+:\s*//'); then
    printf 'FAIL: TeamdCore opens sockets itself (they belong behind KernelAccess):\n%s\n' "$hits"
    failures=$((failures + 1))
fi
echo "layering: pure targets $pure; TeamdCore behind KernelAccess; $failures violations"
((failures == 0))
