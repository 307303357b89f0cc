#!/usr/bin/env python3
"""Per-pair stage medians of a perf/round-ab.sh folder: perf/round-ab-stages.py OUT [first_round]

For each sweep OUT/<side>-<pair>: the secure and plaintext round (median of rounds >= first_round, default 2), their
ratio, the secure stages (encrypt, upload, approve, decryption shares, combine + publish, download) and the CPU-seconds
of the aggregator and the participants, one line per sweep, then the median of each column per side. Rounds with a
higher first_round leave out the warm-up of the plaintext path, which keeps getting faster for a few rounds."""
import csv, glob, os, statistics, sys

out = sys.argv[1]
first = int(sys.argv[2]) if len(sys.argv) > 2 else 2
stages = ["encrypt", "upload", "approve", "decryption_shares", "combine_publish", "download"]
cols = ["secure_s", "plaintext_s", "ratio"] + stages + ["secure_agg_cpu", "secure_part_cpu", "plain_agg_cpu", "plain_part_cpu", "cpu_ratio"]
rows = {}
for d in sorted(glob.glob(os.path.join(out, "[AB]-*"))):
    path = os.path.join(d, "roundbench-rounds.csv")
    if not os.path.isfile(path):
        continue
    with open(path) as f:
        header = f.readline().strip().split(",")
        body = [l.strip().split(",") for l in f if l.strip()]
    ri = header.index("round"); rs = len(header) - 1 - header[::-1].index("round"); pi = header.index("path")
    def med(p, col=None):
        ci = rs if col is None else header.index(col)
        return statistics.median(float(x[ci]) for x in body if x[pi] == p and int(x[ri]) >= first)
    s, p = med("secure"), med("plaintext")
    sc = (med("secure", "aggregator_cpu_s"), med("secure", "participant_cpu_s"))
    pc = (med("plaintext", "aggregator_cpu_s"), med("plaintext", "participant_cpu_s"))
    rows[os.path.basename(d)] = [s, p, s / p] + [med("secure", c) for c in stages] + [sc[0], sc[1], pc[0], pc[1], sum(sc) / sum(pc)]
print(f"rounds >= {first}; " + ",".join(["sweep"] + cols))
for k, v in rows.items():
    print(k + "," + ",".join(f"{x:.3f}" for x in v))
for side in "AB":
    vs = [v for k, v in rows.items() if k.startswith(side + "-")]
    if vs:
        print(f"{side} median," + ",".join(f"{statistics.median(c):.3f}" for c in zip(*vs)))
