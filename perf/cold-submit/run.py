#!/usr/bin/env python3
"""Cold `secagg participant submit`: a JIT-only build (A) against a ReadyToRun build (B), rounds interleaved.

What a training job runs each round is a fresh `secagg participant submit` process. This harness publishes the CLI
twice with scripts/publish-cli.sh (A: -p:PublishReadyToRun=false, B: the project's ReadyToRun publish; the same
framework-dependent linux-x64 layout, the same apphost), then for each point (N participants, dimension d):
`secagg consortium init --demo-keys`, one `secagg aggregator serve` (build A, long-lived, the same for both sides),
one `secagg participant join` per site, one warm-up round (not counted: the aggregator's own first round is cold), and
then rounds that alternate A, B, A, B, ... : in each round all N sites run `submit` concurrently as fresh processes of
that round's build, each under /usr/bin/time (wall, user + system CPU, peak RSS of that process).

  /usr/bin/python3 perf/cold-submit/run.py                          # N in {3,4,5}, d in {1e5,1e6}, 5 pairs
  /usr/bin/python3 perf/cold-submit/run.py --participants 3 --dimensions 1e5 --pairs 1 --out /tmp/cs   # smoke run
  --a/--b NAME=ARGS compare two other publishes; --a-env/--b-env "KEY=VALUE ..." a runtime setting, e.g.
  --a r2r= --b r2r-nopgo= --b-env DOTNET_TieredPGO=0   (the same ReadyToRun binaries, TieredPGO off in B)

Writes OUT/cold-submit.csv (one row per submit process), OUT/summary.md (medians and same-pair B/A ratios) and
OUT/cold-submit.svg. Needs the .NET SDK, /usr/bin/time and python3-numpy.
"""
import argparse
import datetime
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "privacy"))

import numpy as np  # noqa: E402

from privacy_evidence import product, tensors  # noqa: E402

import chart  # noqa: E402

DEFAULT_BUILDS = {"A": "jit=-p:PublishReadyToRun=false", "B": "r2r="}
RUSAGE = re.compile(r"^@@rusage (\S+) (\S+) (\S+) (\d+)\s*$", re.M)
COLUMNS = ["n", "d", "round", "pair", "build", "participant", "wall_s", "cpu_s", "user_s", "sys_s", "max_rss_mb",
           "round_wall_s", "load1"]


def build_spec(text):
    """"name=publish arguments" (space-separated) -> (name, [arguments])."""
    name, _, arguments = text.partition("=")
    return name, arguments.split()


def publish(repo, work, builds):
    """Both builds, published side by side; returns {side: path of the secagg executable}."""
    paths = {}
    for side, (name, extra) in builds.items():
        out = os.path.join(work, name)
        shutil.rmtree(out, ignore_errors=True)
        started = time.monotonic()
        result = subprocess.run([os.path.join(repo, "scripts", "publish-cli.sh"), out, *extra], check=True,
                                stdout=subprocess.PIPE, text=True)
        paths[side] = result.stdout.strip().splitlines()[-1]
        print(f"published {side} ({name}) in {time.monotonic() - started:.0f} s: {paths[side]}", flush=True)
    return paths


def timed_cli(secagg, environment):
    """`secagg` under /usr/bin/time; `environment`: "KEY=VALUE ..." added to its environment (e.g. DOTNET_TieredPGO=0)."""
    cli = product.Cli(["/usr/bin/time", "-f", "@@rusage %e %U %S %M", secagg])
    cli.env.update(item.split("=", 1) for item in environment.split())
    return cli


def submit_round(clis, consortium, side, number, updates):
    """One round: every site's `submit` as a fresh process of build `side`; returns one dict per process."""
    cli = clis[side]
    started = time.monotonic()
    load1 = os.getloadavg()[0]
    running = [(h, cli.start("participant", "submit", *consortium.identity(h), "--update", updates[h], "--round", number))
               for h in consortium.ids]
    rows, errors = [], []
    for h, process in running:
        try:
            out = product.finish(process, ("participant", "submit"), 900)
        except product.ProductError as e:
            errors.append(str(e))
            continue
        m = RUSAGE.findall(out)
        if not m:
            errors.append(f"{h}: no /usr/bin/time line in:\n{out}")
            continue
        wall, user, system, rss_kb = m[-1]
        rows.append({"participant": h, "wall_s": float(wall), "user_s": float(user), "sys_s": float(system),
                     "cpu_s": float(user) + float(system), "max_rss_mb": int(rss_kb) / 1024, "load1": load1})
    round_wall = time.monotonic() - started
    if errors:
        raise product.ProductError("\n".join(errors) + "\naggregator log:\n" + "".join(consortium.log[-40:]))
    for row in rows:
        row["round_wall_s"] = round_wall
    return rows


def run_point(clis, plain_cli, work, n, d, pairs, seed):
    folder = os.path.join(work, f"n{n}-d{d}")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    rounds = 1 + 2 * pairs
    rng = np.random.default_rng(seed)
    model = os.path.join(folder, "initial.npz")
    tensors.write_npz(model, {"w": np.zeros(d, dtype=np.float32)})
    with product.Consortium(plain_cli, folder, n, clip=1.0, dimension=d, target_epsilon=8, planned_rounds=rounds,
                            rounds=rounds) as consortium:
        updates = {}
        for h in consortium.ids:
            updates[h] = os.path.join(folder, f"update-{h}.safetensors")
            tensors.write_safetensors(updates[h], {"w": rng.normal(0, 1e-3, d).astype(np.float32)})
        consortium.serve(model)
        started = time.monotonic()
        consortium.join()
        print(f"N={n} d={d}: joined in {time.monotonic() - started:.1f} s", flush=True)
        submit_round(clis, consortium, "A", 1, updates)
        rows = []
        for number in range(2, rounds + 1):
            side = "A" if number % 2 == 0 else "B"
            got = submit_round(clis, consortium, side, number, updates)
            for row in got:
                row.update(n=n, d=d, round=number, pair=number // 2, build=side)
            rows.extend(got)
            print(f"N={n} d={d} round {number} {side}: median wall {statistics.median(r['wall_s'] for r in got):.2f} s, "
                  f"median CPU {statistics.median(r['cpu_s'] for r in got):.2f} s, load {got[0]['load1']:.1f}", flush=True)
        return rows


def read_csv(path):
    """Rows an earlier run wrote (for --append)."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        header = f.readline().strip().split(",")
        rows = [dict(zip(header, line.strip().split(","))) for line in f if line.strip()]
    for r in rows:
        for c in COLUMNS:
            r[c] = r[c] if c in ("build", "participant") else int(r[c]) if c in ("n", "d", "round", "pair") else float(r[c])
    return rows


def write_csv(path, rows):
    with open(path, "w") as f:
        f.write(",".join(COLUMNS) + "\n")
        for r in rows:
            f.write(",".join(f"{r[c]:.3f}" if isinstance(r[c], float) else str(r[c]) for c in COLUMNS) + "\n")


def summarize(rows, points):
    """Per point: the median per-process wall and CPU-s of each build, and the B/A ratio of each pair's medians."""
    out = []
    for n, d in points:
        mine = [r for r in rows if r["n"] == n and r["d"] == d]
        entry = {"n": n, "d": d}
        for metric in ("wall_s", "cpu_s", "max_rss_mb"):
            for side in "AB":
                entry[f"{side}_{metric}"] = statistics.median(r[metric] for r in mine if r["build"] == side)
            ratios = []
            for pair in sorted({r["pair"] for r in mine}):
                a = [r[metric] for r in mine if r["pair"] == pair and r["build"] == "A"]
                b = [r[metric] for r in mine if r["pair"] == pair and r["build"] == "B"]
                if a and b:
                    ratios.append(statistics.median(b) / statistics.median(a))
            entry[f"ratio_{metric}"] = (statistics.median(ratios), min(ratios), max(ratios))
        out.append(entry)
    return out


def markdown(summary, command, started, finished, loads, names):
    lines = [f"Command: `{command}`; {started:%Y-%m-%d %H:%M}–{finished:%H:%M} UTC; load average (1 min) "
             f"{min(loads):.1f}–{max(loads):.1f} at round starts; {os.cpu_count()} cores.", "",
             "Per `submit` process (median over the N sites and the rounds of each build); B/A: median [min–max] over the "
             "pairs of the ratio of each pair's medians.", "",
             f"| N | d | wall A {names['A']} (s) | wall B {names['B']} (s) | B/A wall | CPU-s A | CPU-s B | B/A CPU-s | peak RSS A / B (MB) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for e in summary:
        rw, rc = e["ratio_wall_s"], e["ratio_cpu_s"]
        lines.append(f"| {e['n']} | {e['d']:.0e} | {e['A_wall_s']:.2f} | {e['B_wall_s']:.2f} | {rw[0]:.2f} [{rw[1]:.2f}–{rw[2]:.2f}] "
                     f"| {e['A_cpu_s']:.2f} | {e['B_cpu_s']:.2f} | {rc[0]:.2f} [{rc[1]:.2f}–{rc[2]:.2f}] "
                     f"| {e['A_max_rss_mb']:.0f} / {e['B_max_rss_mb']:.0f} |")
    return "\n".join(lines) + "\n"


def number_list(text):
    return [int(float(x)) for x in text.split(",")]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--participants", default="3,4,5", help="N values, e.g. 3,4,5")
    p.add_argument("--dimensions", default="1e5,1e6", help="d values, e.g. 1e5,1e6")
    p.add_argument("--pairs", type=int, default=5, help="A/B round pairs per point (after one warm-up round)")
    p.add_argument("--out", default=os.path.join(HERE, "..", "results", "cold-submit"))
    p.add_argument("--work", help="folder for the builds and consortia (default: a temporary folder, removed at the end)")
    p.add_argument("--a", default=DEFAULT_BUILDS["A"], help="build A as NAME=dotnet publish arguments (default: %(default)s)")
    p.add_argument("--b", default=DEFAULT_BUILDS["B"], help="build B likewise (default: %(default)s, the project's ReadyToRun publish)")
    p.add_argument("--a-env", default="", help="environment of build A's submit processes, e.g. DOTNET_TieredPGO=0")
    p.add_argument("--b-env", default="", help="environment of build B's submit processes")
    p.add_argument("--builds", help="folder already holding NAME_A/secagg and NAME_B/secagg (skips publishing)")
    p.add_argument("--report-only", action="store_true", help="only redraw summary.md and the chart from OUT/cold-submit.csv")
    p.add_argument("--append", action="store_true", help="keep the other points already in OUT/cold-submit.csv (same session only)")
    a = p.parse_args()
    repo = product.repository_root()
    builds = {"A": build_spec(a.a), "B": build_spec(a.b)}
    work = a.work or tempfile.mkdtemp(prefix="cold-submit-")
    os.makedirs(a.out, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)
    try:
        if a.report_only:
            paths = {}
        elif a.builds:
            paths = {side: os.path.join(a.builds, name, "secagg") for side, (name, _) in builds.items()}
        else:
            paths = publish(repo, os.path.join(work, "builds"), builds)
        clis = {side: timed_cli(path, a.a_env if side == "A" else a.b_env) for side, path in paths.items()}
        plain_cli = product.Cli([paths.get("A", "secagg")])
        points = [] if a.report_only else [(n, d) for d in number_list(a.dimensions) for n in number_list(a.participants)]
        keep = a.append or a.report_only
        rows = [r for r in read_csv(os.path.join(a.out, "cold-submit.csv")) if (r["n"], r["d"]) not in points] if keep else []
        points = sorted({(r["n"], r["d"]) for r in rows} | set(points), key=lambda p: (p[1], p[0]))
        todo = [p for p in points if not any((r["n"], r["d"]) == p for r in rows)]
        for i, (n, d) in enumerate(todo):
            rows.extend(run_point(clis, plain_cli, work, n, d, a.pairs, seed=17 + i))
            write_csv(os.path.join(a.out, "cold-submit.csv"), rows)
        finished = datetime.datetime.now(datetime.timezone.utc)
        summary = summarize(rows, points)
        command = "/usr/bin/python3 perf/cold-submit/run.py " + " ".join(sys.argv[1:])
        if keep:
            command += " (summary over every point in the CSV; the times are this invocation's, not the measurement's)"
        names = {side: name for side, (name, _) in builds.items()}
        text = markdown(summary, command.strip(), started, finished, [r["load1"] for r in rows], names)
        with open(os.path.join(a.out, "summary.md"), "w") as f:
            f.write(text)
        with open(os.path.join(a.out, "cold-submit.svg"), "w") as f:
            f.write(chart.grouped_bars(
                "Fresh `secagg participant submit`: median per process",
                [f"N={e['n']} d={e['d']:.0e}" for e in summary],
                {f"wall, A {names['A']} (s)": [e["A_wall_s"] for e in summary], f"wall, B {names['B']} (s)": [e["B_wall_s"] for e in summary],
                 f"CPU, A {names['A']} (s)": [e["A_cpu_s"] for e in summary], f"CPU, B {names['B']} (s)": [e["B_cpu_s"] for e in summary]},
                "seconds"))
        print(text)
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
