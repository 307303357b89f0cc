"""Experiment 1: gradient leakage from (a) one hospital's raw update and (c) the model delta the product releases
after a real secure round, next to plaintext FedAvg of the very same updates."""
import os

import numpy as np
import torch

from . import gradient_leakage as gl
from . import product, tensors

RAW_METHODS = {1: ("dlg", "idlg", "ig")}
METHODS = ("dlg", "ig")


def raw_updates(plan, x, y, progress):
    """(a) Each trial: a fresh model, one hospital's batch of B digits, its update exactly as it would upload it
    without SecAgg; every attack reconstructs the batch from it."""
    rng = np.random.default_rng(plan.seed)
    results = []
    for batch in plan.raw_batches:
        for trial in range(plan.raw_trials):
            model = gl.initial_model(plan.seed + 100 * batch + trial)
            idx = rng.choice(len(x), batch, replace=False)
            update = gl.hospital_update(model, x[idx], y[idx], plan.lr)
            for method in RAW_METHODS.get(batch, METHODS):
                rec = gl.attack(method, model, update, batch, plan.lr, seed=trial, effort=plan.effort)
                results.append({"batch": batch, "trial": trial, "method": method, "indices": idx.tolist(),
                                "reconstruction": rec.tolist(), "pairs": gl.score(rec, x[idx], idx, x),
                                "baseline_psnr": gl.baseline_psnr(x[idx], x)})
                progress.step(f"raw update B={batch} trial {trial + 1} {method}")
    return results


def run_consortium(plan, config, cli, root, x, y, progress):
    """(c) One consortium through the CLI: per round, each hospital takes one digit, uploads its one-step update
    with `secagg participant submit`; the published model minus the round's base is what everyone sees."""
    folder = os.path.join(root, f"aggregate-{config.label}")
    os.makedirs(folder, exist_ok=True)
    d = gl.dimension()
    # z from the product's accountant for the target; the consortium runs exactly this z (dp.noise-sigma)
    z = config.noise_multiplier if config.noise_multiplier is not None else cli.privacy_plan(
        config.hospitals, d, config.planned_rounds, plan.clip, plan.delta, target_epsilon=config.target_epsilon)[0]
    base = gl.initial_model(plan.seed + hash_label(config.label))
    init = os.path.join(folder, "initial.npz")
    tensors.write_npz(init, base)
    rng = np.random.default_rng(plan.seed + hash_label(config.label))
    chosen = rng.choice(len(x), config.hospitals * config.trials, replace=False).reshape(config.trials, config.hospitals)
    trials, uploads = [], []
    with product.Consortium(cli, folder, config.hospitals, plan.clip, d, delta=plan.delta, noise_multiplier=z,
                            planned_rounds=config.planned_rounds, rounds=config.trials) as consortium:
        epsilon_round = cli.honest_epsilon(config.hospitals, consortium.max_colluders, d, 1, plan.clip, plan.delta, z)
        consortium.serve(init)
        consortium.join()
        progress.step(f"{config.label}: {config.hospitals} hospitals joined")
        for r in range(1, config.trials + 1):
            idx = chosen[r - 1]
            updates = [gl.hospital_update(base, x[i:i + 1], y[i:i + 1], plan.lr) for i in idx]
            published = consortium.round(r, [gl.unflatten(u.numpy()) for u in updates])
            released = flat(published) - flat(base)
            exact = torch.stack([gl.clipped(u, plan.clip) for u in updates]).mean(0).numpy()
            trials.append({"round": r, "indices": idx.tolist(), "base": base, "released": released,
                           "plaintext": torch.stack(updates).mean(0).numpy(),
                           "release_error": float(np.linalg.norm(released - exact)),
                           "expected_noise": z * plan.clip * np.sqrt(d) / config.hospitals,
                           "signal": float(np.linalg.norm(exact))})
            uploads.append({"round": r, "updates": [u.numpy() for u in updates],
                            "files": [f for h in consortium.ids for f in consortium.upload_files(h)
                                      if f.endswith(f"upload-round-{r}.chunks")],
                            "published": flat(published)})
            base = published
            progress.step(f"{config.label}: round {r} published")
    aggregator_files = consortium.aggregator_files()  # after shutdown: the database is checkpointed
    colluders = consortium.max_colluders
    return {"config": config, "z": z, "epsilon_round": epsilon_round, "delta": plan.delta,
            "epsilon_planned": None if config.noise_multiplier is not None else config.target_epsilon,
            "max_colluders": colluders, "trials": trials, "uploads": uploads, "aggregator_files": aggregator_files}


def attack_consortium(plan, run, x, progress):
    """Attacks every round of one consortium: the product's release (clip modeled) and plaintext FedAvg."""
    config = run["config"]
    out = []
    for t in run["trials"]:
        idx = np.array(t["indices"])
        views = [("product", t["released"], plan.clip)] + ([("plaintext", t["plaintext"], None)] if config.plaintext_twin else [])
        for view, observed, clip in views:
            for method in METHODS:
                rec = gl.attack(method, t["base"], observed, config.hospitals, plan.lr, clip=clip,
                                hospitals=config.hospitals, seed=t["round"], effort=plan.effort)
                out.append({"label": config.label, "hospitals": config.hospitals, "round": t["round"], "view": view,
                            "method": method, "indices": idx.tolist(), "reconstruction": rec.tolist(),
                            "pairs": gl.score(rec, x[idx], idx, x), "baseline_psnr": gl.baseline_psnr(x[idx], x)})
                progress.step(f"{config.label} round {t['round']}: {method} on {view}")
    return out


def flat(model):
    return np.concatenate([np.asarray(model[name], dtype=np.float32).reshape(-1) for name, _ in gl.LAYOUT])


def hash_label(label):
    return sum(ord(ch) * (i + 1) for i, ch in enumerate(label)) % 10_000
