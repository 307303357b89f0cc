#!/usr/bin/env bash
# Publishes the secagg CLI (framework-dependent, linux-x64, ReadyToRun as src/Cli/SecAgg.Cli.csproj sets it) into a
# folder and prints the path of the executable. Extra arguments go to `dotnet publish`, e.g. -p:PublishReadyToRun=false
# for the JIT-only build perf/cold-submit compares it with.
#   scripts/publish-cli.sh [OUT] [dotnet publish arguments...]     OUT defaults to src/Cli/bin/publish
# SECAGG_RID overrides the runtime identifier (default linux-x64).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/src/Cli/bin/publish}
shift $(( $# > 0 ? 1 : 0 ))
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet publish "$root/src/Cli/SecAgg.Cli.csproj" -c Release -r "${SECAGG_RID:-linux-x64}" -nologo -clp:ErrorsOnly -o "$out" "$@" >&2
echo "$out/secagg"
