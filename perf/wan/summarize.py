#!/usr/bin/env python3
"""Markdown tables of one WAN-profile run folder (perf/wan/run-wan-profile.sh): per round secure vs plaintext
(time, ratio, CPU-s), medians over the warm rounds (round 2 on), per-stage medians of the secure rounds, and the
bytes (client-counted ciphertext and shares; on the site links, wan-links.csv, when the run has it).
    python3 perf/wan/summarize.py perf/results/wan-1gbit-20ms
"""
import csv
import json
import statistics
import sys
from pathlib import Path


def main(folder: Path) -> None:
    run = json.loads((folder / "roundbench.json").read_text())
    config = run["configs"][0]
    if config.get("error"):
        print(f"configuration failed: {config['error']}")
    print(f"command: `{run['command']}`; started {run['startedUtc']}; took {run['totalSeconds'] / 60:.1f} min; "
          f"load average at start {run['machine']['loadAverageStart']}, at end {run['machine']['loadAverageEnd']}; "
          f"join {config['joinSeconds']:.1f} s\n")
    print("| round | secure round (s) | plaintext round (s) | ratio | CPU-s secure: aggregator + participants | CPU-s plaintext: server + participants |")
    print("|---|---|---|---|---|---|")
    warm = []
    for s, p in zip(config["secure"], config["plaintext"]):
        ts, tp = s["stages"]["round"], p["stages"]["round"]
        cs, cp = s["aggregatorCpuSeconds"] + s["participantCpuSeconds"], p["aggregatorCpuSeconds"] + p["participantCpuSeconds"]
        cold = " (cold)" if s["round"] == 1 else ""
        print(f"| {s['round']}{cold} | {ts:.3f} | {tp:.3f} | {ts / tp:.2f}x | {cs:.2f} = {s['aggregatorCpuSeconds']:.2f} + {s['participantCpuSeconds']:.2f} "
              f"| {cp:.2f} = {p['aggregatorCpuSeconds']:.2f} + {p['participantCpuSeconds']:.2f} |")
        if s["round"] >= 2:
            warm.append((ts, tp, cs, cp))
    if warm:
        ms, mp = statistics.median(w[0] for w in warm), statistics.median(w[1] for w in warm)
        ratios = [w[0] / w[1] for w in warm]
        print(f"| median of rounds 2+ | {ms:.3f} | {mp:.3f} | {ms / mp:.2f}x (of the medians; per-round {min(ratios):.2f}–{max(ratios):.2f}x) "
              f"| {statistics.median(w[2] for w in warm):.2f} | {statistics.median(w[3] for w in warm):.2f} |\n")

    stages = ["quantize", "encrypt", "upload", "aggregate", "approve", "decryption_shares", "combine_publish", "download"]
    warm_secure = [s for s in config["secure"] if s["round"] >= 2]
    if warm_secure:
        print("Secure stages, median [min–max] of rounds 2+ (s): " + ", ".join(
            f"{k} {statistics.median(s['stages'][k] for s in warm_secure):.3f} [{min(s['stages'][k] for s in warm_secure):.3f}–{max(s['stages'][k] for s in warm_secure):.3f}]"
            for k in stages) + "\n")
    warm_plain = [p for p in config["plaintext"] if p["round"] >= 2]
    if warm_plain:
        keys = [k for k in ("encrypt", "upload", "download") if k in warm_plain[0]["stages"]]
        print("Plaintext stages, median [min–max] of rounds 2+ (s; 'encrypt' is the plaintext participant's preparation): " + ", ".join(
            f"{k} {statistics.median(p['stages'][k] for p in warm_plain):.3f} [{min(p['stages'][k] for p in warm_plain):.3f}–{max(p['stages'][k] for p in warm_plain):.3f}]"
            for k in keys) + "\n")
    last = config["secure"][-1]
    n = config["participants"]
    print(f"Client-counted bytes per round: masked upload {last['bytesPerParticipant']:,} B per participant "
          f"({n * last['bytesPerParticipant'] / 1e6:.2f} MB for {n}), decryption shares {last['decryptionShareBytes'] / 1e6:.2f} MB in all.\n")

    links = folder / "wan-links.csv"
    if links.exists():
        rows = list(csv.DictReader(links.open()))
        print("| round | path | site→aggregator (MB, all sites) | aggregator→site (MB) | total (MB) |")
        print("|---|---|---|---|---|")
        for r in rows:
            up, down = int(r["site_to_aggregator_bytes"]) / 1e6, int(r["aggregator_to_site_bytes"]) / 1e6
            print(f"| {r['round']} | {r['path']} | {up:.2f} | {down:.2f} | {up + down:.2f} |")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "perf/results/wan-1gbit-20ms"))
