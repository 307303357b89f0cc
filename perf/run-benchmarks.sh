#!/usr/bin/env bash
# The one command that regenerates the benchmark report (issue 8):
#   perf/RESULTS.md, perf/results/roundbench.json + roundbench-rounds.csv + roundbench-summary.csv,
#   perf/results/charts/*.svg, perf/results/micro/*.json (BenchmarkDotNet, short jobs) and, where the SEAL anchor is
#   present, perf/results/seal-side-by-side.json + .md (SEAL 4.4.3 and our benchmarks alternated in one session).
#
# Usage: perf/run-benchmarks.sh [--quick | --full] [--no-micro] [--no-seal] [--report-only] [sweep options...]
#   --quick        N in {2,10} x d in {1e5,1e6} x DP on/off, 3 rounds each (default; ~10-15 min on the shared 2-core box)
#   --full         N in {2,5,10,20} x d in {1e5,1e6,1e7} with DP on, plus DP off at d = 1e6 (16 configurations);
#                  3 rounds each, 2 for d = 1e7 (one warm round); see docs/benchmarks.md for how long it takes
#   --no-micro     skip the BenchmarkDotNet microbenchmarks (the report cites those already in perf/results/micro)
#   --micro-only   only the microbenchmarks (and the SEAL side by side), then re-render the report from the existing sweep
#   --no-seal      skip the SEAL side by side (the report cites the one already in perf/results, if any)
#   --seal-only    only the SEAL side by side, then re-render the report from the existing sweep
#   --seal-anchor DIR  where SEAL's build.sh is (default: $SECAGG_SEAL_ANCHOR, else ../shared/anchors/seal from the repo root)
#   --seal-pairs N     SEAL/ours pairs in the side by side (default 3, at least 3)
#   --report-only  only re-render RESULTS.md and the charts from perf/results/roundbench.json (and perf/results/micro,
#                  perf/results/seal-side-by-side.json)
#   anything else is passed to the sweep, e.g. --participants 2,5 --dimensions 1e5 --dp on --rounds 4
# SEAL side by side: when DIR/build.sh exists, builds SEAL 4.4.3 plain and with Intel HEXL (cached after the first build,
# a few minutes), then runs SEAL, SEAL+HEXL and our matching BfvBenchmarks/CkksBenchmarks cases in turn, pair after
# pair, all in thread CPU time, and reports ratios of the interleaved medians. When it is absent, the report says so
# and cites the side-by-side measurement of ../shared/design/crypto.md as external; nothing is divided by it.
set -euo pipefail
cd "$(dirname "$0")/.."

command="perf/run-benchmarks.sh${*:+ $*}"
mode=--quick
micro=1
report_only=0
sweep=1
seal=1
seal_anchor=${SECAGG_SEAL_ANCHOR:-../shared/anchors/seal}
seal_pairs=3
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) mode=--quick ;;
    --full) mode=--full ;;
    --no-micro) micro=0 ;;
    --report-only) report_only=1 ;;
    --micro-only) sweep=0 ;;
    --no-seal) seal=0 ;;
    --seal-only) sweep=0; micro=0; seal=1 ;;
    --seal-anchor) seal_anchor=${2:?--seal-anchor needs a folder}; shift ;;
    --seal-pairs) seal_pairs=${2:?--seal-pairs needs a number}; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) extra+=("$1") ;;
  esac
  shift
done

start=$(date +%s)
results=perf/results
bench_bin=perf/SecAgg.RoundBench/bin/Release/net10.0/SecAgg.RoundBench
micro_bin=perf/SecAgg.Benchmarks/bin/Release/net10.0/SecAgg.Benchmarks.dll
seal_json=$results/seal-side-by-side.json
seal_status=          # ran | failed | absent (anchor not found) | empty: not attempted

echo "== build (Release)"
dotnet build perf/SecAgg.RoundBench -c Release -nologo -v q
if [[ $report_only == 0 && ( $micro == 1 || $seal == 1 ) ]] || [[ -f $seal_json ]]; then
  dotnet build perf/SecAgg.Benchmarks -c Release -nologo -v q
fi

if [[ $report_only == 0 && $micro == 1 ]]; then
  echo "== microbenchmarks (BenchmarkDotNet, short jobs)"
  artifacts=$(mktemp -d)
  trap 'rm -rf "$artifacts"' EXIT
  # The hot paths the report cites: BFV pk-encrypt (vs SEAL), the participant's whole encode+encrypt, the ring's
  # modular operations, multiparty key shares, randomized rounding. The other hot paths have their own benchmarks
  # (NTT, BFV add/decrypt/serialize, decryption shares + combine, sampler, Walsh-Hadamard, DDG encode/decode,
  # upload MB/s): run them with --filter as each file's comment says; they are left out here to keep this short.
  # Short jobs as each class configures them; the cited ones run in-process (CpuTimeConfig, InProcessShortConfig): on the
  # shared 2-core box the generated out-of-process projects miss BenchmarkDotNet's
  # 2-minute build timeout.
  dotnet "$micro_bin" --exporters json --artifacts "$artifacts" \
    --filter '*BfvBenchmarks.EncryptPublicKey*' '*UpdateEncryptorBenchmarks*' '*RingArithmeticBenchmarks*' \
             '*KeyEpochBenchmarks*' '*QuantizeRoundingBenchmarks*'
  rm -rf "$results/micro"
  mkdir -p "$results/micro"
  find "$artifacts/results" -name '*.json' -exec cp {} "$results/micro/" \;
  micro_end=$(date +%s)
  echo "   microbenchmarks took $(( (micro_end - start) / 60 )) min $(( (micro_end - start) % 60 )) s"
fi

if [[ $report_only == 0 && $seal == 1 ]]; then
  if [[ -f $seal_anchor/build.sh ]]; then
    echo "== SEAL 4.4.3 side by side ($seal_anchor; $seal_pairs pairs; load average $(cut -d' ' -f1-3 /proc/loadavg))"
    seal_start=$(date +%s)
    seal_status=failed
    if seal_bin=$("$seal_anchor/build.sh" | tail -1); then
      if hexl_bin=$("$seal_anchor/build.sh" --hexl | tail -1); then
        hexl=(--seal-hexl "$hexl_bin")
      else
        hexl=(--hexl-missing "build.sh --hexl failed on this machine")
      fi
      if dotnet "$micro_bin" seal-side-by-side --seal "$seal_bin" "${hexl[@]}" --pairs "$seal_pairs" --out "$results" --command "$command"; then
        seal_status=ran
      fi
    fi
    [[ $seal_status == ran ]] || echo "   (the SEAL side by side failed: see above; the report cites the saved one, if any)"
    seal_end=$(date +%s)
    echo "   SEAL side by side took $(( (seal_end - seal_start) / 60 )) min $(( (seal_end - seal_start) % 60 )) s"
  else
    seal_status=absent
    echo "== SEAL side by side: skipped, the SEAL anchor is absent ($seal_anchor/build.sh not found; --seal-anchor DIR points"
    echo "   elsewhere). perf/RESULTS.md says so and cites the 2026-12-05 side-by-side figures of ../shared/design/crypto.md as"
    echo "   external; nothing is divided by them."
  fi
fi

if [[ $report_only == 0 && $sweep == 1 ]]; then
  echo "== round sweep ($mode ${extra[*]:-})"
  sweep_start=$(date +%s)
  "$bench_bin" sweep "$mode" --sdk "$(dotnet --version)" --out "$results" "${extra[@]}" || echo "   (some configurations failed: see perf/RESULTS.md)"
  sweep_end=$(date +%s)
  echo "   sweep took $(( (sweep_end - sweep_start) / 60 )) min $(( (sweep_end - sweep_start) % 60 )) s"
fi

echo "== report"
"$bench_bin" report --in "$results/roundbench.json" --micro "$results/micro" --markdown perf/RESULTS.md --charts "$results/charts"
# The SEAL section: the side by side saved in perf/results (its own date, machine and command), unless this call found
# the anchor absent (then RESULTS.md keeps the section that says so).
if [[ $seal_status != absent && -f $seal_json ]]; then
  dotnet "$micro_bin" seal-report --in "$seal_json" --markdown perf/RESULTS.md >/dev/null
  echo "   SEAL section from $seal_json"
fi
end=$(date +%s)
echo "== done in $(( (end - start) / 60 )) min $(( (end - start) % 60 )) s: perf/RESULTS.md"
