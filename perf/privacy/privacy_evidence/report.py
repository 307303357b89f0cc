"""Writes a run's results.json (verdicts, figures; read by the xunit test) and results.md (tables for the report)."""
import json
import os

import numpy as np

from .charts import best_per_image
from .verdicts import reconstructed


def _summary(values):
    return {"mean": float(np.mean(values)), "min": float(np.min(values)), "max": float(np.max(values))} if values else {}


def leakage_tables(raw, aggregate, runs):
    by_setting = {}
    for e in raw:
        by_setting.setdefault((e["batch"], e["method"]), []).append(e)
    raw_rows = [{"batch": b, "method": m, "images": sum(len(e["pairs"]) for e in es),
                 "psnr": _summary([p["psnr"] for e in es for p in e["pairs"]]),
                 "identified": sum(p["identified"] for e in es for p in e["pairs"]),
                 "reconstructed": sum(reconstructed(p) for e in es for p in e["pairs"]),
                 "baseline_psnr": float(np.mean([v for e in es for v in e["baseline_psnr"]]))}
                for (b, m), es in sorted(by_setting.items())]
    best = best_per_image(aggregate)
    rows = []
    for run in runs:
        c = run["config"]
        row = {"label": c.label, "hospitals": c.hospitals, "rounds_attacked": c.trials, "z": run["z"],
               "epsilon_round": run["epsilon_round"], "epsilon_planned": run["epsilon_planned"],
               "planned_rounds": c.planned_rounds, "delta": run["delta"], "max_colluders": run["max_colluders"],
               "release_error": [t["release_error"] for t in run["trials"]],
               "expected_noise": run["trials"][0]["expected_noise"],
               "signal": [t["signal"] for t in run["trials"]]}
        for view in ("product", "plaintext"):
            picked = [(v, p) for (label, _, vw, _), (v, _, p) in best.items() if label == c.label and vw == view]
            row[view] = {"psnr": _summary([v for v, _ in picked]), "images": len(picked),
                         "identified": sum(p["identified"] for _, p in picked),
                         "reconstructed": sum(reconstructed(p) for _, p in picked)}
        rows.append(row)
    return raw_rows, rows


def strip(entries):
    return [{k: v for k, v in e.items() if k != "reconstruction"} for e in entries]


def write(folder, plan, results, raw_rows, aggregate_rows, charts):
    """Writes results.json and results.md before the charts are drawn (a chart problem loses no figures)."""
    os.makedirs(folder, exist_ok=True)
    document = {
        "plan": plan.name,
        "verdicts": results["verdicts"],
        "leakage": {"raw": raw_rows, "aggregate": aggregate_rows},
        "aggregator_view": {k: [{kk: vv for kk, vv in e.items() if kk != "histogram"} for e in v]
                            for k, v in results["aggregator_view"].items()},
        "membership": results["membership"],
        "floating_point": results["floating_point"],
        "charts": list(charts),
        "seconds": results["seconds"],
        "commands": results["commands"],
    }
    with open(os.path.join(folder, "results.json"), "w") as f:
        json.dump(document, f, indent=1, default=float)
    with open(os.path.join(folder, "results.md"), "w") as f:
        f.write(markdown(document))
    return document


def _fmt(x, digits=1):
    return "–" if x is None else ("∞" if x == float("inf") else f"{x:.{digits}f}")


def markdown(doc):
    lines = [f"# Privacy evidence: {doc['plan']} run", "", f"Command: `{doc['commands']['run']}`  ",
             f"CLI: `{doc['commands']['secagg']}`; {doc['seconds']:.0f} s.", "", "## Verdicts", "",
             "| verdict | holds | detail |", "|---|---|---|"]
    lines += [f"| {k} | {'yes' if v['holds'] else '**no**'} | {v['detail']} |" for k, v in doc["verdicts"].items()]
    lines += ["", "## (a) One hospital's raw update", "",
              "| batch | attack | images | PSNR mean (min–max) dB | identified | reconstructed | mean-image guess dB |",
              "|---|---|---|---|---|---|---|"]
    for r in doc["leakage"]["raw"]:
        p = r["psnr"]
        lines.append(f"| {r['batch']} | {r['method'].upper()} | {r['images']} | {p['mean']:.1f} ({p['min']:.1f}–{p['max']:.1f}) "
                     f"| {r['identified']} | {r['reconstructed']} | {r['baseline_psnr']:.1f} |")
    lines += ["", "## (c) Released model delta of real secure rounds vs plaintext FedAvg of the same updates", "",
              "Best of DLG and IG per image (the attacker's best). ε per released round at δ; c = max-colluders "
              "read from the consortium file (the accountant counts k − c honest summands).", "",
              "| consortium | hospitals k | z | ε per round | planned ε (rounds) | δ | c | ‖release − clipped mean‖ per round "
              "(DP noise z·c·√d/k; signal) | product PSNR mean (max) | product reconstructed | plaintext PSNR mean (max) "
              "| plaintext reconstructed |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in doc["leakage"]["aggregate"]:
        pr, pl = r["product"], r["plaintext"]
        planned = "–" if r["epsilon_planned"] is None else f"{r['epsilon_planned']:g} ({r['planned_rounds']})"
        lines.append(f"| {r['label']} | {r['hospitals']} | {r['z']:.4g} | {r['epsilon_round']:.4g} | {planned} | {r['delta']:g} "
                     f"| {r['max_colluders']} | {', '.join(f'{e:.3g}' for e in r['release_error'])} ({r['expected_noise']:.3g}; "
                     f"{np.mean(r['signal']):.3g}) | {_fmt(pr['psnr'].get('mean'))} ({_fmt(pr['psnr'].get('max'))}) "
                     f"| {pr['reconstructed']}/{pr['images']} | {_fmt(pl['psnr'].get('mean'))} ({_fmt(pl['psnr'].get('max'))}) "
                     f"| {pl['reconstructed']}/{pl['images']} |")
    v = doc["aggregator_view"]
    lines += ["", "## (b) What the aggregator holds", "",
              "| uploads | bytes each | smallest χ² p | smallest monobit p | smallest zlib ratio |", "|---|---|---|---|---|"]
    if v["uploads"]:
        lines.append(f"| {len(v['uploads'])} | {min(u['bytes'] for u in v['uploads'])}–{max(u['bytes'] for u in v['uploads'])} "
                     f"| {min(u['chi2_p'] for u in v['uploads']):.3g} | {min(u['monobit_p'] for u in v['uploads']):.3g} "
                     f"| {min(u['compression_ratio'] for u in v['uploads']):.4f} |")
        lines.append(f"| plaintext updates ({len(v['plaintext_updates'])}) | {v['plaintext_updates'][0]['bytes']} "
                     f"| {max(u['chi2_p'] for u in v['plaintext_updates']):.3g} (largest) "
                     f"| {max(u['monobit_p'] for u in v['plaintext_updates']):.3g} (largest) "
                     f"| {max(u['compression_ratio'] for u in v['plaintext_updates']):.4f} (largest) |")
    m = doc["membership"]
    s = m["setting"]
    lines += ["", "## Membership inference (WDBC)", "",
              f"MLP 30-{s['hidden']}-1 ({s['dimension']} parameters), {s['hospitals']} hospitals, {s['rounds']} rounds of "
              f"{s['local_epochs']} local full-batch steps (lr {s['lr']}), members = {s['member_fraction']:.0%} of the rows; "
              f"DP: clip {s['clip']}, ε = {s['epsilon']:.3g} over {s['rounds']} rounds at δ = {s['delta']:g} "
              f"(z = {s['noise_multiplier']:.4g}, c = {s['max_colluders']}); {s['shadows']} shadow models.", "",
              "| model | targets | members / non-members | test accuracy | attack | AUC (per target: mean ± sd) | TPR@1% FPR "
              "| TPR@0.1% FPR | chance TPR@1% (median / q99 / q99.9) |", "|---|---|---|---|---|---|---|---|---|"]
    for part in (m["plaintext"], m["secure"]):
        ch = part["chance_tpr_at_1pct"]
        for attack, a in part["attacks"].items():
            lines.append(f"| {part['model']} | {part['targets']} | {part['members']} / {part['non_members']} "
                         f"| {np.mean(part['accuracy']):.3f} | {attack} | {a['auc']:.3f} ({np.mean(a['auc_per_target']):.3f} ± "
                         f"{np.std(a['auc_per_target'], ddof=1) if len(a['auc_per_target']) > 1 else 0:.3f}) | {a['tpr_at_1pct']:.3f} "
                         f"| {a['tpr_at_0.1pct']:.4f} | {ch['median']:.3f} / {ch['q99']:.3f} / {ch['q999']:.3f} |")
    f = doc["floating_point"]
    lines += ["", "## Floating-point attack", "",
              f"{f['mechanism']}, σ = {f['sigma']} (the accountant: ε = {f['gaussian_epsilon_at_delta_1e-6']:.4f} at "
              f"δ = 1e-6), {f['samples_per_input']} outputs per input: P[M(0) ∈ S] = {f['p0_event']:.4f}, "
              f"P[M(1) ∈ S] = {f['p1_event']:.4f}.", ""]
    return "\n".join(lines)
