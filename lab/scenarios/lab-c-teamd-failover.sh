#!/bin/bash
# The lab itself: Debian's C teamd (activebackup, ethtool watcher) over two veth ports into a partner
# namespace; pings cross it and keep crossing when the active port's peer goes down. It is the demo,
# run with the C teamd.
DEMO_TEAMD=c exec "$(dirname "$0")/../demo.sh"
