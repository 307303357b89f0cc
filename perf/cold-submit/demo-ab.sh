#!/usr/bin/env bash
# What ./run.sh costs with each build, interleaved (A, B, A, B, ...) in one session:
#   A: `dotnet build` of the CLI, then `dotnet secagg.dll demo` (JIT only; run.sh before issue 17)
#   B: scripts/publish-cli.sh (ReadyToRun publish), then the published `secagg demo`
# Each step under /usr/bin/time: wall and user + system CPU-s of the step and every process it waited for (the demo's
# hospital processes included). The tree is unchanged between runs, so the build steps are the incremental case.
# usage: perf/cold-submit/demo-ab.sh [pairs (default 3)] [demo arguments...]   prints a CSV on stdout
set -euo pipefail
cd "$(dirname "$0")/../.."
pairs=${1:-3}
shift $(( $# > 0 ? 1 : 0 ))
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 NO_COLOR=1 TERM=dumb
publish=$(mktemp -d)
trap 'rm -rf "$publish"' EXIT
timed() {  # label pair side command... -> one CSV line
  local label=$1 pair=$2 side=$3 t
  shift 3
  t=$(mktemp)
  /usr/bin/time -o "$t" -f '%e,%U,%S' "$@" > /dev/null
  IFS=, read -r wall user sys < "$t"
  rm -f "$t"
  echo "$pair,$side,$label,$wall,$(echo "$user + $sys" | bc),$(cut -d' ' -f1 /proc/loadavg)"
}
echo "pair,build,step,wall_s,cpu_s,load1"
for pair in $(seq 1 "$pairs"); do
  timed build "$pair" A dotnet build src/Cli/SecAgg.Cli.csproj -c Release -nologo -clp:ErrorsOnly
  timed demo "$pair" A dotnet src/Cli/bin/Release/net10.0/secagg.dll demo "$@"
  timed build "$pair" B scripts/publish-cli.sh "$publish"
  timed demo "$pair" B "$publish/secagg" demo "$@"
done
