#!/usr/bin/env bash
# Storage-level A/B of the aggregator's accumulation path (perf/results/README.md, "Storage-level A/B"): the
# Throughput harness of a base commit and of this tree, run alternately in one session on the same machine, SQLite
# with payload files. Per run: MB/s and peak working set (the harness), CPU seconds and max RSS (/usr/bin/time),
# and, in a separate run of each side per configuration, the fsync/fdatasync calls of the whole process (strace -f).
#
#   perf/storage-ab.sh BASE_COMMIT [PAIRS] [OUT] [SIZES]
#
# Configurations: N = 10 participants, d = 10^6 (1 chunk of 5.7 MB each) and d = 10^7 (10 chunks of 5.6 MB each),
# the chunk sizes of the real preset (perf/RESULTS.md). "new" seals the round's sum at the end (as at the close of
# collection); "new-rebuild" seals from a fresh accumulator, i.e. recomputes the sum from the staged chunks.
# SIZES picks the configurations: "1e6", "1e7" or "1e6 1e7" (the default).
set -euo pipefail
base_commit=${1:?usage: perf/storage-ab.sh BASE_COMMIT [PAIRS] [OUT] [SIZES]}
pairs=${2:-3}
out=${3:-perf/results/storage-ab-$(date -u +%Y%m%dT%H%M).txt}
root=$(cd "$(dirname "$0")/.." && pwd)
base=/tmp/secagg-storage-ab-base-$base_commit
harness=tests/SecAgg.Aggregator.Tests/Throughput
dll=$harness/bin/Release/net10.0/SecAgg.Aggregator.Throughput.dll

if [[ ! -f $base/$dll ]]; then
  rm -rf "$base" && mkdir -p "$base"
  git -C "$root" archive "$base_commit" | tar -x -C "$base"
  dotnet build "$base/$harness" -c Release -nologo -clp:ErrorsOnly >/dev/null
fi
dotnet build "$root/$harness" -c Release -nologo -clp:ErrorsOnly >/dev/null

sizes=${4:-1e6 1e7}
configs=()
for s in $sizes; do
  case $s in
    1e6) configs+=("d=1e6:10 1 712500") ;;
    1e7) configs+=("d=1e7:10 10 700000") ;;
    *) echo "unknown size $s (1e6 or 1e7)" >&2; exit 2 ;;
  esac
done
run() { # side config-args [extra]
  local side=$1 dir; shift
  [[ $side == base ]] && dir=$base || dir=$root
  local t; t=$(mktemp)
  local line; line=$(/usr/bin/time -f '%U %S %M' -o "$t" dotnet "$dir/$dll" sqlite "$@")
  read -r user sys rss <"$t"; rm -f "$t"
  printf '%s | cpu %.2f s | max rss %d MB | %s\n' "$side" "$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')" $((rss / 1024)) "$line"
}
fsyncs() { # side config-args [extra]
  local side=$1 dir; shift
  [[ $side == base ]] && dir=$base || dir=$root
  local t; t=$(mktemp)
  strace -f --seccomp-bpf -e trace=fsync,fdatasync -c -o "$t" dotnet "$dir/$dll" sqlite "$@" >/dev/null
  printf '%s | fsync+fdatasync calls %s\n' "$side" "$(awk '$NF ~ /^(fsync|fdatasync)$/ {n += $4} END {print n + 0}' "$t")"
  rm -f "$t"
}

{
  echo "# storage A/B $(date -u +%FT%TZ): base $base_commit vs $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet || echo '+uncommitted')"
  echo "# $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}'), $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
  for c in "${configs[@]}"; do
    name=${c%%:*}; read -r -a a <<<"${c#*:}"
    echo "## $name: sqlite ${a[*]}"
    for ((p = 1; p <= pairs; p++)); do
      echo "# pair $p, load $(cut -d' ' -f1 /proc/loadavg)"
      if ((p % 2)); then run base "${a[@]}"; run new "${a[@]}"; else run new "${a[@]}"; run base "${a[@]}"; fi
      run new-rebuild "${a[@]}" --rebuild
    done
    fsyncs base "${a[@]}"; fsyncs new "${a[@]}"; fsyncs base "${a[@]}"; fsyncs new "${a[@]}"
  done
} | tee "$out"
