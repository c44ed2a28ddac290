#!/bin/bash
# lab/scenarios/teamd-hitless-restart.sh at LACP fast rate (the partner gives up after 3 s): needs a quiet
# host, so it runs in `make lab-restart-fast`, not in make test.
# lab-timeout: 300
export RATE=fast
. "$(dirname "$0")/../scenarios/teamd-hitless-restart.sh"
