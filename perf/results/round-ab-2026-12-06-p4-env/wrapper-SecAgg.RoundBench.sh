#!/bin/sh
# p17m experiment: the build of /work/p17m-new-rb2 with runtime knobs for every process of the sweep (roles inherit them)
export DOTNET_TC_CallCountingDelayMs=0
export DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0
exec "$(dirname "$0")/SecAgg.RoundBench.real" "$@"
