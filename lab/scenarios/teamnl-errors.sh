#!/bin/bash
# Issue 3, done-when 5 and the command line: `teamnl nosuchdev ports` prints a clear error and exits 1;
# every usage error, help and non-team device behaves as the C teamnl does.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/teamnl-common.inc"
lab_modules
rc=0; msg=$("$TEAMNL" nosuchdev ports 2>&1) || rc=$?
expect_eq "exit status" 1 "$rc"
expect_eq "message" $'Netdevice "nosuchdev" not found.\nCommand failed: No such device' "$msg"
same nosuchdev ports
same nosuchdev options
same -h
same --help
same --he
same
same team0
same lo bogus
same lo ports
same lo options
same -x lo ports
same -p
same --port_name
same --bogus lo ports
same --help=x
same -- lo ports
same a_very_long_interface_name_indeed ports
ip link add name team0 type team
same team0 ports
same team0 ''
same team0 p
same team0 o
same team0 g mode
same team0 m x
same team0 getoption nosuch
same -p team0 team0 getoption enabled
log "$compared invocations identical"
