#!/usr/bin/env bash
# The main job: builds and runs the SecAgg demo. Extra arguments go to `secagg demo`.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet build src/Cli/SecAgg.Cli.csproj -c Release -nologo -clp:ErrorsOnly
exec dotnet src/Cli/bin/Release/net10.0/secagg.dll demo "$@"
