#!/usr/bin/env bash
# Runs every test: installs what the interop/database tests need (Debian packages), builds, tests.
# Usage: ./test.sh [extra dotnet test args]
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
scripts/ensure-deps.sh python3 python3-grpcio python3-protobuf protobuf-compiler protobuf-compiler-grpc libprotobuf-dev python3-numpy python3-torch python3-sklearn python3-scipy python3-matplotlib postgresql chromium
# The aggregator's database tests run against PostgreSQL too (SECAGG_TEST_POSTGRES).
export SECAGG_TEST_POSTGRES="${SECAGG_TEST_POSTGRES:-$(scripts/start-postgres.sh)}"
dotnet build SecAgg.sln -c Release -nologo -clp:ErrorsOnly
log=$(mktemp)
set +e
dotnet test SecAgg.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# The kernels are compiled differently with and without AVX-512 (a JIT miscompile of the BFV encoding on AVX-512 once
# passed every test on an AVX2 machine): where the CPU has AVX-512, the SIMD-heavy projects run a second time with it
# switched off (DOTNET_EnableAVX512=0: the AVX2 code generation), so both are tested here; an AVX2 machine runs its own.
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
  for project in tests/SecAgg.Crypto.Tests tests/SecAgg.Quantize.Tests; do
    echo "again with DOTNET_EnableAVX512=0: $project"
    DOTNET_EnableAVX512=0 dotnet test "$project" -c Release --no-build -nologo "$@" 2>&1 | tee -a "$log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
  done
fi
set -e
# One closing line for the whole run, summed over the test projects.
awk '/(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1));
       if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
# The failed tests last (CI shows the end of the log): each name and the first lines of its message.
awk '/^  Failed [^ ]+ \[/ { print "FAILED:" substr($0, 9); n = 0; next }
     /^  Error Message:/ { n = 4; next }
     n > 0 { print "   " substr($0, 1, 400); n-- }' "$log"
rm -f "$log"
exit $rc
