#!/bin/bash
# The short form of lab/stress/teamd-malformed-frames.sh (issue 15) that `make test` runs: 8 s of 1,000
# malformed LACPDUs, ARP replies and NAs a second; the lacp and watcher state stay what the valid traffic
# says and both daemons keep answering. `make soak` floods for 30 s.
# lab-timeout: 600
FLOOD_SECONDS=${FLOOD_SECONDS:-8}
. "$(dirname "$0")/../stress/teamd-malformed-frames.sh"
