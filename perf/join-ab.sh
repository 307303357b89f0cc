#!/bin/bash
# Key-epoch join wall time of two builds, same session, interleaved (A, B, A, B, ...), LoadTest in-process.
# usage: perf/join-ab.sh DIR_A DIR_B [pairs] [N ...]
#   DIR_A/DIR_B: folders holding a built SecAgg.LoadTest.dll (e.g. copies of perf/SecAgg.LoadTest/bin/Release/net10.0
#   of two commits). Prints one line per run: "N=.. pair=.. A|B: join (key epoch, N participants): X s".
set -u
a=$1; b=$2; pairs=${3:-2}; shift $(( $# < 3 ? $# : 3 ))
sizes=("$@"); [ ${#sizes[@]} -eq 0 ] && sizes=(10 20)
for n in "${sizes[@]}"; do
  for pair in $(seq 1 "$pairs"); do
    for side in A B; do
      dir=$a; [ $side = B ] && dir=$b
      out=$(mktemp -d)
      line=$(cd "$dir" && timeout 600 dotnet SecAgg.LoadTest.dll --participants "$n" --dimension 1000000 --join-only --out "$out" 2>&1 | grep -E '^join' | head -1)
      echo "N=$n pair=$pair $side: ${line:-failed}"
      rm -rf "$out"
    done
  done
done
