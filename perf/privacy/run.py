#!/usr/bin/env python3
"""Runs the privacy attack harness against the real `secagg` product and writes results.json, results.md and charts.

  /usr/bin/python3 perf/privacy/run.py            # full run: docs/privacy-evidence/ (about 30 min on 2 cores)
  /usr/bin/python3 perf/privacy/run.py --quick    # CI size: the verdicts only, into a temporary folder

Needs Debian's python3-torch, python3-numpy, python3-sklearn, python3-scipy, python3-matplotlib and the .NET SDK
(the CLI is located under src/ and built in Release unless --secagg says how to run it).
"""
import argparse
import concurrent.futures
import os
import pickle
import shlex
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from privacy_evidence import (aggregator_view, charts, data, exp_leakage, exp_membership, floating_point,  # noqa: E402
                              product, report, verdicts)
from privacy_evidence.plan import CONTROL_Z, FULL, QUICK  # noqa: E402
from privacy_evidence.progress import Progress  # noqa: E402


CHARTS = ("raw-reconstructions.png", "raw-psnr.png", "aggregate-psnr.png", "aggregate-reconstructions.png",
          "uploads-bytes.png", "membership-roc.png", "float-granularity.png")


def steps(plan):
    raw = sum(3 if b == 1 else 2 for b in plan.raw_batches) * plan.raw_trials
    aggregate = sum(1 + c.trials * (5 if c.plaintext_twin else 3) for c in plan.aggregates)
    membership = plan.mi_dp_targets * (1 + plan.mi_rounds) + 4
    return raw + aggregate + membership + 3


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="CI size (the verdicts, a few minutes)")
    p.add_argument("--out", help="results folder (default: docs/privacy-evidence, or a temporary folder with --quick)")
    p.add_argument("--secagg", help="how to run the CLI, e.g. 'dotnet path/secagg.dll' (default: locate and build it)")
    p.add_argument("--work", help="folder for the consortia (default: a temporary folder, removed at the end)")
    p.add_argument("--keep-data", metavar="PICKLE", help="also save what the report and charts are drawn from")
    p.add_argument("--redraw", metavar="PICKLE", help="redraw report and charts from --keep-data (no attacks, no CLI)")
    a = p.parse_args()
    if a.redraw:
        with open(a.redraw, "rb") as f:
            saved = pickle.load(f)
        document = draw(a.out or saved["out"], saved["plan"], saved["results"], saved["runs"], data.digits()[0])
        return summarize(a.out or saved["out"], document)

    torch.set_num_threads(1)
    plan = QUICK if a.quick else FULL
    repo = product.repository_root()
    command = shlex.split(a.secagg) if a.secagg else product.locate_cli(repo)
    cli = product.Cli(command)
    out = a.out or (tempfile.mkdtemp(prefix="secagg-privacy-out-") if a.quick else os.path.join(repo, "docs", "privacy-evidence"))
    work = a.work or tempfile.mkdtemp(prefix="secagg-privacy-")
    started = time.monotonic()
    progress = Progress(steps(plan))
    xd, yd = data.digits()
    xw, yw = data.wdbc()
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=plan.parallel) as pool:
            # The product's rounds mostly wait on each other; attacks and shadow training run here meanwhile.
            membership_state = exp_membership.start(plan, cli, work, xw, yw, progress, pool)
            consortia = [pool.submit(exp_leakage.run_consortium, plan, c, cli, work, xd, yd, progress) for c in plan.aggregates]
            raw = exp_leakage.raw_updates(plan, xd, yd, progress)
            floating = floating_point.run(plan.float_samples, plan.float_sigma, plan.seed)
            progress.step("floating-point attack")
            runs, aggregate = [], []
            for job in concurrent.futures.as_completed(consortia):
                run = job.result()
                runs.append(run)
                aggregate += exp_leakage.attack_consortium(plan, run, xd, progress)
            membership = exp_membership.finish(plan, membership_state, progress)
        runs.sort(key=lambda r: plan.aggregates.index(r["config"]))
        view = aggregator_view.analyse(runs)
        progress.step("aggregator view")
        results = {"raw": raw, "aggregate": aggregate, "aggregator_view": view, "membership": membership,
                   "floating_point": floating, "control_z": CONTROL_Z, "seconds": time.monotonic() - started,
                   "epsilon_round": {r["config"].label: r["epsilon_round"] for r in runs},
                   "commands": {"run": "/usr/bin/python3 perf/privacy/run.py" + (" --quick" if a.quick else ""),
                                "secagg": " ".join(os.path.relpath(c, repo) if c.startswith(repo + os.sep) else c
                                                   for c in command)}}
        results["verdicts"] = verdicts.evaluate(results)
        if a.keep_data:
            with open(a.keep_data, "wb") as f:
                pickle.dump({"out": out, "plan": plan, "results": results, "runs": runs}, f)
        document = draw(out, plan, results, runs, xd)
        progress.step("report written")
    finally:
        progress.close()
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)
    return summarize(out, document)


def draw(out, plan, results, runs, digits):
    """results.json and results.md first (a chart problem loses no figures), then the charts."""
    raw_rows, aggregate_rows = report.leakage_tables(results["raw"], results["aggregate"], runs)
    document = report.write(out, plan, results, raw_rows, aggregate_rows, CHARTS)
    charts.raw_reconstructions(results["raw"], digits, out)
    charts.raw_psnr(results["raw"], out)
    charts.aggregate_psnr(results["aggregate"], runs, out)
    charts.aggregate_reconstructions(results["aggregate"], digits, out)
    charts.upload_bytes(results["aggregator_view"], out)
    charts.membership_roc(results["membership"], out)
    charts.float_granularity(results["floating_point"], out)
    return document


def summarize(out, document):
    print(f"results: {os.path.join(out, 'results.md')}")
    for name, v in document["verdicts"].items():
        print(f"{'PASS' if v['holds'] else 'FAIL'} {name}: {v['detail']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
