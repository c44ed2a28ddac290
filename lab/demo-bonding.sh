#!/bin/bash
# The demo on a kernel without the team driver (issue 13): team.ko made unloadable (modprobe.d
# `install team /bin/false` in the guest's tmpfs /etc), so our teamd runs the same activebackup team on the
# bonding driver; pings every 10 ms cross it, the active port's peer is cut, `teamdctl team0 state view`
# and /proc/net/bonding/team0 before and after. Run: lab/run lab/demo-bonding.sh
DEMO_BACKEND=bonding exec "$(dirname "$0")/demo.sh" "$@"
