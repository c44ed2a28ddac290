#!/bin/bash
# The README's main job (`make demo`): our teamd, activebackup, failover under pings every 10 ms.
DEMO_TEAMD=ours exec "$(dirname "$0")/../demo.sh"
