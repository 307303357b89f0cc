#!/usr/bin/env bash
# The one command that regenerates the benchmark report (issue 8):
#   perf/RESULTS.md, perf/results/roundbench.json + roundbench-rounds.csv + roundbench-summary.csv,
#   perf/results/charts/*.svg and perf/results/micro/*.json (BenchmarkDotNet, short jobs).
#
# Usage: perf/run-benchmarks.sh [--quick | --full] [--no-micro] [--report-only] [sweep options...]
#   --quick        N in {2,10} x d in {1e5,1e6} x DP on/off, 3 rounds each (default; ~10-15 min on the shared 2-core box)
#   --full         N in {2,5,10,20} x d in {1e5,1e6,1e7} with DP on, plus DP off at d = 1e6 (16 configurations);
#                  3 rounds each, 2 for d = 1e7 (one warm round); see docs/benchmarks.md for how long it takes
#   --no-micro     skip the BenchmarkDotNet microbenchmarks (the report cites those already in perf/results/micro)
#   --micro-only   only the microbenchmarks, then re-render the report from the existing sweep
#   --report-only  only re-render RESULTS.md and the charts from perf/results/roundbench.json (and perf/results/micro)
#   anything else is passed to the sweep, e.g. --participants 2,5 --dimensions 1e5 --dp on --rounds 4
set -euo pipefail
cd "$(dirname "$0")/.."

mode=--quick
micro=1
report_only=0
sweep=1
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) mode=--quick ;;
    --full) mode=--full ;;
    --no-micro) micro=0 ;;
    --report-only) report_only=1 ;;
    --micro-only) sweep=0 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) extra+=("$1") ;;
  esac
  shift
done

start=$(date +%s)
results=perf/results
bench_bin=perf/SecAgg.RoundBench/bin/Release/net10.0/SecAgg.RoundBench
micro_bin=perf/SecAgg.Benchmarks/bin/Release/net10.0/SecAgg.Benchmarks.dll

echo "== build (Release)"
dotnet build perf/SecAgg.RoundBench -c Release -nologo -v q
if [[ $micro == 1 && $report_only == 0 ]]; then
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
             '*MultipartyShareBenchmarks*' '*QuantizeRoundingBenchmarks*'
  rm -rf "$results/micro"
  mkdir -p "$results/micro"
  find "$artifacts/results" -name '*.json' -exec cp {} "$results/micro/" \;
  micro_end=$(date +%s)
  echo "   microbenchmarks took $(( (micro_end - start) / 60 )) min $(( (micro_end - start) % 60 )) s"
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
end=$(date +%s)
echo "== done in $(( (end - start) / 60 )) min $(( (end - start) % 60 )) s: perf/RESULTS.md"
