"""Experiment 2: membership inference against plaintext FedAvg and against the DP model the product trains.

Each target model trains on a random `mi_member_fraction` of WDBC's 569 rows (its members), dealt to the
hospitals; the other rows are its non-members and its test set. The attacker holds the model, the row and the
public training recipe (and, for the DP model, z and c from the consortium file) and trains shadow models on
random subsets of the same population to calibrate LiRA.
"""
import os

import numpy as np
import torch

from . import membership as mi
from . import product, tensors


def masks(count, rows, fraction, generator):
    return torch.rand(count, rows, generator=generator) < fraction


def train_product_target(plan, cli, root, x, y, z, index, progress):
    """One DP target trained by the product: local training here, every aggregation a real secure round."""
    g = torch.Generator().manual_seed(plan.seed + 7919 * (index + 1))
    member = masks(1, len(y), plan.mi_member_fraction, g)
    initial = mi.initial_models(1, g)
    folder = os.path.join(root, f"membership-dp-{index}")
    os.makedirs(folder, exist_ok=True)
    init = os.path.join(folder, "initial.npz")
    tensors.write_npz(init, {name: p[0].numpy() for (name, _), p in zip(mi.LAYOUT, initial)})
    with product.Consortium(cli, folder, plan.mi_hospitals, plan.mi_clip, mi.dimension(), delta=plan.delta, noise_multiplier=z,
                            planned_rounds=plan.mi_rounds, rounds=plan.mi_rounds) as consortium:
        epsilon = cli.honest_epsilon(plan.mi_hospitals, consortium.max_colluders, mi.dimension(), plan.mi_rounds,
                                     plan.mi_clip, plan.delta, z)
        consortium.serve(init)
        consortium.join()
        progress.step(f"membership DP target {index + 1}: joined")

        def secure_round(round_number, base, deltas):
            updates = [{name: deltas[i][0, j].numpy() for i, (name, _) in enumerate(mi.LAYOUT)}
                       for j in range(plan.mi_hospitals)]
            published = consortium.round(round_number, updates)
            progress.step(f"membership DP target {index + 1}: round {round_number} published")
            return [torch.tensor(published[name]).reshape(1, *shape) for name, shape in mi.LAYOUT]

        params = mi.train(x, y, member, plan.mi_hospitals, plan.mi_rounds, plan.mi_epochs, plan.mi_lr, secure_round, g,
                          initial=initial)
        colluders = consortium.max_colluders
    return params, member, colluders, epsilon


def evaluate(plan, name, target_params, target_masks, shadow_params, shadow_masks, x, y, rng):
    conf_t = mi.confidence(target_params, x, y)
    conf_s = mi.confidence(shadow_params, x, y)
    labels = target_masks.numpy().ravel()
    per_target = {"LiRA": mi.lira(conf_t, conf_s, shadow_masks.numpy()), "loss threshold": conf_t}
    attacks = {name: scores.ravel() for name, scores in per_target.items()}
    positives, negatives = int(labels.sum()), int((~labels).sum())
    out = {"model": name, "targets": int(target_masks.shape[0]), "members": positives, "non_members": negatives,
           "accuracy": mi.accuracy(target_params, x, y, target_masks.numpy()), "attacks": {}}
    for attack, scores in attacks.items():
        fpr, tpr, auc = mi.roc(labels, scores)
        keep = np.unique(np.r_[np.searchsorted(fpr, np.logspace(-4, 0, 200)).clip(0, len(fpr) - 1), 0, len(fpr) - 1])
        out["attacks"][attack] = {"auc": auc, "auc_per_target": [mi.roc(target_masks[t].numpy(), per_target[attack][t])[2]
                                                                 for t in range(target_masks.shape[0])],
                                  "tpr_at_1pct": mi.tpr_at(fpr, tpr, 0.01),
                                  "tpr_at_0.1pct": mi.tpr_at(fpr, tpr, 0.001),
                                  "roc": {"fpr": fpr[keep].tolist(), "tpr": tpr[keep].tolist()}}
    quantiles = (0.5, 0.99, 0.999)
    out["chance_tpr_at_1pct"] = dict(zip(("median", "q99", "q999"),
                                         mi.chance_band(positives, negatives, 0.01, quantiles, rng, plan.chance_repetitions)))
    return out


def start(plan, cli, root, x, y, progress, pool):
    """Puts the DP targets' product training into `pool`, then trains the plaintext targets and all shadows here."""
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    d = mi.dimension()
    z, _ = cli.privacy_plan(plan.mi_hospitals, d, plan.mi_rounds, plan.mi_clip, plan.delta,
                            target_epsilon=plan.mi_target_epsilon)
    jobs = [pool.submit(train_product_target, plan, cli, root, x, y, z, i, progress) for i in range(plan.mi_dp_targets)]
    g = torch.Generator().manual_seed(plan.seed)
    recipe = (plan.mi_hospitals, plan.mi_rounds, plan.mi_epochs, plan.mi_lr)
    shadow_masks = masks(plan.mi_shadows, len(y), plan.mi_member_fraction, g)
    plain_shadows = mi.train(x, y, shadow_masks, *recipe, mi.plaintext_fedavg, g)
    progress.step("membership: plaintext shadows trained")
    target_masks = masks(plan.mi_plaintext_targets, len(y), plan.mi_member_fraction, g)
    plain_targets = mi.train(x, y, target_masks, *recipe, mi.plaintext_fedavg, g)
    progress.step("membership: plaintext targets trained")
    dp_shadows = mi.train(x, y, shadow_masks, *recipe, mi.simulated_dp(z, plan.mi_clip, g), g)
    progress.step("membership: DP shadows trained")
    return {"x": x, "y": y, "z": z, "jobs": jobs, "shadow_masks": shadow_masks,
            "plain_shadows": plain_shadows, "target_masks": target_masks, "plain_targets": plain_targets,
            "dp_shadows": dp_shadows, "dimension": d}


def finish(plan, state, progress):
    """Waits for the product's DP targets and scores both attacks on both kinds of model."""
    x, y = state["x"], state["y"]
    rng = np.random.default_rng(plan.seed)
    plaintext = evaluate(plan, "plaintext FedAvg", state["plain_targets"], state["target_masks"], state["plain_shadows"],
                         state["shadow_masks"], x, y, rng)
    trained = [job.result() for job in state["jobs"]]
    dp_params = [torch.cat([t[0][i] for t in trained]) for i in range(len(mi.LAYOUT))]
    dp_masks = torch.cat([t[1] for t in trained])
    secure = evaluate(plan, "SecAgg DP (product)", dp_params, dp_masks, state["dp_shadows"], state["shadow_masks"],
                      x, y, rng)
    progress.step("membership: attacks scored")
    setting = {"hospitals": plan.mi_hospitals, "rounds": plan.mi_rounds, "local_epochs": plan.mi_epochs,
               "lr": plan.mi_lr, "clip": plan.mi_clip, "target_epsilon": plan.mi_target_epsilon,
               "epsilon": max(t[3] for t in trained), "delta": plan.delta, "noise_multiplier": state["z"],
               "max_colluders": max(t[2] for t in trained), "member_fraction": plan.mi_member_fraction,
               "shadows": plan.mi_shadows, "dimension": state["dimension"], "hidden": mi.HIDDEN}
    return {"setting": setting, "plaintext": plaintext, "secure": secure}
