"""Membership inference against a federated WDBC classifier: the loss-threshold attack (Yeom et al. 2018) and the
online likelihood-ratio attack with shadow models (LiRA, Carlini et al. 2022).

Federated training (the same code for every model): K hospitals, R rounds; in each round every hospital starts
from the global model, runs E full-batch gradient steps (learning rate lr) of the binary cross-entropy on its
rows and hands in local - global. How the round's updates become the next global model is the only thing that
differs:
- plaintext FedAvg: base + the mean update;
- the product: the `secagg` CLI (clip to c, DDG noise, encryption, threshold decryption of the sum);
- the attacker's shadows of the product: base + (sum of updates clipped to c + N(0, (z c)^2)) / K, the
  continuous stand-in for the product's discrete noise with the same z and c (public in the consortium file).

Many models are trained at once: parameters carry a leading model axis and every hospital's rows are gathered
into a padded batch, so 64 shadows cost about as much as one model trained alone.
"""
import numpy as np
import torch

HIDDEN, FEATURES = 16, 30
LAYOUT = (("fc1.weight", (HIDDEN, FEATURES)), ("fc1.bias", (HIDDEN,)), ("fc2.weight", (1, HIDDEN)), ("fc2.bias", (1,)))


def dimension():
    return sum(int(np.prod(shape)) for _, shape in LAYOUT)


def initial_models(count, generator):
    """PyTorch's default nn.Linear initialisation for `count` models: a list of [count, *shape] tensors."""
    out = []
    for name, shape in LAYOUT:
        bound = 1 / np.sqrt(FEATURES if name.startswith("fc1") else HIDDEN)
        out.append((torch.rand((count, *shape), generator=generator) * 2 - 1) * bound)
    return out


def logits(params, x):
    """x: [models, rows, features] -> [models, rows]."""
    w1, b1, w2, b2 = params
    h = torch.relu(x @ w1.transpose(1, 2) + b1[:, None, :])
    return (h @ w2.transpose(1, 2)).squeeze(-1) + b2


def hospital_rows(masks, hospitals, generator):
    """Deals each model's member rows (masks: [models, n] bool) at random to `hospitals` hospitals.
    Returns a padded index [models, hospitals, L] and its 0/1 weights."""
    models = masks.shape[0]
    rows = []
    for m in range(models):
        members = torch.nonzero(masks[m]).squeeze(1)
        members = members[torch.randperm(len(members), generator=generator)]
        rows.append([members[j::hospitals] for j in range(hospitals)])
    width = max(len(r) for per_model in rows for r in per_model)
    index = torch.zeros(models, hospitals, width, dtype=torch.long)
    weight = torch.zeros(models, hospitals, width)
    for m, per_model in enumerate(rows):
        for j, r in enumerate(per_model):
            index[m, j, :len(r)] = r
            weight[m, j, :len(r)] = 1
    return index, weight


def local_updates(base, x, y, index, weight, epochs, lr):
    """Every hospital of every model: E gradient steps from `base`; returns local - base as [models, K, *shape]."""
    models, hospitals, width = index.shape
    xb = x[index.reshape(models * hospitals, width)]
    yb = y[index.reshape(models * hospitals, width)]
    w = weight.reshape(models * hospitals, width)
    local = [p.repeat_interleave(hospitals, 0).clone().requires_grad_(True) for p in base]
    for _ in range(epochs):
        out = logits(local, xb)
        loss = (torch.nn.functional.binary_cross_entropy_with_logits(out, yb, reduction="none") * w).sum(1) / w.sum(1)
        grads = torch.autograd.grad(loss.sum(), local)
        with torch.no_grad():
            for p, g in zip(local, grads):
                p -= lr * g
    return [(l.detach() - p.repeat_interleave(hospitals, 0)).reshape(models, hospitals, *p.shape[1:])
            for l, p in zip(local, base)]


def plaintext_fedavg(round_number, base, deltas):
    return [p + d.mean(1) for p, d in zip(base, deltas)]


def simulated_dp(noise_multiplier, clip, generator):
    """The attacker's model of the product's aggregation: clip each hospital's whole update to `clip`, sum, add
    N(0, (z c)^2) per coordinate, divide by the number of hospitals."""
    def aggregate(round_number, base, deltas):
        models, hospitals = deltas[0].shape[:2]
        norm = torch.sqrt(sum((d.reshape(models, hospitals, -1) ** 2).sum(-1) for d in deltas))
        factor = torch.clamp(clip / (norm + 1e-12), max=1.0)
        out = []
        for p, d in zip(base, deltas):
            s = (d * factor.reshape(models, hospitals, *([1] * (d.dim() - 2)))).sum(1)
            out.append(p + (s + noise_multiplier * clip * torch.randn(p.shape, generator=generator)) / hospitals)
        return out
    return aggregate


def train(x, y, masks, hospitals, rounds, epochs, lr, aggregate, generator, initial=None):
    """Federated training of masks.shape[0] models; aggregate(round, base, deltas) -> next global parameters."""
    params = initial if initial is not None else initial_models(masks.shape[0], generator)
    index, weight = hospital_rows(masks, hospitals, generator)
    for r in range(1, rounds + 1):
        deltas = local_updates(params, x, y, index, weight, epochs, lr)
        params = [p.detach() for p in aggregate(r, params, deltas)]
    return params


def confidence(params, x, y):
    """The attack's statistic per model and row: the logit of the probability of the true label,
    log(p / (1 - p)) = +-logit (the loss-threshold attack's monotone transform of -loss)."""
    with torch.no_grad():
        out = logits(params, x.expand(params[0].shape[0], *x.shape))
        return torch.where(y.bool(), out, -out).numpy()


def accuracy(params, x, y, masks):
    """Accuracy of each model on the rows it did not train on."""
    s = confidence(params, x, y)
    return [float((s[m][~masks[m]] > 0).mean()) for m in range(s.shape[0])]


def lira(target_conf, shadow_conf, shadow_masks):
    """Online LiRA: per row, Gaussians fitted to the shadows' statistic with the row IN and OUT of their training
    set; the score is log N(s; mu_in, var_in) - log N(s; mu_out, var_out)."""
    inside = shadow_masks.astype(bool)
    n_in, n_out = inside.sum(0), (~inside).sum(0)
    if n_in.min() < 2 or n_out.min() < 2:
        raise ValueError("every row needs at least two IN and two OUT shadow models")
    mu_in = (shadow_conf * inside).sum(0) / n_in
    mu_out = (shadow_conf * ~inside).sum(0) / n_out
    var_in = (((shadow_conf - mu_in) ** 2) * inside).sum(0) / (n_in - 1) + 1e-6
    var_out = (((shadow_conf - mu_out) ** 2) * ~inside).sum(0) / (n_out - 1) + 1e-6
    log_in = -(target_conf - mu_in) ** 2 / (2 * var_in) - 0.5 * np.log(var_in)
    log_out = -(target_conf - mu_out) ** 2 / (2 * var_out) - 0.5 * np.log(var_out)
    return log_in - log_out


def roc(labels, scores):
    """ROC of `scores` (higher = member): (fpr, tpr) over every threshold, and the AUC (ties count one half)."""
    labels = np.asarray(labels, dtype=bool)
    scores = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-scores, kind="mergesort")
    s, lab = scores[order], labels[order]
    distinct = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tp = np.cumsum(lab)[distinct]
    fp = np.cumsum(~lab)[distinct]
    tpr = np.r_[0, tp / lab.sum()]
    fpr = np.r_[0, fp / (~lab).sum()]
    return fpr, tpr, float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def tpr_at(fpr, tpr, target):
    """TPR at the largest threshold whose FPR does not exceed `target`."""
    return float(tpr[np.searchsorted(fpr, target, side="right") - 1])


def chance_band(positives, negatives, target, quantiles, generator, repetitions=2000):
    """Quantiles of TPR at FPR `target` for an attacker that guesses (scores independent of membership), with
    these exact counts: what 'chance' means for this many rows."""
    labels = np.r_[np.ones(positives, dtype=bool), np.zeros(negatives, dtype=bool)]
    draws = []
    for _ in range(repetitions):
        fpr, tpr, _ = roc(labels, generator.random(len(labels)))
        draws.append(tpr_at(fpr, tpr, target))
    return [float(np.quantile(draws, q)) for q in quantiles]
