#!/bin/bash
# The short form of lab/stress/teamd-soak.sh (issue 15) that `make test` runs: 300 flap steps over the
# 8-port activebackup and lacp teams while control requests go to both without pause; every request
# answered, the state equal to the links, fds and RSS steady. `make soak` runs 10,000 steps.
# lab-timeout: 600
SOAK_FLAPS=${SOAK_FLAPS:-300}
. "$(dirname "$0")/../stress/teamd-soak.sh"
