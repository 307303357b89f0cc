#!/usr/bin/env bash
# One point of the WAN profile (issue 17): the link check, then the RoundBench sweep over the same shaped, delayed links.
#   sudo perf/wan/run-wan-profile.sh RATE RTT_MS OUT_DIR [extra sweep options]
#   e.g. perf/wan/run-wan-profile.sh 1gbit 20 perf/results/wan-1gbit-20ms
# Defaults of the sweep: N = 10, d = 10^6, DP on, 4 rounds. Needs root (ip netns, tc) and a built RoundBench:
#   dotnet build perf/SecAgg.RoundBench -c Release -nologo -clp:ErrorsOnly
# Writes OUT_DIR/link-check.txt (RTT and rate measured through the topology), OUT_DIR/run-info.txt (date, load
# average, commit) and the sweep's roundbench.json / roundbench-rounds.csv / roundbench-summary.csv.
# Waits while another RoundBench sweep runs (never two at once on a shared machine). Both the check and the sweep
# create the topology themselves and remove it when they end; a trap removes it too if this script is interrupted.
set -euo pipefail
cd "$(dirname "$0")/../.."
[[ $# -ge 3 ]] || { sed -n '2,4p' "$0" >&2; exit 2; }
rate=$1 rtt=$2 out=$3; shift 3
rb=perf/SecAgg.RoundBench/bin/Release/net10.0/SecAgg.RoundBench
[[ -x $rb ]] || { echo "build the RoundBench first: dotnet build perf/SecAgg.RoundBench -c Release" >&2; exit 2; }
trap 'perf/wan/wan-net.sh down' EXIT
trap 'exit 130' INT TERM
while pgrep -f 'SecAgg.RoundBench sweep' >/dev/null; do echo "another sweep is running; waiting"; sleep 20; done
mkdir -p "$out"
{ echo "date: $(date -u +%FT%TZ)"; echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"; echo "commit: $(git rev-parse --short HEAD)"; } > "$out/run-info.txt"
"$rb" wan-check --rate "$rate" --rtt-ms "$rtt" --out "$out/link-check.txt"
"$rb" sweep --participants 10 --dimensions 1e6 --dp on --rounds 4 --sdk "$(dotnet --version)" \
  --network wan --rate "$rate" --rtt-ms "$rtt" --out "$out" "$@"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/run-info.txt"
