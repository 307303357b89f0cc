#!/bin/bash
# A secure round of two builds, same session, alternating whole RoundBench sweeps (A, B, A, B, ...). Inside each sweep
# the secure and plaintext rounds are interleaved, so each build's secure/plaintext ratio is a same-run ratio; the
# alternation makes A vs B comparable too (same hour, same load).
# usage: perf/round-ab.sh DIR_A DIR_B OUT [pairs] [N] [d] [rounds]
#   DIR_A/DIR_B: copies of perf/SecAgg.RoundBench/bin/Release/net10.0 of two commits (each holds its own secagg).
#   OUT: a folder; each sweep writes OUT/<side>-<pair>/roundbench-*.csv; OUT/summary.csv has one line per sweep.
#   ENV_A / ENV_B (optional): environment assignments for one side's processes, e.g. ENV_B="DOTNET_EnableAVX512=0"
#   runs B's aggregator and sites without AVX-512 (the code an AVX2-only machine runs); DIR_A and DIR_B may then be
#   the same folder.
#   SWEEP_ARGS (optional): more sweep options for both sides, e.g. SWEEP_ARGS="--network wan --rate 1gbit --rtt-ms 20"
#   for the WAN profile (needs root; each sweep builds and removes the topology itself, as perf/wan/run-wan-profile.sh).
set -u
a=$1; b=$2; out=$3; pairs=${4:-2}; n=${5:-10}; d=${6:-1e6}; rounds=${7:-4}
mkdir -p "$out"
echo "side,pair,load_at_start,secure_round_s,plaintext_round_s,ratio,secure_cpu_s,plaintext_cpu_s,cpu_ratio,aggregator_peak_bytes,participant_peak_bytes" > "$out/summary.csv"
for pair in $(seq 1 "$pairs"); do
  for side in A B; do
    dir=$a; [ "$side" = B ] && dir=$b
    load=$(cut -d' ' -f1 /proc/loadavg)
    res="$out/$side-$pair"
    envs=${ENV_A:-}; [ "$side" = B ] && envs=${ENV_B:-}
    env $envs "$dir/SecAgg.RoundBench" sweep --participants "$n" --dimensions "$d" --dp on --rounds "$rounds" ${SWEEP_ARGS:-} --out "$res" > "$res.log" 2>&1 || { echo "$side pair $pair failed: see $res.log"; continue; }
    # warm rounds only (round 1 is cold), columns from roundbench-rounds.csv by name
    /usr/bin/python3 - "$res/roundbench-rounds.csv" "$side" "$pair" "$load" >> "$out/summary.csv" <<'PY'
import statistics, sys
# the CSV has two "round" columns: the round number (first) and the round's seconds (last)
with open(sys.argv[1]) as f:
    header = f.readline().strip().split(",")
    body = [l.strip().split(",") for l in f if l.strip()]
ri = header.index("round"); rs = len(header) - 1 - header[::-1].index("round")
def m(path, col):
    ci = header.index(col)
    return statistics.median(float(x[ci]) for x in body if x[header.index("path")] == path and int(x[ri]) > 1)
def mround(path):
    return statistics.median(float(x[rs]) for x in body if x[header.index("path")] == path and int(x[ri]) > 1)
s, p = mround("secure"), mround("plaintext")
sc = m("secure", "aggregator_cpu_s") + m("secure", "participant_cpu_s")
pc = m("plaintext", "aggregator_cpu_s") + m("plaintext", "participant_cpu_s")
print(f"{sys.argv[2]},{sys.argv[3]},{sys.argv[4]},{s:.3f},{p:.3f},{s/p:.2f},{sc:.2f},{pc:.2f},{sc/pc:.2f},{m('secure','aggregator_peak_bytes'):.0f},{m('secure','participant_peak_bytes'):.0f}")
PY
    tail -1 "$out/summary.csv"
  done
done
